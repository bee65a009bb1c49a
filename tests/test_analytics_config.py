"""Configuration (warehouse/config/risk.toml: rules, intervals, weights, cut-points, windows are data,
checked on reading) and the filter set every query function takes."""

from __future__ import annotations

import copy
import datetime as dt
from importlib import resources

import pytest

from tests.analytics_world import World
from warehouse import analytics_config, db, marts
from warehouse import queries as q
from warehouse.analytics_config import AnalyticsConfig, ConfigError

TODAY = dt.date(2025, 10, 8)


def broken(**changes) -> dict:
    data = copy.deepcopy(analytics_config.default().data)
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for p in parents:
            node = node[p]
        node[last] = value
    return data


def test_default_configuration():
    cfg = analytics_config.default()
    assert sum(cfg.max_points.values()) == 100
    assert cfg.cut_points == {"D": 60.0, "C": 40.0, "B": 20.0}
    assert [cfg.interval_months(t) for t in "DCBA"] == [6, 12, 24, 60]
    assert cfg["organ_tiers"]["new_project_due_days"] == 30
    conditions = cfg.tier_conditions()
    assert set(conditions["rule_set"]) == {"organ_tier", "vendor_floor"}
    assert conditions.filter(conditions["rule_id"] == "A_GOOD_RECORD")["negate"].to_list() == [False, True]


@pytest.mark.parametrize("changes, message", [
    ({"vendor_risk__max_points__exposure": 6}, "sum to 100"),
    ({"vendor_risk__cut_points__C": 70.0}, "D > C > B"),
    ({"organ_tiers__interval_months__B": 0}, "interval_months.B"),
    ({"organ_tiers__rules": [{"id": "X", "tier": "D", "reason": "x", "when": [{"signal": "moon_phase"}]}]},
     "unknown signal"),
    ({"organ_tiers__rules": [{"id": "X", "tier": "D", "reason": "x",
                              "when": [{"signal": "incident", "months": 12}]}]}, "needs min_severity"),
    ({"organ_tiers__rules": [{"id": "X", "tier": "D", "reason": "x",
                              "when": [{"signal": "last_result", "grades": ["很好"]}]}]}, "unknown grade"),
    ({"organ_tiers__rules": [{"id": "X", "tier": "B", "reason": "x",
                              "when": [{"signal": "last_result", "grades": ["合格"]}]}]}, "not in organ_tiers.order"),
    ({"organ_tiers__default_tier": "E"}, "default_tier"),
])
def test_a_wrong_configuration_is_refused_with_the_key(changes, message):
    with pytest.raises(ConfigError, match=message):
        analytics_config._checked(broken(**changes), "test")


def test_load_from_a_file(tmp_path):
    text = (resources.files("warehouse") / "config" / "risk.toml").read_text(encoding="utf-8")
    path = tmp_path / "risk.toml"
    path.write_text(text.replace("D = 6\n", "D = 3\n", 1), encoding="utf-8")
    cfg = analytics_config.load(path)
    assert cfg.interval_months("D") == 3
    assert cfg.fingerprint != analytics_config.default().fingerprint


def test_configuration_decides_tiers_and_intervals(tmp_path):
    """One organ whose last inspection was 合格 on 2025-03-31 (tier C, due 12 months later) and one
    vendor scoring 21.25 (tier B). With C checked every 3 months and a D cut-point of 20, the organ is
    due 2025-06-30 and the vendor is D — the same data, another configuration."""
    w = World(tmp_path)
    o, v = w.organ(1), w.vendor(1)
    w.project("P1", o, v, "2020-01-01", volume=10, unit="卷")
    w.inspection("I1", o, "2025-03-31", score=65)
    w.load(TODAY)
    with w.connect() as con:
        s = q.organ_schedule(con, q.Filters(today=TODAY)).row(0, named=True)
        assert (s["tier"], s["next_due_on"]) == ("C", dt.date(2026, 3, 31))
        # no inspection on the vendor's projects (I1 names none): 15; none registered 4; exposure
        # 1 organ 0.2 + 1 project 0.05 + all the volume 2 → 21.25
        assert q.vendor_risk(con, q.Filters(today=TODAY))["score"].to_list() == [21.25]
    custom = analytics_config.default().with_overrides(
        organ_tiers={"interval_months": {"C": 3}}, vendor_risk={"cut_points": {"D": 20.0, "C": 15.0, "B": 10.0}})
    con = db.connect(w.warehouse)
    try:
        con.execute("BEGIN TRANSACTION")
        marts.rebuild(con, today=TODAY, config=custom)
        s = q.organ_schedule(con, q.Filters(today=TODAY), config=custom).row(0, named=True)
        assert (s["tier"], s["interval_months"], s["next_due_on"], s["days_overdue"]) == \
            ("C", 3, dt.date(2025, 6, 30), 100)
        r = q.vendor_risk(con, q.Filters(today=TODAY)).row(0, named=True)
        assert (r["score"], r["tier"], r["previous_tier"]) == (21.25, "D", "B")
        assert q.vendor_tier_history(con)["reason_zh"][0] == \
            "由B级调整为D级（高）：风险分21.25→21.25（分数未变：分级界限或规则已调整）"
        con.execute("ROLLBACK")
    finally:
        con.close()


# -- filters ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, start, end", [
    ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("2025-Q3", dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
    ("2025q4", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
    ("2024年第一季度", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
    ("2024年第1季度", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
    ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2024年", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ("2027年1月", dt.date(2027, 1, 1), dt.date(2027, 1, 31)),
])
def test_periods(text, start, end):
    assert q.Filters(period=text).bounds == (start, end)


def test_previous_period():
    assert q.Filters(period="2025-Q1").previous().period == "2024-Q4"
    assert q.Filters(period="2025").previous().period == "2024"
    assert q.Filters(period="2024-03").previous().period == "2024-02"
    week = q.Filters(period=(dt.date(2025, 3, 1), dt.date(2025, 3, 7))).previous()
    assert week.bounds == (dt.date(2025, 2, 22), dt.date(2025, 2, 28))


def test_region_prefixes_and_bad_filters():
    assert q.Filters(region="330000").region_prefix == "33"
    assert q.Filters(region="330100").region_prefix == "3301"
    assert q.Filters(region="330102").region_prefix == "330102"
    assert q.Filters(region="3301").region_prefix == "3301"
    with pytest.raises(ValueError):
        q.Filters(region="33010")
    with pytest.raises(ValueError):
        q.Filters(tier="E")
    with pytest.raises(ValueError):
        q.Filters(period="last year")
    with pytest.raises(ValueError):
        q.Filters(period=(dt.date(2025, 2, 1), dt.date(2025, 1, 1)))


def test_month_arithmetic_and_windows():
    assert q.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert q.add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)
    assert q.add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert q.add_months(dt.date(2025, 3, 31), 6) == dt.date(2025, 9, 30)
    assert q.add_months(dt.date(2025, 1, 15), -3) == dt.date(2024, 10, 15)
    f = q.Filters(today=dt.date(2025, 1, 1))
    assert q.default_window(f) == (dt.date(2022, 4, 1), dt.date(2025, 3, 31))  # 12 quarters to 2025-Q1
    assert q.default_window(f, "year") == (dt.date(2021, 1, 1), dt.date(2025, 12, 31))
    assert q.period_label(dt.date(2025, 4, 1), dt.date(2025, 6, 30)) == "2025-Q2"


def test_unknown_dimensions_are_refused(tmp_path):
    with pytest.raises(ValueError, match="dimension"):
        q._dims(("quarter", "vendor"))
    with pytest.raises(ValueError):
        q._dims(("quarter", "year"))


def test_config_object_is_immutable_data():
    cfg = analytics_config.default()
    assert isinstance(cfg, AnalyticsConfig)
    other = cfg.with_overrides(windows={"trend_quarters": 8})
    assert other["windows"]["trend_quarters"] == 8 and cfg["windows"]["trend_quarters"] == 12


def test_the_refresh_reads_the_configuration_as_given_quotes_lists_and_all():
    """The configuration tables the mart SQL reads (cfg_*) hold every row and type of the
    configuration's frames, written as SQL literals: a quote in a reason, a list of grades, a
    missing value and a float all come back as they were."""
    import duckdb
    import polars as pl

    con = duckdb.connect()
    rules = copy.deepcopy(analytics_config.default().data["organ_tiers"]["rules"])
    rules[0]["reason"] = "近期'不合格'：需回访"
    cfg = analytics_config.default().with_overrides(organ_tiers={"rules": rules})
    marts._register_config(con, cfg)
    for table, frame in (("cfg_tier_conditions", cfg.tier_conditions()), ("cfg_intervals", cfg.intervals()),
                         ("cfg_points", cfg.points())):
        got = con.sql(f"SELECT * FROM {table}").pl()
        assert got.schema == frame.schema and got.equals(frame), table
    assert "近期'不合格'：需回访" in con.sql("SELECT reason_zh FROM cfg_tier_conditions").pl()["reason_zh"].to_list()
    odd = pl.DataFrame({"share": [float("inf"), 0.1], "grades": [[None, "合格"], []], "on": [dt.date(2024, 2, 29), None]},
                       schema={"share": pl.Float64, "grades": pl.List(pl.String), "on": pl.Date})
    marts._temp_table_of(con, "_odd", odd)
    assert con.sql("SELECT * FROM _odd").pl().equals(odd)
