-- mart_category_cube — failing_categories' answer kept per quarter, organ region, organ tier,
-- service type and category, computed by queries/failing_categories.sql itself
-- (parts/category_cube_source.sql): the rows the overview's failing categories add up instead of
-- scanning mart_inspection_categories (about nine rows per inspection). Every column adds up across
-- quarters, regions, tiers and service types.
-- Grain: one row per quarter, region, tier, service type and category with an inspection.
-- Refresh: _category_cube_now holds the rows of the organs in scope ($cube_organs; every organ when
-- NULL); warehouse/marts.py then replaces the cube (NULL) or adds the difference from
-- _category_cube_before (marts/02_cube_baseline.sql).
CREATE TABLE IF NOT EXISTS mart_category_cube AS
SELECT * FROM ({{ parts/category_cube_source.sql | cube_organs: NULL }}) LIMIT 0;

CREATE OR REPLACE TEMP TABLE _category_cube_now AS
SELECT * FROM ({{ parts/category_cube_source.sql }});
