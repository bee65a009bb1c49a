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


def draw(client, *, seed=7, reason=None, redraw=False, params=None) -> dict:
    return post_callback(client, "pl-draw-result.children",
                inputs=[{"id": "pl-draw", "property": "n_clicks", "value": 1}],
                state=[{"id": "pl-period", "property": "value", "value": "2026-Q1"},
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
    assert "已抽取2026-Q1检查计划：第1号，种子7" in " ".join(texts(drawn["pl-draw-result"]["children"]))
    assert [o["value"] for o in drawn["pl-plan"]["data"]] == ["1"]
    again = draw(client, seed=99)
    assert "未重新抽取" in " ".join(texts(again["pl-draw-result"]["children"])) and again["pl-plan"]["value"] == "1"
    refused = draw(client, redraw=True)
    assert "须说明原因" in " ".join(texts(refused["pl-draw-result"]["children"]))
    assert "pl-plan" not in refused  # nothing re-drawn, the chosen plan stays

    assert downloads_enabled(client, drawn["pl-plan"]["value"]) == (False, False, "")
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
