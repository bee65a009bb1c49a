-- vendor_risk — vendors ranked by risk score, highest first (queries/vendor_risk_rows.sql: the seven
-- components, the tier and when it last changed, with its filters). Grain: one row per vendor.
SELECT *
FROM ({{ queries/vendor_risk_rows.sql }})
ORDER BY rank
LIMIT $limit
