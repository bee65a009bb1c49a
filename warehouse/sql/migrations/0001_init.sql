-- The warehouse of contract §5: one table per submission kind (current versions), a history table
-- per kind (replaced versions), the load log, row issues, compliance flags and reference data.
-- Keys (contract §2) are enforced by the loader, not by PRIMARY KEY constraints: an ART index on
-- 30 million checklist rows would cost more memory than the rest of the load.

CREATE TABLE settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

CREATE SEQUENCE seq_load START 1;
CREATE SEQUENCE seq_batch START 1;
CREATE SEQUENCE seq_row START 1;

CREATE TABLE loads (
    load_id BIGINT PRIMARY KEY, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP,
    today DATE NOT NULL, jurisdiction VARCHAR, loaded_by VARCHAR, files INTEGER, status VARCHAR NOT NULL
);

-- One row per file and sheet of a load (a file rejected whole has sheet NULL).
CREATE TABLE load_batches (
    batch_id BIGINT PRIMARY KEY, load_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, file_name VARCHAR,
    file_sha256 VARCHAR, sheet VARCHAR, kind VARCHAR, rows_read INTEGER NOT NULL, rows_loaded INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL, rows_warned INTEGER NOT NULL, status VARCHAR NOT NULL, rule VARCHAR,
    message VARCHAR, loaded_at TIMESTAMP NOT NULL
);

-- Rejections (severity 'error') and warnings ('warning'), one row per problem found.
CREATE TABLE row_issues (
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, sheet VARCHAR, source_row INTEGER, kind VARCHAR,
    column_name VARCHAR, column_zh VARCHAR, value VARCHAR, rule VARCHAR NOT NULL, severity VARCHAR NOT NULL,
    message VARCHAR NOT NULL, row_values VARCHAR, loaded_at TIMESTAMP NOT NULL
);
CREATE VIEW rejected_rows AS SELECT * EXCLUDE (severity) FROM row_issues WHERE severity = 'error';
CREATE VIEW row_warnings AS SELECT * EXCLUDE (severity) FROM row_issues WHERE severity = 'warning';

-- Compliance flags of contract §3, recomputed by every load; raised_at is when first raised.
CREATE TABLE flags (
    code VARCHAR NOT NULL, entity_kind VARCHAR NOT NULL, entity_key VARCHAR NOT NULL, organ_code VARCHAR,
    vendor_code VARCHAR, project_code VARCHAR, inspection_code VARCHAR, incident_code VARCHAR,
    evidence JSON NOT NULL, raised_at TIMESTAMP NOT NULL, load_id BIGINT NOT NULL
);

CREATE TABLE checklist_items (
    checklist_version VARCHAR NOT NULL, item_code VARCHAR NOT NULL, category_code VARCHAR NOT NULL,
    category_zh VARCHAR NOT NULL, category_en VARCHAR NOT NULL, item_zh VARCHAR NOT NULL, item_en VARCHAR NOT NULL,
    weight DOUBLE NOT NULL, veto BOOLEAN NOT NULL, basis VARCHAR, PRIMARY KEY (checklist_version, item_code)
);

CREATE TABLE regions (
    region_code VARCHAR PRIMARY KEY, region_name VARCHAR NOT NULL, level VARCHAR NOT NULL,
    valid_from INTEGER, valid_to INTEGER
);

CREATE TABLE organs (
    organ_id BIGINT DEFAULT nextval('seq_row'), organ_code VARCHAR NOT NULL, organ_name VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL, admin_level VARCHAR NOT NULL, organ_category VARCHAR, archive_staff BIGINT,
    contact_name VARCHAR, contact_phone VARCHAR,
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER, loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE vendors (
    vendor_id BIGINT DEFAULT nextval('seq_row'), vendor_code VARCHAR NOT NULL, vendor_name VARCHAR NOT NULL,
    region_code VARCHAR, established_on DATE, registered_capital_wan DOUBLE, foreign_investment VARCHAR,
    filing_no VARCHAR, filing_expires_on DATE,
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER, loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE qualifications (
    qualification_id BIGINT DEFAULT nextval('seq_row'), vendor_code VARCHAR NOT NULL,
    qualification_type VARCHAR NOT NULL, grade VARCHAR, certificate_no VARCHAR NOT NULL, issuer VARCHAR,
    issued_on DATE NOT NULL, expires_on DATE NOT NULL, status VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER, loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE projects (
    project_id BIGINT DEFAULT nextval('seq_row'), project_code VARCHAR NOT NULL, organ_code VARCHAR NOT NULL,
    vendor_code VARCHAR NOT NULL, service_type VARCHAR NOT NULL, service_type_text VARCHAR NOT NULL,
    signed_on DATE NOT NULL, start_on DATE NOT NULL, planned_end_on DATE NOT NULL, actual_end_on DATE,
    accepted_on DATE, security_confirmed_on DATE, amount_wan DOUBLE, work_site VARCHAR NOT NULL,
    involves_classified BOOLEAN NOT NULL, confidentiality_agreement BOOLEAN NOT NULL, subcontracted BOOLEAN,
    volume DOUBLE, volume_unit VARCHAR,
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER, loaded_at TIMESTAMP NOT NULL
);

-- score and grade are the authoritative result: from the checklist items when the inspection has
-- any (contract §3), else as submitted (the grade derived from the score when absent).
CREATE TABLE inspections (
    inspection_id BIGINT DEFAULT nextval('seq_row'), inspection_code VARCHAR NOT NULL, inspected_on DATE NOT NULL,
    organ_code VARCHAR NOT NULL, project_code VARCHAR, vendor_code VARCHAR, inspection_kind VARCHAR NOT NULL,
    inspectors VARCHAR NOT NULL, inspector_count INTEGER NOT NULL, score DOUBLE, grade VARCHAR,
    rectification_due_on DATE, remarks VARCHAR,
    score_reported DOUBLE, grade_reported VARCHAR, items_count INTEGER NOT NULL DEFAULT 0,
    veto_failed BOOLEAN NOT NULL DEFAULT false, checklist_version VARCHAR,
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER, loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE inspection_items (
    inspection_code VARCHAR NOT NULL, item_code VARCHAR NOT NULL, result VARCHAR NOT NULL, finding VARCHAR,
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER, loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE rectifications (
    rectification_id BIGINT DEFAULT nextval('seq_row'), inspection_code VARCHAR NOT NULL, item_code VARCHAR NOT NULL,
    due_on DATE NOT NULL, completed_on DATE, verified_on DATE, verification VARCHAR,
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER, loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE evaluations (
    evaluation_id BIGINT DEFAULT nextval('seq_row'), period VARCHAR NOT NULL, organ_code VARCHAR NOT NULL,
    vendor_code VARCHAR NOT NULL, project_code VARCHAR, quality DOUBLE NOT NULL, timeliness DOUBLE NOT NULL,
    security DOUBLE NOT NULL, staffing DOUBLE NOT NULL, cooperation DOUBLE NOT NULL, overall DOUBLE NOT NULL,
    overall_reported DOUBLE, evaluated_on DATE,
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER, loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE incidents (
    incident_id BIGINT DEFAULT nextval('seq_row'), incident_code VARCHAR NOT NULL, organ_code VARCHAR NOT NULL,
    vendor_code VARCHAR, project_code VARCHAR, incident_type VARCHAR NOT NULL, severity VARCHAR NOT NULL,
    occurred_at TIMESTAMP NOT NULL, discovered_at TIMESTAMP, reported_at TIMESTAMP NOT NULL,
    records_affected BIGINT, involves_classified BOOLEAN, description VARCHAR NOT NULL, status VARCHAR NOT NULL,
    closed_on DATE, report_delay_hours DOUBLE,
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER, loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE inspectors (
    inspector_row_id BIGINT DEFAULT nextval('seq_row'), inspector_id VARCHAR NOT NULL, inspector_name VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL, expertise VARCHAR, recusal_organ_codes VARCHAR, active BOOLEAN NOT NULL,
    batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER, loaded_at TIMESTAMP NOT NULL
);

-- Replaced versions: the row as it was, and the batch that replaced it.
CREATE TABLE organs_history AS SELECT *, NULL::BIGINT AS replaced_by_batch, NULL::TIMESTAMP AS replaced_at FROM organs LIMIT 0;
CREATE TABLE vendors_history AS SELECT *, NULL::BIGINT AS replaced_by_batch, NULL::TIMESTAMP AS replaced_at FROM vendors LIMIT 0;
CREATE TABLE qualifications_history AS SELECT *, NULL::BIGINT AS replaced_by_batch, NULL::TIMESTAMP AS replaced_at FROM qualifications LIMIT 0;
CREATE TABLE projects_history AS SELECT *, NULL::BIGINT AS replaced_by_batch, NULL::TIMESTAMP AS replaced_at FROM projects LIMIT 0;
CREATE TABLE inspections_history AS SELECT *, NULL::BIGINT AS replaced_by_batch, NULL::TIMESTAMP AS replaced_at FROM inspections LIMIT 0;
CREATE TABLE inspection_items_history AS SELECT *, NULL::BIGINT AS replaced_by_batch, NULL::TIMESTAMP AS replaced_at FROM inspection_items LIMIT 0;
CREATE TABLE rectifications_history AS SELECT *, NULL::BIGINT AS replaced_by_batch, NULL::TIMESTAMP AS replaced_at FROM rectifications LIMIT 0;
CREATE TABLE evaluations_history AS SELECT *, NULL::BIGINT AS replaced_by_batch, NULL::TIMESTAMP AS replaced_at FROM evaluations LIMIT 0;
CREATE TABLE incidents_history AS SELECT *, NULL::BIGINT AS replaced_by_batch, NULL::TIMESTAMP AS replaced_at FROM incidents LIMIT 0;
CREATE TABLE inspectors_history AS SELECT *, NULL::BIGINT AS replaced_by_batch, NULL::TIMESTAMP AS replaced_at FROM inspectors LIMIT 0;
