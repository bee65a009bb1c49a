"""Does every rebuild give the same answer? Two copies of a warehouse, every mart rebuilt in each,
compared row for row.

    .venv/bin/python -m benchmarks.determinism --warehouse /tmp/probe100k.duckdb [--work /dev/shm]

Each mart (and tier_history) of one copy against the other, both ways (EXCEPT ALL), leaving out the
columns that record when or how long (refreshed_at, recorded_at, seconds, history_id). On a small
warehouse the threads rarely meet, so the check says most on a large one: the figures of the annual
report must come out the same from any rebuild.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from benchmarks.analytics import rebuild

# columns that say when or how long, not what
CLOCK_COLUMNS = {"refreshed_at", "recorded_at", "seconds", "history_id"}


def compared_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = $db "
        "AND (table_name LIKE 'mart\\_%' ESCAPE '\\' OR table_name = 'tier_history') ORDER BY table_name",
        {"db": database}).fetchall()]


def differences(first: Path, second: Path) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows in the first, rows only in the first, rows only in the second)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{first}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{second}' AS b (READ_ONLY)")
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=None, help="where the two copies go (default: beside it)")
    a = parser.parse_args(argv)
    from warehouse import queries as q
    con = q.connect(a.warehouse)
    try:
        today = q.marts_as_of(con)["today"]
    finally:
        con.close()
    with tempfile.TemporaryDirectory(prefix="determinism-", dir=a.work or a.warehouse.parent) as work:
        copies = [Path(work) / "first.duckdb", Path(work) / "second.duckdb"]
        for copy in copies:
            shutil.copyfile(a.warehouse, copy)
            print(f"rebuilt {copy.name}: {rebuild(copy, today)['seconds']} s", flush=True)
        found = differences(*copies)
    print(f"\n{'table':<32} {'rows':>11} {'only first':>11} {'only second':>12}")
    for table, (rows, only_a, only_b) in found.items():
        print(f"{table:<32} {rows:>11,} {only_a:>11,} {only_b:>12,}")
    differing = [t for t, (_, x, y) in found.items() if x or y]
    print(f"\n{len(found)} tables; " + (f"{len(differing)} differ: {', '.join(differing)}" if differing
                                       else "every one the same"))
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
