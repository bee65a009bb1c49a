"""Organ profile (/organs/<code>): the organ's tier and check schedule, its projects and vendors,
inspections and findings, rectifications, incidents and submissions."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, callback, dcc, html

from dashboards import data, i18n, state
from dashboards.components import figures
from dashboards.components.empty import empty_state
from dashboards.components.grid import Col, grid, item_text, records
from dashboards.components.guard import guarded, guarded_layout
from dashboards.components.shell import frame, loading, page_title, section
from dashboards.components.tables import fact, incident_grid, inspection_grid
from warehouse import queries
from warehouse.periods import add_months

dash.register_page(__name__, path_template="/organs/<code>", name="机关档案", title=page_title("机关档案"))

TIER_COLOR = {"A": "green", "B": "blue", "C": "orange", "D": "red"}


def caveats(lang: str) -> list[str]:
    return [
        i18n.pick(lang, "机关等级决定例行检查间隔（D 6个月、C 12个月、B 24个月、A 60个月）；新项目开始后30日内、"
                        "服务机构发生较大及以上事件后30日内也应检查。",
                  "The organ's tier sets the routine interval (D 6, C 12, B 24, A 60 months); a new project is due "
                  "within 30 days of its start, and so is every organ of a vendor after a major incident."),
        i18n.pick(lang, "报送情况按季度统计：每个在办项目每季度应报一份服务评价，季度结束后15日内报送为按时。",
                  "Submissions per quarter: one evaluation per active project, due within 15 days of the quarter's end."),
        i18n.pick(lang, "本页数据来自该机关和检查人员的报送，被退回的行不在其中。",
                  "Data from the organ's and inspectors' submissions; rejected rows are not shown."),
    ]


def _organ(code: str) -> dict | None:
    """The organ's line of the check schedule (name, region, tier and why, last and next check), as
    the signed-in user may see it; None when there is no such organ in the user's scope."""
    row = data.q("organ_schedule", queries.Filters(today=data.today()), organ_code=code)
    return row.row(0, named=True) if row.height else None


@guarded_layout
def layout(code: str | None = None, **kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    path = f"/organs/{code}"
    row = _organ(code) if code else None
    if row is None:
        body = empty_state(lang, p(f"没有找到代码为 {code} 的机关。它可能尚未装载，或代码有误。",
                                   f"No organ with code {code}: not loaded yet, or a wrong code."),
                           action=(i18n.t("nav.overview", lang), state.href("/", params)))
        return frame("", params, path, body, title=p("机关档案", "Organ profile"), caveats=caveats(lang), show_filters=())
    facts = html.Dl([
        *fact(p("统一社会信用代码", "Credit code"), row["organ_code"]),
        *fact(p("地区", "Region"), row.get("region_name")),
        *fact(p("层级", "Level"), i18n.value(row.get("admin_level"), lang)),
        *fact(p("等级依据", "Why this tier"), row.get(i18n.reason_column("tier_reason", lang))),
        *fact(p("检查次数", "Inspections"), i18n.fmt_int(row.get("inspections"), lang)),
        *fact(p("最近检查", "Last inspected"),
               f"{i18n.fmt_date(row.get('last_inspected_on'), lang)} {i18n.grade(row.get('last_grade'), lang) if row.get('last_inspection_code') else ''}"),
        *fact(p("下次应检", "Next check due"), i18n.fmt_date(row.get("next_due_on"), lang)),
        *fact(p("应检原因", "Why due"), row.get(i18n.reason_column("due_reason", lang))),
        *fact(p("检查状态", "Check status"), i18n.status(row.get("status"), lang)
               + (i18n.pick(lang, f"（逾期 {row['days_overdue']} 天）", f" ({row['days_overdue']} days overdue)")
                  if row.get("days_overdue") else "")),
        *fact(p("项目（在办）", "Projects (active)"), p(f"{row.get('projects')}（{row.get('active_projects')}）",
                                                       f"{row.get('projects')} ({row.get('active_projects')})")),
    ], className="profile-facts", id="op-facts")
    subtitle = dmc.Badge(i18n.tier(row["tier"], lang), color=TIER_COLOR.get(row["tier"], "gray"), size="lg", id="op-tier")
    store = {**params, "code": code, "region": None}
    store = {k: v for k, v in store.items() if v is not None}
    store["organ_region"] = row.get("region_code")
    content = [
        dcc.Store(id="op-params", data=store),
        dmc.Grid([
            section(p("基本情况与检查安排", "Identity and check schedule"), facts, span=12),
            section(p("外包项目与服务机构", "Projects and vendors"), loading("op-projects"), span=12),
            # the wide tables take the full row: in part of one, the grade and the vendor were cut off
            section(p("检查与发现的问题", "Inspections and findings"), loading("op-inspections"), span=12),
            section(p("整改", "Rectifications"), loading("op-rects"), span=12),
            section(p("事件", "Incidents"), loading("op-incidents"), span=12),
            section(p("反复出现的问题", "Repeat findings"), loading("op-repeats"), span=6),
            section(p("等级变化记录", "Tier history"), loading("op-history"), span=6),
            section(p("报送情况", "Submissions"), loading("op-submissions"), span=12),
        ], gutter="md"),
    ]
    return frame("", params, path, content, title=row["organ_name"], caveats=caveats(lang), show_filters=(),
                 subtitle=subtitle)


def _scope(params) -> queries.Filters:
    region = params.get("organ_region")
    return data.organ_filters({"region_code": region}, data.today())


def _vendor_link(params):
    search = state.to_search(state.carry(params))
    return pl.when(pl.col("vendor_code").is_not_null()).then(
        pl.format("[{}](/vendors/{}{})", pl.coalesce(pl.col("vendor_name"), pl.col("vendor_code")).str.replace_all(r"[\[\]]", ""),
                  pl.col("vendor_code"), pl.lit(search)))


def _export(params, lang) -> dict:
    """The 「导出Excel」 scope of this profile's grids: the organ, not the URL's filters."""
    return {"export_skip": state.GLOBAL_KEYS, "export_filters": {i18n.pick(lang, "机关", "Organ"): params["code"]}}


@callback(Output("op-projects", "children"), Input("op-params", "data"))
@guarded()
def projects_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    projects = data.projects(organ_code=params["code"])
    if not projects.height:
        return empty_state(lang, p("该机关没有登记外包项目。", "The organ registered no outsourcing project."))
    projects = projects.with_columns(vendor_link=_vendor_link(params),
                                     classified=pl.when(pl.col("involves_classified"))
                                     .then(pl.lit(i18n.t("common.yes", lang))).otherwise(pl.lit("")))
    cols = [Col("project_code", p("项目编号", "Project"), width=140), Col("vendor_link", p("服务机构", "Vendor"), "link"),
            Col("service_type", p("服务类型", "Service")), Col("start_on", p("开始", "Start"), "date", width=130),
            Col("planned_end_on", p("计划结束", "Planned end"), "date", width=130),
            Col("classified", p("涉密", "Classified"), width=100)]
    if "inspections" in projects.columns:
        cols += [Col("inspections", p("检查次数", "Inspections"), "int", width=110),
                 Col("last_inspected_on", p("最近检查", "Last inspected"), "date", width=130)]
    return grid("op-projects-grid", cols, records(projects), lang, height=300,
                export=p("外包项目与服务机构", "Projects and vendors"), **_export(params, lang))


@callback(Output("op-inspections", "children"), Input("op-params", "data"))
@guarded()
def inspections_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    # Every inspection of the organ (queries.inspections, scoped by queries.for_user), newest first, with
    # its grade, the items found wanting and the rectification deadline.
    insp = data.q("inspections", _scope(params), organ_code=params["code"])
    if not insp.height:
        return empty_state(lang, p("该机关还没有检查记录。", "No inspection of this organ yet."))
    insp = insp.with_columns(vendor_link=_vendor_link(params))
    return inspection_grid("op-inspections-grid", insp, lang, who="vendor_link", height=300,
                           export_scope=_export(params, lang))


@callback(Output("op-repeats", "children"), Input("op-params", "data"))
@guarded()
def repeats_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    rep = data.q("repeat_findings", _scope(params), scope="organ", organ_code=params["code"])
    if not rep.height:
        return empty_state(lang, p("近 12 个季度没有连续检查中重复出现的问题。",
                                   "No item found wanting in consecutive inspections in the last 12 quarters."))
    rep = (rep.sort("streak", "inspected_on", descending=True).unique("item_code", keep="first", maintain_order=True)
           .with_columns(item_text=item_text(lang)))
    cols = [Col("item_text", p("检查事项", "Item"), "long"), Col("streak", p("连续次数", "Streak"), "int", width=90),
            Col("inspected_on", p("最近一次", "Latest"), "date", width=130)]
    return grid("op-repeats-grid", cols, records(rep), lang, height=300,
                export=p("反复出现的问题", "Repeat findings"), **_export(params, lang))


@callback(Output("op-rects", "children"), Input("op-params", "data"))
@guarded()
def rectifications_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    rect = data.q("rectifications", _scope(params), organ_code=params["code"])
    if not rect.height:
        return empty_state(lang, p("该机关没有整改事项。", "The organ has no rectification."))
    rect = rect.with_columns(status_text=pl.col("status").map_elements(lambda s: i18n.status(s, lang),
                                                                       return_dtype=pl.String),
                             vendor_link=_vendor_link(params), item_text=item_text(lang), days_late=_days_late())
    cols = [Col("inspection_code", p("检查", "Inspection"), width=130), Col("item_text", p("整改事项", "Item"), "long"),
            Col("vendor_link", p("服务机构", "Vendor"), "link"),
            Col("due_on", p("应完成", "Due"), "date", width=130), Col("closed_on", p("完成", "Closed"), "date", width=130),
            Col("days_late", p("逾期天数（至今天或至完成日）", "Days late (to today, or to closing)"), "int", width=130),
            Col("status_text", p("状态", "Status"), width=100)]
    return grid("op-rects-grid", cols, records(rect), lang, height=360, export=p("整改", "Rectifications"),
                **_export(params, lang))


def _days_late() -> pl.Expr:
    """Days past the due date: to closing for one closed late (its days_overdue is 0 once closed), to
    today for one still open."""
    return pl.when(pl.col("status") == "closed_late").then(pl.col("days_closed_late")).otherwise(pl.col("days_overdue"))


@callback(Output("op-incidents", "children"), Input("op-params", "data"))
@guarded()
def incidents_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    incidents = data.incidents(_scope(params), organ_code=params["code"])
    row = _organ(params["code"]) or {}
    parts = []
    if code := row.get("followup_incident_code"):
        # an incident at an organ outside the scope is masked by the query layer, in Chinese
        shown = queries.OUT_OF_REGION_EN if lang == "en" and code == queries.OUT_OF_REGION else code
        parts.append(dmc.Text(p(f"因事件 {code} 需跟进检查，应于 "
                                f"{i18n.fmt_date(row.get('followup_due_on'), lang)} 前完成。",
                                f"Follow-up check after incident {shown}, due "
                                f"{i18n.fmt_date(row.get('followup_due_on'), lang)}."), size="sm"))
    if not incidents.height:
        parts.append(empty_state(lang, p("该机关没有事件报告。", "The organ reported no incident.")))
    else:
        parts.append(incident_grid("op-incidents-grid", incidents, lang, who="vendor_name",
                                   export_scope=_export(params, lang)))
    return dmc.Stack(parts, gap=4)


@callback(Output("op-history", "children"), Input("op-params", "data"))
@guarded()
def history_panel(params):
    lang = state.lang_of(params)
    hist = data.q("organ_tier_history", params["code"])
    if not hist.height:
        return empty_state(lang, i18n.pick(lang, "还没有等级记录。", "No tier recorded yet."))
    items = [dmc.TimelineItem([dmc.Text(i18n.fmt_date(r["effective_on"], lang), size="xs", c="dimmed"),
                               dmc.Text(r[i18n.reason_column("reason_zh", lang)], size="sm")],
                              title=i18n.tier(r["tier"], lang) + (f" ← {i18n.tier(r['previous_tier'], lang)}"
                                                                   if r["previous_tier"] else ""))
             for r in hist.iter_rows(named=True)]
    return dmc.Timeline(items, active=0, bulletSize=14, lineWidth=2)


@callback(Output("op-submissions", "children"), Input("op-params", "data"))
@guarded()
def submissions_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    f = _scope(params)
    subs = data.q("submission_completeness", f, organ_code=params["code"]).sort("quarter_start")
    seen = data.q("data_as_of", f, by="organ", organ_code=params["code"])
    parts = []
    if seen.height:
        r = seen.row(0, named=True)
        parts.append(dmc.Text(p(f"首次出现于 {i18n.fmt_date(r['first_seen_on'], lang)}；最近一次收到该机关数据："
                                f"{i18n.fmt_date(r['last_loaded_on'], lang)}（{r['days_since_load']} 天前）。",
                                f"First seen {i18n.fmt_date(r['first_seen_on'], lang)}; last data received "
                                f"{i18n.fmt_date(r['last_loaded_on'], lang)} ({r['days_since_load']} days ago)."),
                              size="sm", id="op-last-seen"))
    if not subs.height:
        parts.append(empty_state(lang, p("该机关近 20 个季度没有应报的服务评价。", "Nothing was due from this organ in the last 20 quarters.")))
        return dmc.Stack(parts, gap=4)
    subs = every_quarter(subs)
    x = [i18n.fmt_period(q_, lang, short=True) for q_ in subs["quarter"]]
    # a quarter whose due date (quarter end + 15 days) has not passed is awaited, not yet missing
    awaited = [d is not None and d > f.today for d in subs["due_on"]]
    fig = go.Figure([
        go.Bar(x=x, y=subs["received"].to_list(), name=p("已报", "Received"), marker={"color": "#2f9e44"}),
        go.Bar(x=x, y=[None if a else n for n, a in zip(subs["missing"], awaited)], name=p("缺报", "Missing"),
               marker={"color": "#e03131"}),
        go.Bar(x=x, y=[n if a else None for n, a in zip(subs["missing"], awaited)],
               name=p("待报（未到报送期限）", "Awaited (not yet due)"), marker={"color": "#adb5bd"},
               showlegend=any(n for n, a in zip(subs["missing"], awaited) if a)),
        # a quarter with nothing late has no marker (not one on the axis)
        go.Scatter(x=x, y=[n or None for n in subs["late"]], name=p("迟报", "Late"), mode="markers",
                   marker={"color": "#f08c00", "size": 10, "symbol": "diamond"}),
    ])
    fig.update_layout(barmode="stack")
    figures.style(fig, height=260)
    fig.update_yaxes(rangemode="tozero", dtick=1, title_text=p("服务评价（份）", "Evaluations"))
    parts.append(figures.graph(fig, "op-submissions-graph"))
    if subs["expected"].fill_null(0).eq(0).any():
        parts.append(dmc.Text(p("空白的季度：该机关当季没有在办项目，无应报的服务评价。",
                                "A blank quarter: the organ had no active project then, so nothing was due."),
                              size="xs", c="dimmed", id="op-submissions-gaps"))
    return dmc.Stack(parts, gap=4)


def every_quarter(subs: pl.DataFrame) -> pl.DataFrame:
    """The organ's quarters from its first to its last, those with nothing due as empty rows: the
    chart's axis then runs without jumps (2025Q1 straight to 2026Q4 reads as consecutive)."""
    first, last = subs["quarter_start"].min(), subs["quarter_start"].max()
    starts, day = [], first
    while day <= last:
        starts.append(day)
        day = add_months(day, 3)
    quarters = pl.DataFrame({"quarter_start": starts}).with_columns(
        quarter=pl.format("{}-Q{}", pl.col("quarter_start").dt.year(), pl.col("quarter_start").dt.quarter()))
    return quarters.join(subs.drop("quarter"), on="quarter_start", how="left").sort("quarter_start")
