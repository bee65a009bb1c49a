"""The annual workbook (年度统计工作簿): one .xlsx with a summary, the year's tables and the method.

    from etl.export import annual_workbook
    data = annual_workbook.export_annual_workbook(con, 2025, scope, "2025年报.xlsx")

Sheets: 摘要 (the key figures against the year before, the priority issues and the summary
sentences), 分地区检查, 分服务类型检查, 季度趋势, 等级分布, 问题类别, 高频不符合项, 服务机构风险,
事件, 整改统计, 整改明细, 报送完整性, 检查覆盖, 方法说明. Every sheet states the scope, the day
statuses are counted for and when the data was last loaded; every table has Chinese headers, a
frozen header row and a filter; dates are Excel dates and numbers are numbers with formats. Charts
are native Excel charts over the sheets' own cells.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import polars as pl
import xlsxwriter

from etl.excel_safety import SAFE_WORKBOOK_OPTIONS, write_user_text
from etl.export import annual
from etl.export.annual import AnnualData, Progress
from etl.export.xlsx import FONT, Styles, TableLayout, write_header_block, write_table, write_total_row

SUMMARY = "摘要"
METHOD = "方法说明"

# sheet name, table key, columns (in order)
SHEETS: list[tuple[str, str, list[str]]] = [
    ("分地区检查", "by_region", ["region_code", "region_name", "inspections", "inspections_prev", "organs_inspected",
                              "graded", "mean_score", "mean_score_prev", "n_excellent", "n_good", "n_pass", "n_fail",
                              "pass_rate", "pass_rate_prev", "veto_failures", "items_failed", "items_partial",
                              "repeat_findings"]),
    ("分服务类型检查", "by_service", ["service_type", "inspections", "inspections_prev", "organs_inspected", "graded",
                                 "mean_score", "mean_score_prev", "n_excellent", "n_good", "n_pass", "n_fail",
                                 "pass_rate", "pass_rate_prev", "veto_failures", "items_failed", "items_partial",
                                 "repeat_findings"]),
    ("季度趋势", "quarterly", ["period", "period_start", "period_end", "inspections", "organs_inspected", "mean_score",
                           "n_fail", "pass_rate", "veto_failures", "items_failed", "repeat_findings"]),
    ("等级分布", "grades", ["grade", "inspections", "share", "inspections_prev", "inspections_share_prev"]),
    ("问题类别", "categories", ["category_code", "category_zh", "inspections_assessed", "items_failed",
                            "items_failed_prev", "items_failed_change", "items_partial", "items_na",
                            "inspections_with_failure", "share_with_failure", "share_with_failure_prev",
                            "share_with_failure_change", "mean_category_score", "veto_failures"]),
    ("高频不符合项", "items", ["item_code", "item_zh", "category_zh", "weight", "veto", "times_failed", "times_partial",
                          "times_na", "inspections_assessed", "failure_rate", "organs_affected", "repeat_findings"]),
    ("服务机构风险", "vendors", ["vendor_code", "vendor_name", "tier", "tier_zh", "score", "score_tier", "floor_tier",
                           "floor_reason", "pts_inspections", "pts_evaluations", "pts_incidents", "pts_qualifications",
                           "pts_flags", "pts_rectifications", "pts_exposure", "organs_served", "active_projects",
                           "inspections_counted", "evaluations_counted", "incidents_counted", "previous_tier",
                           "tier_since", "tier_change_reason", "as_of"]),
    ("事件", "incidents", ["incident_code", "occurred_at", "discovered_at", "reported_at", "report_delay_hours",
                         "organ_code", "organ_name", "region_code", "vendor_code", "vendor_name", "project_code",
                         "service_type", "incident_type", "severity", "records_affected", "involves_classified",
                         "status", "closed_on", "description"]),
    ("整改统计", "rect_by_region", ["region_code", "region_name", "total", "closed", "closed_on_time", "closed_late",
                                "superseded", "open", "due_soon", "overdue", "escalation_candidates",
                                "mean_days_to_close", "median_days_to_close", "max_days_overdue"]),
    ("整改明细", "rectifications", ["inspection_code", "item_code", "item_zh", "category_code", "veto", "organ_code",
                                "organ_name", "region_code", "project_code", "vendor_code", "vendor_name",
                                "service_type", "inspected_on", "due_on", "completed_on", "verified_on",
                                "verification", "superseded_on", "superseded_by", "closed_on", "days_to_close",
                                "status", "days_overdue", "days_closed_late"]),
    ("报送完整性", "submissions", ["organ_code", "organ_name", "region_code", "quarter", "quarter_start", "quarter_end",
                              "due_on", "expected", "received", "missing", "late", "max_days_late", "mean_days_late",
                              "evaluations", "rows_loaded", "rows_rejected", "rejection_rate", "sent_nothing",
                              "missing_projects"]),
    ("检查覆盖", "coverage", ["tier", "due", "achieved", "achieved_on_time", "achieved_late", "outstanding",
                          "coverage_rate", "on_time_rate", "organs_due", "due_later", "achieved_early"]),
]

# Headers that differ from labels.COLUMN_ZH on a particular sheet.
SHEET_HEADERS: dict[str, dict[str, str]] = {
    "服务机构风险": {"score": "风险分", "as_of": "评分日"},
    "事件": {"closed_on": "结案日期"},
    "整改明细": {"due_on": "整改期限", "closed_on": "销号日期"},
    "报送完整性": {"due_on": "报送期限"},
    "检查覆盖": {"tier": "机关风险等级"},
}

SHEET_TITLES = {
    "分地区检查": "{y}年检查结果（分地区，含上年对比）", "分服务类型检查": "{y}年检查结果（分服务类型，含上年对比）",
    "季度趋势": "{p}—{y}年检查结果（按季度）", "等级分布": "{y}年检查等级分布（含上年对比）",
    "问题类别": "{y}年检查项问题（按类别，含上年对比）", "高频不符合项": "{y}年不符合次数最多的检查项（前20项）",
    "服务机构风险": "服务机构风险等级与得分构成（当前评分）", "事件": "{y}年发生的事件",
    "整改统计": "整改期限在{y}年内的整改（分地区统计）", "整改明细": "整改期限在{y}年内的整改（明细）",
    "报送完整性": "{y}年服务评价报送完整性（按机关、季度）", "检查覆盖": "{y}年应检与已检（按机关风险等级）",
}

CHANGE_FORMATS = {"int": '+#,##0;-#,##0;0', "float": '+0.00;-0.00;0.00',
                  "rate": '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"'}
VALUE_FORMATS = {"int": "#,##0", "float": "0.00", "rate": "0.0%"}


def export_annual_workbook(con, year: int, scope, path: str | Path | IO[bytes], *,
                           progress: Progress | None = None) -> AnnualData:
    """Collect the year from the query layer and write the workbook; return the data written."""
    data = annual.collect(con, year, scope, progress=progress)
    write_annual_workbook(data, path, progress=progress)
    return data


def write_annual_workbook(data: AnnualData, path: str | Path | IO[bytes], *, progress: Progress | None = None) -> None:
    say = progress or (lambda share, message: None)
    target = str(path) if isinstance(path, (str, Path)) else path
    options = {**SAFE_WORKBOOK_OPTIONS, **({} if isinstance(target, str) else {"in_memory": True})}
    wb = xlsxwriter.Workbook(target, options)
    wb.set_properties({"title": f"{data.scope_label} {data.year}年度档案外包监管统计{data.title_suffix}",
                       "company": "档案外包监管分析", "comments": f"数据截至{data.data_as_of_text}"})
    try:
        styles = Styles(wb)
        summary = wb.add_worksheet(SUMMARY)
        layouts: dict[str, TableLayout] = {}
        for i, (sheet, key, columns) in enumerate(SHEETS):
            say(0.7 + 0.2 * i / len(SHEETS), f"写入工作表“{sheet}”…")
            ws = wb.add_worksheet(sheet)
            title = SHEET_TITLES[sheet].format(y=data.year, p=data.year - 1)
            frame = data.tables[key]
            frame = frame.select([c for c in columns if c in frame.columns])
            if not frame.height:
                count = f"共 0 行：{data.scope_label}在所选年度没有此类记录"
            else:
                count = f"共 {frame.height} 行" + ("，表末为合计" if key in annual.TOTAL_TABLES else "")
            start = write_header_block(ws, styles, title=title, filters=data.filters_zh,
                                       data_as_of=data.data_as_of_text, exported_at=data.generated_at, extra=[count])
            layouts[sheet] = write_table(ws, styles, frame, start_row=start, columns_zh=SHEET_HEADERS.get(sheet))
            if key in annual.TOTAL_TABLES and frame.height:
                write_total_row(ws, styles, layouts[sheet], annual.total_row(data, key))
            _chart_for(wb, ws, sheet, layouts[sheet], frame, data)
        _summary(wb, summary, styles, data, layouts)
        _methodology(wb.add_worksheet(METHOD), styles, data)
        summary.activate()
    finally:
        wb.close()
    say(0.92, "工作簿已写出")


# -- summary --------------------------------------------------------------------------------------

def _summary(wb, ws, styles: Styles, data: AnnualData, layouts: dict[str, TableLayout]) -> None:
    y, p = data.year, data.year - 1
    start = write_header_block(ws, styles, title=f"{data.scope_label} {y}年度档案外包监管统计{data.title_suffix}",
                               filters=data.filters_zh, data_as_of=data.data_as_of_text,
                               exported_at=data.generated_at)
    headers = ["指标", f"{y}年", f"{p}年", "变化", "变化率", "口径", "指标代码"]
    for c, h in enumerate(headers):
        write_user_text(ws, start, c, h, styles.header)
    value_fmt = {k: wb.add_format({"font_name": FONT, "font_size": 10, "num_format": v}) for k, v in VALUE_FORMATS.items()}
    change_fmt = {k: wb.add_format({"font_name": FONT, "font_size": 10, "num_format": v})
                  for k, v in CHANGE_FORMATS.items()}
    pct_fmt = wb.add_format({"font_name": FONT, "font_size": 10, "num_format": '+0.0%;-0.0%;0.0%'})
    row = start + 1
    for f in data.figures:
        write_user_text(ws, row, 0, f.label_zh, styles.text)
        for col, value in ((1, f.value), (2, f.previous)):
            if value is None:
                write_user_text(ws, row, col, "—", styles.text)
            else:
                ws.write_number(row, col, value, value_fmt[f.kind])
        if f.change is not None:
            ws.write_number(row, 3, f.change, change_fmt[f.kind])
        if f.change_pct is not None:
            ws.write_number(row, 4, f.change_pct, pct_fmt)
        write_user_text(ws, row, 5, f"{f.definition}（来源：{f.source_zh}）", styles.text)
        write_user_text(ws, row, 6, f.key, styles.text)
        row += 1
    ws.freeze_panes(start + 1, 1)
    ws.set_row(start, 24)
    for col, width in enumerate((34, 12, 12, 14, 10, 70, 28)):
        ws.set_column(col, col, width)
    row += 1
    write_user_text(ws, row, 0, "重点问题（按方法说明中的规则 R1–R3 选出，至多三项）", styles.section)
    row += 1
    if not data.issues:
        write_user_text(ws, row, 0, "按规则未发现需列出的重点问题。", styles.text)
        row += 1
    for i, issue in enumerate(data.issues, start=1):
        write_user_text(ws, row, 0, f"{i}. {issue.title}（{issue.rule}）", styles.bold)
        ws.merge_range(row, 1, row, 5, "", styles.wrap)
        write_user_text(ws, row, 1, issue.text, styles.wrap)
        ws.set_row(row, 48)
        row += 1
    row += 1
    write_user_text(ws, row, 0, "年度概述", styles.section)
    row += 1
    for sentence in data.sentences:
        ws.merge_range(row, 0, row, 5, "", styles.wrap)
        write_user_text(ws, row, 0, sentence, styles.wrap)
        ws.set_row(row, 30)
        row += 1
    grades = layouts["等级分布"]
    chart = wb.add_chart({"type": "column"})
    for col, name in (("inspections", f"{y}年"), ("inspections_prev", f"{p}年")):
        chart.add_series(_series("等级分布", grades, col, "grade", name))
    _style(chart, "检查等级分布（家次）", "等级", "家次")
    ws.insert_chart(start, 8, chart, {"x_scale": 1.2, "y_scale": 1.1})
    quarterly = layouts["季度趋势"]
    combo = wb.add_chart({"type": "column"})
    combo.add_series(_series("季度趋势", quarterly, "inspections", "period", "检查次数"))
    line = wb.add_chart({"type": "line"})
    line.add_series({**_series("季度趋势", quarterly, "pass_rate", "period", "合格率"), "y2_axis": True,
                     "marker": {"type": "circle"}})
    combo.combine(line)
    _style(combo, "检查次数与合格率（按季度）", "季度", "检查次数")
    line.set_y2_axis({"name": "合格率", "num_format": "0%", "name_font": {"name": FONT}, "num_font": {"name": FONT}})
    ws.insert_chart(start + 17, 8, combo, {"x_scale": 1.2, "y_scale": 1.1})


# -- charts ---------------------------------------------------------------------------------------

def _series(sheet: str, layout: TableLayout, value_col: str, category_col: str, name: str, last: int | None = None):
    last_row = layout.last_row if last is None else min(layout.last_row, layout.first_row + last - 1)
    c, v = layout.columns[category_col], layout.columns[value_col]
    return {"name": name,
            "categories": [sheet, layout.first_row, c, last_row, c],
            "values": [sheet, layout.first_row, v, last_row, v]}


def _style(chart, title: str, x_name: str, y_name: str) -> None:
    font = {"name": FONT}
    chart.set_title({"name": title, "name_font": {**font, "size": 12}})
    chart.set_x_axis({"name": x_name, "name_font": font, "num_font": font})
    chart.set_y_axis({"name": y_name, "name_font": font, "num_font": font, "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom", "font": font})


def _chart_for(wb, ws, sheet: str, layout: TableLayout, frame: pl.DataFrame, data: AnnualData) -> None:
    """A native chart next to the sheet's table, where one helps."""
    if not frame.height:
        return
    y, p = data.year, data.year - 1
    where = (layout.header_row, len(layout.columns) + 1)
    if sheet == "分地区检查":
        chart = wb.add_chart({"type": "column"})
        chart.add_series(_series(sheet, layout, "inspections", "region_name", f"{y}年"))
        chart.add_series(_series(sheet, layout, "inspections_prev", "region_name", f"{p}年"))
        _style(chart, "检查次数（分地区）", "地区", "家次")
    elif sheet == "分服务类型检查":
        chart = wb.add_chart({"type": "bar"})
        chart.add_series(_series(sheet, layout, "inspections", "service_type", f"{y}年"))
        chart.add_series(_series(sheet, layout, "inspections_prev", "service_type", f"{p}年"))
        _style(chart, "检查次数（分服务类型）", "服务类型", "家次")
    elif sheet == "季度趋势":
        chart = wb.add_chart({"type": "line"})
        chart.add_series({**_series(sheet, layout, "pass_rate", "period", "合格率"), "marker": {"type": "circle"}})
        _style(chart, "检查合格率（按季度）", "季度", "合格率")
        chart.set_y_axis({"name": "合格率", "num_format": "0%", "name_font": {"name": FONT}, "num_font": {"name": FONT}})
    elif sheet == "问题类别":
        chart = wb.add_chart({"type": "bar"})
        chart.add_series(_series(sheet, layout, "items_failed", "category_zh", f"{y}年"))
        chart.add_series(_series(sheet, layout, "items_failed_prev", "category_zh", f"{p}年"))
        _style(chart, "不符合项次（按类别）", "类别", "项次")
    elif sheet == "服务机构风险":
        chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
        top = min(frame.height, 15)
        for component, name in annual.COMPONENT_ZH.items():
            chart.add_series(_series(sheet, layout, f"pts_{component}", "vendor_name", name, last=top))
        _style(chart, f"风险分构成（前{top}家，按风险分从高到低）", "服务机构", "分")
        chart.set_x_axis({"reverse": True, "num_font": {"name": FONT}})
        ws.insert_chart(layout.last_row + 3, 1, chart, {"x_scale": 1.6, "y_scale": 1.6})
        return
    elif sheet == "整改统计":
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for col, name in (("closed_on_time", "按期完成"), ("closed_late", "超期完成"), ("superseded", "复检取代"),
                          ("overdue", "逾期未完成"), ("open", "未到期")):
            chart.add_series(_series(sheet, layout, col, "region_name", name))
        _style(chart, "整改状态（分地区）", "地区", "项")
    elif sheet == "检查覆盖":
        chart = wb.add_chart({"type": "column"})
        chart.add_series(_series(sheet, layout, "due", "tier", "应检"))
        chart.add_series(_series(sheet, layout, "achieved", "tier", "已检"))
        _style(chart, "应检与已检（按机关风险等级）", "风险等级", "次")
    else:
        return
    ws.insert_chart(where[0], where[1], chart, {"x_scale": 1.3, "y_scale": 1.2})


# -- methodology ----------------------------------------------------------------------------------

def _methodology(ws, styles: Styles, data: AnnualData) -> None:
    start = write_header_block(ws, styles, title=f"方法说明（{data.year}年度统计）", filters=data.filters_zh,
                               data_as_of=data.data_as_of_text, exported_at=data.generated_at)
    frame = pl.DataFrame(data.methodology, schema={"部分": pl.String, "项目": pl.String, "说明": pl.String},
                         orient="row")
    write_table(ws, styles, frame, start_row=start, widths={"部分": 16, "项目": 30, "说明": 100})
