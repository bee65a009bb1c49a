"""Access control over HTTP, through Flask's test client against the real app and a demo warehouse:
a city-scoped user gets nothing outside its city from pages, callbacks posted by hand and exports;
an inspector cannot load data; lockout through the sign-in form; no password or hash in any
response or log line; CSRF, security headers and cookies; the audit log records each action."""

from __future__ import annotations

import base64
import io
import json
import logging
import re

import openpyxl
import polars as pl
import pytest

from tests.dash_support import (DEMO_PASSWORDS, NEW_ORGAN_CODE, BrowserLikeClient, app_env, call, csrf_from,  # noqa: F401
                                demo, find_id, organs_csv_with_bad_rows, post_callback, route, sign_in,
                                signed_in_client, texts)
from warehouse import access, db, queries

HANGZHOU = "3301"


@pytest.fixture(scope="module")
def env(demo):
    with app_env(demo[0]) as warehouse:
        yield warehouse


@pytest.fixture(scope="module")
def city(env):
    return signed_in_client(env, "inspector-hz")


@pytest.fixture(scope="module")
def admin(env):
    return signed_in_client(env, "admin")


def organ_regions(warehouse) -> dict[str, str]:
    con = db.connect(warehouse, read_only=True)
    try:
        return dict(con.execute("SELECT organ_code, region_code FROM organs").fetchall())
    finally:
        con.close()


def kpis(client, params: dict) -> dict:
    status, body = call(client, [("ov-kpis", "children")], [("ov-params", "data", params)])
    assert status == 200, body
    tree = body["response"]["ov-kpis"]["children"]
    return {k: find_id(tree, f"kpi-{k}-value")["props"]["children"]
            for k in ("organs_supervised", "inspections", "overdue_checks", "overdue_rectifications")}


def overdue_rows(client, params: dict) -> list[dict]:
    status, body = call(client, [("od-grid", "getRowsResponse"), ("od-count", "children")],
                        [("od-grid", "getRowsRequest", {"startRow": 0, "endRow": 5000, "sortModel": []})],
                        [("od-params", "data", params)])
    assert status == 200, body
    return body["response"]["od-grid"]["getRowsResponse"]["rowData"]


def codes_in(rows: list[dict]) -> set[str]:
    return {m for r in rows for m in re.findall(r"/organs/([0-9A-Z]{18})", str(r.get("organ_link", "")))}


def audit_actions(warehouse, action: str) -> pl.DataFrame:
    con = db.connect(warehouse, read_only=True)
    try:
        return access.audit_entries(con, action=action, limit=None)
    finally:
        con.close()


# -- scope ------------------------------------------------------------------------------------------

def test_a_city_user_sees_the_same_as_an_admin_looking_at_the_city(city, admin):
    assert kpis(city, {}) == kpis(admin, {"region": "330100"})
    assert kpis(city, {}) != kpis(admin, {})


def test_callbacks_posted_by_hand_with_another_city_return_nothing_of_it(city, env):
    nothing = kpis(city, {"region": "330200"})
    assert nothing["organs_supervised"] == "0" and nothing["inspections"] == "0"
    regions = organ_regions(env)
    for params in ({}, {"region": "330200"}, {"region": "330000"}, {"status": "all"},
                   {"view": "rectifications", "status": "all"}):
        codes = codes_in(overdue_rows(city, params))
        assert all(regions[c].startswith(HANGZHOU) for c in codes), params
    assert codes_in(overdue_rows(city, {"status": "all"}))          # the city's own rows are there


def test_a_region_outside_the_scope_is_said_to_be_so_not_shown_as_zeros(city, admin):
    status, body = route(city, "/", "?region=330300")
    assert status == 200
    alert = find_id(body["response"], "scope-outside")
    assert alert is not None and "所选地区（温州市）不在您的权限范围（杭州市）内" in " ".join(texts(alert))
    status, body = route(city, "/overdue", "?region=330300&lang=en")
    assert "The region chosen (温州市) is outside your scope (杭州市)" in " ".join(
        texts(find_id(body["response"], "scope-outside")))
    # the province's own organs (省直机关) lie outside a city's scope too
    assert find_id(route(city, "/", "?region=330000.self")[1]["response"], "scope-outside") is not None
    # inside the scope, or wider than it (narrowed to it), or for an account that sees everything: no alert
    for client, search in ((city, "?region=330106"), (city, "?region=330000"), (admin, "?region=330300")):
        assert find_id(route(client, "/", search)[1]["response"], "scope-outside") is None, search


def test_profiles_outside_the_city_are_not_found(city, admin, env):
    regions = organ_regions(env)
    outside = next(c for c, r in regions.items() if not r.startswith(HANGZHOU))
    inside = next(c for c, r in regions.items() if r.startswith(HANGZHOU))
    status, body = route(city, f"/organs/{outside}")
    assert status == 200 and any("没有找到代码为" in w for w in texts(body))
    status, body = route(city, f"/organs/{inside}")
    assert status == 200 and find_id(body, "op-facts") is not None
    con = db.connect(env, read_only=True)
    try:
        visible = queries.for_user(access.get_user(con, "inspector-hz")).vendors_in_scope(con)
        every = {r[0] for r in con.execute("SELECT vendor_code FROM vendors").fetchall()}
        names = dict(con.execute("SELECT vendor_code, vendor_name FROM vendors").fetchall())
    finally:
        con.close()
    hidden = sorted(every - visible)
    assert hidden, "the demo has vendors that serve no organ of the city"
    status, body = route(city, f"/vendors/{hidden[0]}")
    assert status == 200 and names[hidden[0]] not in json.dumps(body, ensure_ascii=False)
    status, body = route(admin, f"/vendors/{hidden[0]}")
    assert names[hidden[0]] in texts(body)


def test_exports_carry_only_the_city(city, env):
    regions = organ_regions(env)
    response = post_callback(city, "od-download.data",
                             inputs=[{"id": "od-export", "property": "n_clicks", "value": 1}],
                             state=[{"id": "od-params", "property": "data",
                                     "value": {"region": "330200", "status": "all"}}],
                             changed=["od-export.n_clicks"])
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(response["od-download"]["data"]["content"])))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "权限范围：杭州市" in " ".join(values)
    assert not [v for v in values if v in regions and not regions[v].startswith(HANGZHOU)]
    exported = audit_actions(env, "export").row(0, named=True)
    assert exported["username"] == "inspector-hz" and f"共 {json.loads(exported['detail'])['rows']} 行" in values
    # The annual export is narrowed to the city whatever region is asked for.
    from dashboards.pages import export as page
    started = post_callback(city, "ex-started.children",
                            inputs=[{"id": "ex-start", "property": "n_clicks", "value": 1}],
                            state=[{"id": "ex-year", "property": "value", "value": "2025"},
                                   {"id": "ex-kinds", "property": "value", "value": ["workbook"]},
                                   {"id": "ex-params", "property": "data", "value": {"region": "330000"}}],
                            changed=["ex-start.n_clicks"])
    job = started["ex-job"]["data"]
    assert "已开始导出 2025 年（杭州市，330100）" in " ".join(texts(started["ex-started"]["children"]))
    info = page.RUNNER.wait(job["id"], timeout=180)
    assert info["status"] == "done", info
    assert info["owner"] == "inspector-hz" and info["region"] == "330100"
    assert info["files"]["workbook"].endswith("2025年报_330100.xlsx")
    sheets = openpyxl.load_workbook(info["files"]["workbook"])
    text = " ".join(str(c) for ws in sheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "杭州市" in text and "宁波市" not in text
    # Another user cannot read the job or its file.
    other = signed_in_client(env, "leader")
    status, body = call(other, [("ex-status", "children"), ("ex-progress", "value"), ("ex-poll", "disabled"),
                                ("ex-files", "children")],
                        [("ex-poll", "n_intervals", 1)], [("ex-job", "data", job)])
    assert status == 200 and "找不到该导出任务" in " ".join(texts(body))
    exports = audit_actions(env, "export")
    assert {"inspector-hz"} <= set(exports["username"].to_list())


# -- roles ------------------------------------------------------------------------------------------

def upload(client, name: str, content: bytes, params: dict | None = None) -> dict:
    encoded = "data:text/csv;base64," + base64.b64encode(content).decode()
    status, body = call(client, [("sub-check", "children"), ("sub-token", "data"), ("sub-confirm", "disabled"),
                                 ("sub-report", "disabled"), ("sub-load", "children")],
                        [("sub-upload", "contents", [encoded])],
                        [("sub-upload", "filename", [name]), ("sub-params", "data", params or {})])
    assert status == 200, body
    return body["response"]


def test_an_inspector_cannot_load_data(env):
    inspector = signed_in_client(env, "inspector")
    status, body = route(inspector, "/submissions")
    assert find_id(body, "sub-upload") is None and find_id(body, "sub-no-load") is not None
    before = audit_actions(env, "permission_denied").height
    response = upload(inspector, "organs.csv", organs_csv_with_bad_rows())
    assert "检查员无权装载数据" in " ".join(texts(response["sub-check"]["children"]))
    assert "sub-token" not in response or not response.get("sub-token", {}).get("data")
    status, body = call(inspector, [("sub-load", "children"), ("sub-confirm", "disabled"), ("sub-loaded", "data")],
                        [("sub-confirm", "n_clicks", 1)], [("sub-token", "data", {"token": "0" * 32}),
                                                           ("sub-params", "data", {})])
    assert "检查员无权装载数据" in " ".join(texts(body))
    con = db.connect(env, read_only=True)
    try:
        assert not con.execute("SELECT count(*) FROM organs WHERE organ_code = ?", [NEW_ORGAN_CODE]).fetchall()[0][0]
    finally:
        con.close()
    refusals = audit_actions(env, "permission_denied")
    assert refusals.height == before + 2
    # The auditor reads what was asked for, not only which right was missing.
    assert "sub-load.children" in refusals["detail"][0] and "sub-confirm.n_clicks" in refusals["detail"][0]
    assert "sub-check.children" in refusals["detail"][1]


def test_a_city_administrator_cannot_load_for_the_province(env):
    access.add_user(env, "hz-admin", "admin", "330100", "hz-admin-pass-2026")
    from dashboards.app import app
    app.server.test_client_class = BrowserLikeClient
    client = app.server.test_client()
    assert sign_in(client, "hz-admin", "hz-admin-pass-2026").status_code == 302
    response = upload(client, "organs.csv", organs_csv_with_bad_rows())
    assert "须由权限范围覆盖全辖区的账户进行" in " ".join(texts(response["sub-check"]["children"]))
    # An English page refuses in English, naming the scope.
    response = upload(client, "organs.csv", organs_csv_with_bad_rows(), {"lang": "en"})
    words = " ".join(texts(response["sub-check"]["children"]))
    assert "Only an account whose scope covers the whole jurisdiction may load data (your scope: 杭州市)" in words
    assert "须由" not in words and "Not permitted" in words


def test_a_refusal_on_an_english_page_is_in_english(env):
    inspector = signed_in_client(env, "inspector")
    response = upload(inspector, "organs.csv", organs_csv_with_bad_rows(), {"lang": "en"})
    words = " ".join(texts(response["sub-check"]["children"]))
    assert "The inspector role may not load data" in words and "无权" not in words


def test_the_data_administrator_loads_and_the_load_is_audited(admin, env):
    response = upload(admin, "organs.csv", organs_csv_with_bad_rows())
    token = response["sub-token"]["data"]
    status, body = call(admin, [("sub-load", "children"), ("sub-confirm", "disabled"), ("sub-loaded", "data")],
                        [("sub-confirm", "n_clicks", 1)], [("sub-token", "data", token), ("sub-params", "data", {})])
    assert status == 200 and body["response"]["sub-loaded"]["data"]
    loads = audit_actions(env, "load")
    assert loads["username"][0] == "admin" and "organs.csv" in loads["target"][0]
    # Another account cannot confirm (or read the report of) someone else's upload.
    token = upload(admin, "organs.csv", organs_csv_with_bad_rows())["sub-token"]["data"]
    leader = signed_in_client(env, "leader")
    status, body = call(leader, [("sub-load", "children"), ("sub-confirm", "disabled"), ("sub-loaded", "data")],
                        [("sub-confirm", "n_clicks", 1)], [("sub-token", "data", token), ("sub-params", "data", {})])
    assert "无权装载数据" in " ".join(texts(body))


# -- sign-in ----------------------------------------------------------------------------------------

def test_lockout_through_the_sign_in_form(env):
    access.add_user(env, "lock-me", "leader", "330000", "right-password-1")
    from dashboards.app import app
    client = app.server.test_client()
    for attempt in range(5):
        page = sign_in(client, "lock-me", f"wrong-password-{attempt}").get_data(as_text=True)
        assert "用户名或密码错误" in page if attempt < 4 else "账户已锁定" in page
    page = sign_in(client, "lock-me", "right-password-1").get_data(as_text=True)
    assert "账户已锁定" in page
    assert client.get("/").status_code == 302
    reasons = audit_actions(env, "login_failed").filter(pl.col("target") == "lock-me")["detail"].to_list()
    assert sum('"wrong_password"' in r for r in reasons) == 5 and any('"locked"' in r for r in reasons)


def test_no_password_or_hash_appears_in_responses_or_logs(env, caplog):
    from dashboards.app import app
    client = app.server.test_client()
    caplog.set_level(logging.DEBUG)
    bodies = [sign_in(client, "leader", "a-wrong-password-9").get_data(as_text=True),
              sign_in(client, "leader").get_data(as_text=True),
              client.get("/").get_data(as_text=True)]
    admin_client = signed_in_client(env, "admin")
    for path in ("/admin/users", "/admin/audit"):
        bodies.append(str(route(admin_client, path)[1]))
    text = "\n".join(bodies) + caplog.text
    for secret in ("a-wrong-password-9", DEMO_PASSWORDS["leader"], "$argon2", "password_hash"):
        assert secret not in text, secret


def test_sign_out_ends_the_session_even_for_a_copied_cookie(env):
    client = signed_in_client(env, "leader")
    cookie = client.get_cookie("oversight_session").value
    assert call(client, [("ov-kpis", "children")], [("ov-params", "data", {})])[0] == 200
    logout = client.post("/logout", data={"csrf": client.get_cookie("_csrf_token").value})
    assert logout.status_code == 302 and "/login?why=out" in logout.headers["Location"]
    from dashboards import auth
    auth.ACCOUNTS.forget()
    from dashboards.app import app
    thief = app.server.test_client()
    thief.set_cookie("oversight_session", cookie)
    assert thief.get("/").status_code == 302
    assert {"logout"} <= set(audit_actions(env, "logout")["action"].to_list())


def test_signing_out_of_an_english_page_leads_to_the_english_sign_in_page(env):
    client = signed_in_client(env, "leader")
    logout = client.post("/logout", data={"csrf": client.get_cookie("_csrf_token").value, "lang": "en"})
    assert logout.status_code == 302 and logout.headers["Location"].endswith("/login?why=out&lang=en")
    page = client.get(logout.headers["Location"]).get_data(as_text=True)
    assert 'lang="en"' in page and "signed out" in page.lower()


# -- request hardening ------------------------------------------------------------------------------

def test_unsigned_requests_are_sent_to_sign_in(env):
    from dashboards.app import app
    anonymous = app.server.test_client()
    response = anonymous.get("/vendors?tier=D")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=%2Fvendors%3Ftier%3DD"
    assert anonymous.post("/_dash-update-component", json=KPI_CALL).status_code == 401
    assert anonymous.get("/_dash-layout").status_code == 401
    assert anonymous.get("/assets/style.css").status_code == 200 and anonymous.get("/health").status_code == 200
    # A component bundle is public; a path that only begins like one is a page, behind the gate
    index = app.server.test_client().get("/", environ_overrides={"oversight.warm_up": True}).get_data(as_text=True)
    bundle = re.search(r'src="(/_dash-component-suites/dash/[^"]+\.js[^"]*)"', index).group(1)
    assert anonymous.get(bundle).status_code == 200
    for path in ("/_dash-component-suites/anything", "/assets"):
        answer = anonymous.get(path)
        assert answer.status_code in (302, 401) and "dash_version" not in answer.get_data(as_text=True), path
    # a file Dash does not serve is not found (it was a 500 with a traceback in the log)
    assert anonymous.get("/_dash-component-suites/dash/nothing-here.js").status_code == 404
    # After signing in, the page first asked for.
    page = anonymous.get("/login?next=%2Fvendors%3Ftier%3DD").get_data(as_text=True)
    done = anonymous.post("/login", data={"username": "leader", "password": DEMO_PASSWORDS["leader"],
                                          "csrf": csrf_from(page), "next": "/vendors?tier=D"})
    assert done.status_code == 302 and done.headers["Location"] == "/vendors?tier=D"
    # Never to another site.
    page = anonymous.get("/login").get_data(as_text=True)
    assert "//evil.example" not in anonymous.get("/login?next=//evil.example").get_data(as_text=True)


KPI_CALL = {"output": "ov-kpis.children", "outputs": {"id": "ov-kpis", "property": "children"},
            "inputs": [{"id": "ov-params", "property": "data", "value": {}}], "changedPropIds": []}


def test_csrf_and_origin_are_checked_on_every_post(env):
    client = signed_in_client(env, "leader")
    body = KPI_CALL
    from flask.testing import FlaskClient
    plain = FlaskClient.open
    assert plain(client, "/_dash-update-component", method="POST", json=body).status_code == 403
    assert client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": "forged"}).status_code == 403
    assert client.post("/_dash-update-component", json=body,
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/_dash-update-component", json=body).status_code == 200
    assert plain(client, "/logout", method="POST").status_code == 403
    from dashboards.app import app
    fresh = app.server.test_client()
    assert csrf_from(fresh.get("/login").get_data(as_text=True))
    forged = fresh.post("/login", data={"username": "leader", "password": DEMO_PASSWORDS["leader"], "csrf": "x"})
    assert "页面已过期" in forged.get_data(as_text=True) and fresh.get("/").status_code == 302


def test_security_headers_and_cookies(env):
    from dashboards.app import app
    client = app.server.test_client()
    login = client.get("/login")
    cookies = login.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("oversight_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert any(c.startswith("_csrf_token=") and "SameSite=Strict" in c for c in cookies)
    signed = signed_in_client(env, "leader")
    for response in (login, signed.get("/"),
                     signed.post("/_dash-update-component", json=KPI_CALL)):
        h = response.headers
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert "'unsafe-eval'" not in h["Content-Security-Policy"]
        assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
        assert h["Cache-Control"] == "no-store"
    assert app.server.debug is False


def test_uploads_are_limited_in_size_and_type(admin, env):
    from dashboards import data
    response = upload(admin, "payload.exe", b"MZ\x90\x00")
    assert "不支持的文件类型" in " ".join(texts(response["sub-check"]["children"]))
    response = upload(admin, "renamed.xlsx", b"MZ\x90\x00" * 100)
    assert "文件内容与扩展名 .xlsx 不符" in " ".join(texts(response["sub-check"]["children"]))
    response = upload(admin, "binary.csv", b"MZ\x90\x00" * 100)
    assert "文件内容与扩展名 .csv 不符" in " ".join(texts(response["sub-check"]["children"]))
    huge = admin.post("/_dash-update-component", data=b"x" * (data.MAX_UPLOAD_BYTES * 2),
                      headers={"Content-Type": "application/json"})
    assert huge.status_code == 413


# -- found by probing the running app --------------------------------------------------------------

@pytest.mark.parametrize("target", ["/\t/evil.example/", "/\n/evil.example", "/ /evil.example", "//evil.example",
                                    "/\\evil.example", "https://evil.example", "javascript:alert(1)"])
def test_sign_in_never_sends_the_browser_to_another_site(env, target):
    # werkzeug (and browsers) drop a tab from a Location: "/\t/evil.example/" would become "//evil.example/".
    from dashboards.app import app
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    done = client.post("/login", data={"username": "leader", "password": DEMO_PASSWORDS["leader"],
                                       "csrf": csrf_from(page), "next": target})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    again = client.get("/login", query_string={"next": target})       # already signed in: straight on
    assert again.status_code == 302 and again.headers["Location"] == "/"


def test_cookies_are_https_only_behind_a_proxy_on_this_machine(env, monkeypatch):
    # `serve` on loopback behind an HTTPS proxy: the bind address says plain HTTP, the request says HTTPS
    # (what OVERSIGHT_BEHIND_PROXY=1 makes of X-Forwarded-Proto).
    from dashboards.app import app
    monkeypatch.setenv("OVERSIGHT_COOKIE_SECURE", "0")
    monkeypatch.setitem(app.server.config, "SESSION_COOKIE_SECURE", False)
    client = app.server.test_client()
    plain = client.get("/login")
    assert not any("Secure" in c for c in plain.headers.getlist("Set-Cookie"))
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get("/login", base_url="https://oversight.example")
    cookies = secure.headers.getlist("Set-Cookie")
    assert {c.split("=", 1)[0] for c in cookies} == {"oversight_session", "_csrf_token"}
    assert all("; Secure" in c for c in cookies), cookies
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_failed_sign_ins_from_one_address_are_throttled(env):
    from dashboards.app import app
    client = app.server.test_client()
    attacker = {"REMOTE_ADDR": "10.66.0.1"}

    def attempt(username: str, password: str, environ: dict) -> str:
        page = client.get("/login").get_data(as_text=True)
        return client.post("/login", data={"username": username, "password": password, "csrf": csrf_from(page)},
                           environ_overrides=environ).get_data(as_text=True)

    policy = access.LockoutPolicy()
    for i in range(policy.max_failures_per_address):     # spraying: one guess each on many names
        assert "用户名或密码错误" in attempt(f"spray-{i}", "Password2026", attacker)
    refused = attempt("leader", DEMO_PASSWORDS["leader"], attacker)
    assert "该地址登录失败次数过多" in refused and client.get("/").status_code == 302
    reasons = audit_actions(env, "login_failed").filter(pl.col("remote_addr") == "10.66.0.1")["detail"].to_list()
    assert '"throttled"' in reasons[0]
    # Another address is not held back, and the account itself was never locked.
    assert "login-error" not in attempt("leader", DEMO_PASSWORDS["leader"], {"REMOTE_ADDR": "10.66.0.2"})
    assert client.get("/").status_code == 200


def xlsx_unpacking_to(size: int) -> bytes:
    """A workbook-shaped zip whose one sheet unpacks to `size` bytes and packs to a tiny fraction."""
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<row><c><v>1</v></c></row>" * (size // 25))
    return buffer.getvalue()


def test_an_upload_that_unpacks_to_too_much_is_refused_before_it_is_read(admin, env, monkeypatch):
    from dashboards import data
    from dashboards.pages import submissions
    from etl.read import unpacked_size
    monkeypatch.setattr(data, "MAX_UNPACKED_BYTES", 2 * 1024 * 1024)
    bomb = xlsx_unpacking_to(4 * 1024 * 1024)
    assert len(bomb) < 64 * 1024
    read = []
    monkeypatch.setattr(submissions, "check_upload", lambda token: read.append(token))
    response = upload(admin, "bomb.xlsx", bomb)
    assert "解压后超过 2 MB" in " ".join(texts(response["sub-check"]["children"]))
    assert not read and not (response.get("sub-token") or {}).get("data")
    assert unpacked_size(xlsx_unpacking_to(1024 * 1024), 2 * 1024 * 1024) >= 1000 * 1024
    # A zip that lies about its sizes is unpacked only as far as it says, then fails its check.
    lying = bytearray(xlsx_unpacking_to(1024 * 1024))
    at = lying.rfind(b"xl/worksheets/sheet1.xml", 0, lying.rfind(b"PK\x05\x06")) - 46 + 24
    lying[at:at + 4] = (1000).to_bytes(4, "little")          # the central directory's uncompressed size
    assert unpacked_size(bytes(lying), 2 * 1024 * 1024) is None


def test_upload_and_export_folders_are_the_servers_alone(admin, env, tmp_path):
    import os
    import stat

    from dashboards import data
    upload(admin, "organs.csv", organs_csv_with_bad_rows())
    assert stat.S_IMODE(os.stat(data.upload_root()).st_mode) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    assert stat.S_IMODE(os.stat(data.private_dir(shared)).st_mode) == 0o700
    (tmp_path / "link").symlink_to(shared)
    with pytest.raises(RuntimeError, match="不是本服务账户所有的目录"):
        data.private_dir(tmp_path / "link")


def test_a_failed_export_names_no_file_of_the_server(env):
    from dashboards.pages import export as page
    leader = signed_in_client(env, "leader")

    def work(folder, progress):
        raise OSError(f"[Errno 28] No space left on device: '{folder}/2025年报.xlsx'")
    job = page.RUNNER.submit("2025年度导出", work, owner="leader")
    assert page.RUNNER.wait(job, timeout=30)["status"] == "failed"
    status, body = call(leader, [("ex-status", "children"), ("ex-progress", "value"), ("ex-poll", "disabled"),
                                 ("ex-files", "children")],
                        [("ex-poll", "n_intervals", 1)], [("ex-job", "data", {"id": job})])
    shown = " ".join(texts(body))
    assert status == 200 and "导出失败，错误已记录" in shown
    assert "Errno" not in shown and str(page.RUNNER.folder) not in shown


def test_debug_mode_is_refused_beyond_this_machine(env):
    # Werkzeug's debugger runs code typed into the browser; it sits outside the sign-in gate.
    from click.testing import CliRunner

    from etl.cli import main
    result = CliRunner().invoke(main, ["serve", "--debug", "--host", "0.0.0.0", "--warehouse", str(env)])
    assert result.exit_code == 2 and "调试模式只能在本机回环地址上使用" in result.output
