"""Writing polars frames into xlsxwriter worksheets: the header block, typed cells, formats, widths.

Shared by the grid export (one sheet) and the annual workbook (many). Every cell is written with
the typed method for its column (write_datetime, write_number, write_string) — never xlsxwriter's
guessing `write` — and every text cell goes through `etl.excel_safety.neutralise`, so nothing a
user typed can become a formula. Dates are real Excel dates with a date format, numbers are numbers
with a number format, rates are fractions shown as percentages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import polars as pl

from etl.excel_safety import write_user_text
from etl.export import labels

FONT = "微软雅黑"
MAX_WIDTH = 60
MIN_WIDTH = 6
WIDTH_SAMPLE = 2000  # rows looked at to size a column


class Styles:
    """The formats of one workbook (xlsxwriter formats belong to a workbook)."""

    def __init__(self, workbook):
        base = {"font_name": FONT, "font_size": 10}
        self.wb = workbook
        self.title = workbook.add_format({**base, "bold": True, "font_size": 14})
        self.note = workbook.add_format({**base, "font_color": "#555555"})
        self.header = workbook.add_format({**base, "bold": True, "bg_color": "#DDE7F3", "border": 1,
                                           "text_wrap": True, "valign": "vcenter", "align": "center"})
        self.text = workbook.add_format({**base})
        self.wrap = workbook.add_format({**base, "text_wrap": True, "valign": "top"})
        self.bold = workbook.add_format({**base, "bold": True})
        self.section = workbook.add_format({**base, "bold": True, "font_size": 12, "font_color": "#1F4E79"})
        self.by_kind = {kind: workbook.add_format({**base, "num_format": fmt})
                        for kind, fmt in labels.NUMBER_FORMATS.items()}
        self.by_kind["bool"] = self.text
        self.total = {kind: workbook.add_format({**base, "bold": True, "top": 1, "num_format": fmt})
                      for kind, fmt in labels.NUMBER_FORMATS.items()}
        self.by_kind["list"] = self.text


@dataclass
class TableLayout:
    """Where a table landed: header row, first and last data rows (0-based), columns by name."""
    header_row: int
    first_row: int
    last_row: int
    columns: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1


def write_header_block(ws, styles: Styles, *, title: str, filters: Mapping[str, str],
                       data_as_of: str | None, exported_at: dt.datetime | None = None,
                       extra: Sequence[str] = (), lang: str = "zh") -> int:
    """Title, filters, data as of and export time in the first rows; returns the next free row.

    lang="en": the lines in English (`filters` as labels.describe_filters(…, "en") gives them)."""
    exported_at = exported_at or dt.datetime.now().replace(microsecond=0)
    write_user_text(ws, 0, 0, title, styles.title)
    lines = [labels.filters_line(filters, lang)]
    day = labels.status_day(filters, lang)
    if lang == "en":
        if day is not None:
            lines.append(f"Status date (overdue and due are counted to this day): {day}")
        lines.append(f"Data as of: {data_as_of or 'unknown'}; exported: {exported_at:%Y-%m-%d %H:%M}")
    else:
        if day is not None:
            lines.append(f"统计日（逾期、到期按此日计算）：{day}")
        lines.append(f"数据截至：{data_as_of or '未知'}；导出时间：{exported_at:%Y-%m-%d %H:%M}")
    lines.extend(extra)
    for i, line in enumerate(lines, start=1):
        write_user_text(ws, i, 0, line, styles.note)
    return len(lines) + 2


def write_table(ws, styles: Styles, frame: pl.DataFrame, *, start_row: int = 0, start_col: int = 0,
                columns_zh: Mapping[str, str] | None = None, freeze: bool = True, autofilter: bool = True,
                widths: dict[str, float] | None = None, lang: str = "zh") -> TableLayout:
    """Write `frame` with a header row at `start_row`; freeze the rows above the data and the header.

    `columns_zh` overrides headers (labels.COLUMN_ZH otherwise); lang="en" shows text values in
    English where the English pages do (labels.display_value)."""
    cols = frame.columns
    kinds = {c: labels.kind_of(c, frame.schema[c]) for c in cols}
    layout = TableLayout(start_row, start_row + 1, start_row + frame.height,
                         {c: start_col + i for i, c in enumerate(cols)}, kinds)
    headers = [labels.header(c, columns_zh, lang) for c in cols]
    for i, h in enumerate(headers):
        write_user_text(ws, start_row, start_col + i, h, styles.header)
    col_width = {c: labels.display_width(h) / 1.6 + 2 for c, h in zip(cols, headers)}  # headers wrap
    for r, row in enumerate(frame.iter_rows(), start=start_row + 1):
        for i, (c, value) in enumerate(zip(cols, row)):
            width = write_cell(ws, styles, r, start_col + i, c, kinds[c], value, lang)
            if r - start_row <= WIDTH_SAMPLE and width > col_width[c]:
                col_width[c] = width
    for c in cols:
        width = (widths or {}).get(c) or min(max(col_width[c] + 1, MIN_WIDTH), MAX_WIDTH)
        ws.set_column(layout.columns[c], layout.columns[c], width,
                      styles.wrap if width >= MAX_WIDTH else None)
    ws.set_row(start_row, 30)
    if freeze:
        ws.freeze_panes(start_row + 1, 0)
    if autofilter and frame.width:
        ws.autofilter(start_row, start_col, max(start_row + frame.height, start_row), start_col + frame.width - 1)
    return layout


def write_cell(ws, styles: Styles, row: int, col: int, column: str, kind: str, value: Any,
               lang: str = "zh") -> float:
    """Write one value by its column's kind; return its display width."""
    if value is None:
        return 0
    if kind == "date":
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), styles.by_kind["date"])
        return 10
    if kind == "datetime":
        ws.write_datetime(row, col, value.replace(tzinfo=None), styles.by_kind["datetime"])
        return 16
    if kind in ("int", "float", "rate"):
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            return 0
        ws.write_number(row, col, number, styles.by_kind[kind])
        return len(f"{number:,.2f}") if kind == "float" else len(f"{number:,.0f}") + (3 if kind == "rate" else 0)
    text = labels.display_value(column, value, lang)
    if not isinstance(text, str):
        text = str(text)
    write_user_text(ws, row, col, text, styles.text)
    return labels.display_width(text)


def write_total_row(ws, styles: Styles, layout: TableLayout, values: Mapping[str, Any], label: str = "合计") -> None:
    """A bold 合计 row just below the table (outside its filter range and its charts' ranges)."""
    row = layout.last_row + 1
    cols = sorted(layout.columns, key=layout.columns.get)
    for c in cols:
        kind = layout.kinds[c]
        value = values.get(c)
        if c == cols[0]:
            write_user_text(ws, row, layout.columns[c], label, styles.total["text"])
        elif value is not None and kind in ("int", "float", "rate"):
            ws.write_number(row, layout.columns[c], float(value), styles.total[kind])
        else:
            ws.write_blank(row, layout.columns[c], None, styles.total["text"])
