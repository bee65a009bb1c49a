"""The URL is the state: filters and page options live in the query string, so a view can be
bookmarked and shared and the back button works.

    ?period=2025-Q3&region=330100&service=档案整理&tier=D&lang=en

Global filters: period, region (a city or district code inside the jurisdiction), service
(service type), tier. Page options (view, status, q, …) are declared by each page. Anything that
does not parse is dropped, never an error: a mangled link still opens the page.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlencode

from schemas.enums import OUT_OF_SCOPE, SERVICE_TYPE
from warehouse import queries
from warehouse.analytics_config import TIERS

from dashboards import i18n

GLOBAL_KEYS = ("period", "region", "service", "tier")
SERVICE_TYPES = (*SERVICE_TYPE.values, OUT_OF_SCOPE)
# Page options: name -> allowed values (None: free text, trimmed and capped).
PAGE_OPTIONS: dict[str, tuple[str, ...] | None] = {
    "view": ("checks", "rectifications"),
    "status": ("overdue", "due_soon", "all"),
    "q": None,
}


def _first(value):
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def clean(raw: dict | None) -> dict:
    """The valid, known parameters of `raw` (a dict from the query string or the layout kwargs)."""
    raw = raw or {}
    out: dict[str, str] = {}
    period = _first(raw.get("period"))
    if period:
        try:
            start, end, _kind = queries.parse_period(str(period))
            out["period"] = queries.period_label(start, end)
        except ValueError:
            pass
    region = _first(raw.get("region"))
    if region and re.fullmatch(r"\d{6}|\d{4}00\.self", str(region)):   # a code, or a region's own level (本级)
        out["region"] = str(region)
    svc = _first(raw.get("service"))
    if svc in SERVICE_TYPES:
        out["service"] = svc
    tier = _first(raw.get("tier"))
    if tier in TIERS:
        out["tier"] = tier
    lang = _first(raw.get("lang"))
    if lang in i18n.LANGS and lang != i18n.DEFAULT_LANG:
        out["lang"] = lang
    for name, allowed in PAGE_OPTIONS.items():
        value = _first(raw.get(name))
        if value is None or value == "":
            continue
        if allowed is None:
            text = str(value).strip()[:60]
            if text:
                out[name] = text
        elif value in allowed:
            out[name] = value
    return out


def parse_search(search: str | None) -> dict:
    if not search:
        return {}
    return clean({k: v for k, v in parse_qs(search.lstrip("?"), keep_blank_values=False).items()})


def to_search(params: dict, **changes) -> str:
    """The query string ("" or "?a=b…") of `params` with `changes` applied (None removes a key)."""
    merged = {**params, **changes}
    merged = {k: v for k, v in merged.items() if v not in (None, "")}
    order = ("period", "region", "service", "tier", "view", "status", "q", "lang")
    items = [(k, merged[k]) for k in order if k in merged]
    return ("?" + urlencode(items)) if items else ""


def carry(params: dict, *, keep_page_options: bool = False) -> dict:
    """What a link to another page keeps: the global filters and the language."""
    keys = GLOBAL_KEYS + ("lang",) + (tuple(PAGE_OPTIONS) if keep_page_options else ())
    return {k: v for k, v in params.items() if k in keys}


def href(path: str, params: dict, **changes) -> str:
    return path + to_search(carry(params), **changes)


def filters(params: dict, today: dt.date, *, with_period: bool = True, with_tier: bool = True) -> queries.Filters:
    """The query layer's Filters for these parameters."""
    region = params.get("region")
    if region:
        region = queries_region(region)
    return queries.Filters(
        period=params.get("period") if with_period else None,
        region=region,
        service_type=params.get("service"),
        tier=params.get("tier") if with_tier else None,
        today=today,
    )


def queries_region(code: str) -> str | None:
    """A region code as the query layer's region filter: the national code means no filter."""
    if code == "100000":
        return None
    return code


def lang_of(params: dict) -> str:
    return i18n.norm_lang(params.get("lang"))
