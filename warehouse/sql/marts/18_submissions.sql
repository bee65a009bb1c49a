-- mart_submissions — submission completeness per organ and quarter (EPA SRF elements 1–3):
--   expected   evaluations expected: one per project active in the quarter (started by its end, not
--              finished before its start), for the completed quarters of the window
--   received   of those, how many have an evaluation: same organ and period (the quarter, or its
--              year for an annual evaluation) and the same project — or, when the evaluation names
--              no project, the same vendor
--   late       received after the due date (quarter end + due_days_after_quarter); the date received
--              is the evaluation's 评价日期 when given, else the date of the load that first brought it
--   evaluations   evaluations of the organ covering the quarter (including unexpected ones)
--   rows_loaded / rows_rejected   rows about the organ (projects, evaluations, incidents) that
--              arrived in loads dated in the quarter, and rows rejected in those loads whose original
--              text names the organ's code; rejection_rate = rejected / (loaded + rejected)
--   sent_nothing  evaluations were expected, the due date has passed, and none covering the quarter
--              arrived
-- Expected evaluations are counted for the completed quarters of the window; the current quarter
-- appears only for the rows that arrived in it.
-- Grain: one row per organ and quarter in the window with something expected, received or sent.
-- Refresh: the organs whose rows counted here a load wrote, replaced or rejected (_submission_organs,
-- 01_scope.sql; all when the date changed: the window moves with $today).
-- when rows in: _submission_organs
DELETE FROM mart_submissions WHERE organ_code IN (SELECT organ_code FROM _submission_organs);

-- when rows in: _submission_organs
INSERT INTO mart_submissions BY NAME
WITH bounds AS (
    SELECT (date_trunc('quarter', $today) - INTERVAL 3 MONTH)::DATE AS last_start
),
quarters AS (
    -- the completed quarters of the window, and the current one (for rows arriving in it)
    SELECT q::DATE AS quarter_start,
           (q + INTERVAL 3 MONTH - INTERVAL 1 DAY)::DATE AS quarter_end,
           year(q) || '-Q' || quarter(q) AS quarter,
           year(q)::VARCHAR AS year_label,
           q <= last_start AS completed
    FROM bounds,
         unnest(generate_series(last_start - to_months(3 * ($submission_quarters - 1)), last_start + INTERVAL 3 MONTH,
                                INTERVAL 3 MONTH)) AS t(q)
),
slots AS (
    SELECT p.organ_code, p.vendor_code, p.project_code, q.quarter, q.year_label, q.quarter_start, q.quarter_end,
           (q.quarter_end + $submission_due_days)::DATE AS due_on
    FROM (SELECT * FROM projects WHERE organ_code IN (SELECT organ_code FROM _submission_organs)) p
    JOIN (SELECT * FROM quarters WHERE completed) q ON p.start_on <= q.quarter_end AND (p.actual_end_on IS NULL OR p.actual_end_on >= q.quarter_start)
),
load_dates AS (
    SELECT b.batch_id, l.load_id, l.today FROM load_batches b JOIN loads l USING (load_id)
),
first_received AS (
    SELECT e.organ_code, e.vendor_code, e.project_code, e.period, min(d.today) AS received_on
    FROM (SELECT organ_code, vendor_code, project_code, period, batch_id FROM evaluations
          UNION ALL
          SELECT organ_code, vendor_code, project_code, period, batch_id FROM evaluations_history) e
    JOIN load_dates d USING (batch_id)
    WHERE e.organ_code IN (SELECT organ_code FROM _submission_organs)
    GROUP BY ALL
),
evals AS (
    SELECT e.organ_code, e.vendor_code, e.project_code, e.period,
           coalesce(e.evaluated_on, r.received_on) AS submitted_on
    FROM (SELECT * FROM evaluations WHERE organ_code IN (SELECT organ_code FROM _submission_organs)) e
    LEFT JOIN first_received r
           ON r.organ_code = e.organ_code AND r.vendor_code = e.vendor_code AND r.period = e.period
          AND r.project_code IS NOT DISTINCT FROM e.project_code
),
matched AS (
    SELECT s.organ_code, s.project_code, s.quarter, e.submitted_on
    FROM slots s JOIN evals e
      ON e.organ_code = s.organ_code AND e.project_code = s.project_code AND e.period IN (s.quarter, s.year_label)
    UNION ALL
    SELECT s.organ_code, s.project_code, s.quarter, e.submitted_on
    FROM slots s JOIN evals e
      ON e.organ_code = s.organ_code AND e.project_code IS NULL AND e.vendor_code = s.vendor_code
     AND e.period IN (s.quarter, s.year_label)
),
slot_status AS (
    SELECT s.*, m.submitted_on,
           CASE WHEN m.submitted_on IS NOT NULL THEN greatest(m.submitted_on - s.due_on, 0) END AS days_late
    FROM slots s
    LEFT JOIN (SELECT organ_code, project_code, quarter, min(submitted_on) AS submitted_on
               FROM matched GROUP BY ALL) m
           ON m.organ_code = s.organ_code AND m.project_code = s.project_code AND m.quarter = s.quarter
),
expected AS (
    SELECT organ_code, quarter,
           count(*)::INTEGER AS expected,
           count(submitted_on)::INTEGER AS received,
           count(*) FILTER (WHERE days_late > 0)::INTEGER AS late,
           max(days_late)::INTEGER AS max_days_late,
           avg(days_late) AS mean_days_late,
           list_sort(list(project_code) FILTER (WHERE submitted_on IS NULL)) AS missing_projects
    FROM slot_status GROUP BY organ_code, quarter
),
covering AS (
    -- a period is a quarter's label or a year's: an equi-join on the labels (an IN of two columns
    -- would join every evaluation to every quarter)
    SELECT e.organ_code, q.quarter, count(*)::INTEGER AS evaluations
    FROM (SELECT organ_code, period FROM evaluations WHERE organ_code IN (SELECT organ_code FROM _submission_organs)) e
    JOIN (SELECT quarter, quarter AS label FROM quarters UNION ALL SELECT quarter, year_label FROM quarters) q
      ON e.period = q.label
    GROUP BY ALL
),
arrived AS (
    SELECT organ_code, batch_id FROM projects
    UNION ALL SELECT organ_code, batch_id FROM projects_history
    UNION ALL SELECT organ_code, batch_id FROM evaluations
    UNION ALL SELECT organ_code, batch_id FROM evaluations_history
    UNION ALL SELECT organ_code, batch_id FROM incidents
    UNION ALL SELECT organ_code, batch_id FROM incidents_history
),
loaded AS (
    SELECT a.organ_code, q.quarter, count(*)::INTEGER AS rows_loaded
    -- the organs in scope chosen first (a filter after the joins would date every row)
    FROM (SELECT * FROM arrived WHERE organ_code IN (SELECT organ_code FROM _submission_organs)) a
    JOIN load_dates d USING (batch_id)
    JOIN quarters q ON d.today BETWEEN q.quarter_start AND q.quarter_end
    GROUP BY ALL
),
rejected_rows AS (
    SELECT r.batch_id, r.source_row, d.today, r.code
    FROM ({{ parts/rejected_row_codes.sql }}) r
    JOIN load_dates d USING (batch_id)
),
rejected AS (
    SELECT r.code AS organ_code, q.quarter, count(DISTINCT (r.batch_id, r.source_row))::INTEGER AS rows_rejected
    FROM rejected_rows r
    JOIN (SELECT organ_code FROM organs WHERE organ_code IN (SELECT organ_code FROM _submission_organs)) o
      ON o.organ_code = r.code
    JOIN quarters q ON r.today BETWEEN q.quarter_start AND q.quarter_end
    GROUP BY ALL
),
grid AS (
    SELECT organ_code, quarter FROM expected
    UNION SELECT organ_code, quarter FROM covering
    UNION SELECT organ_code, quarter FROM loaded
    UNION SELECT organ_code, quarter FROM rejected
)
SELECT g.organ_code, o.region_code, g.quarter, q.quarter_start, q.quarter_end,
       (q.quarter_end + $submission_due_days)::DATE AS due_on,
       coalesce(x.expected, 0) AS expected,
       coalesce(x.received, 0) AS received,
       coalesce(x.expected, 0) - coalesce(x.received, 0) AS missing,
       coalesce(x.late, 0) AS late,
       x.max_days_late, x.mean_days_late,
       coalesce(c.evaluations, 0) AS evaluations,
       coalesce(l.rows_loaded, 0) AS rows_loaded,
       coalesce(r.rows_rejected, 0) AS rows_rejected,
       CASE WHEN coalesce(l.rows_loaded, 0) + coalesce(r.rows_rejected, 0) > 0
            THEN coalesce(r.rows_rejected, 0) / (coalesce(l.rows_loaded, 0) + coalesce(r.rows_rejected, 0)) END
           AS rejection_rate,
       coalesce(x.expected, 0) > 0 AND coalesce(c.evaluations, 0) = 0
           AND (q.quarter_end + $submission_due_days)::DATE < $today AS sent_nothing,
       coalesce(x.missing_projects, []) AS missing_projects
FROM grid g
JOIN quarters q USING (quarter)
JOIN organs o USING (organ_code)
LEFT JOIN expected x USING (organ_code, quarter)
LEFT JOIN covering c USING (organ_code, quarter)
LEFT JOIN loaded l USING (organ_code, quarter)
LEFT JOIN rejected r USING (organ_code, quarter);
