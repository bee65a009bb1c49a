-- mart_item_exceptions — every checklist result other than 符合: the findings (部分符合, 不符合)
-- and the items marked 不适用, with the item's category, weight and veto flag and the inspection's
-- dimensions. Most-failed items, repeat findings, category results and item applicability are all
-- computed from here: the 符合 rows, the bulk of the 30-million-row item table, are never read again.
-- Grain: one row per inspection and item whose result is not 符合 (keyed by inspection_key).
-- Refresh: incremental. Rows of inspections whose items this load wrote are rebuilt from their
-- items (_items, filtered on result before anything else); rows of inspections touched otherwise
-- only get their dimensions refreshed.
DELETE FROM mart_item_exceptions WHERE inspection_key IN (SELECT inspection_key FROM _replaced_inspections);

-- In an incremental refresh the new rows are set aside first (_exception_rows_new): the categories
-- (04_inspection_categories.sql) and the veto counts (05_inspections.sql) read them there instead of
-- searching the mart for them.
CREATE OR REPLACE TEMP TABLE _exception_rows_new AS
SELECT * FROM ({{ parts/item_exception_rows.sql }}) WHERE NOT $full;

-- when $full
INSERT INTO mart_item_exceptions BY NAME
SELECT * FROM ({{ parts/item_exception_rows.sql }})
-- Stored in date order: period filters skip whole row groups (zone maps)
ORDER BY inspected_on;

-- when not $full
INSERT INTO mart_item_exceptions BY NAME
SELECT * FROM _exception_rows_new ORDER BY inspected_on;

UPDATE mart_item_exceptions m
SET inspected_on = d.inspected_on, region_code = d.region_code, organ_key = d.organ_key,
    vendor_key = d.vendor_key, service_type = d.service_type
FROM _inspection_dims d
WHERE m.inspection_key = d.inspection_key AND NOT d.items_touched;
