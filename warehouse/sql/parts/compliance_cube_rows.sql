-- parts/compliance_cube_rows — the rows of mart_compliance_cube a reader adds up (a condition,
-- included by the files that read the cube: the trend and the grade distribution): quarters from
-- $start to $end, the all-services rows unless a service type is asked or kept apart, and the
-- region prefix, service type and tier filters.
period_start BETWEEN $start AND $end
AND all_services = ($service_type IS NULL AND NOT $by_service)
AND ($region IS NULL OR starts_with(region_code, $region))
AND ($service_type IS NULL OR service_type = $service_type)
AND ($tier IS NULL OR tier = $tier)
