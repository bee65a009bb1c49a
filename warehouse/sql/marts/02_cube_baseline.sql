-- _compliance_cube_before, _category_cube_before, _kpi_cube_before (TEMP) — what the organs in
-- scope contribute to mart_compliance_cube, mart_category_cube and mart_kpi_cube before this
-- refresh rebuilds anything: their rows as the marts have them, with the tiers and regions the last
-- refresh gave them. Every column of these cubes adds up over organs (organs_inspected and the
-- organs counted by the headline numbers too: an organ counts once in a cell, and the organs in
-- scope are taken whole), so a cube is brought up to date by adding what these organs contribute
-- now (marts/20, 21, 23) and taking away what they contributed before: the cost follows the organs
-- in scope, not the size of the warehouse (warehouse/marts.py).
-- _cube_organs (warehouse/marts.py) lists the organs in scope; `known` those the last refresh knew
-- (an organ registered since has no rows yet). The category cube is computed from those organs'
-- rows of mart_inspection_categories, set aside here (_category_rows_before): the refresh reads
-- them again for the cube's rows now and for the rows to delete (marts/04, marts/21) instead of
-- searching the mart's millions of rows twice more.
-- When the cubes are rebuilt whole (not $by_difference) every statement here is empty: the planner
-- drops its scans, and the tables exist for the files that name them.
CREATE OR REPLACE TEMP TABLE _category_rows_before AS
SELECT * FROM mart_inspection_categories
WHERE $by_difference AND organ_key IN (SELECT organ_key FROM _cube_organs WHERE known);

CREATE OR REPLACE TEMP TABLE _compliance_cube_before AS
SELECT * FROM ({{ parts/compliance_cube_source.sql
                  | @mart_inspections: (SELECT * FROM mart_inspections
                                        WHERE organ_key IN (SELECT organ_key FROM _cube_organs WHERE known)) }})
WHERE $by_difference;

CREATE OR REPLACE TEMP TABLE _category_cube_before AS
SELECT * FROM ({{ parts/category_cube_source.sql | @mart_inspection_categories: _category_rows_before }});

CREATE OR REPLACE TEMP TABLE _kpi_cube_before AS
SELECT * FROM ({{ parts/kpi_cube_source.sql
                  | @mart_organ_schedule: (SELECT * FROM mart_organ_schedule
                                           WHERE organ_key IN (SELECT organ_key FROM _cube_organs WHERE known)) }})
WHERE $by_difference;
