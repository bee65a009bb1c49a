-- plan_vs_achieved — a plan against the inspections loaded since. A planned visit is achieved by
-- the first inspection of its organ, on or before $today, that falls in the plan's period or in the
-- visit's suggested window; otherwise it is missed once the period is over, behind once its window
-- has passed, else pending. Inspections in the period of organs not in the plan are unplanned.
-- Only inspections from the plan's first day (the later of the period's start and the day it was
-- drawn) count: an inspection made before the plan existed neither carries it out nor departs from it.
-- Grain: one row per planned visit, plus one per unplanned inspection (planned = false).
WITH p AS (
    SELECT plan_id, period_start, period_end, greatest(period_start, planned_on) AS plan_start
    FROM plans WHERE plan_id = $plan_id
),
v AS (
    SELECT v.*, p.period_start, p.period_end, p.plan_start FROM plan_visits v JOIN p USING (plan_id)
),
team AS (
    SELECT visit_no, list(inspector_name ORDER BY seat) AS planned_inspectors
    FROM plan_visit_inspectors WHERE plan_id = $plan_id GROUP BY visit_no
),
matched AS (
    SELECT v.visit_no, count(*) AS inspections_matched,
           arg_min({'code': i.inspection_code, 'day': i.inspected_on, 'kind': i.inspection_kind,
                    'grade': i.grade, 'score': i.score, 'inspectors': i.inspectors},
                   (i.inspected_on, i.inspection_code)) AS m
    FROM v
    JOIN inspections i ON i.organ_code = v.organ_code
    WHERE i.inspected_on BETWEEN v.plan_start AND $today
      AND (i.inspected_on BETWEEN v.period_start AND v.period_end
           OR i.inspected_on BETWEEN v.window_start AND v.window_end)
    GROUP BY v.visit_no
),
planned AS (
    SELECT true AS planned, v.visit_no, v.organ_code, v.organ_name, v.region_code, v.tier, v.selection,
           v.status AS staffing, v.window_start, v.window_end, coalesce(t.planned_inspectors, []::VARCHAR[]) AS planned_inspectors,
           m.m.code AS inspection_code, m.m.day AS inspected_on, m.m.kind AS inspection_kind,
           m.m.grade AS grade, m.m.score AS score, string_split(m.m.inspectors, '、') AS actual_inspectors,
           coalesce(m.inspections_matched, 0)::INTEGER AS inspections_matched,
           CASE WHEN m.m IS NOT NULL THEN 'achieved'
                WHEN $today > v.period_end THEN 'missed'
                WHEN $today > v.window_end THEN 'behind'
                ELSE 'pending' END AS status,
           m.m.day BETWEEN v.window_start AND v.window_end AS in_window
    FROM v
    LEFT JOIN team t USING (visit_no)
    LEFT JOIN matched m USING (visit_no)
),
unplanned AS (
    SELECT false AS planned, NULL::INTEGER AS visit_no, i.organ_code, o.organ_name, o.region_code, s.tier,
           NULL::VARCHAR AS selection, NULL::VARCHAR AS staffing, NULL::DATE AS window_start, NULL::DATE AS window_end,
           []::VARCHAR[] AS planned_inspectors,
           i.inspection_code, i.inspected_on, i.inspection_kind, i.grade, i.score,
           string_split(i.inspectors, '、') AS actual_inspectors, 1 AS inspections_matched,
           'unplanned' AS status, NULL::BOOLEAN AS in_window
    FROM inspections i
    CROSS JOIN p
    LEFT JOIN organs o ON o.organ_code = i.organ_code
    LEFT JOIN mart_organ_schedule s ON s.organ_code = i.organ_code
    WHERE i.inspected_on BETWEEN p.plan_start AND p.period_end
      AND i.inspected_on <= $today
      AND i.organ_code NOT IN (SELECT organ_code FROM v)
)
SELECT *, len(list_intersect(actual_inspectors, planned_inspectors))::INTEGER AS planned_inspectors_present
FROM (SELECT * FROM planned UNION ALL SELECT * FROM unplanned)
ORDER BY planned DESC, visit_no, inspected_on, inspection_code
