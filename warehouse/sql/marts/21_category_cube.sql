-- mart_category_cube — failing_categories' answer kept per quarter, organ region, organ tier,
-- service type and category, computed by queries/failing_categories.sql itself
-- (parts/category_cube_source.sql): the rows the overview's failing categories add up instead of
-- scanning mart_inspection_categories (about nine rows per inspection). Every column adds up across
-- quarters, regions, tiers and service types.
-- Grain: one row per quarter, region, tier, service type and category with an inspection.
-- Refresh: _category_cube_now holds the rows of every organ, or of the organs in scope
-- (_cube_organs) when $by_difference; warehouse/marts.py then replaces the cube or adds the
-- difference from _category_cube_before (marts/02_cube_baseline.sql).
-- The organs in scope's rows now are those set aside before (_category_rows_before) with the
-- touched inspections' rows replaced: the re-aggregated ones by their new rows (_category_rows_new,
-- 04_inspection_categories.sql), the others given their new dimensions as that file's UPDATE does.
CREATE OR REPLACE TEMP VIEW _category_rows_now AS
SELECT * FROM _category_rows_before
WHERE inspection_key NOT IN (SELECT inspection_key FROM _inspection_dims)
UNION ALL BY NAME
SELECT * FROM _category_rows_new
UNION ALL BY NAME
SELECT b.* REPLACE (d.inspected_on AS inspected_on, d.region_code AS region_code, d.organ_key AS organ_key,
                    d.vendor_key AS vendor_key, d.service_type AS service_type)
FROM _category_rows_before b
JOIN _inspection_dims d ON d.inspection_key = b.inspection_key AND NOT d.items_touched;

CREATE OR REPLACE TEMP TABLE _category_cube_now AS
SELECT * FROM ({{ parts/category_cube_source.sql }}) WHERE NOT $by_difference
UNION ALL
SELECT * FROM ({{ parts/category_cube_source.sql | @mart_inspection_categories: _category_rows_now }}) WHERE $by_difference;

-- the cube itself, the first time (warehouse/marts.py then fills it)
CREATE TABLE IF NOT EXISTS mart_category_cube AS SELECT * FROM _category_cube_now LIMIT 0;
