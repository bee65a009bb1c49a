"""Every generated reason has its English text, composed beside the Chinese one (marts 11–17, the
planning draw), and the English pages show it; the Chinese texts are as they were (their dates
written 2025年3月1日, but a plan's: tests/test_reason_dates.py), the codes a
city user may not see are masked in both, and a configuration without English texts still loads.

Today 2025-10-08.

    organ  what                                                        tier (rule)            next due
    OD     不合格 2025-03-31 (JC-D1); 优秀 2025-11-03 (second load)     D (last failed) → B    routine
    OB     project PB2 started 2025-08-01 (vendor VA), never inspected  C (new vendor VA)      new project
    OE     Ningbo; project PE with VX, 良好 2025-01-10                   B (default)            follow-up (vendor)
    OF     Hangzhou; project PF with VX, 良好 2025-06-01; the 较大        D (incident)           follow-up (own)
           incident SJ-2025-0001 happened here
    OH     JC-H1 with four rectifications overdue                      D (4 overdue)          routine
"""

from __future__ import annotations

import copy
import datetime as dt
import re

import polars as pl
import pytest

from etl.planning import config as planning_config
from etl.planning.draw import Period, PlanInputs, draw, frames_json, sha256, unstaffed_reason_en
from schemas.roles import Role
from tests.analytics_world import World
from tests.dash_support import call, client, demo, find_id, panel, route, texts  # noqa: F401
from tests.planning_registry import inspectors_frame, organs_frame
from warehouse import analytics_config, queries as q
from warehouse.access import User

TODAY = dt.date(2025, 10, 8)
LATER = dt.date(2025, 11, 10)
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
FLOOR_ZH = "24个月内发生较大及以上事件（SJ-2025-0001）"
FLOOR_EN = "Relatively serious or worse incident in the last 24 months (SJ-2025-0001)"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("reasons"))
    o = {"OD": w.organ(1, "330106"), "OB": w.organ(2, "330102"), "OE": w.organ(3, "330203"),
         "OF": w.organ(4, "330106"), "OH": w.organ(5, "330302")}
    va, vx = w.vendor(1), w.vendor(2)
    w.inspection("JC-D1", o["OD"], "2025-03-31", score=50)
    w.project("PB2", o["OB"], va, "2025-08-01")
    w.project("PE", o["OE"], vx, "2021-01-01")
    w.project("PF", o["OF"], vx, "2021-01-01")
    w.inspection("JC-E1", o["OE"], "2025-01-10", project="PE", score=75)
    w.inspection("JC-F1", o["OF"], "2025-06-01", project="PF", score=75)
    w.incident("SJ-2025-0001", o["OF"], "较大", "2025-09-24 10:00", reported="2025-09-25 09:00", vendor=vx, project="PF")
    w.inspection("JC-H1", o["OH"], "2025-06-01", items={g: "部分符合" for g in ("G1", "G2", "G3", "G4")})
    for g in ("G1", "G2", "G3", "G4"):
        w.rectification("JC-H1", g, "2025-07-01")
    w.load(TODAY)
    with w.connect() as con:
        names = {v: k for k, v in o.items()}
        schedule = {names[r["organ_code"]]: r
                    for r in q.organ_schedule(con, q.Filters(today=TODAY)).iter_rows(named=True)}
        vendors = {r["vendor_code"]: r for r in q.vendor_risk(con, q.Filters(today=TODAY))
                   .iter_rows(named=True)}
    # OD inspected again, 优秀: its tier changes D → B
    w.inspection("JC-D2", o["OD"], "2025-11-03", score=95)
    w.load(LATER)
    return {"world": w, "o": o, "vx": vx, "schedule": schedule, "vendors": vendors}


def test_due_reasons_in_english_and_chinese(world):
    s = world["schedule"]
    assert (s["OD"]["due_reason"], s["OD"]["due_reason_en"]) == (
        "D级（高）每6个月检查一次；上次检查2025年3月31日（JC-D1）",
        "Tier D (high): checked every 6 months; last inspected 2025-03-31 (JC-D1)")
    assert (s["OB"]["due_reason"], s["OB"]["due_reason_en"]) == (
        "项目PB2于2025年8月1日开始，尚未检查，应在开始后30日内检查",
        "Project PB2 started 2025-08-01 and has not been inspected; due within 30 days of its start")
    assert (s["OF"]["due_reason"], s["OF"]["due_reason_en"]) == (
        "本机关发生较大及以上事件SJ-2025-0001（2025年9月25日报告），应在30日内复查",
        "Incident SJ-2025-0001 (relatively serious or worse) at this organ, reported 2025-09-25; "
        "follow-up due within 30 days")
    assert (s["OE"]["due_reason"], s["OE"]["due_reason_en"]) == (
        "所用服务机构发生较大及以上事件SJ-2025-0001（2025年9月25日报告），应在30日内复查",
        "Incident SJ-2025-0001 (relatively serious or worse) at a vendor it uses, reported 2025-09-25; "
        "follow-up due within 30 days")


def test_tier_reasons_in_english_and_chinese(world):
    s = world["schedule"]
    assert (s["OD"]["tier_reason"], s["OD"]["tier_reason_en"]) == (
        "最近一次检查不合格或一票否决项不符合（JC-D1）", "Last inspection failed or a veto item was not met (JC-D1)")
    assert (s["OF"]["tier_reason"], s["OF"]["tier_reason_en"]) == (FLOOR_ZH, FLOOR_EN)
    # more than three pieces of evidence: the first three and how many in all
    assert (s["OH"]["tier_reason"], s["OH"]["tier_reason_en"]) == (
        "整改逾期未完成（JC-H1/G1、JC-H1/G2、JC-H1/G3 等4项）",
        "Rectification overdue (JC-H1/G1, JC-H1/G2, JC-H1/G3; 4 in all)")
    assert (s["OE"]["tier"], s["OE"]["tier_reason"], s["OE"]["tier_reason_en"]) == (
        "B", "未触发任何规则，按一般风险管理", "No rule holds; managed as moderate risk")


def test_vendor_floor_reason_and_tier_history_in_english(world):
    vx = world["vendors"][world["vx"]]
    assert (vx["tier"], vx["floor_reason"], vx["floor_reason_en"]) == ("D", FLOOR_ZH, FLOOR_EN)
    score = f"{vx['score']:.2f}"
    assert vx["tier_change_reason"] == f"首次评定为D级（高）：风险分{score}；按底线规则定为D级：{FLOOR_ZH}"
    assert vx["tier_change_reason_en"] == (f"First rated tier D (high): risk score {score}; "
                                           f"held at tier D by a floor rule: {FLOOR_EN}")
    with world["world"].connect() as con:
        history = q.organ_tier_history(con, world["o"]["OD"]).select("reason_zh", "reason_en").rows()
        assert history == [
            ("由D级调整为B级（一般）：未触发任何规则，按一般风险管理",
             "Moved from tier D to tier B (moderate): No rule holds; managed as moderate risk"),
            ("首次评定为D级（高）：最近一次检查不合格或一票否决项不符合（JC-D1）",
             "First rated tier D (high): Last inspection failed or a veto item was not met (JC-D1)")]
        # the annual export's vendor table stays Chinese: no English column
        from etl.export import annual
        vendors = annual.collect(con, 2025, annual.scope_filters(today=LATER)).tables["vendors"]
        assert "floor_reason" in vendors.columns
        assert not {"floor_reason_en", "tier_change_reason_en"} & set(vendors.columns)


def test_a_city_user_sees_out_of_scope_codes_masked_in_english_too(world):
    """A Ningbo inspector sees VX (project at OE) but not OF, where its incident happened."""
    ningbo = q.for_user(User(1, "u", None, Role.INSPECTOR, "330200"))
    with world["world"].connect() as con:
        row = ningbo.vendor_risk(con, q.Filters(vendor_code=world["vx"], today=LATER)).row(0, named=True)
        assert row["floor_reason"] == "24个月内发生较大及以上事件（范围外1项）"
        assert row["floor_reason_en"] == "Relatively serious or worse incident in the last 24 months (1 out of scope)"
        assert "SJ-2025-0001" not in row["tier_change_reason_en"] and "(1 out of scope)" in row["tier_change_reason_en"]
        history = ningbo.vendor_tier_history(con, world["vx"])
        assert not any("SJ-2025-0001" in t for t in history["reason_en"].to_list() + history["reason_zh"].to_list())
        assert history["reason_en"].str.ends_with("(1 out of scope)").any()
    hidden = {"SJ-2025-0002", "SJ-2025-0003"}
    assert q._masked("Incident (SJ-2025-0001, SJ-2025-0002, SJ-2025-0003; 5 in all)", hidden, english=True) \
        == "Incident (SJ-2025-0001, 2 out of scope; 5 in all)"
    assert q._masked("Tier D (high): risk score 59.95", hidden, english=True) == "Tier D (high): risk score 59.95"


def test_a_city_user_sees_the_levers_in_english_masked_and_the_evidence_in_scope(world):
    """What would change VX's tier cites the incident at OF, outside Ningbo: masked in both languages;
    the evidence rows are those of organs in scope, in English beside the Chinese."""
    ningbo = q.for_user(User(1, "u", None, Role.INSPECTOR, "330200"))
    with world["world"].connect() as con:
        full = q.vendor_next_tier(con, world["vx"], today=LATER).filter(pl.col("lever") == "floor").row(0, named=True)
        assert "(SJ-2025-0001)" in full["description_en"]           # the unscoped answer cites it
        levers = ningbo.vendor_next_tier(con, world["vx"], today=LATER)
        floor = levers.filter(pl.col("lever") == "floor").row(0, named=True)
        score = f"{floor['score']:.2f}"
        assert floor["description_zh"] == (
            f"风险分{score}已在C级范围，分数再降也不会改变等级；底线规则将其定为D级：24个月内发生较大及以上事件（范围外1项）；"
            "如无新情况，到期后不再适用")
        assert floor["description_en"] == (
            f"Risk score {score} is in tier C's range already, so a lower score does not change the tier; held at "
            "tier D by a floor rule: Relatively serious or worse incident in the last 24 months (1 out of scope); "
            "unless something new happens, it no longer applies when its window ends")
        assert not levers.filter(pl.col("description_en").str.contains("SJ-2025-0001")).height
        assert levers.filter(pl.col("lever") == "next_inspection_优秀")["description_en"][0].startswith(
            "Next inspection graded Excellent (the inspections component goes from ")
        evidence = {r["evidence_kind"]: r for r in ningbo.vendor_risk_evidence(con, world["vx"]).iter_rows(named=True)}
        assert "incident" not in evidence                      # at OF, outside Ningbo
        assert (evidence["inspection"]["detail_zh"], evidence["inspection"]["detail_en"]) == (
            "检查JC-E1（2025年1月10日）结论良好，权重2/5，计3.00分",
            "Inspection JC-E1 (2025-01-10) graded Good, weight 2/5: 3.00 points")
    # a lever's English text citing a code outside the scope, as the masking reads it
    assert q._masked(f"Correct the finding — No confidentiality agreement: {world['o']['OF']}/PF",
                     {f"{world['o']['OF']}/PF"}, english=True) \
        == "Correct the finding — No confidentiality agreement: [out of scope]"
    assert "description_en" in q.VENDOR_REASON_COLUMNS


def test_a_configuration_without_english_texts_still_loads():
    data = analytics_config.default().data
    bare = copy.deepcopy(data)
    del bare["organ_tiers"]["default_reason_en"]
    for rule in bare["organ_tiers"]["rules"] + bare["vendor_risk"]["floors"]:
        del rule["reason_en"]
    cfg = analytics_config.AnalyticsConfig(analytics_config._checked(bare, "bare"), "bare")
    assert cfg.mart_params()["default_reason_en"] == "No tier rule holds"
    conditions = cfg.tier_conditions()
    assert conditions.filter(pl.col("rule_id") == "D_LAST_FAILED")["reason_en"][0] == "Rule D_LAST_FAILED"
    assert cfg.fingerprint != analytics_config.default().fingerprint
    with pytest.raises(analytics_config.ConfigError, match="reason_en"):
        analytics_config.default().with_overrides(vendor_risk={"floors": [
            {**data["vendor_risk"]["floors"][0], "reason_en": ""}]})


def test_plan_reasons_in_english_and_the_hash_leaves_them_out():
    period, today = Period("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)), dt.date(2025, 12, 20)
    organs = organs_frame([
        {"organ_code": "O1", "tier": "D", "interval_months": 6, "tier_due_on": dt.date(2025, 12, 1)},
        {"organ_code": "O2", "followup_due_on": dt.date(2026, 1, 20), "followup_incident_code": "SJ-2025-0009"}])
    inputs = PlanInputs.of(organs=organs, inspectors=inspectors_frame([{"inspector_id": "I1"}]))
    result = draw(inputs, period, today, 7, planning_config.default())
    visits = {r["organ_code"]: r for r in result.visits.iter_rows(named=True)}
    assert visits["O1"]["reasons_zh"] == "逾期未检：D级（高风险）每6个月检查一次，应于2025年12月1日前检查，已逾期19天"
    assert visits["O1"]["reasons_en"] == ("Overdue: tier D (high risk) checked every 6 months; "
                                          "to be checked by 2025-12-01, 19 days overdue")
    assert visits["O2"]["reasons_en"] == ("Incident follow-up: incident SJ-2025-0009 at the organ or a vendor it "
                                          "uses; to be checked by 2026-01-20")
    unstaffed = result.unstaffed.row(0, named=True)        # one inspector, teams of two
    assert unstaffed["reason_zh"] == "检查人员名录中在岗人员仅1名，每次检查须至少2名检查人员，本次检查暂未派员"
    assert unstaffed["reason_en"] == ("Only 1 active inspectors in the registry; every visit needs at least 2 "
                                      "inspectors, so no team was sent yet")
    assert unstaffed_reason_en({**unstaffed, "reason_en": None}) == unstaffed["reason_en"]   # an older plan
    chinese_only = frames_json({"visits": result.visits.drop("reasons_en"), "team": result.team,
                                "unstaffed": result.unstaffed.drop("reason_en")})
    assert result.result_sha256 == sha256(chinese_only)


# -- the pages, on the demo warehouse ---------------------------------------------------------------

def without_codes(text: str) -> str:
    """The text without the evidence lists in (…) and the codes it cites."""
    return re.sub(r"\([^()]*\)", "", text)


def test_the_english_pages_show_the_english_reasons(client, demo):
    params = {"view": "checks", "status": "all", "lang": "en"}
    status, body = call(client, [("od-grid", "getRowsResponse"), ("od-count", "children")],
                        [("od-grid", "getRowsRequest", {"startRow": 0, "endRow": 50, "sortModel": []})],
                        [("od-params", "data", params)])
    assert status == 200
    rows = body["response"]["od-grid"]["getRowsResponse"]["rowData"]
    # English but for the codes they cite (a certificate number may be Chinese: 浙档服备2023-002)
    assert rows and all(r["due_reason_en"] and not CJK.search(without_codes(r["due_reason_en"])) for r in rows)
    assert all(not CJK.search(without_codes(r["tier_reason_en"])) for r in rows)
    assert any(r["due_reason_en"].startswith(("Tier ", "Project ", "Incident ")) for r in rows)
    status, page = route(client, "/overdue", "?lang=en")
    grid = find_id(page["response"], "od-grid")["props"]
    fields = {c.get("field") for c in grid["columnDefs"]}
    assert {"due_reason_en", "tier_reason_en"} <= fields and not {"due_reason", "tier_reason"} & fields

    organ = rows[0]["organ_code"]
    status, page = route(client, f"/organs/{organ}", "?lang=en")
    facts = texts(find_id(page["response"], "op-facts"))
    assert rows[0]["due_reason_en"] in facts and rows[0]["tier_reason_en"] in facts
    status, page = route(client, f"/organs/{organ}")
    facts = texts(find_id(page["response"], "op-facts"))
    assert rows[0]["due_reason"] in facts
    timeline = texts(panel(client, "op-history", [("op-params", "data", {"code": organ, "lang": "en"})]))
    assert any(t.startswith(("First rated tier", "Moved from tier")) for t in timeline)

    con = q.connect(demo[0])
    try:
        floored = q.vendor_risk(con, q.Filters()).filter(pl.col("floor_reason").is_not_null())
    finally:
        con.close()
    assert floored.height, "the demo must have a vendor held by a floor rule"
    vendor = floored.row(0, named=True)
    status, page = route(client, f"/vendors/{vendor['vendor_code']}", "?lang=en")
    words = texts(page["response"])
    assert vendor["floor_reason_en"] in words and not CJK.search(without_codes(vendor["floor_reason_en"]))
    timeline = texts(panel(client, "vp-history", [("vp-params", "data", {"code": vendor["vendor_code"], "lang": "en"})]))
    assert any(t.startswith("First rated tier") for t in timeline)


def test_the_english_vendor_profile_shows_the_levers_and_the_evidence_in_english(client, demo, monkeypatch):
    con = q.connect(demo[0])
    try:
        vendors = q.vendor_risk(con, q.Filters())["vendor_code"].to_list()
        found = None
        quoting = pl.col("lever").str.starts_with("resolve_") & (pl.col("lever") != "resolve_none_registered")
        for code in vendors:     # a vendor with qualification evidence, and a lever that quotes it
            evidence = q.vendor_risk_evidence(con, code, "qualifications")
            levers = q.vendor_next_tier(con, code)
            if evidence.height and levers.filter(quoting & (pl.col("component") == "qualifications")).height:
                found = code
                break
    finally:
        con.close()
    assert found, "the demo must have a vendor with a qualification problem"
    params = {"code": found}
    english = texts(panel(client, "vp-levers", [("vp-params", "data", {**params, "lang": "en"})]))
    chinese = texts(panel(client, "vp-levers", [("vp-params", "data", params)]))
    for r in levers.iter_rows(named=True):
        assert any(t.startswith(r["description_en"]) for t in english), r["description_en"]
        assert not any(t.startswith(r["description_zh"]) for t in english)
        assert any(t.startswith(r["description_zh"]) for t in chinese)
        assert not CJK.search(without_codes(r["description_en"])), r["description_en"]
    resolve = levers.filter(quoting & (pl.col("component") == "qualifications")).row(0, named=True)
    assert any(resolve["description_en"].endswith(" — " + d) for d in evidence["detail_en"]), resolve
    # the evidence itself: the qualifications panel lists it when the certificates cannot be listed
    from dashboards import data
    monkeypatch.setattr(data, "has", lambda name: name != "vendor_qualifications")
    quals = panel(client, "vp-quals", [("vp-params", "data", {**params, "lang": "en"})])
    table = find_id(quals, "vp-quals-grid")["props"]["children"]["props"]     # the AgGrid in its export Div
    rows, fields = table["rowData"], {c.get("field") for c in table["columnDefs"]}
    assert "detail_en" in fields and "detail_zh" not in fields
    assert sorted(r["detail_en"] for r in rows) == sorted(evidence["detail_en"].to_list())
    assert all(not CJK.search(without_codes(r["detail_en"])) for r in rows)


# -- migrations/0008 on a warehouse of the release before it -----------------------------------------

NEW_COLUMNS = {"mart_tier_rule_hits": ("reason_en", "reason_text_en"),
               "mart_organ_schedule": ("tier_reason_en", "due_reason_en"),
               "mart_vendor_risk_evidence": ("detail_en",),
               "mart_vendor_risk": ("floor_reason_en",), "tier_history": ("reason_en",),
               "plan_visits": ("reasons_en",), "plan_unstaffed": ("reason_en",)}


def test_the_migration_adds_the_english_columns_and_the_next_refresh_fills_them(tmp_path):
    import duckdb
    w = World(tmp_path / "w", file_only=True)
    organ = w.organ(1, "330106")
    vendor = w.vendor(1)
    w.project("PM1", organ, vendor, "2025-01-01")
    w.inspection("JC-M1", organ, "2025-03-31", project="PM1", score=50)
    w.load(TODAY)
    # the warehouse as the release before 0008 left it: no English columns, refreshed under a
    # configuration without English texts (another fingerprint)
    w.as_before("0008_reasons_en.sql", NEW_COLUMNS)
    with duckdb.connect(str(w.warehouse)) as con:
        con.execute("UPDATE mart_refresh_log SET config_hash = 'before-0008'")
    with w.connect(read_only=False) as con:  # opening it writable migrates it
        for table, columns in NEW_COLUMNS.items():
            have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
            assert set(columns) <= have, table
        row = q.organ_schedule(con, q.Filters(today=TODAY)).row(0, named=True)
        # until a refresh composes them, the English columns read the Chinese texts
        assert row["due_reason_en"] == row["due_reason"] and row["tier_reason_en"] == row["tier_reason"]
        assert q.organ_tier_history(con)["reason_en"].to_list() == q.organ_tier_history(con)["reason_zh"].to_list()
        evidence = q.vendor_risk_evidence(con, vendor)
        assert evidence.height and evidence["detail_en"].to_list() == evidence["detail_zh"].to_list()
        assert q.vendor_next_tier(con, vendor, today=TODAY)["description_en"].null_count() == 0
    w.organ(2, "330106")
    w.load(TODAY)        # the same day: recomputes everyone, the configuration's fingerprint differs
    with w.connect() as con:
        row = q.organ_schedule(con, q.Filters(today=TODAY), organ_code=organ).row(0, named=True)
        assert row["due_reason_en"] == "Tier D (high): checked every 6 months; last inspected 2025-03-31 (JC-M1)"
        assert row["tier_reason_en"] == "Last inspection failed or a veto item was not met (JC-M1)"
        assert con.execute("SELECT count(*) FROM mart_organ_schedule WHERE due_reason_en IS NULL").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM mart_vendor_risk_evidence WHERE detail_en IS NULL").fetchall() == [(0,)]
        assert "Inspection JC-M1 (2025-03-31) graded Fail, weight 3/3: 30.00 points" \
            in q.vendor_risk_evidence(con, vendor)["detail_en"].to_list()


def test_serving_a_warehouse_of_the_release_before_migrates_it_first(tmp_path):
    """The pages open the warehouse read-only, which migrates nothing: `oversight serve` applies the
    new release's migrations before it starts them."""
    from etl import cli
    w = World(tmp_path / "w", file_only=True)
    organ = w.organ(1, "330106")
    w.load(TODAY)
    w.as_before("0008_reasons_en.sql", NEW_COLUMNS)
    cli._migrated(w.warehouse)
    with w.connect() as con:
        assert "reason_en" in {r[0] for r in con.execute("DESCRIBE tier_history").fetchall()}
        # the query the organ page makes answers (the Chinese reason where no English one was recorded)
        assert q.organ_tier_history(con, organ)["reason_en"].to_list() == \
            q.organ_tier_history(con, organ)["reason_zh"].to_list()
