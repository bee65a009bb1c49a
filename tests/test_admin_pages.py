"""用户管理 and 审计日志 (dashboards/pages/admin_users.py, admin_audit.py) through Flask's test client:
the admin manages accounts and every change takes effect on the user's sessions at once; other roles
see neither page nor any account, and a crafted request to the callbacks changes nothing; the audit
log shows who did what. No response ever carries a password hash."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dash_support import (TODAY, BrowserLikeClient, build_demo_warehouse, find_id, post_callback, route,
                                sign_in, texts)
from tests.test_grid_export import post_export, sheet_values
from warehouse import access, db

SECRETS = (b"password_hash", b"$argon2")
ACT_BUTTONS = ("au-add", "au-disable", "au-enable", "au-reset")
ACT_FIELDS = (("au-new-username", "username"), ("au-new-name", "name"), ("au-new-role", "role"),
              ("au-new-scope", "scope"), ("au-new-password", "password"), ("au-target", "target"),
              ("au-reset-password", "new_password"))


class CheckedClient(BrowserLikeClient):
    """A browser-like client that fails the test if any response carries a password hash."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        body = response.get_data()
        assert not any(s in body for s in SECRETS), (args, body[:300])
        return response


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path, _manifest = build_demo_warehouse(tmp_path_factory.mktemp("admin"))
    mp = pytest.MonkeyPatch()
    mp.setenv("OVERSIGHT_WAREHOUSE", str(path))
    mp.setenv("OVERSIGHT_TODAY", TODAY.isoformat())
    yield path
    mp.undo()


def new_client(username: str, password: str | None = None):
    """(a fresh client of the app, the response to its sign-in)."""
    from dashboards.app import app
    client = CheckedClient(app.server, app.server.response_class, use_cookies=True)
    return client, sign_in(client, username, password)


def signed_in(username: str, password: str | None = None) -> CheckedClient:
    client, response = new_client(username, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return client


@pytest.fixture(scope="module")
def admin(warehouse):
    return signed_in("admin")


def accounts(warehouse) -> dict[str, dict]:
    con = db.connect(warehouse, read_only=True)
    try:
        return {row["username"]: row for row in access.list_users(con).to_dicts()}
    finally:
        con.close()


def act(client, button: str, lang: str | None = None, **form) -> dict:
    """Press a button of 用户管理 with the form filled in; returns the callback's response."""
    inputs = [{"id": b, "property": "n_clicks", "value": 1 if b == button else None} for b in ACT_BUTTONS]
    state = [{"id": i, "property": "value", "value": form.get(name)} for i, name in ACT_FIELDS]
    state.append({"id": "au-params", "property": "data", "value": {"lang": lang} if lang else {}})
    return post_callback(client, "au-result.children", inputs, state, [f"{button}.n_clicks"])


def message(response: dict) -> str:
    return " ".join(texts(response["au-result"]["children"]))


def audit(client, *, since=None, until=None, user=None, actions=None, lang=None):
    """The 审计日志 result panel for these filters."""
    inputs = [{"id": "aa-since", "property": "value", "value": since},
              {"id": "aa-until", "property": "value", "value": until},
              {"id": "aa-user", "property": "value", "value": user},
              {"id": "aa-actions", "property": "value", "value": actions}]
    state = [{"id": "aa-params", "property": "data", "value": {"lang": lang} if lang else {}}]
    return post_callback(client, "aa-result.children", inputs, state, ["aa-actions.value"])["aa-result"]["children"]


def audit_rows(panel) -> list[dict]:
    grid = find_id(panel, {"type": "grid-export-grid", "grid": "aa-grid"})
    return grid["props"]["rowData"] if grid else []


# -- the admin --------------------------------------------------------------------------------------

def test_admin_sees_both_pages_and_the_accounts(admin):
    status, home = route(admin, "/")
    assert status == 200
    assert find_id(home, "nav-admin/users") is not None and find_id(home, "nav-admin/audit") is not None
    status, body = route(admin, "/admin/users")
    assert status == 200
    words = texts(body)
    assert "用户管理" in words and "账户" in words
    rows = find_id(body, "au-grid")["props"]["rowData"]
    by_name = {r["username"]: r for r in rows}
    assert {"admin", "leader", "inspector", "inspector-hz"} <= set(by_name)
    assert by_name["inspector-hz"]["role"] == "检查员" and by_name["inspector-hz"]["scope"] == "330100 杭州市"
    assert by_name["leader"]["state"] == "启用" and by_name["leader"]["created_at"]
    assert all("password" not in key for row in rows for key in row)
    status, body = route(admin, "/admin/audit")
    assert status == 200 and "审计日志" in texts(body) and find_id(body, "aa-actions") is not None
    status, body = route(admin, "/admin/users", "?lang=en")
    rows = find_id(body, "au-grid")["props"]["rowData"]
    assert "Users" in texts(body) and {r["role"] for r in rows} >= {"Leader", "Inspector", "Data administrator"}


def test_added_user_signs_in_until_disabled_and_a_reset_ends_its_session(admin, warehouse):
    done = act(admin, "au-add", username="Zhang.San", name="张三", role="inspector", scope="330100",
               password="first-password-1")
    assert "已添加用户“zhang.san”" in message(done), message(done)
    assert find_id(done["au-result"]["children"], "au-generated") is None       # a typed password is not echoed
    assert "zhang.san" in {r["username"] for r in done["au-grid"]["rowData"]}    # the grid refreshed
    assert done["au-new-password"]["value"] == ""
    assert accounts(warehouse)["zhang.san"]["region_scope"] == "330100"

    zhang = signed_in("zhang.san", "first-password-1")
    assert route(zhang, "/")[0] == 200

    done = act(admin, "au-disable", target="zhang.san")
    assert "已停用用户“zhang.san”" in message(done)
    assert {r["username"]: r["state"] for r in done["au-grid"]["rowData"]}["zhang.san"] == "停用"
    assert route(zhang, "/")[0] == 401                                            # its session ended
    _client, refused = new_client("zhang.san", "first-password-1")
    assert refused.status_code != 302 and "该账户已停用" in refused.get_data(as_text=True)   # the form again

    assert "已启用用户“zhang.san”" in message(act(admin, "au-enable", target="zhang.san"))
    zhang = signed_in("zhang.san", "first-password-1")
    assert route(zhang, "/")[0] == 200
    done = act(admin, "au-reset", target="zhang.san", new_password="second-password-2")
    assert "已重置用户“zhang.san”的密码" in message(done)
    assert route(zhang, "/")[0] == 401                                            # the old session ended
    assert new_client("zhang.san", "first-password-1")[1].status_code != 302
    assert route(signed_in("zhang.san", "second-password-2"), "/")[0] == 200


def test_a_generated_password_is_shown_once_and_works(admin):
    done = act(admin, "au-add", username="li.si", role="leader", scope="330000")
    shown = find_id(done["au-result"]["children"], "au-generated")
    assert shown is not None, message(done)
    password = shown["props"]["children"]
    assert len(password) >= access.MIN_PASSWORD_LENGTH
    assert route(signed_in("li.si", password), "/")[0] == 200
    done = act(admin, "au-reset", target="li.si")
    again = find_id(done["au-result"]["children"], "au-generated")["props"]["children"]
    assert again != password and route(signed_in("li.si", again), "/")[0] == 200


@pytest.mark.parametrize("button,form,zh,en", [
    ("au-add", {"username": "leader", "role": "leader", "scope": "330000", "password": "long-enough-1"},
     "已存在", "is taken"),
    ("au-add", {"username": "wang", "role": "leader", "scope": "123", "password": "long-enough-1"},
     "不是有效的行政区划代码", "not a valid region code"),
    ("au-add", {"username": "wang", "role": "leader", "scope": "330000", "password": "short"},
     "密码至少须10个字符", "at least 10 characters"),
    ("au-add", {"username": "wang", "scope": "330000", "password": "long-enough-1"}, "请选择角色", "Choose a role"),
    ("au-add", {"username": "Bad Name!", "role": "leader", "scope": "330000"}, "无效", "is invalid"),
    ("au-disable", {"target": "admin"}, "不能停用自己的账户", "cannot disable your own account"),
    ("au-enable", {"target": "nobody"}, "没有用户“nobody”", "There is no user “nobody”"),
    ("au-reset", {}, "请输入或选择用户名", "Enter or select a user name"),
])
def test_refused_requests_say_why_in_either_language_and_change_nothing(admin, warehouse, button, form, zh, en):
    before = accounts(warehouse)
    done = act(admin, button, **form)
    assert zh in message(done) and find_id(done["au-result"]["children"], "au-error") is not None
    assert "Traceback" not in message(done) and "au-grid" not in done
    assert en in message(act(admin, button, lang="en", **form))
    assert accounts(warehouse) == before


# -- other roles ------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["leader", "inspector", "inspector-hz"])
def test_other_roles_see_no_admin_page_and_cannot_act(warehouse, username):
    client = signed_in(username)
    status, home = route(client, "/")
    assert status == 200
    assert find_id(home, "nav-admin/users") is None and find_id(home, "nav-admin/audit") is None
    for path, grid in (("/admin/users", "au-grid"), ("/admin/audit", "aa-actions")):
        status, body = route(client, path)
        words = " ".join(texts(body))
        assert status == 200 and "无权访问" in words and find_id(body, grid) is None
        assert "inspector-hz" not in words and "login_ok" not in words

    before = accounts(warehouse)
    for button, form in (("au-add", {"username": "intruder", "role": "admin", "scope": "100000",
                                     "password": "intruder-password"}),
                         ("au-disable", {"target": "admin"}),
                         ("au-reset", {"target": "admin", "new_password": "taken-over-123"}),
                         ("au-enable", {"target": "admin"})):
        done = act(client, button, **form)
        assert "无权管理用户" in message(done) and "au-grid" not in done, message(done)
        assert "role may not manage users" in message(act(client, button, lang="en", **form))
    assert accounts(warehouse) == before
    for path in ("/admin/users", "/admin/audit"):
        words = " ".join(texts(route(client, path, "?lang=en")[1]))
        assert "No access: only data administrators" in words and "无权" not in words, words
    panel = audit(client)
    assert "无权访问" in " ".join(texts(panel)) and not audit_rows(panel)
    assert route(signed_in("admin"), "/")[0] == 200        # the admin's password was not taken over

    entries = audit(signed_in("admin"), user=username, actions=["permission_denied"])
    assert {r["action"] for r in audit_rows(entries)} == {"越权被拒"}


# -- the audit log ----------------------------------------------------------------------------------

def test_audit_log_lists_sign_ins_and_user_changes_and_filters(admin, warehouse):
    signed_in("leader")
    act(admin, "au-add", username="audit.probe", name="审计探针", role="inspector", scope="330100",
        password="probe-password-1")
    act(admin, "au-disable", target="audit.probe")
    rows = audit_rows(audit(admin))
    assert rows and rows == sorted(rows, key=lambda r: r["at"], reverse=True)
    assert any(r["action"] == "登录成功" and r["username"] == "admin" for r in rows)
    added = [r for r in rows if r["action"] == "添加用户" and r["target"] == "audit.probe"]
    assert len(added) == 1 and added[0]["username"] == "admin" and added[0]["role"] == "数据管理员"
    assert "权限范围：330100 杭州市" in added[0]["detail"] and "角色：检查员" in added[0]["detail"]
    assert added[0]["remote_addr"] == "127.0.0.1"

    disabled = audit_rows(audit(admin, actions=["user_disable"]))
    assert disabled and {r["action"] for r in disabled} == {"停用用户"}
    assert "audit.probe" in {r["target"] for r in disabled}
    # whose access changed: the account's role and scope are on the entry
    probe = next(r for r in disabled if r["target"] == "audit.probe")
    assert "角色：检查员" in probe["detail"] and "权限范围：330100 杭州市" in probe["detail"]
    mine = audit_rows(audit(admin, user="leader", actions=["login_ok"]))
    assert mine and {(r["username"], r["action"]) for r in mine} == {("leader", "登录成功")}

    today = dt.date.today()
    assert audit_rows(audit(admin, since=today.isoformat(), until=today.isoformat()))
    empty = audit(admin, until=(today - dt.timedelta(days=1)).isoformat())
    assert not audit_rows(empty) and "没有符合条件的审计记录。" in texts(empty)
    english = audit_rows(audit(admin, actions=["user_add"], lang="en"))
    assert {r["action"] for r in english} == {"User added"}


def test_the_details_of_loads_and_exports_are_worded_not_raw_keys(admin, warehouse):
    access.audit(warehouse, "load", user="admin", target="机关名录.csv",
                 detail={"load_id": 7, "rows_read": 3, "rows_loaded": 1, "rows_rejected": 2, "rows_duplicate": 0,
                         "source": "upload"})
    access.audit(warehouse, "export", user="admin", target="计划.xlsx", detail={"kind": "plan_public", "plan_id": 2})
    zh = {r["target"]: r["detail"] for r in audit_rows(audit(admin, actions=["load", "export"]))}
    assert zh["机关名录.csv"] == "装载序号：7；读取行数：3；装载行数：1；拒收行数：2；重复行数：0；来源：网页上传"
    assert zh["计划.xlsx"] == "类型：公示名单；计划编号：2"
    en = {r["target"]: r["detail"] for r in audit_rows(audit(admin, actions=["load", "export"], lang="en"))}
    assert en["机关名录.csv"] == ("Load #: 7; Rows read: 3; Rows loaded: 1; Rows rejected: 2; Duplicate rows: 0; "
                                 "Source: web upload")
    assert en["计划.xlsx"] == "Kind: public list; Plan #: 2"


def test_audit_log_says_when_its_limit_is_hit_and_exports(admin, monkeypatch):
    from dashboards.pages import admin_audit
    for _ in range(3):
        signed_in("inspector")
    monkeypatch.setattr(admin_audit, "LIMIT", 3)
    panel = audit(admin, actions=["login_ok"])
    assert len(audit_rows(panel)) == 3 and find_id(panel, "aa-limit") is not None
    grid = find_id(panel, {"type": "grid-export-grid", "grid": "aa-grid"})["props"]
    meta = find_id(panel, {"type": "grid-export-meta", "grid": "aa-grid"})["props"]["data"]
    values = sheet_values(post_export(admin, "aa-grid", grid["rowData"], grid["columnDefs"], meta, ""))
    cells = [v for row in values for v in row if v is not None]
    assert "审计日志" in " ".join(map(str, cells)) and "登录成功" in cells


def test_a_city_administrator_sees_only_the_accounts_and_entries_of_its_city(admin, warehouse):
    access.add_user(warehouse, "hz.admin", "admin", "330100", "hz-admin-pass-2026")
    city = signed_in("hz.admin", "hz-admin-pass-2026")
    signed_in("leader")                                   # an entry of a province-wide account
    status, body = route(city, "/admin/users")
    names = {r["username"] for r in find_id(body, "au-grid")["props"]["rowData"]}
    assert {"inspector-hz", "hz.admin"} <= names and not names & {"admin", "leader", "inspector"}
    seen = {r["username"] for r in audit_rows(audit(city))}
    assert "hz.admin" in seen and seen <= names
    assert "leader" in {r["username"] for r in audit_rows(audit(admin))}    # the province reads them all
