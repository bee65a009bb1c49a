-- vendor_risk_evidence — the evidence rows behind one vendor's score (or one component of it).
-- Grain: one row per piece of evidence. Source: mart_vendor_risk_evidence. detail_en: the text in
-- English, the Chinese one until a refresh has composed it (migrations/0008_reasons_en.sql).
SELECT vendor_code, component, evidence_kind, evidence_code, evidence_on, organ_code, project_code,
       factor, raw_points, detail_zh, coalesce(detail_en, detail_zh) AS detail_en
FROM mart_vendor_risk_evidence
WHERE vendor_code = $vendor AND ($component IS NULL OR component = $component)
ORDER BY CASE component WHEN 'inspections' THEN 1 WHEN 'evaluations' THEN 2 WHEN 'incidents' THEN 3
                        WHEN 'qualifications' THEN 4 WHEN 'flags' THEN 5 WHEN 'rectifications' THEN 6 ELSE 7 END,
         raw_points DESC, evidence_on DESC NULLS LAST, evidence_code
