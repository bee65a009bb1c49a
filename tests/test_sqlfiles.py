"""SQL kept in files (warehouse.sqlfiles): a statement takes in another file's statement with some of
its parameters fixed, or with another relation read in place of one of its tables (how the mart
refresh runs a query's own SQL over the rows it set aside); a statement guarded by a table runs only
when that table has rows."""

from __future__ import annotations

import duckdb
import pytest

from warehouse import sqlfiles


def expand(text: str) -> str:
    return sqlfiles._INCLUDE.sub(sqlfiles._included, text)


def test_a_parameter_fixed_by_the_includer_becomes_its_text():
    sql = expand("SELECT * FROM ({{ queries/failing_categories.sql | time_grain: 'quarter', by_tier: true }})")
    assert "$time_grain" not in sql and "('quarter')" in sql
    assert "$by_tier" not in sql and "(true)" in sql
    assert "$start" in sql   # the others stay parameters


def test_a_relation_given_by_the_includer_is_read_instead_of_the_table():
    sql = expand("SELECT * FROM ({{ queries/failing_categories.sql | @mart_inspection_categories: _rows_aside }})")
    code = sqlfiles._strip_comments(sql)
    assert "_rows_aside c" in code
    assert "mart_inspection_categories" not in code
    assert "mart_organ_schedule" in code     # other tables are left alone


def test_only_the_relation_itself_is_replaced(monkeypatch):
    statement = "SELECT mart_x.a, $mart_x, mart_xy FROM mart_x JOIN other.mart_x USING (a)"
    out = _replace_relation(monkeypatch, statement, "mart_x", "t")
    assert out == "SELECT t.a, $mart_x, mart_xy FROM t JOIN other.mart_x USING (a)"


def test_the_query_runs_over_the_relation_given(monkeypatch):
    con = duckdb.connect()
    con.execute("CREATE TABLE mart_x AS SELECT 1 AS a")
    con.execute("CREATE TEMP TABLE aside AS SELECT 2 AS a UNION ALL SELECT 3")
    sql = _replace_relation(monkeypatch, "SELECT sum(a) FROM mart_x", "mart_x", "(SELECT * FROM aside WHERE a > 2)")
    assert con.execute(sql).fetchall() == [(3,)]


def test_a_guarded_statement_runs_only_when_its_table_has_rows(monkeypatch):
    con = duckdb.connect()
    con.execute("CREATE TABLE log (n INTEGER)")
    con.execute("CREATE TEMP TABLE _scope (n INTEGER)")
    statements = ("-- the log\n-- when rows in: _scope\nINSERT INTO log SELECT n FROM _scope",
                  "-- not guarded\nINSERT INTO log VALUES ($n)")
    monkeypatch.setattr(sqlfiles, "statements", lambda folder, name: statements)
    sqlfiles.run_file(con, "any", "file.sql", {"n": 7})
    assert con.execute("SELECT n FROM log").fetchall() == [(7,)]
    con.execute("INSERT INTO _scope VALUES (5)")
    sqlfiles.run_file(con, "any", "file.sql", {"n": 8})
    assert sorted(con.execute("SELECT n FROM log").fetchall()) == [(5,), (7,), (8,)]


def test_a_guard_is_read_in_the_leading_comment_only():
    assert sqlfiles._guard("-- header\n-- when rows in: _a\nDELETE FROM t") == "_a"
    assert sqlfiles._guard("DELETE FROM t -- when rows in: _a") is None
    assert sqlfiles._guard("-- header\nDELETE FROM t\n-- when rows in: _a\n") is None


def _replace_relation(monkeypatch, statement: str, relation: str, value: str) -> str:
    """What an include with `@relation: value` does to the statement it takes in."""
    monkeypatch.setattr(sqlfiles, "statements", lambda folder, name: (statement,))
    return expand(f"{{{{ any/file.sql | @{relation}: {value} }}}}")


def test_timings_name_each_statement_run_and_skip_a_guarded_one(monkeypatch):
    con = duckdb.connect()
    con.execute("CREATE TABLE log (n INTEGER)")
    con.execute("CREATE TEMP TABLE _scope (n INTEGER)")
    statements = ("INSERT INTO log VALUES ($n)",
                  "-- when rows in: _scope\nINSERT INTO log SELECT n FROM _scope",
                  "INSERT INTO log VALUES ($n + 1)")
    monkeypatch.setattr(sqlfiles, "statements", lambda folder, name: statements)
    timings: dict[str, float] = {}
    sqlfiles.run_file(con, "any", "file.sql", {"n": 1}, timings)
    assert sorted(timings) == ["file.sql#0", "file.sql#2"]
    assert all(seconds >= 0 for seconds in timings.values())
    assert sorted(con.execute("SELECT n FROM log").fetchall()) == [(1,), (2,)]


def test_a_statement_switched_by_a_flag_runs_only_when_the_flag_says_so(monkeypatch):
    monkeypatch.setattr(sqlfiles, "statements", lambda folder, name: (
        "-- the whole way\n-- when not $by_difference\nINSERT INTO log VALUES ('whole')",
        "-- when $by_difference\nINSERT INTO log VALUES ('difference')",
        "INSERT INTO log VALUES ('always')"))
    con = duckdb.connect()
    con.execute("CREATE TABLE log (way VARCHAR)")
    run = {flag: {} for flag in (True, False)}
    for flag, timings in run.items():
        sqlfiles.run_file(con, "any", "file.sql", {"by_difference": flag}, timings)
    assert sorted(run[True]) == ["file.sql#1", "file.sql#2"] and sorted(run[False]) == ["file.sql#0", "file.sql#2"]
    assert sorted(r[0] for r in con.execute("SELECT way FROM log").fetchall()) == [
        "always", "always", "difference", "whole"]


def test_a_switch_is_read_in_the_leading_comment_only_and_its_flag_must_be_given():
    assert sqlfiles._switches("-- header\n-- when not $full\n-- when $by_difference\nDELETE FROM t") == (
        ("full", False), ("by_difference", True))
    assert sqlfiles._switches("-- when $full; and more\nDELETE FROM t") == ()
    assert sqlfiles._switches("DELETE FROM t\n-- when $full\n") == ()
    with pytest.raises(KeyError, match="full"):
        sqlfiles._switched_off("-- when $full\nDELETE FROM t", {})


def test_a_literal_reads_back_as_the_value():
    import datetime as dt
    con = duckdb.connect()
    for value, sql_type in (("机关'甲'", "VARCHAR"), (None, "VARCHAR"), (True, "BOOLEAN"), (7, "BIGINT"),
                            (0.1, "DOUBLE"), (float("inf"), "DOUBLE"), (dt.date(2024, 2, 29), "DATE"),
                            (["a", None], "VARCHAR[]")):
        assert con.execute(f"SELECT CAST({sqlfiles.literal(value)} AS {sql_type})").fetchall()[0][0] == value
    with pytest.raises(TypeError):
        sqlfiles.literal(object())
