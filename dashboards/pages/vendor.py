"""Vendor profile (/vendors/<code>): who the vendor is, its qualifications, the organs and projects
it serves, its risk score as a waterfall of its components, tier history, inspections, evaluation
trend, incidents, open rectifications, and what would change its tier."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, callback, dcc, html

from dashboards import data, i18n, state
from dashboards.components import figures
from dashboards.components.empty import empty_state, not_available
from dashboards.components.grid import Col, grid, item_text, records
from dashboards.components.guard import guarded, guarded_layout
from dashboards.components.shell import frame, loading, page_title, section
from dashboards.components.tables import fact, incident_grid, inspection_grid
from schemas.identifiers import region_name
from warehouse import queries

dash.register_page(__name__, path_template="/vendors/<code>", name="服务机构档案",
                   title=page_title("服务机构档案"))

TIER_COLOR = {"A": "green", "B": "blue", "C": "orange", "D": "red"}


def caveats(lang: str) -> list[str]:
    return [
        i18n.pick(lang, "风险分和等级按最近一次装载时计算；检查、评价和事件按规则规定的时间窗和衰减计入，较早的记录不再计分。",
                  "Score and tier are as of the last load; inspections, evaluations and incidents count within the "
                  "method's windows and decay, so older records no longer score."),
        i18n.pick(lang, "“哪些变化会改变等级”逐项估算单一变化的影响，其他条件不变；不是承诺，也不是处罚依据。",
                  "\"What would change the tier\" estimates each change on its own, all else equal: a guide, not a "
                  "promise or a sanction."),
        i18n.pick(lang, "本页列出的检查、评价、事件来自各机关报送，被退回的行不在其中。",
                  "Inspections, evaluations and incidents come from the organs' submissions; rejected rows are not shown."),
        i18n.pick(lang, "风险分、等级及其依据按该机构的全部数据计算；表格只列权限范围内机关的记录，"
                        "依据中范围外机关的编号显示为“范围外”。",
                  "Score, tier and their grounds use all of the vendor's data; the tables list only organs in your "
                  "scope, and codes of organs outside it are shown as “[out of scope]” (“范围外” in the texts still in Chinese)."),
    ]


@guarded_layout
def layout(code: str | None = None, **kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    path = f"/vendors/{code}"
    row = data.vendor_row(code, data.today()) if code else None
    if row is None:
        body = empty_state(lang, p(f"没有找到信用代码为 {code} 的服务机构。它可能尚未装载，或代码有误。",
                                   f"No vendor with credit code {code}: not loaded yet, or a wrong code."),
                           action=(i18n.t("nav.vendors", lang), state.href("/vendors", params)))
        return frame("vendors", params, path, body, title=p("服务机构档案", "Vendor profile"), caveats=caveats(lang),
                     show_filters=())
    facts = html.Dl([
        *fact(p("统一社会信用代码", "Credit code"), row["vendor_code"]),
        *fact(p("注册地", "Registered in"), region_name(row["region_code"]) if row["region_code"] else None),
        *fact(p("风险分", "Risk score"), i18n.fmt_num(row["score"], 2)),
        *fact(p("分数对应等级", "Tier by score"), i18n.tier(row["score_tier"], lang)),
        *fact(p("底线规则", "Floor rule"), row[i18n.reason_column("floor_reason", lang)]),
        # the vendor's own counts, like its score: the tables below list only the organs in scope
        *fact(p("服务机关（在办，全部地区）", "Organs served (active, all regions)"),
              i18n.fmt_int(row["organs_served"], lang)),
        *fact(p("在办项目（全部地区）", "Active projects (all regions)"), i18n.fmt_int(row["active_projects"], lang)),
        *fact(p("等级起始日", "Tier since"), i18n.fmt_date(row["tier_since"], lang)),
        *fact(p("上次等级", "Previous tier"), i18n.tier(row["previous_tier"], lang) if row["previous_tier"] else
               p("首次评定", "first assessment")),
        *fact(p("计算日", "As of"), i18n.fmt_date(row["as_of"], lang)),
    ], className="profile-facts", id="vp-facts")
    subtitle = dmc.Badge(i18n.tier(row["tier"], lang), color=TIER_COLOR.get(row["tier"], "gray"), size="lg",
                         id="vp-tier")
    store = {**params, "code": code}
    content = [
        dcc.Store(id="vp-params", data=store),
        dmc.Grid([
            section(p("基本情况", "Identity"), dmc.Stack([facts, html.Div(id="vp-identity")], gap=4), span=12),
            section(p("风险分构成", "How the score adds up"), loading("vp-waterfall"), span=7,
                    note=p("从 0 起依次加上七个分项，得到风险分", "From 0, the seven components add up to the score")),
            section(p("哪些变化会改变等级", "What would change the tier"), loading("vp-levers"), span=5),
            section(p("资质及有效期", "Qualifications and expiry"), loading("vp-quals"), span=6),
            section(p("等级变化记录", "Tier history"), loading("vp-history"), span=6),
            section(p("服务的机关", "Organs served"), loading("vp-organs"), span=12,
                    note=p("有该服务机构项目的机关及其检查安排；点击名称查看机关档案。",
                           "Organs with a project of this vendor and their check schedule; click a name for the organ.")),
            # the inspections' table is wide: in half a row its grade and the organ were cut off
            section(p("检查结果（按季度）", "Inspections by quarter"), loading("vp-inspections"), span=12),
            section(p("服务评价趋势", "Evaluation trend"), loading("vp-evals"), span=12),
            section(p("事件", "Incidents"), loading("vp-incidents"), span=12),
            section(p("未完成的整改", "Open rectifications"), loading("vp-rects"), span=12),
        ], gutter="md"),
    ]
    return frame("vendors", params, path, content, title=row["vendor_name"], caveats=caveats(lang),
                 show_filters=(), subtitle=subtitle)


def _code(params) -> str:
    return params["code"]


def _export(params, lang) -> dict:
    """The 「导出Excel」 scope of this profile's grids: the vendor, not the URL's filters."""
    return {"export_skip": state.GLOBAL_KEYS, "export_filters": {i18n.pick(lang, "服务机构", "Vendor"): params["code"]}}


@callback(Output("vp-identity", "children"), Input("vp-params", "data"))
@guarded()
def identity_panel(params):
    lang = state.lang_of(params)
    profile = data.q_optional("vendor_profile", _code(params))
    if profile is None or not getattr(profile, "height", 0):
        return None
    r = profile.row(0, named=True)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    return html.Dl([
        *fact(p("成立日期", "Established"), i18n.fmt_date(r.get("established_on"), lang)),
        *fact(p("注册资本（万元）", "Registered capital (10k CNY)"), i18n.fmt_num(r.get("registered_capital_wan"), 0)),
        *fact(p("外资背景", "Foreign investment"), i18n.value(r.get("foreign_investment"), lang)),
        *fact(p("备案编号", "Filing no."), r.get("filing_no")),
        *fact(p("备案有效期至", "Filing valid until"), i18n.fmt_date(r.get("filing_expires_on"), lang)),
    ], className="profile-facts")


@callback(Output("vp-waterfall", "children"), Input("vp-params", "data"))
@guarded()
def waterfall_panel(params):
    lang = state.lang_of(params)
    comps = data.q("vendor_risk_components", _code(params))
    labels = [i18n.component(c, z, lang) for c, z in zip(comps["component"], comps["component_zh"])]
    score = round(float(comps["points"].sum()), 2)
    total = i18n.pick(lang, "风险分", "Score")
    hover = [i18n.pick(lang, f"{lbl}：{pts:.2f} / 上限 {mx:.0f}" + ("（已封顶）" if cap else ""),
                       f"{lbl}: {pts:.2f} of {mx:.0f}" + (" (capped)" if cap else ""))
             for lbl, pts, mx, cap in zip(labels, comps["points"], comps["max_points"], comps["capped"])]
    fig = go.Figure(go.Waterfall(
        x=[*labels, total], y=[*comps["points"].to_list(), score], measure=["relative"] * comps.height + ["total"],
        text=[f"{v:.1f}" for v in comps["points"]] + [f"{score:.2f}"], textposition="outside",
        hovertext=hover + [f"{total} {score:.2f}"], hoverinfo="text",
        increasing={"marker": {"color": "#e8590c"}}, totals={"marker": {"color": "#1b3a5c"}},
        connector={"line": {"color": "#ced4da"}}))
    figures.style(fig, height=320, legend=False)
    fig.update_yaxes(rangemode="tozero", title_text=i18n.pick(lang, "分", "points"))
    return figures.graph(fig, "vp-waterfall-graph")


@callback(Output("vp-levers", "children"), Input("vp-params", "data"))
@guarded()
def levers_panel(params):
    lang = state.lang_of(params)
    levers = data.q("vendor_next_tier", _code(params), today=data.today())
    if not levers.height:
        return empty_state(lang, i18n.pick(lang, "没有可估算的变化。", "No change to estimate."))
    items = []
    for direction in ("lower", "higher"):
        sub = levers.filter(pl.col("direction") == direction)
        if not sub.height:
            continue
        first = sub.row(0, named=True)
        target, needed = i18n.tier(first["target_tier"], lang), first["points_needed"]
        if direction == "lower" and round(needed, 2) >= 0:
            # the score is in the lower tier's range already: a floor rule holds the tier up
            head = i18n.pick(lang, f"降到 {target}：风险分已在该等级范围，等级由底线规则维持",
                             f"Down to {target}: the score is in its range already; a floor rule holds the tier")
        elif direction == "lower":
            head = i18n.pick(lang, f"降到 {target}（需 {needed:+.2f} 分）", f"Down to {target} ({needed:+.2f} points)")
            if "floor" in sub["lever"].to_list():      # the points are not enough while a floor holds
                head += i18n.pick(lang, "，且须底线规则不再适用", ", and no floor rule holding it")
        else:
            head = i18n.pick(lang, f"升到 {target}（再增 {needed:+.2f} 分）", f"Up to {target} ({needed:+.2f} points)")
        rows = []
        for r in sub.iter_rows(named=True):
            mark = "✔ " if r["sufficient"] else "· "
            when = i18n.pick(lang, f"（{i18n.fmt_date(r['available_on'], lang)}起）",
                             f" (from {i18n.fmt_date(r['available_on'], lang)})") if r["available_on"] else ""
            change = f"{r['points_change']:+.2f}" if r["points_change"] is not None else ""
            rows.append(html.Li([html.Span(mark), r[i18n.reason_column("description_zh", lang)] + when,
                                 html.Span(f"  {change}", style={"color": "#868e96"})]))
        # the marks (✔ or ·) are the bullets: no list bullet beside them
        items += [dmc.Text(head, fw=600, size="sm", mt=4),
                  html.Ul(rows, style={"margin": "2px 0", "paddingLeft": 4, "listStyle": "none", "fontSize": 13})]
    items.append(dmc.Text(i18n.pick(lang, "✔ 表示单凭这一项即可改变等级。", "✔: enough on its own to change the tier."),
                          size="xs", c="dimmed"))
    return html.Div(items, id="vp-levers-list")


@callback(Output("vp-quals", "children"), Input("vp-params", "data"))
@guarded()
def qualifications_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    quals = data.q_optional("vendor_qualifications", _code(params), today=data.today())
    if quals is not None and quals.height:
        today = data.today()
        quals = quals.sort("expires_on")
        fig = go.Figure()
        for r in quals.iter_rows(named=True):
            valid = r["effective_status"] == "有效"
            soon = valid and r["days_to_expiry"] <= 90
            color = "#e03131" if not valid else "#f08c00" if soon else "#2f9e44"
            # a certificate without a grade is recorded with the grade 无: the label leaves it out
            grade_ = r.get("grade") if r.get("grade") not in (None, "", "无") else None
            label = " ".join(filter(None, (i18n.value(r["qualification_type"], lang), i18n.value(grade_, lang))))
            label = f"{label} · {r['certificate_no']}"
            fig.add_trace(go.Scatter(x=[r["issued_on"], r["expires_on"]], y=[label, label], mode="lines+markers",
                                     line={"color": color, "width": 8}, showlegend=False,
                                     xhoverformat=p("%Y年%-m月%-d日", "%-d %b %Y"),
                                     hovertemplate=f"{label}<br>{i18n.value(r['effective_status'], lang)}<br>"
                                                   "%{x}<extra></extra>"))
        fig.add_vline(x=today.isoformat(), line={"color": "#495057", "dash": "dot"})
        figures.style(fig, height=max(200, 40 * quals.height + 80), legend=False)
        cols = [Col("qualification_type", p("资质类型", "Type")), Col("grade", p("等级", "Grade"), width=90),
                Col("certificate_no", p("证书编号", "Certificate"), width=160),
                Col("issuer", p("发证机关", "Issuer")),
                Col("expires_on", p("有效期至", "Expires"), "date", width=130),
                Col("effective_status", p("状态", "Status"), width=90),
                Col("expiry_text", p("到期情况", "Expiry"), width=130)]
        # "还有 30 天" or "已过期 185 天", not a count of −185 days to expiry
        quals = quals.with_columns(expiry_text=pl.col("days_to_expiry").map_elements(
            lambda d: p(f"还有 {d} 天", f"{d} days left") if d >= 0 else p(f"已过期 {-d} 天", f"expired {-d} days ago"),
            return_dtype=pl.String))
        return dmc.Stack([figures.graph(fig, "vp-quals-graph"),
                          grid("vp-quals-list", cols, records(quals), lang, height=None,
                               export=p("资质证书", "Qualification certificates"), **_export(params, lang))], gap=6)
    if quals is not None:
        return empty_state(lang, p("没有登记资质证书。", "No qualification certificate registered."))
    evidence = data.q("vendor_risk_evidence", _code(params), "qualifications")
    note = not_available(lang, p("资质证书清单与有效期时间轴", "The list of certificates with their expiry timeline"))
    if not evidence.height:
        return dmc.Stack([dmc.Text(p("资质状态未发现问题（未计风险分）。", "No qualification problem scored."), size="sm"),
                          note], gap=6)
    cols = [Col("evidence_on", p("日期", "Date"), "date", width=130),
            Col(i18n.reason_column("detail_zh", lang), p("资质问题", "Problem"), "long")]
    return dmc.Stack([grid("vp-quals-grid", cols, records(evidence), lang, height=None,
                                export=p("资质及有效期", "Qualifications and expiry"),
                                **_export(params, lang)), note], gap=6)


@callback(Output("vp-history", "children"), Input("vp-params", "data"))
@guarded()
def history_panel(params):
    lang = state.lang_of(params)
    hist = data.q("vendor_tier_history", _code(params))
    if not hist.height:
        return empty_state(lang, i18n.pick(lang, "还没有等级记录。", "No tier recorded yet."))
    items = []
    for r in hist.iter_rows(named=True):
        title = i18n.tier(r["tier"], lang) + (f" ← {i18n.tier(r['previous_tier'], lang)}" if r["previous_tier"] else "")
        items.append(dmc.TimelineItem([
            dmc.Text(f"{i18n.fmt_date(r['effective_on'], lang)} · {i18n.pick(lang, '风险分', 'score')} "
                     f"{i18n.fmt_num(r['score'], 2)}", size="xs", c="dimmed"),
            dmc.Text(r[i18n.reason_column("reason_zh", lang)], size="sm")], title=title))
    return dmc.Timeline(items, active=0, bulletSize=14, lineWidth=2)


@callback(Output("vp-organs", "children"), Input("vp-params", "data"))
@guarded()
def organs_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    # active_projects: each organ's active projects with this vendor (the schedule's count any vendor's)
    organs = data.q("vendor_organs", queries.Filters(vendor_code=_code(params), today=data.today()))
    projects = data.projects(vendor_code=_code(params))
    parts = []
    if organs.height:
        search = state.to_search(state.carry(params))
        organs = organs.with_columns(
            organ_link=pl.format("[{}](/organs/{}{})", pl.col("organ_name").str.replace_all(r"[\[\]]", ""),
                                 pl.col("organ_code"), pl.lit(search)),
            status_text=pl.col("status").map_elements(lambda s: i18n.status(s, lang), return_dtype=pl.String))
        cols = [Col("organ_link", p("机关", "Organ"), "link", width=240, pinned=True),
                Col("region_name", p("地区", "Region"), width=110),
                Col("tier", p("机关等级", "Organ tier"), "tier", width=110),
                Col("active_projects", p("与本机构的在办项目", "Active projects with this vendor"), "int", width=120),
                Col("last_inspected_on", p("最近检查", "Last inspected"), "date", width=130),
                Col("last_grade", p("结论", "Grade"), "grade", width=90),
                Col("next_due_on", p("下次应检", "Next due"), "date", width=130),
                Col("status_text", p("状态", "Status"), width=100)]
        parts.append(grid("vp-organs-grid", cols, records(organs), lang, height=320,
                          export=p("服务的机关", "Organs served"), **_export(params, lang)))
    else:
        parts.append(empty_state(lang, p("没有机关登记该服务机构的项目。", "No organ registered a project with this vendor.")))
    if projects.height:
        projects = projects.with_columns(classified=pl.when(pl.col("involves_classified"))
                                         .then(pl.lit(i18n.t("common.yes", lang))).otherwise(pl.lit("")))
        cols = [Col("project_code", p("项目编号", "Project"), width=140), Col("organ_name", p("机关", "Organ")),
                Col("service_type", p("服务类型", "Service")), Col("start_on", p("开始", "Start"), "date", width=130),
                Col("planned_end_on", p("计划结束", "Planned end"), "date", width=130),
                Col("classified", p("涉密", "Classified"), width=100)]
        if "inspections" in projects.columns:
            cols += [Col("inspections", p("检查次数", "Inspections"), "int", width=110),
                     Col("last_inspected_on", p("最近检查", "Last inspected"), "date", width=130)]
        parts += [dmc.Text(p(f"项目（{projects.height} 个）", f"Projects ({projects.height})"), fw=600, size="sm"),
                  grid("vp-projects-grid", cols, records(projects), lang, height=280,
                       export=p("项目", "Projects"), **_export(params, lang))]
    return dmc.Stack(parts, gap=6)


@callback(Output("vp-inspections", "children"), Input("vp-params", "data"))
@guarded()
def inspections_panel(params):
    lang = state.lang_of(params)
    trend = data.q("compliance_trend", queries.Filters(vendor_code=_code(params), today=data.today()), by=("quarter",))
    if not trend.height or trend["inspections"].sum() == 0:
        return empty_state(lang, i18n.pick(lang, "近 12 个季度没有检查该服务机构的项目。",
                                           "None of this vendor's projects was inspected in the last 12 quarters."))
    x = [i18n.fmt_period(p_, lang, short=True) for p_ in trend["period"]]
    fig = go.Figure()
    for col, g in (("n_excellent", "优秀"), ("n_good", "良好"), ("n_pass", "合格"), ("n_fail", "不合格")):
        fig.add_trace(go.Bar(x=x, y=trend[col].to_list(), name=i18n.grade(g, lang),
                             marker={"color": figures.GRADE_COLORS[g]}))
    fig.update_layout(barmode="stack")
    figures.style(fig, height=300)
    fig.update_yaxes(rangemode="tozero", dtick=1, title_text=i18n.pick(lang, "检查次数", "Inspections"))
    chart = figures.graph(fig, "vp-inspections-graph")
    insp = data.q_optional("inspections", queries.Filters(today=data.today()), vendor_code=_code(params))
    if insp is None or not insp.height:
        return chart
    return dmc.Stack([chart, inspection_grid("vp-inspections-grid", insp, lang, who="organ_name",
                                             export_scope=_export(params, lang))], gap=6)


@callback(Output("vp-evals", "children"), Input("vp-params", "data"))
@guarded()
def evaluations_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    trend = data.q("evaluation_trend", queries.Filters(vendor_code=_code(params), today=data.today()), by=("quarter",))
    if not trend.height:
        return empty_state(lang, p("近 12 个季度没有机关评价该服务机构。", "No organ evaluated this vendor in the last 12 quarters."))
    x = [i18n.fmt_period(p_, lang, short=True) for p_ in trend["period"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=trend["overall"].to_list(), mode="lines+markers", name=p("综合", "Overall"),
                             line={"color": "#1b3a5c", "width": 3}, customdata=trend["evaluations"].to_list(),
                             hovertemplate="%{x}<br>%{y:.1f}<br>" + p("评价数", "Evaluations") + " %{customdata}<extra></extra>"))
    for col, zh, en in (("quality", "质量", "Quality"), ("timeliness", "进度", "Timeliness"),
                        ("security", "安全保密", "Security"), ("staffing", "人员", "Staffing"),
                        ("cooperation", "配合", "Cooperation")):
        if col in trend.columns:
            fig.add_trace(go.Scatter(x=x, y=trend[col].to_list(), mode="lines", name=p(zh, en), line={"width": 1},
                                     opacity=0.7, visible="legendonly" if col != "security" else True))
    figures.style(fig, height=300)
    fig.update_yaxes(range=[0, 100], title_text=p("得分（满分100）", "Score (of 100)"))
    return figures.graph(fig, "vp-evals-graph")


@callback(Output("vp-incidents", "children"), Input("vp-params", "data"))
@guarded()
def incidents_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    incidents = data.incidents(queries.Filters(today=data.today()), vendor_code=_code(params))
    if not incidents.height:
        return empty_state(lang, p("没有涉及该服务机构的事件报告。", "No incident reported for this vendor."))
    return incident_grid("vp-incidents-grid", incidents, lang, who="organ_name",
                         export_scope=_export(params, lang))


@callback(Output("vp-rects", "children"), Input("vp-params", "data"))
@guarded()
def rectifications_panel(params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    rect = data.q("rectifications", queries.Filters(vendor_code=_code(params), today=data.today()),
                  ("overdue", "due_soon", "open"))
    if not rect.height:
        return empty_state(lang, p("该服务机构的项目没有未完成的整改。", "No open rectification on this vendor's projects."))
    rect = rect.with_columns(status_text=pl.col("status").map_elements(lambda s: i18n.status(s, lang),
                                                                       return_dtype=pl.String),
                             item_text=item_text(lang))
    cols = [Col("inspection_code", p("检查", "Inspection"), width=130), Col("item_text", p("整改事项", "Item"), "long"),
            Col("organ_name", p("机关", "Organ")), Col("due_on", p("应完成", "Due"), "date", width=130),
            Col("days_overdue", p("逾期天数", "Days overdue"), "int", width=100),
            Col("status_text", p("状态", "Status"), width=90)]
    return grid("vp-rects-grid", cols, records(rect), lang, height=300,
                export=p("未完成的整改", "Open rectifications"), **_export(params, lang))
