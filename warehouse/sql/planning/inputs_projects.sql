-- inputs_projects — the projects active during the plan's period ($start–$end): started by its end
-- and not finished before its start. A visit checks its organ's active projects: their service
-- types give the check items and the expertise the visit needs.
-- Grain: one row per project (current version).
SELECT organ_code, project_code, vendor_code, service_type, involves_classified, start_on
FROM projects
WHERE start_on <= $end AND (actual_end_on IS NULL OR actual_end_on >= $start)
ORDER BY organ_code, project_code
