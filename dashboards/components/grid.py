"""AG Grid with the product's defaults: Chinese locale text, Chinese number and date formats
(valueFormatter functions in assets/dashAgGridFunctions.js), tier colours, links as real links.

Small tables are client-side grids (`grid`). Large ones page on the server (`server_grid`): the
browser asks for rows `startRow`–`endRow` with the sort model, and the page's callback answers
with `rows_response(frame, request)` from the (cached) query result — or, for a list too long to
read whole, asks the query layer for that block only (`page_request` → a query function's `page`)
and answers with `block_response(block, total)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import dash_ag_grid as dag
import polars as pl
from dash import html

from dashboards import i18n
from dashboards.components.export_button import GRID as GRID_TYPE
from dashboards.components.export_button import export_controls


@dataclass(frozen=True)
class Col:
    field: str
    header: str
    kind: str = "text"        # text | int | num | pct | date | datetime | tier | link | bar | grade | long
    width: int | None = None
    pinned: bool = False
    digits: int = 1
    sortable: bool = True
    min_width: int = 90       # px, for a column without a fixed width (it takes the row's spare width)


def _formatter(col: Col, lang: str) -> dict | None:
    if col.kind == "int":
        return {"function": f"zhNumber(params.value, 0, '{lang}')"}
    if col.kind == "num":
        return {"function": f"zhNumber(params.value, {col.digits}, '{lang}')"}
    if col.kind == "pct":
        return {"function": f"zhPct(params.value, {col.digits})"}
    if col.kind == "date":
        return {"function": f"zhDate(params.value, '{lang}')"}
    if col.kind == "datetime":
        return {"function": f"zhDateTime(params.value, '{lang}')"}
    if col.kind == "tier":
        return {"function": f"tierLabel(params.value, '{lang}')"}
    if col.kind in ("text", "grade") and i18n.norm_lang(lang) == "en":
        return {"function": "enLabel(params.value, params.context)"}
    return None


def column_defs(columns: list[Col], lang: str, *, server: bool = False) -> list[dict]:
    defs = []
    for col in columns:
        d: dict = {"field": col.field, "headerName": col.header, "sortable": col.sortable,
                   "resizable": True}
        if col.width:
            d["width"] = col.width
        else:
            d["flex"] = 1
            d["minWidth"] = col.min_width
        if col.pinned:
            d["pinned"] = "left"
        if col.kind in ("int", "num", "pct"):
            d["type"] = "rightAligned"
        if col.kind == "text":
            d["tooltipField"] = col.field
        fmt = _formatter(col, lang)
        if fmt:
            d["valueFormatter"] = fmt
        if col.kind == "tier":
            d["cellClassRules"] = {f"tier-cell tier-{t}": f"params.value == '{t}'" for t in "ABCD"}
            if i18n.norm_lang(lang) != "zh" and col.width:
                d["width"] = max(col.width, TIER_WIDTH_EN)   # "B moderate" in bold, not "B moder…"
        if col.kind == "grade":
            d["cellClassRules"] = {"grade-fail": "params.value == '不合格' || params.value == 'Fail'"}
        if col.kind == "link":
            d["cellRenderer"] = "markdown"
            d["tooltipValueGetter"] = {"function": "linkText(params.value)"}
        if col.kind == "bar":
            d["cellRenderer"] = "StackedBar"
            d["sortable"] = False
        if col.kind == "long":
            d.update(_long_cell(col, server))
        defs.append(d)
    return defs


def _long_cell(col: Col, server: bool) -> dict:
    """A long text's cell, wrapped. A client-side grid sizes each row to its text; a server-paged one
    keeps AG Grid's fixed row height (its infinite row model does not support autoHeight, and says so
    in the browser's console), with the whole text as a tooltip for what does not fit."""
    # Chinese wraps between any two characters anyway; an English word wraps whole ("Files", not
    # "File s"), and only a string too long for the line (a code) is broken inside
    wrapped = {"wrapText": True, "cellStyle": {"lineHeight": "1.5", "whiteSpace": "normal", "wordBreak": "normal",
                                               "overflowWrap": "anywhere"}}
    return {**wrapped, "tooltipField": col.field} if server else {**wrapped, "autoHeight": True}


def item_text(lang: str) -> pl.Expr:
    """A checklist item's text in the page's language (the query functions give item_zh and item_en)."""
    return pl.col("item_en" if i18n.norm_lang(lang) == "en" else "item_zh")


# The English tier labels ("B moderate", "C elevated") need more room than 一般、较高.
TIER_WIDTH_EN = 128

# A header longer than its column wraps onto a second line instead of being cut off (整改用时中位…).
DEFAULT_COL = {"suppressHeaderMenuButton": True, "wrapHeaderText": True, "autoHeaderHeight": True}


def _options(lang: str, extra: dict | None = None) -> dict:
    opts = {"animateRows": False, "enableCellTextSelection": True, "ensureDomOrder": True,
            "suppressCellFocus": True, "tooltipShowDelay": 300}
    if i18n.norm_lang(lang) == "zh":
        opts["localeText"] = i18n.AG_GRID_ZH
    else:   # the contract's values in English, once per grid (read by enLabel)
        opts["context"] = {"valueEn": i18n.VALUE_EN}
    opts.update(extra or {})
    return opts


def grid(grid_id, columns: list[Col], rows: list[dict], lang: str, *, height: int | None = 360,
         page_size: int = 20, extra: dict | None = None, export: str | None = None,
         export_skip: tuple[str, ...] = (), export_filters: dict | None = None):
    """A client-side grid (all rows sent once; for tables of at most a few thousand rows).

    With `export` (the grid's title on the sheet) the grid comes with an 「导出Excel」 button that
    exports the rows the user sees (components/export_button.py); the AgGrid's id is then
    {"type": "grid-export-grid", "grid": grid_id} inside a Div whose id is `grid_id`.
    `export_skip` names URL filters that do not apply to this grid (left off the sheet);
    `export_filters` ({label: value}) what else selects its rows (a profile's organ), written on it."""
    paginate = len(rows) > page_size
    opts = _options(lang, {"pagination": paginate, "paginationPageSize": page_size,
                           "paginationPageSizeSelector": False, **(extra or {})})
    if height is None or len(rows) <= 8:
        opts["domLayout"] = "autoHeight"
        style = {"width": "100%"}
    else:
        style = {"height": f"{height}px", "width": "100%"}
    table = dag.AgGrid(id={"type": GRID_TYPE, "grid": grid_id} if export else grid_id,
                       columnDefs=column_defs(columns, lang), rowData=rows,
                       dashGridOptions=opts, style=style, className="ag-theme-quartz",
                       defaultColDef=DEFAULT_COL,
                       dangerously_allow_code=False)
    if not export:
        return table
    controls = export_controls(grid_id, export, lang, skip=export_skip, filters=export_filters)
    return html.Div([controls, html.Div(table, id=grid_id)], className="grid-with-export")


def server_grid(grid_id, columns: list[Col], lang: str, *, height: int = 560, page_size: int = 50,
                row_id: str | None = None) -> dag.AgGrid:
    """A grid whose rows page on the server (AG Grid's infinite row model)."""
    opts = _options(lang, {"rowModelType": "infinite", "pagination": True, "paginationPageSize": page_size,
                           "paginationPageSizeSelector": False, "cacheBlockSize": page_size,
                           "maxBlocksInCache": 20, "infiniteInitialRowCount": page_size, "rowBuffer": 0})
    props = {}
    if row_id:
        props["getRowId"] = f"params.data.{row_id}"
    return dag.AgGrid(id=grid_id, columnDefs=column_defs(columns, lang, server=True), rowModelType="infinite",
                      dashGridOptions=opts, style={"height": f"{height}px", "width": "100%"},
                      className="ag-theme-quartz", defaultColDef=DEFAULT_COL, **props)


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _block(request: dict | None) -> tuple[int, int]:
    request = request or {}
    start = max(int(request.get("startRow") or 0), 0)
    end = int(request.get("endRow") or start + 100)
    return start, min(max(end, start), start + 1000)


def page_request(request: dict | None, sort_keys: dict[str, str] | None = None):
    """The queries.Page of a grid's getRowsRequest: its block of rows and its sort model (a displayed
    column mapped to the column of the query's rows it sorts on by `sort_keys`)."""
    from warehouse.queries import Page
    start, end = _block(request)
    order = tuple(((sort_keys or {}).get(s["colId"], s["colId"]), s.get("sort") == "desc")
                  for s in (request or {}).get("sortModel") or [])
    return Page(offset=start, limit=end - start, order=order)


def block_response(block: pl.DataFrame, display: Callable[[pl.DataFrame], pl.DataFrame] = lambda f: f
                   ) -> tuple[dict, int]:
    """The answer to a getRowsRequest from the block of rows the query layer cut (`page_request`),
    its rows shown through `display`, and the number of rows in the whole selection."""
    total = int(block["total_rows"][0]) if block.height else 0
    shown = display(block.drop("total_rows", strict=False))
    return {"rowData": [{k: _jsonable(v) for k, v in r.items()} for r in shown.to_dicts()], "rowCount": total}, total


def rows_response(frame: pl.DataFrame, request: dict | None, *, default_sort: list[tuple[str, bool]] | None = None,
                  sort_keys: dict[str, str] | None = None) -> dict:
    """The block of rows AG Grid asked for: {"rowData": [...], "rowCount": total}.

    `request` is the grid's getRowsRequest ({startRow, endRow, sortModel}); `sort_keys` maps a
    displayed column to the raw column to sort on (a link column sorts by the name)."""
    start, end = _block(request)
    sort = (request or {}).get("sortModel") or []
    if sort:
        keys = [(sort_keys or {}).get(s["colId"], s["colId"]) for s in sort]
        desc = [s.get("sort") == "desc" for s in sort]
        usable = [(k, d) for k, d in zip(keys, desc) if k in frame.columns]
        if usable:
            frame = frame.sort([k for k, _ in usable], descending=[d for _, d in usable], nulls_last=True)
    elif default_sort:
        frame = frame.sort([k for k, _ in default_sort], descending=[d for _, d in default_sort], nulls_last=True)
    block = frame.slice(start, end - start)
    rows = [{k: _jsonable(v) for k, v in r.items()} for r in block.to_dicts()]
    return {"rowData": rows, "rowCount": frame.height}


def records(frame: pl.DataFrame) -> list[dict]:
    return [{k: _jsonable(v) for k, v in r.items()} for r in frame.to_dicts()]
