"""Signing in, scope and signing out in Debian's chromium against `oversight serve`: the sign-in page
in Chinese (and its screenshot), a wrong password refused, a city inspector who sees only the city,
sign-out ending the session. Each context is a fresh browser profile (no shared cookies)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.browser.conftest import ConsoleWatch, new_context, sign_in
from tests.browser.test_pages import REGION, body_text, kpi, open_page, settle, shot
from tests.dash_support import TODAY


@pytest.fixture
def fresh_page(chromium):
    context = new_context(chromium)
    page = context.new_page()
    watch = ConsoleWatch(page)
    yield page
    context.close()
    assert watch.errors == [], "\n".join(watch.errors)


def test_pages_need_a_sign_in_and_a_wrong_password_is_refused(fresh_page, server):
    page = fresh_page
    page.goto(server["url"] + "vendors?tier=D")
    page.wait_for_url(re.compile(r"/login\?next="))
    assert "请使用本单位分配的账户登录" in body_text(page)
    shot(page, "login", readme=True)
    page.fill("#username", "leader")
    page.fill("#password", "not-the-password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error")
    assert page.inner_text("#login-error") == "用户名或密码错误"
    sign_in_then = page.url
    assert "/login" in sign_in_then
    # The right password goes on to the page first asked for, filters kept.
    page.fill("#password", "demo-leader-2026")
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/vendors\?tier=D"))
    page.wait_for_selector("#vr-grid .ag-row")
    settle(page)
    assert "演示·领导（全省） · 领导" in page.inner_text("#account-name")
    assert "用户管理" not in page.inner_text("nav")


def test_a_city_inspector_sees_only_the_city_then_signs_out(fresh_page, server):
    page = fresh_page
    sign_in(page, server, "inspector-hz")
    page.wait_for_selector("#kpi-organs_supervised-value")
    settle(page)
    assert "权限范围：杭州市" in page.inner_text("#account-scope")
    city = kpi(page, "organs_supervised")
    # The region choices start at the city: its districts, nothing of other cities.
    page.click(REGION)
    options = page.get_by_role("option").all_inner_texts()
    assert "西湖区" in options and "宁波市" not in options and "杭州市" not in options
    page.keyboard.press("Escape")
    # A link to another city shows nothing of it.
    open_page(page, server, "/?region=330200", "#kpi-organs_supervised-value")
    assert kpi(page, "organs_supervised") == "0"
    open_page(page, server, "/", "#kpi-organs_supervised-value")
    assert kpi(page, "organs_supervised") == city
    shot(page, "overview-city-inspector")
    page.click("#logout")
    page.wait_for_url(re.compile(r"/login\?why=out"))
    assert "已安全退出" in body_text(page)
    page.goto(server["url"])
    page.wait_for_url(re.compile(r"/login"))


def test_the_administrator_sees_the_nightly_refresh_in_the_audit_log(fresh_page, server):
    # the nightly job runs beside the serving process, as cron would run it
    done = subprocess.run([sys.executable, "-m", "etl.cli", "refresh", "--warehouse", str(server["warehouse"]),
                           "--today", TODAY.isoformat(), "--as", "admin"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "集市已刷新到" in done.stdout and "Traceback" not in done.stderr
    page = fresh_page
    sign_in(page, server, "admin")
    open_page(page, server, "/admin/audit", "#aa-grid .ag-row")
    row = page.locator("#aa-grid .ag-row", has_text="刷新分析集市").first
    row.wait_for()
    text = row.inner_text()
    assert "admin" in text and TODAY.isoformat() in text
    # on the day of the last load's refresh nothing has changed since: the marts are left as they are
    assert "方式：无变化" in text and "全部重建：否" in text and "unchanged" not in text
    shot(page, "audit-refresh")
