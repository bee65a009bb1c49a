"""Repeat findings kept by a refresh (marts/06_repeat_findings.sql): a new inspection at the end of an
organ's or a vendor's sequence only adds the pairs ending at it, continuing the streaks kept; a new
inspection dated before others, or an inspection the warehouse already had, has the sequence paired
again whole. Each step gives exactly what a full rebuild gives."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.analytics_world import World
from tests.test_analytics_refresh import assert_same_as_rebuild

TODAY = dt.date(2025, 10, 8)
A1_FAILS = {"A1": "不符合"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("repeats"))
    w.o1, w.o2 = w.organ(1, "330102"), w.organ(2, "330106")
    w.v1 = w.vendor(1)
    w.project("P1", w.o1, w.v1, "2023-01-01")
    w.project("P2", w.o2, w.v1, "2023-01-01")
    w.inspection("K1", w.o1, "2024-01-10", project="P1", items=A1_FAILS)
    w.inspection("K2", w.o1, "2024-06-10", project="P1", items=A1_FAILS)
    w.load(TODAY)
    return w


def streaks(w: World, scope: str) -> dict[str, int]:
    with w.connect() as con:
        rows = con.sql("SELECT inspection_code, streak FROM mart_repeat_findings WHERE scope = $s AND item_code = 'A1'",
                       params={"s": scope}).fetchall()
    return dict(rows)


def counts(w: World) -> dict[str, int]:
    with w.connect() as con:
        return dict(con.sql("SELECT inspection_code, repeat_findings FROM mart_inspections").fetchall())


def test_a_new_last_inspection_continues_the_streaks_kept(world):
    world.inspection("K3", world.o1, "2024-12-10", project="P1", items=A1_FAILS)
    world.load(TODAY)
    assert streaks(world, "organ") == {"K2": 2, "K3": 3}
    assert streaks(world, "vendor") == {"K2": 2, "K3": 3}
    assert counts(world) == {"K1": 0, "K2": 1, "K3": 1}
    assert_same_as_rebuild(world, TODAY)


def test_another_organs_inspection_continues_the_vendors_streak_only(world):
    world.inspection("K4", world.o2, "2025-03-10", project="P2", items={"A1": "部分符合"})
    world.load(TODAY)
    assert streaks(world, "vendor") == {"K2": 2, "K3": 3, "K4": 4}
    assert streaks(world, "organ") == {"K2": 2, "K3": 3}
    assert counts(world)["K4"] == 0  # the count is the organ's: K4 is O2's first inspection
    assert_same_as_rebuild(world, TODAY)


def test_a_new_inspection_dated_before_others_pairs_the_sequences_again(world):
    world.inspection("K0", world.o1, "2023-06-10", project="P1", items=A1_FAILS)
    world.load(TODAY)
    assert streaks(world, "organ") == {"K1": 2, "K2": 3, "K3": 4}
    assert streaks(world, "vendor") == {"K1": 2, "K2": 3, "K3": 4, "K4": 5}
    assert counts(world) == {"K0": 0, "K1": 1, "K2": 1, "K3": 1, "K4": 0}
    assert_same_as_rebuild(world, TODAY)


def test_an_inspection_resent_with_another_result_breaks_the_streaks_after_it(world):
    world.add("inspection_items", inspection_code="K2", item_code="A1", result="符合")
    world.load(TODAY)
    assert streaks(world, "organ") == {"K1": 2}
    assert streaks(world, "vendor") == {"K1": 2, "K4": 2}
    assert counts(world) == {"K0": 0, "K1": 1, "K2": 0, "K3": 0, "K4": 0}
    assert_same_as_rebuild(world, TODAY)


def test_two_new_inspections_at_the_end_pair_with_each_other_too(world):
    world.inspection("K5", world.o1, "2025-06-10", project="P1", items=A1_FAILS)
    world.inspection("K6", world.o1, "2025-09-10", project="P1", items=A1_FAILS)
    world.load(TODAY)
    # O1: K0 K1 K2(符合) K3 K5 K6 → K5 continues nothing at K3 (no pair ends there), K6 follows K5
    assert streaks(world, "organ") == {"K1": 2, "K5": 2, "K6": 3}
    # V1: … K3 K4 K5 K6 — K4 (2) is continued by K5 and K6
    assert streaks(world, "vendor") == {"K1": 2, "K4": 2, "K5": 3, "K6": 4}
    assert counts(world)["K5"] == 1 and counts(world)["K6"] == 1
    assert_same_as_rebuild(world, TODAY)


def test_a_seeded_run_of_mixed_loads_always_gives_what_a_rebuild_gives(tmp_path):
    """Eight loads drawn from a fixed seed: new inspections at the end of a sequence or dated among
    its others, two organs sharing a vendor and one with another, items found wanting or not, and
    inspections sent again with other results or moved to another day. On the embedded file alone:
    the tests above run on DuckLake too, and this one's eight loads and rebuilds take a minute there."""
    rng = random.Random(20261126)
    w = World(tmp_path, file_only=True)
    organs = [w.organ(1, "330102"), w.organ(2, "330106"), w.organ(3, "330203")]
    v1, v2 = w.vendor(1), w.vendor(2)
    projects = {organs[0]: "P1", organs[1]: "P2", organs[2]: "P3"}
    w.project("P1", organs[0], v1, "2022-01-01")
    w.project("P2", organs[1], v1, "2022-01-01")
    w.project("P3", organs[2], v2, "2022-01-01")
    sent: dict[str, str] = {}   # inspection code → organ

    def results() -> dict[str, str]:
        return {item: rng.choice(["不符合", "部分符合", "符合", "符合"]) for item in ("A1", "B2", "E3")}

    def day() -> str:
        return (dt.date(2022, 3, 1) + dt.timedelta(days=rng.randrange(0, 1200))).isoformat()

    for n in range(1, 9):
        for _ in range(rng.randint(1, 3)):
            if sent and rng.random() < 0.35:   # sent again: other results, sometimes another day
                code = rng.choice(sorted(sent))
                on = day() if rng.random() < 0.5 else None
            else:
                code, on = f"R{n}-{len(sent)}", day()
            organ = sent.setdefault(code, rng.choice(organs))
            if on is None:
                for item, result in results().items():
                    w.add("inspection_items", inspection_code=code, item_code=item, result=result,
                          finding=None if result == "符合" else "问题")
            else:
                w.inspection(code, organ, on, project=projects[organ], items=results())
        w.load(TODAY)
        assert_same_as_rebuild(w, TODAY)
    with w.connect() as con:
        assert con.sql("SELECT count(*) FROM mart_repeat_findings").fetchall()[0][0] > 0
