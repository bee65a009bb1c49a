-- mart_repeat_findings — the same checklist item found wanting (部分符合 or 不符合) at the same
-- organ, or on the same vendor's projects, in two consecutive inspections of that organ or vendor
-- (CMS "repeat deficiency"). `streak` is how many consecutive inspections, ending with this one,
-- found the item wanting (2 = found again once).
-- Grain: one row per scope (organ | vendor), entity, item and the later inspection of the pair.
-- Refresh: for the organs and vendors whose inspection sequence this load touched. A sequence that
-- only grew at its end — every touched inspection of it is new (_touched_before,
-- 00_inspection_dims.sql) and comes after all it had, as a new inspection does — keeps its rows and
-- gets those of the pairs ending at its new inspections, paired from the inspection before them,
-- whose streaks they continue. Any other sequence is paired again whole. The per-inspection count
-- (mart_inspections.repeat_findings, organ scope) is refreshed for the same inspections.

-- _repeat_scope: each organ and vendor touched, whether it is paired again whole, and `since`: the
-- first place in its sequence (as 05_inspections.sql numbered it) whose pairs change
CREATE OR REPLACE TEMP TABLE _repeat_scope AS
WITH rewritten AS (
    -- the sequences an inspection the marts already had was touched in, before or now
    SELECT 'organ' AS scope, organ_code AS entity_code FROM _touched_before
    UNION SELECT 'vendor', vendor_code FROM _touched_before WHERE vendor_code IS NOT NULL
    UNION SELECT 'organ', organ_code FROM _inspection_dims
          WHERE inspection_code IN (SELECT inspection_code FROM _touched_before)
    UNION SELECT 'vendor', vendor_code FROM _inspection_dims
          WHERE vendor_code IS NOT NULL AND inspection_code IN (SELECT inspection_code FROM _touched_before)
),
places AS (
    SELECT 'organ' AS scope, organ_code AS entity_code, organ_seq AS seq, inspection_code
    FROM mart_inspections WHERE organ_key IN (SELECT organ_key FROM _touched_organs)
    UNION ALL
    SELECT 'vendor', vendor_code, vendor_seq, inspection_code
    FROM mart_inspections WHERE vendor_key IN (SELECT vendor_key FROM _touched_vendors)
),
ends AS (
    SELECT scope, entity_code,
           min(seq) FILTER (WHERE is_new) AS first_new,
           max(seq) FILTER (WHERE NOT is_new) AS last_old
    FROM (SELECT *, inspection_code IN (SELECT inspection_code FROM _inspection_dims)
                    AND inspection_code NOT IN (SELECT inspection_code FROM _touched_before) AS is_new
          FROM places)
    GROUP BY ALL
),
touched AS (
    SELECT 'organ' AS scope, organ_code AS entity_code FROM _touched_organs
    UNION SELECT 'vendor', vendor_code FROM _touched_vendors
)
SELECT scope, entity_code, whole, CASE WHEN whole THEN 1 ELSE first_new END AS since
FROM (SELECT t.scope, t.entity_code, e.first_new,
             -- paired whole: an inspection it had was touched, or none of its touched ones is new, or
             -- a new one comes before one it had (a sequence with nothing before starts at its end)
             r.entity_code IS NOT NULL OR e.first_new IS NULL OR coalesce(e.first_new < e.last_old, false) AS whole
      FROM touched t
      LEFT JOIN rewritten r USING (scope, entity_code)
      LEFT JOIN ends e USING (scope, entity_code));

-- (two statements: each IN is then a semi-join the scan can use, which an OR of the two is not)
DELETE FROM mart_repeat_findings
WHERE scope = 'organ' AND entity_code IN (SELECT entity_code FROM _repeat_scope WHERE scope = 'organ' AND whole);

DELETE FROM mart_repeat_findings
WHERE scope = 'vendor' AND entity_code IN (SELECT entity_code FROM _repeat_scope WHERE scope = 'vendor' AND whole);

-- _repeat_rows_new: the pairs ending at a place from `since` on, set aside for the per-inspection count
CREATE OR REPLACE TEMP TABLE _repeat_rows_new AS
WITH organs_paired AS (
    SELECT entity_code AS organ_code, since FROM _repeat_scope WHERE scope = 'organ'
),
vendors_paired AS (
    SELECT entity_code AS vendor_code, since FROM _repeat_scope WHERE scope = 'vendor'
),
sequences AS MATERIALIZED (
    -- the inspections paired, from the one before `since` on (found in mart_inspections, one row
    -- each, before the nine-times larger exceptions are read); the two INs apart (a UNION), so that
    -- each is a semi-join the scan can use
    SELECT m.*, o.since AS organ_since, v.since AS vendor_since,
           coalesce(m.organ_seq >= o.since - 1, false) AS organ_scope,
           coalesce(m.vendor_seq >= v.since - 1, false) AS vendor_scope
    FROM (SELECT inspection_key, inspection_code, inspected_on, organ_key, organ_code, region_code, vendor_key,
                 vendor_code, service_type, organ_seq, vendor_seq
          FROM mart_inspections WHERE organ_key IN (SELECT md5_number_lower(organ_code) FROM organs_paired)
          UNION
          SELECT inspection_key, inspection_code, inspected_on, organ_key, organ_code, region_code, vendor_key,
                 vendor_code, service_type, organ_seq, vendor_seq
          FROM mart_inspections WHERE vendor_key IN (SELECT md5_number_lower(vendor_code) FROM vendors_paired)) m
    LEFT JOIN organs_paired o ON o.organ_code = m.organ_code
    LEFT JOIN vendors_paired v ON v.vendor_code = m.vendor_code
    WHERE m.organ_seq >= o.since - 1 OR m.vendor_seq >= v.since - 1
),
findings AS (
    -- integer keys only until the pairs are found: strings are joined back for the pairs alone.
    -- Joined on the date too: the scan then skips the row groups (stored by date) outside the
    -- dates of the inspections paired.
    SELECT e.inspection_key, e.item_code, e.result, s.organ_key, s.vendor_key, s.organ_seq, s.vendor_seq,
           s.organ_since, s.vendor_since, s.organ_scope, s.vendor_scope
    FROM mart_item_exceptions e
    JOIN sequences s ON s.inspection_key = e.inspection_key AND s.inspected_on = e.inspected_on
    WHERE e.result IN ('部分符合', '不符合')
),
scoped AS (
    SELECT 'organ' AS scope, organ_key AS entity_key, organ_seq AS seq, organ_since AS since, inspection_key,
           item_code, result
    FROM findings WHERE organ_scope
    UNION ALL
    SELECT 'vendor', vendor_key, vendor_seq, vendor_since, inspection_key, item_code, result
    FROM findings WHERE vendor_scope
),
pairs AS (
    -- the same item found wanting in the entity's previous inspection (sequence number − 1)
    SELECT cur.scope, cur.entity_key, cur.item_code, cur.seq, cur.since, cur.inspection_key, cur.result,
           prev.inspection_key AS prev_key, prev.result AS prev_result
    FROM scoped cur
    JOIN scoped prev
      ON prev.scope = cur.scope AND prev.entity_key = cur.entity_key AND prev.item_code = cur.item_code
     AND prev.seq = cur.seq - 1
),
continued AS (
    -- the streaks kept that end at the inspection before `since` (a sequence paired whole has none)
    SELECT r.scope, md5_number_lower(r.entity_code) AS entity_key, r.item_code, r.streak
    FROM mart_repeat_findings r
    JOIN (SELECT 'organ' AS scope, organ_code AS entity_code, inspection_code, inspected_on FROM sequences
          WHERE organ_seq = organ_since - 1
          UNION ALL
          SELECT 'vendor', vendor_code, inspection_code, inspected_on FROM sequences
          WHERE vendor_seq = vendor_since - 1) s
      ON s.inspection_code = r.inspection_code AND s.inspected_on = r.inspected_on
     AND s.scope = r.scope AND s.entity_code = r.entity_code
),
runs AS (
    -- consecutive pairs form one run (gaps and islands)
    SELECT *, seq - row_number() OVER (PARTITION BY scope, entity_key, item_code ORDER BY seq) AS run_id
    FROM pairs
),
streaks AS (
    -- the streak counts the inspections in the run, and those of the streak a run beginning at
    -- `since` continues
    SELECT r.*,
           1 + row_number() OVER w
             + coalesce(max(CASE WHEN r.seq = r.since THEN c.streak - 1 END) OVER (PARTITION BY r.scope, r.entity_key,
                                                                                   r.item_code, r.run_id), 0) AS streak
    FROM runs r
    LEFT JOIN continued c USING (scope, entity_key, item_code)
    WINDOW w AS (PARTITION BY r.scope, r.entity_key, r.item_code, r.run_id ORDER BY r.seq)
)
SELECT s.scope, CASE s.scope WHEN 'organ' THEN cur.organ_code ELSE cur.vendor_code END AS entity_code,
       s.item_code, cur.inspection_code, cur.inspected_on, s.result,
       prev.inspection_code AS prev_inspection_code, prev.inspected_on AS prev_inspected_on, s.prev_result,
       s.streak::INTEGER AS streak,
       cur.organ_code, cur.region_code, cur.vendor_code, cur.service_type
FROM streaks s
-- both inspections of a pair lie in a sequence paired
JOIN sequences cur ON cur.inspection_key = s.inspection_key
JOIN sequences prev ON prev.inspection_key = s.prev_key;

INSERT INTO mart_repeat_findings BY NAME
SELECT * FROM _repeat_rows_new
-- Date order: period filters, and the streaks continued above, skip whole row groups
ORDER BY inspected_on;

-- every pair ending at an inspection from `since` on was just computed: their counts come from those
UPDATE mart_inspections m
SET repeat_findings = coalesce(r.n, 0)
FROM (
    SELECT i.inspection_code, count(f.item_code)::INTEGER AS n
    FROM mart_inspections i
    JOIN _repeat_scope s ON s.scope = 'organ' AND s.entity_code = i.organ_code AND i.organ_seq >= s.since
    LEFT JOIN (SELECT inspection_code, item_code FROM _repeat_rows_new WHERE scope = 'organ') f
           ON f.inspection_code = i.inspection_code
    WHERE i.organ_key IN (SELECT organ_key FROM _touched_organs)
    GROUP BY i.inspection_code
) r
WHERE m.inspection_code = r.inspection_code AND m.organ_key IN (SELECT organ_key FROM _touched_organs);
