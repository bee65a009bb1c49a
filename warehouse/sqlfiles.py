"""SQL kept in files (warehouse/sql/<folder>/*.sql), read once through importlib.resources.

Values are always bound as `$name` parameters; a statement is given only the parameters it uses
(DuckDB refuses extra ones), and a file of several statements is run one statement at a time
(DuckDB binds parameters only for the last statement of a string).
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Any

import duckdb

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@functools.lru_cache(maxsize=None)
def text(folder: str, name: str) -> str:
    return resources.files("warehouse").joinpath("sql", folder, name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def names(folder: str) -> tuple[str, ...]:
    root = resources.files("warehouse").joinpath("sql", folder)
    return tuple(sorted(f.name for f in root.iterdir() if f.name.endswith(".sql")))


def _only_comments(statement: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in statement.splitlines())


@functools.lru_cache(maxsize=None)
def statements(folder: str, name: str) -> tuple[str, ...]:
    """The statements of a file (separated by a `;` at the end of a line, a comment may follow it)."""
    parts = re.split(r";[ \t]*(?:--[^\n]*)?(?:\n|$)", text(folder, name))
    return tuple(s for s in parts if s.strip() and not _only_comments(s))


def used(statement: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters a statement names; every one it names must be given."""
    wanted = set(_PARAM.findall(_strip_comments(statement)))
    missing = wanted - set(params)
    if missing:
        raise KeyError(f"SQL parameter(s) not given: {sorted(missing)}")
    return {k: params[k] for k in wanted}


def _strip_comments(statement: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in statement.splitlines())


def run_file(con: duckdb.DuckDBPyConnection, folder: str, name: str, params: dict[str, Any]) -> None:
    for statement in statements(folder, name):
        con.execute(statement, used(statement, params))


def query(con: duckdb.DuckDBPyConnection, folder: str, name: str, params: dict[str, Any]):
    """The relation of a one-statement file (call .pl() on it)."""
    (statement,) = statements(folder, name)
    return con.sql(statement, params=used(statement, params))
