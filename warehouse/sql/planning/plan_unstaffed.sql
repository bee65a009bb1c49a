-- plan_unstaffed — the visits of a plan left without a team, and why (Chinese, English, with the
-- counts; reason_en is NULL for a plan recorded before migration 0008).
-- Grain: one row per unstaffed visit.
SELECT u.plan_id, u.visit_no, v.organ_code, v.organ_name, v.region_code, v.tier, v.selection,
       u.reason_code, u.reason_zh, u.reason_en, u.needed, u.active, u.recused_registry, u.recused_last, u.at_capacity,
       u.available
FROM plan_unstaffed u
JOIN plan_visits v USING (plan_id, visit_no)
WHERE u.plan_id = $plan_id
ORDER BY u.visit_no
