-- vendor_tier_counts — the vendors of queries/vendor_risk_rows.sql (the same filters) counted per tier.
-- Grain: one row per tier with a vendor.
SELECT tier, count(*) AS vendors
FROM ({{ queries/vendor_risk_rows.sql }})
GROUP BY tier
ORDER BY tier
