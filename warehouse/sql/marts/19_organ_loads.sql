-- mart_organ_loads — when data about each organ last arrived (for "data as of" caveats): the
-- latest load that wrote a row of the organ (its registry row, projects, inspections, evaluations,
-- incidents), that load's date and time and the kind of row; the date of the first load that
-- brought the organ (first_seen_on); and known_since, the earliest of that date, its first project's
-- start and its first inspection — when it came under supervision, also for back-filled history.
-- The current load counts (it commits with this refresh).
-- Grain: one row per organ.
-- Refresh: the organs in scope.
DELETE FROM mart_organ_loads WHERE organ_code IN (SELECT organ_code FROM _scope_organs);

INSERT INTO mart_organ_loads BY NAME
WITH arrived AS (
    SELECT organ_code, batch_id, 'organs' AS kind FROM organs
    UNION ALL SELECT organ_code, batch_id, 'organs' FROM organs_history
    UNION ALL SELECT organ_code, batch_id, 'projects' FROM projects
    UNION ALL SELECT organ_code, batch_id, 'inspections' FROM inspections
    UNION ALL SELECT organ_code, batch_id, 'evaluations' FROM evaluations
    UNION ALL SELECT organ_code, batch_id, 'incidents' FROM incidents
),
dated AS (
    SELECT a.organ_code, a.kind, l.load_id, l.today, coalesce(l.finished_at, l.started_at) AS loaded_at
    FROM (SELECT * FROM arrived WHERE organ_code IN (SELECT organ_code FROM _scope_organs)) a
    JOIN load_batches b USING (batch_id)
    JOIN loads l USING (load_id)
),
-- the first project and inspection from the marts (current by now), searched by the organs' integer keys
first_project AS (
    SELECT organ_code, min(start_on) AS first_start_on FROM mart_projects
    WHERE organ_key IN (SELECT md5_number_lower(organ_code) FROM _scope_organs) GROUP BY organ_code
),
first_inspection AS (
    SELECT organ_code, min(inspected_on) AS first_inspected_on FROM mart_inspections
    WHERE organ_key IN (SELECT md5_number_lower(organ_code) FROM _scope_organs) GROUP BY organ_code
)
SELECT o.organ_code,
       min(d.today) AS first_seen_on,
       least(min(d.today), any_value(fp.first_start_on), any_value(fi.first_inspected_on)) AS known_since,
       max(d.load_id) AS last_load_id,
       arg_max(d.today, (d.load_id, d.kind)) AS last_loaded_on,
       arg_max(d.loaded_at, (d.load_id, d.kind)) AS last_loaded_at,
       arg_max(d.kind, (d.load_id, d.kind)) AS last_kind
-- the organs in scope chosen first: a filter after the outer joins would join every organ
FROM (SELECT organ_code FROM organs WHERE organ_code IN (SELECT organ_code FROM _scope_organs)) o
LEFT JOIN dated d USING (organ_code)
LEFT JOIN first_project fp USING (organ_code)
LEFT JOIN first_inspection fi USING (organ_code)
GROUP BY o.organ_code;
