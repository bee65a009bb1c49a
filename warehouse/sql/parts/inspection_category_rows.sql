-- parts/inspection_category_rows — the rows of mart_inspection_categories for the inspections whose
-- items this refresh re-aggregates (_inspection_dims.items_touched): computed from an inspection's
-- exceptions and the checklist's weights when it recorded the whole checklist (everything not
-- excepted is 符合), from its items (_partial_items) otherwise. Included by
-- marts/04_inspection_categories.sql.
WITH checklist AS (
    SELECT category_code, count(*)::INTEGER AS items, sum(weight) AS weight
    FROM checklist_items WHERE checklist_version = $checklist_version
    GROUP BY category_code
),
complete AS (
    SELECT d.*, c.category_code, c.items AS category_items, c.weight AS category_weight
    FROM _inspection_dims d CROSS JOIN checklist c
    WHERE d.items_touched AND d.items_count = $checklist_size
),
excepted AS (
    SELECT inspection_key, category_code,
           count(*) FILTER (WHERE result = '部分符合')::INTEGER AS n_partial,
           count(*) FILTER (WHERE result = '不符合')::INTEGER AS n_fail,
           count(*) FILTER (WHERE result = '不适用')::INTEGER AS n_na,
           coalesce(sum(weight) FILTER (WHERE result = '部分符合'), 0) AS w_partial,
           coalesce(sum(weight) FILTER (WHERE result = '不符合'), 0) AS w_fail,
           coalesce(sum(weight) FILTER (WHERE result = '不适用'), 0) AS w_na,
           coalesce(bool_or(veto AND result = '不符合'), false) AS veto_failed
    -- the exceptions just written (set aside by marts/03_item_exceptions.sql; the mart's in a full refresh)
    FROM (SELECT * FROM _exception_rows_new
          UNION ALL BY NAME
          SELECT * FROM mart_item_exceptions WHERE $full)
    WHERE inspection_key IN (SELECT inspection_key FROM _inspection_dims WHERE items_touched)
    GROUP BY inspection_key, category_code
),
from_exceptions AS (
    SELECT c.inspection_key, c.category_code, c.category_items AS items,
           c.category_items - coalesce(e.n_partial, 0) - coalesce(e.n_fail, 0) - coalesce(e.n_na, 0) AS n_conform,
           coalesce(e.n_partial, 0) AS n_partial, coalesce(e.n_fail, 0) AS n_fail, coalesce(e.n_na, 0) AS n_na,
           c.category_weight - coalesce(e.w_na, 0) - coalesce(e.w_fail, 0) - 0.5 * coalesce(e.w_partial, 0) AS earned,
           c.category_weight - coalesce(e.w_na, 0) AS possible,
           coalesce(e.veto_failed, false) AS veto_failed,
           c.inspected_on, c.region_code, c.organ_key, c.vendor_key, c.service_type
    FROM complete c
    LEFT JOIN excepted e USING (inspection_key, category_code)
),
from_items AS (
    SELECT d.inspection_key, c.category_code,
           count(*)::INTEGER AS items,
           count(*) FILTER (WHERE it.result = '符合')::INTEGER AS n_conform,
           count(*) FILTER (WHERE it.result = '部分符合')::INTEGER AS n_partial,
           count(*) FILTER (WHERE it.result = '不符合')::INTEGER AS n_fail,
           count(*) FILTER (WHERE it.result = '不适用')::INTEGER AS n_na,
           coalesce(sum(c.weight * CASE it.result WHEN '符合' THEN 1.0 WHEN '部分符合' THEN 0.5 ELSE 0.0 END)
                        FILTER (WHERE it.result <> '不适用'), 0) AS earned,
           coalesce(sum(c.weight) FILTER (WHERE it.result <> '不适用'), 0) AS possible,
           coalesce(bool_or(c.veto AND it.result = '不符合'), false) AS veto_failed,
           any_value(d.inspected_on) AS inspected_on, any_value(d.region_code) AS region_code,
           any_value(d.organ_key) AS organ_key, any_value(d.vendor_key) AS vendor_key,
           any_value(d.service_type) AS service_type
    FROM _partial_items it
    JOIN _inspection_dims d USING (inspection_code)
    JOIN checklist_items c ON c.item_code = it.item_code AND c.checklist_version = $checklist_version
    GROUP BY d.inspection_key, c.category_code
),
categories AS (
    SELECT * FROM from_exceptions
    UNION ALL
    SELECT * FROM from_items
)
SELECT *, round(100 * earned / nullif(possible, 0), 2) AS category_score
FROM categories
