"""The printable annual report (年度报告) as a Word document (.docx).

    from etl.export import annual_report
    annual_report.write_annual_report(data, "2025年度报告.docx")   # data = annual.collect(...)

A4 pages with the scope, the data-as-of day and the page number on every page; a short factual
summary built from the figures; the key figures against the year before; charts (matplotlib PNGs
in Noto Sans CJK, so the Chinese in them prints) and tables whose header row repeats on every page
a table runs over; at most three priority issues by the rules of the methodology; and how the
figures were counted. Every number comes from the same AnnualData the workbook is written from.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Sequence

import polars as pl
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from etl.export import annual, charts, labels
from etl.export.annual import AnnualData, Progress, _num, change_words
from etl.export.labels import tier_label
from warehouse.analytics_config import COMPONENT_ZH, TIER_ZH

BODY_FONT = ("Times New Roman", "宋体")
HEADING_FONT = ("Arial", "黑体")
MAX_TABLE_ROWS = 30
IMAGE_WIDTH = Cm(16)


def export_annual_report(con, year: int, scope, path: str | Path | IO[bytes], *,
                         progress: Progress | None = None) -> AnnualData:
    data = annual.collect(con, year, scope, progress=progress)
    write_annual_report(data, path, progress=progress)
    return data


def write_annual_report(data: AnnualData, path: str | Path | IO[bytes], *, progress: Progress | None = None) -> None:
    say = progress or (lambda share, message: None)
    charts.cjk_family()  # refuse before writing anything when the font is missing
    doc = Document()
    _setup(doc, data)
    y, p = data.year, data.year - 1
    title = doc.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(f"{data.scope_label.split('（')[0]}{y}年度档案外包监管报告")
    if data.title_suffix:
        title.add_run(f"\n{data.title_suffix}").font.size = Pt(12)
    meta = doc.add_paragraph()
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta.add_run(f"范围：{data.scope_label}　统计日：{labels.date_text(data.scope.today)}\n"
                 f"数据截至：{data.data_as_of_text}\n生成时间：{data.generated_at:%Y-%m-%d %H:%M}").font.size = Pt(9)

    doc.add_heading("一、总体情况", level=1)
    for sentence in data.sentences:
        doc.add_paragraph(sentence)

    doc.add_heading("二、主要指标", level=1)
    rows = [[f.label_zh, _num(f.value, f.kind), _num(f.previous, f.kind), _change_text(f)] for f in data.figures]
    _table(doc, ["指标", f"{y}年", f"{p}年", "变化"], rows, widths=(7, 2.6, 2.6, 3.8))

    say(0.72, "绘制报告图表…")
    doc.add_heading("三、检查结果", level=1)
    doc.add_paragraph(f"{y}年检查 {_num(data.figure('inspections').value)} 家次，合格率 "
                      f"{_num(data.figure('pass_rate').value, 'rate')}，{change_words(data.figure('pass_rate'))}。"
                      f"图1为{p}—{y}年各季度检查次数与合格率，图2为各地区检查次数。")
    q = data.tables["quarterly"]
    _picture(doc, charts.quarterly(q, f"图1 {p}—{y}年各季度检查次数与合格率"))
    regions = data.tables["by_region"]
    if regions.height:
        _picture(doc, charts.paired_bars(regions["region_name"].fill_null("").to_list(),
                                         regions["inspections"].to_list(), regions["inspections_prev"].to_list(),
                                         (f"{y}年", f"{p}年"), "图2 各地区检查次数", "检查次数（家次）"))
        _table(doc, ["地区", f"{y}年检查", f"{p}年检查", f"{y}年合格率", f"{p}年合格率", "不合格"],
               [[r["region_name"] or r["region_code"], _num(r["inspections"]), _num(r["inspections_prev"]),
                 _num(r["pass_rate"], "rate"), _num(r["pass_rate_prev"], "rate"), _num(r["n_fail"])]
                for r in [*regions.iter_rows(named=True), _total(data, "by_region", region_name="合计")]])
    services = data.tables["by_service"]
    if services.height:
        doc.add_paragraph("按服务类型：")
        _table(doc, ["服务类型", f"{y}年检查", f"{p}年检查", f"{y}年合格率", "平均得分"],
               [[r["service_type"], _num(r["inspections"]), _num(r["inspections_prev"]), _num(r["pass_rate"], "rate"),
                 _num(r["mean_score"], "float")]
                for r in [*services.iter_rows(named=True), _total(data, "by_service", service_type="合计")]])

    doc.add_heading("四、检查项问题", level=1)
    cats = data.tables["categories"]
    if cats.height:
        _picture(doc, charts.paired_bars(cats["category_zh"].to_list(), cats["items_failed"].to_list(),
                                         cats["items_failed_prev"].to_list(), (f"{y}年", f"{p}年"),
                                         "图3 各类别不符合项次", "不符合项次", horizontal=True))
    items = data.tables["items"].head(10)
    if not items.height:
        doc.add_paragraph(f"{y}年检查中没有结果为“不符合”的检查项。")
    else:
        doc.add_paragraph(f"{y}年不符合次数最多的检查项：")
        _table(doc, ["检查项", "类别", "不符合次数", "不符合率", "涉及机关"],
               [[r["item_zh"], r["category_zh"], _num(r["times_failed"]), _num(r["failure_rate"], "rate"),
                 _num(r["organs_affected"])] for r in items.iter_rows(named=True)], widths=(8, 3.5, 1.8, 1.6, 1.6))

    doc.add_heading("五、服务机构风险", level=1)
    vendors = data.tables["vendors"]
    counts = {t: vendors.filter(pl.col("tier") == t).height for t in TIER_ZH}
    doc.add_paragraph(f"截至{labels.date_text(data.scores_as_of) if data.scores_as_of else '—'}，范围内服务机构 {vendors.height} 家，其中"
                      + "、".join(f"{tier_label(t)} {n} 家" for t, n in counts.items()) + "。风险分与等级为当前值，"
                      "不随年度变化；构成与分级规则见附录。")
    top = vendors.head(10)
    if not top.height:
        doc.add_paragraph("范围内没有已评分的服务机构。")
    else:
        _picture(doc, charts.stacked_components(top, COMPONENT_ZH, f"图4 风险分最高的{top.height}家服务机构及其构成"))
    risky = vendors.filter(pl.col("tier").is_in(["C", "D"]))
    if risky.height:
        _table(doc, ["服务机构", "等级", "风险分", "原因"],
               [[r["vendor_name"], tier_label(r["tier"]), _num(r["score"], "float"),
                 r["floor_reason"] or r["tier_change_reason"] or ""] for r in risky.iter_rows(named=True)],
               widths=(5, 2.4, 1.6, 7))

    doc.add_heading("六、事件、整改与报送", level=1)
    incidents = data.tables["incidents"]
    doc.add_paragraph(f"{y}年发生事件 {incidents.height} 起（上年 {_num(data.figure('incidents').previous)} 起）。")
    if incidents.height:
        _table(doc, ["事件编号", "发生时间", "机关", "服务机构", "等级", "类型", "状态"],
               [[r["incident_code"], r["occurred_at"].strftime("%Y-%m-%d"), r["organ_name"] or r["organ_code"],
                 r["vendor_name"] or "", r["severity"], r["incident_type"], r["status"]]
                for r in incidents.iter_rows(named=True)], limit=MAX_TABLE_ROWS, more="起事件")
    rect = data.tables["rect_by_region"]
    doc.add_paragraph(f"整改期限在{y}年内的整改 {_num(data.figure('rectifications_due').value)} 项，按期完成 "
                      f"{_num(data.figure('rectifications_closed_on_time').value)} 项，截至统计日逾期未完成 "
                      f"{_num(data.figure('rectifications_overdue').value)} 项。分地区情况：")
    if rect.height:
        _table(doc, ["地区", "整改总数", "按期完成", "超期完成", "复检取代", "逾期未完成", "约谈候选"],
               [[r["region_name"] or r["region_code"], _num(r["total"]), _num(r["closed_on_time"]),
                 _num(r["closed_late"]), _num(r["superseded"]), _num(r["overdue"]), _num(r["escalation_candidates"])]
                for r in [*rect.iter_rows(named=True), _total(data, "rect_by_region", region_name="合计")]])
    doc.add_paragraph(f"服务评价应报 {_num(data.figure('evaluations_expected').value)} 份、已报 "
                      f"{_num(data.figure('evaluations_received').value)} 份，报送率 "
                      f"{_num(data.figure('evaluation_rate').value, 'rate')}；应检 {_num(data.figure('checks_due').value)} 次、"
                      f"已检 {_num(data.figure('checks_achieved').value)} 次，覆盖率 "
                      f"{_num(data.figure('coverage_rate').value, 'rate')}。")

    doc.add_heading("七、需重点关注的问题", level=1)
    if not data.issues:
        doc.add_paragraph("按附录所列规则，本年度未发现需列出的重点问题。")
    for i, issue in enumerate(data.issues, start=1):
        para = doc.add_paragraph()
        para.add_run(f"{i}. {issue.title}。").bold = True
        para.add_run(issue.text)

    doc.add_heading("附：口径说明", level=1)
    wanted = {"数据", "期间", "评分", "重点问题规则", "服务机构风险分", "指标口径"}   # 指标口径: how each figure is counted
    _table(doc, ["部分", "项目", "说明"], [list(r) for r in data.methodology if r[0] in wanted], widths=(2.6, 4, 9.4))
    doc.add_paragraph("完整的方法说明（窗口、权重、等级规则、各指标来源）见同名工作簿的“方法说明”工作表。")

    say(0.9, "写出报告…")
    target = str(path) if isinstance(path, (str, Path)) else path
    doc.save(target)


# -- document helpers -----------------------------------------------------------------------------

def _set_font(target, latin: str, east_asia: str, size: float | None = None, bold: bool | None = None,
              color: RGBColor | None = None) -> None:
    font = target.font
    font.name = latin
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)


def _setup(doc, data: AnnualData) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.2)
    styles = doc.styles
    _set_font(styles["Normal"], *BODY_FONT, size=11)
    styles["Normal"].paragraph_format.space_after = Pt(4)
    styles["Normal"].paragraph_format.line_spacing = 1.25
    _set_font(styles["Title"], *HEADING_FONT, size=20, bold=True, color=RGBColor(0x1F, 0x4E, 0x79))
    for level, size in ((1, 15), (2, 13)):
        _set_font(styles[f"Heading {level}"], *HEADING_FONT, size=size, bold=True, color=RGBColor(0x1F, 0x4E, 0x79))
    props = doc.core_properties
    props.title = f"{data.scope_label} {data.year}年度档案外包监管报告{data.title_suffix}"
    props.author = "档案外包监管分析"
    props.comments = f"数据截至{data.data_as_of_text}"
    header = section.header.paragraphs[0]
    header.text = f"{data.scope_label} {data.year}年度档案外包监管报告{data.title_suffix}　数据截至{labels.date_text(data.data_as_of) if data.data_as_of else '—'}"
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in header.runs:
        run.font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页，共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")


def _field(paragraph, code: str) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _picture(doc, png: bytes) -> None:
    doc.add_picture(io.BytesIO(png), width=IMAGE_WIDTH)
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(doc, headers: Sequence[str], rows: list[list], *, widths: Sequence[float] | None = None,
           limit: int | None = None, more: str = "行") -> None:
    shown = rows[:limit] if limit else rows
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    head = table.rows[0]
    _repeat_header(head)
    for cell, text in zip(head.cells, headers):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
        run.font.size = Pt(9)
        _shade(cell, "DDE7F3")
    for values in shown:
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            cell.text = ""
            run = cell.paragraphs[0].add_run("" if value is None else str(value))
            run.font.size = Pt(9)
    if widths:
        for row in table.rows:
            for cell, w in zip(row.cells, widths):
                cell.width = Cm(w)
    if limit and len(rows) > limit:
        doc.add_paragraph(f"（另有 {len(rows) - limit} {more}，见工作簿。）")
    doc.add_paragraph()


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _total(data: AnnualData, key: str, **label) -> dict:
    """The 合计 row of a table, shaped like its rows (columns without a total read “—”)."""
    return {**dict.fromkeys(data.tables[key].columns), **annual.total_row(data, key), **label}


def _change_text(f) -> str:
    if f.change is None:
        return "—"
    if f.kind == "rate":
        return f"{f.change:+.1f} 个百分点"
    if f.kind == "float":
        return f"{f.change:+.2f}"
    pct = f"（{f.change_pct * 100:+.1f}%）" if f.change_pct is not None else ""
    return f"{f.change:+,.0f}{pct}"
