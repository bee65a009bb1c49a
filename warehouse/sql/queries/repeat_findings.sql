-- repeat_findings — each time an item was found wanting again at the same organ (scope organ) or on
-- the same vendor's projects (scope vendor) in consecutive inspections. Grain: one row per repeat.
-- Source: mart_repeat_findings. Filters on the later inspection's date and dimensions; $organ: one
-- organ's (the organ inspected).
SELECT r.scope, r.entity_code,
       CASE r.scope WHEN 'organ' THEN o.organ_name ELSE v.vendor_name END AS entity_name,
       r.item_code, c.item_zh, c.item_en, c.category_code, c.veto,
       r.inspection_code, r.inspected_on, r.result,
       r.prev_inspection_code, r.prev_inspected_on, r.prev_result, r.streak,
       r.organ_code, r.vendor_code, r.region_code, r.service_type
FROM mart_repeat_findings r
LEFT JOIN organs o ON o.organ_code = r.entity_code
LEFT JOIN vendors v ON v.vendor_code = r.entity_code
LEFT JOIN checklist_items c ON c.item_code = r.item_code AND c.checklist_version = $checklist_version
WHERE r.scope = $scope
  AND r.inspected_on BETWEEN $start AND $end
  AND ($region IS NULL OR starts_with(r.region_code, $region))
  AND ($service_type IS NULL OR r.service_type = $service_type)
  AND ($vendor IS NULL OR r.vendor_code = $vendor)
  AND ($tier IS NULL OR r.organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
  AND ($organ IS NULL OR r.organ_code = $organ)
ORDER BY r.streak DESC, r.inspected_on DESC, r.entity_code, r.item_code
LIMIT $limit
