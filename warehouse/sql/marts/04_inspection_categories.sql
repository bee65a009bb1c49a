-- mart_inspection_categories — each inspection's checklist result per category: items recorded,
-- results by kind, weight earned and possible (符合 full weight, 部分符合 half, 不符合 none; 不适用
-- left out, contract §3), the category score (100 × earned / possible) and whether a veto item failed.
-- Grain: one row per inspection and category in which it recorded items.
-- Refresh: incremental, for inspections whose items this load wrote (parts/inspection_category_rows.sql:
-- an inspection that recorded the whole checklist is computed from its exceptions; only one with a
-- partial checklist has its items read again). The other touched inspections get their dimensions.
-- In an incremental refresh the new rows are set aside first (_category_rows_new): the inspections'
-- totals (05_inspections.sql) and the category cube (21_category_cube.sql) read them there instead
-- of searching the whole mart for them.
DELETE FROM mart_inspection_categories WHERE inspection_key IN (SELECT inspection_key FROM _replaced_inspections);

CREATE OR REPLACE TEMP TABLE _category_rows_new AS
SELECT * FROM ({{ parts/inspection_category_rows.sql }}) WHERE NOT $full;

-- when $full
INSERT INTO mart_inspection_categories BY NAME
SELECT * FROM ({{ parts/inspection_category_rows.sql }})
-- Date order: period filters skip whole row groups
ORDER BY inspected_on;

-- when not $full
INSERT INTO mart_inspection_categories BY NAME
SELECT * FROM _category_rows_new ORDER BY inspected_on;

UPDATE mart_inspection_categories m
SET inspected_on = d.inspected_on, region_code = d.region_code, organ_key = d.organ_key,
    vendor_key = d.vendor_key, service_type = d.service_type
FROM _inspection_dims d
WHERE m.inspection_key = d.inspection_key AND NOT d.items_touched;
