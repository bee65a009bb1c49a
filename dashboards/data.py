"""How the pages read the warehouse: through warehouse.queries only, one short-lived read-only
connection per call, with a small per-process cache keyed on the warehouse file's identity.

Loads never block readers: a writer builds a copy and swaps it in (warehouse.db.writable_copy), so
a request either reads the old file or the new one. The cache key includes the file's inode,
mtime and size, so the first request after a load commits reads the new data.

The functions at the bottom compose existing query functions into what a page shows (no SQL here).
Where the query layer has no function yet for a panel (see NEEDED), the page says so plainly; when
a function of that name appears in warehouse.queries it is used as is.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import logging
import os
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator

import polars as pl

from schemas.identifiers import NATIONAL, region_name, region_table
from warehouse import db, queries

log = logging.getLogger("dashboards")

DEFAULT_WAREHOUSE = "data/oversight.duckdb"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

# Query functions the pages would use if warehouse.queries had them (requested from the query layer).
# None outstanding: vendor_profile, vendor_qualifications, inspections, load_history and rejected_rows
# are now in warehouse.queries (docs/analytics.md); the pages' fallbacks stay for older query layers.
NEEDED: dict[str, str] = {}


class NoWarehouse(Exception):
    """There is no warehouse file yet."""


# -- settings -------------------------------------------------------------------------------------

def warehouse_path() -> Path:
    return Path(os.environ.get("OVERSIGHT_WAREHOUSE") or DEFAULT_WAREHOUSE)


def today() -> dt.date:
    value = os.environ.get("OVERSIGHT_TODAY")
    if value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            log.warning("OVERSIGHT_TODAY=%r is not a date; using the real date", value)
    return dt.date.today()


def upload_root() -> Path:
    root = os.environ.get("OVERSIGHT_UPLOAD_DIR")
    if root:
        return Path(root)
    import tempfile
    return Path(tempfile.gettempdir()) / "oversight-uploads"


def version() -> tuple | None:
    """The identity of the warehouse file now: a load swaps in a new file (new inode and mtime)."""
    try:
        st = os.stat(warehouse_path())
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


@contextlib.contextmanager
def reader() -> Iterator[Any]:
    path = warehouse_path()
    if not path.exists():
        raise NoWarehouse(str(path))
    con = queries.connect(path, read_only=True)
    try:
        yield con
    finally:
        con.close()


# -- cache ----------------------------------------------------------------------------------------

def _size_of(value) -> int:
    if isinstance(value, pl.DataFrame):
        return int(value.estimated_size())
    return 1024


class _Cache:
    """A small LRU per process, bounded in entries and in bytes; keys start with the warehouse
    version, so a load invalidates everything cached before it."""

    def __init__(self, size: int = 256, max_bytes: int | None = None):
        self.size = size
        self.max_bytes = max_bytes or int(os.environ.get("OVERSIGHT_DASH_CACHE_MB", "256")) * 1024 * 1024
        self.items: collections.OrderedDict = collections.OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()
        self.enabled = os.environ.get("OVERSIGHT_DASH_CACHE", "1") != "0"

    def get(self, key, compute: Callable[[], Any]):
        if not self.enabled:
            return compute()
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key][0]
        value = compute()
        size = _size_of(value)
        if size > self.max_bytes // 4:  # too big to keep: it would push out everything else
            return value
        with self.lock:
            if key not in self.items:
                self.items[key] = (value, size)
                self.bytes += size
            self.items.move_to_end(key)
            while self.items and (len(self.items) > self.size or self.bytes > self.max_bytes):
                _key, (_value, old) = self.items.popitem(last=False)
                self.bytes -= old
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.bytes = 0


CACHE = _Cache()


def has(name: str) -> bool:
    return callable(getattr(queries, name, None))


def q(name: str, *args, **kwargs):
    """queries.<name>(con, *args, **kwargs), cached for the current warehouse file."""
    ver = version()
    if ver is None:
        raise NoWarehouse(str(warehouse_path()))
    key = (ver, name, args, tuple(sorted(kwargs.items())))

    def compute():
        with reader() as con:
            return getattr(queries, name)(con, *args, **kwargs)
    return CACHE.get(key, compute)


def q_fn(fn: Callable, *args, **kwargs):
    """fn(con, *args, **kwargs) for a read function outside warehouse.queries, cached the same way."""
    ver = version()
    if ver is None:
        raise NoWarehouse(str(warehouse_path()))
    key = (ver, f"{fn.__module__}.{fn.__qualname__}", args, tuple(sorted(kwargs.items())))

    def compute():
        with reader() as con:
            return fn(con, *args, **kwargs)
    return CACHE.get(key, compute)


def q_optional(name: str, *args, **kwargs):
    """Like q() for a function the query layer may not have yet: None when it has not."""
    if not has(name):
        return None
    return q(name, *args, **kwargs)


# -- warehouse facts ------------------------------------------------------------------------------

def _settings() -> dict:
    def compute():
        with reader() as con:
            jurisdiction = db.get_setting(con, "jurisdiction")
            return {"jurisdiction": jurisdiction, "as_of": queries.marts_as_of(con)}
    ver = version()
    if ver is None:
        raise NoWarehouse(str(warehouse_path()))
    return CACHE.get((ver, "_settings"), compute)


def jurisdiction() -> str | None:
    try:
        return _settings()["jurisdiction"]
    except NoWarehouse:
        return None


def marts_as_of() -> dict | None:
    return _settings()["as_of"]


def jurisdiction_name(code: str | None) -> str:
    if not code:
        return ""
    return region_name(code)


def _current_regions() -> pl.DataFrame:
    table = region_table()
    return table.filter(pl.col("valid_to").is_null())


def region_children(code: str | None) -> list[tuple[str, str]]:
    """The regions one level below `code` (provinces below the nation, cities below a province,
    districts below a city), as (code, name), in code order."""
    if not code:
        return []
    table = _current_regions()
    if code == NATIONAL:
        rows = table.filter(pl.col("level") == "province")
    elif code.endswith("0000"):
        rows = table.filter((pl.col("level") == "prefecture") & pl.col("region_code").str.starts_with(code[:2]))
        # Municipalities (北京, 上海 …) have 市辖区 (xx0100) as their only city: list districts instead.
        if rows.height == 1 or rows["region_name"].is_in(["市辖区", "县"]).all():
            rows = table.filter((pl.col("level") == "county") & pl.col("region_code").str.starts_with(code[:2]))
    elif code.endswith("00"):
        rows = table.filter((pl.col("level") == "county") & pl.col("region_code").str.starts_with(code[:4]))
    else:
        return []
    rows = rows.filter(pl.col("region_name") != "市辖区").sort("region_code")
    return list(zip(rows["region_code"].to_list(), rows["region_name"].to_list()))


def breakdown_level(params: dict) -> str | None:
    """The region level one below what the user is looking at (for "by region" breakdowns)."""
    code = params.get("region") or jurisdiction() or NATIONAL
    if code == NATIONAL:
        return "province"
    if code.endswith("0000"):
        return "city"
    if code.endswith("00"):
        return "county"
    return None


def region_label(code: str | None, name: str | None, level: str | None, lang: str = "zh") -> str:
    """A region's name in a breakdown; organs registered at the parent level itself get a 本级 row."""
    name = name or code or ""
    if not code:
        return name
    if level == "county" and code.endswith("00"):
        return name + ("（市本级）" if lang != "en" else " (city level)")
    if level == "city" and code.endswith("0000"):
        return name + ("（省本级）" if lang != "en" else " (province level)")
    return name


# -- composed page data ---------------------------------------------------------------------------

def organ_row(organ_code: str, today_: dt.date) -> dict | None:
    """The organ's line of the check schedule (name, region, tier and why, last and next check).

    A credit code carries the region of registration (characters 3–8): the organ is looked for
    there first, which keeps the read small on a national warehouse, then everywhere."""
    hint = organ_code[2:8] if organ_code and len(organ_code) == 18 else None
    scopes = []
    if hint and re.fullmatch(r"\d{6}", hint) and hint != "100000":
        scopes.append(queries.Filters(region=hint[:4], today=today_))
    scopes.append(queries.Filters(today=today_))
    for f in scopes:
        schedule = q("organ_schedule", f)
        row = schedule.filter(pl.col("organ_code") == organ_code)
        if row.height:
            return row.row(0, named=True)
    return None


def organ_tiers(region: str | None = None) -> pl.DataFrame:
    """organ_code, tier, region_name of every organ (in a region): a slim copy of the check schedule,
    kept in the cache apart from it (the schedule itself is large on a national warehouse)."""
    ver = version()
    if ver is None:
        raise NoWarehouse(str(warehouse_path()))
    f = queries.Filters(region=region, today=today())

    def compute():
        with reader() as con:
            return queries.organ_schedule(con, f).select("organ_code", "tier", "region_name")
    return CACHE.get((ver, "_organ_tiers", f), compute)


def organ_filters(row: dict, today_: dt.date) -> queries.Filters:
    region = row.get("region_code")
    return queries.Filters(region=region if region and re.fullmatch(r"\d{6}", region) else None, today=today_)


def vendor_row(vendor_code: str, today_: dt.date) -> dict | None:
    risk = q("vendor_risk", queries.Filters(vendor_code=vendor_code, today=today_))
    return risk.row(0, named=True) if risk.height else None


def incidents(f: queries.Filters, *, organ_code: str | None = None, vendor_code: str | None = None) -> pl.DataFrame:
    """Incident reports in the filters' scope (the period filters the day they occurred; all time
    when none), of one organ or vendor when given. Columns: see queries.incidents."""
    if vendor_code:
        f = replace(f, vendor_code=vendor_code)
    return q("incidents", f, organ_code=organ_code)


def projects(*, organ_code: str | None = None, vendor_code: str | None = None) -> pl.DataFrame:
    """Every project (current version) of an organ or a vendor, with names. Columns: see queries.projects."""
    return q("projects", queries.Filters(vendor_code=vendor_code, today=today()), organ_code=organ_code)
