-- kpis_cube — the counts behind the headline numbers read from mart_kpi_cube (kept for the standard
-- periods around the refresh date by marts/23_kpi_cube.sql), for the periods asked that it holds:
-- the same rows as queries/kpis.sql, and one row with a NULL measure for a period it holds without a
-- count in the filters. A period it does not hold has no row (the query layer then runs kpis.sql).
WITH wanted AS (
    SELECT unnest($starts) AS period_start, unnest($asofs) AS as_of
)
SELECT w.period_start, w.as_of, k.measure, sum(k.n)::BIGINT AS n
FROM wanted w
JOIN mart_kpi_periods USING (period_start, as_of)
LEFT JOIN (
    SELECT * FROM mart_kpi_cube
    WHERE service_type IS NOT DISTINCT FROM $service_type
      AND ($region IS NULL OR starts_with(region_code, $region))
      AND ($tier IS NULL OR tier = $tier)
) k USING (period_start, as_of)
GROUP BY ALL
