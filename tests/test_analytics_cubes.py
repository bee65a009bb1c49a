"""The cubes (marts/20–23): the overview's query functions answer from them exactly what they answer
from the detail marts, for every filter set the cubes cover — region prefixes, tiers, service types,
quarters and years — and fall back to the detail marts for what they do not cover: a vendor, a
period that is not whole quarters, a yearly trend, another "today" or another configuration.

A small province: six organs in two cities (one at the city level), two vendors, projects of two
service types (one organ has both), inspections over seven quarters (graded, ungraded, veto-failed),
rectifications in every status, and an incident that makes an organ's tier D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.analytics_world import World
from warehouse import analytics_config, db
from warehouse import queries as q

TODAY = dt.date(2025, 10, 8)
DIGITISE, SORTING = "传统载体档案数字化", "档案整理"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("cubes"))
    o1, o2, o3 = w.organ(1, "330102"), w.organ(2, "330106"), w.organ(3, "330203")
    o4, o5, o6 = w.organ(4, "330100", level="市级"), w.organ(5, "330102"), w.organ(6, "330203")
    v1, v2 = w.vendor(1), w.vendor(2)
    w.project("P1", o1, v1, "2023-01-01")
    w.project("P6", o1, v2, "2025-03-01", service=SORTING)
    w.project("P2", o2, v1, "2023-06-01", service=SORTING)
    w.project("P3", o3, v2, "2024-02-01")
    w.project("P4", o4, v2, "2024-05-01", service=SORTING)
    w.project("P5", o5, v1, "2022-01-01", end="2024-12-31", service=SORTING)
    w.inspection("I01", o1, "2024-02-10", project="P1", items={"A1": "不符合", "E3": "部分符合"})
    w.inspection("I02", o2, "2024-03-05", project="P2", items={})
    w.inspection("I03", o5, "2024-05-20", project="P5", items={"B1": "不符合", "H3": "不适用"})
    w.inspection("I04", o3, "2024-08-01", project="P3", items={"F1": "不符合"})            # veto: 不合格
    w.inspection("I05", o1, "2024-11-11", project="P1", items={"A1": "不符合", "G1": "部分符合"})
    w.inspection("I06", o4, "2024-12-01", score=82)                                         # reported score
    w.inspection("I07", o6, "2025-01-15")                                                   # no grade at all
    w.inspection("I08", o2, "2025-02-02", project="P2", items={"C3": "部分符合"})
    w.inspection("I09", o1, "2025-04-09", project="P6", items={"D1": "不符合", "D2": "不符合", "E1": "不符合"})
    w.inspection("I10", o3, "2025-05-30", project="P3", items={"A2": "不符合", "B2": "部分符合"})
    w.inspection("I11", o4, "2025-07-07", project="P4", items={"I1": "不适用", "G4": "部分符合"})
    w.inspection("I12", o5, "2025-08-18", items={"H1": "不符合"})
    w.inspection("I13", o2, "2025-09-30", project="P2", items={"E2": "部分符合", "E4": "不符合"})
    w.rectification("I01", "A1", "2024-03-10", completed="2024-03-01")                     # closed on time
    w.rectification("I03", "B1", "2024-06-20", completed="2024-07-30")                     # closed late
    w.rectification("I04", "F1", "2024-09-01")                                              # superseded by I10
    w.rectification("I05", "A1", "2024-12-11", completed="2024-12-20", verification="未通过")  # reopened
    w.rectification("I09", "D1", "2025-05-09", completed="2025-05-01")
    w.rectification("I09", "D2", "2025-06-09", completed="2025-07-01")
    w.rectification("I09", "E1", "2025-10-12")                                              # due soon
    w.rectification("I10", "A2", "2025-06-30")                                              # overdue
    w.rectification("I12", "H1", "2025-11-30")                                              # open
    w.rectification("I13", "E4", "2025-10-30", completed="2025-10-05")
    w.incident("SJ1", o3, "重大", "2025-06-01 09:00", vendor=v2, project="P3")              # O3 → tier D
    w.incident("SJ2", o2, "一般", "2025-02-01 09:00", vendor=v1, project="P2", status="已结案", closed="2025-03-01")
    w.load(TODAY)
    w.v1 = v1
    w.con = w.connect()
    yield w
    w.con.close()


LIVE = ("compliance_trend.sql", "grade_distribution.sql", "failing_categories.sql", "rectification_status.sql",
        "kpis.sql")
CUBE = ("compliance_cube.sql", "grade_cube.sql", "failing_categories_cube.sql", "rectification_status_cube.sql",
        "kpis_cube.sql")


@pytest.fixture
def used(monkeypatch):
    """The SQL files the query functions ran (outside `without_cubes()`)."""
    names: list[str] = []
    run = q._run

    def spy(con, name, params):
        if not q._NO_CUBES.get():
            names.append(name)
        return run(con, name, params)
    monkeypatch.setattr(q, "_run", spy)
    return names


def both(fn):
    """(answer, answer from the detail marts)."""
    got = fn()
    with q.without_cubes():
        live = fn()
    return got, live


FILTERS = [
    q.Filters(today=TODAY),
    q.Filters(today=TODAY, region="330100"),          # a city (its organs and the city-level one)
    q.Filters(today=TODAY, region="3301"),            # the same as a prefix
    q.Filters(today=TODAY, region="330102"),          # a county
    q.Filters(today=TODAY, region="33"),              # the province
    q.Filters(today=TODAY, region="330200", tier="D"),
    q.Filters(today=TODAY, tier="B"),
    q.Filters(today=TODAY, tier="C"),
    q.Filters(today=TODAY, service_type=SORTING),
    q.Filters(today=TODAY, service_type=DIGITISE, region="3302"),
    q.Filters(today=TODAY, period="2025-Q1"),
    q.Filters(today=TODAY, period="2024"),
    q.Filters(today=TODAY, period="2025年第三季度", region="330100", service_type=SORTING),
    q.Filters(today=TODAY, period=(dt.date(2024, 4, 1), dt.date(2025, 3, 31)), tier="B"),   # whole quarters
    q.Filters(today=TODAY, scope="330200"),
    q.Filters(today=TODAY, region="330102", scope="330200"),                           # outside the scope
]
IDS = [f"{f.period or ''}|{f.region or ''}|{f.tier or ''}|{f.service_type or ''}|{f.scope or ''}" for f in FILTERS]

CALLS = {
    "trend": lambda con, f: q.compliance_trend(con, f),
    "trend city": lambda con, f: q.compliance_trend(con, f, by=("quarter", "city")),
    "trend county service": lambda con, f: q.compliance_trend(con, f, by=("quarter", "county", "service_type")),
    "trend province": lambda con, f: q.compliance_trend(con, f, by=("province", "quarter")),
    "grades": lambda con, f: q.grade_distribution(con, f),
    "grades year": lambda con, f: q.grade_distribution(con, f, by=("year",)),
    "grades quarter city": lambda con, f: q.grade_distribution(con, f, by=("quarter", "city", "service_type")),
    "categories": lambda con, f: q.failing_categories(con, f),
    "categories quarter": lambda con, f: q.failing_categories(con, f, by=("quarter",)),
    "categories year service": lambda con, f: q.failing_categories(con, f, by=("year", "county", "service_type")),
}
RECT_CALLS = {
    "rect": lambda con, f: q.rectification_status(con, f),
    "rect city": lambda con, f: q.rectification_status(con, f, by=("city",)),
    "rect tier": lambda con, f: q.rectification_status(con, f, by=("tier",)),
    "rect county tier service": lambda con, f: q.rectification_status(con, f, by=("county", "tier", "service_type")),
}


def test_the_world_has_something_in_every_cube(world):
    counts = {t: world.con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in
              ("mart_compliance_cube", "mart_category_cube", "mart_rectification_cube", "mart_kpi_cube")}
    assert all(n > 0 for n in counts.values()), counts
    tiers = set(world.con.sql("SELECT DISTINCT tier FROM mart_organ_schedule").pl()["tier"])
    assert {"B", "C", "D"} <= tiers
    statuses = set(q.rectifications(world.con, q.Filters(today=TODAY))["status"])
    assert {"closed", "closed_late", "superseded", "overdue", "due_soon", "open"} <= statuses


@pytest.mark.parametrize("f", FILTERS, ids=IDS)
def test_cubes_answer_exactly_what_the_detail_marts_answer(world, f, used):
    for name, call in CALLS.items():
        got, live = both(lambda: call(world.con, f))
        assert_frame_equal(got, live, check_exact=True), name
    for name, call in RECT_CALLS.items():
        got, live = both(lambda: call(world.con, replace(f, period=None)))
        assert_frame_equal(got, live, check_exact=True), name
    got, live = both(lambda: q.kpis(world.con, f))
    assert_frame_equal(got, live, check_exact=True)
    # whole quarters, no vendor, the refresh's date: every answer came from a cube (the headline
    # numbers of a range of days compare it with the days before, which the cube does not keep)
    assert set(used) == set(CUBE) | ({"kpis.sql"} if isinstance(f.period, tuple) else set())


def test_the_answers_are_not_empty(world):
    f = q.Filters(today=TODAY, period="2024")
    trend = q.compliance_trend(world.con, f)
    assert trend["inspections"].sum() == 6 and trend["organs_inspected"].to_list() == [2, 1, 1, 2]
    grades = q.grade_distribution(world.con, q.Filters(today=TODAY))
    assert grades.filter(pl.col("grade").is_null())["inspections"].to_list() == [1]     # I07
    kpis = {r["kpi"]: r for r in q.kpis(world.con, q.Filters(today=TODAY, period="2025-Q3")).iter_rows(named=True)}
    assert kpis["inspections"]["value"] == 3 and kpis["inspections"]["previous_value"] == 2
    rect = q.rectification_status(world.con, q.Filters(today=TODAY)).row(0, named=True)
    assert rect["total"] == 10 and rect["median_days_to_close"] is not None


@pytest.mark.parametrize("label", ["a vendor", "a month", "days that are not whole quarters"])
def test_what_the_cubes_do_not_cover_is_read_from_the_detail_marts(world, label, used):
    f = {"a vendor": q.Filters(today=TODAY, vendor_code=world.v1),
         "a month": q.Filters(today=TODAY, period="2025-07"),
         "days that are not whole quarters": q.Filters(today=TODAY, period=(dt.date(2025, 1, 15),
                                                                            dt.date(2025, 6, 30)))}[label]
    for name, call in CALLS.items():
        got, live = both(lambda: call(world.con, f))
        assert_frame_equal(got, live, check_exact=True), name
    assert q.compliance_trend(world.con, f)["inspections"].sum() > 0
    assert not set(used) & set(CUBE)


def test_a_yearly_trend_counts_organs_from_the_detail_marts(world, used):
    got, live = both(lambda: q.compliance_trend(world.con, q.Filters(today=TODAY), by=("year", "city")))
    assert_frame_equal(got, live, check_exact=True)
    assert "compliance_cube.sql" not in used


def test_rectification_status_as_of_another_day_or_with_a_period_or_vendor(world, used):
    for f in (q.Filters(today=TODAY + dt.timedelta(days=3)), q.Filters(today=dt.date(2025, 6, 1), region="3301"),
              q.Filters(today=TODAY, period="2025"), q.Filters(today=TODAY, vendor_code=world.v1)):
        for name, call in RECT_CALLS.items():
            got, live = both(lambda: call(world.con, f))
            assert_frame_equal(got, live, check_exact=True), name
    assert "rectification_status_cube.sql" not in used


def test_headline_numbers_for_another_day(world, used):
    # a later day: the current quarter's as-of day is not the cube's — counted from the detail marts
    later = q.Filters(today=TODAY + dt.timedelta(days=5))
    got, live = both(lambda: q.kpis(world.con, later))
    assert_frame_equal(got, live, check_exact=True)
    assert used == ["kpis_cube.sql", "kpis.sql"]
    used.clear()
    # past periods are the same on any day: still the cube
    past = q.Filters(today=TODAY + dt.timedelta(days=40), period="2025-Q2", region="3301")
    got, live = both(lambda: q.kpis(world.con, past))
    assert_frame_equal(got, live, check_exact=True)
    assert used == ["kpis_cube.sql"]
    used.clear()
    # a period older than the cube keeps
    old = q.Filters(today=TODAY, period="2019-Q4")
    got, live = both(lambda: q.kpis(world.con, old))
    assert_frame_equal(got, live, check_exact=True)
    assert used == ["kpis_cube.sql", "kpis.sql"]


def test_another_configuration_is_read_from_the_detail_marts(world, used):
    data = analytics_config.active().data
    other = analytics_config.AnalyticsConfig({**data, "grades": {**data["grades"], "passing": ["不合格"]}}, "test")
    f = q.Filters(today=TODAY, period="2025-Q3")
    got, live = both(lambda: q.kpis(world.con, f, config=other))
    assert_frame_equal(got, live, check_exact=True)
    assert "kpis_cube.sql" not in used
    assert got.filter(pl.col("kpi") == "pass_rate")["value"].to_list() != \
        q.kpis(world.con, f).filter(pl.col("kpi") == "pass_rate")["value"].to_list()


def test_a_warehouse_without_cubes_answers_from_the_detail_marts(world, tmp_path, used):
    """The cubes dropped (a warehouse refreshed before they existed): the same answers. On a file,
    in a copy; on a lake, in a transaction that is rolled back."""
    import shutil
    from pathlib import Path
    f = q.Filters(today=TODAY)
    on_file = isinstance(db.location(world.warehouse), Path)
    if on_file:
        shutil.copyfile(world.warehouse, tmp_path / "old.duckdb")
    con = db.connect(tmp_path / "old.duckdb" if on_file else world.warehouse)
    try:
        con.execute("BEGIN TRANSACTION")
        for table in ("mart_compliance_cube", "mart_category_cube", "mart_rectification_cube", "mart_kpi_cube"):
            con.execute(f"DROP TABLE {table}")
        old = {name: call(con, f) for name, call in {**CALLS, **RECT_CALLS}.items()} | {"kpis": q.kpis(con, f)}
        con.execute("ROLLBACK")
    finally:
        con.close()
    assert set(used) <= set(LIVE)
    for name, call in {**CALLS, **RECT_CALLS}.items():
        assert_frame_equal(old[name], call(world.con, f), check_exact=True), name
    assert_frame_equal(old["kpis"], q.kpis(world.con, f), check_exact=True)


def test_organs_alone_are_counted(tmp_path, used):
    """A first load of the organ registry only (no project, no service type yet)."""
    w = World(tmp_path)
    w.organ(1, "330102")
    w.organ(2, "330203")
    w.load(TODAY)
    with w.connect() as con:
        got, live = both(lambda: q.kpis(con, q.Filters(today=TODAY)))
    assert_frame_equal(got, live, check_exact=True)
    assert used == ["kpis_cube.sql"]
    assert got.filter(pl.col("kpi") == "organs_supervised")["value"].to_list() == [2.0]


def test_the_raw_table_figures_of_the_benchmark_agree(world):
    """warehouse/sql/raw (the benchmark's answers from the fact tables alone) agree with the marts."""
    from schemas.checklist import CHECKLIST_VERSION
    from warehouse import sqlfiles
    f = q.Filters(today=TODAY)
    start, end = q.window(f)
    raw = sqlfiles.query(world.con, "raw", "compliance_trend.sql", {"start": start, "end": end, "region": None}).pl()
    trend = q.compliance_trend(world.con, f).filter(pl.col("inspections") > 0)
    cols = ["period_start", "inspections", "graded", "n_excellent", "n_good", "n_pass", "n_fail", "veto_failures",
            "items_failed", "items_partial", "organs_inspected", "mean_score"]
    assert_frame_equal(raw.select(cols), trend.select(cols), check_dtypes=False)
    raw = sqlfiles.query(world.con, "raw", "failing_categories.sql", {"start": start, "end": end, "region": "3301",
                                                                      "checklist_version": CHECKLIST_VERSION}).pl()
    cats = q.failing_categories(world.con, replace(f, region="3301")).sort("category_code")
    assert_frame_equal(raw, cats.select(raw.columns), check_dtypes=False)
    raw = sqlfiles.query(world.con, "raw", "rectification_status.sql",
                         {"today": TODAY, "region_level": "city", "due_soon_days": 7}).pl()
    rect = q.rectification_status(world.con, f, by=("city",))
    assert_frame_equal(raw, rect.select(raw.columns), check_dtypes=False)
    qs = q.quarter_start(TODAY)
    kpis = {r["kpi"]: r["value"] for r in q.kpis(world.con, f).iter_rows(named=True)}
    raw = sqlfiles.query(world.con, "raw", "kpis.sql", {"start": qs, "as_of": TODAY,
                                                        "passing": ["优秀", "良好", "合格"]}).pl()
    assert {r["kpi"]: r["value"] for r in raw.iter_rows(named=True)} == \
        {k: v for k, v in kpis.items() if k != "overdue_checks"}
