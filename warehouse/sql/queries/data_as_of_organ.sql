-- data_as_of (by organ) — when data about each organ last arrived and what kind it was.
-- Grain: one row per organ. Source: mart_organ_loads. Filters: region, service type / vendor (organs
-- with such a project), organ tier, $organ (one organ).
SELECT l.organ_code, s.organ_name, s.region_code, l.first_seen_on, l.known_since, l.last_load_id, l.last_loaded_on,
       l.last_loaded_at, l.last_kind,
       CASE WHEN l.last_loaded_on IS NOT NULL THEN ($today - l.last_loaded_on)::INTEGER END AS days_since_load
FROM mart_organ_loads l
JOIN mart_organ_schedule s USING (organ_code)
WHERE ($region IS NULL OR starts_with(s.region_code, $region))
  AND ($service_type IS NULL OR list_contains(s.service_types, $service_type))
  AND ($vendor IS NULL OR list_contains(s.vendor_codes, $vendor))
  AND ($tier IS NULL OR s.tier = $tier)
  AND ($organ IS NULL OR l.organ_code = $organ)
ORDER BY l.last_loaded_on NULLS FIRST, l.organ_code
