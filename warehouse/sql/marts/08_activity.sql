-- mart_projects, mart_incidents — the projects and incidents of each organ, with what the headline
-- numbers count them by (queries/kpi_counts.sql): a project's service type, vendor and span; an
-- incident's severity and dates, and its vendor (its own, else its project's) and its project's
-- service type. The headline cube reads these, not the submitted tables, so that what an organ
-- contributed before this refresh can be taken (marts/02_cube_baseline.sql) before the organ's
-- rows change here: the submitted tables have already changed by then. The entity facts, check
-- events and vendor risk evidence read mart_incidents too (the vendor without a join).
-- Grain: one row per project (organ, project code); one per incident (incident code).
-- Refresh: the organs whose projects or incidents this load wrote or replaced (every organ in a
-- full refresh): the rows of the others are as they were, and rewriting them would only slow the
-- scans that follow in this transaction.
-- The tables: migrations/0005_activity_marts.sql.
CREATE OR REPLACE TEMP TABLE _activity_organs AS
SELECT organ_code FROM organs WHERE $full
UNION SELECT organ_code FROM projects WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT organ_code FROM projects_history WHERE replaced_by_batch BETWEEN $lo AND $hi
UNION SELECT organ_code FROM incidents WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT organ_code FROM incidents_history WHERE replaced_by_batch BETWEEN $lo AND $hi;

-- when rows in: _activity_organs
DELETE FROM mart_projects WHERE organ_key IN (SELECT md5_number_lower(organ_code) FROM _activity_organs);

-- when rows in: _activity_organs
INSERT INTO mart_projects BY NAME
SELECT organ_code, md5_number_lower(organ_code) AS organ_key, project_code, vendor_code,
       md5_number_lower(vendor_code) AS vendor_key, service_type, start_on, actual_end_on
FROM projects
WHERE organ_code IN (SELECT organ_code FROM _activity_organs);

-- when rows in: _activity_organs
DELETE FROM mart_incidents WHERE organ_code IN (SELECT organ_code FROM _activity_organs);

-- when rows in: _activity_organs
INSERT INTO mart_incidents BY NAME
SELECT i.incident_code, i.organ_code, i.project_code, coalesce(i.vendor_code, p.vendor_code) AS vendor_code,
       p.service_type, i.severity, i.occurred_at, i.reported_at, i.closed_on
FROM (SELECT * FROM incidents WHERE organ_code IN (SELECT organ_code FROM _activity_organs)) i
LEFT JOIN projects p ON p.organ_code = i.organ_code AND p.project_code = i.project_code;
