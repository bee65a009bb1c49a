-- parts/rectification_status — a rectification's status as of $today, from its row `r` of
-- mart_rectifications (an expression, included by the files that list or count rectifications):
-- closed or closed_late once closed, superseded once the organ was inspected again before it
-- closed, overdue past its due date, due_soon within $due_soon_days of it, open otherwise.
CASE WHEN r.closed_on <= $today THEN
         CASE WHEN r.closed_late THEN 'closed_late' ELSE 'closed' END
     WHEN r.superseded_on <= $today THEN 'superseded'
     WHEN r.due_on < $today THEN 'overdue'
     WHEN r.due_on <= $today + $due_soon_days THEN 'due_soon'
     ELSE 'open' END
