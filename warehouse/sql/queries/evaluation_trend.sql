-- evaluation_trend — organs' evaluations of vendors per period: how many, and the mean overall and
-- part scores. Quarterly evaluations count in their quarter and year; annual ones ("2025") only in
-- the year. Grain: one row per period with evaluations. Filters: the period, region of the organ,
-- service type of the project, vendor, organ tier.
WITH periods AS (
    SELECT e.*,
           CASE WHEN e.period LIKE '%Q%'
                THEN make_date(split_part(e.period, '-', 1)::INTEGER,
                               (split_part(e.period, 'Q', 2)::INTEGER - 1) * 3 + 1, 1) END AS quarter_start,
           make_date(left(e.period, 4)::INTEGER, 1, 1) AS year_start
    FROM evaluations e
),
scoped AS (
    SELECT e.*, CASE $time_grain WHEN 'year' THEN e.year_start ELSE e.quarter_start END AS period_start
    FROM periods e
    LEFT JOIN organs o USING (organ_code)
    LEFT JOIN projects p ON p.organ_code = e.organ_code AND p.project_code = e.project_code
    WHERE ($region IS NULL OR starts_with(o.region_code, $region))
      AND ($service_type IS NULL OR p.service_type = $service_type)
      AND ($vendor IS NULL OR e.vendor_code = $vendor)
      AND ($tier IS NULL OR e.organ_code IN (SELECT organ_code FROM mart_organ_schedule WHERE tier = $tier))
)
SELECT period_start, count(*) AS evaluations, count(DISTINCT organ_code) AS organs,
       count(DISTINCT vendor_code) AS vendors,
       round(avg(overall), 1) AS overall, round(avg(quality), 1) AS quality, round(avg(timeliness), 1) AS timeliness,
       round(avg(security), 1) AS security, round(avg(staffing), 1) AS staffing,
       round(avg(cooperation), 1) AS cooperation
FROM scoped
WHERE period_start BETWEEN $start AND $end
GROUP BY period_start
ORDER BY period_start
