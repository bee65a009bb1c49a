-- plan_team — the inspectors of a plan's visits, seat by seat, with how each was weighted.
-- Grain: one row per visit and seat.
SELECT t.plan_id, t.visit_no, v.organ_code, v.organ_name, v.window_start, v.window_end, t.seat,
       t.inspector_id, t.inspector_name, t.region_code, t.locality, t.expertise_matched, t.weight, t.draw_key
FROM plan_visit_inspectors t
JOIN plan_visits v USING (plan_id, visit_no)
WHERE t.plan_id = $plan_id
ORDER BY t.visit_no, t.seat
