"""Grid export: xlsx and CSV with BOM, the filters and data-as-of written on the file, Chinese
round-trips, typed cells, and no formula injection in either format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import polars as pl
import pytest

from etl.excel_safety import csv_cell
from etl.export.grid_export import export_grid, grid_bytes
from warehouse.queries import Filters

ATTACKS = ["=cmd|' /C calc'!A0", "+1", "-2", "@x", "\tX", "\rY", "=HYPERLINK(\"http://evil\",\"点我\")"]


@pytest.fixture
def frame() -> pl.DataFrame:
    n = len(ATTACKS) + 1
    return pl.DataFrame({
        "organ_name": ATTACKS + ["杭州市档案馆"],
        "due_on": [dt.date(2025, 3, i + 1) for i in range(n)],
        "reported_at": [dt.datetime(2025, 3, 1, 8, 30)] * n,
        "days_overdue": list(range(-2, n - 2)),
        "pass_rate": [0.75] * n,
        "mean_score": [81.5] * n,
        "veto": [True, False] * (n // 2) + [True] * (n % 2),
        "missing_projects": [["ZJ-1", "ZJ-2"]] * n,
        "status": ["overdue"] * n,
    })


FILTERS = Filters(period="2025-Q1", region="330100", service_type="档案整理", today=dt.date(2025, 4, 1))


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_has_bom_header_block_and_chinese(frame, tmp_path):
    path = tmp_path / "整改.csv"
    assert export_grid(frame, path, filters=FILTERS, title="整改明细", data_as_of=dt.date(2025, 3, 31)) == "csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = read_csv(path)
    assert rows[0] == ["标题", "整改明细"]
    block = "\n".join(",".join(r) for r in rows[:7])
    assert "期间：2025年第1季度" in block and "杭州市（330100）" in block and "服务类型：档案整理" in block
    assert "2025-03-31" in block and "2025-04-01" in block
    header = rows.index(["机关名称", "期限", "报告时间", "逾期天数", "合格率", "平均得分", "一票否决项", "缺报项目", "状态"])
    data = rows[header + 1:]
    assert len(data) == frame.height
    assert data[-1][0] == "杭州市档案馆"
    assert data[-1][1] == "2025-03-08" and data[0][2] == "2025-03-01 08:30:00"
    assert data[0][3] == "-2"            # a number from a numeric column stays a number
    assert data[0][6] == "是" and data[0][7] == "ZJ-1、ZJ-2" and data[0][8] == "逾期"


def test_csv_neutralises_formula_triggers(frame, tmp_path):
    path = tmp_path / "grid.csv"
    export_grid(frame, path, filters={"期间": "2025"}, title="=cmd|' /C calc'!A0")
    rows = read_csv(path)
    assert rows[0][1] == "'=cmd|' /C calc'!A0"   # user-derived title too
    start = next(i for i, r in enumerate(rows) if r and r[0] == "机关名称") + 1
    names = [r[0] for r in rows[start:]]
    assert names[:len(ATTACKS)] == ["'" + a for a in ATTACKS]
    for cell in (c for r in rows for c in r):
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), repr(cell)
        assert not cell.startswith("-") or cell.lstrip("-").isdigit(), repr(cell)
    assert csv_cell(-2) == "-2" and csv_cell("-2") == "'-2" and csv_cell(None) == ""


def test_xlsx_header_block_types_and_no_formulas(frame, tmp_path):
    path = tmp_path / "整改.xlsx"
    export_grid(frame, path, filters=FILTERS, title="整改明细", data_as_of="2025-03-31")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.title == "整改明细"
    assert ws["A1"].value == "整改明细"
    assert "筛选条件：期间：2025年第1季度；地区：杭州市（330100）；服务类型：档案整理" in ws["A2"].value
    assert any("数据截至：2025-03-31" in str(ws.cell(r, 1).value) for r in range(1, 6))
    h = int(ws.freeze_panes[1:]) - 1
    assert [c.value for c in ws[h]][:3] == ["机关名称", "期限", "报告时间"]
    assert ws.auto_filter.ref
    first = h + 1
    assert isinstance(ws.cell(first, 2).value, dt.datetime) and ws.cell(first, 2).number_format == "yyyy-mm-dd"
    assert ws.cell(first, 3).number_format == "yyyy-mm-dd hh:mm"
    assert ws.cell(first, 4).value == -2 and ws.cell(first, 4).number_format == "#,##0"
    assert ws.cell(first, 5).value == 0.75 and ws.cell(first, 5).number_format == "0.0%"
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"formula in {cell.coordinate}: {cell.value!r}"
    # xlsx stores a carriage return as _x000D_ (Excel shows it as the character; openpyxl leaves it escaped)
    names = [ws.cell(r, 1).value.replace("_x000D_", "\r") for r in range(first, first + len(ATTACKS))]
    assert names == ["'" + a for a in ATTACKS]
    assert ws.cell(first + len(ATTACKS), 1).value == "杭州市档案馆"


def test_visible_columns_only_in_their_order_and_bytes(frame):
    data = grid_bytes(frame, "xlsx", filters={}, title="机关", columns_zh={"status": "状态", "organ_name": "名称"})
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    h = int(ws.freeze_panes[1:]) - 1
    assert [c.value for c in ws[h]] == ["状态", "名称"]
    assert "筛选条件：无（全部数据）" in ws["A2"].value
    assert grid_bytes(frame, "csv", filters={}, title="机关").startswith(b"\xef\xbb\xbf")
    with pytest.raises(KeyError):
        grid_bytes(frame, "csv", filters={}, title="机关", columns_zh={"nope": "无"})
    with pytest.raises(ValueError):
        export_grid(frame, "x.pdf", filters={}, title="机关")


# -- the language of the page ------------------------------------------------------------------------

GRADES = pl.DataFrame({
    "organ_name": ["杭州市档案馆", "宁波市档案馆"],
    "grade": ["优秀", "不合格"],
    "severity": ["一般", None],
    "status": ["overdue", "closed"],
    "veto": [True, False],
    "inspected_on": [dt.date(2025, 3, 1), dt.date(2025, 3, 2)],
})
# The filters as a page's export describes them: the URL's in Chinese (describe_filters), the
# page's own and the exporter's in the page's language (components/export_button.py).
EN_PAGE_FILTERS = {"期间": "2025年第1季度", "地区": "杭州市（330100）", "服务类型": "档案整理", "风险等级": "D级（高）",
                   "统计日": "2025-04-01", "Vendor": "91330100MA0000000X", "Scope": "浙江省", "Exported by": "admin"}
EN_COLUMNS = {"organ_name": "Organ", "grade": "Grade", "severity": "Severity", "status": "Status", "veto": "Veto",
              "inspected_on": "Inspected on"}
ZH_COLUMNS = {"organ_name": "机关名称", "grade": "等级", "severity": "事件等级", "status": "状态", "veto": "一票否决项",
              "inspected_on": "检查日期"}
CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09\uff1a\uff1b]")   # Chinese characters and full-width （）：；


def _block_and_rows(data: bytes) -> tuple[list[str], list[list]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    h = int(ws.freeze_panes[1:]) - 1
    block = [ws.cell(r, 1).value for r in range(2, h) if ws.cell(r, 1).value]
    return block, [[c.value for c in row] for row in ws.iter_rows(min_row=h)]


def test_english_export_has_an_english_header_block_and_values():
    data = grid_bytes(GRADES, "xlsx", filters=EN_PAGE_FILTERS, title="Inspections", columns_zh=EN_COLUMNS,
                      data_as_of="2025-03-31", lang="en")
    block, rows = _block_and_rows(data)
    assert block[0] == ("Filters: Period: Q1 2025; Region: 杭州市 (330100); Service type: Arrangement; Tier: D high; "
                        "Vendor: 91330100MA0000000X; Scope: 浙江省; Exported by: admin")
    assert block[1] == "Status date (overdue and due are counted to this day): 2025-04-01"
    assert block[2].startswith("Data as of: 2025-03-31; exported: ")
    assert block[3] == "2 rows"
    for line in block:   # only the names of places are Chinese
        assert not CJK.search(line.replace("杭州市", "").replace("浙江省", "")), line
    assert rows[0] == list(EN_COLUMNS.values())
    assert rows[1][:5] == ["杭州市档案馆", "Excellent", "Ordinary", "Overdue", "Yes"]
    assert rows[2][:5] == ["宁波市档案馆", "Fail", None, "Closed", "No"]
    assert isinstance(rows[1][5], dt.datetime)

    text = grid_bytes(GRADES, "csv", filters=EN_PAGE_FILTERS, title="Inspections", columns_zh=EN_COLUMNS,
                      lang="en").decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(text)))
    assert csv_rows[0] == ["Title", "Inspections"]
    assert csv_rows[1][0] == "Filters" and csv_rows[1][1].startswith("Period: Q1 2025; Region: 杭州市 (330100)")
    assert csv_rows[2] == ["Status date", "2025-04-01"] and csv_rows[3] == ["Data as of", "unknown"]
    assert csv_rows[5] == ["Rows", "2"]
    assert csv_rows[8][:5] == ["杭州市档案馆", "Excellent", "Ordinary", "Overdue", "Yes"]


def test_english_export_of_a_query_layer_filters():
    data = grid_bytes(GRADES, "xlsx", filters=FILTERS, title="Inspections", lang="en")
    block, rows = _block_and_rows(data)
    assert block[0] == "Filters: Period: Q1 2025; Region: 杭州市 (330100); Service type: Arrangement"
    assert rows[0][:3] == ["Organ name", "Grade", "Severity"]   # no page headers: the column's name
    empty = grid_bytes(GRADES.head(1), "xlsx", filters={}, title="Inspections", lang="en")
    assert _block_and_rows(empty)[0][0] == "Filters: none (all data)" and _block_and_rows(empty)[0][2] == "1 row"


def test_chinese_export_is_unchanged():
    for lang in ("zh", None):
        data = grid_bytes(GRADES, "xlsx", filters={**{k: v for k, v in EN_PAGE_FILTERS.items() if CJK.search(k)},
                                                   "权限范围": "浙江省", "导出人": "admin"},
                          title="检查明细", columns_zh=ZH_COLUMNS, data_as_of="2025-03-31", lang=lang)
        block, rows = _block_and_rows(data)
        assert block[0] == ("筛选条件：期间：2025年第1季度；地区：杭州市（330100）；服务类型：档案整理；风险等级：D级（高）；"
                            "权限范围：浙江省；导出人：admin")
        assert block[1] == "统计日（逾期、到期按此日计算）：2025-04-01"
        assert block[2].startswith("数据截至：2025-03-31；导出时间：")
        assert block[3] == "共 2 行"
        assert rows[0] == list(ZH_COLUMNS.values())
        assert rows[1][:5] == ["杭州市档案馆", "优秀", "一般", "逾期", "是"]
    # without a language, an export is Chinese whatever its title and headers
    assert _block_and_rows(grid_bytes(GRADES, "xlsx", filters={}, title="KPI", columns_zh=EN_COLUMNS))[0][-1] == "共 2 行"


def test_shares_and_rates_are_percentages_in_xlsx():
    frame = pl.DataFrame({"region_name": ["杭州市"], "rect_overdue": [3], "overdue_share": [0.25], "pass_rate": [0.8],
                          "mean_score": [81.5], "share_with_failure_change": [4.5]})
    ws = openpyxl.load_workbook(io.BytesIO(grid_bytes(frame, "xlsx", filters={}, title="地区对比", columns_zh={
        "region_name": "地区", "rect_overdue": "逾期整改", "overdue_share": "逾期占比", "pass_rate": "合格率",
        "mean_score": "平均得分", "share_with_failure_change": "占比变化（百分点）"}))).active
    h = int(ws.freeze_panes[1:]) - 1
    cells = {ws.cell(h, c).value: ws.cell(h + 1, c) for c in range(1, ws.max_column + 1)}
    assert cells["逾期占比"].value == 0.25 and cells["逾期占比"].number_format == "0.0%"
    assert cells["合格率"].number_format == "0.0%"
    assert cells["逾期整改"].number_format == "#,##0"
    assert cells["平均得分"].number_format == "#,##0.00"
    assert cells["占比变化（百分点）"].number_format == "#,##0.00"   # percentage points, not a fraction
