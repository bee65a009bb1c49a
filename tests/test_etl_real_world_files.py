"""Files as organs really send them, through the real loader: sign-off lines under the table, hidden
sheets, files that are not what their name says, a pasted paragraph in a cell, and the same key in
two files. Each case is what a clerk meets; the test says what the clerk is owed."""

import re

import xlsxwriter

from tests.conftest import issues_of
from tests.factories import (ORGAN_HEADERS, PROJECT_HEADERS, VENDOR_HEADERS, organ_code, organ_row, project_row,
                             merged_projects_xlsx, vendor_row, write_csv, write_xls, write_xlsx)
from warehouse import db


def by_name(result):
    return {(f.path.rsplit("/", 1)[-1], f.sheet): f for f in result.files}


def errors(result):
    return [(i["source_row"], i["rule"]) for i in issues_of(result, severity="error")]


# -- rows below the table ---------------------------------------------------------------------------

SIGN_OFF_ROWS = [["备注"], ["备注", "本表数据截至9月底"], ["说明"], ["注1：代码请填18位"], ["*注：必填项不能为空"],
                 ["制表：张三"], ["审核：李四"], ["填报单位（盖章）：浙江省档案局"], ["单位负责人：王五"],
                 ["报送日期：2026年10月8日"], ["合 计", "2"]]


def test_notes_and_sign_off_lines_below_the_table_are_not_rows(tmp_path, load):
    files = [write_csv(tmp_path / f"机关{i}.csv", ORGAN_HEADERS, [organ_row(2 * i + 1), organ_row(2 * i + 2)],
                       after=[",".join(tail)], encoding="gb18030")
             for i, tail in enumerate(SIGN_OFF_ROWS)]
    result = load(*files)
    assert errors(result) == []
    assert [(f.rows_read, f.rows_loaded) for f in result.files] == [(2, 2)] * len(SIGN_OFF_ROWS)


def test_a_workbook_with_a_title_a_blank_row_and_a_signed_footer(tmp_path, load, warehouse):
    path = write_xlsx(tmp_path / "名录.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(1), [None] * 5, organ_row(2)])},
                      title="2026年第三季度档案外包项目报送表", notes=["合计", "备注", "填表人：张三　联系电话：0571-88888888",
                                                          "制表：李四", "审核：王五"])
    result = load(path)
    assert errors(result) == [] and result.files[0].rows_loaded == 2
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT source_row FROM organs ORDER BY 1").fetchall() == [(3,), (5,)]


def test_a_label_without_its_colon_or_a_code_starting_like_a_note_is_still_a_row(tmp_path, load):
    # `审核` alone could begin a value; only `审核：` is a sign-off. A real row below the notes is kept.
    path = write_csv(tmp_path / "机关.csv", ORGAN_HEADERS, [organ_row(1)],
                     after=["审核", "注册中心,测试机关9,330102,县级,政府"])
    result = load(path)
    assert [r for r, _ in errors(result)] == [3, 3, 3, 3, 4]


# -- headers ---------------------------------------------------------------------------------------

def test_a_header_over_two_rows_with_merged_and_grouped_cells(tmp_path, load, warehouse):
    # Row 1 a merged title; rows 2–3 the header: most cells merged down over both rows, a group cell
    # 日期 over the three dates of row 3. Data from row 4.
    wb = xlsxwriter.Workbook(str(tmp_path / "项目.xlsx"))
    ws = wb.add_worksheet("外包项目")
    ws.merge_range(0, 0, 0, 9, "2026年第三季度档案外包项目报送表")
    for c, header in enumerate(PROJECT_HEADERS):
        if 4 <= c <= 6:
            ws.write(2, c, header)
        else:
            ws.merge_range(1, c, 2, c, header)
    ws.merge_range(1, 4, 1, 6, "日期")
    ws.write_row(3, 0, project_row("P1", 1, 1))
    ws.write_row(4, 0, project_row("P2", 1, 1, end="2024-01-01"))
    wb.close()
    registry = write_xlsx(tmp_path / "名录.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(1)]),
                                                  "服务机构名录": (VENDOR_HEADERS, [vendor_row(1)])})
    result = load(registry, tmp_path / "项目.xlsx")
    assert errors(result) == [(5, "ROW_DATE_ORDER")]
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT project_code, signed_on::VARCHAR, source_row FROM projects").fetchall() == [
        ("P1", "2025-02-20", 4)]


# -- hidden sheets --------------------------------------------------------------------------------

def hidden_workbook(path, hidden_rows):
    wb = xlsxwriter.Workbook(str(path))
    visible = wb.add_worksheet("机关名录")
    visible.write_row(0, 0, ORGAN_HEADERS)
    visible.write_row(1, 0, organ_row(1))
    old = wb.add_worksheet("旧机关名录")
    old.write_row(0, 0, ORGAN_HEADERS)
    for r, row in enumerate(hidden_rows, start=1):
        old.write_row(r, 0, row)
    old.hide()
    lists = wb.add_worksheet("下拉选项")     # the lists a template's drop-downs read: hidden, not data
    lists.write_column(0, 0, ["省级", "市级", "县级", "乡镇级"])
    lists.hide()
    wb.close()
    return path


def test_a_hidden_sheet_is_not_loaded_unseen_and_the_organ_is_told(tmp_path, load, warehouse):
    # The hidden sheet holds last year's name of organ 1: loaded, it would clash with the visible row.
    result = load(hidden_workbook(tmp_path / "名录.xlsx", [organ_row(1, name="旧名称"), organ_row(40)]))
    files = by_name(result)
    assert files[("名录.xlsx", "机关名录")].rows_loaded == 1
    hidden = files[("名录.xlsx", "旧机关名录")]
    assert (hidden.status, hidden.rule, hidden.rows_loaded) == ("rejected", "FILE_HIDDEN_SHEET", 0)
    assert "隐藏工作表" in hidden.message and "机关名录" in hidden.message and "取消隐藏" in hidden.message
    assert ("名录.xlsx", "下拉选项") not in files
    assert result.any_rejected_whole
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT organ_code, organ_name FROM organs").fetchall() == [(organ_code(1), "测试机关1")]
    [issue] = con.sql("SELECT sheet, rule FROM rejected_rows").fetchall()
    assert issue == ("旧机关名录", "FILE_HIDDEN_SHEET")


def test_a_hidden_sheet_missing_a_column_is_reported_as_hidden(tmp_path, load):
    result = load(hidden_workbook(tmp_path / "名录.xlsx", []))
    assert by_name(result)[("名录.xlsx", "旧机关名录")].rule == "FILE_HIDDEN_SHEET"
    lacking = write_xlsx(tmp_path / "缺列.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(2)]),
                                                 "旧表": (ORGAN_HEADERS[:2] + ORGAN_HEADERS[3:], [])})
    assert by_name(load(lacking))[("缺列.xlsx", "旧表")].rule == "FILE_MISSING_COLUMN"


# -- files that are not what their name says -------------------------------------------------------

def test_files_excel_cannot_read_as_named_get_advice_not_a_library_error(tmp_path, load):
    html = tmp_path / "系统导出.xls"
    html.write_text("<html><body><table><tr><td>*统一社会信用代码</td><td>*机关名称</td></tr></table></body></html>",
                    encoding="utf-8")
    wps = tmp_path / "名录.et"
    write_xls(tmp_path / "名录.xls", {"机关名录": (ORGAN_HEADERS, [organ_row(1)])}).rename(wps)
    corrupt = tmp_path / "损坏.xlsx"
    corrupt.write_bytes(write_xlsx(tmp_path / "好.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(1)])})
                        .read_bytes()[:3000])
    files = by_name(load(html, wps, corrupt))
    assert "网页" in files[("系统导出.xls", None)].message
    assert "WPS" in files[("名录.et", None)].message
    for f in files.values():
        assert f.rule == "FILE_UNREADABLE" and "另存为" in f.message
        assert not re.search(r"[A-Za-z]+Error", f.message), f.message


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read(tmp_path, load, monkeypatch):
    """A workbook padded with 64 MB of zeros (64 KB on disk) against a limit of 32 MB: refused with the
    size it declares, before the reader holds it in memory; the other file of the load still loads."""
    import zipfile

    from etl import read
    monkeypatch.setattr(read, "MAX_UNPACKED_BYTES", 32 << 20)
    bomb = write_xlsx(tmp_path / "名录.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(1)])})
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/media/padding.bin", bytes(64 << 20))
    assert bomb.stat().st_size < 1 << 20
    files = by_name(load(bomb, write_csv(tmp_path / "机关.csv", ORGAN_HEADERS, [organ_row(2)])))
    refused = files[("名录.xlsx", None)]
    assert refused.rule == "FILE_UNREADABLE" and "解压后达0.1 GB" in refused.message, refused.message
    assert files[("机关.csv", None)].rows_loaded == 1


def test_a_wps_file_in_a_folder_is_reported_not_skipped(tmp_path, load):
    folder = tmp_path / "报送"
    folder.mkdir()
    write_xls(folder / "名录.xls", {"机关名录": (ORGAN_HEADERS, [organ_row(1)])}).rename(folder / "名录.et")
    write_csv(folder / "机关.csv", ORGAN_HEADERS, [organ_row(2)])
    files = by_name(load(folder))
    assert files[("名录.et", None)].rule == "FILE_UNREADABLE" and files[("机关.csv", None)].rows_loaded == 1


def test_an_old_xls_workbook_under_an_xlsx_name_loads(tmp_path, load):
    path = write_xls(tmp_path / "名录.xls", {"机关名录": (ORGAN_HEADERS, [organ_row(1)])})
    result = load(path.rename(tmp_path / "名录.xlsx"))
    assert errors(result) == [] and result.files[0].rows_loaded == 1


# -- what a message quotes --------------------------------------------------------------------------

def test_a_pasted_paragraph_is_quoted_short_and_kept_whole(tmp_path, load):
    paragraph = "本单位档案工作人员情况说明：" + "专职2人兼职3人。" * 4000
    path = write_csv(tmp_path / "机关.csv", ORGAN_HEADERS + ["档案工作人员数"], [organ_row(1) + [paragraph]])
    [issue] = issues_of(load(path), "ROW_TYPE", "error")
    assert issue["value"] == paragraph
    assert len(issue["message"]) < 150
    assert f"（共{len(paragraph)}个字符）" in issue["message"] and "无法识别为整数" in issue["message"]


def test_one_key_with_two_contents_names_the_other_rows_in_each_message(tmp_path, load):
    first = write_csv(tmp_path / "甲.csv", ORGAN_HEADERS, [organ_row(1), organ_row(2, name="甲机关")])
    second = write_xlsx(tmp_path / "乙.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(2, name="乙机关"),
                                                                         organ_row(2, name="丙机关")])})
    vendors = write_csv(tmp_path / "服务机构.csv", VENDOR_HEADERS, [vendor_row(1)])
    found = {(i["source_file"].rsplit("/", 1)[-1], i["source_row"]): i["message"]
             for i in issues_of(load(first, second, vendors), "ROW_DUPLICATE_KEY")}
    assert set(found) == {("甲.csv", 3), ("乙.xlsx", 2), ("乙.xlsx", 3)}
    assert "（另见文件「乙.xlsx」工作表「机关名录」第2、3行）" in found[("甲.csv", 3)]
    # The row's own sheet first: a bare 第3行 after another file's name would read as that file's.
    assert "（另见第3行、文件「甲.csv」第3行）" in found[("乙.xlsx", 2)]
    assert all(m.endswith("相关各行均未导入，请核对后只保留一行") for m in found.values())


# -- what Excel shows is the value -----------------------------------------------------------------

def test_codes_exported_for_excel_read_as_excel_shows_them(tmp_path, load, warehouse):
    # ="…" keeps a long code's digits when Excel opens a system's CSV; ' marks a number kept as text.
    wrapped, marked = organ_row(1), organ_row(2)
    wrapped[0], wrapped[2] = f'="{wrapped[0]}"', '="330102"'
    marked[0] = "'" + marked[0]
    path = tmp_path / "系统导出.csv"
    path.write_text("\n".join(",".join(map(str, row)) for row in (ORGAN_HEADERS, wrapped, marked)), encoding="gb18030")
    result = load(path)
    assert errors(result) == [] and result.files[0].rows_loaded == 2
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT organ_code, region_code FROM organs ORDER BY 1").fetchall() == [
        (organ_code(1), "330102"), (organ_code(2), "330102")]


def test_a_formula_error_is_quoted_as_excel_shows_it_not_taken_for_a_blank(tmp_path, load):
    wb = xlsxwriter.Workbook(str(tmp_path / "名录.xlsx"))
    ws = wb.add_worksheet("机关名录")
    ws.write_row(0, 0, ORGAN_HEADERS + ["档案工作人员数"])
    ws.write_row(1, 0, organ_row(1))
    ws.write_formula(1, 5, "=VLOOKUP(A2,人员!A:B,2,0)", None, "#N/A")
    ws.write_formula(2, 0, "=1/0", None, "#DIV/0!")
    ws.write_row(2, 1, organ_row(2)[1:])
    wb.close()
    found = {(i["source_row"], i["rule"], i["value"]) for i in issues_of(load(tmp_path / "名录.xlsx"), severity="error")}
    assert found == {(2, "ROW_TYPE", "#N/A"), (3, "ROW_USCC", "#DIV/0!")}


def test_excel_unicode_text_is_read(tmp_path, load):
    # Excel's “Unicode 文本(*.txt)”: UTF-16 with its BOM, tab separated.
    path = write_csv(tmp_path / "机关.txt", ORGAN_HEADERS, [organ_row(1), organ_row(2)], encoding="utf-16", sep="\t",
                     before=["2026年机关名录"])
    result = load(path)
    assert errors(result) == [] and result.files[0].rows_loaded == 2


def test_a_row_numbering_the_columns_under_the_header_is_not_data(tmp_path, load):
    numbered = write_csv(tmp_path / "机关.csv", ORGAN_HEADERS, [["甲", "乙", "1", "2", "3"], organ_row(1)])
    digits = write_csv(tmp_path / "机关2.csv", ORGAN_HEADERS, [["1", "2", "3", "4", "5"], organ_row(2)])
    # Not a numbering: a real (bad) row stays a row and is reported.
    gapped = write_csv(tmp_path / "机关3.csv", ORGAN_HEADERS, [["1", "2", "4", "", ""], organ_row(3)])
    result = load(numbered, digits, gapped)
    assert [(f.rows_read, f.rows_loaded) for f in result.files] == [(1, 1), (1, 1), (2, 1)]
    assert {r for r, _ in errors(result)} == {2}


def test_a_code_merged_down_over_several_rows_counts_for_each_row(tmp_path, load, warehouse):
    # One organ's code merged over its three projects, as registers are often laid out; the table
    # starts in column B under a blank row, so positions are the sheet's, not the table's.
    merged_projects_xlsx(tmp_path / "项目.xlsx")
    registry = write_xlsx(tmp_path / "名录.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(1)]),
                                                  "服务机构名录": (VENDOR_HEADERS, [vendor_row(1)])})
    result = load(registry, tmp_path / "项目.xlsx")
    assert errors(result) == [(6, "ROW_REQUIRED")]       # a cell left empty, not merged, is still empty
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT project_code, organ_code, source_row FROM projects ORDER BY 1").fetchall() == [
        ("P1", organ_code(1), 3), ("P2", organ_code(1), 4), ("P3", organ_code(1), 5)]
