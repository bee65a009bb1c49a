-- plan_visits — the visits of a plan in visit order, each with its team (ids and names, seat order)
-- or, when unstaffed, why. reasons_en: the reasons in English (a plan recorded before migration 0008
-- has none: its Chinese ones).
-- Grain: one row per visit.
SELECT v.plan_id, v.visit_no, v.organ_code, v.organ_name, v.region_code, v.tier, v.selection, v.reasons,
       v.reasons_zh, coalesce(v.reasons_en, v.reasons_zh) AS reasons_en, v.priority, v.lottery, v.due_on, v.window_start, v.window_end, v.project_codes,
       v.service_types, v.needed_expertise, v.check_items, v.status, v.expertise_covered, v.notes_zh,
       coalesce(t.inspector_ids, []::VARCHAR[]) AS inspector_ids,
       coalesce(t.inspector_names, []::VARCHAR[]) AS inspector_names,
       u.reason_code AS unstaffed_code, u.reason_zh AS unstaffed_reason
FROM plan_visits v
LEFT JOIN (
    SELECT visit_no, list(inspector_id ORDER BY seat) AS inspector_ids,
           list(inspector_name ORDER BY seat) AS inspector_names
    FROM plan_visit_inspectors WHERE plan_id = $plan_id GROUP BY visit_no
) t USING (visit_no)
LEFT JOIN plan_unstaffed u ON u.plan_id = v.plan_id AND u.visit_no = v.visit_no
WHERE v.plan_id = $plan_id
ORDER BY v.visit_no
