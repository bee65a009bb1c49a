-- mart_tier_rule_hits — which configured tier rules hold for each organ (rule set organ_tier) and
-- each vendor (rule set vendor_floor), with the evidence that makes them hold. The rules are data:
-- warehouse/config/risk.toml → cfg_tier_conditions (one row per condition). A rule holds when all
-- its conditions hold; a condition holds when its signal finds evidence (or, negated, finds none).
-- Signals read mart_entity_facts as of $today:
--   incident               incidents at least as severe as severity_rank, occurred in the last `months`
--   last_result            the last inspection's grade is in `grades`, or (veto) a veto item failed
--   recent_results         the last `count` inspections all have a grade in `grades`
--   overdue_rectification  open rectifications more than `days` days past due
--   flag                   flags with a code in `codes` (active_only: on active projects or no project)
--   qualification_expiring latest valid certificates expiring within `days`
--   new_vendor             vendors whose first project started within the last `months`
-- The reason is the rule's text with its evidence, in Chinese (reason_text) and beside it in English
-- (reason_text_en, from the rule's reason_en): "… (a, b, c)", "… (a, b, c; 5 in all)".
-- Grain: one row per entity and rule that holds.
-- Refresh: the organs and vendors in scope (see mart_entity_facts).
-- (each IN apart, in two statements and a UNION ALL: each is then a semi-join the scan can use,
-- which an OR of the two is not)
DELETE FROM mart_tier_rule_hits WHERE entity_kind = 'organ' AND entity_code IN (SELECT organ_code FROM _scope_organs);

DELETE FROM mart_tier_rule_hits WHERE entity_kind = 'vendor' AND entity_code IN (SELECT vendor_code FROM _fact_vendors);

INSERT INTO mart_tier_rule_hits BY NAME
WITH conditions AS (
    SELECT f.entity_kind, f.entity_code, c.rule_set, c.rule_id, c.tier, c.tier_order, c.reason_zh, c.reason_en,
           c.cond_no,
           c.negate,
           CASE c.signal
               WHEN 'incident' THEN list_transform(
                   list_filter(f.incidents, lambda x: x.severity_rank <= c.severity_rank
                                                      AND x.occurred_on > ($today - to_months(c.months))::DATE),
                   lambda x: x.code)
               WHEN 'last_result' THEN
                   CASE WHEN list_contains(c.grades, f.last_grade) OR (c.veto AND coalesce(f.last_veto_failed, false))
                        THEN [f.last_inspection_code] ELSE [] END
               WHEN 'recent_results' THEN
                   CASE WHEN len(f.recent_grades) >= c.count
                         AND len(list_filter(f.recent_grades[1:c.count], lambda g: list_contains(c.grades, g))) = c.count
                        THEN f.recent_inspections[1:c.count] ELSE [] END
               WHEN 'overdue_rectification' THEN list_transform(
                   list_filter(f.open_rectifications, lambda r: r.due_on < ($today - c.days)),
                   lambda r: r.code)
               WHEN 'flag' THEN list_transform(
                   list_filter(f.flags, lambda x: list_contains(c.codes, x.code) AND (x.active OR NOT c.active_only)),
                   lambda x: x.entity_key)
               WHEN 'qualification_expiring' THEN list_transform(
                   list_filter(f.latest_qualifications, lambda q: q.expires_on <= $today + c.days),
                   lambda q: q.certificate_no)
               WHEN 'new_vendor' THEN list_transform(
                   list_filter(f.new_vendors, lambda v: v.first_start_on > ($today - to_months(c.months))::DATE),
                   lambda v: v.vendor_code)
           END AS evidence
    FROM (SELECT * FROM mart_entity_facts
          WHERE entity_kind = 'organ' AND entity_code IN (SELECT organ_code FROM _scope_organs)
          UNION ALL
          SELECT * FROM mart_entity_facts
          WHERE entity_kind = 'vendor' AND entity_code IN (SELECT vendor_code FROM _fact_vendors)) f
    JOIN cfg_tier_conditions c ON c.entity_kind = f.entity_kind
),
judged AS (
    SELECT *, (len(evidence) > 0) <> negate AS holds FROM conditions
),
rules AS (
    SELECT entity_kind, entity_code, rule_set, rule_id,
           any_value(tier) AS tier, any_value(tier_order) AS tier_order, any_value(reason_zh) AS reason_zh,
           any_value(reason_en) AS reason_en,
           -- in the conditions' order: sorted after the aggregate (an ordered aggregate sorts each
           -- group apart, about three times slower over thousands of entities)
           flatten(list_transform(list_sort(list({'cond_no': cond_no, 'evidence': evidence}) FILTER (WHERE NOT negate)),
                                  x -> x.evidence)) AS evidence
    FROM judged
    GROUP BY entity_kind, entity_code, rule_set, rule_id
    HAVING bool_and(holds)
)
SELECT *,
       reason_zh || CASE
           WHEN len(evidence) = 0 THEN ''
           WHEN len(evidence) <= 3 THEN '（' || array_to_string(evidence, '、') || '）'
           ELSE '（' || array_to_string(evidence[1:3], '、') || ' 等' || len(evidence) || '项）'
       END AS reason_text,
       reason_en || CASE
           WHEN len(evidence) = 0 THEN ''
           WHEN len(evidence) <= 3 THEN ' (' || array_to_string(evidence, ', ') || ')'
           ELSE ' (' || array_to_string(evidence[1:3], ', ') || '; ' || len(evidence) || ' in all)'
       END AS reason_text_en
FROM rules;
