"""The 检查计划 page through Flask's test client: draw a plan (and be refused a re-draw without a
reason), show it (summary, calendar, visits, unstaffed reasons, plan against achieved), download
the plan workbook and the 公示 list, in Chinese and English."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import openpyxl
import pytest

from tests.dash_support import find_id, post_callback, route, signed_in_client, texts
from tests.planning_registry import T0, build_province
from tests.factories import organ_code


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory) -> Path:
    return build_province(tmp_path_factory.mktemp("planning_page"))


@pytest.fixture
def client(warehouse_path, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_WAREHOUSE", str(warehouse_path))
    monkeypatch.setenv("OVERSIGHT_TODAY", T0.isoformat())
    return signed_in_client(warehouse_path, "admin")


def draw(client, *, seed=7, reason=None, redraw=False, params=None, period="2026-Q1") -> dict:
    return post_callback(client, "pl-draw-result.children",
                inputs=[{"id": "pl-draw", "property": "n_clicks", "value": 1}],
                state=[{"id": "pl-period", "property": "value", "value": period},
                       {"id": "pl-seed", "property": "value", "value": seed},
                       {"id": "pl-reason", "property": "value", "value": reason},
                       {"id": "pl-redraw", "property": "checked", "value": redraw},
                       {"id": "pl-params", "property": "data", "value": params or {}}],
                changed=["pl-draw.n_clicks"])


def show(client, value, params=None) -> dict:
    return post_callback(client, "pl-summary.children", inputs=[{"id": "pl-plan", "property": "value", "value": value}],
                state=[{"id": "pl-params", "property": "data", "value": params or {}}], changed=["pl-plan.value"])


def downloads_enabled(client, value, params=None) -> tuple:
    """(plan workbook disabled, 公示 list disabled, hint) for the plan chosen in the picker."""
    got = post_callback(client, "pl-get-plan.disabled", inputs=[{"id": "pl-plan", "property": "value", "value": value}],
                        state=[{"id": "pl-params", "property": "data", "value": params or {}}],
                        changed=["pl-plan.value"])
    return got["pl-get-plan"]["disabled"], got["pl-get-public"]["disabled"], got["pl-download-hint"]["children"]


def download(client, which: str) -> tuple[str, bytes]:
    button = "pl-get-plan" if which == "plan" else "pl-get-public"
    got = post_callback(client, "pl-download.data",
               inputs=[{"id": "pl-get-plan", "property": "n_clicks", "value": 1 if which == "plan" else None},
                       {"id": "pl-get-public", "property": "n_clicks", "value": 1 if which != "plan" else None}],
               state=[{"id": "pl-plan", "property": "value", "value": "1"}], changed=[f"{button}.n_clicks"])
    payload = got["pl-download"]["data"]
    content = base64.b64decode(payload["content"]) if payload.get("base64") else payload["content"].encode()
    return payload["filename"], content


def test_the_planning_page_draws_shows_and_downloads(client):
    assert client.get("/planning").status_code == 200
    from dashboards.pages import planning as page
    status, routed = route(client, "/planning")
    assert status == 200
    layout = json.dumps(routed, ensure_ascii=False)
    for wanted in ("pl-draw", "pl-seed", "pl-reason", "pl-plan", "pl-get-plan", "pl-get-public", "2026年第1季度"):
        assert wanted in layout, wanted
    assert "尚无检查计划" in " ".join(texts(show(client, None)))
    # no plan yet: both downloads are disabled, and the page says why
    for button in ("pl-get-plan", "pl-get-public"):
        assert find_id(routed, button)["props"]["disabled"] is True, button
    assert "抽取计划后才能下载计划工作簿和公示名单。" in texts(find_id(routed, "pl-download-hint"))
    assert downloads_enabled(client, None) == (True, True, "抽取计划后才能下载计划工作簿和公示名单。")
    assert downloads_enabled(client, None, {"lang": "en"})[2] == "Draw a plan first to download its workbook and public notice list."

    drawn = draw(client)
    assert drawn["pl-plan"]["value"] == "1"
    assert "已抽取2026年第1季度检查计划：第1号，种子7" in " ".join(texts(drawn["pl-draw-result"]["children"]))
    assert [o["value"] for o in drawn["pl-plan"]["data"]] == ["1"]
    again = draw(client, seed=99)
    assert "未重新抽取" in " ".join(texts(again["pl-draw-result"]["children"])) and again["pl-plan"]["value"] == "1"
    refused = draw(client, redraw=True)
    assert "须填写原因" in " ".join(texts(refused["pl-draw-result"]["children"]))
    assert "pl-plan" not in refused  # nothing re-drawn, the chosen plan stays

    assert downloads_enabled(client, drawn["pl-plan"]["value"]) == (False, False, "")
    assert "The workbooks are in Chinese" in downloads_enabled(client, drawn["pl-plan"]["value"], {"lang": "en"})[2]
    _status, routed = route(client, "/planning")     # a plan exists: the page opens with them enabled
    assert find_id(routed, "pl-get-plan")["props"]["disabled"] is False
    assert find_id(routed, "pl-get-public")["props"]["disabled"] is False

    shown = show(client, "1")
    words = " ".join(texts(shown))
    assert "现行计划" in words and "首次抽取" in words
    figure = shown["pl-calendar"]["children"]["props"]["children"]["props"]["figure"]
    bars = {trace["name"]: trace for trace in figure["data"]}
    assert "必检" in bars and "未能派员" in bars  # organ 1 staffed (forced), organ 4 without a team
    assert bars["必检"]["base"][0] == "2026-01-01"
    grid = find_id(shown["pl-visits"], {"type": "grid-export-grid", "grid": "pl-visit-grid"})["props"]
    rows = {r["organ_code"]: r for r in grid["rowData"]}
    assert {organ_code(1), organ_code(4)} <= set(rows)
    assert rows[organ_code(1)]["selection_text"] == "必检" and "丙" not in rows[organ_code(1)]["inspectors"]
    assert rows[organ_code(4)]["staffing_text"] == "未能派员" and rows[organ_code(4)]["achieved_text"] == "待检查"
    assert rows[organ_code(4)]["notes_text"] is None      # an unstaffed visit's why is in its own column and panel
    assert "仅余1名，每次检查须至少2名检查人员，本次检查暂未派员" in " ".join(texts(shown["pl-unstaffed"]))
    assert "完成率" in " ".join(texts(shown["pl-achieved"]))

    name, content = download(client, "plan")
    assert name == "检查计划_2026-Q1_第1号.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames == ["检查任务", "未能派员", "检查人员任务", "抽取说明"]
    name, content = download(client, "public")
    assert name == "抽查公示名单_2026-Q1_第1号.xlsx"
    cells = [str(c.value) for row in openpyxl.load_workbook(io.BytesIO(content))["公示名单"].iter_rows()
             for c in row if c.value is not None]
    assert not any(n in c for c in cells for n in ("甲", "乙", "丙", "丁", "戊"))

    english = show(client, "1", {"lang": "en"})
    words = " ".join(texts(english))
    assert "In force" in words and "Only 1 of 5 active inspectors can go" in words
    assert "Must check" in {t["name"] for t in english["pl-calendar"]["children"]["props"]["children"]["props"]
                            ["figure"]["data"]}
    redo = draw(client, seed=8, reason="名录更正", redraw=True, params={"lang": "en"})
    assert redo["pl-plan"]["value"] == "2" and "Plan #2 drawn" in " ".join(texts(redo["pl-draw-result"]))
    labels = [o["label"] for o in redo["pl-plan"]["data"]]
    assert labels[0].startswith("#2") and "superseded by #2" in labels[1]


# -- the review's defects (each test after the one above: plan 1, 2026-Q1, drawn first with seed 7) ---

def test_the_page_refuses_in_its_language_without_naming_cli_options(client):
    refused = " ".join(texts(draw(client, redraw=True)["pl-draw-result"]["children"]))
    assert "重新抽取须填写原因，原因将与新计划一并记录" in refused and "--" not in refused
    refused = " ".join(texts(draw(client, redraw=True, params={"lang": "en"})["pl-draw-result"]["children"]))
    assert "A redraw needs a reason; it is recorded with the new plan" in refused
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in refused), refused
    # a re-draw of a period without a plan: the page's words, not the CLI's
    nothing = " ".join(texts(draw(client, redraw=True, reason="试", period="2026-Q2")["pl-draw-result"]))
    assert "2026年第2季度尚无检查计划" in nothing and "取消勾选“重新抽取”" in nothing and "--" not in nothing
    nothing = " ".join(texts(draw(client, redraw=True, reason="x", period="2026-Q2", params={"lang": "en"})
                             ["pl-draw-result"]))
    assert "Q2 2026 has no plan yet" in nothing and "untick Re-draw" in nothing
    # asked again without Re-draw: the plan in force is shown, and the page says how to re-draw on the page
    again = " ".join(texts(draw(client)["pl-draw-result"]))
    assert "未重新抽取" in again and "勾选“重新抽取”并填写原因" in again and "--" not in again


def test_the_first_draws_reason_is_shown_in_the_pages_language(client):
    draw(client)     # plan 1, the period's first draw, exists (drawn now, or already)
    english = " ".join(texts(show(client, "1", {"lang": "en"})["pl-summary"]))
    assert "First draw" in english and "首次抽取" not in english
    assert "首次抽取" in " ".join(texts(show(client, "1")["pl-summary"]))


def test_the_execution_cards_add_up_to_the_plan(client):
    draw(client)
    for lang, pending in (("zh", "待检查"), ("en", "Pending")):
        shown = show(client, "1", {"lang": lang})["pl-achieved"]
        value = lambda card: int(texts(find_id(shown, f"pl-kpi-{card}-value"))[0].replace(",", ""))  # noqa: E731
        parts = [value(c) for c in ("achieved", "pending", "behind", "missed")]
        assert value("planned") > 0 and sum(parts) == value("planned")
        assert parts[1] == value("planned")            # drawn before the quarter: every visit is pending
        assert pending in texts(find_id(shown, "pl-kpi-pending"))
    # the cards name the statuses as the visits table does
    grid = find_id(show(client, "1", {"lang": "en"})["pl-visits"],
                   {"type": "grid-export-grid", "grid": "pl-visit-grid"})["props"]
    assert {r["achieved_text"] for r in grid["rowData"]} == {"Pending"}


def test_the_suggested_dates_have_room_for_a_full_date(client):
    draw(client)
    for lang in ("zh", "en"):
        grid = find_id(show(client, "1", {"lang": lang})["pl-visits"],
                       {"type": "grid-export-grid", "grid": "pl-visit-grid"})["props"]
        widths = {c["field"]: c.get("width") for c in grid["columnDefs"]}
        assert widths["window_start"] >= 140 and widths["window_end"] >= 140   # 2026年11月27日 at 13 px


def test_every_panel_says_when_no_plan_is_drawn(client):
    for lang, wanted in (("zh", "尚未抽取本期检查计划。"), ("en", "No plan drawn for this period yet.")):
        shown = show(client, None, {"lang": lang})
        for panel in ("pl-calendar", "pl-visits", "pl-unstaffed", "pl-achieved"):
            assert wanted in texts(shown[panel]["children"]), panel
            assert shown[panel]["children"]["props"]["className"] == "empty-state", panel


@pytest.mark.parametrize("username, zh, en, refused_zh, refused_en", [
    ("leader", "只有检查员和数据管理员可以抽取检查计划", "Only inspectors and data administrators draw the inspection plan",
     "领导无权抽取检查计划", "The leader role may not draw the inspection plan"),
    ("inspector-hz", "须由权限范围覆盖全辖区的账户抽取", "by an account whose scope covers all of it",
     "抽取检查计划须由权限范围覆盖全辖区的账户进行（您的权限范围为杭州市）",
     "Only an account whose scope covers the whole jurisdiction may draw the inspection plan (your scope: 杭州市)"),
])
def test_who_may_not_draw_is_told_why(warehouse_path, monkeypatch, username, zh, en, refused_zh, refused_en):
    monkeypatch.setenv("OVERSIGHT_WAREHOUSE", str(warehouse_path))
    monkeypatch.setenv("OVERSIGHT_TODAY", T0.isoformat())
    other = signed_in_client(warehouse_path, username)
    _status, routed = route(other, "/planning")
    said = " ".join(texts(find_id(routed, "pl-no-draw")))
    assert zh in said and find_id(routed, "pl-draw") is None
    assert ("覆盖全辖区" in said) == (username != "leader")     # a leader's scope is the whole province
    _status, routed = route(other, "/planning", "?lang=en")
    assert en in " ".join(texts(find_id(routed, "pl-no-draw")))
    # a draw posted by hand (no button shown) is refused, in the page's language
    for params, wanted, unwanted in (({}, refused_zh, "may not"), ({"lang": "en"}, refused_en, "无权")):
        said = " ".join(texts(draw(other, params=params)["pl-draw-result"]["children"]))
        assert wanted in said and unwanted not in said, said


def unstaffed_rows(n: int, reason_zh: str, reason_en: str, first: int = 1) -> list[dict]:
    return [{"visit_no": k, "organ_code": organ_code(k), "organ_name": f"测试机关{k}", "reason_code": "TOO_FEW_INSPECTORS",
             "reason_zh": reason_zh, "reason_en": reason_en, "needed": 2, "active": 1, "recused_registry": 0,
             "recused_last": 0, "at_capacity": 0, "available": 1} for k in range(first, first + n)]


def test_a_visits_notes_are_shown_in_the_pages_language():
    import datetime as dt

    import polars as pl

    from dashboards.pages import planning as page
    from etl.planning.draw import SPREAD_NOTE
    visits = pl.DataFrame({"visit_no": [1, 2], "organ_code": ["A", "B"], "organ_name": ["甲", "乙"],
                           "selection": ["forced", "forced"], "status": ["staffed", "unstaffed"],
                           "notes_zh": ["缺少具备“保密”、“档案修复”专长的可派检查人员；" + SPREAD_NOTE.format(day=31), "检查人员不足"],
                           "inspector_names": [["丙", "丁"], []], "window_start": [dt.date(2026, 1, 31)] * 2})
    achieved = pl.DataFrame({"visit_no": [1, 2], "planned": [True, True], "status": ["pending", "pending"]})
    # an expertise the configuration names is in English; one it does not is shown as written
    for lang, wanted in (("zh", "缺少具备“保密”、“档案修复”专长的可派检查人员；逾期检查较多，按检查人员每月可检次数顺延至计划开始后第31日起"),
                         ("en", "No available inspector has the expertise needed: secrecy, 档案修复; Many overdue checks: "
                                "starts from day 31 "
                                "of the plan, within the inspectors' monthly capacity")):
        shown = page.visits_display(visits, achieved, {"lang": lang})
        assert shown["notes_text"].to_list() == [wanted, None]
    assert "notes_text" in {c.field for c in page.visit_columns("en")}


def test_unstaffed_visits_sharing_a_reason_share_a_card():
    import polars as pl

    from dashboards.pages import planning as page
    rows = pl.DataFrame(unstaffed_rows(63, "检查人员名录中在岗人员仅1名，须至少2名", "Only 1 active inspector")
                        + unstaffed_rows(1, "另一原因", "Another reason", first=64))
    for lang, title, more in (("zh", "63项检查未能派员", "等63家"), ("en", "63 visits without a team", "and 53 more")):
        panel = json.loads(json.dumps(page.unstaffed_panel(rows, lang).to_plotly_json(), default=lambda o: o.to_plotly_json()))
        cards = panel["props"]["children"]
        assert len(cards) == 2
        words = texts(cards[0])
        assert title in words and any(w.endswith(more) and "10. 测试机关10" in w and "11. " not in w for w in words)
        assert "64. 测试机关64" in texts(cards[1])


def test_a_plan_with_many_unstaffed_visits_groups_them(tmp_path, monkeypatch):
    """Twelve organs, all drawn, and one active inspector: every visit lacks a team for one reason."""
    from etl.planning import config as planning_config
    from etl.planning import service
    from tests.factories import ORGAN_HEADERS, organ_row, write_csv
    from tests.planning_registry import INSPECTOR_HEADERS, load_files
    files = tmp_path / "files"
    files.mkdir()
    write_csv(files / "organs.csv", ORGAN_HEADERS, [organ_row(n) for n in range(1, 13)])
    write_csv(files / "inspectors.csv", INSPECTOR_HEADERS, [["浙A-330100-001", "甲", "330100", "整理", "", "是"]])
    wh = tmp_path / "wh" / "oversight.duckdb"
    load_files(wh, T0, files)
    everyone = planning_config.default().with_overrides(sampling={
        "ratio": {t: 1.0 for t in "ABCD"}, "bands": {t: [0.0, 1.0] for t in "ABCD"}})
    outcome = service.make_plan(wh, "2026-Q1", today=T0, seed=1, config=everyone)
    assert outcome.plan["unstaffed"] == outcome.plan["visits"] == 12
    monkeypatch.setenv("OVERSIGHT_WAREHOUSE", str(wh))
    monkeypatch.setenv("OVERSIGHT_TODAY", T0.isoformat())
    client = signed_in_client(wh, "admin")
    for lang, title, more in (("zh", "12项检查未能派员", "等12家"), ("en", "12 visits without a team", "and 2 more")):
        panel = show(client, str(outcome.plan["plan_id"]), {"lang": lang})["pl-unstaffed"]["children"]
        cards = panel["props"]["children"]
        assert len(cards) == 1 and title in texts(cards[0])
        assert any(w.endswith(more) for w in texts(cards[0]))
