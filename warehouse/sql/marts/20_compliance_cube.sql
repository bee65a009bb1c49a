-- mart_compliance_cube — compliance_trend's answer kept per quarter, organ region (the organ's own
-- region code), organ tier and service type, computed by queries/compliance_trend.sql itself: the
-- rows the overview's trend, region comparison and grade distribution add up instead of scanning
-- mart_inspections. Rows with all_services count every service type together (organs_inspected is
-- a distinct count and does not add up across service types); the others one service type each.
-- Every column adds up across regions, tiers and quarters, except organs_inspected across quarters
-- (a year's organs are counted from mart_inspections).
-- Grain: one row per quarter, region, tier and service type (or all of them) with an inspection.
-- Refresh: the rows of the regions of the organs in scope ($regions; all when NULL).
CREATE TABLE IF NOT EXISTS mart_compliance_cube AS
SELECT NULL::BOOLEAN AS all_services, * EXCLUDE (mean_score)
FROM ({{ queries/compliance_trend.sql | start: DATE '0001-01-01', end: DATE '9999-12-31', region: NULL,
        service_type: NULL, vendor: NULL, tier: NULL, time_grain: 'quarter', region_level: 'county',
        by_tier: true, by_service: true }})
LIMIT 0;

DELETE FROM mart_compliance_cube
WHERE $regions IS NULL OR list_contains($regions, coalesce(region_code, ''));

INSERT INTO mart_compliance_cube BY NAME
SELECT false AS all_services, * EXCLUDE (mean_score)
FROM ({{ queries/compliance_trend.sql | start: DATE '0001-01-01', end: DATE '9999-12-31', region: NULL,
        service_type: NULL, vendor: NULL, tier: NULL, time_grain: 'quarter', region_level: 'county',
        by_tier: true, by_service: true }})
UNION ALL BY NAME
SELECT true AS all_services, * EXCLUDE (mean_score)
FROM ({{ queries/compliance_trend.sql | start: DATE '0001-01-01', end: DATE '9999-12-31', region: NULL,
        service_type: NULL, vendor: NULL, tier: NULL, time_grain: 'quarter', region_level: 'county',
        by_tier: true, by_service: false }});
