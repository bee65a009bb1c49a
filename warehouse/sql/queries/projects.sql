-- projects — outsourcing projects (current versions) with organ and vendor names, whether active on
-- $today, and how often and when last inspected. Grain: one row per project.
-- Filters: running at some time in the period (started by its end, not finished before its start;
-- all when none), region of the organ, service type, vendor, organ tier, organ.
WITH selected AS (
    SELECT p.*, o.organ_name, o.region_code
    FROM projects p
    LEFT JOIN organs o USING (organ_code)
    WHERE ($start IS NULL OR (p.start_on <= $end AND (p.actual_end_on IS NULL OR p.actual_end_on >= $start)))
      AND ($region IS NULL OR starts_with(o.region_code, $region))
      AND ($service_type IS NULL OR p.service_type = $service_type)
      AND ($vendor IS NULL OR p.vendor_code = $vendor)
      AND ($tier IS NULL OR p.organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
      AND ($organ IS NULL OR p.organ_code = $organ)
),
inspected AS (
    -- the inspections of the selected projects only
    SELECT m.organ_code, m.project_code, count(*) AS inspections, max(m.inspected_on) AS last_inspected_on
    FROM mart_inspections m
    JOIN (SELECT DISTINCT organ_code, project_code FROM selected) s
      ON s.organ_code = m.organ_code AND s.project_code = m.project_code
    WHERE m.inspected_on <= $today
    GROUP BY m.organ_code, m.project_code
)
SELECT p.organ_code, p.organ_name, p.region_code, p.project_code, p.vendor_code, v.vendor_name,
       p.service_type, p.service_type_text, p.involves_classified, p.confidentiality_agreement, p.work_site,
       p.subcontracted, p.signed_on, p.start_on, p.planned_end_on, p.actual_end_on, p.accepted_on,
       p.security_confirmed_on, p.amount_wan, p.volume, p.volume_unit,
       p.start_on <= $today AND (p.actual_end_on IS NULL OR p.actual_end_on >= $today) AS active,
       coalesce(i.inspections, 0) AS inspections, i.last_inspected_on
FROM selected p
LEFT JOIN vendors v ON v.vendor_code = p.vendor_code
LEFT JOIN inspected i ON i.organ_code = p.organ_code AND i.project_code = p.project_code
ORDER BY p.start_on DESC, p.organ_code, p.project_code
LIMIT $limit
