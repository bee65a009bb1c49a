"""检查计划 Inspection plan: draw the period's 双随机 plan (with a seed; a re-draw needs a reason and
supersedes the plan in force), see its visits on a calendar with why each organ was drawn and who
inspects, the visits left without inspectors and why, download the plan workbook (for inspectors)
and the 公示 list (for publication), and follow the plan against the inspections loaded since
(coverage, misses, unplanned checks). Reads through warehouse.planning; draws through
etl.planning.service, exactly as `oversight plan` does. Method: docs/planning.md."""

from __future__ import annotations

import datetime as dt
import io

import dash
import dash_mantine_components as dmc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import data, i18n, state
from dashboards.components import figures
from dashboards.components.empty import empty_state, no_warehouse
from dashboards.components.grid import Col, grid, records
from dashboards.components.guard import guarded
from dashboards.components.kpi import kpi_card
from dashboards.components.shell import frame, loading, page_title, section
from etl.planning import service, workbooks
from etl.planning.draw import PlanError, notes_en, unstaffed_reason_en
from schemas.roles import GRANTS, ROLE_EN, ROLE_ZH, Permission, Role
from warehouse import planning, queries

dash.register_page(__name__, path="/planning", name="检查计划", name_en="Inspection plan",
                   title=page_title("检查计划"), order=6)

PATH = "/planning"
SELECTION_TEXT = {"forced": ("必检", "Must check"), "tier_sample": ("按等级抽取", "Drawn by tier"),
                  "silent_sample": ("未报送抽取", "Drawn: sent nothing")}
SELECTION_COLORS = {"forced": "#e03131", "tier_sample": "#1c7ed6", "silent_sample": "#f08c00"}
STAFFING_TEXT = {"staffed": ("已派员", "Staffed"), "unstaffed": ("未能派员", "No team")}
ACHIEVED_TEXT = {"achieved": ("已检查", "Achieved"), "missed": ("未检查", "Missed"), "behind": ("滞后", "Behind"),
                 "pending": ("待检查", "Pending"), "unplanned": ("计划外", "Unplanned")}


def caveats(lang: str) -> list[str]:
    return [
        i18n.pick(lang, "必检：待复查的事件、逾期未检，以及计划期内到期的检查；其余机关按风险等级随机抽取（D 100%、C 30%、B 10%、A 3%），"
                        "近期未报送的机关另行随机抽取，不报送不会减少被检查的机会。",
                  "Must check: pending incident follow-ups, overdue checks and checks falling due in the period; the "
                  "other organs are drawn at random by tier (D 100 %, C 30 %, B 10 %, A 3 %), and organs that sent "
                  "nothing are sampled as well, so not reporting never lowers the chance of a check."),
        i18n.pick(lang, "每次检查随机选派2名在岗检查人员，回避名单所列机关和上次检查过该机关的人员不派，每人每季度不超过6次；"
                        "同地区、具备所需专长者权重较高。无法满足时该检查“未能派员”并说明原因，绝不减少人数。",
                  "Two active inspectors are drawn for each visit, never one on the organ's recusal list or one who "
                  "inspected it last time, at most 6 visits per inspector per quarter; the organ's district and the "
                  "expertise needed weigh the draw. When the rules cannot be met the visit has no team and the plan "
                  "says why; a team is never made smaller."),
        i18n.pick(lang, "随机种子、参数、输入数据摘要与结果均记入仓库；同一种子与输入得出同一计划。重抽须说明原因，原计划保留并标为被取代。",
                  "The seed, parameters, a hash of the inputs and the result are stored; the same seed and inputs "
                  "give the same plan. A re-draw needs a reason and the plan it replaces is kept, marked superseded."),
        i18n.pick(lang, "执行情况：计划内机关自计划开始（抽取）后、在计划期间或建议时间内有检查记录即为已检查；此后对计划外机关的检查"
                        "列为计划外；抽取之前的检查两者都不算。",
                  "Achieved: a planned organ inspected, after the plan was drawn, within the period or its suggested "
                  "window; later inspections of organs not in the plan are unplanned; inspections made before the "
                  "plan was drawn count as neither."),
    ]


def period_choices(today: dt.date, lang: str) -> list[dict]:
    """This quarter and the next three, this year and the next (the periods a plan can still be drawn for)."""
    out = []
    qs = queries.quarter_start(today)
    for i in range(4):
        s = queries.add_months(qs, 3 * i)
        label = f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        out.append({"value": label, "label": i18n.fmt_period(label, lang)})
    for year in (today.year, today.year + 1):
        out.append({"value": str(year), "label": i18n.fmt_period(str(year), lang)})
    return out


def _plans() -> pl.DataFrame:
    return data.q_fn(planning.plans)


def plan_options(plans: pl.DataFrame, lang: str) -> list[dict]:
    out = []
    for r in plans.iter_rows(named=True):
        state_ = (i18n.pick(lang, "现行", "in force") if r["is_current"] else
                  i18n.pick(lang, f"已被第{r['superseded_by']}号取代", f"superseded by #{r['superseded_by']}"))
        label = i18n.pick(lang, f"第{r['plan_id']}号 · {i18n.fmt_period(r['period'], lang)} · 种子{r['seed']}（{state_}）",
                          f"#{r['plan_id']} · {i18n.fmt_period(r['period'], lang)} · seed {r['seed']} ({state_})")
        out.append({"value": str(r["plan_id"]), "label": label})
    return out


def default_plan(plans: pl.DataFrame, period: str | None) -> str | None:
    if not plans.height:
        return None
    current = plans.filter(pl.col("is_current") & (pl.col("period") == (period or "")))
    chosen = current if current.height else plans
    return str(chosen["plan_id"].max())


def no_draw_text(lang: str) -> str:
    """Why the signed-in user sees no draw controls: the role may not draw (a leader), or the scope
    does not take in the whole jurisdiction (an inspector of one city). data.require says the same
    when the draw is attempted."""
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    roles = [r for r in Role if Permission.PLAN in GRANTS[r]]
    if not data.can(Permission.PLAN):
        return p(f"只有{'和'.join(ROLE_ZH[r] for r in roles)}可以抽取检查计划。下方列出您权限范围内的检查任务。",
                 f"Only {' and '.join(ROLE_EN[r].lower() + 's' for r in roles)} draw the inspection plan. "
                 "Below are the visits in your scope.")
    return p("检查计划按全辖区抽取，须由权限范围覆盖全辖区的账户抽取；您的权限范围只是其中一部分。下方只列出您权限范围内的检查任务。",
             "The plan is drawn for the whole jurisdiction, by an account whose scope covers all of it; yours covers "
             "part of it. Below are the visits in your scope.")


def layout(**kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    today = data.today()
    choices = period_choices(today, lang)
    period = params.get("period") if params.get("period") in {c["value"] for c in choices} else choices[0]["value"]
    try:
        plans = _plans()
    except data.NoWarehouse:
        plans = pl.DataFrame(schema=planning.PLAN_COLUMNS)
    may_draw = data.can(Permission.PLAN) and data.covers_jurisdiction()
    draw_controls = dmc.Alert(no_draw_text(lang), color="gray", id="pl-no-draw") if not may_draw else None
    draw_controls = draw_controls or dmc.Stack([
        dmc.Group([
            dmc.Select(id="pl-period", label=p("计划期间", "Period"), data=choices, value=period, w=170, size="xs",
                       allowDeselect=False),
            dmc.NumberInput(id="pl-seed", label=p("随机种子（可不填）", "Seed (optional)"), min=0, step=1,
                            allowDecimal=False, allowNegative=False, w=170, size="xs"),
            dmc.TextInput(id="pl-reason", label=p("原因（重抽必填）", "Reason (required to re-draw)"), w=280, size="xs"),
            dmc.Checkbox(id="pl-redraw", label=p("重新抽取", "Re-draw"), checked=False, mb=6),
            dmc.Button(p("抽取", "Draw"), id="pl-draw", size="xs"),
        ], align="flex-end", gap="sm"),
        html.Div(id="pl-draw-result"),
    ], gap="xs")
    chosen = default_plan(plans, period)
    no_plan = _plan_id(chosen) is None     # the downloads stay disabled until a plan is drawn and chosen
    picker = dmc.Group([
        dmc.Select(id="pl-plan", label=p("查看计划", "Plan"), data=plan_options(plans, lang),
                   value=chosen, w=380, size="xs", allowDeselect=False,
                   placeholder=p("尚无计划", "No plan yet")),
        dmc.Button(p("下载计划工作簿", "Plan workbook"), id="pl-get-plan", size="xs", variant="light",
                   disabled=no_plan, display=None if data.covers_jurisdiction() else "none"),
        dmc.Button(p("下载公示名单", "Public notice list"), id="pl-get-public", size="xs", variant="light",
                   disabled=no_plan, display=None if data.covers_jurisdiction() else "none"),
        dmc.Text(download_hint(lang, no_plan), id="pl-download-hint", size="xs", c="dimmed",
                 mb=6, display=None if data.covers_jurisdiction() else "none"),
    ], align="flex-end", gap="sm")
    content = [
        dcc.Store(id="pl-params", data=params),
        dcc.Download(id="pl-download"),
        dmc.Grid([
            section(p("抽取", "Draw"), draw_controls, span=12,
                    note=p("已有现行计划的期间只显示该计划；要重抽，勾选“重新抽取”并填写原因。",
                           "A period that has a plan shows it; to re-draw, tick Re-draw and give a reason.")),
            section(p("计划", "Plan"), dmc.Stack([picker, loading("pl-summary")], gap="sm"), span=12),
            section(p("日历", "Calendar"), loading("pl-calendar"), span=12,
                    note=p("每项检查的建议时间段；竖线为今天。", "Each visit's suggested window; the line marks today.")),
            section(p("检查任务", "Visits"), loading("pl-visits"), span=12,
                    note=p("点击机关名称查看机关档案。", "Click an organ to open its profile.")),
            section(p("未能派员", "Visits without a team"), loading("pl-unstaffed"), span=12),
            section(p("计划执行情况", "Plan against achieved"), loading("pl-achieved"), span=12,
                    note=p("按今天已装载的检查记录计。", "From the inspections loaded, as of today.")),
        ], gutter="md"),
    ]
    return frame("planning", params, PATH, content, title=p("检查计划", "Inspection plan"), caveats=caveats(lang),
                 show_filters=())


# -- drawing -------------------------------------------------------------------------------------------

@callback(Output("pl-draw-result", "children"), Output("pl-plan", "data"), Output("pl-plan", "value"),
          Input("pl-draw", "n_clicks"), State("pl-period", "value"), State("pl-seed", "value"),
          State("pl-reason", "value"), State("pl-redraw", "checked"), State("pl-params", "data"),
          prevent_initial_call=True)
@guarded(outputs=3)
def draw_plan(n_clicks, period, seed, reason, redraw, params):
    if not n_clicks:
        raise PreventUpdate
    lang = state.lang_of(params)
    if data.version() is None:
        return no_warehouse(lang), dash.no_update, dash.no_update
    data.require(Permission.PLAN, whole_jurisdiction=True)
    try:
        seed_value = int(seed) if seed not in (None, "") else None
        outcome = service.make_plan(data.warehouse_path(), period, today=data.today(), seed=seed_value,
                                    redraw=bool(redraw), reason=reason, created_by=data.user().username)
    except PlanError as exc:
        return dmc.Alert(exc.text(lang), color="red", id="pl-draw-error"), dash.no_update, dash.no_update
    plan = outcome.plan
    if outcome.created:
        data.audit("plan_draw", target=str(plan["plan_id"]),
                   detail={"period": period, "seed": plan["seed"], "redraw": bool(redraw), "reason": reason})
    named = i18n.fmt_period(plan["period"], lang)
    if lang == "en":
        text = (f"Plan #{plan['plan_id']} drawn for {named} with seed {plan['seed']}: {plan['visits']} visits, "
                f"{plan['unstaffed']} without a team." if outcome.created else
                f"{named} already has plan #{plan['plan_id']} (seed {plan['seed']}); it was not re-drawn. "
                "Tick Re-draw and give a reason to draw again.")
    else:   # the service's message names the CLI's options (--redraw --reason): the page says it its way
        text = (outcome.message if outcome.created else
                f"{named}已有检查计划（第{plan['plan_id']}号，种子{plan['seed']}），未重新抽取；"
                "如需重抽，请勾选“重新抽取”并填写原因")
    message = dmc.Alert(text, color="green" if outcome.created else "blue", id="pl-draw-message")
    return message, plan_options(_plans(), lang), str(plan["plan_id"])


# -- showing a plan --------------------------------------------------------------------------------------

def _plan_id(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def reason_text(reason: str | None, lang: str) -> str:
    """A plan's recorded reason: the first draw's (stored in Chinese, service.FIRST_REASON) in the
    page's language; a reason typed by a user as typed."""
    if reason == service.FIRST_REASON:
        return i18n.pick(lang, service.FIRST_REASON, service.FIRST_REASON_EN)
    return reason or "—"


def summary_panel(plan: dict, visits: pl.DataFrame, lang: str):
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    # Counted from the visits shown (those in the user's scope), not the plan's own totals.
    by_sel = dict(visits.group_by("selection").len().iter_rows()) if visits.height else {}
    staffed = int((visits["status"] == "staffed").sum()) if visits.height else 0
    unstaffed = visits.height - staffed
    cards = [kpi_card(p("检查家数", "Visits"), i18n.fmt_int(visits.height, lang), None, card_id="pl-kpi-visits"),
             kpi_card(p("已派员", "Staffed"), i18n.fmt_int(staffed, lang), None),
             kpi_card(p("未能派员", "No team"), i18n.fmt_int(unstaffed, lang),
                      p("见下方原因", "see why below") if unstaffed else None,
                      tone="bad" if unstaffed else "neutral")]
    for key, (zh, en) in SELECTION_TEXT.items():
        cards.append(kpi_card(p(zh, en), i18n.fmt_int(by_sel.get(key, 0), lang), None))
    status = (p("现行计划", "In force") if plan["is_current"] else
              p(f"已被第{plan['superseded_by']}号取代", f"Superseded by #{plan['superseded_by']}"))
    facts = [
        (p("计划期间", "Period"), p("{}（{}—{}）", "{} ({} – {})").format(
            i18n.fmt_period(plan["period"], lang), i18n.fmt_date(plan["period_start"], lang),
            i18n.fmt_date(plan["period_end"], lang))),
        (p("随机种子", "Seed"), str(plan["seed"])),
        (p("抽取日期", "Drawn for"), i18n.fmt_date(plan["planned_on"], lang)),
        (p("状态", "Status"), status),
        (p("原因", "Reason"), reason_text(plan["reason"], lang) + (p(f"（取代第{plan['supersedes_plan_id']}号）",
                                                  f" (replaces #{plan['supersedes_plan_id']})")
                                                if plan["supersedes_plan_id"] else "")),
        (p("抽取人", "Drawn by"), plan["created_by"] or "—"),
        (p("输入数据摘要", "Inputs SHA-256"), plan["inputs_sha256"]),
        (p("结果摘要", "Result SHA-256"), plan["result_sha256"]),
    ]
    table = html.Table([html.Tbody([html.Tr([html.Th(k, style={"textAlign": "left", "paddingRight": "12px",
                                                                "fontWeight": 500, "whiteSpace": "nowrap"}),
                                             html.Td(v, style={"wordBreak": "break-all"})]) for k, v in facts])],
                       style={"fontSize": "13px"}, id="pl-facts")
    return dmc.Stack([dmc.SimpleGrid(cards, cols={"base": 2, "sm": 3, "lg": 6}, spacing="sm"), table], gap="sm")


def calendar_figure(visits: pl.DataFrame, plan: dict, lang: str, today: dt.date) -> go.Figure:
    """One bar per visit over its suggested window, coloured by how it was drawn (unstaffed: grey)."""
    fig = go.Figure()
    day_ms = 86_400_000
    ordered = visits.sort(["window_start", "visit_no"])
    labels = [f"{r['visit_no']}. {r['organ_name'] or r['organ_code']}" for r in ordered.iter_rows(named=True)]
    order = {label: i for i, label in enumerate(labels)}
    groups = [(k, i18n.pick(lang, *SELECTION_TEXT[k]), SELECTION_COLORS[k], (pl.col("selection") == k)
               & (pl.col("status") == "staffed")) for k in SELECTION_TEXT]
    groups.append(("unstaffed", i18n.pick(lang, "未能派员", "No team"), "#adb5bd", pl.col("status") == "unstaffed"))
    for _key, name, color, cond in groups:
        part = ordered.filter(cond)
        if not part.height:
            continue
        rows = list(part.iter_rows(named=True))
        ys = [f"{r['visit_no']}. {r['organ_name'] or r['organ_code']}" for r in rows]
        fig.add_trace(go.Bar(
            orientation="h", name=name, marker={"color": color}, y=ys,
            base=[r["window_start"].isoformat() for r in rows],
            x=[((r["window_end"] - r["window_start"]).days + 1) * day_ms for r in rows],
            customdata=[[i18n.fmt_date(r["window_start"], lang), i18n.fmt_date(r["window_end"], lang),
                         "、".join(r["inspector_names"]) or i18n.pick(lang, "未派员", "none")] for r in rows],
            hovertemplate="%{y}<br>%{customdata[0]} — %{customdata[1]}<br>%{customdata[2]}<extra></extra>"))
    figures.style(fig, height=min(120 + 20 * len(labels), 1600))
    fig.update_yaxes(categoryorder="array", categoryarray=sorted(order, key=order.get, reverse=True),
                     automargin=True)
    fig.update_xaxes(type="date", range=[plan["period_start"].isoformat(),
                                         (plan["period_end"] + dt.timedelta(days=1)).isoformat()],
                     tickformat=i18n.pick(lang, "%-m月%-d日", "%-d %b"), side="top")    # 1月10日, 10 Jan
    fig.update_layout(barmode="overlay", bargap=0.25, margin={"l": 8, "t": 40},
                      legend={"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1, "yanchor": "top"})
    if plan["period_start"] <= today <= plan["period_end"]:
        fig.add_vline(x=today.isoformat(), line_dash="dot", line_color="#343a40")
    return fig


# Room for a full date in a 13 px grid cell with its padding: 2026年11月27日 (zh), 27 Nov 2026 (en).
DATE_WIDTH = 140


def visit_columns(lang: str) -> list[Col]:
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    return [Col("visit_no", p("序号", "No."), "int", width=70, pinned=True),
            Col("organ_link", p("机关", "Organ"), "link", width=230, pinned=True),
            Col("region_name", p("地区", "Region"), width=100),
            Col("tier", p("等级", "Tier"), "tier", width=96),
            Col("selection_text", p("抽取方式", "Drawn as"), width=110),
            Col(i18n.reason_column("reasons_zh", lang), p("抽取原因", "Why"), "long", width=380),
            Col("window_start", p("建议开始", "From"), "date", width=DATE_WIDTH),
            Col("window_end", p("建议截止", "To"), "date", width=DATE_WIDTH),
            Col("inspectors", p("检查人员", "Inspectors"), width=150),
            Col("staffing_text", p("派员", "Team"), width=90),
            Col("notes_text", p("说明", "Notes"), "long", width=280),
            Col("achieved_text", p("执行", "Done"), width=90)]


def _export(plan_id, lang) -> dict:
    """The 「导出Excel」 scope of the plan's grids: the plan, not the URL's filters."""
    return {"export_skip": state.GLOBAL_KEYS, "export_filters": {i18n.pick(lang, "检查计划", "Plan"): plan_id}}


def visits_display(visits: pl.DataFrame, achieved: pl.DataFrame, params: dict) -> pl.DataFrame:
    lang = state.lang_of(params)
    search = state.to_search(state.carry(params))
    status = achieved.filter(pl.col("planned")).select("visit_no", "status")
    out = visits.join(status, on="visit_no", how="left", suffix="_achieved")
    return out.with_columns(
        organ_link=pl.format("[{}](/organs/{}{})", pl.col("organ_name").fill_null(pl.col("organ_code"))
                             .str.replace_all(r"[\[\]]", ""), pl.col("organ_code"), pl.lit(search)),
        selection_text=pl.col("selection").replace_strict({k: i18n.pick(lang, *v) for k, v in SELECTION_TEXT.items()},
                                                          default=pl.col("selection")),
        staffing_text=pl.col("status").replace_strict({k: i18n.pick(lang, *v) for k, v in STAFFING_TEXT.items()},
                                                      default=pl.col("status")),
        achieved_text=pl.col("status_achieved").replace_strict(
            {k: i18n.pick(lang, *v) for k, v in ACHIEVED_TEXT.items()}, default=pl.col("status_achieved")),
        inspectors=pl.col("inspector_names").list.join("、"),
        # a staffed visit's notes (a missing expertise, a window moved past the first 30 days); an
        # unstaffed one's are why, which the 派员 column and the panel of unstaffed visits say
        notes_text=pl.when(pl.col("status") == "staffed").then(
            pl.col("notes_zh") if lang != "en" else pl.col("notes_zh").map_elements(notes_en, return_dtype=pl.String)),
    ).sort("visit_no")


UNSTAFFED_NAMES = 10    # organs named on a card of visits sharing one reason; the rest are counted


def organ_list(names: list[str], lang: str) -> str:
    """The first UNSTAFFED_NAMES organs and how many there are: "1. 甲、2. 乙……等63家" / "… and 53 more"."""
    shown = names[:UNSTAFFED_NAMES]
    if i18n.norm_lang(lang) == "en":
        more = len(names) - len(shown)
        return ", ".join(shown) + (f" and {more} more" if more else "")
    return "、".join(shown) + (f"等{len(names)}家" if len(names) > len(shown) else "")


def unstaffed_panel(rows: pl.DataFrame, lang: str):
    """One card per reason: the visits left without a team for the same stated reason share a card
    that counts them and names their organs (a plan can leave dozens unstaffed for one reason)."""
    if not rows.height:
        return empty_state(lang, i18n.pick(lang, "全部检查均已派员。", "Every visit has its team."))
    en = i18n.norm_lang(lang) == "en"
    groups: dict[str, list[str]] = {}
    for r in rows.sort("visit_no").iter_rows(named=True):
        body = unstaffed_reason_en(r) if en else r["reason_zh"]
        groups.setdefault(body, []).append(f"{r['visit_no']}. {r['organ_name'] or r['organ_code']}")
    items = []
    for body, organs in groups.items():
        if len(organs) == 1:
            items.append(dmc.Alert(body, title=organs[0], color="orange", variant="light"))
            continue
        title = i18n.pick(lang, f"{len(organs)}项检查未能派员", f"{len(organs)} visits without a team")
        items.append(dmc.Alert(dmc.Stack([dmc.Text(body, size="sm"), dmc.Text(organ_list(organs, lang), size="xs",
                                                                              c="dimmed")], gap=4),
                               title=title, color="orange", variant="light"))
    return dmc.Stack(items, gap="xs", id="pl-unstaffed-list")


def achieved_panel(plan_id: int, lang: str, today: dt.date):
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    prefix = data.scope_prefix()
    total = data.q_fn(planning.plan_coverage, plan_id, today, region_prefix=prefix).row(0, named=True)
    by_tier = data.q_fn(planning.plan_coverage, plan_id, today, by="tier", region_prefix=prefix)
    rows = data.in_scope(data.q_fn(planning.plan_vs_achieved, plan_id, today))
    name = lambda status: i18n.pick(lang, *ACHIEVED_TEXT[status])  # noqa: E731 — as the visits table names them
    # planned = achieved + pending + behind + missed: every planned visit is in one card
    cards = [kpi_card(p("计划", "Planned"), i18n.fmt_int(total["planned"], lang), None, card_id="pl-kpi-planned"),
             kpi_card(name("achieved"), i18n.fmt_int(total["achieved"], lang),
                      p(f"其中建议时间内 {total['achieved_in_window']}", f"{total['achieved_in_window']} in window"),
                      card_id="pl-kpi-achieved"),
             kpi_card(name("pending"), i18n.fmt_int(total["pending"], lang), p("尚未到期", "not yet due"),
                      card_id="pl-kpi-pending"),
             kpi_card(name("behind"), i18n.fmt_int(total["behind"], lang), None, card_id="pl-kpi-behind"),
             kpi_card(name("missed"), i18n.fmt_int(total["missed"], lang), None,
                      tone="bad" if total["missed"] else "neutral", card_id="pl-kpi-missed"),
             kpi_card(p("计划外检查", "Unplanned"), i18n.fmt_int(total["unplanned"], lang), None,
                      card_id="pl-kpi-unplanned"),
             kpi_card(p("完成率", "Coverage"), i18n.fmt_pct(total["coverage_rate"]), None, card_id="pl-coverage")]
    tier_cols = [Col("tier", p("等级", "Tier"), "tier", width=100), Col("planned", p("计划", "Planned"), "int"),
                 Col("achieved", p("已检查", "Achieved"), "int"), Col("missed", p("未检查", "Missed"), "int"),
                 Col("behind", p("滞后", "Behind"), "int"), Col("pending", p("待检查", "Pending"), "int"),
                 Col("unplanned", p("计划外", "Unplanned"), "int"),
                 Col("coverage_rate", p("完成率", "Coverage"), "pct")]
    unplanned = rows.filter(pl.col("status") == "unplanned")
    unplanned_cols = [Col("inspection_code", p("检查编号", "Inspection"), width=140),
                      Col("inspected_on", p("检查日期", "Date"), "date", width=130),
                      Col("organ_name", p("机关", "Organ"), width=260), Col("region_name", p("地区", "Region"), width=110),
                      Col("tier", p("等级", "Tier"), "tier", width=96), Col("grade", p("结论", "Grade"), "grade", width=90)]
    parts = [dmc.SimpleGrid(cards, cols={"base": 2, "sm": 4, "lg": 7}, spacing="sm"),
             grid("pl-achieved-tiers", tier_cols, records(by_tier), lang, height=None,
                  export=p("计划执行情况", "Plan against achieved"), **_export(plan_id, lang))]
    if unplanned.height:
        parts += [dmc.Text(p("计划外检查", "Unplanned inspections"), fw=600, size="sm"),
                  grid("pl-unplanned", unplanned_cols, records(unplanned), lang, height=300,
                       export=p("计划外检查", "Unplanned inspections"), **_export(plan_id, lang))]
    return dmc.Stack(parts, gap="sm")


NO_PLAN = ("尚未抽取本期检查计划。", "No plan drawn for this period yet.")


@callback(Output("pl-summary", "children"), Output("pl-calendar", "children"), Output("pl-visits", "children"),
          Output("pl-unstaffed", "children"), Output("pl-achieved", "children"),
          Input("pl-plan", "value"), State("pl-params", "data"))
@guarded(outputs=5)
def show_plan(value, params):
    lang = state.lang_of(params)
    if data.version() is None:
        empty = no_warehouse(lang)
        return empty, None, None, None, None
    plan_id = _plan_id(value)
    if plan_id is None:     # nothing drawn yet: every panel says so, none is a blank box
        msg = empty_state(lang, i18n.pick(lang, "尚无检查计划。选择期间后点击“抽取”。",
                                          "No plan yet. Choose a period and press Draw."))
        return (msg, *(empty_state(lang, i18n.pick(lang, *NO_PLAN)) for _ in range(4)))
    plan = data.q_fn(planning.plan, plan_id)
    if plan is None:
        return empty_state(lang), None, None, None, None
    today = data.today()
    visits = data.in_scope(data.q_fn(planning.plan_visits, plan_id))
    achieved = data.in_scope(data.q_fn(planning.plan_vs_achieved, plan_id, today))
    summary = summary_panel(plan, visits, lang)
    if not visits.height:
        nothing = empty_state(lang, i18n.pick(lang, "本计划没有检查任务。", "This plan has no visits."))
        return summary, nothing, nothing, unstaffed_panel(data.in_scope(data.q_fn(planning.plan_unstaffed, plan_id)), lang), \
            achieved_panel(plan_id, lang, today)
    calendar = html.Div(figures.graph(calendar_figure(visits, plan, lang, today), "pl-calendar-graph"),
                        style={"maxHeight": "640px", "overflowY": "auto"})
    table = grid("pl-visit-grid", visit_columns(lang), records(visits_display(visits, achieved, params)), lang,
                 height=560, export=i18n.pick(lang, "检查任务", "Visits"),
                 **_export(plan_id, lang))
    return (summary, calendar, table, unstaffed_panel(data.in_scope(data.q_fn(planning.plan_unstaffed, plan_id)), lang),
            achieved_panel(plan_id, lang, today))


# -- downloads -------------------------------------------------------------------------------------------

DOWNLOAD_HINT = ("抽取计划后才能下载计划工作簿和公示名单。", "Draw a plan first to download its workbook and public notice list.")


def download_hint(lang: str, no_plan: bool) -> str:
    """Why the downloads are disabled; on an English page, that the workbooks are Chinese."""
    if no_plan:
        return i18n.pick(lang, *DOWNLOAD_HINT)
    return i18n.pick(lang, "", "The workbooks are in Chinese, the language in which plans are issued and published.")


@callback(Output("pl-get-plan", "disabled"), Output("pl-get-public", "disabled"),
          Output("pl-download-hint", "children"),
          Input("pl-plan", "value"), State("pl-params", "data"))
def downloads_enabled(value, params):
    """The two download buttons work only on a plan: disabled (with a hint why) while none is chosen."""
    no_plan = _plan_id(value) is None
    return no_plan, no_plan, download_hint(state.lang_of(params or {}), no_plan)


def workbook_bytes(plan_id: int, which: str) -> tuple[bytes, str]:
    """The plan workbook ("plan") or the 公示 list ("public") of a plan, and its file name."""
    buffer = io.BytesIO()
    with data.reader() as con:
        plan = planning.plan(con, plan_id)
        if plan is None:
            raise KeyError(plan_id)
        if which == "plan":
            workbooks.write_plan_workbook(con, plan_id, buffer)
        else:
            workbooks.write_public_list(con, plan_id, buffer, today=data.today())
    names = workbooks.file_names(plan)
    return buffer.getvalue(), names[0] if which == "plan" else names[1]


@callback(Output("pl-download", "data"), Input("pl-get-plan", "n_clicks"), Input("pl-get-public", "n_clicks"),
          State("pl-plan", "value"), prevent_initial_call=True)
@guarded(fallback="none")
def download(_plan_clicks, _public_clicks, value):
    plan_id = _plan_id(value)
    trigger = ctx.triggered_id
    if plan_id is None or trigger not in ("pl-get-plan", "pl-get-public"):
        raise PreventUpdate
    data.require(Permission.EXPORT, whole_jurisdiction=True)     # the workbooks hold the whole plan
    which = "plan" if trigger == "pl-get-plan" else "public"
    content, name = workbook_bytes(plan_id, which)
    data.audit("export", target=name, detail={"kind": f"plan_{which}", "plan_id": plan_id})
    return dcc.send_bytes(content, name)
