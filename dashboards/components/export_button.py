"""「导出Excel」 for every grid: one button, one download and one pattern-matching callback for all.

A client-side grid (`grid(..., export=title)`) exports the rows the user sees — the grid's
`virtualRowData` (after the grid's own sort and filter; `rowData` until the grid reports it) —
with the visible columns in their order and their headers as shown. A server-paged grid
(`server_export(grid_id, title, lang)`) exports its whole current selection: the page registers
a provider `params -> (frame, {column: header})` with `register_provider`.

Both write `etl.export.grid_export.grid_bytes` (xlsx): a header block with the title, the URL's
filters in words and the data's date, then the rows; every text cell is neutralised against
formula injection there.
"""

from __future__ import annotations

import re
from typing import Callable

import dash_mantine_components as dmc
import polars as pl
from dash import MATCH, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import data, i18n, state
from dashboards.components.guard import guarded
from schemas.roles import Permission

BUTTON, FILE, META = "grid-export", "grid-export-file", "grid-export-meta"
GRID = "grid-export-grid"                     # the AgGrid's own id type (client-side grids)
ALL_BUTTON, ALL_FILE, ALL_META = "grid-export-all", "grid-export-all-file", "grid-export-all-meta"
MAX_ROWS = 200_000

Provider = Callable[[dict], "tuple[pl.DataFrame, dict[str, str]]"]
_PROVIDERS: dict[str, Provider] = {}

_LINK = re.compile(r"^\[(.*)\]\((.*)\)$", re.S)


def _controls(button_type: str, file_type: str, meta_type: str, grid_id: str, title: str, lang: str,
              skip, filters: dict | None = None) -> html.Div:
    return html.Div([
        dmc.Button(i18n.t("common.export_xlsx", lang), id={"type": button_type, "grid": grid_id}, size="xs",
                   variant="light", className="grid-export-button"),
        dcc.Download(id={"type": file_type, "grid": grid_id}),
        dcc.Store(id={"type": meta_type, "grid": grid_id}, data={"title": title, "skip": list(skip),
                                                                           "filters": dict(filters or {})}),
    ], className="grid-export", style={"display": "flex", "justifyContent": "flex-end", "marginBottom": "4px"})


def export_controls(grid_id: str, title: str, lang: str, *, skip: tuple[str, ...] = (),
                    filters: dict | None = None) -> html.Div:
    """The button, download and title of a client-side grid's export (the AgGrid's id is
    {"type": GRID, "grid": grid_id}). `skip`: URL filters that do not apply to the grid; `filters`:
    what else selects its rows ({label: value}, e.g. the organ of a profile), written on the sheet."""
    return _controls(BUTTON, FILE, META, grid_id, title, lang, skip, filters)


def server_export(grid_id: str, title: str, lang: str, *, skip: tuple[str, ...] = ()) -> html.Div:
    """The export of a server-paged grid: its whole current selection, from the provider the page
    registered at import (`register_provider`)."""
    return _controls(ALL_BUTTON, ALL_FILE, ALL_META, grid_id, title, lang, skip)


def register_provider(grid_id: str, provider: Provider) -> None:
    _PROVIDERS[grid_id] = provider


# -- what goes on the sheet ------------------------------------------------------------------------

def described_filters(params: dict, *, skip: tuple[str, ...] | list[str] = (),
                      extra: dict | None = None) -> dict[str, str]:
    """The URL's filters in words (the same labels as the other exports), then `extra`."""
    from etl.export.labels import describe_filters
    lang = state.lang_of(params)
    kept = {k: v for k, v in params.items() if k not in skip}
    described = describe_filters(state.filters(kept, data.today()))
    if kept.get("q"):
        described[i18n.pick(lang, "搜索", "Search")] = kept["q"]
    described.update({str(k): str(v) for k, v in (extra or {}).items() if v not in (None, "")})
    return with_exporter(described, lang)


def with_exporter(described: dict[str, str], lang: str) -> dict[str, str]:
    """The header block of an export also says whose it is and what that account may see."""
    who = data.user_or_none()
    if who is not None:
        described[i18n.pick(lang, "权限范围", "Scope")] = data.jurisdiction_name(who.region_scope)
        described[i18n.pick(lang, "导出人", "Exported by")] = who.username
    return described


def checked_export(name: str, rows: int | None, params: dict) -> None:
    """Every download of data: the user must have EXPORT; it is written to the audit log."""
    data.require(Permission.EXPORT)
    data.audit("export", target=name, detail={"kind": "grid", "rows": rows, "filters": state.carry(params)})


def _plain(value, renderer: str | None, tier: bool, lang: str):
    if isinstance(value, (dict, list)):
        return None
    if renderer == "markdown" and isinstance(value, str):
        match = _LINK.match(value)
        if match:
            return match.group(1)
    if tier and isinstance(value, str):
        return i18n.tier(value, lang)
    return value


def _series(name: str, values: list) -> pl.Series:
    try:
        return pl.Series(name, values, strict=False)
    except Exception:  # noqa: BLE001 — mixed types: export as text
        return pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.String)


def frame_from_grid(rows: list[dict] | None, column_defs: list[dict] | None, lang: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """The grid's rows as a frame of its visible columns, and {field: header} in the grid's order."""
    rows = [r for r in (rows or [])[:MAX_ROWS] if isinstance(r, dict)]
    columns: dict[str, str] = {}
    series: list[pl.Series] = []
    for d in column_defs or []:
        field = d.get("field") if isinstance(d, dict) else None
        if not field or field in columns or d.get("hide") or d.get("cellRenderer") == "StackedBar":
            continue
        renderer = d.get("cellRenderer")
        tier = any("tier-cell" in k for k in (d.get("cellClassRules") or {}))
        values = [_plain(r.get(field), renderer, tier, lang) for r in rows]
        s = _series(field, values)
        formatter = str((d.get("valueFormatter") or {}).get("function", ""))
        if formatter.startswith("zhDate(") and s.dtype == pl.String:
            parsed = s.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
            if parsed.null_count() == s.null_count():
                s = parsed
        series.append(s)
        columns[field] = str(d.get("headerName") or field)
    return pl.DataFrame(series), columns


def _filename(title: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", title).strip("_") or "export"
    return f"{safe}_{data.today().isoformat()}.xlsx"


def workbook(frame_: pl.DataFrame, columns: dict[str, str], params: dict, title: str,
             skip: tuple[str, ...] | list[str] = (), extra: dict | None = None) -> bytes:
    from etl.export.grid_export import grid_bytes
    as_of = (data.marts_as_of() or {}).get("refreshed_at")
    return grid_bytes(frame_, "xlsx", filters=described_filters(params, skip=skip, extra=extra), title=title,
                      columns_zh=columns, data_as_of=as_of, lang=state.lang_of(params))


# -- the callbacks (one for every client-side grid, one for every server-paged grid) ----------------

@callback(Output({"type": FILE, "grid": MATCH}, "data"),
          Input({"type": BUTTON, "grid": MATCH}, "n_clicks"),
          State({"type": GRID, "grid": MATCH}, "virtualRowData"),
          State({"type": GRID, "grid": MATCH}, "rowData"),
          State({"type": GRID, "grid": MATCH}, "columnDefs"),
          State({"type": META, "grid": MATCH}, "data"),
          State("url", "search"),
          prevent_initial_call=True)
@guarded(fallback="none")
def export_grid(n_clicks, virtual_rows, rows, column_defs, meta, search):
    if not n_clicks:
        raise PreventUpdate
    params = state.parse_search(search)
    lang = state.lang_of(params)
    meta = meta or {}
    title = meta.get("title") or i18n.pick(lang, "表格", "Table")
    shown = virtual_rows if virtual_rows is not None else rows
    frame_, columns = frame_from_grid(shown, column_defs, lang)
    name = _filename(title)
    checked_export(name, frame_.height, params)
    body = workbook(frame_, columns, params, title, meta.get("skip") or (), meta.get("filters"))
    return dcc.send_bytes(body, name)


@callback(Output({"type": ALL_FILE, "grid": MATCH}, "data"),
          Input({"type": ALL_BUTTON, "grid": MATCH}, "n_clicks"),
          State({"type": ALL_META, "grid": MATCH}, "data"),
          State("url", "search"),
          prevent_initial_call=True)
@guarded(fallback="none")
def export_selection(n_clicks, meta, search):
    if not n_clicks:
        raise PreventUpdate
    grid_id = (ctx.triggered_id or {}).get("grid") if isinstance(ctx.triggered_id, dict) else None
    provider = _PROVIDERS.get(grid_id)
    if provider is None:
        raise PreventUpdate
    params = state.parse_search(search)
    lang = state.lang_of(params)
    meta = meta or {}
    title = meta.get("title") or i18n.pick(lang, "表格", "Table")
    frame_, columns = provider(params)
    name = _filename(title)
    checked_export(name, min(frame_.height, MAX_ROWS), params)
    body = workbook(frame_.head(MAX_ROWS), columns, params, title, meta.get("skip") or (), meta.get("filters"))
    return dcc.send_bytes(body, name)


