"""Plotly figures with one look: a CJK font family, Chinese-friendly axes, no mode bar, and never a
blank chart (callers show an empty state instead when there is nothing to draw)."""

from __future__ import annotations

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
    return fig


def graph(fig: go.Figure, graph_id: str | None = None, **kwargs) -> dcc.Graph:
    props = {"figure": fig, "config": {"displayModeBar": False, "responsive": True},
             "style": {"width": "100%"}, **kwargs}
    if graph_id:
        props["id"] = graph_id
    return dcc.Graph(**props)
