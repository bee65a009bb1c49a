-- mart_category_cube — failing_categories' answer kept per quarter, organ region, organ tier,
-- service type and category, computed by queries/failing_categories.sql itself: the rows the
-- overview's failing categories add up instead of scanning mart_inspection_categories (about nine
-- rows per inspection). Every column adds up across quarters, regions, tiers and service types.
-- Grain: one row per quarter, region, tier, service type and category with an inspection.
-- Refresh: the rows of the regions of the organs in scope ($regions; all when NULL).
CREATE TABLE IF NOT EXISTS mart_category_cube AS
SELECT period_start, region_code, tier, service_type, category_code, inspections_assessed, score_sum, scored,
       items_failed, items_partial, items_na, inspections_with_failure, veto_failures
FROM ({{ queries/failing_categories.sql | start: DATE '0001-01-01', end: DATE '9999-12-31', region: NULL,
        service_type: NULL, vendor: NULL, tier: NULL, time_grain: 'quarter', region_level: 'county',
        by_tier: true, by_service: true }})
LIMIT 0;

DELETE FROM mart_category_cube
WHERE $regions IS NULL OR list_contains($regions, coalesce(region_code, ''));

INSERT INTO mart_category_cube BY NAME
SELECT period_start, region_code, tier, service_type, category_code, inspections_assessed, score_sum, scored,
       items_failed, items_partial, items_na, inspections_with_failure, veto_failures
FROM ({{ queries/failing_categories.sql | start: DATE '0001-01-01', end: DATE '9999-12-31', region: NULL,
        service_type: NULL, vendor: NULL, tier: NULL, time_grain: 'quarter', region_level: 'county',
        by_tier: true, by_service: true }});
