"""检查与整改 Checks and rectifications: what is due and what is overdue, with days overdue, the
organ's tier and the reason; filtered by region and district (and the other filters); the
current selection exports to xlsx. The backlog is shown by tier, so that "only the high-risk
ones get done" is visible."""

from __future__ import annotations


import dash
import dash_mantine_components as dmc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import data, i18n, state
from dashboards.components import figures
from dashboards.components.empty import empty_state
from dashboards.components.grid import Col, block_response, item_text, page_request, server_grid
from dashboards.components.guard import guarded, guarded_layout
from dashboards.components.shell import frame, loading, option_control, page_title, section
from schemas.roles import Permission
from warehouse import queries
from warehouse.analytics_config import TIERS

dash.register_page(__name__, path="/overdue", name="检查与整改", title=page_title("检查与整改"), order=2)

PATH = "/overdue"


def caveats(lang: str) -> list[str]:
    return [
        i18n.pick(lang, "检查：每个机关的下次应检日期取例行间隔（按机关等级）、新项目首检（开始后30日内）和事件后跟进（30日内）中最早的一个。",
                  "Checks: an organ's next check is the earliest of its routine interval (by tier), a new project's "
                  "first check (30 days after start) and an incident follow-up (30 days)."),
        i18n.pick(lang, "整改：逾期指超过整改期限仍未完成并通过复查；超过30天的列为约谈候选。即将到期指7日内到期。",
                  "Rectifications: overdue means past the due date and not closed; over 30 days are candidates for a "
                  "formal interview. Due soon: within 7 days."),
        i18n.pick(lang, "期间筛选：检查保留期末前应检的机关；整改按应完成日期筛选。逾期天数按今天计算。",
                  "Period: checks keep organs due by the period's end; rectifications filter on the due date. Days "
                  "overdue count to today."),
        i18n.pick(lang, "导出包含当前筛选下的全部行（不只是当前页）。", "The export holds every row of the current selection, not only this page."),
    ]


def _columns(view: str, lang: str) -> list[Col]:
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    if view == "rectifications":
        return [Col("organ_link", p("机关", "Organ"), "link", width=230, pinned=True),
                Col("region_name", p("地区", "Region"), width=100),
                Col("tier", p("机关等级", "Tier"), "tier", width=104),
                Col("days_overdue", p("逾期天数", "Days overdue"), "int", width=100),
                Col("due_on", p("应完成", "Due"), "date", width=130),
                Col("status_text", p("状态", "Status"), width=96),
                Col("item_text", p("整改事项", "Item"), "text", width=320),
                Col("inspection_code", p("检查", "Inspection"), width=130),
                Col("vendor_name", p("服务机构", "Vendor"), width=220),
                Col("action", p("建议", "Suggested"), width=110)]
    return [Col("organ_link", p("机关", "Organ"), "link", width=230, pinned=True),
            Col("region_name", p("地区", "Region"), width=100),
            Col("tier", p("机关等级", "Tier"), "tier", width=104),
            Col("days_overdue", p("逾期天数", "Days overdue"), "int", width=100),
            Col("next_due_on", p("应检日期", "Due"), "date", width=130),
            Col("status_text", p("状态", "Status"), width=96),
            Col("due_source_text", p("应检类型", "Kind"), width=110),
            Col(i18n.reason_column("due_reason", lang), p("原因", "Reason"), "long", min_width=340),
            Col("last_inspected_on", p("最近检查", "Last inspected"), "date", width=130),
            Col(i18n.reason_column("tier_reason", lang), p("等级依据", "Why this tier"), "text", width=300)]


@guarded_layout
def layout(**kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    view = params.get("view", "checks")
    status = params.get("status", "overdue")
    options = [
        option_control("view", p("查看", "View"), [("checks", p("检查", "Checks")),
                                                   ("rectifications", p("整改", "Rectifications"))], view),
        option_control("status", p("状态", "Status"), [("overdue", p("逾期", "Overdue")),
                                                       ("due_soon", p("即将到期", "Due soon")),
                                                       ("all", p("逾期与即将到期", "Both"))], status),
    ]
    content = [
        dcc.Store(id="od-params", data=params),
        dcc.Download(id="od-download"),
        dmc.Grid([
            section(p("按机关等级的积压", "Backlog by organ tier"), loading("od-summary"), span=12,
                    note=p("各等级机关的逾期与即将到期数量：只看总数会掩盖低风险机关的积压。",
                           "Overdue and due-soon per tier: totals alone hide a growing low-risk backlog.")),
            section(list_title(params),
                    dmc.Stack([
                        dmc.Group([html.Div(id="od-count"),
                                   dmc.Button(i18n.t("common.export_xlsx", lang), id="od-export", size="xs",
                                              variant="light")], justify="space-between"),
                        server_grid("od-grid", _columns(view, lang), lang, height=620),
                    ], gap=6), span=12,
                    note=p("点击机关名称查看机关档案；点击列标题排序。", "Click an organ to open its profile; click a header to sort.")),
        ], gutter="md"),
    ]
    return frame("overdue", params, PATH, content, title=i18n.t("nav.overdue", lang), caveats=caveats(lang),
                 extra_filters=options)


# -- the selection --------------------------------------------------------------------------------

# What the list holds, by status (the list's title, the sheet's title and the file's name).
LIST_TITLES = {
    ("checks", "overdue"): ("逾期检查", "Overdue checks"),
    ("checks", "due_soon"): ("即将到期的检查", "Checks due soon"),
    ("checks", "all"): ("逾期与即将到期的检查", "Checks overdue or due soon"),
    ("rectifications", "overdue"): ("逾期整改", "Overdue rectifications"),
    ("rectifications", "due_soon"): ("即将到期的整改", "Rectifications due soon"),
    ("rectifications", "all"): ("逾期与即将到期的整改", "Rectifications overdue or due soon"),
}


def list_title(params: dict) -> str:
    view = "rectifications" if params.get("view") == "rectifications" else "checks"
    return i18n.pick(state.lang_of(params), *LIST_TITLES[view, params.get("status", "overdue")])


def _statuses(params: dict) -> tuple[str, ...]:
    status = params.get("status", "overdue")
    return ("overdue", "due_soon") if status == "all" else (status,)


def checks_frame(params: dict, page: queries.Page | None = None) -> pl.DataFrame:
    """The checks of the selection, most overdue first (one block of them with `page`)."""
    f = state.filters(params, data.today())
    return data.q("organ_schedule", f, status=_statuses(params), page=page)


def rectifications_frame(params: dict, page: queries.Page | None = None) -> pl.DataFrame:
    """The rectifications of the selection, most overdue first, with the organ's tier (one block of
    them with `page`)."""
    f = state.filters(params, data.today())
    return data.q("rectifications", f, _statuses(params), page=page).rename({"organ_tier": "tier"})


def selection(params: dict, page: queries.Page | None = None) -> pl.DataFrame:
    return (rectifications_frame if params.get("view") == "rectifications" else checks_frame)(params, page)


def _display(frame_: pl.DataFrame, params: dict) -> pl.DataFrame:
    lang = state.lang_of(params)
    search = state.to_search(state.carry(params))
    frame_ = frame_.with_columns(
        organ_link=pl.format("[{}](/organs/{}{})", pl.col("organ_name").fill_null(pl.col("organ_code"))
                             .str.replace_all(r"[\[\]]", ""), pl.col("organ_code"), pl.lit(search)),
        status_text=pl.col("status").replace_strict({k: i18n.status(k, lang) for k in i18n.STATUS_TEXT},
                                                    default=pl.col("status")),
    )
    if params.get("view") == "rectifications":
        return frame_.with_columns(action=pl.when(pl.col("days_overdue") > 30).then(pl.lit(i18n.pick(lang, "约谈", "Interview")))
                                   .otherwise(pl.lit("")), item_text=item_text(lang))
    return frame_.with_columns(due_source_text=pl.col("due_source").replace_strict(
        {k: i18n.due_source(k, lang) for k in i18n.DUE_SOURCE_TEXT}, default=pl.col("due_source")))


# Grid columns sorted on another column of the query's rows (a link sorts by the name).
SORT_KEYS = {"checks": {"organ_link": "organ_name", "status_text": "status", "due_source_text": "due_source"},
             "rectifications": {"organ_link": "organ_name", "status_text": "status", "tier": "organ_tier",
                                "action": "days_overdue", "item_text": "item_code"}}


@callback(Output("od-grid", "getRowsResponse"), Output("od-count", "children"),
          Input("od-grid", "getRowsRequest"), State("od-params", "data"))
@guarded(outputs=2, fallback="none")
def grid_rows(request, params):
    lang = state.lang_of(params)
    view = "rectifications" if params.get("view") == "rectifications" else "checks"
    block = selection(params, page_request(request, SORT_KEYS[view]))
    response, total = block_response(block, lambda rows: _display(rows, params))
    count = dmc.Text(i18n.t("common.rows", lang, n=i18n.fmt_int(total, lang)), size="sm", id="od-total")
    return response, count


@callback(Output("od-summary", "children"), Input("od-params", "data"))
@guarded()
def summary_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    f = state.filters(params, data.today())
    checks = data.q("schedule_counts", f).filter(pl.col("status").is_in(["overdue", "due_soon"]))
    rect = data.q("rectification_status", f, by=("tier",))
    if not checks.height and not (rect["overdue"].sum() + rect["due_soon"].sum()):
        return empty_state(lang)
    x = [i18n.tier(t_, lang) for t_ in TIERS]

    def of_checks(status):
        got = dict(checks.filter(pl.col("status") == status).select("tier", "organs").iter_rows())
        return [got.get(t_, 0) for t_ in TIERS]

    def of_rect(column):
        got = dict(rect.select("tier", column).iter_rows())
        return [got.get(t_, 0) for t_ in TIERS]

    fig = go.Figure([
        go.Bar(x=x, y=of_checks("overdue"), name=p("逾期检查", "Overdue checks"), marker={"color": "#e03131"}),
        go.Bar(x=x, y=of_checks("due_soon"), name=p("即将到期检查", "Checks due soon"), marker={"color": "#ffa8a8"}),
        go.Bar(x=x, y=of_rect("overdue"), name=p("逾期整改", "Overdue rectifications"), marker={"color": "#e8590c"}),
        go.Bar(x=x, y=of_rect("due_soon"), name=p("即将到期整改", "Rectifications due soon"),
               marker={"color": "#ffc078"}),
    ])
    fig.update_layout(barmode="group")
    figures.style(fig, height=280)
    # checks count organs, rectifications count items
    fig.update_yaxes(rangemode="tozero", title_text=p("机关数 / 整改事项数", "Organs / rectification items"))
    return figures.graph(fig, "od-summary-graph")


# -- export ------------------------------------------------------------------------------------------

def export_bytes(params: dict) -> tuple[bytes, int]:
    """The whole current selection as an xlsx workbook (etl.export.grid_export): a header block with
    the filters and the data's date, then Chinese headers, real dates and numbers, safe text; and
    its number of rows."""
    from etl.export.grid_export import grid_bytes
    from etl.export.labels import describe_filters
    lang = state.lang_of(params)
    view = params.get("view", "checks")
    frame_ = _display(selection(params), params).with_columns(
        pl.col("tier").map_elements(lambda t_: i18n.tier(t_, lang), return_dtype=pl.String))
    columns = {"organ_code": i18n.pick(lang, "统一社会信用代码", "Credit code")}
    for col in _columns(view, lang):
        field = "organ_name" if col.field == "organ_link" else col.field
        columns[field] = col.header
    described = describe_filters(state.filters(params, data.today()))
    described[i18n.pick(lang, "状态", "Status")] = {"overdue": i18n.pick(lang, "逾期", "overdue"),
                                                    "due_soon": i18n.pick(lang, "即将到期", "due soon"),
                                                    "all": i18n.pick(lang, "逾期与即将到期", "overdue and due soon")}[
        params.get("status", "overdue")]
    from dashboards.components.export_button import with_exporter
    described = with_exporter(described, lang)
    as_of = (data.marts_as_of() or {}).get("refreshed_at")
    return (grid_bytes(frame_, "xlsx", filters=described, title=list_title(params), columns_zh=columns,
                       data_as_of=as_of, lang=lang), frame_.height)


def export_name(params: dict) -> str:
    what = list_title(params).replace(" ", "-").lower()       # no spaces in a file name
    parts = [what, params.get("region"), params.get("period"), params.get("tier"), data.today().isoformat()]
    return "_".join(p_ for p_ in parts if p_) + ".xlsx"


@callback(Output("od-download", "data"), Input("od-export", "n_clicks"), State("od-params", "data"),
          prevent_initial_call=True)
@guarded(fallback="none")
def export(n_clicks, params):
    if not n_clicks:
        raise PreventUpdate
    from dashboards.components.export_button import checked_export
    data.require(Permission.EXPORT)                 # before the work, not only before the download
    (content, rows), name = export_bytes(params), export_name(params)
    checked_export(name, rows, params)
    return dcc.send_bytes(content, name)
