-- mart_rectifications — every rectification with the inspection it came from and how it ended.
--   closed_on      completed_on, unless the re-check (复查结果) is 未通过: then it is open again
--   superseded_on  the organ's next inspection with checklist items after this one, when that came
--                  before any closing: the item was assessed afresh (if still wanting it is a new
--                  finding, counted as a repeat finding), so the old rectification stops being
--                  overdue — shown as superseded, not as closed
--   resolved_on    the earlier of the two; open means not resolved
-- days_to_close counts from the inspection to closed_on; closed_late / days_closed_late compare
-- closed_on with the due date. Open, due soon and overdue depend on "today": the query layer.
-- organ_key, vendor_key: the codes' integer keys (md5_number_lower), by which the refresh finds an
-- organ's or a vendor's rows (an integer comparison, five times cheaper than a code's).
-- Grain: one row per rectification (inspection × item).
-- Refresh: incremental, for the rectifications of the touched inspections and of every organ whose
-- inspection sequence changed (a new inspection may supersede older rectifications).
-- The touched inspections' organs, before and now, are all in _touched_organs: their rectifications
-- go with the organs'.
DELETE FROM mart_rectifications WHERE organ_key IN (SELECT organ_key FROM _touched_organs);

INSERT INTO mart_rectifications BY NAME
WITH scope AS (
    -- every inspection of the touched organs (the touched inspections among them), found by the
    -- organs' integer keys
    SELECT m.inspection_code, m.inspected_on, m.organ_code, m.organ_key, m.region_code, m.project_code, m.vendor_code,
           m.vendor_key, m.service_type, m.items_count
    FROM mart_inspections m
    WHERE m.organ_key IN (SELECT organ_key FROM _touched_organs)
),
full_checks AS (
    -- the scope holds every inspection of its organs: no second read of the mart
    SELECT organ_code, inspected_on, inspection_code, {'on': inspected_on, 'code': inspection_code} AS checked_at
    FROM scope WHERE items_count > 0
),
rect AS (
    SELECT r.*, s.inspected_on, s.organ_code, s.organ_key, s.region_code, s.project_code, s.vendor_code, s.vendor_key,
           s.service_type,
           CASE WHEN r.completed_on IS NOT NULL AND coalesce(r.verification, '通过') = '通过'
                THEN r.completed_on END AS closed_on
    FROM rectifications r JOIN scope s USING (inspection_code)
),
superseding AS (
    -- the organ's first inspection with checklist items on a later day (ASOF: the nearest later),
    -- the first by code of that day's: (date, code) pairs compared, so that every refresh picks the same
    SELECT r.inspection_code, r.item_code, f.inspected_on AS next_check_on, f.inspection_code AS next_check
    FROM rect r
    ASOF JOIN full_checks f ON f.organ_code = r.organ_code AND {'on': r.inspected_on + 1, 'code': ''} <= f.checked_at
)
SELECT r.inspection_code, r.item_code, c.category_code, c.veto,
       r.due_on, r.completed_on, r.verified_on, r.verification, r.closed_on,
       CASE WHEN s.next_check_on < coalesce(r.closed_on, DATE '9999-12-31') THEN s.next_check_on END AS superseded_on,
       CASE WHEN s.next_check_on < coalesce(r.closed_on, DATE '9999-12-31') THEN s.next_check END AS superseded_by,
       least(r.closed_on, CASE WHEN s.next_check_on < coalesce(r.closed_on, DATE '9999-12-31')
                               THEN s.next_check_on END) AS resolved_on,
       (r.closed_on - r.inspected_on)::INTEGER AS days_to_close,
       r.closed_on > r.due_on AS closed_late,
       greatest(r.closed_on - r.due_on, 0)::INTEGER AS days_closed_late,
       r.inspected_on, r.organ_code, r.region_code, r.project_code, r.vendor_code, r.service_type,
       r.organ_key, r.vendor_key
FROM rect r
LEFT JOIN superseding s USING (inspection_code, item_code)
LEFT JOIN checklist_items c ON c.item_code = r.item_code AND c.checklist_version = $checklist_version
-- Stored by resolved_on, the open ones first: the lists of open, due and overdue rectifications skip
-- the row groups of those long resolved (zone maps); a load's new ones come last, open as well.
ORDER BY resolved_on NULLS FIRST;
