"""导出 Exports: the annual workbook (年度统计工作簿), the printable annual report (年度报告, .docx) and
the auditor snapshot (审计快照, Parquet with a manifest, as a zip) of a chosen year, for the region in
the filter bar. They run in the background (etl.export.jobs): the page shows the progress and offers
the files when they are ready. Every grid on the other pages exports its own rows through
etl.export.grid_export."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import data, i18n, state
from dashboards.components.empty import no_warehouse
from dashboards.components.guard import guarded
from dashboards.components.shell import frame, page_title, section
from etl.export.annual import scope_filters
from etl.export.jobs import KINDS, JobRunner
from schemas.roles import Permission
from warehouse import queries

dash.register_page(__name__, path="/export", name="导出", name_en="Exports", title=page_title("导出"), order=5)

PATH = "/export"
POLL_MS = 800
YEARS_BACK = 6


def export_root() -> Path:
    root = os.environ.get("OVERSIGHT_EXPORT_DIR")
    if root:
        return data.private_dir(Path(root))
    import tempfile
    return data.private_dir(Path(tempfile.gettempdir()) / "oversight-exports")


# One job runner per server process; job states live in the export folder, so any worker answers.
RUNNER = JobRunner(export_root())

KIND_TEXT = {"workbook": ("年度统计工作簿（.xlsx）", "Annual workbook (.xlsx)"),
             "report": ("年度报告（.docx）", "Annual report (.docx)"),
             "snapshot": ("审计快照（Parquet + 清单，.zip）", "Auditor snapshot (Parquet + manifest, .zip)")}


def caveats(lang: str) -> list[str]:
    return [
        i18n.pick(lang, "工作簿含摘要（本年与上年的主要指标、至多三项重点问题）、分地区与分服务类型检查、检查项问题、服务机构风险、"
                        "事件、整改、报送完整性和方法说明；数字全部来自与各页面相同的查询。",
                  "The workbook holds a summary (key figures against the year before, at most three priority issues), "
                  "inspections by region and service type, checklist failures, vendor risk, incidents, rectifications, "
                  "submission completeness and the methodology; every figure comes from the same queries as the pages."),
        i18n.pick(lang, "导出范围为筛选栏所选地区（未选则为整个辖区）；逾期、未完成等状态按今天计算。",
                  "The export covers the region chosen in the filter bar (the whole jurisdiction when none); overdue "
                  "and open statuses count to today."),
        i18n.pick(lang, "审计快照保存年度数字背后的数据行（Parquet）及其行数与哈希，可据此复核每个数字。",
                  "The auditor snapshot keeps the rows behind the year's figures (Parquet) with row counts and hashes, "
                  "so every figure can be checked later."),
        i18n.pick(lang, "各页面表格的“导出”按钮导出当前筛选下看到的行，文件中注明所用筛选条件与数据截至日期。",
                  "The export button of every grid exports the rows shown, with the filters and the data-as-of date "
                  "written in the file."),
    ]


def scope_for(params: dict) -> queries.Filters:
    """The export's scope: the region of the filter bar, statuses as of today, narrowed to the
    signed-in user's region scope (it only narrows: a region outside the scope exports nothing)."""
    region = state.queries_region(params["region"]) if params.get("region") else None
    return scope_filters(region, data.today()).within(data.user().region_scope)


def year_options(today: dt.date) -> list[dict]:
    return [{"value": str(y), "label": f"{y}年"} for y in range(today.year, today.year - YEARS_BACK, -1)]


def layout(**kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    today = data.today()
    default_year = str(today.year - 1)
    kinds = dmc.CheckboxGroup(id="ex-kinds", value=list(KINDS), label=p("导出内容", "What to export"),
                              children=dmc.Group([dmc.Checkbox(label=i18n.pick(lang, *KIND_TEXT[k]), value=k)
                                                  for k in KINDS], mt=4))
    controls = dmc.Stack([
        dmc.Group([
            dmc.Select(id="ex-year", label=p("年度", "Year"), data=year_options(today), value=default_year, w=140,
                       size="xs", allowDeselect=False),
            dmc.Button(p("开始导出", "Start export"), id="ex-start", size="xs"),
        ], align="flex-end", gap="sm"),
        kinds,
        html.Div(id="ex-started"),
        dmc.Progress(id="ex-progress", value=0, size="lg", striped=True, animated=False),
        html.Div(id="ex-status"),
        html.Div(id="ex-files"),
    ], gap="sm")
    content = [
        dcc.Store(id="ex-params", data=params),
        dcc.Store(id="ex-job"),
        dcc.Interval(id="ex-poll", interval=POLL_MS, disabled=True),
        dcc.Download(id="ex-download"),
        dmc.Grid([
            section(p("年度导出", "Annual export"), controls, span=12,
                    note=p("导出在后台进行，可离开本页稍后回来；文件保留一天。",
                           "Exports run in the background; files are kept for a day.")),
        ], gutter="md"),
    ]
    return frame("export", params, PATH, content, title=p("导出", "Exports"), caveats=caveats(lang),
                 show_filters=("region",))


@callback(Output("ex-started", "children"), Output("ex-job", "data"), Output("ex-poll", "disabled"),
          Input("ex-start", "n_clicks"), State("ex-year", "value"), State("ex-kinds", "value"),
          State("ex-params", "data"), prevent_initial_call=True)
@guarded(outputs=3)
def start(n_clicks, year, kinds, params):
    if not n_clicks:
        raise PreventUpdate
    lang = state.lang_of(params)
    if data.version() is None:
        return no_warehouse(lang), dash.no_update, True
    chosen = [k for k in KINDS if k in (kinds or [])]
    if not chosen or not year:
        return dmc.Text(i18n.pick(lang, "请选择年度和至少一项导出内容。", "Choose a year and at least one item."),
                        c="red", size="sm"), dash.no_update, True
    data.require(Permission.EXPORT)
    scope = scope_for(params)
    path = data.warehouse_path()
    who = data.user()
    job_id = RUNNER.submit_annual(lambda: queries.connect(path, read_only=True), int(year), scope, kinds=chosen,
                                  owner=who.username)
    data.audit("export", target=job_id, detail={"kind": "annual", "year": int(year), "items": chosen,
                                                "region": scope.effective_region, "scope": who.region_scope})
    region = (i18n.pick(lang, "全辖区", "whole jurisdiction") if not scope.effective_region
              else f"{data.jurisdiction_name(scope.effective_region)}，{scope.effective_region}" if lang != "en"
              else f"{data.jurisdiction_name(scope.effective_region)}, {scope.effective_region}")
    text = i18n.pick(lang, f"已开始导出 {year} 年（{region}）。", f"Export of {year} ({region}) started.")
    return dmc.Text(text, size="sm", id="ex-started-text"), {"id": job_id, "lang": lang}, False


@callback(Output("ex-status", "children"), Output("ex-progress", "value"), Output("ex-poll", "disabled",
                                                                                  allow_duplicate=True),
          Output("ex-files", "children"),
          Input("ex-poll", "n_intervals"), State("ex-job", "data"), prevent_initial_call=True)
@guarded(outputs=4)
def poll(_n, job):
    if not job:
        raise PreventUpdate
    lang = job.get("lang")
    info = RUNNER.get(job["id"], owner=data.user().username)
    if info is None:
        return dmc.Text(i18n.pick(lang, "找不到该导出任务（可能已过期）。", "The export job was not found (it may have expired)."),
                        c="red", size="sm"), 0, True, None
    share = round(100 * info["progress"])
    if info["status"] == "failed":
        # The reason stays in the server's log: it may name files and folders of the server.
        return dmc.Alert(i18n.pick(lang, "导出失败，错误已记录。请稍后重试，或联系数据管理员。",
                                   "The export failed; the error was logged. Try again later, or ask a data "
                                   "administrator."), color="red", id="ex-failed"), share, True, None
    if info["status"] != "done":
        return dmc.Text(f"{info['message']}（{share}%）", size="sm", id="ex-message"), share, False, None
    buttons = [dmc.Button(i18n.pick(lang, "下载", "Download") + " " + i18n.pick(lang, *KIND_TEXT[k]),
                          id={"type": "ex-get", "kind": k}, size="xs", variant="light")
               for k in KINDS if k in info["files"]]
    done = dmc.Text(i18n.pick(lang, "导出完成。", "Export finished."), size="sm", c="green", id="ex-done")
    return done, 100, True, dmc.Group(buttons, gap="sm")


@callback(Output("ex-download", "data"), Input({"type": "ex-get", "kind": ALL}, "n_clicks"), State("ex-job", "data"),
          prevent_initial_call=True)
@guarded(fallback="none")
def download(clicks, job):
    trigger = ctx.triggered_id
    if not job or not isinstance(trigger, dict) or not any(clicks or []):
        raise PreventUpdate
    path = RUNNER.file(job["id"], trigger["kind"], owner=data.user().username)
    if path is None:
        raise PreventUpdate
    return dcc.send_file(str(path), filename=path.name)
