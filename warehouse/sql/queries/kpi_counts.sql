-- kpi_counts — the counts behind the headline numbers (queries.kpis), per period, organ region,
-- organ tier and service type: organs supervised (known by the as-of day: first load, first project
-- or first inspection), projects active then, inspections from the period's start to the as-of day
-- (graded, passed: a grade in $passing), incidents open then, organs with a check overdue then,
-- rectifications overdue then. Periods: $starts with their as-of days $asofs (the period's end, or
-- today when that is earlier): stocks are counted on the as-of day, flows over the period to it.
-- $services: the service types to count for, NULL standing for all of them (an organ counts for a
-- service type when it has a project of that type; projects, inspections, incidents and
-- rectifications then only of that type). Filters: region prefix, vendor, organ tier (the mart
-- refresh counts some organs only by giving it their rows of mart_organ_schedule). Projects and
-- incidents are read from mart_projects and mart_incidents (marts/08_activity.sql), the rest from
-- the other marts: every count is then as of the last refresh, and the headline cube can be kept by
-- difference.
-- The rows that cannot count in any of the periods (before the first start, resolved or achieved
-- before the first as-of day) are left out first, with conditions the scans can use.
-- Grain: one row per period, region, tier, service type (NULL: all) and measure with a count.
-- queries/kpis.sql adds it up for the query layer; marts/23_kpi_cube.sql keeps it for the standard
-- periods around the refresh date (mart_kpi_cube).
WITH periods AS (
    SELECT unnest($starts) AS period_start, unnest($asofs) AS as_of
),
choices AS (
    SELECT unnest($services) AS service
),
-- the organs are chosen before they are paired with the service types
organs_chosen AS MATERIALIZED (
    SELECT s.organ_code, s.organ_key, s.region_code, s.tier, s.service_types
    FROM mart_organ_schedule s
    WHERE ($region IS NULL OR starts_with(s.region_code, $region))
      AND ($vendor IS NULL OR list_contains(s.vendor_codes, $vendor))
      AND ($tier IS NULL OR s.tier = $tier)
),
organs_in AS (
    SELECT s.organ_code, s.region_code, s.tier, c.service
    FROM organs_chosen s, choices c
    WHERE c.service IS NULL OR list_contains(s.service_types, c.service)
),
-- Each fact is narrowed to the organs chosen (a semi-join on the organs' integer keys, whose hash
-- table is always the organs' side) and joined to them before the periods (MATERIALIZED keeps that
-- order): when few organs are asked (the mart refresh of a small load), the scans skip the others'
-- rows, and no plan hashes a fact table to probe it with a few organs.
projects_in AS MATERIALIZED (
    SELECT x.start_on, x.actual_end_on, o.region_code, o.tier, o.service
    FROM (SELECT * FROM mart_projects WHERE organ_key IN (SELECT organ_key FROM organs_chosen)) x
    JOIN organs_in o ON o.organ_code = x.organ_code AND (o.service IS NULL OR x.service_type = o.service)
    WHERE ($vendor IS NULL OR x.vendor_key = md5_number_lower($vendor))
      AND x.start_on <= list_max($asofs) AND (x.actual_end_on IS NULL OR x.actual_end_on >= list_min($asofs))
),
inspections_in AS MATERIALIZED (
    SELECT m.inspected_on, m.grade, o.region_code, o.tier, o.service
    FROM (SELECT * FROM mart_inspections WHERE organ_key IN (SELECT organ_key FROM organs_chosen)) m
    JOIN organs_in o ON o.organ_code = m.organ_code AND (o.service IS NULL OR m.service_type = o.service)
    WHERE ($vendor IS NULL OR m.vendor_key = md5_number_lower($vendor))
      AND m.inspected_on BETWEEN list_min($starts) AND list_max($asofs)
),
rectifications_in AS MATERIALIZED (
    SELECT r.inspected_on, r.due_on, r.resolved_on, o.region_code, o.tier, o.service
    FROM (SELECT * FROM mart_rectifications WHERE organ_key IN (SELECT organ_key FROM organs_chosen)) r
    JOIN organs_in o ON o.organ_code = r.organ_code AND (o.service IS NULL OR r.service_type = o.service)
    WHERE ($vendor IS NULL OR r.vendor_key = md5_number_lower($vendor))
      AND r.due_on < list_max($asofs) AND (r.resolved_on IS NULL OR r.resolved_on > list_min($asofs))
),
incidents_in AS MATERIALIZED (
    SELECT i.reported_at, i.closed_on, o.region_code, o.tier, o.service
    FROM (SELECT * FROM mart_incidents WHERE organ_code IN (SELECT organ_code FROM organs_chosen)) i
    JOIN organs_in o ON o.organ_code = i.organ_code AND (o.service IS NULL OR i.service_type = o.service)
    WHERE ($vendor IS NULL OR i.vendor_code = $vendor)
),
known_in AS MATERIALIZED (
    SELECT l.known_since, o.region_code, o.tier, o.service
    FROM (SELECT * FROM mart_organ_loads WHERE organ_code IN (SELECT organ_code FROM organs_chosen)) l
    JOIN organs_in o USING (organ_code)
),
events_in AS MATERIALIZED (
    SELECT e.organ_code, e.due_on, e.achieved_on
    FROM mart_check_events e
    WHERE e.organ_key IN (SELECT organ_key FROM organs_chosen)
      AND e.due_on < list_max($asofs) AND (e.achieved_on IS NULL OR e.achieved_on > list_min($asofs))
),
supervised AS (
    SELECT p.period_start, p.as_of, o.region_code, o.tier, o.service, 'organs_supervised' AS measure, count(*) AS n
    FROM known_in o
    JOIN periods p ON o.known_since <= p.as_of
    GROUP BY ALL
),
active AS (
    SELECT p.period_start, p.as_of, x.region_code, x.tier, x.service, 'active_projects' AS measure, count(*) AS n
    FROM projects_in x
    JOIN periods p ON x.start_on <= p.as_of AND (x.actual_end_on IS NULL OR x.actual_end_on >= p.as_of)
    GROUP BY ALL
),
inspected AS (
    SELECT p.period_start, p.as_of, m.region_code, m.tier, m.service,
           count(*) AS inspections, count(m.grade) AS graded,
           count(*) FILTER (WHERE list_contains($passing, m.grade)) AS passed
    FROM inspections_in m
    JOIN periods p ON m.inspected_on BETWEEN p.period_start AND p.as_of
    GROUP BY ALL
),
open_incidents AS (
    SELECT p.period_start, p.as_of, i.region_code, i.tier, i.service, 'open_incidents' AS measure, count(*) AS n
    FROM incidents_in i
    JOIN periods p ON i.reported_at::DATE <= p.as_of AND (i.closed_on IS NULL OR i.closed_on > p.as_of)
    GROUP BY ALL
),
overdue_organs AS (
    SELECT DISTINCT p.period_start, p.as_of, e.organ_code
    FROM events_in e
    JOIN periods p ON e.due_on < p.as_of AND (e.achieved_on IS NULL OR e.achieved_on > p.as_of)
),
overdue_checks AS (
    SELECT d.period_start, d.as_of, o.region_code, o.tier, o.service, 'overdue_checks' AS measure, count(*) AS n
    FROM overdue_organs d JOIN organs_in o USING (organ_code)
    GROUP BY ALL
),
overdue_rectifications AS (
    SELECT p.period_start, p.as_of, r.region_code, r.tier, r.service, 'overdue_rectifications' AS measure,
           count(*) AS n
    FROM rectifications_in r
    JOIN periods p ON r.inspected_on <= p.as_of AND r.due_on < p.as_of
                  AND (r.resolved_on IS NULL OR r.resolved_on > p.as_of)
    GROUP BY ALL
)
SELECT period_start, as_of, region_code, tier, service AS service_type, measure, n::BIGINT AS n
FROM (
    SELECT * FROM supervised
    UNION ALL SELECT * FROM active
    UNION ALL SELECT * FROM (UNPIVOT inspected ON inspections, graded, passed INTO NAME measure VALUE n)
    UNION ALL SELECT * FROM open_incidents
    UNION ALL SELECT * FROM overdue_checks
    UNION ALL SELECT * FROM overdue_rectifications
)
