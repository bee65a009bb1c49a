-- vendor_organs — the organs a vendor serves, for its profile: their rows of the check schedule
-- (queries/schedule_rows.sql, the same filters: $vendor keeps the organs with a project with the
-- vendor), with `projects` and `active_projects` counting only the organ's projects with the vendor
-- (and of the service type, when given) where the schedule counts those with any vendor. A
-- project's `active` is queries/projects.sql's own (as of $today), whatever the period; the period
-- keeps the organs due by its end, as in the schedule. Most overdue first.
-- Grain: one row per organ.
WITH mine AS (
    SELECT organ_code, count(*)::INTEGER AS projects, count(*) FILTER (WHERE active)::INTEGER AS active_projects
    FROM ({{ queries/projects.sql | start: NULL, end: NULL, organ: NULL, limit: NULL }})
    GROUP BY organ_code
)
SELECT s.* REPLACE (coalesce(m.projects, 0) AS projects, coalesce(m.active_projects, 0) AS active_projects)
FROM ({{ queries/schedule_rows.sql | status: NULL, organ: NULL }}) s
LEFT JOIN mine m ON m.organ_code = s.organ_code
ORDER BY s.days_overdue DESC, s.next_due_on NULLS LAST, s.organ_code
