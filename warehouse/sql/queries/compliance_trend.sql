-- compliance_trend — inspections done and their results per period (quarter or year), optionally by
-- region (province, city or county of the inspected organ) and service type.
-- Grain: one row per period and dimension values present. Source: mart_inspections.
-- Filters: period ($start–$end, inspection date), region prefix, service type, vendor, organ tier.
WITH scoped AS (
    SELECT *
    FROM mart_inspections
    WHERE inspected_on BETWEEN $start AND $end
      AND ($region IS NULL OR starts_with(region_code, $region))
      AND ($service_type IS NULL OR service_type = $service_type)
      AND ($vendor IS NULL OR vendor_code = $vendor)
      AND ($tier IS NULL OR organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
)
SELECT CASE $time_grain WHEN 'year' THEN year_start ELSE quarter_start END AS period_start,
       CASE $region_level WHEN 'province' THEN left(region_code, 2) || '0000'
                          WHEN 'city' THEN left(region_code, 4) || '00'
                          WHEN 'county' THEN region_code END AS region_code,
       CASE WHEN $by_service THEN service_type END AS service_type,
       count(*) AS inspections,
       count(grade) AS graded,
       round(avg(score), 2) AS mean_score,
       count(*) FILTER (WHERE grade = '优秀') AS n_excellent,
       count(*) FILTER (WHERE grade = '良好') AS n_good,
       count(*) FILTER (WHERE grade = '合格') AS n_pass,
       count(*) FILTER (WHERE grade = '不合格') AS n_fail,
       count(*) FILTER (WHERE veto_failed) AS veto_failures,
       coalesce(sum(n_fail), 0)::BIGINT AS items_failed,
       coalesce(sum(n_partial), 0)::BIGINT AS items_partial,
       coalesce(sum(repeat_findings), 0)::BIGINT AS repeat_findings,
       count(DISTINCT organ_code) AS organs_inspected
FROM scoped
GROUP BY ALL
