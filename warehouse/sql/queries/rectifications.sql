-- rectifications — every rectification with its status as of $today, the organ's tier and the
-- region's name (queries/rectification_rows.sql, with its filters), most overdue first.
-- Grain: one row per rectification.
SELECT *
FROM ({{ queries/rectification_rows.sql }})
ORDER BY days_overdue DESC, due_on, inspection_code, item_code
LIMIT $limit
