"""The row-level error report (问题报告) an organ fixes its file from (`oversight validate --report`).

`write_error_report(issues, path, files=...)` writes two sheets:

* ``汇总`` — totals, then one line per file and sheet (rows read / loaded / rejected / warned and
  status when `files` is given, and the number of errors and warnings found), then one line per
  rule code with its Chinese name;
* ``问题明细`` — one row per problem, sorted by file, sheet and row (file-level problems first):
  文件, 工作表, 行号, 列, 填报值, 规则代码, 问题类型, 说明, and then the original row's cells, one
  column per original header (the union of the headers of all rows reported, in order of first
  appearance, so a clerk filtering on one sheet sees that sheet's columns left to right). Errors are
  shaded red, warnings yellow, and the offending original cell is highlighted. Header frozen,
  autofilter on.

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


def _write_summary(wb, fmt: _Formats, frame: pl.DataFrame, files, shown: int) -> None:
    ws = wb.add_worksheet(SUMMARY_SHEET)
    widths = [36, 18, 14, 10, 10, 10, 10, 22, 10, 10]
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

    r = 0
    ws.write_string(r, 0, "数据报送问题报告", fmt.title)
    r += 1
    ws.write_string(r, 0, "生成时间：" + dt.datetime.now().strftime("%Y-%m-%d %H:%M"), fmt.plain)
    r += 1
    if frame.height == 0:
        ws.write_string(r, 0, "未发现问题，所有行均符合报送要求。", fmt.plain)
    else:
        ws.write_string(r, 0, f"共发现错误{n_err}条（涉及{err_rows}行，这些行未导入）、警告{n_warn}条"
                        f"（涉及{warn_rows}行，不影响导入，请核实）"
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
    heads = ("文件", "工作表", "表格类型", "读取行数", "导入行数", "未导入行数", "有警告行数", "状态",
             "错误数", "警告数")
    for c, h in enumerate(heads):
        ws.write_string(r, c, h, fmt.head)
    r += 1
    for entry in _file_table(frame, files):
        write_user_text(ws, r, 0, entry.get("path"), fmt.cell)
        write_user_text(ws, r, 1, entry.get("sheet"), fmt.cell)
        write_user_text(ws, r, 2, _kind_zh(entry.get("kind")), fmt.cell)
        for c, key in ((3, "rows_read"), (4, "rows_loaded"), (5, "rows_rejected"), (6, "rows_warned")):
            value = entry.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value, fmt.number)
            else:
                write_user_text(ws, r, c, value, fmt.cell)
        status = entry.get("status")
        write_user_text(ws, r, 7, STATUS_ZH.get(status, status) if status is not None else None, fmt.cell)
        ws.write_number(r, 8, entry["errors"], fmt.number)
        ws.write_number(r, 9, entry["warnings"], fmt.number)
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


def _write_detail(wb, fmt: _Formats, frame: pl.DataFrame) -> None:
    ws = wb.add_worksheet(DETAIL_SHEET)
    records = frame.to_dicts()
    parsed = [_parse_row(rec["row_values"]) for rec in records]

    # Union of the original headers, in order of first appearance (rows are sorted by file/sheet).
    # Spellings that fold alike (`*项目编号` / `项目编号`) share a column; units are kept apart.
    originals: dict[str, int] = {}  # folded header -> column index
    titles: dict[str, str] = {}  # folded header -> header as first written
    room = EXCEL_MAX_COLS - len(DETAIL_HEADERS)
    for values in parsed:
        for key in values:
            folded_key = fold_header(key) or key
            if folded_key not in originals and len(originals) < room:
                originals[folded_key] = len(DETAIL_HEADERS) + len(originals)
                titles[folded_key] = key
    ncols = len(DETAIL_HEADERS) + len(originals)

    # Widths from the header and the first rows (computed before writing: constant-memory mode).
    sample = records[:2000]
    fixed_keys = ("source_file", "sheet", "source_row", "column", "value", "rule", "severity", "message")
    caps = (40, 20, 8, 22, 30, 26, 8, 60)
    for c, (key, cap) in enumerate(zip(fixed_keys, caps)):
        data_w = max((_width(str(rec[key])) for rec in sample if rec[key] is not None), default=0)
        ws.set_column(c, c, min(max(_width(DETAIL_HEADERS[c]), data_w, 6) + 2, cap))
    data_w = dict.fromkeys(originals, 0)
    for values in parsed[:2000]:
        for key, text in values.items():
            folded_key = fold_header(key) or key
            if folded_key in data_w:
                data_w[folded_key] = max(data_w[folded_key], _width(text))
    for folded_key, c in originals.items():
        ws.set_column(c, c, min(max(_width(titles[folded_key]), data_w[folded_key], 6) + 2, 30))

    for c, h in enumerate(DETAIL_HEADERS):
        ws.write_string(0, c, h, fmt.head)
    for folded_key, c in originals.items():
        ws.write_string(0, c, neutralise(titles[folded_key]), fmt.head_orig)

    for i, (rec, values) in enumerate(zip(records, parsed), 1):
        sev = rec["severity"]
        f = fmt.row.get(sev, fmt.row["other"])
        write_user_text(ws, i, 0, rec["source_file"], f["text"])
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
        written: set[int] = set()
        for key, text in values.items():
            c = originals.get(fold_header(key) or key)
            if c is None or c in written:
                continue
            written.add(c)
            write_user_text(ws, i, c, text, f["hit"] if hit and _header_key(key) == hit else fmt.cell)

    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, max(len(records), 1), ncols - 1)


def write_error_report(issues: pl.DataFrame, path, *, files: list[dict] | None = None) -> Path:
    """Write the row-level error report of `issues` to `path` (.xlsx) and return the path.

    `issues`: source_file, sheet, source_row (Excel row number, null for file-level problems),
    column (Chinese header), value, rule, severity ('error' | 'warning'), message, row_values (JSON
    object {header: raw cell text}); missing columns are taken as empty. `files`: optional per-sheet
    summaries {path, sheet, kind, rows_read, rows_loaded, rows_rejected, rows_warned, status}.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = _prepare(issues)
    shown = min(frame.height, EXCEL_MAX_ROWS - 1)
    wb = xlsxwriter.Workbook(str(path), {**SAFE_WORKBOOK_OPTIONS, "constant_memory": True})
    try:
        wb.set_properties({"title": "数据报送问题报告"})
        fmt = _Formats(wb)
        _write_summary(wb, fmt, frame, files, shown)
        _write_detail(wb, fmt, frame.head(shown))
    finally:
        wb.close()
    return path
