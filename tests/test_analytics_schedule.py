"""Organ tiers (the rules of domain.md §3.3, from warehouse/config/risk.toml), the check schedule
(next due = last inspection + interval(tier): D 6, C 12, B 24, A 60 months; a project never
inspected is due 30 days after start_on; after an incident of 较大 or worse every organ using that
vendor is due within 30 days), coverage (checks due vs achieved) and the headline numbers.

Today 2025-10-08. Vendors VA, VX, VQ started their first projects in 2020–2021 (not "new"); VN's
first project started 2025-03-01 (new).

    organ  what                                                   tier (rule)            next due
    OA     良好 2022-05-10, 优秀 2024-02-29 (leap day)              A (two good, no inc.)  2029-02-28 (60 months, Feb 28)
    OB     never inspected; PB2 started 2025-08-01, PB1 2025-09-20 B (default)            2025-08-31 (PB2 + 30 days), 38 days over
    OC     合格 2024-12-31                                          C (last 合格)          2025-12-31 (over the year end)
    OD     不合格 2025-03-31                                        D (last 不合格)        2025-09-30 (31 → 30), 8 days over
    OE     良好 2025-01-10; uses VX, whose 较大 incident at OF       B                      2025-10-25 follow-up (report 09-25 + 30)
           was reported 2025-09-25
    OF     良好 2025-06-01; the 较大 incident happened here          D (较大 in 24 months)  2025-10-25 follow-up (routine 12-01)
    OG     no projects, never inspected                            B                      none
    OH     优秀 2025-06-01 with items; G1 rectification due 07-01   D (overdue rect.)      2025-12-01
           still open
    OI     良好 2025-02-01; VQ's only certificate ends 2025-11-30  C (expiring ≤ 90 days) 2026-02-01
    OJ     良好 2025-04-01; its vendor VN is new                    C (new vendor)         2026-04-01
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tests.analytics_world import World
from warehouse import queries as q

TODAY = dt.date(2025, 10, 8)
LATER = dt.date(2026, 1, 15)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("schedule"))
    o = {k: w.organ(n, region) for n, (k, region) in enumerate(
        [("OA", "330102"), ("OB", "330102"), ("OC", "330106"), ("OD", "330106"), ("OE", "330203"),
         ("OF", "330203"), ("OG", "330302"), ("OH", "330302"), ("OI", "330402"), ("OJ", "330402")], start=1)}
    w.o = o
    va, vx, vq, vn = w.vendor(1), w.vendor(2), w.vendor(3), w.vendor(4)
    w.va, w.vx = va, vx
    w.project("PA", o["OA"], va, "2020-01-01")
    w.inspection("A1", o["OA"], "2022-05-10", project="PA", score=75)
    w.inspection("A2", o["OA"], "2024-02-29", project="PA", score=85)
    w.project("PB1", o["OB"], va, "2025-09-20")
    w.project("PB2", o["OB"], va, "2025-08-01")
    w.inspection("C1", o["OC"], "2024-12-31", score=65)
    w.inspection("D1", o["OD"], "2025-03-31", score=50)
    w.project("PE", o["OE"], vx, "2021-01-01")
    w.project("PF", o["OF"], vx, "2021-01-01")
    w.inspection("E1", o["OE"], "2025-01-10", project="PE", score=75)
    w.inspection("F1", o["OF"], "2025-06-01", project="PF", score=75)
    w.incident("SJF", o["OF"], "较大", "2025-09-24 10:00", reported="2025-09-25 09:00", vendor=vx, project="PF")
    w.inspection("H1", o["OH"], "2025-06-01", items={"G1": "部分符合"})
    w.rectification("H1", "G1", "2025-07-01")
    w.project("PI", o["OI"], vq, "2020-06-01")
    w.qualification(vq, "QMS-Q", "质量管理体系认证", "2022-12-01", "2025-11-30")
    w.inspection("I1", o["OI"], "2025-02-01", project="PI", score=75)
    w.project("PJ", o["OJ"], vn, "2025-03-01")
    w.inspection("J1", o["OJ"], "2025-04-01", project="PJ", score=75)
    w.load(TODAY)
    w.con = w.connect()
    yield w
    w.con.close()


def schedule(world, **kw) -> dict:
    frame = q.organ_schedule(world.con, q.Filters(today=kw.pop("today", TODAY), **kw))
    names = {v: k for k, v in world.o.items()}
    return {names[r["organ_code"]]: r for r in frame.iter_rows(named=True)}


def test_tiers_follow_the_configured_rules(world):
    s = schedule(world)
    assert {k: r["tier"] for k, r in s.items()} == {
        "OA": "A", "OB": "B", "OC": "C", "OD": "D", "OE": "B", "OF": "D", "OG": "B", "OH": "D", "OI": "C", "OJ": "C"}
    assert s["OA"]["tier_rules"] == ["A_GOOD_RECORD"]
    assert s["OA"]["tier_reason"] == "最近两次检查均为优秀或良好，且36个月内无事件（A2、A1）"
    assert s["OD"]["tier_reason"] == "最近一次检查不合格或一票否决项不符合（D1）"
    assert s["OF"]["tier_reason"] == "24个月内发生较大及以上事件（SJF）"
    assert s["OH"]["tier_reason"] == "整改逾期未完成（H1/G1）"
    assert s["OI"]["tier_reason"] == "在用服务机构资质90日内到期（QMS-Q）"
    assert s["OJ"]["tier_rules"] == ["C_NEW_VENDOR"]
    assert s["OG"]["tier_reason"] == "未触发任何规则，按一般风险管理"
    assert {k: r["interval_months"] for k, r in s.items() if k in ("OA", "OB", "OC", "OD")} == \
        {"OA": 60, "OB": 24, "OC": 12, "OD": 6}


def test_next_due_dates_across_leap_days_quarters_and_years(world):
    s = schedule(world)
    due = {k: (r["next_due_on"], r["due_source"], r["days_overdue"], r["status"]) for k, r in s.items()}
    assert due == {
        "OA": (dt.date(2029, 2, 28), "routine", 0, "scheduled"),
        "OB": (dt.date(2025, 8, 31), "new_project", 38, "overdue"),
        "OC": (dt.date(2025, 12, 31), "routine", 0, "scheduled"),
        "OD": (dt.date(2025, 9, 30), "routine", 8, "overdue"),
        "OE": (dt.date(2025, 10, 25), "incident_followup", 0, "due_soon"),
        "OF": (dt.date(2025, 10, 25), "incident_followup", 0, "due_soon"),
        "OG": (None, None, 0, "not_due"),
        "OH": (dt.date(2025, 12, 1), "routine", 0, "scheduled"),
        "OI": (dt.date(2026, 2, 1), "routine", 0, "scheduled"),
        "OJ": (dt.date(2026, 4, 1), "routine", 0, "scheduled"),
    }
    assert s["OB"]["project_due_code"] == "PB2" and s["OB"]["project_due_on"] == dt.date(2025, 8, 31)
    assert s["OB"]["due_reason"] == "项目PB2于2025年8月1日开始，尚未检查，应在开始后30日内检查"
    assert s["OE"]["tier_due_on"] == dt.date(2027, 1, 10) and s["OE"]["followup_incident_code"] == "SJF"
    assert s["OE"]["due_reason"] == "所用服务机构发生较大及以上事件SJF（2025年9月25日报告），应在30日内复查"
    assert s["OF"]["tier_due_on"] == dt.date(2025, 12, 1)
    assert s["OD"]["due_reason"] == "D级（高）每6个月检查一次；上次检查2025年3月31日（D1）"
    assert s["OG"]["due_reason"] == "从未检查且无外包项目，暂无应检"
    # the same marts answer for another day: two weeks on, OE and OF are overdue by 17 - 14 … 
    later = schedule(world, today=dt.date(2025, 11, 1))
    assert (later["OE"]["status"], later["OE"]["days_overdue"]) == ("overdue", 7)  # 10-25 → 11-01


def test_schedule_filters(world):
    names = lambda **kw: set(schedule(world, **kw))  # noqa: E731
    assert names(period="2025-Q4") == {"OB", "OC", "OD", "OE", "OF", "OH"}  # due by 2025-12-31, overdue too
    assert names(tier="C") == {"OC", "OI", "OJ"}
    assert names(region="3302") == {"OE", "OF"}
    assert names(vendor_code=world.vx) == {"OE", "OF"}
    assert names(service_type="传统载体档案数字化") == {"OA", "OB", "OE", "OF", "OI", "OJ"}
    overdue = q.organ_schedule(world.con, q.Filters(today=TODAY), status="overdue")
    assert overdue["organ_code"].to_list() == [world.o["OB"], world.o["OD"]]  # most overdue first
    first = q.organ_schedule(world.con, q.Filters(today=TODAY), limit=1)
    assert first["organ_code"].to_list() == [world.o["OB"]]


def test_kpis_compare_with_the_previous_period(world):
    k = {r["kpi"]: r for r in q.kpis(world.con, q.Filters(today=TODAY, period="2025-Q3")).iter_rows(named=True)}
    # 2025-Q3 (to 09-30) vs 2025-Q2 (to 06-30)
    # inspections in Q3: none; in Q2: J1 04-01, F1 06-01, H1 06-01 (D1 03-31 and I1 02-01 are Q1)
    assert (k["inspections"]["value"], k["inspections"]["previous_value"]) == (0, 3)
    assert k["inspections"]["period"] == "2025-Q3" and k["inspections"]["previous_period"] == "2025-Q2"
    # pass rate in Q2: all three graded 良好/优秀 → 1.0; none graded in Q3
    assert (k["pass_rate"]["value"], k["pass_rate"]["previous_value"]) == (None, 1.0)
    # supervised from the first load, project or inspection: by 09-30 all but OG (no project, no
    # inspection, loaded 10-08); by 06-30 also not OB (projects from 08-01)
    assert (k["organs_supervised"]["value"], k["organs_supervised"]["previous_value"]) == (9, 8)
    # active projects on 09-30: PA, PB2, PE, PF, PI, PJ (PB1 starts 09-20 → also) = 7; on 06-30: 5
    assert (k["active_projects"]["value"], k["active_projects"]["previous_value"]) == (7, 5)
    # open incidents: SJF reported 09-25, open on 09-30; none on 06-30
    assert (k["open_incidents"]["value"], k["open_incidents"]["previous_value"]) == (1, 0)
    # overdue rectifications: H1/G1 due 07-01 → overdue on 09-30, not yet on 06-30
    assert (k["overdue_rectifications"]["value"], k["overdue_rectifications"]["previous_value"]) == (1, 0)
    # organs with an overdue check on 09-30: OB (PB2 due 08-31); OD is due 09-30, not yet over
    assert k["overdue_checks"]["value"] == 1
    now = {r["kpi"]: r["value"] for r in q.kpis(world.con, q.Filters(today=TODAY)).iter_rows(named=True)}
    assert now["overdue_checks"] == 2  # today, in 2025-Q4 to date: OB and OD


def test_tier_changes_are_appended_with_their_reason(world):
    """A load on 2026-01-15 brings OD a new 优秀 inspection: its last two are [优秀, 不合格], so no
    rule holds → B. The new date also moves OI: VQ's certificate ended 2025-11-30, no longer
    "expiring" (it is not valid at all) → B."""
    world.con.close()
    world.inspection("D2", world.o["OD"], "2026-01-10", score=85)
    world.load(LATER)
    world.con = world.connect()
    hist = q.organ_tier_history(world.con, world.o["OD"])
    assert hist.select("tier", "previous_tier", "effective_on", "load_id").rows() == [
        ("B", "D", LATER, 2), ("D", None, TODAY, 1)]
    assert hist["reason_zh"][0] == "由D级调整为B级（一般）：未触发任何规则，按一般风险管理"
    oi = q.organ_tier_history(world.con, world.o["OI"])
    assert oi["tier"].to_list() == ["B", "C"]
    assert hist["reason_zh"][1] == "首次评定为D级（高）：最近一次检查不合格或一票否决项不符合（D1）"
    s = schedule(world, today=LATER)
    assert (s["OD"]["tier"], s["OD"]["next_due_on"]) == ("B", dt.date(2028, 1, 10))
    # a new date recomputes every organ
    log = world.con.sql("SELECT scope_organs FROM mart_refresh_log ORDER BY load_id DESC LIMIT 1").fetchall()
    assert log == [(10,)]


# -- coverage ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def coverage_world(tmp_path_factory):
    """Checks due in 2025 (today 2025-10-08):
        CA  合格 2024-01-10 and 2025-03-01 → C: routine check due 2025-01-10, achieved 03-01 (late)
        CB  不合格 2024-09-15 → D: due 2025-03-15, not achieved
        CC  project started 2025-05-01, never inspected → due 2025-05-31, not achieved (B)
        CD  project started 2025-01-01, inspected 2025-01-20 → due 01-31, achieved on time (B)
        CZ  a 2019 project never inspected: due 2019-01-31, outside 2025
    """
    w = World(tmp_path_factory.mktemp("coverage"))
    ca, cb, cc, cd, cz = (w.organ(n) for n in range(1, 6))
    vn = w.vendor(1)
    w.project("PZ", cz, vn, "2019-01-01", end="2019-12-31", planned_end="2019-12-31")
    w.inspection("CA1", ca, "2024-01-10", score=65)
    w.inspection("CA2", ca, "2025-03-01", score=65)
    w.inspection("CB1", cb, "2024-09-15", score=50)
    w.project("PC", cc, vn, "2025-05-01")
    w.project("PD", cd, vn, "2025-01-01")
    w.inspection("CD1", cd, "2025-01-20", project="PD", score=75)
    w.load(TODAY)
    with w.connect() as con:
        yield con


def test_coverage_due_vs_achieved_by_tier(coverage_world):
    cov = q.coverage(coverage_world, q.Filters(today=TODAY, period="2025"))
    assert cov.select("tier", "due", "achieved", "achieved_on_time", "achieved_late", "outstanding",
                      "coverage_rate", "on_time_rate").rows() == [
        ("B", 2, 1, 1, 0, 1, 0.5, 0.5),
        ("C", 1, 1, 0, 1, 0, 1.0, 0.0),
        ("D", 1, 0, 0, 0, 1, 0.0, 0.0),
    ]
    kinds = q.coverage(coverage_world, q.Filters(today=TODAY, period="2025"), by_kind=True)
    assert kinds.select("tier", "event_kind", "due").rows() == [
        ("B", "new_project", 2), ("C", "routine", 1), ("D", "routine", 1)]
    # 2026 as of today: CA's next routine check (2026-03-01) is due later; nothing has fallen due yet
    ahead = q.coverage(coverage_world, q.Filters(today=TODAY, period="2026"))
    assert ahead.filter(pl.col("tier") == "C").select("due", "due_later").rows() == [(0, 1)]
    # the default window is the year of today
    assert q.coverage(coverage_world, q.Filters(today=TODAY))["due"].sum() == 4


@pytest.fixture(scope="module")
def followup_world(tmp_path_factory):
    """Follow-ups after serious incidents at the organ itself (today 2025-10-08):
        OX  良好 2025-08-01; a 较大 incident of its own, vendor unknown, reported 2025-09-11
            → due 2025-10-11 (not only its routine check, 2026-02-01 as a D organ)
        OY  优秀 2025-07-01, no projects; a 重大 incident naming vendor VY, reported 2025-09-01
            → due 2025-10-01, 7 days over
        OZ  runs a project with VY: due 2025-10-01 too, achieved by its check of 2025-09-20
        OW  良好 2025-06-01; a 一般 incident of its own: below 较大, no follow-up (C, routine 2026-06-01)
    """
    w = World(tmp_path_factory.mktemp("followup"))
    w.o = {k: w.organ(n) for n, k in enumerate(["OX", "OY", "OZ", "OW"], start=1)}
    vy = w.vendor(1)
    w.inspection("X1", w.o["OX"], "2025-08-01", score=75)
    w.incident("SJX", w.o["OX"], "较大", "2025-09-10 10:00", reported="2025-09-11 09:00")
    w.inspection("Y1", w.o["OY"], "2025-07-01", score=85)
    w.incident("SJY", w.o["OY"], "重大", "2025-08-31 10:00", reported="2025-09-01 09:00", vendor=vy)
    w.project("PZ", w.o["OZ"], vy, "2024-01-01")
    w.inspection("Z1", w.o["OZ"], "2025-09-20", project="PZ", score=75)
    w.inspection("W1", w.o["OW"], "2025-06-01", score=75)
    w.incident("SJW", w.o["OW"], "一般", "2025-09-15 10:00")
    w.load(TODAY)
    w.con = w.connect()
    yield w
    w.con.close()


def test_serious_incident_makes_its_own_organ_due(followup_world):
    s = schedule(followup_world)
    assert {k: (r["tier"], r["next_due_on"], r["due_source"], r["days_overdue"], r["status"])
            for k, r in s.items()} == {
        "OX": ("D", dt.date(2025, 10, 11), "incident_followup", 0, "due_soon"),
        "OY": ("D", dt.date(2025, 10, 1), "incident_followup", 7, "overdue"),
        "OZ": ("B", dt.date(2027, 9, 20), "routine", 0, "scheduled"),
        "OW": ("C", dt.date(2026, 6, 1), "routine", 0, "scheduled"),
    }
    assert s["OX"]["tier_due_on"] == dt.date(2026, 2, 1) and s["OX"]["followup_incident_code"] == "SJX"
    assert s["OX"]["due_reason"] == "本机关发生较大及以上事件SJX（2025年9月11日报告），应在30日内复查"
    assert s["OY"]["due_reason"] == "本机关发生较大及以上事件SJY（2025年9月1日报告），应在30日内复查"
    # as checks due: OY's outstanding, OZ's achieved on time, OX's not yet fallen due
    cov = q.coverage(followup_world.con, q.Filters(today=TODAY, period="2025"), by_kind=True)
    assert cov.filter(pl.col("event_kind") == "incident_followup").select(
        "tier", "due", "achieved_on_time", "outstanding", "due_later").rows() == [("B", 1, 1, 0, 0), ("D", 1, 0, 1, 1)]


def test_routine_interval_follows_the_tier_the_result_led_to(tmp_path):
    """An organ inspected 2024-06-01 (良好, B; loaded 2025-01-05), then 2025-03-01 不合格, loaded
    2025-03-10 (→ D: due 2025-09-01), then 2025-12-01 优秀, loaded 2025-12-05 (→ B). The check due
    after the failed inspection stays a D check due 2025-09-01, achieved late on 12-01: the tier of
    2025-03-01 itself (B, the result not yet loaded) would have put it in 2027."""
    w = World(tmp_path)
    o = w.organ(1)
    w.inspection("I1", o, "2024-06-01", score=75)
    w.load(dt.date(2025, 1, 5))
    w.inspection("I2", o, "2025-03-01", score=50)
    w.load(dt.date(2025, 3, 10))
    with w.connect() as con:
        s = q.organ_schedule(con, q.Filters(today=dt.date(2025, 10, 1))).row(0, named=True)
        assert (s["tier"], s["next_due_on"], s["days_overdue"]) == ("D", dt.date(2025, 9, 1), 30)
    w.inspection("I3", o, "2025-12-01", score=85)
    w.load(dt.date(2025, 12, 5))
    with w.connect() as con:
        events = con.sql("SELECT source_code, tier, due_on, achieved_on FROM mart_check_events "
                         "WHERE event_kind = 'routine' ORDER BY source_on").fetchall()
        assert events == [("I1", "B", dt.date(2026, 6, 1), dt.date(2025, 3, 1)),
                          ("I2", "D", dt.date(2025, 9, 1), dt.date(2025, 12, 1)),
                          ("I3", "B", dt.date(2027, 12, 1), None)]
        cov = q.coverage(con, q.Filters(today=dt.date(2025, 12, 5), period="2025"))
        assert cov.select("tier", "due", "achieved", "achieved_on_time", "achieved_late").rows() == [("D", 1, 1, 0, 1)]


def test_a_project_that_ended_unchecked_is_checked_by_the_organs_next_visit(tmp_path):
    """Today 2025-10-08. OK's project PK1 ran 2021-01-01 … 2022-06-30 and no inspection named it;
    OK was inspected on 2023-03-01 for its other project PK2. That visit, after PK1 had ended, achieves
    PK1's first check (late: it was due 2021-01-31) — PK1 no longer makes OK overdue by years. OL's
    PL1 ended the same way, but OL has not been inspected since: still overdue. OM was inspected
    (naming PM2) while PM1 still ran: that visit does not count for PM1, which has not ended."""
    w = World(tmp_path)
    ok, ol, om = w.organ(1), w.organ(2), w.organ(3)
    v = w.vendor(1)
    w.project("PK1", ok, v, "2021-01-01", end="2022-06-30")
    w.project("PK2", ok, v, "2022-10-01")
    w.inspection("K1", ok, "2023-03-01", project="PK2", score=75)
    w.project("PL1", ol, v, "2021-01-01", end="2022-06-30")
    w.project("PM1", om, v, "2021-01-01")
    w.project("PM2", om, v, "2022-10-01")
    w.inspection("M1", om, "2023-03-01", project="PM2", score=75)
    w.load(TODAY)
    with w.connect() as con:
        events = con.sql("SELECT organ_code, source_code, due_on, achieved_on, achieved_by FROM mart_check_events "
                         "WHERE event_kind = 'new_project' ORDER BY organ_code, source_code").fetchall()
        assert events == [(ok, "PK1", dt.date(2021, 1, 31), dt.date(2023, 3, 1), "K1"),
                          (ok, "PK2", dt.date(2022, 10, 31), dt.date(2023, 3, 1), "K1"),
                          (ol, "PL1", dt.date(2021, 1, 31), None, None),
                          (om, "PM1", dt.date(2021, 1, 31), None, None),
                          (om, "PM2", dt.date(2022, 10, 31), dt.date(2023, 3, 1), "M1")]
        s = {r["organ_code"]: r for r in q.organ_schedule(con, q.Filters(today=TODAY)).iter_rows(named=True)}
        # OK: its routine check after K1 (B, 24 months) is what is due now
        assert (s[ok]["due_source"], s[ok]["next_due_on"]) == ("routine", dt.date(2025, 3, 1))
        assert (s[ol]["due_source"], s[ol]["next_due_on"], s[ol]["status"]) == \
            ("new_project", dt.date(2021, 1, 31), "overdue")
        assert (s[om]["due_source"], s[om]["project_due_code"]) == ("new_project", "PM1")
        cov = q.coverage(con, q.Filters(today=TODAY, period="2021"), by_kind=True)
        assert cov.select("event_kind", "due", "achieved", "achieved_late", "outstanding").rows() == [
            ("new_project", 3, 0, 0, 3)]
