"""Export the rows a grid shows, as .xlsx or as CSV (UTF-8 with BOM), with the filters written on it.

Every page's export button calls `export_grid` with the rows the user sees (after the page's
filters, the grid's own filter and sort) and the visible columns:

    from etl.export.grid_export import export_grid, grid_bytes
    export_grid(frame, "整改.xlsx", filters=f, title="整改明细", columns_zh={"organ_name": "机关名称", …},
                data_as_of="2026-03-15")
    # in a Dash callback: dcc.send_bytes(lambda buf: export_grid(frame, buf, fmt="csv", …), "整改.csv")

Both formats start with a header block: the title, the filters used ("筛选条件：…"), the day
statuses are computed for, when the data was last loaded and when the file was written; then the
header row (Chinese) and the rows.

An English page's export (`lang="en"`) is English throughout: the header block ("Filters: …",
"Status date …", "12 rows"; the filters described in Chinese are translated, labels.filters_en) and
the values the English grids translate (grades, severities, statuses… labels.display_value).
Chinese exports are as they always were. In xlsx the header row is frozen and filterable, dates are Excel
dates, numbers are numbers with formats, rates are percentages. Every text cell in both formats is
neutralised against formula injection (etl/excel_safety.py).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import IO, Any, Mapping

import polars as pl
import xlsxwriter

from etl.excel_safety import CSV_ENCODING, SAFE_WORKBOOK_OPTIONS, csv_cell
from etl.export import labels
from etl.export.xlsx import Styles, write_header_block, write_table

FORMATS = ("xlsx", "csv")
XLSX_MAX_ROWS = 1_048_576 - 20   # Excel's sheet limit, less the header block


def export_grid(frame: pl.DataFrame, path: str | Path | IO[bytes], *, filters: Any, title: str,
                columns_zh: Mapping[str, str] | None = None, data_as_of: Any = None, fmt: str | None = None,
                sheet_name: str | None = None, lang: str = "zh") -> str:
    """Write `frame` to `path` (.xlsx or .csv, or a binary file object with `fmt`); return the format.

    filters     a queries.Filters, or a dict of Chinese label → value as shown on the page
    title       what the grid is (工作表标题 / first line)
    columns_zh  {column: 中文表头}: the columns exported, in this order (the grid's visible columns);
                None exports every column with the standard headers (labels.COLUMN_ZH)
    data_as_of  when the data was last loaded (date or text), shown in the header block
    lang        the page's language, zh (default) or en
    """
    fmt = _format(path, fmt)
    if columns_zh:
        missing = [c for c in columns_zh if c not in frame.columns]
        if missing:
            raise KeyError(f"columns not in the frame: {missing}")
        frame = frame.select(list(columns_zh))
    if fmt == "xlsx" and frame.height > XLSX_MAX_ROWS:
        raise ValueError(f"{frame.height} 行超过 Excel 工作表的行数上限，请导出 CSV")
    lang = labels.norm_lang(lang)
    described = labels.describe_filters(filters, lang)
    as_of = _as_of_text(data_as_of)
    if fmt == "csv":
        _write_csv(frame, path, filters=described, title=title, columns_zh=columns_zh, data_as_of=as_of, lang=lang)
    else:
        _write_xlsx(frame, path, filters=described, title=title, columns_zh=columns_zh, data_as_of=as_of,
                    sheet_name=sheet_name, lang=lang)
    return fmt


def grid_bytes(frame: pl.DataFrame, fmt: str = "xlsx", **kwargs) -> bytes:
    """The file `export_grid` would write, as bytes (for dcc.send_bytes / a download response)."""
    buffer = io.BytesIO()
    export_grid(frame, buffer, fmt=fmt, **kwargs)
    return buffer.getvalue()


def _format(path, fmt: str | None) -> str:
    if fmt is None:
        if not isinstance(path, (str, Path)):
            raise ValueError("fmt is needed when writing to a file object")
        fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"export format is xlsx or csv, not {fmt!r}")
    return fmt


def _as_of_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _rows_line(n: int, lang: str) -> str:
    if lang == "en":
        return f"{n:,} row" + ("" if n == 1 else "s")
    return f"共 {n} 行"


def _write_xlsx(frame, path, *, filters, title, columns_zh, data_as_of, sheet_name, lang) -> None:
    target = str(path) if isinstance(path, (str, Path)) else path
    options = {**SAFE_WORKBOOK_OPTIONS, **({} if isinstance(target, str) else {"in_memory": True})}
    workbook = xlsxwriter.Workbook(target, options)
    try:
        styles = Styles(workbook)
        ws = workbook.add_worksheet(_sheet_name(sheet_name or title))
        start = write_header_block(ws, styles, title=title, filters=filters, data_as_of=data_as_of,
                                   extra=[_rows_line(frame.height, lang)], lang=lang)
        write_table(ws, styles, frame, start_row=start, columns_zh=columns_zh, lang=lang)
    finally:
        workbook.close()


def _write_csv(frame, path, *, filters, title, columns_zh, data_as_of, lang) -> None:
    exported_at = dt.datetime.now().replace(microsecond=0)
    if lang == "en":
        head = [["Title", title],
                ["Filters", labels.filters_line(filters, lang).removeprefix("Filters: ")],
                ["Status date", labels.status_day(filters, lang) or ""],
                ["Data as of", data_as_of or "unknown"],
                ["Exported at", exported_at.strftime("%Y-%m-%d %H:%M")],
                ["Rows", frame.height],
                []]
    else:
        head = [["标题", title],
                ["筛选条件", labels.filters_line(filters).removeprefix("筛选条件：")],
                ["统计日", filters.get("统计日", "")],
                ["数据截至", data_as_of or "未知"],
                ["导出时间", exported_at.strftime("%Y-%m-%d %H:%M")],
                ["行数", frame.height],
                []]
    kinds = {c: labels.kind_of(c, frame.schema[c]) for c in frame.columns}
    rows = [*head, [labels.header(c, columns_zh, lang) for c in frame.columns]]
    rows += [[_csv_value(c, kinds[c], v, lang) for c, v in zip(frame.columns, row)] for row in frame.iter_rows()]
    text = io.StringIO()
    import csv
    writer = csv.writer(text, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    data = text.getvalue().encode(CSV_ENCODING)
    if isinstance(path, (str, Path)):
        Path(path).write_bytes(data)
    else:
        path.write(data)


def _csv_value(column: str, kind: str, value: Any, lang: str = "zh") -> Any:
    if value is None:
        return None
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if kind in ("int", "float", "rate"):
        return value if isinstance(value, (int, float)) else float(value)
    return labels.display_value(column, value, lang)


_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_name(text: str) -> str:
    name = text.translate(_SHEET_FORBIDDEN).strip("'") or "数据"
    return name[:31]
