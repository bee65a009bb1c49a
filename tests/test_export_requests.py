"""What a reader of the annual exports relies on beyond the figures: refusals in Chinese instead of
empty files or tracebacks, an unfinished year marked as such, quarters written 2025年第3季度, and a
city's snapshot citing no code of an organ outside the city."""

from __future__ import annotations

import datetime as dt

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner
from docx import Document

from etl.cli import main
from etl.export import annual, annual_report, annual_workbook, export_annual
from etl.export import snapshot as snap
from etl.export.jobs import JobRunner
from tests.export_support import TODAY, YEAR, con, header_row, sample_warehouse, warehouse_path  # noqa: F401 (fixtures)
from warehouse import queries

CITY = "3302"   # 宁波市: a vendor of the city has floor reasons citing incidents elsewhere


def _cli(warehouse_path, *args):
    return CliRunner().invoke(main, ["export", "annual", "--warehouse", str(warehouse_path),
                                     "--today", TODAY.isoformat(), *args])


@pytest.mark.parametrize("args, message", [
    (["--year", "2027"], "2027年尚未开始"),
    (["--year", "2010"], "2010年和 2009年都没有检查"),
    (["--year", str(YEAR), "--region", "9999"], "不在行政区划代码表中"),
    (["--year", str(YEAR), "--region", "3201"], "南京市（320100）在 2025年和 2024年都没有"),
])
def test_a_year_or_region_without_data_is_refused_in_chinese(warehouse_path, tmp_path, args, message):
    out = tmp_path / "年报.xlsx"
    result = _cli(warehouse_path, *args, "--out", str(out), "--report", str(tmp_path / "报告.docx"))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert "错误：" in result.output and "Error:" not in result.output
    assert not out.exists() and not (tmp_path / "报告.docx").exists()


def test_a_regions_workbook_is_named_for_the_region_by_default(warehouse_path, tmp_path, monkeypatch):
    """Without --out, the whole jurisdiction's workbook is 2025年报.xlsx and a region's carries its
    code: a city export never overwrites the province's."""
    monkeypatch.chdir(tmp_path)
    for args in ([], ["--region", CITY]):
        result = _cli(warehouse_path, "--year", str(YEAR), *args)
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == [f"{YEAR}年报.xlsx", f"{YEAR}年报_{CITY}.xlsx"]


def test_a_region_outside_the_accounts_scope_is_refused(con):
    scope = annual.scope_filters("3201", TODAY).within("330100")
    with pytest.raises(annual.ExportError, match="不在本账户的权限范围（杭州市（330100））内"):
        annual.collect(con, YEAR, scope)


def test_an_unwritable_or_wrong_path_is_refused_before_any_file_is_written(warehouse_path, tmp_path):
    ok = tmp_path / "年报.xlsx"
    cases = [
        (["--out", str(tmp_path / "无此目录" / "年报.xlsx")], "目录", "不存在"),
        (["--out", str(ok), "--report", str(tmp_path / "无此目录" / "报告.docx")], "年度报告", "不存在"),
        (["--out", str(tmp_path / "年报.csv")], "工作簿须为 .xlsx 文件", "年报.csv"),
    ]
    for args, *words in cases:
        result = _cli(warehouse_path, "--year", str(YEAR), *args)
        assert result.exit_code == 2, result.output
        assert all(w in result.output for w in words), result.output
        assert not ok.exists(), "nothing is written when one of the targets cannot be"
    taken = tmp_path / "快照.txt"
    taken.write_text("x")
    with pytest.raises(annual.ExportError, match="快照目录 .* 已是一个文件"):
        export_annual(None, YEAR, annual.scope_filters(None, TODAY), workbook=ok, snapshot=taken)
    assert not ok.exists()
    # a snapshot folder that does not exist yet is created, with its parents
    result = _cli(warehouse_path, "--year", str(YEAR), "--region", "3301", "--out", str(ok),
                  "--snapshot", str(tmp_path / "新" / "快照"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "新" / "快照" / "manifest.json").exists()


def test_a_refused_export_job_shows_the_reason(warehouse_path, tmp_path):
    runner = JobRunner(tmp_path / "jobs")
    try:
        job = runner.submit_annual(lambda: queries.connect(warehouse_path), 2010, annual.scope_filters(None, TODAY),
                                   kinds=("workbook",))
        state = runner.wait(job, timeout=60)
        assert state["status"] == "failed" and state["error"].startswith("浙江省（330000）在 2010年"), state
    finally:
        runner.shutdown()


def test_the_current_year_is_marked_unfinished(con, tmp_path):
    year = TODAY.year   # 2026 runs until 31 December; the sample has its first quarter
    data = annual.collect(con, year, annual.scope_filters(None, TODAY))
    assert not data.complete and annual.collect(con, YEAR, annual.scope_filters(None, TODAY)).complete
    assert data.sentences[0].startswith(f"{year}年尚未结束：本年数字为 1月1日至3月15日")
    assert not any(s.startswith("年末") or "，年末" in s for s in data.sentences), data.sentences
    assert "截至统计日在办外包项目" in " ".join(data.sentences)
    assert data.figure("active_projects").label_zh == "截至统计日在办外包项目（个）"
    annual_workbook.write_annual_workbook(data, tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["摘要"]
    assert ws["A1"].value.endswith(f"{year}年度档案外包监管统计（截至2026年3月15日，年度未结束）")
    assert "年度：2026年（1月1日至3月15日，年度未结束）（对比 2025年全年）" in ws["A2"].value
    annual_report.write_annual_report(data, tmp_path / "r.docx")
    doc = Document(tmp_path / "r.docx")
    assert "年度未结束" in doc.paragraphs[0].text and "年度未结束" in doc.sections[0].header.paragraphs[0].text


def test_quarters_read_in_chinese_and_items_listed_have_failures(con, tmp_path):
    data = annual_workbook.export_annual_workbook(con, YEAR, annual.scope_filters(None, TODAY), tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "w.xlsx")
    for sheet, header in (("季度趋势", "期间"), ("报送完整性", "季度")):
        ws = wb[sheet]
        h = header_row(ws)
        col = [c.value for c in ws[h]].index(header)
        values = {r[col] for r in ws.iter_rows(min_row=h + 1, values_only=True) if r[col]}
        assert values and all(v[:4].isdigit() and v[4:6] == "年第" and v.endswith("季度") for v in values), values
    assert "2024年第1季度" in {c.value for c in wb["季度趋势"]["A"]}
    assert annual.labels.period_text("2025-Q2") == "2025年第2季度"
    # a range of days, as a Chinese reader writes it, and back in English (an older ISO form reads too)
    days = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert annual.labels.period_text(days) == "2025年1月1日至2025年3月31日"
    assert annual.labels.period_text(annual.labels.period_text(days), "en") == "2025-01-01 to 2025-03-31"
    assert annual.labels.period_text("2025-01-01 至 2025-03-31", "en") == "2025-01-01 to 2025-03-31"
    items = data.tables["items"]
    assert items.height and items["times_failed"].min() > 0
    expected = queries.most_failed_items(con, data.f_year, limit=20).filter(pl.col("times_failed") > 0)
    assert items.equals(expected)


def test_a_city_snapshot_cites_no_code_of_an_organ_outside_it(con, tmp_path):
    outside = {code for (code,) in con.execute(
        "SELECT incident_code FROM incidents JOIN organs USING (organ_code) WHERE NOT starts_with(region_code, ?) "
        "UNION SELECT organ_code FROM organs WHERE NOT starts_with(region_code, ?)", [CITY, CITY]).fetchall()}
    scope = annual.scope_filters(CITY, TODAY)
    raw = queries.vendor_risk(con, scope)
    assert any(c in (t or "") for t in raw["floor_reason"].to_list() for c in outside), \
        "the sample must have a vendor of the city whose reasons cite something elsewhere"
    result = export_annual(con, YEAR, scope, workbook=tmp_path / "w.xlsx", snapshot=tmp_path / "快照")
    risk = pl.read_parquet(tmp_path / "快照" / "derived" / "vendor_risk.parquet")
    texts = [t for c in ("floor_reason", "tier_change_reason") for t in risk[c].drop_nulls().to_list()]
    assert texts and not any(c in t for t in texts for c in outside)
    assert any("范围外" in t for t in texts)
    figures = snap.figures_from_snapshot(tmp_path / "快照")
    assert {k: (v["value"], v["previous_value"]) for k, v in figures.items()} == \
        {k: (v["value"], v["previous_value"]) for k, v in result.figures.items()}



def test_totals_rows_add_up_to_the_key_figures(con, tmp_path):
    result = export_annual(con, YEAR, annual.scope_filters(None, TODAY), workbook=tmp_path / "w.xlsx",
                           report=tmp_path / "r.docx")
    fig = {k: v["value"] for k, v in result.figures.items()}
    wb = openpyxl.load_workbook(tmp_path / "w.xlsx")
    # header: (figure, whether the rows add up to it); distinct organs do not add up over service types
    for sheet, checks in (("分地区检查", {"检查次数": ("inspections", True), "不合格": ("failed_inspections", True),
                                     "不符合项次": ("items_failed", True), "受检机关数": ("organs_inspected", True),
                                     "合格率": ("pass_rate", False)}),
                          ("分服务类型检查", {"检查次数": ("inspections", True), "一票否决项不符合": ("veto_failures", True),
                                       "受检机关数": ("organs_inspected", False)}),
                          ("整改统计", {"整改总数": ("rectifications_due", True),
                                    "按期完成": ("rectifications_closed_on_time", True),
                                    "逾期未完成": ("rectifications_overdue", True)})):
        ws = wb[sheet]
        h = header_row(ws)
        headers = [c.value for c in ws[h]]
        rows = [r for r in ws.iter_rows(min_row=h + 1, values_only=True) if any(v is not None for v in r)]
        *body, total = rows
        assert total[0] == "合计" and all(r[0] != "合计" for r in body)
        for header, (key, adds_up) in checks.items():
            i = headers.index(header)
            assert total[i] == pytest.approx(fig[key]), (sheet, header)
            if adds_up:
                assert sum(r[i] or 0 for r in body) == total[i], (sheet, header)
    doc = Document(tmp_path / "r.docx")
    totals = [[c.text for c in t.rows[-1].cells] for t in doc.tables if t.rows[-1].cells[0].text == "合计"]
    assert len(totals) == 3
    assert totals[0][1] == f"{fig['inspections']:,.0f}" and totals[2][1] == f"{fig['rectifications_due']:,.0f}"


def test_text_in_the_annual_workbook_cannot_become_a_formula(con, tmp_path):
    """Names and descriptions come from organs' and vendors' submissions: none may run as a formula."""
    evil = '=HYPERLINK("http://evil","点我")'
    data = annual.collect(con, YEAR, annual.scope_filters(None, TODAY))
    data.tables["incidents"] = data.tables["incidents"].with_columns(description=pl.lit(evil))
    data.tables["vendors"] = data.tables["vendors"].with_columns(vendor_name=pl.lit("+1"))
    data.issues = [annual.Issue("R2", "@x", evil)]
    annual_workbook.write_annual_workbook(data, tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "w.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert "'" + evil in texts and "'+1" in texts and evil not in texts


def test_an_empty_table_says_why(con, tmp_path):
    data = annual.collect(con, YEAR, annual.scope_filters(None, TODAY))
    data.tables["incidents"] = data.tables["incidents"].clear()
    annual_workbook.write_annual_workbook(data, tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["事件"]
    assert "共 0 行：浙江省（330000）在所选年度没有此类记录" in [ws.cell(r, 1).value for r in range(1, 8)]
