-- mart_rectification_cube is now split by the due date of an overdue rectification
-- (overdue_since) instead of keeping the most days overdue, a maximum that does not subtract: the
-- refresh keeps it by difference like the other cubes (marts/22_rectification_cube.sql). The old
-- table goes; the next load or `oversight refresh` builds the new one whole, and until then the
-- query layer reads mart_rectifications.
DROP TABLE IF EXISTS mart_rectification_cube;
