"""Every rule code of contract §4, each triggered by a real file and reported at the Excel row
the user sees, with the column's Chinese header, the value as written and a Chinese message."""

import datetime as dt

from tests.conftest import issues_of
from tests.factories import (ITEM_HEADERS, INSPECTION_HEADERS, ORGAN_HEADERS, PROJECT_HEADERS, VENDOR_HEADERS,
                             organ_code, organ_row, project_row, vendor_code, vendor_row, write_csv, write_xls,
                             write_xlsx)
from warehouse import db


def registry(tmp_path):
    return write_xlsx(tmp_path / "名录.xlsx", {
        "机关名录": (ORGAN_HEADERS, [organ_row(1), organ_row(2), organ_row(3)]),
        "服务机构名录": (VENDOR_HEADERS, [vendor_row(1), vendor_row(2)]),
    }, title="2025年机关名录")


def only(result, rule):
    found = issues_of(result, rule, "error")
    assert found, f"no {rule} in {result.issues.select('rule', 'message').to_dicts()}"
    return found


def test_good_rows_load_and_bad_rows_are_explained(tmp_path, load, warehouse):
    projects = write_xlsx(tmp_path / "项目.xlsx", {"外包项目": (PROJECT_HEADERS, [
        project_row("P1", 1, 1),                                   # row 3 (title row, header row 2)
        project_row("P2", 1, 1, start="2025-13-01"),              # row 4: ROW_TYPE
        project_row("P3", 1, 1, site="外星"),                      # row 5: ROW_ENUM
        project_row("P4", 9, 1),                                   # row 6: unknown organ
        project_row("P5", 1, 1, end="2025-01-01"),                # row 7: ROW_DATE_ORDER
        project_row("", 1, 1),                                     # row 8: ROW_REQUIRED
        project_row("P7", 1, 1, vendor="91330100MA0000000X"),     # row 9: ROW_USCC
    ])}, title="外包项目台账")
    result = load(registry(tmp_path), projects)
    sheet = next(f for f in result.files if f.kind == "projects")
    assert (sheet.rows_read, sheet.rows_loaded, sheet.rows_rejected) == (7, 1, 6)

    assert [(i["source_row"], i["column_zh"], i["value"]) for i in only(result, "ROW_TYPE")] == [(4, "开始日期", "2025-13-01")]
    assert "日期" in only(result, "ROW_TYPE")[0]["message"]
    enum = only(result, "ROW_ENUM")[0]
    assert (enum["source_row"], enum["value"]) == (5, "外星") and "机关内部" in enum["message"]
    ref = only(result, "ROW_UNKNOWN_REFERENCE")[0]
    assert (ref["source_row"], ref["column_name"]) == (6, "organ_code") and "机关名录中不存在" in ref["message"]
    assert ref["value"] == organ_code(9) and organ_code(9) in ref["message"]
    order = only(result, "ROW_DATE_ORDER")[0]
    assert (order["source_row"], order["column_name"]) == (7, "planned_end_on") and "开始日期" in order["message"]
    assert [(i["source_row"], i["column_zh"]) for i in only(result, "ROW_REQUIRED")] == [(8, "项目编号")]
    uscc = only(result, "ROW_USCC")[0]
    assert uscc["source_row"] == 9 and "校验位" in uscc["message"]
    assert all(i["source_file"].endswith("项目.xlsx") and i["sheet"] == "外包项目" for i in issues_of(result, severity="error"))

    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT project_code, source_row FROM projects").fetchall() == [("P1", 3)]
    assert con.sql("SELECT count(*) FROM rejected_rows WHERE kind = 'projects'").fetchall()[0][0] == 6


def test_a_date_order_message_shows_the_other_date_as_excel_shows_it(tmp_path, load):
    """A date entered as its Excel serial number (45739, as some systems export dates) is read as the
    date it stands for; a message comparing another date with it names that date (2025-03-23)."""
    projects = write_xls(tmp_path / "项目.xls", {"外包项目": (PROJECT_HEADERS, [
        project_row("P1", 1, 1, signed=dt.date(2025, 3, 1), start=45739, end=dt.date(2025, 3, 7))])})
    order = only(load(registry(tmp_path), projects), "ROW_DATE_ORDER")[0]
    assert "「开始日期」（2025-03-23）" in order["message"] and "4573" not in order["message"], order["message"]


def test_range_region_jurisdiction_future_and_duplicates(tmp_path, load):
    organs = write_csv(tmp_path / "organs.csv", ORGAN_HEADERS + ["档案工作人员数"], [
        organ_row(1) + [2],
        organ_row(2, region="999999") + [1],     # line 3: ROW_REGION
        organ_row(3, region="110101") + [1],     # line 4: Beijing, outside Zhejiang
        organ_row(4) + [-1],                     # line 5: ROW_RANGE
        organ_row(5, name="甲") + [1],           # line 6 and 7: same key, different names
        organ_row(5, name="乙") + [1],
        organ_row(6) + [1], organ_row(6) + [1],  # lines 8 and 9: identical repeat, loads once, a warning
    ], encoding="gb18030")
    vendors = write_csv(tmp_path / "vendors.csv", VENDOR_HEADERS, [
        vendor_row(1), [vendor_code(2), "未来公司", "330106", "2027-01-01"]], sep="\t")
    result = load(organs, vendors)
    assert [i["source_row"] for i in only(result, "ROW_REGION")] == [3]
    juris = only(result, "ROW_JURISDICTION")[0]
    assert juris["source_row"] == 4 and "330000" in juris["message"]
    assert [i["source_row"] for i in only(result, "ROW_RANGE")] == [5]
    assert sorted(i["source_row"] for i in only(result, "ROW_DUPLICATE_KEY")) == [6, 7]
    assert [i["source_row"] for i in only(result, "ROW_FUTURE_DATE")] == [3]
    organ_sheet = next(f for f in result.files if f.kind == "organs")
    assert (organ_sheet.rows_read, organ_sheet.rows_loaded, organ_sheet.rows_rejected,
            organ_sheet.rows_duplicate) == (8, 2, 5, 1)
    [copy] = issues_of(result, "W_DUPLICATE_ROW", "warning")
    assert (copy["source_row"], copy["message"]) == (9, "与第8行完全相同，只装载一次")
    assert result.rejections_by_rule() == {"ROW_DUPLICATE_KEY": 2, "ROW_FUTURE_DATE": 1, "ROW_JURISDICTION": 1,
                                           "ROW_RANGE": 1, "ROW_REGION": 1}


def test_messages_name_the_contract_header_and_type_even_for_english_headers(tmp_path, load):
    projects = write_csv(tmp_path / "projects.csv",
                         ["project_code", "organ_code", "vendor_code", "service_type", "signed_on", "start_on",
                          "planned_end_on", "work_site", "involves_classified", "confidentiality_agreement"],
                         [project_row("P1", 1, 1, classified="也许")])
    bad = only(load(registry(tmp_path), projects), "ROW_TYPE")[0]
    assert bad["message"] == "「是否涉密」的值“也许”无法识别为是或否"


def test_file_level_rejections_do_not_stop_other_files(tmp_path, load):
    corrupt = tmp_path / "坏文件.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 this is not a workbook")
    unknown = write_csv(tmp_path / "别的表.csv", ["姓名", "年龄"], [["张三", 30]])
    missing = write_xlsx(tmp_path / "缺列.xlsx", {"外包项目": (PROJECT_HEADERS[:3] + PROJECT_HEADERS[4:], [])})
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    result = load(corrupt, unknown, missing, empty, registry(tmp_path))
    by_file = {f.path.rsplit("/", 1)[-1]: f for f in result.files}
    assert by_file["坏文件.xlsx"].rule == "FILE_UNREADABLE"
    assert by_file["空.csv"].rule == "FILE_UNREADABLE" and "为空" in by_file["空.csv"].message
    assert by_file["别的表.csv"].rule == "FILE_UNKNOWN_KIND" and "姓名" in by_file["别的表.csv"].message
    miss = by_file["缺列.xlsx"]
    assert miss.rule == "FILE_MISSING_COLUMN" and "服务类型" in miss.message and "项目编号" in miss.message
    assert result.any_rejected_whole
    assert sum(f.rows_loaded for f in result.files) == 5  # the registry still loaded


def test_items_need_their_inspection_and_a_checklist_code(tmp_path, load):
    inspections = write_xlsx(tmp_path / "检查.xlsx", {
        "检查记录": (INSPECTION_HEADERS, [["J1", "2026-05-06", organ_code(1), None, "双随机抽查", "张三、李四", None]]),
        "检查项结果": (ITEM_HEADERS, [["J1", "A1", "符合", None], ["J1", "Z9", "符合", None],
                                  ["J2", "A2", "符合", None], ["J1", "B1", "不符合", None]]),
    })
    result = load(registry(tmp_path), inspections)
    refs = {(i["source_row"], i["column_name"]) for i in only(result, "ROW_UNKNOWN_REFERENCE")}
    assert refs == {(3, "item_code"), (4, "inspection_code")}
    missing_finding = issues_of(result, "W_FINDING_MISSING", "warning")
    assert [i["source_row"] for i in missing_finding] == [5]


def test_every_rule_has_a_chinese_and_an_english_name_for_the_pages():
    from schemas.rules import MESSAGES, RULE_NAMES, rule_name
    assert set(RULE_NAMES) == set(MESSAGES) and all(zh and en for zh, en in RULE_NAMES.values())
    assert rule_name("ROW_USCC") == "信用代码无效 · ROW_USCC"
    assert rule_name("ROW_USCC", "en") == "Invalid credit code · ROW_USCC"
    assert rule_name("SOMETHING_NEW", "en") == "SOMETHING_NEW" and rule_name(None) == ""
