-- raw/compliance_trend — the compliance trend per quarter computed from the fact tables alone
-- (inspections, their checklist items, organs), without any mart: what queries.compliance_trend
-- answers from mart_inspections / mart_compliance_cube, for the benchmark to time and check
-- (benchmarks/analytics.py). Window $start–$end (whole quarters), optional region prefix.
-- Repeat findings are left out (they need each organ's sequence of inspections).
WITH inspected AS (
    SELECT i.inspection_code, i.inspected_on, i.organ_code, i.score, i.grade, i.veto_failed
    FROM inspections i
    LEFT JOIN organs o USING (organ_code)
    WHERE i.inspected_on BETWEEN $start AND $end
      AND ($region IS NULL OR starts_with(o.region_code, $region))
),
items AS (
    SELECT inspection_code,
           count(*) FILTER (WHERE result = '不符合') AS n_fail,
           count(*) FILTER (WHERE result = '部分符合') AS n_partial
    FROM inspection_items
    WHERE inspection_code IN (SELECT inspection_code FROM inspected)
    GROUP BY inspection_code
)
SELECT date_trunc('quarter', i.inspected_on)::DATE AS period_start,
       count(*) AS inspections,
       count(i.grade) AS graded,
       round(avg(i.score), 2) AS mean_score,
       count(*) FILTER (WHERE i.grade = '优秀') AS n_excellent,
       count(*) FILTER (WHERE i.grade = '良好') AS n_good,
       count(*) FILTER (WHERE i.grade = '合格') AS n_pass,
       count(*) FILTER (WHERE i.grade = '不合格') AS n_fail,
       count(*) FILTER (WHERE i.veto_failed) AS veto_failures,
       coalesce(sum(t.n_fail), 0)::BIGINT AS items_failed,
       coalesce(sum(t.n_partial), 0)::BIGINT AS items_partial,
       count(DISTINCT i.organ_code) AS organs_inspected
FROM inspected i
LEFT JOIN items t USING (inspection_code)
GROUP BY ALL
ORDER BY period_start
