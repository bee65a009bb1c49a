"""Cells merged down over several rows of an .xls (BIFF8, as Excel, WPS and older systems save it) count
for each row they cover, as in an .xlsx (tests/test_etl_real_world_files.py): real workbooks written by
xlwt, through the real loader."""

import struct
from pathlib import Path

import xlwt

from etl import read
from etl.read import read_grids, xls_merged_down
from tests.conftest import issues_of
from tests.factories import (ORGAN_HEADERS, PROJECT_HEADERS, VENDOR_HEADERS, organ_code, organ_row, project_row,
                             merged_projects_xlsx, vendor_code, vendor_row, write_xls, write_xlsx)
from warehouse import db

BORDERED = xlwt.easyxf("borders: left thin, right thin, top thin, bottom thin")


def errors(result):
    return [(i["source_row"], i["rule"]) for i in issues_of(result, severity="error")]


def registry(tmp_path: Path, organs: int = 1, vendors: int = 1) -> Path:
    return write_xlsx(tmp_path / "名录.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(n) for n in range(1, organs + 1)]),
                                              "服务机构名录": (VENDOR_HEADERS, [vendor_row(n) for n in range(1, vendors + 1)])})


def write_row(ws, r: int, c: int, values) -> None:
    for i, value in enumerate(values):
        if value is not None:
            ws.write(r, c + i, value)


def merged_projects(path: Path) -> Path:
    """The .xlsx test's layout: the table from B2 under a blank row, one organ's code merged over three
    projects (C3:C5), a fourth project whose organ cell is left empty."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("外包项目")
    write_row(ws, 1, 1, PROJECT_HEADERS)
    for r, code in enumerate(("P1", "P2", "P3"), start=2):
        row = project_row(code, 1, 1)
        row[1] = None
        write_row(ws, r, 1, row)
    ws.write_merge(2, 4, 2, 2, organ_code(1))
    unmerged = project_row("P4", 1, 1)
    unmerged[1] = None
    write_row(ws, 5, 1, unmerged)
    wb.save(str(path))
    return path


def test_a_code_merged_down_over_three_projects_counts_for_each(tmp_path, load, warehouse):
    path = merged_projects(tmp_path / "项目.xls")
    assert xls_merged_down(path.read_bytes()) == {"外包项目": (1, [(2, 2, 4)])}
    result = load(registry(tmp_path), path)
    assert errors(result) == [(6, "ROW_REQUIRED")]       # a cell left empty, not merged, is still empty
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT project_code, organ_code, source_row FROM projects ORDER BY 1").fetchall() == [
        ("P1", organ_code(1), 3), ("P2", organ_code(1), 4), ("P3", organ_code(1), 5)]


def test_the_same_sheet_as_xls_and_xlsx_reads_the_same(tmp_path):
    # The frame calamine gives for an .xls starts where the merges' positions assume: same grid as the .xlsx.
    xls = merged_projects(tmp_path / "项目.xls")
    merged_projects_xlsx(tmp_path / "项目.xlsx")
    [from_xls] = read_grids(xls)
    [from_xlsx] = read_grids(tmp_path / "项目.xlsx")
    assert from_xls.frame.equals(from_xlsx.frame)
    assert from_xls.frame["c1"].to_list() == [None, "*机关统一社会信用代码"] + [organ_code(1)] * 3 + [None]


def test_a_table_from_b3_under_a_merged_title(tmp_path, load, warehouse):
    # Row 1 a title merged across the table's columns (one row: not filled down), row 2 blank, the header
    # in row 3 from column B; column A holds bordered empty cells only (formatting, no value: calamine's
    # grid starts at B all the same). The organ's code is merged over rows 4–6, the vendor's over 4–5.
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("外包项目")
    ws.write_merge(0, 0, 1, len(PROJECT_HEADERS), "2026年第三季度档案外包项目报送表")
    for r in range(2, 6):
        ws.write(r, 0, None, BORDERED)
    write_row(ws, 2, 1, PROJECT_HEADERS)
    for r, code in enumerate(("P1", "P2", "P3"), start=3):
        row = project_row(code, 1, 1)
        row[1] = None
        if code != "P3":
            row[2] = None
        write_row(ws, r, 1, row)
    ws.write_merge(3, 5, 2, 2, organ_code(1))
    ws.write_merge(3, 4, 3, 3, vendor_code(1))
    wb.save(str(tmp_path / "项目.xls"))
    data = (tmp_path / "项目.xls").read_bytes()
    assert xls_merged_down(data) == {"外包项目": (1, [(3, 2, 5), (3, 3, 4)])}
    result = load(registry(tmp_path), tmp_path / "项目.xls")
    assert errors(result) == []
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT project_code, organ_code, vendor_code, source_row FROM projects ORDER BY 1").fetchall() == [
        ("P1", organ_code(1), vendor_code(1), 4), ("P2", organ_code(1), vendor_code(1), 5),
        ("P3", organ_code(1), vendor_code(1), 6)]


def test_a_merge_across_columns_in_one_row_is_not_filled_down(tmp_path, load, warehouse):
    # Organ 1's level merged across 机关层级 and 机关类别 (D2:E2): the value counts for 机关层级 only, and
    # nothing goes down into organ 2's empty 机关类别.
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("机关名录")
    write_row(ws, 0, 0, ORGAN_HEADERS)
    write_row(ws, 1, 0, organ_row(1)[:3])
    ws.write_merge(1, 1, 3, 4, "县级")
    write_row(ws, 2, 0, organ_row(2)[:4])
    wb.save(str(tmp_path / "名录.xls"))
    assert xls_merged_down((tmp_path / "名录.xls").read_bytes()) == {}
    result = load(tmp_path / "名录.xls")
    assert errors(result) == []
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT organ_code, admin_level, organ_category, source_row FROM organs ORDER BY 4").fetchall() == [
        (organ_code(1), "县级", None, 2), (organ_code(2), "县级", None, 3)]


def test_a_block_merged_across_and_down_counts_for_its_first_column_in_each_row(tmp_path, load, warehouse):
    # 县级 merged over 机关层级 and 机关类别 of three organs (D2:E4): every organ's level, no category.
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("机关名录")
    write_row(ws, 0, 0, ORGAN_HEADERS)
    for r in range(1, 4):
        write_row(ws, r, 0, organ_row(r)[:3])
    ws.write_merge(1, 3, 3, 4, "县级")
    wb.save(str(tmp_path / "名录.xls"))
    assert xls_merged_down((tmp_path / "名录.xls").read_bytes()) == {"机关名录": (0, [(1, 3, 3)])}
    result = load(tmp_path / "名录.xls")
    assert errors(result) == []
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT organ_code, admin_level, organ_category, source_row FROM organs ORDER BY 4").fetchall() == [
        (organ_code(1), "县级", None, 2), (organ_code(2), "县级", None, 3), (organ_code(3), "县级", None, 4)]


def test_merges_on_several_sheets_with_latin_and_chinese_names(tmp_path):
    wb = xlwt.Workbook(encoding="utf-8")
    plain = wb.add_sheet("Sheet1")
    plain.write_merge(4, 6, 3, 3, "x")
    wb.add_sheet("说明").write(0, 0, "无合并")
    wb.add_sheet("外包项目").write_merge(1, 2, 0, 0, "y")
    wb.save(str(tmp_path / "多表.xls"))
    assert xls_merged_down((tmp_path / "多表.xls").read_bytes()) == {"Sheet1": (3, [(4, 3, 6)]),
                                                                    "外包项目": (0, [(1, 0, 2)])}


def test_a_workbook_without_merges_loads_as_before(tmp_path, load, warehouse):
    path = write_xls(tmp_path / "名录.xls", {"机关名录": (ORGAN_HEADERS, [organ_row(1), organ_row(2)]),
                                             "服务机构名录": (VENDOR_HEADERS, [vendor_row(1)])})
    assert xls_merged_down(path.read_bytes()) == {}
    result = load(path)
    assert errors(result) == []
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT organ_code, source_row FROM organs ORDER BY 2").fetchall() == [
        (organ_code(1), 2), (organ_code(2), 3)]
    assert con.sql("SELECT vendor_code, source_row FROM vendors").fetchall() == [(vendor_code(1), 2)]


def test_merges_that_cannot_be_read_leave_the_workbook_loading_without_them(tmp_path, load, warehouse, monkeypatch):
    path = merged_projects(tmp_path / "项目.xls")

    def broken(stream, at):
        raise IndexError("a MERGEDCELLS record cut short")
    monkeypatch.setattr(read, "_scan_biff_sheet", broken)
    assert xls_merged_down(path.read_bytes()) == {}
    result = load(registry(tmp_path), path)
    assert errors(result) == [(4, "ROW_REQUIRED"), (5, "ROW_REQUIRED"), (6, "ROW_REQUIRED")]
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT project_code, organ_code, source_row FROM projects").fetchall() == [
        ("P1", organ_code(1), 3)]


def test_a_mergedcells_record_claiming_more_ranges_than_it_holds_does_not_raise(tmp_path):
    # The record's count (u16 after type 0x00E5 and length 10) says 0xFFFF ranges; it holds one: the one
    # it holds is read. (Only the merges are checked here: calamine itself panics on such a record.)
    data = merged_projects(tmp_path / "项目.xls").read_bytes()
    record = b"\xe5\x00\x0a\x00\x01\x00"
    assert data.count(record) == 1
    assert xls_merged_down(data.replace(record, b"\xe5\x00\x0a\x00\xff\xff")) == {"外包项目": (1, [(2, 2, 4)])}
    assert xls_merged_down(data.replace(record, b"\xe5\x00\x00\x00\x01\x00")) == {}      # a record cut to nothing
    assert xls_merged_down(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600) == {}    # not an OLE file after all


def test_a_workbook_calamine_panics_on_is_unreadable_not_a_traceback(tmp_path, load):
    # calamine's Rust code panics on the record above (pyo3's PanicException is no Exception): the
    # load names the file as unreadable and goes on with the others
    data = merged_projects(tmp_path / "项目.xls").read_bytes()
    broken = tmp_path / "坏.xls"
    broken.write_bytes(data.replace(b"\xe5\x00\x0a\x00\x01\x00", b"\xe5\x00\x0a\x00\xff\xff"))
    registry = write_xlsx(tmp_path / "名录.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(1)])})
    result = load(registry, broken, write=False)
    [problem] = [i for i in result.issues.to_dicts() if i["rule"] == "FILE_UNREADABLE"]
    assert problem["source_file"].endswith("坏.xls") and "无法作为Excel工作簿打开" in problem["message"]
    assert sum(f.rows_loaded for f in result.files) == 1


def test_merges_after_an_embedded_chart_in_the_sheet_are_found():
    # A sheet substream with a chart's own BOF…EOF before its MERGEDCELLS (xlwt writes no charts: built here).
    def record(kind, body=b""):
        return struct.pack("<HH", kind, len(body)) + body
    sheet = (record(0x0809, struct.pack("<HH", 0x0600, 0x0010)) + record(0x0203, struct.pack("<HHHd", 1, 2, 15, 1.0))
             + record(0x0809, struct.pack("<HH", 0x0600, 0x0020)) + record(0x000A)
             + record(0x00E5, struct.pack("<H4H4H", 2, 1, 3, 2, 2, 0, 0, 2, 5)) + record(0x000A)
             + record(0x00E5, struct.pack("<H4H", 1, 7, 9, 4, 4)))      # past the sheet's EOF: not this sheet's
    assert read._scan_biff_sheet(sheet, 0) == (2, [(1, 2, 3)])
