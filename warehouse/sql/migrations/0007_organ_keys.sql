-- The marts the refresh searches by organ (or vendor) get the codes' integer keys
-- (md5_number_lower, as mart_inspections and mart_organ_schedule have them): mart_rectifications
-- and mart_projects (organ and vendor), mart_check_events. Organ codes sort by region, not by date,
-- so these marts (stored by date, or in load order) have every code in every row group: a search
-- compares every row, and comparing integers costs a fifth of comparing codes.
-- (Each table's columns are added before it is updated: DuckDB refuses to commit a transaction
-- that alters a table it has already updated.)
ALTER TABLE mart_rectifications ADD COLUMN organ_key UBIGINT;
ALTER TABLE mart_rectifications ADD COLUMN vendor_key UBIGINT;
UPDATE mart_rectifications SET organ_key = md5_number_lower(organ_code), vendor_key = md5_number_lower(vendor_code);
ALTER TABLE mart_projects ADD COLUMN organ_key UBIGINT;
ALTER TABLE mart_projects ADD COLUMN vendor_key UBIGINT;
UPDATE mart_projects SET organ_key = md5_number_lower(organ_code), vendor_key = md5_number_lower(vendor_code);
ALTER TABLE mart_check_events ADD COLUMN organ_key UBIGINT;
UPDATE mart_check_events SET organ_key = md5_number_lower(organ_code);
