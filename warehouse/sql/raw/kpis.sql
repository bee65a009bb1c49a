-- raw/kpis — the headline numbers of one period ($start to its as-of day $as_of) computed from the
-- fact tables alone (organs, loads, projects, inspections, incidents, rectifications), without any
-- mart: organs supervised (first load, first project or first inspection by then), active projects,
-- inspections and pass rate, open incidents, overdue rectifications (not closed and not superseded
-- by a later inspection with checklist items). Organs with an overdue check are left out: they need
-- the tier rules. What queries.kpis answers from the marts / mart_kpi_cube; for the benchmark.
WITH arrived AS (
    SELECT organ_code, batch_id FROM organs
    UNION ALL SELECT organ_code, batch_id FROM organs_history
    UNION ALL SELECT organ_code, batch_id FROM projects
    UNION ALL SELECT organ_code, batch_id FROM inspections
    UNION ALL SELECT organ_code, batch_id FROM evaluations
    UNION ALL SELECT organ_code, batch_id FROM incidents
),
first_seen AS (
    SELECT a.organ_code, min(l.today) AS seen_on
    FROM arrived a JOIN load_batches b USING (batch_id) JOIN loads l USING (load_id)
    GROUP BY a.organ_code
),
known AS (
    SELECT o.organ_code,
           least(f.seen_on, (SELECT min(start_on) FROM projects p WHERE p.organ_code = o.organ_code),
                 (SELECT min(inspected_on) FROM inspections i WHERE i.organ_code = o.organ_code)) AS since
    FROM organs o LEFT JOIN first_seen f USING (organ_code)
),
rect AS (
    SELECT r.due_on, i.inspected_on, i.organ_code,
           CASE WHEN r.completed_on IS NOT NULL AND coalesce(r.verification, '通过') = '通过'
                THEN r.completed_on END AS closed_on
    FROM rectifications r JOIN inspections i USING (inspection_code)
),
rect_next AS (
    SELECT r.*, c.inspected_on AS next_check_on
    FROM rect r
    ASOF LEFT JOIN (SELECT organ_code, inspected_on FROM inspections WHERE items_count > 0) c
          ON c.organ_code = r.organ_code AND r.inspected_on < c.inspected_on
),
rect_resolved AS (
    SELECT *, least(closed_on, CASE WHEN next_check_on < coalesce(closed_on, DATE '9999-12-31')
                                    THEN next_check_on END) AS resolved_on
    FROM rect_next
)
SELECT 'organs_supervised' AS kpi, (SELECT count(*) FROM known WHERE since <= $as_of)::DOUBLE AS value
UNION ALL SELECT 'active_projects', (SELECT count(*) FROM projects p JOIN organs USING (organ_code)
                                     WHERE p.start_on <= $as_of AND (p.actual_end_on IS NULL OR p.actual_end_on >= $as_of))
UNION ALL SELECT 'inspections', (SELECT count(*) FROM inspections i JOIN organs USING (organ_code)
                                 WHERE i.inspected_on BETWEEN $start AND $as_of)
UNION ALL SELECT 'pass_rate', (SELECT round(count(*) FILTER (WHERE list_contains($passing, grade)) / nullif(count(grade), 0), 4)
                               FROM inspections i JOIN organs USING (organ_code)
                               WHERE i.inspected_on BETWEEN $start AND $as_of)
UNION ALL SELECT 'open_incidents', (SELECT count(*) FROM incidents i JOIN organs USING (organ_code)
                                    WHERE i.reported_at::DATE <= $as_of AND (i.closed_on IS NULL OR i.closed_on > $as_of))
UNION ALL SELECT 'overdue_rectifications', (SELECT count(*) FROM rect_resolved r JOIN organs USING (organ_code)
                                            WHERE r.inspected_on <= $as_of AND r.due_on < $as_of
                                              AND (r.resolved_on IS NULL OR r.resolved_on > $as_of))
