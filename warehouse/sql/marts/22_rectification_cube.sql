-- mart_rectification_cube — rectification_status's answer as of the refresh date ($today), kept per
-- organ region, organ tier, service type and, for closed rectifications, the days they took to close
-- (close_days: what the median is taken over), for overdue ones their due date (overdue_since: the
-- most days overdue counts from the earliest), computed by queries/rectification_status.sql itself
-- for every due date (no period; parts/rectification_cube_source.sql). The query layer adds these
-- rows up instead of reading mart_rectifications when it asks for the same day, no period and no
-- vendor.
-- Grain: one row per region, tier, service type, close_days and overdue_since with a rectification.
-- Refresh: _rectification_cube_now holds the rows of every organ, or of the organs in scope
-- (_cube_organs) when $by_difference; warehouse/marts.py then replaces the cube or adds the
-- difference from _rectification_cube_before (marts/02_cube_baseline.sql). The marts are refreshed
-- for every organ when the date changes, so the rows are always as of $today.
-- when not $by_difference
CREATE OR REPLACE TEMP TABLE _rectification_cube_now AS
SELECT * FROM ({{ parts/rectification_cube_source.sql }});

-- when $by_difference
CREATE OR REPLACE TEMP TABLE _rectification_cube_now AS
SELECT * FROM ({{ parts/rectification_cube_source.sql
                  | @mart_rectifications: _cube_rectifications, @mart_organ_schedule: _cube_schedule }});

-- the cube itself, the first time (warehouse/marts.py then fills it)
CREATE TABLE IF NOT EXISTS mart_rectification_cube AS SELECT * FROM _rectification_cube_now LIMIT 0;
