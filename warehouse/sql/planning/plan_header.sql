-- plan_header — one plan with its parameters and draw log (JSON as text).
-- Grain: one row (or none).
SELECT p.*, s.plan_id AS superseded_by, s.plan_id IS NULL AS is_current
FROM plans p
LEFT JOIN plans s ON s.supersedes_plan_id = p.plan_id
WHERE p.plan_id = $plan_id
