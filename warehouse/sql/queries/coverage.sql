-- coverage — checks due against checks achieved (the FSA's "interventions due vs achieved"), by
-- tier and optionally by kind of check. due: checks that fell due in the period up to $today;
-- achieved: of those, achieved by the period's end (or today); on time: achieved by the due date;
-- outstanding: not achieved; due_later: due after today but within the period and not yet
-- achieved; achieved_early: due after today but already achieved.
-- Grain: one row per tier (and event kind). Source: mart_check_events.
WITH scoped AS (
    SELECT e.*
    FROM mart_check_events e
    LEFT JOIN mart_organ_schedule s USING (organ_code)
    WHERE e.due_on BETWEEN $start AND $end
      AND ($region IS NULL OR starts_with(e.region_code, $region))
      AND ($service_type IS NULL OR list_contains(s.service_types, $service_type))
      AND ($vendor IS NULL OR list_contains(s.vendor_codes, $vendor))
      AND ($tier IS NULL OR e.tier = $tier)
),
judged AS (
    SELECT *,
           due_on <= $today AS fell_due,
           achieved_on IS NOT NULL AND achieved_on <= least($end, $today) AS achieved
    FROM scoped
)
SELECT tier,
       CASE WHEN $by_kind THEN event_kind END AS event_kind,
       count(*) FILTER (WHERE fell_due) AS due,
       count(*) FILTER (WHERE fell_due AND achieved) AS achieved,
       count(*) FILTER (WHERE fell_due AND achieved AND achieved_on <= due_on) AS achieved_on_time,
       count(*) FILTER (WHERE fell_due AND achieved AND achieved_on > due_on) AS achieved_late,
       count(*) FILTER (WHERE fell_due AND NOT achieved) AS outstanding,
       count(*) FILTER (WHERE NOT fell_due AND NOT achieved) AS due_later,
       count(*) FILTER (WHERE NOT fell_due AND achieved) AS achieved_early,
       count(DISTINCT organ_code) FILTER (WHERE fell_due) AS organs_due
FROM judged
GROUP BY ALL
