-- failing_categories_cube — failing_categories' answer read from mart_category_cube (kept per
-- quarter, organ region, tier, service type and category by marts/21_category_cube.sql) and added
-- up to the dimensions asked: the same columns as queries/failing_categories.sql. The query layer
-- reads it for whole quarters with no vendor filter.
WITH per_category AS (
    SELECT CASE $time_grain WHEN 'year' THEN date_trunc('year', period_start)::DATE
                            WHEN 'quarter' THEN period_start END AS period_start,
           {{ parts/region_at_level.sql }} AS region_code,
           CASE WHEN $by_tier THEN tier END AS tier,
           CASE WHEN $by_service THEN service_type END AS service_type,
           category_code,
           sum(inspections_assessed)::BIGINT AS inspections_assessed,
           sum(score_sum) AS score_sum,
           sum(scored)::BIGINT AS scored,
           round(sum(score_sum) / nullif(sum(scored), 0), 2) AS mean_category_score,
           sum(items_failed)::BIGINT AS items_failed,
           sum(items_partial)::BIGINT AS items_partial,
           sum(items_na)::BIGINT AS items_na,
           sum(inspections_with_failure)::BIGINT AS inspections_with_failure,
           sum(veto_failures)::BIGINT AS veto_failures
    FROM mart_category_cube
    WHERE period_start BETWEEN $start AND $end
      AND ($region IS NULL OR starts_with(region_code, $region))
      AND ($service_type IS NULL OR service_type = $service_type)
      AND ($tier IS NULL OR tier = $tier)
    GROUP BY ALL
)
{{ parts/category_labels.sql }}
