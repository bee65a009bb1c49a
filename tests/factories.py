"""Builders of real submission files for tests: .xlsx, .xls and CSV in the encodings organs use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterable

import xlsxwriter
import xlwt

from schemas.identifiers import make_uscc

Rows = Iterable[Iterable[Any]]


def organ_code(n: int, region: str = "330000") -> str:
    return make_uscc("11", region, f"{n:08d}")


def vendor_code(n: int, region: str = "330100", prefix: str = "91") -> str:
    return make_uscc(prefix, region, f"MA{n:06d}")


def write_xlsx(path: Path, sheets: dict[str, tuple[list[Any], Rows]], *, title: str | None = None,
               notes: list[str] = ()) -> Path:
    """One sheet per entry: optional merged title row, the header row, data rows, note rows."""
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, (headers, rows) in sheets.items():
        ws = wb.add_worksheet(name)
        r = 0
        if title:
            ws.merge_range(0, 0, 0, max(len(headers) - 1, 1), title)
            r = 1
        ws.write_row(r, 0, headers)
        for row in rows:
            r += 1
            for c, value in enumerate(row):
                if isinstance(value, (dt.date, dt.datetime)):
                    ws.write_datetime(r, c, value if isinstance(value, dt.datetime)
                                      else dt.datetime.combine(value, dt.time()), date_fmt)
                elif value is None:
                    continue
                else:
                    ws.write(r, c, value)
        for note in notes:
            r += 1
            ws.write(r, 0, note)
    wb.close()
    return path


def write_xls(path: Path, sheets: dict[str, tuple[list[Any], Rows]]) -> Path:
    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for name, (headers, rows) in sheets.items():
        ws = wb.add_sheet(name)
        for c, h in enumerate(headers):
            ws.write(0, c, h)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    ws.write(r, c, dt.datetime.combine(value, dt.time()) if not isinstance(value, dt.datetime)
                             else value, date_style)
                elif value is not None:
                    ws.write(r, c, value)
    wb.save(str(path))
    return path


def write_csv(path: Path, headers: list[str], rows: Rows, *, encoding: str = "utf-8-sig", sep: str = ",",
              before: list[str] = (), after: list[str] = ()) -> Path:
    def cell(v: Any) -> str:
        text = "" if v is None else str(v)
        return f'"{text}"' if sep in text or '"' in text else text
    lines = list(before) + [sep.join(headers)] + [sep.join(cell(v) for v in row) for row in rows] + list(after)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


ORGAN_HEADERS = ["*统一社会信用代码", "*机关名称", "*行政区划代码", "*机关层级", "机关类别"]
VENDOR_HEADERS = ["*统一社会信用代码", "*机构名称", "注册地行政区划代码", "成立日期"]
PROJECT_HEADERS = ["*项目编号", "*机关统一社会信用代码", "*服务机构统一社会信用代码", "*服务类型", "*合同签订日期",
                   "*开始日期", "*计划完成日期", "*作业场所", "*是否涉密", "*是否签订保密协议"]
INSPECTION_HEADERS = ["*检查编号", "*检查日期", "*被检查机关代码", "项目编号", "*检查方式", "*检查人员", "得分"]
ITEM_HEADERS = ["*检查编号", "*检查项代码", "*检查结果", "问题描述"]


def organ_row(n: int, region: str = "330102", name: str | None = None) -> list[Any]:
    return [organ_code(n), name or f"测试机关{n}", region, "县级", "政府"]


def vendor_row(n: int, prefix: str = "91") -> list[Any]:
    return [vendor_code(n, prefix=prefix), f"测试档案服务有限公司{n}", "330106", "2015-06-01"]


def project_row(code: str, organ: int, vendor_no: int, **over: Any) -> list[Any]:
    row = {"code": code, "organ": organ_code(organ), "vendor": vendor_code(vendor_no), "service": "传统载体档案数字化",
           "signed": "2025-02-20", "start": "2025-03-01", "end": "2025-09-30", "site": "机关内部",
           "classified": "否", "agreement": "是"}
    row.update(over)
    return list(row.values())


def merged_projects_xlsx(path: Path) -> Path:
    """Projects laid out as registers often are: the table from B2 under a blank row, one organ's code
    merged down over its three projects (C3:C5), a fourth project whose organ cell is left empty."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("外包项目")
    ws.write_row(1, 1, PROJECT_HEADERS)
    for r, code in enumerate(("P1", "P2", "P3"), start=2):
        ws.write_row(r, 1, project_row(code, 1, 1))
    ws.merge_range(2, 2, 4, 2, organ_code(1))
    unmerged = project_row("P4", 1, 1)
    unmerged[1] = None
    ws.write_row(5, 1, unmerged)
    wb.close()
    return path
