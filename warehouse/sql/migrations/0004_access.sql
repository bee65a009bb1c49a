-- Users, roles and region-scoped access with an audit trail (issue 7, docs/access.md).
-- Written only by warehouse/access.py, under warehouse.db.exclusive, in place, in short transactions.
-- Roles and what each may do: schemas/roles.py. Passwords are stored only as argon2id hashes.

CREATE SEQUENCE seq_user START 1;
CREATE SEQUENCE seq_audit START 1;

-- Grain: one row per account (never deleted: an account is disabled, so the audit log keeps its meaning).
CREATE TABLE users (
    user_id BIGINT PRIMARY KEY DEFAULT nextval('seq_user'),
    username VARCHAR NOT NULL UNIQUE,          -- lower case, [a-z0-9._-], 2–32 characters
    display_name VARCHAR,
    role VARCHAR NOT NULL,                     -- leader (领导) | inspector (检查员) | admin (数据管理员)
    region_scope VARCHAR NOT NULL,             -- GB/T 2260 code: province 330000, city 330100, county 330102; 100000 national
    password_hash VARCHAR NOT NULL,            -- argon2id, PHC string; never selected by a query function
    active BOOLEAN NOT NULL DEFAULT true,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,                    -- refused until then after too many failures (Beijing time, no zone)
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (role IN ('leader', 'inspector', 'admin')),
    CHECK (regexp_full_match(region_scope, '[0-9]{6}'))
);

-- Grain: one row per recorded action. Append-only: warehouse/access.py has no update or delete.
CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('seq_audit'),
    "at" TIMESTAMP NOT NULL,                   -- Beijing time, no zone ("at" is a keyword: quote it)
    username VARCHAR,                          -- who acted (an account, or the OS user at the command line)
    role VARCHAR,                              -- their role then (NULL: command line without an account)
    action VARCHAR NOT NULL,                   -- login_ok | login_failed | logout | load | export | plan_draw | user_add | …
    target VARCHAR,                            -- what it was done to: a user, a file, a plan, a period
    detail JSON,                               -- counts, options, reason codes; never a password or a hash
    remote_addr VARCHAR
);
