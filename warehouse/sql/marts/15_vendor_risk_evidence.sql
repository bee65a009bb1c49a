-- mart_vendor_risk_evidence — the rows behind each vendor's risk score (docs/risk-method.md), one
-- per piece of evidence, with the points it contributes (raw_points) before the component's cap:
--   inspections     the last inspections (recency weights, e.g. 3:2:1 = ½, ⅓, ⅙) on the vendor's
--                   projects within the lookback: max × weight/Σweights × grade share; none at all:
--                   one row worth max × no_inspection_share
--   evaluations     organs' evaluations whose period ended in the last N months (or is running):
--                   max × (good − overall)/(good − bad) / n — sums to the mean's position on the scale
--   incidents       each incident in the window: severity points × 0.5^(age in days / half-life)
--   qualifications  suspended/revoked certificates, types whose certificates all expired, latest valid
--                   certificate expiring soon, active classified projects without a valid
--                   国家秘密载体印制资质, no certificate registered at all (with active projects)
--   flags           compliance flags on the vendor (points per code; qualification flags excluded)
--   rectifications  rectifications past due and not closed (more when past the escalation limit)
--   exposure        organs and active projects served, share of the active volume (concentration)
-- Each row's text in Chinese (detail_zh) and in English (detail_en), composed side by side: the
-- values they name (grades, severities, qualification types and statuses, volume units) in English
-- from cfg_labels rows of kind 'value' (schemas/values_en.py), a flag's label from its 'flag' row;
-- codes and numbers as they are; dates in ISO form in English, as 2025年3月1日 in Chinese
-- (parts/date_zh.sql).
-- Grain: one row per vendor, component and piece of evidence.
-- Refresh: every component of the vendors whose facts changed (_fact_vendors), and the exposure of
-- the vendors in scope (_scope_vendors: every vendor when projects were written, as the shares of
-- the active volume change for everyone; all when the date or configuration changed).
DELETE FROM mart_vendor_risk_evidence WHERE vendor_code IN (SELECT vendor_code FROM _fact_vendors);

DELETE FROM mart_vendor_risk_evidence
WHERE component = 'exposure' AND vendor_code IN (SELECT vendor_code FROM _scope_vendors);

INSERT INTO mart_vendor_risk_evidence BY NAME
WITH active_projects AS (
    -- of the vendors in scope (_fact_vendors is part of _scope_vendors)
    SELECT * FROM projects
    WHERE start_on <= $today AND (actual_end_on IS NULL OR actual_end_on >= $today)
      AND vendor_code IN (SELECT vendor_code FROM _scope_vendors)
),
ranked AS (
    SELECT vendor_code, inspection_code, inspected_on, grade, score, organ_code, project_code,
           row_number() OVER (PARTITION BY vendor_code ORDER BY inspected_on DESC, inspection_code DESC) AS rn
    FROM mart_inspections
    WHERE vendor_key IN (SELECT vendor_key FROM _fact_vendors) AND grade IS NOT NULL AND inspected_on <= $today
      AND inspected_on > ($today - to_months($insp_lookback_months))::DATE
),
weighted AS (
    SELECT r.*, w.value AS weight, sum(w.value) OVER (PARTITION BY r.vendor_code) AS weight_total,
           g.value AS grade_share
    FROM ranked r
    JOIN cfg_points w ON w.kind = 'recency_weight' AND w.key = r.rn::VARCHAR
    JOIN cfg_points g ON g.kind = 'grade_share' AND g.key = r.grade
),
inspection_rows AS (
    SELECT vendor_code, 'inspections' AS component, 'inspection' AS evidence_kind, inspection_code AS evidence_code,
           inspected_on AS evidence_on, organ_code, project_code, weight / weight_total AS factor,
           $max_inspections * weight / weight_total * grade_share AS raw_points,
           printf('检查%s（%s）结论%s，权重%g/%g，计%.2f分', inspection_code, {{ parts/date_zh.sql | day: inspected_on }}, grade,
                  weight, weight_total, $max_inspections * weight / weight_total * grade_share) AS detail_zh,
           printf('Inspection %s (%s) graded %s, weight %g/%g: %.2f points', inspection_code,
                  inspected_on::VARCHAR, coalesce(g.label_en, grade), weight, weight_total,
                  $max_inspections * weight / weight_total * grade_share) AS detail_en
    FROM weighted
    LEFT JOIN cfg_labels g ON g.kind = 'value' AND g.key = grade
    UNION ALL
    SELECT v.vendor_code, 'inspections', 'no_inspection', NULL, NULL, NULL, NULL, $no_inspection_share,
           $max_inspections * $no_inspection_share,
           printf('近%d个月所承接项目无检查结论，按未知风险计%.2f分', $insp_lookback_months,
                  $max_inspections * $no_inspection_share),
           printf('No graded inspection of its projects in the last %d months: counted as unknown risk, %.2f points',
                  $insp_lookback_months, $max_inspections * $no_inspection_share)
    FROM vendors v
    WHERE v.vendor_code IN (SELECT vendor_code FROM _fact_vendors)
      AND NOT EXISTS (SELECT 1 FROM ranked r WHERE r.vendor_code = v.vendor_code)
),
evaluation_periods AS (
    SELECT e.*,
           CASE WHEN e.period LIKE '%Q%'
                THEN make_date(split_part(e.period, '-', 1)::INTEGER,
                               (split_part(e.period, 'Q', 2)::INTEGER - 1) * 3 + 1, 1)
                ELSE make_date(e.period::INTEGER, 1, 1) END AS period_start,
           CASE WHEN e.period LIKE '%Q%' THEN 3 ELSE 12 END AS period_months
    FROM evaluations e
    WHERE e.vendor_code IN (SELECT vendor_code FROM _fact_vendors)
),
recent_evaluations AS (
    SELECT *, (period_start + to_months(period_months) - INTERVAL 1 DAY)::DATE AS period_end,
           count(*) OVER (PARTITION BY vendor_code) AS n
    FROM evaluation_periods
    WHERE (period_start + to_months(period_months) - INTERVAL 1 DAY)::DATE > ($today - to_months($eval_months))::DATE
      AND period_start <= $today
),
evaluation_rows AS (
    SELECT vendor_code, 'evaluations', 'evaluation',
           organ_code || '/' || period || coalesce('/' || project_code, ''), period_end, organ_code, project_code,
           1.0 / n,
           $max_evaluations * ($eval_good - overall) / ($eval_good - $eval_bad) / n,
           printf('%s对%s期间的评价综合得分%.1f（共%d条，取均值）', organ_code, period, overall, n),
           printf('Evaluation by %s for %s: overall score %.1f (averaged over %d)', organ_code, period, overall, n)
    FROM recent_evaluations
),
incident_rows AS (
    SELECT i.vendor_code, 'incidents', 'incident', i.incident_code,
           i.occurred_at::DATE, i.organ_code, i.project_code,
           pow(0.5, ($today - i.occurred_at::DATE) / $inc_half_life_days) AS factor,
           s.value * pow(0.5, ($today - i.occurred_at::DATE) / $inc_half_life_days),
           printf('%s事件%s（%s发生，%d天前）：%g分×衰减%.4f', i.severity, i.incident_code,
                  {{ parts/date_zh.sql | day: i.occurred_at::DATE }}, ($today - i.occurred_at::DATE)::INTEGER, s.value,
                  pow(0.5, ($today - i.occurred_at::DATE) / $inc_half_life_days)),
           printf('%s incident %s (occurred %s, %d days ago): %g points × decay %.4f',
                  coalesce(l.label_en, i.severity), i.incident_code, i.occurred_at::DATE::VARCHAR,
                  ($today - i.occurred_at::DATE)::INTEGER, s.value,
                  pow(0.5, ($today - i.occurred_at::DATE) / $inc_half_life_days))
    FROM mart_incidents i
    JOIN cfg_points s ON s.kind = 'severity_points' AND s.key = i.severity
    LEFT JOIN cfg_labels l ON l.kind = 'value' AND l.key = i.severity
    WHERE i.vendor_code IN (SELECT vendor_code FROM _fact_vendors)
      AND i.occurred_at::DATE <= $today
      AND i.occurred_at::DATE > ($today - to_months($inc_window_months))::DATE
),
-- Every part below reads the rows of the vendors it is for only (a filter on the union of the
-- parts would not reach their scans); the exposure's shares read the volume of every active project.
fact_qualifications AS (
    -- with the type and status in English
    SELECT q.*, coalesce(t.label_en, q.qualification_type) AS type_en, coalesce(s.label_en, q.status) AS status_en
    FROM (SELECT * FROM qualifications WHERE vendor_code IN (SELECT vendor_code FROM _fact_vendors)) q
    LEFT JOIN cfg_labels t ON t.kind = 'value' AND t.key = q.qualification_type
    LEFT JOIN cfg_labels s ON s.kind = 'value' AND s.key = q.status
),
valid_now AS (
    SELECT * FROM fact_qualifications WHERE status = '有效' AND issued_on <= $today AND expires_on >= $today
),
latest_valid AS (
    SELECT vendor_code, qualification_type, any_value(type_en) AS type_en,
           arg_max(certificate_no, expires_on) AS certificate_no, max(expires_on) AS expires_on
    FROM valid_now GROUP BY vendor_code, qualification_type
),
qualification_rows AS (
    SELECT vendor_code, 'qualifications', 'suspended', certificate_no, issued_on, NULL, NULL, NULL,
           $qual_suspended,
           printf('%s（%s）状态为%s', qualification_type, certificate_no, status),
           printf('%s (%s) is %s', type_en, certificate_no, lower(status_en))
    FROM fact_qualifications
    WHERE status IN ('暂停', '撤销') AND issued_on <= $today AND expires_on >= $today
    UNION ALL
    SELECT q.vendor_code, 'qualifications', 'expired', arg_max(q.certificate_no, q.expires_on), max(q.expires_on),
           NULL, NULL, NULL, $qual_expired,
           printf('%s已于%s到期，无有效证书', q.qualification_type, {{ parts/date_zh.sql | day: max(q.expires_on) }}),
           printf('%s expired on %s; no valid certificate', any_value(q.type_en), max(q.expires_on)::VARCHAR)
    FROM fact_qualifications q
    WHERE q.issued_on <= $today
      AND NOT EXISTS (SELECT 1 FROM valid_now v WHERE v.vendor_code = q.vendor_code
                                                  AND v.qualification_type = q.qualification_type)
    GROUP BY q.vendor_code, q.qualification_type
    HAVING max(q.expires_on) < $today
    UNION ALL
    SELECT vendor_code, 'qualifications', 'expiring', certificate_no, expires_on, NULL, NULL, NULL, $qual_expiring,
           printf('%s（%s）将于%s到期（%d天内）', qualification_type, certificate_no, {{ parts/date_zh.sql | day: expires_on }},
                  (expires_on - $today)::INTEGER),
           printf('%s (%s) expires on %s (within %d days)', type_en, certificate_no, expires_on::VARCHAR,
                  (expires_on - $today)::INTEGER)
    FROM latest_valid
    WHERE expires_on <= $today + $qual_expiring_days
    UNION ALL
    SELECT p.vendor_code, 'qualifications', 'classified_without_secrecy', p.organ_code || '/' || p.project_code,
           p.start_on, p.organ_code, p.project_code, NULL, $qual_classified,
           printf('涉密项目%s（%s开始）：%s', p.project_code, {{ parts/date_zh.sql | day: p.start_on }},
                  CASE WHEN s.vendor_code IS NULL THEN '服务机构当前无有效国家秘密载体印制资质'
                       ELSE '项目开始时服务机构无有效国家秘密载体印制资质' END),
           printf('Classified project %s (started %s): %s', p.project_code, p.start_on::VARCHAR,
                  CASE WHEN s.vendor_code IS NULL THEN 'the vendor holds no valid '
                       ELSE 'the vendor held no valid ' END
                  || lower(coalesce(l.label_en, '国家秘密载体印制资质'))
                  || CASE WHEN s.vendor_code IS NULL THEN '' ELSE ' when the project started' END)
    FROM active_projects p
    LEFT JOIN cfg_labels l ON l.kind = 'value' AND l.key = '国家秘密载体印制资质'
    LEFT JOIN (SELECT DISTINCT vendor_code FROM valid_now WHERE qualification_type = '国家秘密载体印制资质') s
           ON s.vendor_code = p.vendor_code
    WHERE p.involves_classified AND p.vendor_code IN (SELECT vendor_code FROM _fact_vendors)
      AND (s.vendor_code IS NULL
           OR EXISTS (SELECT 1 FROM flags f WHERE f.code = 'CLASSIFIED_WITHOUT_QUALIFICATION'
                                              AND f.organ_code = p.organ_code AND f.project_code = p.project_code))
    UNION ALL
    SELECT v.vendor_code, 'qualifications', 'none_registered', NULL, NULL, NULL, NULL, NULL, $qual_none,
           '未登记任何资质证书，但有在办项目', 'No qualification certificate registered, yet it has active projects'
    FROM vendors v
    WHERE v.vendor_code IN (SELECT vendor_code FROM _fact_vendors)
      AND v.vendor_code IN (SELECT vendor_code FROM active_projects)
      AND NOT EXISTS (SELECT 1 FROM fact_qualifications q WHERE q.vendor_code = v.vendor_code)
),
flag_rows AS (
    SELECT f.vendor_code, 'flags', f.code, f.entity_key, f.raised_at::DATE, f.organ_code, f.project_code, NULL,
           fp.value,
           printf('%s：%s', coalesce(l.label_zh, f.code), f.entity_key),
           printf('%s: %s', coalesce(l.label_en, f.code), f.entity_key)
    -- the vendors' flags first, then their projects (not every flag joined to every project)
    FROM (SELECT * FROM flags WHERE vendor_code IN (SELECT vendor_code FROM _fact_vendors)) f
    JOIN cfg_points fp ON fp.kind = 'flag_points' AND fp.key = f.code AND fp.value > 0
    LEFT JOIN cfg_labels l ON l.kind = 'flag' AND l.key = f.code
    LEFT JOIN projects p ON p.organ_code = f.organ_code AND p.project_code = f.project_code
    WHERE (f.project_code IS NULL OR p.actual_end_on IS NULL
           OR p.actual_end_on > ($today - to_months($flag_project_months))::DATE)
),
rectification_rows AS (
    SELECT vendor_code, 'rectifications',
           CASE WHEN $today - due_on > $escalation_days THEN 'escalated' ELSE 'overdue' END,
           inspection_code || '/' || item_code, due_on, organ_code, project_code, NULL,
           CASE WHEN $today - due_on > $escalation_days THEN $rect_escalated ELSE $rect_overdue END,
           printf('整改%s/%s应于%s完成，已逾期%d天', inspection_code, item_code, {{ parts/date_zh.sql | day: due_on }},
                  ($today - due_on)::INTEGER),
           printf('Rectification %s/%s was due %s; %d days overdue', inspection_code, item_code, due_on::VARCHAR,
                  ($today - due_on)::INTEGER)
    FROM mart_rectifications
    WHERE vendor_key IN (SELECT vendor_key FROM _fact_vendors) AND inspected_on <= $today AND due_on < $today
      AND (resolved_on IS NULL OR resolved_on > $today)
),
reach AS (
    SELECT vendor_code, count(DISTINCT organ_code) AS organs, count(*) AS projects
    FROM active_projects GROUP BY vendor_code
),
unit_volume AS (
    SELECT volume_unit, sum(volume) AS total_volume
    FROM projects
    WHERE {{ parts/in_active_volume.sql }}
    GROUP BY volume_unit
),
volume AS (
    SELECT p.vendor_code, p.volume_unit, sum(p.volume) AS vendor_volume, any_value(u.total_volume) AS total_volume
    FROM active_projects p JOIN unit_volume u USING (volume_unit)
    WHERE p.volume > 0
    GROUP BY p.vendor_code, p.volume_unit
),
top_share AS (
    SELECT vendor_code, arg_max(volume_unit, vendor_volume / total_volume) AS volume_unit,
           max(vendor_volume / total_volume) AS share
    FROM volume GROUP BY vendor_code
),
exposure_rows AS (
    SELECT vendor_code, 'exposure', 'organs', NULL, NULL::DATE, NULL, NULL, organs / $exp_organs_full,
           $exp_organs_points * least(1.0, organs / $exp_organs_full),
           printf('在办项目涉及%d个机关（满%g个计满分）', organs, $exp_organs_full),
           printf('Active projects at %d organ%s (full points at %g)', organs,
                  CASE WHEN organs = 1 THEN '' ELSE 's' END, $exp_organs_full)
    FROM reach
    UNION ALL
    SELECT vendor_code, 'exposure', 'projects', NULL, NULL::DATE, NULL, NULL, projects / $exp_projects_full,
           $exp_projects_points * least(1.0, projects / $exp_projects_full),
           printf('在办项目%d个（满%g个计满分）', projects, $exp_projects_full),
           printf('%d active project%s (full points at %g)', projects, CASE WHEN projects = 1 THEN '' ELSE 's' END,
                  $exp_projects_full)
    FROM reach
    UNION ALL
    SELECT vendor_code, 'exposure', 'volume_share', volume_unit, NULL::DATE, NULL, NULL, share,
           $exp_share_points * least(1.0, share / $exp_share_full),
           printf('占辖区在办工作量（%s）的%.1f%%（%.0f%%计满分）', volume_unit, 100 * share, 100 * $exp_share_full),
           printf('%.1f%% of the active volume in the jurisdiction, in %s (full points at %.0f%%)', 100 * share,
                  coalesce(l.label_en, volume_unit), 100 * $exp_share_full)
    FROM top_share
    LEFT JOIN cfg_labels l ON l.kind = 'value' AND l.key = volume_unit
)
SELECT * FROM (
    SELECT * FROM inspection_rows
    UNION ALL SELECT * FROM evaluation_rows
    UNION ALL SELECT * FROM incident_rows
    UNION ALL SELECT * FROM qualification_rows
    UNION ALL SELECT * FROM flag_rows
    UNION ALL SELECT * FROM rectification_rows
)
WHERE vendor_code IN (SELECT vendor_code FROM _fact_vendors)
UNION ALL
SELECT * FROM exposure_rows WHERE vendor_code IN (SELECT vendor_code FROM _scope_vendors);
