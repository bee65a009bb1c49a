-- vendor_qualifications — one vendor's qualification certificates (current versions), with the
-- status in effect on $today ('过期' once expires_on has passed, else the status as submitted) and
-- the days from $today to expiry (negative when expired). Grain: one row per certificate.
-- Ordered by expiry, then type.
SELECT q.qualification_type, q.grade, q.certificate_no, q.issuer, q.issued_on, q.expires_on, q.status,
       CASE WHEN q.expires_on < $today THEN '过期' ELSE q.status END AS effective_status,
       (q.expires_on - $today)::INTEGER AS days_to_expiry
FROM qualifications q
WHERE q.vendor_code = $vendor
ORDER BY q.expires_on, q.qualification_type, q.certificate_no
