"""The submission template (etl/template.py) and the error report (etl/report.py)."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import polars as pl
import pytest

from etl.excel_safety import neutralise
from etl.report import DETAIL_HEADERS, DETAIL_SHEET, SUMMARY_SHEET, write_error_report
from etl.template import CHECKLIST_SHEET, INSTRUCTION_SHEET, template_bytes, write_template
from schemas.checklist import checklist, item_codes
from schemas.headers import all_known_headers, fold_header
from schemas.identifiers import uscc_problem
from schemas.kinds import BY_NAME, KINDS


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = write_template(tmp_path_factory.mktemp("template") / "报送模板.xlsx")
    return openpyxl.load_workbook(path)


def _validations(ws):
    """Cell range text -> DataValidation."""
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def _column_letter(i: int) -> str:
    return openpyxl.utils.get_column_letter(i + 1)


def _column_format(ws, i: int) -> str:
    """Number format of the 0-based column i (openpyxl keys a <col min max> span by its first letter)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= i + 1 <= dim.max:
            return dim.number_format
    return "General"


# -- template -----------------------------------------------------------------------------------

def test_template_sheets(template):
    assert template.sheetnames[0] == INSTRUCTION_SHEET
    assert template.sheetnames[-1] == CHECKLIST_SHEET
    assert sorted(template.sheetnames[1:-1]) == sorted(k.zh for k in KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_template_headers_and_layout(template, kind):
    ws = template[kind.zh]
    headers = [c.value for c in ws[1]]
    assert headers == [c.header for c in kind.columns]
    assert all(ws.cell(1, i + 1).font.b for i in range(len(kind.columns)))
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 2  # header and the one example row: formats live on the columns
    for i, col in enumerate(kind.columns):
        number_format = _column_format(ws, i)
        if col.type == "date":
            assert number_format == "yyyy-mm-dd"
        elif col.type == "datetime":
            assert number_format == "yyyy-mm-dd hh:mm"
        elif col.type in ("uscc", "region", "codes"):
            assert number_format == "@"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_template_validations_and_messages(template, kind):
    ws = template[kind.zh]
    dvs = _validations(ws)
    for i, col in enumerate(kind.columns):
        letter = _column_letter(i)
        head, cells = dvs[f"{letter}1"], dvs[f"{letter}2:{letter}501"]
        for dv in (head, cells):
            assert dv.showInputMessage and dv.promptTitle and dv.prompt
            assert len(dv.promptTitle) <= 32 and len(dv.prompt) <= 255
            assert ("必填" if col.required else "选填") in dv.prompt
            if col.rule:
                assert col.rule[:20] in dv.prompt
        if col.type == "enum":
            assert cells.type == "list"
            assert cells.formula1.strip('"').split(",") == list(col.enum.values)
            assert cells.errorStyle == ("information" if col.name == "service_type" else None)
        elif col.type == "bool":
            assert cells.type == "list" and cells.formula1 == '"是,否"'


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_template_example_row_types(template, kind):
    ws = template[kind.zh]
    for i, col in enumerate(kind.columns):
        cell = ws.cell(2, i + 1)
        if not col.example:
            assert cell.value is None
        elif col.type == "date":
            assert cell.is_date and cell.value.date() == dt.date.fromisoformat(col.example)
        elif col.type == "datetime":
            assert cell.is_date and cell.value == dt.datetime.strptime(col.example, "%Y-%m-%d %H:%M")
        elif col.type in ("int", "decimal"):
            assert cell.data_type == "n" and cell.value == float(col.example)
        else:
            assert cell.data_type == "s" and cell.value == col.example


def test_template_examples_are_consistent():
    organ = BY_NAME["organs"].column("organ_code").example
    vendor = BY_NAME["vendors"].column("vendor_code").example
    inspection = BY_NAME["inspections"].column("inspection_code").example
    project = BY_NAME["projects"].column("project_code").example
    for kind in KINDS:
        for col in kind.columns:
            if col.type == "uscc" and col.example:
                assert uscc_problem(col.example) is None, (kind.name, col.name)
                assert col.example == (organ if col.name == "organ_code" else vendor), (kind.name, col.name)
            if col.name == "project_code" and col.example:
                assert col.example == project
            if col.name == "inspection_code" and col.example:
                assert col.example == inspection
            if col.name == "item_code":
                assert col.example in item_codes()
            if col.enum is not None and col.example:
                assert col.example in col.enum.values


def test_non_data_sheets_match_no_header(template):
    known = all_known_headers()
    for name in (INSTRUCTION_SHEET, CHECKLIST_SHEET):
        cells = [c for row in template[name].iter_rows(values_only=True) for c in row if isinstance(c, str)]
        assert cells and not [c for c in cells if fold_header(c) in known]


def test_checklist_sheet(template):
    rows = list(template[CHECKLIST_SHEET].iter_rows(values_only=True))
    frame = checklist()
    body = rows[1:1 + frame.height]
    assert [r[0] for r in body] == frame["item_code"].to_list()
    assert {r[4] for r in body} <= {"是", "否"}
    assert sum(r[3] for r in body) == pytest.approx(100)


def test_template_bytes_opens():
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()))
    assert wb.sheetnames[0] == INSTRUCTION_SHEET


# -- error report -------------------------------------------------------------------------------

MALICIOUS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tX"]


def _issues() -> pl.DataFrame:
    project_row = {"*项目编号": "P-1", "合同金额（万元）": MALICIOUS[0], "备注": "+1"}
    rows = [
        ("a.xlsx", "外包项目", 7, "合同金额（万元）", MALICIOUS[0], "ROW_TYPE", "error",
         "「合同金额（万元）」无法识别为数字", project_row),
        ("a.xlsx", "外包项目", 3, "项目编号", "-2", "ROW_REQUIRED", "error", "必填", {"*项目编号": "-2"}),
        ("a.xlsx", "检查项结果", 4, "问题描述", "\tX", "W_FINDING_MISSING", "warning", "应填写问题描述",
         {"检查编号": "@SUM(A1)", "检查结果": "不符合", "问题描述": "\tX"}),
        ("b.csv", None, None, "机关名称", None, "FILE_MISSING_COLUMN", "error", "缺少必填列", None),
        ("a.xlsx", "外包项目", 7, "开始日期", "+1", "ROW_TYPE", "error", "+1 不是日期", project_row),
    ]
    names = ["source_file", "sheet", "source_row", "column", "value", "rule", "severity", "message",
             "row_values"]
    data = [dict(zip(names, r[:-1] + (json.dumps(r[-1], ensure_ascii=False) if r[-1] else None,)))
            for r in rows]
    return pl.DataFrame(data, schema={n: (pl.Int64 if n == "source_row" else pl.String) for n in names})


def test_neutralise():
    for text in MALICIOUS + ["\rX"]:
        assert neutralise(text) == "'" + text
    assert neutralise("正常") == "正常" and neutralise(None) is None and neutralise(12) == "12"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    files = [{"path": "a.xlsx", "sheet": "外包项目", "kind": "projects", "rows_read": 10, "rows_loaded": 8,
              "rows_rejected": 2, "rows_warned": 0, "status": "loaded"}]
    path = write_error_report(_issues(), tmp_path_factory.mktemp("report") / "问题报告.xlsx", files=files)
    return openpyxl.load_workbook(path)


def test_report_detail(report):
    assert report.sheetnames == [SUMMARY_SHEET, DETAIL_SHEET]
    ws = report[DETAIL_SHEET]
    header = [c.value for c in ws[1]]
    assert header[:len(DETAIL_HEADERS)] == list(DETAIL_HEADERS)
    originals = header[len(DETAIL_HEADERS):]
    assert originals == ["*项目编号", "合同金额（万元）", "备注", "检查编号", "检查结果", "问题描述"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 5
    # sorted by file, sheet, row; the file-level problem of b.csv last (file order), row number blank
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("a.xlsx", "外包项目", 3), ("a.xlsx", "外包项目", 7), ("a.xlsx", "外包项目", 7),
        ("a.xlsx", "检查项结果", 4), ("b.csv", None, None)]
    assert {r[6] for r in rows} == {"错误", "警告"}
    assert ws.freeze_panes is not None and ws.auto_filter.ref
    # the original row is spread under its headers
    first7 = rows[1]
    assert first7[header.index("*项目编号")] == "P-1"


def test_report_is_formula_free(report):
    strings = []
    for ws in report:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    strings.append(cell.value)
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    for text in MALICIOUS:
        assert "'" + text in strings


def test_report_summary(report):
    rows = [[v for v in r if v is not None] for r in report[SUMMARY_SHEET].iter_rows(values_only=True)]
    flat = [v for r in rows for v in r]
    assert ["a.xlsx", "外包项目", "外包项目", 10, 8, 2, 0, "已装载", 3, 0] in rows
    assert "ROW_TYPE" in flat and "格式无法识别" in flat and "未填写问题描述" in flat
    rule_row = next(r for r in rows if r and r[0] == "ROW_TYPE")
    assert rule_row[3:] == [2, 1]  # two problems, one row


def test_report_empty(tmp_path):
    empty = _issues().clear()
    wb = openpyxl.load_workbook(write_error_report(empty, tmp_path / "empty.xlsx"))
    assert wb[DETAIL_SHEET].max_row == 1
