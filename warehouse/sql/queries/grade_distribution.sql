-- grade_distribution — how many inspections got each grade (NULL grade = not graded), optionally
-- per period and region level and service type. Grain: one row per dimension values and grade.
-- Source: mart_inspections. Filters as compliance_trend.
SELECT CASE $time_grain WHEN 'year' THEN year_start WHEN 'quarter' THEN quarter_start END AS period_start,
       {{ parts/region_at_level.sql }} AS region_code,
       CASE WHEN $by_service THEN service_type END AS service_type,
       grade,
       count(*) AS inspections
FROM mart_inspections
WHERE inspected_on BETWEEN $start AND $end
  AND ($region IS NULL OR starts_with(region_code, $region))
  AND ($service_type IS NULL OR service_type = $service_type)
  AND ($vendor IS NULL OR vendor_key = md5_number_lower($vendor))
  AND ($tier IS NULL OR organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
GROUP BY ALL
