"""The one place the warehouse is opened, migrated and written in transactions.

A warehouse *location* is either the embedded DuckDB file (a Path, the default) or a DuckLake whose
catalog is in PostgreSQL (a `lake.Lake`, written `ducklake:postgres:dbname=… host=… …`; see
warehouse/lake.py and docs/ducklake.md). Callers pass a location around and never look inside it:

    loc = db.location("data/oversight.duckdb")          # or "ducklake:postgres:…"; idempotent
    db.exists(loc)                                      # created and migrated?
    db.version(loc)                                     # changes with every committed write
    con = db.connect(loc, read_only=True)               # a reader: one snapshot until closed
    db.write(loc, lambda con: …)                        # a load: all or nothing, one writer at a time
    with db.exclusive(loc): con = db.connect(loc); …    # a short write in place (users, plans)

Backends: a file load writes a private copy and swaps it in (readers keep the old file until then);
a lake load is one DuckLake transaction, which readers see whole or not at all, redone when another
writer's commit conflicts with it. One writer at a time: flock on the file's lock file, or an advisory
lock in PostgreSQL for the lake. Migrations are one SQL for both; on DuckLake the constraints and
sequences it lacks are stripped first (lake.ducklake_ddl).

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
from typing import Callable, Iterator, TypeVar, Union

import duckdb

from warehouse import absent_imports, lake
from warehouse.lake import Lake

# Every bound parameter would otherwise search sys.path for pandas (warehouse/absent_imports.py).
absent_imports.declare_absent()

CONFIG = lake.CONFIG
LOCK_RETRY_SECONDS = 30.0
WRITE_ATTEMPTS = 5
Location = Union[Path, Lake]
T = TypeVar("T")


class WarehouseBusy(Exception):
    """Another process holds the warehouse for writing."""


class WriteConflict(WarehouseBusy):
    """A write kept conflicting with other writers' commits; nothing was written (message in Chinese)."""


class WarehouseUnavailable(Exception):
    """The warehouse cannot be opened at all (message in Chinese): PostgreSQL does not answer, a
    DuckDB extension is missing, or the location is malformed."""


def location(value: str | os.PathLike | Lake) -> Location:
    """The location a setting names: `ducklake:postgres:…` is a lake (its data path from the string,
    else OVERSIGHT_DATA_PATH), anything else the warehouse file."""
    if isinstance(value, (Path, Lake)):
        return value
    text = os.fspath(value)
    if not lake.is_lake(text):
        return Path(text)
    try:
        return lake.parse(text, data_path=os.environ.get("OVERSIGHT_DATA_PATH"))
    except ValueError as exc:
        raise WarehouseUnavailable(str(exc)) from None


def absolute(loc: str | os.PathLike | Lake) -> Location:
    """The location as another process (a server worker) should be told it: a file made absolute."""
    loc = location(loc)
    return loc.resolve() if isinstance(loc, Path) else loc


@contextlib.contextmanager
def _unavailable_as_ours() -> Iterator[None]:
    try:
        yield
    except lake.Unreachable as exc:
        raise WarehouseUnavailable(str(exc)) from None


# Lakes this process has seen created, and those it has seen migrated to this code's migrations (a lake
# is never removed; looking at its catalog costs PostgreSQL round trips, which a page view cannot pay).
_lakes_created: set[Lake] = set()
_lakes_migrated: set[Lake] = set()


def exists(loc: str | os.PathLike | Lake) -> bool:
    """Whether the warehouse has been created: the file exists, or the lake's catalog has been migrated."""
    loc = location(loc)
    if isinstance(loc, Path):
        return loc.exists()
    if loc in _lakes_created:
        return True
    try:
        con = _lake_cursor(loc, read_only=True)
    except lake.Missing:
        return False
    try:
        if _has_table(con, "schema_migrations"):
            _lakes_created.add(loc)
            return True
        return False
    finally:
        con.close()


def version(loc: str | os.PathLike | Lake) -> tuple | None:
    """What identifies the warehouse's committed state now (None when there is none): the file's
    inode, mtime and size (a load swaps in a new file), or the lake's latest snapshot id."""
    loc = location(loc)
    if isinstance(loc, Path):
        try:
            st = os.stat(loc)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)
    if not exists(loc):
        return None
    with _unavailable_as_ours():
        return ("ducklake", lake.snapshot_id(loc))


def connect(loc: str | os.PathLike | Lake, *, read_only: bool = False,
            wait: float = LOCK_RETRY_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (created and migrated when writable). A read-only connection of a lake sees
    one snapshot until it is closed, as one of the file sees one file."""
    loc = location(loc)
    if isinstance(loc, Lake):
        con = _lake_cursor(loc, read_only=read_only)
        if not read_only and loc not in _lakes_migrated:
            if _pending(con):
                with exclusive(loc):
                    migrate(con)
            _lakes_migrated.add(loc)
        return con
    return _connect_file(loc, read_only=read_only, wait=wait)


def _lake_cursor(loc: Lake, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    with _unavailable_as_ours():
        if not read_only and not loc.data_path and not exists(loc):
            raise WarehouseUnavailable(f"新建 DuckLake 仓库须指定数据目录：在位置后加 data_path=/共享存储/目录/，"
                                       f"或设置环境变量 OVERSIGHT_DATA_PATH（{loc}）")
        return lake.cursor(loc, read_only=read_only)


# Called when a writer is refused because a read-only connection of this process holds the file: a
# reader that keeps its connection for a while (the dashboards, for one web request) closes it here if
# it belongs to the writer's own thread, which would otherwise wait for itself.
_release_readers: list[Callable[[], None]] = []


def on_reader_conflict(release: Callable[[], None]) -> None:
    """Register `release()`: close this thread's held read-only connection, if any (see above)."""
    if release not in _release_readers:
        _release_readers.append(release)


def _connect_file(path: Path, *, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, retrying while it is locked — by another process (IOException), or,
    for a writer, by a read-only connection of this same process such as a dashboard request (DuckDB
    refuses that with ConnectionException)."""
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
            if not read_only and "different configuration" in str(exc):
                for release in _release_readers:
                    release()
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
def exclusive(loc: str | os.PathLike | Lake, *, timeout: float | None = None) -> Iterator[None]:
    """One writer at a time, across processes (and machines, for a lake): every writer of the
    warehouse holds this lock (a load waits for another load; a small in-place write waits for a load
    to finish). With `timeout` (seconds), WarehouseBusy is raised instead of waiting longer (a login
    during a load)."""
    loc = location(loc)
    if isinstance(loc, Lake):
        try:
            with _unavailable_as_ours(), lake.writer_lock(loc, timeout=timeout):
                yield
        except TimeoutError as exc:
            raise WarehouseBusy(str(exc)) from None
        return
    loc.parent.mkdir(parents=True, exist_ok=True)
    with open(loc.with_name(loc.name + ".lock"), "w") as lock:
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


def write(loc: str | os.PathLike | Lake, work: Callable[[duckdb.DuckDBPyConnection], T], *,
          attempts: int = WRITE_ATTEMPTS) -> T:
    """Run `work(con)` as one atomic write of the warehouse, holding the writer lock, and return its
    result. Readers see everything it wrote or nothing, and are never blocked: the file is written as a
    copy swapped in at the end; the lake in one transaction, redone (up to `attempts` times) when its
    commit conflicts with another writer's. `work` may therefore run more than once."""
    loc = location(loc)
    if isinstance(loc, Path):
        with _writable_copy(loc) as work_file:
            con = connect(work_file)
            try:
                with transaction(con):
                    return work(con)
            finally:
                con.close()
    with exclusive(loc):
        for attempt in range(1, attempts + 1):
            con = connect(loc)
            try:
                with transaction(con):
                    return work(con)
            except duckdb.Error as exc:
                if not lake.is_conflict(exc):
                    raise
                if attempt == attempts:
                    raise WriteConflict(f"写入与其他进程的提交冲突，已尝试 {attempts} 次仍未成功；"
                                        f"仓库未作任何改动，请稍后重新执行。") from exc
                time.sleep(0.2 * attempt)
            finally:
                con.close()
    raise AssertionError("unreachable")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


@contextlib.contextmanager
def _writable_copy(path: Path) -> Iterator[Path]:
    """A private copy of the warehouse file to write into; it replaces the warehouse when the block
    ends without error (the caller must have closed its connection). Readers are never blocked by a
    long load: they keep reading the previous file until the new one is swapped in, atomically."""
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


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default catalog is a DuckLake (else a DuckDB file)."""
    return con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
                       ).fetchall()[0][0] == "ducklake"


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
                            "AND database_name = current_database()", [name]).fetchall()[0][0])


def _pending(con: duckdb.DuckDBPyConnection) -> bool:
    if not _has_table(con, "schema_migrations"):
        return True
    done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    return any(name not in done for name, _ in _migrations())


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet applied, each in its own transaction; returns their names. On a
    lake the DDL goes through lake.ducklake_ddl first (the caller holds the writer lock)."""
    dialect = lake.ducklake_ddl if is_lake(con) else (lambda sql: sql)
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR NOT NULL, applied_at TIMESTAMP)")
    done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, sql in _migrations():
        if name in done:
            continue
        with transaction(con):
            con.execute(dialect(sql))
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
        applied.append(name)
    return applied


def get_setting(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A remembered setting; None also for a file that was never migrated (opened read-only)."""
    if not _has_table(con, "settings"):
        return None
    row = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    return row[0][0] if row else None


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Remember a setting (DELETE + INSERT: DuckLake has no keys to upsert on)."""
    con.execute("DELETE FROM settings WHERE key = ?", [key])
    con.execute("INSERT INTO settings VALUES (?, ?)", [key, value])


def next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    """The next id of `table.column`: one more than the largest (DuckLake has no sequences). Safe
    because writers hold the writer lock; `table` and `column` are ours, never user input."""
    return con.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchall()[0][0]
