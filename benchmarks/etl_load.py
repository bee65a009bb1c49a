"""Validated-load throughput beside DuckDB's own CSV ingest, and peak memory (issue: ETL §8).

    python -m benchmarks.etl_load [--rows 2000000] [--dir /tmp/oversight-bench] [--no-xlsx]

Generates inspection items (with the organs and inspections they refer to), then measures, each
step in a fresh process so that its peak memory is its own:
  raw       DuckDB `CREATE TABLE … AS SELECT * FROM read_csv(items.csv)` into a new file
  csv       `oversight load items.csv` into a warehouse that already holds the organs and inspections
  xlsx      the same rows as an .xlsx workbook (two sheets: Excel stops at 1,048,576 rows a sheet)
  insert    DuckDB's own INSERT of the same four columns, already in memory (Arrow), into a new file:
            the engine's write alone, without parsing
  write     only the write every load must do: the same rows, already parsed and checked, with the
            contract's lineage columns (batch, file, row, time), written by the loader's own
            store.replace_rows into that warehouse and committed — the floor under any validated load
and prints rows per second, the ratio to DuckDB's raw rate, and peak resident memory. For csv and
xlsx it also splits the time into the mart refresh (mart_refresh_log) and the load's own time.
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


def step_insert(folder: Path) -> dict:
    import duckdb
    import polars as pl
    frame = pl.read_csv(folder / "inspection_items.csv", infer_schema=False).to_arrow()  # noqa: F841
    target = folder / "insert.duckdb"
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    start = time.perf_counter()
    con.execute("CREATE TABLE items AS SELECT * FROM frame")
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
    from warehouse import db
    warehouse = _prepared_warehouse(folder, name)
    start = time.perf_counter()
    result = pipeline.run([source], pipeline.Settings(warehouse, "330000", TODAY))
    seconds = time.perf_counter() - start
    summary = result.summary()
    con = db.connect(warehouse, read_only=True)
    try:
        refresh = con.execute("SELECT seconds FROM mart_refresh_log WHERE load_id = $id",
                              {"id": result.load_id}).fetchall()[0][0]
    finally:
        con.close()
    warehouse.unlink()
    return {"rows": summary["rows_loaded"], "rejected": summary["rows_rejected"], "seconds": seconds,
            "refresh_seconds": refresh}


def step_write(folder: Path) -> dict:
    """The loader's write of the rows (parsed and checked beforehand, untimed) and its commit."""
    import polars as pl

    from schemas.kinds import BY_NAME
    from warehouse import db, store
    warehouse = _prepared_warehouse(folder, "write")
    names = [c.name for c in BY_NAME["inspection_items"].columns]
    frame = pl.read_csv(folder / "inspection_items.csv", infer_schema=False)
    rows = frame.rename(dict(zip(frame.columns, names))).with_columns(
        source_row=pl.int_range(2, frame.height + 2, dtype=pl.Int64), batch_id=pl.lit(10**6, pl.Int64),
        source_file=pl.lit(str(folder / "inspection_items.csv")),
        loaded_at=pl.lit(dt.datetime.now().replace(microsecond=0), pl.Datetime("us")))
    start = time.perf_counter()
    written = db.write(warehouse, lambda con: store.replace_rows(con, "inspection_items", rows))
    seconds = time.perf_counter() - start
    warehouse.unlink()
    return {"rows": written, "seconds": seconds}


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


STEPS = {"raw": step_raw, "insert": step_insert, "write": step_write, "csv": step_csv, "xlsx": step_xlsx}


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
    steps = ["raw", "insert", "write", "csv"]
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
    for name, r in results.items():
        if "refresh_seconds" in r:
            own = r["seconds"] - r["refresh_seconds"]
            print(f"{name}: mart refresh {r['refresh_seconds']:.2f} s; the load's own time {own:.2f} s "
                  f"({r['rows'] / own / raw_rate:.0%} of the raw rate)")
    floor = results["write"]["seconds"] / results["raw"]["seconds"]
    print(f"the write alone takes {floor:.0%} of raw's time; a load at 50 % of the raw rate may take 200 % "
          f"for everything (reading, checking, writing, deriving)")
    shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
