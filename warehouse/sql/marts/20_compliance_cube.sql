-- mart_compliance_cube — compliance_trend's answer kept per quarter, organ region (the organ's own
-- region code), organ tier and service type, computed by queries/compliance_trend.sql itself
-- (parts/compliance_cube_source.sql): the rows the overview's trend, region comparison and grade
-- distribution add up instead of scanning mart_inspections. Rows with all_services count every
-- service type together (organs_inspected is a distinct count and does not add up across service
-- types); the others one service type each. Every column adds up across regions, tiers and
-- quarters, except organs_inspected across quarters (a year's organs are counted from
-- mart_inspections).
-- Grain: one row per quarter, region, tier and service type (or all of them) with an inspection.
-- Refresh: _compliance_cube_now holds the rows of every organ, or of the organs in scope
-- (_cube_organs) when $by_difference; warehouse/marts.py then replaces the cube or adds the
-- difference from _compliance_cube_before (marts/02_cube_baseline.sql).
-- when not $by_difference
CREATE OR REPLACE TEMP TABLE _compliance_cube_now AS
SELECT * FROM ({{ parts/compliance_cube_source.sql }});

-- when $by_difference
CREATE OR REPLACE TEMP TABLE _compliance_cube_now AS
SELECT * FROM ({{ parts/compliance_cube_source.sql
                  | @mart_inspections: _cube_inspections, @mart_organ_schedule: _cube_schedule }});

-- the cube itself, the first time (warehouse/marts.py then fills it)
CREATE TABLE IF NOT EXISTS mart_compliance_cube AS SELECT * FROM _compliance_cube_now LIMIT 0;
