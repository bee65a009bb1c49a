"""Find a sheet's header row and kind, and cut its data rows out of the title, totals and notes.

The kind is recognised from the headers alone (the sheet name only breaks ties): the kind whose
columns the headers match best, judged first by the share of its required columns present. A sheet
that matches a kind but lacks some of its required columns is that kind with FILE_MISSING_COLUMN,
so the user learns which columns are missing (all of them) rather than that the sheet is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import takewhile

import polars as pl

from etl.normalise import ROW
from etl.read import SOURCE_ROW, FileProblem, Grid
from schemas.headers import all_known_headers, fold_header, match_headers
from schemas.kinds import KINDS, Kind

TOTAL_WORDS = r"^(合计|总计|小计|共计)"
# Notes below a table: a heading (`备注`, `说明`, `注1：` …, alone or followed by its text) or a
# sign-off label with its colon (`制表：`, `填报单位（盖章）：`, `报送日期：` …). Labels need the colon:
# without it they could start a real value.
_NOTE_HEADING = r"(填表说明|填报说明|说明|备注|附注|注)[0-9一二三四五六七八九十]*([:：\s、.．)）]|$)"
_SIGN_OFF = (r"(填表人|填报人|制表人|审核人|复核人|审批人|填表|填报|制表|审核|复核|审批|单位负责人|负责人|分管领导|"
             r"填表单位|填报单位|报送单位|填表日期|填报日期|报送日期|制表日期|统计截止|数据截至|联系人|联系电话)"
             r"\s*([(（][^)）]*[)）])?\s*[:：]")
NOTE_WORDS = rf"^\*?({_NOTE_HEADING}|{_SIGN_OFF})"


@dataclass
class Sheet:
    """The data rows of one recognised sheet, as text under the contract's column names."""
    kind: Kind
    sheet: str | None
    headers: dict[str, str]      # column name -> header as written in the file
    frame: pl.DataFrame          # ROW, SOURCE_ROW, one String column per contract column
    raw: pl.DataFrame            # ROW plus every original column under its written header


def _header_row(grid: Grid) -> int | None:
    """Index (in the grid) of the row with most known headers; None when no row has two."""
    known = all_known_headers()
    best, best_score = None, 1
    for i, row in enumerate(grid.top_rows()):
        score = sum(1 for cell in row if cell is not None and fold_header(cell) in known)
        if score > best_score:
            best, best_score = i, score
    return best


def _header_cells(rows: list[list[str | None]], at: int) -> tuple[list[str | None], int]:
    """The header cells, and the index of the first row below the header.

    A header may take two rows: a cell merged down over both keeps its text in the upper row only
    (`项目编号` above a blank), and a group cell spans sub-headers below it (`日期` above `开始日期`,
    `计划完成日期`). A neighbouring row made only of known headers fills the header's other cells.
    """
    known = all_known_headers()
    cells = list(rows[at])
    is_header = [c is not None and fold_header(c) in known for c in cells]
    body_at = at + 1
    for other_at in (at - 1, at + 1):
        other = rows[other_at] if 0 <= other_at < len(rows) else []
        filled = [i for i, c in enumerate(other) if c is not None and str(c).strip()]
        if not filled or any(fold_header(other[i]) not in known for i in filled):
            continue
        for i in filled:
            if not is_header[i]:
                cells[i], is_header[i] = other[i], True
        body_at = max(body_at, other_at + 1)
    return cells, body_at


_STEMS = "甲乙丙丁戊己庚辛壬癸"


def _column_numbers(row: list[str | None]) -> bool:
    """Whether a row numbers the columns under the header (`甲 乙 1 2 3 …`), as statistical forms do."""
    filled = [str(c).strip() for c in row if c is not None and str(c).strip()]
    stems = sum(1 for _ in takewhile(lambda t: t in _STEMS, filled))
    numbers = filled[stems:]
    return (len(filled) >= 3 and filled[:stems] == list(_STEMS[:stems])
            and numbers == [str(i) for i in range(1, len(numbers) + 1)])


def _best_kind(cells: list[str | None], sheet_name: str | None) -> tuple[Kind, dict[int, str]] | None:
    ranked = []
    for kind in KINDS:
        found = match_headers(kind, cells)
        names = set(found.values())
        required = [c.name for c in kind.required]
        coverage = sum(1 for r in required if r in names) / len(required)
        by_name = 1 if sheet_name and sheet_name.strip() in kind.sheet_names else 0
        ranked.append(((coverage, len(names) / len(kind.columns), by_name), kind, found))
    (coverage, _, _), kind, found = max(ranked, key=lambda r: r[0])
    if coverage < 0.5 or len(found) < 2:
        return None
    return kind, found


def _data_rows(frame: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """Drop blank rows, totals rows and the notes below the table (kept rows keep their numbers)."""
    filled = [pl.col(c).str.contains(r"\S").fill_null(False) for c in cols]
    count = pl.sum_horizontal([f.cast(pl.Int32) for f in filled])
    first = pl.coalesce([pl.when(f).then(pl.col(c)) for f, c in zip(filled, cols)]).str.strip_chars()
    marked = frame.with_columns(
        _filled=count,
        _total=first.str.replace_all(r"\s", "").str.contains(TOTAL_WORDS).fill_null(False),
        _note=first.str.contains(NOTE_WORDS).fill_null(False),
    ).with_columns(_after_note=pl.col("_note").cum_max())
    # After a note row, single-cell rows continue the notes ("1. 日期格式…"); fuller rows stay data.
    keep = (pl.col("_filled") > 0) & ~pl.col("_total") & ~pl.col("_note") & ~(
        pl.col("_after_note") & (pl.col("_filled") <= 1))
    return marked.filter(keep).drop("_filled", "_total", "_note", "_after_note")


def recognise(grid: Grid) -> Sheet | None:
    """The sheet's kind and data, None for a sheet with no recognisable headers.

    Raises FileProblem(FILE_MISSING_COLUMN), naming every missing column, for a recognised sheet
    lacking required columns.
    """
    header_at = _header_row(grid)
    if header_at is None:
        return None
    top = grid.top_rows()
    header_cells, body_at = _header_cells(top, header_at)
    if body_at < len(top) and _column_numbers(top[body_at]):
        body_at += 1
    best = _best_kind(header_cells, grid.sheet)
    if best is None:
        return None
    kind, found = best
    written = [c for c in header_cells if c is not None and str(c).strip()]
    present = set(found.values())
    missing = [c for c in kind.required if c.name not in present]
    if missing:
        # Every missing column at once: an organ that fixes only the first would be rejected again.
        raise FileProblem("FILE_MISSING_COLUMN", "、".join(str(c).strip() for c in written),
                          header=[c.zh for c in missing], kind=kind.name)
    body = grid.frame.slice(body_at)
    grid_cols = [c for c in body.columns if c != SOURCE_ROW]
    body = _data_rows(body, grid_cols).with_row_index(ROW)
    frame = body.select(
        pl.col(ROW), pl.col(SOURCE_ROW),
        *[(pl.col(f"c{found_at}") if (found_at := _position(found, c.name)) is not None
           else pl.lit(None, pl.String)).alias(c.name) for c in kind.columns],
    )
    raw_names = _unique_headers(header_cells)
    raw = body.select(pl.col(ROW), *[pl.col(f"c{i}").alias(raw_names[i]) for i in range(len(header_cells))
                                     if raw_names[i] is not None])
    headers = {name: str(header_cells[i]).strip() for i, name in found.items()}
    return Sheet(kind, grid.sheet, headers, frame, raw)


def _position(found: dict[int, str], name: str) -> int | None:
    return next((i for i, n in found.items() if n == name), None)


def _unique_headers(cells: list[str | None]) -> list[str | None]:
    """Written headers, made unique, for showing the original row beside an error."""
    seen: dict[str, int] = {}
    out: list[str | None] = []
    for cell in cells:
        text = " ".join(str(cell).split()) if cell is not None else ""
        if not text:
            out.append(None)
            continue
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text}({seen[text]})")
    return out
