-- mart_organ_loads — when data about each organ last arrived (for "data as of" caveats): the
-- latest load that wrote a row of the organ (its registry row, projects, inspections, evaluations,
-- incidents), that load's date and time and the kind of row; the date of the first load that
-- brought the organ (first_seen_on); and known_since, the earliest of that date, its first project's
-- start and its first inspection — when it came under supervision, also for back-filled history.
-- The current load counts (it commits with this refresh).
-- Grain: one row per organ.
-- Refresh: whole in a full refresh. Otherwise only the organs this load brought rows of change (the
-- mart does not depend on "today", and rows are never deleted, only replaced through the history):
-- their latest load is this one, the kind its latest of this load's rows, the first day the earlier
-- of the one kept and this load's; known_since is taken again from their first project and
-- inspection. Only this load's batches are read then, not every row of the organs.
-- when $full
DELETE FROM mart_organ_loads;

-- when $full
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
    FROM arrived a
    JOIN load_batches b USING (batch_id)
    JOIN loads l USING (load_id)
),
first_project AS (
    SELECT organ_code, min(start_on) AS first_start_on FROM projects GROUP BY organ_code
),
first_inspection AS (
    SELECT organ_code, min(inspected_on) AS first_inspected_on FROM inspections GROUP BY organ_code
)
SELECT o.organ_code,
       min(d.today) AS first_seen_on,
       least(min(d.today), any_value(fp.first_start_on), any_value(fi.first_inspected_on)) AS known_since,
       max(d.load_id) AS last_load_id,
       arg_max(d.today, (d.load_id, d.kind)) AS last_loaded_on,
       arg_max(d.loaded_at, (d.load_id, d.kind)) AS last_loaded_at,
       arg_max(d.kind, (d.load_id, d.kind)) AS last_kind
FROM organs o
LEFT JOIN dated d USING (organ_code)
LEFT JOIN first_project fp USING (organ_code)
LEFT JOIN first_inspection fi USING (organ_code)
GROUP BY o.organ_code;

-- _arrived_now: the organs this load brought rows of (its batches, lo … hi) and their keys, each with
-- the latest kind, as the full statement orders them (by load, then kind)
-- when not $full
CREATE OR REPLACE TEMP TABLE _arrived_now AS
SELECT organ_code, md5_number_lower(organ_code) AS organ_key, max(kind) AS last_kind
FROM (SELECT organ_code, 'organs' AS kind FROM organs WHERE batch_id BETWEEN $lo AND $hi
      UNION ALL SELECT organ_code, 'organs' FROM organs_history WHERE batch_id BETWEEN $lo AND $hi
      UNION ALL SELECT organ_code, 'projects' FROM projects WHERE batch_id BETWEEN $lo AND $hi
      UNION ALL SELECT organ_code, 'inspections' FROM inspections WHERE batch_id BETWEEN $lo AND $hi
      UNION ALL SELECT organ_code, 'evaluations' FROM evaluations WHERE batch_id BETWEEN $lo AND $hi
      UNION ALL SELECT organ_code, 'incidents' FROM incidents WHERE batch_id BETWEEN $lo AND $hi)
WHERE organ_code IN (SELECT organ_code FROM organs)
GROUP BY organ_code;

-- _organ_loads_new: their rows as they are to be (the row kept, if any, and this load); the first
-- project and inspection from the marts (current by now), searched by the organs' integer keys
-- when not $full
-- when rows in: _arrived_now
CREATE OR REPLACE TEMP TABLE _organ_loads_new AS
WITH this_load AS (
    SELECT load_id, today, coalesce(finished_at, started_at) AS loaded_at FROM loads WHERE load_id = $load_id
),
first_project AS (
    SELECT organ_code, min(start_on) AS first_start_on FROM mart_projects
    WHERE organ_key IN (SELECT organ_key FROM _arrived_now) GROUP BY organ_code
),
first_inspection AS (
    SELECT organ_code, min(inspected_on) AS first_inspected_on FROM mart_inspections
    WHERE organ_key IN (SELECT organ_key FROM _arrived_now) GROUP BY organ_code
)
SELECT a.organ_code,
       least(k.first_seen_on, l.today) AS first_seen_on,
       least(k.first_seen_on, l.today, fp.first_start_on, fi.first_inspected_on) AS known_since,
       l.load_id AS last_load_id, l.today AS last_loaded_on, l.loaded_at AS last_loaded_at, a.last_kind
FROM _arrived_now a
CROSS JOIN this_load l
LEFT JOIN (SELECT organ_code, first_seen_on FROM mart_organ_loads
           WHERE organ_code IN (SELECT organ_code FROM _arrived_now)) k USING (organ_code)
LEFT JOIN first_project fp USING (organ_code)
LEFT JOIN first_inspection fi USING (organ_code);

-- when not $full
-- when rows in: _arrived_now
DELETE FROM mart_organ_loads WHERE organ_code IN (SELECT organ_code FROM _arrived_now);

-- when not $full
-- when rows in: _arrived_now
INSERT INTO mart_organ_loads BY NAME SELECT * FROM _organ_loads_new;
