-- most_failed_items — the checklist items most often 不符合 in the inspections selected, with how
-- often they were 部分符合 or 不适用, the inspections that recorded checklist items (denominator),
-- the organs where they failed and how many were repeat findings (organ scope).
-- Grain: one row per item (top $limit). Sources: mart_item_exceptions, mart_inspections,
-- mart_repeat_findings.
WITH inspections AS (
    SELECT inspection_key
    FROM mart_inspections
    WHERE inspected_on BETWEEN $start AND $end AND items_count > 0
      AND ($region IS NULL OR starts_with(region_code, $region))
      AND ($service_type IS NULL OR service_type = $service_type)
      AND ($vendor IS NULL OR vendor_code = $vendor)
      AND ($tier IS NULL OR organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
),
denominator AS (
    SELECT count(*) AS inspections_with_items FROM inspections
),
exceptions AS (
    SELECT e.item_code, e.result, e.organ_key
    FROM mart_item_exceptions e
    WHERE e.inspected_on BETWEEN $start AND $end
      AND ($region IS NULL OR starts_with(e.region_code, $region))
      AND ($service_type IS NULL OR e.service_type = $service_type)
      AND ($vendor IS NULL OR e.vendor_key = md5_number_lower($vendor))
      AND ($tier IS NULL OR e.organ_key IN (SELECT organ_key FROM mart_organ_schedule WHERE tier = $tier))
),
counts AS (
    SELECT item_code,
           count(*) FILTER (WHERE result = '不符合') AS times_failed,
           count(*) FILTER (WHERE result = '部分符合') AS times_partial,
           count(*) FILTER (WHERE result = '不适用') AS times_na,
           count(DISTINCT organ_key) FILTER (WHERE result = '不符合') AS organs_affected
    FROM exceptions GROUP BY item_code
),
repeats AS (
    SELECT item_code, count(*) AS repeat_findings
    FROM mart_repeat_findings
    WHERE scope = 'organ' AND inspected_on BETWEEN $start AND $end
      AND ($region IS NULL OR starts_with(region_code, $region))
      AND ($service_type IS NULL OR service_type = $service_type)
      AND ($vendor IS NULL OR vendor_code = $vendor)
      AND ($tier IS NULL OR organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
    GROUP BY item_code
),
items AS (
    SELECT * FROM checklist_items WHERE checklist_version = $checklist_version
)
SELECT i.item_code, i.item_zh, i.item_en, i.category_code, i.category_zh, i.weight, i.veto,
       coalesce(c.times_failed, 0) AS times_failed,
       coalesce(c.times_partial, 0) AS times_partial,
       coalesce(c.times_na, 0) AS times_na,
       d.inspections_with_items,
       d.inspections_with_items - coalesce(c.times_na, 0) AS inspections_assessed,
       round(coalesce(c.times_failed, 0) / nullif(d.inspections_with_items - coalesce(c.times_na, 0), 0), 4)
           AS failure_rate,
       coalesce(c.organs_affected, 0) AS organs_affected,
       coalesce(r.repeat_findings, 0) AS repeat_findings
FROM items i
CROSS JOIN denominator d
LEFT JOIN counts c USING (item_code)
LEFT JOIN repeats r USING (item_code)
WHERE coalesce(c.times_failed, 0) + coalesce(c.times_partial, 0) > 0
ORDER BY times_failed DESC, times_partial DESC, i.item_code
LIMIT $limit
