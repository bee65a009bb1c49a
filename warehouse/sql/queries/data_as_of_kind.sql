-- data_as_of (by kind) — for each submission kind: the last load that loaded rows of it (its date,
-- time and the rows it loaded) and the rows now in the warehouse. Grain: one row per kind.
WITH current_rows AS (
    SELECT 'organs' AS kind, count(*) AS rows_current FROM organs
    UNION ALL SELECT 'vendors', count(*) FROM vendors
    UNION ALL SELECT 'qualifications', count(*) FROM qualifications
    UNION ALL SELECT 'projects', count(*) FROM projects
    UNION ALL SELECT 'inspections', count(*) FROM inspections
    UNION ALL SELECT 'inspection_items', count(*) FROM inspection_items
    UNION ALL SELECT 'rectifications', count(*) FROM rectifications
    UNION ALL SELECT 'evaluations', count(*) FROM evaluations
    UNION ALL SELECT 'incidents', count(*) FROM incidents
    UNION ALL SELECT 'inspectors', count(*) FROM inspectors
),
loaded AS (
    SELECT b.kind, b.load_id, l.today, coalesce(l.finished_at, l.started_at) AS loaded_at,
           sum(b.rows_loaded)::BIGINT AS rows_loaded, count(*) AS sheets
    FROM load_batches b JOIN loads l USING (load_id)
    WHERE b.status = 'loaded' AND l.status = 'committed' AND b.kind IS NOT NULL
    GROUP BY ALL
),
last_load AS (
    SELECT kind, max(load_id) AS last_load_id, arg_max(today, load_id) AS last_loaded_on,
           arg_max(loaded_at, load_id) AS last_loaded_at, arg_max(rows_loaded, load_id) AS rows_in_last_load,
           arg_max(sheets, load_id) AS sheets_in_last_load, count(*) AS loads
    FROM loaded GROUP BY kind
)
SELECT c.kind, l.last_load_id, l.last_loaded_on, l.last_loaded_at, l.rows_in_last_load, l.sheets_in_last_load,
       coalesce(l.loads, 0) AS loads, c.rows_current,
       CASE WHEN l.last_loaded_on IS NOT NULL THEN ($today - l.last_loaded_on)::INTEGER END AS days_since_load
FROM current_rows c LEFT JOIN last_load l USING (kind)
ORDER BY c.kind
