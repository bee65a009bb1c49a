"""The one place the warehouse is opened, migrated and written in transactions.

DuckDB facts this relies on (see the engineering notes): extensions never auto-install (there is
no network), `with connect()` closes rather than commits, and a connection must not be shared
between threads (callers take a cursor each).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from importlib import resources
from pathlib import Path
from typing import Iterator

import duckdb

CONFIG = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
LOCK_RETRY_SECONDS = 30.0


class WarehouseBusy(Exception):
    """Another process holds the warehouse for writing."""


def connect(path: str | Path, *, read_only: bool = False, wait: float = LOCK_RETRY_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file (created and migrated when writable), retrying while it is locked —
    by another process (IOException), or, for a writer, by a read-only connection of this same
    process such as a dashboard request (DuckDB refuses that with ConnectionException)."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=CONFIG)
            break
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            busy = "lock" in str(exc).lower() or "different configuration" in str(exc)
            if not busy:
                raise
            if time.monotonic() > deadline:
                raise WarehouseBusy(str(exc)) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    if not read_only:
        migrate(con)
    return con


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK on any error: the warehouse is never left half-written."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextlib.contextmanager
def exclusive(path: str | Path, *, timeout: float | None = None) -> Iterator[None]:
    """One writer at a time, across processes: every writer of the warehouse file holds this lock
    (a load waits for another load; a small in-place write waits for a load to finish). With
    `timeout` (seconds), WarehouseBusy is raised instead of waiting longer (a login during a load)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        if timeout is None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise WarehouseBusy(f"the warehouse is being written (waited {timeout:g} s)") from None
                    time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


@contextlib.contextmanager
def writable_copy(path: str | Path) -> Iterator[Path]:
    """A private copy of the warehouse to write into; it replaces the warehouse when the block ends
    without error (the caller must have closed its connection). Readers are never blocked by a long
    load: they keep reading the previous file until the new one is swapped in, atomically."""
    path = Path(path)
    with exclusive(path):
        work = path.with_name(path.name + ".loading")
        for stale in (work, _wal(work)):
            stale.unlink(missing_ok=True)
        if path.exists():
            shutil.copyfile(path, work)
            if _wal(path).exists():  # left by a writer that died: part of the committed state
                shutil.copyfile(_wal(path), _wal(work))
        yield work
        con = duckdb.connect(str(work), config=CONFIG)
        con.execute("CHECKPOINT")  # the new file must stand alone, without a WAL beside it
        con.close()
        _wal(path).unlink(missing_ok=True)
        os.replace(work, path)


def _migrations() -> list[tuple[str, str]]:
    folder = resources.files("warehouse").joinpath("sql", "migrations")
    return sorted((f.name, f.read_text(encoding="utf-8")) for f in folder.iterdir() if f.name.endswith(".sql"))


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet applied, each in its own transaction; returns their names."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, sql in _migrations():
        if name in done:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
        applied.append(name)
    return applied


def get_setting(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A remembered setting; None also for a file that was never migrated (opened read-only)."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'settings'").fetchall()[0][0]:
        return None
    row = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    return row[0][0] if row else None


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, value])
