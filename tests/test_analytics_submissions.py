"""Submission completeness: for each organ and quarter, evaluations expected (one per active project)
against received, days late (due 15 days after the quarter ends), rows loaded and rejected in the
quarter's loads, and organs that sent nothing.

Load A on 2025-07-20: organs S1–S4, vendor SV, projects
    SP1 S1 from 2025-01-15; SP2 S1 2025-04-01 … 2025-05-31; SP3 S2 from 2025-02-01; SP4 S4 from 2025-01-01
  evaluations SP1 2025-Q1 (评价日期 04-10), SP1 2025-Q2 (07-20), and one rejected row for S1's SP2
  (质量 105 → ROW_RANGE).
Load B on 2025-10-08 (today): S2's annual evaluation "2025", no project, no 评价日期 (received 10-08).

    S1 Q1  expected 1 (SP1), received 1, on time (04-10 ≤ 04-15)
    S1 Q2  expected 2 (SP1, SP2), received 1, missing SP2, late 1 by 5 days (07-20 − 07-15)
    S1 Q3  expected 1 (SP1), received 0; due 10-15 not passed → not "sent nothing"; arrived in Q3:
           4 rows (2 projects, 2 evaluations) and 1 rejected → rejection rate 1/5 = 0.2
    S2 Q1–Q3  the annual evaluation covers each quarter: late 176 days (04-15 → 10-08), 85 (07-15 →
           10-08), 0 (due 10-15)
    S2 Q4  (current quarter) the evaluation arrived: 1 row loaded, nothing expected yet
    S4 Q1, Q2  expected 1, nothing at all → sent nothing; Q3 not yet due
    S3     no projects: nothing expected, nothing sent → no rows
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.analytics_world import World
from warehouse import queries as q

TODAY = dt.date(2025, 10, 8)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("submissions"))
    s1, s2, s3, s4 = (w.organ(n, "330102") for n in range(1, 5))
    w.s = {"S1": s1, "S2": s2, "S3": s3, "S4": s4}
    sv = w.vendor(1)
    w.project("SP1", s1, sv, "2025-01-15")
    w.project("SP2", s1, sv, "2025-04-01", end="2025-05-31", planned_end="2025-05-31")
    w.project("SP3", s2, sv, "2025-02-01")
    w.project("SP4", s4, sv, "2025-01-01")
    w.evaluation("2025-Q1", s1, sv, 85, project="SP1", evaluated_on="2025-04-10")
    w.evaluation("2025-Q2", s1, sv, 85, project="SP1", evaluated_on="2025-07-20")
    w.add("evaluations", period="2025-Q2", organ_code=s1, vendor_code=sv, project_code="SP2", quality=105,
          timeliness=80, security=80, staffing=80, cooperation=80)
    result = w.load(dt.date(2025, 7, 20), expect_clean=False)
    assert result.summary()["rejections_by_rule"] == {"ROW_RANGE": 1}
    w.evaluation("2025", s2, sv, 88)
    w.load(TODAY)
    w.con = w.connect()
    yield w
    w.con.close()


def grid(world, **kw) -> dict:
    names = {v: k for k, v in world.s.items()}
    frame = q.submission_completeness(world.con, q.Filters(today=TODAY, **kw.pop("filters", {})), **kw)
    return {(names[r["organ_code"]], r["quarter"]): r for r in frame.iter_rows(named=True)}


def test_expected_against_received(world):
    g = grid(world)
    assert set(g) == {("S1", "2025-Q1"), ("S1", "2025-Q2"), ("S1", "2025-Q3"),
                      ("S2", "2025-Q1"), ("S2", "2025-Q2"), ("S2", "2025-Q3"), ("S2", "2025-Q4"),
                      ("S4", "2025-Q1"), ("S4", "2025-Q2"), ("S4", "2025-Q3")}
    cols = ("expected", "received", "missing", "late", "max_days_late", "sent_nothing")
    assert {k: tuple(r[c] for c in cols) for k, r in g.items()} == {
        ("S1", "2025-Q1"): (1, 1, 0, 0, 0, False),
        ("S1", "2025-Q2"): (2, 1, 1, 1, 5, False),
        ("S1", "2025-Q3"): (1, 0, 1, 0, None, False),
        ("S2", "2025-Q1"): (1, 1, 0, 1, 176, False),
        ("S2", "2025-Q2"): (1, 1, 0, 1, 85, False),
        ("S2", "2025-Q3"): (1, 1, 0, 0, 0, False),
        ("S2", "2025-Q4"): (0, 0, 0, 0, None, False),
        ("S4", "2025-Q1"): (1, 0, 1, 0, None, True),
        ("S4", "2025-Q2"): (1, 0, 1, 0, None, True),
        ("S4", "2025-Q3"): (1, 0, 1, 0, None, False),
    }
    assert g[("S1", "2025-Q2")]["missing_projects"] == ["SP2"]
    assert g[("S1", "2025-Q2")]["due_on"] == dt.date(2025, 7, 15)
    assert g[("S2", "2025-Q4")]["evaluations"] == 1  # the annual evaluation covers Q4 too


def test_rows_loaded_and_rejected_by_arrival_quarter(world):
    g = grid(world)
    s1 = g[("S1", "2025-Q3")]
    assert (s1["rows_loaded"], s1["rows_rejected"], s1["rejection_rate"]) == (4, 1, 0.2)
    assert (g[("S2", "2025-Q3")]["rows_loaded"], g[("S2", "2025-Q4")]["rows_loaded"]) == (1, 1)
    assert g[("S1", "2025-Q1")]["rejection_rate"] is None  # nothing arrived in Q1


def test_filters_and_silent_organs(world):
    assert set(grid(world, only_silent=True)) == {("S4", "2025-Q1"), ("S4", "2025-Q2")}
    assert set(grid(world, filters={"period": "2025-Q2"})) == {("S1", "2025-Q2"), ("S2", "2025-Q2"),
                                                               ("S4", "2025-Q2")}
    assert grid(world, filters={"region": "3302"}) == {}


def test_the_matrix_ranks_organs_by_missing_then_late_and_keeps_the_totals_of_all(world):
    """Only quarters due by today (Q1 by 04-15, Q2 by 07-15; Q3 is due 10-15):
        S4  Q1 4 none received, Q2 4            missing 2, late 0 → rank 1
        S1  Q1 1 on time,       Q2 3 partly     missing 1, late 1 → rank 2
        S2  Q1 2 late,          Q2 2 late       missing 0, late 2 → rank 3 (not shown with organs=2)
    Totals over all three: 3 organs, 3 missing, 3 late; 1 organ (S4) sent nothing for Q2."""
    names = {v: k for k, v in world.s.items()}
    m = q.submission_matrix(world.con, q.Filters(today=TODAY), organs=2)
    assert [(r["rank"], names[r["organ_code"]], r["quarter"], r["cell"]) for r in m.iter_rows(named=True)] == [
        (1, "S4", "2025-Q1", 4), (1, "S4", "2025-Q2", 4), (2, "S1", "2025-Q1", 1), (2, "S1", "2025-Q2", 3)]
    first = m.row(0, named=True)
    assert (first["organ_missing"], first["organ_late"], first["organ_expected"], first["silent_quarters"]) == (2, 0, 2, 2)
    assert set(m.select("organs", "missing_total", "late_total", "silent_in_last_quarter").rows()) == {(3, 3, 3, 1)}
    whole = q.submission_matrix(world.con, q.Filters(today=TODAY))
    assert [names[c] for c in whole.unique("organ_code", maintain_order=True)["organ_code"]] == ["S4", "S1", "S2"]
    assert q.submission_matrix(world.con, q.Filters(today=TODAY, region="3302")).is_empty()
