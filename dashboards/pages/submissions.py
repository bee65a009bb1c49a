"""数据报送 Submissions desk: upload files in the browser, see what the checks found (counts per
file and every row error), download the error report an organ corrects its file from, and confirm
to load; the load history, rejected rows, and the completeness matrix (organs × quarters).

An upload is checked with the loader itself (etl.pipeline.run(write=False)); confirming runs the
same load with write=True, which waits for any other writer and swaps the warehouse file in when it
commits. Browsing meanwhile keeps reading the previous file, and the next request sees the new one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import os
import re
import shutil
import time
import uuid
from dataclasses import replace
from pathlib import Path

import dash
import dash_mantine_components as dmc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import data, i18n, state
from dashboards.components import figures
from dashboards.components.empty import empty_state, not_available
from dashboards.components.grid import Col, grid, records
from dashboards.components.guard import guarded, guarded_layout
from dashboards.components.shell import frame, loading, page_title, section
from etl import read
from etl.read import content_matches
from schemas.kinds import BY_NAME
from schemas.roles import Permission
from schemas.rules import STATUS_ZH, rule_name
from warehouse import queries

dash.register_page(__name__, path="/submissions", name="数据报送", title=page_title("数据报送"), order=3)

PATH = "/submissions"
SUFFIXES = (".xlsx", ".xls", ".csv")
STATUS_EN = {"loaded": "loaded", "validated": "checked (not loaded)", "rejected": "rejected whole",
             "already_loaded": "already loaded (same content)"}
TOKEN = re.compile(r"^[0-9a-f]{32}$")
MAX_ISSUES_SHOWN = 2000
log = logging.getLogger("dashboards")


def caveats(lang: str) -> list[str]:
    return [
        i18n.pick(lang, "上传后先校验、不写入；确认后才装载。一次装载是一个事务：要么全部写入，要么不写入。",
                  "An upload is checked first and nothing is written; only the confirmation loads. A load is one "
                  "transaction: all of it is written, or nothing."),
        i18n.pick(lang, "被退回的行不会装载，其余合格行照常装载；整体退回的文件（无法读取、缺少必填列等）什么也不装载。",
                  "Rejected rows are not loaded and the good rows still are; a file rejected whole (unreadable, a "
                  "required column missing …) loads nothing."),
        i18n.pick(lang, "内容完全相同的文件只装载一次，再次上传显示“已装载过”。",
                  "A file with exactly the same content loads once; uploading it again says \"already loaded\"."),
        i18n.pick(lang, "报送完整性：每个在办项目每季度应报一份服务评价，季度结束后15日内为按时。",
                  "Completeness: one evaluation per active project and quarter, due 15 days after the quarter ends."),
        i18n.pick(lang, f"单次上传不超过 {data.MAX_UPLOAD_BYTES // (1024 * 1024)} MB（工作簿解压后合计不超过 "
                        f"{data.MAX_UNPACKED_BYTES // (1024 * 1024)} MB），支持 .xlsx、.xls、.csv。",
                  f"Up to {data.MAX_UPLOAD_BYTES // (1024 * 1024)} MB per upload ({data.MAX_UNPACKED_BYTES // (1024 * 1024)} "
                  "MB unpacked); .xlsx, .xls and .csv."),
    ]


@guarded_layout
def layout(**kwargs):
    params = state.clean(kwargs)
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    upload = dcc.Upload(
        id="sub-upload", multiple=True, accept=",".join(SUFFIXES), max_size=data.MAX_UPLOAD_BYTES,
        className="upload-box",
        children=html.Div([
            dmc.Text(p("把报送文件拖到这里，或点击选择文件", "Drop submission files here, or click to choose"), fw=600),
            dmc.Text(p("支持 .xlsx、.xls、.csv，可一次选择多个文件（合计不超过 50 MB）；先校验，确认后才装载。",
                       ".xlsx, .xls and .csv, several at once (50 MB in all); checked first, loaded only when you confirm."),
                     size="xs", c="dimmed"),
        ]))
    actions = dmc.Group([
        dmc.Button(p("下载问题报告", "Download the error report"), id="sub-report", disabled=True, variant="light",
                   size="sm"),
        dmc.Button(p("确认装载", "Confirm and load"), id="sub-confirm", disabled=True, size="sm", color="blue"),
        dmc.Button(p("下载空白报送模板", "Download the blank template"), id="sub-template", variant="subtle", size="sm"),
    ], gap="sm")
    if may_load():
        desk = dmc.Stack([upload, actions, dcc.Loading(html.Div(id="sub-check"), type="dot"),
                          dcc.Loading(html.Div(id="sub-load"), type="dot")], gap="sm")
    else:   # the same ids, so the page's callbacks stay wired; no upload control
        desk = dmc.Stack([
            dmc.Alert(p("上传和装载数据须由权限范围覆盖全辖区的数据管理员进行；您可以查看装载记录、被退回的行和报送完整性，"
                        "并下载空白报送模板。",
                        "Uploading and loading data is for data administrators whose scope covers the whole "
                        "jurisdiction; you can read the load history, rejected rows and completeness, and download "
                        "the blank template."), color="gray", id="sub-no-load"),
            dmc.Button(p("下载空白报送模板", "Download the blank template"), id="sub-template", variant="subtle",
                       size="sm", w="fit-content"),
            html.Div(id="sub-check"), html.Div(id="sub-load")], gap="sm")
    content = [
        dcc.Store(id="sub-params", data=params),
        dcc.Store(id="sub-token", data=None),
        dcc.Store(id="sub-loaded", data=None),
        dcc.Download(id="sub-report-dl"), dcc.Download(id="sub-template-dl"), dcc.Download(id="sub-rejected-dl"),
        dmc.Grid([
            section(p("上传报送文件", "Upload submission files"), desk, span=12),
            # Full rows: both grids have many fixed-width columns and a long text column (说明) that
            # must stay readable; side by side they squeezed it to a character's width.
            section(p("装载记录", "Load history"), loading("sub-history"), span=12),
            section(p("被退回的行", "Rejected rows"), loading("sub-rejected"), span=12),
            section(p("报送完整性（机关 × 季度）", "Completeness (organs × quarters)"), loading("sub-matrix"), span=12),
        ], gutter="md"),
    ]
    return frame("submissions", params, PATH, content, title=i18n.t("nav.submissions", lang), caveats=caveats(lang),
                 show_filters=("period", "region"))


# -- upload, check, load -----------------------------------------------------------------------------

def may_load() -> bool:
    return data.can(Permission.LOAD) and data.covers_jurisdiction()


def _require_load() -> None:
    data.require(Permission.LOAD, whole_jurisdiction=True)

def _token_dir(token: str) -> Path:
    """The folder of an upload of the signed-in user (another user's token is "not found")."""
    if not token or not TOKEN.match(token):
        raise ValueError("bad upload token")
    folder = data.upload_root() / token
    try:
        owner = (folder / "owner").read_text(encoding="utf-8")
    except OSError:
        raise ValueError("no such upload") from None
    if owner != data.user().username:
        raise ValueError("no such upload")
    return folder


def _clean_old_uploads(max_age_s: float = 24 * 3600) -> None:
    root = data.upload_root()
    if not root.exists():
        return
    now = time.time()
    for child in root.iterdir():
        try:
            if child.is_dir() and TOKEN.match(child.name) and now - child.stat().st_mtime > max_age_s:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            pass


def _safe_name(name: str, taken: set[str]) -> str:
    base = Path(str(name).replace("\\", "/")).name.strip() or "upload"
    base = re.sub(r"[\x00-\x1f]", "", base)[:120]
    candidate, i = base, 1
    while candidate in taken:
        stem, suffix = os.path.splitext(base)
        candidate = f"{stem}({i}){suffix}"
        i += 1
    taken.add(candidate)
    return candidate


def save_upload(contents: list[str], filenames: list[str]) -> tuple[str, list[str], list[str]]:
    """Write the uploaded files to a fresh folder; returns (token, saved names, refused messages)."""
    _clean_old_uploads()
    token = uuid.uuid4().hex
    folder = data.upload_root() / token / "files"
    folder.mkdir(parents=True, exist_ok=True)
    (folder.parent / "owner").write_text(data.user().username, encoding="utf-8")
    saved, refused, taken, total, unpacked = [], [], set(), 0, 0
    for content, name in zip(contents or [], filenames or []):
        suffix = os.path.splitext(str(name))[1].lower()
        if suffix not in SUFFIXES:
            refused.append(f"{name}：不支持的文件类型（只接受 .xlsx、.xls、.csv）")
            continue
        try:
            payload = base64.b64decode(content.split(",", 1)[1], validate=False)
        except (IndexError, binascii.Error, AttributeError):
            refused.append(f"{name}：文件内容无法读取")
            continue
        if not content_matches(suffix, payload[:4096]):
            refused.append(f"{name}：文件内容与扩展名 {suffix} 不符，不是有效的 Excel 或 CSV 文件")
            continue
        total += len(payload)
        if total > data.MAX_UPLOAD_BYTES:
            refused.append(f"{name}：超过单次上传上限 {data.MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
            continue
        size = len(payload) if suffix == ".csv" else read.unpacked_size(payload, data.MAX_UNPACKED_BYTES - unpacked)
        if size is None:
            refused.append(f"{name}：解压后超过 {data.MAX_UNPACKED_BYTES // (1024 * 1024)} MB 或无法解压，"
                           "不是正常的报送工作簿；请只保留报送表后重新保存")
            continue
        unpacked += size
        safe = _safe_name(name, taken)
        (folder / safe).write_bytes(payload)
        saved.append(safe)
    return token, saved, refused


def _settings(jurisdiction: str | None):
    from etl import pipeline
    return pipeline.Settings(data.warehouse_path(), jurisdiction, data.today(), user=data.user().username)


def check_upload(token: str) -> dict:
    """Check the uploaded files without writing; keep the result beside them for the next steps."""
    from etl import pipeline
    folder = _token_dir(token)
    jurisdiction = data.jurisdiction() or os.environ.get("OVERSIGHT_JURISDICTION")
    result = pipeline.run([folder / "files"], _settings(jurisdiction), write=False)
    result.issues.write_parquet(folder / "issues.parquet")
    summary = result.summary()
    (folder / "result.json").write_text(json.dumps(summary, ensure_ascii=False, default=str), encoding="utf-8")
    return {"summary": summary, "issues": result.issues, "jurisdiction": jurisdiction}


def load_upload(token: str) -> dict:
    from etl import pipeline
    folder = _token_dir(token)
    jurisdiction = data.jurisdiction() or os.environ.get("OVERSIGHT_JURISDICTION")
    if not jurisdiction:
        raise RuntimeError("no jurisdiction")
    result = pipeline.run([folder / "files"], _settings(jurisdiction), write=True)
    summary = result.summary()
    data.audit("load", target="、".join(sorted(p.name for p in (folder / "files").iterdir())),
               detail={"load_id": result.load_id, "rows_read": summary["rows_read"],
                       "rows_loaded": summary["rows_loaded"], "rows_rejected": summary["rows_rejected"],
                       "rows_duplicate": summary.get("rows_duplicate", 0), "source": "upload"})
    return {"summary": summary, "load_id": result.load_id, "issues": result.issues}


def _files_grid(grid_id: str, summary: dict, lang: str):
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    rows = []
    for f in summary["files"]:
        kind = BY_NAME[f["kind"]].zh if f.get("kind") in BY_NAME else (f.get("kind") or "—")
        status = (STATUS_EN if lang == "en" else STATUS_ZH).get(f["status"], f["status"])
        rows.append({"file": Path(f["path"]).name, "sheet": f.get("sheet") or "", "kind": kind,
                     "rows_read": f["rows_read"], "rows_loaded": f["rows_loaded"], "rows_rejected": f["rows_rejected"],
                     "rows_duplicate": f.get("rows_duplicate", 0), "rows_warned": f.get("rows_warned", 0),
                     "status": status,
                     "message": " ".join(t for t in (rule_name(f.get("rule"), lang), f.get("message")) if t)})
    cols = [Col("file", p("文件", "File"), width=220), Col("sheet", p("工作表", "Sheet"), width=120),
            Col("kind", p("类型", "Kind"), width=110), Col("rows_read", p("读取行", "Read"), "int", width=90),
            Col("rows_loaded", p("合格行", "Good"), "int", width=90),
            Col("rows_rejected", p("退回行", "Rejected"), "int", width=90),
            # read = good + rejected + duplicates (an exact copy of a row above, loaded once)
            Col("rows_duplicate", p("重复行", "Duplicates"), "int", width=90),
            Col("rows_warned", p("警告行", "Warned"), "int", width=90), Col("status", p("状态", "Status"), width=150),
            Col("message", p("说明", "Message"), "long")]
    title = p("已装载的文件", "Loaded files") if grid_id == "sub-loaded-grid" else p("上传文件检查结果", "Upload check")
    return grid(grid_id, cols, rows, lang, height=None, export=title, export_skip=state.GLOBAL_KEYS)


# px: the 说明 column wraps a sentence per line or two, never a character per line (the grid scrolls
# sideways rather than squeezing it)
MESSAGE_MIN_WIDTH = 300
# px: a rule's name and code on one line (同批次重复记录 · ROW_DUPLICATE_KEY); a longer one (in English) wraps
RULE_WIDTH = 270


def _issues_grid(issues: pl.DataFrame, lang: str):
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    shown = issues.sort(pl.col("severity") != "error", "source_file", "sheet", "source_row").head(MAX_ISSUES_SHOWN)
    shown = shown.with_columns(
        file=pl.col("source_file").map_elements(lambda s: Path(s).name, return_dtype=pl.String),
        severity_text=pl.when(pl.col("severity") == "error").then(pl.lit(p("错误（退回）", "error (rejected)")))
        .otherwise(pl.lit(p("警告", "warning"))),
        rule=pl.col("rule").map_elements(lambda r: rule_name(r, lang), return_dtype=pl.String))
    cols = [Col("file", p("文件", "File"), width=200), Col("sheet", p("工作表", "Sheet"), width=110),
            Col("source_row", p("行号", "Row"), "int", width=80), Col("column_zh", p("列", "Column"), width=130),
            Col("value", p("填写值", "Value"), width=140), Col("rule", p("规则", "Rule"), "long", width=RULE_WIDTH),
            Col("severity_text", p("性质", "Severity"), width=110),
            Col("message", p("说明", "Message (Chinese, as sent to the organ)"), "long")]
    parts = [grid("sub-issues-grid", cols, records(shown.drop("row_values", strict=False)), lang, height=420, page_size=50,
                  export=p("行级问题", "Row problems"), export_skip=state.GLOBAL_KEYS)]
    if issues.height > MAX_ISSUES_SHOWN:
        parts.append(dmc.Text(p(f"共 {issues.height} 条问题，此处显示前 {MAX_ISSUES_SHOWN} 条；完整清单请下载问题报告。",
                                f"{issues.height} problems; the first {MAX_ISSUES_SHOWN} are shown, download the report "
                                f"for all."), size="xs", c="dimmed"))
    return parts


@callback(Output("sub-check", "children"), Output("sub-token", "data"), Output("sub-confirm", "disabled"),
          Output("sub-report", "disabled"), Output("sub-load", "children"),
          Input("sub-upload", "contents"), State("sub-upload", "filename"), State("sub-params", "data"),
          prevent_initial_call=True, running=[(Output("sub-upload", "disabled"), True, False)])
@guarded(outputs=5)
def on_upload(contents, filenames, params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    if not contents:
        raise PreventUpdate
    _require_load()
    if isinstance(contents, str):
        contents, filenames = [contents], [filenames]
    token, saved, refused = save_upload(contents, filenames)
    notes = [dmc.Alert("\n".join(refused), color="red", title=p("未接收的文件", "Files not accepted"),
                       style={"whiteSpace": "pre-line"})] if refused else []
    if not saved:
        return notes or [empty_state(lang, p("没有可校验的文件。", "No file to check."))], None, True, True, None
    checked = check_upload(token)
    summary, issues = checked["summary"], checked["issues"]
    errors = int((issues["severity"] == "error").sum()) if issues.height else 0
    loadable = summary["rows_loaded"] > 0
    copies = summary.get("rows_duplicate", 0)
    head = dmc.Alert(
        p(f"读取 {summary['rows_read']} 行：合格 {summary['rows_loaded']} 行，退回 {summary['rows_rejected']} 行，"
          + (f"重复 {copies} 行（与前面某行完全相同，只装载一次），" if copies else "")
          + f"共 {errors} 个错误、{issues.height - errors} 个警告。"
          + ("确认后装载合格行；退回的行请按问题报告修改后重新报送。" if loadable else "没有可装载的行。"),
          f"Read {summary['rows_read']} rows: {summary['rows_loaded']} good, {summary['rows_rejected']} rejected"
          + (f", {copies} exact copies of a row above (loaded once)" if copies else "")
          + f"; {errors} errors and {issues.height - errors} warnings. "
          + ("Confirm to load the good rows; fix the rejected ones from the error report and resend." if loadable
             else "Nothing can be loaded.")),
        title=p("校验结果", "Check result"), color="green" if not summary["rows_rejected"] and loadable else "orange",
        id="sub-check-summary")
    if not checked["jurisdiction"]:
        notes.append(dmc.Alert(p("仓库还没有辖区：首次装载请在命令行用 oversight load --jurisdiction 指定辖区。",
                                 "The warehouse has no jurisdiction yet: make the first load with "
                                 "`oversight load --jurisdiction`."), color="red"))
        loadable = False
    parts = [*notes, head, dmc.Text(p("各文件", "Per file"), fw=600, size="sm"), _files_grid("sub-files-grid", summary, lang)]
    if issues.height:
        parts += [dmc.Text(p("行级问题", "Row problems"), fw=600, size="sm"), *_issues_grid(issues, lang)]
    return parts, {"token": token}, not loadable, not issues.height, None


@callback(Output("sub-load", "children", allow_duplicate=True), Output("sub-confirm", "disabled", allow_duplicate=True),
          Output("sub-loaded", "data"),
          Input("sub-confirm", "n_clicks"), State("sub-token", "data"), State("sub-params", "data"),
          prevent_initial_call=True, running=[(Output("sub-confirm", "loading"), True, False)])
@guarded(outputs=3)
def on_confirm(n_clicks, token, params):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    if not n_clicks or not token:
        raise PreventUpdate
    _require_load()
    loaded = load_upload(token["token"])
    summary = loaded["summary"]
    shutil.rmtree(_token_dir(token["token"]), ignore_errors=True)
    statuses = {f["status"] for f in summary["files"]}
    if statuses == {"already_loaded"}:
        text = p("这些文件此前已装载过（内容相同），本次没有写入。", "These files were loaded before (same content); nothing was written.")
        color = "yellow"
    else:
        text = p(f"已装载 {summary['rows_loaded']} 行，退回 {summary['rows_rejected']} 行（第 {loaded['load_id']} 次装载）。"
                 "各页面已显示新数据。",
                 f"Loaded {summary['rows_loaded']} rows, rejected {summary['rows_rejected']} (load #{loaded['load_id']}). "
                 "Every page now shows the new data.")
        color = "green"
    body = [dmc.Alert(text, title=p("装载完成", "Load committed"), color=color, id="sub-load-summary"),
            _files_grid("sub-loaded-grid", summary, lang),
            dcc.Link(p("查看总览", "Go to the overview"), href=state.href("/", params))]
    return body, True, loaded["load_id"]


@callback(Output("sub-report-dl", "data"), Input("sub-report", "n_clicks"), State("sub-token", "data"),
          prevent_initial_call=True)
@guarded(fallback="none")
def on_report(n_clicks, token):
    from etl.report import write_error_report
    if not n_clicks or not token:
        raise PreventUpdate
    _require_load()
    folder = _token_dir(token["token"])
    issues = pl.read_parquet(folder / "issues.parquet")
    summary = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    path = write_error_report(issues, folder / "问题报告.xlsx", files=summary["files"])
    return dcc.send_file(str(path), filename=f"问题报告_{data.today().isoformat()}.xlsx")


@callback(Output("sub-template-dl", "data"), Input("sub-template", "n_clicks"), prevent_initial_call=True)
@guarded(fallback="none")
def on_template(n_clicks):
    from etl.template import template_bytes
    if not n_clicks:
        raise PreventUpdate
    return dcc.send_bytes(template_bytes(), "报送模板.xlsx")


# -- history, rejected rows, completeness ----------------------------------------------------------

@callback(Output("sub-history", "children"), Input("sub-params", "data"), Input("sub-loaded", "data"))
@guarded()
def history_panel(params, _loaded):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    history = data.q_optional("load_history")
    if history is not None and history.height:
        cols = [Col("load_id", p("装载", "Load"), "int", width=80),
                Col("loaded_at", p("装载时间", "Loaded at"), "datetime", width=170),
                Col("source_file", p("文件", "File"), width=200), Col("sheet", p("工作表", "Sheet"), width=120),
                Col("rows_read", p("读入行", "Read"), "int", width=90),
                Col("rows_loaded", p("装载行", "Loaded"), "int", width=90),
                Col("rows_rejected", p("退回行", "Rejected"), "int", width=90),
                Col("rows_warned", p("警告行", "Warned"), "int", width=90),
                Col("status", p("状态", "Status"), width=100),
                Col("message", p("说明", "Message"), "long", min_width=MESSAGE_MIN_WIDTH)]
        history = history.with_columns(pl.col("status").replace(STATUS_EN if lang == "en" else STATUS_ZH))
        return grid("sub-history-grid", cols, records(history), lang, height=300,
                    export=p("装载记录", "Load history"), export_skip=state.GLOBAL_KEYS)
    kinds = data.q("data_as_of", state.filters({}, data.today()), by="kind")
    if not kinds.height or kinds["last_load_id"].is_null().all():
        return empty_state(lang, p("还没有装载过数据。上传文件并确认装载后，这里会列出记录。",
                                   "Nothing loaded yet. Upload files and confirm; the loads will be listed here."))
    kinds = kinds.with_columns(kind_zh=pl.col("kind").map_elements(
        lambda k: (BY_NAME[k].zh if lang == "zh" else k) if k in BY_NAME else k, return_dtype=pl.String))
    cols = [Col("kind_zh", p("数据类型", "Kind"), width=120),
            Col("last_loaded_at", p("最近装载", "Last loaded"), "datetime", width=170),
            Col("last_load_id", p("装载序号", "Load #"), "int", width=90),
            Col("rows_in_last_load", p("该次装载行数", "Rows in that load"), "int"),
            Col("loads", p("装载次数", "Loads"), "int", width=90),
            Col("rows_current", p("现有行数", "Rows now"), "int")]
    note = p("按数据类型列出最近一次装载及现有行数。", "The last load of each kind and the rows held now.")
    if not data.covers_jurisdiction():   # queries.for_user gives the load log only to a jurisdiction-wide scope
        note += p("逐次装载的文件清单只向权限范围覆盖全辖区的账户显示：一个文件可能含有您权限范围以外机关的数据。",
                  " The file-by-file load history is shown only to accounts whose scope covers the whole "
                  "jurisdiction: a file may hold rows of organs outside your scope.")
    return dmc.Stack([grid("sub-history-grid", cols, records(kinds), lang, height=None,
                           export=p("装载记录", "Load history"), export_skip=state.GLOBAL_KEYS),
                      dmc.Text(note, size="xs", c="dimmed", id="sub-history-note")],
                     gap=4)


@callback(Output("sub-rejected", "children"), Input("sub-params", "data"), Input("sub-loaded", "data"))
@guarded()
def rejected_panel(params, _loaded):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    rejected = data.q_optional("rejected_rows", state.filters(params, data.today()))
    if rejected is None:
        return dmc.Stack([
            dmc.Text(p("上传时被退回的行显示在上方的校验结果中，可下载问题报告交报送单位修改。",
                       "Rows rejected at upload are listed in the check result above; download the error report for "
                       "the organ to correct."), size="sm"),
            not_available(lang, p("历次装载中被退回的行（按机关查询和下载问题报告）",
                                  "Rows rejected by past loads (by organ, with its error report)"))], gap=4)
    if not rejected.height:
        return empty_state(lang, p("没有被退回的行。", "No rejected row."))
    cols = [Col("load_id", p("装载", "Load"), "int", width=80),
            Col("source_file", p("文件", "File"), width=200), Col("source_row", p("行号", "Row"), "int", width=80),
            Col("column_zh", p("列", "Column"), width=120),
            Col("rule", p("规则", "Rule"), "long", width=RULE_WIDTH),
            Col("message", p("说明", "Message (Chinese, as sent to the organ)"), "long",
                min_width=MESSAGE_MIN_WIDTH)]
    shown = rejected.drop("row_values", "organ_codes", strict=False).head(2000).with_columns(
        rule=pl.col("rule").map_elements(lambda r: rule_name(r, lang), return_dtype=pl.String))
    parts = [grid("sub-rejected-grid", cols, records(shown), lang, height=360, page_size=50,
                  export=p("被退回的行", "Rejected rows"))]
    organs = sorted({c for codes in rejected["organ_codes"].to_list() for c in (codes or [])})
    if organs:
        names = data.q("organ_directory", queries.Filters(today=data.today()))
        names = dict(zip(names["organ_code"].to_list(), names["organ_name"].to_list()))
        options = [{"value": c, "label": f"{names.get(c) or c}（{c}）"} for c in organs]
        parts.insert(0, dmc.Group([
            dmc.Select(id="sub-rejected-organ", data=options, searchable=True, size="sm", w=340,
                       placeholder=p("选择机关", "Choose an organ")),
            dmc.Button(p("下载该机关的问题报告", "Download the organ's error report"), id="sub-rejected-report",
                       variant="light", size="sm"),
        ], gap="sm"))
    return dmc.Stack(parts, gap=6)


@callback(Output("sub-rejected-dl", "data"), Input("sub-rejected-report", "n_clicks"),
          State("sub-rejected-organ", "value"), State("sub-params", "data"), prevent_initial_call=True)
@guarded(fallback="none")
def on_rejected_report(n_clicks, organ_code, params):
    """The error report of one organ's rows rejected by past loads (in the filters' scope)."""
    import tempfile

    from etl.report import write_error_report
    if not n_clicks or not organ_code:
        raise PreventUpdate
    issues = data.q("rejected_rows", state.filters(params or {}, data.today()), organ_code=organ_code)
    if not issues.height:
        raise PreventUpdate
    from dashboards.components.export_button import checked_export
    checked_export(f"问题报告_{organ_code}", issues.height, params or {})
    with tempfile.TemporaryDirectory(prefix="rejected-") as folder:
        content = write_error_report(issues, Path(folder) / "问题报告.xlsx").read_bytes()
    return dcc.send_bytes(content, f"问题报告_{organ_code}_{data.today().isoformat()}.xlsx")


MATRIX_ORGANS = 40
MATRIX_QUARTERS = 8
CELL_STATUS = {0: ("无需报送", "nothing due", "#e9ecef"), 1: ("按时", "on time", "#2f9e44"),
               2: ("迟报", "late", "#fab005"), 3: ("部分缺报", "partly missing", "#f76707"),
               4: ("未报", "none received", "#e03131")}


@callback(Output("sub-matrix", "children"), Input("sub-params", "data"), Input("sub-loaded", "data"))
@guarded()
def matrix_panel(params, _loaded):
    lang = state.lang_of(params)
    p = lambda zh, en: i18n.pick(lang, zh, en)  # noqa: E731
    f = state.filters(params, data.today())
    if f.period is None:  # the last MATRIX_QUARTERS completed quarters
        end = queries.quarter_start(data.today()) - dt.timedelta(days=1)
        f = replace(f, period=(queries.add_months(queries.quarter_start(end), -3 * (MATRIX_QUARTERS - 1)), end))
    cells = data.q("submission_matrix", f, organs=MATRIX_ORGANS)  # quarters whose submissions are due by now
    if not cells.height:
        return empty_state(lang, p("所选范围内没有应报的服务评价。", "No evaluation was due in this scope."))
    quarters = cells.select("quarter", "quarter_start").unique().sort("quarter_start")["quarter"].to_list()
    top = cells.select("organ_code", "organ_name", "rank").unique().sort("rank")
    lookup = {(r["organ_code"], r["quarter"]): r for r in cells.iter_rows(named=True)}
    z, hover = [], []
    for org in top.iter_rows(named=True):
        zr, hr = [], []
        for q_ in quarters:
            r = lookup[(org["organ_code"], q_)]
            cell = r["cell"]
            zr.append(cell)
            zh, en, _ = CELL_STATUS[cell]
            detail = (p(f"应报 {r['expected']}，已报 {r['received']}，缺报 {r['missing']}，迟报 {r['late']}",
                        f"due {r['expected']}, received {r['received']}, missing {r['missing']}, late {r['late']}")
                      if r["expected"] is not None else "")
            hr.append(f"{org['organ_name']}<br>{i18n.fmt_period(q_, lang)}<br>{en if lang == 'en' else zh} {detail}")
        z.append(zr)
        hover.append(hr)
    scale = []
    for k in range(5):
        color = CELL_STATUS[k][2]
        scale += [[k / 5, color], [(k + 1) / 5, color]]
    names = [n if len(n) <= 14 else n[:13] + "…" for n in top["organ_name"].fill_null("").to_list()]
    fig = go.Figure(go.Heatmap(z=z, x=[i18n.fmt_period(q_, lang, compact=True) for q_ in quarters], y=names,
                               zmin=-0.5, zmax=4.5, colorscale=scale, showscale=False, text=hover,
                               hoverinfo="text", xgap=2, ygap=2))
    figures.style(fig, height=max(240, 22 * len(names) + 100), legend=False)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin={"l": 200})
    legend = html.Div([html.Span([html.I(style={"background": c}), en if lang == "en" else zh])
                       for zh, en, c in CELL_STATUS.values()], className="legend-row matrix-legend")
    totals = cells.row(0, named=True)
    organs, missing, late, silent_last = (i18n.fmt_int(totals[c], lang) for c in
                                          ("organs", "missing_total", "late_total", "silent_in_last_quarter"))
    summary = dmc.Text(p(f"共 {organs} 个机关有应报服务评价；{missing} 份缺报、"
                         f"{late} 份迟报；{i18n.fmt_period(quarters[-1], lang)} 有 {silent_last} 个机关未报送任何评价。"
                         f"下图为缺报最多的 {top.height} 个机关。",
                         f"{organs} organs owed evaluations; {missing} missing, "
                         f"{late} late; {silent_last} organs sent nothing for "
                         f"{i18n.fmt_period(quarters[-1], lang)}. The chart shows the {top.height} organs with most missing."),
                       size="sm", id="sub-matrix-summary")
    return dmc.Stack([summary, legend, figures.graph(fig, "sub-matrix-graph")], gap=4)
