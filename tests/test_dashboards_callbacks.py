"""The dashboards' callbacks through Flask's test client (no browser): pages render in Chinese and
English, numbers change with the filters, grids page on the server, the export is a real workbook,
an upload shows its row errors and loads on confirmation, and failures show a Chinese message."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil

import openpyxl
import polars as pl
import pytest

from tests.dash_support import (NEW_ORGAN_CODE, TODAY, call, client, demo, find_id, signed_in_client,  # noqa: F401
                                organs_csv_with_bad_rows, panel, route, texts)


def section(client, output: str, store: str, params: dict):
    return panel(client, output, [(store, "data", params)])


def kpi_values(client, params: dict) -> dict[str, str]:
    panel = section(client, "ov-kpis", "ov-params", params)
    values = {}
    for kpi in ("organs_supervised", "active_projects", "inspections", "pass_rate", "open_incidents",
                "overdue_checks", "overdue_rectifications"):
        card = find_id(panel, f"kpi-{kpi}-value")
        assert card is not None, kpi
        values[kpi] = card["props"]["children"]
    return values


# -- pages ----------------------------------------------------------------------------------------

def test_index_health_and_assets_are_local(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "档案外包监管分析" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert client.get("/health").status_code == 200
    assert client.get("/assets/style.css").status_code == 200


@pytest.mark.parametrize("path,title", [("/", "总览"), ("/vendors", "风险服务机构"), ("/overdue", "检查与整改"),
                                        ("/submissions", "数据报送")])
def test_every_page_renders_in_chinese(client, path, title):
    status, body = route(client, path)
    assert status == 200
    words = texts(body)
    assert title in words and "档案外包监管分析" in words
    assert not any("Traceback" in w for w in words)


def test_english_switch(client):
    status, body = route(client, "/", "?lang=en")
    assert status == 200
    words = texts(body)
    assert "Overview" in words and "Risky vendors" in words
    assert "中文" in words  # the switch back
    panel = section(client, "ov-kpis", "ov-params", {"lang": "en"})
    assert "Organs supervised" in texts(panel)


def test_profiles_render_and_unknown_codes_say_so(client, demo):
    vendors = section(client, "ov-vendors", "ov-params", {})
    top = find_id(vendors, "ov-top-vendors") or vendors
    href = top["props"]["children"][0]["props"]["children"][0]["props"]["href"]
    code = href.split("/vendors/")[1].split("?")[0]
    status, body = route(client, f"/vendors/{code}")
    assert status == 200 and "风险分构成" in texts(body)
    status, body = route(client, "/vendors/NOSUCHVENDOR")
    assert status == 200 and any("没有找到" in w for w in texts(body))
    status, body = route(client, "/organs/NOSUCHORGAN")
    assert status == 200 and any("没有找到" in w for w in texts(body))


def test_risk_scores_are_shown_to_two_decimals_as_computed(client):
    """A score just under a cut-point (59.95 against D's 60) must not read as the cut-point itself."""
    import re
    vendors = section(client, "ov-vendors", "ov-params", {})
    shown = [w for w in texts(vendors) if "·" in w]
    assert shown and all(re.search(r"· \d+\.\d\d$", w) for w in shown), shown
    status, body = route(client, "/vendors")
    assert status == 200
    assert _grid_defs(body["response"], "vr-grid")["score"]["valueFormatter"]["function"] == \
        "zhNumber(params.value, 2, 'zh')"


# -- filters change the numbers --------------------------------------------------------------------

def test_kpis_change_with_filters(client):
    everything = kpi_values(client, {})
    hangzhou = kpi_values(client, {"region": "330100"})
    older = kpi_values(client, {"period": "2025-Q2"})
    assert everything["organs_supervised"] != hangzhou["organs_supervised"]
    assert everything["inspections"] != older["inspections"] or everything["pass_rate"] != older["pass_rate"]
    tier_d = kpi_values(client, {"tier": "D"})
    assert tier_d["organs_supervised"] != everything["organs_supervised"]


def test_a_period_not_over_says_it_is_compared_with_a_whole_one(client):
    def caption(params):
        return find_id(section(client, "ov-kpis", "ov-params", params), "kpi-period")["props"]["children"]
    assert caption({"period": "2026"}).startswith("2026年，截至2026年11月25日（本期尚未结束，与2025年全期相比")
    assert "the period is not over and is compared with the whole of 2025" in caption({"period": "2026", "lang": "en"})
    assert "与2026年第3季度全期相比" in caption({})                  # the default: this quarter, so far
    assert caption({"period": "2025"}) == "2025年，截至2025年12月31日"    # a period over: nothing to add


def test_a_rate_with_no_inspection_this_period_says_so_not_that_the_last_had_none(client, demo):
    # a county and year with no inspection, whose year before had some (found in the demo's data)
    from warehouse import db
    con = db.connect(demo[0], read_only=True)
    try:
        rows = con.sql("SELECT o.region_code, year(i.inspected_on) AS y, count(*) AS n FROM inspections i "
                       "JOIN organs o USING (organ_code) GROUP BY ALL").fetchall()
    finally:
        con.close()
    counts = {(region, year): n for region, year, n in rows}
    region, year = next((r, y + 1) for (r, y) in sorted(counts) if (r, y + 1) not in counts and y + 1 <= TODAY.year)
    params = {"region": region, "period": str(year)}
    values = kpi_values(client, params)
    assert values["inspections"] == "0"
    panel_ = section(client, "ov-kpis", "ov-params", params)
    card = " ".join(texts(find_id(panel_, "kpi-pass_rate")))
    assert f"本期无数据（{year - 1}年有）" in card and "上期无数据" not in card
    card_en = " ".join(texts(find_id(section(client, "ov-kpis", "ov-params", {**params, "lang": "en"}),
                                     "kpi-pass_rate")))
    assert f"no data this period ({year - 1} had some)" in card_en


def test_a_province_or_city_own_level_can_be_chosen_and_counts_only_its_own_organs(client, demo):
    # 浙江省本级 (330000.self): the organs registered at the province itself (省直机关), no city's
    from warehouse import db, queries
    con = db.connect(demo[0], read_only=True)
    try:
        own = queries.inspections(con, queries.Filters(region="330000.self", today=TODAY))
        regions = dict(con.sql("SELECT organ_code, region_code FROM organs").fetchall())
        expected = con.sql("SELECT count(*) FROM inspections JOIN organs USING (organ_code) "
                           "WHERE region_code = '330000'").fetchall()[0][0]
    finally:
        con.close()
    assert own.height == expected > 0 and {regions[c] for c in own["organ_code"]} == {"330000"}
    status, body = route(client, "/", "?region=330000.self")
    assert status == 200
    region_select = find_id(body["response"], {"type": "flt", "name": "region"})["props"]
    assert region_select["value"] == "330000.self"
    assert {"value": "330000.self", "label": "浙江省（省本级）"} == region_select["data"][0]
    assert kpi_values(client, {"region": "330000.self"}) != kpi_values(client, {})
    # 杭州市本级: chosen as a district of 杭州市
    status, body = route(client, "/", "?region=330100.self&lang=en")
    selects = {n: find_id(body["response"], {"type": "flt", "name": n})["props"] for n in ("region", "district")}
    assert selects["region"]["value"] == "330100" and selects["district"]["value"] == "330100.self"
    assert selects["district"]["data"][0] == {"value": "330100.self", "label": "杭州市 (city level)"}
    regions_panel = section(client, "ov-regions", "ov-params", {"region": "330100.self"})
    assert "没有可对比的下级地区" in " ".join(texts(regions_panel))


def test_trend_breaks_down_one_level_below_the_selection(client):
    province = section(client, "ov-trend-region", "ov-params", {})
    city = section(client, "ov-trend-region", "ov-params", {"region": "330100"})
    y_province = province["props"]["figure"]["data"][0]["y"]
    y_city = city["props"]["figure"]["data"][0]["y"]
    assert "杭州市" in y_province and "宁波市" in y_province
    assert "宁波市" not in y_city and "杭州市（市本级）" in y_city and "上城区" in y_city


@pytest.mark.parametrize("output", ["ov-trend", "ov-grades", "ov-categories", "ov-incidents", "ov-regions"])
def test_overview_sections_render(client, output):
    body = section(client, output, "ov-params", {"period": "2026"})
    words = texts(body)
    assert not any("出错了" in w for w in words), words[:20]


def test_region_comparison_says_it_is_not_a_ranking(client):
    body = section(client, "ov-regions", "ov-params", {})
    assert "这不是排名。" in texts(body)


def test_vendor_grid_pages_on_the_server_and_filters(client):
    def rows(params, start=0, end=10, sort=None):
        status, body = call(client, [("vr-grid", "getRowsResponse"), ("vr-count", "children")],
                            [("vr-grid", "getRowsRequest", {"startRow": start, "endRow": end, "sortModel": sort or []})],
                            [("vr-params", "data", params)])
        assert status == 200, body
        return body["response"]["vr-grid"]["getRowsResponse"]
    everything = rows({})
    assert len(everything["rowData"]) == 10 and everything["rowCount"] > 10
    scores = [r["score"] for r in everything["rowData"]]
    assert scores == sorted(scores, reverse=True)
    second = rows({}, 10, 20)
    assert second["rowData"][0]["rank"] == 11
    ascending = rows({}, sort=[{"colId": "score", "sort": "asc"}])
    assert ascending["rowData"][0]["score"] <= scores[-1]
    tier_d = rows({"tier": "D"}, 0, 100)
    assert 0 < tier_d["rowCount"] < everything["rowCount"] and {r["tier"] for r in tier_d["rowData"]} == {"D"}
    assert "](/vendors/" in everything["rowData"][0]["vendor_link"]


def test_overdue_grid_and_export_hold_the_same_selection(client):
    params = {"view": "rectifications", "status": "overdue", "region": "330100"}
    status, body = call(client, [("od-grid", "getRowsResponse"), ("od-count", "children")],
                        [("od-grid", "getRowsRequest", {"startRow": 0, "endRow": 50, "sortModel": []})],
                        [("od-params", "data", params)])
    assert status == 200
    grid = body["response"]["od-grid"]["getRowsResponse"]
    assert grid["rowCount"] > 0
    assert all(r["status"] == "overdue" and r["region_code"].startswith("3301") for r in grid["rowData"])
    days = [r["days_overdue"] for r in grid["rowData"]]
    assert days == sorted(days, reverse=True)
    status, body = call(client, [("od-download", "data")], [("od-export", "n_clicks", 1)], [("od-params", "data", params)])
    assert status == 200
    download = body["response"]["od-download"]["data"]
    assert download["filename"].endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(download["content"])))
    sheet = workbook.active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header_row = next(i for i, row in enumerate(values) if row and "逾期天数" in row)
    data_rows = [r for r in values[header_row + 1:] if any(v is not None for v in r)]
    assert len(data_rows) == grid["rowCount"]


def test_filter_controls_write_the_url(client):
    ids = [{"type": "flt", "name": n} for n in ("period", "region", "district", "service", "tier")]

    def change(name, values, search):
        body = {"output": "url.href", "outputs": {"id": "url", "property": "href"},
                "inputs": [[{"id": i, "property": "value", "value": v} for i, v in zip(ids, values)]],
                "state": [[{"id": i, "property": "id", "value": i} for i in ids],
                          {"id": "url", "property": "pathname", "value": "/overdue"},
                          {"id": "url", "property": "search", "value": search}],
                "changedPropIds": [f'{{"name":"{name}","type":"flt"}}.value']}
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200
        return response.get_json()["response"]["url"]["href"]

    search = "?period=2025-Q3&tier=D&view=rectifications"
    href = change("region", ["2025-Q3", "330100", None, None, "D"], search)
    assert href == "/overdue?period=2025-Q3&region=330100&tier=D&view=rectifications"
    href = change("district", ["2025-Q3", "330100", "330106", None, "D"], href.split("/overdue")[1])
    assert "region=330106" in href
    href = change("region", ["2025-Q3", None, None, None, "D"], href.split("/overdue")[1])
    assert "region" not in href and "tier=D" in href
    # a province's or city's own level is a choice like any other
    href = change("region", ["2025-Q3", "330000.self", None, None, "D"], href.split("/overdue")[1])
    assert "region=330000.self" in href
    href = change("district", ["2025-Q3", "330100", "330100.self", None, "D"], href.split("/overdue")[1])
    assert "region=330100.self" in href


# -- uploads --------------------------------------------------------------------------------------

def test_upload_shows_row_errors_and_loads_on_confirmation(client, demo, tmp_path, monkeypatch):
    copy = tmp_path / "oversight.duckdb"
    shutil.copyfile(demo[0], copy)
    monkeypatch.setenv("OVERSIGHT_WAREHOUSE", str(copy))
    before = kpi_values(client, {})["organs_supervised"]
    content = "data:text/csv;base64," + base64.b64encode(organs_csv_with_bad_rows()).decode()
    status, body = call(client, [("sub-check", "children"), ("sub-token", "data"), ("sub-confirm", "disabled"),
                                 ("sub-report", "disabled"), ("sub-load", "children")],
                        [("sub-upload", "contents", [content])],
                        [("sub-upload", "filename", ["机关名录.csv"]), ("sub-params", "data", {})])
    assert status == 200, body
    response = body["response"]
    words = texts(response["sub-check"]["children"])
    assert any("合格 1 行，退回 2 行" in w for w in words)
    # each rule by its name and its stable code
    assert "信用代码无效 · ROW_USCC" in words and "不在本辖区 · ROW_JURISDICTION" in words
    assert response["sub-confirm"]["disabled"] is False and response["sub-report"]["disabled"] is False
    token = response["sub-token"]["data"]
    # in English the rules are named in English; the messages stay as the organ is sent them
    status, english = call(client, [("sub-check", "children"), ("sub-token", "data"), ("sub-confirm", "disabled"),
                                    ("sub-report", "disabled"), ("sub-load", "children")],
                           [("sub-upload", "contents", [content])],
                           [("sub-upload", "filename", ["机关名录.csv"]), ("sub-params", "data", {"lang": "en"})])
    assert status == 200, english
    words_en = texts(english["response"]["sub-check"]["children"])
    assert "Invalid credit code · ROW_USCC" in words_en and "Outside the jurisdiction · ROW_JURISDICTION" in words_en
    assert "Message (Chinese, as sent to the organ)" in words_en
    assert any(w.startswith("「统一社会信用代码」的值") for w in words_en)

    status, body = call(client, [("sub-report-dl", "data")], [("sub-report", "n_clicks", 1)],
                        [("sub-token", "data", token)])
    assert status == 200
    report = openpyxl.load_workbook(io.BytesIO(base64.b64decode(body["response"]["sub-report-dl"]["data"]["content"])))
    assert len(report.sheetnames) >= 2

    status, body = call(client, [("sub-load", "children"), ("sub-confirm", "disabled"), ("sub-loaded", "data")],
                        [("sub-confirm", "n_clicks", 1)], [("sub-token", "data", token), ("sub-params", "data", {})])
    assert status == 200, body
    assert any("已装载 1 行，退回 2 行" in w for w in texts(body["response"]["sub-load"]["children"]))
    after = kpi_values(client, {})["organs_supervised"]
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 1
    status, page = route(client, f"/organs/{NEW_ORGAN_CODE}")
    assert "杭州市测试档案馆" in texts(page)


def test_upload_refuses_other_file_types(client):
    content = "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.4").decode()
    status, body = call(client, [("sub-check", "children"), ("sub-token", "data"), ("sub-confirm", "disabled"),
                                 ("sub-report", "disabled"), ("sub-load", "children")],
                        [("sub-upload", "contents", [content])],
                        [("sub-upload", "filename", ["报告.pdf"]), ("sub-params", "data", {})])
    assert status == 200
    assert any("不支持的文件类型" in w for w in texts(body["response"]["sub-check"]["children"]))
    assert body["response"]["sub-confirm"]["disabled"] is True


# -- failures never show a traceback --------------------------------------------------------------

def test_missing_warehouse_sends_to_sign_in_which_says_what_to_do(client, tmp_path, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_WAREHOUSE", str(tmp_path / "none.duckdb"))
    status, body = call(client, [("ov-kpis", "children")], [("ov-params", "data", {})])
    assert status == 401 and body["message"] == "请先登录。"
    page = client.get("/login").get_data(as_text=True)
    assert "系统尚无任何账户" in page and "oversight users add" in page


def test_a_warehouse_with_accounts_but_no_data_says_what_to_do(tmp_path, monkeypatch):
    from warehouse import access
    empty = tmp_path / "empty.duckdb"
    access.create_demo_accounts(empty)
    monkeypatch.setenv("OVERSIGHT_WAREHOUSE", str(empty))
    fresh = signed_in_client(empty, "admin")
    words = texts(section(fresh, "ov-kpis", "ov-params", {}))
    assert any("还没有可用的数据" in w for w in words), words
    status, body = route(fresh, "/vendors")
    assert status == 200 and "风险服务机构" in texts(body)
    for path in ("/vendors/91330000MA0000000X", "/organs/113300000000000000"):
        status, body = route(fresh, path)
        assert status == 200 and "Traceback" not in json.dumps(body, ensure_ascii=False), path


def test_a_failing_query_shows_a_chinese_message(client, monkeypatch):
    from warehouse import queries

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom: secret internals")
    monkeypatch.setattr(queries, "grade_distribution", broken)
    monkeypatch.setenv("OVERSIGHT_DASH_CACHE", "0")
    from dashboards import data
    data.CACHE.clear()
    words = texts(section(client, "ov-grades", "ov-params", {"period": "2024"}))
    assert "出错了" in words
    assert not any("boom" in w or "Traceback" in w for w in words)


def test_url_state_round_trips():
    from dashboards import state
    params = {"period": "2025-Q3", "region": "330106", "service": "档案整理", "tier": "D", "view": "rectifications",
              "status": "all", "q": "档案", "lang": "en"}
    assert state.parse_search(state.to_search(params)) == params
    assert state.parse_search("?period=nonsense&tier=Z&region=12&lang=fr&view=x") == {}
    assert state.parse_search("?period=2025年第三季度") == {"period": "2025-Q3"}


def test_chinese_number_and_date_formats():
    from dashboards import i18n
    assert i18n.fmt_int(12345, "zh", compact=True) == "1.2万"
    assert i18n.fmt_int(345678901, "zh", compact=True) == "3.5亿"
    assert i18n.fmt_int(12345, "en", compact=False) == "12,345"
    assert i18n.fmt_date("2025-03-05", "zh") == "2025年3月5日"
    assert i18n.fmt_date("2025-03-05", "en") == "5 Mar 2025"
    assert i18n.fmt_period("2025-Q3", "zh") == "2025年第3季度"
    assert i18n.fmt_pct(0.8125) == "81.3%"


def test_every_page_in_the_navigation_has_an_english_name(client):
    status, body = route(client, "/", "?lang=en")
    assert status == 200
    english = " ".join(texts(body["response"]))
    for label in ("Overview", "Risky vendors", "Checks & rectifications", "Submissions", "Exports", "Inspection plan"):
        assert label in english


def test_a_request_reads_through_one_connection_and_may_write_in_place(client, demo):
    """Within one web request every read shares a connection (opening DuckDB costs more than most
    queries); a write in place by the request itself (an audit entry) is not blocked by it, and the
    reads after the write see it."""
    from dashboards import app as app_module, data
    from warehouse import access
    with app_module.server.test_request_context("/"):
        with data.reader() as first, data.reader() as second:
            assert first is second
            before = first.execute("SELECT count(*) FROM audit_log").fetchall()[0][0]
        access.audit(demo[0], "export", user="tester", target="test", wait=5.0)
        with data.reader() as after:
            assert after is not first
            assert after.execute("SELECT count(*) FROM audit_log").fetchall()[0][0] == before + 1
        data.close_request_reader()
        with data.reader() as fresh:
            assert fresh is not after


# -- user review: readable panels, no unfinished-feature text, the URL's region kept ------------------

def _grid_defs(node, grid_id: str) -> dict[str, dict]:
    grid = find_id(node, {"type": "grid-export-grid", "grid": grid_id}) or find_id(node, grid_id)
    assert grid is not None, grid_id
    return {d["field"]: d for d in grid["props"]["columnDefs"]}


def _grid_col_span(layout, inner_id: str):
    """The span of the dmc.GridCol (page section) that holds the component `inner_id`."""
    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "GridCol" and find_id(node, inner_id) is not None:
                return node["props"]["span"]
            return next((s for s in map(walk, node.values()) if s is not None), None)
        if isinstance(node, list):
            return next((s for s in map(walk, node) if s is not None), None)
        return None
    return walk(layout)


def test_submissions_history_and_rejected_rows_are_full_width_with_a_readable_reason(client):
    status, body = route(client, "/submissions")
    assert status == 200
    layout = body["response"]
    for inner in ("sub-history", "sub-rejected"):
        assert _grid_col_span(layout, inner) == {"base": 12, "md": 12}, inner
    for output, grid_id in (("sub-rejected", "sub-rejected-grid"), ("sub-history", "sub-history-grid")):
        shown = panel(client, output, [("sub-params", "data", {}), ("sub-loaded", "data", None)])
        defs = _grid_defs(shown, grid_id)
        assert defs["message"]["minWidth"] >= 300 and defs["message"].get("flex") == 1, output
        assert defs["message"]["wrapText"] is True


@pytest.mark.parametrize("lang,wanted", [("zh", "逐次装载的文件清单只向权限范围覆盖全辖区的账户显示"),
                                         ("en", "shown only to accounts whose scope covers the whole jurisdiction")])
def test_load_history_of_a_narrower_scope_says_why_it_is_per_kind(client, demo, lang, wanted):
    city = signed_in_client(demo[0], "inspector-hz")
    params = {"lang": lang} if lang == "en" else {}
    shown = panel(city, "sub-history", [("sub-params", "data", params), ("sub-loaded", "data", None)])
    words = " ".join(texts(shown))
    assert wanted in words and "待接入" not in words and "pending" not in words
    assert _grid_defs(shown, "sub-history-grid").keys() >= {"kind_zh", "last_loaded_at", "rows_current"}
    # the province-wide administrator gets the file-by-file log, without the note
    full = panel(client, "sub-history", [("sub-params", "data", params), ("sub-loaded", "data", None)])
    assert "source_file" in _grid_defs(full, "sub-history-grid") and find_id(full, "sub-history-note") is None
    # each file's status in the page's language, not the loader's code
    from tests.test_grid_export import grid_in
    statuses = {r["status"] for r in grid_in(full, "sub-history-grid")["rowData"]}
    from dashboards.pages.submissions import STATUS_EN
    from schemas.rules import STATUS_ZH
    assert statuses and statuses <= set((STATUS_EN if lang == "en" else STATUS_ZH).values()), statuses


def test_organ_profile_lists_every_inspection_of_the_organ(client, demo):
    from warehouse import queries
    con = queries.connect(demo[0], read_only=True)
    try:
        f = queries.Filters(today=TODAY)
        inspections = queries.inspections(con, f)
        with_orders = set(queries.rectifications(con, f)["inspection_code"].to_list())
    finally:
        con.close()
    # an organ with an inspection that ordered no rectification (the old fallback left those out)
    plain = inspections.filter(~inspections["inspection_code"].is_in(list(with_orders)))
    code = plain["organ_code"][0]
    expected = set(inspections.filter(inspections["organ_code"] == code)["inspection_code"].to_list())
    region = inspections.filter(inspections["organ_code"] == code)["region_code"][0]
    for params in ({"code": code, "organ_region": region}, {"code": code, "organ_region": region, "lang": "en"}):
        shown = panel(client, "op-inspections", [("op-params", "data", params)])
        grid = find_id(shown, {"type": "grid-export-grid", "grid": "op-inspections-grid"})
        assert {r["inspection_code"] for r in grid["props"]["rowData"]} == expected
        words = " ".join(texts(shown))
        assert "待接入" not in words and "pending" not in words


def _mount_filters(client, path: str, search: str):
    """What the browser sends when a page's filter bar mounts: shell.filters_to_url with every filter
    input (in layout order, with the values the layout gave them) marked as changed."""
    status, body = route(client, path, search)
    assert status == 200
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and isinstance(props.get("id"), dict) and props["id"].get("type") == "flt":
                found.append({"id": props["id"], "value": props.get("value")})
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(body["response"])
    key = lambda i: json.dumps(i, sort_keys=True, separators=(",", ":"))  # noqa: E731
    request = {"output": "url.href", "outputs": {"id": "url", "property": "href"},
               "inputs": [[{"id": f["id"], "property": "value", "value": f["value"]} for f in found]],
               "state": [[{"id": f["id"], "property": "id", "value": f["id"]} for f in found],
                         {"id": "url", "property": "pathname", "value": path},
                         {"id": "url", "property": "search", "value": search}],
               "changedPropIds": [f"{key(f['id'])}.value" for f in found]}
    response = client.post("/_dash-update-component", json=request)
    if response.status_code == 204:
        return None
    assert response.status_code == 200
    return response.get_json()["response"]["url"]["href"]


def test_vendors_keeps_the_urls_region_like_overdue(client, demo):
    city = signed_in_client(demo[0], "inspector-hz")          # scope 杭州市 330100
    # the city's districts are its first choice; there is no (always disabled) second level
    _status, body = route(city, "/overdue")
    region = find_id(body["response"], {"type": "flt", "name": "region"})["props"]
    assert region["data"][0]["value"] == "330100.self" and all(o["value"].startswith("3301") for o in region["data"])
    assert find_id(body["response"], {"type": "flt", "name": "district"}) is None
    _status, body = route(client, "/overdue")
    assert find_id(body["response"], {"type": "flt", "name": "district"}) is not None
    # a region outside the scope: the URL stays, and the page selects no vendor (like /overdue)
    assert _mount_filters(city, "/overdue", "?region=330200") is None
    assert _mount_filters(city, "/vendors", "?region=330200") is None
    status, body = call(city, [("vr-grid", "getRowsResponse"), ("vr-count", "children")],
                        [("vr-grid", "getRowsRequest", {"startRow": 0, "endRow": 50, "sortModel": []})],
                        [("vr-params", "data", {"region": "330200"})])
    assert status == 200 and body["response"]["vr-grid"]["getRowsResponse"]["rowCount"] == 0
    tiers = panel(city, "vr-tiers", [("vr-params", "data", {"region": "330200"})])
    assert any("没有数据" in w for w in texts(tiers))
    # a district stays a district (it was widened to its city), for every role
    assert _mount_filters(client, "/vendors", "?region=330102") is None
    assert _mount_filters(client, "/vendors", "?region=330100&tier=D") is None
    # the filters still write the URL when the user changes them
    ids = [{"type": "flt", "name": n} for n in ("region", "district", "service", "tier", "q")]
    body = {"output": "url.href", "outputs": {"id": "url", "property": "href"},
            "inputs": [[{"id": i, "property": "value", "value": v}
                        for i, v in zip(ids, ["330100", "330106", None, None, ""])]],
            "state": [[{"id": i, "property": "id", "value": i} for i in ids],
                      {"id": "url", "property": "pathname", "value": "/vendors"},
                      {"id": "url", "property": "search", "value": "?region=330100"}],
            "changedPropIds": ['{"name":"district","type":"flt"}.value']}
    response = client.post("/_dash-update-component", json=body)
    assert response.get_json()["response"]["url"]["href"] == "/vendors?region=330106"


# -- links that keep what the user chose, English profiles, named axes, list titles -----------------

def test_tier_cards_keep_the_search_text(client):
    cards = panel(client, "vr-tiers", [("vr-params", "data", {"q": "杭州"})])
    assert find_id(cards, "vr-tier-D")["props"]["href"] == "/vendors?tier=D&q=%E6%9D%AD%E5%B7%9E"
    # a second click on the chosen tier clears the tier, not the search
    cards = panel(client, "vr-tiers", [("vr-params", "data", {"q": "杭州", "tier": "D", "lang": "en"})])
    assert find_id(cards, "vr-tier-D")["props"]["href"] == "/vendors?q=%E6%9D%AD%E5%B7%9E&lang=en"


@pytest.mark.parametrize("path,search,expected", [
    ("/overdue", "?tier=D&view=rectifications&status=all", "/overdue?view=rectifications&status=all"),
    ("/vendors", "?region=330100&q=杭州&lang=en", "/vendors?lang=en"),
    ("/vendors", "?q=杭州", "/vendors"),
    ("/", "?period=2025", "/"),
])
def test_clear_filters_keeps_the_language_and_the_list(client, path, search, expected):
    status, body = route(client, path, search)
    assert status == 200
    assert find_id(body["response"], "filter-reset")["props"]["href"] == expected


def _vendor_with_certificates(client):
    vendors = section(client, "ov-vendors", "ov-params", {})
    for row in find_id(vendors, "ov-top-vendors")["props"]["children"][:-1]:
        code = row["props"]["children"][0]["props"]["href"].split("/vendors/")[1].split("?")[0]
        quals = panel(client, "vp-quals", [("vp-params", "data", {"code": code, "lang": "en"})])
        if find_id(quals, "vp-quals-graph") is not None:
            return code
    raise AssertionError("no vendor of the demo has certificates")


def test_a_certificate_says_how_long_it_has_left_or_since_when_it_has_expired(client, demo):
    from warehouse import queries
    con = queries.connect(demo[0], read_only=True)
    try:
        quals = con.sql("SELECT vendor_code, expires_on FROM qualifications").pl()
    finally:
        con.close()
    expired = quals.filter(quals["expires_on"] < TODAY).row(0, named=True)
    code, days = expired["vendor_code"], (TODAY - expired["expires_on"]).days
    zh = texts(panel(client, "vp-quals", [("vp-params", "data", {"code": code})]))
    assert f"已过期 {days} 天" in zh and not any(w.startswith("-") for w in zh)
    en = texts(panel(client, "vp-quals", [("vp-params", "data", {"code": code, "lang": "en"})]))
    assert f"expired {days} days ago" in en


def test_an_organs_submissions_run_quarter_by_quarter_without_jumps(client, demo):
    from warehouse import queries
    con = queries.connect(demo[0], read_only=True)
    try:
        subs = queries.submission_completeness(con, queries.Filters(today=TODAY))
    finally:
        con.close()
    gaps = subs.group_by("organ_code").agg(n=pl.len(), first=pl.col("quarter_start").min(),
                                           last=pl.col("quarter_start").max())
    # an organ whose quarters with something due are not consecutive
    organ = gaps.filter(((pl.col("last") - pl.col("first")).dt.total_days() / 91).round() + 1 > pl.col("n")
                        )["organ_code"].sort()[0]
    tree = panel(client, "op-submissions", [("op-params", "data", {"code": organ})])
    x = find_id(tree, "op-submissions-graph")["props"]["figure"]["data"][0]["x"]
    quarters = [tuple(int(n) for n in re.findall(r"\d+", q)[:2]) for q in x]     # 2025年第1季度 → (2025, 1)
    assert all((y2 * 4 + q2) - (y1 * 4 + q1) == 1 for (y1, q1), (y2, q2) in zip(quarters, quarters[1:])), x
    assert "空白的季度" in " ".join(texts(find_id(tree, "op-submissions-gaps")))


def test_english_profiles_show_the_contracts_values_in_english(client, demo):
    import re
    cjk = re.compile(r"[\u4e00-\u9fff（）]")
    code = _vendor_with_certificates(client)
    for lang in ("en", "zh"):
        quals = panel(client, "vp-quals", [("vp-params", "data", {"code": code, "lang": lang})])
        labels = [t["y"][0] for t in find_id(quals, "vp-quals-graph")["props"]["figure"]["data"]]
        kinds = [label.split(" · ")[0] for label in labels]     # the certificate number is data
        assert all(not kind.endswith(" 无") for kind in kinds), kinds
        if lang == "en":
            assert not [k for k in kinds if cjk.search(k)], kinds
    from warehouse import queries
    con = queries.connect(demo[0], read_only=True)
    try:
        organ = queries.organ_schedule(con, queries.Filters(today=TODAY))["organ_code"][0]
    finally:
        con.close()
    status, body = route(client, f"/organs/{organ}", "?lang=en")
    facts = texts(find_id(body["response"], "op-facts"))
    assert not [f for f in facts if f in ("省级", "市级", "县级", "乡镇级")], facts
    assert [f for f in facts if re.fullmatch(r"\d+ \(\d+\)", f)], facts


def _figure(node, graph_id):
    return find_id(node, graph_id)["props"]["figure"]["layout"]


def test_every_count_axis_is_named(client):
    def title(axis):
        return ((axis or {}).get("title") or {}).get("text")
    ov = {name: section(client, name, "ov-params", {}) for name in ("ov-categories", "ov-incidents", "ov-trend-region")}
    assert title(_figure(ov["ov-categories"], "ov-categories-graph")["xaxis"]) == "有不符合项的检查占比"
    incidents = _figure(ov["ov-incidents"], "ov-incidents-graph")
    assert title(incidents["yaxis"]) == title(incidents["xaxis2"]) == "事件数（起）"
    heatmap = find_id(ov["ov-trend-region"], "ov-region-heatmap")["props"]["figure"]["data"][0]
    assert heatmap["colorbar"]["title"]["text"] == "合格率"
    assert heatmap["hoverongaps"] is False         # a quarter without inspections is not a 0.0% pass rate
    summary = section(client, "od-summary", "od-params", {"lang": "en"})
    assert title(_figure(summary, "od-summary-graph")["yaxis"]) == "Organs / rectification items"
    code = _vendor_with_certificates(client)
    inspections = panel(client, "vp-inspections", [("vp-params", "data", {"code": code})])
    assert title(_figure(inspections, "vp-inspections-graph")["yaxis"]) == "检查次数"


@pytest.mark.parametrize("search,title", [("", "逾期检查"), ("?status=due_soon", "即将到期的检查"),
                                          ("?view=rectifications&status=all", "逾期与即将到期的整改"),
                                          ("?status=due_soon&lang=en", "Checks due soon")])
def test_overdue_list_is_titled_by_what_it_holds(client, search, title):
    from dashboards import state
    from dashboards.pages.overdue import export_name
    status, body = route(client, "/overdue", search)
    assert status == 200 and title in texts(body["response"])
    assert export_name(state.parse_search(search)).startswith(title.replace(" ", "-").lower() + "_")


def test_long_names_in_link_columns_have_a_tooltip(client):
    status, body = route(client, "/overdue")
    assert _grid_defs(body["response"], "od-grid")["organ_link"]["tooltipValueGetter"] == \
        {"function": "linkText(params.value)"}


def test_profiles_give_their_wide_tables_the_full_row(client, demo):
    from warehouse import queries
    con = queries.connect(demo[0], read_only=True)
    try:
        organ = queries.organ_schedule(con, queries.Filters(today=TODAY))["organ_code"][0]
    finally:
        con.close()
    status, body = route(client, f"/organs/{organ}")
    for inner in ("op-inspections", "op-rects", "op-incidents"):
        assert _grid_col_span(body["response"], inner) == {"base": 12, "md": 12}, inner
    code = _vendor_with_certificates(client)
    status, body = route(client, f"/vendors/{code}")
    assert _grid_col_span(body["response"], "vp-inspections") == {"base": 12, "md": 12}
    shown = panel(client, "op-submissions", [("op-params", "data", {"code": organ})])
    marks = _trace(find_id(shown, "op-submissions-graph"), "迟报")
    assert 0 not in marks["y"], marks["y"]          # no late-submission marker drawn at zero


def _trace(graph, name: str) -> dict:
    return next(t for t in graph["props"]["figure"]["data"] if t["name"] == name)


def test_an_organs_evaluations_not_yet_due_are_awaited_not_missing(client, demo, monkeypatch):
    """Ten days after 2026-Q3 ended its evaluations are not yet due (quarter end + 15 days): the
    organ page draws them as 待报 in grey, not as 缺报."""
    from warehouse import queries
    con = queries.connect(demo[0], read_only=True)
    try:
        organ = con.sql("SELECT organ_code FROM mart_submissions WHERE quarter = '2026-Q3' AND missing > 0 "
                        "ORDER BY organ_code LIMIT 1").fetchall()[0][0]
    finally:
        con.close()
    graphs = {}
    for day in ("2026-10-10", "2026-11-25"):
        monkeypatch.setenv("OVERSIGHT_TODAY", day)
        graphs[day] = find_id(panel(client, "op-submissions", [("op-params", "data", {"code": organ})]),
                              "op-submissions-graph")
    before, after = graphs["2026-10-10"], graphs["2026-11-25"]
    quarter = _trace(before, "缺报")["x"].index("2026年<br>第3季度")
    assert _trace(before, "缺报")["y"][quarter] is None
    assert _trace(before, "待报（未到报送期限）")["y"][quarter] > 0
    assert _trace(after, "缺报")["y"][quarter] > 0
    assert _trace(after, "待报（未到报送期限）")["showlegend"] is False


def test_incident_types_have_room_between_the_panels(client):
    gaps = {}
    for lang in ("zh", "en"):
        shown = section(client, "ov-incidents", "ov-params", {"lang": lang})
        layout = _figure(shown, "ov-incidents-graph")
        gaps[lang] = layout["xaxis2"]["domain"][0] - layout["xaxis"]["domain"][1]
    # "Qualification missing or expired" needs more room than 资质缺失或过期
    assert gaps["en"] > gaps["zh"] >= 0.12 and gaps["en"] >= 0.25, gaps


def test_long_headers_wrap_instead_of_being_cut(client):
    status, body = route(client, "/overdue")
    grid = find_id(body["response"], "od-grid")
    assert grid["props"]["defaultColDef"]["wrapHeaderText"] and grid["props"]["defaultColDef"]["autoHeaderHeight"]
    regions = section(client, "ov-regions", "ov-params", {})
    inner = find_id(regions, {"type": "grid-export-grid", "grid": "ov-regions-grid"})
    assert inner["props"]["defaultColDef"]["wrapHeaderText"]


def test_a_search_that_finds_no_vendor_says_so(client):
    for lang, wanted in (("zh", "没有名称或信用代码含「不存在的名字」的服务机构"), ("en", "contains “不存在的名字”")):
        shown = panel(client, "vr-tiers", [("vr-params", "data", {"q": "不存在的名字", "lang": lang})])
        assert any(wanted in w for w in texts(shown)), texts(shown)


@pytest.mark.parametrize("path,search,title", [("/", "?lang=en", "Overview · Archive Oversight"),
                                               ("/overdue", "", "检查与整改 · 档案外包监管分析"),
                                               ("/planning", "?lang=en", "Inspection plan · Archive Oversight"),
                                               ("/export", "?lang=en", "Exports · Archive Oversight")])
def test_the_tab_title_is_in_the_pages_language(client, path, search, title):
    status, body = route(client, path, search)
    assert body["response"]["_pages_store"]["data"]["title"] == title


def test_english_tier_labels_have_room_in_grids(client):
    widths = {}
    for lang in ("zh", "en"):
        status, body = route(client, "/overdue", f"?lang={lang}")
        widths[lang] = _grid_defs(body["response"], "od-grid")["tier"]["width"]
    assert widths == {"zh": 104, "en": 128}     # "B moderate", not "B moder…"
