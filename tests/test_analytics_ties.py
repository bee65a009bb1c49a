"""Ties on one day: every refresh gives the same answer.

Two inspections of an organ on the same day, or two tier changes recorded on the same day, were
taken in any order by the date-only ASOF joins of the rectification and check-event marts. The rule
now: of one day's inspections the first by code supersedes a rectification and achieves a check; of
one day's tier changes the last recorded is the tier of that day.

Organ T1 (today 2025-10-08), project PT with vendor V1 started 2025-05-01:
    JT0  2025-03-01  F1 不符合, rectification due 04-01, never completed
    incident SJT (较大, vendor V1) reported 2025-05-05 → follow-up due 06-04
    JT2, JT1  both 2025-05-10, organ-level (no project), full checklists, written in that order
→ the rectification superseded by JT1; the new-project check (due 05-31) and the follow-up achieved
  by JT1; JT0's routine check achieved by JT1.
Organ T2: two loads on 2025-10-08, each with an inspection that day; the first 不合格 (tier D), the
second 优秀 — the organ's tier that day is the one the second load recorded.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.analytics_world import World

TODAY = dt.date(2025, 10, 8)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("ties"))
    t1, t2 = w.organ(1), w.organ(2)
    v = w.vendor(1)
    w.project("PT", t1, v, "2025-05-01")
    w.inspection("JT0", t1, "2025-03-01", items={"F1": "不符合"})
    w.rectification("JT0", "F1", "2025-04-01")
    w.incident("SJT", t1, "较大", "2025-05-04 10:00", reported="2025-05-05 09:00", vendor=v, project="PT")
    w.inspection("JT2", t1, "2025-05-10", items={})
    w.inspection("JT1", t1, "2025-05-10", items={})
    w.inspection("JU1", t2, "2025-10-08", score=50)
    w.load(TODAY)
    w.inspection("JU2", t2, "2025-10-08", score=95)
    w.load(TODAY)
    with w.connect() as con:
        yield {"con": con, "t1": t1, "t2": t2}


def test_the_first_inspection_of_the_day_by_code_supersedes_a_rectification(world):
    got = world["con"].sql("SELECT superseded_by, superseded_on FROM mart_rectifications "
                           "WHERE inspection_code = 'JT0' AND item_code = 'F1'").fetchall()
    assert got == [("JT1", dt.date(2025, 5, 10))]


def test_the_first_inspection_of_the_day_by_code_achieves_the_checks(world):
    got = world["con"].sql("SELECT event_kind, source_code, due_on, achieved_by FROM mart_check_events "
                           "WHERE (organ_code = $o AND event_kind <> 'routine') OR source_code = 'JT0' "
                           "ORDER BY event_kind", params={"o": world["t1"]}).fetchall()
    assert got == [("incident_followup", "SJT", dt.date(2025, 6, 4), "JT1"),
                   ("new_project", "PT", dt.date(2025, 5, 31), "JT1"),
                   ("routine", "JT0", dt.date(2025, 9, 1), "JT1")]


def test_the_last_tier_change_of_a_day_is_that_days_tier(world):
    con = world["con"]
    history = con.sql("SELECT tier FROM tier_history WHERE entity_kind = 'organ' AND entity_code = $o "
                      "ORDER BY history_id", params={"o": world["t2"]}).fetchall()
    assert history == [("D",), ("B",)]
    # JU1's routine check: JU2 came the same day, so JU1 takes that day's tier, the last recorded (B)
    got = con.sql("SELECT tier, achieved_by FROM mart_check_events WHERE source_code = 'JU1'").fetchall()
    assert got == [("B", "JU2")]
