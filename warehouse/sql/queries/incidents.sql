-- incidents — incident reports with their organ, vendor and project (queries/incident_rows.sql, with
-- its filters), most severe first. Grain: one row per incident.
SELECT *
FROM ({{ queries/incident_rows.sql }})
ORDER BY CASE severity WHEN '特别重大' THEN 1 WHEN '重大' THEN 2 WHEN '较大' THEN 3 ELSE 4 END,
         occurred_at, incident_code
LIMIT $limit
