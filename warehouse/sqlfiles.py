"""SQL kept in files (warehouse/sql/<folder>/*.sql), read once through importlib.resources.

Values are always bound as `$name` parameters; a statement is given only the parameters it uses
(DuckDB refuses extra ones), and a file of several statements is run one statement at a time
(DuckDB binds parameters only for the last statement of a string).

A statement may take in the one statement of another file, written `{{ folder/name.sql }}` (inside
parentheses, as a subquery), optionally with some of its parameters fixed as SQL text:
`{{ queries/compliance_trend.sql | time_grain: 'quarter', by_tier: true, region: NULL }}` (each
`$name` of the included statement becomes `(text)`). A mart that keeps a query's answer at a finer
grain thus runs the very SQL the query layer runs, so the two cannot drift apart. An argument
`@relation: other` reads `other` wherever the included statement reads the table `relation` (the
mart refresh runs a query over the rows it set aside, instead of scanning the whole mart).

A statement whose leading comment has the line `-- when rows in: _name` is run only when the table
`_name` has a row: a refresh whose scope for it is empty skips it, instead of planning and running a
large query over nothing (ten milliseconds and more for some). One with the line `-- when $flag` (or
`-- when not $flag`) is run only when the boolean parameter `flag` is true (false): a file gives the
two ways of computing something as two statements, and only the one run is planned (a `WHERE $flag`
branch of a UNION is planned, at a cost, even when the flag empties it).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from importlib import resources
from typing import Any

import duckdb

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_INCLUDE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)/([A-Za-z0-9_.]+\.sql)\s*(?:\|(.*?))?\}\}", re.S)
_WHEN = re.compile(r"-- when rows in: (_[A-Za-z0-9_]+)\s*")
_SWITCH = re.compile(r"-- when (not )?\$([A-Za-z_][A-Za-z0-9_]*)\s*")
_ARG = re.compile(r"(@?[A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.+?)\s*(?=,\s*@?[A-Za-z_][A-Za-z0-9_]*\s*:|$)", re.S)


@functools.lru_cache(maxsize=None)
def text(folder: str, name: str) -> str:
    return resources.files("warehouse").joinpath("sql", folder, name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def names(folder: str) -> tuple[str, ...]:
    root = resources.files("warehouse").joinpath("sql", folder)
    return tuple(sorted(f.name for f in root.iterdir() if f.name.endswith(".sql")))


def _leading_comment(statement: str) -> list[str]:
    lines = []
    for line in statement.splitlines():
        line = line.strip()
        if line and not line.startswith("--"):
            break
        lines.append(line)
    return lines


@functools.lru_cache(maxsize=None)
def _guard(statement: str) -> str | None:
    """The table named by a `-- when rows in:` line of the statement's leading comment, if any."""
    for line in _leading_comment(statement):
        if match := _WHEN.fullmatch(line):
            return match[1]
    return None


@functools.lru_cache(maxsize=None)
def _switches(statement: str) -> tuple[tuple[str, bool], ...]:
    """The (parameter, value wanted) of each `-- when [not] $flag` line of the leading comment."""
    return tuple((match[2], not match[1]) for line in _leading_comment(statement)
                 if (match := _SWITCH.fullmatch(line)))


def _switched_off(statement: str, params: dict[str, Any]) -> bool:
    for name, wanted in _switches(statement):
        if name not in params:
            raise KeyError(f"SQL parameter(s) not given: {[name]}")
        if bool(params[name]) is not wanted:
            return True
    return False


def _only_comments(statement: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in statement.splitlines())


@functools.lru_cache(maxsize=None)
def statements(folder: str, name: str) -> tuple[str, ...]:
    """The statements of a file (separated by a `;` at the end of a line, a comment may follow it)."""
    parts = re.split(r";[ \t]*(?:--[^\n]*)?(?:\n|$)", text(folder, name))
    return tuple(_INCLUDE.sub(_included, s) for s in parts if s.strip() and not _only_comments(s))


def _included(match: re.Match) -> str:
    (statement,) = statements(match[1], match[2])
    for name, value in _ARG.findall((match[3] or "").strip()):
        value = " ".join(value.split())  # one line: the included statement's comments may name $name
        if name.startswith("@"):
            statement = re.sub(rf"(?<![\w$.]){name[1:]}\b", lambda _m: value, statement)
        else:
            statement = re.sub(rf"\${name}\b", lambda _m: f"({value})", statement)
    return statement


def literal(value: object) -> str:
    """A value written as SQL text, for the few statements that cannot take it as a parameter (an
    ATTACH, a table's rows written out): text quoted with its quotes doubled, dates and floats as
    quoted text (cast by their column: also 'inf' and 'nan'), lists element by element."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"'{value!r}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def used(statement: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters a statement names; every one it names must be given."""
    wanted = set(_PARAM.findall(_strip_comments(statement)))
    missing = wanted - set(params)
    if missing:
        raise KeyError(f"SQL parameter(s) not given: {sorted(missing)}")
    return {k: params[k] for k in wanted}


def _strip_comments(statement: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in statement.splitlines())


def run_file(con: duckdb.DuckDBPyConnection, folder: str, name: str, params: dict[str, Any],
             timings: dict[str, float] | None = None) -> None:
    """Run the file's statements in order; given `timings`, record each one run as `name#i` (its
    index in the file) → seconds, so that a slow refresh can be read statement by statement."""
    for i, statement in enumerate(statements(folder, name)):
        if _switched_off(statement, params):
            continue
        guard = _guard(statement)
        if guard and not con.execute(f"SELECT EXISTS (SELECT 1 FROM {guard})").fetchall()[0][0]:
            continue
        started = time.perf_counter()
        con.execute(statement, used(statement, params))
        if timings is not None:
            timings[f"{name}#{i}"] = time.perf_counter() - started


def query(con: duckdb.DuckDBPyConnection, folder: str, name: str, params: dict[str, Any]):
    """The relation of a one-statement file (call .pl() on it)."""
    (statement,) = statements(folder, name)
    return con.sql(statement, params=used(statement, params))


def page(con: duckdb.DuckDBPyConnection, folder: str, name: str, params: dict[str, Any], *,
         order: list[tuple[str, bool]], offset: int, limit: int):
    """Rows offset … offset + limit of a one-statement file's rows ordered by `order` ((output column,
    descending) pairs, nulls last), each with total_rows, the number of rows in all. The columns
    must be the statement's own output columns: the caller checks them against its list."""
    (statement,) = statements(folder, name)
    keys = ", ".join(f'"{column}" {"DESC" if desc else "ASC"} NULLS LAST' for column, desc in order)
    # the count reads only the columns the filters need; the block is a top-N of the rows
    sql = (f"SELECT *, (SELECT count(*) FROM ({statement}) _all) AS total_rows FROM ({statement}) _rows "
           f"ORDER BY {keys} LIMIT $page_limit OFFSET $page_offset")
    return con.sql(sql, params={**used(statement, params), "page_limit": limit, "page_offset": offset})
