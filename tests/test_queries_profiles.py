"""The profile and load-log query functions (vendor_profile, vendor_qualifications, inspections,
load_history, rejected_rows) on a small sample warehouse, checked against direct SQL."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from etl import pipeline, report, sample
from tests.lake_support import new_warehouse
from warehouse import queries

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("profiles")
    manifest = sample.generate(root / "sub", today=TODAY)
    wh = new_warehouse(root / "w.duckdb")
    pipeline.run([root / "sub"], pipeline.Settings(wh, manifest["jurisdiction"], TODAY))
    return wh


@pytest.fixture
def con(wh):
    c = queries.connect(wh)
    yield c
    c.close()


def one(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()[0]


def a_vendor_with_qualifications(con) -> str:
    return one(con, "SELECT vendor_code FROM qualifications GROUP BY vendor_code ORDER BY count(*) DESC, vendor_code LIMIT 1")


def test_vendor_profile(con):
    code = a_vendor_with_qualifications(con)
    frame = queries.vendor_profile(con, code)
    assert frame.columns == list(queries.VENDOR_PROFILE_COLUMNS)
    assert frame.height == 1
    row = frame.row(0, named=True)
    name, region, filing = con.execute("SELECT vendor_name, region_code, filing_no FROM vendors WHERE vendor_code = ?",
                                       [code]).fetchone()
    assert (row["vendor_name"], row["region_code"], row["filing_no"]) == (name, region, filing)
    if region:
        assert row["region_name"] == one(con, "SELECT region_name FROM regions WHERE region_code = ?", [region])
    assert queries.vendor_profile(con, "X" * 18).height == 0


def test_vendor_qualifications(con):
    code = a_vendor_with_qualifications(con)
    frame = queries.vendor_qualifications(con, code, TODAY)
    assert frame.columns == ["qualification_type", "grade", "certificate_no", "issuer", "issued_on", "expires_on",
                             "status", "effective_status", "days_to_expiry"]
    assert frame.height == one(con, "SELECT count(*) FROM qualifications WHERE vendor_code = ?", [code])
    assert frame["expires_on"].is_sorted()
    for r in frame.iter_rows(named=True):
        assert r["days_to_expiry"] == (r["expires_on"] - TODAY).days
        assert r["effective_status"] == ("过期" if r["expires_on"] < TODAY else r["status"])
    # over every vendor: the expired certificates are those with expires_on < today
    expired = one(con, "SELECT count(*) FROM qualifications WHERE expires_on < ?", [TODAY])
    total = sum((queries.vendor_qualifications(con, v, TODAY)["effective_status"] == "过期").sum()
                for (v,) in con.execute("SELECT DISTINCT vendor_code FROM qualifications").fetchall())
    assert total == expired


def test_inspections(con):
    f = queries.Filters(today=TODAY)
    frame = queries.inspections(con, f)
    assert {"inspection_code", "inspected_on", "organ_code", "organ_name", "project_code", "vendor_code",
            "inspection_kind", "inspectors", "score", "grade", "veto_failed", "items_count", "failed_items",
            "partial_items", "rectification_due_on"} <= set(frame.columns)
    assert frame.height == one(con, "SELECT count(*) FROM inspections")
    assert frame["inspected_on"].is_sorted(descending=True)
    assert frame["failed_items"].sum() == one(con, "SELECT count(*) FROM inspection_items WHERE result = '不符合'")
    assert frame["partial_items"].sum() == one(con, "SELECT count(*) FROM inspection_items WHERE result = '部分符合'")
    assert frame["organ_name"].null_count() == 0 and frame["inspectors"].null_count() == 0
    # period, region, organ, vendor, limit
    year = queries.inspections(con, queries.Filters(period="2025", today=TODAY))
    assert year.height == one(con, "SELECT count(*) FROM inspections WHERE year(inspected_on) = 2025")
    organ, region = con.execute("SELECT organ_code, region_code FROM organs o WHERE organ_code IN "
                                "(SELECT organ_code FROM inspections) ORDER BY organ_code LIMIT 1").fetchone()
    by_organ = queries.inspections(con, f, organ_code=organ)
    assert by_organ.height == one(con, "SELECT count(*) FROM inspections WHERE organ_code = ?", [organ])
    by_region = queries.inspections(con, queries.Filters(region=region[:4], today=TODAY))
    assert by_region.height == one(con, "SELECT count(*) FROM inspections i JOIN organs o USING (organ_code) "
                                        "WHERE starts_with(o.region_code, ?)", [region[:4]])
    outside = queries.inspections(con, queries.Filters(region=region[:4], today=TODAY).within("3399"))
    assert outside.height == 0
    vendor = frame.filter(pl.col("vendor_code").is_not_null())["vendor_code"][0]
    by_vendor = queries.inspections(con, f, vendor_code=vendor, limit=3)
    assert 0 < by_vendor.height <= 3 and set(by_vendor["vendor_code"]) == {vendor}
    assert queries.inspections(con, f, vendor_code=vendor).height == \
        one(con, "SELECT count(*) FROM inspections i LEFT JOIN projects p ON p.organ_code = i.organ_code "
                 "AND p.project_code = i.project_code WHERE coalesce(i.vendor_code, p.vendor_code) = ?", [vendor])


def test_load_history(con):
    frame = queries.load_history(con)
    assert {"batch_id", "load_id", "loaded_at", "source_file", "sheet", "kind", "rows_read", "rows_loaded",
            "rows_rejected", "rows_warned", "status", "rule", "message"} <= set(frame.columns)
    assert frame.height == min(50, one(con, "SELECT count(*) FROM load_batches"))
    assert frame["loaded_at"].is_sorted(descending=True)
    everything = queries.load_history(con, limit=None)
    assert everything["rows_rejected"].sum() == one(con, "SELECT sum(rows_rejected) FROM load_batches")
    assert queries.load_history(con, limit=2).height == 2


def test_rejected_rows(con, tmp_path):
    f = queries.Filters(today=TODAY)
    frame = queries.rejected_rows(con, f)
    for c in ("source_file", "sheet", "source_row", "column_zh", "value", "rule", "severity", "message",
              "row_values", "load_id"):
        assert c in frame.columns
    assert frame.height == one(con, "SELECT count(*) FROM rejected_rows")
    assert frame.height > 0, "the sample has rejected rows"
    assert set(frame["severity"]) == {"error"}
    # the file as the organ named it, never where the server kept it
    assert set(frame["source_file"]) <= {r[0] for r in con.execute("SELECT file_name FROM load_batches").fetchall()}
    assert not any("/" in name for name in frame["source_file"])
    load_id = frame["load_id"][0]
    assert queries.rejected_rows(con, f, load_id=load_id).height == one(
        con, "SELECT count(*) FROM rejected_rows r JOIN load_batches b USING (batch_id) WHERE b.load_id = ?", [load_id])
    assert queries.rejected_rows(con, f, load_id=-1).height == 0
    # organ attribution: the rows whose original text names the organ's code
    named = frame.explode("organ_codes").filter(pl.col("organ_codes").is_not_null())
    assert named.height, "some rejected rows name an organ"
    organ = named.group_by("organ_codes").len().sort(["len", "organ_codes"], descending=[True, False])["organ_codes"][0]
    mine = queries.rejected_rows(con, f, organ_code=organ)
    expected = one(con, "SELECT count(*) FROM rejected_rows WHERE upper(coalesce(row_values, '')) LIKE '%' || ? || '%'",
                   [organ])
    assert mine.height == expected > 0
    assert all(organ in (r or "").upper() for r in mine["row_values"])
    # region: only rows naming an organ in the region; a region outside the scope gives nothing
    region = one(con, "SELECT region_code FROM organs WHERE organ_code = ?", [organ])
    in_region = queries.rejected_rows(con, queries.Filters(region=region, today=TODAY))
    assert organ in set(in_region.explode("organ_codes")["organ_codes"])
    assert in_region.height <= frame.height
    assert queries.rejected_rows(con, queries.Filters(region=region, today=TODAY).within("3399")).height == 0
    # the per-organ error report takes the frame as is
    path = report.write_error_report(mine, tmp_path / "errors.xlsx")
    assert path.exists() and path.stat().st_size > 0
    assert json.loads(mine["row_values"][0])


def test_for_user_scopes_the_new_functions(con):
    from schemas.roles import Role
    from warehouse.access import User
    city = one(con, "SELECT substr(region_code, 1, 4) FROM organs GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    q = queries.for_user(User(1, "u", None, Role.INSPECTOR, city + "00"))
    organs = q.organs_in_scope(con)
    f = queries.Filters(today=TODAY)
    assert set(q.inspections(con, f)["organ_code"]) <= organs
    for codes in q.rejected_rows(con, f)["organ_codes"]:
        assert set(codes) & organs
    assert q.load_history(con).height == 0
    visible = q.vendors_in_scope(con)
    outside = [v for (v,) in con.execute("SELECT vendor_code FROM vendors").fetchall() if v not in visible]
    if outside:
        with pytest.raises(queries.OutOfScope):
            q.vendor_profile(con, outside[0])
        with pytest.raises(queries.OutOfScope):
            q.vendor_qualifications(con, outside[0], TODAY)
    assert q.vendor_profile(con, sorted(visible)[0]).height == 1


# -- the pages use them ---------------------------------------------------------------------------

from tests.dash_support import client, demo, find_id, panel, post_callback, texts  # noqa: E402,F401


def test_profile_and_submissions_panels_use_the_new_functions(client, demo):
    c = queries.connect(demo[0])
    try:
        vendor = one(c, "SELECT vendor_code FROM qualifications GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
        organ, region = c.execute("SELECT organ_code, region_code FROM organs WHERE organ_code IN "
                                  "(SELECT organ_code FROM inspections) ORDER BY organ_code LIMIT 1").fetchone()
        rejected_organ = queries.rejected_rows(c, queries.Filters()).explode("organ_codes")["organ_codes"].drop_nulls()
    finally:
        c.close()
    not_available = "此栏目需要的数据暂未提供。"
    vp = [("vp-params", "data", {"code": vendor})]
    for output, grid_id in (("vp-quals", "vp-quals-graph"), ("vp-inspections", "vp-inspections-graph")):
        tree = panel(client, output, vp)
        assert not_available not in texts(tree), output
        assert find_id(tree, grid_id) is not None, output
    assert any("备案" in t for t in texts(panel(client, "vp-identity", vp)))
    tree = panel(client, "op-inspections", [("op-params", "data", {"code": organ, "organ_region": region})])
    assert not_available not in texts(tree)
    assert "全部检查清单待接入" not in "".join(texts(tree))
    tree = panel(client, "sub-rejected", [("sub-params", "data", {}), ("sub-loaded", "data", None)])
    assert not_available not in texts(tree)
    tree = panel(client, "sub-history", [("sub-params", "data", {}), ("sub-loaded", "data", None)])
    assert "逐次装载记录待接入" not in "".join(texts(tree))
    if rejected_organ.len():
        out = post_callback(client, "sub-rejected-dl.data",
                            [{"id": "sub-rejected-report", "property": "n_clicks", "value": 1}],
                            [{"id": "sub-rejected-organ", "property": "value", "value": rejected_organ[0]},
                             {"id": "sub-params", "property": "data", "value": {}}],
                            ["sub-rejected-report.n_clicks"])
        download = out["sub-rejected-dl"]["data"]
        assert download["filename"].endswith(".xlsx") and download["base64"]
