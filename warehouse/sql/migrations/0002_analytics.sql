-- Analytics layer (issue 3): the marts every page, export and plan reads, and the append-only tier
-- history. Marts are tables refreshed by warehouse.marts.refresh() inside the loader's transaction,
-- right after the derivations: the inspection-grained ones incrementally (only inspections the load
-- touched), the entity-grained ones rebuilt whole from the compact marts (never from the 30-million-row
-- checklist table). What each column means: docs/analytics.md. Files that fill them:
-- warehouse/sql/marts/NN_<table>.sql.

CREATE SEQUENCE seq_tier_history START 1;

-- Append-only: one row each time an organ's or a vendor's tier is first set or changes.
CREATE TABLE tier_history (
    history_id BIGINT PRIMARY KEY DEFAULT nextval('seq_tier_history'),
    entity_kind VARCHAR NOT NULL,            -- organ | vendor
    entity_code VARCHAR NOT NULL,
    tier VARCHAR NOT NULL,                   -- A 低 | B 一般 | C 较高 | D 高
    previous_tier VARCHAR,                   -- NULL on the first assessment
    score DOUBLE,                            -- vendors: risk score 0–100
    previous_score DOUBLE,
    components JSON,                         -- vendors: points per component
    rules VARCHAR[],                         -- organs: the tier rules that held
    reason_zh VARCHAR NOT NULL,              -- why, in Chinese, with the evidence
    effective_on DATE NOT NULL,              -- the load's "today"
    load_id BIGINT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);

-- One row per refresh: what was rebuilt (mode: inspection marts full | incremental; entities: how many
-- organs and vendors were recomputed) and how long it took.
CREATE TABLE mart_refresh_log (
    load_id BIGINT NOT NULL, today DATE NOT NULL, mode VARCHAR NOT NULL, touched_inspections BIGINT,
    scope_organs BIGINT, scope_vendors BIGINT, config_hash VARCHAR, seconds DOUBLE, refreshed_at TIMESTAMP NOT NULL
);

-- Keys: the detail marts (categories, exceptions) carry integer keys instead of 18-character codes,
-- which halves their size and their writing time: inspection_key, organ_key and vendor_key are
-- md5_number_lower(code) — deterministic, the same in every DuckDB version, computed once per
-- inspection, organ or vendor. mart_inspections, mart_organ_schedule and mart_vendor_risk hold
-- both code and key.

-- Grain: one row per inspection (current version).
CREATE TABLE mart_inspections (
    inspection_code VARCHAR NOT NULL, inspection_key UBIGINT NOT NULL, inspected_on DATE NOT NULL,
    year INTEGER NOT NULL, quarter VARCHAR NOT NULL, year_start DATE NOT NULL, quarter_start DATE NOT NULL,
    organ_code VARCHAR NOT NULL, organ_key UBIGINT NOT NULL, region_code VARCHAR, project_code VARCHAR,
    vendor_code VARCHAR, vendor_key UBIGINT, service_type VARCHAR,
    inspection_kind VARCHAR, score DOUBLE, grade VARCHAR, veto_failed BOOLEAN NOT NULL,
    items_count INTEGER NOT NULL, n_conform INTEGER NOT NULL, n_partial INTEGER NOT NULL, n_fail INTEGER NOT NULL,
    n_na INTEGER NOT NULL, veto_items_failed INTEGER NOT NULL, rectification_due_on DATE,
    organ_seq INTEGER, prev_organ_inspection VARCHAR, vendor_seq INTEGER, prev_vendor_inspection VARCHAR,
    repeat_findings INTEGER NOT NULL DEFAULT 0
);

-- Grain: one row per inspection and checklist category in which it recorded items.
CREATE TABLE mart_inspection_categories (
    inspection_key UBIGINT NOT NULL, category_code VARCHAR NOT NULL, items INTEGER NOT NULL,
    n_conform INTEGER NOT NULL, n_partial INTEGER NOT NULL, n_fail INTEGER NOT NULL, n_na INTEGER NOT NULL,
    earned DOUBLE NOT NULL, possible DOUBLE NOT NULL, category_score DOUBLE, veto_failed BOOLEAN NOT NULL,
    inspected_on DATE, region_code VARCHAR, organ_key UBIGINT, vendor_key UBIGINT, service_type VARCHAR
);

-- Grain: one row per inspection and checklist item whose result is not 符合 (部分符合, 不符合, 不适用).
CREATE TABLE mart_item_exceptions (
    inspection_key UBIGINT NOT NULL, item_code VARCHAR NOT NULL, category_code VARCHAR, result VARCHAR NOT NULL,
    weight DOUBLE, veto BOOLEAN,
    inspected_on DATE, region_code VARCHAR, organ_key UBIGINT, vendor_key UBIGINT, service_type VARCHAR
);

-- Grain: one row per (scope, entity, item, inspection) where the item was a finding (部分符合/不符合)
-- in this inspection and in the entity's previous inspection.
CREATE TABLE mart_repeat_findings (
    scope VARCHAR NOT NULL, entity_code VARCHAR NOT NULL, item_code VARCHAR NOT NULL,
    inspection_code VARCHAR NOT NULL, inspected_on DATE NOT NULL, result VARCHAR NOT NULL,
    prev_inspection_code VARCHAR NOT NULL, prev_inspected_on DATE NOT NULL, prev_result VARCHAR NOT NULL,
    streak INTEGER NOT NULL,
    organ_code VARCHAR, region_code VARCHAR, vendor_code VARCHAR, service_type VARCHAR
);

-- Grain: one row per rectification (inspection × item).
CREATE TABLE mart_rectifications (
    inspection_code VARCHAR NOT NULL, item_code VARCHAR NOT NULL, category_code VARCHAR, veto BOOLEAN,
    due_on DATE NOT NULL, completed_on DATE, verified_on DATE, verification VARCHAR, closed_on DATE,
    superseded_on DATE, superseded_by VARCHAR, resolved_on DATE,
    days_to_close INTEGER, closed_late BOOLEAN, days_closed_late INTEGER,
    inspected_on DATE, organ_code VARCHAR, region_code VARCHAR, project_code VARCHAR, vendor_code VARCHAR,
    service_type VARCHAR
);

-- Grain: one row per organ and per vendor: the facts the tier rules read, as of the refresh date.
CREATE TABLE mart_entity_facts (
    entity_kind VARCHAR NOT NULL, entity_code VARCHAR NOT NULL, entity_name VARCHAR, region_code VARCHAR,
    inspections INTEGER NOT NULL, last_inspection_code VARCHAR, last_inspected_on DATE, last_grade VARCHAR,
    last_veto_failed BOOLEAN,
    recent_inspections VARCHAR[], recent_grades VARCHAR[],
    incidents STRUCT(code VARCHAR, severity VARCHAR, severity_rank INTEGER, occurred_on DATE)[],
    open_rectifications STRUCT(code VARCHAR, due_on DATE)[],
    flags STRUCT(code VARCHAR, entity_key VARCHAR, active BOOLEAN)[],
    latest_qualifications STRUCT(vendor_code VARCHAR, certificate_no VARCHAR, qualification_type VARCHAR,
                                 expires_on DATE)[],
    new_vendors STRUCT(vendor_code VARCHAR, first_start_on DATE)[],
    projects INTEGER NOT NULL, active_projects INTEGER NOT NULL, organs_served INTEGER,
    service_types VARCHAR[], vendor_codes VARCHAR[], organ_regions VARCHAR[], as_of DATE NOT NULL
);

-- Grain: one row per entity and configured tier rule that holds for it (with its evidence).
CREATE TABLE mart_tier_rule_hits (
    entity_kind VARCHAR NOT NULL, entity_code VARCHAR NOT NULL, rule_set VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
    tier VARCHAR NOT NULL, tier_order INTEGER NOT NULL, reason_zh VARCHAR NOT NULL, evidence VARCHAR[],
    reason_text VARCHAR NOT NULL
);

-- Grain: one row per organ: its tier, last inspection and next check due.
CREATE TABLE mart_organ_schedule (
    organ_code VARCHAR NOT NULL, organ_key UBIGINT NOT NULL, organ_name VARCHAR, region_code VARCHAR, admin_level VARCHAR,
    tier VARCHAR NOT NULL, tier_reason VARCHAR NOT NULL, tier_rules VARCHAR[],
    inspections INTEGER NOT NULL, last_inspection_code VARCHAR, last_inspected_on DATE, last_grade VARCHAR,
    interval_months INTEGER NOT NULL, tier_due_on DATE,
    project_due_on DATE, project_due_code VARCHAR,
    followup_due_on DATE, followup_incident_code VARCHAR,
    next_due_on DATE, due_source VARCHAR, due_reason VARCHAR NOT NULL,
    projects INTEGER NOT NULL, active_projects INTEGER NOT NULL, service_types VARCHAR[], vendor_codes VARCHAR[],
    as_of DATE NOT NULL
);

-- Grain: one row per vendor, component and piece of evidence behind its risk score.
CREATE TABLE mart_vendor_risk_evidence (
    vendor_code VARCHAR NOT NULL, component VARCHAR NOT NULL, evidence_kind VARCHAR NOT NULL,
    evidence_code VARCHAR, evidence_on DATE, organ_code VARCHAR, project_code VARCHAR,
    factor DOUBLE, raw_points DOUBLE NOT NULL, detail_zh VARCHAR NOT NULL
);

-- Grain: one row per vendor: the risk score, its components and the tier.
CREATE TABLE mart_vendor_risk (
    vendor_code VARCHAR NOT NULL, vendor_key UBIGINT NOT NULL, vendor_name VARCHAR, region_code VARCHAR,
    pts_inspections DOUBLE NOT NULL, pts_evaluations DOUBLE NOT NULL, pts_incidents DOUBLE NOT NULL,
    pts_qualifications DOUBLE NOT NULL, pts_flags DOUBLE NOT NULL, pts_rectifications DOUBLE NOT NULL,
    pts_exposure DOUBLE NOT NULL, score DOUBLE NOT NULL,
    score_tier VARCHAR NOT NULL, floor_tier VARCHAR, floor_reason VARCHAR, tier VARCHAR NOT NULL,
    inspections_counted INTEGER NOT NULL, evaluations_counted INTEGER NOT NULL, incidents_counted INTEGER NOT NULL,
    organs_served INTEGER NOT NULL, active_projects INTEGER NOT NULL,
    service_types VARCHAR[], organ_regions VARCHAR[], as_of DATE NOT NULL
);

-- Grain: one row per check that fell due: after an inspection (routine), after a project start
-- (new_project) or after a serious vendor incident (incident_followup), with when it was achieved.
CREATE TABLE mart_check_events (
    organ_code VARCHAR NOT NULL, region_code VARCHAR, event_kind VARCHAR NOT NULL, source_code VARCHAR NOT NULL,
    source_on DATE NOT NULL, tier VARCHAR NOT NULL, due_on DATE NOT NULL, achieved_on DATE,
    achieved_by VARCHAR
);

-- Grain: one row per organ and quarter with evaluations expected, received or rows submitted.
CREATE TABLE mart_submissions (
    organ_code VARCHAR NOT NULL, region_code VARCHAR, quarter VARCHAR NOT NULL, quarter_start DATE NOT NULL,
    quarter_end DATE NOT NULL, due_on DATE NOT NULL,
    expected INTEGER NOT NULL, received INTEGER NOT NULL, missing INTEGER NOT NULL, late INTEGER NOT NULL,
    max_days_late INTEGER, mean_days_late DOUBLE, evaluations INTEGER NOT NULL,
    rows_loaded INTEGER NOT NULL, rows_rejected INTEGER NOT NULL, rejection_rate DOUBLE,
    sent_nothing BOOLEAN NOT NULL, missing_projects VARCHAR[]
);

-- Grain: one row per organ: when data about it last arrived.
CREATE TABLE mart_organ_loads (
    organ_code VARCHAR NOT NULL, first_seen_on DATE, known_since DATE, last_load_id BIGINT, last_loaded_on DATE,
    last_loaded_at TIMESTAMP, last_kind VARCHAR
);
