-- parts/category_cube_source — the rows of mart_category_cube, computed by
-- queries/failing_categories.sql itself per quarter, organ region, organ tier, service type and
-- category. Included by marts/21_category_cube.sql (the rows now) and marts/02_cube_baseline.sql
-- (the rows before the refresh changes anything), which give it the rows of some organs only as
-- `@mart_inspection_categories` (sqlfiles: a relation read instead).
SELECT period_start, region_code, tier, service_type, category_code, inspections_assessed, score_sum, scored,
       items_failed, items_partial, items_na, inspections_with_failure, veto_failures
FROM ({{ queries/failing_categories.sql | start: DATE '0001-01-01', end: DATE '9999-12-31', region: NULL,
        service_type: NULL, vendor: NULL, tier: NULL, time_grain: 'quarter', region_level: 'county',
        by_tier: true, by_service: true }})
