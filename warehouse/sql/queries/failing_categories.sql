-- failing_categories — checklist results per category: inspections that assessed the category
-- (at least one applicable item), mean category score, items 不符合 / 部分符合 / 不适用, inspections
-- with a failed item, veto failures; optionally per period, region level, organ tier and service type.
-- Grain: one row per dimension values and category. Source: mart_inspection_categories.
-- The mean category score is the exact sum of the scores (score_sum) over their number (scored), so
-- that mart_category_cube (marts/21_category_cube.sql runs this file per quarter, organ region,
-- tier and service type) adds up to the same answer (queries/failing_categories_cube.sql).
WITH scoped AS (
    SELECT c.*, s.tier
    FROM mart_inspection_categories c
    LEFT JOIN (SELECT organ_key, tier FROM mart_organ_schedule WHERE $by_tier OR $tier IS NOT NULL) s
           USING (organ_key)
    WHERE c.inspected_on BETWEEN $start AND $end
      AND ($region IS NULL OR starts_with(c.region_code, $region))
      AND ($service_type IS NULL OR c.service_type = $service_type)
      AND ($vendor IS NULL OR c.vendor_key = md5_number_lower($vendor))
      AND ($tier IS NULL OR s.tier = $tier)
),
per_category AS (
    SELECT CASE $time_grain WHEN 'year' THEN date_trunc('year', inspected_on)::DATE
                            WHEN 'quarter' THEN date_trunc('quarter', inspected_on)::DATE END AS period_start,
           {{ parts/region_at_level.sql }} AS region_code,
           CASE WHEN $by_tier THEN tier END AS tier,
           CASE WHEN $by_service THEN service_type END AS service_type,
           category_code,
           count(*) FILTER (WHERE possible > 0) AS inspections_assessed,
           sum(category_score::DECIMAL(18, 6))::DECIMAL(18, 6) AS score_sum,
           count(category_score) AS scored,
           round(sum(category_score::DECIMAL(18, 6)) / nullif(count(category_score), 0), 2) AS mean_category_score,
           sum(n_fail)::BIGINT AS items_failed,
           sum(n_partial)::BIGINT AS items_partial,
           sum(n_na)::BIGINT AS items_na,
           count(*) FILTER (WHERE n_fail > 0) AS inspections_with_failure,
           count(*) FILTER (WHERE veto_failed) AS veto_failures
    FROM scoped
    GROUP BY ALL
)
{{ parts/category_labels.sql }}
