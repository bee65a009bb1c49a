"""Pandera (polars) models of what a valid, typed row of each kind is (contract §2 and §4).

Models are built per load because two rules depend on the load's settings: the jurisdiction
(ROW_JURISDICTION) and the day of loading (ROW_FUTURE_DATE). Every check is named so that its
failures map to one stable rule code: built-in checks through `rule_for_check`, custom ones carry
the code (and, after a colon, the other column they compare with) in their name.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandera.polars as pa
import polars as pl

from schemas.enums import OUT_OF_SCOPE
from schemas.identifiers import uscc_valid, valid_region_codes
from schemas.kinds import BY_NAME, Column, Kind

DTYPES = {
    "text": pl.String, "uscc": pl.String, "region": pl.String, "enum": pl.String, "names": pl.String,
    "codes": pl.String, "period": pl.String, "date": pl.Date, "datetime": pl.Datetime("us"),
    "int": pl.Int64, "decimal": pl.Float64, "bool": pl.Boolean,
}

# (later column, earlier column): the later may not come before the earlier (ROW_DATE_ORDER).
DATE_ORDER = {
    "qualifications": [("expires_on", "issued_on")],
    "projects": [("planned_end_on", "start_on"), ("actual_end_on", "start_on")],
    "inspections": [("rectification_due_on", "inspected_on")],
    "rectifications": [("verified_on", "completed_on")],
    "incidents": [("discovered_at", "occurred_at"), ("reported_at", "discovered_at"),
                  ("reported_at", "occurred_at")],
}
# Columns that may not lie after the day of loading (ROW_FUTURE_DATE).
NOT_IN_FUTURE = {"vendors": ["established_on"], "inspections": ["inspected_on"],
                 "incidents": ["reported_at"]}
# Columns whose region must lie inside the authority's jurisdiction (ROW_JURISDICTION).
IN_JURISDICTION = {"organs": ["region_code"], "inspectors": ["region_code"]}
# Columns required only when another column has a value: column -> (other column, value).
REQUIRED_WHEN = {"incidents": {"closed_on": ("status", "已结案")}}

BUILTIN_RULES = {"not_nullable": "ROW_REQUIRED", "isin": "ROW_ENUM", "greater_than_or_equal_to": "ROW_RANGE",
                 "less_than_or_equal_to": "ROW_RANGE"}


def rule_for_check(check: str) -> tuple[str, str | None]:
    """(rule code, other column) for a pandera check name in failure_cases."""
    if check.startswith(("ROW_", "W_")):
        code, _, other = check.partition(":")
        return code, other or None
    return BUILTIN_RULES.get(check.split("(")[0], "ROW_TYPE"), None


def _ok_or_null(data: pa.PolarsData, condition: pl.Expr) -> pl.LazyFrame:
    return data.lazyframe.select(condition | pl.col(data.key).is_null())


def _later_than(earlier: str) -> pa.Check:
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        later, before = pl.col(data.key), pl.col(earlier)
        if data.key == "reported_at" and earlier == "occurred_at":
            before = pl.when(pl.col("discovered_at").is_null()).then(before)  # else the discovery rules
        return _ok_or_null(data, (later >= before) | before.is_null())
    return pa.Check(check, name=f"ROW_DATE_ORDER:{earlier}")


def _not_after(today: dt.date, dtype: str) -> pa.Check:
    limit = dt.datetime.combine(today, dt.time.max) if dtype == "datetime" else today
    return pa.Check(lambda data: _ok_or_null(data, pl.col(data.key) <= pl.lit(limit)), name="ROW_FUTURE_DATE")


def _uscc_check() -> pa.Check:
    return pa.Check(lambda data: _ok_or_null(data, uscc_valid(pl.col(data.key))), name="ROW_USCC")


def _uscc_list_check() -> pa.Check:
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        items = pl.col(data.key).str.split("、")
        return _ok_or_null(data, items.list.eval(uscc_valid(pl.element())).list.all())
    return pa.Check(check, name="ROW_USCC")


def _region_check() -> pa.Check:
    codes = pl.Series(sorted(valid_region_codes())).implode()
    return pa.Check(lambda data: _ok_or_null(data, pl.col(data.key).is_in(codes)), name="ROW_REGION")


def _jurisdiction_check(prefix: str) -> pa.Check:
    codes = pl.Series(sorted(valid_region_codes())).implode()

    def check(data: pa.PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)  # an invalid code is ROW_REGION's to report, not this rule's
        return _ok_or_null(data, col.str.starts_with(prefix) | ~col.is_in(codes))
    return pa.Check(check, name="ROW_JURISDICTION")


def _required_when(other: str, value: str) -> pa.Check:
    return pa.Check(lambda data: data.lazyframe.select(pl.col(data.key).is_not_null() | (pl.col(other) != value)
                                                       | pl.col(other).is_null()),
                    name=f"ROW_REQUIRED:{other}", ignore_na=False)


def _checks(kind: Kind, column: Column, today: dt.date, jurisdiction_prefix: str | None) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if column.enum is not None:
        allowed = list(column.enum.values) + ([OUT_OF_SCOPE] if column.name == "service_type" else [])
        checks.append(pa.Check.isin(allowed))
    if column.ge is not None:
        checks.append(pa.Check.ge(column.ge))
    if column.le is not None:
        checks.append(pa.Check.le(column.le))
    if column.type == "uscc":
        checks.append(_uscc_check())
    if column.type == "codes":
        checks.append(_uscc_list_check())
    if column.type == "region":
        checks.append(_region_check())
        if jurisdiction_prefix and column.name in IN_JURISDICTION.get(kind.name, []):
            checks.append(_jurisdiction_check(jurisdiction_prefix))
    for later, earlier in DATE_ORDER.get(kind.name, []):
        if later == column.name:
            checks.append(_later_than(earlier))
    if column.name in NOT_IN_FUTURE.get(kind.name, []):
        checks.append(_not_after(today, column.type))
    if column.name in REQUIRED_WHEN.get(kind.name, {}):
        checks.append(_required_when(*REQUIRED_WHEN[kind.name][column.name]))
    return checks


@functools.lru_cache(maxsize=64)
def schema_for(kind_name: str, today: dt.date, jurisdiction_prefix: str | None) -> pa.DataFrameSchema:
    kind = BY_NAME[kind_name]
    return pa.DataFrameSchema(
        {c.name: pa.Column(DTYPES[c.type], _checks(kind, c, today, jurisdiction_prefix), nullable=not c.required)
         for c in kind.columns},
        name=kind.name, strict=False,
    )
