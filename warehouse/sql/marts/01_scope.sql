-- _fact_vendors, _scope_vendors, _scope_organs (TEMP) — the vendors and organs whose entity-grained
-- marts (facts, tiers, check events, schedule, vendor risk, submissions, loads) this refresh
-- recomputes. All of them when $entity_full (first refresh, a new "today", a changed configuration,
-- or a full refresh). Otherwise those the load affected:
--   vendors  (_fact_vendors: their facts, tier rules and risk evidence) written as rows, or whose
--            qualifications, projects (current or replaced), incidents, evaluations or inspections
--            (_touched_vendors) were written, or who work for an organ written as a row (their
--            organs' regions), or whose flags changed (_changed_flags);
--            (_scope_vendors: their exposure evidence, risk scores and tiers) those, and every
--            vendor when the load wrote or replaced a project counted in the jurisdiction's active
--            volume (the shares of that volume change for all; a project without a volume, or not
--            active today, leaves them as they are)
--   organs   written as rows, or whose projects, evaluations, incidents or inspections
--            (_touched_organs) were written, or whose flags changed, and every organ with a project
--            of a vendor whose qualifications, projects or incidents were written (the organ's tier
--            reads its vendors' qualifications and newness; a vendor's incident makes its organs due),
--            and every organ named by a row the load rejected (submission completeness counts those)
-- _scope_organs and _fact_vendors carry the codes' integer keys (organ_key, vendor_key), by which
-- the marts are searched (as _touched_organs and _touched_vendors do, 00_inspection_dims.sql).
CREATE OR REPLACE TEMP TABLE _ripple_vendors AS
SELECT vendor_code FROM qualifications WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT vendor_code FROM projects WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT vendor_code FROM projects_history WHERE replaced_by_batch BETWEEN $lo AND $hi
UNION SELECT coalesce(i.vendor_code, p.vendor_code) FROM incidents i
      LEFT JOIN projects p ON p.organ_code = i.organ_code AND p.project_code = i.project_code
      WHERE i.batch_id BETWEEN $lo AND $hi;

-- _changed_flags: the organs and vendors whose flags changed — the flags now against those
-- mart_entity_facts last saw, counting repeats (a flag whose number of rows differs); compared
-- only if $flags_may_move (the load wrote rows the flags are derived from, other than inspections, or
-- the date changed: an inspection's flag stays with its organ and vendor, in scope anyway)
CREATE OR REPLACE TEMP TABLE _changed_flags AS
WITH flags_now AS (
    SELECT 'organ' AS entity_kind, organ_code AS entity_code, code, entity_key FROM flags WHERE organ_code IS NOT NULL
    UNION ALL
    SELECT 'vendor', vendor_code, code, entity_key FROM flags WHERE vendor_code IS NOT NULL
),
flags_before AS (
    -- most entities have none: skip those before unnesting
    SELECT f.entity_kind, f.entity_code, x.code, x.entity_key
    FROM (SELECT entity_kind, entity_code, flags FROM mart_entity_facts WHERE len(flags) > 0) f,
         unnest(f.flags) AS t(x)
)
SELECT DISTINCT entity_kind, entity_code
FROM (SELECT *, 1 AS n FROM flags_now UNION ALL SELECT *, -1 FROM flags_before)
WHERE $flags_may_move
GROUP BY entity_kind, entity_code, code, entity_key HAVING sum(n) <> 0;

CREATE OR REPLACE TEMP TABLE _fact_vendors AS
SELECT vendor_code, md5_number_lower(vendor_code) AS vendor_key FROM (
    SELECT vendor_code FROM vendors WHERE $entity_full
    UNION SELECT vendor_code FROM vendors WHERE batch_id BETWEEN $lo AND $hi
    UNION SELECT vendor_code FROM projects
          WHERE organ_code IN (SELECT organ_code FROM organs WHERE batch_id BETWEEN $lo AND $hi)
    UNION SELECT vendor_code FROM _ripple_vendors
    UNION SELECT vendor_code FROM evaluations WHERE batch_id BETWEEN $lo AND $hi
    UNION SELECT vendor_code FROM _touched_vendors
    UNION SELECT entity_code FROM _changed_flags WHERE entity_kind = 'vendor');

CREATE OR REPLACE TEMP TABLE _scope_vendors AS
SELECT vendor_code FROM _fact_vendors
UNION SELECT vendor_code FROM vendors
      WHERE EXISTS (SELECT 1 FROM (SELECT start_on, actual_end_on, volume, volume_unit FROM projects
                                   WHERE batch_id BETWEEN $lo AND $hi
                                   UNION ALL
                                   SELECT start_on, actual_end_on, volume, volume_unit FROM projects_history
                                   WHERE replaced_by_batch BETWEEN $lo AND $hi)
                    WHERE {{ parts/in_active_volume.sql }});

-- _submission_organs: the organs whose submission completeness (18_submissions.sql) this refresh
-- recomputes — those whose registry row, projects, evaluations or incidents the load wrote or
-- replaced, or that a row it rejected names; every organ when $entity_full. Inspections and
-- rectifications count for nothing there: a load of them leaves the mart as it is.
CREATE OR REPLACE TEMP TABLE _submission_organs AS
SELECT organ_code FROM organs WHERE $entity_full
UNION SELECT organ_code FROM organs WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT organ_code FROM projects WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT organ_code FROM projects_history WHERE replaced_by_batch BETWEEN $lo AND $hi
UNION SELECT organ_code FROM evaluations WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT organ_code FROM evaluations_history WHERE replaced_by_batch BETWEEN $lo AND $hi
UNION SELECT organ_code FROM incidents WHERE batch_id BETWEEN $lo AND $hi
UNION SELECT organ_code FROM incidents_history WHERE replaced_by_batch BETWEEN $lo AND $hi
UNION SELECT r.code FROM ({{ parts/rejected_row_codes.sql }}) r
      WHERE r.batch_id BETWEEN $lo AND $hi AND r.code IN (SELECT organ_code FROM organs);

-- _scope_organs (see the top): those, the organs of the touched inspections, the organs using a vendor
-- whose qualifications, projects or incidents were written, and those whose flags changed
CREATE OR REPLACE TEMP TABLE _scope_organs AS
SELECT organ_code, md5_number_lower(organ_code) AS organ_key FROM (
    SELECT organ_code FROM _submission_organs
    UNION SELECT organ_code FROM _touched_organs
    UNION SELECT p.organ_code FROM projects p WHERE p.vendor_code IN (SELECT vendor_code FROM _ripple_vendors)
    UNION SELECT entity_code FROM _changed_flags WHERE entity_kind = 'organ');
