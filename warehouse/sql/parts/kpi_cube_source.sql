-- parts/kpi_cube_source — the rows of mart_kpi_cube, computed by queries/kpi_counts.sql itself for
-- the periods $kpi_starts / $kpi_asofs, every service type of the contract ($kpi_services: a service
-- type no project has counts nothing) and all of them together (NULL), per organ region and organ
-- tier. Counts of 0 are left out. Included by marts/23_kpi_cube.sql (the
-- rows now) and marts/02_cube_baseline.sql (the rows before the refresh changes anything), which
-- give it the rows of some organs only as `@mart_organ_schedule` (sqlfiles: a relation read instead).
SELECT * FROM ({{ queries/kpi_counts.sql | starts: $kpi_starts, asofs: $kpi_asofs, services: $kpi_services,
                  region: NULL, vendor: NULL, tier: NULL }})
-- a count of 0 is not kept (a reader takes a missing measure as 0): a cell is kept while it counts
-- something, as the cubes kept by difference require (warehouse/marts.py)
WHERE n <> 0
