"""The annual workbook: sheets, Chinese headers, real types and formats, frozen headers, native charts,
and figures equal to the query layer's; the `oversight export annual` command."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from etl.cli import main
from etl.export import annual, annual_workbook
from tests.export_support import TODAY, YEAR, con, header_row, sample_warehouse, summary_figures, warehouse_path  # noqa: F401 (fixtures)
from warehouse import queries
from warehouse.periods import date_text

CJK = re.compile(r"[\u4e00-\u9fff]")
EXPECTED_SHEETS = ["摘要", "分地区检查", "分服务类型检查", "季度趋势", "等级分布", "问题类别", "高频不符合项",
                   "服务机构风险", "事件", "整改统计", "整改明细", "报送完整性", "检查覆盖", "方法说明"]


@pytest.fixture(scope="module")
def scope() -> queries.Filters:
    return annual.scope_filters(None, TODAY)


@pytest.fixture(scope="module")
def workbook(con, scope, tmp_path_factory):
    path = tmp_path_factory.mktemp("annual") / "2025年报.xlsx"
    data = annual_workbook.export_annual_workbook(con, YEAR, scope, path)
    return data, openpyxl.load_workbook(path)


def table(ws) -> tuple[list[str], list[tuple]]:
    h = header_row(ws)
    headers = [c.value for c in ws[h]]
    rows = [r for r in ws.iter_rows(min_row=h + 1, values_only=True) if any(v is not None for v in r)]
    return headers, [r for r in rows if r[0] != "合计"]   # the totals row (test_export_requests checks it)


def test_sheets_headers_frozen_and_header_block(workbook):
    data, wb = workbook
    assert wb.sheetnames == EXPECTED_SHEETS
    for ws in wb.worksheets:
        assert ws.freeze_panes, f"{ws.title}: header row not frozen"
        h = header_row(ws)
        headers = [c.value for c in ws[h] if c.value is not None]
        assert headers and all(CJK.search(str(v)) for v in headers), f"{ws.title}: {headers}"
        block = " ".join(str(ws.cell(r, 1).value) for r in range(1, h))
        assert "数据截至：2026年3月15日" in block and "浙江省" in block and "统计日" in block, ws.title
    headers, _ = table(wb["整改明细"])
    assert headers[:3] == ["检查编号", "检查项代码", "检查项"]
    assert "整改期限" in headers and "状态" in headers


def test_cells_are_typed_and_formatted(workbook):
    _, wb = workbook
    ws = wb["整改明细"]
    h = header_row(ws)
    headers = [c.value for c in ws[h]]
    due = headers.index("整改期限") + 1
    overdue = headers.index("逾期天数") + 1
    status = headers.index("状态") + 1
    cells = [ws.cell(r, due) for r in range(h + 1, ws.max_row + 1)]
    assert cells and all(isinstance(c.value, dt.datetime) and c.number_format == "yyyy-mm-dd" for c in cells)
    assert all(isinstance(ws.cell(r, overdue).value, int) for r in range(h + 1, ws.max_row + 1))
    assert {ws.cell(r, status).value for r in range(h + 1, ws.max_row + 1)} <= {
        "按期完成", "超期完成", "已由复检取代", "逾期", "即将到期", "整改中"}
    ws = wb["分地区检查"]
    headers, rows = table(ws)
    rate = headers.index("合格率") + 1
    rate_cells = [ws.cell(r, rate) for r in range(header_row(ws) + 1, header_row(ws) + 1 + len(rows))]
    assert any(isinstance(c.value, float) for c in rate_cells)
    assert all(c.number_format == "0.0%" for c in rate_cells if c.value is not None)
    ws = wb["事件"]
    headers, rows = table(ws)
    assert rows and all(isinstance(r[headers.index("发生时间")], dt.datetime) for r in rows)
    assert ws.cell(header_row(ws) + 1, headers.index("发生时间") + 1).number_format == "yyyy-mm-dd hh:mm"


def test_native_charts(workbook):
    _, wb = workbook
    for sheet in ("摘要", "分地区检查", "分服务类型检查", "季度趋势", "问题类别", "服务机构风险", "整改统计", "检查覆盖"):
        assert wb[sheet]._charts, f"no chart on {sheet}"


def test_summary_figures_equal_the_query_layer(workbook, con, scope):
    data, wb = workbook
    figures = summary_figures(wb)
    fy = replace(scope, period=str(YEAR))
    fp = fy.previous()
    trend_y = queries.compliance_trend(con, fy, by=("year",)).row(0, named=True)
    trend_p = queries.compliance_trend(con, fp, by=("year",)).row(0, named=True)
    for key, col in (("inspections", "inspections"), ("organs_inspected", "organs_inspected"),
                     ("mean_score", "mean_score"), ("pass_rate", "pass_rate"), ("failed_inspections", "n_fail"),
                     ("veto_failures", "veto_failures"), ("items_failed", "items_failed")):
        assert figures[key] == (trend_y[col], trend_p[col]), key
    kpis = {r["kpi"]: r for r in queries.kpis(con, fy).iter_rows(named=True)}
    for key in ("active_projects", "open_incidents", "overdue_checks", "overdue_rectifications"):
        assert figures[key] == (kpis[key]["value"], kpis[key]["previous_value"]), key
    assert figures["inspections"][0] == kpis["inspections"]["value"]
    rect_y = queries.rectification_status(con, fy).row(0, named=True)
    rect_p = queries.rectification_status(con, fp).row(0, named=True)
    assert figures["rectifications_due"] == (rect_y["total"], rect_p["total"])
    assert figures["rectifications_overdue"] == (rect_y["overdue"], rect_p["overdue"])
    sub = queries.submission_completeness(con, fy)
    assert figures["evaluations_expected"][0] == sub["expected"].sum()
    assert figures["evaluation_rate"][0] == round(sub["received"].sum() / sub["expected"].sum(), 4)
    cov = queries.coverage(con, fy)
    assert figures["checks_due"][0] == cov["due"].sum()
    vendors = queries.vendor_risk(con, scope)
    assert figures["vendors_tier_d"] == (vendors.filter(pl.col("tier") == "D").height, None)
    assert figures["inspections"][0] > 0 and figures["inspections"][1] > 0
    assert len(data.issues) <= 3


def test_sheets_equal_the_query_layer(workbook, con, scope):
    _, wb = workbook
    fy = replace(scope, period=str(YEAR))
    headers, rows = table(wb["分地区检查"])
    expected = queries.compliance_trend(con, fy, by=("year", "city"))
    got = {r[headers.index("行政区划代码")]: r[headers.index("检查次数")] for r in rows}
    assert {k: v for k, v in got.items() if v} == dict(zip(expected["region_code"], expected["inspections"]))
    headers, rows = table(wb["整改明细"])
    assert len(rows) == queries.rectifications(con, fy).height
    headers, rows = table(wb["服务机构风险"])
    risk = queries.vendor_risk(con, scope)
    assert [r[headers.index("服务机构代码")] for r in rows] == risk["vendor_code"].to_list()
    assert [r[headers.index("风险分")] for r in rows] == risk["score"].to_list()
    headers, rows = table(wb["问题类别"])
    cats = queries.failing_categories(con, fy)
    assert {r[headers.index("类别代码")]: r[headers.index("不符合项次")] for r in rows} == dict(
        zip(cats["category_code"], cats["items_failed"]))
    headers, rows = table(wb["报送完整性"])
    assert len(rows) == queries.submission_completeness(con, fy).height


def test_methodology_states_windows_weights_rules_and_data_as_of(workbook):
    _, wb = workbook
    headers, rows = table(wb["方法说明"])
    text = "\n".join(" ".join(str(v) for v in r if v is not None) for r in rows)
    for needle in ("数据截至", "2026年3月15日", "trend_quarters", "权重合计", "满分", "D_INCIDENT", "R1 问题类别上升",
                   "R2 服务机构转入D级", "R3 整改逾期", "每 6 个月检查一次", "不超过三项"):
        assert needle in text, needle


def test_region_scope_is_applied_everywhere(con, tmp_path):
    scope = annual.scope_filters("330100", TODAY)
    data = annual_workbook.export_annual_workbook(con, YEAR, scope, tmp_path / "杭州.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "杭州.xlsx")
    assert "杭州市" in wb["摘要"].cell(1, 1).value
    for sheet, column in (("整改明细", "行政区划代码"), ("事件", "行政区划代码"), ("报送完整性", "行政区划代码"),
                          ("分地区检查", "行政区划代码")):
        headers, rows = table(wb[sheet])
        assert all(str(r[headers.index(column)]).startswith("3301") for r in rows), sheet
    trend = queries.compliance_trend(con, replace(scope, period=str(YEAR)), by=("year",)).row(0, named=True)
    assert summary_figures(wb)["inspections"][0] == trend["inspections"]
    assert data.region_level == "county"


def test_cli_export_annual(warehouse_path, tmp_path):
    result = CliRunner().invoke(main, ["export", "annual", "--year", str(YEAR), "--out", str(tmp_path / "年报.xlsx"),
                                       "--warehouse", str(warehouse_path), "--today", TODAY.isoformat(),
                                       "--region", "3301"])
    assert result.exit_code == 0, result.output
    assert "年度统计工作簿已写入" in result.output
    assert openpyxl.load_workbook(tmp_path / "年报.xlsx").sheetnames == EXPECTED_SHEETS
    bad = CliRunner().invoke(main, ["export", "annual", "--year", str(YEAR), "--warehouse", str(warehouse_path),
                                    "--region", "33x"])
    assert bad.exit_code == 2 and "不是行政区划代码" in bad.output


def test_priority_issues_follow_the_rules(workbook, con, scope):
    data, _ = workbook
    fy = replace(scope, period=str(YEAR))
    rules = [i.rule for i in data.issues]
    assert rules == sorted(rules) and len(rules) == len(set(rules)) <= 3
    now = queries.failing_categories(con, fy)
    before = queries.failing_categories(con, fy.previous())
    joined = now.join(before, on="category_code", suffix="_p").filter(
        (pl.col("inspections_assessed") >= annual.CATEGORY_MIN_ASSESSED)
        & (pl.col("inspections_assessed_p") >= annual.CATEGORY_MIN_ASSESSED))
    rise = joined.with_columns(d=(pl.col("share_with_failure") - pl.col("share_with_failure_p")) * 100).sort(
        ["d", "category_code"], descending=[True, False])
    if rise["d"][0] >= annual.CATEGORY_RISE_MIN_PP:
        assert data.issues[0].rule == "R1" and rise["category_zh"][0] in data.issues[0].title
    else:
        assert "R1" not in rules
    overdue = queries.rectification_status(con, fy)["overdue"][0]
    r3 = [i for i in data.issues if i.rule == "R3"]
    assert bool(r3) == (overdue > 0)
    if r3:
        assert r3[0].title.startswith(f"{overdue} 项整改逾期未完成")
    # The sample's single load rated every vendor on TODAY (2026-03-15), after the 2025 report's
    # window: those first ratings are not 2025's, and the summary says the tier record starts later.
    assert annual.vendor_move_window(data) == (dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
    assert queries.vendor_tier_history(con)["effective_on"].min() == TODAY
    assert "R2" not in rules
    assert data.sentences[-1] == f"服务机构等级记录始于2026年3月15日，{YEAR}年度内没有等级变化记录。"
    assert not any("2026年3月15日间" in i.text for i in data.issues)


def test_first_ratings_count_in_the_year_of_their_date(con):
    """The current year's report (to TODAY) has the sample's first ratings in its window: R2 names
    them as first ratings, dated inside the window, and no note about the tier record."""
    year = TODAY.year
    data = annual.collect(con, year, annual.scope_filters(None, TODAY))
    assert annual.vendor_move_window(data) == (dt.date(year, 1, 1), TODAY)
    d_vendors = queries.vendor_risk(con, data.scope).filter(pl.col("tier") == "D")
    r2 = [i for i in data.issues if i.rule == "R2"]
    assert r2 and r2[0].title == f"{d_vendors.height} 家服务机构首次评定即为D级（高风险）"
    assert r2[0].text.startswith(f"{year}年1月1日至{date_text(TODAY)}间，")
    assert not any("等级记录始于" in s for s in data.sentences)


def test_vendor_move_window_ends_at_the_year_end_or_today():
    def window(year: int, today: dt.date, data_as_of: dt.date | None):
        d = annual.AnnualData(year=year, scope=annual.scope_filters(None, today), f_year=None, f_prev=None,
                              scope_label="浙江省", data_as_of=data_as_of, loaded_at=None, scores_as_of=None,
                              figures=[], sentences=[], issues=[], tables={}, methodology=[], region_level="city")
        return annual.vendor_move_window(d)
    # a report of 2025 made in late 2026 (data loaded 2026-11-27) stays inside 2025
    assert window(2025, dt.date(2026, 11, 27), dt.date(2026, 11, 27)) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert window(2025, dt.date(2026, 1, 10), dt.date(2026, 1, 10)) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    # the current year runs to today
    assert window(2026, dt.date(2026, 11, 27), dt.date(2026, 11, 27)) == (dt.date(2026, 1, 1), dt.date(2026, 11, 27))


def test_tier_history_starting_after_the_window_is_said_plainly():
    window = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert annual.tier_history_note(2025, window, dt.date(2026, 11, 27)) == \
        "服务机构等级记录始于2026年11月27日，2025年度内没有等级变化记录。"
    assert annual.tier_history_note(2025, window, dt.date(2025, 12, 31)) is None
    assert annual.tier_history_note(2025, window, dt.date(2024, 3, 1)) is None
    assert annual.tier_history_note(2025, window, None) is None


def test_summary_method_column_is_in_plain_words(workbook):
    data, wb = workbook
    ws = wb["摘要"]
    h = header_row(ws)
    headers = [c.value for c in ws[h]]
    method, key = headers.index("口径"), headers.index("指标代码")
    rows = {r[key]: r[method] for r in ws.iter_rows(min_row=h + 1, values_only=True) if r[key]}
    assert set(rows) == {f.key for f in data.figures}
    for code, text in rows.items():
        # no code names such as (compliance_trend(by=year)), (kpis), (queries.incidents)
        assert not re.search(r"[A-Za-z_]{3,}", text), (code, text)
        assert "来源：" in text, (code, text)
    assert rows["inspections"] == "年内检查的次数（按检查日期）；同一机关检查两次计两家次（来源：按年度汇总的检查结果）"
    assert rows["active_projects"].endswith("（来源：首页指标）")
    assert rows["incidents"] == "发生时间在年内的事件（来源：安全事件清单）"


def test_vendors_moved_into_d_are_told_apart_from_first_ratings():
    window = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    frame = pl.DataFrame({"vendor_name": ["甲公司", "乙公司", "丙公司"], "previous_tier": ["B", None, "C"],
                          "floor_reason": ["资质过期（Q1）", None, None], "tier_change_reason": [None, "x", "y"]})
    issue = annual.vendors_into_d(frame, *window)
    assert issue.title == "2 家服务机构转入D级、1 家首次评定即为D级（高风险）"
    assert issue.text == "2025年1月1日至2025年12月31日间，甲公司、丙公司转入D级；乙公司首次评定即为D级；甲公司的原因：资质过期（Q1）。"
    only_first = annual.vendors_into_d(frame.filter(pl.col("previous_tier").is_null()), *window)
    assert only_first.title == "1 家服务机构首次评定即为D级（高风险）"
    assert only_first.text == "2025年1月1日至2025年12月31日间，乙公司首次评定即为D级；乙公司的原因：x。"
