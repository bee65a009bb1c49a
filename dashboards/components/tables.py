"""Tables shown on more than one page."""

from __future__ import annotations

import polars as pl
from dash import html

from dashboards import i18n
from dashboards.components.grid import Col, grid, records


def incident_grid(grid_id: str, incidents: pl.DataFrame, lang: str, *, who: str, export_scope: dict | None = None):
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    incidents = incidents.with_columns(
        severity_text=pl.col("severity").map_elements(lambda v: i18n.severity(v, lang), return_dtype=pl.String),
        type_text=pl.col("incident_type").map_elements(lambda v: i18n.incident_type(v, lang), return_dtype=pl.String))
    cols = [Col("incident_code", p("事件编号", "Incident"), width=130),
            Col("occurred_at", p("发生时间", "Occurred"), "date", width=130),
            Col("type_text", p("类型", "Type"), width=130),
            Col("severity_text", p("严重程度", "Severity"), width=100),
            Col("status", p("状态", "Status"), width=90),
            Col(who, p("机关" if who == "organ_name" else "服务机构", "Organ" if who == "organ_name" else "Vendor")),
            Col("description", p("经过", "What happened"), "long", width=260)]
    return grid(grid_id, cols, records(incidents.sort("occurred_at", descending=True)), lang, height=320,
                export=p("事件", "Incidents"), **(export_scope or {}))


def inspection_grid(grid_id: str, inspections: pl.DataFrame, lang: str, *, who: str,
                    export_scope: dict | None = None, height: int = 320):
    """The inspections of a profile (queries.inspections), newest first; `who` is the other party's
    column (organ_name on a vendor's profile, vendor_code on an organ's)."""
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    cols = [Col("inspection_code", p("检查编号", "Inspection"), width=140),
            Col("inspected_on", p("日期", "Date"), "date", width=130),
            Col(who, p("机关" if who == "organ_name" else "服务机构", "Organ" if who == "organ_name" else "Vendor"),
                "link" if who.endswith("_link") else "text"),
            Col("project_code", p("项目", "Project"), width=130),
            Col("inspection_kind", p("方式", "Kind"), width=100 if i18n.norm_lang(lang) == "zh" else 170),  # Unannounced inspection
            Col("inspectors", p("检查人员", "Inspectors")),
            Col("score", p("得分", "Score"), "num", width=80), Col("grade", p("结论", "Grade"), "grade", width=90),
            # a high score graded 不合格: a veto item failed, whatever the score (domain.md §3.4)
            Col("veto_text", p("否决项不符合", "Veto item failed"), width=120 if i18n.norm_lang(lang) == "zh" else 140),
            Col("failed_items", p("不符合", "Failed"), "int", width=80),
            Col("partial_items", p("部分符合", "Partial"), "int", width=90),
            Col("rectification_due_on", p("整改期限", "Rectify by"), "date", width=130)]
    inspections = inspections.with_columns(
        veto_text=pl.when(pl.col("veto_failed")).then(pl.lit(p("是", "Yes"))))
    return grid(grid_id, cols, records(inspections.sort("inspected_on", descending=True)), lang, height=height,
                export=p("检查记录", "Inspections"), **(export_scope or {}))


def fact(label: str, value) -> list:
    """One term and its value in a profile's fact list; a missing value shows as a dash."""
    return [html.Dt(label), html.Dd(value if value not in (None, "") else "—")]
