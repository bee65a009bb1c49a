-- kpis — the headline numbers of one period ($start–$end) as of $asof (the period's end, or today
-- when that is earlier): organs supervised (known by then), active projects, inspections and pass
-- rate in the period, open incidents, organs with an overdue check, overdue rectifications. An organ
-- counts as supervised from its first load, first project or first inspection, whichever is first.
-- Grain: one row per KPI. The query layer runs it for the period and the one before.
WITH organs_in AS (
    SELECT s.organ_code
    FROM mart_organ_schedule s
    WHERE ($region IS NULL OR starts_with(s.region_code, $region))
      AND ($service_type IS NULL OR list_contains(s.service_types, $service_type))
      AND ($vendor IS NULL OR list_contains(s.vendor_codes, $vendor))
      AND ($tier IS NULL OR s.tier = $tier)
),
supervised AS (
    SELECT count(*) AS n
    FROM organs_in JOIN mart_organ_loads l USING (organ_code)
    WHERE l.known_since <= $asof
),
active AS (
    SELECT count(*) AS n
    FROM projects p JOIN organs_in USING (organ_code)
    WHERE p.start_on <= $asof AND (p.actual_end_on IS NULL OR p.actual_end_on >= $asof)
      AND ($service_type IS NULL OR p.service_type = $service_type)
      AND ($vendor IS NULL OR p.vendor_code = $vendor)
),
inspected AS (
    SELECT count(*) AS n, count(m.grade) AS graded,
           count(*) FILTER (WHERE list_contains($passing, m.grade)) AS passed
    FROM mart_inspections m JOIN organs_in USING (organ_code)
    WHERE m.inspected_on BETWEEN $start AND $asof
      AND ($service_type IS NULL OR m.service_type = $service_type)
      AND ($vendor IS NULL OR m.vendor_code = $vendor)
),
open_incidents AS (
    SELECT count(*) AS n
    FROM incidents i JOIN organs_in USING (organ_code)
    LEFT JOIN projects p ON p.organ_code = i.organ_code AND p.project_code = i.project_code
    WHERE i.reported_at::DATE <= $asof AND (i.closed_on IS NULL OR i.closed_on > $asof)
      AND ($service_type IS NULL OR p.service_type = $service_type)
      AND ($vendor IS NULL OR coalesce(i.vendor_code, p.vendor_code) = $vendor)
),
overdue_checks AS (
    SELECT count(DISTINCT e.organ_code) AS n
    FROM mart_check_events e JOIN organs_in USING (organ_code)
    WHERE e.due_on < $asof AND (e.achieved_on IS NULL OR e.achieved_on > $asof)
),
overdue_rectifications AS (
    SELECT count(*) AS n
    FROM mart_rectifications r JOIN organs_in USING (organ_code)
    WHERE r.inspected_on <= $asof AND r.due_on < $asof AND (r.resolved_on IS NULL OR r.resolved_on > $asof)
      AND ($service_type IS NULL OR r.service_type = $service_type)
      AND ($vendor IS NULL OR r.vendor_code = $vendor)
)
SELECT 'organs_supervised' AS kpi, n::DOUBLE AS value FROM supervised
UNION ALL SELECT 'active_projects', n FROM active
UNION ALL SELECT 'inspections', n FROM inspected
UNION ALL SELECT 'pass_rate', round(passed / nullif(graded, 0), 4) FROM inspected
UNION ALL SELECT 'open_incidents', n FROM open_incidents
UNION ALL SELECT 'overdue_checks', n FROM overdue_checks
UNION ALL SELECT 'overdue_rectifications', n FROM overdue_rectifications
