-- mart_inspections — one row per inspection: when, where, service type and vendor, the final score
-- and grade (contract §3: from the checklist items when present), item results by kind, and the
-- inspection's place in its organ's and its vendor's sequence of inspections (for repeat findings
-- and the check schedule).
-- Grain: one row per inspection (current version).
-- Refresh: incremental. Rows of touched inspections are rebuilt; then the sequence columns are
-- renumbered for every organ and vendor that had a touched inspection (before or after the load:
-- _touched_organs, _touched_vendors, from 00_inspection_dims.sql).

-- the rows the mart has of the touched inspections: _touched_before (00_inspection_dims.sql; a new
-- inspection has none)
DELETE FROM mart_inspections WHERE inspection_key IN (SELECT inspection_key FROM _touched_before);

INSERT INTO mart_inspections BY NAME
WITH item_totals AS (
    SELECT inspection_key,
           sum(items)::INTEGER AS items_count,
           sum(n_conform)::INTEGER AS n_conform,
           sum(n_partial)::INTEGER AS n_partial,
           sum(n_fail)::INTEGER AS n_fail,
           sum(n_na)::INTEGER AS n_na
    FROM (
        -- the rows just re-aggregated were set aside (04_inspection_categories.sql), and so were
        -- those of the other touched inspections (02_cube_baseline.sql); a full refresh reads them all
        SELECT * FROM _category_rows_new
        UNION ALL BY NAME
        SELECT * FROM _category_rows_before
        WHERE inspection_key IN (SELECT inspection_key FROM _inspection_dims WHERE NOT items_touched)
        UNION ALL BY NAME
        SELECT * FROM mart_inspection_categories WHERE $full
    )
    GROUP BY inspection_key
),
veto_items AS (
    -- the exceptions just written were set aside (03_item_exceptions.sql); only those of the
    -- inspections whose items this load did not write are searched for in the mart
    SELECT inspection_key, count(*)::INTEGER AS veto_items_failed
    FROM (SELECT inspection_key, veto, result FROM _exception_rows_new
          UNION ALL
          SELECT inspection_key, veto, result FROM mart_item_exceptions
          WHERE inspection_key IN (SELECT inspection_key FROM _inspection_dims WHERE $full OR NOT items_touched))
    WHERE veto AND result = '不符合'
    GROUP BY inspection_key
)
SELECT d.inspection_code, d.inspection_key, d.inspected_on, d.year, d.quarter, d.year_start, d.quarter_start,
       d.organ_code, d.organ_key, d.region_code, d.project_code, d.vendor_code, d.vendor_key, d.service_type,
       d.inspection_kind,
       d.score, d.grade, d.veto_failed,
       coalesce(t.items_count, 0) AS items_count,
       coalesce(t.n_conform, 0) AS n_conform,
       coalesce(t.n_partial, 0) AS n_partial,
       coalesce(t.n_fail, 0) AS n_fail,
       coalesce(t.n_na, 0) AS n_na,
       coalesce(v.veto_items_failed, 0) AS veto_items_failed,
       d.rectification_due_on,
       0 AS repeat_findings
FROM _inspection_dims d
LEFT JOIN item_totals t USING (inspection_key)
LEFT JOIN veto_items v USING (inspection_key)
-- Date order: period filters skip whole row groups
ORDER BY d.inspected_on;

UPDATE mart_inspections m
SET organ_seq = s.seq, prev_organ_inspection = s.prev
FROM (
    SELECT inspection_code,
           row_number() OVER w AS seq,
           lag(inspection_code) OVER w AS prev
    FROM mart_inspections
    WHERE organ_key IN (SELECT organ_key FROM _touched_organs)
    WINDOW w AS (PARTITION BY organ_code ORDER BY inspected_on, inspection_code)
) s
WHERE m.inspection_code = s.inspection_code AND m.organ_key IN (SELECT organ_key FROM _touched_organs);

UPDATE mart_inspections m
SET vendor_seq = s.seq, prev_vendor_inspection = s.prev
FROM (
    SELECT inspection_code,
           row_number() OVER w AS seq,
           lag(inspection_code) OVER w AS prev
    FROM mart_inspections
    WHERE vendor_key IN (SELECT vendor_key FROM _touched_vendors)
    WINDOW w AS (PARTITION BY vendor_code ORDER BY inspected_on, inspection_code)
) s
WHERE m.inspection_code = s.inspection_code AND m.vendor_key IN (SELECT vendor_key FROM _touched_vendors);

-- An inspection whose vendor was removed (project changed) leaves the vendor sequence.
UPDATE mart_inspections SET vendor_seq = NULL, prev_vendor_inspection = NULL
WHERE vendor_code IS NULL AND vendor_seq IS NOT NULL AND inspection_code IN (SELECT inspection_code FROM _touched);
