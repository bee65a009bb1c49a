"""The guarantees of a load: idempotent, replacing by key with history, order-independent,
atomic even when killed, and the command line of contract §6."""

import json
import os
import signal
import subprocess
import sys
import time

from tests.conftest import JURISDICTION, TODAY
from tests.factories import (ORGAN_HEADERS, PROJECT_HEADERS, VENDOR_HEADERS, organ_row, project_row, vendor_row,
                             write_csv, write_xls, write_xlsx)
from warehouse import db


def counts(warehouse) -> dict:
    con = db.connect(warehouse, read_only=True)
    try:
        tables = ["organs", "vendors", "projects", "organs_history", "load_batches", "row_issues", "flags"]
        return {t: con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
    finally:
        con.close()


def test_loading_the_same_file_twice_changes_nothing(tmp_path, load, warehouse):
    organs = write_csv(tmp_path / "organs.csv", ORGAN_HEADERS, [organ_row(1), organ_row(2), organ_row(3, region="x")])
    first = load(organs)
    before = counts(warehouse)
    second = load(organs)
    assert [f.status for f in second.files] == ["already_loaded"]
    assert counts(warehouse) == before
    assert first.files[0].rows_loaded == 2 and before["organs"] == 2


def test_a_corrected_file_replaces_keys_and_keeps_history(tmp_path, load, warehouse):
    load(write_csv(tmp_path / "v1.csv", ORGAN_HEADERS, [organ_row(1, name="旧名称"), organ_row(2)]))
    # Same content under another file name: identical rows are not new versions.
    load(write_csv(tmp_path / "copy.csv", ORGAN_HEADERS, [organ_row(2)]))
    load(write_csv(tmp_path / "v2.csv", ORGAN_HEADERS, [organ_row(1, name="新名称")]))
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT organ_name FROM organs ORDER BY organ_code").fetchall() == [("新名称",), ("测试机关2",)]
    history = con.sql("SELECT organ_name, source_file, replaced_by_batch IS NOT NULL FROM organs_history").fetchall()
    assert len(history) == 1 and history[0][0] == "旧名称" and history[0][1].endswith("v1.csv") and history[0][2]


def test_references_resolve_within_one_load_whatever_the_file_order(tmp_path, load, warehouse):
    projects = write_csv(tmp_path / "a_projects.csv", PROJECT_HEADERS, [project_row("P1", 1, 1)])
    organs = write_xls(tmp_path / "z_registry.xls", {"机关": (ORGAN_HEADERS, [organ_row(1)]),
                                                    "服务机构": (VENDOR_HEADERS, [vendor_row(1)])})
    result = load(projects, organs)
    assert result.summary()["rows_rejected"] == 0
    assert {f.kind: f.rows_loaded for f in result.files} == {"projects": 1, "organs": 1, "vendors": 1}


def test_gb18030_csv_with_a_four_byte_character(tmp_path, load, warehouse):
    path = write_csv(tmp_path / "gb.csv", ORGAN_HEADERS, [organ_row(1, name="𠀀县人民政府办公室")], encoding="gb18030")
    assert load(path).summary()["rows_loaded"] == 1
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT organ_name FROM organs").fetchall() == [("𠀀县人民政府办公室",)]


def test_validate_writes_nothing(tmp_path, load, warehouse):
    result = load(write_csv(tmp_path / "o.csv", ORGAN_HEADERS, [organ_row(1)]), write=False)
    assert result.files[0].status == "validated" and result.files[0].rows_loaded == 1
    assert not db.exists(warehouse)


def oversight(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "etl.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, **kw)


def test_cli_json_exit_codes_and_settings_from_the_environment(tmp_path, warehouse):
    wh = warehouse
    good = write_csv(tmp_path / "organs.csv", ORGAN_HEADERS, [organ_row(1), organ_row(2, region="110101")])
    env = {"OVERSIGHT_WAREHOUSE": str(wh), "OVERSIGHT_JURISDICTION": JURISDICTION, "OVERSIGHT_TODAY": str(TODAY)}
    done = oversight("load", str(good), "--json", env=env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["rows_read"] == 2 and out["rows_loaded"] == 1 and out["rows_rejected"] == 1
    assert out["rejections_by_rule"] == {"ROW_JURISDICTION": 1}
    assert set(out["files"][0]) >= {"path", "sheet", "kind", "rows_read", "rows_loaded", "rows_rejected",
                                    "rows_warned", "status"}
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"garbage")
    done = oversight("load", str(bad), "--json", env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["files"][0]["status"] == "rejected"
    assert oversight("load", env=env).returncode == 2
    other = oversight("load", str(good), "--jurisdiction", "110000", "--warehouse", str(wh))
    assert other.returncode == 2 and "330000" in other.stderr


def test_validate_report_is_a_workbook_an_organ_can_fix_its_file_from(tmp_path):
    import openpyxl
    bad = write_xlsx(tmp_path / "organs.xlsx", {"机关名录": (ORGAN_HEADERS, [organ_row(1), organ_row(2, region="1")])})
    report = tmp_path / "问题报告.xlsx"
    done = oversight("validate", str(bad), "--report", str(report), "--jurisdiction", JURISDICTION,
                     "--warehouse", str(tmp_path / "none.duckdb"))
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(report)
    detail = wb["问题明细"]
    rows = [[c.value for c in row] for row in detail.iter_rows()]
    assert "行号" in rows[0] and any(3 in r and "ROW_REGION" in r for r in rows[1:])
    assert not (tmp_path / "none.duckdb").exists()


def test_the_filled_template_breaks_no_rule_but_loads_no_example(tmp_path, warehouse):
    """The examples are consistent data (no rule but one fires), and none of them is loaded: each is
    the template's example row (ROW_TEMPLATE_EXAMPLE)."""
    tpl = tmp_path / "模板.xlsx"
    assert oversight("template", "--out", str(tpl)).returncode == 0
    done = oversight("load", str(tpl), "--json", "--warehouse", str(warehouse), "--jurisdiction",
                     JURISDICTION, "--today", str(TODAY))
    out = json.loads(done.stdout)
    assert out["rows_loaded"] == 0 and out["rows_rejected"] == 10, out
    assert out["rejections_by_rule"] == {"ROW_TEMPLATE_EXAMPLE": 10}, out


KILLER = """
import sys, time
from pathlib import Path
import datetime as dt
from etl import pipeline
from warehouse import db, store
real = store.replace_rows
def slow(con, kind, rows):
    written = real(con, kind, rows)
    if kind == "projects":
        print("HALFWAY", flush=True)
        time.sleep(60)
    return written
store.replace_rows = slow
pipeline.run([Path(p) for p in sys.argv[2:]], pipeline.Settings(db.location(sys.argv[1]), "330000", dt.date(2026, 11, 25)))
"""


def test_a_load_killed_halfway_leaves_the_warehouse_as_it_was(tmp_path, load, warehouse):
    load(write_csv(tmp_path / "base.csv", ORGAN_HEADERS, [organ_row(1)]))
    before = counts(warehouse)
    files = [write_csv(tmp_path / "o.csv", ORGAN_HEADERS, [organ_row(2), organ_row(3)]),
             write_csv(tmp_path / "v.csv", VENDOR_HEADERS, [vendor_row(1)]),
             write_csv(tmp_path / "p.csv", PROJECT_HEADERS, [project_row("P1", 2, 1)])]
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(warehouse), *map(str, files)],
                            stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    line = ""
    while time.time() < deadline and "HALFWAY" not in line:
        line = proc.stdout.readline()
    assert "HALFWAY" in line
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert counts(warehouse) == before
    again = load(*files)  # and the same files load cleanly afterwards
    assert again.summary()["rows_loaded"] == 4


def test_reference_data_is_in_the_warehouse(tmp_path, load, warehouse):
    load(write_csv(tmp_path / "o.csv", ORGAN_HEADERS, [organ_row(1)]))
    con = db.connect(warehouse, read_only=True)
    assert con.sql("SELECT region_name FROM regions WHERE region_code = '330100'").fetchall() == [("杭州市",)]
    assert con.sql("SELECT count(*), sum(weight) FROM checklist_items").fetchall() == [(33, 100.0)]


def test_loaders_read_and_check_while_another_writes_and_never_load_a_file_twice(tmp_path, warehouse):
    """Reading and checking take no lock; only the write waits. Two loaders of the same file checked
    at the same time: one writes it, the other finds it written and loads nothing."""
    import threading

    from etl import pipeline
    base = write_csv(tmp_path / "base.csv", ORGAN_HEADERS, [organ_row(1)])
    pipeline.run([base], pipeline.Settings(warehouse, JURISDICTION, TODAY))
    organs = write_csv(tmp_path / "organs.csv", ORGAN_HEADERS, [organ_row(2), organ_row(3), organ_row(4, region="x")])
    released = threading.Event()
    checked: list[threading.Event] = []
    results: list = [None, None]

    def loader(i: int) -> None:
        done = threading.Event()
        checked.append(done)
        def progress(msg: str) -> None:
            if msg.startswith("写入"):
                assert released.is_set(), "wrote while another writer held the lock"
            if msg.startswith("校验"):
                done.set()
        results[i] = pipeline.run([organs], pipeline.Settings(warehouse, JURISDICTION, TODAY), progress=progress)

    with db.exclusive(warehouse):                      # another writer holds the warehouse
        threads = [threading.Thread(target=loader, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while (len(checked) < 2 or not all(e.is_set() for e in checked)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(checked) == 2 and all(e.is_set() for e in checked), "the loaders did not read while locked"
        time.sleep(0.3)
        assert all(r is None for r in results)           # neither has written
        released.set()
    for t in threads:
        t.join(60)
    statuses = sorted(r.files[0].status for r in results)
    assert statuses == ["already_loaded", "loaded"]
    written = next(r for r in results if r.files[0].status == "loaded")
    assert written.files[0].rows_loaded == 2 and written.files[0].rows_rejected == 1
    c = counts(warehouse)
    assert c["organs"] == 3 and c["load_batches"] == 2
    con = db.connect(warehouse, read_only=True)
    try:
        batches = con.sql("SELECT batch_id FROM load_batches ORDER BY batch_id").fetchall()
        issue_batches = {r[0] for r in con.sql("SELECT DISTINCT batch_id FROM row_issues").fetchall()}
    finally:
        con.close()
    assert [b[0] for b in batches] == [1, 2] and issue_batches == {2}
