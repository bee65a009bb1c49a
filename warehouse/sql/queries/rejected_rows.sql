-- rejected_rows — the problems that rejected rows (view rejected_rows: row_issues of severity
-- 'error'), in the columns of the loader's issue frame, with the load they came in. A row is the
-- organ's when its original text (row_values) names an organ's code — the attribution of
-- mart_submissions (marts/18_submissions.sql): the 18-character codes in the text that are organs.
-- Filters: the load's date in the period (all when none); region: rows every organ named by which
-- is in the region (a row naming organs of two cities is one neither city's user may read; rows
-- naming no organ are kept only when no region applies); organ; load. Newest first.
-- source_file is the file's name as it was sent (as in load_history), not where the server kept it.
WITH load_dates AS (
    SELECT b.batch_id, b.load_id, b.file_name, l.today FROM load_batches b JOIN loads l USING (load_id)
),
named AS (
    SELECT DISTINCT r.batch_id, r.source_row, t.code AS organ_code
    FROM rejected_rows r,
         unnest(regexp_extract_all(upper(coalesce(r.row_values, '')), '[0-9A-Z]{18}')) AS t(code)
),
row_organs AS (
    SELECT n.batch_id, n.source_row, list(DISTINCT n.organ_code ORDER BY n.organ_code) AS organ_codes,
           bool_and($region IS NULL OR starts_with(o.region_code, $region)) AS in_region,
           bool_or($organ IS NULL OR n.organ_code = $organ) AS is_organ
    FROM named n JOIN organs o ON o.organ_code = n.organ_code
    GROUP BY ALL
)
SELECT d.load_id, r.batch_id, coalesce(d.file_name, r.source_file) AS source_file, r.sheet, r.source_row, r.kind, r.column_name, r.column_zh, r.value,
       r.rule, 'error' AS severity, r.message, r.row_values, r.loaded_at,
       coalesce(ro.organ_codes, []::VARCHAR[]) AS organ_codes
FROM rejected_rows r
JOIN load_dates d USING (batch_id)
LEFT JOIN row_organs ro ON ro.batch_id = r.batch_id AND ro.source_row IS NOT DISTINCT FROM r.source_row
WHERE ($start IS NULL OR d.today BETWEEN $start AND $end)
  AND ($region IS NULL OR coalesce(ro.in_region, false))
  AND ($organ IS NULL OR coalesce(ro.is_organ, false))
  AND ($load IS NULL OR d.load_id = $load)
ORDER BY r.loaded_at DESC, r.batch_id DESC, r.source_row NULLS FIRST, r.column_zh
LIMIT $limit
