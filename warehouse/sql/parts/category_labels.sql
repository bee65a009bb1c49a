-- parts/category_labels — failing categories' answer from its per-category sums (the CTE
-- `per_category` of the including file): each category with its Chinese and English names and the
-- share of its assessing inspections with a failed item (the final query of
-- queries/failing_categories.sql and queries/failing_categories_cube.sql).
SELECT p.*, c.category_zh, c.category_en,
       round(p.inspections_with_failure / nullif(p.inspections_assessed, 0), 4) AS share_with_failure
FROM per_category p
LEFT JOIN (SELECT category_code, any_value(category_zh) AS category_zh, any_value(category_en) AS category_en
           FROM checklist_items GROUP BY category_code) c USING (category_code)
