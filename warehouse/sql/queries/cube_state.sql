-- cube_state — which of the cubes ($cubes: marts/20–23) the warehouse holds, and the date and
-- configuration of the last refresh (what they are as of). Grain: one row.
SELECT (SELECT coalesce(list(table_name), []) FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT temporary AND list_contains($cubes, table_name)) AS cubes,
       l.today, l.config_hash
FROM (SELECT 1) one
LEFT JOIN (SELECT today, config_hash FROM mart_refresh_log ORDER BY refreshed_at DESC, load_id DESC LIMIT 1) l ON true
