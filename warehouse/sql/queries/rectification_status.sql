-- rectification_status — rectifications counted by status as of $today (see rectifications.sql),
-- with time to close, optionally by region level, organ tier and service type. Grain: one row per
-- dimension values. Source: mart_rectifications.
-- $by_close_days also splits the rows by the days a closed one took (close_days) and by the due
-- date of an overdue one (overdue_since; both NULL for the others): how
-- marts/22_rectification_cube.sql keeps this answer, from which the query layer adds up the same
-- counts, the same mean (close_days_sum / close_days_n), the same median and the same most days
-- overdue (queries/rectification_status_cube.sql). Every other column then adds up.
WITH scoped AS (
    SELECT r.*, s.tier,
           {{ parts/rectification_status.sql }} AS status
    FROM mart_rectifications r
    LEFT JOIN (SELECT organ_code, tier FROM mart_organ_schedule WHERE $by_tier OR $tier IS NOT NULL) s
           USING (organ_code)
    WHERE r.inspected_on <= $today
      AND ($start IS NULL OR r.due_on BETWEEN $start AND $end)
      AND ($region IS NULL OR starts_with(r.region_code, $region))
      AND ($service_type IS NULL OR r.service_type = $service_type)
      AND ($vendor IS NULL OR r.vendor_key = md5_number_lower($vendor))
      AND ($tier IS NULL OR s.tier = $tier)
)
SELECT {{ parts/region_at_level.sql }} AS region_code,
       CASE WHEN $by_tier THEN tier END AS tier,
       CASE WHEN $by_service THEN service_type END AS service_type,
       CASE WHEN $by_close_days AND status IN ('closed', 'closed_late') THEN days_to_close END AS close_days,
       CASE WHEN $by_close_days AND status = 'overdue' THEN due_on END AS overdue_since,
       count(*) AS total,
       count(*) FILTER (WHERE status IN ('open', 'due_soon', 'overdue')) AS open,
       count(*) FILTER (WHERE status = 'due_soon') AS due_soon,
       count(*) FILTER (WHERE status = 'overdue') AS overdue,
       count(*) FILTER (WHERE status = 'overdue' AND $today - due_on > $escalation_days) AS escalation_candidates,
       count(*) FILTER (WHERE status IN ('closed', 'closed_late')) AS closed,
       count(*) FILTER (WHERE status = 'closed') AS closed_on_time,
       count(*) FILTER (WHERE status = 'closed_late') AS closed_late,
       count(*) FILTER (WHERE status = 'superseded') AS superseded,
       (sum(days_to_close) FILTER (WHERE status IN ('closed', 'closed_late')))::BIGINT AS close_days_sum,
       count(days_to_close) FILTER (WHERE status IN ('closed', 'closed_late')) AS close_days_n,
       round(sum(days_to_close) FILTER (WHERE status IN ('closed', 'closed_late'))
             / count(days_to_close) FILTER (WHERE status IN ('closed', 'closed_late')), 1) AS mean_days_to_close,
       median(days_to_close) FILTER (WHERE status IN ('closed', 'closed_late')) AS median_days_to_close,
       max($today - due_on) FILTER (WHERE status = 'overdue') AS max_days_overdue
FROM scoped
GROUP BY ALL
