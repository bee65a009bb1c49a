-- organ_schedule — the check schedule (queries/schedule_rows.sql: each organ's tier and why, last
-- inspection, next check due and why, days overdue and status as of $today), most overdue first.
-- Grain: one row per organ.
SELECT *
FROM ({{ queries/schedule_rows.sql }})
ORDER BY days_overdue DESC, next_due_on NULLS LAST, organ_code
LIMIT $limit
