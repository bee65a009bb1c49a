"""Drawing a plan against the warehouse, recording it, verifying and exporting it.

The CLI (`oversight plan`) and the 检查计划 page call these functions; they hold no logic of the draw
(etl/planning/draw.py) and no SQL (warehouse/planning.py). A plan is drawn and recorded while
holding the warehouse's writer lock (warehouse.db.exclusive), in place, in one transaction; no
connection is kept between calls.
"""

from __future__ import annotations

import datetime as dt
import getpass
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from etl.export.labels import period_text
from etl.planning import config as planning_config
from etl.planning.draw import RULES, Period, PlanError, PlanInputs, PlanResult, draw, sha256
from warehouse import db, planning, queries
from warehouse.periods import date_text

FIRST_REASON = "首次抽取"
FIRST_REASON_EN = "First draw"      # how an English page shows the recorded FIRST_REASON (plans stay in Chinese)


@dataclass(frozen=True)
class Outcome:
    """What `make_plan` did: `created` False means the period's plan in force was shown, not drawn."""
    plan: dict[str, Any]
    created: bool
    message: str


def resolve_period(text: str) -> Period:
    """A period as the query layer reads it ("2026-Q1", "2026", "2026-07", "2026年第一季度")."""
    try:
        start, end, _kind = queries.parse_period(text)
    except ValueError:
        raise PlanError(f"“{text}”不是有效的计划期间，应如 2026-Q1、2026 或 2026-07",
                        en=f"“{text}” is not a plan period; write it as 2026-Q1, 2026 or 2026-07") from None
    return Period(queries.period_label(start, end), start, end)


def read_inputs(con, period: Period, today: dt.date, cfg: planning_config.PlanningConfig) -> PlanInputs:
    """The draw's inputs, read from the warehouse through the query layers: the organ registry with
    tiers and pending checks (queries.organ_schedule), active projects, organs that sent nothing
    (queries.submission_completeness), the inspector registry and the organs' last teams."""
    schedule = queries.organ_schedule(con, queries.Filters(today=today))
    organs = schedule.select(
        "organ_code", "organ_name", "region_code", "tier", "tier_reason", "interval_months",
        "last_inspection_code", "last_inspected_on", "tier_due_on", "project_due_on", "project_due_code",
        "followup_due_on", "followup_incident_code")
    silent = None
    if cfg.silent_lookback_quarters:
        first = queries.add_months(queries.quarter_start(period.start), -3 * cfg.silent_lookback_quarters)
        last = period.start - dt.timedelta(days=1)
        silent = queries.submission_completeness(
            con, queries.Filters(period=(first, last), today=today), only_silent=True).select("organ_code", "quarter")
    return PlanInputs.of(
        organs=organs, projects=planning.input_projects(con, period.start, period.end), silent=silent,
        inspectors=planning.input_inspectors(con),
        last_teams=planning.input_last_teams(con, today, cfg.previous_inspections))


def _user(created_by: str | None) -> str | None:
    if created_by:
        return created_by
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers): the plan is still recorded
        return None


def make_plan(warehouse: str | Path, period: str, *, today: dt.date, seed: int | None = None, redraw: bool = False,
              reason: str | None = None, created_by: str | None = None,
              config: planning_config.PlanningConfig | None = None) -> Outcome:
    """The plan in force for `period`; drawn and recorded when there is none. With `redraw`, a new
    plan superseding the one in force, for the `reason` given (required). Without `seed`, a fresh
    random seed is drawn and recorded."""
    cfg = config or planning_config.default()
    path = db.location(warehouse)
    if not db.exists(path):
        raise PlanError(f"仓库文件不存在：{path}；请先用 oversight load 装载数据",
                        page="仓库中尚无数据，请先装载报送数据", en="There is no data yet; load the submissions first")
    p = resolve_period(period)
    zh, en = period_text(p.label), period_text(p.label, "en")     # the period as the messages name it
    if today > p.end:
        raise PlanError(f"计划期间{zh}已于{date_text(p.end)}结束，不能再抽取检查计划",
                        en=f"The period {en} ended on {p.end.isoformat()}; a plan can no longer be drawn for it")
    reason = (reason or "").strip() or None
    if redraw and not reason:
        raise PlanError("重新抽取须说明原因（--reason），原因将与新计划一并记录",
                        page="重新抽取须填写原因，原因将与新计划一并记录",
                        en="A redraw needs a reason; it is recorded with the new plan")
    with db.exclusive(path):
        con = db.connect(path)
        try:
            current = planning.current_plan(con, p.label)
            if current is not None and not redraw:
                return Outcome(current, False,
                               f"{zh}已有检查计划（第{current['plan_id']}号，种子{current['seed']}），未重新抽取；"
                               f"如需重抽，请加 --redraw --reason “原因”")
            if redraw and current is None:
                raise PlanError(f"{zh}尚无检查计划，无需重抽；去掉 --redraw 即可抽取",
                                page=f"{zh}尚无检查计划，无需重抽；取消勾选“重新抽取”即可抽取",
                                en=f"{en} has no plan yet, so there is nothing to redraw; untick Re-draw to draw one")
            inputs = read_inputs(con, p, today, cfg)
            if not inputs.organs.height:
                raise PlanError("仓库中没有机关名录，无法抽取检查计划；请先装载机关名录",
                                en="The warehouse has no organ registry, so no plan can be drawn; load the organ "
                                   "registry first")
            if seed is None:
                seed = secrets.randbelow(2 ** 31)
            result = draw(inputs, p, today, seed, cfg)
            as_of = queries.marts_as_of(con)
            with db.transaction(con):
                plan_id = planning.record_plan(
                    con, header=_header(result, p, today, as_of, _user(created_by),
                                        reason or FIRST_REASON, current["plan_id"] if current else None),
                    inputs_json=inputs.to_json(), visits=result.visits, team=result.team,
                    unstaffed=result.unstaffed)
            plan = planning.plan(con, plan_id)
        finally:
            con.close()
    verb = "重新抽取" if redraw else "抽取"
    message = (f"已{verb}{zh}检查计划：第{plan_id}号，种子{seed}，检查{plan['visits']}家，"
               f"已派员{plan['staffed']}家，未能派员{plan['unstaffed']}家")
    if redraw:
        message += f"；取代第{current['plan_id']}号，原因：{reason}"
    return Outcome(plan, True, message)


def _header(result: PlanResult, p: Period, today: dt.date, as_of: dict | None, user: str | None, reason: str,
            supersedes: int | None) -> dict[str, Any]:
    v = result.visits
    return {
        "period": p.label, "period_start": p.start, "period_end": p.end, "planned_on": today, "seed": result.seed,
        "algorithm": result.params["algorithm"], "params": result.params, "inputs_sha256": result.inputs_sha256,
        "result_sha256": result.result_sha256,
        "draw_log": {"strata": result.strata.to_dicts(), "workload": result.workload.to_dicts()},
        "visits": v.height, "staffed": v.filter(pl.col("status") == "staffed").height,
        "unstaffed": v.filter(pl.col("status") == "unstaffed").height,
        "data_load_id": as_of["load_id"] if as_of else None, "data_as_of": as_of["today"] if as_of else None,
        "created_by": user, "reason": reason, "supersedes_plan_id": supersedes,
    }


def redraw_stored(con, plan_id: int) -> tuple[dict[str, Any], PlanInputs, PlanResult]:
    """Draw a recorded plan again from its stored inputs, seed, day and configuration."""
    plan = planning.plan(con, plan_id)
    if plan is None:
        raise PlanError(f"没有第{plan_id}号检查计划")
    inputs = PlanInputs.from_json(planning.plan_inputs_json(con, plan_id))
    params = plan["params"]
    cfg = planning_config.from_snapshot(params["config"], f"plan {plan_id}")
    period = Period(plan["period"], plan["period_start"], plan["period_end"])
    return plan, inputs, draw(inputs, period, dt.date.fromisoformat(params["today"]), plan["seed"], cfg,
                              plan["algorithm"])


def verify(con, plan_id: int) -> dict[str, Any]:
    """Audit a recorded plan: its stored inputs still hash to inputs_sha256, drawing again from them
    with its seed gives the same result (result_sha256), and whether the warehouse's data has changed
    since (the inputs read now would hash differently). A plan is re-drawn by the rules it was drawn
    with (`algorithm`); one drawn by rules this program no longer has (not in RULES) is not: its
    result is not a match, and `message_zh` says why."""
    plan = planning.plan(con, plan_id)
    if plan is None:
        raise PlanError(f"没有第{plan_id}号检查计划")
    stored_text = planning.plan_inputs_json(con, plan_id)
    inputs = PlanInputs.from_json(stored_text)
    cfg = planning_config.from_snapshot(plan["params"]["config"])
    period = Period(plan["period"], plan["period_start"], plan["period_end"])
    now = read_inputs(con, period, dt.date.fromisoformat(plan["params"]["today"]), cfg)
    same_rules = plan["algorithm"] in RULES
    return {
        "plan_id": plan_id, "seed": plan["seed"], "inputs_sha256": plan["inputs_sha256"],
        "inputs_match": sha256(stored_text) == plan["inputs_sha256"] == inputs.sha256,
        "result_sha256": plan["result_sha256"],
        "result_match": same_rules and redraw_stored(con, plan_id)[2].result_sha256 == plan["result_sha256"],
        "current_inputs_sha256": now.sha256, "data_changed": now.sha256 != plan["inputs_sha256"],
        "algorithm": plan["algorithm"],
        "message_zh": None if same_rules else (f"第{plan_id}号计划按抽取规则{plan['algorithm']}抽取，本程序只能按"
                                               f"{'、'.join(RULES)}抽取，不能重抽复核结果；输入摘要仍可核对"),
    }


def plan_for(con, period: str | None = None, plan_id: int | None = None) -> dict[str, Any]:
    """A plan by id, or the plan in force for a period."""
    if plan_id is not None:
        found = planning.plan(con, plan_id)
        if found is None:
            raise PlanError(f"没有第{plan_id}号检查计划")
        return found
    if period is None:
        raise PlanError("请指定计划期间（--period）或计划编号")
    p = resolve_period(period)
    found = planning.current_plan(con, p.label)
    if found is None:
        raise PlanError(f"{p.label}尚无检查计划；用 oversight plan --period {p.label} 抽取")
    return found


def export(con, plan_id: int, out_dir: str | Path, today: dt.date) -> tuple[Path, Path]:
    """Write the plan workbook (for inspectors) and the 公示 list (for publication) into out_dir."""
    from etl.planning import workbooks
    plan = planning.plan(con, plan_id)
    if plan is None:
        raise PlanError(f"没有第{plan_id}号检查计划")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = workbooks.file_names(plan)
    internal, public = out / names[0], out / names[1]
    workbooks.write_plan_workbook(con, plan_id, internal)
    workbooks.write_public_list(con, plan_id, public, today=today)
    return internal, public
