-- _scope_vendors, _scope_organs (TEMP) — the vendors and organs whose entity-grained marts (facts,
-- tiers, check events, schedule, vendor risk, submissions, loads) this refresh recomputes.
-- All of them when $entity_full (first refresh, a new "today", a changed configuration, or a full
-- refresh). Otherwise those the load affected:
--   vendors  written as rows, or whose qualifications, projects (current or replaced), incidents,
--            evaluations or inspections (_touched_vendors) were written, or whose flags changed;
--            every vendor when projects were written (shares of the active volume change for all)
--   organs   written as rows, or whose projects, evaluations, incidents or inspections
--            (_touched_organs) were written, or whose flags changed, and every organ with a project
--            of a vendor whose qualifications, projects or incidents were written (the organ's tier
--            reads its vendors' qualifications and newness; a vendor's incident makes its organs due)
CREATE OR REPLACE TEMP TABLE _ripple_vendors AS
SELECT vendor_code FROM qualifications WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT vendor_code FROM projects WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT vendor_code FROM projects_history WHERE replaced_by_batch BETWEEN $lo AND $hi
UNION SELECT coalesce(i.vendor_code, p.vendor_code) FROM incidents i
      LEFT JOIN projects p ON p.organ_code = i.organ_code AND p.project_code = i.project_code
      WHERE i.batch_id BETWEEN $lo AND $hi;

CREATE OR REPLACE TEMP TABLE _scope_vendors AS
WITH flags_now AS (
    SELECT vendor_code AS code, list(code || '|' || entity_key ORDER BY code, entity_key) AS k
    FROM flags WHERE vendor_code IS NOT NULL GROUP BY vendor_code
),
flags_before AS (
    SELECT f.entity_code AS code, list(x.code || '|' || x.entity_key ORDER BY x.code, x.entity_key) AS k
    FROM mart_entity_facts f, unnest(f.flags) AS t(x)
    WHERE f.entity_kind = 'vendor' GROUP BY f.entity_code
),
projects_written AS (
    SELECT count(*) > 0 AS written FROM (SELECT 1 FROM projects WHERE batch_id BETWEEN $lo AND $hi
                                     UNION ALL SELECT 1 FROM projects_history WHERE replaced_by_batch BETWEEN $lo AND $hi)
)
SELECT vendor_code FROM vendors WHERE $entity_full OR (SELECT written FROM projects_written)
UNION SELECT vendor_code FROM vendors WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT vendor_code FROM _ripple_vendors
UNION SELECT vendor_code FROM evaluations WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT vendor_code FROM _touched_vendors
UNION SELECT coalesce(n.code, b.code) FROM flags_now n FULL JOIN flags_before b USING (code)
      WHERE n.k IS DISTINCT FROM b.k;

CREATE OR REPLACE TEMP TABLE _scope_organs AS
WITH flags_now AS (
    SELECT organ_code AS code, list(code || '|' || entity_key ORDER BY code, entity_key) AS k
    FROM flags WHERE organ_code IS NOT NULL GROUP BY organ_code
),
flags_before AS (
    SELECT f.entity_code AS code, list(x.code || '|' || x.entity_key ORDER BY x.code, x.entity_key) AS k
    FROM mart_entity_facts f, unnest(f.flags) AS t(x)
    WHERE f.entity_kind = 'organ' GROUP BY f.entity_code
)
SELECT organ_code FROM organs WHERE $entity_full
UNION SELECT organ_code FROM organs WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT organ_code FROM projects WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT organ_code FROM projects_history WHERE replaced_by_batch BETWEEN $lo AND $hi
UNION SELECT organ_code FROM evaluations WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT organ_code FROM incidents WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT organ_code FROM _touched_organs
UNION SELECT p.organ_code FROM projects p WHERE p.vendor_code IN (SELECT vendor_code FROM _ripple_vendors)
UNION SELECT coalesce(n.code, b.code) FROM flags_now n FULL JOIN flags_before b USING (code)
      WHERE n.k IS DISTINCT FROM b.k;
