"""用户管理 Users (issue 7, docs/access.md): the accounts (never a password or its hash), a form to
add one, and on a selected or typed user name: disable, enable, reset the password. Everything goes
through warehouse.access with the signed-in admin as actor and the request's address, so each act
is audited; disabling or resetting a password ends the user's open sessions (the session's stamp no
longer matches the account: dashboards/auth.py). The callback re-checks MANAGE_USERS itself: a
crafted request by another role is refused with a message, recorded as permission_denied, and
changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
import re

import dash
import dash_mantine_components as dmc
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import request

from dashboards import auth, data, i18n, state
from dashboards.components.empty import empty_state
from dashboards.components.grid import Col, grid, records
from dashboards.components.guard import guarded, guarded_layout
from dashboards.components.shell import frame, page_title, section
from schemas.roles import ROLE_EN, ROLE_ZH, Permission, PermissionDenied, Role, parse_role
from warehouse import access

dash.register_page(__name__, path="/admin/users", name="用户管理", name_en="Users", title=page_title("用户管理"),
                   order=7, permission=Permission.MANAGE_USERS)

PATH = "/admin/users"
NAV_KEY = "admin/users"
log = logging.getLogger("dashboards")

# The Chinese messages of warehouse.access and schemas.roles, in English (anything else is shown as is).
ERRORS_EN = (
    (r"用户名“(.*)”无效", "The user name “{0}” is invalid: 2–32 lower-case letters, digits or . _ -, "
                         "starting with a letter or digit."),
    (r"用户名“(.*)”已存在", "The user name “{0}” is taken."),
    (r"没有用户“(.*)”", "There is no user “{0}”."),
    (r"权限范围“(.*)”不是有效", "“{0}” is not a valid region code (province 330000, city 330100, county 330102; "
                            "national 100000)."),
    (r"密码至少须(\d+)个字符", "A password needs at least {0} characters."),
    (r"密码首尾不能有空格", "A password cannot begin or end with a space."),
    (r"不能停用自己的账户", "You cannot disable your own account."),
    (r"角色“(.*)”无效", "Choose a role: leader, inspector or data administrator."),
    (r"请选择角色", "Choose a role."),
    (r"请输入或选择用户名", "Enter or select a user name."),
)


def message_text(exc: Exception, lang: str) -> str:
    if isinstance(exc, PermissionDenied):
        return exc.text(i18n.norm_lang(lang))
    text = str(exc)
    if i18n.norm_lang(lang) == "en":
        for pattern, english in ERRORS_EN:
            found = re.search(pattern, text)
            if found:
                return english.format(*found.groups())
    return text


def role_text(role: str | Role | None, lang: str) -> str:
    try:
        r = Role(role)
    except ValueError:
        return role or ""
    return ROLE_EN[r] if i18n.norm_lang(lang) == "en" else ROLE_ZH[r]


def caveats(lang: str) -> list[str]:
    return [
        i18n.pick(lang, "停用的账户不能登录，已登录的会话立即失效；账户记录保留，审计日志仍可追溯。数据管理员不能停用自己的账户。",
                  "A disabled account cannot sign in and its open sessions end at once; the account is kept so the "
                  "audit log keeps its meaning. An administrator cannot disable its own account."),
        i18n.pick(lang, "重置密码同时解除锁定，并使该用户已登录的会话失效。密码留空则自动生成，生成的密码只显示一次，请通过安全渠道告知本人。",
                  "Resetting a password also lifts a lockout and ends the user's open sessions. Leave the password "
                  "empty to generate one: it is shown once only; pass it on through a safe channel."),
        i18n.pick(lang, f"密码至少 {access.MIN_PASSWORD_LENGTH} 个字符。权限范围为行政区划代码：省如 330000、市如 330100、县如 330102，全国为 100000。",
                  f"Passwords have at least {access.MIN_PASSWORD_LENGTH} characters. The scope is a region code: "
                  "province 330000, city 330100, county 330102, national 100000."),
        i18n.pick(lang, "每次添加、停用、启用和重置密码都记入审计日志（操作人、时间、来源地址）。",
                  "Every addition, disabling, enabling and password reset is written to the audit log (who, when, "
                  "from where)."),
    ]


def columns(lang: str) -> list[Col]:
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    return [Col("username", p("用户名", "User name"), width=150, pinned=True),
            Col("display_name", p("姓名", "Name")),
            Col("role", p("角色", "Role"), width=160),
            Col("scope", p("权限范围", "Scope"), width=170),
            Col("state", p("状态", "State"), width=90),
            Col("locked_until", p("锁定至", "Locked until"), "datetime", width=170),
            Col("created_at", p("创建时间", "Created"), "datetime", width=170),
            Col("updated_at", p("更新时间", "Updated"), "datetime", width=170)]


def account_rows(lang: str) -> list[dict]:
    """The grid's rows: the accounts inside the administrator's own scope (those it may manage), in
    the UI language (access.list_users has no password hash)."""
    with data.reader() as con:
        users = access.accounts_within(con, data.user().region_scope)
    places = {code: f"{code} {data.jurisdiction_name(code)}" for code in users["region_scope"].unique()}
    shown = users.select(
        "username", "display_name",
        pl.col("role").replace_strict({r.value: role_text(r, lang) for r in Role}, default=pl.col("role")),
        scope=pl.col("region_scope").replace_strict(places, return_dtype=pl.String),
        state=pl.when("active").then(pl.lit(i18n.pick(lang, "启用", "Active")))
                               .otherwise(pl.lit(i18n.pick(lang, "停用", "Disabled"))),
        locked_until=pl.when(pl.col("locked_until") > dt.datetime.now()).then("locked_until"),
        created_at="created_at", updated_at="updated_at")
    return records(shown)


def no_access(params: dict, title: str) -> html.Div:
    """The page for a user without the permission: the frame and a plain refusal, no data."""
    lang = state.lang_of(params)
    refusal = empty_state(lang, i18n.pick(lang, "无权访问：只有数据管理员可以管理用户。",
                                          "No access: only data administrators manage users."))
    return frame(NAV_KEY, params, PATH, html.Div(refusal, id="au-denied"), title=title, caveats=[], show_filters=())


@guarded_layout
def layout(**kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    title = p("用户管理", "Users")
    if not data.can(Permission.MANAGE_USERS):
        return no_access(params, title)
    roles = [{"value": r.value, "label": role_text(r, lang)} for r in Role]
    password_hint = p(f"至少 {access.MIN_PASSWORD_LENGTH} 个字符；留空则自动生成", f"At least {access.MIN_PASSWORD_LENGTH} "
                      "characters; leave empty to generate one")
    add_form = dmc.Stack([
        dmc.Group([
            dmc.TextInput(id="au-new-username", label=p("用户名", "User name"), placeholder="zhang.san", size="xs", w=170),
            dmc.TextInput(id="au-new-name", label=p("姓名", "Name"), size="xs", w=170),
            dmc.Select(id="au-new-role", label=p("角色", "Role"), data=roles, placeholder=p("请选择", "Choose"),
                       size="xs", w=150, allowDeselect=False, comboboxProps={"zIndex": 400}),
            dmc.TextInput(id="au-new-scope", label=p("权限范围（行政区划代码）", "Scope (region code)"),
                          value=data.user().region_scope, size="xs", w=190),
            dmc.PasswordInput(id="au-new-password", label=p("初始密码", "Password"), description=password_hint,
                              size="xs", w=260, autoComplete="new-password"),
        ], align="flex-end", gap="sm"),
        dmc.Group(dmc.Button(p("添加用户", "Add user"), id="au-add", size="xs")),
    ], gap="xs")
    act_form = dmc.Stack([
        dmc.Group([
            dmc.TextInput(id="au-target", label=p("用户名（或在表中点选）", "User name (or pick in the table)"),
                          size="xs", w=220),
            dmc.PasswordInput(id="au-reset-password", label=p("新密码（重置时用）", "New password (for a reset)"),
                              description=password_hint, size="xs", w=260, autoComplete="new-password"),
        ], align="flex-end", gap="sm"),
        dmc.Group([
            dmc.Button(p("停用", "Disable"), id="au-disable", size="xs", color="red", variant="light"),
            dmc.Button(p("启用", "Enable"), id="au-enable", size="xs", variant="light"),
            dmc.Button(p("重置密码", "Reset password"), id="au-reset", size="xs", variant="light"),
        ], gap="sm"),
    ], gap="xs")
    table = grid("au-grid", columns(lang), account_rows(lang), lang, height=420,
                 extra={"rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}})
    content = [
        dcc.Store(id="au-params", data=params),
        dmc.Grid([
            section(p("账户", "Accounts"), table, span=12,
                    note=p("点选一行即可对该用户操作。", "Click a row to act on that user.")),
            section(p("添加用户", "Add a user"), add_form, span=12),
            section(p("停用、启用与重置密码", "Disable, enable, reset a password"), act_form, span=12),
            dmc.GridCol(html.Div(id="au-result"), span=12),
        ], gutter="md"),
    ]
    return frame(NAV_KEY, params, PATH, content, title=title, caveats=caveats(lang), show_filters=())


# -- acting ----------------------------------------------------------------------------------------

def _where() -> dict:
    return {"actor": data.user(), "remote_addr": request.remote_addr}


def _password(typed: str | None) -> tuple[str, bool]:
    """(the password to set, whether it was generated)."""
    return (typed, False) if typed else (access.generate_password(), True)


def add(form: dict) -> tuple[str, str, str | None]:
    role = form["role"]
    if not role:
        raise access.AccessError("请选择角色")
    try:
        role = parse_role(role)
    except ValueError as exc:
        raise access.AccessError(str(exc)) from exc
    scope = access.check_scope(form["scope"] or "")
    password, generated = _password(form["password"])
    user = access.add_user(data.warehouse_path(), form["username"] or "", role, scope, password,
                           display_name=(form["display_name"] or "").strip() or None, **_where())
    where = f"{scope} {data.jurisdiction_name(scope)}"
    return (f"已添加用户“{user.username}”（{ROLE_ZH[user.role]}，{where}）。",
            f"User “{user.username}” added ({ROLE_EN[user.role]}, {where}).", password if generated else None)


def _target_of(target) -> str:
    name = (target or "").strip()
    if not name:
        raise access.AccessError("请输入或选择用户名")
    return name


def disable(form: dict) -> tuple[str, str, None]:
    user = access.disable_user(data.warehouse_path(), _target_of(form["target"]), **_where())
    return (f"已停用用户“{user.username}”，其已登录的会话已失效。",
            f"User “{user.username}” disabled; its open sessions have ended.", None)


def enable(form: dict) -> tuple[str, str, None]:
    user = access.enable_user(data.warehouse_path(), _target_of(form["target"]), **_where())
    return f"已启用用户“{user.username}”。", f"User “{user.username}” enabled.", None


def reset(form: dict) -> tuple[str, str, str | None]:
    name = _target_of(form["target"])
    password, generated = _password(form["new_password"])
    user = access.reset_password(data.warehouse_path(), name, password, **_where())
    return (f"已重置用户“{user.username}”的密码，其已登录的会话已失效。",
            f"The password of “{user.username}” was reset; its open sessions have ended.",
            password if generated else None)


FIELDS = ("username", "display_name", "role", "scope", "password", "target", "new_password")
ACTS = {"au-add": add, "au-disable": disable, "au-enable": enable, "au-reset": reset}


def result(lang: str, text: str, *, ok: bool, password: str | None = None) -> dmc.Alert:
    body = [dmc.Text(text, size="sm", id="au-message")]
    if password:
        body.append(dmc.Group([
            dmc.Text(i18n.pick(lang, "生成的密码（只显示这一次）：", "Generated password (shown this once only):"), size="sm"),
            dmc.Code(password, id="au-generated"),
        ], gap="xs"))
    return dmc.Alert(body, color="green" if ok else "red", id="au-ok" if ok else "au-error")


def _refuse(lang: str, exc: PermissionDenied):
    """A request by someone without MANAGE_USERS: recorded, answered with a message, nothing changed."""
    user = data.user_or_none()
    try:
        access.audit(data.warehouse_path(), "permission_denied", user=user, target=Permission.MANAGE_USERS.value,
                     detail=data.attempted(), remote_addr=request.remote_addr)
    except Exception:  # noqa: BLE001 — the refusal stands even if it cannot be recorded
        log.exception("could not record a refused user-management request")
    return result(lang, message_text(exc, lang), ok=False), no_update, "", ""


@callback(Output("au-result", "children"), Output("au-grid", "rowData"), Output("au-new-password", "value"),
          Output("au-reset-password", "value"),
          Input("au-add", "n_clicks"), Input("au-disable", "n_clicks"), Input("au-enable", "n_clicks"),
          Input("au-reset", "n_clicks"),
          State("au-new-username", "value"), State("au-new-name", "value"), State("au-new-role", "value"),
          State("au-new-scope", "value"), State("au-new-password", "value"), State("au-target", "value"),
          State("au-reset-password", "value"), State("au-params", "data"), prevent_initial_call=True)
@guarded(outputs=4)
def act(_add, _disable, _enable, _reset, *fields):
    button = ctx.triggered_id
    if button not in ACTS:
        raise PreventUpdate
    params = fields[-1] if isinstance(fields[-1], dict) else {}
    lang = state.lang_of(params)
    try:
        data.user().require(Permission.MANAGE_USERS)
    except PermissionDenied as exc:
        return _refuse(lang, exc)
    try:
        form = {name: value if isinstance(value, str) else None for name, value in zip(FIELDS, fields)}
        zh, en, generated = ACTS[button](form)
    except (access.AccessError, PermissionDenied) as exc:
        return result(lang, message_text(exc, lang), ok=False), no_update, no_update, no_update
    auth.ACCOUNTS.forget()                  # this worker re-reads the account at once (others within seconds)
    return result(lang, i18n.pick(lang, zh, en), ok=True, password=generated), account_rows(lang), "", ""


@callback(Output("au-target", "value"), Input("au-grid", "selectedRows"), prevent_initial_call=True)
@guarded(fallback="none")
def pick_row(rows):
    if not rows or not isinstance(rows[0], dict) or not rows[0].get("username"):
        raise PreventUpdate
    return rows[0]["username"]
