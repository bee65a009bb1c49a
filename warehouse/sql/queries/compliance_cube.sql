-- compliance_cube — compliance_trend's answer read from mart_compliance_cube (kept per quarter,
-- organ region, tier and service type by marts/20_compliance_cube.sql) and added up to the
-- dimensions asked: the same columns as queries/compliance_trend.sql. The query layer reads it for
-- whole quarters by quarter, with no vendor filter; otherwise it runs compliance_trend.sql.
SELECT period_start,
       {{ parts/region_at_level.sql }} AS region_code,
       CASE WHEN $by_tier THEN tier END AS tier,
       CASE WHEN $by_service THEN service_type END AS service_type,
       sum(inspections)::BIGINT AS inspections,
       sum(graded)::BIGINT AS graded,
       sum(score_sum) AS score_sum,
       sum(scored)::BIGINT AS scored,
       round(sum(score_sum) / nullif(sum(scored), 0), 2) AS mean_score,
       sum(n_excellent)::BIGINT AS n_excellent,
       sum(n_good)::BIGINT AS n_good,
       sum(n_pass)::BIGINT AS n_pass,
       sum(n_fail)::BIGINT AS n_fail,
       sum(veto_failures)::BIGINT AS veto_failures,
       sum(items_failed)::BIGINT AS items_failed,
       sum(items_partial)::BIGINT AS items_partial,
       sum(repeat_findings)::BIGINT AS repeat_findings,
       sum(organs_inspected)::BIGINT AS organs_inspected
FROM mart_compliance_cube
WHERE {{ parts/compliance_cube_rows.sql }}
GROUP BY ALL
