"""Plans against a real warehouse loaded from hand-made files: drawn and recorded with seed,
parameters, inputs and hashes; never silently re-drawn; a re-draw is a new plan with its reason;
the same seed and inputs give the same plan; plan against achieved with coverage computed by hand;
the two workbooks; the `oversight plan` commands; and a plan on the realistic sample province."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from etl import pipeline
from etl.cli import main
from etl.planning import config as planning_config
from etl.planning import service
from etl.planning.draw import PlanError, draw
from tests.factories import (INSPECTION_HEADERS, ORGAN_HEADERS, PROJECT_HEADERS, VENDOR_HEADERS, organ_code, organ_row,
                             project_row, vendor_row, write_csv)
from tests.planning_registry import T0, build_province, load_files, only_forced
from warehouse import planning, queries

LATER = dt.date(2026, 4, 5)         # inspections of the quarter are loaded after it
ONLY_FORCED = only_forced()


def load(warehouse: Path, today: dt.date, *paths: Path):
    return load_files(warehouse, today, *paths)


@pytest.fixture
def province(tmp_path: Path) -> Path:
    return build_province(tmp_path)


def test_a_plan_is_drawn_recorded_and_never_silently_redrawn(province: Path):
    first = service.make_plan(province, "2026-Q1", today=T0, seed=7, created_by="测试", config=ONLY_FORCED)
    assert first.created and first.plan["plan_id"] == 1 and first.plan["seed"] == 7
    assert first.plan["reason"] == "首次抽取" and first.plan["supersedes_plan_id"] is None
    assert "第1号" in first.message and "种子7" in first.message
    con = queries.connect(province)
    try:
        visits = planning.plan_visits(con, 1)
        assert visits["organ_code"].to_list() == [organ_code(1), organ_code(4)]
        one, four = visits.row(0, named=True), visits.row(1, named=True)
        # organ 1 sent none of its quarterly evaluations for P1: noted, though it is in for other reasons
        assert one["reasons"] == ["INCIDENT_FOLLOWUP", "OVERDUE_PROJECT", "SILENT"] and one["tier"] == "D"
        assert one["reasons_zh"].endswith("；另：2025年第1季度、2025年第2季度、2025年第3季度未报送任何材料")
        assert one["reasons_zh"].startswith("事件复查：本机关或所用服务机构发生事件SJ-2025-001，应于2025年12月31日前复查，"
                                            "计划期开始前到期；"
                                            "新项目逾期未检：项目P1应于2025年3月31日前首次检查，已逾期")
        assert (one["window_start"], one["window_end"]) == (dt.date(2026, 1, 1), dt.date(2026, 1, 30))
        assert one["needed_expertise"] == ["保密", "数字化"] and one["project_codes"] == ["P1"]
        assert one["status"] == "staffed" and "丙" not in one["inspector_names"]
        assert four["status"] == "unstaffed" and four["inspector_names"] == []
        assert four["unstaffed_reason"] == ("在岗5名检查人员中4名须回避（2名在回避名单中，2名参加过该机关上次检查），"
                                            "仅余1名，每次检查须至少2名检查人员，本次检查暂未派员")
        header = planning.plan(con, 1)
        stored = planning.plan_inputs_json(con, 1)
        assert hashlib.sha256(stored.encode()).hexdigest() == header["inputs_sha256"]
        assert header["params"]["seed"] == 7 and header["params"]["config"]["sampling"]["ratio"]["B"] == 0.0
        assert header["params"]["today"] == "2025-12-20" and header["algorithm"] == "draw-v4"
        assert (header["visits"], header["staffed"], header["unstaffed"]) == (2, 1, 1)
        assert header["created_by"] == "测试" and header["data_as_of"] == T0
        assert [s["stratum"] for s in header["draw_log"]["strata"]] == ["tier:D", "tier:C", "tier:B", "tier:A", "silent"]
        assert planning.plan_unstaffed(con, 1)["reason_code"].to_list() == ["ALL_RECUSED"]
    finally:
        con.close()

    # asked again, with another seed: the plan in force is shown, not re-drawn
    again = service.make_plan(province, "2026年第一季度", today=T0, seed=99, config=ONLY_FORCED)
    assert not again.created and again.plan["plan_id"] == 1 and "未重新抽取" in again.message
    with pytest.raises(PlanError, match="须说明原因（--reason）") as refused:
        service.make_plan(province, "2026-Q1", today=T0, seed=7, redraw=True, config=ONLY_FORCED)
    # the CLI's message names --reason; a page gets it without the option, in its language
    assert refused.value.text("zh") == "重新抽取须填写原因，原因将与新计划一并记录"
    assert refused.value.text("en") == "A redraw needs a reason; it is recorded with the new plan"
    with pytest.raises(PlanError, match="去掉 --redraw") as refused:
        service.make_plan(province, "2026-Q2", today=T0, redraw=True, reason="试", config=ONLY_FORCED)
    assert "--" not in refused.value.text("zh") and refused.value.text("en").startswith("Q2 2026 has no plan yet")
    with pytest.raises(PlanError) as refused:
        service.resolve_period("2026-Q5")
    assert "不是有效的计划期间" in refused.value.text("zh") and "is not a plan period" in refused.value.text("en")
    with pytest.raises(PlanError, match="尚无检查计划"):
        service.make_plan(province, "2026-Q2", today=T0, redraw=True, reason="x", config=ONLY_FORCED)

    # a re-draw is a new recorded plan with its reason; same seed and inputs: the same plan and hashes
    redo = service.make_plan(province, "2026-Q1", today=T0, seed=7, redraw=True, reason="回避名单更正后重抽",
                             config=ONLY_FORCED)
    assert redo.created and redo.plan["plan_id"] == 2 and redo.plan["supersedes_plan_id"] == 1
    assert redo.plan["reason"] == "回避名单更正后重抽"
    assert redo.plan["inputs_sha256"] == first.plan["inputs_sha256"]
    assert redo.plan["result_sha256"] == first.plan["result_sha256"]
    con = queries.connect(province)
    try:
        listed = planning.plans(con)
        assert listed.select("plan_id", "is_current", "superseded_by").rows() == [(2, True, None), (1, False, 2)]
        assert planning.current_plan(con, "2026-Q1")["plan_id"] == 2
        strip = lambda f: f.drop("plan_id")  # noqa: E731
        assert strip(planning.plan_visits(con, 1)).equals(strip(planning.plan_visits(con, 2)))
        for plan_id in (1, 2):
            report = service.verify(con, plan_id)
            assert report["inputs_match"] and report["result_match"] and not report["data_changed"]
    finally:
        con.close()
    with pytest.raises(PlanError, match="已于2026年3月31日结束"):
        service.make_plan(province, "2026-Q1", today=dt.date(2026, 4, 2), config=ONLY_FORCED)


def test_plan_against_achieved_counts_coverage_misses_and_unplanned_checks(province: Path, tmp_path: Path):
    service.make_plan(province, "2026-Q1", today=T0, seed=7, config=ONLY_FORCED)
    o = {n: organ_code(n) for n in range(1, 7)}
    later = write_csv(tmp_path / "q1_inspections.csv", INSPECTION_HEADERS, [
        ["JC-2026-001", "2026-01-10", o[1], "P1", "复查", "甲、乙", 72],       # planned, in its window
        ["JC-2026-002", "2026-02-20", o[1], "P1", "复查", "甲、丁", 75],       # a second check of it
        ["JC-2026-003", "2026-02-01", o[5], "", "双随机抽查", "丁、戊", 90],   # not in the plan
        ["JC-2026-004", "2026-04-02", o[4], "P4", "复查", "丁、戊", 80],       # after the period: organ 4 missed
    ])
    load(province, LATER, later)
    con = queries.connect(province)
    try:
        rows = planning.plan_vs_achieved(con, 1, LATER)
        got = rows.select("planned", "organ_code", "status", "inspection_code", "in_window", "inspections_matched")
        assert got.rows() == [
            (True, o[1], "achieved", "JC-2026-001", True, 2),
            (True, o[4], "missed", None, None, 0),
            (False, o[5], "unplanned", "JC-2026-003", None, 1),
        ]
        team = planning.plan_visits(con, 1).row(0, named=True)["inspector_names"]
        assert rows.row(0, named=True)["planned_inspectors_present"] == len({"甲", "乙"} & set(team))
        # by hand: 2 planned (1 staffed), 1 achieved in its window, 1 missed, 1 unplanned check
        cov = planning.plan_coverage(con, 1, LATER).row(0, named=True)
        assert {k: cov[k] for k in ("planned", "staffed", "achieved", "achieved_in_window", "missed", "behind",
                                    "pending", "unplanned", "coverage_rate", "in_window_rate")} == {
            "planned": 2, "staffed": 1, "achieved": 1, "achieved_in_window": 1, "missed": 1, "behind": 0,
            "pending": 0, "unplanned": 1, "coverage_rate": 0.5, "in_window_rate": 0.5}
        by_tier = planning.plan_coverage(con, 1, LATER, by="tier")
        assert by_tier.filter(pl.col("tier") == "D").select("planned", "achieved").row(0) == (1, 1)
        # before the period ends, an unvisited organ is pending (or behind once its window has passed)
        mid = planning.plan_vs_achieved(con, 1, dt.date(2026, 1, 5))
        assert mid.filter(pl.col("planned"))["status"].to_list() == ["pending", "pending"]
        assert planning.plan_vs_achieved(con, 1, dt.date(2026, 2, 15)).filter(
            pl.col("organ_code") == o[4])["status"].to_list() == ["behind"]
        # the data changed since the plan was drawn: verify still re-draws it from the stored inputs
        report = service.verify(con, 1)
        assert report["result_match"] and report["data_changed"]
    finally:
        con.close()


def test_inspections_made_before_the_plan_was_drawn_neither_achieve_it_nor_count_as_unplanned(
        province: Path, tmp_path: Path):
    drawn_on = dt.date(2026, 1, 20)  # a plan drawn three weeks into its quarter
    service.make_plan(province, "2026-Q1", today=drawn_on, seed=7, config=ONLY_FORCED)
    o = {n: organ_code(n) for n in range(1, 7)}
    later = write_csv(tmp_path / "q1_inspections.csv", INSPECTION_HEADERS, [
        ["JC-2026-001", "2026-01-10", o[1], "P1", "复查", "甲、乙", 72],       # before the plan existed
        ["JC-2026-002", "2026-02-05", o[1], "P1", "复查", "甲、丁", 75],       # carries the plan out
        ["JC-2026-003", "2026-01-12", o[5], "", "双随机抽查", "丁、戊", 90],   # before the plan: not unplanned
        ["JC-2026-004", "2026-02-01", o[5], "", "双随机抽查", "丁、戊", 88],   # after it, not in it: unplanned
    ])
    load(province, LATER, later)
    con = queries.connect(province)
    try:
        rows = planning.plan_vs_achieved(con, 1, LATER)
        got = rows.filter(pl.col("organ_code").is_in([o[1], o[5]])).select(
            "planned", "organ_code", "status", "inspection_code", "inspections_matched")
        assert got.rows() == [(True, o[1], "achieved", "JC-2026-002", 1), (False, o[5], "unplanned", "JC-2026-004", 1)]
        cov = planning.plan_coverage(con, 1, LATER).row(0, named=True)
        assert (cov["achieved"], cov["unplanned"]) == (1, 1)
        # on the 公示 list, the inspection date is the one that carried the plan out
        _internal, public = service.export(con, 1, tmp_path / "out", LATER)
    finally:
        con.close()
    pub = openpyxl.load_workbook(public)["公示名单"]
    row = next(r for r in pub.iter_rows(min_row=3, values_only=True) if r[2] == o[1])
    assert row[7] == dt.datetime(2026, 2, 5)


def test_a_plan_drawn_late_in_its_period_has_capacity_and_windows_for_the_time_left(province: Path):
    every = planning_config.default().with_overrides(sampling={
        "ratio": {t: 1.0 for t in "ABCD"}, "bands": {t: [0.0, 1.0] for t in "ABCD"}})
    drawn_on = dt.date(2026, 1, 28)  # 63 of the quarter's 90 days left: 2.1 months
    outcome = service.make_plan(province, "2026-Q1", today=drawn_on, seed=3, config=every)
    con = queries.connect(province)
    try:
        # 6 visits a quarter, for 2.1 months: 4.2, so 4 each (not the whole quarter's 6)
        assert outcome.plan["params"]["capacity_default"] == 4
        assert set(planning.plan_workload(con, 1)["capacity"]) == {4}
        visits = planning.plan_visits(con, 1)
        # a follow-up due before the plan starts says how late it is
        assert "应于2025年12月31日前复查，已逾期28天" in visits.row(0, named=True)["reasons_zh"]
        assert service.verify(con, 1)["result_match"]
        # a drawn visit's month may be January's last 4 days: its window still has the 7 days any window has
        inputs = service.read_inputs(con, service.resolve_period("2026-Q1"), drawn_on, every)
    finally:
        con.close()
    period, short = service.resolve_period("2026-Q1"), 0
    for seed in range(30):
        result = draw(inputs, period, drawn_on, seed, every)
        for v in result.visits.iter_rows(named=True):
            assert v["window_start"] >= drawn_on
            assert (v["window_end"] - v["window_start"]).days + 1 >= 7 or v["window_end"] == period.end
            if v["selection"] == "tier_sample" and v["window_start"] == drawn_on:  # January drawn
                assert v["window_end"] == dt.date(2026, 2, 3)
                short += 1
    assert short  # the case happened


def test_a_warehouse_without_inspectors_gives_a_plan_whose_visits_say_the_registry_is_missing(tmp_path: Path):
    files = tmp_path / "files"
    files.mkdir()
    write_csv(files / "organs.csv", ORGAN_HEADERS, [organ_row(1)])
    write_csv(files / "vendors.csv", VENDOR_HEADERS, [vendor_row(1)])
    write_csv(files / "projects.csv", PROJECT_HEADERS, [  # never inspected: its first check is overdue
        project_row("P1", 1, 1, start="2025-03-01", signed="2025-02-20", end="2026-06-30")])
    wh = tmp_path / "wh" / "oversight.duckdb"
    load(wh, T0, files)
    outcome = service.make_plan(wh, "2026-Q1", today=T0, seed=1, config=ONLY_FORCED)
    assert outcome.plan["visits"] == 1 and outcome.plan["unstaffed"] == 1
    con = queries.connect(wh)
    try:
        why = planning.plan_unstaffed(con, 1).row(0, named=True)
    finally:
        con.close()
    assert why["reason_code"] == "TOO_FEW_INSPECTORS" and why["active"] == 0
    assert why["reason_zh"] == ("检查人员名录中没有在岗人员（请先装载检查人员名录），"
                                "每次检查须至少2名检查人员，本次检查暂未派员")


def test_a_plan_drawn_by_other_rules_is_not_reported_as_a_match_and_says_why(province: Path):
    service.make_plan(province, "2026-Q1", today=T0, seed=7, config=ONLY_FORCED)
    con = duckdb.connect(str(province))
    try:  # as a plan recorded by an earlier version of the rules would be
        con.execute("UPDATE plans SET algorithm = 'draw-v1' WHERE plan_id = 1")
    finally:
        con.close()
    con = queries.connect(province)
    try:
        report = service.verify(con, 1)
    finally:
        con.close()
    assert report["inputs_match"] and not report["data_changed"] and not report["result_match"]
    assert report["message_zh"] == "第1号计划按抽取规则draw-v1抽取，本程序只能按draw-v3、draw-v4抽取，不能重抽复核结果；输入摘要仍可核对"


def test_a_plan_drawn_by_the_previous_rules_is_still_redrawn_by_them(province: Path):
    """draw-v4 changed only how the Chinese reasons write dates, days late and quarters; a plan recorded
    under draw-v3 is re-drawn by draw-v3 and verifies, and the two versions' results differ."""
    service.make_plan(province, "2026-Q1", today=T0, seed=7, config=ONLY_FORCED)
    con = queries.connect(province)
    try:
        plan, inputs, v4 = service.redraw_stored(con, 1)
        period = service.Period(plan["period"], plan["period_start"], plan["period_end"])
        v3 = draw(inputs, period, T0, 7, ONLY_FORCED, "draw-v3")
    finally:
        con.close()
    first_v3, first_v4 = v3.visits.row(0, named=True)["reasons_zh"], v4.visits.row(0, named=True)["reasons_zh"]
    assert "应于2025-12-31前复查" in first_v3 and first_v3.endswith("另：2025-Q1、2025-Q2、2025-Q3未报送任何材料")
    assert "应于2025年12月31日前复查" in first_v4 and "已逾期264天" in first_v4 and "已逾期264日" in first_v3
    assert v3.result_sha256 != v4.result_sha256 == plan["result_sha256"]
    assert v3.visits.drop("reasons_zh").equals(v4.visits.drop("reasons_zh")) and v3.team.equals(v4.team)
    con = duckdb.connect(str(province))
    try:  # as the plan was recorded by the previous release
        con.execute("UPDATE plans SET algorithm = 'draw-v3', result_sha256 = ? WHERE plan_id = 1", [v3.result_sha256])
    finally:
        con.close()
    con = queries.connect(province)
    try:
        report = service.verify(con, 1)
        assert report["result_match"] and report["algorithm"] == "draw-v3" and report["message_zh"] is None
    finally:
        con.close()
    with pytest.raises(PlanError, match="不能按抽取规则draw-v2抽取"):
        draw(inputs, period, T0, 7, ONLY_FORCED, "draw-v2")


def test_the_plan_workbook_and_the_public_list(province: Path, tmp_path: Path):
    service.make_plan(province, "2026-Q1", today=T0, seed=7, config=ONLY_FORCED)
    con = queries.connect(province)
    try:
        internal, public = service.export(con, 1, tmp_path / "out", T0)
    finally:
        con.close()
    assert internal.name == "检查计划_2026-Q1_第1号.xlsx" and public.name == "抽查公示名单_2026-Q1_第1号.xlsx"
    wb = openpyxl.load_workbook(internal)
    assert wb.sheetnames == ["检查任务", "未能派员", "检查人员任务", "抽取说明"]
    ws = wb["检查任务"]
    assert ws.freeze_panes == "A2" and ws.column_dimensions["B"].width > 20
    header = [c.value for c in ws[1]]
    assert header[:8] == ["序号", "被检查机关", "统一社会信用代码", "所在地区", "区划代码", "风险等级", "抽取方式", "抽取原因"]
    assert ws["B2"].value == "'=1+1机关"  # user text neutralised, never a formula
    assert ws["I2"].is_date and ws["J2"].value == dt.datetime(2026, 1, 1)
    assert "未派员" in wb["未能派员"]["F2"].value
    method = {r[0]: r[1] for r in wb["抽取说明"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert method["随机种子"] == "7" and len(method["输入数据摘要（SHA-256）"]) == 64
    assert method["计划期间"] == "2026年第1季度（2026年1月1日至2026年3月31日）"

    pub = openpyxl.load_workbook(public)["公示名单"]
    assert pub.freeze_panes == "A3" and pub["A1"].value == "档案服务外包监督检查双随机抽查名单（2026年第1季度）"
    assert [c.value for c in pub[2]] == ["序号", "被检查单位", "统一社会信用代码", "所在地区", "检查事项", "检查方式",
                                         "计划检查时间", "检查日期", "检查结果"]
    cells = [str(c.value) for row in pub.iter_rows() for c in row if c.value is not None]
    for name in ("甲", "乙", "丙", "丁", "戊", "浙A-"):  # no inspector, no personal data
        assert not any(name in c for c in cells), name
    assert not any(t in c for c in cells for t in ("D（", "事件", "逾期"))  # no tier, no reason
    assert pub["E3"].value == "机关档案服务外包监督检查：传统载体档案数字化" and pub["F3"].value == "重点检查"
    assert pub["G3"].value == "2026年1月1日至1月30日" and pub["I3"].value == "待检查"
    assert any(c.startswith("说明：重点检查为依规必须检查的机关，随机抽查为按风险分层随机抽取的机关") for c in cells)


def test_the_oversight_plan_commands(province: Path, tmp_path: Path):
    runner = CliRunner()
    env = {"OVERSIGHT_WAREHOUSE": str(province), "OVERSIGHT_TODAY": str(T0)}
    done = runner.invoke(main, ["plan", "--period", "2026-Q1", "--seed", "7", "--json"], env=env)
    assert done.exit_code == 0, done.output
    shown = json.loads(done.output)
    assert shown["plan_id"] == 1 and shown["seed"] == 7 and shown["visits"] == len(shown["visit_list"])
    done = runner.invoke(main, ["plan", "--period", "2026-Q1"], env=env)
    assert done.exit_code == 0 and "未重新抽取" in done.output
    done = runner.invoke(main, ["plan", "--period", "2026-Q1", "--redraw"], env=env)
    assert done.exit_code == 2 and "须说明原因" in done.output and "--reason" in done.output
    done = runner.invoke(main, ["plan", "--period", "2026-Q1", "--seed", "8", "--redraw", "--reason", "名录更新",
                                "--out", str(tmp_path / "out")], env=env)
    assert done.exit_code == 0, done.output
    assert "重新抽取" in done.output and "取代第1号" in done.output and (tmp_path / "out").is_dir()
    done = runner.invoke(main, ["plan", "list"], env=env)
    assert "第2号 2026-Q1 种子8" in done.output and "已被第2号取代" in done.output
    assert runner.invoke(main, ["plan", "verify", "1"], env=env).exit_code == 0
    done = runner.invoke(main, ["plan", "achieved", "--period", "2026-Q1", "--json"], env=env)
    assert json.loads(done.output)["plan_id"] == 2
    done = runner.invoke(main, ["plan", "show", "9"], env=env)
    assert done.exit_code == 2 and "没有第9号" in done.output
    done = runner.invoke(main, ["plan", "--period", "2026-Q5"], env=env)
    assert done.exit_code == 2 and "不是有效的计划期间" in done.output


def test_a_plan_of_the_sample_province_keeps_every_rule(tmp_path: Path):
    from etl import sample
    day = dt.date(2025, 12, 20)
    manifest = sample.generate(tmp_path / "sub", today=day, organs=40, vendors=8, years=2)
    wh = tmp_path / "wh.duckdb"
    pipeline.run([tmp_path / "sub"], pipeline.Settings(wh, manifest["jurisdiction"], day))
    outcome = service.make_plan(wh, "2026-Q1", today=day, seed=2026)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        schedule = queries.organ_schedule(con, queries.Filters(today=day))
        visits = planning.plan_visits(con, outcome.plan["plan_id"])
        team = planning.plan_team(con, outcome.plan["plan_id"])
        inspectors = planning.input_inspectors(con)
        last = planning.input_last_teams(con, day, 1)
    finally:
        con.close()
    must = schedule.filter(pl.col("followup_due_on").is_not_null() | (pl.col("next_due_on") <= dt.date(2026, 3, 31)))
    assert set(must["organ_code"]) <= set(visits["organ_code"])
    recusal = {(r["inspector_id"], c) for r in inspectors.iter_rows(named=True) for c in r["recusal_organ_codes"]}
    assert recusal  # the sample has registry recusals
    names = dict(inspectors.select("inspector_id", "inspector_name").iter_rows())
    last_names = {(r["organ_code"], n) for r in last.iter_rows(named=True) for n in r["inspector_names"]}
    for t in team.iter_rows(named=True):
        assert (t["inspector_id"], t["organ_code"]) not in recusal
        assert (t["organ_code"], names[t["inspector_id"]]) not in last_names
    assert team.group_by("visit_no").len()["len"].to_list() == [2] * team["visit_no"].n_unique()
