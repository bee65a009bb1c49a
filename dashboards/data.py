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
import contextvars
import datetime as dt
import logging
import os
import re
import stat
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator

import polars as pl

from schemas.identifiers import NATIONAL, OWN_LEVEL, region_name, region_prefix, region_table
from warehouse import db, queries

log = logging.getLogger("dashboards")

DEFAULT_WAREHOUSE = "data/oversight.duckdb"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# What the files of one upload may unpack to: a workbook is a zip, and a 1.6 MB one can hold 400 MB
# of sheet XML that the reader turns into nearly 1 GB of memory.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024

# Query functions the pages would use if warehouse.queries had them (requested from the query layer).
# None outstanding: vendor_profile, vendor_qualifications, inspections, load_history and rejected_rows
# are now in warehouse.queries (docs/analytics.md); the pages' fallbacks stay for older query layers.
NEEDED: dict[str, str] = {}


class NoWarehouse(Exception):
    """There is no warehouse file yet."""


class NotSignedIn(PermissionError):
    """A read was asked for with no signed-in user (the gate in dashboards/auth.py lets no request
    through without one; code outside a request must say who it acts for with `acting_as`)."""


# -- who is asking ----------------------------------------------------------------------------------

_ACTING: contextvars.ContextVar = contextvars.ContextVar("oversight_user", default=None)


def user_or_none():
    """The signed-in user of this request (set by dashboards/auth.py), or the one of `acting_as`."""
    from flask import g, has_request_context
    if has_request_context() and g.get("user") is not None:
        return g.user
    return _ACTING.get()


def user():
    found = user_or_none()
    if found is None:
        raise NotSignedIn("no signed-in user")
    return found


@contextlib.contextmanager
def acting_as(account) -> Iterator[None]:
    """Read as `account` outside a request (background jobs, tests)."""
    token = _ACTING.set(account)
    try:
        yield
    finally:
        _ACTING.reset(token)


def can(permission) -> bool:
    found = user_or_none()
    return bool(found is not None and found.can(permission))


def require(permission, *, whole_jurisdiction: bool = False) -> None:
    """Raise PermissionDenied (Chinese and English; audited) unless the signed-in user has `permission`
    — and, for jurisdiction-wide acts (loading data, drawing the inspection plan), a scope that
    takes in the whole jurisdiction. Callbacks call this themselves: hiding a button is not a check."""
    from schemas.roles import PERMISSION_EN, PERMISSION_ZH, PermissionDenied, not_permitted
    who = user()
    reason = None
    if not who.can(permission):
        reason = not_permitted(who.role, permission)
    elif whole_jurisdiction and not covers_jurisdiction():
        scope = region_name(who.region_scope)
        reason = (f"{PERMISSION_ZH[permission]}须由权限范围覆盖全辖区的账户进行（您的权限范围为{scope}）",
                  f"Only an account whose scope covers the whole jurisdiction may {PERMISSION_EN[permission]} "
                  f"(your scope: {scope})")
    if reason is None:
        return
    from flask import has_request_context, request

    from warehouse import access
    try:
        access.audit(warehouse_path(), "permission_denied", user=who, target=str(permission.value),
                     detail=attempted(), remote_addr=request.remote_addr if has_request_context() else None, wait=5.0)
    except Exception:  # noqa: BLE001 — the refusal stands even if it cannot be recorded
        log.exception("could not record a refused %s by %s", permission, who.username)
    raise PermissionDenied(reason[0], en=reason[1])


def attempted() -> dict | None:
    """What a refused request asked for, for the audit log: the callback's outputs and what set it
    off (every callback posts to the same address), or the path."""
    from flask import has_request_context, request
    if not has_request_context():
        return None
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict) or not body.get("output"):
        return {"request": request.path}
    return {"request": str(body["output"])[:200], "trigger": str(body.get("changedPropIds") or "")[:200]}


def audit(action: str, *, target: str | None = None, detail: dict | None = None) -> None:
    """Record what the signed-in user did (an export, a load, a plan draw) in the audit log."""
    from flask import has_request_context, request

    from warehouse import access
    access.audit(warehouse_path(), action, user=user(), target=target, detail=detail,
                 remote_addr=request.remote_addr if has_request_context() else None)


def scope_prefix() -> str:
    """The region-code prefix of what the user may see ('' = everything)."""
    return region_prefix(user().region_scope)


def in_scope(frame: pl.DataFrame, column: str = "region_code") -> pl.DataFrame:
    """The rows of `frame` whose region is in the user's scope (for frames read outside the query
    layer, such as a plan's visits), with the codes their reasons cite of organs outside it masked
    (an incident of the same vendor at another organ), as the query layer masks an organ's schedule."""
    prefix = scope_prefix()
    if not prefix:
        return frame
    frame = frame.filter(pl.col(column).fill_null("").str.starts_with(prefix))
    with reader() as con:
        return queries.mask_out_of_region(con, frame, prefix, vendors=[], columns=queries.ORGAN_REASON_COLUMNS)


def region_outside_scope(region: str | None) -> bool:
    """Whether a region asked for by the filters lies wholly outside the user's scope (the queries then
    answer nothing: a region outside the scope never widens it)."""
    if not region or user_or_none() is None:
        return False
    narrowed = queries.Filters(region=region).within(user().region_scope)   # the query layer's own rule
    return narrowed.effective_region == queries.NOWHERE


def covers_jurisdiction() -> bool:
    """Whether the user's scope takes in the whole jurisdiction (needed for jurisdiction-wide acts:
    drawing the inspection plan, its workbooks)."""
    code, prefix = jurisdiction(), scope_prefix()
    return not prefix or bool(code and code != NATIONAL and region_prefix(code).startswith(prefix))


# -- settings -------------------------------------------------------------------------------------

def warehouse_path() -> db.Location:
    return db.location(os.environ.get("OVERSIGHT_WAREHOUSE") or DEFAULT_WAREHOUSE)


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
        return private_dir(Path(root))
    import tempfile
    return private_dir(Path(tempfile.gettempdir()) / "oversight-uploads")


def private_dir(path: Path) -> Path:
    """`path` as a folder only the server's own user may enter (0700), made if missing. Uploads and
    exports hold the warehouse's data and default to the shared temporary folder, where another
    user could have made the folder first (to read the files, or to swap in links): refused."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise RuntimeError(f"{path} 不是本服务账户所有的目录，不能在其中存放上传或导出的文件")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def version() -> tuple | None:
    """The identity of the warehouse file now: a load swaps in a new file (new inode and mtime)."""
    return db.version(warehouse_path())


@contextlib.contextmanager
def reader() -> Iterator[Any]:
    """A read-only connection to the warehouse. Within a web request, one connection serves all the
    request's reads (opening DuckDB costs 20–30 ms, more than most queries): it is opened at the
    first read, kept while the warehouse version stays the same (a load, or this request's own
    write, makes a new one: the next read opens that) and closed when the request ends."""
    path = warehouse_path()
    if not db.exists(path):
        raise NoWarehouse(str(path))
    from flask import g, has_request_context
    if not has_request_context():
        con = queries.connect(path, read_only=True)
        try:
            yield con
        finally:
            con.close()
        return
    key = (str(path), version())
    held = g.get("_reader")
    if held is None or held[0] != key:
        close_request_reader()
        g._reader = held = (key, queries.connect(path, read_only=True))
    yield held[1]


def close_request_reader(_error: BaseException | None = None) -> None:
    """Closes the request's connection: when the request ends (the Flask app's teardown_request),
    and when the request itself writes in place (an audit entry, an account change), which DuckDB
    refuses while this process holds the file read-only."""
    from flask import g, has_request_context
    if has_request_context() and g.get("_reader") is not None:
        g._reader[1].close()
        g._reader = None


db.on_reader_conflict(close_request_reader)


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


def _loaded_version() -> tuple:
    """The warehouse version, or NoWarehouse when there is no file or nothing was ever loaded into
    it (a warehouse holding only accounts): the pages then say what to do instead of showing zeros."""
    ver = version()
    if ver is None or marts_as_of() is None:
        raise NoWarehouse(str(warehouse_path()))
    return ver


def has(name: str) -> bool:
    return callable(getattr(queries, name, None))


def q(name: str, *args, **kwargs):
    """queries.<name>(con, *args, **kwargs) as the signed-in user may see it (queries.for_user:
    the user's region scope is ANDed into every filter), cached for the current warehouse file."""
    ver = _loaded_version()
    who = user()
    key = (ver, who.role, who.region_scope, name, args, tuple(sorted(kwargs.items())))

    def compute():
        with reader() as con:
            return getattr(queries.for_user(who), name)(con, *args, **kwargs)
    return CACHE.get(key, compute)


def q_fn(fn: Callable, *args, **kwargs):
    """fn(con, *args, **kwargs) for a read function outside warehouse.queries, cached the same way.
    Such a function knows no scope: the caller narrows what it returns (`in_scope`)."""
    ver = _loaded_version()
    who = user()
    key = (ver, who.role, who.region_scope, f"{fn.__module__}.{fn.__qualname__}", args, tuple(sorted(kwargs.items())))

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

# The jurisdiction and the marts' as-of, per warehouse version: every request asks for them, so they
# are kept even when the query cache is switched off (a load makes a new version).
_SETTINGS: dict[tuple, dict] = {}
_SETTINGS_LOCK = threading.Lock()


def _settings() -> dict:
    ver = version()
    if ver is None:
        raise NoWarehouse(str(warehouse_path()))
    ver = (str(warehouse_path()), *ver)
    with _SETTINGS_LOCK:
        if ver in _SETTINGS:
            return _SETTINGS[ver]
    with reader() as con:
        found = {"jurisdiction": db.get_setting(con, "jurisdiction"), "as_of": queries.marts_as_of(con)}
    with _SETTINGS_LOCK:
        _SETTINGS.clear()       # only the current version is ever asked for again
        _SETTINGS[ver] = found
    return found


def jurisdiction() -> str | None:
    try:
        return _settings()["jurisdiction"]
    except NoWarehouse:
        return None


def marts_as_of() -> dict | None:
    return _settings()["as_of"]


def root_region() -> str | None:
    """The region at the top of the user's view: the jurisdiction, or the user's scope when that is
    narrower (a city inspector's region choices start at the city)."""
    code = jurisdiction()
    found = user_or_none()
    if found is None or found.region_scope == NATIONAL:
        return code
    if not code or code == NATIONAL or found.region_scope.startswith(region_prefix(code)):
        return found.region_scope
    return code


def has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall()[0][0])


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
    code = params.get("region") or root_region() or NATIONAL
    if code.endswith(OWN_LEVEL):    # a province's or city's own organs: nothing below them
        return None
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
