"""The callback error wrapper: an exception inside a page's callback is logged with its traceback
on the server and the user sees a short Chinese message in its place, never a traceback."""

from __future__ import annotations

import functools
import logging

from dash import no_update
from dash.exceptions import PreventUpdate

from dashboards import data
from dashboards.components.empty import denied_state, error_state, no_warehouse
from schemas.roles import PermissionDenied
from warehouse.db import WarehouseBusy

log = logging.getLogger("dashboards")


def _lang_in(args, kwargs) -> str | None:
    for value in list(args) + list(kwargs.values()):
        if isinstance(value, dict) and "lang" in value:
            return value.get("lang")
        if isinstance(value, dict) and isinstance(value.get("params"), dict):
            return value["params"].get("lang")
    return None


def guarded(outputs: int = 1, *, fallback: str = "message"):
    """Wrap a callback. fallback="message": the first output becomes a message (others no_update);
    fallback="none": every output is left as it was (for grids, downloads, navigation)."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except PreventUpdate:
                raise
            except Exception as exc:  # noqa: BLE001 — the whole point: nothing escapes to the user
                lang = _lang_in(args, kwargs)
                if isinstance(exc, PermissionDenied):
                    log.warning("refused in %s: %s", fn.__name__, exc)
                    shown = denied_state(lang, exc.text(lang))
                elif isinstance(exc, data.NoWarehouse):
                    shown = no_warehouse(lang)
                elif isinstance(exc, WarehouseBusy):
                    log.warning("warehouse busy in %s: %s", fn.__name__, exc)
                    shown = error_state(lang, busy=True)
                else:
                    log.exception("callback %s failed", fn.__name__)
                    shown = error_state(lang)
                if fallback == "none":
                    return no_update if outputs == 1 else tuple([no_update] * outputs)
                if outputs == 1:
                    return shown
                return (shown, *([no_update] * (outputs - 1)))
        return wrapper
    return deco


def guarded_layout(fn):
    """Wrap a page's layout function: a failure while building the page shows a short Chinese
    message in place of the page (logged with its traceback), never a blank page or a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            from dash import html
            lang = kwargs.get("lang") if kwargs.get("lang") in ("zh", "en") else None
            if isinstance(exc, PermissionDenied):
                shown = denied_state(lang, exc.text(lang))
            elif isinstance(exc, data.NoWarehouse):
                shown = no_warehouse(lang)
            elif isinstance(exc, WarehouseBusy):
                log.warning("warehouse busy while building %s: %s", fn.__module__, exc)
                shown = error_state(lang, busy=True)
            else:
                log.exception("layout of %s failed", fn.__module__)
                shown = error_state(lang)
            return html.Div(html.Main(shown, className="app-main"), className="app-frame")
    return wrapper
