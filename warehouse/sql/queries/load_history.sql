-- load_history — the load log: one row per file and sheet of each load (a file rejected whole has
-- sheet NULL), with the load's id and status. Newest first.
SELECT b.batch_id, b.load_id, b.loaded_at, coalesce(b.file_name, b.source_file) AS source_file, b.sheet,
       b.kind, b.rows_read, b.rows_loaded, b.rows_rejected, b.rows_warned, b.status, b.rule, b.message,
       l.status AS load_status
FROM load_batches b
JOIN loads l USING (load_id)
ORDER BY b.loaded_at DESC, b.batch_id DESC
LIMIT $limit
