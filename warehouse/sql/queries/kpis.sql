-- kpis — the counts behind the headline numbers of the periods asked ($starts / $asofs), added up
-- over regions and tiers (queries/kpi_counts.sql, with the filters). Grain: one row per period and
-- measure with a count; the query layer turns them into the KPIs (pass rate = passed / graded).
SELECT period_start, as_of, measure, sum(n)::BIGINT AS n
FROM ({{ queries/kpi_counts.sql }})
GROUP BY ALL
