"""Rejected rows through a user's query layer: a row is shown only in a scope that holds every organ it
names, and a role without PERSONAL_DATA never reads an organ's contact person or telephone in it —
under whatever header the organ's file gave them."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from etl import pipeline
from schemas.roles import Role
from tests.factories import ORGAN_HEADERS, organ_code, organ_row, write_csv
from tests.lake_support import new_warehouse
from tests.planning_registry import INSPECTOR_HEADERS
from warehouse import queries
from warehouse.access import User

TODAY = dt.date(2026, 3, 15)
HANGZHOU, NINGBO = organ_code(1), organ_code(2)


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("rejected")
    first, second = root / "first", root / "second"
    first.mkdir()
    second.mkdir()
    write_csv(first / "organs.csv", ORGAN_HEADERS, [organ_row(1, "330102"), organ_row(2, "330203")])
    # the Hangzhou organ sent again with a staff count below 0; its contact under the alias 电话
    write_csv(second / "organs.csv", [*ORGAN_HEADERS, "档案工作人员数", "联系人", "电话", "手机"],
              [[*organ_row(1, "330102"), "-2", "秘密联系人", "0571-99998888", "13900001111"]])
    # a Jiaxing inspector, rejected, whose recusal list names organs of both cities
    write_csv(second / "inspectors.csv", INSPECTOR_HEADERS,
              [["浙F-330400-901", "嘉兴检查员甲", "330400", "整理", f"{HANGZHOU};{NINGBO}", "待定"]])
    wh = new_warehouse(root / "w.duckdb")
    for folder in (first, second):
        pipeline.run([folder], pipeline.Settings(wh, "330000", TODAY))
    return wh


@pytest.fixture
def con(wh):
    c = queries.connect(wh)
    yield c
    c.close()


def rows(con, role: Role, scope: str):
    q = queries.for_user(User(1, "u", None, role, scope))
    return q.rejected_rows(con, q.filters(today=TODAY))


def test_the_file_really_rejected_both_rows(con):
    every = queries.rejected_rows(con, queries.Filters(today=TODAY))
    assert set(every["kind"]) == {"organs", "inspectors"}
    organ = every.filter(every["kind"] == "organs").row(0, named=True)
    assert organ["column_name"] == "archive_staff" and json.loads(organ["row_values"])["电话"] == "0571-99998888"


def test_contacts_are_withheld_from_roles_without_personal_data(con):
    for role in (Role.LEADER, Role.INSPECTOR):
        organ = rows(con, role, "330000").filter(pl.col("kind") == "organs")
        text = json.loads(organ["row_values"][0])
        assert text["联系人"] == text["电话"] == queries.WITHHELD, role
        assert text["手机"] == queries.WITHHELD               # a column the contract does not know, withheld too
        assert text["档案工作人员数"] == "-2" and text["*机关名称"] == "测试机关1"     # the rest as sent
        assert not any(secret in repr(organ.rows()) for secret in ("秘密联系人", "99998888", "13900001111"))
    admin = rows(con, Role.ADMIN, "330000").filter(pl.col("kind") == "organs")
    assert json.loads(admin["row_values"][0])["电话"] == "0571-99998888"


def test_a_row_naming_organs_of_two_cities_is_shown_to_neither(con):
    assert set(rows(con, Role.INSPECTOR, "330000")["kind"]) == {"organs", "inspectors"}
    hangzhou = rows(con, Role.INSPECTOR, "330100")
    assert set(hangzhou["kind"]) == {"organs"} and "嘉兴检查员甲" not in repr(hangzhou.rows())
    assert rows(con, Role.INSPECTOR, "330200").height == 0
    # asked for by the Hangzhou organ's code, the two-city row still stays out of the city's view
    q = queries.for_user(User(1, "u", None, Role.INSPECTOR, "330100"))
    assert set(q.rejected_rows(con, q.filters(today=TODAY), organ_code=HANGZHOU)["kind"]) == {"organs"}

