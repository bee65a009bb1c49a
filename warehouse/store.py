"""Write-side SQL of a load: the load log, reference data, replacing rows by key, row issues.

The ETL calls these functions inside one transaction (warehouse.db.transaction); identifiers that
are formatted into SQL come from the contract's kinds, never from user input.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import duckdb
import polars as pl

from schemas.checklist import CHECKLIST_VERSION, checklist
from schemas.identifiers import region_table
from schemas.kinds import BY_NAME
from schemas.rules import message
from warehouse import db

LINEAGE = ("batch_id", "source_file", "source_row", "loaded_at")
# Columns the warehouse recomputes after writing (sql/derive/): not part of what a file submitted.
DERIVED_IN_WAREHOUSE = {"inspections": ("score", "grade")}
ISSUE_COLUMNS = ("batch_id", "source_file", "sheet", "source_row", "kind", "column_name", "column_zh", "value",
                 "rule", "severity", "message", "row_values", "loaded_at")


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' "
        "AND database_name = current_database() ORDER BY column_index", [table]).fetchall()]


def ensure_reference_data(con: duckdb.DuckDBPyConnection) -> None:
    """The checklist version in use and the region codes, loaded once."""
    if not con.execute("SELECT count(*) FROM checklist_items WHERE checklist_version = ?",
                       [CHECKLIST_VERSION]).fetchall()[0][0]:
        con.register("checklist_frame", checklist())
        con.execute("INSERT INTO checklist_items BY NAME SELECT * FROM checklist_frame")
        con.unregister("checklist_frame")
    if not con.execute("SELECT count(*) FROM regions").fetchall()[0][0]:
        con.register("region_frame", region_table())
        con.execute("INSERT INTO regions BY NAME SELECT * FROM region_frame")
        con.unregister("region_frame")


def begin_load(con: duckdb.DuckDBPyConnection, today: dt.date, jurisdiction: str | None, user: str | None) -> int:
    load_id = db.next_id(con, "loads", "load_id")
    if jurisdiction:  # the warehouse remembers its jurisdiction (contract §6); the first one stays
        con.execute("INSERT INTO settings SELECT 'jurisdiction', ? "
                    "WHERE NOT EXISTS (SELECT 1 FROM settings WHERE key = 'jurisdiction')", [jurisdiction])
    con.execute("INSERT INTO loads VALUES (?, now(), NULL, ?, ?, ?, NULL, 'running')",
                [load_id, today, jurisdiction, user])
    return load_id


def finish_load(con: duckdb.DuckDBPyConnection, load_id: int, files: int, status: str) -> None:
    con.execute("UPDATE loads SET finished_at = now(), files = ?, status = ? WHERE load_id = ?",
                [files, status, load_id])


def last_batch_id(con: duckdb.DuckDBPyConnection) -> int:
    """The largest batch id written so far (0 for none): a load numbers its batches after it."""
    return con.execute("SELECT coalesce(max(batch_id), 0) FROM load_batches").fetchall()[0][0]


def loaded_file_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT DISTINCT file_sha256 FROM load_batches WHERE status = 'loaded' "
                       "AND file_sha256 IS NOT NULL").fetchall()
    return {r[0] for r in rows}


def insert_batches(con: duckdb.DuckDBPyConnection, batches: pl.DataFrame) -> None:
    if batches.height:
        con.execute("INSERT INTO load_batches BY NAME SELECT * FROM batches")


def insert_issues(con: duckdb.DuckDBPyConnection, issues: pl.DataFrame) -> None:
    if issues.height:
        frame = issues.select(ISSUE_COLUMNS)  # noqa: F841
        con.execute("INSERT INTO row_issues BY NAME SELECT * FROM frame")


def current_rows(con: duckdb.DuckDBPyConnection, kind: str, columns: list[str]) -> pl.DataFrame:
    """The given columns of every current row of a kind (to check references against)."""
    cols = ", ".join(columns)
    return con.sql(f"SELECT DISTINCT {cols} FROM {BY_NAME[kind].name}").pl()


def _key_match(kind: str, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} IS NOT DISTINCT FROM {right}.{k}" for k in BY_NAME[kind].key)


def replace_rows(con: duckdb.DuckDBPyConnection, kind: str, rows: pl.DataFrame) -> int:
    """Write the accepted rows of a kind: new keys inserted, changed ones replaced (the old version
    moved to <kind>_history), identical ones left alone. Returns the number of rows written."""
    table = BY_NAME[kind].name
    content = [c for c in table_columns(con, table) if c in rows.columns and c not in LINEAGE]
    submitted = [c for c in content if c not in DERIVED_IN_WAREHOUSE.get(kind, ())]
    columns = ", ".join([*content, *LINEAGE])
    con.register("incoming", rows)
    try:
        if not con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchall()[0][0]:
            con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming")
            return rows.height
        same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in submitted)
        con.execute(f"CREATE OR REPLACE TEMP TABLE changed AS SELECT {columns} FROM incoming s WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {table} t WHERE {same})")
    finally:
        con.unregister("incoming")
    con.execute(f"INSERT INTO {table}_history BY NAME SELECT t.*, c.batch_id AS replaced_by_batch, "
                f"now() AS replaced_at FROM {table} t JOIN changed c ON {_key_match(kind, 't', 'c')}")
    con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM changed c WHERE {_key_match(kind, 't', 'c')})")
    con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM changed")
    written = con.execute("SELECT count(*) FROM changed").fetchall()[0][0]
    con.execute("DROP TABLE changed")
    return written


def _sql(name: str) -> str:
    return resources.files("warehouse").joinpath("sql", "derive", name).read_text(encoding="utf-8")


def derive(con: duckdb.DuckDBPyConnection, load_id: int, today: dt.date) -> None:
    """Scores from checklist items, their warnings, and the compliance flags (contract §3)."""
    from schemas.checklist import GRADE_CUTS
    cuts = dict(GRADE_CUTS)
    params = {"load_id": load_id, "today": today, "version": CHECKLIST_VERSION,
              "excellent": cuts["优秀"], "good": cuts["良好"], "pass": cuts["合格"],
              "score_template": message("W_SCORE_MISMATCH", header="得分", value="{value}", detail="{detail}"),
              "grade_template": message("W_GRADE_MISMATCH", header="检查结论", value="{value}", detail="{detail}")}
    for name in ("inspection_scores.sql", "flags.sql"):
        sql = _sql(name)
        for statement in [s for s in sql.split(";\n") if s.strip() and not _only_comments(s)]:
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, used)


def _only_comments(statement: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in statement.splitlines())


def derived_warnings(con: duckdb.DuckDBPyConnection, load_id: int) -> pl.DataFrame:
    """Warnings the derivations raised on rows of this load (score and grade against items)."""
    return con.sql("SELECT * FROM row_issues WHERE rule IN ('W_SCORE_MISMATCH', 'W_GRADE_MISMATCH') "
                   "AND batch_id IN (SELECT batch_id FROM load_batches WHERE load_id = $id)",
                   params={"id": load_id}).pl()


def set_rows_warned(con: duckdb.DuckDBPyConnection, counts: dict[int, int]) -> None:
    if counts:
        frame = pl.DataFrame({"batch_id": list(counts), "n": list(counts.values())})  # noqa: F841
        con.execute("UPDATE load_batches b SET rows_warned = f.n FROM frame f WHERE b.batch_id = f.batch_id")
