"""DuckLake beside the embedded file: N concurrent loaders and dashboard query latency.

    python -m benchmarks.ducklake                      # or: make bench-ducklake
    python -m benchmarks.ducklake --loaders 1,2,4 --organs 120 --rounds 5
    python -m benchmarks.ducklake --lake 'ducklake:postgres:dbname=… host=… user=…'   # an existing server

1. Loaders: for each N, a fresh warehouse of each kind gets the same base load, then N `oversight load`
   processes start at once, each with its own seeded sample (about 11,000 rows at the default size),
   as loaders on N machines would. Throughput = rows loaded by all N / wall time from the first start
   to the last exit (process start-up included). Printed per backend, and lake/file as a ratio.
2. Dashboard queries: on the warehouses the N = max run left, the query functions the pages call,
   each as a page callback does it with the cache off: open a reader, run the function, close it;
   plus the version check every callback makes. A first round warms up; --rounds more are timed.

Without --lake a PostgreSQL server is started in a temporary folder for the run (Debian's initdb and
pg_ctl, as the tests do: tests/lake_support.py); with --lake the lakes are schemas `bench_*` of that
database, left for you to drop. Figures print as tables; --json prints them as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TODAY = dt.date(2026, 11, 25)
JURISDICTION = "330000"


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "—"


# -- loaders ---------------------------------------------------------------------------------------

def samples(folder: Path, count: int, organs: int) -> list[Path]:
    """`count` seeded samples of the province (seed 1 is the base load), written once."""
    from etl import sample
    out = []
    for seed in range(1, count + 1):
        target = folder / f"sample-{organs}-{seed}"
        if not target.exists():
            sample.generate(target, organs=organs, seed=seed, today=TODAY)
        out.append(target)
    return out


def _load(loc, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "OVERSIGHT_WAREHOUSE": str(loc), "OVERSIGHT_JURISDICTION": JURISDICTION,
           "OVERSIGHT_TODAY": TODAY.isoformat()}
    return subprocess.Popen([sys.executable, "-m", "etl.cli", "load", str(folder), "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen) -> int:
    out, err = process.communicate()
    if process.returncode not in (0, 1):
        raise SystemExit(f"a load failed ({process.returncode}): {err.strip()[-800:]}")
    return json.loads(out)["rows_loaded"]


def concurrent_loads(loc, base: Path, folders: list[Path]) -> dict:
    _finish(_load(loc, base))
    start = time.perf_counter()
    rows = sum(_finish(p) for p in [_load(loc, f) for f in folders])
    seconds = time.perf_counter() - start
    return {"loaders": len(folders), "rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}


# -- dashboard queries -----------------------------------------------------------------------------

def query_cases():
    from warehouse import queries
    f = queries.Filters(today=TODAY)
    return {
        "kpis": lambda con: queries.kpis(con, f),
        "compliance_trend": lambda con: queries.compliance_trend(con, f),
        "grade_distribution": lambda con: queries.grade_distribution(con, f),
        "failing_categories": lambda con: queries.failing_categories(con, f),
        "vendor_risk": lambda con: queries.vendor_risk(con, f, limit=50),
        "organ_schedule": lambda con: queries.organ_schedule(con, f, limit=50),
        "rectifications": lambda con: queries.rectifications(con, f, limit=50),
        "incidents": lambda con: queries.incidents(con, f, limit=50),
        "submission_completeness": lambda con: queries.submission_completeness(con, f, limit=50),
        "data_as_of": lambda con: queries.data_as_of(con, f),
        "load_history": lambda con: queries.load_history(con),
    }


def query_latency(loc, rounds: int) -> dict:
    from warehouse import db, queries
    timings: dict[str, list[float]] = {"version check": []}
    for r in range(rounds + 1):
        t = time.perf_counter()
        db.version(loc)
        if r:
            timings["version check"].append(time.perf_counter() - t)
        for name, fn in query_cases().items():
            t = time.perf_counter()
            con = queries.connect(loc)
            try:
                fn(con)
            finally:
                con.close()
            if r:  # the first round warms up
                timings.setdefault(name, []).append(time.perf_counter() - t)
    every = [s for name, v in timings.items() if name != "version check" for s in v]
    return {"all": _stats(every), **{name: _stats(v) for name, v in timings.items()}}


# -- the run ---------------------------------------------------------------------------------------

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loaders", default="1,2,4", help="numbers of concurrent loaders (default 1,2,4)")
    parser.add_argument("--organs", type=int, default=120, help="organs per loader's sample (default 120)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of the query functions")
    parser.add_argument("--lake", help="an existing PostgreSQL for the lakes: ducklake:postgres:<conninfo>")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "oversight-bench-ducklake")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.loaders.split(",")]
    args.dir.mkdir(parents=True, exist_ok=True)

    from tests.lake_support import Postgres
    from warehouse import db
    from warehouse.lake import Lake
    stamp = f"{os.getpid()}_{int(time.time())}"
    server = None if args.lake else Postgres().start()
    conninfo = db.location(args.lake).conninfo if args.lake else server.conninfo
    try:
        base, *folders = samples(args.dir, 1 + max(counts), args.organs)
        loads: dict[str, list[dict]] = {"file": [], "lake": []}
        last: dict[str, object] = {}
        for n in counts:
            for kind in ("file", "lake"):
                run = args.dir / f"run-{stamp}-{kind}-{n}"
                loc = run / "oversight.duckdb" if kind == "file" else \
                    Lake(conninfo, data_path=f"{run}/lake-data/", metadata_schema=f"bench_{stamp}_{n}")
                result = concurrent_loads(loc, base, folders[:n])
                loads[kind].append(result)
                last[kind] = loc
                print(f"{kind:<4} N={n}: {result['rows']:,} rows in {result['seconds']} s", flush=True)
        latency = {kind: query_latency(loc, args.rounds) for kind, loc in last.items()}
    finally:
        if server is not None:
            server.stop()
        for run in args.dir.glob(f"run-{stamp}-*"):   # the samples stay for the next run
            shutil.rmtree(run, ignore_errors=True)
    report(loads, latency, counts, args.json)


def report(loads: dict, latency: dict, counts: list[int], as_json: bool) -> None:
    print("\nConcurrent loaders (rows/s; ratio to the file; speed-up over N=1 of the same backend)")
    print(f"{'N':>3} {'file rows/s':>12} {'lake rows/s':>12} {'lake/file':>10} {'file ×N=1':>10} {'lake ×N=1':>10}")
    for i, n in enumerate(counts):
        f, k = loads["file"][i]["rows_per_s"], loads["lake"][i]["rows_per_s"]
        print(f"{n:>3} {f:>12,} {k:>12,} {_ratio(k, f):>10} {_ratio(f, loads['file'][0]['rows_per_s']):>10} "
              f"{_ratio(k, loads['lake'][0]['rows_per_s']):>10}")
    print("\nDashboard queries (open a reader, run, close; cache off): p50 / p95 in ms")
    print(f"{'query':<26} {'file':>14} {'lake':>14} {'lake/file p50':>14}")
    for name in latency["file"]:
        f, k = latency["file"][name], latency["lake"][name]
        print(f"{name:<26} {f['p50_ms']:>6} / {f['p95_ms']:<6} {k['p50_ms']:>6} / {k['p95_ms']:<6} "
              f"{_ratio(k['p50_ms'], f['p50_ms']):>14}")
    if as_json:
        print(json.dumps({"loads": loads, "latency": latency}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
