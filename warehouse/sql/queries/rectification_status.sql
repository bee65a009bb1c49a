-- rectification_status — rectifications counted by status as of $today (see rectifications.sql),
-- with time to close, optionally by region level and service type. Grain: one row per dimension
-- values. Source: mart_rectifications.
WITH scoped AS (
    SELECT *,
           CASE WHEN closed_on <= $today THEN
                    CASE WHEN closed_late THEN 'closed_late' ELSE 'closed' END
                WHEN superseded_on <= $today THEN 'superseded'
                WHEN due_on < $today THEN 'overdue'
                WHEN due_on <= $today + $due_soon_days THEN 'due_soon'
                ELSE 'open' END AS status
    FROM mart_rectifications
    WHERE inspected_on <= $today
      AND ($start IS NULL OR due_on BETWEEN $start AND $end)
      AND ($region IS NULL OR starts_with(region_code, $region))
      AND ($service_type IS NULL OR service_type = $service_type)
      AND ($vendor IS NULL OR vendor_code = $vendor)
      AND ($tier IS NULL OR organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
)
SELECT CASE $region_level WHEN 'province' THEN left(region_code, 2) || '0000'
                          WHEN 'city' THEN left(region_code, 4) || '00'
                          WHEN 'county' THEN region_code END AS region_code,
       CASE WHEN $by_service THEN service_type END AS service_type,
       count(*) AS total,
       count(*) FILTER (WHERE status IN ('open', 'due_soon', 'overdue')) AS open,
       count(*) FILTER (WHERE status = 'due_soon') AS due_soon,
       count(*) FILTER (WHERE status = 'overdue') AS overdue,
       count(*) FILTER (WHERE status = 'overdue' AND $today - due_on > $escalation_days) AS escalation_candidates,
       count(*) FILTER (WHERE status IN ('closed', 'closed_late')) AS closed,
       count(*) FILTER (WHERE status = 'closed') AS closed_on_time,
       count(*) FILTER (WHERE status = 'closed_late') AS closed_late,
       count(*) FILTER (WHERE status = 'superseded') AS superseded,
       round(avg(days_to_close) FILTER (WHERE status IN ('closed', 'closed_late')), 1) AS mean_days_to_close,
       median(days_to_close) FILTER (WHERE status IN ('closed', 'closed_late')) AS median_days_to_close,
       max($today - due_on) FILTER (WHERE status = 'overdue') AS max_days_overdue
FROM scoped
GROUP BY ALL
