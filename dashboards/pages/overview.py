"""总览 Overview: the headline numbers with their change, the compliance trend (overall and by
region), grades, failing checklist categories, incidents, and a region comparison that says
plainly it is not a ranking."""

from __future__ import annotations

from dataclasses import replace

import dash
import dash_mantine_components as dmc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, callback, dcc, html
from plotly.subplots import make_subplots

from dashboards import data, i18n, state
from dashboards.components import figures
from dashboards.components.empty import empty_state
from dashboards.components.grid import Col, grid, records
from dashboards.components.guard import guarded, guarded_layout
from dashboards.components.kpi import kpi_card
from dashboards.components.shell import frame, loading, page_title, section
from warehouse import queries

dash.register_page(__name__, path="/", name="总览", title=page_title("总览"), order=0)

PATH = "/"
# Direction of "better": +1 higher is better, -1 lower is better, 0 neither.
KPI_DIRECTION = {"organs_supervised": 0, "active_projects": 0, "inspections": 1, "pass_rate": 1,
                 "open_incidents": -1, "overdue_checks": -1, "overdue_rectifications": -1}


def caveats(lang: str) -> list[str]:
    return [
        i18n.pick(lang, "合格率 =（优秀＋良好＋合格）÷ 已定级检查次数；没有得分的检查不计入。",
                  "Pass rate = (excellent + good + pass) ÷ graded inspections; inspections without a score are left out."),
        i18n.pick(lang, "未选期间时，指标卡为本季度（未结束）与上季度对比；趋势图为最近 12 个季度，本季度数据不完整。",
                  "Without a period, the cards compare this (unfinished) quarter with the last one; trends cover the "
                  "last 12 quarters, the current one incomplete."),
        i18n.pick(lang, "存量指标（机关、在办项目、未结案事件、逾期）按期末或今天计；检查次数和合格率按期内计。",
                  "Stocks (organs, active projects, open incidents, overdue) are counted at the period's end or "
                  "today; inspections and pass rate over the period."),
        i18n.pick(lang, "数据来自各机关和检查人员的报送，经校验后装载；被退回的行不计入任何数字。",
                  "Figures come from the organs' and inspectors' submissions as loaded; rejected rows count nowhere."),
        i18n.pick(lang, "地区对比不是排名：各地机关数量、外包项目类型和抽查比例不同，数字不能直接比较优劣。",
                  "The region comparison is not a ranking: regions differ in organs, project mix and sampling, so "
                  "the numbers do not say which is better."),
    ]


@guarded_layout
def layout(**kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    content = [
        dcc.Store(id="ov-params", data=params),
        dmc.Grid([
            section(p("关键指标", "Key figures"), loading("ov-kpis"), span=12),
            section(p("检查合规趋势（按季度）", "Compliance trend by quarter"), loading("ov-trend"), span=7,
                    note=p("柱：检查次数；线：合格率", "Bars: inspections; line: pass rate")),
            section(p("分地区合格率（按季度）", "Pass rate by region and quarter"), loading("ov-trend-region"), span=5,
                    note=p("空白表示该季度该地区没有检查", "Blank: no inspection in that region and quarter")),
            section(p("检查结论分布", "Grade distribution"), loading("ov-grades"), span=4),
            section(p("问题最多的检查类别", "Checklist categories most often failed"), loading("ov-categories"), span=8,
                    note=p("有不符合项的检查占比", "Share of inspections with a failed item")),
            section(p("事件（按类型与严重程度）", "Incidents by type and severity"), loading("ov-incidents"), span=8),
            section(p("风险较高的服务机构", "Vendors with the highest risk"), loading("ov-vendors"), span=4,
                    note=p("点击名称查看服务机构档案", "Click a name for the vendor's profile")),
            section(p("地区对比", "Region comparison"), loading("ov-regions"), span=12,
                    note=p("这不是排名：各地机关数量、项目类型和抽查比例不同，数字不能直接比较优劣。按行政区划代码排列。",
                           "This is not a ranking: regions differ in organs, project mix and sampling, so the numbers "
                           "do not say which is better. Ordered by region code.")),
        ], gutter="md"),
    ]
    return frame("overview", params, PATH, content, title=i18n.t("nav.overview", lang), caveats=caveats(lang))


# -- callbacks ------------------------------------------------------------------------------------

def _f(params):
    return state.filters(params, data.today())


def _change_text(row: dict, lang: str) -> tuple[str, str]:
    prev_label = i18n.fmt_period(row["previous_period"], lang)
    if row["value"] is None:   # e.g. a pass rate with no inspection this period
        key = "common.no_either" if row["previous_value"] is None else "common.no_current"
        return i18n.t(key, lang, prev=prev_label), "neutral"
    if row["previous_value"] is None:
        return i18n.t("common.no_prev", lang), "neutral"
    change = row["change"] or 0.0
    if row["kpi"] == "pass_rate":
        amount = f"{i18n.fmt_signed(change * 100, 1)}{i18n.t('common.pp', lang)}"
    else:
        amount = i18n.fmt_signed(change, 0)
    direction = KPI_DIRECTION.get(row["kpi"], 0)
    tone = "neutral" if direction == 0 or change == 0 else ("good" if change * direction > 0 else "bad")
    return f"{i18n.t('common.vs_prev', lang, prev=prev_label)} {amount}", tone


def _partial_note(row: dict, lang: str) -> str:
    """A period not over yet is compared with the whole period before: the counts over the period
    (inspections) are not like for like, and the caption says so; stocks are counted at the end of
    each (or today)."""
    if not row["partial"]:
        return ""
    prev = i18n.fmt_period(row["previous_period"], lang)
    return i18n.pick(lang, f"（本期尚未结束，与{prev}全期相比；检查次数等期内计数不宜直接比较，存量按各期期末或今天计）",
                     f" (the period is not over and is compared with the whole of {prev}: counts over the period, "
                     f"such as inspections, are not like for like; stocks are counted at each period's end or today)")


@callback(Output("ov-kpis", "children"), Input("ov-params", "data"))
@guarded()
def kpis_panel(params):
    lang = state.lang_of(params)
    frame_ = data.q("kpis", _f(params))
    if not frame_.height:
        return empty_state(lang)
    cards = []
    for row in frame_.iter_rows(named=True):
        label = row["label_en"] if lang == "en" else row["label_zh"]
        value = i18n.fmt_pct(row["value"]) if row["kpi"] == "pass_rate" else i18n.fmt_int(row["value"], lang, compact=True)
        change, tone = _change_text(row, lang)
        cards.append(kpi_card(label, value, change, tone=tone, card_id=f"kpi-{row['kpi']}"))
    first = frame_.row(0, named=True)
    caption = i18n.pick(lang, f"{i18n.fmt_period(first['period'], lang)}，截至{i18n.fmt_date(first['as_of'], lang)}",
                        f"{i18n.fmt_period(first['period'], lang)}, as of {i18n.fmt_date(first['as_of'], lang)}")
    caption += _partial_note(first, lang)
    return dmc.Stack([dmc.Text(caption, size="xs", c="dimmed", id="kpi-period"),
                      dmc.SimpleGrid(cards, cols={"base": 2, "sm": 4, "lg": 7}, spacing="sm")], gap=6)


@callback(Output("ov-trend", "children"), Input("ov-params", "data"))
@guarded()
def trend_panel(params):
    lang = state.lang_of(params)
    trend = data.q("compliance_trend", _f(params), by=("quarter",))
    if not trend.height or trend["inspections"].sum() == 0:
        return empty_state(lang)
    x = [i18n.fmt_period(p, lang, short=True) for p in trend["period"]]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=x, y=trend["inspections"].to_list(), name=i18n.pick(lang, "检查次数", "Inspections"),
                         marker={"color": ["#a5d8ff" if part else "#74c0fc" for part in trend["partial"]]},
                         hovertemplate="%{x}<br>%{y}<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=trend["pass_rate"].to_list(), name=i18n.pick(lang, "合格率", "Pass rate"),
                             mode="lines+markers", line={"color": "#2f9e44", "width": 2}, connectgaps=False,
                             hovertemplate="%{x}<br>%{y:.1%}<extra></extra>"), secondary_y=True)
    figures.style(fig, height=320)
    fig.update_yaxes(title_text=i18n.pick(lang, "检查次数", "Inspections"), secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title_text=i18n.pick(lang, "合格率", "Pass rate"), tickformat=".0%", range=[0, 1.05], dtick=0.25,
                     secondary_y=True, showgrid=False)
    return figures.graph(fig, "ov-trend-graph")


@callback(Output("ov-trend-region", "children"), Input("ov-params", "data"))
@guarded()
def region_trend_panel(params):
    lang = state.lang_of(params)
    level = data.breakdown_level(params)
    if level is None:
        return empty_state(lang, i18n.pick(lang, "所选地区（区县，或省、市本级）没有更细的地区可以分解。",
                                           "The region chosen (a district, or a province's or city's own level) "
                                           "has no finer region to break down by."))
    trend = data.q("compliance_trend", _f(params), by=("quarter", level))
    trend = trend.filter(pl.col("region_code").is_not_null())
    if not trend.height or trend["inspections"].sum() == 0:
        return empty_state(lang)
    periods = trend.select("period", "period_start").unique().sort("period_start")["period"].to_list()
    regions = trend.select("region_code", "region_name").unique().sort("region_code")
    z, text = [], []
    for code in regions["region_code"]:
        sub = trend.filter(pl.col("region_code") == code)
        by_period = {r["period"]: r for r in sub.iter_rows(named=True)}
        z.append([by_period[p_]["pass_rate"] if p_ in by_period else None for p_ in periods])
        text.append([f"{by_period[p_]['inspections']}" if p_ in by_period and by_period[p_]["inspections"] else ""
                     for p_ in periods])
    names = [data.region_label(c, n, level, lang) for c, n in zip(regions["region_code"], regions["region_name"])]
    fig = go.Figure(go.Heatmap(
        z=z, x=[i18n.fmt_period(p_, lang, compact=True) for p_ in periods], y=names, zmin=0, zmax=1,
        colorscale=[[0, "#e03131"], [0.6, "#fab005"], [1, "#2f9e44"]], text=text,
        hovertemplate="%{y} %{x}<br>" + i18n.pick(lang, "合格率", "Pass rate") + " %{z:.1%}<br>"
                      + i18n.pick(lang, "检查", "Inspections") + " %{text}<extra></extra>",
        colorbar={"tickformat": ".0%", "thickness": 10, "title": {"text": i18n.pick(lang, "合格率", "Pass rate")}},
        # a blank cell (no inspection) has no tooltip: it would read as a pass rate of 0.0%
        xgap=1, ygap=1, hoverongaps=False))
    figures.style(fig, height=max(260, 22 * len(names) + 90), legend=False)
    fig.update_yaxes(autorange="reversed")
    return figures.graph(fig, "ov-region-heatmap")


@callback(Output("ov-grades", "children"), Input("ov-params", "data"))
@guarded()
def grades_panel(params):
    lang = state.lang_of(params)
    grades = data.q("grade_distribution", _f(params))
    if not grades.height or grades["inspections"].sum() == 0:
        return empty_state(lang)
    labels = [i18n.grade(g, lang) for g in grades["grade"]]
    fig = go.Figure(go.Bar(
        x=labels, y=grades["inspections"].to_list(),
        marker={"color": [figures.GRADE_COLORS.get(g, "#adb5bd") for g in grades["grade"]]},
        text=[i18n.fmt_pct(s) for s in grades["share"]], textposition="outside",
        hovertemplate="%{x}<br>%{y}<extra></extra>"))
    figures.style(fig, height=300, legend=False)
    fig.update_yaxes(rangemode="tozero", title_text=i18n.pick(lang, "检查次数", "Inspections"))
    return figures.graph(fig, "ov-grades-graph")


@callback(Output("ov-categories", "children"), Input("ov-params", "data"))
@guarded()
def categories_panel(params):
    lang = state.lang_of(params)
    cats = data.q("failing_categories", _f(params))
    if not cats.height:
        return empty_state(lang)
    cats = cats.sort("share_with_failure", descending=False, nulls_last=False)
    names = cats["category_en" if lang == "en" else "category_zh"].to_list()
    fig = go.Figure(go.Bar(
        y=names, x=cats["share_with_failure"].to_list(), orientation="h", marker={"color": "#e8590c"},
        customdata=list(zip(cats["items_failed"].to_list(), cats["veto_failures"].to_list(),
                            cats["inspections_assessed"].to_list())),
        text=[i18n.fmt_pct(v) for v in cats["share_with_failure"]], textposition="outside",
        hovertemplate="%{y}<br>" + i18n.pick(lang, "有不符合项的检查占比", "Share with a failed item")
                      + " %{x:.1%}<br>" + i18n.pick(lang, "不符合项", "Items failed") + " %{customdata[0]}<br>"
                      + i18n.pick(lang, "否决项不符合", "Veto failures") + " %{customdata[1]}<br>"
                      + i18n.pick(lang, "评估的检查", "Inspections assessed") + " %{customdata[2]}<extra></extra>"))
    figures.style(fig, height=max(260, 30 * len(names) + 60), legend=False)
    fig.update_xaxes(tickformat=".0%", range=[0, max(1.0, (cats["share_with_failure"].max() or 0) * 1.15)],
                     title_text=i18n.pick(lang, "有不符合项的检查占比", "Share of inspections with a failed item"))
    return figures.graph(fig, "ov-categories-graph")


@callback(Output("ov-incidents", "children"), Input("ov-params", "data"))
@guarded()
def incidents_panel(params):
    lang = state.lang_of(params)
    f = _f(params)
    start, end = queries.window(f)
    inc = data.q("incident_counts", replace(f, period=(start, end)))
    if not inc.height:
        return empty_state(lang, i18n.pick(lang, "所选期间和范围内没有报告事件。",
                                           "No incident was reported in this period and scope."))
    spine, s_ = [], queries.quarter_start(start)
    while s_ <= end:
        spine.append(s_)
        s_ = queries.add_months(s_, 3)
    labels = [i18n.fmt_period(f"{d.year}-Q{(d.month - 1) // 3 + 1}", lang, compact=True) for d in spine]
    types = (inc.group_by("incident_type").agg(pl.col("incidents").sum()).sort("incidents", "incident_type")
             ["incident_type"].to_list())
    type_labels = [i18n.incident_type(t_, lang) for t_ in types]
    # the type names stand between the two panels: leave them room (a CJK character is two Latin wide)
    from etl.export.labels import display_width
    widest = max(display_width(label) for label in type_labels)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38],
                        horizontal_spacing=min(0.3, max(0.12, 0.04 + 0.0075 * widest)),
                        subplot_titles=(i18n.pick(lang, "按季度与严重程度", "By quarter and severity"),
                                        i18n.pick(lang, "按类型（颜色为严重程度）", "By type (colour: severity)")))
    for sev in ("特别重大", "重大", "较大", "一般"):
        sub = inc.filter(pl.col("severity") == sev)
        by_q = dict(sub.group_by("quarter_start").agg(pl.col("incidents").sum()).iter_rows()) if sub.height else {}
        by_t = dict(sub.group_by("incident_type").agg(pl.col("incidents").sum()).iter_rows()) if sub.height else {}
        name = i18n.severity(sev, lang)
        fig.add_trace(go.Bar(x=labels, y=[by_q.get(d, 0) for d in spine], name=name, legendgroup=sev,
                             marker={"color": figures.SEVERITY_COLORS[sev]}), row=1, col=1)
        fig.add_trace(go.Bar(y=type_labels, x=[by_t.get(t_, 0) for t_ in types], orientation="h", name=name,
                             legendgroup=sev, showlegend=False, marker={"color": figures.SEVERITY_COLORS[sev]}),
                      row=1, col=2)
    total = int(inc["incidents"].sum())
    figures.style(fig, height=max(340, 24 * len(types) + 150))
    fig.update_layout(barmode="stack", margin={"t": 36, "b": 70},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0})
    # counts of incidents: whole numbers on both panels' count axes
    count_title = i18n.pick(lang, "事件数（起）", "Incidents")
    fig.update_yaxes(rangemode="tozero", dtick=1 if total < 20 else None, title_text=count_title, row=1, col=1)
    fig.update_xaxes(rangemode="tozero", dtick=1 if total < 20 else None, title_text=count_title, row=1, col=2)
    open_now = int(inc["not_closed"].sum())
    window_text = i18n.fmt_window(start, end, lang)
    note = dmc.Text(i18n.pick(lang, f"{window_text}共 {total} 起事件，其中 {open_now} 起尚未结案。",
                              f"{window_text}: {total} incident{'' if total == 1 else 's'}, {open_now} not closed."),
                    size="xs", c="dimmed", id="ov-incidents-count")
    return dmc.Stack([note, figures.graph(fig, "ov-incidents-graph")], gap=2)


@callback(Output("ov-vendors", "children"), Input("ov-params", "data"))
@guarded()
def vendors_panel(params):
    lang = state.lang_of(params)
    f = state.filters(params, data.today(), with_period=False)
    risky = data.q("vendor_risk", f, limit=6)
    if not risky.height:
        return empty_state(lang)
    rows = []
    for r in risky.iter_rows(named=True):
        rows.append(html.Div([
            dcc.Link(r["vendor_name"], href=state.href(f"/vendors/{r['vendor_code']}", params), className="top-vendor"),
            html.Span(f"{i18n.tier(r['tier'], lang)} · {i18n.fmt_num(r['score'], 2)}",
                      className=f"tier-cell tier-{r['tier']}", style={"whiteSpace": "nowrap"}),
        ], className="top-vendor-row"))
    more = dcc.Link(i18n.pick(lang, "查看全部服务机构 →", "All vendors →"), href=state.href("/vendors", params))
    return html.Div([*rows, html.Div(more, style={"marginTop": 6, "fontSize": 13})], id="ov-top-vendors")


@callback(Output("ov-regions", "children"), Input("ov-params", "data"))
@guarded()
def regions_panel(params):
    lang = state.lang_of(params)
    level = data.breakdown_level(params)
    if level is None:
        return empty_state(lang, i18n.pick(lang, "所选地区（区县，或省、市本级）没有可对比的下级地区。",
                                           "The region chosen (a district, or a province's or city's own level) "
                                           "has no sub-regions to compare."))
    f = _f(params)
    trend = data.q("compliance_trend", f, by=("quarter", level)).filter(pl.col("region_code").is_not_null())
    rect = data.q("rectification_status", f, by=(level,))
    if not trend.height and not rect.height:
        return empty_state(lang)
    agg = trend.group_by("region_code", "region_name").agg(
        pl.col("inspections").sum(), pl.col("graded").sum(),
        (pl.col("n_excellent") + pl.col("n_good") + pl.col("n_pass")).sum().alias("passed"),
        pl.col("n_fail").sum(), pl.col("veto_failures").sum(),
        ((pl.col("mean_score") * pl.col("graded")).sum() / pl.col("graded").sum()).round(1).alias("mean_score"),
    ).with_columns(pass_rate=pl.when(pl.col("graded") > 0).then(pl.col("passed") / pl.col("graded")))
    rect = rect.select("region_code", pl.col("region_name").alias("rn"), pl.col("total").alias("rect_total"),
                       pl.col("overdue").alias("rect_overdue"), "median_days_to_close")
    merged = agg.join(rect, on="region_code", how="full", coalesce=True).with_columns(
        region_name=pl.coalesce("region_name", "rn"),
        overdue_share=pl.when(pl.col("rect_total") > 0).then(pl.col("rect_overdue") / pl.col("rect_total")),
    ).drop("rn").sort("region_code")
    merged = merged.with_columns(region_name=pl.struct("region_code", "region_name").map_elements(
        lambda r: data.region_label(r["region_code"], r["region_name"], level, lang), return_dtype=pl.String))
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    cols = [Col("region_name", p("地区", "Region"), width=180, pinned=True),     # 浙江省 (province level)
            Col("inspections", p("检查次数", "Inspections"), "int"),
            Col("pass_rate", p("合格率", "Pass rate"), "pct"),
            Col("mean_score", p("平均得分", "Mean score"), "num"),
            Col("n_fail", p("不合格", "Failed"), "int"),
            Col("veto_failures", p("否决项不符合", "Veto failures"), "int"),
            Col("rect_total", p("整改事项", "Rectifications"), "int"),
            Col("rect_overdue", p("逾期整改", "Overdue"), "int"),
            Col("overdue_share", p("逾期占比", "Overdue share"), "pct"),
            Col("median_days_to_close", p("整改用时中位数（天）", "Median days to close"), "num")]
    return dmc.Stack([
        dmc.Alert(p("这不是排名。", "This is not a ranking."), color="gray", variant="light", py=4,
                  id="not-a-ranking"),
        grid("ov-regions-grid", cols, records(merged), lang, height=420, page_size=40,
             export=p("地区对比", "Region comparison")),
    ], gap=6)
