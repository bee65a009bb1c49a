-- escalation_candidates — rectifications still open more than $escalation_days days after their
-- due date as of $today: candidates for 约谈 (实施条例 Art 51). Grain: one row per rectification.
SELECT r.inspection_code, r.item_code, c.item_zh, c.item_en, r.category_code, r.veto,
       r.organ_code, o.organ_name, r.region_code, r.vendor_code, v.vendor_name, r.project_code,
       r.inspected_on, r.due_on, r.completed_on, r.verification,
       ($today - r.due_on)::INTEGER AS days_overdue,
       '约谈' AS suggested_action
FROM mart_rectifications r
LEFT JOIN organs o USING (organ_code)
LEFT JOIN vendors v ON v.vendor_code = r.vendor_code
LEFT JOIN checklist_items c ON c.item_code = r.item_code AND c.checklist_version = $checklist_version
WHERE r.inspected_on <= $today
  AND (r.resolved_on IS NULL OR r.resolved_on > $today)
  AND $today - r.due_on > $escalation_days
  AND ($start IS NULL OR r.due_on BETWEEN $start AND $end)
  AND ($region IS NULL OR starts_with(r.region_code, $region))
  AND ($service_type IS NULL OR r.service_type = $service_type)
  AND ($vendor IS NULL OR r.vendor_key = md5_number_lower($vendor))
  AND ($tier IS NULL OR r.organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
ORDER BY days_overdue DESC, r.veto DESC, r.inspection_code, r.item_code
LIMIT $limit
