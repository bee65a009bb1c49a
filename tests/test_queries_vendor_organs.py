"""queries.vendor_organs — the organs a vendor serves (the vendor profile's "服务的机关" grid), each
with its active projects WITH THAT VENDOR, on a small hand-built warehouse (today 2025-10-08):

    organ  region  projects                                             with V: projects  active
    O1     330102  P11 V since 2024-01-01, P12 V since 2025-05-01,      2                 2
                   P13 X since 2023-01-01 (another vendor)
    O2     330102  P21 V starts 2025-12-01 (not yet), P22 X             1                 0
    O3     330203  P31 V 2022-01-01 – 2025-06-30 (ended); V's 较大      1                 0
                   incident SJ2025003 happened here (a follow-up for
                   V's other organs, cited in their schedule rows)
    O4     330102  P41 X only                                           (not listed)
    O5     330106  P51 V ends today, P52 V starts today (both active)   2                 2

organ_schedule's own projects / active_projects count every vendor's: O1 3 / 3, O2 2 / 1.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from schemas.roles import Role
from tests.analytics_world import World
from warehouse import queries as q
from warehouse.access import User

TODAY = dt.date(2025, 10, 8)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("vendor_organs"))
    w.o = {k: w.organ(n, region) for n, (k, region) in enumerate(
        [("O1", "330102"), ("O2", "330102"), ("O3", "330203"), ("O4", "330102"), ("O5", "330106")], start=1)}
    o = w.o
    w.v, w.x = v, x = w.vendor(1), w.vendor(2)
    w.project("P11", o["O1"], v, "2024-01-01")
    w.project("P12", o["O1"], v, "2025-05-01")
    w.project("P13", o["O1"], x, "2023-01-01")
    w.project("P21", o["O2"], v, "2025-12-01")
    w.project("P22", o["O2"], x, "2023-01-01")
    w.project("P31", o["O3"], v, "2022-01-01", end="2025-06-30")
    w.incident("SJ2025003", o["O3"], "较大", "2025-06-20 10:00", reported="2025-06-21 09:00", vendor=v, project="P31")
    w.project("P41", o["O4"], x, "2023-01-01")
    w.project("P51", o["O5"], v, "2023-01-01", end=TODAY)
    w.project("P52", o["O5"], v, TODAY)
    w.load(TODAY)
    w.con = w.connect()
    yield w
    w.con.close()


def by_organ(world, frame: pl.DataFrame) -> dict[str, dict]:
    names = {code: k for k, code in world.o.items()}
    return {names[r["organ_code"]]: r for r in frame.iter_rows(named=True)}


def test_active_projects_count_only_the_vendors_active_ones(world):
    rows = by_organ(world, q.vendor_organs(world.con, q.Filters(vendor_code=world.v, today=TODAY)))
    assert {k: (r["projects"], r["active_projects"]) for k, r in rows.items()} == {
        "O1": (2, 2),     # two active with V; the active one with X is not counted
        "O2": (1, 0),     # V's project has not started yet
        "O3": (1, 0),     # V's project has ended
        "O5": (2, 2),     # one ending today, one starting today: both active (as projects' `active`)
    }
    # the schedule's own counts are of every vendor
    schedule = by_organ(world, q.organ_schedule(world.con, q.Filters(vendor_code=world.v, today=TODAY)))
    assert (schedule["O1"]["projects"], schedule["O1"]["active_projects"]) == (3, 3)
    assert (schedule["O2"]["projects"], schedule["O2"]["active_projects"]) == (2, 1)
    # the other vendor: only its own projects
    rows = by_organ(world, q.vendor_organs(world.con, q.Filters(vendor_code=world.x, today=TODAY)))
    assert {k: r["active_projects"] for k, r in rows.items()} == {"O1": 1, "O2": 1, "O4": 1}


def test_the_rows_are_the_schedules_and_active_is_that_of_projects(world):
    for day in (TODAY, dt.date(2025, 6, 30), dt.date(2025, 7, 1), dt.date(2025, 12, 1)):
        f = q.Filters(vendor_code=world.v, today=day)
        organs = q.vendor_organs(world.con, f)
        schedule = q.organ_schedule(world.con, f)
        assert organs.columns == schedule.columns
        # the schedule's rows, in its order; only the two counts differ
        assert organs.drop("projects", "active_projects").equals(schedule.drop("projects", "active_projects"))
        projects = q.projects(world.con, f)
        expected = dict(projects.group_by("organ_code").agg(pl.col("active").fill_null(False).sum()).iter_rows())
        assert dict(organs.select("organ_code", "active_projects").iter_rows()) == expected, day
    # before P31 ended, O3 had it active; on 2025-12-01 O2's has started
    rows = by_organ(world, q.vendor_organs(world.con, q.Filters(vendor_code=world.v, today=dt.date(2025, 6, 30))))
    assert rows["O3"]["active_projects"] == 1 and rows["O2"]["active_projects"] == 0
    rows = by_organ(world, q.vendor_organs(world.con, q.Filters(vendor_code=world.v, today=dt.date(2025, 12, 1))))
    assert (rows["O2"]["active_projects"], rows["O5"]["active_projects"]) == (1, 1)


def test_a_users_scope_narrows_and_masks_as_the_schedule(world):
    user = q.for_user(User(1, "u", None, Role.INSPECTOR, "330100"))
    f = q.Filters(vendor_code=world.v, today=TODAY)
    rows = by_organ(world, user.vendor_organs(world.con, f))
    assert {k: r["active_projects"] for k, r in rows.items()} == {"O1": 2, "O2": 0, "O5": 2}   # O3 outside 3301
    # O1's follow-up is for V's incident at O3 (Ningbo): its code masked, as on the schedule
    assert by_organ(world, q.vendor_organs(world.con, f))["O1"]["followup_incident_code"] == "SJ2025003"
    assert rows["O1"]["followup_incident_code"] == q.OUT_OF_REGION
    assert user.vendor_organs(world.con, f).drop("projects", "active_projects").equals(
        user.organ_schedule(world.con, f).drop("projects", "active_projects"))
    # a region outside the scope: nothing
    assert user.vendor_organs(world.con, q.Filters(vendor_code=world.v, region="330200", today=TODAY)).height == 0
