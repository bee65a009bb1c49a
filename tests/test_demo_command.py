"""`oversight demo`, the quick start's first command, run as a user runs it: it builds the demo
warehouse, prints the demo accounts, and serves; then every demo account signs in, one after another,
each reading a page before the next signs in (one worker process serves them all)."""

from __future__ import annotations

import re

from tests.serving import KPIS, Browser, running, supervised
from warehouse import access


def test_demo_builds_serves_and_every_demo_account_signs_in_after_another(tmp_path):
    folder, log = tmp_path / "demo", tmp_path / "demo.log"
    with running("demo", "--dir", str(folder), "--today", "2026-11-25", "--workers", "1", log=log, timeout=300) as base:
        printed = log.read_text()
        for username, _display, role, scope, password in access.DEMO_ACCOUNTS:
            assert re.search(rf"{re.escape(username)}\s+密码 {re.escape(password)}\s", printed), printed
            browser = Browser()
            landed = browser.sign_in(base, username, password)
            # A refused sign-in stays on the login page (e.g. 「系统正在更新数据」 when a worker
            # still holds the warehouse open from an earlier request).
            assert landed == base, (username, landed)
            assert int(supervised(browser.callback(base, KPIS)).replace(",", "")) > 0
    for username, _display, role, scope, password in access.DEMO_ACCOUNTS:
        user = access.authenticate(folder / "oversight.duckdb", username, password)
        assert user and user.role == role and user.region_scope == scope
    # the demo's load is attributed and audited like any other
    from warehouse import db
    con = db.connect(folder / "oversight.duckdb", read_only=True)
    try:
        loaded_by = con.execute("SELECT loaded_by FROM loads").fetchall()
        audited = con.execute("SELECT username, target, detail->>'rows_loaded' FROM audit_log "
                              "WHERE action = 'load'").fetchall()
    finally:
        con.close()
    assert len(loaded_by) == 1 and loaded_by[0][0]
    assert len(audited) == 1 and audited[0][0] == loaded_by[0][0] and "submissions" in audited[0][1]
    assert int(audited[0][2]) > 0
