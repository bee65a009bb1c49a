"""The benchmark of the analytics layer (issue 3): every query function a page calls, and the mart
refresh as a share of a load's own time, on a national-scale warehouse.

    .venv/bin/python -m benchmarks.analytics --warehouse /tmp/probe100k.duckdb [--rebuild] [--json]

The warehouse: one built by `benchmarks/analytics_probe.py --organs 100000` (100,000 organs, 31.6
million checklist rows) or any other. "today" is the date of its last mart refresh.

1. Query functions. Each call a page makes (benchmarks/dashboards.py drives the same pages), with
   the filter sets the dashboards benchmark uses — none, a province (or city), the last complete
   quarter, tier D, a service type — timed warm: one run first, then --runs runs (default 20);
   p50 and p95 in milliseconds, target p95 ≤ 100 ms.
2. Beside them, the same answers computed from the raw fact tables without any mart
   (warehouse/sql/raw: the headline numbers, the compliance trend, the failing categories, the
   rectification status), timed over --raw-runs runs, and checked against the query layer's answer.
3. The refresh inside a load: a copy of the warehouse gets a bulk load (--bulk-organs new organs with
   their vendors, projects, inspections with whole checklists and rectifications) and then
   --small-loads small loads (default 3; each one inspection, its checklist and a rectification),
   all through `oversight load`'s pipeline; the refresh's seconds (mart_refresh_log) against the
   rest of each load's time, and the small loads' median. Target: under 10 %. --rebuild first
   times a full rebuild of every mart on the warehouse itself.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
SERVICE = "档案整理"


def _ms(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


def timed(fn: Callable, runs: int) -> tuple[dict, object]:
    out = fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - t)
    return _ms(samples), out


# -- what the pages call ------------------------------------------------------------------------------

def filter_sets(con, today: dt.date) -> list[tuple[str, dict]]:
    """The dashboards benchmark's filter sets: (label, Filters keywords)."""
    from warehouse import queries as q
    big = con.sql("SELECT left(region_code, 2) || '0000' FROM organs GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                  ).fetchall()[0][0]
    last = q.add_months(q.quarter_start(today), -3)
    return [("no filter", {}), (f"region={big}", {"region": big}),
            (f"period={last.year}-Q{(last.month - 1) // 3 + 1}", {"period": f"{last.year}-Q{(last.month - 1) // 3 + 1}"}),
            ("tier=D", {"tier": "D"}), (f"service={SERVICE}", {"service_type": SERVICE})]


def _level(region: str | None) -> str | None:
    if not region or region == "100000":
        return "province"
    return "city" if region.endswith("0000") else "county" if region.endswith("00") else None


def page_calls(con, today: dt.date) -> list[tuple[str, str, Callable]]:
    """(page, call, fn(cursor)) for every query the pages make."""
    from warehouse import queries as q
    vendor = con.sql("SELECT vendor_code FROM mart_vendor_risk ORDER BY score DESC, vendor_code LIMIT 1").fetchall()[0][0]
    organ, region = con.sql("SELECT organ_code, region_code FROM mart_organ_schedule WHERE next_due_on < $t "
                            "ORDER BY organ_code LIMIT 1", params={"t": today}).fetchall()[0]
    calls = []

    def add(page, label, fn):
        calls.append((page, label, fn))

    block, later = q.Page(0, 50), q.Page(500, 50, (("vendor_name", False),))
    for tag, kw in filter_sets(con, today):
        f = q.Filters(today=today, **kw)
        unperiod = replace(f, period=None)
        level = _level(kw.get("region"))
        add("overview", f"kpis [{tag}]", lambda c, f=f: q.kpis(c, f))
        add("overview", f"compliance_trend [{tag}]", lambda c, f=f: q.compliance_trend(c, f))
        add("overview", f"compliance_trend by {level} [{tag}]",
            lambda c, f=f, lv=level: q.compliance_trend(c, f, by=("quarter", lv)))
        add("overview", f"grade_distribution [{tag}]", lambda c, f=f: q.grade_distribution(c, f))
        add("overview", f"failing_categories [{tag}]", lambda c, f=f: q.failing_categories(c, f))
        add("overview", f"incident_counts [{tag}]", lambda c, f=f: q.incident_counts(c, replace(f, period=q.window(f))))
        add("overview", f"vendor_risk top 6 [{tag}]", lambda c, f=unperiod: q.vendor_risk(c, f, limit=6))
        add("overview", f"rectification_status by {level} [{tag}]",
            lambda c, f=f, lv=level: q.rectification_status(c, f, by=(lv,)))
        add("vendors", f"vendor_tier_counts [{tag}]", lambda c, f=unperiod: q.vendor_tier_counts(c, replace(f, tier=None)))
        add("vendors", f"vendor_risk rows 0-50 [{tag}]", lambda c, f=unperiod: q.vendor_risk(c, f, page=block))
        add("vendors", f"vendor_risk rows 500-550 by name [{tag}]", lambda c, f=unperiod: q.vendor_risk(c, f, page=later))
        add("overdue", f"organ_schedule overdue rows 0-50 [{tag}]",
            lambda c, f=f: q.organ_schedule(c, f, status=("overdue",), page=block))
        add("overdue", f"rectifications overdue rows 0-50 [{tag}]",
            lambda c, f=f: q.rectifications(c, f, ("overdue",), page=block))
        add("overdue", f"schedule_counts [{tag}]", lambda c, f=f: q.schedule_counts(c, f))
        add("overdue", f"rectification_status by tier [{tag}]",
            lambda c, f=f: q.rectification_status(c, f, by=("tier",)))
        end = q.quarter_start(today) - dt.timedelta(days=1)
        matrix = f if f.period else replace(f, period=(q.add_months(q.quarter_start(end), -21), end))
        add("submissions", f"submission_matrix [{tag}]", lambda c, f=matrix: q.submission_matrix(c, f))
        add("submissions", f"rejected_rows [{tag}]", lambda c, f=f: q.rejected_rows(c, f))
    base = q.Filters(today=today)
    add("submissions", "load_history", lambda c: q.load_history(c))
    add("submissions", "data_as_of by kind", lambda c: q.data_as_of(c, base))
    by_vendor = q.Filters(today=today, vendor_code=vendor)
    for label, fn in {
        "vendor_risk (the vendor)": lambda c: q.vendor_risk(c, by_vendor),
        "vendor_profile": lambda c: q.vendor_profile(c, vendor),
        "vendor_risk_components": lambda c: q.vendor_risk_components(c, vendor),
        "vendor_next_tier": lambda c: q.vendor_next_tier(c, vendor, today=today),
        "vendor_qualifications": lambda c: q.vendor_qualifications(c, vendor, today),
        "vendor_tier_history": lambda c: q.vendor_tier_history(c, vendor),
        "vendor_organs": lambda c: q.vendor_organs(c, by_vendor),
        "projects (the vendor's)": lambda c: q.projects(c, by_vendor),
        "compliance_trend (the vendor)": lambda c: q.compliance_trend(c, by_vendor),
        "inspections (the vendor's)": lambda c: q.inspections(c, base, vendor_code=vendor),
        "evaluation_trend (the vendor)": lambda c: q.evaluation_trend(c, by_vendor),
        "incidents (the vendor's)": lambda c: q.incidents(c, by_vendor),
        "rectifications open (the vendor's)": lambda c: q.rectifications(c, by_vendor, ("overdue", "due_soon", "open")),
    }.items():
        add("vendor profile", label, fn)
    at = q.Filters(today=today, region=region)
    for label, fn in {
        "organ_schedule (the organ)": lambda c: q.organ_schedule(c, base, organ_code=organ),
        "projects (the organ's)": lambda c: q.projects(c, base, organ_code=organ),
        "inspections (the organ's)": lambda c: q.inspections(c, at, organ_code=organ),
        "repeat_findings (the organ's)": lambda c: q.repeat_findings(c, at, organ_code=organ),
        "rectifications (the organ's)": lambda c: q.rectifications(c, at, organ_code=organ),
        "incidents (the organ's)": lambda c: q.incidents(c, at, organ_code=organ),
        "organ_tier_history": lambda c: q.organ_tier_history(c, organ),
        "submission_completeness (the organ's)": lambda c: q.submission_completeness(c, at, organ_code=organ),
        "data_as_of (the organ)": lambda c: q.data_as_of(c, at, by="organ", organ_code=organ),
    }.items():
        add("organ profile", label, fn)
    add("every page", "marts_as_of", lambda c: q.marts_as_of(c))
    return calls


def time_queries(path: Path, today: dt.date, runs: int) -> list[dict]:
    from warehouse import queries as q
    con = q.connect(path)
    try:
        cur = con.cursor()
        out = []
        for page, label, fn in page_calls(cur, today):
            stats, frame = timed(lambda: fn(cur), runs)
            out.append({"page": page, "call": label, **stats, "rows": getattr(frame, "height", 1)})
        return out
    finally:
        con.close()


# -- the same answers from the raw fact tables ----------------------------------------------------------

def _same(got, want, keys: list[str], exact: list[str], close: list[str]) -> bool:
    import polars as pl
    if got.height != want.height:
        return False
    joined = got.select(keys + exact + close).join(want.select(keys + exact + close), on=keys, how="full",
                                                   suffix="_raw", nulls_equal=True)
    if joined.height != got.height:
        return False
    for c in exact:
        if not joined.select((pl.col(c).eq_missing(pl.col(f"{c}_raw"))).all()).item():
            return False
    for c in close:
        diff = joined.select(((pl.col(c) - pl.col(f"{c}_raw")).abs() <= 0.011).fill_null(
            pl.col(c).is_null() & pl.col(f"{c}_raw").is_null()).all()).item()
        if not diff:
            return False
    return True


def raw_comparisons(path: Path, today: dt.date, runs: int, query_runs: int) -> list[dict]:
    """(figure, query p95, raw median, same answer) for the headline numbers, trend, categories and
    rectification status, without a filter and for one city."""
    import polars as pl

    from schemas.checklist import CHECKLIST_VERSION
    from warehouse import analytics_config, sqlfiles
    from warehouse import queries as q
    cfg = analytics_config.active()
    con = q.connect(path)
    cur = con.cursor()
    city = cur.sql("SELECT left(region_code, 4) || '00' FROM organs GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                   ).fetchall()[0][0]
    out = []

    def raw(name, params):
        return sqlfiles.query(cur, "raw", name, params).pl()

    try:
        for tag, region in (("no filter", None), (f"region={city}", city)):
            f = q.Filters(today=today, region=region)
            start, end = q.window(f)
            # headline numbers (the period and the one before, as the page shows them)
            qs = q.quarter_start(today)
            periods = [(qs, today), (q.add_months(qs, -3), qs - dt.timedelta(days=1))]

            def raw_kpis():
                frames = []
                for s, a in periods:
                    frames.append(raw("kpis.sql", {"start": s, "as_of": a, "passing": list(cfg["grades"]["passing"])}))
                return frames
            stats, got = timed(lambda: q.kpis(cur, f), query_runs)
            rstats, frames = timed(raw_kpis, runs)
            if region is None:
                want = {r["kpi"]: (r["value"], p["value"]) for r, p in zip(frames[0].iter_rows(named=True),
                                                                          frames[1].iter_rows(named=True))}
                mine = {r["kpi"]: (r["value"], r["previous_value"]) for r in got.iter_rows(named=True)}
                same = all(mine[k] == v for k, v in want.items())
                out.append(_row("kpis (6 of 7: no overdue checks in raw)", tag, stats, rstats, same))
            # compliance trend per quarter
            stats, got = timed(lambda: q.compliance_trend(cur, f), query_runs)
            rstats, want = timed(lambda: raw("compliance_trend.sql", {"start": start, "end": end, "region": f.region_prefix}),
                                 runs)
            got = got.filter(pl.col("inspections") > 0)
            same = _same(got, want, ["period_start"], ["inspections", "graded", "n_excellent", "n_good", "n_pass", "n_fail",
                                                      "veto_failures", "items_failed", "items_partial", "organs_inspected"],
                         ["mean_score"])
            out.append(_row("compliance_trend", tag, stats, rstats, same))
            # failing categories
            stats, got = timed(lambda: q.failing_categories(cur, f), query_runs)
            rstats, want = timed(lambda: raw("failing_categories.sql", {"start": start, "end": end, "region": f.region_prefix,
                                                                         "checklist_version": CHECKLIST_VERSION}), runs)
            same = _same(got, want, ["category_code"], ["inspections_assessed", "items_failed", "items_partial", "items_na",
                                                         "inspections_with_failure", "veto_failures"],
                         ["mean_category_score"])
            out.append(_row("failing_categories", tag, stats, rstats, same))
            # rectification status by city
            if region is None:
                stats, got = timed(lambda: q.rectification_status(cur, f, by=("city",)), query_runs)
                rstats, want = timed(lambda: raw("rectification_status.sql", {
                    "today": today, "region_level": "city",
                    "due_soon_days": int(cfg["rectifications"]["due_soon_days"])}), runs)
                same = _same(got, want, ["region_code"], ["total", "open", "due_soon", "overdue", "closed", "closed_late",
                                                          "superseded", "max_days_overdue"], ["median_days_to_close"])
                out.append(_row("rectification_status by city", tag, stats, rstats, same))
        return out
    finally:
        con.close()


def _row(figure, tag, stats, rstats, same) -> dict:
    return {"figure": figure, "filters": tag, "query_p95_ms": stats["p95_ms"], "raw_p50_ms": rstats["p50_ms"],
            "same_answer": bool(same)}


# -- the refresh inside a load ---------------------------------------------------------------------------

def _write(folder: Path, kind: str, rows: list[dict]) -> None:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(folder / f"{kind}.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(columns)
        for r in rows:
            out.writerow(["" if r.get(c) is None else str(r[c]) for c in columns])


def _results(code: str) -> dict[str, str]:
    """A whole checklist for an inspection: mostly 符合, some 部分符合 / 不符合 / 不适用 (by a hash)."""
    import zlib

    from schemas.checklist import item_codes
    out = {}
    for item in item_codes():
        h = zlib.crc32(f"{code}/{item}".encode()) % 100
        out[item] = "符合" if h < 85 else "部分符合" if h < 93 else "不符合" if h < 97 else "不适用"
    return out


def bulk_files(folder: Path, organs: int, today: dt.date) -> str:
    """The files of a bulk load: `organs` new organs in the warehouse's counties, a vendor for every 20,
    two projects each, two inspections per project with whole checklists, a rectification for every
    不符合. Returns an organ code (for the small load)."""
    from schemas.identifiers import make_uscc, region_table
    counties = region_table().filter((region_table()["level"] == "county") & region_table()["valid_to"].is_null()
                                     & region_table()["region_code"].str.starts_with("33"))["region_code"].to_list()
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[dict]] = {k: [] for k in ("organs", "vendors", "projects", "inspections", "inspection_items",
                                                   "rectifications")}
    vendors = [make_uscc("91", "330100", f"{70_000_000 + v:08d}") for v in range(max(organs // 20, 1))]
    for v, code in enumerate(vendors):
        rows["vendors"].append({"vendor_code": code, "vendor_name": f"基准档案服务有限公司{v}"})
    first = None
    for n in range(organs):
        region = counties[n % len(counties)]
        organ = make_uscc("11", region, f"{70_000_000 + n:08d}")
        first = first or organ
        rows["organs"].append({"organ_code": organ, "organ_name": f"基准机关{n}", "region_code": region,
                               "admin_level": "县级"})
        for p in range(2):
            project = f"JZ{n}-{p}"
            start = today - dt.timedelta(days=400 - 30 * p)
            rows["projects"].append({"project_code": project, "organ_code": organ, "vendor_code": vendors[n % len(vendors)],
                                     "service_type": (SERVICE, "传统载体档案数字化")[p], "signed_on": start,
                                     "start_on": start, "planned_end_on": today + dt.timedelta(days=400),
                                     "work_site": "机关内部", "involves_classified": "否",
                                     "confidentiality_agreement": "是"})
            for k in range(2):
                code = f"JZJC{n}-{p}-{k}"
                on = start + dt.timedelta(days=60 + 150 * k)
                rows["inspections"].append({"inspection_code": code, "inspected_on": on, "organ_code": organ,
                                            "project_code": project, "inspection_kind": "双随机抽查",
                                            "inspectors": "张三、李四"})
                for item, result in _results(code).items():
                    rows["inspection_items"].append({"inspection_code": code, "item_code": item, "result": result,
                                                     "finding": None if result in ("符合", "不适用") else "问题"})
                    if result == "不符合":
                        rows["rectifications"].append({"inspection_code": code, "item_code": item,
                                                       "due_on": on + dt.timedelta(days=30),
                                                       "completed_on": on + dt.timedelta(days=20) if k == 0 else None})
    for kind, kind_rows in rows.items():
        _write(folder, kind, kind_rows)
    return first


def small_files(folder: Path, organ: str, today: dt.date, code: str = "JZJC-SMALL") -> None:
    """One inspection of an organ the bulk load brought, its whole checklist and one rectification."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "inspections", [{"inspection_code": code, "inspected_on": today, "organ_code": organ,
                                    "project_code": "JZ0-0", "inspection_kind": "复查", "inspectors": "张三、李四"}])
    results = {**{item: "符合" for item in _results(code)}, "E3": "不符合"}
    _write(folder, "inspection_items", [{"inspection_code": code, "item_code": i, "result": r,
                                         "finding": "问题" if r == "不符合" else None} for i, r in results.items()])
    _write(folder, "rectifications", [{"inspection_code": code, "item_code": "E3",
                                       "due_on": today + dt.timedelta(days=30)}])


def time_loads(path: Path, today: dt.date, organs: int, work: Path, small_loads: int = 3) -> list[dict]:
    from etl import pipeline
    from warehouse import db
    copy = work / "loads.duckdb"
    shutil.copyfile(path, copy)
    con = db.connect(copy, read_only=True)
    try:
        jurisdiction = (con.sql("SELECT jurisdiction FROM loads ORDER BY load_id DESC LIMIT 1").fetchall() or [[None]])[0][0]
    finally:
        con.close()
    out = []
    organ = bulk_files(work / "bulk", organs, today)
    loads = [(f"bulk load ({organs:,} new organs)", work / "bulk")]
    # several small loads, one after the other: a one-inspection load's own time varies by a second
    # from run to run (mostly the copy of the warehouse file), so one of them says little
    for k in range(1, small_loads + 1):
        small_files(work / f"small{k}", organ, today, code=f"JZJC-SMALL-{k}")
        loads.append((f"small load (1 inspection) #{k}", work / f"small{k}"))
    for label, folder in loads:
        t = time.perf_counter()
        result = pipeline.run([folder], pipeline.Settings(copy, jurisdiction or "330000", today))
        total = time.perf_counter() - t
        con = db.connect(copy, read_only=True)
        try:
            mode, seconds, touched, scope_organs = con.sql(
                "SELECT mode, seconds, touched_inspections, scope_organs FROM mart_refresh_log "
                "ORDER BY refreshed_at DESC, load_id DESC LIMIT 1").fetchall()[0]
        finally:
            con.close()
        summary = result.summary()
        own = total - seconds
        refresh = result.refresh
        out.append({"load": label, "rows_loaded": summary["rows_loaded"], "rows_rejected": summary["rows_rejected"],
                    "load_seconds": round(total, 2), "refresh_seconds": round(seconds, 2), "refresh_mode": mode,
                    "touched_inspections": touched, "scope_organs": scope_organs,
                    "refresh_share_of_rest": round(seconds / own, 3) if own > 0 else None,
                    "refresh_steps_ms": {k: round(v * 1000, 1) for k, v in (refresh.steps if refresh else {}).items()},
                    "refresh_statements_ms": {k: round(v * 1000, 1)
                                              for k, v in (refresh.statements if refresh else {}).items()},
                    "refresh_other_ms": round((refresh.seconds - sum(refresh.statements.values())) * 1000, 1)
                    if refresh else None})
    return out


def rebuild(path: Path, today: dt.date) -> dict:
    from warehouse import db, marts
    con = db.connect(path)
    try:
        with db.transaction(con):
            stats = marts.rebuild(con, today=today)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return {"seconds": round(stats.seconds, 1), "steps": {k: round(v, 2) for k, v in stats.steps.items()}}


# -- main --------------------------------------------------------------------------------------------------

def print_refresh_statements(loads: list[dict], top: int) -> None:
    """Where each load's refresh went: its statements' sum and count, the rest of its steps (the
    preparation, the cube merges), and its `top` slowest statements."""
    for r in loads:
        statements = r["refresh_statements_ms"]
        in_files = sum(statements.values())
        print(f"\n{r['load']}: refresh {r['refresh_seconds']} s; {len(statements)} statements {in_files:,.1f} ms, "
              f"the rest (preparation, cube merges, clean-up) {r['refresh_other_ms']:,.1f} ms")
        for key, ms in sorted(statements.items(), key=lambda kv: -kv[1])[:top]:
            print(f"    {key:<36} {ms:8.1f} ms")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each query function (after one warm-up)")
    parser.add_argument("--raw-runs", type=int, default=3, help="timed runs of each raw-table computation")
    parser.add_argument("--bulk-organs", type=int, default=2000)
    parser.add_argument("--rebuild", action="store_true", help="first rebuild every mart (timed)")
    parser.add_argument("--small-loads", type=int, default=3, help="one-inspection loads after the bulk load")
    parser.add_argument("--no-loads", action="store_true")
    parser.add_argument("--refresh-statements", type=int, default=0, metavar="N",
                        help="print each load's N slowest refresh statements (file#index in warehouse/sql/marts)")
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args(argv)
    from warehouse import db, queries as q
    db.connect(a.warehouse).close()     # a warehouse of an earlier release is migrated first
    con = q.connect(a.warehouse)
    try:
        today = q.marts_as_of(con)["today"]
        sizes = dict(con.sql("SELECT 'organs', count(*) FROM organs UNION ALL SELECT 'inspection_items', count(*) "
                             "FROM inspection_items UNION ALL SELECT 'inspections', count(*) FROM inspections "
                             "UNION ALL SELECT 'rectifications', count(*) FROM rectifications").fetchall())
    finally:
        con.close()
    print(f"warehouse {a.warehouse}: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()) + f"; today {today}",
          flush=True)
    report: dict = {"warehouse": str(a.warehouse), "rows": sizes, "today": str(today)}
    if a.rebuild:
        report["rebuild"] = rebuild(a.warehouse, today)
        print(f"\nfull rebuild of every mart: {report['rebuild']['seconds']} s", flush=True)
        for step, sec in report["rebuild"]["steps"].items():
            print(f"    {step:<32} {sec:7.2f} s")
    report["queries"] = time_queries(a.warehouse, today, a.runs)
    print(f"\n{'page':<15} {'query function (warm, ' + str(a.runs) + ' runs)':<62} {'p50 ms':>8} {'p95 ms':>8} {'rows':>8}")
    for r in report["queries"]:
        flag = "" if r["p95_ms"] <= 100 else "  > 100"
        print(f"{r['page']:<15} {r['call']:<62} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['rows']:>8,}{flag}")
    worst = max(r["p95_ms"] for r in report["queries"])
    over = [r for r in report["queries"] if r["p95_ms"] > 100]
    print(f"  {len(report['queries'])} calls; the slowest p95 {worst} ms; {len(over)} over 100 ms", flush=True)
    report["raw"] = raw_comparisons(a.warehouse, today, a.raw_runs, a.runs)
    print(f"\n{'figure':<42} {'filters':<16} {'query p95':>10} {'raw tables':>11} {'same':>6}")
    for r in report["raw"]:
        print(f"{r['figure']:<42} {r['filters']:<16} {r['query_p95_ms']:>7} ms {r['raw_p50_ms']:>8} ms "
              f"{'yes' if r['same_answer'] else 'NO':>6}")
    if not a.no_loads:
        with tempfile.TemporaryDirectory(prefix="bench-analytics-", dir=a.warehouse.parent) as work:
            report["loads"] = time_loads(a.warehouse, today, a.bulk_organs, Path(work), a.small_loads)
        print(f"\n{'load':<32} {'rows':>9} {'load s':>8} {'refresh s':>10} {'mode':>12} {'refresh / rest':>15}")
        for r in report["loads"]:
            print(f"{r['load']:<32} {r['rows_loaded']:>9,} {r['load_seconds']:>8} {r['refresh_seconds']:>10} "
                  f"{r['refresh_mode']:>12} {r['refresh_share_of_rest']:>14.0%}")
        if a.refresh_statements:
            print_refresh_statements(report["loads"], a.refresh_statements)
        small = [r for r in report["loads"] if r["load"].startswith("small")]
        if small:
            print(f"  small loads: refresh median {statistics.median(r['refresh_seconds'] for r in small):.2f} s, "
                  f"{statistics.median(r['refresh_share_of_rest'] for r in small):.0%} of the rest (target under 10 %)")
    if a.json:
        print(json.dumps(report, ensure_ascii=False, default=str))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
