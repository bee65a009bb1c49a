-- parts/compliance_cube_source — the rows of mart_compliance_cube, computed by
-- queries/compliance_trend.sql itself per quarter, organ region, organ tier and service type (and
-- for every service type together: all_services). Included by marts/20_compliance_cube.sql (the
-- rows now) and marts/02_cube_baseline.sql (the rows before the refresh changes anything), which
-- give it the rows of some organs only as `@mart_inspections` (sqlfiles: a relation read instead).
SELECT false AS all_services, * EXCLUDE (mean_score)
FROM ({{ queries/compliance_trend.sql | start: DATE '0001-01-01', end: DATE '9999-12-31', region: NULL,
        service_type: NULL, vendor: NULL, tier: NULL, time_grain: 'quarter', region_level: 'county',
        by_tier: true, by_service: true }})
UNION ALL BY NAME
SELECT true AS all_services, * EXCLUDE (mean_score)
FROM ({{ queries/compliance_trend.sql | start: DATE '0001-01-01', end: DATE '9999-12-31', region: NULL,
        service_type: NULL, vendor: NULL, tier: NULL, time_grain: 'quarter', region_level: 'county',
        by_tier: true, by_service: false }})
