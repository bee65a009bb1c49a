"""The page for an address that matches no page."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import dcc

from dashboards import i18n, state
from dashboards.components.guard import guarded_layout
from dashboards.components.shell import frame, page_title

dash.register_page(__name__, path="/404", name="404", title=page_title("找不到该页面"))


@guarded_layout
def layout(**kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    body = dmc.Stack([dmc.Text(i18n.t("notfound.body", lang)),
                      dcc.Link(i18n.t("notfound.home", lang), href=state.href("/", params))], gap="sm")
    return frame("", params, "/404", body, title=i18n.t("notfound.title", lang), caveats=[], show_filters=())
