"""Fixes from a review of the pages, through Flask's test client on the demo warehouse: checklist
items in the page's language, how late a rectification closed late was, a vendor's organs counting
only their projects with that vendor, server grids without autoHeight, whole-number count axes,
and the planning calendar's dates without leading zeros."""

from __future__ import annotations

import polars as pl
import pytest

from schemas.checklist import checklist
from tests.dash_support import (TODAY, call, client, demo, find_id, panel, post_callback, route,  # noqa: F401
                                signed_in_client, texts)
from warehouse import queries


def _read(demo, fn, *args, **kwargs):
    """queries.<fn> on the demo warehouse, unscoped, as of the demo's day."""
    con = queries.connect(demo[0], read_only=True)
    try:
        return fn(con, queries.Filters(today=TODAY), *args, **kwargs)
    finally:
        con.close()


def _grid(tree, grid_id: str) -> dict:
    """The AgGrid's props (a grid with an export button has a compound id)."""
    found = find_id(tree, {"type": "grid-export-grid", "grid": grid_id}) or find_id(tree, grid_id)
    return found["props"]


def _rows(tree, grid_id: str) -> list[dict]:
    return _grid(tree, grid_id)["rowData"]


def _defs(tree, grid_id: str) -> dict[str, dict]:
    return {d["field"]: d for d in _grid(tree, grid_id)["columnDefs"]}


ITEMS = {r["item_code"]: r for r in checklist().iter_rows(named=True)}


def _assert_items_in(rows: list[dict], lang: str) -> None:
    assert rows
    column = "item_en" if lang == "en" else "item_zh"
    assert all(r["item_text"] == ITEMS[r["item_code"]][column] for r in rows), rows[:2]


# -- 1. checklist items in English on English pages ---------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_overdue_rectifications_show_the_items_in_the_pages_language(client, lang):
    params = {"view": "rectifications", "status": "all", "lang": lang}
    status, body = call(client, [("od-grid", "getRowsResponse"), ("od-count", "children")],
                        [("od-grid", "getRowsRequest", {"startRow": 0, "endRow": 50, "sortModel": []})],
                        [("od-params", "data", params)])
    assert status == 200
    _assert_items_in(body["response"]["od-grid"]["getRowsResponse"]["rowData"], lang)
    status, body = route(client, "/overdue", f"?view=rectifications&status=all&lang={lang}")
    assert "item_text" in _defs(body["response"], "od-grid")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_organ_and_vendor_profiles_show_the_items_in_the_pages_language(client, demo, lang):
    rect = _read(demo, queries.rectifications, ("overdue",)).drop_nulls("vendor_code").row(0, named=True)
    organ_params = {"code": rect["organ_code"], "organ_region": rect["region_code"], "lang": lang}
    _assert_items_in(_rows(panel(client, "op-rects", [("op-params", "data", organ_params)]), "op-rects-grid"), lang)
    _assert_items_in(_rows(panel(client, "vp-rects", [("vp-params", "data", {"code": rect["vendor_code"], "lang": lang})]),
                           "vp-rects-grid"), lang)
    repeats = _read(demo, queries.repeat_findings, "organ")
    organ_params = {"code": repeats["organ_code"][0], "organ_region": repeats["region_code"][0], "lang": lang}
    _assert_items_in(_rows(panel(client, "op-repeats", [("op-params", "data", organ_params)]), "op-repeats-grid"), lang)


# -- 2. a rectification closed late says how late -----------------------------------------------------

@pytest.mark.parametrize("lang,header", [("zh", "逾期天数（至今天或至完成日）"), ("en", "Days late (to today, or to closing)")])
def test_the_organs_rectifications_say_how_late_one_closed_late_was(client, demo, lang, header):
    late = _read(demo, queries.rectifications, "closed_late").row(0, named=True)
    assert late["days_closed_late"] > 0 and late["days_overdue"] == 0
    tree = panel(client, "op-rects", [("op-params", "data", {"code": late["organ_code"],
                                                             "organ_region": late["region_code"], "lang": lang})])
    rows = _rows(tree, "op-rects-grid")
    row = next(r for r in rows if (r["inspection_code"], r["item_code"]) == (late["inspection_code"], late["item_code"]))
    assert row["days_late"] == late["days_closed_late"]
    # an open one still counts its days overdue to today
    assert all(r["days_late"] == r["days_overdue"] for r in rows if r["status"] != "closed_late")
    assert _defs(tree, "op-rects-grid")["days_late"]["headerName"] == header


# -- 3. a vendor's organs count their active projects with that vendor only ---------------------------

def test_a_vendors_organs_count_only_their_active_projects_with_the_vendor(client, demo):
    projects = _read(demo, queries.projects)
    mine = projects.group_by("organ_code", "vendor_code").agg(active=pl.col("active").sum())
    # an organ whose projects with the vendor have all ended, with an active project with another one
    others = mine.filter(pl.col("active") > 0).select("organ_code", vendor_active="vendor_code")
    ended = (mine.filter(pl.col("active") == 0).join(others, on="organ_code")
             .filter(pl.col("vendor_code") != pl.col("vendor_active")).sort("organ_code", "vendor_code"))
    organ, vendor = ended["organ_code"][0], ended["vendor_code"][0]
    tree = panel(client, "vp-organs", [("vp-params", "data", {"code": vendor})])
    rows = {r["organ_code"]: r for r in _rows(tree, "vp-organs-grid")}
    assert rows[organ]["active_projects"] == 0
    expected = dict(mine.filter(pl.col("vendor_code") == vendor).select("organ_code", "active").iter_rows())
    assert {code: r["active_projects"] for code, r in rows.items()} == expected
    assert _defs(tree, "vp-organs-grid")["active_projects"]["headerName"] == "与本机构的在办项目"


# -- 4. no autoHeight in a server-paged grid ----------------------------------------------------------

@pytest.mark.parametrize("path,grid_id", [("/overdue", "od-grid"), ("/vendors", "vr-grid")])
def test_server_grids_leave_out_auto_height_and_client_grids_keep_wrapping(client, demo, path, grid_id):
    status, body = route(client, path)
    grid = _grid(body["response"], grid_id)
    assert grid["rowModelType"] == "infinite"
    assert not [d["field"] for d in grid["columnDefs"] if d.get("autoHeight")]
    assert grid["dashGridOptions"].get("domLayout") != "autoHeight"
    if path == "/overdue":     # the long reason wraps within the fixed row height, whole in its tooltip
        reason = next(d for d in grid["columnDefs"] if d["field"] == "due_reason")
        assert reason["tooltipField"] == "due_reason" and reason["wrapText"]
    late = _read(demo, queries.rectifications, "closed_late").row(0, named=True)
    tree = panel(client, "op-rects", [("op-params", "data", {"code": late["organ_code"],
                                                             "organ_region": late["region_code"]})])
    item = _defs(tree, "op-rects-grid")["item_text"]
    assert item["wrapText"] and item["autoHeight"]


# -- 5. whole numbers on count axes -------------------------------------------------------------------

def test_the_overview_trends_count_axis_ticks_whole_numbers_for_small_counts(client):
    tree = panel(client, "ov-trend", [("ov-params", "data", {"region": "330111"})])
    figure = find_id(tree, "ov-trend-graph")["props"]["figure"]
    counts = [v for v in figure["data"][0]["y"] if v is not None]
    assert 0 < max(counts) <= 10
    assert figure["layout"]["yaxis"]["dtick"] == 1 and figure["layout"]["yaxis"]["tick0"] == 0
    assert figure["layout"]["yaxis2"]["dtick"] == 0.25         # the pass rate keeps its own ticks
    many = find_id(panel(client, "ov-trend", [("ov-params", "data", {})]), "ov-trend-graph")["props"]["figure"]
    assert max(many["data"][0]["y"]) > 10 and "dtick" not in many["layout"]["yaxis"]   # plotly's whole steps


# -- 6. the planning calendar's dates -----------------------------------------------------------------

def test_the_planning_calendar_writes_dates_without_leading_zeros(client):
    drawn = post_callback(client, "pl-draw-result.children",
                          inputs=[{"id": "pl-draw", "property": "n_clicks", "value": 1}],
                          state=[{"id": "pl-period", "property": "value", "value": "2027-Q1"},
                                 {"id": "pl-seed", "property": "value", "value": 7},
                                 {"id": "pl-reason", "property": "value", "value": None},
                                 {"id": "pl-redraw", "property": "checked", "value": False},
                                 {"id": "pl-params", "property": "data", "value": {}}],
                          changed=["pl-draw.n_clicks"])
    plan = drawn["pl-plan"]["value"]
    for lang, wanted in (("zh", "%-m月%-d日"), ("en", "%-d %b")):
        shown = post_callback(client, "pl-summary.children",
                              inputs=[{"id": "pl-plan", "property": "value", "value": plan}],
                              state=[{"id": "pl-params", "property": "data", "value": {"lang": lang}}],
                              changed=["pl-plan.value"])
        figure = find_id(shown["pl-calendar"], "pl-calendar-graph")["props"]["figure"]
        assert figure["layout"]["xaxis"]["tickformat"] == wanted
        assert "dtick" not in figure["layout"]["xaxis"]      # a span of days is no count


# -- a score graded 不合格 by a failed veto item says so ------------------------------------------------

@pytest.mark.parametrize("lang, said", [("zh", "是"), ("en", "Yes")])
def test_an_inspection_failed_by_a_veto_item_says_so_on_the_organs_page(client, demo, lang, said):
    inspections = _read(demo, queries.inspections)
    vetoed = inspections.filter(pl.col("veto_failed")).row(0, named=True)
    assert vetoed["grade"] == "不合格"
    organ_params = {"code": vetoed["organ_code"], "organ_region": vetoed["region_code"], "lang": lang}
    rows = {r["inspection_code"]: r for r in _rows(panel(client, "op-inspections", [("op-params", "data", organ_params)]),
                                                   "op-inspections-grid")}
    assert rows[vetoed["inspection_code"]]["veto_text"] == said
    headers = {d["field"]: d["headerName"] for d in _grid(panel(client, "op-inspections", [("op-params", "data", organ_params)]),
                                                            "op-inspections-grid")["columnDefs"]}
    assert headers["veto_text"] == {"zh": "否决项不符合", "en": "Veto item failed"}[lang]
    assert all(r.get("veto_text") is None for code, r in rows.items()
               if not inspections.filter(pl.col("inspection_code") == code)["veto_failed"][0])


# -- a follow-up of an incident outside the scope, on an English page ----------------------------------

def test_a_follow_up_of_an_incident_outside_the_city_is_masked_in_the_pages_language(client, demo):
    con = queries.connect(demo[0], read_only=True)
    try:
        found = con.execute("""
            SELECT s.organ_code, o.region_code, s.followup_incident_code
            FROM mart_organ_schedule s JOIN organs o USING (organ_code)
            JOIN incidents i ON i.incident_code = s.followup_incident_code JOIN organs w ON w.organ_code = i.organ_code
            WHERE o.region_code LIKE '3301%' AND w.region_code NOT LIKE '3301%' ORDER BY ALL LIMIT 1""").fetchall()
    finally:
        con.close()
    assert found, "the demo has a Hangzhou organ following up an incident elsewhere"
    organ, region, incident = found[0]
    city = signed_in_client(demo[0], "inspector-hz")
    for lang, wanted in (("zh", "因事件 〔范围外〕 需跟进检查"), ("en", "Follow-up check after incident [out of scope]")):
        said = " ".join(texts(panel(city, "op-incidents", [("op-params", "data", {"code": organ, "organ_region": region,
                                                                                   "lang": lang})])))
        assert wanted in said and incident not in said, said


def test_one_incident_is_one_incident_in_english(client, demo):
    con = queries.connect(demo[0], read_only=True)
    try:
        quarters = con.execute("""SELECT year(occurred_at) || '-Q' || quarter(occurred_at) AS q, count(*) AS n
                                  FROM incidents GROUP BY q ORDER BY q""").fetchall()
    finally:
        con.close()
    single = next((q for q, n in quarters if n == 1), None)
    assert single, quarters
    said = " ".join(texts(panel(client, "ov-incidents", [("ov-params", "data", {"period": single, "lang": "en"})])))
    assert ": 1 incident, " in said and "1 incidents" not in said



def test_a_tier_held_by_points_and_a_floor_says_both(client, demo):
    con = queries.connect(demo[0], read_only=True)
    try:
        held = None
        for code in queries.vendor_risk(con, queries.Filters(today=TODAY)).filter(pl.col("tier") == "D")["vendor_code"]:
            lower = queries.vendor_next_tier(con, code, today=TODAY).filter(pl.col("direction") == "lower")
            if lower.height and lower["points_needed"][0] < 0 and "floor" in lower["lever"].to_list():
                held = code
                break
    finally:
        con.close()
    assert held, "the demo has a vendor over its tier's points and held by a floor rule"
    for lang, wanted in (("zh", "，且须底线规则不再适用"), ("en", ", and no floor rule holding it")):
        said = " ".join(texts(panel(client, "vp-levers", [("vp-params", "data", {"code": held, "lang": lang})])))
        assert wanted in said, said
