"""`oversight refresh`: the nightly job that brings the marts to a new day without a load, and the
rebuild after the deployment changes its risk configuration (OVERSIGHT_RISK_CONFIG /
--risk-config), which every command then uses."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import pytest
from click.testing import CliRunner

from etl.cli import main
from tests.analytics_world import World
from warehouse import access, analytics_config

D1 = dt.date(2025, 10, 8)
D2 = dt.date(2025, 11, 20)


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "w")
    w.o1, w.o2 = w.organ(1, "330102"), w.organ(2, "330106")
    w.v1 = w.vendor(1)
    w.project("P1", w.o1, w.v1, "2023-01-01")
    w.project("P2", w.o2, w.v1, "2024-03-01")
    w.inspection("K1", w.o1, "2025-03-10", project="P1", items={"A1": "不符合"})
    w.inspection("K2", w.o2, "2025-04-02", project="P2", items={})
    w.load(D1)
    yield w
    analytics_config.set_active(None)       # the command sets the process's configuration


def last_refresh(w: World) -> tuple:
    with w.connect() as con:
        return con.sql("SELECT today, mode, config_hash FROM mart_refresh_log "
                       "ORDER BY refreshed_at DESC, load_id DESC LIMIT 1").fetchall()[0]


def next_due(w: World) -> dict[str, dt.date]:
    with w.connect() as con:
        return dict(con.sql("SELECT organ_code, next_due_on FROM mart_organ_schedule").fetchall())


def test_refresh_moves_the_marts_to_the_day_and_is_audited(world):
    r = CliRunner().invoke(main, ["refresh", "--warehouse", str(world.warehouse), "--today", D2.isoformat(),
                                  "--as", "ops"])
    assert r.exit_code == 0, r.output
    assert "集市已刷新到 2025年11月20日" in r.output and "重算机关 2 个" in r.output
    assert last_refresh(world)[:2] == (D2, "incremental")
    with world.connect() as con:
        assert con.sql("SELECT DISTINCT as_of FROM mart_organ_schedule").fetchall() == [(D2,)]
        entry = access.audit_entries(con, action="refresh").row(0, named=True)
    assert (entry["username"], entry["target"]) == ("ops", D2.isoformat())
    assert json.loads(entry["detail"]) == {"mode": "incremental", "rebuild": False}


def test_a_new_configuration_is_used_by_every_command_after_a_rebuild(world, tmp_path, monkeypatch):
    # both organs are of the default tier B, checked every 24 months; the new rules check B every 12
    # months and A every 36 (instead of 60)
    assert next_due(world) == {world.o1: dt.date(2027, 3, 10), world.o2: dt.date(2027, 4, 2)}
    default = resources.files("warehouse").joinpath("config", "risk.toml").read_text(encoding="utf-8")
    custom = tmp_path / "risk.toml"
    custom.write_text(default.replace("\nB = 24\n", "\nB = 12\n").replace("\nA = 60\n", "\nA = 36\n"),
                      encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(main, ["--risk-config", str(custom), "refresh", "--rebuild", "--json",
                             "--warehouse", str(world.warehouse), "--today", D1.isoformat()])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["mode"] == "full"
    fingerprint = analytics_config.load(custom).fingerprint
    assert last_refresh(world) == (D1, "full", fingerprint)
    assert next_due(world) == {world.o1: dt.date(2026, 3, 10), world.o2: dt.date(2026, 4, 2)}
    # a later load through the environment variable keeps the new rules (no silent return to the default)
    monkeypatch.setenv("OVERSIGHT_RISK_CONFIG", str(custom))
    world.inspection("K3", world.o2, "2025-10-01", project="P2", items={})    # a second good record: tier A
    folder = world.write()
    r = runner.invoke(main, ["load", str(folder), "--warehouse", str(world.warehouse), "--today", D1.isoformat()])
    assert r.exit_code == 0, r.output
    assert last_refresh(world) == (D1, "incremental", fingerprint)
    assert next_due(world)[world.o2] == dt.date(2028, 10, 1)


def test_a_broken_configuration_is_refused_in_chinese(world, tmp_path):
    bad = tmp_path / "risk.toml"
    bad.write_text('[windows]\ntrend_quarters = 12\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["--risk-config", str(bad), "refresh", "--warehouse", str(world.warehouse)])
    assert r.exit_code == 2
    assert "分级与风险评分配置文件" in r.output and "organ_tiers" in r.output and "Traceback" not in r.output
    assert last_refresh(world)[1] == "full"            # nothing was refreshed


def test_refresh_needs_a_warehouse_and_the_right_to_load(world, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["refresh", "--warehouse", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 2 and "还不存在" in r.output
    access.add_user(world.warehouse, "zhang", "inspector", "330000", "Correct-Horse-9")
    r = runner.invoke(main, ["refresh", "--warehouse", str(world.warehouse), "--as", "zhang"])
    assert r.exit_code == 2 and "无权" in r.output
