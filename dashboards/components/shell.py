"""The frame of every page, rendered from the URL: header with navigation and language switch, the
global filter bar, the data-as-of banner with the page's caveats, then the page's content.

Everything here is a function of the URL parameters, so the back button and a shared link show
exactly the same view. A filter change writes the URL (one callback, below); the page router then
renders the page for the new URL.
"""

from __future__ import annotations

import datetime as dt

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboards import data, i18n, state
from dashboards.components.guard import guarded
from schemas.identifiers import NATIONAL, OWN_LEVEL, own_level, region_name
from warehouse import queries
from warehouse.analytics_config import TIERS

# Navigation labels of the core pages; any other page registered with an `order` (and no path
# template) joins the navigation in that order, labelled with its `name` (and `name_en` in English).
NAV_LABELS = {"/": "nav.overview", "/vendors": "nav.vendors", "/overdue": "nav.overdue",
              "/submissions": "nav.submissions"}


def nav_pages() -> list[dict]:
    """The pages in the navigation: those registered with an `order`, less those whose `permission`
    (a schemas.roles.Permission given to register_page) the signed-in user lacks."""
    pages = [p for p in dash.page_registry.values()
             if p.get("order") is not None and not p.get("path_template") and not p["module"].endswith("not_found_404")
             and (p.get("permission") is None or data.can(p["permission"]))]
    return sorted(pages, key=lambda p: (p["order"], p["path"]))


def _nav_key(path: str) -> str:
    return path.strip("/") or "overview"


def page_href(path: str, params: dict, **changes) -> str:
    return state.href(path, params, **changes)


# -- header -----------------------------------------------------------------------------------------

def header(active: str, params: dict, path: str) -> html.Header:
    lang = state.lang_of(params)
    code = data.jurisdiction()
    links = []
    for page in nav_pages():
        key, href = _nav_key(page["path"]), page["path"]
        label = (i18n.t(NAV_LABELS[href], lang) if href in NAV_LABELS
                 else (page.get("name_en") or page["name"]) if lang == "en" else page["name"])
        links.append(dcc.Link(label, href=page_href(href, params),
                              className="nav-link active" if key == active else "nav-link", id=f"nav-{key}"))
    other = "en" if lang == "zh" else None
    switch = dcc.Link(i18n.t("lang.switch", lang), id="lang-switch", className="lang-switch",
                      href=path + state.to_search(state.carry(params, keep_page_options=True), lang=other),
                      title="Switch language / 切换语言")
    title = html.Div([
        dcc.Link(i18n.t("app.title", lang), href=page_href("/", params), className="brand"),
        html.Span(i18n.t("jurisdiction", lang, name=data.jurisdiction_name(code)) if code else
                  i18n.t("app.subtitle", lang), className="brand-sub"),
    ], className="brand-block")
    return html.Header([title, html.Nav(links, className="nav"), switch, account_menu(lang)], className="app-header")


def account_menu(lang: str):
    """Who is signed in, with what scope, and the sign-out button (a plain form: POST /logout)."""
    from flask import has_request_context

    from dashboards import auth
    user = data.user_or_none()
    if user is None or not has_request_context():
        return None
    scope = data.jurisdiction_name(user.region_scope)
    return html.Form([
        html.Div([html.Span(auth.user_label(user, lang), className="account-name", id="account-name"),
                  html.Span(i18n.pick(lang, f"权限范围：{scope}", f"Scope: {scope}"), className="account-scope",
                            id="account-scope")], className="account-who"),
        dcc.Input(type="hidden", name="csrf", value=auth.csrf_token()),
        dcc.Input(type="hidden", name="lang", value=i18n.norm_lang(lang)),   # the sign-in page after, in it
        html.Button(i18n.pick(lang, "退出", "Sign out"), type="submit", id="logout", className="logout-button"),
    ], action="/logout", method="post", className="account-menu")


# -- filter bar -------------------------------------------------------------------------------------

def period_options(today: dt.date, lang: str) -> list[dict]:
    options = [{"value": "", "label": i18n.t("filter.default_period", lang)}]
    qs = queries.quarter_start(today)
    for i in range(12):
        s = queries.add_months(qs, -3 * i)
        label = f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        options.append({"value": label, "label": i18n.fmt_period(label, lang)})
    for year in range(today.year, today.year - 5, -1):
        options.append({"value": str(year), "label": i18n.fmt_period(str(year), lang)})
    return options


def _select(name: str, label: str, options: list[dict], value, lang: str, *, width: int = 170,
            disabled: bool = False, searchable: bool = False) -> dmc.Select:
    return dmc.Select(id={"type": "flt", "name": name}, label=label, data=options, value=value,
                      clearable=name != "period", placeholder=i18n.t("filter.all", lang), w=width, size="xs",
                      disabled=disabled, searchable=searchable, allowDeselect=False, comboboxProps={"zIndex": 400},
                      nothingFoundMessage="—")


def split_region(region: str | None, jurisdiction: str | None) -> tuple[str | None, str | None]:
    """(the first-level choice, the district) of a region code inside the jurisdiction."""
    if not region:
        return None, None
    firsts = {c for c, _ in data.region_children(jurisdiction)}
    if region.endswith(OWN_LEVEL):   # 浙江省本级 is a first-level choice, 杭州市本级 a district of 杭州市
        base = region.removesuffix(OWN_LEVEL)
        return (region, None) if base == jurisdiction else (base if base in firsts else None, region)
    if region == jurisdiction:
        return None, None
    if region in firsts:
        return region, None
    for first in firsts:
        if first.endswith("00") and region.startswith(first[:4]) and not region.endswith("00"):
            return first, region
        if first.endswith("0000") and region.startswith(first[:2]):
            return first, region
    return None, region


def with_own_level(code: str, children: list[tuple[str, str]], lang: str) -> list[tuple[str, str]]:
    """A region's children led by its own level (浙江省本级: the organs registered at the province
    itself, 省直机关), when it has children to choose from."""
    if not children or code == NATIONAL or code.endswith(OWN_LEVEL):
        return children
    # named as the overview's breakdowns name its row: 浙江省（省本级）, 杭州市 (city level)
    label = data.region_label(code, region_name(code), "city" if code.endswith("0000") else "county", lang)
    return [(own_level(code), label), *children]


def filter_bar(params: dict, show: tuple[str, ...] = state.GLOBAL_KEYS, extra: list | None = None,
               path: str = "") -> html.Div:
    lang = state.lang_of(params)
    controls = []
    code = data.root_region()
    if "period" in show:
        controls.append(_select("period", i18n.t("filter.period", lang), period_options(data.today(), lang),
                                params.get("period", ""), lang, width=150))
    if "region" in show and code:
        first, district = split_region(params.get("region"), code)
        firsts = with_own_level(code, data.region_children(code), lang)
        controls.append(_select("region", i18n.t("filter.region", lang),
                                [{"value": c, "label": n} for c, n in firsts], first, lang, searchable=True))
        # a view rooted at a city chooses its districts in the first select: no second level to offer
        if code == NATIONAL or code.endswith("0000"):
            districts = with_own_level(first, data.region_children(first), lang) if first else []
            controls.append(_select("district", i18n.t("filter.district", lang),
                                    [{"value": c, "label": n} for c, n in districts], district, lang,
                                    disabled=not districts, searchable=True))
    if "service" in show:
        controls.append(_select("service", i18n.t("filter.service", lang),
                                [{"value": s, "label": i18n.service(s, lang)} for s in state.SERVICE_TYPES],
                                params.get("service"), lang, width=210))
    if "tier" in show:
        controls.append(_select("tier", i18n.t("filter.tier", lang),
                                [{"value": t_, "label": i18n.tier(t_, lang)} for t_ in TIERS],
                                params.get("tier"), lang, width=120))
    controls += extra or []
    # Clearing the filters (and the search text) keeps the language and the list being looked at
    # (/overdue's view and status are choices of list, not filters).
    if any(params.get(k) for k in (*state.GLOBAL_KEYS, "q")):
        kept = {k: v for k, v in state.carry(params, keep_page_options=True).items()
                if k not in (*state.GLOBAL_KEYS, "q")}
        controls.append(dcc.Link(i18n.t("filter.reset", lang), id="filter-reset", className="filter-reset",
                                 href=(path + state.to_search(kept)) or "?"))
    return html.Div(dmc.Group(controls, gap="sm", align="flex-end"), className="filter-bar", id="filter-bar")


def option_control(name: str, label: str, options: list[tuple[str, str]], value: str) -> html.Div:
    """A page option (view, status …) bound to the URL like the filters."""
    return html.Div([dmc.Text(label, size="xs", fw=500, mb=2),
                     dmc.SegmentedControl(id={"type": "flt", "name": name}, value=value, size="xs",
                                          data=[{"value": v, "label": lbl} for v, lbl in options])])


def search_control(params: dict, placeholder: str) -> dmc.TextInput:
    lang = state.lang_of(params)
    return dmc.TextInput(id={"type": "flt", "name": "q"}, label=i18n.t("filter.search", lang), value=params.get("q", ""),
                         placeholder=placeholder, size="xs", w=200, debounce=500)


@callback(Output("url", "href"),
          Input({"type": "flt", "name": ALL}, "value"),
          State({"type": "flt", "name": ALL}, "id"),
          State("url", "pathname"), State("url", "search"),
          prevent_initial_call=True)
@guarded(fallback="none")
def filters_to_url(values, ids, pathname, search):
    """A filter or page option changed: write it into the URL (the router renders the new view)."""
    trigger = ctx.triggered_id
    if not trigger or not isinstance(trigger, dict):
        raise PreventUpdate
    # The filter bar mounting reports every filter at once; a user changes one. A select that cannot
    # hold the URL's value (a district shown as its city, a region outside the user's scope) must not
    # rewrite the URL to something else.
    if len(ctx.triggered) > 1:
        raise PreventUpdate
    name = trigger["name"]
    vals = {i["name"]: v for i, v in zip(ids, values)}
    params = state.parse_search(search)
    new = dict(params)
    if name == "region":
        new["region"] = vals.get("region") or None
    elif name == "district":
        new["region"] = vals.get("district") or vals.get("region") or None
    else:
        value = vals.get(name)
        new[name] = value if value not in ("", None) else None
    new = state.clean({k: v for k, v in new.items() if v is not None})
    if new == params:
        raise PreventUpdate
    target = (pathname or "/") + state.to_search(new)
    return target if target != (pathname or "/") + (search or "") else no_update


# -- data as of and caveats ---------------------------------------------------------------------------

def as_of_banner(params: dict, caveats: list[str]) -> html.Div:
    lang = state.lang_of(params)
    try:
        info = data.marts_as_of()
    except data.NoWarehouse:
        info = None
    if not info:
        head = dmc.Text(i18n.t("asof.none", lang), fw=600, size="sm")
        detail = None
    else:
        as_of = info["today"]
        head = dmc.Text(i18n.t("asof.title", lang, date=i18n.fmt_date(as_of, lang)), fw=600, size="sm",
                        id="as-of-date")
        detail = dmc.Text(i18n.t("asof.detail", lang, loaded=i18n.fmt_datetime(info["refreshed_at"], lang),
                                 load_id=info["load_id"], today=i18n.fmt_date(as_of, lang)), size="xs", c="dimmed")
        stale = (data.today() - as_of).days
        if stale > 45:
            caveats = [i18n.t("asof.stale", lang, days=stale), *caveats]
    if i18n.norm_lang(lang) == "en":
        caveats = [*caveats, i18n.t("asof.reasons_in_chinese", lang)]
    notes = html.Details([html.Summary(i18n.t("asof.caveats", lang)),
                          html.Ul([html.Li(c) for c in caveats])], className="caveats") if caveats else None
    return html.Div([c for c in (head, detail, notes) if c is not None], className="asof-banner")


# -- the frame --------------------------------------------------------------------------------------

def frame(active: str, params: dict, path: str, content, *, title: str, caveats: list[str],
          show_filters: tuple[str, ...] = state.GLOBAL_KEYS, extra_filters: list | None = None,
          subtitle=None) -> html.Div:
    lang = state.lang_of(params)
    head = [html.H1(title, className="page-title")]
    if subtitle is not None:
        head.append(subtitle)
    body = [html.Div(head, className="page-head")]
    if show_filters or extra_filters:
        body.append(filter_bar(params, show_filters, extra_filters, path=path))
    body.append(as_of_banner(params, caveats))
    region = params.get("region")
    if region and data.region_outside_scope(region):
        scope = data.jurisdiction_name(data.user().region_scope)
        body.append(dmc.Alert(i18n.pick(
            lang, f"所选地区（{data.jurisdiction_name(region) or region}）不在您的权限范围（{scope}）内，本页不显示任何数据；"
                  "请清除地区筛选或选择范围内的地区。",
            f"The region chosen ({data.jurisdiction_name(region) or region}) is outside your scope ({scope}): this "
            "page shows no data. Clear the region filter or choose one within your scope."),
            color="yellow", id="scope-outside"))
    body.append(html.Div(content, className="page-body"))
    _set_tab_title(f"{title} · {i18n.t('app.title', lang)}")
    return html.Div([header(active, params, path), html.Main(body, className="app-main", lang=
                     "en" if lang == "en" else "zh-CN")], className="app-frame")


def page_title(default: str):
    """A page's title for register_page: the browser tab shows what frame() titled the page, in its
    language. Dash asks for the title after the layout in the same request, but passes it only the
    path's variables, not the query with the language; `default` (Chinese) serves anywhere else."""
    def title(**_path_variables) -> str:
        from flask import g, has_request_context
        return (g.get("tab_title") if has_request_context() else None) or f"{default} · {i18n.t('app.title')}"
    return title


def _set_tab_title(text: str) -> None:
    from flask import g, has_request_context
    if has_request_context():
        g.tab_title = text


def section(title: str, body, *, section_id: str | None = None, note: str | None = None, span: int = 12):
    children = [html.H2(title, className="section-title")]
    if note:
        children.append(dmc.Text(note, size="xs", c="dimmed", mb=4))
    children.append(html.Div(body, id=section_id) if section_id else body)
    return dmc.GridCol(dmc.Paper(children, withBorder=True, radius="md", p="sm", className="section"),
                       span={"base": 12, "md": span})


def loading(section_id: str):
    """The placeholder a section shows until its callback answers."""
    return dcc.Loading(html.Div(id=section_id, className="section-body"), type="dot", delay_show=300)
