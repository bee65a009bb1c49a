"""Issue 7: a region-scoped user sees nothing outside its scope, from every query function and export."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from pathlib import Path

import polars as pl
import pytest

from etl import pipeline, sample
from etl.export import annual, export_annual
from etl.export.grid_export import grid_bytes
from warehouse import access, queries
from warehouse.access import User
from schemas.roles import Role

TODAY = dt.date(2026, 3, 15)
CITY = "330200"            # 宁波市: the sample puts several organs there, and others elsewhere
PREFIX = "3302"
OTHER = "330300"


@functools.lru_cache(maxsize=None)
def _build(root: Path) -> Path:
    wh = root / "oversight.duckdb"
    manifest = sample.generate(root / "sub", today=TODAY, organs=40, vendors=8, years=2, bad_share=0)
    pipeline.run([root / "sub"], pipeline.Settings(wh, manifest["jurisdiction"], TODAY))
    return wh


@pytest.fixture(scope="module")
def wh(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("access"))


@pytest.fixture
def con(wh):
    c = queries.connect(wh)
    yield c
    c.close()


def text_of(frame: pl.DataFrame) -> str:
    return repr(frame.rows())


def user(role=Role.INSPECTOR, scope=CITY) -> User:
    return User(1, "u", None, role, scope)


def _args(name: str, con, q) -> tuple:
    """Arguments for a function of the user's query layer: a vendor / organ in scope where needed."""
    if name in ("vendor_risk_components", "vendor_risk_evidence", "vendor_next_tier", "vendor_profile",
                "vendor_qualifications"):
        return (sorted(q.vendors_in_scope(con))[0],)
    return ()


def _check_rows(name: str, frame: pl.DataFrame, organs: set[str], vendors: set[str]) -> None:
    if "organ_code" in frame.columns:
        assert set(frame["organ_code"].drop_nulls()) <= organs, name
    if "region_code" in frame.columns and name not in ("vendor_risk", "vendor_profile"):   # the vendor's own seat
        assert all(c.startswith(PREFIX) for c in frame["region_code"].drop_nulls()), name
    if "vendor_code" in frame.columns:
        assert set(frame["vendor_code"].drop_nulls()) <= vendors, name
    if name in ("vendor_tier_history",):
        assert set(frame["entity_code"]) <= vendors
    if name == "organ_tier_history":
        assert set(frame["entity_code"]) <= organs


def test_every_query_function_is_classified_for_users():
    public = {n for n in queries.__all__ if inspect.isfunction(getattr(queries, n))
              and list(inspect.signature(getattr(queries, n)).parameters)[:1] == ["con"]} - {"connect"}
    assert public == set(queries.QUERY_FUNCTIONS)
    with pytest.raises(AttributeError):
        queries.for_user(user()).connect


def test_city_user_sees_nothing_outside_its_city_from_every_function(con):
    q = queries.for_user(user())
    organs = q.organs_in_scope(con)
    vendors = q.vendors_in_scope(con)
    assert organs and vendors
    everyone = {r[0] for r in con.execute("SELECT organ_code FROM organs").fetchall()}
    assert everyone - organs, "the test warehouse must have organs outside the city"
    f = queries.Filters(today=TODAY)
    for name in queries.QUERY_FUNCTIONS:
        fn = getattr(q, name)
        if name in queries._WITH_FILTERS:
            result = fn(con, f)
            scoped_raw = getattr(queries, name)(con, queries.Filters(region=CITY, today=TODAY))
            if name == "vendor_risk":   # the reasons' codes of organs outside the city masked
                scoped_raw = queries.mask_out_of_region(con, scoped_raw, PREFIX)
            # the same answer as asking the raw function for the city
            assert result.equals(scoped_raw), name
            # a page that forgets the user and asks for nothing gets only the city too
            assert fn(con, None).columns == result.columns
        else:
            result = fn(con, *_args(name, con, q))
        if isinstance(result, pl.DataFrame):
            _check_rows(name, result, organs, vendors)


def test_a_region_outside_the_scope_yields_nothing(con):
    q = queries.for_user(user())
    f = queries.Filters(region=OTHER, today=TODAY)
    for name in queries._WITH_FILTERS:
        frame = getattr(q, name)(con, f)
        counts = [c for c in ("inspections", "graded", "total", "due", "evaluations", "times_failed",
                              "inspections_assessed") if c in frame.columns]
        if name == "kpis":
            assert all(v in (None, 0) for v in frame["value"].to_list()), name
        elif name == "data_as_of":   # by kind: when each kind was loaded (no rows of any organ)
            assert set(frame.columns) >= {"kind", "last_loaded_on"} and "organ_code" not in frame.columns
            assert q.data_as_of(con, f, by="organ").height == 0
        elif counts:
            assert all(frame[c].fill_null(0).sum() == 0 for c in counts), name
        else:
            assert frame.height == 0, name
    # broader regions are narrowed to the scope, never widened
    assert q.projects(con, queries.Filters(region="33", today=TODAY)).equals(
        queries.projects(con, queries.Filters(region=CITY, today=TODAY)))


def test_vendors_and_organs_outside_scope_are_not_found(con):
    q = queries.for_user(user())
    visible = q.vendors_in_scope(con)
    outside = [r[0] for r in con.execute("SELECT vendor_code FROM vendors").fetchall() if r[0] not in visible]
    assert outside
    for name in ("vendor_risk_components", "vendor_risk_evidence", "vendor_next_tier", "vendor_tier_history",
                 "vendor_profile", "vendor_qualifications"):
        with pytest.raises(queries.OutOfScope):
            getattr(q, name)(con, outside[0])
    other_organ = con.execute("SELECT organ_code FROM organs WHERE NOT starts_with(region_code, ?)",
                              [PREFIX]).fetchall()[0][0]
    with pytest.raises(queries.OutOfScope):
        q.organ_tier_history(con, other_organ)
    assert q.organ_directory(con, None, organ_code=other_organ).height == 0


def test_national_and_province_users_see_everything(con):
    for scope in ("100000", "330000"):
        q = queries.for_user(user(Role.LEADER, scope))
        assert q.organ_schedule(con, queries.Filters(today=TODAY)).height == \
            queries.organ_schedule(con, queries.Filters(today=TODAY)).height


def test_contact_data_only_for_admin(con):
    f = queries.Filters(today=TODAY)
    admin = queries.for_user(user(Role.ADMIN, "330000")).organ_directory(con, f, contacts=True)
    assert {"contact_name", "contact_phone"} <= set(admin.columns) and admin["contact_phone"].drop_nulls().len() > 0
    for role in (Role.LEADER, Role.INSPECTOR):
        frame = queries.for_user(user(role, "330000")).organ_directory(con, f, contacts=True)
        assert "contact_name" not in frame.columns and "contact_phone" not in frame.columns
    phones = set(admin["contact_phone"].drop_nulls())
    # no other query function returns a contact, for any role
    q = queries.for_user(user(Role.LEADER, "330000"))
    for name in queries._WITH_FILTERS:
        frame = getattr(q, name)(con, f)
        assert not {"contact_name", "contact_phone"} & set(frame.columns), name
        text = text_of(frame)
        assert not any(p in text for p in list(phones)[:5]), name


def test_no_password_or_hash_in_any_query_result(wh, con):
    # users and audit rows live in the same file: no query function may return them
    path = wh.parent / "copy.duckdb"
    import shutil
    shutil.copyfile(wh, path)
    access.add_user(path, "zhang", "inspector", CITY, "secret-pass-777")
    c = queries.connect(path)
    try:
        h = c.execute("SELECT password_hash FROM users").fetchall()[0][0]
        q = queries.for_user(user(Role.ADMIN, "100000"))
        for name in queries._WITH_FILTERS:
            text = text_of(getattr(q, name)(c, queries.Filters(today=TODAY)))
            assert h not in text and "secret-pass-777" not in text and "$argon2" not in text
        assert "password_hash" not in access.list_users(c).columns
    finally:
        c.close()


def test_exports_with_scope_contain_only_in_scope_rows(con, tmp_path):
    q = queries.for_user(user())
    organs = q.organs_in_scope(con)
    # grid export of what the page got through the user's query layer
    frame = q.rectifications(con, queries.Filters(region="33", today=TODAY))
    csv = grid_bytes(frame, "csv", filters=q.filters(today=TODAY), title="整改").decode("utf-8-sig")
    assert "权限范围" in csv
    other = con.execute("SELECT organ_code FROM organs WHERE NOT starts_with(region_code, ?)", [PREFIX]).fetchall()
    assert not any(code in csv for (code,) in other)
    assert frame.height and set(frame["organ_code"]) <= organs
    # annual export: every table of the year is within the city
    scope = annual.scope_filters(None, TODAY).within(CITY)
    data = annual.collect(con, 2025, scope)
    assert "宁波" in data.scope_label
    for key, table in data.tables.items():
        if isinstance(table, pl.DataFrame):
            _check_rows("vendor_risk" if key == "vendors" else key, table, organs, q.vendors_in_scope(con))
    result = export_annual(con, 2025, scope, workbook=tmp_path / "a.xlsx", snapshot=tmp_path / "snap")
    snap_organs = pl.read_parquet(tmp_path / "snap" / "registries" / "organs.parquet")
    assert set(snap_organs["organ_code"]) <= organs
    assert "contact_phone" not in snap_organs.columns
    assert result.workbook.exists()


def _outside_incidents(con) -> set[str]:
    return {code for (code,) in con.execute(
        "SELECT incident_code FROM incidents JOIN organs USING (organ_code) WHERE NOT starts_with(region_code, ?)",
        [PREFIX]).fetchall()}


def test_a_vendors_reasons_cite_no_code_of_an_organ_outside_the_scope(con):
    """A visible vendor's tier and reasons are its own (computed from all its data), but the codes they
    cite of organs outside the user's scope are masked and counted; a province user sees them all."""
    outside = _outside_incidents(con)
    raw = queries.vendor_risk(con, queries.Filters(region=CITY, today=TODAY))
    citing = raw.filter(pl.col("floor_reason").map_elements(lambda t: any(c in t for c in outside),
                                                            return_dtype=pl.Boolean))
    assert citing.height, "the sample must have a vendor of the city whose floor rule cites an incident elsewhere"
    vendor = citing["vendor_code"][0]
    cited = [c for c in outside if c in citing["floor_reason"][0]]
    q = queries.for_user(user())
    mine = q.vendor_risk(con, queries.Filters(vendor_code=vendor, today=TODAY)).row(0, named=True)
    assert mine["tier"] == citing["tier"][0] and mine["score"] == citing["score"][0]
    texts = [mine["floor_reason"], mine["tier_change_reason"] or "",
             *q.vendor_tier_history(con, vendor)["reason_zh"].to_list(),
             *q.vendor_next_tier(con, vendor, today=TODAY)["description_zh"].to_list()]
    assert not any(c in t for c in outside for t in texts)
    assert f"范围外{len(cited)}项" in mine["floor_reason"]
    # a province user: the same vendor's reasons as the marts have them
    province = queries.for_user(user(Role.LEADER, "330000"))
    assert province.vendor_risk(con, queries.Filters(vendor_code=vendor, today=TODAY))["floor_reason"][0] \
        == citing["floor_reason"][0]


def test_an_export_for_a_region_cites_no_code_of_an_organ_outside_it(con):
    outside = _outside_incidents(con)
    data = annual.collect(con, 2025, annual.scope_filters(None, TODAY).within(CITY))
    reasons = data.tables["vendors"].select("floor_reason", "tier_change_reason").rows()
    assert any("范围外" in (t or "") for row in reasons for t in row)
    assert not any(c in (t or "") for row in reasons for t in row for c in outside)


def test_masked_codes_are_counted_in_their_list():
    hidden = {"SJ-2025-0002", "SJ-2025-0003", "113302000000000001/ZJ-1"}
    assert queries._masked("较大事件（SJ-2025-0001、SJ-2025-0002、SJ-2025-0003 等5项）", hidden) \
        == "较大事件（SJ-2025-0001、范围外2项，共5项）"
    assert queries._masked("涉密（113302000000000001/ZJ-1）；检查JC-2025-0001", hidden) == "涉密（范围外1项）；检查JC-2025-0001"
    assert queries._masked("首次评定为D级（高）：风险分59.95", hidden) == "首次评定为D级（高）：风险分59.95"



def _follow_up_from_another_city(con) -> tuple[str, str, str]:
    """(city scope, organ, incident): an organ of a city due for a follow-up of its vendor's incident
    at an organ of another city."""
    found = con.execute("""
        SELECT substr(o.region_code, 1, 4) || '00', s.organ_code, s.followup_incident_code
        FROM mart_organ_schedule s JOIN organs o USING (organ_code)
        JOIN incidents i ON i.incident_code = s.followup_incident_code JOIN organs w ON w.organ_code = i.organ_code
        WHERE substr(o.region_code, 1, 4) <> substr(w.region_code, 1, 4) AND NOT o.region_code LIKE '3300%'
        ORDER BY ALL LIMIT 1""").fetchall()
    assert found, "the sample has a follow-up across cities"
    return found[0]


def test_a_follow_up_cites_no_incident_of_an_organ_outside_the_scope(con, tmp_path):
    city, organ, incident = _follow_up_from_another_city(con)
    province = queries.for_user(user(Role.INSPECTOR, "330000"))
    mine = province.organ_schedule(con, province.filters(today=TODAY), organ_code=organ)
    assert mine["followup_incident_code"].to_list() == [incident]
    q = queries.for_user(user(Role.INSPECTOR, city))
    theirs = q.organ_schedule(con, q.filters(today=TODAY), organ_code=organ)
    assert theirs["followup_incident_code"].to_list() == [queries.OUT_OF_REGION]
    assert incident not in text_of(q.organ_schedule(con, q.filters(today=TODAY)))
    # the annual snapshot of the city: its check events cite only incidents of the city's organs
    export_annual(con, 2026, queries.Filters(today=TODAY, region=city), workbook=tmp_path / "a.xlsx",
                  snapshot=tmp_path / "snap")
    events = pl.read_parquet(tmp_path / "snap" / "derived" / "check_events.parquet")
    cited = set(events.filter(pl.col("event_kind") == "incident_followup")["source_code"])
    own = {r[0] for r in con.execute("SELECT incident_code FROM incidents JOIN organs USING (organ_code) "
                                     "WHERE starts_with(region_code, ?)", [city[:4]]).fetchall()}
    assert incident not in cited and cited <= own | {queries.OUT_OF_REGION}
    assert queries.OUT_OF_REGION in cited, cited
