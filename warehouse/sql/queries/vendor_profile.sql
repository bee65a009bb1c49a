-- vendor_profile — one vendor's registry fields (current version) with the name of its region.
-- Grain: one row (none when the vendor is not loaded).
SELECT v.vendor_code, v.vendor_name, v.region_code, r.region_name, v.established_on,
       v.registered_capital_wan, v.foreign_investment, v.filing_no, v.filing_expires_on
FROM vendors v
LEFT JOIN regions r ON r.region_code = v.region_code
WHERE v.vendor_code = $vendor
ORDER BY v.loaded_at DESC
LIMIT 1
