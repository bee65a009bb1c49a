-- incident_counts — incident reports counted per quarter of occurrence, type and severity, with how
-- many of them are not 已结案 (their status as reported): the incidents of queries/incident_rows.sql
-- (the same filters), added up. Grain: one row per quarter, type and severity with an incident.
SELECT date_trunc('quarter', occurred_at::DATE)::DATE AS quarter_start, incident_type, severity,
       count(*) AS incidents, count(*) FILTER (WHERE status <> '已结案') AS not_closed
FROM ({{ queries/incident_rows.sql | organ: NULL }})
GROUP BY ALL
ORDER BY quarter_start, incident_type, severity
