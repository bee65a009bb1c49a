-- _organ_tiers (TEMP) — each organ's tier as of $today and its check interval: the first tier, in
-- the configured order (D, C, A), with a rule that holds; otherwise the default tier (B). The reason
-- lists every rule of that tier that holds, with its evidence, in Chinese (tier_reason) and in English
-- (tier_reason_en, "; " between rules; the default tier's: $default_reason_en).
-- Grain: one row per organ in scope.
CREATE OR REPLACE TEMP TABLE _organ_tiers AS
WITH hits AS (
    SELECT * FROM mart_tier_rule_hits
    WHERE rule_set = 'organ_tier' AND entity_code IN (SELECT organ_code FROM _scope_organs)
),
winning AS (
    SELECT entity_code, min(tier_order) AS tier_order FROM hits GROUP BY entity_code
),
chosen AS (
    SELECT h.entity_code AS organ_code, any_value(h.tier) AS tier,
           -- by rule: sorted after the aggregate, cheaper than an ordered aggregate (11_tier_rule_hits.sql)
           list_sort(list({'rule_id': h.rule_id, 'text': h.reason_text, 'text_en': h.reason_text_en})) AS texts,
           list_sort(list(h.rule_id)) AS tier_rules
    FROM hits h JOIN winning w ON w.entity_code = h.entity_code AND w.tier_order = h.tier_order
    GROUP BY h.entity_code
),
worded AS (
    SELECT organ_code, tier, tier_rules,
           array_to_string(list_transform(texts, x -> x.text), '；') AS tier_reason,
           array_to_string(list_transform(texts, x -> x.text_en), '; ') AS tier_reason_en
    FROM chosen
)
SELECT o.organ_code,
       coalesce(c.tier, $default_tier) AS tier,
       coalesce(c.tier_reason, $default_reason) AS tier_reason,
       coalesce(c.tier_reason_en, $default_reason_en) AS tier_reason_en,
       coalesce(c.tier_rules, []) AS tier_rules,
       i.months AS interval_months
-- the organs in scope chosen first: a filter after the outer join would join every organ
FROM (SELECT organ_code FROM organs WHERE organ_code IN (SELECT organ_code FROM _scope_organs)) o
LEFT JOIN worded c USING (organ_code)
JOIN cfg_intervals i ON i.tier = coalesce(c.tier, $default_tier);
