-- mart_vendor_risk — each vendor's risk score (0–100) as the sum of seven named components, each the
-- sum of its evidence rows (mart_vendor_risk_evidence) kept between 0 and the component's maximum
-- and rounded to 2 decimals; the score is the exact sum of the rounded components. The tier comes
-- from the cut-points (score ≥ D → D, ≥ C → C, ≥ B → B, else A), raised to a floor tier when a floor
-- rule holds (mart_tier_rule_hits, rule set vendor_floor): floor_reason in Chinese, floor_reason_en in
-- English.
-- Grain: one row per vendor.
-- Refresh: the vendors in scope.
DELETE FROM mart_vendor_risk WHERE vendor_code IN (SELECT vendor_code FROM _scope_vendors);

INSERT INTO mart_vendor_risk BY NAME
WITH components AS (
    -- summed as decimals: a sum of doubles depends on the order the threads add them in, and a
    -- component on a rounding boundary (x.xx5) would come out 0.01 apart from one refresh to the next
    SELECT vendor_code, component, sum(raw_points::DECIMAL(38, 10)) AS raw,
           count(*) FILTER (WHERE evidence_kind IN ('inspection', 'evaluation', 'incident')) AS counted
    FROM mart_vendor_risk_evidence
    WHERE vendor_code IN (SELECT vendor_code FROM _scope_vendors)
    GROUP BY vendor_code, component
),
capped AS (
    SELECT vendor_code, component, counted,
           round(greatest(0.0, least(raw, CASE component
               WHEN 'inspections' THEN $max_inspections WHEN 'evaluations' THEN $max_evaluations
               WHEN 'incidents' THEN $max_incidents WHEN 'qualifications' THEN $max_qualifications
               WHEN 'flags' THEN $max_flags WHEN 'rectifications' THEN $max_rectifications
               WHEN 'exposure' THEN $max_exposure END)), 2) AS points
    FROM components
),
wide AS (
    SELECT vendor_code,
           coalesce(max(points) FILTER (WHERE component = 'inspections'), 0) AS pts_inspections,
           coalesce(max(points) FILTER (WHERE component = 'evaluations'), 0) AS pts_evaluations,
           coalesce(max(points) FILTER (WHERE component = 'incidents'), 0) AS pts_incidents,
           coalesce(max(points) FILTER (WHERE component = 'qualifications'), 0) AS pts_qualifications,
           coalesce(max(points) FILTER (WHERE component = 'flags'), 0) AS pts_flags,
           coalesce(max(points) FILTER (WHERE component = 'rectifications'), 0) AS pts_rectifications,
           coalesce(max(points) FILTER (WHERE component = 'exposure'), 0) AS pts_exposure,
           coalesce(max(counted) FILTER (WHERE component = 'inspections'), 0)::INTEGER AS inspections_counted,
           coalesce(max(counted) FILTER (WHERE component = 'evaluations'), 0)::INTEGER AS evaluations_counted,
           coalesce(max(counted) FILTER (WHERE component = 'incidents'), 0)::INTEGER AS incidents_counted
    FROM capped GROUP BY vendor_code
),
scored AS (
    SELECT v.vendor_code, v.vendor_name, v.region_code,
           coalesce(w.pts_inspections, 0) AS pts_inspections, coalesce(w.pts_evaluations, 0) AS pts_evaluations,
           coalesce(w.pts_incidents, 0) AS pts_incidents, coalesce(w.pts_qualifications, 0) AS pts_qualifications,
           coalesce(w.pts_flags, 0) AS pts_flags, coalesce(w.pts_rectifications, 0) AS pts_rectifications,
           coalesce(w.pts_exposure, 0) AS pts_exposure,
           coalesce(w.inspections_counted, 0) AS inspections_counted,
           coalesce(w.evaluations_counted, 0) AS evaluations_counted,
           coalesce(w.incidents_counted, 0) AS incidents_counted
    -- the vendors in scope chosen first: a filter after the outer join would join every vendor
    FROM (SELECT * FROM vendors WHERE vendor_code IN (SELECT vendor_code FROM _scope_vendors)) v
    LEFT JOIN wide w USING (vendor_code)
),
totals AS (
    SELECT *,
           round(pts_inspections + pts_evaluations + pts_incidents + pts_qualifications + pts_flags
                 + pts_rectifications + pts_exposure, 2) AS score
    FROM scored
),
floor_hits AS (
    SELECT * FROM mart_tier_rule_hits
    WHERE rule_set = 'vendor_floor' AND entity_code IN (SELECT vendor_code FROM _scope_vendors)
),
floors AS (
    SELECT h.entity_code AS vendor_code, any_value(h.tier) AS floor_tier,
           -- by rule: sorted after the aggregate, cheaper than an ordered aggregate (11_tier_rule_hits.sql)
           list_sort(list({'rule_id': h.rule_id, 'text': h.reason_text, 'text_en': h.reason_text_en})) AS texts
    FROM floor_hits h
    JOIN (SELECT entity_code, min(tier_order) AS tier_order FROM floor_hits GROUP BY entity_code) w
      ON w.entity_code = h.entity_code AND w.tier_order = h.tier_order
    GROUP BY h.entity_code
),
tiered AS (
    SELECT t.*,
           CASE WHEN score >= $cut_d THEN 'D' WHEN score >= $cut_c THEN 'C' WHEN score >= $cut_b THEN 'B'
                ELSE 'A' END AS score_tier,
           f.floor_tier,
           array_to_string(list_transform(f.texts, x -> x.text), '；') AS floor_reason,
           array_to_string(list_transform(f.texts, x -> x.text_en), '; ') AS floor_reason_en
    FROM totals t LEFT JOIN floors f USING (vendor_code)
)
SELECT t.*, md5_number_lower(t.vendor_code) AS vendor_key,
       CASE WHEN t.floor_tier IS NOT NULL AND t.floor_tier > t.score_tier THEN t.floor_tier ELSE t.score_tier END
           AS tier,
       coalesce(f.organs_served, 0) AS organs_served,
       coalesce(f.active_projects, 0) AS active_projects,
       f.service_types, f.organ_regions,
       $today AS as_of
FROM tiered t
-- the facts of the vendors in scope only: not every vendor's lists in a hash table
LEFT JOIN (SELECT * FROM mart_entity_facts
           WHERE entity_kind = 'vendor' AND entity_code IN (SELECT vendor_code FROM _scope_vendors)) f
       ON f.entity_code = t.vendor_code;
