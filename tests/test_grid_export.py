"""「导出Excel」 on every grid (components/export_button.py): the one pattern-matching callback exports
the rows the grid shows with its visible columns, the URL's filters written on the sheet, and any
cell that looks like a formula neutralised. The server-paged vendors grid exports its whole selection."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re

import openpyxl

from dashboards import i18n
from tests.dash_support import call, client, demo, find_id, panel, route  # noqa: F401 (fixtures)

EVIL = '=HYPERLINK("x")'
SEARCH = "?region=330100"


def store(client, path: str, store_id: str) -> dict:
    status, body = route(client, path)
    assert status == 200
    found = find_id(body, store_id)
    assert found is not None, (path, store_id)
    return found["props"]["data"]


def grid_in(tree, grid_id: str) -> dict:
    """The rendered grid's props; its export button and title are there too."""
    assert find_id(tree, {"type": "grid-export", "grid": grid_id}) is not None, grid_id
    assert find_id(tree, {"type": "grid-export-file", "grid": grid_id}) is not None, grid_id
    found = find_id(tree, {"type": "grid-export-grid", "grid": grid_id})
    assert found is not None, grid_id
    meta = find_id(tree, {"type": "grid-export-meta", "grid": grid_id})["props"]["data"]
    return {**found["props"], "meta": meta}


def _key(i: dict) -> str:
    return json.dumps(i, sort_keys=True, separators=(",", ":"))


def post_export(client, grid_id: str, rows: list[dict], column_defs: list[dict], meta: dict, search: str) -> dict:
    button = {"grid": grid_id, "type": "grid-export"}
    out = {"grid": grid_id, "type": "grid-export-file"}
    grid = {"grid": grid_id, "type": "grid-export-grid"}
    body = {"output": '{"grid":["MATCH"],"type":"grid-export-file"}.data', "outputs": {"id": out, "property": "data"},
            "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
            "state": [{"id": grid, "property": "virtualRowData", "value": rows},
                      {"id": grid, "property": "rowData", "value": rows},
                      {"id": grid, "property": "columnDefs", "value": column_defs},
                      {"id": {"grid": grid_id, "type": "grid-export-meta"}, "property": "data", "value": meta},
                      {"id": "url", "property": "search", "value": search}],
            "changedPropIds": [f"{_key(button)}.n_clicks"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"][_key(out)]["data"]


def sheet_values(download: dict) -> list[list]:
    assert download["filename"].endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(download["content"])))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def _norm(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", value):
            return value[:10]
        link = re.fullmatch(r"\[(.*)\]\((.*)\)", value, re.S)
        return link.group(1) if link else value
    return value


def check_export(client, grid_id: str, props: dict, *, search: str = SEARCH, filter_words=("地区",),
                 absent=()):
    """Poison one text cell, export, and compare the sheet with the posted rows."""
    defs = [d for d in props["columnDefs"] if d.get("cellRenderer") != "StackedBar"]
    rows = [dict(r) for r in props["rowData"]]
    assert rows, grid_id
    text_field = next(d["field"] for d in defs if d.get("tooltipField") and not d.get("cellClassRules"))
    rows[0][text_field] = EVIL
    values = sheet_values(post_export(client, grid_id, rows, props["columnDefs"], props["meta"], search))
    headers = [d["headerName"] for d in defs]
    at = next(i for i, row in enumerate(values) if row[:len(headers)] == headers)
    block = " ".join(str(v) for row in values[:at] for v in row if v is not None)
    assert props["meta"]["title"] in block
    for word in filter_words:
        assert word in block, (word, block)
    for word in absent:
        assert word not in block, (word, block)
    data_rows = [r for r in values[at + 1:] if any(v is not None for v in r)]
    assert len(data_rows) == len(rows)
    evil_col = [d["field"] for d in defs].index(text_field)
    cell = data_rows[0][evil_col]
    assert isinstance(cell, str) and cell.startswith("'") and cell.endswith(EVIL)
    for got, want in zip(data_rows, rows):
        for i, d in enumerate(defs):
            expected = want.get(d["field"])
            if any("tier-cell" in k for k in d.get("cellClassRules") or {}):
                expected = i18n.tier(expected, "zh") if expected else expected
            if d["field"] == text_field and want is rows[0]:
                continue
            assert _norm(got[i]) == _norm(expected) or (got[i] in (None, "") and expected in (None, "")), \
                (grid_id, d["field"], got[i], expected)
    return block


def test_overview_region_table_exports_what_it_shows(client):
    tree = panel(client, "ov-regions", [("ov-params", "data", {"region": "330100"})])
    check_export(client, "ov-regions-grid", grid_in(tree, "ov-regions-grid"), filter_words=("地区", "杭州"))


def test_english_region_table_exports_in_english_with_percentages(client):
    """From an English page the header block is English (not 筛选条件/统计日/共 n 行), and the shares the
    screen shows as percentages (逾期占比, 合格率) are percent-formatted cells."""
    tree = panel(client, "ov-regions", [("ov-params", "data", {"region": "330100", "lang": "en"})])
    props = grid_in(tree, "ov-regions-grid")
    assert props["meta"]["title"] == "Region comparison"
    search = "?region=330100&lang=en"
    block = check_export(client, "ov-regions-grid", props, search=search,
                         filter_words=("Filters: Region: 杭州市 (330100)", "Status date", "Data as of:",
                                       "Exported by: admin", f"{len(props['rowData'])} row"),
                         absent=("筛选条件", "统计日", "数据截至", "共 ", "：", "；"))
    assert "Region comparison" in block
    download = post_export(client, "ov-regions-grid", props["rowData"], props["columnDefs"], props["meta"], search)
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(download["content"]))).active
    h = int(ws.freeze_panes[1:]) - 1
    headers = [c.value for c in ws[h]]
    for header in ("Overdue share", "Pass rate"):
        col = headers.index(header) + 1
        cells = [ws.cell(r, col) for r in range(h + 1, ws.max_row + 1) if ws.cell(r, col).value is not None]
        assert cells and all(c.number_format == "0.0%" for c in cells), header
    col = headers.index("Mean score") + 1
    assert ws.cell(h + 1, col).number_format == "#,##0.00"


def test_vendor_and_organ_profile_grids_export_what_they_show(client):
    vendors = panel(client, "ov-vendors", [("ov-params", "data", {})])
    top = find_id(vendors, "ov-top-vendors") or vendors
    href = top["props"]["children"][0]["props"]["children"][0]["props"]["href"]
    code = href.split("/vendors/")[1].split("?")[0]
    params = store(client, f"/vendors/{code}", "vp-params")
    props = grid_in(panel(client, "vp-organs", [("vp-params", "data", params)]), "vp-organs-grid")
    # A profile's grids are the vendor's (or organ's): the sheet names it, not the URL's region.
    check_export(client, "vp-organs-grid", props, filter_words=("服务机构", code), absent=("地区",))

    organ = props["rowData"][0]["organ_code"]
    params = store(client, f"/organs/{organ}", "op-params")
    tree = panel(client, "op-projects", [("op-params", "data", params)])
    check_export(client, "op-projects-grid", grid_in(tree, "op-projects-grid"), filter_words=("机关", organ),
                 absent=("地区",))
    tree = panel(client, "op-rects", [("op-params", "data", params)])
    if find_id(tree, {"type": "grid-export-grid", "grid": "op-rects-grid"}) is not None:
        check_export(client, "op-rects-grid", grid_in(tree, "op-rects-grid"), filter_words=(organ,))


def test_submissions_history_grid_exports_what_it_shows(client):
    params = store(client, "/submissions", "sub-params")
    tree = panel(client, "sub-history", [("sub-params", "data", params), ("sub-loaded", "data", None)])
    # The load history ignores the URL's filters, so its sheet does not claim them.
    check_export(client, "sub-history-grid", grid_in(tree, "sub-history-grid"), search="?tier=D",
                 filter_words=("权限范围：浙江省", "导出人：admin"), absent=("风险等级",))
    tree = panel(client, "sub-rejected", [("sub-params", "data", params), ("sub-loaded", "data", None)])
    if find_id(tree, {"type": "grid-export-grid", "grid": "sub-rejected-grid"}) is not None:
        check_export(client, "sub-rejected-grid", grid_in(tree, "sub-rejected-grid"))


def test_vendors_grid_exports_its_whole_selection(client):
    status, body = route(client, "/vendors", "?tier=D&q=" + "档案")
    assert status == 200
    button = {"grid": "vr-grid", "type": "grid-export-all"}
    assert find_id(body, button) is not None
    meta = find_id(body, {"type": "grid-export-all-meta", "grid": "vr-grid"})["props"]["data"]
    out = {"grid": "vr-grid", "type": "grid-export-all-file"}
    response = client.post("/_dash-update-component", json={
        "output": '{"grid":["MATCH"],"type":"grid-export-all-file"}.data', "outputs": {"id": out, "property": "data"},
        "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
        "state": [{"id": {"grid": "vr-grid", "type": "grid-export-all-meta"}, "property": "data", "value": meta},
                  {"id": "url", "property": "search", "value": "?tier=D"}],
        "changedPropIds": [f"{_key(button)}.n_clicks"]})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    values = sheet_values(response.get_json()["response"][_key(out)]["data"])
    at = next(i for i, row in enumerate(values) if row and "风险分" in row)
    block = " ".join(str(v) for row in values[:at] for v in row if v is not None)
    assert "风险等级" in block and "期间" not in block
    rows = [r for r in values[at + 1:] if any(v is not None for v in r)]
    tier_col = values[at].index("等级")
    assert rows and all(r[tier_col] == i18n.tier("D", "zh") for r in rows)
    status, grid = call(client, [("vr-grid", "getRowsResponse"), ("vr-count", "children")],
                        [("vr-grid", "getRowsRequest", {"startRow": 0, "endRow": 5, "sortModel": []})],
                        [("vr-params", "data", {"tier": "D"})])
    assert len(rows) == grid["response"]["vr-grid"]["getRowsResponse"]["rowCount"]
