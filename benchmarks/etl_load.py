"""Validated-load throughput beside DuckDB's own CSV ingest, and peak memory (issue: ETL §8).

    python -m benchmarks.etl_load [--rows 2000000] [--dir /tmp/oversight-bench] [--no-xlsx]

Generates inspection items (with the organs and inspections they refer to), then measures, each
step in a fresh process so that its peak memory is its own:
  raw       DuckDB `CREATE TABLE … AS SELECT * FROM read_csv(items.csv)` into a new file
  csv       `oversight load items.csv` into a warehouse that already holds the organs and inspections
  xlsx      the same rows as an .xlsx workbook (two sheets: Excel stops at 1,048,576 rows a sheet)
and prints rows per second, the ratio to DuckDB's raw rate, and peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

TODAY = dt.date(2026, 11, 25)
EXCEL_SHEET_ROWS = 1_000_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_raw(folder: Path) -> dict:
    import duckdb
    target = folder / "raw.duckdb"
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    start = time.perf_counter()
    con.execute("CREATE TABLE items AS SELECT * FROM read_csv($p)", {"p": str(folder / "inspection_items.csv")})
    seconds = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM items").fetchall()[0][0]
    con.close()
    target.unlink()
    return {"rows": rows, "seconds": seconds}


def _prepared_warehouse(folder: Path, name: str) -> Path:
    from etl import pipeline
    warehouse = folder / f"{name}.duckdb"
    warehouse.unlink(missing_ok=True)
    pipeline.run([folder / "organs.csv", folder / "inspections.csv"],
                 pipeline.Settings(warehouse, "330000", TODAY))
    return warehouse


def _timed_load(folder: Path, name: str, source: Path) -> dict:
    from etl import pipeline
    warehouse = _prepared_warehouse(folder, name)
    start = time.perf_counter()
    result = pipeline.run([source], pipeline.Settings(warehouse, "330000", TODAY))
    seconds = time.perf_counter() - start
    summary = result.summary()
    warehouse.unlink()
    return {"rows": summary["rows_loaded"], "rejected": summary["rows_rejected"], "seconds": seconds}


def step_csv(folder: Path) -> dict:
    return _timed_load(folder, "csv", folder / "inspection_items.csv")


def step_xlsx(folder: Path) -> dict:
    return _timed_load(folder, "xlsx", folder / "inspection_items.xlsx")


def write_xlsx(folder: Path) -> None:
    """The items CSV as a workbook, written once (not timed)."""
    import polars as pl
    import xlsxwriter
    frame = pl.read_csv(folder / "inspection_items.csv", infer_schema=False)
    wb = xlsxwriter.Workbook(str(folder / "inspection_items.xlsx"), {"constant_memory": True})
    for part, offset in enumerate(range(0, frame.height, EXCEL_SHEET_ROWS), start=1):
        ws = wb.add_worksheet(f"检查项结果{part}")
        ws.write_row(0, 0, frame.columns)
        for r, row in enumerate(frame.slice(offset, EXCEL_SHEET_ROWS).iter_rows(), start=1):
            ws.write_row(r, 0, row)
    wb.close()


STEPS = {"raw": step_raw, "csv": step_csv, "xlsx": step_xlsx}


def _run_step(name: str, folder: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.etl_load", "--step", name, "--dir", str(folder)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/oversight-bench"))
    parser.add_argument("--no-xlsx", action="store_true")
    parser.add_argument("--step", choices=STEPS)
    args = parser.parse_args()
    if args.step:
        figures = STEPS[args.step](args.dir)
        figures["peak_mb"] = _peak_mb()
        print(json.dumps(figures))
        return

    from etl.sample import generate_items_benchmark
    shutil.rmtree(args.dir, ignore_errors=True)
    started = time.perf_counter()
    generate_items_benchmark(args.dir, args.rows, today=TODAY)
    print(f"generated {args.rows:,} inspection items in {time.perf_counter() - started:.1f} s ({args.dir})")
    steps = ["raw", "csv"]
    if not args.no_xlsx:
        started = time.perf_counter()
        write_xlsx(args.dir)
        print(f"wrote the .xlsx copy in {time.perf_counter() - started:.1f} s")
        steps.append("xlsx")
    results = {name: _run_step(name, args.dir) for name in steps}
    raw_rate = results["raw"]["rows"] / results["raw"]["seconds"]
    print(f"\n{'step':<6}{'rows':>12}{'seconds':>10}{'rows/s':>12}{'vs raw':>9}{'peak MB':>10}")
    for name, r in results.items():
        rate = r["rows"] / r["seconds"]
        print(f"{name:<6}{r['rows']:>12,}{r['seconds']:>10.2f}{rate:>12,.0f}{rate / raw_rate:>8.0%}{r['peak_mb']:>10,.0f}")
    shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
