-- _inspection_dims (TEMP) — the inspections this refresh rebuilds, with the dimensions every
-- inspection-grained mart carries: when (quarter, year), where (the organ's region), what (the
-- project's service type) and who (the vendor: the inspection's own, else its project's), and the
-- integer keys of the detail marts (md5_number_lower of the codes).
-- Grain: one row per inspection in _touched. `items_touched` says whether its checklist items are
-- re-aggregated too (they were written by this load) or only its dimensions are refreshed.
-- Then _touched_before: those of them the marts already had, with their organ, vendor and date then
-- (an inspection in none is new: 06_repeat_findings.sql; the date finds its rows in the marts stored
-- by date: 02_cube_baseline.sql); and _touched_organs and _touched_vendors: the
-- organs and vendors of those inspections, as the marts have them (before anything is rebuilt) and
-- as they are now — the sequences to renumber, and part of the entities in scope (01_scope.sql).
CREATE OR REPLACE TEMP TABLE _inspection_dims AS
WITH inspection AS (
    SELECT i.* FROM inspections i WHERE i.inspection_code IN (SELECT inspection_code FROM _touched)
),
dims AS (
    SELECT i.inspection_code,
           i.inspected_on,
           i.organ_code,
           o.region_code,
           i.project_code,
           coalesce(i.vendor_code, p.vendor_code) AS vendor_code,
           p.service_type,
           i.inspection_kind,
           i.score,
           i.grade,
           i.veto_failed,
           i.items_count,
           i.rectification_due_on
    FROM inspection i
    -- the inspections' organs only (not every organ in a hash table)
    LEFT JOIN organs o USING (organ_code)
    LEFT JOIN projects p ON p.organ_code = i.organ_code AND p.project_code = i.project_code
)
SELECT *,
       md5_number_lower(inspection_code) AS inspection_key,
       md5_number_lower(organ_code) AS organ_key,
       md5_number_lower(vendor_code) AS vendor_key,
       year(inspected_on)::INTEGER AS year,
       year(inspected_on) || '-Q' || quarter(inspected_on) AS quarter,
       date_trunc('year', inspected_on)::DATE AS year_start,
       date_trunc('quarter', inspected_on)::DATE AS quarter_start,
       inspection_code IN (SELECT inspection_code FROM _touched_items) AS items_touched
FROM dims;

-- An inspection this load wrote for the first time (its row is of this load, and no version of it
-- went to the history in this load) is in no mart: only the others are looked for (a bulk load of
-- new inspections then searches nothing). Rows are never deleted, only replaced through the history.
CREATE OR REPLACE TEMP TABLE _touched_before AS
SELECT inspection_code, inspection_key, inspected_on, organ_code, vendor_code FROM mart_inspections
WHERE inspection_key IN (
    SELECT md5_number_lower(inspection_code) FROM _touched
    WHERE inspection_code NOT IN (SELECT inspection_code FROM inspections WHERE batch_id BETWEEN $lo AND $hi
                                  EXCEPT
                                  SELECT inspection_code FROM inspections_history
                                  WHERE replaced_by_batch BETWEEN $lo AND $hi));

INSERT INTO _touched_organs
SELECT organ_code, md5_number_lower(organ_code) FROM (SELECT organ_code FROM _touched_before
                                                      UNION SELECT organ_code FROM _inspection_dims);

INSERT INTO _touched_vendors
SELECT vendor_code, md5_number_lower(vendor_code)
FROM (SELECT vendor_code FROM _touched_before WHERE vendor_code IS NOT NULL
      UNION SELECT vendor_code FROM _inspection_dims WHERE vendor_code IS NOT NULL);
