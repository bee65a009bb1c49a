"""THE query layer: every page, export and plan reads the warehouse through these functions.

Each function takes a connection (or a cursor: one per request/thread) and a `Filters`, runs one
SQL file of warehouse/sql/queries/ with the filters bound as `$name` parameters, and returns a
polars DataFrame with English snake_case columns (the pages translate). The SQL reads the marts
refreshed by each load (warehouse/marts.py), never the 30-million-row checklist table. What every
function and column means, its grain and its window: docs/analytics.md.

    con = queries.connect(path)                       # read-only; the one way to open the warehouse
    f = queries.Filters(period="2025-Q3", region="330100", today=date(2025, 10, 8))
    queries.compliance_trend(con, f, by=("quarter", "county"))
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Iterable, Sequence

import duckdb
import polars as pl

from schemas.checklist import CHECKLIST_VERSION
from schemas.identifiers import NATIONAL, OWN_LEVEL, region_prefix, region_table
from warehouse import analytics_config, db, marts, sqlfiles
from warehouse.analytics_config import COMPONENT_ZH, COMPONENTS, TIERS, AnalyticsConfig
from warehouse.periods import add_months, quarter_end, quarter_start

FOLDER = "queries"
TIME_DIMS = ("quarter", "year")
REGION_DIMS = ("province", "city", "county")
DIMENSIONS = TIME_DIMS + REGION_DIMS + ("service_type",)
GRADE_ORDER = ("优秀", "良好", "合格", "不合格")
_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4}


def connect(path: str | Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for reading. The single connect point of the analytics layer: it goes
    through warehouse.db.connect, so a shared catalog can replace the single file there."""
    return db.connect(path, read_only=read_only)


# -- filters --------------------------------------------------------------------------------------

def parse_period(period: str | tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date, str]:
    """(start, end, kind) of a period: "2025" (also "2025年"), "2025-Q3" (also "2025Q3", "2025年第3季度",
    "2025年第三季度"), "2025-07" (a month; also "2025年7月"), or a (start, end) pair of dates, both included."""
    if isinstance(period, tuple):
        start, end = period
        if end < start:
            raise ValueError(f"period ends before it starts: {start} – {end}")
        return start, end, "range"
    text = period.strip().upper()
    if m := re.fullmatch(r"(\d{4})年?", text):
        y = int(m[1])
        return dt.date(y, 1, 1), dt.date(y, 12, 31), "year"
    if m := (re.fullmatch(r"(\d{4})-?Q([1-4])", text) or re.fullmatch(r"(\d{4})年第([1-4一二三四])季度", period.strip())):
        y, q = int(m[1]), _CN_QUARTER.get(m[2]) or int(m[2])
        start = dt.date(y, 3 * q - 2, 1)
        return start, quarter_end(start), "quarter"
    if m := re.fullmatch(r"(\d{4})(?:-|年)(\d{1,2})月?", text):
        start = dt.date(int(m[1]), int(m[2]), 1)
        return start, add_months(start, 1) - dt.timedelta(days=1), "month"
    raise ValueError(f"not a period: {period!r} (use 2025, 2025-Q3, 2025-07 or a pair of dates)")


def period_label(start: dt.date, end: dt.date) -> str:
    if start.month == 1 and start.day == 1 and end == dt.date(start.year, 12, 31):
        return str(start.year)
    if start == quarter_start(start) and end == quarter_end(start):
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if start.day == 1 and end == add_months(start, 1) - dt.timedelta(days=1):
        return f"{start.year}-{start.month:02d}"
    return f"{start.isoformat()}~{end.isoformat()}"


# A prefix no region code starts with: the region filter when the filter's region lies outside the
# user's scope. NOWHERE_SCOPE is a scope that is not any region (two disjoint scopes ANDed).
NOWHERE = "-"
NOWHERE_SCOPE = "00"


def _prefix(code: str | None) -> str | None:
    """The region prefix of a code or prefix ('' and the national code: None = every region)."""
    if not code:
        return None
    if code == NOWHERE:
        return NOWHERE
    if code == NOWHERE_SCOPE:
        return NOWHERE
    prefix = region_prefix(code) if len(code) == 6 or code.endswith(OWN_LEVEL) else code
    return prefix or None


@dataclass(frozen=True)
class Filters:
    """The filter set every query function takes.

    period       "2025", "2025-Q3", "2025-07" or a (start, end) pair of dates (both included); None =
                 the function's stated default window
    region       a region code or prefix: province (330000 or 33), city (330100 or 3301), county
                 (330102); matches the organ's region. A province's or city's own level (330000.self,
                 省本级: the organs registered at the province itself, none of its cities') matches
                 that code alone
    service_type a service type (档案整理 …, or 超范围)
    vendor_code  a vendor's credit code
    tier         A, B, C or D: the organ's tier (the vendor's for vendor functions)
    today        the day the answer is for (overdue, due soon, open); defaults to the real date
    scope        the user's region scope (a code or prefix; None or 100000 = every region), ANDed
                 with `region`: a region outside the scope yields nothing, never everything. Set
                 it with `f.within(scope)` (it only narrows) or use `for_user(user)`, which
                 applies the user's scope to every call (docs/access.md)
    """

    period: str | tuple[dt.date, dt.date] | None = None
    region: str | None = None
    service_type: str | None = None
    vendor_code: str | None = None
    tier: str | None = None
    today: dt.date = field(default_factory=dt.date.today)
    scope: str | None = None

    def __post_init__(self) -> None:
        if self.period is not None:
            parse_period(self.period)
        if self.tier is not None and self.tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}")
        if self.region is not None and not re.fullmatch(r"\d{2}(\d{2}(\d{2})?)?|\d{4}00\.self", self.region):
            raise ValueError(f"region must be a region code or prefix (2, 4 or 6 digits), or a province's or "
                             f"city's own level (330000.self): {self.region!r}")
        if self.scope is not None and not re.fullmatch(r"\d{2}(\d{2}(\d{2})?)?", self.scope):
            raise ValueError(f"scope must be a region code or prefix (2, 4 or 6 digits): {self.scope!r}")
        if self.scope is not None and _prefix(self.scope) is None:   # 100000: national, every region
            object.__setattr__(self, "scope", None)

    def within(self, scope: str | None) -> "Filters":
        """These filters limited to `scope` too (a region code or prefix; None = no further limit).
        Scopes only ever narrow: the result's scope is the intersection of both."""
        if scope is None or _prefix(scope) is None:
            return self
        if self.scope is None:
            return replace(self, scope=scope)
        mine, theirs = _prefix(self.scope), _prefix(scope)
        if theirs.startswith(mine):
            return replace(self, scope=scope)
        if mine.startswith(theirs):
            return self
        return replace(self, scope=NOWHERE_SCOPE)

    @property
    def effective_region(self) -> str | None:
        """The region actually queried, as given (code or prefix): the narrower of region and scope;
        NOWHERE when the region is outside the scope; None = every region."""
        own, scope = _prefix(self.region), _prefix(self.scope)
        if scope is None:
            return self.region
        if scope == NOWHERE:
            return NOWHERE
        if own is None:
            return self.scope
        if own.startswith(scope):
            return self.region
        if scope.startswith(own):
            return self.scope
        return NOWHERE

    @property
    def bounds(self) -> tuple[dt.date, dt.date] | None:
        if self.period is None:
            return None
        start, end, _kind = parse_period(self.period)
        return start, end

    @property
    def region_prefix(self) -> str | None:
        """The prefix every query matches region codes with: region ∩ scope (NOWHERE matches none)."""
        region = self.effective_region
        return region if region == NOWHERE else _prefix(region)

    def previous(self) -> "Filters":
        """The same filters for the period before (previous year, quarter, month, or range of equal length)."""
        if self.period is None:
            raise ValueError("no period to go back from")
        start, end, kind = parse_period(self.period)
        if kind == "year":
            return replace(self, period=str(start.year - 1))
        if kind == "quarter":
            s = add_months(start, -3)
            return replace(self, period=f"{s.year}-Q{(s.month - 1) // 3 + 1}")
        if kind == "month":
            s = add_months(start, -1)
            return replace(self, period=f"{s.year}-{s.month:02d}")
        length = end - start
        new_end = start - dt.timedelta(days=1)
        return replace(self, period=(new_end - length, new_end))

    def params(self, window: tuple[dt.date, dt.date] | None = None) -> dict:
        start, end = self.bounds or window or (None, None)
        return {"start": start, "end": end, "region": self.region_prefix, "service_type": self.service_type,
                "vendor": self.vendor_code, "tier": self.tier, "today": self.today,
                "checklist_version": CHECKLIST_VERSION}


@dataclass(frozen=True)
class Page:
    """A block of a long list, cut on the database side (a grid's server-side paging): the rows
    offset … offset + limit, ordered by `order` — (column, descending) pairs, nulls last — and then
    by the function's own order. The frame gets a column total_rows (rows in the whole selection)."""
    offset: int = 0
    limit: int = 50
    order: tuple[tuple[str, bool], ...] = ()


def _cfg(config: AnalyticsConfig | None) -> AnalyticsConfig:
    return config or analytics_config.active()


def default_window(f: Filters, grain: str = "quarter", config: AnalyticsConfig | None = None) -> tuple[dt.date, dt.date]:
    """The stated window used when no period is given: the last `trend_quarters` quarters (or
    `trend_years` years) ending with the one that contains `today`."""
    cfg = _cfg(config)
    if grain == "year":
        n = int(cfg["windows"]["trend_years"])
        return dt.date(f.today.year - n + 1, 1, 1), dt.date(f.today.year, 12, 31)
    n = int(cfg["windows"]["trend_quarters"])
    start = add_months(quarter_start(f.today), -3 * (n - 1))
    return start, quarter_end(f.today)


def window(f: Filters, grain: str = "quarter", config: AnalyticsConfig | None = None) -> tuple[dt.date, dt.date]:
    """The (start, end) a function uses: the filter's period, else the default window."""
    return f.bounds or default_window(f, grain, config)


def _run(con, name: str, params: dict) -> pl.DataFrame:
    return sqlfiles.query(con, FOLDER, name, params).pl()


def _run_page(con, name: str, params: dict, page: Page, own_order: Sequence[tuple[str, bool]],
              sortable: Sequence[str]) -> pl.DataFrame:
    """The block `page` asks for of the rows of `name` (columns outside `sortable` are not sorted on)."""
    order = [(c, bool(d)) for c, d in page.order if c in sortable] + list(own_order)
    frame = sqlfiles.page(con, FOLDER, name, params, order=order, offset=max(int(page.offset), 0),
                          limit=max(int(page.limit), 0)).pl()
    if not frame.height and page.offset > 0:     # past the end: still say how many rows there are
        total = sqlfiles.page(con, FOLDER, name, params, order=order, offset=0, limit=1).pl()
        frame = frame.with_columns(total_rows=pl.lit(total["total_rows"][0] if total.height else 0, pl.Int64))
    return frame


def _statuses(status: str | Sequence[str] | None) -> list[str] | None:
    if status is None:
        return None
    return [status] if isinstance(status, str) else list(status)


def _dims(by: Iterable[str], *, tier: bool = False) -> dict:
    by = tuple(by)
    allowed = DIMENSIONS + (("tier",) if tier else ())
    unknown = set(by) - set(allowed)
    if unknown:
        raise ValueError(f"unknown dimension(s) {sorted(unknown)}; use {allowed}")
    times = [d for d in by if d in TIME_DIMS]
    regions = [d for d in by if d in REGION_DIMS]
    if len(times) > 1 or len(regions) > 1:
        raise ValueError("at most one time dimension (quarter | year) and one region level")
    return {"time_grain": times[0] if times else None, "region_level": regions[0] if regions else None,
            "by_service": "service_type" in by, "by_tier": "tier" in by}


def _period_columns(frame: pl.DataFrame, grain: str | None, today: dt.date) -> pl.DataFrame:
    if grain is None:
        return frame.drop("period_start")
    months = 12 if grain == "year" else 3
    ends = [add_months(s, months) - dt.timedelta(days=1) for s in frame["period_start"]]
    return frame.with_columns(
        period=pl.Series([period_label(s, e) for s, e in zip(frame["period_start"], ends)], dtype=pl.String),
        period_end=pl.Series(ends, dtype=pl.Date),
        partial=pl.Series([e >= today for e in ends], dtype=pl.Boolean),
    )


def _region_names() -> pl.DataFrame:
    """GB/T 2260 names (the reference data the warehouse's `regions` table is loaded from)."""
    return region_table().select("region_code", "region_name")


def _with_region_names(_con, frame: pl.DataFrame, level: str | None) -> pl.DataFrame:
    if level is None:
        return frame.drop("region_code")
    return frame.join(_region_names(), on="region_code", how="left")


def _order(frame: pl.DataFrame, first: Sequence[str]) -> pl.DataFrame:
    cols = [c for c in first if c in frame.columns]
    return frame.select(cols + [c for c in frame.columns if c not in cols])


# -- cubes ----------------------------------------------------------------------------------------
# The overview's functions add up the rows of the cubes (marts/20–23: their own answers kept per
# quarter, organ region, organ tier and service type, refreshed with the marts) when the filters
# allow: no vendor, whole quarters, and for the cubes of a date (rectification status, headline
# numbers) the refresh's date and configuration. Otherwise, and inside `without_cubes()`, they read
# the detail marts. Both give the same answer (tests/test_analytics_cubes.py).

_NO_CUBES: contextvars.ContextVar[bool] = contextvars.ContextVar("oversight_no_cubes", default=False)


@contextlib.contextmanager
def without_cubes():
    """Within this block the query functions read the detail marts, never the cubes (for checks)."""
    token = _NO_CUBES.set(True)
    try:
        yield
    finally:
        _NO_CUBES.reset(token)


@dataclass(frozen=True)
class _CubeState:
    tables: frozenset
    today: dt.date | None
    config_hash: str | None


def _cube_state(con) -> _CubeState:
    tables, today, config_hash = sqlfiles.query(con, FOLDER, "cube_state.sql", {"cubes": list(marts.CUBES)}).fetchall()[0]
    return _CubeState(frozenset(tables), today, config_hash)


def _whole_quarters(start: dt.date, end: dt.date) -> bool:
    return start == quarter_start(start) and end == quarter_end(end)


def _cube(con, f: Filters, table: str, *, span: tuple[dt.date, dt.date] | None = None, same_day: bool = False,
          same_config: bool = False, config: AnalyticsConfig | None = None) -> bool:
    """Whether `table` can answer for `f`: it exists, no vendor is asked for, `span` (when given) is
    whole quarters, f.today is the last refresh's (same_day), and so is the configuration (same_config)."""
    if _NO_CUBES.get() or f.vendor_code is not None or (span is not None and not _whole_quarters(*span)):
        return False
    state = _cube_state(con)
    if table not in state.tables:
        return False
    return ((not same_day or state.today == f.today)
            and (not same_config or state.config_hash == _cfg(config).fingerprint))


def _sql_round(value: float | None, digits: int) -> float | None:
    """round(value, digits) exactly as DuckDB's SQL computes it: std::round(value · 10^digits) / 10^digits,
    halves away from zero."""
    if value is None:
        return None
    scale = 10.0 ** digits
    return float(Decimal(value * scale).to_integral_value(rounding=ROUND_HALF_UP)) / scale


# -- compliance -----------------------------------------------------------------------------------

def compliance_trend(con, f: Filters, by: Sequence[str] = ("quarter",), *,
                     config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """Inspections and results per quarter or year (default quarter), optionally by region level
    (province | city | county) and service type. Window: the period, else the last 12 quarters (5
    years) to today's. Every period of the window appears, with zeros when nothing was inspected.

    Columns: period, period_start, period_end, partial (the period contains today), [region_code,
    region_name], [service_type], inspections, graded, mean_score, n_excellent, n_good, n_pass,
    n_fail, share_fail, pass_rate, veto_failures, items_failed, items_partial, repeat_findings,
    organs_inspected."""
    dims = _dims(by)
    grain = dims["time_grain"] or "quarter"
    dims["time_grain"] = grain
    start, end = window(f, grain, config)
    params = {**f.params((start, end)), **dims, "by_tier": False}
    if grain == "quarter" and _cube(con, f, "mart_compliance_cube", span=(start, end)):
        frame = _run(con, "compliance_cube.sql", params)
    else:
        frame = _run(con, "compliance_trend.sql", params)
    frame = frame.drop("tier", "score_sum", "scored")
    keys = [c for c in ("region_code", "service_type") if (c == "region_code" and dims["region_level"])
            or (c == "service_type" and dims["by_service"])]
    # every period of the window, for every combination of the other dimensions that occurs
    months = 12 if grain == "year" else 3
    first = dt.date(start.year, 1, 1) if grain == "year" else quarter_start(start)
    spine = []
    s = first
    while s <= end:
        spine.append(s)
        s = add_months(s, months)
    periods = pl.DataFrame({"period_start": spine}, schema={"period_start": pl.Date})
    combos = frame.select(keys).unique() if keys and frame.height else None
    grid = periods.join(combos, how="cross") if combos is not None else periods
    if keys and combos is None:
        grid = grid.with_columns([pl.lit(None, pl.String).alias(k) for k in keys])
    frame = grid.join(frame, on=["period_start", *keys], how="left", nulls_equal=True)
    counts = ["inspections", "graded", "n_excellent", "n_good", "n_pass", "n_fail", "veto_failures",
              "items_failed", "items_partial", "repeat_findings", "organs_inspected"]
    frame = frame.with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in counts])
    passing = set(_cfg(config)["grades"]["passing"])
    passed = sum(pl.col(c) for c, g in zip(("n_excellent", "n_good", "n_pass", "n_fail"), GRADE_ORDER)
                 if g in passing)
    frame = frame.with_columns(
        share_fail=pl.when(pl.col("graded") > 0).then((pl.col("n_fail") / pl.col("graded")).round(4)),
        pass_rate=pl.when(pl.col("graded") > 0).then((passed / pl.col("graded")).round(4)),
    )
    frame = _period_columns(frame, grain, f.today)
    frame = _with_region_names(con, frame, dims["region_level"])
    frame = frame.sort(["period_start", *keys], nulls_last=True)
    return _order(frame, ["period", "period_start", "period_end", "partial", "region_code", "region_name",
                          "service_type", "inspections", "graded", "mean_score", "n_excellent", "n_good",
                          "n_pass", "n_fail", "share_fail", "pass_rate", "veto_failures"])


def grade_distribution(con, f: Filters, by: Sequence[str] = (), *,
                       config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """Inspections per grade (优秀, 良好, 合格, 不合格; NULL = not graded) and their share, optionally
    per period and region level and service type. Window: as compliance_trend.

    Columns: [period, period_start, period_end, partial], [region_code, region_name], [service_type],
    grade, inspections, share (of the inspections in the same group)."""
    dims = _dims(by)
    span = window(f, dims["time_grain"] or "quarter", config)
    params = {**f.params(span), **dims}
    cube = _cube(con, f, "mart_compliance_cube", span=span)
    frame = _run(con, "grade_cube.sql" if cube else "grade_distribution.sql", params)
    keys = [k for k, on in (("period_start", dims["time_grain"]), ("region_code", dims["region_level"]),
                            ("service_type", dims["by_service"])) if on]
    total = pl.col("inspections").sum().over(keys) if keys else pl.col("inspections").sum()
    frame = frame.with_columns(share=(pl.col("inspections") / total).round(4))
    order = {g: i for i, g in enumerate(GRADE_ORDER)}
    frame = frame.with_columns(_g=pl.col("grade").replace_strict(order, default=len(order), return_dtype=pl.Int32))
    frame = frame.sort([*keys, "_g"], nulls_last=True).drop("_g")
    frame = _period_columns(frame, dims["time_grain"], f.today)
    frame = _with_region_names(con, frame, dims["region_level"])
    if not dims["by_service"]:
        frame = frame.drop("service_type")
    return _order(frame, ["period", "period_start", "period_end", "partial", "region_code", "region_name",
                          "service_type", "grade", "inspections", "share"])


def failing_categories(con, f: Filters, by: Sequence[str] = (), *,
                       config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """Checklist results per category, most failed first, optionally per period, region level and
    service type. Window: as compliance_trend.

    Columns: [period…], [region_code, region_name], [service_type], category_code, category_zh,
    category_en, inspections_assessed, mean_category_score, items_failed, items_partial, items_na,
    inspections_with_failure, share_with_failure, veto_failures."""
    dims = _dims(by)
    span = window(f, dims["time_grain"] or "quarter", config)
    params = {**f.params(span), **dims, "by_tier": False}
    cube = _cube(con, f, "mart_category_cube", span=span)
    frame = _run(con, "failing_categories_cube.sql" if cube else "failing_categories.sql", params)
    frame = frame.drop("tier", "score_sum", "scored")
    keys = [k for k, on in (("period_start", dims["time_grain"]), ("region_code", dims["region_level"]),
                            ("service_type", dims["by_service"])) if on]
    frame = frame.sort([*keys, "items_failed", "category_code"], descending=[False] * len(keys) + [True, False],
                       nulls_last=True)
    frame = _period_columns(frame, dims["time_grain"], f.today)
    frame = _with_region_names(con, frame, dims["region_level"])
    if not dims["by_service"]:
        frame = frame.drop("service_type")
    return _order(frame, ["period", "period_start", "period_end", "partial", "region_code", "region_name",
                          "service_type", "category_code", "category_zh", "category_en", "inspections_assessed",
                          "mean_category_score", "items_failed", "items_partial", "items_na",
                          "inspections_with_failure", "share_with_failure", "veto_failures"])


def most_failed_items(con, f: Filters, limit: int = 10, *, config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """The items most often 不符合 (then 部分符合). Window: the period, else the last 12 quarters.

    Columns: item_code, item_zh, item_en, category_code, category_zh, weight, veto, times_failed,
    times_partial, times_na, inspections_with_items, inspections_assessed (with items, item not
    不适用), failure_rate (times_failed / inspections_assessed), organs_affected, repeat_findings."""
    return _run(con, "most_failed_items.sql", {**f.params(window(f, "quarter", config)), "limit": int(limit)})


def repeat_findings(con, f: Filters, scope: str = "organ", *, limit: int | None = None,
                    organ_code: str | None = None, config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """The same item found wanting (部分符合/不符合) again in consecutive inspections of the same organ
    (scope="organ") or on the same vendor's projects (scope="vendor"). Window: the period (of the
    later inspection), else the last 12 quarters. organ_code keeps the repeats found at one organ.

    Columns: scope, entity_code, entity_name, item_code, item_zh, item_en, category_code, veto,
    inspection_code, inspected_on, result, prev_inspection_code, prev_inspected_on, prev_result,
    streak (consecutive inspections with the finding, ≥ 2), organ_code, vendor_code, region_code,
    service_type."""
    if scope not in ("organ", "vendor"):
        raise ValueError("scope is organ or vendor")
    return _run(con, "repeat_findings.sql", {**f.params(window(f, "quarter", config)), "scope": scope,
                                              "limit": limit, "organ": organ_code})


# -- vendor risk ----------------------------------------------------------------------------------

VENDOR_ORDER = (("rank", False),)
VENDOR_COLUMNS = ("rank", "vendor_code", "vendor_name", "region_code", "score", "tier", "score_tier", "floor_tier",
                  "floor_reason", "floor_reason_en", "pts_inspections", "pts_evaluations", "pts_incidents",
                  "pts_qualifications",
                  "pts_flags", "pts_rectifications", "pts_exposure", "inspections_counted", "evaluations_counted",
                  "incidents_counted", "organs_served", "active_projects", "previous_tier", "tier_since")


# The English texts of vendor_risk's reasons, which the exports (etl/export, Chinese) leave out.
VENDOR_REASONS_EN = ("floor_reason_en", "tier_change_reason_en")


def vendor_risk(con, f: Filters, *, limit: int | None = None, search: str | None = None,
                page: Page | None = None) -> pl.DataFrame:
    """Vendors by risk score, highest first. The score is as of the last load (as_of); the period
    filter does not apply. Region / service type keep vendors with a project at an organ in the
    region / of that type; tier filters the vendor's tier; `search` keeps the vendors whose name, or
    credit code, contains it. `page` returns one block (with total_rows).

    Columns: vendor_code, vendor_name, region_code, score, tier, score_tier, floor_tier, floor_reason,
    pts_inspections, pts_evaluations, pts_incidents, pts_qualifications, pts_flags,
    pts_rectifications, pts_exposure, inspections_counted, evaluations_counted, incidents_counted,
    organs_served, active_projects, previous_tier, tier_since, tier_change_reason, as_of, rank (the
    place in the selection's order, 1 = riskiest), floor_reason_en and tier_change_reason_en (the
    reasons in English)."""
    params = {**f.params(), "limit": limit, "search": search or None}
    if page is not None:
        return _run_page(con, "vendor_risk_rows.sql", params, page, VENDOR_ORDER, VENDOR_COLUMNS)
    return _run(con, "vendor_risk.sql", params)


def vendor_tier_counts(con, f: Filters, *, search: str | None = None) -> pl.DataFrame:
    """The vendors of vendor_risk (the same filters) counted per tier. Columns: tier, vendors."""
    return _run(con, "vendor_tier_counts.sql", {**f.params(), "search": search or None})


def vendor_risk_components(con, vendor_code: str, *, config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """The seven components of one vendor's score, in a fixed order; points add up to the score.

    Columns: component, component_zh, points, max_points, raw_points (sum of the evidence before the
    cap), capped, evidence_rows, share_of_score."""
    cfg = _cfg(config)
    evidence = vendor_risk_evidence(con, vendor_code)
    risk = _run(con, "vendor_risk.sql", {**Filters(vendor_code=vendor_code).params(), "limit": None, "search": None})
    if not risk.height:
        raise KeyError(f"no such vendor: {vendor_code}")
    row = risk.row(0, named=True)
    raw = evidence.group_by("component").agg(pl.col("raw_points").sum().alias("raw_points"),
                                              pl.len().alias("evidence_rows"))
    frame = pl.DataFrame({
        "component": list(COMPONENTS),
        "component_zh": [COMPONENT_ZH[c] for c in COMPONENTS],
        "points": [float(row[f"pts_{c}"]) for c in COMPONENTS],
        "max_points": [cfg.max_points[c] for c in COMPONENTS],
    }).join(raw, on="component", how="left", maintain_order="left")
    score = float(row["score"])
    return frame.with_columns(
        pl.col("raw_points").fill_null(0.0).round(4),
        pl.col("evidence_rows").fill_null(0).cast(pl.Int64),
        capped=(pl.col("raw_points").fill_null(0.0) > pl.col("max_points") + 1e-9),
        share_of_score=pl.when(pl.lit(score) > 0).then((pl.col("points") / score).round(4)),
    ).select("component", "component_zh", "points", "max_points", "raw_points", "capped", "evidence_rows",
             "share_of_score")


def vendor_risk_evidence(con, vendor_code: str, component: str | None = None) -> pl.DataFrame:
    """The evidence rows behind a vendor's score (or one component of it).

    Columns: vendor_code, component, evidence_kind, evidence_code, evidence_on, organ_code,
    project_code, factor (weight or decay), raw_points, detail_zh, detail_en (the same in English)."""
    if component is not None and component not in COMPONENTS:
        raise ValueError(f"component is one of {COMPONENTS}")
    return _run(con, "vendor_risk_evidence.sql", {"vendor": vendor_code, "component": component})


def vendor_tier_history(con, vendor_code: str | None = None) -> pl.DataFrame:
    """Tier changes of vendors (append-only), newest first.

    Columns: history_id, entity_kind, entity_code, tier, previous_tier, score, previous_score,
    components (JSON), rules, reason_zh, reason_en (the same in English), effective_on, load_id,
    recorded_at."""
    return _run(con, "tier_history.sql", {"entity_kind": "vendor", "entity_code": vendor_code})


def organ_tier_history(con, organ_code: str | None = None) -> pl.DataFrame:
    """Tier changes of organs (append-only), newest first; columns as vendor_tier_history."""
    return _run(con, "tier_history.sql", {"entity_kind": "organ", "entity_code": organ_code})


def vendor_next_tier(con, vendor_code: str, *, today: dt.date | None = None,
                     config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """What would move this vendor to the next tier, down (better) and up (worse): each lever with
    the change of score it makes on its own, whether that alone is enough, and for time the date
    from which it would be enough (incident decay, a floor's window ending). Computed from the
    components and evidence of the last refresh, everything else unchanged.

    Columns: direction (lower | higher), current_tier, target_tier, score, points_needed (score
    change needed), lever, component, description_zh, description_en (the same in English),
    points_change, sufficient, available_on."""
    from warehouse import levers
    return levers.next_tier(con, vendor_code, today=today, config=_cfg(config))


# -- schedule, rectifications, submissions, coverage ----------------------------------------------

SCHEDULE_ORDER = (("days_overdue", True), ("next_due_on", False), ("organ_code", False))


def organ_schedule(con, f: Filters, *, status: str | Sequence[str] | None = None, limit: int | None = None,
                   organ_code: str | None = None, page: Page | None = None,
                   config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """The check schedule, most overdue first: each organ's tier (and why), last inspection, next
    check due (and why), days overdue and status as of f.today (overdue | due_soon | scheduled |
    not_due; `status` keeps one or several). A period keeps the organs due by its end (overdue ones
    included); organ_code keeps one organ. `page` returns one block (with total_rows).

    Columns: organ_code, organ_name, region_code, region_name, admin_level, tier, tier_reason,
    tier_reason_en, tier_rules, inspections, last_inspection_code, last_inspected_on, last_grade,
    interval_months, next_due_on, due_source (routine | new_project | incident_followup), due_reason,
    due_reason_en (the reasons in English), days_overdue,
    status, tier_due_on, project_due_on, project_due_code, followup_due_on, followup_incident_code,
    projects, active_projects, as_of."""
    cfg = _cfg(config)
    params = {**f.params(), "status": _statuses(status), "limit": limit, "organ": organ_code,
              "due_soon_days": int(cfg["windows"]["schedule_due_soon_days"])}
    if page is not None:
        return _run_page(con, "schedule_rows.sql", params, page, SCHEDULE_ORDER, SCHEDULE_COLUMNS)
    return _run(con, "organ_schedule.sql", params)


def vendor_organs(con, f: Filters, *, config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """The organs a vendor serves, for its profile: the organs of the check schedule with a project
    with f.vendor_code (organ_schedule's rows and order for the same filters), with `projects` and
    `active_projects` counting only the organ's projects with that vendor (and of f.service_type,
    when given), where organ_schedule counts those with any vendor. `active` is that of
    projects(con, f), as of f.today (started by then and not ended before it), whatever the period.
    Without f.vendor_code every vendor's projects are counted (every organ, as organ_schedule).

    Columns: those of organ_schedule (organ_code, organ_name, region_code, region_name, admin_level,
    tier, tier_reason, tier_reason_en, tier_rules, inspections, last_inspection_code,
    last_inspected_on, last_grade, interval_months, next_due_on, due_source, due_reason,
    due_reason_en, days_overdue, status, tier_due_on, project_due_on, project_due_code,
    followup_due_on, followup_incident_code, projects (the organ's projects with the vendor),
    active_projects (of those, active on f.today), as_of)."""
    cfg = _cfg(config)
    return _run(con, "vendor_organs.sql", {**f.params(),
                                           "due_soon_days": int(cfg["windows"]["schedule_due_soon_days"])})


SCHEDULE_COLUMNS = ("organ_code", "organ_name", "region_code", "region_name", "admin_level", "tier", "tier_reason",
                    "tier_reason_en", "inspections", "last_inspection_code", "last_inspected_on", "last_grade",
                    "interval_months", "next_due_on", "due_source", "due_reason", "due_reason_en", "days_overdue",
                    "status", "tier_due_on",
                    "project_due_on", "followup_due_on", "projects", "active_projects")


def schedule_counts(con, f: Filters, *, config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """The organs of the check schedule (the same filters) counted per tier and status as of f.today.

    Columns: tier, status, organs."""
    cfg = _cfg(config)
    return _run(con, "schedule_counts.sql", {**f.params(),
                                             "due_soon_days": int(cfg["windows"]["schedule_due_soon_days"])})


RECTIFICATION_ORDER = (("days_overdue", True), ("due_on", False), ("inspection_code", False), ("item_code", False))
RECTIFICATION_COLUMNS = ("inspection_code", "item_code", "item_zh", "item_en", "category_code", "veto", "organ_code", "organ_name",
                         "region_code", "region_name", "organ_tier", "project_code", "vendor_code", "vendor_name",
                         "service_type", "inspected_on", "due_on", "completed_on", "closed_on", "days_to_close",
                         "status", "days_overdue", "days_closed_late")


def rectifications(con, f: Filters, status: str | Sequence[str] | None = None, *, limit: int | None = None,
                   organ_code: str | None = None, page: Page | None = None,
                   config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """Rectifications with their status as of f.today: closed, closed_late, superseded (the organ was
    inspected again with a full checklist before it closed), overdue, due_soon (open, due within 7
    days), open; `status` keeps one or several. The period filters the due date (all when none);
    organ_code keeps one organ's. `page` returns one block (with total_rows).

    Columns: inspection_code, item_code, item_zh, item_en, category_code, veto, organ_code, organ_name,
    region_code, project_code, vendor_code, vendor_name, service_type, inspected_on, due_on,
    completed_on, verified_on, verification, superseded_on, superseded_by, closed_on, days_to_close,
    status, days_overdue, days_closed_late, organ_tier (the organ's tier now), region_name."""
    cfg = _cfg(config)
    statuses = _statuses(status)
    params = {**f.params(), "status": statuses, "limit": limit, "organ": organ_code,
              "open_only": statuses is not None and set(statuses) <= {"overdue", "due_soon", "open"},
              "due_soon_days": int(cfg["rectifications"]["due_soon_days"])}
    if page is not None:
        return _run_page(con, "rectification_rows.sql", params, page, RECTIFICATION_ORDER, RECTIFICATION_COLUMNS)
    return _run(con, "rectifications.sql", params)


def rectification_status(con, f: Filters, by: Sequence[str] = (), *,
                         config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """Rectifications counted by status as of f.today, optionally by region level, organ tier
    ("tier") and service type. The period filters the due date (all when none).

    Columns: [region_code, region_name], [tier], [service_type], total, open, due_soon, overdue,
    escalation_candidates (overdue > 30 days), closed, closed_on_time, closed_late, superseded,
    mean_days_to_close, median_days_to_close, max_days_overdue."""
    dims = _dims(by, tier=True)
    if dims["time_grain"]:
        raise ValueError("rectification_status has no time dimension; filter by period instead")
    cfg = _cfg(config)
    params = {**f.params(), **dims, "by_close_days": False,
              "due_soon_days": int(cfg["rectifications"]["due_soon_days"]),
              "escalation_days": int(cfg["rectifications"]["escalation_days"])}
    cube = f.period is None and _cube(con, f, "mart_rectification_cube", same_day=True, same_config=True,
                                      config=config)
    frame = _run(con, "rectification_status_cube.sql" if cube else "rectification_status.sql", params)
    frame = frame.drop("close_days", "overdue_since", "close_days_sum", "close_days_n", strict=False)
    keys = [k for k, on in (("region_code", dims["region_level"]), ("tier", dims["by_tier"]),
                            ("service_type", dims["by_service"])) if on]
    frame = frame.sort(keys, nulls_last=True) if keys else frame
    frame = _with_region_names(con, frame, dims["region_level"])
    frame = frame.drop([k for k, on in (("tier", dims["by_tier"]), ("service_type", dims["by_service"])) if not on])
    if not frame.height and not keys:
        zero = {c: [0] for c in ("total", "open", "due_soon", "overdue", "escalation_candidates", "closed",
                                 "closed_on_time", "closed_late", "superseded")}
        frame = pl.DataFrame({**zero, "mean_days_to_close": [None], "median_days_to_close": [None],
                              "max_days_overdue": [None]},
                             schema_overrides={"mean_days_to_close": pl.Float64, "median_days_to_close": pl.Float64,
                                               "max_days_overdue": pl.Int64})
    return _order(frame, ["region_code", "region_name", "tier", "service_type"])


def escalation_candidates(con, f: Filters, *, limit: int | None = None,
                          config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """Rectifications open more than 30 days (configurable) past their due date as of f.today:
    candidates for 约谈. Most overdue first; superseded ones (re-inspected) are not candidates.

    Columns: inspection_code, item_code, item_zh, item_en, category_code, veto, organ_code, organ_name,
    region_code, vendor_code, vendor_name, project_code, inspected_on, due_on, completed_on,
    verification, days_overdue, suggested_action."""
    cfg = _cfg(config)
    return _run(con, "escalation_candidates.sql",
                {**f.params(), "limit": limit, "escalation_days": int(cfg["rectifications"]["escalation_days"])})


def submission_completeness(con, f: Filters, *, only_silent: bool = False, limit: int | None = None,
                            organ_code: str | None = None) -> pl.DataFrame:
    """Per organ and completed quarter (the quarters starting in the period; the mart's window of 20
    quarters when none): evaluations expected (one per active project) against received, missing,
    late (days late after quarter end + 15 days), evaluations covering the quarter, rows loaded and
    rejected in the quarter's loads, rejection rate, and whether the organ sent nothing.
    only_silent keeps the organ-quarters that sent nothing; organ_code keeps one organ's.

    Columns: organ_code, organ_name, region_code, quarter, quarter_start, quarter_end, due_on,
    expected, received, missing, late, max_days_late, mean_days_late, evaluations, rows_loaded,
    rows_rejected, rejection_rate, sent_nothing, missing_projects."""
    return _run(con, "submission_completeness.sql", {**f.params(), "only_silent": only_silent, "limit": limit,
                                                     "organ": organ_code})


def submission_matrix(con, f: Filters, *, organs: int = 40) -> pl.DataFrame:
    """The completeness matrix of the submissions desk, from the organ-quarters of
    submission_completeness (the same filters) due by f.today: the `organs` organs with the most
    missing evaluations (then late ones, then by code) with every quarter of the selection, and the
    selection's totals (the same on every row).

    Columns: rank, organ_code, organ_name, organ_missing, organ_late, organ_expected, silent_quarters,
    quarter, quarter_start, expected, received, missing, late (NULL: no row for that quarter), cell
    (0 nothing due, 1 on time, 2 late, 3 partly missing, 4 none received), organs, missing_total,
    late_total, silent_in_last_quarter (organs that sent nothing for the last quarter)."""
    return _run(con, "submission_matrix.sql", {**f.params(), "organs": int(organs)})


def coverage(con, f: Filters, by_kind: bool = False) -> pl.DataFrame:
    """Checks due against checks achieved, by tier (the FSA's interventions due vs achieved) and,
    with by_kind, by kind of check (routine | new_project | incident_followup). Window: the period,
    else the year of today. A check counts as due once its due date has passed (by today).

    Columns: tier, [event_kind], due, achieved, achieved_on_time, achieved_late, outstanding,
    coverage_rate (achieved / due), on_time_rate (achieved_on_time / due), due_later, achieved_early,
    organs_due."""
    start, end = f.bounds or (dt.date(f.today.year, 1, 1), dt.date(f.today.year, 12, 31))
    frame = _run(con, "coverage.sql", {**f.params((start, end)), "by_kind": by_kind})
    keys = ["tier"] + (["event_kind"] if by_kind else [])
    frame = frame.with_columns(
        coverage_rate=pl.when(pl.col("due") > 0).then((pl.col("achieved") / pl.col("due")).round(4)),
        on_time_rate=pl.when(pl.col("due") > 0).then((pl.col("achieved_on_time") / pl.col("due")).round(4)),
    ).sort(keys)
    if not by_kind:
        frame = frame.drop("event_kind")
    return _order(frame, [*keys, "due", "achieved", "achieved_on_time", "achieved_late", "outstanding",
                          "coverage_rate", "on_time_rate", "due_later", "achieved_early", "organs_due"])


# -- incidents, projects, evaluations ---------------------------------------------------------------

def incidents(con, f: Filters, *, organ_code: str | None = None, limit: int | None = None) -> pl.DataFrame:
    """Incident reports, most severe first. The period filters the day the incident occurred (all
    time when none); `open` says whether it was still open (not 已结案) on f.today.

    Columns: incident_code, occurred_at, discovered_at, reported_at, report_delay_hours, organ_code,
    organ_name, region_code, vendor_code, vendor_name, project_code, service_type, incident_type,
    severity, records_affected, involves_classified, status, closed_on, description, open."""
    return _run(con, "incidents.sql", {**f.params(), "organ": organ_code, "limit": limit})


def incident_counts(con, f: Filters) -> pl.DataFrame:
    """The incidents of `incidents(con, f)` counted per quarter of occurrence, type and severity.

    Columns: quarter_start, incident_type, severity, incidents, not_closed (status not 已结案)."""
    return _run(con, "incident_counts.sql", f.params())


def projects(con, f: Filters, *, organ_code: str | None = None, limit: int | None = None) -> pl.DataFrame:
    """Outsourcing projects with names, newest first; the period keeps projects running at some time
    in it (all when none); `active` is as of f.today.

    Columns: organ_code, organ_name, region_code, project_code, vendor_code, vendor_name, service_type,
    service_type_text, involves_classified, confidentiality_agreement, work_site, subcontracted,
    signed_on, start_on, planned_end_on, actual_end_on, accepted_on, security_confirmed_on, amount_wan,
    volume, volume_unit, active, inspections, last_inspected_on."""
    return _run(con, "projects.sql", {**f.params(), "organ": organ_code, "limit": limit})


# -- profiles and the load log --------------------------------------------------------------------

VENDOR_PROFILE_COLUMNS = ("vendor_code", "vendor_name", "region_code", "region_name", "established_on",
                          "registered_capital_wan", "foreign_investment", "filing_no", "filing_expires_on")


def vendor_profile(con, vendor_code: str) -> pl.DataFrame:
    """One vendor's registry fields (current version); an empty frame when the vendor is not loaded.

    Columns: vendor_code, vendor_name, region_code, region_name, established_on,
    registered_capital_wan, foreign_investment, filing_no, filing_expires_on."""
    return _run(con, "vendor_profile.sql", {"vendor": vendor_code})


def vendor_qualifications(con, vendor_code: str, today: dt.date | None = None) -> pl.DataFrame:
    """One vendor's qualification certificates (current versions), soonest expiry first.
    `effective_status` is the status as of `today` (default: the real date): '过期' once expires_on
    has passed, else the status as submitted; days_to_expiry is negative once expired.

    Columns: qualification_type, grade, certificate_no, issuer, issued_on, expires_on, status,
    effective_status, days_to_expiry."""
    return _run(con, "vendor_qualifications.sql", {"vendor": vendor_code, "today": today or dt.date.today()})


def inspections(con, f: Filters, organ_code: str | None = None, vendor_code: str | None = None,
                limit: int | None = None) -> pl.DataFrame:
    """Inspections, newest first: the period keeps those inspected in it (all time when none);
    region (and scope) is the organ's, service type the project's, tier the organ's; vendor_code
    narrows like f.vendor_code (both given: both must match).

    Columns: inspection_code, inspected_on, organ_code, organ_name, region_code, project_code,
    vendor_code (the inspection's, else its project's), vendor_name, service_type, inspection_kind, inspectors,
    score, grade, veto_failed, items_count, failed_items (不符合), partial_items (部分符合),
    rectification_due_on."""
    params = {**f.params(), "organ": organ_code, "limit": limit}
    if vendor_code is not None:
        if f.vendor_code is not None and f.vendor_code != vendor_code:
            params["organ"] = NOWHERE           # two different vendors: nothing matches both
        params["vendor"] = vendor_code
    return _run(con, "inspections.sql", params)


def load_history(con, limit: int | None = 50) -> pl.DataFrame:
    """The load log, newest first: one row per file and sheet of each load (a file rejected whole
    has sheet NULL). Not filtered by region: a file may hold many organs' rows.

    Columns: batch_id, load_id, loaded_at, source_file (the file's name), sheet, kind, rows_read,
    rows_loaded, rows_rejected, rows_warned, status, rule, message, load_status."""
    return _run(con, "load_history.sql", {"limit": limit})


def rejected_rows(con, f: Filters, organ_code: str | None = None, load_id: int | None = None,
                  limit: int | None = None) -> pl.DataFrame:
    """The problems that rejected rows in past loads, newest first, in the columns of the loader's
    issue frame (etl.report.write_error_report takes it as is). A row is an organ's when its original
    text names the organ's code (as mart_submissions counts rejections). The period keeps loads dated
    in it (all when none); a region or scope keeps only rows naming an organ in it (rows naming no
    organ, and file-level problems, only appear without one); service type, vendor and tier do not
    apply.

    Columns: load_id, batch_id, source_file, sheet, source_row, kind, column_name, column_zh, value,
    rule, severity ('error'), message, row_values, loaded_at, organ_codes (the organs named)."""
    return _run(con, "rejected_rows.sql", {**f.params(), "organ": organ_code, "load": load_id, "limit": limit})


def evaluation_trend(con, f: Filters, by: Sequence[str] = ("quarter",), *,
                     config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """Organs' evaluations of vendors per quarter (or year): count and mean scores. Quarterly
    evaluations count in their quarter and year, annual ones only in the year. Window: the period,
    else the last 12 quarters (5 years). Only periods with evaluations appear.

    Columns: period, period_start, period_end, partial, evaluations, organs, vendors, overall, quality,
    timeliness, security, staffing, cooperation."""
    grain = _dims(by)["time_grain"] or "quarter"
    frame = _run(con, "evaluation_trend.sql", {**f.params(window(f, grain, config)), "time_grain": grain})
    frame = _period_columns(frame, grain, f.today)
    return _order(frame, ["period", "period_start", "period_end", "partial"])


# -- headline numbers and data freshness ----------------------------------------------------------

KPI_LABELS = {
    "organs_supervised": ("监管机关数", "Organs supervised"),
    "active_projects": ("在办外包项目", "Active projects"),
    "inspections": ("检查次数", "Inspections"),
    "pass_rate": ("检查合格率", "Pass rate"),
    "open_incidents": ("未结案事件", "Open incidents"),
    "overdue_checks": ("逾期未检机关", "Organs with an overdue check"),
    "overdue_rectifications": ("逾期未完成整改", "Overdue rectifications"),
}


def kpis(con, f: Filters, *, config: AnalyticsConfig | None = None) -> pl.DataFrame:
    """The headline numbers of the period (default: the quarter of today) and of the period before.
    Stocks (organs, active projects, open incidents, overdue checks and rectifications) are counted
    at the period's end, or today when earlier; flows (inspections, pass rate) over the period to
    that day. An organ is supervised from its first load, first project or first inspection,
    whichever came first (so back-filled history reads sensibly).

    Columns: kpi, label_zh, label_en, value, previous_value, change, period, previous_period, as_of,
    previous_as_of, partial (the period is not over: it is counted to today, the one before whole)."""
    cfg = _cfg(config)
    if f.period is None:
        qs = quarter_start(f.today)
        f = replace(f, period=f"{qs.year}-Q{(qs.month - 1) // 3 + 1}")
    periods = []
    for which in (f, f.previous()):
        start, end = which.bounds
        periods.append((start, min(end, f.today), period_label(start, end)))
    params = {**f.params(), "starts": [p[0] for p in periods], "asofs": [p[1] for p in periods],
              "passing": list(cfg["grades"]["passing"]), "services": [f.service_type]}
    counts = None
    if _cube(con, f, "mart_kpi_cube", same_config=True, config=config):
        counts = _run(con, "kpis_cube.sql", params)
        if counts.select("period_start", "as_of").unique().height < len(periods):
            counts = None                       # a period the cube does not keep
    if counts is None:
        counts = _run(con, "kpis.sql", params)
    rows = []
    for start, asof, label in periods:
        got = counts.filter((pl.col("period_start") == start) & (pl.col("as_of") == asof)
                            & pl.col("measure").is_not_null())
        n = dict(zip(got["measure"].to_list(), got["n"].to_list()))
        value = {k: float(n.get(k, 0)) for k in KPI_LABELS if k != "pass_rate"}
        value["pass_rate"] = _sql_round(n["passed"] / n["graded"], 4) if n.get("graded") else None
        rows.append((value, label, asof))
    (now, label, asof), (before, prev_label, prev_asof) = rows
    data = []
    for kpi, (zh, en) in KPI_LABELS.items():
        value, previous = now.get(kpi), before.get(kpi)
        change = None if value is None or previous is None else round(value - previous, 4)
        data.append({"kpi": kpi, "label_zh": zh, "label_en": en, "value": value, "previous_value": previous,
                     "change": change, "period": label, "previous_period": prev_label, "as_of": asof,
                     "previous_as_of": prev_asof, "partial": asof < f.bounds[1]})
    return pl.DataFrame(data, schema={"kpi": pl.String, "label_zh": pl.String, "label_en": pl.String,
                                      "value": pl.Float64, "previous_value": pl.Float64, "change": pl.Float64,
                                      "period": pl.String, "previous_period": pl.String, "as_of": pl.Date,
                                      "previous_as_of": pl.Date, "partial": pl.Boolean})


def data_as_of(con, f: Filters, by: str = "kind", *, organ_code: str | None = None) -> pl.DataFrame:
    """When the data was last loaded, for caveat banners.

    by="kind":  kind, last_load_id, last_loaded_on (the load's date), last_loaded_at, rows_in_last_load,
                sheets_in_last_load, loads, rows_current, days_since_load (to f.today). Filters other
                than today do not apply (loads are per file).
    by="organ": organ_code, organ_name, region_code, first_seen_on, known_since, last_load_id,
                last_loaded_on, last_loaded_at, last_kind, days_since_load; filtered by region,
                service type, vendor, tier (and organ_code: one organ); the organs heard from least
                recently first."""
    if by == "kind":
        return _run(con, "data_as_of_kind.sql", {"today": f.today})
    if by == "organ":
        return _run(con, "data_as_of_organ.sql", {**f.params(), "organ": organ_code})
    raise ValueError("by is kind or organ")


def organ_directory(con, f: Filters, *, organ_code: str | None = None, contacts: bool = False,
                    limit: int | None = None) -> pl.DataFrame:
    """The organs' registry, by region and code. The contact person and telephone are personal data:
    they are columns only with contacts=True, which `for_user` allows only to roles with
    Permission.PERSONAL_DATA (数据管理员).

    Columns: organ_code, organ_name, region_code, admin_level, organ_category, archive_staff, tier,
    [contact_name, contact_phone]."""
    frame = _run(con, "organ_directory.sql", {**f.params(), "organ": organ_code, "contacts": bool(contacts),
                                               "limit": limit})
    return frame if contacts else frame.drop("contact_name", "contact_phone")


def marts_as_of(con) -> dict | None:
    """The last refresh of the marts: load_id, today (the date scores and tiers are as of), mode,
    seconds, refreshed_at; None before the first load."""
    rows = con.sql("SELECT load_id, today, mode, seconds, refreshed_at FROM mart_refresh_log "
                   "ORDER BY refreshed_at DESC, load_id DESC LIMIT 1").fetchall()
    if not rows:
        return None
    return dict(zip(("load_id", "today", "mode", "seconds", "refreshed_at"), rows[0]))


__all__ = [
    "Filters", "Page", "connect", "parse_period", "period_label", "window", "default_window", "add_months",
    "compliance_trend", "grade_distribution", "failing_categories", "most_failed_items", "repeat_findings",
    "vendor_risk", "vendor_tier_counts", "vendor_risk_components", "vendor_risk_evidence", "vendor_tier_history", "organ_tier_history",
    "vendor_next_tier", "organ_schedule", "vendor_organs", "schedule_counts", "rectifications", "rectification_status", "escalation_candidates",
    "submission_completeness", "submission_matrix", "coverage", "incidents", "incident_counts", "projects", "evaluation_trend", "kpis",
    "data_as_of",
    "organ_directory", "marts_as_of", "vendor_profile", "vendor_qualifications", "inspections", "load_history",
    "rejected_rows", "for_user", "UserQueries", "OutOfScope", "without_cubes",
]


# -- evidence outside a region ---------------------------------------------------------------------
# A vendor's tier and the reasons for it are its own, computed from all its data (docs/access.md),
# but the codes those reasons cite (incidents, inspections, rectifications, projects, flags) may
# belong to organs outside a user's scope or an export's region. Those codes are masked: each becomes
# OUT_OF_REGION, and in a list in （…） they are counted instead ("范围外2项"); in the English texts
# (columns ending _en) OUT_OF_REGION_EN, and in a list in (…) "2 out of scope".
OUT_OF_REGION = "〔范围外〕"
OUT_OF_REGION_EN = "[out of scope]"
# what the reasons' codes look like: letters, digits, "-" and "/", six or more, with a digit
_CITED = re.compile(r"[0-9A-Za-z][0-9A-Za-z/\-]{4,}[0-9A-Za-z]")
_LISTED = re.compile(r"（([^（）]*)）")
_COUNTED = re.compile(r"^(.*) 等(\d+)项$")
_LISTED_EN = re.compile(r"\(([^()]*)\)")
_COUNTED_EN = re.compile(r"^(.*); (\d+) in all$")
# the text columns of vendor-level answers that cite evidence (the evidence rows themselves,
# detail_zh / detail_en, are not masked: a user sees those of organs in scope only)
VENDOR_REASON_COLUMNS = ("floor_reason", "tier_change_reason", "reason_zh", "description_zh",
                         "floor_reason_en", "tier_change_reason_en", "reason_en", "description_en")
# An organ's schedule, tier history and planned visits cite incidents of its vendors at other organs
# (the follow-up across organs, domain.md §3): those of organs outside a scope are masked too.
ORGAN_REASON_COLUMNS = ("tier_reason", "tier_reason_en", "due_reason", "due_reason_en", "followup_incident_code",
                        "reason_zh", "reason_en", "reasons_zh", "reasons_en")


def covers_jurisdiction(con, prefix: str | None) -> bool:
    """Whether the region prefix takes in the warehouse's whole jurisdiction (None: every region)."""
    if prefix is None:
        return True
    jurisdiction = db.get_setting(con, "jurisdiction")
    return bool(jurisdiction) and jurisdiction != NATIONAL and region_prefix(jurisdiction).startswith(prefix)


def mask_out_of_region(con, frame: pl.DataFrame, prefix: str | None, *, vendors: Sequence[str] | None = None,
                       columns: Sequence[str] = VENDOR_REASON_COLUMNS) -> pl.DataFrame:
    """`frame` with the codes its reason `columns` cite masked where they belong to an organ outside
    the region `prefix` (nothing is masked when the region takes in the whole jurisdiction). A
    project code is looked up among the projects of `vendors`, by default the frame's vendor_code
    (or entity_code) values."""
    columns = [c for c in columns if c in frame.columns and frame.schema[c] == pl.String]
    if not frame.height or not columns or covers_jurisdiction(con, prefix):
        return frame
    cited = {code for c in columns for text in frame[c].drop_nulls().to_list() for code in _CITED.findall(text)
             if any(ch.isdigit() for ch in code)}
    if not cited:
        return frame
    if vendors is None:
        key = next((k for k in ("vendor_code", "entity_code") if k in frame.columns), None)
        vendors = frame[key].drop_nulls().unique().to_list() if key else []
    regions = _run(con, "evidence_regions.sql", {"codes": sorted(cited), "vendors": list(vendors)})
    hidden = set(regions.filter(~pl.col("region_code").str.starts_with(prefix))["code"].to_list())
    if not hidden:
        return frame
    return frame.with_columns(pl.col(c).map_elements(
        lambda text, english=c.endswith("_en"): _masked(text, hidden, english=english), return_dtype=pl.String)
        for c in columns)


def _masked(text: str, hidden: set[str], *, english: bool = False) -> str:
    if english:
        text = _CITED.sub(lambda m: OUT_OF_REGION_EN if m.group(0) in hidden else m.group(0), text)
        return _LISTED_EN.sub(_count_hidden_en, text)
    text = _CITED.sub(lambda m: OUT_OF_REGION if m.group(0) in hidden else m.group(0), text)
    return _LISTED.sub(_count_hidden, text)


def _count_hidden_en(group: re.Match) -> str:
    """A list (a, b; N in all) whose masked items are counted: (a, 1 out of scope; N in all)."""
    total = _COUNTED_EN.match(group.group(1))
    items = (total.group(1) if total else group.group(1)).split(", ")
    hidden = sum(1 for i in items if i == OUT_OF_REGION_EN)
    if not hidden:
        return group.group(0)
    kept = [i for i in items if i != OUT_OF_REGION_EN] + [f"{hidden} out of scope"]
    return "(" + ", ".join(kept) + (f"; {total.group(2)} in all" if total else "") + ")"


def _count_hidden(group: re.Match) -> str:
    """A list （a、b 等N项） whose masked items are counted: （a、范围外1项，共N项）."""
    items = group.group(1).split("、")
    total = _COUNTED.match(items[-1])
    if total:
        items[-1] = total.group(1)
    hidden = sum(1 for i in items if i == OUT_OF_REGION)
    if not hidden:
        return group.group(0)
    kept = [i for i in items if i != OUT_OF_REGION] + [f"范围外{hidden}项"]
    return "（" + "、".join(kept) + (f"，共{total.group(2)}项" if total else "") + "）"


# -- access: the query layer bound to a user ------------------------------------------------------

# What stands in a rejected row's text for a contact person or telephone the user may not see.
WITHHELD = "〔已隐去〕"


def without_personal_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Rejected rows (rejected_rows) with the personal contact columns (schemas.roles.PERSONAL_COLUMNS)
    withheld from the original row text, under whatever header the file gave them, and from the
    value a problem cites; so are the columns the contract does not know. A row text that is not a
    JSON object cannot be read by column: withheld whole."""
    import json

    from schemas.headers import column_of
    from schemas.roles import PERSONAL_COLUMNS
    if not frame.height:
        return frame

    def row_text(kind: str | None, text: str | None) -> str | None:
        if text is None:
            return None
        try:
            row = json.loads(text)
        except ValueError:
            return WITHHELD
        if not isinstance(row, dict):
            return WITHHELD
        # a column the contract does not know (手机, 联系方式 …) may hold anything: withheld too
        return json.dumps({k: v if kind and column_of(kind, k) not in (None, *PERSONAL_COLUMNS) else WITHHELD
                           for k, v in row.items()}, ensure_ascii=False)

    texts = [row_text(k, t) for k, t in zip(frame["kind"].to_list(), frame["row_values"].to_list())]
    return frame.with_columns(
        pl.Series("row_values", texts, dtype=pl.String),
        pl.when(pl.col("column_name").is_in(list(PERSONAL_COLUMNS)) & pl.col("value").is_not_null())
        .then(pl.lit(WITHHELD)).otherwise(pl.col("value")).alias("value"))


class OutOfScope(KeyError):
    """The vendor or organ asked for is not visible in the user's scope (answered like "not found")."""


# How each query function is scoped by UserQueries (a function missing here is refused: fail closed).
_WITH_FILTERS = ("compliance_trend", "grade_distribution", "failing_categories", "most_failed_items",
                 "repeat_findings", "vendor_risk", "vendor_tier_counts", "organ_schedule", "vendor_organs",
                 "schedule_counts", "rectifications", "rectification_status", "escalation_candidates",
                 "submission_completeness", "submission_matrix", "coverage", "incidents",
                 "incident_counts",
                 "projects",
                 "evaluation_trend", "kpis", "data_as_of", "organ_directory", "inspections", "rejected_rows")
_BY_VENDOR = ("vendor_risk_components", "vendor_risk_evidence", "vendor_next_tier", "vendor_tier_history",
              "vendor_profile", "vendor_qualifications")
_BY_ORGAN = ("organ_tier_history",)
_UNSCOPED = ("marts_as_of",)     # metadata only: when the marts were refreshed
# The load log: files and counts, no organ's rows; a user sees it only when its scope covers the
# whole jurisdiction (a file may hold rows of organs outside a narrower scope), else an empty frame.
_LOAD_LOG = ("load_history",)
QUERY_FUNCTIONS = _WITH_FILTERS + _BY_VENDOR + _BY_ORGAN + _UNSCOPED + _LOAD_LOG

_VISIBLE_VENDORS = """
    WITH o AS (SELECT organ_code FROM organs WHERE starts_with(region_code, $region))
    SELECT vendor_code FROM projects WHERE organ_code IN (SELECT organ_code FROM o)
    UNION SELECT vendor_code FROM inspections WHERE organ_code IN (SELECT organ_code FROM o) AND vendor_code IS NOT NULL
    UNION SELECT vendor_code FROM incidents WHERE organ_code IN (SELECT organ_code FROM o) AND vendor_code IS NOT NULL
    UNION SELECT vendor_code FROM evaluations WHERE organ_code IN (SELECT organ_code FROM o)
"""


class UserQueries:
    """The query functions bound to one user: `queries.for_user(user).compliance_trend(con, f, …)`
    takes the same arguments as `queries.compliance_trend(con, f, …)`, and

    - ANDs the user's region scope into every Filters it is given (`f.within(scope)`; f may be None),
      so a page that forgets the scope, or asks for a region outside it, gets nothing outside it;
    - answers vendor-level functions only for vendors visible in the scope (a project, inspection,
      incident or evaluation at an organ in scope), else raises OutOfScope (a KeyError: "not found").
      A visible vendor's score, tier and components are the vendor's own, computed from all its
      data; the evidence rows and tier history shown are those of organs in scope (and the vendor's
      own rows without an organ: qualifications), and the codes its reasons cite of organs outside
      the scope are masked (mask_out_of_region);
    - drops personal contact columns (schemas.roles.PERSONAL_COLUMNS) unless the role has
      Permission.PERSONAL_DATA, and withholds them from rejected rows' text (without_personal_values);
    - refuses any function it does not know how to scope (AttributeError), so a new query function
      must be classified here before a page can call it through a user.

    `user` is anything with `role` and `region_scope` (warehouse.access.User)."""

    def __init__(self, user) -> None:
        from schemas.roles import Permission, can
        if not getattr(user, "active", True):
            raise PermissionError("该账户已停用")
        self.user = user
        self.scope: str | None = _prefix(user.region_scope) and user.region_scope
        self.personal = can(user.role, Permission.PERSONAL_DATA)
        if not can(user.role, Permission.READ):
            raise PermissionError("该用户无权查看数据")

    def filters(self, **kwargs) -> Filters:
        """A Filters for this user (its scope set)."""
        return Filters(**kwargs).within(self.scope)

    def scoped(self, f: Filters | None) -> Filters:
        if f is None:
            return self.filters()
        if not isinstance(f, Filters):
            raise TypeError("f must be a queries.Filters")
        return f.within(self.scope)

    def _clean(self, result):
        if isinstance(result, pl.DataFrame) and not self.personal:
            from schemas.roles import PERSONAL_COLUMNS
            return result.drop([c for c in PERSONAL_COLUMNS if c in result.columns])
        return result

    # -- what the scope lets the user see -------------------------------------------------------
    def _prefix(self) -> str | None:
        return _prefix(self.scope)

    def organs_in_scope(self, con) -> set[str] | None:
        """The organ codes in scope (None: every organ)."""
        prefix = self._prefix()
        if prefix is None:
            return None
        return {r[0] for r in con.execute("SELECT organ_code FROM organs WHERE starts_with(region_code, $region)",
                                          {"region": prefix}).fetchall()}

    def vendors_in_scope(self, con) -> set[str] | None:
        """The vendor codes visible in scope (None: every vendor)."""
        prefix = self._prefix()
        if prefix is None:
            return None
        return {r[0] for r in con.execute(_VISIBLE_VENDORS, {"region": prefix}).fetchall()}

    def covers_jurisdiction(self, con) -> bool:
        """Whether the scope takes in the warehouse's whole jurisdiction (or the warehouse has none)."""
        return covers_jurisdiction(con, self._prefix())

    def _mask(self, con, frame: pl.DataFrame, **kwargs) -> pl.DataFrame:
        """A vendor-level answer with the codes of organs outside the scope masked in its reasons."""
        return mask_out_of_region(con, frame, self._prefix(), **kwargs)

    def _need_vendor(self, con, vendor_code: str) -> None:
        visible = self.vendors_in_scope(con)
        if visible is not None and vendor_code not in visible:
            raise OutOfScope(f"no such vendor in scope: {vendor_code}")

    # -- the functions --------------------------------------------------------------------------
    def __getattr__(self, name: str):
        fn = globals().get(name)
        if name in _WITH_FILTERS:
            def call(con, f: Filters | None = None, *args, **kwargs):
                if name == "organ_directory":
                    kwargs["contacts"] = bool(kwargs.get("contacts")) and self.personal
                result = fn(con, self.scoped(f), *args, **kwargs)
                if name == "rejected_rows" and not self.personal:
                    result = without_personal_values(result)
                if name == "vendor_risk":
                    result = self._mask(con, result)
                elif name in ("organ_schedule", "vendor_organs"):
                    result = self._mask(con, result, vendors=[], columns=ORGAN_REASON_COLUMNS)
                return self._clean(result)
        elif name in ("vendor_risk_components", "vendor_next_tier", "vendor_profile", "vendor_qualifications"):
            def call(con, vendor_code: str, *args, **kwargs):
                self._need_vendor(con, vendor_code)
                result = fn(con, vendor_code, *args, **kwargs)
                if name == "vendor_next_tier":
                    result = self._mask(con, result, vendors=[vendor_code])
                return self._clean(result)
        elif name == "vendor_risk_evidence":
            def call(con, vendor_code: str, *args, **kwargs):
                self._need_vendor(con, vendor_code)
                frame = fn(con, vendor_code, *args, **kwargs)
                organs = self.organs_in_scope(con)
                if organs is not None:
                    frame = frame.filter(pl.col("organ_code").is_null() | pl.col("organ_code").is_in(list(organs)))
                return self._clean(frame)
        elif name == "vendor_tier_history":
            def call(con, vendor_code: str | None = None):
                if vendor_code is not None:
                    self._need_vendor(con, vendor_code)
                frame = fn(con, vendor_code)
                visible = self.vendors_in_scope(con)
                if visible is not None:
                    frame = frame.filter(pl.col("entity_code").is_in(list(visible)))
                return self._clean(self._mask(con, frame))
        elif name == "organ_tier_history":
            def call(con, organ_code: str | None = None):
                organs = self.organs_in_scope(con)
                if organs is not None and organ_code is not None and organ_code not in organs:
                    raise OutOfScope(f"no such organ in scope: {organ_code}")
                frame = fn(con, organ_code)
                if organs is not None:
                    frame = frame.filter(pl.col("entity_code").is_in(list(organs)))
                return self._clean(self._mask(con, frame, vendors=[], columns=ORGAN_REASON_COLUMNS))
        elif name in _UNSCOPED:
            def call(con, *args, **kwargs):
                return fn(con, *args, **kwargs)
        elif name in _LOAD_LOG:
            def call(con, *args, **kwargs):
                frame = fn(con, *args, **kwargs)
                return frame if self.covers_jurisdiction(con) else frame.clear()
        else:
            raise AttributeError(f"{name!r} is not a query function that can be scoped to a user")
        call.__name__ = name
        call.__doc__ = fn.__doc__
        return call


def for_user(user) -> UserQueries:
    """The query layer as `user` may see it: pass the user once, call the functions as usual.

        q = queries.for_user(user)
        q.compliance_trend(con, queries.Filters(period="2025"), by=("quarter",))
        q.vendor_risk(con, None)          # None: no filter but the user's scope
    """
    return UserQueries(user)
