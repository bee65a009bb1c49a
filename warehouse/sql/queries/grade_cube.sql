-- grade_cube — grade_distribution's answer read from mart_compliance_cube and added up to the
-- dimensions asked (every count adds up across quarters, regions, tiers and service types): the
-- same columns as queries/grade_distribution.sql. NULL grade: inspections without a grade.
WITH sums AS (
    SELECT CASE $time_grain WHEN 'year' THEN date_trunc('year', period_start)::DATE
                            WHEN 'quarter' THEN period_start END AS period_start,
           {{ parts/region_at_level.sql }} AS region_code,
           CASE WHEN $by_service THEN service_type END AS service_type,
           sum(n_excellent) AS "优秀", sum(n_good) AS "良好", sum(n_pass) AS "合格", sum(n_fail) AS "不合格",
           sum(inspections - graded) AS ungraded
    FROM mart_compliance_cube
    WHERE {{ parts/compliance_cube_rows.sql }}
    GROUP BY ALL
)
SELECT period_start, region_code, service_type, nullif(grade, 'ungraded') AS grade, inspections::BIGINT AS inspections
FROM (UNPIVOT sums ON "优秀", "良好", "合格", "不合格", ungraded INTO NAME grade VALUE inspections)
WHERE inspections > 0
