"""benchmarks/determinism.py: two rebuilds of a warehouse compared mart for mart."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb

from benchmarks import determinism
from tests.analytics_world import World

TODAY = dt.date(2025, 10, 8)


def small_warehouse(tmp_path) -> World:
    w = World(tmp_path / "w")
    organ, vendor = w.organ(1), w.vendor(1)
    w.project("P1", organ, vendor, "2025-01-01")
    w.inspection("J1", organ, "2025-03-01", project="P1", items={"A1": "不符合"})
    w.inspection("J2", organ, "2025-03-01", project="P1", items={})
    w.rectification("J1", "A1", "2025-04-01")
    w.evaluation("2025Q1", organ, vendor, 72.5, project="P1")
    w.load(TODAY)
    return w


def test_two_rebuilds_give_the_same_marts(tmp_path, capsys):
    w = small_warehouse(tmp_path)
    work = tmp_path / "copies' folder"  # a quote in the path: the copies are attached by name
    work.mkdir()
    assert determinism.main(["--warehouse", str(w.warehouse), "--work", str(work)]) == 0
    out = capsys.readouterr().out
    assert "every one the same" in out and "mart_rectifications" in out and "tier_history" in out


def edited_copy(w: World, path, *statements: str):
    """A copy of the world's warehouse with `statements` run on it."""
    shutil.copyfile(w.warehouse, path)
    con = duckdb.connect(str(path))
    for statement in statements:
        con.execute(statement)
    con.close()
    return path


def test_a_changed_row_is_found_both_ways(tmp_path):
    w = small_warehouse(tmp_path)
    other = edited_copy(w, tmp_path / "other.duckdb", "UPDATE mart_rectifications SET superseded_by = 'J9'")
    found = determinism.differences(w.warehouse, other)
    assert found["mart_rectifications"] == (1, 1, 1)
    assert all(only_a == only_b == 0 for table, (_, only_a, only_b) in found.items() if table != "mart_rectifications")


def test_the_columns_that_say_when_are_no_difference(tmp_path):
    w = small_warehouse(tmp_path)
    later = edited_copy(
        w, tmp_path / "later.duckdb",
        "UPDATE tier_history SET recorded_at = recorded_at + INTERVAL 1 HOUR, history_id = history_id + 100",
        "UPDATE mart_refresh_log SET refreshed_at = refreshed_at + INTERVAL 1 HOUR, seconds = seconds + 1")
    found = determinism.differences(w.warehouse, later)
    assert found["tier_history"][0] == 2 and "mart_refresh_log" not in found
    assert all(only_a == only_b == 0 for _, only_a, only_b in found.values())


def test_the_marts_kept_by_loads_are_those_of_a_rebuild(tmp_path, capsys):
    w = small_warehouse(tmp_path)
    args = ["--warehouse", str(w.warehouse), "--work", str(tmp_path), "--after-loads",
            "--bulk-organs", "3", "--small-loads", "2"]
    assert determinism.main(args) == 0
    out = capsys.readouterr().out
    assert "bulk load (3 new organs)" in out and "small load (1 inspection) #2" in out
    assert "every one the same" in out
