"""Do the marts give one answer however they were built? Two copies of a warehouse compared mart for
mart, row for row.

    .venv/bin/python -m benchmarks.determinism --warehouse /tmp/probe100k.duckdb [--work /dev/shm]
    .venv/bin/python -m benchmarks.determinism --warehouse /tmp/probe100k.duckdb --after-loads

By default every mart is rebuilt in each copy: does a rebuild give the same answer twice? With
--after-loads one copy is rebuilt, then brought up to date by the loads of benchmarks.analytics (a
bulk load of --bulk-organs new organs and --small-loads one-inspection loads, each refreshing the
marts by difference), and compared with a copy of the result rebuilt whole: does the incremental
refresh keep what a rebuild would give?

Each mart (and tier_history; not the refresh log) of one copy against the other, both ways (EXCEPT
ALL), leaving out the columns that record when or how long (recorded_at, history_id). On a small
warehouse the threads rarely meet, so the check says most on a large one: the figures of the annual
report must come out the same from any refresh.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from benchmarks.analytics import rebuild, time_loads
from warehouse import sqlfiles

# columns that say when, not what (the refresh log, a log of the refreshes themselves, is left out)
CLOCK_COLUMNS = {"recorded_at", "history_id"}


def compared_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = $db "
        "AND (table_name LIKE 'mart\\_%' ESCAPE '\\' OR table_name = 'tier_history') "
        "AND table_name <> 'mart_refresh_log' ORDER BY table_name",
        {"db": database}).fetchall()]


def differences(first: Path, second: Path) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows in the first, rows only in the first, rows only in the second)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {sqlfiles.literal(str(first))} AS a (READ_ONLY)")
        con.execute(f"ATTACH {sqlfiles.literal(str(second))} AS b (READ_ONLY)")
        out = {}
        for table in compared_tables(con, "a"):
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'a' AND table_name = $t "
                "ORDER BY column_index", {"t": table}).fetchall() if r[0] not in CLOCK_COLUMNS]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows, only_a, only_b = con.execute(
                f"SELECT (SELECT count(*) FROM a.{table}), "
                f"(SELECT count(*) FROM (SELECT {listed} FROM a.{table} EXCEPT ALL SELECT {listed} FROM b.{table})), "
                f"(SELECT count(*) FROM (SELECT {listed} FROM b.{table} EXCEPT ALL SELECT {listed} FROM a.{table}))"
            ).fetchall()[0]
            out[table] = (rows, only_a, only_b)
        return out
    finally:
        con.close()


def after_loads(warehouse: Path, today, work: Path, bulk_organs: int, small_loads: int) -> list[Path]:
    """The marts after the benchmark's loads, refreshed by difference from a rebuilt start, and the
    same rows rebuilt whole."""
    start, rebuilt = work / "start.duckdb", work / "rebuilt.duckdb"
    shutil.copyfile(warehouse, start)
    print(f"rebuilt the start: {rebuild(start, today)['seconds']} s", flush=True)
    for load in time_loads(start, today, bulk_organs, work, small_loads):
        print(f"{load['load']}: {load['rows_loaded']:,} rows, refresh {load['refresh_mode']}", flush=True)
    loaded = work / "loads.duckdb"  # where time_loads leaves them
    shutil.copyfile(loaded, rebuilt)
    print(f"rebuilt after the loads: {rebuild(rebuilt, today)['seconds']} s", flush=True)
    return [loaded, rebuilt]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=None, help="where the copies go (default: beside it)")
    parser.add_argument("--after-loads", action="store_true",
                        help="compare the marts kept by the loads' refreshes with a rebuild of the result")
    parser.add_argument("--bulk-organs", type=int, default=2000)
    parser.add_argument("--small-loads", type=int, default=3)
    a = parser.parse_args(argv)
    from warehouse import queries as q
    con = q.connect(a.warehouse)
    try:
        today = q.marts_as_of(con)["today"]
    finally:
        con.close()
    with tempfile.TemporaryDirectory(prefix="determinism-", dir=a.work or a.warehouse.parent) as work:
        work = Path(work)
        if a.after_loads:
            copies = after_loads(a.warehouse, today, work, a.bulk_organs, a.small_loads)
        else:
            copies = [work / "first.duckdb", work / "second.duckdb"]
            for copy in copies:
                shutil.copyfile(a.warehouse, copy)
                print(f"rebuilt {copy.name}: {rebuild(copy, today)['seconds']} s", flush=True)
        found = differences(*copies)
    first, second = ("by the loads", "rebuilt") if a.after_loads else ("first", "second")
    print(f"\n{'table':<32} {'rows':>11} {'only ' + first:>17} {'only ' + second:>13}")
    for table, (rows, only_a, only_b) in found.items():
        print(f"{table:<32} {rows:>11,} {only_a:>17,} {only_b:>13,}")
    differing = [t for t, (_, x, y) in found.items() if x or y]
    print(f"\n{len(found)} tables; " + (f"{len(differing)} differ: {', '.join(differing)}" if differing
                                       else "every one the same"))
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
