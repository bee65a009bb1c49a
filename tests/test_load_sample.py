"""End to end: the generated sample (.xlsx, .xls, GB18030 and UTF-8 CSV, messy layouts, planted
faults) loads exactly as its manifest says — per file, per rule, per kind, and the flags."""

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from etl import pipeline
from etl.sample import generate
from tests.lake_support import new_warehouse
from warehouse import db

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    manifest = generate(folder / "submissions", today=TODAY, include_bad_files=True)
    warehouse = new_warehouse(folder / "oversight.duckdb")
    result = pipeline.run([folder / "submissions"], pipeline.Settings(warehouse, manifest["jurisdiction"], TODAY))
    return manifest, result, warehouse, folder


def _rel(path: str, folder: Path) -> str:
    return Path(path).relative_to(folder / "submissions").as_posix()


def test_every_file_and_sheet_reports_the_manifest_counts(loaded):
    manifest, result, _, folder = loaded
    keys = ("rows_read", "rows_loaded", "rows_rejected", "rows_warned")
    got = {(_rel(f.path, folder), f.sheet): {k: getattr(f, k) for k in keys} for f in result.files if f.kind
           and f.status == "loaded"}
    want = {(f["path"], f["sheet"]): {k: f[k] for k in keys} for f in manifest["files"]}
    assert got == want


def test_totals_and_rejections_by_rule(loaded):
    manifest, result, _, _ = loaded
    summary = result.summary()
    for key in ("rows_read", "rows_loaded", "rows_rejected", "rejections_by_rule"):
        assert summary[key] == manifest[key], key
    warnings = result.issues.filter(result.issues["severity"] == "warning")
    per_rule = Counter(r["rule"] for r in warnings.unique(["source_file", "sheet", "source_row", "rule"]).to_dicts())
    assert dict(per_rule) == manifest["warnings_by_rule"]


def test_each_rejected_row_is_reported_at_its_excel_row(loaded):
    manifest, result, _, folder = loaded
    errors = result.issues.filter((result.issues["severity"] == "error") & result.issues["source_row"].is_not_null())
    got = {(_rel(r["source_file"], folder), r["sheet"], r["source_row"], r["rule"]) for r in errors.to_dicts()}
    want = {(r["path"], r["sheet"], r["row"], rule) for r in manifest["rejected_rows"] for rule in r["rules"]}
    assert got == want


def test_bad_files_are_rejected_whole_with_their_rule(loaded):
    manifest, result, _, folder = loaded
    got = {(_rel(f.path, folder), f.rule) for f in result.files if f.status == "rejected"}
    assert got == {(f["path"], f["rule"]) for f in manifest["bad_files"]}


def test_the_warehouse_holds_the_rows_and_flags_of_the_manifest(loaded):
    manifest, _, warehouse, _ = loaded
    con = db.connect(warehouse, read_only=True)
    rows = {kind: con.sql(f"SELECT count(*) FROM {kind}").fetchall()[0][0] for kind in manifest["rows_by_kind"]}
    flags = dict(con.sql("SELECT code, count(*) FROM flags GROUP BY code").fetchall())
    assert rows == manifest["rows_by_kind"]
    assert flags == manifest["flags"]


def test_validate_reports_the_same_without_writing(loaded, tmp_path):
    manifest, _, _, folder = loaded
    env = {**os.environ, "OVERSIGHT_WAREHOUSE": str(tmp_path / "none.duckdb")}
    done = subprocess.run([sys.executable, "-m", "etl.cli", "validate", str(folder / "submissions"), "--json",
                           "--jurisdiction", manifest["jurisdiction"], "--today", str(TODAY)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 1  # the bad files are rejected whole
    out = json.loads(done.stdout)
    assert (out["rows_read"], out["rows_rejected"]) == (manifest["rows_read"], manifest["rows_rejected"])
    assert not (tmp_path / "none.duckdb").exists()
