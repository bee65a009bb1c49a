"""Plotly figures with one look: a CJK font family, Chinese-friendly axes, no mode bar, and never a
blank chart (callers show an empty state instead when there is nothing to draw)."""

from __future__ import annotations

import numbers

import plotly.graph_objects as go
from dash import dcc

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
TIER_COLORS = {"A": "#2f9e44", "B": "#1c7ed6", "C": "#f08c00", "D": "#e03131"}
GRADE_COLORS = {"优秀": "#2f9e44", "良好": "#74b816", "合格": "#f59f00", "不合格": "#e03131", None: "#adb5bd"}
SEVERITY_COLORS = {"特别重大": "#862e9c", "重大": "#e03131", "较大": "#f08c00", "一般": "#fab005"}
COMPONENT_COLORS = {"inspections": "#e8590c", "evaluations": "#1c7ed6", "incidents": "#c92a2a",
                    "qualifications": "#862e9c", "flags": "#5f3dc4", "rectifications": "#f59f00",
                    "exposure": "#868e96"}
PALETTE = ["#1c7ed6", "#e8590c", "#2f9e44", "#862e9c", "#f59f00", "#0ca678", "#c2255c", "#5c7cfa",
           "#66a80f", "#e64980", "#15aabf", "#fd7e14", "#748ffc", "#a9e34b", "#868e96"]


def style(fig: go.Figure, *, height: int = 320, legend: bool = True, percent_y: bool = False) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT, "size": 13, "color": "#343a40"},
        hoverlabel={"font": {"family": FONT}},
        height=height,
        margin={"l": 48, "r": 16, "t": 24, "b": 40},
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        colorway=PALETTE,
        separators=".,",
    )
    # tick labels that rotate on a narrow chart (two-line quarters) get the room they need, not clipped
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    if percent_y:
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    else:
        whole_number_ticks(fig)
    return fig


# Up to this many, a count axis ticks every whole number; above, plotly's own steps are whole already
# (it draws at most ten ticks, so a step under 1 needs a range under 10).
SMALL_COUNT = 10


def whole_number_ticks(fig: go.Figure) -> go.Figure:
    """Count axes (every bar or line on them plots whole numbers) tick at whole numbers only: with small
    counts plotly would tick 0, 0.5, 1, 1.5, 2. A page's own ticks set afterwards still win."""
    for axis, values in _axis_values(fig).items():
        whole = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values)
        if whole and max(values, default=0) <= SMALL_COUNT:
            fig.layout[axis].update(tick0=0, dtick=1)
    return fig


def _axis_values(fig: go.Figure) -> dict[str, list]:
    """The values each value axis plots ('yaxis2': [...]): a vertical bar's or a line's y, a horizontal
    bar's x; stacked bars add up. A bar drawn from a base (a time span) plots no count."""
    axes: dict[str, list] = {}
    stacked: dict[str, dict] = {}
    for trace in fig.data:
        if trace.type not in ("bar", "scatter") or getattr(trace, "base", None) is not None:
            continue
        across = trace.type == "bar" and trace.orientation == "h"
        values, keys = (trace.x, trace.y) if across else (trace.y, trace.x)
        axis = _layout_key(trace.xaxis if across else trace.yaxis, "x" if across else "y")
        kept = [v for v in (values or ()) if v is not None]
        axes.setdefault(axis, []).extend(kept)
        if trace.type == "bar" and fig.layout.barmode in ("stack", "relative"):
            sums = stacked.setdefault(axis, {})
            for key, v in zip(keys or range(len(values or ())), values or ()):
                if isinstance(v, numbers.Integral):
                    sums[key] = sums.get(key, 0) + v
    for axis, sums in stacked.items():
        axes[axis].extend(sums.values())
    return axes


def _layout_key(ref: str | None, letter: str) -> str:
    """'y2' → 'yaxis2', None → 'yaxis'."""
    return f"{letter}axis{(ref or letter)[1:]}"


def graph(fig: go.Figure, graph_id: str | None = None, **kwargs) -> dcc.Graph:
    props = {"figure": fig, "config": {"displayModeBar": False, "responsive": True},
             "style": {"width": "100%"}, **kwargs}
    if graph_id:
        props["id"] = graph_id
    return dcc.Graph(**props)
