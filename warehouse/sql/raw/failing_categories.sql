-- raw/failing_categories — checklist results per category computed from the fact tables alone
-- (inspection_items with the checklist's categories and weights, inspections, organs), without any
-- mart: what queries.failing_categories answers from mart_inspection_categories / mart_category_cube.
-- For the benchmark (benchmarks/analytics.py). Window $start–$end, optional region prefix.
WITH inspected AS (
    SELECT i.inspection_code
    FROM inspections i
    LEFT JOIN organs o USING (organ_code)
    WHERE i.inspected_on BETWEEN $start AND $end
      AND ($region IS NULL OR starts_with(o.region_code, $region))
),
per_inspection AS (
    SELECT x.inspection_code, c.category_code,
           count(*) FILTER (WHERE x.result = '不符合') AS n_fail,
           count(*) FILTER (WHERE x.result = '部分符合') AS n_partial,
           count(*) FILTER (WHERE x.result = '不适用') AS n_na,
           coalesce(sum(c.weight * CASE x.result WHEN '符合' THEN 1.0 WHEN '部分符合' THEN 0.5 ELSE 0.0 END)
                        FILTER (WHERE x.result <> '不适用'), 0) AS earned,
           coalesce(sum(c.weight) FILTER (WHERE x.result <> '不适用'), 0) AS possible,
           coalesce(bool_or(c.veto AND x.result = '不符合'), false) AS veto_failed
    FROM inspection_items x
    JOIN inspected USING (inspection_code)
    JOIN checklist_items c ON c.item_code = x.item_code AND c.checklist_version = $checklist_version
    GROUP BY ALL
)
SELECT category_code,
       count(*) FILTER (WHERE possible > 0) AS inspections_assessed,
       round(avg(round(100 * earned / nullif(possible, 0), 2)), 2) AS mean_category_score,
       sum(n_fail)::BIGINT AS items_failed,
       sum(n_partial)::BIGINT AS items_partial,
       sum(n_na)::BIGINT AS items_na,
       count(*) FILTER (WHERE n_fail > 0) AS inspections_with_failure,
       count(*) FILTER (WHERE veto_failed) AS veto_failures
FROM per_inspection
GROUP BY category_code
ORDER BY category_code
