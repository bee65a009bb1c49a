-- mart_entity_facts — what the tier rules read about each organ and each vendor, as of the refresh
-- date ($today): its inspections (the latest five, newest first), incidents, open rectifications,
-- compliance flags, the latest valid qualification of each type of the vendors involved, and how
-- new those vendors are. For an organ "vendors involved" are the vendors of its active projects; for
-- a vendor, itself. Active project: start_on ≤ today and not finished before today (as the flags).
-- Grain: one row per organ and one per vendor (entity_kind, entity_code).
-- Refresh: the organs in _scope_organs and the vendors in _fact_vendors (all of them when the date
-- or the configuration changed; else those the load affected).
-- The marts are searched by the organs' and vendors' integer keys (migrations/0007_organ_keys.sql),
-- the projects in mart_projects (08_activity.sql has brought it up to date).
-- (two statements: each IN is then a semi-join the scan can use, which an OR of the two is not)
-- Lists are sorted after the aggregate (list_sort, on a struct whose first fields are the order)
-- rather than by an ordered aggregate, which sorts each group apart: about three times slower.
DELETE FROM mart_entity_facts WHERE entity_kind = 'organ' AND entity_code IN (SELECT organ_code FROM _scope_organs);

DELETE FROM mart_entity_facts WHERE entity_kind = 'vendor' AND entity_code IN (SELECT vendor_code FROM _fact_vendors);

INSERT INTO mart_entity_facts BY NAME
-- The CTEs read by an organ part and a vendor part are NOT MATERIALIZED: each part's scope
-- filter then reaches the scan (a semi-join), instead of both reading every row.
WITH active_projects AS NOT MATERIALIZED (
    SELECT * FROM mart_projects
    WHERE start_on <= $today AND (actual_end_on IS NULL OR actual_end_on >= $today)
),
severity AS (
    SELECT key AS severity, value::INTEGER AS severity_rank FROM cfg_points WHERE kind = 'severity_rank'
),
inspection_rows AS NOT MATERIALIZED (
    SELECT organ_code, vendor_code, organ_key, vendor_key, inspected_on,
           {'code': inspection_code, 'on': inspected_on, 'grade': grade, 'veto': veto_failed} AS inspection,
           (inspected_on, inspection_code) AS recency
    FROM mart_inspections
    WHERE inspected_on <= $today
),
organ_inspections AS (
    SELECT organ_code AS entity_code, count(*)::INTEGER AS inspections, arg_max(inspection, recency, 5) AS recent
    FROM inspection_rows WHERE organ_key IN (SELECT organ_key FROM _scope_organs)
    GROUP BY organ_code
),
vendor_inspections AS (
    SELECT vendor_code AS entity_code, count(*)::INTEGER AS inspections, arg_max(inspection, recency, 5) AS recent
    FROM inspection_rows WHERE vendor_key IN (SELECT vendor_key FROM _fact_vendors)
    GROUP BY vendor_code
),
incident_rows AS NOT MATERIALIZED (
    SELECT i.incident_code AS code, i.organ_code, i.vendor_code, i.severity, s.severity_rank,
           i.occurred_at::DATE AS occurred_on
    FROM mart_incidents i
    JOIN severity s USING (severity)
    WHERE i.occurred_at::DATE <= $today
),
organ_incidents AS (
    SELECT organ_code AS entity_code,
           list_transform(list_sort(list({'days_ago': $today - occurred_on, 'code': code,
                                          'incident': {'code': code, 'severity': severity,
                                                       'severity_rank': severity_rank, 'occurred_on': occurred_on}})),
                          x -> x.incident) AS incidents
    FROM incident_rows WHERE organ_code IN (SELECT organ_code FROM _scope_organs) GROUP BY organ_code
),
vendor_incidents AS (
    SELECT vendor_code AS entity_code,
           list_transform(list_sort(list({'days_ago': $today - occurred_on, 'code': code,
                                          'incident': {'code': code, 'severity': severity,
                                                       'severity_rank': severity_rank, 'occurred_on': occurred_on}})),
                          x -> x.incident) AS incidents
    FROM incident_rows WHERE vendor_code IN (SELECT vendor_code FROM _fact_vendors) GROUP BY vendor_code
),
open_rects AS NOT MATERIALIZED (
    SELECT inspection_code || '/' || item_code AS code, due_on, organ_code, vendor_code, organ_key, vendor_key
    FROM mart_rectifications
    WHERE inspected_on <= $today AND (resolved_on IS NULL OR resolved_on > $today)
),
organ_rects AS (
    SELECT organ_code AS entity_code, list_transform(list_sort(list({'due_on': due_on, 'rect': {'code': code, 'due_on': due_on}})),
                                                     x -> x.rect) AS rects
    FROM open_rects WHERE organ_key IN (SELECT organ_key FROM _scope_organs) GROUP BY organ_code
),
vendor_rects AS (
    SELECT vendor_code AS entity_code, list_transform(list_sort(list({'due_on': due_on, 'rect': {'code': code, 'due_on': due_on}})),
                                                     x -> x.rect) AS rects
    FROM open_rects WHERE vendor_key IN (SELECT vendor_key FROM _fact_vendors) GROUP BY vendor_code
),
flag_rows AS NOT MATERIALIZED (
    -- the flags in scope are chosen before they are joined to the projects (a filter above the
    -- outer join would join every flag first; an OR of two INs is cheap on the flags alone)
    SELECT f.code, f.entity_key, f.organ_code, f.vendor_code,
           (f.project_code IS NULL OR ap.project_code IS NOT NULL) AS active
    FROM (SELECT * FROM flags WHERE organ_code IN (SELECT organ_code FROM _scope_organs)
                                 OR vendor_code IN (SELECT vendor_code FROM _fact_vendors)) f
    LEFT JOIN active_projects ap ON ap.organ_code = f.organ_code AND ap.project_code = f.project_code
),
organ_flags AS (
    SELECT organ_code AS entity_code, list_sort(list({'code': code, 'entity_key': entity_key, 'active': active})) AS flags
    FROM flag_rows WHERE organ_code IN (SELECT organ_code FROM _scope_organs) GROUP BY organ_code
),
vendor_flags AS (
    SELECT vendor_code AS entity_code, list_sort(list({'code': code, 'entity_key': entity_key, 'active': active})) AS flags
    FROM flag_rows WHERE vendor_code IN (SELECT vendor_code FROM _fact_vendors) GROUP BY vendor_code
),
organ_vendors AS (
    SELECT DISTINCT organ_code, vendor_code FROM active_projects
    WHERE organ_key IN (SELECT organ_key FROM _scope_organs)
),
latest_valid AS (
    -- the valid certificate of each type that runs longest: a renewed certificate hides the old one
    -- (of the vendors the facts name)
    SELECT vendor_code, qualification_type,
           arg_max(certificate_no, expires_on) AS certificate_no, max(expires_on) AS expires_on
    FROM qualifications
    WHERE status = '有效' AND issued_on <= $today AND expires_on >= $today
      AND vendor_code IN (SELECT vendor_code FROM organ_vendors UNION SELECT vendor_code FROM _fact_vendors)
    GROUP BY vendor_code, qualification_type
),
vendor_first AS (
    -- of the vendors the facts name: those of the organs' active projects, and the vendors themselves
    SELECT vendor_code, min(start_on) AS first_start_on FROM mart_projects
    WHERE vendor_key IN (SELECT md5_number_lower(vendor_code)
                         FROM (SELECT vendor_code FROM organ_vendors UNION SELECT vendor_code FROM _fact_vendors))
    GROUP BY vendor_code
),
organ_quals AS (
    SELECT ov.organ_code AS entity_code,
           list_transform(list_sort(list({'expires_on': q.expires_on, 'vendor_code': q.vendor_code,
                                          'qual': {'vendor_code': q.vendor_code, 'certificate_no': q.certificate_no,
                                                   'qualification_type': q.qualification_type,
                                                   'expires_on': q.expires_on}})),
                          x -> x.qual) AS quals
    FROM organ_vendors ov JOIN latest_valid q USING (vendor_code) GROUP BY ov.organ_code
),
vendor_quals AS (
    SELECT vendor_code AS entity_code,
           list_transform(list_sort(list({'expires_on': expires_on,
                                          'qual': {'vendor_code': vendor_code, 'certificate_no': certificate_no,
                                                   'qualification_type': qualification_type,
                                                   'expires_on': expires_on}})),
                          x -> x.qual) AS quals
    FROM latest_valid WHERE vendor_code IN (SELECT vendor_code FROM _fact_vendors) GROUP BY vendor_code
),
organ_new AS (
    SELECT ov.organ_code AS entity_code,
           list_sort(list({'vendor_code': f.vendor_code, 'first_start_on': f.first_start_on})) AS new_vendors
    FROM organ_vendors ov JOIN vendor_first f USING (vendor_code) GROUP BY ov.organ_code
),
organ_projects AS (
    SELECT p.organ_code AS entity_code, count(*)::INTEGER AS projects,
           count(*) FILTER (WHERE p.start_on <= $today AND (p.actual_end_on IS NULL OR p.actual_end_on >= $today))::INTEGER
               AS active_projects,
           list_sort(list(DISTINCT p.service_type)) AS service_types,
           list_sort(list(DISTINCT p.vendor_code)) AS vendor_codes
    FROM mart_projects p WHERE p.organ_key IN (SELECT organ_key FROM _scope_organs) GROUP BY p.organ_code
),
vendor_projects AS (
    SELECT p.vendor_code AS entity_code, count(*)::INTEGER AS projects,
           count(*) FILTER (WHERE p.start_on <= $today AND (p.actual_end_on IS NULL OR p.actual_end_on >= $today))::INTEGER
               AS active_projects,
           count(DISTINCT p.organ_code) FILTER (
               WHERE p.start_on <= $today AND (p.actual_end_on IS NULL OR p.actual_end_on >= $today))::INTEGER
               AS organs_served,
           list_sort(list(DISTINCT p.service_type)) AS service_types,
           list_sort(list(DISTINCT o.region_code)) AS organ_regions
    FROM (SELECT * FROM mart_projects WHERE vendor_key IN (SELECT vendor_key FROM _fact_vendors)) p
    LEFT JOIN organs o USING (organ_code)
    GROUP BY p.vendor_code
),
facts AS (
    SELECT 'organ' AS entity_kind, o.organ_code AS entity_code, o.organ_name AS entity_name, o.region_code,
           i.inspections, i.recent, inc.incidents, r.rects, f.flags, q.quals,
           n.new_vendors, p.projects, p.active_projects, NULL::INTEGER AS organs_served, p.service_types,
           p.vendor_codes, NULL::VARCHAR[] AS organ_regions
    -- the organs and vendors in scope chosen first: a filter after the outer joins would join them all
    FROM (SELECT * FROM organs WHERE organ_code IN (SELECT organ_code FROM _scope_organs)) o
    LEFT JOIN organ_inspections i ON i.entity_code = o.organ_code
    LEFT JOIN organ_incidents inc ON inc.entity_code = o.organ_code
    LEFT JOIN organ_rects r ON r.entity_code = o.organ_code
    LEFT JOIN organ_flags f ON f.entity_code = o.organ_code
    LEFT JOIN organ_quals q ON q.entity_code = o.organ_code
    LEFT JOIN organ_new n ON n.entity_code = o.organ_code
    LEFT JOIN organ_projects p ON p.entity_code = o.organ_code
    UNION ALL
    SELECT 'vendor', v.vendor_code, v.vendor_name, v.region_code,
           i.inspections, i.recent, inc.incidents, r.rects, f.flags, q.quals,
           CASE WHEN vf.vendor_code IS NOT NULL
                THEN [{'vendor_code': vf.vendor_code, 'first_start_on': vf.first_start_on}] END,
           p.projects, p.active_projects, coalesce(p.organs_served, 0), p.service_types, [v.vendor_code],
           p.organ_regions
    FROM (SELECT * FROM vendors WHERE vendor_code IN (SELECT vendor_code FROM _fact_vendors)) v
    LEFT JOIN vendor_inspections i ON i.entity_code = v.vendor_code
    LEFT JOIN vendor_incidents inc ON inc.entity_code = v.vendor_code
    LEFT JOIN vendor_rects r ON r.entity_code = v.vendor_code
    LEFT JOIN vendor_flags f ON f.entity_code = v.vendor_code
    LEFT JOIN vendor_quals q ON q.entity_code = v.vendor_code
    LEFT JOIN vendor_first vf ON vf.vendor_code = v.vendor_code
    LEFT JOIN vendor_projects p ON p.entity_code = v.vendor_code
)
SELECT entity_kind, entity_code, entity_name, region_code,
       coalesce(inspections, 0) AS inspections,
       recent[1].code AS last_inspection_code,
       recent[1].on AS last_inspected_on,
       recent[1].grade AS last_grade,
       recent[1].veto AS last_veto_failed,
       coalesce(list_transform(recent, lambda x: x.code), []) AS recent_inspections,
       coalesce(list_transform(recent, lambda x: x.grade), []) AS recent_grades,
       coalesce(incidents, []) AS incidents,
       coalesce(rects, []) AS open_rectifications,
       coalesce(flags, []) AS flags,
       coalesce(quals, []) AS latest_qualifications,
       coalesce(new_vendors, []) AS new_vendors,
       coalesce(projects, 0) AS projects,
       coalesce(active_projects, 0) AS active_projects,
       organs_served,
       coalesce(service_types, []) AS service_types,
       coalesce(vendor_codes, []) AS vendor_codes,
       coalesce(organ_regions, []) AS organ_regions,
       $today AS as_of
FROM facts;
