-- parts/region_at_level — the region a row's region_code rolls up to at $region_level (province:
-- xx0000, city: xxxx00, county: itself; NULL when no region level is asked): the grouping key of
-- every "by region" answer (an expression, included where one is added up).
CASE $region_level WHEN 'province' THEN left(region_code, 2) || '0000'
                   WHEN 'city' THEN left(region_code, 4) || '00'
                   WHEN 'county' THEN region_code END
