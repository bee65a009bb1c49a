-- parts/item_exception_rows — the rows of mart_item_exceptions for the inspections whose items this
-- refresh re-aggregates (_inspection_dims.items_touched): their results other than 符合, read from
-- _items (filtered on the result before anything else), with the item's category, weight and veto
-- flag and the inspection's dimensions. Included by marts/03_item_exceptions.sql.
WITH exceptions AS (
    SELECT inspection_code, item_code, result FROM _items WHERE result <> '符合'
)
SELECT d.inspection_key,
       it.item_code,
       c.category_code,
       it.result,
       c.weight,
       c.veto,
       d.inspected_on, d.region_code, d.organ_key, d.vendor_key, d.service_type
FROM exceptions it
JOIN _inspection_dims d USING (inspection_code)
JOIN checklist_items c ON c.item_code = it.item_code AND c.checklist_version = $checklist_version
WHERE d.items_touched
