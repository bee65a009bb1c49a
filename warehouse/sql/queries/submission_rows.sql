-- submission_rows — the rows of mart_submissions (organ × quarter) the filters keep: quarters
-- starting in the period, region, service type / vendor (organs with such a project), organ tier,
-- $only_silent (the organ-quarters that sent nothing), $organ (one organ). No names, no order: what
-- submission_completeness.sql and submission_matrix.sql read.
SELECT s.*
FROM mart_submissions s
LEFT JOIN (SELECT organ_code, service_types, vendor_codes, tier FROM mart_organ_schedule
           WHERE $service_type IS NOT NULL OR $vendor IS NOT NULL OR $tier IS NOT NULL) sch USING (organ_code)
WHERE ($start IS NULL OR s.quarter_start BETWEEN $start AND $end)
  AND ($region IS NULL OR starts_with(s.region_code, $region))
  AND ($service_type IS NULL OR list_contains(sch.service_types, $service_type))
  AND ($vendor IS NULL OR list_contains(sch.vendor_codes, $vendor))
  AND ($tier IS NULL OR sch.tier = $tier)
  AND (NOT $only_silent OR s.sent_nothing)
  AND ($organ IS NULL OR s.organ_code = $organ)
