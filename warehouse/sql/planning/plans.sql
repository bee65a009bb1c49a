-- plans — every drawn plan, newest period first, with whether it is in force (not superseded by a
-- re-draw) and which plan superseded it. $period (a canonical label) or NULL for all.
-- Grain: one row per plan.
SELECT p.plan_id, p.period, p.period_start, p.period_end, p.planned_on, p.seed, p.algorithm,
       p.inputs_sha256, p.result_sha256, p.visits, p.staffed, p.unstaffed, p.data_load_id, p.data_as_of,
       p.created_at, p.created_by, p.reason, p.supersedes_plan_id,
       s.plan_id AS superseded_by, s.plan_id IS NULL AS is_current
FROM plans p
LEFT JOIN plans s ON s.supersedes_plan_id = p.plan_id
WHERE ($period IS NULL OR p.period = $period)
ORDER BY p.period_start DESC, p.period_end DESC, p.plan_id DESC
