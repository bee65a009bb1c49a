-- tier_history — the append-only record of tier changes of organs or vendors, newest first.
-- reason_en: the reason in English (rows recorded before migration 0008 have none: their Chinese one).
-- Grain: one row per change.
SELECT history_id, entity_kind, entity_code, tier, previous_tier, score, previous_score, components, rules,
       reason_zh, coalesce(reason_en, reason_zh) AS reason_en, effective_on, load_id, recorded_at
FROM tier_history
WHERE entity_kind = $entity_kind AND ($entity_code IS NULL OR entity_code = $entity_code)
ORDER BY effective_on DESC, history_id DESC
