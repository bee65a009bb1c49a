"""审计日志 Audit log (issue 7, docs/access.md): who did what and when — sign-ins, loads, exports,
plan draws, user management, refusals — newest first, filtered by date, user name and action. Reads
through warehouse.access.audit_entries (no SQL here), at most LIMIT entries; the grid exports what
it shows. The callback re-checks the AUDIT permission itself."""

from __future__ import annotations

import datetime as dt
import json

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from dashboards import data, i18n, state
from dashboards.components.empty import empty_state
from dashboards.components.grid import Col, grid
from dashboards.components.guard import guarded, guarded_layout
from dashboards.components.shell import frame, page_title, section
from schemas.roles import ROLE_EN, ROLE_ZH, Permission, Role
from warehouse import access

dash.register_page(__name__, path="/admin/audit", name="审计日志", name_en="Audit log",
                   title=page_title("审计日志"), order=8, permission=Permission.AUDIT)

PATH = "/admin/audit"
NAV_KEY = "admin/audit"
LIMIT = 1000

ACTION_TEXT = {
    "login_ok": ("登录成功", "Signed in"), "login_failed": ("登录失败", "Sign-in failed"), "logout": ("退出登录", "Signed out"),
    "load": ("装载数据", "Data loaded"), "refresh": ("刷新分析集市", "Marts refreshed"), "export": ("导出", "Export"), "plan_draw": ("抽取检查计划", "Plan drawn"),
    "user_add": ("添加用户", "User added"), "user_disable": ("停用用户", "User disabled"),
    "user_enable": ("启用用户", "User enabled"), "password_reset": ("重置密码", "Password reset"),
    "password_change": ("修改密码", "Password changed"), "permission_denied": ("越权被拒", "Permission denied"),
}
# The keys of an entry's detail (docs/access.md, the audit log table) and the codes of a refused sign-in.
DETAIL_TEXT = {
    "reason": ("原因", "Reason"), "failed_attempts": ("连续失败次数", "Failed attempts"),
    "locked_until": ("锁定至", "Locked until"), "role": ("角色", "Role"), "region_scope": ("权限范围", "Scope"),
    "display_name": ("姓名", "Name"), "rows_read": ("读取行数", "Rows read"), "rows_loaded": ("装载行数", "Rows loaded"),
    "rows_rejected": ("拒收行数", "Rows rejected"), "files": ("文件", "Files"), "kind": ("类型", "Kind"),
    "year": ("年度", "Year"), "region": ("地区", "Region"), "scope": ("范围", "Scope"), "period": ("期间", "Period"),
    "seed": ("随机种子", "Seed"), "redraw": ("重抽", "Re-draw"), "mode": ("方式", "Mode"),
    "rebuild": ("全部重建", "Rebuild"), "request": ("请求", "Request"), "trigger": ("触发", "Trigger"),
    "rows_duplicate": ("重复行数", "Duplicate rows"), "load_id": ("装载序号", "Load #"), "source": ("来源", "Source"),
    "rows": ("行数", "Rows"), "filters": ("筛选条件", "Filters"), "items": ("内容", "Items"),
    "report": ("报告", "Report"), "snapshot": ("快照", "Snapshot"), "plan_id": ("计划编号", "Plan #"),
}
# What was exported (the detail's kind) and where a load came from.
KIND_TEXT = {"grid": ("页面表格", "page table"), "annual": ("年度统计", "annual report"),
             "snapshot": ("审计快照", "audit snapshot"), "plan_plan": ("检查计划", "inspection plan"),
             "plan_public": ("公示名单", "public list")}
SOURCE_TEXT = {"upload": ("网页上传", "web upload")}
REASON_TEXT = {"unknown_user": ("用户不存在", "unknown user"), "wrong_password": ("密码错误", "wrong password"),
               "locked": ("账户锁定中", "account locked"), "disabled": ("账户已停用", "account disabled"),
               "throttled": ("该地址失败次数过多", "too many failures from the address")}
# How `oversight refresh` recomputed the marts (warehouse.marts.RefreshStats.mode).
MODE_TEXT = {"incremental": ("增量刷新", "incremental"), "full": ("全部重建", "full"), "unchanged": ("无变化", "unchanged")}


ROLE_TEXT = {r.value: (ROLE_ZH[r], ROLE_EN[r]) for r in Role}


def label(table: dict[str, tuple[str, str]], code, lang: str) -> str:
    """A code's words in the UI language (the code itself when the table does not know it)."""
    return i18n.pick(lang, *table[code]) if code in table else ("" if code is None else str(code))


# Detail values shown in words: the key's table of values.
VALUE_TEXT = {"reason": REASON_TEXT, "role": ROLE_TEXT, "mode": MODE_TEXT, "kind": KIND_TEXT, "source": SOURCE_TEXT}


def detail_text(detail: str | None, lang: str) -> str:
    """An entry's detail JSON as "原因：密码错误；连续失败次数：2" (the JSON itself when it is not an object)."""
    if not detail:
        return ""
    try:
        value = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    parts = []
    for key, item in value.items():
        if key in VALUE_TEXT:
            item = label(VALUE_TEXT[key], item, lang)
        elif key == "region_scope" and item:
            item = f"{item} {data.jurisdiction_name(str(item))}"
        elif isinstance(item, (dict, list)):
            item = json.dumps(item, ensure_ascii=False)
        elif isinstance(item, bool):
            item = i18n.pick(lang, "是", "yes") if item else i18n.pick(lang, "否", "no")
        name = label(DETAIL_TEXT, key, lang)
        parts.append(i18n.pick(lang, f"{name}：{item}", f"{name}: {item}"))
    return i18n.pick(lang, "；", "; ").join(parts)


def columns(lang: str) -> list[Col]:
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    return [Col("at", p("时间", "Time"), width=170, pinned=True),
            Col("username", p("用户名", "User name"), width=140),
            Col("role", p("角色", "Role"), width=110),
            Col("action", p("操作", "Action"), width=120),
            Col("target", p("对象", "Target"), width=170),
            Col("detail", p("详情", "Detail"), "long"),
            Col("remote_addr", p("来源地址", "From"), width=130)]


def caveats(lang: str) -> list[str]:
    return [
        i18n.pick(lang, "审计日志只追加、不可修改或删除；每次登录（含失败）、退出、装载、导出、抽取计划和用户管理各记一条。",
                  "The audit log is append-only: every sign-in (failed ones too), sign-out, load, export, plan draw "
                  "and user change is one entry; none can be changed or deleted."),
        i18n.pick(lang, f"按时间倒序，最多显示 {LIMIT} 条；更早的记录请缩小日期范围或按用户、操作筛选。日期含起止两天。",
                  f"Newest first, {LIMIT} entries at most; narrow the dates, user or action for older ones. Both "
                  "dates are included."),
        i18n.pick(lang, "命令行操作的用户名为 --as 所给账户或操作系统登录名；日志从不记录密码。",
                  "At the command line the user name is the --as account or the OS login name; passwords are never "
                  "logged."),
    ]


def refusal(lang: str) -> html.Div:
    """What a user without the AUDIT permission sees: a plain refusal, no entries."""
    return empty_state(lang, i18n.pick(lang, "无权访问：只有数据管理员可以查看审计日志。",
                                       "No access: only data administrators read the audit log."))


@guarded_layout
def layout(**kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    title = p("审计日志", "Audit log")
    if not data.can(Permission.AUDIT):
        return frame(NAV_KEY, params, PATH, html.Div(refusal(lang), id="aa-denied"), title=title, caveats=[],
                     show_filters=())
    zh = i18n.norm_lang(lang) == "zh"
    dates = {"valueFormat": "YYYY-MM-DD", "clearable": True, "size": "xs", "w": 150, "firstDayOfWeek": 1,
             "monthLabelFormat": "YYYY年M月" if zh else "MMMM YYYY", "yearLabelFormat": "YYYY年" if zh else "YYYY",
             "hideWeekdays": zh, "placeholder": p("不限", "Any"), "popoverProps": {"zIndex": 400}}
    filters = dmc.Group([
        dmc.DatePickerInput(id="aa-since", label=p("起始日期", "From"), **dates),
        dmc.DatePickerInput(id="aa-until", label=p("截止日期", "To"), **dates),
        dmc.TextInput(id="aa-user", label=p("用户名", "User name"), placeholder=p("全部", "All"), size="xs", w=160,
                      debounce=500),
        dmc.MultiSelect(id="aa-actions", label=p("操作", "Action"), placeholder=p("全部", "All"), size="xs", w=360,
                        data=[{"value": a, "label": label(ACTION_TEXT, a, lang)} for a in access.ACTIONS],
                        clearable=True, comboboxProps={"zIndex": 400}),
    ], gap="sm", align="flex-end")
    content = [
        dcc.Store(id="aa-params", data=params),
        dmc.Grid([
            section(p("审计记录", "Entries"), dmc.Stack([filters, dcc.Loading(html.Div(id="aa-result"), type="dot",
                                                                             delay_show=300)], gap="sm"), span=12),
        ], gutter="md"),
    ]
    return frame(NAV_KEY, params, PATH, content, title=title, caveats=caveats(lang), show_filters=())


def _day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def entries(since: dt.date | None, until: dt.date | None, username: str | None, actions: list[str]):
    """At most LIMIT + 1 entries (one more than shown tells that the limit was hit), newest first.
    An administrator of part of the jurisdiction reads the entries of the accounts in its scope only
    (the rest — other places' accounts, the command line, unknown names at sign-in — is the
    jurisdiction's)."""
    with data.reader() as con:
        accounts = None if data.covers_jurisdiction() else \
            access.accounts_within(con, data.user().region_scope)["username"].to_list()
        return access.audit_entries(
            con, since=dt.datetime.combine(since, dt.time()) if since else None,
            until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) if until else None,
            username=username or None, action=actions or None, limit=LIMIT + 1, usernames=accounts)


@callback(Output("aa-result", "children"),
          Input("aa-since", "value"), Input("aa-until", "value"), Input("aa-user", "value"),
          Input("aa-actions", "value"), State("aa-params", "data"))
@guarded()
def show(since, until, username, actions, params):
    lang = state.lang_of(params if isinstance(params, dict) else {})
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    if not data.can(Permission.AUDIT):
        return refusal(lang)
    since, until = _day(since), _day(until)
    username = access.normalise_username(username or "")[:64]
    actions = [a for a in (actions or []) if a in access.ACTIONS]
    found = entries(since, until, username, actions)
    if not found.height:
        return empty_state(lang, p("没有符合条件的审计记录。", "No entries match."))
    rows = [{"at": f"{r['at']:%Y-%m-%d %H:%M:%S}" if r["at"] else "", "username": r["username"],
             "role": label(ROLE_TEXT, r["role"], lang), "action": label(ACTION_TEXT, r["action"], lang), "target": r["target"],
             "detail": detail_text(r["detail"], lang), "remote_addr": r["remote_addr"]}
            for r in found.head(LIMIT).iter_rows(named=True)]
    count = i18n.t("common.rows", lang, n=i18n.fmt_int(len(rows), lang))
    notes = [dmc.Text(count, size="xs", c="dimmed", id="aa-count")]
    if found.height > LIMIT:
        notes.append(dmc.Alert(p(f"只显示最新的 {LIMIT} 条记录，请缩小日期范围或按用户、操作筛选。",
                                 f"Only the newest {LIMIT} entries are shown; narrow the dates, user or action."),
                               color="yellow", id="aa-limit"))
    chosen = {p("起始日期", "From"): since and since.isoformat(), p("截止日期", "To"): until and until.isoformat(),
              p("用户名", "User name"): username,
              p("操作", "Action"): "、".join(label(ACTION_TEXT, a, lang) for a in actions)}
    table = grid("aa-grid", columns(lang), rows, lang, height=560, page_size=50, export=p("审计日志", "Audit log"),
                 export_skip=state.GLOBAL_KEYS, export_filters={k: v for k, v in chosen.items() if v})
    return html.Div([*notes, table])
