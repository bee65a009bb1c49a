"""Sheets laid out as organs make them, and written as .xlsx (xlsxwriter), .xls (xlwt) or CSV.

`layout()` turns rows into a grid: title rows, the header, data rows with blank rows between them, a
合计 row and notes below. It also returns the row number (1-based, as Excel shows it, title rows
included) of every data row, which the manifest uses to say where each fault is.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from etl.sample.model import Row
from etl.sample.render import Cell, Style, cell, header, number_text
from schemas.kinds import BY_NAME

XLS_MAX_ROWS = 60_000  # data rows per legacy sheet, well under its 65,536-row limit


@dataclass
class Sheet:
    kind: str
    rows: list[Row]
    name: str | None = None  # sheet name; None for CSV
    style: Style = field(default_factory=Style)


@dataclass
class Grid:
    cells: list[list[Cell]]
    width: int
    merged_title_rows: int
    header_row: int  # 0-based
    data_rows: list[int]  # 1-based row number of each data row, in the order of Sheet.rows


def layout(sheet: Sheet, rng: random.Random, excel: bool) -> Grid:
    kind, style = BY_NAME[sheet.kind], sheet.style
    columns = [c for c in kind.columns if c.name not in style.drop]
    if style.shuffle:
        rng.shuffle(columns)
    width = len(columns)
    grid: list[list[Cell]] = [[("s", t)] + [None] * (width - 1) for t in style.title]
    header_row = len(grid)
    grid.append([("s", header(c, style, rng, excel)) for c in columns])
    data_rows = []
    for i, row in enumerate(sheet.rows):
        if style.blank_every and i and i % style.blank_every == 0:
            grid.append([None] * width)
        grid.append([cell(c, row.values.get(c.name), style, rng, excel) for c in columns])
        data_rows.append(len(grid))
    if style.totals:
        totals: list[Cell] = [("s", "合计")] + [None] * (width - 1)
        for j, c in enumerate(columns):
            if c.name in style.totals:
                values = [r.values.get(c.name) for r in sheet.rows]
                total = round(sum(v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)), 2)
                totals[j] = ("n", total) if excel else ("s", number_text(total))
        grid.append(totals)
    grid.extend([("s", note)] + [None] * (width - 1) for note in style.notes)
    return Grid(grid, width, min(1, len(style.title)), header_row, data_rows)


def _text(c: Cell) -> str:
    if c is None:
        return ""
    kind, value = c
    if kind == "n":
        return number_text(value)
    return str(value)


def write_csv(path: Path, sheet: Sheet, rng: random.Random, encoding: str, delimiter: str = ",") -> Grid:
    grid = layout(sheet, rng, excel=False)
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        for line in grid.cells:
            writer.writerow([_text(c) for c in line])
    return grid


def write_xlsx(path: Path, sheets: list[Sheet], rng: random.Random, created: date) -> list[Grid]:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"created": datetime.combine(created, time(9, 0)), "author": "档案服务外包监管"})
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "header": wb.add_format({"bold": True, "text_wrap": True, "border": 1, "align": "center",
                                 "valign": "vcenter", "bg_color": "#DDEBF7"}),
        "d": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "dt": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    grids = []
    for sheet in sheets:
        grid = layout(sheet, rng, excel=True)
        ws = wb.add_worksheet(sheet.name)
        for r, line in enumerate(grid.cells):
            if r < grid.merged_title_rows and grid.width > 1:
                ws.merge_range(r, 0, r, grid.width - 1, line[0][1], fmt["title"])
                continue
            style = fmt["header"] if r == grid.header_row else None
            for c, value in enumerate(line):
                if value is None:
                    continue
                kind, v = value
                if kind == "s":
                    ws.write_string(r, c, v, style)
                elif kind == "n":
                    ws.write_number(r, c, v, style)
                else:
                    ws.write_datetime(r, c, v if isinstance(v, datetime) else datetime.combine(v, time()), fmt[kind])
        ws.set_column(0, grid.width - 1, 16)
        if grid.header_row:
            ws.set_row(grid.header_row, 32)
        grids.append(grid)
    wb.close()
    return grids


def write_xls(path: Path, sheets: list[Sheet], rng: random.Random) -> list[Grid]:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    title = xlwt.easyxf("font: bold on, height 280; align: horiz center")
    head = xlwt.easyxf("font: bold on; align: wrap on, horiz center; "
                       "borders: left thin, right thin, top thin, bottom thin")
    formats = {"d": xlwt.easyxf(num_format_str="YYYY-MM-DD"), "dt": xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")}
    grids = []
    for sheet in sheets:
        assert len(sheet.rows) <= XLS_MAX_ROWS, "split legacy sheets before writing"
        grid = layout(sheet, rng, excel=True)
        ws = wb.add_sheet(sheet.name)
        for r, line in enumerate(grid.cells):
            if r < grid.merged_title_rows and grid.width > 1:
                ws.write_merge(r, r, 0, grid.width - 1, line[0][1], title)
                continue
            for c, value in enumerate(line):
                if value is None:
                    continue
                kind, v = value
                if kind in formats:
                    ws.write(r, c, v if isinstance(v, datetime) else datetime.combine(v, time()), formats[kind])
                elif r == grid.header_row:
                    ws.write(r, c, v, head)
                else:
                    ws.write(r, c, v)
        for c in range(grid.width):
            ws.col(c).width = 16 * 256
        grids.append(grid)
    wb.save(str(path))
    return grids


def split(rows: list[Row], size: int = XLS_MAX_ROWS) -> list[list[Row]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)] or [[]]
