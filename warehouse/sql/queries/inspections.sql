-- inspections — one row per inspection with the organ's and vendor's names, the inspectors, and the count of
-- checklist items failed (不符合) and partly met (部分符合). Source: mart_inspections (+ inspections
-- for the inspectors). Filters: inspected in the period (all time when none), region of the organ,
-- service type of the project, vendor, organ tier, organ. Newest first.
SELECT m.inspection_code, m.inspected_on, m.organ_code, o.organ_name, m.region_code, m.project_code,
       m.vendor_code, v.vendor_name, m.service_type, m.inspection_kind, i.inspectors, m.score, m.grade, m.veto_failed,
       m.items_count, m.n_fail AS failed_items, m.n_partial AS partial_items, m.rectification_due_on
FROM mart_inspections m
LEFT JOIN organs o USING (organ_code)
LEFT JOIN inspections i ON i.inspection_code = m.inspection_code
LEFT JOIN vendors v ON v.vendor_code = m.vendor_code
WHERE ($start IS NULL OR m.inspected_on BETWEEN $start AND $end)
  AND ($region IS NULL OR starts_with(o.region_code, $region))
  AND ($service_type IS NULL OR m.service_type = $service_type)
  AND ($vendor IS NULL OR m.vendor_key = md5_number_lower($vendor))
  AND ($tier IS NULL OR m.organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
  AND ($organ IS NULL OR m.organ_code = $organ)
ORDER BY m.inspected_on DESC, m.inspection_code DESC
LIMIT $limit
