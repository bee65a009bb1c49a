-- schedule_counts — the organs of the check schedule (queries/schedule_rows.sql, the same filters)
-- counted per tier and status as of $today. Grain: one row per tier and status with an organ.
SELECT tier, status, count(*) AS organs
FROM ({{ queries/schedule_rows.sql | status: NULL, organ: NULL }})
GROUP BY ALL
ORDER BY tier, status
