"""The 导出 page through Flask's test client: start a background export, poll its progress, download
the workbook and the snapshot."""

from __future__ import annotations

import base64
import io
import json
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.dash_support import post_callback, route, signed_in_client
from tests.export_support import TODAY, YEAR, sample_warehouse


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory) -> Path:
    return sample_warehouse(tmp_path_factory.getbasetemp() / "export_sample")


@pytest.fixture
def client(warehouse_path, tmp_path, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_WAREHOUSE", str(warehouse_path))
    monkeypatch.setenv("OVERSIGHT_TODAY", TODAY.isoformat())
    signed_in = signed_in_client(warehouse_path, "admin")     # builds the app (once per process) first
    from dashboards.pages import export as page
    monkeypatch.setattr(page.RUNNER, "folder", tmp_path / "exports")
    return signed_in


def test_export_page_runs_in_background_and_downloads(client):
    assert client.get("/export").status_code == 200
    from dashboards.pages import export as page
    status, routed = route(client, "/export")
    assert status == 200
    layout = json.dumps(routed, ensure_ascii=False)
    assert "ex-start" in layout and "年度导出" in layout and f"{YEAR}年" in layout

    started = post_callback(client, "ex-started.children",
                   inputs=[{"id": "ex-start", "property": "n_clicks", "value": 1}],
                   state=[{"id": "ex-year", "property": "value", "value": str(YEAR)},
                          {"id": "ex-kinds", "property": "value", "value": ["workbook", "snapshot"]},
                          {"id": "ex-params", "property": "data", "value": {"region": "330100"}}],
                   changed=["ex-start.n_clicks"])
    job = started["ex-job"]["data"]
    assert started["ex-poll"]["disabled"] is False and len(job["id"]) == 12

    progress, deadline = 0, time.time() + 60
    while time.time() < deadline:
        polled = post_callback(client, "ex-status.children", inputs=[{"id": "ex-poll", "property": "n_intervals", "value": 1}],
                      state=[{"id": "ex-job", "property": "data", "value": job}], changed=["ex-poll.n_intervals"])
        progress = polled["ex-progress"]["value"]
        if polled["ex-poll"]["disabled"]:
            break
        time.sleep(0.2)
    assert progress == 100, polled
    assert "导出完成" in json.dumps(polled["ex-status"]["children"], ensure_ascii=False)

    def download(kind: str) -> bytes:
        got = post_callback(client, "ex-download.data",
                   inputs=[[{"id": {"type": "ex-get", "kind": kind}, "property": "n_clicks", "value": 1}]],
                   state=[{"id": "ex-job", "property": "data", "value": job}],
                   changed=[json.dumps({"kind": kind, "type": "ex-get"}, separators=(",", ":")) + ".n_clicks"])
        payload = got["ex-download"]["data"]
        return base64.b64decode(payload["content"]) if payload.get("base64") else payload["content"].encode()

    wb = openpyxl.load_workbook(io.BytesIO(download("workbook")))
    assert wb.sheetnames[0] == "摘要" and "杭州市" in wb["摘要"].cell(1, 1).value
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(download("snapshot"))).read("manifest.json"))
    assert manifest["region"] == "330100" and manifest["year"] == YEAR
