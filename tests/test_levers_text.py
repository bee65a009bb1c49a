"""What would change a vendor's tier (warehouse/levers.py, shown on the vendor profile's 「哪些变化会
改变等级」 panel) offers only advice: no lever that changes the score by 0.00, none that takes effect
today or earlier, and, when a floor rule holds the tier while the score is already in the target
tier's range, a floor text that says so. Numbers are rounded consistently (points to 2 decimals, the
evaluation mean to 1, rounded up so that reaching it is enough). Default configuration; today
2025-10-08.

V1 — a classified project without 国家秘密载体印制资质 (floor D), never inspected, evaluations mean 75,
     one 一般 incident 2025-06-01: score 15 + 5 + 2.35 + 14 + 0.25 = 36.60, B by score, D by the floor.
     Down to C needs no score change (points_needed 0): the evaluation and incident levers would
     change nothing (before the fix: "均分由75.0提高到75.0 +0.00", "今天降至2.35 +0.00").
V2 — never inspected, no qualification registered, evaluations 61 and 62 (mean 61.5: 9.5 points),
     five recent 一般 incidents: C by score just above 40; the mean to reach is fractional.
V3 — nine recent 一般 incidents: the incident component is at its maximum (25), so a new 一般 …
     特别重大 incident adds 0.00 points (only the floor rule for 较大 and above moves it).
V4 — a classified project without the qualification and a 较大 incident 2025-03-01: two floors hold
     it at D, one until its cause is removed, the other until 2027-03-01 (24 months) whatever is done.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import polars as pl
import pytest

from tests.analytics_world import World
from warehouse import queries as q

TODAY = dt.date(2025, 10, 8)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("levers_text"))
    o1, o2, o3 = w.organ(1, "330102"), w.organ(2, "330106"), w.organ(3, "330110")
    w.v1, w.v2, w.v3 = w.vendor(1), w.vendor(2), w.vendor(3)
    w.project("P1", o1, w.v1, "2025-01-01", classified=True)
    w.evaluation("2025-Q3", o1, w.v1, 75, project="P1")
    w.incident("SJ1", o1, "一般", "2025-06-01 09:00", vendor=w.v1, status="已结案", closed="2025-06-10")
    w.project("P2", o2, w.v2, "2024-01-01")
    w.evaluation("2025-Q2", o2, w.v2, 61, project="P2")
    w.evaluation("2025-Q3", o2, w.v2, 62, project="P2")
    for i, day in enumerate(["2025-10-01", "2025-09-01", "2025-08-01", "2025-07-01", "2025-06-01"]):
        w.incident(f"SJ2{i}", o2, "一般", f"{day} 09:00", vendor=w.v2, status="已结案", closed=day[:10])
    w.project("P3", o3, w.v3, "2024-01-01")
    for i in range(9):
        day = (TODAY - dt.timedelta(days=10 + 7 * i)).isoformat()
        w.incident(f"SJ3{i}", o3, "一般", f"{day} 09:00", vendor=w.v3, status="已结案", closed=day)
    o4, w.v4 = w.organ(4, "330108"), w.vendor(4)
    w.project("P4", o4, w.v4, "2025-01-01", classified=True)
    w.incident("SJ4", o4, "较大", "2025-03-01 09:00", vendor=w.v4, status="已结案", closed="2025-03-10")
    w.load(TODAY)
    w.con = w.connect()
    yield w
    w.con.close()


def levers(world, vendor, today=TODAY) -> pl.DataFrame:
    return q.vendor_next_tier(world.con, vendor, today=today)


def risk(world, vendor) -> dict:
    return q.vendor_risk(world.con, q.Filters(today=TODAY, vendor_code=vendor)).row(0, named=True)


def assert_only_advice(frame: pl.DataFrame, today: dt.date) -> None:
    """No lever but a floor rule changes the score by 0.00; none takes effect today or earlier."""
    for r in frame.iter_rows(named=True):
        if r["lever"].startswith("floor"):
            assert r["points_change"] is None, r
        else:
            assert r["points_change"] != 0, r
            assert f"{r['points_change']:+.2f}" not in ("+0.00", "-0.00"), r
        assert r["available_on"] is None or r["available_on"] > today, r


def test_a_floor_holding_the_tier_offers_no_empty_score_levers(world):
    r = risk(world, world.v1)
    assert (r["score"], r["score_tier"], r["tier"]) == (36.6, "B", "D")
    frame = levers(world, world.v1)
    lower = {x["lever"]: x for x in frame.filter(pl.col("direction") == "lower").iter_rows(named=True)}
    assert {x["points_needed"] for x in lower.values()} == {0.0}
    # the evaluation mean would go from 75.0 to 75.0, the incidents "decay" to today's value: not advice
    assert "better_evaluations" not in lower and "incident_decay" not in lower
    assert_only_advice(frame, TODAY)
    floor = lower["floor"]
    assert floor["sufficient"] and floor["available_on"] is None
    assert floor["points_change"] is None          # a floor changes the tier, not the score: no "+0.00"
    assert floor["description_zh"].startswith("风险分36.60已在C级范围，分数再降也不会改变等级；底线规则将其定为D级：承接涉密项目但无保密资质")
    assert "须先消除该情形" in floor["description_zh"] and "分数再降也不会改变等级" in floor["description_zh"]
    # the ways to remove the floor's cause stay, and none is said to be enough on its own
    assert lower["resolve_classified_without_secrecy"]["points_change"] == -10.0
    assert not any(x["sufficient"] for k, x in lower.items() if k != "floor")


def test_the_evaluation_mean_to_reach_is_rounded_up_and_matches_its_points(world):
    r = risk(world, world.v2)
    assert r["tier"] == "C" and r["floor_tier"] is None and r["pts_evaluations"] == 9.5
    frame = levers(world, world.v2)
    assert_only_advice(frame, TODAY)
    lower = {x["lever"]: x for x in frame.filter(pl.col("direction") == "lower").iter_rows(named=True)}
    needed = lower["better_evaluations"]["points_needed"]
    assert needed == -round(r["score"] - 40 + 0.01, 2)
    found = re.fullmatch(r"服务评价均分由(\d+\.\d)提高到(\d+\.\d)", lower["better_evaluations"]["description_zh"])
    assert found, lower["better_evaluations"]["description_zh"]
    before, after = float(found[1]), float(found[2])
    assert before == 61.5
    exact = 90 - (9.5 + needed) * 30 / 10           # the mean that gives exactly the points needed
    assert after == math.ceil(round(exact * 10, 6)) / 10 and after >= exact
    change = lower["better_evaluations"]["points_change"]
    assert change == round(10 * (90 - after) / 30 - 9.5, 2) and change <= needed
    assert lower["better_evaluations"]["sufficient"]
    decay = lower["incident_decay"]
    assert decay["available_on"] > TODAY and decay["points_change"] < 0
    assert re.fullmatch(r"如无新事件，事件分项随时间衰减至\d+\.\d\d", decay["description_zh"])  # the date is in available_on


def test_a_component_at_its_maximum_offers_no_increase(world):
    r = risk(world, world.v3)
    assert r["pts_incidents"] == 25.0
    frame = levers(world, world.v3)
    assert_only_advice(frame, TODAY)
    higher = set(frame.filter(pl.col("direction") == "higher")["lever"].to_list())
    assert not any(lever.startswith("new_incident_") for lever in higher)
    assert "floor_FLOOR_SERIOUS_INCIDENT" in higher      # a 较大 incident still moves it, by the floor
    assert frame.filter(pl.col("lever").str.starts_with("floor"))["points_change"].is_null().all()
    assert "next_inspection_不合格" in higher


@pytest.mark.parametrize("days", [0, 200, 1200])
def test_nothing_is_dated_today_or_earlier_even_when_asked_later(world, days):
    today = TODAY + dt.timedelta(days=days)
    for vendor in (world.v1, world.v2, world.v3):
        assert_only_advice(levers(world, vendor, today), today)


def test_a_floor_that_lifts_only_with_time_is_dated_beside_one_whose_cause_must_be_removed(world):
    r = risk(world, world.v4)
    assert r["tier"] == "D" and r["score_tier"] < "D"
    lower = {x["lever"]: x for x in levers(world, world.v4).filter(pl.col("direction") == "lower").iter_rows(named=True)}
    floor = lower["floor"]
    assert "须先消除该情形" in floor["description_zh"]
    assert "“24个月内发生较大及以上事件”一项到2027年3月1日才不再适用" in floor["description_zh"]
    assert "“Relatively serious or worse incident in the last 24 months” applies until 2027-03-01" in floor["description_en"]
    # removing the classified project's cause alone leaves the incident's floor: not enough on its own,
    # and neither is the floor itself (nothing alone moves the tier before 2027-03-01)
    assert not lower["resolve_classified_without_secrecy"]["sufficient"]
    assert not floor["sufficient"] and floor["available_on"] is None
