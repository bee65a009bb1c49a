"""The row-level error report (问题报告) an organ fixes its file from (`oversight validate --report`).

`write_error_report(issues, path, files=...)` writes two sheets:

* ``汇总`` — totals, then one line per file and sheet (rows read / loaded / rejected / warned and
  status when `files` is given, and the number of errors and warnings found), then one line per
  rule code with its Chinese name;
* ``问题明细`` — one row per problem, sorted by file, sheet and row (file-level problems first):
  文件, 工作表, 行号, 列, 填报值, 规则代码, 问题类型, 说明, and then the original row's cells, one
  column per original header (the union of the headers of all rows reported, merged so that each
  row's headers keep the order of its file: a clerk filtering on one sheet sees that sheet's
  columns left to right in the order of the submitted file, even when the first row reported has
  empty cells). Errors are shaded red, warnings yellow, and the offending original cell is
  highlighted. Header frozen, autofilter on.

文件 is the file as the organ knows it, never a directory of the server: its path relative to the
folder it was found in (`roots`, the paths given to `oversight validate`), or its name when it was
named itself; without `roots`, the path relative to the folder all the reported files share.

One detail sheet rather than one per source sheet: a clerk filters and sorts one list, and the
counts of 汇总 refer to one place. Every string that comes from a submitted file goes through
`etl.excel_safety.neutralise` and `write_string`; nothing is ever written as a formula.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import polars as pl
import xlsxwriter

from etl.excel_safety import SAFE_WORKBOOK_OPTIONS, neutralise, write_user_text
from schemas.headers import fold_header
from schemas.rules import RULE_NAMES_ZH, STATUS_ZH

SUMMARY_SHEET = "汇总"
DETAIL_SHEET = "问题明细"
DETAIL_HEADERS = ("文件", "工作表", "行号", "列", "填报值", "规则代码", "问题类型", "说明")
SEVERITY_ZH = {"error": "错误", "warning": "警告"}
ISSUE_COLUMNS = {
    "source_file": pl.String, "sheet": pl.String, "source_row": pl.Int64, "column": pl.String,
    "value": pl.String, "rule": pl.String, "severity": pl.String, "message": pl.String,
    "row_values": pl.String,
}
RAW_ROW_HEADER = "原始行内容"  # used when row_values is not a JSON object
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
_UNIT = re.compile(r"\([^()]*\)$")


def _width(text: str | None) -> int:
    if not text:
        return 0
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _header_key(text: str) -> str:
    """Folded header with a trailing unit in brackets removed (合同金额（万元） = 合同金额)."""
    return _UNIT.sub("", fold_header(text))


def _prepare(issues: pl.DataFrame) -> pl.DataFrame:
    if "column" not in issues.columns and "column_zh" in issues.columns:  # the loader's issue frame
        issues = issues.with_columns(column=pl.col("column_zh"))
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in ISSUE_COLUMNS.items()
               if name not in issues.columns]
    frame = issues.with_columns(missing) if missing else issues
    frame = frame.select([pl.col(n).cast(t, strict=False) for n, t in ISSUE_COLUMNS.items()])
    rank = pl.when(pl.col("severity") == "error").then(0).otherwise(1)
    return (frame.with_columns(_rank=rank)
            .sort(["source_file", "sheet", "source_row", "_rank", "column", "rule"], nulls_last=False,
                  maintain_order=True)
            .drop("_rank"))


def _parse_row(text: str | None) -> dict[str, str]:
    if text is None or text == "":
        return {}
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        return {RAW_ROW_HEADER: text}
    if not isinstance(data, dict):
        return {RAW_ROW_HEADER: text}
    out: dict[str, str] = {}
    for key, value in data.items():
        key = "（空表头）" if key is None or str(key).strip() == "" else str(key)
        out[key] = "" if value is None else str(value)
    return out


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": "宋体", "font_size": 11, "valign": "top"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 16})
        self.section = wb.add_format({**base, "bold": True, "font_size": 12})
        self.plain = wb.add_format(base)
        self.head = wb.add_format({**base, "bold": True, "border": 1, "bg_color": "#D9D9D9",
                                   "text_wrap": True, "valign": "vcenter"})
        self.head_orig = wb.add_format({**base, "bold": True, "border": 1, "bg_color": "#DDEBF7",
                                        "text_wrap": True, "valign": "vcenter"})
        self.cell = wb.add_format({**base, "border": 1})
        self.number = wb.add_format({**base, "border": 1, "num_format": "0"})
        fills = {"error": ("#FFC7CE", "#9C0006", "#FF7C80"), "warning": ("#FFEB9C", "#7F6000", "#FFD966")}
        self.row: dict[str, dict[str, object]] = {}
        for sev, (fill, font, strong) in fills.items():
            self.row[sev] = {
                "text": wb.add_format({**base, "border": 1, "bg_color": fill, "font_color": font}),
                "wrap": wb.add_format({**base, "border": 1, "bg_color": fill, "font_color": font,
                                       "text_wrap": True}),
                "number": wb.add_format({**base, "border": 1, "bg_color": fill, "font_color": font,
                                         "num_format": "0"}),
                "hit": wb.add_format({**base, "border": 1, "bg_color": strong, "bold": True}),
            }
        self.row["other"] = self.row["warning"]


def _display_names(paths, roots=None) -> dict[str, str]:
    """Each path as the organ knows it (see the module docstring): never the server's directories."""
    paths = [str(p) for p in dict.fromkeys(paths) if p]
    absolute = {p: os.path.abspath(p) for p in paths}
    bases = [os.path.abspath(str(r)) for r in roots or ()]
    out: dict[str, str] = {}
    rest = []
    for p in paths:
        full = absolute[p]
        if full in bases:                                 # a file named itself
            out[p] = os.path.basename(full)
            continue
        under = [b for b in bases if full.startswith(b.rstrip(os.sep) + os.sep)]
        if under:                                         # found in a folder named: relative to it
            out[p] = Path(os.path.relpath(full, max(under, key=len))).as_posix()
        else:
            rest.append(p)
    if rest:
        common = os.path.commonpath([os.path.dirname(absolute[p]) for p in rest])
        for p in rest:
            out[p] = Path(os.path.relpath(absolute[p], common)).as_posix()
    return out


def _column_layout(rows: list[list[str]]) -> tuple[list[str], dict[tuple[str, ...], list[str]]]:
    """Columns for the rows' original cells: (column ids left to right, each row's column per cell).

    The rows' (folded) headers are merged so that every row keeps the order of its file. A header
    not seen before goes after the row's previous header and before its next header already placed
    (else last): a row whose first cells were empty gets its columns back in the file's order once a
    fuller row of the same sheet is seen, and another sheet's new headers go after them. A header
    keeps one column even where two sheets have it in another order (a clerk filters one 评价日期
    column, not three); only a header the row itself repeats gets a column of its own.
    """
    order: list[str] = []
    layouts: dict[tuple[str, ...], list[str]] = {}
    for seq in dict.fromkeys(tuple(r) for r in rows):
        pos, ids = -1, []
        for i, key in enumerate(seq):
            col, n = key, 1
            while col in ids:
                n += 1
                col = f"{key}\x00{n}"
            if col in order:
                pos = max(pos, order.index(col))
            else:
                after = (order.index(k) for k in seq[i + 1:] if k in order)
                pos = next((j for j in after if j > pos), len(order))
                order.insert(pos, col)
            ids.append(col)
        layouts[seq] = ids
    return order, layouts


def _file_table(frame: pl.DataFrame, files: list[dict] | None) -> list[dict]:
    """One dict per file and sheet: the `files` summaries joined with the issue counts."""
    counts = (frame.group_by(["source_file", "sheet"], maintain_order=True)
              .agg(errors=(pl.col("severity") == "error").sum(),
                   warnings=(pl.col("severity") == "warning").sum()))
    by_key = {(r["source_file"], r["sheet"]): r for r in counts.iter_rows(named=True)}
    used: set = set()
    table: list[dict] = []
    for entry in files or []:
        path, sheet = entry.get("path"), entry.get("sheet")
        matches = [k for k in by_key if k[1] == sheet and k not in used and (
            k[0] == path or (k[0] and path and os.path.basename(str(k[0])) == os.path.basename(str(path))))]
        errors = sum(by_key[k]["errors"] for k in matches)
        warnings = sum(by_key[k]["warnings"] for k in matches)
        used.update(matches)
        table.append({**entry, "errors": errors, "warnings": warnings})
    for key, row in by_key.items():
        if key not in used:
            table.append({"path": key[0], "sheet": key[1], "errors": row["errors"],
                          "warnings": row["warnings"]})
    return table


def _kind_zh(kind: str | None) -> str | None:
    if not kind:
        return kind
    try:
        from schemas.kinds import BY_NAME
        return BY_NAME[kind].zh if kind in BY_NAME else kind
    except Exception:  # pragma: no cover - a kind we do not know is shown as given
        return kind


def _write_summary(wb, fmt: _Formats, frame: pl.DataFrame, files, shown: int, names: dict[str, str]) -> None:
    ws = wb.add_worksheet(SUMMARY_SHEET)
    widths = [36, 18, 14, 10, 10, 10, 10, 10, 22, 10, 10]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    n_err = frame.filter(pl.col("severity") == "error").height
    n_warn = frame.filter(pl.col("severity") == "warning").height
    row_keys = ["source_file", "sheet", "source_row"]
    err_rows = frame.filter((pl.col("severity") == "error") & pl.col("source_row").is_not_null()) \
        .select(row_keys).unique().height
    warn_rows = frame.filter((pl.col("severity") == "warning") & pl.col("source_row").is_not_null()) \
        .select(row_keys).unique().height
    file_level = frame.filter(pl.col("source_row").is_null() & (pl.col("severity") == "error")).height
    n_copies = frame.filter(pl.col("rule") == "W_DUPLICATE_ROW").select(row_keys).unique().height

    r = 0
    ws.write_string(r, 0, "数据报送问题报告", fmt.title)
    r += 1
    ws.write_string(r, 0, "生成时间：" + dt.datetime.now().strftime("%Y-%m-%d %H:%M"), fmt.plain)
    r += 1
    if frame.height == 0:
        ws.write_string(r, 0, "未发现问题，所有行均符合报送要求。", fmt.plain)
    else:
        ws.write_string(r, 0, f"共发现错误{n_err}条（涉及{err_rows}行，这些行未导入）、警告{n_warn}条"
                        f"（涉及{warn_rows}行，不影响导入，请核实"
                        + (f"；其中{n_copies}行与前面某行完全相同，只装载一次" if n_copies else "") + "）"
                        + (f"；另有{file_level}条文件或工作表级错误（整个文件或工作表未导入）" if file_level else "")
                        + "。", fmt.plain)
    r += 1
    ws.write_string(r, 0, f"请在「{DETAIL_SHEET}」中按文件、工作表、行号逐条修改原文件后重新报送；"
                    f"「{DETAIL_SHEET}」第{len(DETAIL_HEADERS) + 1}列起为原表该行的内容，问题所在单元格已突出显示。",
                    fmt.plain)
    if shown < frame.height:
        r += 1
        ws.write_string(r, 0, f"问题条数超过Excel工作表的行数上限，「{DETAIL_SHEET}」只列出前{shown}条。",
                        fmt.plain)
    r += 2

    ws.write_string(r, 0, "一、按文件和工作表统计", fmt.section)
    r += 1
    # 读取行数 = 导入行数 + 未导入行数 + 重复行数 (an exact copy of a row above, stored once).
    heads = ("文件", "工作表", "表格类型", "读取行数", "导入行数", "未导入行数", "重复行数", "有警告行数", "状态",
             "错误数", "警告数")
    for c, h in enumerate(heads):
        ws.write_string(r, c, h, fmt.head)
    r += 1
    for entry in _file_table(frame, files):
        path = entry.get("path")
        write_user_text(ws, r, 0, names.get(str(path), path) if path is not None else None, fmt.cell)
        write_user_text(ws, r, 1, entry.get("sheet"), fmt.cell)
        write_user_text(ws, r, 2, _kind_zh(entry.get("kind")), fmt.cell)
        for c, key in ((3, "rows_read"), (4, "rows_loaded"), (5, "rows_rejected"), (6, "rows_duplicate"),
                       (7, "rows_warned")):
            value = entry.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value, fmt.number)
            else:
                write_user_text(ws, r, c, value, fmt.cell)
        status = entry.get("status")
        write_user_text(ws, r, 8, STATUS_ZH.get(status, status) if status is not None else None, fmt.cell)
        ws.write_number(r, 9, entry["errors"], fmt.number)
        ws.write_number(r, 10, entry["warnings"], fmt.number)
        r += 1
    r += 1

    ws.write_string(r, 0, "二、按问题类型统计", fmt.section)
    r += 1
    for c, h in enumerate(("规则代码", "问题名称", "问题类型", "问题数", "涉及行数")):
        ws.write_string(r, c, h, fmt.head)
    r += 1
    by_rule = (frame.with_columns(_row=pl.struct(row_keys))
               .group_by(["rule", "severity"])
               .agg(n=pl.len(), rows=pl.col("_row").filter(pl.col("source_row").is_not_null()).n_unique())
               .with_columns(_rank=pl.when(pl.col("severity") == "error").then(0).otherwise(1))
               .sort(["_rank", "n", "rule"], descending=[False, True, False], nulls_last=True))
    for item in by_rule.iter_rows(named=True):
        rule, sev = item["rule"], item["severity"]
        write_user_text(ws, r, 0, rule, fmt.cell)
        write_user_text(ws, r, 1, RULE_NAMES_ZH.get(rule, rule) if rule else None, fmt.cell)
        write_user_text(ws, r, 2, SEVERITY_ZH.get(sev, sev) if sev else None, fmt.cell)
        ws.write_number(r, 3, item["n"], fmt.number)
        ws.write_number(r, 4, item["rows"], fmt.number)
        r += 1
    ws.activate()


def _write_detail(wb, fmt: _Formats, frame: pl.DataFrame, names: dict[str, str]) -> None:
    ws = wb.add_worksheet(DETAIL_SHEET)
    records = frame.to_dicts()
    parsed = [_parse_row(rec["row_values"]) for rec in records]

    # Union of the original headers, each row's in the order of its file (rows are sorted by
    # file/sheet; see _column_layout). Spellings that fold alike (`*项目编号` / `项目编号`) share a
    # column; units are kept apart.
    folded = [tuple(fold_header(key) or key for key in values) for values in parsed]
    order, layouts = _column_layout(folded)
    titles: dict[str, str] = {}  # column id -> header as first written
    for values, seq in zip(parsed, folded):
        for key, col in zip(values, layouts[seq]):
            titles.setdefault(col, key)
    room = EXCEL_MAX_COLS - len(DETAIL_HEADERS)
    originals = {col: len(DETAIL_HEADERS) + i for i, col in enumerate(order[:room])}  # column id -> index
    ncols = len(DETAIL_HEADERS) + len(originals)

    # Widths from the header and the first rows (computed before writing: constant-memory mode).
    sample = records[:2000]
    fixed_keys = ("source_file", "sheet", "source_row", "column", "value", "rule", "severity", "message")
    caps = (40, 20, 8, 22, 30, 26, 8, 60)
    for c, (key, cap) in enumerate(zip(fixed_keys, caps)):
        shown = (names.get(rec[key], rec[key]) if key == "source_file" else rec[key] for rec in sample)
        data_w = max((_width(str(v)) for v in shown if v is not None), default=0)
        ws.set_column(c, c, min(max(_width(DETAIL_HEADERS[c]), data_w, 6) + 2, cap))
    data_w = dict.fromkeys(originals, 0)
    for values, seq in zip(parsed[:2000], folded):
        for text, col in zip(values.values(), layouts[seq]):
            if col in data_w:
                data_w[col] = max(data_w[col], _width(text))
    for col, c in originals.items():
        ws.set_column(c, c, min(max(_width(titles[col]), data_w[col], 6) + 2, 30))

    for c, h in enumerate(DETAIL_HEADERS):
        ws.write_string(0, c, h, fmt.head)
    for col, c in originals.items():
        ws.write_string(0, c, neutralise(titles[col]), fmt.head_orig)

    for i, (rec, values, seq) in enumerate(zip(records, parsed, folded), 1):
        sev = rec["severity"]
        f = fmt.row.get(sev, fmt.row["other"])
        write_user_text(ws, i, 0, names.get(rec["source_file"], rec["source_file"]), f["text"])
        write_user_text(ws, i, 1, rec["sheet"], f["text"])
        if rec["source_row"] is not None:
            ws.write_number(i, 2, rec["source_row"], f["number"])
        else:
            ws.write_blank(i, 2, None, f["number"])
        write_user_text(ws, i, 3, rec["column"], f["text"])
        write_user_text(ws, i, 4, rec["value"], f["text"])
        write_user_text(ws, i, 5, rec["rule"], f["text"])
        write_user_text(ws, i, 6, SEVERITY_ZH.get(sev, sev) if sev else None, f["text"])
        write_user_text(ws, i, 7, rec["message"], f["wrap"])
        hit = _header_key(rec["column"]) if rec["column"] else None
        for (key, text), col in zip(values.items(), layouts[seq]):
            c = originals.get(col)
            if c is not None:
                write_user_text(ws, i, c, text, f["hit"] if hit and _header_key(key) == hit else fmt.cell)

    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, max(len(records), 1), ncols - 1)


def write_error_report(issues: pl.DataFrame, path, *, files: list[dict] | None = None, roots=None) -> Path:
    """Write the row-level error report of `issues` to `path` (.xlsx) and return the path.

    `issues`: source_file, sheet, source_row (Excel row number, null for file-level problems),
    column (Chinese header), value, rule, severity ('error' | 'warning'), message, row_values (JSON
    object {header: raw cell text}); missing columns are taken as empty. `files`: optional per-sheet
    summaries {path, sheet, kind, rows_read, rows_loaded, rows_rejected, rows_duplicate, rows_warned,
    status}.
    `roots`: the files and folders the user named (the 文件 column is relative to them).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = _prepare(issues)
    shown = min(frame.height, EXCEL_MAX_ROWS - 1)
    wb = xlsxwriter.Workbook(str(path), {**SAFE_WORKBOOK_OPTIONS, "constant_memory": True})
    try:
        wb.set_properties({"title": "数据报送问题报告"})
        fmt = _Formats(wb)
        names = _display_names(frame["source_file"].to_list() + [f.get("path") for f in files or ()], roots)
        _write_summary(wb, fmt, frame, files, shown, names)
        _write_detail(wb, fmt, frame.head(shown), names)
    finally:
        wb.close()
    return path
