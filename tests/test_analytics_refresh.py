"""The refresh hook (warehouse.marts.refresh, called by every load): the incremental refresh gives
exactly what a full rebuild gives, after loads that add, replace and re-send rows on the same day and
on a new day; it reads only what the load touched; and the "data as of" answers for caveat banners.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.analytics_world import World
from warehouse import db, marts, sqlfiles
from warehouse import queries as q

D1 = dt.date(2025, 10, 8)
D2 = dt.date(2025, 11, 20)
MARTS = ("mart_inspections", "mart_inspection_categories", "mart_item_exceptions", "mart_repeat_findings",
         "mart_rectifications", "mart_entity_facts", "mart_tier_rule_hits", "mart_organ_schedule",
         "mart_check_events", "mart_vendor_risk_evidence", "mart_vendor_risk", "mart_submissions",
         "mart_organ_loads", "mart_compliance_cube", "mart_category_cube", "mart_rectification_cube", "mart_kpi_cube",
         "mart_kpi_periods")


def snapshot(con) -> dict[str, pl.DataFrame]:
    return {t: con.sql(f"SELECT * FROM {t} ORDER BY ALL").pl() for t in MARTS}


def assert_same_as_rebuild(w: World, today: dt.date) -> None:
    """Rebuild every mart from scratch in a transaction that is rolled back, and compare."""
    con = db.connect(w.warehouse)
    try:
        before = snapshot(con)
        con.execute("BEGIN TRANSACTION")
        stats = marts.rebuild(con, today=today)
        assert stats.mode == "full"
        after = snapshot(con)
        con.execute("ROLLBACK")
    finally:
        con.close()
    for table in MARTS:
        assert before[table].height == after[table].height, table
        assert_frame_equal(before[table], after[table], check_exact=False, rel_tol=1e-9, abs_tol=1e-9), table


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("refresh"))
    w.o1, w.o2, w.o3 = w.organ(1, "330102"), w.organ(2, "330106"), w.organ(3, "330203")
    w.v1, w.v2 = w.vendor(1), w.vendor(2)
    w.project("P1", w.o1, w.v1, "2023-01-01", volume=1000, unit="卷")
    w.project("P2", w.o2, w.v1, "2024-03-01", volume=3000, unit="卷")
    w.project("P3", w.o3, w.v2, "2025-02-01")
    w.qualification(w.v1, "Q1", "质量管理体系认证", "2023-01-01", "2025-12-15")
    w.inspection("K1", w.o1, "2024-05-10", project="P1", items={"A1": "不符合", "E3": "部分符合"})
    w.inspection("K2", w.o1, "2025-03-10", project="P1", items={"A1": "不符合", "H3": "不适用"})
    w.inspection("K3", w.o2, "2025-04-02", project="P2", items={"F1": "不符合"})
    w.rectification("K2", "A1", "2025-04-10")
    w.rectification("K3", "F1", "2025-05-02", completed="2025-05-20")
    w.evaluation("2025-Q2", w.o1, w.v1, 82, project="P1", evaluated_on="2025-07-05")
    w.load(D1)
    return w


def test_first_load_is_a_full_refresh(world):
    with world.connect() as con:
        log = con.sql("SELECT load_id, today, mode, touched_inspections, scope_organs, scope_vendors "
                      "FROM mart_refresh_log").fetchall()
        assert log == [(1, D1, "full", 3, 3, 2)]
        assert q.marts_as_of(con)["today"] == D1
    assert_same_as_rebuild(world, D1)


def test_loads_on_the_same_day_stay_incremental_and_exact(world):
    # load 2: a new inspection of O1 (A1 failed a third time), the overdue rectification completed,
    # a serious incident at V2, a new qualification for V2, another evaluation
    world.inspection("K4", world.o1, "2025-09-01", project="P1", items={"A1": "不符合", "G1": "部分符合", "I1": "不符合"})
    world.rectification("K2", "A1", "2025-04-10", completed="2025-09-15")
    world.incident("SJ9", world.o3, "重大", "2025-09-30 08:00", vendor=world.v2, project="P3")
    world.qualification(world.v2, "Q2", "信息安全管理体系认证", "2024-01-01", "2026-12-31")
    world.evaluation("2025-Q3", world.o2, world.v1, 75, project="P2")
    refresh = world.load(D1).refresh
    # the load's result carries its refresh, each statement run named by its mart file and place
    assert (refresh.load_id, refresh.mode) == (2, "incremental")
    assert "10_entity_facts.sql#2" in refresh.statements
    assert {key.split("#")[0] for key in refresh.statements} <= set(sqlfiles.names("marts"))
    assert 0 < sum(refresh.statements.values()) <= refresh.seconds
    with world.connect() as con:
        mode, touched, organs, vendors = con.sql(
            "SELECT mode, touched_inspections, scope_organs, scope_vendors FROM mart_refresh_log "
            "WHERE load_id = 2").fetchall()[0]
        # K4 (new) and K2 (its rectification changed); O1, O2 (evaluation), O3 (incident);
        # V1 (inspections, evaluation), V2 (incident, qualification)
        assert (mode, touched, organs, vendors) == ("incremental", 2, 3, 2)
        streak = con.sql("SELECT streak FROM mart_repeat_findings WHERE scope = 'organ' AND inspection_code = 'K4'"
                         ).fetchall()
        assert streak == [(3,)]  # K1, K2, K4 all failed A1
        # I1 is a veto item: counted from the exceptions the refresh set aside, not searched for in the mart
        assert con.sql("SELECT veto_items_failed, grade FROM mart_inspections WHERE inspection_code = 'K4'"
                       ).fetchall() == [(1, "不合格")]
    assert_same_as_rebuild(world, D1)


def test_replaced_rows_and_resent_items_are_refreshed(world):
    # load 3: O1 moves to another county (dimensions of its inspections change), P2 changes service
    # type, and one item of K1 is re-sent with another result (its other 32 items came earlier)
    world.add("organs", organ_code=world.o1, organ_name="测试机关1", region_code="330105", admin_level="县级")
    world.project("P2", world.o2, world.v1, "2024-03-01", volume=3000, unit="卷", service="档案整理")
    world.add("inspection_items", inspection_code="K1", item_code="E3", result="不符合", finding="问题")
    world.load(D1)
    with world.connect() as con:
        k1 = con.sql("SELECT region_code, n_fail, n_partial, score FROM mart_inspections "
                     "WHERE inspection_code = 'K1'").fetchall()
        # K1 now: A1 (4) and E3 (3) failed → 93.0
        assert k1 == [("330105", 2, 0, 93.0)]
        assert con.sql("SELECT DISTINCT region_code FROM mart_item_exceptions WHERE organ_key = "
                       "md5_number_lower($o)", params={"o": world.o1}).fetchall() == [("330105",)]
        assert con.sql("SELECT service_type FROM mart_inspections WHERE inspection_code = 'K3'").fetchall() == \
            [("档案整理",)]
    assert_same_as_rebuild(world, D1)


def test_a_load_of_only_rejected_rows_counts_them_against_the_organs_they_name(world):
    # load 4: one evaluation of O2, rejected (an overall score of 150); nothing is written
    world.evaluation("2025-Q3", world.o2, world.v1, 150, project="P2")
    world.load(D1, expect_clean=False)
    with world.connect() as con:
        assert con.sql("SELECT mode, scope_organs FROM mart_refresh_log WHERE load_id = 4").fetchall() == \
            [("incremental", 1)]
        assert con.sql("SELECT quarter, rows_rejected FROM mart_submissions WHERE organ_code = $o "
                       "AND rows_rejected > 0", params={"o": world.o2}).fetchall() == [("2025-Q4", 1)]
    assert_same_as_rebuild(world, D1)


def test_a_new_day_recomputes_every_entity_and_stays_exact(world):
    world.inspection("K5", world.o3, "2025-11-10", project="P3", items={})
    world.load(D2)
    with world.connect() as con:
        assert con.sql("SELECT mode, scope_organs, scope_vendors FROM mart_refresh_log WHERE load_id = 5"
                       ).fetchall() == [("incremental", 3, 2)]
    assert_same_as_rebuild(world, D2)


def test_a_file_loaded_again_changes_nothing(world, tmp_path):
    before = None
    with world.connect() as con:
        before = snapshot(con)
    folder = world.root / "load1"
    from etl import pipeline
    result = pipeline.run([folder], pipeline.Settings(world.warehouse, world.jurisdiction, D2))
    assert {f.status for f in result.files} == {"already_loaded"}
    with world.connect() as con:
        after = snapshot(con)
        # nothing written on the day of the last refresh: the marts are left as they are
        assert con.sql("SELECT mode FROM mart_refresh_log ORDER BY load_id DESC LIMIT 1").fetchall() == \
            [("unchanged",)]
    for table in MARTS:
        assert_frame_equal(before[table], after[table]), table


def test_advance_moves_the_date_without_a_load(world):
    con = db.connect(world.warehouse)
    try:
        con.execute("BEGIN TRANSACTION")
        stats = marts.advance(con, today=dt.date(2026, 6, 1))
        assert (stats.mode, stats.scope_organs, stats.scope_vendors) == ("incremental", 3, 2)
        assert con.sql("SELECT DISTINCT as_of FROM mart_organ_schedule").fetchall() == [(dt.date(2026, 6, 1),)]
        con.execute("ROLLBACK")
    finally:
        con.close()


def test_advance_after_a_load_of_new_inspections_keeps_each_once(tmp_path):
    # the nightly `oversight refresh` right after a load whose inspections were all new: they are in
    # the marts already, once (they were counted twice: the refresh took the load's rows for new)
    w = World(tmp_path)
    o1, o2 = w.organ(1, "330102"), w.organ(2, "330106")
    v1 = w.vendor(1)
    w.project("P1", o1, v1, "2023-01-01", volume=1000, unit="卷")
    w.project("P2", o2, v1, "2024-03-01")
    w.inspection("K1", o1, "2024-05-10", project="P1", items={"A1": "不符合", "E3": "部分符合"})
    w.inspection("K2", o1, "2025-03-10", project="P1", items={"A1": "不符合"})
    w.inspection("K3", o2, "2025-04-02", project="P2", items={"F1": "不符合"})
    w.rectification("K2", "A1", "2025-04-10")
    w.load(D1)
    for day, mode in ((D1, "unchanged"), (D2, "incremental"), (D2, "unchanged")):
        con = db.connect(w.warehouse)
        try:
            con.execute("BEGIN TRANSACTION")
            assert marts.advance(con, today=day).mode == mode
            con.execute("COMMIT")
            assert con.sql("SELECT count(*), count(DISTINCT inspection_code) FROM mart_inspections"
                           ).fetchall() == [(3, 3)]
        finally:
            con.close()
        assert_same_as_rebuild(w, day)


def test_only_a_project_counted_in_the_active_volume_moves_every_vendors_exposure(tmp_path):
    # every vendor's share of the jurisdiction's active volume changes with that volume: a load of
    # projects without a volume (or no longer active) recomputes only the vendors it names
    w = World(tmp_path)
    o1, o2, o3 = w.organ(1, "330102"), w.organ(2, "330106"), w.organ(3, "330203")
    v1, v2, v3 = w.vendor(1), w.vendor(2), w.vendor(3)
    w.project("P1", o1, v1, "2024-01-01", volume=1000, unit="卷")
    w.project("P2", o2, v2, "2024-03-01", volume=3000, unit="卷")
    w.load(D1)
    w.project("P3", o3, v3, "2025-02-01")                                         # no volume
    w.project("P4", o3, v3, "2023-02-01", end="2024-02-01", volume=500, unit="卷")  # finished
    w.load(D1)
    with w.connect() as con:
        assert con.sql("SELECT scope_vendors FROM mart_refresh_log WHERE load_id = 2").fetchall() == [(1,)]
    assert_same_as_rebuild(w, D1)
    w.project("P5", o3, v3, "2025-03-01", volume=4000, unit="卷")                 # active: shares move
    w.load(D1)
    with w.connect() as con:
        assert con.sql("SELECT scope_vendors FROM mart_refresh_log WHERE load_id = 3").fetchall() == [(3,)]
        share = con.sql("SELECT factor FROM mart_vendor_risk_evidence WHERE vendor_code = $v "
                        "AND component = 'exposure' AND evidence_kind = 'volume_share'", params={"v": v2}).fetchall()
        assert share == [(3000 / 8000,)]
    assert_same_as_rebuild(w, D1)


def test_a_load_writing_the_items_of_most_inspections_rebuilds_the_inspection_marts_whole(tmp_path, monkeypatch):
    # one pass over everything beats many lookups: a load writing the items of more than FULL_SHARE
    # of all inspections (and of at least FULL_MIN) rebuilds them whole; fewer, incrementally
    monkeypatch.setattr(marts, "FULL_MIN", 0)
    monkeypatch.setattr(marts, "FULL_SHARE", 0.5)
    w = World(tmp_path)
    o1, v1 = w.organ(1, "330102"), w.vendor(1)
    w.project("P1", o1, v1, "2024-01-01")
    for n, on in enumerate(("2024-05-10", "2024-08-10", "2025-03-10")):
        w.inspection(f"K{n}", o1, on, project="P1", items={"A1": "不符合"})
    w.load(D1)
    w.inspection("K3", o1, "2025-06-10", project="P1", items={"E3": "部分符合"})   # 1 of 4: incremental
    assert w.load(D1).refresh.mode == "incremental"
    assert_same_as_rebuild(w, D1)
    for n, on in enumerate(("2025-07-10", "2025-08-10", "2025-09-10"), start=4):   # 3 of 7: still under half
        w.inspection(f"K{n}", o1, on, project="P1", items={"A1": "部分符合"})
    assert w.load(D1).refresh.mode == "incremental"
    for n in range(4):                                                             # 4 of 7: whole
        w.add("inspection_items", inspection_code=f"K{n}", item_code="H3", result="不适用", finding=None)
    refresh = w.load(D1).refresh
    assert (refresh.mode, refresh.touched_inspections) == ("full", 7)
    assert_same_as_rebuild(w, D1)


def test_data_as_of(world):
    with world.connect() as con:
        kinds = {r["kind"]: r for r in q.data_as_of(con, q.Filters(today=D2)).iter_rows(named=True)}
        assert set(kinds) == {"organs", "vendors", "qualifications", "projects", "inspections", "inspection_items",
                              "rectifications", "evaluations", "incidents", "inspectors"}
        assert (kinds["organs"]["last_load_id"], kinds["organs"]["last_loaded_on"], kinds["organs"]["loads"]) == \
            (3, D1, 2)
        assert (kinds["inspections"]["last_load_id"], kinds["inspections"]["rows_in_last_load"]) == (5, 1)
        assert kinds["inspection_items"]["rows_current"] == 5 * 33
        assert kinds["inspectors"]["last_load_id"] is None and kinds["inspectors"]["rows_current"] == 0
        assert kinds["organs"]["days_since_load"] == (D2 - D1).days
        organs = {r["organ_code"]: r for r in q.data_as_of(con, q.Filters(today=D2), by="organ").iter_rows(named=True)}
        assert (organs[world.o3]["last_load_id"], organs[world.o3]["last_loaded_on"], organs[world.o3]["last_kind"]) \
            == (5, D2, "inspections")
        assert organs[world.o1]["first_seen_on"] == D1 and organs[world.o1]["known_since"] == dt.date(2023, 1, 1)
        assert set(q.data_as_of(con, q.Filters(today=D2, region="3302"), by="organ")["organ_code"]) == {world.o3}
