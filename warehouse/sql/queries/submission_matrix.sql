-- submission_matrix — the completeness matrix of the submissions desk, from the organ-quarters of
-- submission_completeness (queries/submission_rows.sql: the same filters) due by $today: the
-- $organs organs with the most missing evaluations (then the most late ones, then by code), each with
-- every quarter of the selection and its cell (0 nothing due, 1 on time, 2 late, 3 partly missing,
-- 4 none received), and the totals of the whole selection: organs, missing, late, and the organs
-- that sent nothing for its last quarter. Grain: one row per organ shown and quarter.
WITH subs AS MATERIALIZED (
    -- read once and kept (a few hundred thousand narrow rows at national scale): three uses below
    SELECT organ_code, quarter, quarter_start, expected, received, missing, late,
           CASE WHEN expected = 0 THEN 0
                WHEN received = 0 AND missing > 0 THEN 4
                WHEN missing > 0 THEN 3
                WHEN late > 0 THEN 2
                ELSE 1 END AS cell
    FROM ({{ queries/submission_rows.sql | only_silent: false, organ: NULL }})
    WHERE due_on <= $today
),
per_organ AS MATERIALIZED (
    SELECT organ_code, sum(missing) AS organ_missing, sum(late) AS organ_late,
           sum(expected) AS organ_expected, count(*) FILTER (WHERE cell = 4) AS silent_quarters
    FROM subs GROUP BY organ_code
),
totals AS (
    SELECT count(*) AS organs, sum(organ_missing) AS missing_total, sum(organ_late) AS late_total FROM per_organ
),
ranked AS (
    -- the top $organs only (a top-N, not a sort of every organ), with the selection's totals
    SELECT row_number() OVER (ORDER BY organ_missing DESC, organ_late DESC, organ_code) AS rank, top.*, totals.*
    FROM (SELECT * FROM per_organ ORDER BY organ_missing DESC, organ_late DESC, organ_code LIMIT $organs) top
    CROSS JOIN totals
),
quarters AS (
    SELECT quarter, quarter_start, count(*) FILTER (WHERE cell = 4) AS silent FROM subs GROUP BY ALL
)
SELECT r.rank, r.organ_code, o.organ_name, r.organ_missing::BIGINT AS organ_missing,
       r.organ_late::BIGINT AS organ_late, r.organ_expected::BIGINT AS organ_expected, r.silent_quarters,
       q.quarter, q.quarter_start, s.expected, s.received, s.missing, s.late, coalesce(s.cell, 0) AS cell,
       r.organs, r.missing_total::BIGINT AS missing_total, r.late_total::BIGINT AS late_total,
       (SELECT arg_max(silent, quarter_start) FROM quarters) AS silent_in_last_quarter
FROM ranked r
LEFT JOIN organs o USING (organ_code)
CROSS JOIN quarters q
LEFT JOIN (SELECT * FROM subs WHERE organ_code IN (SELECT organ_code FROM ranked)) s
       ON s.organ_code = r.organ_code AND s.quarter = q.quarter
ORDER BY r.rank, q.quarter_start
