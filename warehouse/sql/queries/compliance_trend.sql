-- compliance_trend — inspections done and their results per period (quarter or year), optionally by
-- region (province, city or county of the inspected organ), organ tier and service type.
-- Grain: one row per period and dimension values present. Source: mart_inspections.
-- Filters: period ($start–$end, inspection date), region prefix, service type, vendor, organ tier;
-- The mean score is the exact sum of the scores (score_sum, DECIMAL) over their number (scored):
-- marts/20_compliance_cube.sql keeps this answer per quarter, organ region, tier and service type,
-- and the query layer adds those rows up to the same mean (queries/compliance_cube.sql).
WITH scoped AS (
    SELECT m.*, s.tier
    FROM mart_inspections m
    LEFT JOIN (SELECT organ_key, tier FROM mart_organ_schedule WHERE $by_tier OR $tier IS NOT NULL) s
           USING (organ_key)
    WHERE m.inspected_on BETWEEN $start AND $end
      AND ($region IS NULL OR starts_with(m.region_code, $region))
      AND ($service_type IS NULL OR m.service_type = $service_type)
      AND ($vendor IS NULL OR m.vendor_key = md5_number_lower($vendor))
      AND ($tier IS NULL OR s.tier = $tier)
)
SELECT CASE $time_grain WHEN 'year' THEN year_start ELSE quarter_start END AS period_start,
       {{ parts/region_at_level.sql }} AS region_code,
       CASE WHEN $by_tier THEN tier END AS tier,
       CASE WHEN $by_service THEN service_type END AS service_type,
       count(*) AS inspections,
       count(grade) AS graded,
       sum(score::DECIMAL(18, 6))::DECIMAL(18, 6) AS score_sum,
       count(score) AS scored,
       round(sum(score::DECIMAL(18, 6)) / nullif(count(score), 0), 2) AS mean_score,
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
