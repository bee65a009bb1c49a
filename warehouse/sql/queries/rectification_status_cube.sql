-- rectification_status_cube — rectification_status's answer read from mart_rectification_cube
-- (as of the refresh date, every due date; marts/22_rectification_cube.sql) and added up to the
-- dimensions asked: the same columns as queries/rectification_status.sql. The median is the middle
-- of the close_days counts (the mean of the two middle ones for an even number), as median() takes it;
-- the most days overdue counts from the earliest due date of an overdue one (the cube is as of $today).
WITH cells AS (
    SELECT {{ parts/region_at_level.sql }} AS region_code,
           CASE WHEN $by_tier THEN tier END AS tier,
           CASE WHEN $by_service THEN service_type END AS service_type,
           close_days, total, open, due_soon, overdue, escalation_candidates, closed, closed_on_time, closed_late,
           superseded, close_days_sum, close_days_n, overdue_since
    FROM mart_rectification_cube
    WHERE ($region IS NULL OR starts_with(region_code, $region))
      AND ($service_type IS NULL OR service_type = $service_type)
      AND ($tier IS NULL OR tier = $tier)
),
counts AS (
    SELECT region_code, tier, service_type,
           sum(total)::BIGINT AS total, sum(open)::BIGINT AS open, sum(due_soon)::BIGINT AS due_soon,
           sum(overdue)::BIGINT AS overdue, sum(escalation_candidates)::BIGINT AS escalation_candidates,
           sum(closed)::BIGINT AS closed, sum(closed_on_time)::BIGINT AS closed_on_time,
           sum(closed_late)::BIGINT AS closed_late, sum(superseded)::BIGINT AS superseded,
           sum(close_days_sum) AS close_days_sum, sum(close_days_n)::BIGINT AS close_days_n,
           round(sum(close_days_sum) / sum(close_days_n), 1) AS mean_days_to_close,
           $today - min(overdue_since) AS max_days_overdue
    FROM cells GROUP BY ALL
),
days AS (
    -- how many closed in each number of days, with the running count and the group's total
    SELECT region_code, tier, service_type, close_days, n,
           sum(n) OVER w - n AS before, sum(n) OVER (PARTITION BY region_code, tier, service_type) AS n_all
    FROM (SELECT region_code, tier, service_type, close_days, sum(closed) AS n
          FROM cells WHERE close_days IS NOT NULL GROUP BY ALL)
    WINDOW w AS (PARTITION BY region_code, tier, service_type ORDER BY close_days)
),
middle AS (
    SELECT region_code, tier, service_type,
           min(close_days) FILTER (WHERE (n_all - 1) // 2 < before + n) AS lo,
           min(close_days) FILTER (WHERE n_all // 2 < before + n) AS hi
    FROM days GROUP BY ALL
)
SELECT c.region_code, c.tier, c.service_type, c.total, c.open, c.due_soon, c.overdue, c.escalation_candidates,
       c.closed, c.closed_on_time, c.closed_late, c.superseded, c.close_days_sum, c.close_days_n,
       c.mean_days_to_close, (m.lo + (m.hi - m.lo) * 0.5)::DOUBLE AS median_days_to_close, c.max_days_overdue
FROM counts c
LEFT JOIN middle m ON m.region_code IS NOT DISTINCT FROM c.region_code AND m.tier IS NOT DISTINCT FROM c.tier
                  AND m.service_type IS NOT DISTINCT FROM c.service_type
