"""Compliance analytics: trend per quarter and year, roll-up county → city → province, grade
distribution, failing categories, most-failed items and repeat findings — each number worked out by
hand below from five inspections.

Today is 2025-10-08, so the default window is the 12 quarters 2023-Q1 … 2025-Q4 (2025-Q4 partial).

    organ  region                   project (vendor V1)
    O1     330102 上城区 (杭州 3301)  P1 传统载体档案数字化
    O2     330106 西湖区 (杭州 3301)  P2 档案整理
    O3     330203 海曙区 (宁波 3302)  P3 传统载体档案数字化

    I5  O1 2023-12-01  no project, no items, score 75 as reported      → 良好
    I4  O3 2024-11-03  P3: B1 B3 D1 D2 D3 D4 E1 F3 G1 H1 不符合
                       weights 3+3+3+3+3+3+4+4+4+4 = 34 … plus nothing else → 100 − 34 = 66 → 合格
    I1  O1 2025-02-10  P1: A1 不符合 (4), E3 部分符合 (3 → 1.5 lost), H3 不适用 (2, left out)
                       possible 98, earned 98 − 4 − 1.5 = 92.5, score 100·92.5/98 = 94.39 → 优秀
    I3  O2 2025-05-15  P2: E3 不符合 (3), G1 部分符合 (4 → 2 lost) → 95.00 → 优秀
    I2  O1 2025-08-20  P1: A1 不符合 (4), F1 不符合 (5, veto) → 91.00 but veto → 不合格
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tests.analytics_world import World
from warehouse import queries as q

TODAY = dt.date(2025, 10, 8)
I4_FAILS = ("B1", "B3", "D1", "D2", "D3", "D4", "E1", "F3", "G1", "H1")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("compliance"))
    w.o1, w.o2, w.o3 = w.organ(1, "330102"), w.organ(2, "330106"), w.organ(3, "330203")
    w.v1 = w.vendor(1)
    w.project("P1", w.o1, w.v1, "2022-01-01")
    w.project("P2", w.o2, w.v1, "2022-01-01", service="档案整理")
    w.project("P3", w.o3, w.v1, "2022-01-01")
    w.inspection("I5", w.o1, "2023-12-01", score=75)
    w.inspection("I4", w.o3, "2024-11-03", project="P3", items={c: "不符合" for c in I4_FAILS})
    w.inspection("I1", w.o1, "2025-02-10", project="P1", items={"A1": "不符合", "E3": "部分符合", "H3": "不适用"})
    w.inspection("I3", w.o2, "2025-05-15", project="P2", items={"E3": "不符合", "G1": "部分符合"})
    w.inspection("I2", w.o1, "2025-08-20", project="P1", items={"A1": "不符合", "F1": "不符合"})
    w.load(TODAY)
    w.con = w.connect()
    yield w
    w.con.close()


def rows(frame: pl.DataFrame, key: str) -> dict:
    return {r[key]: r for r in frame.iter_rows(named=True)}


def test_scores_and_grades_follow_the_checklist(world):
    got = rows(world.con.sql("SELECT * FROM mart_inspections").pl(), "inspection_code")
    assert {c: (r["score"], r["grade"]) for c, r in got.items()} == {
        "I5": (75.0, "良好"), "I4": (66.0, "合格"), "I1": (94.39, "优秀"), "I3": (95.0, "优秀"), "I2": (91.0, "不合格")}
    assert got["I1"]["n_na"] == 1 and got["I1"]["n_partial"] == 1 and got["I1"]["n_fail"] == 1
    assert got["I1"]["n_conform"] == 30 and got["I1"]["items_count"] == 33
    assert got["I2"]["veto_failed"] and got["I2"]["veto_items_failed"] == 1
    assert got["I5"]["items_count"] == 0 and got["I5"]["vendor_code"] is None  # organ-level, no project
    assert got["I3"]["service_type"] == "档案整理" and got["I3"]["region_code"] == "330106"


def test_quarterly_trend_states_its_window_and_fills_empty_quarters(world):
    trend = q.compliance_trend(world.con, q.Filters(today=TODAY))
    assert trend["period"].to_list() == [f"{y}-Q{n}" for y in (2023, 2024, 2025) for n in (1, 2, 3, 4)]
    assert trend["partial"].to_list() == [False] * 11 + [True]  # 2025-Q4 contains today
    by = rows(trend, "period")
    assert by["2023-Q4"]["inspections"] == 1 and by["2023-Q4"]["mean_score"] == 75.0 and by["2023-Q4"]["n_good"] == 1
    assert by["2024-Q4"]["n_pass"] == 1 and by["2024-Q4"]["items_failed"] == 10
    assert by["2025-Q1"]["mean_score"] == 94.39 and by["2025-Q1"]["items_partial"] == 1
    q3 = by["2025-Q3"]
    # I2: 不合格 by veto, two items failed, A1 failed again after I1 at the same organ
    assert (q3["n_fail"], q3["share_fail"], q3["pass_rate"], q3["veto_failures"], q3["items_failed"],
            q3["repeat_findings"]) == (1, 1.0, 0.0, 1, 2, 1)
    assert by["2024-Q1"]["inspections"] == 0 and by["2024-Q1"]["pass_rate"] is None
    assert trend["inspections"].sum() == 5


def test_yearly_trend_rolls_up_county_city_province(world):
    f = q.Filters(period=(dt.date(2024, 1, 1), dt.date(2025, 12, 31)), today=TODAY)
    city = rows(q.compliance_trend(world.con, f, by=("year", "city")).filter(pl.col("period") == "2025"),
                "region_code")
    # 2025 in 杭州 (330100): I1 94.39, I3 95, I2 91 → mean 280.39 / 3 = 93.46; one 不合格 of three.
    # 宁波 (330200) had an inspection in 2024 only: its 2025 row is there, with zeros (complete lines).
    assert set(city) == {"330100", "330200"} and city["330200"]["inspections"] == 0
    hz = city["330100"]
    assert (hz["region_name"], hz["inspections"], hz["mean_score"], hz["share_fail"], hz["pass_rate"]) == \
        ("杭州市", 3, 93.46, 0.3333, 0.6667)
    province = q.compliance_trend(world.con, f, by=("year", "province"))
    # 2024: I4 only (宁波); 2025: the three above; all in 浙江省 330000
    assert rows(province, "period")["2024"]["inspections"] == 1
    assert rows(province, "period")["2025"]["region_code"] == "330000"
    county = q.compliance_trend(world.con, f, by=("year", "county"))
    assert county.filter(pl.col("inspections") > 0).select("period", "region_code", "inspections").sort(
        "period", "region_code").rows() == [("2024", "330203", 1), ("2025", "330102", 2), ("2025", "330106", 1)]


def test_trend_filters(world):
    def total(**kw):
        return q.compliance_trend(world.con, q.Filters(today=TODAY, **kw))["inspections"].sum()
    assert total(region="3302") == 1                 # 宁波: I4
    assert total(region="330100") == 4               # a city code as region: I5, I1, I3, I2
    assert total(region="330106") == 1               # a county: I3
    assert total(vendor_code=world.v1) == 4          # I5 has no project, hence no vendor
    assert total(service_type="档案整理") == 1        # I3
    assert total(period="2025") == 3
    assert total(tier="D") == 3                      # O1 (last result 不合格 → D): I5, I1, I2
    by_service = q.compliance_trend(world.con, q.Filters(today=TODAY, period="2025"), by=("year", "service_type"))
    assert dict(by_service.select("service_type", "inspections").rows()) == {"档案整理": 1, "传统载体档案数字化": 2}


def test_grade_distribution(world):
    dist = q.grade_distribution(world.con, q.Filters(today=TODAY))
    # five inspections in the window: 优秀 2, 良好 1, 合格 1, 不合格 1
    assert dist.select("grade", "inspections", "share").rows() == [
        ("优秀", 2, 0.4), ("良好", 1, 0.2), ("合格", 1, 0.2), ("不合格", 1, 0.2)]
    per_year = q.grade_distribution(world.con, q.Filters(today=TODAY), by=("year",))
    y2025 = per_year.filter(pl.col("period") == "2025")
    assert y2025.select("grade", "inspections", "share").rows() == [("优秀", 2, 0.6667), ("不合格", 1, 0.3333)]


def test_failing_categories(world):
    cats = q.failing_categories(world.con, q.Filters(today=TODAY, period="2025"))
    by = rows(cats, "category_code")
    # A (10): I1 and I2 lose A1 (4) → 60, I3 100 → mean 73.33; two failed items in two inspections
    a = by["A"]
    assert (a["inspections_assessed"], a["mean_category_score"], a["items_failed"], a["inspections_with_failure"],
            a["share_with_failure"], a["veto_failures"]) == (3, 73.33, 2, 2, 0.6667, 0)
    # E (12): I1 E3 partial → 10.5/12 = 87.5; I3 E3 failed → 9/12 = 75; I2 100 → mean 87.5
    assert (by["E"]["mean_category_score"], by["E"]["items_failed"], by["E"]["items_partial"]) == (87.5, 1, 1)
    # F (15): I2 F1 (5, veto) failed → 10/15 = 66.67; others 100 → (66.67 + 200) / 3 = 88.89
    assert (by["F"]["mean_category_score"], by["F"]["veto_failures"]) == (88.89, 1)
    # H (8): I1 H3 不适用 → possible 6, all earned → 100
    assert (by["H"]["mean_category_score"], by["H"]["items_na"]) == (100.0, 1)
    assert by["G"]["mean_category_score"] == round((10 / 12 * 100 + 200) / 3, 2)  # I3 G1 partial: 83.33
    assert cats["category_code"].to_list()[:3] == ["A", "E", "F"]  # most failed first, then by code


def test_most_failed_items(world):
    items = q.most_failed_items(world.con, q.Filters(today=TODAY, period="2025"), limit=5)
    assert items["item_code"].to_list() == ["A1", "E3", "F1", "G1"]  # H3 (only 不适用) is not a failure
    a1 = items.row(0, named=True)
    # A1 failed in I1 and I2 of three inspections with items; at one organ; once again after I1
    assert (a1["times_failed"], a1["inspections_with_items"], a1["inspections_assessed"], a1["failure_rate"],
            a1["organs_affected"], a1["repeat_findings"]) == (2, 3, 3, 0.6667, 1, 1)
    e3 = items.row(1, named=True)
    assert (e3["times_failed"], e3["times_partial"], e3["failure_rate"]) == (1, 1, 0.3333)
    with_na = q.most_failed_items(world.con, q.Filters(today=TODAY, period="2025-Q1"))
    assert with_na["item_code"].to_list() == ["A1", "E3"]


def test_repeat_findings_by_organ_and_by_vendor(world):
    organ = q.repeat_findings(world.con, q.Filters(today=TODAY))
    assert organ.select("entity_code", "item_code", "inspection_code", "prev_inspection_code", "result",
                        "prev_result", "streak").rows() == [(world.o1, "A1", "I2", "I1", "不符合", "不符合", 2)]
    # V1's inspections in order: I4, I1, I3, I2. Only E3 is wanting twice in a row (I1 partial, I3 failed).
    vendor = q.repeat_findings(world.con, q.Filters(today=TODAY), scope="vendor")
    assert vendor.select("entity_code", "item_code", "inspection_code", "prev_inspection_code", "streak").rows() == [
        (world.v1, "E3", "I3", "I1", 2)]
    assert q.repeat_findings(world.con, q.Filters(today=TODAY, period="2025-Q2")).is_empty()


def test_repeat_streak_counts_consecutive_inspections(tmp_path):
    """G1 wanting in three inspections in a row, then fine, then wanting again: streaks 2, 3, then none."""
    w = World(tmp_path)
    o, v = w.organ(1), w.vendor(1)
    for n, (day, items) in enumerate([("2024-01-10", {"G1": "不符合"}), ("2024-04-10", {"G1": "部分符合"}),
                                      ("2024-07-10", {"G1": "不符合"}), ("2024-10-10", {}),
                                      ("2025-01-10", {"G1": "不符合"})], start=1):
        w.inspection(f"S{n}", o, day, items=items)
    w.vendor  # no project: organ scope only
    w.load(TODAY)
    with w.connect() as con:
        got = q.repeat_findings(con, q.Filters(today=TODAY, period=(dt.date(2024, 1, 1), dt.date(2025, 12, 31))))
    assert sorted(got.select("inspection_code", "streak").rows()) == [("S2", 2), ("S3", 3)]
    assert v  # the vendor exists but has no inspections
