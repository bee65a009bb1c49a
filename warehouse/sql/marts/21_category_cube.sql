-- mart_category_cube — failing_categories' answer kept per quarter, organ region, organ tier,
-- service type and category, computed by queries/failing_categories.sql itself
-- (parts/category_cube_source.sql): the rows the overview's failing categories add up instead of
-- scanning mart_inspection_categories (about nine rows per inspection). Every column adds up across
-- quarters, regions, tiers and service types.
-- Grain: one row per quarter, region, tier, service type and category with an inspection.
-- Refresh: _category_cube_now holds the rows of every organ, or when $by_difference those of the
-- rows that change; warehouse/marts.py then replaces the cube or adds the difference from
-- _category_cube_before (the same rows as they were). What changes is:
-- - the touched inspections' rows: before, those set aside (_category_rows_before,
--   02_cube_baseline.sql); now, the re-aggregated ones' new rows (_category_rows_new,
--   04_inspection_categories.sql) and the others' rows with their new dimensions, as that file's
--   UPDATE gives them;
-- - the other rows of the organs whose tier changed (_category_rows_moved): the same rows, counted
--   before under the tier then (_schedule_before) and now under the tier now.
-- The other inspections of an organ whose tier stays count the same before and now: not read.
-- when $by_difference
CREATE OR REPLACE TEMP TABLE _category_rows_moved AS
WITH moved AS (
    SELECT b.organ_key FROM _schedule_before b JOIN mart_organ_schedule s USING (organ_key)
    WHERE b.tier IS DISTINCT FROM s.tier
)
SELECT c.* FROM mart_inspection_categories c
-- their inspections' keys and dates skip most row groups (02_cube_baseline.sql); the organ's key
-- too, read before the other columns of the row groups left
JOIN (SELECT inspection_key, inspected_on FROM mart_inspections
      WHERE organ_key IN (SELECT organ_key FROM moved)
        AND inspection_key NOT IN (SELECT inspection_key FROM _inspection_dims)) m USING (inspection_key, inspected_on)
WHERE c.organ_key IN (SELECT organ_key FROM moved);

-- when $by_difference
CREATE OR REPLACE TEMP VIEW _category_rows_then AS
SELECT * FROM _category_rows_before
UNION ALL BY NAME
SELECT * FROM _category_rows_moved;

-- when $by_difference
CREATE OR REPLACE TEMP VIEW _category_rows_now AS
SELECT * FROM _category_rows_new
UNION ALL BY NAME
SELECT b.* REPLACE (d.inspected_on AS inspected_on, d.region_code AS region_code, d.organ_key AS organ_key,
                    d.vendor_key AS vendor_key, d.service_type AS service_type)
FROM _category_rows_before b
JOIN _inspection_dims d ON d.inspection_key = b.inspection_key AND NOT d.items_touched
UNION ALL BY NAME
SELECT * FROM _category_rows_moved;

-- when $by_difference
CREATE OR REPLACE TEMP TABLE _category_cube_before AS
SELECT * FROM ({{ parts/category_cube_source.sql
                  | @mart_inspection_categories: _category_rows_then, @mart_organ_schedule: _schedule_before }});

-- when not $by_difference
CREATE OR REPLACE TEMP TABLE _category_cube_now AS
SELECT * FROM ({{ parts/category_cube_source.sql }});

-- when $by_difference
CREATE OR REPLACE TEMP TABLE _category_cube_now AS
SELECT * FROM ({{ parts/category_cube_source.sql
                  | @mart_inspection_categories: _category_rows_now, @mart_organ_schedule: _cube_schedule }});

-- the cube itself, the first time (warehouse/marts.py then fills it)
CREATE TABLE IF NOT EXISTS mart_category_cube AS SELECT * FROM _category_cube_now LIMIT 0;
