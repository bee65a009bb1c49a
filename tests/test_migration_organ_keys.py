"""migrations/0007_organ_keys.sql on a warehouse that already has rows: the marts the refresh searches
by organ or vendor get the codes' integer keys, filled for every row, and the loads after it keep
them and give what a rebuild gives.

Organ K1 (vendor V1, project PK): inspection JK1 with F1 不符合 and its rectification, loaded with
the migrations before 0007; the warehouse is then opened (migrated); a second load brings JK2,
which supersedes the rectification. The query layer's vendor filters find the vendor's
rectifications and projects by the same keys.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from benchmarks import determinism
from tests.analytics_world import World

TODAY = dt.date(2025, 10, 8)
KEYED = {"mart_rectifications": ("organ", "vendor"), "mart_projects": ("organ", "vendor"),
         "mart_check_events": ("organ",)}


def key_mismatches(con, table: str, entities: tuple[str, ...]) -> int:
    """Rows whose key is not md5_number_lower of the code (NULL codes have NULL keys)."""
    wrong = " OR ".join(f"{e}_key IS DISTINCT FROM md5_number_lower({e}_code)" for e in entities)
    return con.sql(f"SELECT count(*) FROM {table} WHERE {wrong}").fetchall()[0][0]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("keys"), file_only=True)
    organ, vendor = w.organ(1), w.vendor(1)
    w.project("PK", organ, vendor, "2025-01-10")
    w.inspection("JK1", organ, "2025-03-01", project="PK", items={"F1": "不符合"})
    w.rectification("JK1", "F1", "2025-04-01")
    w.load(TODAY)
    # the warehouse as the release before 0007 left it: the same marts without the key columns
    w.as_before("0007_organ_keys.sql", {t: [f"{e}_key" for e in entities] for t, entities in KEYED.items()})
    with w.connect(read_only=False) as con:  # opening it writable migrates it
        migrated = {t: (con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0], key_mismatches(con, t, e))
                    for t, e in KEYED.items()}
    return {"world": w, "organ": organ, "migrated": migrated}


def test_the_migration_fills_the_keys_of_every_row(world):
    for table, (rows, wrong) in world["migrated"].items():
        assert rows > 0 and wrong == 0, table


def test_loads_after_the_migration_keep_the_keys_and_a_rebuild_agrees(world, tmp_path):
    w = world["world"]
    w.inspection("JK2", world["organ"], "2025-05-10", project="PK", items={})
    w.load(TODAY)
    with w.connect() as con:
        for table, entities in KEYED.items():
            assert key_mismatches(con, table, entities) == 0, table
        assert con.sql("SELECT superseded_by FROM mart_rectifications WHERE inspection_code = 'JK1'"
                       ).fetchall() == [("JK2",)]
    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copyfile(w.warehouse, rebuilt)
    determinism.rebuild(rebuilt, TODAY)
    assert all(only_a == only_b == 0 for _rows, only_a, only_b
               in determinism.differences(w.warehouse, rebuilt).values())


def test_the_query_layer_finds_a_vendors_rows_by_key(tmp_path):
    """Two vendors, each with an organ, a project and an overdue rectification: a vendor filter keeps
    that vendor's rows only (the lists, the status counts, the escalation candidates, the headline
    numbers), as the codes in the rows say."""
    w = World(tmp_path / "w", file_only=True)
    vendors = [w.vendor(1), w.vendor(2)]
    for n, vendor in enumerate(vendors, start=1):
        organ = w.organ(n)
        w.project(f"PV{n}", organ, vendor, "2025-01-10")
        w.inspection(f"JV{n}", organ, "2025-03-01", project=f"PV{n}", items={"F1": "不符合", "A1": "不符合"})
        w.rectification(f"JV{n}", "F1", "2025-04-01")
        if n == 2:
            w.rectification(f"JV{n}", "A1", "2025-04-01")
    w.load(TODAY)
    from warehouse import queries as q
    with w.connect() as con:
        for vendor, overdue in zip(vendors, (1, 2)):
            f = q.Filters(today=TODAY, vendor_code=vendor)
            assert set(q.rectifications(con, f)["vendor_code"]) == {vendor}
            paged = q.rectifications(con, f, page=q.Page(0, 50))
            assert set(paged["vendor_code"]) == {vendor} and paged.height == overdue
            assert q.rectification_status(con, f)["overdue"].to_list() == [overdue]
            assert set(q.escalation_candidates(con, f)["vendor_code"]) == {vendor}
            kpis = {r["kpi"]: r["value"] for r in q.kpis(con, f).iter_rows(named=True)}
            assert kpis["active_projects"] == 1 and kpis["overdue_rectifications"] == overdue
