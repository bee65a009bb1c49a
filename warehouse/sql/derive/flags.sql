-- Compliance flags of contract §3, recomputed from the current rows at every load, each with its
-- evidence. A flag that was already raised keeps the time and load it was first raised.
CREATE OR REPLACE TEMP TABLE new_flags AS
WITH valid_secrecy AS (
    SELECT vendor_code, issued_on, expires_on FROM qualifications
    WHERE qualification_type = '国家秘密载体印制资质' AND status = '有效'
),
active_projects AS (
    SELECT * FROM projects WHERE start_on <= $today AND (actual_end_on IS NULL OR actual_end_on >= $today)
),
qualification_state AS (
    SELECT vendor_code, count(*) AS held,
           count(*) FILTER (WHERE status = '有效' AND expires_on >= $today) AS valid,
           max(expires_on) AS last_expiry
    FROM qualifications GROUP BY vendor_code
)
SELECT 'OUT_OF_SCOPE_SERVICE' AS code, 'project' AS entity_kind, organ_code || '/' || project_code AS entity_key,
       organ_code, vendor_code, project_code, NULL AS inspection_code, NULL AS incident_code,
       json_object('service_type_text', service_type_text) AS evidence
FROM projects WHERE service_type = '超范围'
UNION ALL
SELECT 'VENDOR_NOT_ENTERPRISE', 'vendor', vendor_code, NULL, vendor_code, NULL, NULL, NULL,
       json_object('vendor_code', vendor_code, 'vendor_name', vendor_name)
FROM vendors WHERE vendor_code NOT LIKE '91%'
UNION ALL
SELECT 'CLASSIFIED_WITHOUT_QUALIFICATION', 'project', p.organ_code || '/' || p.project_code, p.organ_code,
       p.vendor_code, p.project_code, NULL, NULL, json_object('start_on', p.start_on, 'required', '国家秘密载体印制资质')
FROM projects p
WHERE p.involves_classified AND NOT EXISTS (
    SELECT 1 FROM valid_secrecy q WHERE q.vendor_code = p.vendor_code AND p.start_on BETWEEN q.issued_on AND q.expires_on)
UNION ALL
SELECT 'QUALIFICATION_EXPIRED', 'project', p.organ_code || '/' || p.project_code, p.organ_code, p.vendor_code,
       p.project_code, NULL, NULL,
       json_object('qualifications_held', q.held, 'last_expiry', q.last_expiry, 'as_of', $today)
FROM active_projects p JOIN qualification_state q USING (vendor_code)
WHERE q.held > 0 AND q.valid = 0
UNION ALL
SELECT 'NO_CONFIDENTIALITY_AGREEMENT', 'project', organ_code || '/' || project_code, organ_code, vendor_code,
       project_code, NULL, NULL, json_object('confidentiality_agreement', confidentiality_agreement)
FROM projects WHERE NOT confidentiality_agreement
UNION ALL
SELECT 'CLASSIFIED_OFFSITE', 'project', organ_code || '/' || project_code, organ_code, vendor_code, project_code,
       NULL, NULL, json_object('work_site', work_site)
FROM projects WHERE involves_classified AND work_site = '服务机构场所'
UNION ALL
-- An inspection's or incident's vendor is the one it names, else its project's (as the marts count
-- them): a flag on a row that names only the project still counts against that project's vendor.
SELECT 'SINGLE_INSPECTOR', 'inspection', i.inspection_code, i.organ_code, coalesce(i.vendor_code, p.vendor_code),
       i.project_code, i.inspection_code, NULL,
       json_object('inspectors', i.inspectors, 'inspector_count', i.inspector_count)
FROM (SELECT * FROM inspections WHERE inspector_count < 2) i
LEFT JOIN projects p ON p.organ_code = i.organ_code AND p.project_code = i.project_code
UNION ALL
SELECT 'LATE_INCIDENT_REPORT', 'incident', i.incident_code, i.organ_code, coalesce(i.vendor_code, p.vendor_code),
       i.project_code, NULL, i.incident_code,
       json_object('severity', i.severity, 'report_delay_hours', i.report_delay_hours,
                   'limit_hours', CASE WHEN i.severity = '一般' THEN 168 ELSE 24 END)
FROM (SELECT * FROM incidents
      WHERE report_delay_hours > CASE WHEN severity = '一般' THEN 168 ELSE 24 END) i
LEFT JOIN projects p ON p.organ_code = i.organ_code AND p.project_code = i.project_code;

CREATE OR REPLACE TEMP TABLE kept_flags AS
SELECT n.*, coalesce(f.raised_at, now()) AS raised_at, coalesce(f.load_id, $load_id) AS load_id
FROM new_flags n LEFT JOIN flags f USING (code, entity_kind, entity_key);

DELETE FROM flags;

INSERT INTO flags BY NAME SELECT * FROM kept_flags;

DROP TABLE new_flags;
DROP TABLE kept_flags
