-- _compliance_cube_before, _category_cube_before, _rectification_cube_before, _kpi_cube_before
-- (TEMP) — what the organs in scope contribute to the cubes before this refresh rebuilds anything:
-- their rows as the marts have them, with the tiers and regions the last refresh gave them. Every column of these cubes adds up over organs (organs_inspected and the
-- organs counted by the headline numbers too: an organ counts once in a cell, and the organs in
-- scope are taken whole), so a cube is brought up to date by adding what these organs contribute
-- now (marts/20–23) and taking away what they contributed before: the cost follows the organs
-- in scope, not the size of the warehouse (warehouse/marts.py).
-- _cube_organs (warehouse/marts.py) lists the organs in scope; `known` those the last refresh knew
-- (an organ registered since has no rows yet: the cubes' rows before are read for those only, and
-- when there are none nothing is read). _cube_inspections, _cube_rectifications and _cube_schedule
-- are the rows of the organs in scope the cube sources read: as they are here (before), and as they
-- are when marts/20–23 read them (now).
-- The category cube is computed from those organs' rows of mart_inspection_categories, set aside
-- here (_category_rows_before): the refresh reads them again for the cube's rows now and for the
-- rows to delete (marts/03, 04, 21) instead of searching the mart's millions of rows twice more.
-- When the cubes are rebuilt whole (not $by_difference) every statement here is empty: the planner
-- drops its scans, and the tables exist for the files that name them.
CREATE OR REPLACE TEMP VIEW _cube_inspections AS
SELECT m.*, o.known FROM mart_inspections m JOIN _cube_organs o USING (organ_key);

CREATE OR REPLACE TEMP VIEW _cube_rectifications AS
SELECT r.*, o.known FROM mart_rectifications r JOIN _cube_organs o USING (organ_code);

CREATE OR REPLACE TEMP VIEW _cube_schedule AS
SELECT s.*, o.known FROM mart_organ_schedule s JOIN _cube_organs o USING (organ_key);

CREATE OR REPLACE TEMP TABLE _category_rows_before AS
SELECT * FROM mart_inspection_categories
WHERE $by_difference AND organ_key IN (SELECT organ_key FROM _cube_organs WHERE known);

-- _replaced_inspections: the inspections whose items this refresh re-aggregates and whose rows in
-- mart_item_exceptions and mart_inspection_categories are to be deleted first (marts/03, 04). An
-- inspection with exceptions has category rows (each excepted item's category), and when the cubes
-- are kept by difference every category row of a touched inspection was set aside above (its organ,
-- before and after, is in scope): a new inspection, found in none, deletes nothing without a scan.
CREATE OR REPLACE TEMP TABLE _replaced_inspections AS
SELECT inspection_key FROM _inspection_dims
WHERE items_touched
  AND (NOT $by_difference OR inspection_key IN (SELECT inspection_key FROM _category_rows_before));

CREATE OR REPLACE TEMP TABLE _compliance_cube_before AS
SELECT * FROM ({{ parts/compliance_cube_source.sql | @mart_inspections: (SELECT * FROM _cube_inspections WHERE known) }})
WHERE $by_difference;

CREATE OR REPLACE TEMP TABLE _category_cube_before AS
SELECT * FROM ({{ parts/category_cube_source.sql | @mart_inspection_categories: _category_rows_before }});

CREATE OR REPLACE TEMP TABLE _rectification_cube_before AS
SELECT * FROM ({{ parts/rectification_cube_source.sql
                  | @mart_rectifications: (SELECT * FROM _cube_rectifications WHERE known) }})
WHERE $by_difference;

CREATE OR REPLACE TEMP TABLE _kpi_cube_before AS
SELECT * FROM ({{ parts/kpi_cube_source.sql | @mart_organ_schedule: (SELECT * FROM _cube_schedule WHERE known) }})
WHERE $by_difference;
