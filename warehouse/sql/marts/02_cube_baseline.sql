-- _compliance_cube_before, _rectification_cube_before, _kpi_cube_before (TEMP) — what the organs in
-- scope contribute to the cubes before this refresh rebuilds anything: their rows as the marts have
-- them, with the tiers and regions the last refresh gave them. Every column of these cubes adds up
-- over organs (organs_inspected and the organs counted by the headline numbers too: an organ counts
-- once in a cell, and the organs in scope are taken whole), so a cube is brought up to date by
-- adding what these organs contribute now (marts/20–23) and taking away what they contributed
-- before: the cost follows the organs in scope, not the size of the warehouse (warehouse/marts.py).
-- _cube_organs (warehouse/marts.py) lists the organs in scope; `known` those the last refresh knew
-- (an organ registered since has no rows yet: the cubes' rows before are read for those only, and
-- when there are none nothing is read). _cube_inspections, _cube_rectifications and _cube_schedule
-- are the rows of the organs in scope the cube sources read: as they are here (before), and as they
-- are when marts/20–23 read them (now).
-- The category cube (nine rows per inspection) follows the inspections instead: set aside here are
-- the touched inspections' category rows (_category_rows_before) and the organs' tiers
-- (_schedule_before); marts/21 adds the rows of the organs whose tier changed.
-- When the cubes are rebuilt whole (not $by_difference) the cubes' statements here are not run
-- (nor those of marts/20–23 that read what they set aside).
-- when $by_difference
CREATE OR REPLACE TEMP VIEW _cube_inspections AS
SELECT m.*, o.known FROM mart_inspections m JOIN _cube_organs o USING (organ_key);

-- when $by_difference
CREATE OR REPLACE TEMP VIEW _cube_rectifications AS
SELECT r.*, o.known FROM mart_rectifications r JOIN _cube_organs o USING (organ_key);

-- when $by_difference
CREATE OR REPLACE TEMP VIEW _cube_schedule AS
SELECT s.*, o.known FROM mart_organ_schedule s JOIN _cube_organs o USING (organ_key);

-- the organs' rows of mart_inspections and mart_organ_schedule, set aside: each is read twice (the
-- cube sources read their tiers in these rows, not in a hash table of every organ's)
-- when $by_difference
CREATE OR REPLACE TEMP TABLE _inspections_before AS
SELECT * FROM _cube_inspections WHERE known;

-- when $by_difference
CREATE OR REPLACE TEMP TABLE _schedule_before AS
SELECT * FROM _cube_schedule WHERE known;

-- _category_rows_before: the category rows of the touched inspections the marts already had, read
-- by the category cube (marts/21), the inspections' totals (marts/05) and the rows to delete
-- (below). Found by the inspections' keys and dates then: the mart is stored by date, so a few
-- dates skip most of its row groups (an organ's rows, found by its key, are spread over all of them).
CREATE OR REPLACE TEMP TABLE _category_rows_before AS
SELECT c.* FROM mart_inspection_categories c
JOIN (SELECT inspection_key, inspected_on FROM _touched_before) b USING (inspection_key, inspected_on);

-- _replaced_inspections: the inspections whose items this refresh re-aggregates and whose rows in
-- mart_item_exceptions and mart_inspection_categories are to be deleted first (marts/03, 04). An
-- inspection with exceptions has category rows (each excepted item's category), all of which were
-- set aside above: a new inspection, found in none, deletes nothing without a scan.
CREATE OR REPLACE TEMP TABLE _replaced_inspections AS
SELECT inspection_key FROM _inspection_dims
WHERE items_touched AND inspection_key IN (SELECT inspection_key FROM _category_rows_before);

-- when $by_difference
CREATE OR REPLACE TEMP TABLE _compliance_cube_before AS
SELECT * FROM ({{ parts/compliance_cube_source.sql
                  | @mart_inspections: _inspections_before, @mart_organ_schedule: _schedule_before }});

-- when $by_difference
CREATE OR REPLACE TEMP TABLE _rectification_cube_before AS
SELECT * FROM ({{ parts/rectification_cube_source.sql
                  | @mart_rectifications: (SELECT * FROM _cube_rectifications WHERE known),
                    @mart_organ_schedule: _schedule_before }});

-- when $by_difference
CREATE OR REPLACE TEMP TABLE _kpi_cube_before AS
SELECT * FROM ({{ parts/kpi_cube_source.sql | @mart_organ_schedule: _schedule_before }});
