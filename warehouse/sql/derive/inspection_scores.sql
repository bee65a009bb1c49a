-- Inspection score and grade from checklist items (contract §3), for the inspections whose own
-- row or whose items this load wrote. 符合 earns the item's full weight, 部分符合 half, 不符合 none;
-- 不适用 items are left out and the rest rescaled to 100. A failed veto item means 不合格.
CREATE OR REPLACE TEMP TABLE touched AS
SELECT inspection_code FROM inspections
WHERE batch_id IN (SELECT batch_id FROM load_batches WHERE load_id = $load_id)
UNION
SELECT inspection_code FROM inspection_items
WHERE batch_id IN (SELECT batch_id FROM load_batches WHERE load_id = $load_id);

CREATE OR REPLACE TEMP TABLE item_scores AS
SELECT t.inspection_code,
       count(c.item_code)::INTEGER AS items_count,
       round(100 * sum(c.weight * CASE i.result WHEN '符合' THEN 1.0 WHEN '部分符合' THEN 0.5 ELSE 0.0 END)
                       FILTER (WHERE i.result <> '不适用')
                 / nullif(sum(c.weight) FILTER (WHERE i.result <> '不适用'), 0), 2) AS items_score,
       coalesce(bool_or(c.veto AND i.result = '不符合'), false) AS veto_failed
FROM touched t
LEFT JOIN inspection_items i USING (inspection_code)
LEFT JOIN checklist_items c ON c.item_code = i.item_code AND c.checklist_version = $version
GROUP BY t.inspection_code;

UPDATE inspections SET
    items_count = s.items_count,
    veto_failed = s.veto_failed,
    checklist_version = CASE WHEN s.items_count > 0 THEN $version END,
    score = CASE WHEN s.items_count > 0 AND s.items_score IS NOT NULL THEN s.items_score
                 ELSE inspections.score_reported END
FROM item_scores s
WHERE inspections.inspection_code = s.inspection_code;

UPDATE inspections SET grade = CASE
        WHEN veto_failed THEN '不合格'
        WHEN (items_count = 0 OR score IS NULL) AND grade_reported IS NOT NULL THEN grade_reported
        WHEN score >= $excellent THEN '优秀'
        WHEN score >= $good THEN '良好'
        WHEN score >= $pass THEN '合格'
        WHEN score IS NOT NULL THEN '不合格'
    END
WHERE inspection_code IN (SELECT inspection_code FROM touched);

-- Warnings where the submitted score or grade disagrees with the items (re-derived each time).
DELETE FROM row_issues
WHERE rule IN ('W_SCORE_MISMATCH', 'W_GRADE_MISMATCH')
  AND (batch_id, source_row) IN (SELECT batch_id, source_row FROM inspections JOIN touched USING (inspection_code));

INSERT INTO row_issues (batch_id, source_file, sheet, source_row, kind, column_name, column_zh, value, rule,
                        severity, message, row_values, loaded_at)
SELECT i.batch_id, i.source_file, b.sheet, i.source_row, 'inspections', w.column_name, w.column_zh, w.value, w.rule,
       'warning', replace(replace(w.template, '{value}', w.value), '{detail}', w.detail), NULL, now()
FROM inspections i
JOIN touched USING (inspection_code)
JOIN load_batches b USING (batch_id)
CROSS JOIN LATERAL (
    SELECT 'score' AS column_name, '得分' AS column_zh, CAST(i.score_reported AS VARCHAR) AS value,
           'W_SCORE_MISMATCH' AS rule, $score_template AS template, CAST(i.score AS VARCHAR) AS detail
    WHERE i.score_reported IS NOT NULL AND abs(i.score_reported - i.score) > 0.5
    UNION ALL
    SELECT 'grade', '检查结论', i.grade_reported, 'W_GRADE_MISMATCH', $grade_template, i.grade
    WHERE i.grade_reported IS NOT NULL AND i.grade_reported <> i.grade
) w
WHERE i.items_count > 0;

DROP TABLE touched;
DROP TABLE item_scores
