-- organ_directory — the registry of organs: identity, and the contact person and telephone only when
-- $contacts (personal data: the admin role only, docs/access.md). Grain: one row per organ (current
-- version). Filters: region, service type / vendor (organs with such a project), organ tier, organ.
SELECT o.organ_code, o.organ_name, o.region_code, o.admin_level, o.organ_category, o.archive_staff,
       s.tier,
       CASE WHEN $contacts THEN o.contact_name END AS contact_name,
       CASE WHEN $contacts THEN o.contact_phone END AS contact_phone
FROM organs o
LEFT JOIN mart_organ_schedule s USING (organ_code)
WHERE ($region IS NULL OR starts_with(o.region_code, $region))
  AND ($service_type IS NULL OR list_contains(s.service_types, $service_type))
  AND ($vendor IS NULL OR list_contains(s.vendor_codes, $vendor))
  AND ($tier IS NULL OR s.tier = $tier)
  AND ($organ IS NULL OR o.organ_code = $organ)
ORDER BY o.region_code, o.organ_code
LIMIT $limit
