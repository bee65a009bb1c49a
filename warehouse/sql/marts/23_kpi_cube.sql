-- mart_kpi_cube, mart_kpi_periods — the counts behind the headline numbers (queries/kpi_counts.sql
-- itself) for the standard periods around the refresh date, per organ region, organ tier and
-- service type (NULL: all): the last $kpi_quarters quarters and $kpi_years years up to the one that
-- contains $today, each with its as-of day (its end, or $today), so that the overview's cards for
-- any period its filter offers — and the period before — add up a few hundred rows. A period is
-- identified by its start and as-of day (all a count depends on); mart_kpi_periods lists those kept.
-- Grain: one row per period, region, tier, service type and measure with a count.
-- Refresh: the rows of the regions of the organs in scope ($regions; all when NULL). The marts are
-- refreshed for every organ when the date changes, so the periods always follow $today.
CREATE OR REPLACE TABLE mart_kpi_periods AS
SELECT unnest($kpi_starts) AS period_start, unnest($kpi_asofs) AS as_of;

CREATE TABLE IF NOT EXISTS mart_kpi_cube AS
SELECT * FROM ({{ queries/kpi_counts.sql | starts: $kpi_starts, asofs: $kpi_asofs, services: [NULL::VARCHAR],
                  region: NULL, vendor: NULL, tier: NULL }})
LIMIT 0;

DELETE FROM mart_kpi_cube
WHERE $regions IS NULL OR list_contains($regions, coalesce(region_code, ''));

INSERT INTO mart_kpi_cube BY NAME
SELECT * FROM ({{ queries/kpi_counts.sql | starts: $kpi_starts, asofs: $kpi_asofs,
                  services: (SELECT [NULL::VARCHAR] || coalesce(list(DISTINCT service_type ORDER BY service_type), [])
                             FROM projects WHERE service_type IS NOT NULL),
                  region: NULL, vendor: NULL, tier: NULL }});
