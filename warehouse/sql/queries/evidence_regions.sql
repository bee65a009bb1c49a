-- evidence_regions — the region of the organ behind each code a vendor's reasons cite ($codes), so
-- that codes of organs outside a user's scope (or an export's region) can be masked
-- (queries.mask_out_of_region). A code is an incident, an inspection, a rectification
-- (inspection/item), an organ or organ/… (a flag's project, an evaluation), a flag's entity key, or
-- a project of one of $vendors. A code of no organ (a certificate, a vendor, a date) is not listed.
-- Grain: one row per code and region (a project code two organs share has two).
WITH codes AS (
    SELECT DISTINCT unnest($codes::VARCHAR[]) AS code
),
owners AS (
    SELECT c.code, i.organ_code FROM codes c JOIN incidents i ON i.incident_code = c.code
    UNION ALL
    SELECT c.code, i.organ_code FROM codes c JOIN inspections i ON i.inspection_code = split_part(c.code, '/', 1)
    UNION ALL
    SELECT c.code, o.organ_code FROM codes c JOIN organs o ON o.organ_code = split_part(c.code, '/', 1)
    UNION ALL
    SELECT c.code, f.organ_code FROM codes c JOIN flags f ON f.entity_key = c.code
    UNION ALL
    SELECT c.code, p.organ_code FROM codes c
    JOIN (SELECT project_code, organ_code FROM projects WHERE vendor_code IN (SELECT unnest($vendors::VARCHAR[]))) p
      ON p.project_code = c.code
)
SELECT DISTINCT w.code, o.region_code
FROM owners w
JOIN organs o USING (organ_code)
