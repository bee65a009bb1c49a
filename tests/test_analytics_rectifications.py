"""Rectifications: open, due within 7 days, overdue, closed (on time or late), superseded; time to
close; overdue more than 30 days → escalation candidates (约谈). Today 2025-10-08.

Organ R1, inspection J1 on 2025-06-01 (full checklist), its rectifications:
    r1 A1  due 07-01, completed 06-25, re-check 通过     closed on time, 24 days to close
    r2 E3  due 07-01, completed 07-10                    closed late by 9 days, 39 days to close
    r3 F2  due 10-12, open                               due soon (10-08 + 7 = 10-15 ≥ 10-12)
    r4 G1  due 09-30, open                               overdue 8 days
    r5 G2  due 08-31, open                               overdue 38 days → escalation
    r6 H1  due 11-30, open                               open
    r7 C3  due 07-15, completed 07-10, re-check 未通过    open again: overdue 85 days → escalation
Organ R2: J2 on 2025-01-10 with G3 due 02-10, never completed; R2 inspected again (full checklist)
on 2025-04-01 → superseded, not overdue.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.analytics_world import World
from warehouse import queries as q

TODAY = dt.date(2025, 10, 8)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("rect"))
    r1, r2 = w.organ(1, "330102"), w.organ(2, "330203")
    v = w.vendor(1)
    w.project("P1", r1, v, "2024-01-01")
    w.inspection("J1", r1, "2025-06-01", project="P1",
                 items={"A1": "不符合", "E3": "不符合", "F2": "部分符合", "G1": "不符合", "G2": "不符合",
                        "H1": "部分符合", "C3": "不符合"})
    w.rectification("J1", "A1", "2025-07-01", completed="2025-06-25", verified="2025-07-02", verification="通过")
    w.rectification("J1", "E3", "2025-07-01", completed="2025-07-10")
    w.rectification("J1", "F2", "2025-10-12")
    w.rectification("J1", "G1", "2025-09-30")
    w.rectification("J1", "G2", "2025-08-31")
    w.rectification("J1", "H1", "2025-11-30")
    w.rectification("J1", "C3", "2025-07-15", completed="2025-07-10", verified="2025-07-20", verification="未通过")
    w.inspection("J2", r2, "2025-01-10", items={"G3": "不符合"})
    w.rectification("J2", "G3", "2025-02-10")
    w.inspection("J3", r2, "2025-04-01", items={})
    w.load(TODAY)
    with w.connect() as c:
        yield c


def test_each_rectification_has_its_status(con):
    got = {(r["inspection_code"], r["item_code"]): r for r in
           q.rectifications(con, q.Filters(today=TODAY)).iter_rows(named=True)}
    assert {k[1]: (r["status"], r["days_overdue"], r["days_to_close"], r["days_closed_late"])
            for k, r in got.items()} == {
        "A1": ("closed", 0, 24, 0),
        "E3": ("closed_late", 0, 39, 9),
        "F2": ("due_soon", 0, None, 0),
        "G1": ("overdue", 8, None, 0),
        "G2": ("overdue", 38, None, 0),
        "H1": ("open", 0, None, 0),
        "C3": ("overdue", 85, None, 0),
        "G3": ("superseded", 0, None, 0),
    }
    assert got[("J2", "G3")]["superseded_by"] == "J3" and got[("J2", "G3")]["superseded_on"] == dt.date(2025, 4, 1)
    assert got[("J1", "C3")]["closed_on"] is None  # 未通过: not closed


def test_status_summary(con):
    s = q.rectification_status(con, q.Filters(today=TODAY)).row(0, named=True)
    assert {k: s[k] for k in ("total", "open", "due_soon", "overdue", "escalation_candidates", "closed",
                              "closed_on_time", "closed_late", "superseded", "max_days_overdue")} == {
        "total": 8, "open": 5, "due_soon": 1, "overdue": 3, "escalation_candidates": 2, "closed": 2,
        "closed_on_time": 1, "closed_late": 1, "superseded": 1, "max_days_overdue": 85}
    assert (s["mean_days_to_close"], s["median_days_to_close"]) == (31.5, 31.5)  # (24 + 39) / 2
    by_city = q.rectification_status(con, q.Filters(today=TODAY), by=("city",))
    assert by_city.select("region_code", "region_name", "total").rows() == [("330100", "杭州市", 7),
                                                                           ("330200", "宁波市", 1)]


def test_status_and_limit(con):
    overdue = q.rectifications(con, q.Filters(today=TODAY), status="overdue")
    assert overdue["item_code"].to_list() == ["C3", "G2", "G1"]  # most overdue first
    assert q.rectifications(con, q.Filters(today=TODAY), limit=2)["item_code"].to_list() == ["C3", "G2"]


def test_period_filters_the_due_date(con):
    q3 = q.rectifications(con, q.Filters(today=TODAY, period="2025-Q3"))
    assert sorted(q3["item_code"]) == ["A1", "C3", "E3", "G1", "G2"]  # due 07-01 … 09-30


def test_escalation_candidates(con):
    esc = q.escalation_candidates(con, q.Filters(today=TODAY))
    assert esc.select("item_code", "days_overdue", "suggested_action").rows() == [("C3", 85, "约谈"), ("G2", 38, "约谈")]


def test_the_answer_depends_on_today(con):
    """On 2025-07-05: A1 closed (06-25); E3 due 07-01 not yet completed → overdue 4 days; C3 not yet
    due (07-15) and not yet completed → due soon (07-05 + 7 = 07-12 < 07-15 → open); no escalation."""
    early = {r["item_code"]: (r["status"], r["days_overdue"]) for r in
             q.rectifications(con, q.Filters(today=dt.date(2025, 7, 5))).iter_rows(named=True)}
    assert early["A1"] == ("closed", 0)
    assert early["E3"] == ("overdue", 4)
    assert early["C3"] == ("open", 0)
    assert early["G3"] == ("superseded", 0)
    assert q.escalation_candidates(con, q.Filters(today=dt.date(2025, 7, 5))).is_empty()
