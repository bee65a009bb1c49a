"""The query layer for inspection plans (检查计划): reading plans back, plan against achieved, and the
two small write-side functions the planning service calls (the draw's inputs, recording a plan).

Every function takes a connection or a cursor (one per request/thread) and runs a SQL file of
warehouse/sql/planning/ with `$name` parameters; frames have English snake_case columns. Plans are
written once and never changed: a re-draw is a new plan naming the plan it supersedes. The tables:
warehouse/sql/migrations/0003_planning.sql. The method: docs/planning.md.

    con = queries.connect(path)
    planning.plans(con)                                   # every plan, newest first, is_current
    planning.plan_visits(con, plan_id)                    # visits with teams or why unstaffed
    planning.plan_vs_achieved(con, plan_id, today)        # achieved | missed | behind | pending | unplanned
    planning.plan_coverage(con, plan_id, today, by="tier")
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb
import polars as pl

from schemas.identifiers import region_table
from warehouse import db, sqlfiles

FOLDER = "planning"
SEP = "、"
COVERAGE_BY = (None, "tier", "selection", "city")

PLAN_COLUMNS = {
    "plan_id": pl.Int64, "period": pl.String, "period_start": pl.Date, "period_end": pl.Date,
    "planned_on": pl.Date, "seed": pl.Int64, "algorithm": pl.String, "inputs_sha256": pl.String,
    "result_sha256": pl.String, "visits": pl.Int32, "staffed": pl.Int32, "unstaffed": pl.Int32,
    "data_load_id": pl.Int64, "data_as_of": pl.Date, "created_at": pl.Datetime("us"), "created_by": pl.String,
    "reason": pl.String, "supersedes_plan_id": pl.Int64, "superseded_by": pl.Int64, "is_current": pl.Boolean,
}


def _run(con, name: str, params: dict[str, Any]) -> pl.DataFrame:
    return sqlfiles.query(con, FOLDER, name, params).pl()


def ready(con) -> bool:
    """Whether the warehouse has the planning tables (migration 0003 is applied by any writer)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'plans' "
                            "AND schema_name = 'main'").fetchall()[0][0])


def _split(col: str) -> pl.Expr:
    return (pl.col(col).fill_null("").str.split(SEP)
            .list.eval(pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != "")).alias(col))


def _with_region_names(frame: pl.DataFrame) -> pl.DataFrame:
    names = region_table().select("region_code", "region_name")
    out = frame.join(names, on="region_code", how="left", maintain_order="left")
    cols = list(frame.columns)
    at = cols.index("region_code") + 1
    return out.select(cols[:at] + ["region_name"] + cols[at:])


# -- the draw's inputs (read) ---------------------------------------------------------------------

def input_projects(con, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Projects active during start–end. Columns: organ_code, project_code, vendor_code, service_type,
    involves_classified, start_on."""
    return _run(con, "inputs_projects.sql", {"start": start, "end": end})


def input_inspectors(con) -> pl.DataFrame:
    """The inspector registry with expertise and recusal lists split. Columns: inspector_id,
    inspector_name, region_code, expertise (list), recusal_organ_codes (list), active."""
    return _run(con, "inputs_inspectors.sql", {}).with_columns(_split("expertise"), _split("recusal_organ_codes"))


def input_last_teams(con, today: dt.date, previous: int) -> pl.DataFrame:
    """Each organ's last `previous` inspections on or before `today`. Columns: organ_code,
    inspection_code, inspected_on, inspector_names (list, as recorded)."""
    frame = _run(con, "inputs_last_teams.sql", {"today": today, "previous": previous})
    return frame.with_columns(_split("inspectors")).rename({"inspectors": "inspector_names"})


# -- recording a plan (write; the caller holds db.exclusive and a transaction) --------------------

def record_plan(con: duckdb.DuckDBPyConnection, *, header: dict[str, Any], inputs_json: str,
                visits: pl.DataFrame, team: pl.DataFrame, unstaffed: pl.DataFrame) -> int:
    """Insert one plan (header keys: the columns of `plans` but plan_id and created_at; params and
    draw_log as dicts) with its inputs, visits, teams and unstaffed reasons. Returns the plan_id."""
    plan_id = db.next_id(con, "plans", "plan_id")
    row = {**header, "plan_id": plan_id, "params": json.dumps(header["params"], ensure_ascii=False, sort_keys=True),
           "draw_log": json.dumps(header["draw_log"], ensure_ascii=False, sort_keys=True)}
    cols = ["plan_id", "period", "period_start", "period_end", "planned_on", "seed", "algorithm", "params",
            "inputs_sha256", "result_sha256", "draw_log", "visits", "staffed", "unstaffed", "data_load_id",
            "data_as_of", "created_by", "reason", "supersedes_plan_id"]
    con.execute(f"INSERT INTO plans ({', '.join(cols)}, created_at) VALUES ({', '.join('?' for _ in cols)}, now())",
                [row[c] for c in cols])
    con.execute("INSERT INTO plan_inputs VALUES (?, ?)", [plan_id, inputs_json])
    for table, frame in (("plan_visits", visits), ("plan_visit_inspectors", team), ("plan_unstaffed", unstaffed)):
        if frame.height:
            con.register("incoming_plan_rows", frame.with_columns(pl.lit(plan_id, pl.Int64).alias("plan_id")))
            try:
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_plan_rows")
            finally:
                con.unregister("incoming_plan_rows")
    return plan_id


# -- reading plans ---------------------------------------------------------------------------------

def plans(con, period: str | None = None) -> pl.DataFrame:
    """Every plan (of a period, by its canonical label such as "2026-Q1"), newest period first, with
    superseded_by and is_current (not superseded by a re-draw).

    Columns: plan_id, period, period_start, period_end, planned_on, seed, algorithm, inputs_sha256,
    result_sha256, visits, staffed, unstaffed, data_load_id, data_as_of, created_at, created_by, reason,
    supersedes_plan_id, superseded_by, is_current."""
    if not ready(con):
        return pl.DataFrame(schema=PLAN_COLUMNS)
    return _run(con, "plans.sql", {"period": period})


def plan(con, plan_id: int) -> dict[str, Any] | None:
    """One plan as a dict (the columns of `plans` plus params and draw_log, parsed), or None."""
    if not ready(con):
        return None
    frame = _run(con, "plan_header.sql", {"plan_id": plan_id})
    if not frame.height:
        return None
    row = frame.row(0, named=True)
    row["params"] = json.loads(row["params"])
    row["draw_log"] = json.loads(row["draw_log"])
    return row


def current_plan(con, period: str) -> dict[str, Any] | None:
    """The plan in force for a period (canonical label), or None."""
    frame = plans(con, period).filter(pl.col("is_current"))
    return plan(con, int(frame["plan_id"].max())) if frame.height else None


def _need(con, plan_id: int) -> None:
    if not ready(con) or not con.execute("SELECT count(*) FROM plans WHERE plan_id = ?", [plan_id]).fetchall()[0][0]:
        raise KeyError(f"no such plan: {plan_id}")


def plan_visits(con, plan_id: int) -> pl.DataFrame:
    """The visits of a plan in visit order, with the team or why it has none.

    Columns: plan_id, visit_no, organ_code, organ_name, region_code, region_name, tier, selection
    (forced | tier_sample | silent_sample), reasons (codes), reasons_zh, reasons_en (in English; the
    Chinese for a plan recorded before there were English texts), priority, lottery, due_on,
    window_start, window_end, project_codes, service_types, needed_expertise, check_items, status
    (staffed | unstaffed), expertise_covered, notes_zh, inspector_ids, inspector_names, unstaffed_code,
    unstaffed_reason."""
    _need(con, plan_id)
    return _with_region_names(_run(con, "plan_visits.sql", {"plan_id": plan_id}))


def plan_team(con, plan_id: int) -> pl.DataFrame:
    """The inspectors of each staffed visit. Columns: plan_id, visit_no, organ_code, organ_name,
    window_start, window_end, seat, inspector_id, inspector_name, region_code, locality, expertise_matched,
    weight, draw_key."""
    _need(con, plan_id)
    return _run(con, "plan_team.sql", {"plan_id": plan_id})


def plan_unstaffed(con, plan_id: int) -> pl.DataFrame:
    """The visits left without a team and why. Columns: plan_id, visit_no, organ_code, organ_name,
    region_code, tier, selection, reason_code (TOO_FEW_INSPECTORS | ALL_RECUSED | CAPACITY), reason_zh,
    reason_en (NULL for a plan recorded before there were English texts: see draw.unstaffed_reason_en),
    needed, active, recused_registry, recused_last, at_capacity, available."""
    _need(con, plan_id)
    return _run(con, "plan_unstaffed.sql", {"plan_id": plan_id})


STRATA_SCHEMA = {"stratum": pl.String, "population": pl.Int32, "already_in": pl.Int32, "pool": pl.Int32,
                 "ratio": pl.Float64, "expected": pl.Float64, "rounding_u": pl.Float64, "drawn": pl.Int32}
WORKLOAD_SCHEMA = {"inspector_id": pl.String, "inspector_name": pl.String, "region_code": pl.String,
                   "capacity": pl.Int32, "assigned": pl.Int32}


def plan_strata(con, plan_id: int) -> pl.DataFrame:
    """The draw log: per stratum (tier:D … tier:A, silent) its population, organs already in the plan,
    pool, ratio, expected count, rounding number and organs drawn."""
    p = plan(con, plan_id)
    if p is None:
        raise KeyError(f"no such plan: {plan_id}")
    return pl.DataFrame(p["draw_log"]["strata"], schema=STRATA_SCHEMA)


def plan_workload(con, plan_id: int) -> pl.DataFrame:
    """Per active inspector: capacity in the period and visits assigned."""
    p = plan(con, plan_id)
    if p is None:
        raise KeyError(f"no such plan: {plan_id}")
    return pl.DataFrame(p["draw_log"]["workload"], schema=WORKLOAD_SCHEMA)


def plan_inputs_json(con, plan_id: int) -> str:
    """The canonical inputs the plan was drawn from (JSON text; sha256 = plans.inputs_sha256)."""
    _need(con, plan_id)
    return con.execute("SELECT inputs::VARCHAR FROM plan_inputs WHERE plan_id = ?", [plan_id]).fetchall()[0][0]


# -- plan against achieved -------------------------------------------------------------------------

def plan_vs_achieved(con, plan_id: int, today: dt.date) -> pl.DataFrame:
    """Each planned visit matched to the inspections loaded (as of `today`), plus the unplanned
    inspections of the period (see warehouse/sql/planning/plan_vs_achieved.sql).

    Columns: planned, visit_no, organ_code, organ_name, region_code, region_name, tier, selection,
    staffing, window_start, window_end, planned_inspectors, inspection_code, inspected_on,
    inspection_kind, grade, score, actual_inspectors, inspections_matched, status (achieved | missed |
    behind | pending | unplanned), in_window, planned_inspectors_present."""
    _need(con, plan_id)
    return _with_region_names(_run(con, "plan_vs_achieved.sql", {"plan_id": plan_id, "today": today}))


def plan_coverage(con, plan_id: int, today: dt.date, by: str | None = None, region_prefix: str = "") -> pl.DataFrame:
    """Planned against achieved, counted (as of `today`), overall or by tier, selection or city;
    only organs whose region code starts with `region_prefix` when given (a user's scope).

    Columns: [tier | selection | city_code, city_name], planned, staffed, achieved, achieved_in_window,
    missed, behind, pending, unplanned, coverage_rate (achieved / planned), in_window_rate
    (achieved in window / planned), planned_team_rate (achieved visits with at least one planned
    inspector present / achieved)."""
    if by not in COVERAGE_BY:
        raise ValueError(f"by is one of {COVERAGE_BY}")
    rows = plan_vs_achieved(con, plan_id, today)
    if region_prefix:
        rows = rows.filter(pl.col("region_code").fill_null("").str.starts_with(region_prefix))
    keys: list[str] = []
    if by == "city":
        rows = rows.with_columns(city_code=pl.col("region_code").str.slice(0, 4) + "00")
        keys = ["city_code"]
    elif by:
        keys = [by]
    planned = pl.col("planned")
    achieved = planned & (pl.col("status") == "achieved")
    aggs = [
        planned.sum().cast(pl.Int64).alias("planned"),
        (planned & (pl.col("staffing") == "staffed")).sum().cast(pl.Int64).alias("staffed"),
        achieved.sum().cast(pl.Int64).alias("achieved"),
        (achieved & pl.col("in_window").fill_null(False)).sum().cast(pl.Int64).alias("achieved_in_window"),
        (pl.col("status") == "missed").sum().cast(pl.Int64).alias("missed"),
        (pl.col("status") == "behind").sum().cast(pl.Int64).alias("behind"),
        (pl.col("status") == "pending").sum().cast(pl.Int64).alias("pending"),
        (pl.col("status") == "unplanned").sum().cast(pl.Int64).alias("unplanned"),
        (achieved & (pl.col("planned_inspectors_present").fill_null(0) > 0)).sum().cast(pl.Int64).alias("_team"),
    ]
    out = rows.group_by(keys).agg(aggs) if keys else rows.select(aggs)
    if not keys and not rows.height:
        out = pl.DataFrame({c: [0] for c in ("planned", "staffed", "achieved", "achieved_in_window", "missed",
                                             "behind", "pending", "unplanned", "_team")})
    out = out.with_columns(
        coverage_rate=pl.when(pl.col("planned") > 0).then((pl.col("achieved") / pl.col("planned")).round(4)),
        in_window_rate=pl.when(pl.col("planned") > 0).then((pl.col("achieved_in_window") / pl.col("planned")).round(4)),
        planned_team_rate=pl.when(pl.col("achieved") > 0).then((pl.col("_team") / pl.col("achieved")).round(4)),
    ).drop("_team")
    if keys:
        out = out.sort(keys, nulls_last=True)
    if by == "city":
        names = region_table().select(pl.col("region_code").alias("city_code"), pl.col("region_name").alias("city_name"))
        out = out.join(names, on="city_code", how="left", maintain_order="left")
        out = out.select(["city_code", "city_name"] + [c for c in out.columns if c not in ("city_code", "city_name")])
    return out


__all__ = [
    "ready", "input_projects", "input_inspectors", "input_last_teams", "record_plan", "plans", "plan",
    "current_plan", "plan_visits", "plan_team", "plan_unstaffed", "plan_strata", "plan_workload",
    "plan_inputs_json", "plan_vs_achieved", "plan_coverage",
]
