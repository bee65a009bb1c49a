-- inputs_last_teams — each organ's last $previous inspections on or before $today, with the
-- inspectors' names as recorded ('、'-joined): who must recuse for having inspected it last time.
-- Grain: one row per organ and inspection.
SELECT organ_code, inspection_code, inspected_on, inspectors
FROM (
    SELECT organ_code, inspection_code, inspected_on, inspectors,
           row_number() OVER (PARTITION BY organ_code ORDER BY inspected_on DESC, inspection_code DESC) AS rn
    FROM inspections
    WHERE inspected_on <= $today
)
WHERE rn <= $previous
ORDER BY organ_code, inspected_on, inspection_code
