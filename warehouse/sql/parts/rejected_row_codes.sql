-- parts/rejected_row_codes — the rows rejected (an error on a row) of the kinds submission
-- completeness counts against an organ (projects, evaluations, incidents), once for each
-- 18-character code their original text names (a query, included by marts/01_scope.sql, which puts
-- the organs named by a load's rejected rows in scope, and marts/18_submissions.sql, which counts them).
SELECT DISTINCT ri.batch_id, ri.source_row, t.code
FROM row_issues ri,
     unnest(regexp_extract_all(upper(coalesce(ri.row_values, '')), '[0-9A-Z]{18}')) AS t(code)
WHERE ri.severity = 'error' AND ri.source_row IS NOT NULL
  AND ri.kind IN ('projects', 'evaluations', 'incidents')
