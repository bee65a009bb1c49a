-- mart_check_events — every check that fell due for an organ, and when it was achieved: the
-- "interventions due vs achieved" of the FSA, and the source of the check schedule.
--   routine           after each inspection: due inspection date + interval(tier) months (domain.md
--                     §3.3); achieved by the organ's next inspection. The tier is the one the
--                     inspection's result led to: the organ's tier once the inspection was loaded
--                     (tier_history as of that load's day: an inspection is loaded some days after it
--                     took place, and the tier of the inspection day would not yet know its result);
--                     the current tier for the latest inspection and when no history reaches back
--                     that far.
--   new_project       each project: due start_on + new_project_due_days; achieved by the first
--                     inspection naming the project, an organ-level inspection (no project) on or
--                     after start_on, or, once the project has ended, any inspection of the organ on
--                     or after actual_end_on, whichever is first.
--   incident_followup each incident of severity ≥ incident_followup_min_severity, for the organ where
--                     it happened (whether or not its vendor is known) and, when the vendor is known,
--                     for every organ that had a project with that vendor running at the time
--                     (started by the report date, not finished before the incident): due report
--                     date + incident_followup_days; achieved by the organ's first inspection on or
--                     after the report date.
-- Month arithmetic keeps the day of the month, or takes the month's last day when it is shorter
-- (2024-08-31 + 6 months = 2025-02-28; 2024-02-29 + 12 months = 2025-02-28).
-- Ties are broken, so that every refresh gives the same answer: of an organ's inspections on one day
-- the first by code achieves a check; of its tier changes on one day the last recorded counts (today:
-- the tier this refresh gives, whatever an earlier load of the day recorded). The
-- ASOF joins compare (date, code) and (date, history_id) pairs for that (an ASOF join of equal dates
-- would take any one of them): (day + 1, 0) > (effective_on, history_id) is every change of that day
-- or before, the last one nearest.
-- Grain: one row per due check (organ × event kind × source).
-- Refresh: the organs in scope (all when the date or configuration changed).
DELETE FROM mart_check_events WHERE organ_key IN (SELECT organ_key FROM _scope_organs);

INSERT INTO mart_check_events BY NAME
WITH organ_history AS (
    -- the tiers recorded before today, and today's: the one this refresh gives (tier_history has it
    -- only after this mart, 17_tier_history.sql; an earlier load of the day may have recorded another)
    SELECT entity_code AS organ_code, tier, {'on': effective_on, 'id': history_id} AS since
    FROM tier_history
    WHERE entity_kind = 'organ' AND effective_on < $today AND entity_code IN (SELECT organ_code FROM _scope_organs)
    UNION ALL
    SELECT organ_code, tier, {'on': $today, 'id': 0::BIGINT} FROM _organ_tiers
),
done AS (
    SELECT organ_code, inspection_code, inspected_on, project_code,
           {'on': inspected_on, 'code': inspection_code} AS done_at
    FROM mart_inspections
    WHERE inspected_on <= $today AND organ_key IN (SELECT organ_key FROM _scope_organs)
),
known AS (
    -- the day the load that brought each inspection's current row ran
    SELECT i.inspection_code, l.today AS known_on
    FROM (SELECT inspection_code, batch_id FROM inspections
          WHERE organ_code IN (SELECT organ_code FROM _scope_organs)) i
    JOIN load_batches b USING (batch_id)
    JOIN loads l USING (load_id)
),
sequenced AS (
    SELECT *,
           lead(inspection_code) OVER w AS next_code,
           lead(inspected_on) OVER w AS next_on
    FROM done
    WINDOW w AS (PARTITION BY organ_code ORDER BY inspected_on, inspection_code)
),
routine AS (
    SELECT s.organ_code, 'routine' AS event_kind, s.inspection_code AS source_code, s.inspected_on AS source_on,
           CASE WHEN s.next_code IS NULL THEN t.tier ELSE coalesce(h.tier, t.tier) END AS tier,
           s.next_on AS achieved_on, s.next_code AS achieved_by
    FROM sequenced s
    LEFT JOIN known k USING (inspection_code)
    ASOF LEFT JOIN organ_history h
        ON h.organ_code = s.organ_code
       AND {'on': greatest(s.inspected_on, k.known_on) + 1, 'id': 0} > h.since
    JOIN _organ_tiers t ON t.organ_code = s.organ_code
),
routine_due AS (
    SELECT r.*, (r.source_on + to_months(i.months))::DATE AS due_on
    FROM routine r JOIN cfg_intervals i USING (tier)
),
general AS (
    SELECT organ_code, inspected_on, inspection_code, done_at FROM done WHERE project_code IS NULL
),
project_first AS (
    SELECT organ_code, project_code,
           arg_min(inspection_code, (inspected_on, inspection_code)) AS inspection_code,
           min(inspected_on) AS inspected_on
    FROM done WHERE project_code IS NOT NULL
    GROUP BY organ_code, project_code
),
new_project AS (
    -- the first of: an inspection naming the project, an organ-level one on or after its start, and
    -- (once the project has ended) any inspection of the organ on or after its end — a project that
    -- ended unchecked can no longer be supervised as it runs; the organ's next visit sees what it
    -- handed back, and the check counts as achieved (late) then, not as overdue for ever
    SELECT p.organ_code, 'new_project' AS event_kind, p.project_code AS source_code, p.start_on AS source_on,
           coalesce(h.tier, t.tier) AS tier,
           (p.start_on + $new_project_due_days)::DATE AS due_on,
           least(CASE WHEN pf.inspected_on IS NOT NULL THEN {'on': pf.inspected_on, 'code': pf.inspection_code} END,
                 g.done_at, e.done_at) AS first_check
    FROM (SELECT * FROM mart_projects WHERE organ_key IN (SELECT organ_key FROM _scope_organs)) p
    LEFT JOIN project_first pf ON pf.organ_code = p.organ_code AND pf.project_code = p.project_code
    ASOF LEFT JOIN general g ON g.organ_code = p.organ_code AND {'on': p.start_on, 'code': ''} <= g.done_at
    ASOF LEFT JOIN done e ON e.organ_code = p.organ_code
       AND {'on': coalesce(p.actual_end_on, DATE '9999-12-31'), 'code': ''} <= e.done_at
    ASOF LEFT JOIN organ_history h ON h.organ_code = p.organ_code AND {'on': p.start_on + 1, 'id': 0} > h.since
    JOIN _organ_tiers t ON t.organ_code = p.organ_code
),
serious AS (
    SELECT i.incident_code, i.organ_code, i.vendor_code, i.occurred_at::DATE AS occurred_on,
           i.reported_at::DATE AS reported_on
    FROM mart_incidents i
    JOIN cfg_points s ON s.kind = 'severity_rank' AND s.key = i.severity
    WHERE s.value <= $followup_rank AND i.reported_at::DATE <= $today
),
users AS (
    -- the organ where it happened is due whatever is known of the vendor
    SELECT incident_code, reported_on, organ_code
    FROM serious WHERE organ_code IN (SELECT organ_code FROM _scope_organs)
    UNION
    SELECT s.incident_code, s.reported_on, p.organ_code
    FROM serious s
    -- the projects of the organs in scope chosen first (not every project joined to the incidents)
    JOIN (SELECT * FROM mart_projects WHERE organ_key IN (SELECT organ_key FROM _scope_organs)) p
      ON p.vendor_code = s.vendor_code
    WHERE p.start_on <= s.reported_on AND (p.actual_end_on IS NULL OR p.actual_end_on >= s.occurred_on)
),
followup AS (
    SELECT u.organ_code, 'incident_followup' AS event_kind, u.incident_code AS source_code,
           u.reported_on AS source_on, coalesce(h.tier, t.tier) AS tier,
           (u.reported_on + $followup_days)::DATE AS due_on,
           d.inspected_on AS achieved_on, d.inspection_code AS achieved_by
    FROM users u
    ASOF LEFT JOIN done d ON d.organ_code = u.organ_code AND {'on': u.reported_on, 'code': ''} <= d.done_at
    ASOF LEFT JOIN organ_history h ON h.organ_code = u.organ_code AND {'on': u.reported_on + 1, 'id': 0} > h.since
    JOIN _organ_tiers t ON t.organ_code = u.organ_code
),
events AS (
    SELECT organ_code, event_kind, source_code, source_on, tier, due_on, achieved_on, achieved_by FROM routine_due
    UNION ALL
    SELECT organ_code, event_kind, source_code, source_on, tier, due_on, first_check.on, first_check.code FROM new_project
    UNION ALL
    SELECT organ_code, event_kind, source_code, source_on, tier, due_on, achieved_on, achieved_by FROM followup
)
SELECT e.organ_code, md5_number_lower(e.organ_code) AS organ_key, o.region_code, e.event_kind, e.source_code, e.source_on, e.tier, e.due_on,
       e.achieved_on, e.achieved_by
FROM events e
JOIN organs o USING (organ_code);
