-- incident_rows — incident reports with their organ, vendor (the report's own, else its project's) and
-- project. A small table: read directly. Grain: one row per incident. No order: incidents.sql
-- lists these rows (most severe first), incident_counts.sql counts them.
-- Filters: occurred in the period (all time when none), region of the organ, service type of the
-- project, vendor, organ tier, organ; `open` is as of $today (not 已结案 by then).
SELECT i.incident_code, i.occurred_at, i.discovered_at, i.reported_at, i.report_delay_hours,
       i.organ_code, o.organ_name, o.region_code,
       coalesce(i.vendor_code, p.vendor_code) AS vendor_code, v.vendor_name, i.project_code,
       p.service_type, i.incident_type, i.severity, i.records_affected, i.involves_classified,
       i.status, i.closed_on, i.description,
       i.reported_at::DATE <= $today AND (i.closed_on IS NULL OR i.closed_on > $today) AS open
FROM incidents i
LEFT JOIN organs o USING (organ_code)
LEFT JOIN projects p ON p.organ_code = i.organ_code AND p.project_code = i.project_code
LEFT JOIN vendors v ON v.vendor_code = coalesce(i.vendor_code, p.vendor_code)
WHERE ($start IS NULL OR i.occurred_at::DATE BETWEEN $start AND $end)
  AND ($region IS NULL OR starts_with(o.region_code, $region))
  AND ($service_type IS NULL OR p.service_type = $service_type)
  AND ($vendor IS NULL OR coalesce(i.vendor_code, p.vendor_code) = $vendor)
  AND ($tier IS NULL OR i.organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
  AND ($organ IS NULL OR i.organ_code = $organ)
