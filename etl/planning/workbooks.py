"""The plan's two workbooks: the plan workbook for inspectors (visits, teams, windows, why each
organ was drawn, unstaffed visits, workload, the draw log) and the 公示 list for publication (organ,
check items, method, planned month, later the result; no inspector names, no personal data, no risk
tier and no reason: the tier is an internal signal, 不公开).

Both read the plan through warehouse/planning.py and write with xlsxwriter: Chinese headers, the
header row frozen, column widths set, every text that came from a submission neutralised against
formula injection (etl/excel_safety.py). `target` is a path or a binary buffer (the page's
download).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any, Callable

import polars as pl
import xlsxwriter

from etl.excel_safety import SAFE_WORKBOOK_OPTIONS, write_user_text
from etl.export.labels import date_text, period_text
from etl.planning import config as planning_config
from etl.planning.draw import REASON_ZH, SELECTION_ZH, TIER_ZH
from warehouse import planning

Target = str | Path | io.BytesIO
STATUS_ZH = {"staffed": "已派员", "unstaffed": "未能派员"}
UNSTAFFED_ZH = {"TOO_FEW_INSPECTORS": "在岗人员不足", "ALL_RECUSED": "回避后人员不足", "CAPACITY": "任务已满"}
ACHIEVED_ZH = {"achieved": "已检查", "missed": "未检查", "behind": "待检查", "pending": "待检查"}


def file_names(plan: dict[str, Any]) -> tuple[str, str]:
    label = plan["period"].replace("~", "至")
    return f"检查计划_{label}_第{plan['plan_id']}号.xlsx", f"抽查公示名单_{label}_第{plan['plan_id']}号.xlsx"


def _open(target: Target) -> xlsxwriter.Workbook:
    options = dict(SAFE_WORKBOOK_OPTIONS)
    if isinstance(target, io.BytesIO):
        return xlsxwriter.Workbook(target, {**options, "in_memory": True})
    return xlsxwriter.Workbook(str(target), options)


class _Sheet:
    """A sheet with a frozen header row; each column is (header, width, kind) where kind is text
    (user text, neutralised), date, int, float or plain (our own text)."""

    def __init__(self, wb: xlsxwriter.Workbook, name: str, columns: list[tuple[str, int, str]], *,
                 title: str | None = None):
        self.wb, self.ws, self.columns = wb, wb.add_worksheet(name), columns
        self.head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                   "valign": "vcenter"})
        self.date = wb.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.num = wb.add_format({"valign": "top"})
        self.row = 0
        if title:
            self.ws.merge_range(0, 0, 0, max(len(columns) - 1, 1), title,
                                wb.add_format({"bold": True, "font_size": 14, "align": "center"}))
            self.row = 1
        for c, (header, width, _kind) in enumerate(columns):
            self.ws.write_string(self.row, c, header, self.head)
            self.ws.set_column(c, c, width)
        self.ws.freeze_panes(self.row + 1, 0)
        self.header_row = self.row
        self.row += 1

    def add(self, values: list[Any]) -> None:
        for c, ((_h, _w, kind), value) in enumerate(zip(self.columns, values)):
            if value is None or value == "":
                continue
            if kind == "date":
                self.ws.write_datetime(self.row, c, dt.datetime.combine(value, dt.time()), self.date)
            elif kind in ("int", "float"):
                self.ws.write_number(self.row, c, value, self.num)
            else:  # text: from submissions or our own wording, always as a neutralised string
                write_user_text(self.ws, self.row, c, value, self.wrap)
        self.row += 1

    def finish(self) -> None:
        if self.row > self.header_row + 1:
            self.ws.autofilter(self.header_row, 0, self.row - 1, len(self.columns) - 1)


def _join(values: list[str] | None, sep: str = "、") -> str:
    return sep.join(values or [])


def _write(target: Target, build: Callable[[xlsxwriter.Workbook], None]) -> None:
    wb = _open(target)
    try:
        build(wb)
    finally:
        wb.close()


def write_plan_workbook(con, plan_id: int, target: Target) -> None:
    """The plan workbook for inspectors: 检查任务, 未能派员, 检查人员任务, 抽取说明."""
    plan = planning.plan(con, plan_id)
    if plan is None:
        raise KeyError(f"no such plan: {plan_id}")
    visits = planning.plan_visits(con, plan_id)
    unstaffed = planning.plan_unstaffed(con, plan_id)
    team = planning.plan_team(con, plan_id)
    workload = planning.plan_workload(con, plan_id)
    strata = planning.plan_strata(con, plan_id)

    def build(wb):
        s = _Sheet(wb, "检查任务", [
            ("序号", 6, "int"), ("被检查机关", 28, "text"), ("统一社会信用代码", 21, "text"), ("所在地区", 12, "text"),
            ("区划代码", 9, "text"), ("风险等级", 9, "plain"), ("抽取方式", 11, "plain"), ("抽取原因", 50, "text"),
            ("应检日期", 11, "date"), ("建议检查开始", 12, "date"), ("建议检查截止", 12, "date"),
            ("检查人员", 16, "text"), ("执法证号", 30, "text"), ("在办外包项目", 22, "text"),
            ("服务类型", 24, "text"), ("所需专长", 12, "text"), ("专长匹配", 9, "plain"), ("派员状态", 10, "plain"),
            ("说明", 50, "text")])
        for v in visits.iter_rows(named=True):
            covered = {True: "是", False: "否"}.get(v["expertise_covered"], "")
            s.add([v["visit_no"], v["organ_name"], v["organ_code"], v["region_name"], v["region_code"],
                   f"{v['tier']}（{TIER_ZH.get(v['tier'], '')}）", SELECTION_ZH.get(v["selection"], v["selection"]),
                   v["reasons_zh"], v["due_on"], v["window_start"], v["window_end"], _join(v["inspector_names"]),
                   _join(v["inspector_ids"]), _join(v["project_codes"]), _join(v["service_types"]),
                   _join(v["needed_expertise"]), covered if v["needed_expertise"] else "",
                   STATUS_ZH.get(v["status"], v["status"]), v["unstaffed_reason"] or v["notes_zh"]])
        s.finish()

        s = _Sheet(wb, "未能派员", [
            ("序号", 6, "int"), ("被检查机关", 28, "text"), ("风险等级", 9, "plain"), ("抽取方式", 11, "plain"),
            ("原因类型", 14, "plain"), ("原因说明", 60, "text"), ("在岗人数", 9, "int"), ("名单回避", 9, "int"),
            ("上次检查回避", 12, "int"), ("任务已满", 9, "int"), ("可派人数", 9, "int"), ("每组需", 8, "int")])
        for u in unstaffed.iter_rows(named=True):
            s.add([u["visit_no"], u["organ_name"], u["tier"], SELECTION_ZH.get(u["selection"], u["selection"]),
                   UNSTAFFED_ZH.get(u["reason_code"], u["reason_code"]), u["reason_zh"], u["active"],
                   u["recused_registry"], u["recused_last"], u["at_capacity"], u["available"], u["needed"]])
        if not unstaffed.height:
            s.add([None, "全部检查均已派员", None, None, None, None])
        s.finish()

        s = _Sheet(wb, "检查人员任务", [
            ("执法证号", 18, "text"), ("姓名", 10, "text"), ("所属区划", 10, "text"), ("本期容量", 9, "int"),
            ("已派任务", 9, "int"), ("任务序号", 24, "plain"), ("被检查机关", 60, "text")])
        by_inspector: dict[str, list[dict]] = {}
        for t in team.iter_rows(named=True):
            by_inspector.setdefault(t["inspector_id"], []).append(t)
        for w in workload.iter_rows(named=True):
            mine = by_inspector.get(w["inspector_id"], [])
            s.add([w["inspector_id"], w["inspector_name"], w["region_code"], w["capacity"], w["assigned"],
                   "、".join(str(t["visit_no"]) for t in mine), "、".join(t["organ_name"] or "" for t in mine)])
        s.finish()

        _method_sheet(wb, plan, strata)

    _write(target, build)


def _method_sheet(wb, plan: dict[str, Any], strata) -> None:
    params = plan["params"]
    cfg = params["config"]
    # a plan drawn after its period began has capacity for the time left (docs/planning.md §3)
    prorated = "，按抽取日至期末的剩余时间折算" if params.get("capacity_months", params["months"]) < params["months"] else ""
    s = _Sheet(wb, "抽取说明", [("项目", 24, "plain"), ("内容", 90, "text")])
    rows = [
        ("计划编号", str(plan["plan_id"])), ("计划期间", f"{period_text(plan['period'])}（{date_text(plan['period_start'])}至{date_text(plan['period_end'])}）"),
        ("抽取日期", str(plan["planned_on"])), ("随机种子", str(plan["seed"])), ("抽取算法", plan["algorithm"]),
        ("输入数据摘要（SHA-256）", plan["inputs_sha256"]), ("抽取结果摘要（SHA-256）", plan["result_sha256"]),
        ("数据截至（装载日）", str(plan["data_as_of"] or "")), ("创建人", plan["created_by"] or ""),
        ("创建时间", str(plan["created_at"])[:19]), ("抽取原因", plan["reason"]),
        ("取代计划", f"第{plan['supersedes_plan_id']}号" if plan["supersedes_plan_id"] else ""),
        ("已被取代", f"被第{plan['superseded_by']}号取代" if plan["superseded_by"] else "否（现行计划）"),
        ("检查家数", f"{plan['visits']}（已派员{plan['staffed']}，未能派员{plan['unstaffed']}）"),
        ("抽查比例", "；".join(f"{t}级{cfg['sampling']['ratio'][t] * 100:g}%" for t in ("D", "C", "B", "A"))),
        ("未报送抽取", f"近{cfg['silent']['lookback_quarters']}个季度有未报送的机关中再随机抽取"
                       f"{cfg['silent']['share'] * 100:g}%"),
        ("必检", "待复查的事件、逾期未检" + ("、计划期内到期的检查" if cfg["forced"]["due_in_period"] else "")),
        ("每组检查人员", f"{cfg['team']['size']}名，随机选派"),
        ("每人本期容量", f"{params['capacity_default']}次（每季度{cfg['team']['capacity_per_quarter']}次{prorated}）"),
        ("回避", f"回避名单所列机关；参加过该机关最近{cfg['recusal']['previous_inspections']}次检查的人员"),
        ("选派偏好", "同地区、具备所需专长者权重较高（加权随机，不固定人选）"),
        ("复核方法", "oversight plan verify 计划编号：以所存输入与种子重新抽取，结果摘要应一致"),
    ]
    for key, value in rows:
        s.add([key, value])
    s.add(["", ""])
    s.add(["分层抽取记录", "分层｜对象数｜已列入｜抽取池｜比例｜期望数｜舍入随机数｜抽中数"])
    names = {"silent": "未报送机关"}
    for r in strata.iter_rows(named=True):
        label = names.get(r["stratum"]) or f"{r['stratum'].split(':')[-1]}级（{TIER_ZH.get(r['stratum'][-1], '')}风险）"
        s.add([label, f"{r['population']}｜{r['already_in']}｜{r['pool']}｜{r['ratio'] * 100:g}%｜"
                      f"{r['expected']:g}｜{r['rounding_u']:.6f}｜{r['drawn']}"])
    s.add(["", ""])
    s.add(["原因代码", "；".join(f"{k} {v}" for k, v in REASON_ZH.items())])


def write_public_list(con, plan_id: int, target: Target, *, today: dt.date,
                      config: planning_config.PlanningConfig | None = None) -> None:
    """The 公示 list: organs, check items, method, planned month and, once loaded, the result.
    No inspector, no contact person, no tier, no reason."""
    plan = planning.plan(con, plan_id)
    if plan is None:
        raise KeyError(f"no such plan: {plan_id}")
    public = plan["params"]["config"]["public"] if config is None else config.data["public"]
    visits = planning.plan_visits(con, plan_id)
    achieved = {r["visit_no"]: r for r in planning.plan_vs_achieved(con, plan_id, today)
                .filter(pl.col("planned")).iter_rows(named=True)}

    def build(wb):
        s = _Sheet(wb, "公示名单", [
            ("序号", 6, "int"), ("被检查单位", 30, "text"), ("统一社会信用代码", 21, "text"), ("所在地区", 14, "text"),
            ("检查事项", 44, "text"), ("检查方式", 10, "plain"), ("计划检查时间", 22, "plain"),
            ("检查日期", 11, "date"), ("检查结果", 10, "plain")], title=f"{public['title']}（{period_text(plan['period'])}）")
        for v in visits.iter_rows(named=True):
            a = achieved.get(v["visit_no"], {})
            status = a.get("status")
            result = (a.get("grade") or "已检查") if status == "achieved" else ACHIEVED_ZH.get(status, "待检查")
            method = public["method_forced"] if v["selection"] == "forced" else public["method_random"]
            s.add([v["visit_no"], v["organ_name"], v["organ_code"], v["region_name"] or v["region_code"],
                   v["check_items"], method, _when(v["window_start"], v["window_end"]),
                   a.get("inspected_on") if status == "achieved" else None, result])
        s.finish()
        note = wb.add_format({"italic": True, "font_color": "#555555"})
        s.ws.write_string(s.row + 1, 0, f"说明：重点检查为依规必须检查的机关，随机抽查为按风险分层随机抽取的机关"
                                        f"（双随机、一公开），随机种子{plan['seed']}，"
                                        f"抽取结果摘要 SHA-256 {plan['result_sha256']}；计划编号第{plan['plan_id']}号，"
                                        f"抽取日期{plan['planned_on']}。检查结果于检查后更新。", note)

    _write(target, build)


def _when(start: dt.date, end: dt.date) -> str:
    """A visit's window as published: whole calendar months by their months (a drawn visit's month),
    any other window by its days (30 days from 31 January are not "January to March")."""
    whole = start.day == 1 and (end + dt.timedelta(days=1)).day == 1
    if whole and (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    if whole:
        return (f"{start.year}年{start.month}月至{end.month}月" if start.year == end.year
                else f"{start.year}年{start.month}月至{end.year}年{end.month}月")
    last = f"{end.month}月{end.day}日" if start.year == end.year else date_text(end)
    return f"{date_text(start)}至{last}"
