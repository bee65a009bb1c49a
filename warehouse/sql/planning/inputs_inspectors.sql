-- inputs_inspectors — the inspector registry as loaded (current versions). Expertise and recusal
-- lists stay '、'-joined here; warehouse/planning.py splits them.
-- Grain: one row per inspector.
SELECT inspector_id, inspector_name, region_code, expertise, recusal_organ_codes, active
FROM inspectors
ORDER BY inspector_id
