-- vendor_risk_rows — vendors with their risk score, with the seven components, the tier (score tier and
-- any floor), and when the tier last changed (tier_history). Scores are as of the last refresh
-- (as_of). Grain: one row per vendor.
-- Filters: region (vendors with a project at an organ in the region), service type (vendors with a
-- project of that type), vendor, vendor tier, $search (a part of the name or of the credit code).
-- The period does not apply (a score is "as of"). rank: the place by score, highest first (1 =
-- riskiest). No order: vendor_risk.sql lists these rows, vendor_tier_counts.sql counts them, the
-- query layer pages them. floor_reason_en, tier_change_reason_en: the reasons in English (the
-- Chinese ones where none was composed yet: before migration 0008's refresh, older history rows).
WITH latest AS (
    SELECT entity_code AS vendor_code,
           arg_max(previous_tier, history_id) AS previous_tier,
           arg_max(effective_on, history_id) AS tier_since,
           arg_max(reason_zh, history_id) AS tier_change_reason,
           arg_max(coalesce(reason_en, reason_zh), history_id) AS tier_change_reason_en
    FROM tier_history WHERE entity_kind = 'vendor'
    GROUP BY entity_code
)
SELECT v.vendor_code, v.vendor_name, v.region_code, v.score, v.tier, v.score_tier, v.floor_tier, v.floor_reason,
       coalesce(v.floor_reason_en, v.floor_reason) AS floor_reason_en,
       v.pts_inspections, v.pts_evaluations, v.pts_incidents, v.pts_qualifications, v.pts_flags,
       v.pts_rectifications, v.pts_exposure,
       v.inspections_counted, v.evaluations_counted, v.incidents_counted,
       v.organs_served, v.active_projects,
       l.previous_tier, l.tier_since, l.tier_change_reason, l.tier_change_reason_en,
       v.as_of, row_number() OVER (ORDER BY v.score DESC, v.vendor_code) AS rank
FROM mart_vendor_risk v
LEFT JOIN latest l USING (vendor_code)
WHERE ($region IS NULL OR len(list_filter(v.organ_regions, lambda r: starts_with(r, $region))) > 0)
  AND ($service_type IS NULL OR list_contains(v.service_types, $service_type))
  AND ($vendor IS NULL OR v.vendor_code = $vendor)
  AND ($tier IS NULL OR v.tier = $tier)
  AND ($search IS NULL OR contains(v.vendor_name, $search) OR contains(v.vendor_code, upper($search)))
