"""Moving an embedded warehouse file into a DuckLake (`oversight migrate-to-ducklake`, docs/ducklake.md).

The file is first brought to the current migrations and held with its writer lock, so that no load
changes it during the copy. The lake is created (or opened: it must hold no data yet) with the same
migrations, then every table is copied in ONE lake transaction, with its ids as they are, and the row
counts are checked against the file's before it commits: either the whole warehouse is in the lake,
or nothing is. The file stays where it is (a backup); the lake is used from then on by pointing
OVERSIGHT_WAREHOUSE at it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import duckdb

from warehouse import db
from warehouse.lake import NAME, Lake
from warehouse.marts import CUBES

SOURCE = "migration_source"


class MigrationError(Exception):
    """The warehouse cannot be moved (message in Chinese); nothing was written."""


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND NOT temporary AND table_name <> 'schema_migrations' ORDER BY table_name", [database]).fetchall()]


def _counts(con: duckdb.DuckDBPyConnection, tables: list[str], prefix: str = "") -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {prefix}{t}").fetchall()[0][0] for t in tables}


def _copy(con: duckdb.DuckDBPyConnection, echo: Callable[[str], None]) -> dict[str, int]:
    """Every table of the attached file into the lake (one transaction: the caller's), counts checked."""
    # The cubes are created by the first mart refresh, not by the migrations: make them here too.
    for cube in sorted(set(CUBES) & set(_tables(con, SOURCE)) - set(_tables(con, NAME))):
        con.execute(f"CREATE TABLE {cube} AS SELECT * FROM {SOURCE}.main.{cube} LIMIT 0")
    tables = _tables(con, NAME)
    filled = sorted(t for t, n in _counts(con, tables).items() if n)
    if filled:
        raise MigrationError(f"目标 DuckLake 已有数据（{'、'.join(filled)}），为免混合两个仓库，迁移未进行")
    missing = sorted(set(tables) - set(_tables(con, SOURCE)))
    if missing:
        raise MigrationError(f"源仓库缺少表：{'、'.join(missing)}")
    echo(f"复制 {len(tables)} 张表（一个事务）…")
    for table in tables:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {SOURCE}.main.{table}")
    copied, expected = _counts(con, tables), _counts(con, tables, f"{SOURCE}.main.")
    wrong = [t for t in tables if copied[t] != expected[t]]
    if wrong:
        raise MigrationError(f"复制后行数不符：{'、'.join(wrong)}；迁移已撤销")
    return copied


def migrate_to_lake(source: str | Path, target: Lake, *, echo: Callable[[str], None] = lambda _line: None
                    ) -> dict[str, int]:
    """Copy the warehouse file `source` into the empty lake `target`; returns the rows copied per table."""
    source = Path(source)
    if not isinstance(db.location(target), Lake):
        raise MigrationError(f"迁移目标须为 DuckLake 位置（ducklake:postgres:dbname=… host=… …），而不是“{target}”")
    if not source.is_file():
        raise MigrationError(f"找不到仓库文件 {source}")
    with db.exclusive(source):
        db.connect(source).close()   # the file at the current migrations, checkpointed
        echo(f"源仓库：{source}")
        # A lake's connections in this process share one DuckDB instance: the file attached through
        # one of them is seen by the write's own connection (and detached once it has committed).
        holder = db.connect(target)
        holder.execute(f"ATTACH '{str(source.resolve()).replace(chr(39), chr(39) * 2)}' AS {SOURCE} (READ_ONLY)")
        try:
            copied = db.write(target, lambda con: _copy(con, echo))
        finally:
            holder.execute(f"DETACH {SOURCE}")
            holder.close()
    echo(f"已迁入 {target}：{len(copied)} 张表，共 {sum(copied.values()):,} 行；原仓库文件仍在原处，可留作备份。")
    echo(f"今后请使用：OVERSIGHT_WAREHOUSE='{target}'")
    return copied
