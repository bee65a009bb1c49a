"""The warehouse as a DuckLake: its catalog in PostgreSQL, its data as Parquet files on shared storage,
so that loaders and `oversight serve` processes on several machines work on one warehouse
(docs/ducklake.md). Only warehouse/db.py and the migration command (warehouse/lake_migration.py)
use it; every other module goes through db.

A lake is named by one string (OVERSIGHT_WAREHOUSE or --warehouse):

    ducklake:postgres:dbname=oversight host=10.0.0.5 port=5432 user=oversight [data_path=/mnt/lake/]

everything after `ducklake:postgres:` is a libpq connection string (a password comes from PGPASSWORD
or ~/.pgpass, never from the string), except our own keys `data_path` (where the Parquet files go;
else OVERSIGHT_DATA_PATH; needed only when the lake is created, the catalog remembers it) and
`metadata_schema` (the PostgreSQL schema of the catalog; default `public`).

What this module provides:
- the extensions, loaded from the `duckdb-extension-ducklake` / `-postgres` wheels (no network);
- one DuckDB instance per process and lake and mode (read-only or read-write), with the lake attached
  as `lake` and used as the default catalog; callers get a cursor of it (one per request/thread);
- the writer lock: a PostgreSQL advisory lock (one writer at a time across machines; released by
  PostgreSQL if the process dies);
- the dialect step for migrations: DuckLake has no PRIMARY KEY, UNIQUE or CHECK constraints and no
  sequences, so those are stripped from the DDL (keys are kept by the loader on both backends);
- what a conflict with another writer looks like, and the latest snapshot id.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import importlib.util
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb

from warehouse import sqlfiles

PREFIX = "ducklake:"
CATALOG = "postgres:"
NAME = "lake"
CONFIG = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
_PAIR = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']+)")
_OWN_KEYS = ("data_path", "metadata_schema")


class Unreachable(Exception):
    """The lake cannot be opened: PostgreSQL does not answer, or the extensions are missing."""


@dataclass(frozen=True)
class Lake:
    """A DuckLake location: the catalog's libpq connection string and our own two settings."""

    conninfo: str
    data_path: str | None = None
    metadata_schema: str | None = None

    def __str__(self) -> str:
        own = "".join(f" {k}={_quote(v)}" for k, v in (("data_path", self.data_path),
                                                         ("metadata_schema", self.metadata_schema)) if v)
        return f"{PREFIX}{CATALOG}{self.conninfo}{own}"


def _quote(value: str) -> str:
    return value if value and not re.search(r"[\s'\\]", value) else "'" + re.sub(r"(['\\])", r"\\\1", value) + "'"


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value[1:-1]) if value.startswith("'") else value


def is_lake(text: str) -> bool:
    return text.strip().startswith(PREFIX)


def parse(text: str, *, data_path: str | None = None) -> Lake:
    """A Lake from `ducklake:postgres:<conninfo> [data_path=…] [metadata_schema=…]`; `data_path` is
    the default for a string without one (OVERSIGHT_DATA_PATH, read by the caller)."""
    body = text.strip()[len(PREFIX):]
    if not body.startswith(CATALOG):
        raise ValueError(f"只支持 PostgreSQL 目录库：应为 {PREFIX}{CATALOG}dbname=… host=… port=… user=…，而不是“{text}”")
    pairs = _PAIR.findall(body[len(CATALOG):])
    own = {k: _unquote(v) for k, v in pairs if k in _OWN_KEYS}
    conninfo = " ".join(f"{k}={v}" for k, v in pairs if k not in _OWN_KEYS)
    if not conninfo:
        raise ValueError(f"DuckLake 位置缺少 PostgreSQL 连接参数（dbname=… host=… port=… user=…）：“{text}”")
    return Lake(conninfo, own.get("data_path") or data_path or None, own.get("metadata_schema"))


# -- the extensions --------------------------------------------------------------------------------

def _extension_file(package: str, filename: str) -> Path:
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec else []
    path = Path(folders[0]) / "extensions" / f"v{duckdb.__version__}" / filename if folders else None
    if path is None or not path.exists():
        raise Unreachable(f"缺少 DuckDB {duckdb.__version__} 的扩展包 {package.replace('_', '-')}"
                          f"（pip install {package.replace('_', '-')}=={duckdb.__version__}）")
    return path


@dataclass(frozen=True)
class _Extensions:
    postgres: Path
    ducklake: Path


_extensions: _Extensions | None = None


def _linked(target: Path, link: Path) -> Path:
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        staged = link.with_name(f"{link.name}.{os.getpid()}")
        staged.unlink(missing_ok=True)
        staged.symlink_to(os.path.relpath(target, link.parent))
        os.replace(staged, link)
    return link


def extensions() -> _Extensions:
    """The two extension binaries. DuckDB derives an extension's entry point from its file name, so the
    postgres binary is linked under the name `postgres_scanner.duckdb_extension`: beside it (once per
    installation), or in a folder of this user's when the installation is not writable."""
    global _extensions
    if _extensions is None:
        postgres = _extension_file("duckdb_extension_postgres", "postgres.duckdb_extension")
        name = "postgres_scanner.duckdb_extension"
        try:
            link = _linked(postgres, postgres.with_name(name))
        except OSError:
            link = _linked(postgres, Path(tempfile.gettempdir()) / f"oversight-duckdb-{os.getuid()}"
                           / f"v{duckdb.__version__}" / name)
        _extensions = _Extensions(link, _extension_file("duckdb_extension_ducklake", "ducklake.duckdb_extension"))
    return _extensions


# -- connections -----------------------------------------------------------------------------------

class Missing(Exception):
    """The lake's catalog was never created."""


# Instances kept per process, most recently used last. One dropped from here lives on while a cursor of
# it is open; those of a parent process are never touched (their PostgreSQL sockets are the parent's).
MAX_INSTANCES = 8
_instances: collections.OrderedDict[tuple, duckdb.DuckDBPyConnection] = collections.OrderedDict()
_instances_lock = threading.Lock()


def _instance(lake: Lake, read_only: bool) -> duckdb.DuckDBPyConnection:
    """This process's DuckDB instance with the lake attached (keyed by process id: a forked server
    worker never uses its parent's instance)."""
    key = (os.getpid(), lake, read_only)
    with _instances_lock:
        found = _instances.get(key)
        if found is not None:
            _instances.move_to_end(key)
            return found
        ext = extensions()
        con = duckdb.connect(config=CONFIG)
        options = [f"METADATA_SCHEMA {sqlfiles.literal(lake.metadata_schema)}"] if lake.metadata_schema else []
        if read_only:
            options.append("READ_ONLY")
        elif lake.data_path:
            options.append(f"DATA_PATH {sqlfiles.literal(lake.data_path)}")
        try:
            con.execute(f"LOAD {sqlfiles.literal(str(ext.postgres))}")
            con.execute(f"LOAD {sqlfiles.literal(str(ext.ducklake))}")
            con.execute(f"ATTACH {sqlfiles.literal(PREFIX + CATALOG + lake.conninfo)} AS {NAME}"
                        + (f" ({', '.join(options)})" if options else ""))
        except duckdb.Error as exc:
            con.close()
            if "does not exist" in str(exc) and read_only:
                raise Missing(str(lake)) from None
            raise Unreachable(f"无法打开 DuckLake 仓库 {lake}：{_first_line(exc)}") from None
        _instances[key] = con
        mine = [k for k in _instances if k[0] == key[0]]
        for old in mine[:-MAX_INSTANCES]:
            del _instances[old]
        return con


def close_instances() -> None:
    """Close this process's instances, before it forks: DuckDB is not fork-safe, and the serving
    process checks the lake before it starts its workers, which must not inherit that instance (its
    threads and PostgreSQL socket)."""
    with _instances_lock:
        for key in [k for k in _instances if k[0] == os.getpid()]:
            _instances.pop(key).close()


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def cursor(lake: Lake, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection of its own (a cursor of the process's instance) with the lake as default catalog.
    A read-only one starts a transaction: all its queries see the same snapshot, as a reader of the
    file sees one file, until it is closed. Raises Missing for a lake never created (read-only)."""
    con = _instance(lake, read_only).cursor()
    con.execute(f"USE {NAME}")
    if read_only:  # a DuckLake transaction takes its snapshot at its first look at the catalog: now
        con.execute("BEGIN TRANSACTION")
        con.execute("SELECT count(*) FROM duckdb_schemas() WHERE database_name = ?", [NAME]).fetchall()
    return con


def snapshot_id(lake: Lake) -> int:
    """The id of the lake's latest snapshot: every committed write makes a new one."""
    con = _instance(lake, True).cursor()
    try:
        return int(con.execute(f"SELECT id FROM {NAME}.current_snapshot()").fetchall()[0][0])
    finally:
        con.close()


def is_conflict(exc: BaseException) -> bool:
    """Whether a failed commit lost against another writer's changes (the transaction may be redone)."""
    return isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()


# -- the writer lock -------------------------------------------------------------------------------

_held = threading.local()


def _lock_key(lake: Lake) -> int:
    digest = hashlib.sha256(f"oversight-writer:{lake.metadata_schema or 'public'}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def writer_lock(lake: Lake, *, timeout: float | None = None) -> Iterator[None]:
    """One writer at a time on this lake, across processes and machines: a session advisory lock in
    the catalog's PostgreSQL database. Reentrant within a thread. TimeoutError after `timeout` s."""
    import psycopg
    held: set = _held.__dict__.setdefault("locks", set())
    if lake in held:
        yield
        return
    key = _lock_key(lake)
    try:
        pg = psycopg.connect(lake.conninfo, autocommit=True, application_name="oversight-writer")
    except psycopg.Error as exc:
        raise Unreachable(f"无法连接 DuckLake 目录库（PostgreSQL）{lake}：{_first_line(exc)}") from None
    try:
        if timeout is None:
            pg.execute("SELECT pg_advisory_lock(%s)", [key])
        else:
            deadline = time.monotonic() + timeout
            while not pg.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the lake is being written (waited {timeout:g} s)")
                time.sleep(0.05)
        held.add(lake)
        try:
            yield
        finally:
            held.discard(lake)
    finally:
        pg.close()  # ends the session, which releases the lock


# -- the dialect of migrations ---------------------------------------------------------------------

def _strip_comments(sql: str) -> str:
    """SQL without `--` comments (a `--` inside a quoted string is kept)."""
    out, quoted, i = [], False, 0
    while i < len(sql):
        ch = sql[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and sql.startswith("--", i):
            i = sql.find("\n", i)
            if i < 0:
                break
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _without_parenthesised(sql: str, pattern: str) -> str:
    """`sql` with every match of `pattern` (ending just before a `(`) removed together with the
    balanced parentheses that follow it."""
    rx = re.compile(pattern + r"(?=\()", re.IGNORECASE)
    while m := rx.search(sql):
        depth, i = 0, m.end()
        while True:
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
            if depth == 0:
                break
        sql = sql[:m.start()] + sql[i:]
    return sql


def ducklake_ddl(sql: str) -> str:
    """A migration as DuckLake accepts it: no sequences, no PRIMARY KEY / UNIQUE / CHECK constraints,
    no `DEFAULT nextval(…)` (every id the code relies on is written explicitly, on both backends)."""
    sql = _strip_comments(sql)
    sql = re.sub(r"CREATE\s+SEQUENCE[^;]*;", "", sql, flags=re.IGNORECASE)
    sql = _without_parenthesised(sql, r",\s*(?:PRIMARY\s+KEY|UNIQUE|CHECK)\s*")
    sql = _without_parenthesised(sql, r"\s+CHECK\s*")
    sql = re.sub(r"\s+DEFAULT\s+nextval\('[^']*'\)", "", sql, flags=re.IGNORECASE)
    return re.sub(r"\s+(?:PRIMARY\s+KEY|UNIQUE)\b", "", sql, flags=re.IGNORECASE)
