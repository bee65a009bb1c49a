"""The warehouse on DuckLake with a PostgreSQL catalog (docs/ducklake.md): the location syntax, the
migrations' dialect step, several loader processes and readers at once, a conflicting commit redone
or refused cleanly, and `oversight migrate-to-ducklake`. A real PostgreSQL server is started for the
session (tests/lake_support.py); without PostgreSQL these tests fail, they are not skipped."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from etl import pipeline, sample
from tests.conftest import JURISDICTION, TODAY
from tests.factories import (ORGAN_HEADERS, PROJECT_HEADERS, VENDOR_HEADERS, organ_row, project_row, vendor_row,
                             write_csv)
from warehouse import access, db, lake, queries
from warehouse.lake import Lake


@pytest.fixture
def new_lake(postgres, tmp_path):
    return postgres.lake(tmp_path / "lake-data")


def oversight(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def count(loc, sql: str) -> int:
    con = db.connect(loc, read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


# -- the location ---------------------------------------------------------------------------------

def test_a_location_is_a_file_or_a_lake_and_reads_back_as_written(monkeypatch):
    assert db.location("data/oversight.duckdb") == Path("data/oversight.duckdb")
    text = "ducklake:postgres:dbname=oversight host=10.0.0.5 port=5432 user=etl data_path=/mnt/lake/"
    loc = db.location(text)
    assert loc == Lake("dbname=oversight host=10.0.0.5 port=5432 user=etl", data_path="/mnt/lake/")
    assert db.location(str(loc)) == loc and db.location(loc) is loc and db.absolute(loc) == loc
    monkeypatch.setenv("OVERSIGHT_DATA_PATH", "/srv/shared lake/")
    bare = db.location("ducklake:postgres:dbname=o host=h")
    assert bare.data_path == "/srv/shared lake/"
    monkeypatch.delenv("OVERSIGHT_DATA_PATH")
    assert db.location(str(bare)) == bare and "data_path='/srv/shared lake/'" in str(bare)
    with pytest.raises(db.WarehouseUnavailable, match="只支持 PostgreSQL"):
        db.location("ducklake:sqlite:metadata.sqlite")


def test_migrations_lose_only_what_ducklake_lacks():
    for name, sql in db._migrations():
        out = lake.ducklake_ddl(sql)
        assert not re.search(r"PRIMARY\s+KEY|\bUNIQUE\b|\bCHECK\s*\(|SEQUENCE|nextval", out, re.IGNORECASE), name
        assert out.count("CREATE TABLE") == sql.count("CREATE TABLE"), name
    users = lake.ducklake_ddl(dict(db._migrations())["0004_access.sql"])
    assert "username VARCHAR NOT NULL," in users and "active BOOLEAN NOT NULL DEFAULT true" in users


# -- one warehouse, several processes -------------------------------------------------------------

LOADERS, ORGANS_EACH = 3, 12

READER = """
import json, sys, time
from pathlib import Path
from dashboards import data
stop, out = Path(sys.argv[1]), Path(sys.argv[2])
seen, bad, reads = set(), [], 0
while not stop.exists():
    version = data.version()
    with data.reader() as con:
        loads, running, organs, scheduled, groups = con.execute(
            "SELECT (SELECT count(*) FROM loads), (SELECT count(*) FROM loads WHERE status <> 'committed'), "
            "(SELECT count(*) FROM organs), (SELECT count(*) FROM mart_organ_schedule), "
            "(SELECT list(n) FROM (SELECT count(*) AS n FROM organs GROUP BY split_part(organ_name, '-', 1)))"
        ).fetchall()[0]
    reads += 1
    seen.add((version[1], loads))
    if running or organs != scheduled or any(n not in (1, %(each)d) for n in groups):
        bad.append([loads, running, organs, scheduled, groups])
    time.sleep(0.05)
out.write_text(json.dumps({"reads": reads, "states": sorted(seen), "bad": bad}))
""" % {"each": ORGANS_EACH}


def _loader_folder(root: Path, i: int) -> Path:
    folder = root / f"loader{i}"
    folder.mkdir()
    numbers = range(i * 100 + 1, i * 100 + ORGANS_EACH + 1)
    write_csv(folder / "organs.csv", ORGAN_HEADERS, [organ_row(n, name=f"L{i}-机关{n}") for n in numbers])
    write_csv(folder / "vendors.csv", VENDOR_HEADERS, [vendor_row(i)])
    write_csv(folder / "projects.csv", PROJECT_HEADERS, [project_row(f"P{n}", n, i) for n in numbers])
    return folder


def test_several_loaders_and_readers_share_one_lake(new_lake, tmp_path):
    env = {"OVERSIGHT_WAREHOUSE": str(new_lake), "OVERSIGHT_JURISDICTION": JURISDICTION,
           "OVERSIGHT_TODAY": str(TODAY)}
    first = write_csv(tmp_path / "base.csv", ORGAN_HEADERS, [organ_row(1, name="base-机关1")])
    assert oversight("load", str(first), "--json", env=env).returncode == 0
    folders = [_loader_folder(tmp_path, i) for i in range(1, LOADERS + 1)]
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(stop), str(tmp_path / f"reader{r}.json")],
                                env={**os.environ, **env}, stderr=subprocess.PIPE, text=True) for r in range(2)]
    loaders = [subprocess.Popen([sys.executable, "-m", "etl.cli", "load", str(f), "--json"],
                                env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for f in folders]
    outcomes = [p.communicate(timeout=300) for p in loaders]
    time.sleep(0.5)   # the readers see the last load too
    stop.touch()
    for r in readers:
        assert r.wait(timeout=60) == 0, r.stderr.read()

    for p, (out, err) in zip(loaders, outcomes):
        assert p.returncode == 0, err
        assert json.loads(out)["rows_loaded"] == 2 * ORGANS_EACH + 1 and "Traceback" not in err
    assert count(new_lake, "SELECT count(*) FROM loads WHERE status = 'committed'") == LOADERS + 1
    assert count(new_lake, "SELECT count(DISTINCT load_id) FROM loads") == LOADERS + 1
    assert count(new_lake, "SELECT count(*) - count(DISTINCT batch_id) FROM load_batches") == 0
    assert count(new_lake, "SELECT count(*) FROM organs") == 1 + LOADERS * ORGANS_EACH
    assert count(new_lake, "SELECT count(*) FROM audit_log WHERE action = 'load'") == LOADERS + 1
    for r in range(2):
        seen = json.loads((tmp_path / f"reader{r}.json").read_text())
        assert seen["bad"] == [], "a reader saw part of a load"
        loads_seen = sorted({loads for _snapshot, loads in seen["states"]})
        assert len(loads_seen) >= 2 and loads_seen[-1] == LOADERS + 1, seen


def test_a_reader_keeps_its_snapshot_and_a_new_one_sees_the_load(new_lake, tmp_path):
    settings = pipeline.Settings(new_lake, JURISDICTION, TODAY)
    pipeline.run([write_csv(tmp_path / "a.csv", ORGAN_HEADERS, [organ_row(1)])], settings)
    before = db.version(new_lake)
    reader = db.connect(new_lake, read_only=True)
    try:
        pipeline.run([write_csv(tmp_path / "b.csv", ORGAN_HEADERS, [organ_row(2)])], settings)
        assert reader.execute("SELECT count(*) FROM organs").fetchall() == [(1,)]
    finally:
        reader.close()
    assert count(new_lake, "SELECT count(*) FROM organs") == 2
    assert db.version(new_lake) != before


def test_serve_hands_the_lake_to_its_workers(new_lake):
    from dashboards import data, serve
    saved = dict(os.environ)
    try:
        serve.configure(new_lake, None)   # what `oversight serve` tells its worker processes
        assert data.warehouse_path() == new_lake
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_the_serving_process_starts_its_workers_holding_no_duckdb_instance(new_lake, tmp_path, monkeypatch):
    """DuckDB is not fork-safe: the lake instance the serving process opened to check the lake is
    closed before gunicorn forks the workers."""
    from gunicorn.app.base import BaseApplication

    from dashboards import serve
    from tests.serving import free_port
    pipeline.run([write_csv(tmp_path / "a.csv", ORGAN_HEADERS, [organ_row(1)])],
                 pipeline.Settings(new_lake, JURISDICTION, TODAY))
    db._lakes_created.discard(new_lake)
    assert db.exists(new_lake)                       # what `oversight serve` checks first
    assert any(key[0] == os.getpid() for key in lake._instances)
    at_fork = []
    monkeypatch.setattr(BaseApplication, "run", lambda _app: at_fork.append(
        [key for key in lake._instances if key[0] == os.getpid()]))
    for name in ("OVERSIGHT_WAREHOUSE", "OVERSIGHT_COOKIE_SECURE"):
        monkeypatch.setenv(name, "0")                # serve.configure sets them: restored afterwards
    serve.run(new_lake, port=free_port(), announce=lambda _line: None)
    assert at_fork == [[]]


def test_two_servers_and_a_loader_on_one_lake(new_lake, tmp_path):
    """Two `oversight serve` processes (two machines) on one lake: a session signed in on one is good
    on the other (one signing key), and a load from a third process shows on both once committed."""
    from tests.serving import KPIS, Browser, serving, supervised
    settings = pipeline.Settings(new_lake, JURISDICTION, TODAY)
    pipeline.run([write_csv(tmp_path / "a.csv", ORGAN_HEADERS, [organ_row(1), organ_row(2)])], settings)
    access.add_user(new_lake, "admin", "admin", JURISDICTION, "admin-password-1")
    env = {"OVERSIGHT_SECRET_KEY": "one-key-for-every-server", "OVERSIGHT_TODAY": str(TODAY)}
    with serving(new_lake, "--workers", "1", env=env, log=tmp_path / "a.log") as a, \
            serving(new_lake, "--workers", "1", env=env, log=tmp_path / "b.log") as b:
        browser = Browser()
        assert browser.sign_in(a, "admin", "admin-password-1") == a
        assert supervised(browser.callback(a, KPIS)) == supervised(browser.callback(b, KPIS)) == "2"
        loaded = oversight("load", str(write_csv(tmp_path / "b.csv", ORGAN_HEADERS, [organ_row(3)])),
                           env={"OVERSIGHT_WAREHOUSE": str(new_lake), "OVERSIGHT_TODAY": str(TODAY)})
        assert loaded.returncode == 0, loaded.stderr
        assert supervised(browser.callback(b, KPIS)) == supervised(browser.callback(a, KPIS)) == "3"
    for log in ("a.log", "b.log"):
        assert "Traceback" not in (tmp_path / log).read_text()


# -- conflicts ------------------------------------------------------------------------------------

def _outsider(loc: Lake) -> duckdb.DuckDBPyConnection:
    """A writer of the lake that takes no writer lock (another tool, or maintenance)."""
    ext = lake.extensions()
    con = duckdb.connect(config=lake.CONFIG)
    con.execute(f"LOAD '{ext.postgres}'")
    con.execute(f"LOAD '{ext.ducklake}'")
    con.execute(f"ATTACH 'ducklake:postgres:{loc.conninfo}' AS other (METADATA_SCHEMA '{loc.metadata_schema}')")
    return con


def _seeded(loc: Lake) -> None:
    db.write(loc, lambda con: db.set_setting(con, "jurisdiction", JURISDICTION))


def test_a_commit_that_conflicts_is_redone(new_lake):
    _seeded(new_lake)
    outsider, attempts = _outsider(new_lake), []

    def work(con):
        attempts.append(1)
        db.set_setting(con, "probe", str(len(attempts)))
        if len(attempts) == 1:   # meanwhile another writer commits a change to the same table
            outsider.execute("DELETE FROM other.settings WHERE key = 'jurisdiction'")
            outsider.execute("INSERT INTO other.settings VALUES ('jurisdiction', ?)", [JURISDICTION])
        return len(attempts)

    assert db.write(new_lake, work) == 2
    con = db.connect(new_lake, read_only=True)
    assert dict(con.execute("SELECT key, value FROM settings").fetchall()) == {"jurisdiction": JURISDICTION,
                                                                               "probe": "2"}
    con.close()
    outsider.close()


def test_a_write_that_keeps_conflicting_fails_cleanly_and_changes_nothing(new_lake):
    _seeded(new_lake)
    outsider = _outsider(new_lake)

    def work(con):
        db.set_setting(con, "probe", "x")
        outsider.execute("DELETE FROM other.settings WHERE key = 'jurisdiction'")
        outsider.execute("INSERT INTO other.settings VALUES ('jurisdiction', ?)", [JURISDICTION])

    with pytest.raises(db.WriteConflict, match="冲突.*未作任何改动"):
        db.write(new_lake, work, attempts=2)
    assert count(new_lake, "SELECT count(*) FROM settings WHERE key = 'probe'") == 0
    outsider.close()


def test_the_command_line_says_why_in_chinese(new_lake, tmp_path, monkeypatch):
    from etl.cli import main
    organs = write_csv(tmp_path / "o.csv", ORGAN_HEADERS, [organ_row(1)])

    def conflicting(loc, work, **kw):
        raise db.WriteConflict("写入与其他进程的提交冲突（测试）")
    monkeypatch.setattr(db, "write", conflicting)
    done = CliRunner().invoke(main, ["load", str(organs), "--warehouse", str(new_lake), "--jurisdiction",
                                     JURISDICTION])
    assert done.exit_code == 1 and "写入与其他进程的提交冲突（测试）" in done.output
    assert "Traceback" not in done.output
    monkeypatch.undo()
    unreachable = f"ducklake:postgres:dbname=x host=127.0.0.1 port=1 user=oversight data_path={tmp_path}/"
    done = oversight("load", str(organs), "--warehouse", unreachable, "--jurisdiction", JURISDICTION)
    assert done.returncode == 1 and "无法打开 DuckLake 仓库" in done.stderr and "Traceback" not in done.stderr
    no_data_path = str(Lake(new_lake.conninfo, metadata_schema=new_lake.metadata_schema + "_new"))
    done = oversight("load", str(organs), "--warehouse", no_data_path, "--jurisdiction", JURISDICTION)
    assert done.returncode == 1 and "须指定数据目录" in done.stderr and "Traceback" not in done.stderr
    done = oversight("load", str(organs), "--warehouse", "ducklake:sqlite:x.sqlite")
    assert done.returncode == 2 and "只支持 PostgreSQL" in done.stderr


# -- moving an embedded warehouse into a lake -----------------------------------------------------

def test_migrate_to_ducklake_moves_everything_and_the_lake_carries_on(new_lake, tmp_path):
    manifest = sample.generate(tmp_path / "sub", today=TODAY)
    file = tmp_path / "wh" / "oversight.duckdb"
    pipeline.run([tmp_path / "sub"], pipeline.Settings(file, manifest["jurisdiction"], TODAY))
    access.add_user(file, "chen", "admin", "330000", "a-long-password-1", actor="test")

    done = oversight("migrate-to-ducklake", str(file), "--to", str(new_lake))
    assert done.returncode == 0, done.stderr
    assert "已迁入" in done.stdout and "OVERSIGHT_WAREHOUSE=" in done.stdout

    src, dst = db.connect(file, read_only=True), db.connect(new_lake, read_only=True)
    try:
        tables = [r[0] for r in src.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                            "AND database_name = current_database()").fetchall()]
        assert len(tables) > 40
        for t in tables:
            assert dst.execute(f"SELECT count(*) FROM {t}").fetchall() == src.execute(f"SELECT count(*) FROM {t}"
                                                                                     ).fetchall(), t
        f = queries.Filters(today=TODAY)
        for name in ("kpis", "vendor_risk", "organ_schedule", "rectifications"):
            got, want = getattr(queries, name)(dst, f), getattr(queries, name)(src, f)
            assert got.sort(got.columns).equals(want.sort(want.columns)), name
    finally:
        src.close()
        dst.close()

    assert isinstance(access.authenticate(new_lake, "chen", "a-long-password-1"), access.User)
    last = count(new_lake, "SELECT max(load_id) FROM loads")
    result = pipeline.run([write_csv(tmp_path / "more.csv", ORGAN_HEADERS, [organ_row(99)])],
                          pipeline.Settings(new_lake, None, TODAY))
    assert result.load_id == last + 1 and result.summary()["rows_loaded"] == 1

    again = oversight("migrate-to-ducklake", str(file), "--to", str(new_lake))
    assert again.returncode == 1 and "已有数据" in again.stderr and "Traceback" not in again.stderr
    assert count(new_lake, "SELECT count(*) FROM organs") == count(file, "SELECT count(*) FROM organs") + 1
