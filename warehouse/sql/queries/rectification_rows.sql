-- rectification_rows — every rectification with its status as of $today: closed (on time), closed_late,
-- superseded (the organ was inspected again before it closed), overdue (open past due), due_soon
-- (open, due within $due_soon_days), open; with the organ's name and tier (organ_tier) and the
-- region's name. Grain: one row per rectification. Source: mart_rectifications. Filters: due date in
-- the period, region, service type, vendor, organ tier; $status: the statuses kept (a list; NULL:
-- all); $organ: one organ's. $open_only (all the statuses kept are open ones) says so in a form the
-- scan can use: the refresh stores the open rectifications together (ordered by resolved_on). The
-- organs' names and tiers are looked up for the rectifications kept only. No order:
-- rectifications.sql lists these rows, the query layer pages them.
WITH kept AS (
    SELECT r.*,
           {{ parts/rectification_status.sql }} AS status
    FROM mart_rectifications r
    WHERE r.inspected_on <= $today
      AND ($start IS NULL OR r.due_on BETWEEN $start AND $end)
      AND ($region IS NULL OR starts_with(r.region_code, $region))
      AND ($service_type IS NULL OR r.service_type = $service_type)
      AND ($vendor IS NULL OR r.vendor_key = md5_number_lower($vendor))
      AND ($organ IS NULL OR r.organ_code = $organ)
      AND (NOT $open_only OR r.resolved_on IS NULL OR r.resolved_on > $today)
      AND ($status IS NULL OR list_contains($status, status))
),
organs_of AS (
    SELECT organ_code, organ_name, tier FROM mart_organ_schedule WHERE organ_code IN (SELECT organ_code FROM kept)
)
SELECT r.inspection_code, r.item_code, c.item_zh, c.item_en, r.category_code, r.veto,
       r.organ_code, s.organ_name, r.region_code, r.project_code, r.vendor_code, v.vendor_name, r.service_type,
       r.inspected_on, r.due_on, r.completed_on, r.verified_on, r.verification,
       CASE WHEN r.superseded_on <= $today THEN r.superseded_on END AS superseded_on,
       CASE WHEN r.superseded_on <= $today THEN r.superseded_by END AS superseded_by,
       CASE WHEN r.closed_on <= $today THEN r.closed_on END AS closed_on,
       CASE WHEN r.closed_on <= $today THEN r.days_to_close END AS days_to_close,
       r.status,
       CASE WHEN (r.resolved_on IS NULL OR r.resolved_on > $today) AND r.due_on < $today
            THEN ($today - r.due_on)::INTEGER ELSE 0 END AS days_overdue,
       CASE WHEN r.closed_on <= $today THEN r.days_closed_late ELSE 0 END AS days_closed_late,
       s.tier AS organ_tier, g.region_name
FROM kept r
LEFT JOIN organs_of s USING (organ_code)
LEFT JOIN vendors v ON v.vendor_code = r.vendor_code
LEFT JOIN checklist_items c ON c.item_code = r.item_code AND c.checklist_version = $checklist_version
LEFT JOIN regions g ON g.region_code = r.region_code
WHERE ($tier IS NULL OR s.tier = $tier)
