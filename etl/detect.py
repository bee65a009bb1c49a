"""Find a sheet's header row and kind, and cut its data rows out of the title, totals and notes.

The kind is recognised from the headers alone (the sheet name only breaks ties): the kind whose
columns the headers match best, judged first by the share of its required columns present. A sheet
that matches a kind but lacks some of its required columns is that kind with FILE_MISSING_COLUMN,
so the user learns which columns are missing (all of them) rather than that the sheet is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from etl.normalise import ROW
from etl.read import SOURCE_ROW, FileProblem, Grid
from schemas.headers import all_known_headers, fold_header, match_headers
from schemas.kinds import KINDS, Kind

TOTAL_WORDS = r"^(合计|总计|小计|共计)"
NOTE_WORDS = r"^(填表说明|填报说明|说明[:：]|注[:：]|备注[:：]|填表人|填报人|审核人|制表人|负责人|填表日期|填报日期|联系人[:：]|联系电话[:：])"


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
    header_cells = grid.top_rows()[header_at]
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
    body = grid.frame.slice(header_at + 1)
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
