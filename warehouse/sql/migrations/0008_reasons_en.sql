-- The generated reasons get their English text beside the Chinese one, composed by the same
-- statement (marts 11, 12, 14, 15, 16, 17; the planning draw): the pages show the column of their
-- language. Exports keep the Chinese columns.
--   mart_tier_rule_hits.reason_en, reason_text_en   the rule's English text (risk.toml reason_en), with its evidence
--   mart_organ_schedule.tier_reason_en, due_reason_en
--   mart_vendor_risk_evidence.detail_en             each piece of evidence of a vendor's risk score, the values it
--                                                    names in English (schemas/values_en.py)
--   mart_vendor_risk.floor_reason_en
--   tier_history.reason_en                           append-only: rows recorded before this migration keep NULL
--   plan_visits.reasons_en, plan_unstaffed.reason_en plans are never changed: plans drawn before keep NULL
-- The marts' new columns are NULL until the next refresh recomputes the organs and vendors: the
-- configuration's fingerprint changes with the English texts (warehouse/analytics_config.py), so
-- the first refresh after the upgrade recomputes every one of them. The pages show the Chinese
-- text where the English one is NULL.
ALTER TABLE mart_tier_rule_hits ADD COLUMN reason_en VARCHAR;
ALTER TABLE mart_tier_rule_hits ADD COLUMN reason_text_en VARCHAR;
ALTER TABLE mart_organ_schedule ADD COLUMN tier_reason_en VARCHAR;
ALTER TABLE mart_organ_schedule ADD COLUMN due_reason_en VARCHAR;
ALTER TABLE mart_vendor_risk_evidence ADD COLUMN detail_en VARCHAR;
ALTER TABLE mart_vendor_risk ADD COLUMN floor_reason_en VARCHAR;
ALTER TABLE tier_history ADD COLUMN reason_en VARCHAR;
ALTER TABLE plan_visits ADD COLUMN reasons_en VARCHAR;
ALTER TABLE plan_unstaffed ADD COLUMN reason_en VARCHAR;
