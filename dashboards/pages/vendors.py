"""风险服务机构 Risky vendors: every vendor ranked by its risk score, with its tier and the score's
seven components as a stacked bar; a click on a name opens the vendor's profile. The grid pages
on the server."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards import data, i18n, state
from dashboards.components import figures
from dashboards.components.empty import empty_state
from dashboards.components.export_button import register_provider, server_export
from dashboards.components.grid import Col, block_response, page_request, server_grid
from dashboards.components.guard import guarded, guarded_layout
from dashboards.components.shell import frame, loading, page_title, search_control, section
from warehouse.analytics_config import COMPONENT_ZH, COMPONENTS, TIERS

dash.register_page(__name__, path="/vendors", name="风险服务机构", title=page_title("风险服务机构"), order=1)

PATH = "/vendors"


def caveats(lang: str) -> list[str]:
    return [
        i18n.pick(lang, "风险分（0–100，越高风险越大）由七个分项相加：检查结果、服务评价、事件、资质状态、合规标记、逾期整改、集中度；"
                        "等级按分数切分，底线规则（如承接涉密项目却无保密资质）可把等级直接定为更高一级。",
                  "The risk score (0–100, higher is riskier) adds seven components: inspections, evaluations, "
                  "incidents, qualifications, compliance flags, overdue rectifications and concentration; tiers cut the "
                  "score, and floor rules (e.g. classified work without a secrecy qualification) can set a higher tier."),
        i18n.pick(lang, "风险分按最近一次装载时计算，期间筛选不适用；地区和服务类型筛选保留在该地区或该类型有项目的服务机构。",
                  "Scores are as of the last load; the period filter does not apply. Region and service type keep "
                  "vendors with a project there or of that type."),
        i18n.pick(lang, "风险等级只用于安排检查资源，不是处罚依据，也不对外公开（不评价、不惩戒、不公开、不免抽）。",
                  "The tier only allocates inspection effort: it is not a sanction and is not published."),
    ]


def columns(lang: str) -> list[Col]:
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    return [Col("rank", p("名次", "Rank"), "int", width=76, pinned=True),
            Col("vendor_link", p("服务机构", "Vendor"), "link", width=260, pinned=True),
            # two decimals, as computed: 59.95 is under the D cut-point of 60, "60" would not say so
            Col("score", p("风险分", "Score"), "num", width=96, digits=2),
            Col("tier", p("等级", "Tier"), "tier", width=104),
            Col("components", p("分项构成", "Components"), "bar", width=220),
            Col("organs_served", p("服务机关", "Organs"), "int", width=96),
            Col("active_projects", p("在办项目", "Active projects"), "int", width=100),
            Col("incidents_counted", p("计分事件", "Incidents"), "int", width=96),
            # wrapped, not cut: a floor rule's reason is what a reader of this list looks for
            Col(i18n.reason_column("floor_reason", lang), p("底线规则", "Floor rule"), "long", min_width=260),
            Col("tier_since", p("等级起始", "Tier since"), "date", width=130),
            Col("vendor_code", p("统一社会信用代码", "Credit code"), "text", width=190)]


@guarded_layout
def layout(**kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    legend = html.Div([html.Span([html.I(style={"background": figures.COMPONENT_COLORS[c]}), i18n.component(c, COMPONENT_ZH[c], lang)])
                       for c in COMPONENTS], className="legend-row")
    cols = columns(lang)
    content = [
        dcc.Store(id="vr-params", data=params),
        dmc.Grid([
            section(p("各等级服务机构数", "Vendors per tier"), loading("vr-tiers"), span=12),
            section(p("服务机构风险排序", "Vendors by risk score"),
                    dmc.Stack([legend, dmc.Group([html.Div(id="vr-count"),
                                                  server_export("vr-grid", p("服务机构风险排序", "Vendors by risk score"), lang,
                                                                skip=("period",))], justify="space-between"),
                               server_grid("vr-grid", cols, lang, height=620, row_id="vendor_code")], gap=6),
                    span=12, note=p("点击名称查看服务机构档案。可点击列标题排序。",
                                    "Click a name to open the vendor's profile. Click a column header to sort.")),
        ], gutter="md"),
    ]
    return frame("vendors", params, PATH, content, title=i18n.t("nav.vendors", lang), caveats=caveats(lang),
                 show_filters=("region", "service", "tier"),
                 extra_filters=[search_control(params, p("名称或信用代码", "Name or credit code"))])


def vendor_frame(params: dict, page=None) -> pl.DataFrame:
    """The vendors of the selection (filters and search text), riskiest first; one block with `page`."""
    f = state.filters(params, data.today(), with_period=False)
    return data.q("vendor_risk", f, search=params.get("q"), page=page)


@callback(Output("vr-tiers", "children"), Input("vr-params", "data"))
@guarded()
def tiers_panel(params):
    lang = state.lang_of(params)
    f = state.filters(params, data.today(), with_period=False, with_tier=False)
    frame_ = data.q("vendor_tier_counts", f, search=params.get("q"))
    if not frame_.height and params.get("q"):
        # the search found nothing: say so, rather than suggest a period that does not apply here
        q = params["q"]
        return empty_state(lang, i18n.pick(lang, f"没有名称或信用代码含「{q}」的服务机构。请换一个关键词，或清除筛选。",
                                           f"No vendor's name or credit code contains “{q}”. Try another word, "
                                           "or clear the filters."))
    if not frame_.height:
        return empty_state(lang)
    counts = dict(frame_.iter_rows())
    cards = []
    # a card narrows this page's list: it keeps the search text, and a second click clears the tier
    here = state.carry(params, keep_page_options=True)
    for t_ in reversed(TIERS):
        href = PATH + state.to_search(here, tier=t_ if params.get("tier") != t_ else None)
        cards.append(dcc.Link(dmc.Card([
            dmc.Text(i18n.tier(t_, lang), size="sm", c="dimmed"),
            html.Div(i18n.fmt_int(counts.get(t_, 0), lang), className=f"kpi-value tier-cell tier-{t_}"),
        ], withBorder=True, padding="sm", radius="md",
            style={"outline": "2px solid #1c7ed6"} if params.get("tier") == t_ else None),
            href=href, style={"textDecoration": "none"}, id=f"vr-tier-{t_}"))
    return dmc.SimpleGrid(cards, cols={"base": 2, "sm": 4}, spacing="sm")


def _display(frame_: pl.DataFrame, params: dict) -> pl.DataFrame:
    search = state.to_search(state.carry(params))
    return frame_.with_columns(
        vendor_link=pl.format("[{}](/vendors/{}{})", pl.col("vendor_name").str.replace_all(r"[\[\]]", ""),
                              pl.col("vendor_code"), pl.lit(search)),
    )


@callback(Output("vr-grid", "getRowsResponse"), Output("vr-count", "children"),
          Input("vr-grid", "getRowsRequest"), State("vr-params", "data"))
@guarded(outputs=2, fallback="none")
def grid_rows(request, params):
    lang = state.lang_of(params)
    block = vendor_frame(params, page_request(request, {"vendor_link": "vendor_name"}))
    response, total = block_response(block, lambda rows: _display(rows, params))
    labels = {c: i18n.component(c, COMPONENT_ZH[c], lang) for c in COMPONENTS}
    for row in response["rowData"]:
        row["component_labels"] = labels
    count = dmc.Text(i18n.t("common.rows", lang, n=i18n.fmt_int(total, lang)), size="xs", c="dimmed",
                     id="vr-total")
    return response, count


def export_selection(params: dict) -> tuple[pl.DataFrame, dict[str, str]]:
    """The whole current selection (not only the grid's page) for the 「导出Excel」 button."""
    lang = state.lang_of(params)
    frame_ = _display(vendor_frame(params), params).with_columns(
        pl.col("tier").map_elements(lambda t_: i18n.tier(t_, lang), return_dtype=pl.String))
    headers = {}
    for col in columns(lang):
        if col.kind != "bar":
            headers["vendor_name" if col.field == "vendor_link" else col.field] = col.header
    return frame_, headers


register_provider("vr-grid", export_selection)
