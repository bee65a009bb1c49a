-- schedule_rows — the check schedule: each organ's tier and why, last inspection, next check due
-- and why, days overdue and status as of $today (overdue: today > next due; due_soon: due within
-- $due_soon_days; scheduled: later; not_due: nothing to check). Grain: one row per organ.
-- Filters: region, service type / vendor (organs with such a project), organ tier; a period keeps
-- the organs due by its end (overdue included); $status: the statuses kept (a list; NULL: all);
-- $organ: one organ. The region's name is the warehouse's GB/T 2260 reference (regions). No order:
-- organ_schedule.sql lists these rows, schedule_counts.sql counts them, the query layer pages them.
-- tier_reason_en, due_reason_en: the reasons in English (the Chinese ones until a refresh after
-- migration 0008 has composed them).
SELECT s.organ_code, s.organ_name, s.region_code, g.region_name, s.admin_level,
       s.tier, s.tier_reason, coalesce(s.tier_reason_en, s.tier_reason) AS tier_reason_en, s.tier_rules,
       s.inspections, s.last_inspection_code, s.last_inspected_on, s.last_grade, s.interval_months,
       s.next_due_on, s.due_source, s.due_reason, coalesce(s.due_reason_en, s.due_reason) AS due_reason_en,
       CASE WHEN s.next_due_on < $today THEN ($today - s.next_due_on)::INTEGER ELSE 0 END AS days_overdue,
       CASE WHEN s.next_due_on IS NULL THEN 'not_due'
            WHEN s.next_due_on < $today THEN 'overdue'
            WHEN s.next_due_on <= $today + $due_soon_days THEN 'due_soon'
            ELSE 'scheduled' END AS status,
       s.tier_due_on, s.project_due_on, s.project_due_code, s.followup_due_on, s.followup_incident_code,
       s.projects, s.active_projects, s.as_of
FROM mart_organ_schedule s
LEFT JOIN regions g ON g.region_code = s.region_code
WHERE ($region IS NULL OR starts_with(s.region_code, $region))
  AND ($service_type IS NULL OR list_contains(s.service_types, $service_type))
  AND ($vendor IS NULL OR list_contains(s.vendor_codes, $vendor))
  AND ($tier IS NULL OR s.tier = $tier)
  AND ($end IS NULL OR s.next_due_on <= $end)
  AND ($organ IS NULL OR s.organ_code = $organ)
  AND ($status IS NULL OR list_contains($status, status))
