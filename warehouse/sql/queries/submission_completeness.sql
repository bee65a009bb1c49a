-- submission_completeness — per organ and quarter: evaluations expected (one per active project)
-- and received, missing and late (days late), evaluations covering the quarter, rows loaded and
-- rejected in the quarter's loads (rejection rate), and whether the organ sent nothing.
-- Grain: one row per organ and quarter. Source: mart_submissions (completed quarters in the window),
-- the rows queries/submission_rows.sql keeps (quarters starting in the period, region, service type /
-- vendor (organs with such a project), organ tier, one organ, only the silent ones).
SELECT s.organ_code, o.organ_name, s.region_code, s.quarter, s.quarter_start, s.quarter_end, s.due_on,
       s.expected, s.received, s.missing, s.late, s.max_days_late, round(s.mean_days_late, 1) AS mean_days_late,
       s.evaluations, s.rows_loaded, s.rows_rejected, round(s.rejection_rate, 4) AS rejection_rate,
       s.sent_nothing, s.missing_projects
FROM ({{ queries/submission_rows.sql }}) s
LEFT JOIN organs o USING (organ_code)
ORDER BY s.quarter_start DESC, s.missing DESC, s.organ_code
LIMIT $limit
