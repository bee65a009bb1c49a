"""A KPI card: the number, its label, and the change against the previous period."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import html


def kpi_card(label: str, value: str, change: str | None, *, tone: str = "neutral", note: str | None = None,
             card_id: str | None = None) -> dmc.Card:
    """tone: "good" (green), "bad" (red) or "neutral" (grey) for the change line."""
    color = {"good": "teal", "bad": "red"}.get(tone, "dimmed")
    body = [dmc.Text(label, size="sm", c="dimmed"),
            html.Div(value, className="kpi-value", **({"id": f"{card_id}-value"} if card_id else {}))]
    if change:
        body.append(dmc.Text(change, size="xs", c=color))
    if note:
        body.append(dmc.Text(note, size="xs", c="dimmed"))
    props = {"id": card_id} if card_id else {}
    return dmc.Card(dmc.Stack(body, gap=2), withBorder=True, radius="md", padding="sm", className="kpi-card",
                    **props)
