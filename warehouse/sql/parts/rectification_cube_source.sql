-- parts/rectification_cube_source — the rows of mart_rectification_cube, computed by
-- queries/rectification_status.sql itself as of $today, for every due date, per organ region, organ
-- tier and service type, split by the days a closed one took and the due date of an overdue one
-- ($by_close_days): every column adds up. Included by marts/22_rectification_cube.sql (the rows
-- now) and marts/02_cube_baseline.sql (the rows before the refresh changes anything), which give it
-- the rows of some organs only as `@mart_rectifications` (sqlfiles: a relation read instead).
SELECT * EXCLUDE (mean_days_to_close, median_days_to_close, max_days_overdue)
FROM ({{ queries/rectification_status.sql | start: NULL, end: NULL, region: NULL, service_type: NULL,
        vendor: NULL, tier: NULL, region_level: 'county', by_tier: true, by_service: true,
        by_close_days: true, due_soon_days: $rect_due_soon_days }})
