"""Vendor risk: a 0–100 score that is the sum of seven named components, each the sum of its
evidence rows; tiers from the cut-points (D ≥ 60, C ≥ 40, B ≥ 20, else A) raised by floor rules;
an append-only tier history; and what would move a vendor to the next tier. Default configuration
(warehouse/config/risk.toml). Today 2025-10-08.

V1 — the busy vendor, projects PV1a (organ OV1, 60 000 页, no confidentiality agreement) and PV1b
(OV2, 40 000 页):
  inspections   last three graded on its projects: Ia 2025-09-01 不合格, Ib 2025-03-01 良好,
                Ic 2024-06-01 优秀 (Id 2023-01-05 合格 is a fourth, not counted); weights 3:2:1
                30 × (3/6·1 + 2/6·0.25 + 1/6·0) = 15 + 2.5 + 0 = 17.5
  evaluations   2025-Q2 80 and 2025-Q3 70 (2024-Q3 ended before 2024-10-08: out of the 12 months)
                mean 75 → 10 × (90 − 75)/(90 − 60) = 5.0
  incidents     一般 occurred 2024-10-08 (365 days: 3 × 0.5) = 1.5; 一般 2023-10-09 (730 days:
                3 × 0.25) = 0.75 → 2.25
  qualifications ISMS expired 2025-06-30, none valid: 5; QMS valid until 2025-12-01 (54 days): 2;
                secrecy certificate 暂停: 6 → 13
  flags         NO_CONFIDENTIALITY_AGREEMENT on PV1a → 2
  rectifications A1 due 2025-09-01, 37 days overdue (> 30): 4; A3 due 2025-10-01, 7 days: 2 → 6
  exposure      2 organs: 2 × 2/10 = 0.4; 2 projects: 1 × 2/20 = 0.1; 100 000 of 200 000 页 active
                = 0.5 ≥ 0.25: 2 → 2.5
  score 17.5 + 5 + 2.25 + 13 + 2 + 6 + 2.5 = 48.25 → C
V2 — one active project (OV3, 100 000 页, 档案整理), never inspected, no qualification registered:
  inspections 30 × 0.5 = 15; qualifications none registered 4; exposure 0.2 + 0.05 + 2 = 2.25
  score 21.25 → B
V3 — one active classified project (OV4) without 国家秘密载体印制资质, inspected 2025-06-01 优秀:
  qualifications none registered 4 + classified without secrecy 10 = 14; exposure 0.2 + 0.05 = 0.25
  score 14.25 → A by score, but the floor rule (classified work without the qualification) → D
V4 — registered, never used: no inspections 15 → score 15.0 → A
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from tests.analytics_world import World
from warehouse import queries as q

TODAY = dt.date(2025, 10, 8)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("vendor_risk"))
    w.ov1, w.ov2, w.ov3, w.ov4 = (w.organ(1, "330102"), w.organ(2, "330106"), w.organ(3, "330203"),
                                  w.organ(4, "330302"))
    w.v1, w.v2, w.v3, w.v4 = w.vendor(1), w.vendor(2), w.vendor(3), w.vendor(4)
    w.project("PV1a", w.ov1, w.v1, "2022-01-01", agreement=False, volume=60000, unit="页")
    w.project("PV1b", w.ov2, w.v1, "2023-01-01", volume=40000, unit="页")
    w.project("PV2", w.ov3, w.v2, "2024-01-01", volume=100000, unit="页", service="档案整理")
    w.project("PV3", w.ov4, w.v3, "2025-01-01", classified=True)
    w.inspection("Id", w.ov2, "2023-01-05", project="PV1b", score=65)
    w.inspection("Ic", w.ov1, "2024-06-01", project="PV1a", score=85)
    w.inspection("Ib", w.ov2, "2025-03-01", project="PV1b", score=75)
    w.inspection("Ia", w.ov1, "2025-09-01", project="PV1a", score=50)
    w.inspection("I3", w.ov4, "2025-06-01", project="PV3", score=90)
    w.evaluation("2024-Q3", w.ov1, w.v1, 50, project="PV1a")
    w.evaluation("2025-Q2", w.ov1, w.v1, 80, project="PV1a")
    w.evaluation("2025-Q3", w.ov2, w.v1, 70, project="PV1b")
    w.incident("SJ1", w.ov1, "一般", "2024-10-08 09:00", vendor=w.v1, status="已结案", closed="2024-11-01")
    w.incident("SJ2", w.ov2, "一般", "2023-10-09 09:00", vendor=w.v1, status="已结案", closed="2023-11-01")
    w.qualification(w.v1, "ISMS-1", "信息安全管理体系认证", "2022-07-01", "2025-06-30")
    w.qualification(w.v1, "QMS-1", "质量管理体系认证", "2022-12-02", "2025-12-01")
    w.qualification(w.v1, "SEC-1", "国家秘密载体印制资质", "2023-01-01", "2027-12-31", status="暂停")
    w.rectification("Ia", "A1", "2025-09-01")
    w.rectification("Ia", "A3", "2025-10-01")
    w.load(TODAY)
    w.con = w.connect()
    yield w
    w.con.close()


def risk(world) -> dict:
    return {r["vendor_code"]: r for r in q.vendor_risk(world.con, q.Filters(today=TODAY)).iter_rows(named=True)}


COMPONENTS = ("inspections", "evaluations", "incidents", "qualifications", "flags", "rectifications", "exposure")


def test_scores_are_the_sum_of_their_components(world):
    got = risk(world)
    expected = {
        world.v1: ((17.5, 5.0, 2.25, 13.0, 2.0, 6.0, 2.5), 48.25, "C", "C", None),
        world.v2: ((15.0, 0.0, 0.0, 4.0, 0.0, 0.0, 2.25), 21.25, "B", "B", None),
        world.v3: ((0.0, 0.0, 0.0, 14.0, 0.0, 0.0, 0.25), 14.25, "A", "D", "D"),
        world.v4: ((15.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), 15.0, "A", "A", None),
    }
    for vendor, (parts, score, score_tier, tier, floor) in expected.items():
        r = got[vendor]
        assert tuple(r[f"pts_{c}"] for c in COMPONENTS) == parts, vendor
        assert (r["score"], r["score_tier"], r["tier"], r["floor_tier"]) == (score, score_tier, tier, floor)
        assert round(sum(parts), 2) == r["score"]
    assert "承接涉密项目但无保密资质" in got[world.v3]["floor_reason"]
    assert list(got) == [world.v1, world.v2, world.v4, world.v3]  # highest score first
    assert got[world.v1]["organs_served"] == 2 and got[world.v1]["active_projects"] == 2
    assert (got[world.v1]["inspections_counted"], got[world.v1]["evaluations_counted"],
            got[world.v1]["incidents_counted"]) == (3, 2, 2)


def test_components_and_their_evidence(world):
    comps = q.vendor_risk_components(world.con, world.v1)
    assert comps["component"].to_list() == list(COMPONENTS)
    assert comps["points"].sum() == pytest.approx(48.25)
    assert comps["max_points"].to_list() == [30.0, 10.0, 25.0, 15.0, 5.0, 10.0, 5.0]
    assert not comps["capped"].any()
    ev = q.vendor_risk_evidence(world.con, world.v1)
    inspections = ev.filter(pl.col("component") == "inspections")
    assert inspections.select("evidence_code", "factor", "raw_points").rows() == [
        ("Ia", 0.5, 15.0), ("Ib", pytest.approx(1 / 3), pytest.approx(2.5)), ("Ic", pytest.approx(1 / 6), 0.0)]
    evaluations = ev.filter(pl.col("component") == "evaluations").sort("evidence_on")
    # each evaluation: 10 × (90 − overall)/30 / 2 → 80: 1.67, 70: 3.33 (sum 5.0)
    assert evaluations["raw_points"].to_list() == [pytest.approx(10 / 6), pytest.approx(20 / 6)]
    incidents = ev.filter(pl.col("component") == "incidents").sort("evidence_on")
    assert incidents.select("evidence_code", "factor", "raw_points").rows() == [
        ("SJ2", 0.25, 0.75), ("SJ1", 0.5, 1.5)]
    quals = dict(ev.filter(pl.col("component") == "qualifications").select("evidence_kind", "raw_points").rows())
    assert quals == {"suspended": 6.0, "expired": 5.0, "expiring": 2.0}
    rects = ev.filter(pl.col("component") == "rectifications").sort("evidence_on")
    assert rects.select("evidence_kind", "raw_points").rows() == [("escalated", 4.0), ("overdue", 2.0)]
    exposure = dict(ev.filter(pl.col("component") == "exposure").select("evidence_kind", "raw_points").rows())
    assert exposure == {"organs": pytest.approx(0.4), "projects": pytest.approx(0.1), "volume_share": 2.0}
    assert all(ev["detail_zh"].str.len_chars() > 0)
    with pytest.raises(KeyError):
        q.vendor_risk_components(world.con, "91330100NOSUCHONE0")


def test_vendor_risk_filters(world):
    def codes(**kw):
        return set(q.vendor_risk(world.con, q.Filters(today=TODAY, **kw))["vendor_code"])
    assert codes(region="330106") == {world.v1}          # serves OV2 in 西湖区
    assert codes(region="3302") == {world.v2}            # serves OV3 in 宁波
    assert codes(service_type="档案整理") == {world.v2}
    assert codes(tier="D") == {world.v3}
    assert codes(vendor_code=world.v4) == {world.v4}


def test_first_assessment_is_recorded_in_the_tier_history(world):
    hist = q.vendor_tier_history(world.con)
    first = {r["entity_code"]: r for r in hist.iter_rows(named=True)}
    assert set(first) == {world.v1, world.v2, world.v3, world.v4}
    assert first[world.v1]["previous_tier"] is None and first[world.v1]["tier"] == "C"
    assert first[world.v1]["reason_zh"] == "首次评定为C级（较高）：风险分48.25"
    assert first[world.v3]["reason_zh"].startswith("首次评定为D级（高）：风险分14.25；按底线规则定为D级：")
    assert json.loads(first[world.v1]["components"])["qualifications"] == 13.0
    assert first[world.v1]["effective_on"] == TODAY


def test_next_tier_levers(world):
    levers = q.vendor_next_tier(world.con, world.v1)
    lower = {r["lever"]: r for r in levers.filter(pl.col("direction") == "lower").iter_rows(named=True)}
    # C → B needs the score below 40: 48.25 − 39.99 = 8.26 points
    assert {r["points_needed"] for r in lower.values()} == {-8.26}
    assert (lower["close_rectifications"]["points_change"], lower["close_rectifications"]["sufficient"]) == (-6.0, False)
    assert (lower["all_fixes"]["points_change"], lower["all_fixes"]["sufficient"]) == (-21.0, True)  # 6 + 13 + 2
    assert lower["resolve_suspended"]["points_change"] == -6.0
    assert lower["resolve_expired"]["points_change"] == -5.0
    # a next inspection graded 优秀: [优秀, 不合格, 良好] → 30 × (0 + 2/6 + 1/6·0.25) = 11.25, i.e. −6.25
    assert (lower["next_inspection_优秀"]["points_change"], lower["next_inspection_优秀"]["sufficient"]) == (-6.25, False)
    # evaluations can remove at most their 5 points; incidents decay to 0 when both leave the 36 months
    assert lower["better_evaluations"]["points_change"] == -5.0
    decay = lower["incident_decay"]
    assert (decay["points_change"], decay["sufficient"], decay["available_on"]) == (-2.25, False, dt.date(2027, 10, 9))
    higher = {r["lever"]: r for r in levers.filter(pl.col("direction") == "higher").iter_rows(named=True)}
    # C → D needs 60 − 48.25 = 11.75
    assert higher["new_incident_重大"]["points_needed"] == 11.75
    assert (higher["new_incident_重大"]["points_change"], higher["new_incident_重大"]["sufficient"]) == (15.0, True)
    assert (higher["new_incident_较大"]["points_change"], higher["new_incident_较大"]["sufficient"]) == (8.0, False)
    # but a 较大 incident is a floor rule: straight to D
    assert higher["floor_FLOOR_SERIOUS_INCIDENT"]["sufficient"]
    # next inspection 不合格: [不合格, 不合格, 良好] → 30 × (0.5 + 1/3 + 1/24) = 26.25, i.e. +8.75
    assert higher["next_inspection_不合格"]["points_change"] == 8.75
    assert higher["qualification_lapses"]["available_on"] == dt.date(2025, 12, 2)
    floored = q.vendor_next_tier(world.con, world.v3)
    floor = floored.filter(pl.col("lever") == "floor").row(0, named=True)
    assert floor["target_tier"] == "C" and floor["available_on"] is None and floor["sufficient"]
    assert "须先消除该情形" in floor["description_zh"]
    assert floored.filter((pl.col("lever") != "floor") & pl.col("sufficient")).is_empty()  # the floor blocks


def test_incidents_projects_and_evaluation_trend(world):
    inc = q.incidents(world.con, q.Filters(today=TODAY, vendor_code=world.v1))
    # both 一般, so by the day they occurred; both closed
    assert inc.select("incident_code", "severity", "open").rows() == [("SJ2", "一般", False), ("SJ1", "一般", False)]
    assert q.incidents(world.con, q.Filters(today=TODAY, period="2024")).height == 1
    projects = q.projects(world.con, q.Filters(today=TODAY, vendor_code=world.v1))
    assert projects.select("project_code", "active", "inspections", "last_inspected_on").sort("project_code").rows() \
        == [("PV1a", True, 2, dt.date(2025, 9, 1)), ("PV1b", True, 2, dt.date(2025, 3, 1))]
    assert q.projects(world.con, q.Filters(today=TODAY), organ_code=world.ov4)["project_code"].to_list() == ["PV3"]
    trend = q.evaluation_trend(world.con, q.Filters(today=TODAY, vendor_code=world.v1))
    assert trend.select("period", "evaluations", "overall").rows() == [
        ("2024-Q3", 1, 50.0), ("2025-Q2", 1, 80.0), ("2025-Q3", 1, 70.0)]
    yearly = q.evaluation_trend(world.con, q.Filters(today=TODAY, vendor_code=world.v1), by=("year",))
    assert yearly.select("period", "evaluations", "overall", "partial").rows() == [
        ("2024", 1, 50.0, False), ("2025", 2, 75.0, True)]


def test_tier_change_appends_history_with_the_reason(world):
    """A second load the same day: V2 gets a 较大 incident (occurred 7 days ago).
    incidents: 8 × 0.5^(7/365) = 7.894 → 7.89; score 15 + 7.89 + 4 + 2.25 = 29.14 (B by score) but the
    floor (较大 within 24 months) makes it D."""
    world.con.close()
    world.incident("SJ3", world.ov3, "较大", "2025-10-01 10:00", vendor=world.v2)
    world.load(TODAY)
    world.con = world.connect()
    r = risk(world)[world.v2]
    assert (r["pts_incidents"], r["score"], r["score_tier"], r["tier"], r["previous_tier"]) == \
        (7.89, 29.14, "B", "D", "B")
    hist = q.vendor_tier_history(world.con, world.v2)
    assert hist["tier"].to_list() == ["D", "B"]  # newest first, the first row kept
    assert hist["reason_zh"][0] == ("由B级调整为D级（高）：风险分21.25→29.14（事件+7.89）；"
                                     "按底线规则定为D级：24个月内发生较大及以上事件（SJ3）")
    assert (hist["previous_score"][0], hist["load_id"][0]) == (21.25, 2)
    # the others did not change, so their history did not grow
    assert q.vendor_tier_history(world.con)["entity_code"].to_list().count(world.v1) == 1
    # the second load only recomputed what it touched
    log = world.con.sql("SELECT mode, scope_vendors FROM mart_refresh_log ORDER BY load_id").fetchall()
    assert log[0] == ("full", 4) and log[1][0] == "incremental" and log[1][1] == 1


def test_incident_naming_only_its_project_counts_for_the_projects_vendor(tmp_path):
    """An incident that names the project and not the vendor is the project's vendor's, and so is
    its late-report flag: 一般 occurred 2025-09-01 10:00, reported 2025-09-20 10:00 (456 h > 7 days).
    incidents 3 × 0.5^(37/365) = 2.80; flags LATE_INCIDENT_REPORT 1."""
    w = World(tmp_path)
    o, v = w.organ(1), w.vendor(1)
    w.project("P1", o, v, "2024-01-01")
    w.incident("SJL", o, "一般", "2025-09-01 10:00", reported="2025-09-20 10:00", project="P1")
    w.load(TODAY)
    with w.connect() as con:
        row = q.vendor_risk(con, q.Filters(today=TODAY)).row(0, named=True)
        assert (row["vendor_code"], row["pts_incidents"], row["pts_flags"]) == (v, 2.80, 1.0)
        flags = q.vendor_risk_evidence(con, v, "flags")
        assert flags.select("evidence_kind", "evidence_code", "raw_points").rows() == [
            ("LATE_INCIDENT_REPORT", "SJL", 1.0)]
