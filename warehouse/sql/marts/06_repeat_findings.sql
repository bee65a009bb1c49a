-- mart_repeat_findings — the same checklist item found wanting (部分符合 or 不符合) at the same
-- organ, or on the same vendor's projects, in two consecutive inspections of that organ or vendor
-- (CMS "repeat deficiency"). `streak` is how many consecutive inspections, ending with this one,
-- found the item wanting (2 = found again once).
-- Grain: one row per scope (organ | vendor), entity, item and the later inspection of the pair.
-- Refresh: rebuilt for the organs and vendors whose inspection sequence this load touched; the
-- per-inspection count (mart_inspections.repeat_findings, organ scope) is refreshed with it.
-- (two statements: each IN is then a semi-join the scan can use, which an OR of the two is not)
DELETE FROM mart_repeat_findings WHERE scope = 'organ' AND entity_code IN (SELECT organ_code FROM _touched_organs);

DELETE FROM mart_repeat_findings WHERE scope = 'vendor' AND entity_code IN (SELECT vendor_code FROM _touched_vendors);

INSERT INTO mart_repeat_findings BY NAME
WITH sequences AS MATERIALIZED (
    -- the inspections of the organs and vendors in scope (found in mart_inspections, one row each,
    -- before the nine-times larger exceptions are read), with their places in the sequences; the
    -- two INs apart (a UNION), so that each is a semi-join the scan can use
    SELECT *,
           organ_code IN (SELECT organ_code FROM _touched_organs) AS organ_scope,
           coalesce(vendor_code IN (SELECT vendor_code FROM _touched_vendors), false) AS vendor_scope
    FROM (SELECT inspection_key, inspection_code, inspected_on, organ_key, organ_code, region_code, vendor_key,
                 vendor_code, service_type, organ_seq, vendor_seq
          FROM mart_inspections WHERE organ_code IN (SELECT organ_code FROM _touched_organs)
          UNION
          SELECT inspection_key, inspection_code, inspected_on, organ_key, organ_code, region_code, vendor_key,
                 vendor_code, service_type, organ_seq, vendor_seq
          FROM mart_inspections WHERE vendor_code IN (SELECT vendor_code FROM _touched_vendors))
),
findings AS (
    -- integer keys only until the pairs are found: strings are joined back for the pairs alone
    SELECT e.inspection_key, e.item_code, e.result, s.organ_key, s.vendor_key, s.organ_seq, s.vendor_seq,
           s.organ_scope, s.vendor_scope
    FROM mart_item_exceptions e
    JOIN sequences s USING (inspection_key)
    WHERE e.result IN ('部分符合', '不符合')
),
scoped AS (
    SELECT 'organ' AS scope, organ_key AS entity_key, organ_seq AS seq, inspection_key, item_code, result
    FROM findings WHERE organ_scope
    UNION ALL
    SELECT 'vendor', vendor_key, vendor_seq, inspection_key, item_code, result
    FROM findings WHERE vendor_scope
),
pairs AS (
    -- the same item found wanting in the entity's previous inspection (sequence number − 1)
    SELECT cur.scope, cur.entity_key, cur.item_code, cur.seq, cur.inspection_key, cur.result,
           prev.inspection_key AS prev_key, prev.result AS prev_result
    FROM scoped cur
    JOIN scoped prev
      ON prev.scope = cur.scope AND prev.entity_key = cur.entity_key AND prev.item_code = cur.item_code
     AND prev.seq = cur.seq - 1
),
runs AS (
    -- consecutive pairs form one run (gaps and islands); the streak counts the inspections in it
    SELECT *, seq - row_number() OVER (PARTITION BY scope, entity_key, item_code ORDER BY seq) AS run_id
    FROM pairs
),
streaks AS (
    SELECT *, 1 + row_number() OVER (PARTITION BY scope, entity_key, item_code, run_id ORDER BY seq) AS streak
    FROM runs
)
SELECT s.scope, CASE s.scope WHEN 'organ' THEN cur.organ_code ELSE cur.vendor_code END AS entity_code,
       s.item_code, cur.inspection_code, cur.inspected_on, s.result,
       prev.inspection_code AS prev_inspection_code, prev.inspected_on AS prev_inspected_on, s.prev_result,
       s.streak::INTEGER AS streak,
       cur.organ_code, cur.region_code, cur.vendor_code, cur.service_type
FROM streaks s
-- both inspections of a pair lie in a sequence in scope
JOIN sequences cur ON cur.inspection_key = s.inspection_key
JOIN sequences prev ON prev.inspection_key = s.prev_key;

UPDATE mart_inspections m
SET repeat_findings = coalesce(r.n, 0)
FROM (
    SELECT i.inspection_code, count(f.item_code)::INTEGER AS n
    FROM mart_inspections i
    LEFT JOIN (SELECT inspection_code, item_code FROM mart_repeat_findings
               WHERE scope = 'organ' AND entity_code IN (SELECT organ_code FROM _touched_organs)) f
           ON f.inspection_code = i.inspection_code
    WHERE i.organ_code IN (SELECT organ_code FROM _touched_organs)
    GROUP BY i.inspection_code
) r
WHERE m.inspection_code = r.inspection_code AND m.organ_code IN (SELECT organ_code FROM _touched_organs);
