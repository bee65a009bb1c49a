-- tier_history — append-only: a row for every organ and vendor whose tier is first set or differs
-- from its latest row, with the reason in Chinese (organs: the rules that hold; vendors: the score,
-- the largest component changes and any floor rule), the same in English beside it (reason_en), and
-- the load that caused it. Never updated or
-- deleted; the tier an entity had on a day is its latest row effective on or before that day.
-- history_id is numbered on from the largest one (no sequence: DuckLake has none; writers hold the lock).
-- Grain: one row per tier change.
-- Refresh: the organs and vendors in scope (only their tiers were recomputed).
INSERT INTO tier_history (history_id, entity_kind, entity_code, tier, previous_tier, score, previous_score, components,
                          rules, reason_zh, reason_en, effective_on, load_id, recorded_at)
WITH latest AS (
    SELECT entity_kind, entity_code,
           arg_max(tier, history_id) AS tier,
           arg_max(score, history_id) AS score,
           arg_max(components, history_id) AS components
    FROM (SELECT * FROM tier_history
          WHERE entity_kind = 'organ' AND entity_code IN (SELECT organ_code FROM _scope_organs)
          UNION ALL
          SELECT * FROM tier_history
          WHERE entity_kind = 'vendor' AND entity_code IN (SELECT vendor_code FROM _scope_vendors))
    GROUP BY entity_kind, entity_code
),
tier_names AS (
    SELECT * FROM (VALUES ('A', '低', 'low'), ('B', '一般', 'moderate'), ('C', '较高', 'elevated'),
                          ('D', '高', 'high')) t(tier, tier_zh, tier_en)
),
organ_now AS (
    SELECT 'organ' AS entity_kind, s.organ_code AS entity_code, s.tier, s.tier_rules, s.tier_reason, s.tier_reason_en
    FROM mart_organ_schedule s
    WHERE s.organ_key IN (SELECT organ_key FROM _scope_organs)
),
organ_changes AS (
    SELECT n.entity_kind, n.entity_code, n.tier, l.tier AS previous_tier, NULL::DOUBLE AS score,
           NULL::DOUBLE AS previous_score, NULL::JSON AS components, n.tier_rules AS rules,
           CASE WHEN l.tier IS NULL THEN printf('首次评定为%s级（%s）：', n.tier, tn.tier_zh)
                ELSE printf('由%s级调整为%s级（%s）：', l.tier, n.tier, tn.tier_zh) END || n.tier_reason AS reason_zh,
           CASE WHEN l.tier IS NULL THEN printf('First rated tier %s (%s): ', n.tier, tn.tier_en)
                ELSE printf('Moved from tier %s to tier %s (%s): ', l.tier, n.tier, tn.tier_en) END
           || n.tier_reason_en AS reason_en
    FROM organ_now n
    JOIN tier_names tn USING (tier)
    LEFT JOIN latest l ON l.entity_kind = n.entity_kind AND l.entity_code = n.entity_code
    WHERE l.tier IS DISTINCT FROM n.tier
),
vendor_now AS (
    SELECT 'vendor' AS entity_kind, v.vendor_code AS entity_code, v.tier, v.score_tier, v.score, v.floor_tier,
           v.floor_reason, v.floor_reason_en,
           json_object('inspections', v.pts_inspections, 'evaluations', v.pts_evaluations,
                       'incidents', v.pts_incidents, 'qualifications', v.pts_qualifications,
                       'flags', v.pts_flags, 'rectifications', v.pts_rectifications,
                       'exposure', v.pts_exposure) AS components,
           -- the component names as the pages show them (dashboards/i18n.py COMPONENT_EN)
           [{'name': '检查结果', 'name_en': 'Inspections', 'key': 'inspections', 'pts': v.pts_inspections},
            {'name': '服务评价', 'name_en': 'Evaluations', 'key': 'evaluations', 'pts': v.pts_evaluations},
            {'name': '事件', 'name_en': 'Incidents', 'key': 'incidents', 'pts': v.pts_incidents},
            {'name': '资质状态', 'name_en': 'Qualifications', 'key': 'qualifications', 'pts': v.pts_qualifications},
            {'name': '合规标记', 'name_en': 'Compliance flags', 'key': 'flags', 'pts': v.pts_flags},
            {'name': '逾期整改', 'name_en': 'Overdue rectifications', 'key': 'rectifications',
             'pts': v.pts_rectifications},
            {'name': '集中度', 'name_en': 'Concentration', 'key': 'exposure', 'pts': v.pts_exposure}] AS parts
    FROM mart_vendor_risk v
    WHERE v.vendor_code IN (SELECT vendor_code FROM _scope_vendors)
),
vendor_deltas AS (
    SELECT n.*, l.tier AS previous_tier, l.score AS previous_score,
           list_sort(list_filter(list_transform(n.parts, lambda p: {
                   'neg_abs': -abs(round(p.pts - coalesce(json_extract(l.components, '$.' || p.key)::DOUBLE, 0), 2)),
                   'name': p.name, 'name_en': p.name_en,
                   'delta': round(p.pts - coalesce(json_extract(l.components, '$.' || p.key)::DOUBLE, 0), 2)}),
               lambda d: d.delta <> 0)) AS deltas
    FROM vendor_now n
    LEFT JOIN latest l ON l.entity_kind = n.entity_kind AND l.entity_code = n.entity_code
    WHERE l.tier IS DISTINCT FROM n.tier
),
vendor_changes AS (
    SELECT d.entity_kind, d.entity_code, d.tier, d.previous_tier, d.score, d.previous_score, d.components,
           NULL::VARCHAR[] AS rules,
           CASE WHEN d.previous_tier IS NULL
                THEN printf('首次评定为%s级（%s）：风险分%.2f', d.tier, tn.tier_zh, d.score)
                ELSE printf('由%s级调整为%s级（%s）：风险分%.2f→%.2f', d.previous_tier, d.tier, tn.tier_zh,
                            d.previous_score, d.score)
                     || CASE WHEN len(d.deltas) > 0
                             THEN '（' || array_to_string(list_transform(d.deltas[1:3],
                                      lambda x: x.name || CASE WHEN x.delta > 0 THEN '+' ELSE '' END
                                                || printf('%.2f', x.delta)), '、') || '）'
                             ELSE '（分数未变：分级界限或规则已调整）' END
           END
           || CASE WHEN d.tier <> d.score_tier THEN '；按底线规则定为' || d.tier || '级：' || d.floor_reason ELSE '' END
           AS reason_zh,
           CASE WHEN d.previous_tier IS NULL
                THEN printf('First rated tier %s (%s): risk score %.2f', d.tier, tn.tier_en, d.score)
                ELSE printf('Moved from tier %s to tier %s (%s): risk score %.2f→%.2f', d.previous_tier, d.tier,
                            tn.tier_en, d.previous_score, d.score)
                     || CASE WHEN len(d.deltas) > 0
                             THEN ' (' || array_to_string(list_transform(d.deltas[1:3],
                                      lambda x: x.name_en || ' ' || CASE WHEN x.delta > 0 THEN '+' ELSE '' END
                                                || printf('%.2f', x.delta)), ', ') || ')'
                             ELSE ' (score unchanged: the cut-points or rules changed)' END
           END
           || CASE WHEN d.tier <> d.score_tier THEN '; held at tier ' || d.tier || ' by a floor rule: ' || d.floor_reason_en
                   ELSE '' END
           AS reason_en
    FROM vendor_deltas d JOIN tier_names tn USING (tier)
)
SELECT (SELECT coalesce(max(history_id), 0) FROM tier_history) + row_number() OVER (ORDER BY entity_kind, entity_code)
           AS history_id, *, $today AS effective_on, $load_id AS load_id, now()::TIMESTAMP AS recorded_at
FROM (SELECT * FROM organ_changes UNION ALL SELECT * FROM vendor_changes);
