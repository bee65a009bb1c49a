-- parts/in_active_volume — whether a project row counts in the jurisdiction's active volume as of
-- $today (an expression over its start_on, actual_end_on, volume and volume_unit): the volume each
-- vendor's share is taken of (marts/15_vendor_risk_evidence.sql), and the projects whose writing
-- moves every vendor's share (marts/01_scope.sql).
start_on <= $today AND (actual_end_on IS NULL OR actual_end_on >= $today) AND volume > 0 AND volume_unit IS NOT NULL
