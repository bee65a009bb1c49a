-- mart_projects, mart_incidents — the projects and incidents of each organ as the headline numbers
-- count them (queries/kpi_counts.sql; incidents with their project's vendor and service type), kept by the mart refresh for the organs in scope
-- (marts/08_activity.sql): the headline cube is kept by difference, and what an organ counted
-- before a load must still be readable when the refresh starts, after the load has rewritten the
-- submitted tables. Filled here from the rows already loaded.

-- Grain: one row per project (organ, project code).
CREATE TABLE mart_projects (
    organ_code VARCHAR NOT NULL, project_code VARCHAR NOT NULL, vendor_code VARCHAR, service_type VARCHAR,
    start_on DATE, actual_end_on DATE
);

-- Grain: one row per incident. vendor_code: the incident's own, else its project's; service_type:
-- its project's. Read by the headline numbers, the entity facts, the check events and the vendor
-- risk evidence (none of them then joins the incidents to the projects again).
CREATE TABLE mart_incidents (
    incident_code VARCHAR NOT NULL, organ_code VARCHAR NOT NULL, project_code VARCHAR, vendor_code VARCHAR,
    service_type VARCHAR, severity VARCHAR NOT NULL, occurred_at TIMESTAMP NOT NULL, reported_at TIMESTAMP NOT NULL,
    closed_on DATE
);

INSERT INTO mart_projects
SELECT organ_code, project_code, vendor_code, service_type, start_on, actual_end_on FROM projects;

INSERT INTO mart_incidents
SELECT i.incident_code, i.organ_code, i.project_code, coalesce(i.vendor_code, p.vendor_code), p.service_type,
       i.severity, i.occurred_at, i.reported_at, i.closed_on
FROM incidents i
LEFT JOIN projects p ON p.organ_code = i.organ_code AND p.project_code = i.project_code;
