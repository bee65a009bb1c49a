"""The cubes kept by difference (compliance, categories, rectifications, headline numbers): a load on
the day of the last refresh adds what the organs in scope contribute now and takes away what they
contributed before, instead of recomputing whole regions — and the cubes stay exactly what a rebuild
gives, when a new organ arrives, when an organ's tier changes (its rows move to another tier's
cells), when an organ's last row in a cell goes away (the cell goes with it), and when the most
overdue rectification closes (the most days overdue, a maximum, is kept as due dates that add up).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.analytics_world import World
from tests.test_analytics_refresh import assert_same_as_rebuild
from warehouse import marts
from warehouse import queries as q

TODAY = dt.date(2025, 10, 8)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("cubes"))
    w.o1, w.o2 = w.organ(1, "330102"), w.organ(2, "330106")
    w.v1, w.v2 = w.vendor(1), w.vendor(2)
    w.project("P1", w.o1, w.v1, "2023-01-01", volume=1000, unit="卷")
    w.project("P2", w.o2, w.v2, "2024-03-01", volume=3000, unit="卷")
    w.inspection("K1", w.o1, "2025-03-10", project="P1", items={"A1": "不符合"})
    w.inspection("K2", w.o2, "2025-04-02", project="P2", items={"E3": "部分符合", "H3": "不适用"})
    w.load(TODAY)
    return w


@pytest.fixture
def applied(monkeypatch):
    """How each cube kept by difference was brought up to date in the loads of a test."""
    seen: list[tuple[str, bool]] = []
    original = marts._apply_cube

    def spy(con, table, keys, *, by_difference):
        seen.append((table, by_difference))
        return original(con, table, keys, by_difference=by_difference)

    monkeypatch.setattr(marts, "_apply_cube", spy)
    return seen


def cube_rows(w: World, table: str, where: str) -> list[tuple]:
    with w.connect() as con:
        return con.sql(f"SELECT * FROM {table} WHERE {where} ORDER BY ALL").fetchall()


def test_a_new_organ_on_the_same_day_is_added_to_the_cubes(world, applied):
    o3 = world.organ(3, "330102")
    world.project("P3", o3, world.v1, "2025-01-01")
    world.inspection("K3", o3, "2025-05-06", project="P3", items={"A1": "不符合", "B2": "部分符合"})
    world.load(TODAY)
    assert applied == [("mart_compliance_cube", True), ("mart_category_cube", True),
                       ("mart_rectification_cube", True), ("mart_kpi_cube", True)]
    # the county of O1 and O3 now has two inspections in two quarters, one organ each
    assert [(r[1], r[6]) for r in cube_rows(world, "mart_compliance_cube",
                                             "all_services AND region_code = '330102'")] == \
        [(dt.date(2025, 1, 1), 1), (dt.date(2025, 4, 1), 1)]
    assert_same_as_rebuild(world, TODAY)


def test_an_organ_whose_tier_changes_moves_to_the_cells_of_its_new_tier(world, applied):
    with world.connect() as con:
        (before,) = con.sql("SELECT tier FROM mart_organ_schedule WHERE organ_code = $o",
                            params={"o": world.o2}).fetchall()[0]
    # a serious incident at O2 (tier rules: an incident of 较大 or worse in the last 24 months)
    world.incident("SJ1", world.o2, "重大", "2025-09-30 08:00", vendor=world.v2, project="P2")
    world.load(TODAY)
    assert ("mart_category_cube", True) in applied
    with world.connect() as con:
        (after,) = con.sql("SELECT tier FROM mart_organ_schedule WHERE organ_code = $o",
                           params={"o": world.o2}).fetchall()[0]
    assert before != after
    tiers = {r[2] for r in cube_rows(world, "mart_category_cube", "region_code = '330106'")}
    assert tiers == {after}
    assert_same_as_rebuild(world, TODAY)


def test_a_cell_whose_last_row_goes_away_goes_with_it(world, applied):
    # O2 moves to another county: nothing is left in the cells of 330106
    world.add("organs", organ_code=world.o2, organ_name="测试机关2", region_code="330108", admin_level="县级")
    world.load(TODAY)
    assert ("mart_compliance_cube", True) in applied
    for table in ("mart_compliance_cube", "mart_category_cube", "mart_kpi_cube"):   # O2 has no rectification
        assert cube_rows(world, table, "region_code = '330106'") == [], table
        assert cube_rows(world, table, "region_code = '330108'") != [], table
    assert_same_as_rebuild(world, TODAY)


def test_the_most_days_overdue_follows_the_rectifications_that_close(world, applied):
    def overdue(w: World) -> tuple[int, int | None]:
        with w.connect() as con:
            row = q.rectification_status(con, q.Filters(today=TODAY)).row(0, named=True)
        return row["overdue"], row["max_days_overdue"]

    world.rectification("K1", "A1", "2025-04-10")            # K2's finding is due; K1's since 10 April
    world.rectification("K2", "E3", "2025-09-30")
    world.load(TODAY)
    assert ("mart_rectification_cube", True) in applied
    assert overdue(world) == (2, 181)                         # 10 April → 8 October
    assert_same_as_rebuild(world, TODAY)

    world.rectification("K1", "A1", "2025-04-10", completed="2025-10-01")
    world.load(TODAY)
    assert overdue(world) == (1, 8)                           # 30 September → 8 October
    assert_same_as_rebuild(world, TODAY)


def test_a_cell_left_without_a_score_has_no_mean_score(world, applied):
    # K9 (no checklist, no score) joins K1's quarter; then K1 moves to the next quarter
    world.inspection("K9", world.o1, "2025-02-01", project="P1")
    world.load(TODAY)
    world.inspection("K1", world.o1, "2025-04-15", project="P1", items={"A1": "不符合"})
    world.load(TODAY)
    assert ("mart_compliance_cube", True) in applied
    with world.connect() as con:
        first_quarter = con.sql("SELECT inspections, scored, score_sum FROM mart_compliance_cube "
                                "WHERE all_services AND region_code = '330102' AND period_start = DATE '2025-01-01'"
                                ).fetchall()
    assert first_quarter == [(1, 0, None)]
    assert_same_as_rebuild(world, TODAY)


def test_a_new_inspection_that_changes_its_organs_tier_moves_its_earlier_inspections_too(tmp_path, applied):
    w = World(tmp_path)
    organ = w.organ(1, "330102")
    w.project("P1", organ, w.vendor(1), "2023-01-01")
    w.inspection("K1", organ, "2025-03-10", project="P1", items={"A1": "不符合"})
    w.load(TODAY)

    def tier(con) -> str:
        return con.sql("SELECT tier FROM mart_organ_schedule WHERE organ_code = $o", params={"o": organ}).fetchall()[0][0]

    with w.connect() as con:
        before = tier(con)
    # a veto item failed at the organ's last inspection (tier rule D_LAST_FAILED): its earlier
    # inspection K1, untouched by the load, now counts under tier D as well
    w.inspection("K2", organ, "2025-09-01", project="P1", items={"I1": "不符合"})
    w.load(TODAY)
    assert ("mart_category_cube", True) in applied
    with w.connect() as con:
        assert (before, tier(con)) == ("B", "D")
    assert {(r[0], r[2]) for r in cube_rows(w, "mart_category_cube", "true")} == \
        {(dt.date(2025, 1, 1), "D"), (dt.date(2025, 7, 1), "D")}
    assert_same_as_rebuild(w, TODAY)
