"""Dashboard speed: server time per callback, and each page fully rendered in chromium.

    python -m benchmarks.dashboards                      # builds a national bulk warehouse of --organs 2000
    python -m benchmarks.dashboards --organs 100000      # the national scale (a long build: 33 M checklist rows)
    python -m benchmarks.dashboards --warehouse W.duckdb # an existing warehouse

1. Server time per callback: every page's callbacks (the router and each panel, grid blocks) under
   five filter sets, called in-process through Flask's test client (the same code gunicorn runs,
   without the network). Warm: a first pass is not counted. Printed twice: with the per-process cache
   off (every callback queries DuckDB) and on (repeat views). Target: p95 ≤ 150 ms.
2. Page render: `oversight serve` in a subprocess, Debian's chromium through Playwright; the time
   from navigation until the page's last panel has rendered (no Dash loading state left), each page
   visited once to warm up and then --rounds times. Target: ≤ 3 s.

The app requires a signed-in user: the benchmark creates an administrator account `bench` in the
warehouse when it is missing (scope: the warehouse's jurisdiction, else national), signs the Flask
test client in through the sign-in form (with the CSRF header the browser sends) and chromium
through the /login page. "today" defaults to the date of the warehouse's last mart refresh.

The build uses `oversight sample --bulk --format csv` and a load with the national jurisdiction
(100000). Figures print as a table; --json prints them as one JSON object too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 25)
BENCH_USER, BENCH_PASSWORD = "bench", "bench-password-1"


# -- the warehouse ---------------------------------------------------------------------------------

def build(folder: Path, organs: int, today: dt.date) -> Path:
    from etl import pipeline
    from etl import sample as gen
    warehouse = folder / f"national-{organs}.duckdb"
    if warehouse.exists():
        print(f"using {warehouse}", flush=True)
        return warehouse
    bulk = folder / f"bulk-{organs}"
    shutil.rmtree(bulk, ignore_errors=True)
    t = time.perf_counter()
    manifest = gen.generate_bulk(bulk, fmt="csv", organs=organs, vendors=max(organs // 20, 10), today=today)
    print(f"generated {manifest.get('rows_by_kind') or manifest.get('rows')} in {time.perf_counter() - t:.1f} s",
          flush=True)
    t = time.perf_counter()
    work = warehouse.with_suffix(".building.duckdb")
    result = pipeline.run([bulk], pipeline.Settings(work, "100000", today), write=True)
    os.replace(work, warehouse)
    summary = result.summary()
    print(f"loaded {summary['rows_loaded']:,} rows ({summary['rows_rejected']:,} rejected) in "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    shutil.rmtree(bulk, ignore_errors=True)
    return warehouse


def ensure_account(warehouse: Path) -> None:
    """The benchmark's administrator account, created once per warehouse (its scope: the
    warehouse's jurisdiction, else national)."""
    from warehouse import access, db
    con = db.connect(warehouse, read_only=True)
    try:
        exists = access.get_user(con, BENCH_USER) is not None
        jurisdiction = db.get_setting(con, "jurisdiction")
    finally:
        con.close()
    if not exists:
        access.add_user(warehouse, BENCH_USER, "admin", jurisdiction or "100000", BENCH_PASSWORD,
                        display_name="性能基准", actor="benchmark")


def refresh_day(warehouse: Path) -> dt.date | None:
    """The "today" of the warehouse's last mart refresh (None before the first load)."""
    from warehouse import queries
    con = queries.connect(warehouse)
    try:
        last = queries.marts_as_of(con)
    finally:
        con.close()
    return last["today"] if last else None


# -- server time per callback ------------------------------------------------------------------------

def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}


def callback_cases(client, warehouse: Path, today: dt.date) -> list[tuple[str, list, list, list]]:
    """(label, outputs, inputs, state) for every browsing callback of every page, under five filter sets."""
    from warehouse import queries
    con = queries.connect(warehouse)
    try:
        schedule = queries.organ_schedule(con, queries.Filters(today=today))
        vendors = queries.vendor_risk(con, queries.Filters(today=today))
    finally:
        con.close()
    big = (schedule.group_by(schedule["region_code"].str.slice(0, 2)).len().sort("len", descending=True)
           ["region_code"][0]) + "0000"
    vendor = vendors["vendor_code"][0]
    organ = schedule.filter(schedule["status"] == "overdue")["organ_code"][0] if schedule.height else None
    qs = queries.quarter_start(today)
    last_q = queries.add_months(qs, -3)
    period = f"{last_q.year}-Q{(last_q.month - 1) // 3 + 1}"
    filter_sets = [{}, {"region": big}, {"period": period}, {"tier": "D"}, {"service": "档案整理"}]
    cases = []

    def add(label, outputs, inputs, state=()):
        cases.append((label, list(outputs), list(inputs), list(state)))

    for params in filter_sets:
        tag = ",".join(f"{k}={v}" for k, v in params.items()) or "no filter"
        search = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        for path in ("/", "/vendors", "/overdue", "/submissions"):
            add(f"router {path} [{tag}]", [("_pages_content", "children"), ("_pages_store", "data")],
                [("_pages_location", "pathname", path), ("_pages_location", "search", search)])
        for sec in ("ov-kpis", "ov-trend", "ov-trend-region", "ov-grades", "ov-categories", "ov-incidents",
                    "ov-vendors", "ov-regions"):
            add(f"{sec} [{tag}]", [(sec, "children")], [("ov-params", "data", params)])
        add(f"vr-tiers [{tag}]", [("vr-tiers", "children")], [("vr-params", "data", params)])
        for block, sort in (((0, 50), []), ((500, 550), [{"colId": "vendor_link", "sort": "asc"}])):
            add(f"vr-grid rows {block} [{tag}]", [("vr-grid", "getRowsResponse"), ("vr-count", "children")],
                [("vr-grid", "getRowsRequest", {"startRow": block[0], "endRow": block[1], "sortModel": sort})],
                [("vr-params", "data", params)])
        for view in ("checks", "rectifications"):
            p = {**params, "view": view}
            add(f"od-grid {view} [{tag}]", [("od-grid", "getRowsResponse"), ("od-count", "children")],
                [("od-grid", "getRowsRequest", {"startRow": 0, "endRow": 50, "sortModel": []})],
                [("od-params", "data", p)])
        add(f"od-summary [{tag}]", [("od-summary", "children")], [("od-params", "data", params)])
        for sec in ("sub-history", "sub-rejected", "sub-matrix"):
            add(f"{sec} [{tag}]", [(sec, "children")], [("sub-params", "data", params), ("sub-loaded", "data", None)])
    add("router vendor profile", [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", f"/vendors/{vendor}"), ("_pages_location", "search", "")])
    for sec in ("vp-identity", "vp-waterfall", "vp-levers", "vp-quals", "vp-history", "vp-organs", "vp-inspections",
                "vp-evals", "vp-incidents", "vp-rects"):
        add(sec, [(sec, "children")], [("vp-params", "data", {"code": vendor})])
    if organ:
        region = schedule.filter(schedule["organ_code"] == organ)["region_code"][0]
        add("router organ profile", [("_pages_content", "children"), ("_pages_store", "data")],
            [("_pages_location", "pathname", f"/organs/{organ}"), ("_pages_location", "search", "")])
        for sec in ("op-projects", "op-inspections", "op-repeats", "op-rects", "op-incidents", "op-history",
                    "op-submissions"):
            add(sec, [(sec, "children")], [("op-params", "data", {"code": organ, "organ_region": region})])
    return cases


def time_callbacks(warehouse: Path, today: dt.date, rounds: int) -> dict:
    os.environ["OVERSIGHT_WAREHOUSE"] = str(warehouse)
    os.environ["OVERSIGHT_TODAY"] = today.isoformat()
    from dashboards import data
    from dashboards.app import app
    from tests.dash_support import BrowserLikeClient, call, sign_in
    app.server.test_client_class = BrowserLikeClient
    client = app.server.test_client()
    response = sign_in(client, BENCH_USER, BENCH_PASSWORD)
    if response.status_code != 302:
        raise SystemExit(f"could not sign in as {BENCH_USER}: HTTP {response.status_code}")
    cases = callback_cases(client, warehouse, today)
    results = {}
    for cache in (False, True):
        data.CACHE.clear()
        data.CACHE.enabled = cache
        samples: dict[str, list[float]] = {}
        for r in range(rounds + 1):
            for label, outputs, inputs, state in cases:
                t = time.perf_counter()
                status, body = call(client, outputs, inputs, state)
                took = time.perf_counter() - t
                if status not in (200, 204):
                    raise SystemExit(f"{label}: HTTP {status}")
                if "出错了" in json.dumps(body, ensure_ascii=False):
                    raise SystemExit(f"{label}: the panel shows an error; see the log above")
                if r > 0:  # the first pass warms up
                    samples.setdefault(label, []).append(took)
        flat = [s for v in samples.values() for s in v]
        slowest = sorted(((statistics.median(v), k) for k, v in samples.items()), reverse=True)[:6]
        results["cache_on" if cache else "cache_off"] = {
            **_stats(flat), "callbacks": len(samples),
            "slowest": [{"callback": k, "median_ms": round(m * 1000, 1)} for m, k in slowest],
            "per_callback": {k: round(statistics.median(v) * 1000, 1) for k, v in samples.items()}}
    data.CACHE.enabled = True
    return results


# -- page render in chromium -------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_pages(warehouse: Path, today: dt.date, rounds: int, workers: int) -> dict:
    from playwright.sync_api import sync_playwright
    from warehouse import queries
    con = queries.connect(warehouse)
    try:
        vendor = queries.vendor_risk(con, queries.Filters(today=today))["vendor_code"][0]
        schedule = queries.organ_schedule(con, queries.Filters(today=today))
        organ = schedule["organ_code"][0]
    finally:
        con.close()
    port = _free_port()
    log = tempfile.TemporaryFile(mode="w+")
    server = subprocess.Popen([sys.executable, "-m", "etl.cli", "serve", "--warehouse", str(warehouse), "--port",
                               str(port), "--workers", str(workers), "--today", today.isoformat()],
                              cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    pages = [("总览 /", "/", "#kpi-organs_supervised-value"), ("风险服务机构 /vendors", "/vendors", "#vr-grid .ag-row"),
             ("服务机构档案", f"/vendors/{vendor}", "#vp-waterfall-graph"),
             ("机关档案", f"/organs/{organ}", "#op-facts"),
             ("检查与整改 /overdue", "/overdue", "#od-grid .ag-row, #od-total"),
             ("数据报送 /submissions", "/submissions", "#sub-matrix-graph, #sub-matrix .empty-state")]
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    log.seek(0)
                    raise SystemExit("server did not start:\n" + log.read()[-3000:])
                time.sleep(0.3)
        out = {}
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(tempfile.mkdtemp(), executable_path=shutil.which("chromium"),
                                                           args=args, viewport={"width": 1440, "height": 1000})
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("#username", BENCH_USER)
            page.fill("#password", BENCH_PASSWORD)
            page.click("#login-submit")
            page.wait_for_url(base + "/")
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            for label, path, ready in pages:
                times = []
                for r in range(rounds + 1):
                    t = time.perf_counter()
                    page.goto(base + path)
                    page.wait_for_selector(ready, state="visible", timeout=60_000)
                    page.wait_for_function(
                        "() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0",
                        timeout=60_000)
                    if r > 0:
                        times.append(time.perf_counter() - t)
                out[label] = {"median_s": round(statistics.median(times), 2), "max_s": round(max(times), 2)}
            context.close()
        out["_console_errors"] = len(errors)
        return out
    finally:
        server.terminate()
        server.wait(timeout=30)


# -- main ---------------------------------------------------------------------------------------------

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, help="an existing warehouse (skips the build)")
    parser.add_argument("--organs", type=int, default=2000, help="organs in the bulk sample (national: 100000)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "oversight-bench-dashboards")
    parser.add_argument("--today", type=dt.date.fromisoformat,
                        help=f"the dashboards' today (default: the last mart refresh's, else {TODAY})")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args(argv)
    a.dir.mkdir(parents=True, exist_ok=True)
    warehouse = a.warehouse or build(a.dir, a.organs, a.today or TODAY)
    a.today = a.today or refresh_day(warehouse) or TODAY
    ensure_account(warehouse)
    from warehouse import queries
    con = queries.connect(warehouse)
    try:
        sizes = {k: int(v) for k, v in zip(*queries.data_as_of(con, queries.Filters(today=a.today))
                                          .select("kind", "rows_current").to_dict(as_series=False).values())}
    finally:
        con.close()
    print(f"warehouse {warehouse}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(sizes.items())), flush=True)
    report = {"warehouse": str(warehouse), "rows": sizes, "callbacks": time_callbacks(warehouse, a.today, a.rounds)}
    for mode, r in report["callbacks"].items():
        print(f"\nserver time per callback, {mode.replace('_', ' ')} ({r['callbacks']} callbacks × {a.rounds} rounds, warm): "
              f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, max {r['max_ms']} ms  (target p95 ≤ 150 ms)")
        for s in r["slowest"]:
            print(f"    {s['median_ms']:>8} ms  {s['callback']}")
    if not a.no_browser:
        report["pages"] = time_pages(warehouse, a.today, a.rounds, a.workers)
        print(f"\npage fully rendered in chromium ({a.rounds} visits after one warm-up; target ≤ 3 s):")
        for label, r in report["pages"].items():
            if not label.startswith("_"):
                print(f"    {label:<28} median {r['median_s']:.2f} s   max {r['max_s']:.2f} s")
        print(f"    console errors: {report['pages']['_console_errors']}")
    if a.json:
        print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
