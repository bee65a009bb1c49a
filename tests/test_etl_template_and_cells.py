"""What a clerk's workbook holds that is not what the clerk meant: the template's example row left in,
a credit code typed into a number cell, a time typed into a date cell. Real .xlsx/.xls/CSV files
through the real loader, as tests/test_etl_real_world_files.py does."""

import datetime as dt

import pytest
import xlsxwriter
import xlwt

from etl.template import example_row, write_template
from schemas.kinds import BY_NAME, KINDS
from tests.conftest import issues_of
from tests.factories import (ORGAN_HEADERS, PROJECT_HEADERS, VENDOR_HEADERS, organ_code, organ_row, project_row,
                             vendor_row, write_csv, write_xls, write_xlsx)
from warehouse import db


def errors(result):
    return [(i["source_row"], i["column_name"], i["rule"]) for i in issues_of(result, severity="error")]


def write_kind(path, kind_name, rows):
    """A sheet laid out as the template lays it out (every column, its header), cells written as the
    template writes them: dates and times as Excel dates, numbers as numbers, the rest as text."""
    kind = BY_NAME[kind_name]
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(kind.zh)
    formats = {dt.date: wb.add_format({"num_format": "yyyy-mm-dd"}),
               dt.datetime: wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
               dt.time: wb.add_format({"num_format": "hh:mm"})}
    ws.write_row(0, 0, [c.header for c in kind.columns])
    for r, row in enumerate(rows, start=1):
        for c, col in enumerate(kind.columns):
            value = row.get(col.name)
            if value is None:
                continue
            if isinstance(value, (dt.date, dt.datetime, dt.time)):
                ws.write_datetime(r, c, value, formats[type(value)])
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    wb.close()
    return path


# -- the template's example row ----------------------------------------------------------------------

def test_the_template_as_written_loads_nothing_and_says_why(tmp_path, load, warehouse):
    result = load(write_template(tmp_path / "报送模板.xlsx"))
    data = [f for f in result.files if f.kind]
    assert len(data) == len(KINDS)
    assert {(f.rows_read, f.rows_loaded, f.rows_rejected) for f in data} == {(1, 0, 1)}
    found = issues_of(result)
    # The example row is reported once, as an example: not also as an unknown organ, a duplicate …
    assert sorted((i["sheet"], i["source_row"], i["rule"]) for i in found) == sorted(
        (k.zh, 2, "ROW_TEMPLATE_EXAMPLE") for k in KINDS)
    organs = next(i for i in found if i["kind"] == "organs")
    assert (organs["column_zh"], organs["value"]) == ("统一社会信用代码", "11330000002482090Q")
    assert organs["message"] == ("该行与报送模板第2行的填写示例完全相同（「统一社会信用代码」为“11330000002482090Q”），"
                                 "是示例而不是实际数据，未导入；请删除该行后再报送")
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT count(*) FROM organs").fetchone() == (0,)
    assert con.sql("SELECT count(*) FROM incidents").fetchone() == (0,)


ORGAN_CHANGES = {"organ_code": organ_code(1), "organ_name": "浙江省档案馆", "region_code": "330106",
                 "admin_level": "市级", "organ_category": "群团", "archive_staff": 4, "contact_name": "李某",
                 "contact_phone": "0571-88888889"}


def test_every_column_of_the_example_is_covered_by_a_change():
    assert set(ORGAN_CHANGES) == set(example_row(BY_NAME["organs"]))


@pytest.mark.parametrize("column", sorted(ORGAN_CHANGES))
def test_a_row_that_changed_one_example_value_loads_as_before(tmp_path, load, column):
    example = {**example_row(BY_NAME["organs"]), column: ORGAN_CHANGES[column]}
    result = load(write_kind(tmp_path / "机关.xlsx", "organs", [example]), write=False)
    assert errors(result) == [] and result.files[0].rows_loaded == 1


def test_a_blank_the_example_leaves_blank_does_not_matter_but_a_blank_it_fills_does(tmp_path, load):
    inspections = example_row(BY_NAME["inspections"])
    assert "remarks" not in inspections     # the example leaves 备注 blank: writing one changes nothing
    organs = example_row(BY_NAME["organs"])
    no_phone = {k: v for k, v in organs.items() if k != "contact_phone"}
    result = load(write_kind(tmp_path / "机关.xlsx", "organs", [no_phone]), write=False)
    assert errors(result) == [] and result.files[0].rows_loaded == 1
    with_remarks = {**inspections, "remarks": "实际检查记录"}
    result = load(write_kind(tmp_path / "检查.xlsx", "inspections", [with_remarks]), write=False)
    assert [rule for _, _, rule in errors(result)] == ["ROW_TEMPLATE_EXAMPLE"]


def test_a_real_item_with_the_examples_codes_is_data(tmp_path, load):
    """Item A1 of a real inspection numbered like the example's, found 符合, is not the example: the
    example's item is 部分符合 with a finding marked （示例）."""
    real = {"inspection_code": "JC-2025-0001", "item_code": "A1", "result": "符合"}
    result = load(write_kind(tmp_path / "检查项.xlsx", "inspection_items", [real]), write=False)
    assert "ROW_TEMPLATE_EXAMPLE" not in [rule for _, _, rule in errors(result)]


def test_the_example_is_recognised_after_normalisation_also_in_csv(tmp_path, load):
    # Saved as CSV from the template, as Excel writes it, and retyped: the same values once normalised.
    kind = BY_NAME["vendors"]
    headers = [c.zh for c in kind.columns]
    shown = ["91330100716105852f", "杭州某档案服务有限公司", "330106", "2012/5/18", "500.00", "无", "浙档服备2024-001",
             "2027年12月31日"]
    changed = shown[:4] + ["501"] + shown[5:]
    path = write_csv(tmp_path / "服务机构.csv", headers, [shown, changed], encoding="gb18030")
    result = load(path, write=False)
    assert errors(result) == [(2, "vendor_code", "ROW_TEMPLATE_EXAMPLE")]
    assert result.files[0].rows_loaded == 1


def test_a_datetime_example_changed_by_a_minute_is_data(tmp_path, load):
    incident = example_row(BY_NAME["incidents"])
    moved = {**incident, "occurred_at": incident["occurred_at"] + dt.timedelta(minutes=1)}
    found = errors(load(write_kind(tmp_path / "事件.xlsx", "incidents", [incident, moved]), write=False))
    assert (2, "incident_code", "ROW_TEMPLATE_EXAMPLE") in found
    # The changed row is checked as any row: its organ is unknown here, and it is no example.
    assert {rule for row, _, rule in found if row == 3} == {"ROW_UNKNOWN_REFERENCE"}
    assert [rule for row, _, rule in found if row == 2] == ["ROW_TEMPLATE_EXAMPLE"]


def test_an_example_left_above_real_rows_neither_loads_nor_clashes_with_them(tmp_path, load, warehouse):
    organs = example_row(BY_NAME["organs"])
    real = {**organs, "organ_name": "浙江省档案馆"}     # the example's code reused for a real organ
    other = dict(zip(("organ_code", "organ_name", "region_code", "admin_level"), organ_row(2)))
    result = load(write_kind(tmp_path / "机关.xlsx", "organs", [organs, real, other]))
    assert errors(result) == [(2, "organ_code", "ROW_TEMPLATE_EXAMPLE")]
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT organ_name FROM organs ORDER BY 1").fetchall() == [("测试机关2",), ("浙江省档案馆",)]


# -- codes typed as numbers --------------------------------------------------------------------------

def test_a_code_typed_as_a_long_number_is_rejected_for_what_it_is(tmp_path, load):
    code = organ_code(1)
    assert code.isdigit()                      # all digits, as many organ codes are
    as_number = organ_row(1)
    as_number[0] = int(code)                   # a number cell: Excel keeps 15 digits
    as_text = organ_row(1)                     # the same code in a text cell loads
    wb = xlsxwriter.Workbook(str(tmp_path / "机关.xlsx"))
    ws = wb.add_worksheet("机关名录")
    ws.write_row(0, 0, ORGAN_HEADERS)
    ws.write_number(1, 0, int(code))
    ws.write_row(1, 1, as_number[1:])
    ws.write_string(2, 0, code)
    ws.write_row(2, 1, as_text[1:])
    ws.write_number(3, 0, 113301000000000123)   # the brief's example: read back as …096 before
    ws.write_row(3, 1, organ_row(3)[1:])
    wb.close()
    result = load(tmp_path / "机关.xlsx", write=False)
    assert errors(result) == [(2, "organ_code", "ROW_CODE_AS_NUMBER"), (4, "organ_code", "ROW_CODE_AS_NUMBER")]
    first, second = issues_of(result, "ROW_CODE_AS_NUMBER")
    assert (first["value"], second["value"]) == ("1.133E+17", "1.13301E+17")
    assert first["source_file"].endswith("机关.xlsx") and first["column_zh"] == "统一社会信用代码"
    message = second["message"]
    assert message.startswith("「统一社会信用代码」的值“1.13301E+17”是Excel按数字保存的")
    assert "15位" in message and "无法从文件中恢复" in message and "“文本”" in message and "重新输入" in message
    assert "校验位" not in message and "096" not in message
    assert result.files[0].rows_loaded == 1


def test_a_number_is_told_from_the_same_digits_typed_as_text_beside_it(tmp_path, load, warehouse):
    # The table starts in column B; the organ's code as text in B, the same digits as a number in an
    # extra column: only the number is one, and the row (whose code is text) loads.
    code = organ_code(1)
    wb = xlsxwriter.Workbook(str(tmp_path / "机关.xlsx"))
    ws = wb.add_worksheet("机关名录")
    ws.write_row(1, 1, ORGAN_HEADERS + ["旧系统代码"])
    ws.write_string(2, 1, code)
    ws.write_row(2, 2, organ_row(1)[1:])
    ws.write_number(2, 1 + len(ORGAN_HEADERS), int(code))
    ws.write_number(3, 1, int(organ_code(2)))
    ws.write_row(3, 2, organ_row(2)[1:])
    wb.close()
    result = load(tmp_path / "机关.xlsx")
    assert errors(result) == [(4, "organ_code", "ROW_CODE_AS_NUMBER")]
    [issue] = issues_of(result, "ROW_CODE_AS_NUMBER")
    assert issue["value"] == "1.133E+17"
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT organ_code FROM organs").fetchall() == [(code,)]


def test_long_numbers_in_every_text_code_column_and_in_an_xls(tmp_path, load):
    registry = write_xlsx(tmp_path / "名录.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(1)]),
                                                  "服务机构名录": (VENDOR_HEADERS, [vendor_row(1)])})
    project = project_row("P1", 1, 1)
    project[0] = 2025000000000000001           # a project code of 19 digits typed as a number
    vendor_as_number = project_row("P2", 1, 1)
    vendor_as_number[2] = 913301000000000000   # the vendor code column
    projects = write_xls(tmp_path / "项目.xls", {"外包项目": (PROJECT_HEADERS, [project, vendor_as_number])})
    result = load(registry, projects, write=False)
    assert errors(result) == [(2, "project_code", "ROW_CODE_AS_NUMBER"), (3, "vendor_code", "ROW_CODE_AS_NUMBER")]
    assert [i["value"] for i in issues_of(result, "ROW_CODE_AS_NUMBER")] == ["2.025E+18", "9.13301E+17"]


@pytest.mark.parametrize("writer", [write_xlsx, write_xls])
def test_short_codes_typed_as_numbers_still_load_as_their_digits(tmp_path, load, warehouse, writer):
    suffix = ".xlsx" if writer is write_xlsx else ".xls"
    organ = organ_row(1)
    organ[2] = 330106                          # a region code typed as a number
    other = organ_row(2)
    other[2] = 330106.0                        # … and as a float
    vendor = vendor_row(1)
    vendor[2] = 330106
    project = project_row("P", 1, 1)
    project[0] = 2025001                       # a project code typed as a number
    path = writer(tmp_path / f"报送{suffix}", {"机关名录": (ORGAN_HEADERS, [organ, other]),
                                              "服务机构名录": (VENDOR_HEADERS, [vendor]),
                                              "外包项目": (PROJECT_HEADERS, [project])})
    result = load(path)
    assert errors(result) == []
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT region_code FROM organs").fetchall() == [("330106",), ("330106",)]
    assert con.sql("SELECT region_code FROM vendors").fetchall() == [("330106",)]
    assert con.sql("SELECT project_code FROM projects").fetchall() == [("2025001",)]


def test_a_csv_saved_by_excel_with_a_code_in_scientific_notation(tmp_path, load):
    shown = organ_row(1)
    shown[0] = "1.13301E+17"                   # what Excel writes for a number cell saved as CSV
    short = organ_row(2)
    short[0] = "1.5E+3"                        # not a long number: the credit-code check speaks
    result = load(write_csv(tmp_path / "机关.csv", ORGAN_HEADERS, [shown, short]), write=False)
    assert errors(result) == [(2, "organ_code", "ROW_CODE_AS_NUMBER"), (3, "organ_code", "ROW_USCC")]


def test_a_csv_keeps_only_the_six_digits_excel_shows_of_a_twelve_digit_number(tmp_path, load, warehouse):
    # Excel shows a number of 12 or more digits as 3.30106E+11 and saves a CSV as it shows: a free-text
    # code (no check of its own) would load as that text. A 12-digit number in an .xlsx is exact.
    project = project_row("P1", 1, 1)
    project[0] = "3.30106E+11"
    kept = project_row("P2", 1, 1)
    kept[0] = "330106000001"
    registry = write_xlsx(tmp_path / "名录.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(1)]),
                                                  "服务机构名录": (VENDOR_HEADERS, [vendor_row(1)])})
    number = project_row("P3", 1, 1)
    number[0] = 330106000002                   # a number cell of 12 digits: read as its digits
    result = load(registry, write_csv(tmp_path / "项目.csv", PROJECT_HEADERS, [project, kept]),
                  write_xlsx(tmp_path / "项目2.xlsx", {"外包项目": (PROJECT_HEADERS, [number])}))
    assert errors(result) == [(2, "project_code", "ROW_CODE_AS_NUMBER")]
    [issue] = issues_of(result, "ROW_CODE_AS_NUMBER")
    assert issue["source_file"].endswith("项目.csv") and issue["value"] == "3.30106E+11"
    assert "另存为CSV时只保留显示的几位" in issue["message"] and "无法从文件中恢复" in issue["message"]
    con = db.connect(warehouse, read_only=True)
    assert sorted(con.sql("SELECT project_code FROM projects").fetchall()) == [("330106000001",), ("330106000002",)]


# -- times in date columns, and dates before 1900 ----------------------------------------------------

def test_a_time_alone_in_a_date_or_datetime_cell_is_no_date(tmp_path, load):
    wb = xlsxwriter.Workbook(str(tmp_path / "名录.xlsx"))
    ws = wb.add_worksheet("服务机构名录")
    ws.write_row(0, 0, VENDOR_HEADERS)
    ws.write_row(1, 0, vendor_row(1)[:3])
    ws.write_datetime(1, 3, dt.time(10, 30), wb.add_format({"num_format": "hh:mm"}))   # Excel serial 0.4375
    ws.write_row(2, 0, vendor_row(2)[:3])
    ws.write_datetime(2, 3, dt.datetime(2015, 6, 1), wb.add_format({"num_format": "yyyy-mm-dd"}))
    wb.close()
    incident = example_row(BY_NAME["incidents"])
    incidents = write_kind(tmp_path / "事件.xlsx", "incidents",
                           [{**incident, "incident_code": "SJ-1", "occurred_at": dt.time(10, 30)}])
    result = load(tmp_path / "名录.xlsx", incidents, write=False)
    [date_issue] = issues_of(result, "ROW_TYPE")[:1]
    found = {(i["kind"], i["source_row"], i["column_name"], i["value"]): i["message"] for i in issues_of(result, "ROW_TYPE")}
    assert set(found) == {("vendors", 2, "established_on", "10:30"), ("incidents", 2, "occurred_at", "10:30")}
    assert found[("vendors", 2, "established_on", "10:30")] == (
        "「成立日期」的值“10:30”无法识别为日期（如2025-03-05）：该单元格只有时间，没有日期，请填写完整的年月日")
    assert "日期时间（如2025-03-05 14:30）：该单元格只有时间，没有日期" in found[("incidents", 2, "occurred_at", "10:30")]
    assert "1899" not in str(result.issues["message"].to_list()) and date_issue["value"] == "10:30"
    vendors = next(f for f in result.files if f.kind == "vendors")
    assert (vendors.rows_loaded, vendors.rows_rejected) == (1, 1)


def test_a_time_alone_in_an_xls_and_typed_in_a_csv(tmp_path, load):
    wb = xlwt.Workbook()
    ws = wb.add_sheet("服务机构名录")
    for c, header in enumerate(VENDOR_HEADERS):
        ws.write(0, c, header)
    for c, value in enumerate(vendor_row(1)[:3]):
        ws.write(1, c, value)
    ws.write(1, 3, dt.time(9, 5), xlwt.easyxf(num_format_str="hh:mm"))
    wb.save(str(tmp_path / "名录.xls"))
    typed = vendor_row(2)
    typed[3] = "14:30"
    result = load(tmp_path / "名录.xls", write_csv(tmp_path / "服务机构.csv", VENDOR_HEADERS, [typed]), write=False)
    found = [(i["value"], i["message"]) for i in issues_of(result, "ROW_TYPE")]
    assert [v for v, _ in found] == ["09:05", "14:30"]
    assert all("只有时间，没有日期" in m for _, m in found)


def test_a_date_before_1900_is_out_of_range_with_a_plain_message(tmp_path, load):
    early = vendor_row(1)
    early[3] = "1850-01-01"                    # Excel holds no such date: typed as text
    slip = vendor_row(2)
    slip[3] = "1025-06-01"                     # 2025 mistyped
    fine = vendor_row(3)
    fine[3] = "1900-01-01"
    result = load(write_csv(tmp_path / "服务机构.csv", VENDOR_HEADERS, [early, slip, fine]), write=False)
    assert errors(result) == [(2, "established_on", "ROW_RANGE"), (3, "established_on", "ROW_RANGE")]
    assert issues_of(result, "ROW_RANGE")[0]["message"] == (
        "「成立日期」的值“1850-01-01”超出允许范围（不得早于1900-01-01，请核对年份）")
