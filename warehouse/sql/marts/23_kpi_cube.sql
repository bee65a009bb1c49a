-- mart_kpi_cube, mart_kpi_periods — the counts behind the headline numbers (queries/kpi_counts.sql
-- itself, parts/kpi_cube_source.sql) for the standard periods around the refresh date, per organ
-- region, organ tier and service type (NULL: all): the last $kpi_quarters quarters and $kpi_years
-- years up to the one that contains $today, each with its as-of day (its end, or $today), so that
-- the overview's cards for any period its filter offers — and the period before — add up a few
-- hundred rows. A period is identified by its start and as-of day (all a count depends on);
-- mart_kpi_periods lists those kept.
-- Grain: one row per period, region, tier, service type and measure with a count.
-- Refresh: _kpi_cube_now holds the rows of every organ, or (if $by_difference) of the organs in
-- scope (_cube_organs); warehouse/marts.py then replaces the cube or adds the difference from
-- _kpi_cube_before (marts/02_cube_baseline.sql). The marts are refreshed for every organ when the
-- date changes, so the periods always follow $today.
CREATE OR REPLACE TABLE mart_kpi_periods AS
SELECT unnest($kpi_starts) AS period_start, unnest($kpi_asofs) AS as_of;

-- when not $by_difference
CREATE OR REPLACE TEMP TABLE _kpi_cube_now AS
SELECT * FROM ({{ parts/kpi_cube_source.sql }});

-- when $by_difference
CREATE OR REPLACE TEMP TABLE _kpi_cube_now AS
SELECT * FROM ({{ parts/kpi_cube_source.sql | @mart_organ_schedule: _cube_schedule }});

-- the cube itself, the first time (warehouse/marts.py then fills it)
CREATE TABLE IF NOT EXISTS mart_kpi_cube AS SELECT * FROM _kpi_cube_now LIMIT 0;
