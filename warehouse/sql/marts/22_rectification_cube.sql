-- mart_rectification_cube — rectification_status's answer as of the refresh date ($today), kept per
-- organ region, organ tier, service type and, for closed rectifications, the days they took to close
-- (close_days: what the median is taken over), computed by queries/rectification_status.sql itself
-- for every due date (no period). The query layer adds these rows up instead of reading
-- mart_rectifications when it asks for the same day, no period and no vendor.
-- Grain: one row per region, tier, service type and close_days with a rectification.
-- Refresh: the rows of the regions of the organs in scope ($regions; all when NULL). The marts are
-- refreshed for every organ when the date changes, so the rows are always as of $today.
CREATE TABLE IF NOT EXISTS mart_rectification_cube AS
SELECT * EXCLUDE (mean_days_to_close, median_days_to_close)
FROM ({{ queries/rectification_status.sql | start: NULL, end: NULL, region: NULL, service_type: NULL,
        vendor: NULL, tier: NULL, region_level: 'county', by_tier: true, by_service: true,
        by_close_days: true, due_soon_days: $rect_due_soon_days }})
LIMIT 0;

DELETE FROM mart_rectification_cube
WHERE $regions IS NULL OR list_contains($regions, coalesce(region_code, ''));

INSERT INTO mart_rectification_cube BY NAME
SELECT * EXCLUDE (mean_days_to_close, median_days_to_close)
FROM ({{ queries/rectification_status.sql | start: NULL, end: NULL, region: NULL, service_type: NULL,
        vendor: NULL, tier: NULL, region_level: 'county', by_tier: true, by_service: true,
        by_close_days: true, due_soon_days: $rect_due_soon_days }});
