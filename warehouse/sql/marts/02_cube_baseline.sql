-- _compliance_cube_before, _category_cube_before, _kpi_cube_before (TEMP) — what the organs in
-- scope contribute to mart_compliance_cube, mart_category_cube and mart_kpi_cube before this
-- refresh rebuilds anything: their rows as the marts have them, with the tiers and regions the last
-- refresh gave them. Every column of these cubes adds up over organs (organs_inspected and the
-- organs counted by the headline numbers too: an organ counts once in a cell, and the organs in
-- scope are taken whole), so a cube is brought up to date by adding what these organs contribute
-- now (marts/20, 21, 23) and taking away what they contributed before: the cost follows the organs
-- in scope, not the size of the warehouse (warehouse/marts.py).
-- $known_organs: the organs in scope the last refresh knew (warehouse/marts.py; an organ registered
-- since has no rows yet). Not run when the cubes are rebuilt whole.
CREATE OR REPLACE TEMP TABLE _compliance_cube_before AS
SELECT * FROM ({{ parts/compliance_cube_source.sql | cube_organs: $known_organs }});

CREATE OR REPLACE TEMP TABLE _category_cube_before AS
SELECT * FROM ({{ parts/category_cube_source.sql | cube_organs: $known_organs }});

CREATE OR REPLACE TEMP TABLE _kpi_cube_before AS
SELECT * FROM ({{ parts/kpi_cube_source.sql | cube_organs: $known_organs }});
