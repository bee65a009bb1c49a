-- raw/rectification_status — rectifications counted by status as of $today computed from the fact
-- tables alone (rectifications, inspections, organs, projects), without any mart: closed (completed,
-- re-check not 未通过), superseded (the organ's next inspection with checklist items came before any
-- closing), overdue, due soon, open — what queries.rectification_status answers from
-- mart_rectifications / mart_rectification_cube. Per city ($region_level 'city') or in all.
-- For the benchmark (benchmarks/analytics.py).
WITH rect AS (
    SELECT r.inspection_code, r.item_code, r.due_on, i.inspected_on, i.organ_code, o.region_code,
           CASE WHEN r.completed_on IS NOT NULL AND coalesce(r.verification, '通过') = '通过'
                THEN r.completed_on END AS closed_on
    FROM rectifications r
    JOIN inspections i USING (inspection_code)
    LEFT JOIN organs o ON o.organ_code = i.organ_code
    WHERE i.inspected_on <= $today
),
checks AS (
    SELECT organ_code, inspected_on FROM inspections WHERE items_count > 0
),
next_check AS (
    SELECT r.*, c.inspected_on AS next_check_on
    FROM rect r
    ASOF LEFT JOIN checks c ON c.organ_code = r.organ_code AND r.inspected_on < c.inspected_on
),
judged AS (
    SELECT *,
           CASE WHEN next_check_on < coalesce(closed_on, DATE '9999-12-31') THEN next_check_on END AS superseded_on,
           closed_on - inspected_on AS days_to_close
    FROM next_check
),
status AS (
    SELECT *,
           CASE WHEN closed_on <= $today THEN CASE WHEN closed_on > due_on THEN 'closed_late' ELSE 'closed' END
                WHEN superseded_on <= $today THEN 'superseded'
                WHEN due_on < $today THEN 'overdue'
                WHEN due_on <= $today + $due_soon_days THEN 'due_soon'
                ELSE 'open' END AS status
    FROM judged
)
SELECT CASE $region_level WHEN 'city' THEN left(region_code, 4) || '00' END AS region_code,
       count(*) AS total,
       count(*) FILTER (WHERE status IN ('open', 'due_soon', 'overdue')) AS open,
       count(*) FILTER (WHERE status = 'due_soon') AS due_soon,
       count(*) FILTER (WHERE status = 'overdue') AS overdue,
       count(*) FILTER (WHERE status IN ('closed', 'closed_late')) AS closed,
       count(*) FILTER (WHERE status = 'closed_late') AS closed_late,
       count(*) FILTER (WHERE status = 'superseded') AS superseded,
       median(days_to_close) FILTER (WHERE status IN ('closed', 'closed_late')) AS median_days_to_close,
       max($today - due_on) FILTER (WHERE status = 'overdue') AS max_days_overdue
FROM status
GROUP BY ALL
ORDER BY region_code
