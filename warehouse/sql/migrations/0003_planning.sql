-- Inspection planning (issue 5, docs/planning.md): each drawn plan with its seed, parameters, inputs
-- hash and result, never changed once written. A re-draw is a new plan that names the plan it
-- supersedes and why. Written by etl/planning/service.py under warehouse.db.exclusive; read through
-- warehouse/planning.py (SQL in warehouse/sql/planning/).

CREATE SEQUENCE seq_plan START 1;

-- Grain: one row per drawn plan.
CREATE TABLE plans (
    plan_id BIGINT PRIMARY KEY,
    period VARCHAR NOT NULL,                 -- canonical label: 2026-Q1, 2026, 2026-07 or start~end
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    planned_on DATE NOT NULL,                -- the day the plan was drawn for ("today")
    seed BIGINT NOT NULL,
    algorithm VARCHAR NOT NULL,              -- draw-v1
    params JSON NOT NULL,                    -- seed, period, day, capacity and the whole planning configuration
    inputs_sha256 VARCHAR NOT NULL,          -- sha256 of the canonical inputs (plan_inputs.inputs)
    result_sha256 VARCHAR NOT NULL,          -- sha256 of the canonical visits, teams and unstaffed reasons
    draw_log JSON NOT NULL,                  -- per stratum: population, pool, ratio, rounding number, drawn; workload
    visits INTEGER NOT NULL,
    staffed INTEGER NOT NULL,
    unstaffed INTEGER NOT NULL,
    data_load_id BIGINT,                     -- the last load whose data the plan was drawn from
    data_as_of DATE,                         -- that load's "today" (marts as of)
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR,
    reason VARCHAR NOT NULL,                 -- 首次抽取, or why it was re-drawn
    supersedes_plan_id BIGINT                -- the plan this one replaces (a re-draw), else NULL
);

-- Grain: one row per plan: the canonical inputs the draw read (organs with tiers and pending checks,
-- active projects, silent organ-quarters, the inspector registry, last inspection teams), so that a
-- plan can be re-drawn and checked after later loads have changed the warehouse.
CREATE TABLE plan_inputs (plan_id BIGINT PRIMARY KEY, inputs JSON NOT NULL);

-- Grain: one row per planned visit (an organ drawn in the plan).
CREATE TABLE plan_visits (
    plan_id BIGINT NOT NULL, visit_no INTEGER NOT NULL,
    organ_code VARCHAR NOT NULL, organ_name VARCHAR, region_code VARCHAR, tier VARCHAR,
    selection VARCHAR NOT NULL,              -- forced | tier_sample | silent_sample
    reasons VARCHAR[] NOT NULL,              -- reason codes, leading reason first
    reasons_zh VARCHAR NOT NULL,
    priority INTEGER NOT NULL,
    lottery DOUBLE,                          -- the organ's lottery number in its stratum (NULL when forced)
    due_on DATE,                             -- earliest due date of a forced reason
    window_start DATE NOT NULL, window_end DATE NOT NULL,
    project_codes VARCHAR[], service_types VARCHAR[], needed_expertise VARCHAR[],
    check_items VARCHAR NOT NULL,
    status VARCHAR NOT NULL,                 -- staffed | unstaffed
    expertise_covered BOOLEAN, notes_zh VARCHAR,
    PRIMARY KEY (plan_id, visit_no)
);

-- Grain: one row per inspector of a staffed visit.
CREATE TABLE plan_visit_inspectors (
    plan_id BIGINT NOT NULL, visit_no INTEGER NOT NULL, seat INTEGER NOT NULL,
    inspector_id VARCHAR NOT NULL, inspector_name VARCHAR NOT NULL, region_code VARCHAR,
    locality VARCHAR, expertise_matched VARCHAR[], weight DOUBLE, draw_key DOUBLE,
    PRIMARY KEY (plan_id, visit_no, seat)
);

-- Grain: one row per visit left without a team, and why (in Chinese, with the counts).
CREATE TABLE plan_unstaffed (
    plan_id BIGINT NOT NULL, visit_no INTEGER NOT NULL,
    reason_code VARCHAR NOT NULL,            -- TOO_FEW_INSPECTORS | ALL_RECUSED | CAPACITY
    reason_zh VARCHAR NOT NULL,
    needed INTEGER, active INTEGER, recused_registry INTEGER, recused_last INTEGER, at_capacity INTEGER,
    available INTEGER,
    PRIMARY KEY (plan_id, visit_no)
);

-- The plan in force for each period: the latest of its re-draw chain.
CREATE VIEW current_plans AS
SELECT p.* FROM plans p
WHERE NOT EXISTS (SELECT 1 FROM plans q WHERE q.supersedes_plan_id = p.plan_id);
