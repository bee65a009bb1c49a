"""What the organ is told, fed real files through the real loader and validator: every missing
column named at once, an exact duplicate row reported (not lost silently, not stored twice), and an
error report naming files as the organ knows them, with the row's cells in the file's order."""

import json
import os
import subprocess
import sys

import openpyxl

from etl.report import DETAIL_HEADERS, DETAIL_SHEET, SUMMARY_SHEET
from tests.conftest import JURISDICTION, TODAY, issues_of
from tests.factories import (ORGAN_HEADERS, PROJECT_HEADERS, VENDOR_HEADERS, organ_code, organ_row, project_row,
                             vendor_row, write_csv, write_xlsx)
from schemas.identifiers import make_uscc
from warehouse import db


def oversight(*args):
    return subprocess.run([sys.executable, "-m", "etl.cli", *args], capture_output=True, text=True,
                          env={**os.environ}, timeout=300)


def registry(tmp_path):
    return write_xlsx(tmp_path / "名录.xlsx", {
        "机关名录": (ORGAN_HEADERS, [organ_row(1), organ_row(2)]),
        "服务机构名录": (VENDOR_HEADERS, [vendor_row(1)]),
    })


def stored(warehouse, sql):
    con = db.connect(warehouse, read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


# -- 1. every missing required column, in one message ---------------------------------------------

def test_a_sheet_missing_two_required_columns_names_both(tmp_path, load):
    headers = [h for h in PROJECT_HEADERS if h not in ("*服务类型", "*作业场所")]
    rows = [[v for h, v in zip(PROJECT_HEADERS, project_row("P1", 1, 1)) if h in headers]]
    missing = write_xlsx(tmp_path / "项目台账.xlsx", {"外包项目": (headers, rows)})
    result = load(missing, registry(tmp_path), write=False)
    sheet = next(f for f in result.files if f.path.endswith("项目台账.xlsx"))
    assert sheet.status == "rejected" and sheet.rule == "FILE_MISSING_COLUMN"
    found = "、".join(headers)
    assert sheet.message == f"工作表缺少必填列「服务类型」「作业场所」，整表未导入。找到的表头：{found}"
    issue = issues_of(result, "FILE_MISSING_COLUMN")[0]
    assert issue["message"] == sheet.message and issue["column_zh"] == "服务类型、作业场所"
    assert issue["severity"] == "error" and issue["source_row"] is None


def test_one_missing_column_reads_as_before(tmp_path, load):
    headers = [h for h in ORGAN_HEADERS if h != "*机关层级"]
    one = write_csv(tmp_path / "机关.csv", headers, [organ_row(1)[:3] + organ_row(1)[4:]])
    sheet = load(one, write=False).files[0]
    assert sheet.rule == "FILE_MISSING_COLUMN"
    assert sheet.message.startswith("工作表缺少必填列「机关层级」，整表未导入。找到的表头：*统一社会信用代码")


# -- 2. an exact duplicate row --------------------------------------------------------------------

def test_an_exact_duplicate_row_is_reported_and_stored_once(tmp_path, load, warehouse):
    path = write_csv(tmp_path / "机关.csv", ORGAN_HEADERS,
                     [organ_row(1), organ_row(2), organ_row(1), organ_row(3, region="1")])  # rows 2, 3, 4, 5
    result = load(path)
    sheet = result.files[0]
    assert (sheet.rows_read, sheet.rows_loaded, sheet.rows_rejected, sheet.rows_duplicate) == (4, 2, 1, 1)
    assert sheet.rows_read == sheet.rows_loaded + sheet.rows_rejected + sheet.rows_duplicate
    assert sheet.rows_warned == 0        # the copy is counted as a duplicate, not as a loaded row warned
    copy = issues_of(result, "W_DUPLICATE_ROW")
    assert len(copy) == 1 and copy[0]["severity"] == "warning" and copy[0]["source_row"] == 4
    assert copy[0]["message"] == "与第2行完全相同，只装载一次"
    assert copy[0]["column_zh"] == "统一社会信用代码" and copy[0]["value"] == organ_code(1)
    assert json.loads(copy[0]["row_values"])["*机关名称"] == "测试机关1"
    summary = result.summary()
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"], summary["rows_duplicate"]) \
        == (4, 2, 1, 1)
    assert summary["files"][0]["rows_duplicate"] == 1
    assert "W_DUPLICATE_ROW" not in result.rejections_by_rule()    # a warning, not a rejection
    assert stored(warehouse, "SELECT organ_code, organ_name FROM organs ORDER BY organ_code") == [
        (organ_code(1), "测试机关1"), (organ_code(2), "测试机关2")]
    assert stored(warehouse, "SELECT rows_read, rows_loaded, rows_rejected FROM load_batches") == [(4, 2, 1)]
    assert stored(warehouse, "SELECT source_row, severity FROM row_issues WHERE rule = 'W_DUPLICATE_ROW'") == [
        (4, "warning")]

    before = stored(warehouse, "SELECT count(*) FROM organs")
    issues_before = stored(warehouse, "SELECT count(*) FROM row_issues")
    again = load(path)
    assert [f.status for f in again.files] == ["already_loaded"]
    assert stored(warehouse, "SELECT count(*) FROM organs") == before
    assert stored(warehouse, "SELECT count(*) FROM row_issues") == issues_before


def test_a_duplicate_in_an_xlsx_sheet_names_the_excel_row_and_leaves_other_warnings_to_the_first(tmp_path, load):
    odd = organ_row(4)
    odd[0] = make_uscc("12", "330000", "00000004")      # not a 11/13 prefix: W_ORGAN_PREFIX
    path = write_xlsx(tmp_path / "名录.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(1), odd, odd])},
                      title="机关名录")                  # title row 1, header row 2, data rows 3, 4, 5
    result = load(path, write=False)
    sheet = result.files[0]
    assert (sheet.rows_read, sheet.rows_loaded, sheet.rows_rejected, sheet.rows_duplicate) == (3, 2, 0, 1)
    assert sheet.status == "validated" and sheet.rows_warned == 1
    [copy] = issues_of(result, "W_DUPLICATE_ROW")
    assert (copy["source_row"], copy["message"]) == (5, "与第4行完全相同，只装载一次")
    assert [i["source_row"] for i in issues_of(result, "W_ORGAN_PREFIX")] == [4]


def test_a_copy_in_another_file_names_that_file_and_a_different_row_is_still_rejected(tmp_path, load, warehouse):
    first = write_csv(tmp_path / "a机关.csv", ORGAN_HEADERS, [organ_row(1), organ_row(2)])
    second = write_xlsx(tmp_path / "b名录.xlsx", {"机关名录": (ORGAN_HEADERS, [
        organ_row(1),                                   # row 2: the same as a机关.csv row 2
        organ_row(2, name="另一个名称"),                 # row 3: same key, other content
        organ_row(3)])})
    result = load(first, second)
    by_file = {os.path.basename(f.path): f for f in result.files}
    a, b = by_file["a机关.csv"], by_file["b名录.xlsx"]
    assert (a.rows_read, a.rows_loaded, a.rows_rejected, a.rows_duplicate) == (2, 1, 1, 0)
    assert (b.rows_read, b.rows_loaded, b.rows_rejected, b.rows_duplicate) == (3, 1, 1, 1)
    [copy] = issues_of(result, "W_DUPLICATE_ROW")
    assert copy["message"] == "与文件「a机关.csv」第2行完全相同，只装载一次" and copy["source_row"] == 2
    clash = sorted((os.path.basename(i["source_file"]), i["source_row"]) for i in issues_of(result, "ROW_DUPLICATE_KEY"))
    assert clash == [("a机关.csv", 3), ("b名录.xlsx", 3)]
    assert stored(warehouse, "SELECT organ_code FROM organs ORDER BY organ_code") == [(organ_code(1),), (organ_code(3),)]
    summary = result.summary()
    assert summary["rows_read"] == summary["rows_loaded"] + summary["rows_rejected"] + summary["rows_duplicate"]


def test_cli_counts_and_report_show_the_duplicate(tmp_path):
    path = write_csv(tmp_path / "机关.csv", ORGAN_HEADERS, [organ_row(1), organ_row(1), organ_row(2)])
    report = tmp_path / "问题报告.xlsx"
    args = ("validate", str(path), "--jurisdiction", JURISDICTION, "--today", str(TODAY),
            "--warehouse", str(tmp_path / "none.duckdb"))
    done = oversight(*args, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["rows_read"], out["rows_loaded"], out["rows_rejected"], out["rows_duplicate"]) == (3, 2, 0, 1)
    text = oversight(*args, "--report", str(report))
    assert text.returncode == 0, text.stderr
    assert "共读取3行，合格2行，退回0行，重复1行" in "".join(text.stdout.split())
    wb = openpyxl.load_workbook(report)
    rows = [[v for v in r if v is not None] for r in wb[SUMMARY_SHEET].iter_rows(values_only=True)]
    head = next(r for r in rows if r and r[0] == "文件")
    line = next(r for r in rows if r and r[0] == "机关.csv")
    assert head[3:8] == ["读取行数", "导入行数", "未导入行数", "重复行数", "有警告行数"]
    assert line[2:7] == [3, 2, 0, 1, 0]
    detail = [[c for c in r] for r in wb[DETAIL_SHEET].iter_rows(values_only=True)]
    assert [(r[2], r[5], r[7]) for r in detail[1:]] == [(3, "W_DUPLICATE_ROW", "与第2行完全相同，只装载一次")]
    assert not (tmp_path / "none.duckdb").exists()


def test_cli_lists_the_row_warnings_after_the_errors_and_prints_file_text_as_written(tmp_path):
    """A check on the command line shows the rows it rejects and the rows it loads with a warning
    (an organ code that is not an organ's, 12…), each with its row and rule; text from the file is
    printed as written, never read as terminal markup ("[red]")."""
    rows = [organ_row(1), [make_uscc("12", "330000", "00000091"), "某事业单位", "330102", "县级", "政府"],
            [organ_code(3), "测试机关3", "[red]3301", "县级", "政府"]]
    path = write_csv(tmp_path / "机关.csv", ORGAN_HEADERS, rows)
    done = oversight("validate", str(path), "--jurisdiction", JURISDICTION, "--today", str(TODAY),
                     "--warehouse", str(tmp_path / "none.duckdb"))
    assert done.returncode == 0, done.stderr
    text = "".join(done.stdout.split())
    assert "机关.csv第4行[ROW_REGION]" in text and "“[red]3301”" in text
    warnings = text.index("警告（不影响装载，请核对）：")
    assert text.index("[ROW_REGION]") < warnings < text.index("机关.csv第3行[W_ORGAN_PREFIX]")


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """Output piped into a reader that has gone (`oversight validate … | head`): the command stops
    quietly, with no Python error on the terminal."""
    path = write_csv(tmp_path / "机关.csv", ORGAN_HEADERS, [organ_row(1)])
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "etl.cli", "validate", str(path), "--json", "--jurisdiction",
                               JURISDICTION, "--today", str(TODAY), "--warehouse", str(tmp_path / "none.duckdb")],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert "Error" not in done.stderr and "Traceback" not in done.stderr, done.stderr


# -- 3. the error report: file names and column order --------------------------------------------

def test_report_names_files_relative_to_the_folder_given_and_keeps_the_file_column_order(tmp_path):
    folder = tmp_path / "rv"
    (folder / "broken").mkdir(parents=True)
    organs = write_xlsx(folder / "broken" / "organs.xlsx", {"机关名录": (ORGAN_HEADERS, [
        [organ_code(1), "测试机关1", "330102", None, "政府"],       # row 2: 机关层级 empty (ROW_REQUIRED)
        [organ_code(2), "测试机关2", "1", "县级", "政府"],           # row 3: ROW_REGION, every cell filled
    ])})
    incidents_headers = ["*事件编号", "机关编号", "*事件类型", "*发生时间", "*报告时间", "*事件描述", "*处置状态"]
    write_xlsx(folder / "incidents.xlsx", {"事件报告": (incidents_headers, [])})   # lacks 机关代码 and 事件等级
    report = tmp_path / "out" / "问题报告.xlsx"
    done = oversight("validate", str(folder), "--report", str(report), "--jurisdiction", JURISDICTION,
                     "--today", str(TODAY), "--warehouse", str(tmp_path / "none.duckdb"))
    assert done.returncode == 1, done.stderr       # a sheet was rejected whole
    assert "「机关代码」「事件等级」" in "".join(done.stdout.split())

    wb = openpyxl.load_workbook(report)
    detail = [list(r) for r in wb[DETAIL_SHEET].iter_rows(values_only=True)]
    header, body = detail[0], detail[1:]
    files = {r[0] for r in body}
    assert files == {"broken/organs.xlsx", "incidents.xlsx"}
    summary_cells = [c for r in wb[SUMMARY_SHEET].iter_rows(values_only=True) for c in r if isinstance(c, str)]
    for cell in [c for r in detail for c in r if isinstance(c, str)] + summary_cells:
        assert str(tmp_path) not in cell and not cell.startswith("/"), cell
    assert {"broken/organs.xlsx", "incidents.xlsx"} <= set(summary_cells)
    missing = next(r for r in body if r[5] == "FILE_MISSING_COLUMN")
    assert missing[3] == "机关代码、事件等级" and "「机关代码」「事件等级」" in missing[7]

    # The row's cells follow the submitted file's columns, although the first row reported is empty
    # under 机关层级.
    assert header[len(DETAIL_HEADERS):] == ORGAN_HEADERS
    by_row = {r[2]: r for r in body if r[0] == "broken/organs.xlsx"}
    assert by_row[2][len(DETAIL_HEADERS):] == [organ_code(1), "测试机关1", "330102", None, "政府"]
    assert by_row[3][len(DETAIL_HEADERS):] == [organ_code(2), "测试机关2", "1", "县级", "政府"]


def test_report_of_a_file_named_itself_shows_its_name(tmp_path):
    path = write_csv(tmp_path / "机关.csv", ORGAN_HEADERS, [organ_row(1, region="1")])
    report = tmp_path / "问题报告.xlsx"
    done = oversight("validate", str(path), "--report", str(report), "--jurisdiction", JURISDICTION,
                     "--today", str(TODAY), "--warehouse", str(tmp_path / "none.duckdb"))
    assert done.returncode == 0, done.stderr
    detail = list(openpyxl.load_workbook(report)[DETAIL_SHEET].iter_rows(values_only=True))
    assert [r[0] for r in detail[1:]] == ["机关.csv"]


def test_report_writer_without_roots_never_shows_server_directories(tmp_path):
    from etl import pipeline
    from etl.report import write_error_report
    upload = tmp_path / "upload-3f2a"
    upload.mkdir()
    a = write_csv(upload / "机关.csv", ORGAN_HEADERS, [organ_row(1, region="1")])
    b = write_csv(upload / "服务机构.csv", VENDOR_HEADERS, [["", "某公司", "330106", "2015-06-01"]])
    settings = pipeline.Settings(db.location(tmp_path / "none.duckdb"), JURISDICTION, TODAY)
    result = pipeline.run([a, b], settings, write=False)
    report = write_error_report(result.issues, tmp_path / "r.xlsx", files=[f.as_json() for f in result.files])
    wb = openpyxl.load_workbook(report)
    detail = list(wb[DETAIL_SHEET].iter_rows(values_only=True))
    assert sorted(r[0] for r in detail[1:]) == ["服务机构.csv", "机关.csv"]
    summary = [r[0] for r in wb[SUMMARY_SHEET].iter_rows(values_only=True) if r[0] and str(r[0]).endswith(".csv")]
    assert sorted(summary) == ["服务机构.csv", "机关.csv"]
