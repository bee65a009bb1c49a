"""What a panel shows when there is nothing to show, or when something failed: a sentence that
says what to do next. Never a blank chart, never a traceback."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import html

from dashboards import i18n


def empty_state(lang: str | None, message: str | None = None, *, action: tuple[str, str] | None = None,
                key: str = "empty.no_rows") -> html.Div:
    children = [dmc.Text(message or i18n.t(key, lang), c="dimmed", size="sm")]
    if action:
        label, href = action
        children.append(dmc.Anchor(label, href=href, size="sm"))
    return html.Div(dmc.Stack(children, gap=4, align="center"), className="empty-state")


def not_available(lang: str | None, what: str | None = None) -> html.Div:
    text = i18n.t("empty.not_available", lang)
    if what:
        text = f"{what}：{text}" if i18n.norm_lang(lang) == "zh" else f"{what}: {text}"
    return html.Div(dmc.Text(text, c="dimmed", size="sm"), className="empty-state")


def error_state(lang: str | None, *, busy: bool = False) -> html.Div:
    return html.Div(dmc.Alert(i18n.t("error.busy" if busy else "error.body", lang),
                              title=i18n.t("error.title", lang), color="red" if not busy else "yellow"),
                    className="error-state")


def no_warehouse(lang: str | None, submissions_href: str = "/submissions") -> html.Div:
    return empty_state(lang, i18n.t("empty.no_warehouse", lang),
                       action=(i18n.t("nav.submissions", lang), submissions_href))


def denied_state(lang: str | None, reason: str | None = None) -> html.Div:
    """The signed-in user may not do or see this, and why (in the page's language)."""
    title = i18n.pick(i18n.norm_lang(lang), "无权访问", "Not permitted")
    return html.Div(dmc.Alert(reason or title, title=title, color="red", id="denied"), className="error-state")
