"""Refresh the analytics marts (warehouse/sql/marts/NN_*.sql, in file order) after a load.

Called by the loader inside its transaction, right after the derivations (scores, flags):

    marts.refresh(con, load_id=load_id, today=settings.today)

Cost is kept proportional to what the load changed where the data is big, and to the number of
organs and vendors where it is not:
- inspection-grained marts (categories, item exceptions, inspections, repeat findings,
  rectifications) are rebuilt only for the inspections this load touched: those whose row, items or
  rectifications it wrote, and those of organs or projects it rewrote. Checklist items are read only
  for inspections whose items it wrote, and only from this load's batches (found through the
  batch_id zone maps) unless some of an inspection's items came earlier. An organ's or vendor's
  sequence that only grew at its end keeps its repeat findings and gets the pairs ending at its new
  inspections (06_repeat_findings.sql);
- entity-grained marts (facts, tiers, check events, schedule, vendor risk, submissions, loads) are
  recomputed from the compact marts, for every organ and vendor when "today" or the configuration
  changed since the last refresh (windows, decay and "overdue" move with the date), else only for
  the organs and vendors the load affected (sql/marts/01_scope.sql). Loads of the same day are
  therefore cheap; the first load of a new day (or a nightly `rebuild`) pays for the date change.
The inspection marts are rebuilt whole ("full") the first time, when asked, or when the load touched
most inspections. A load that wrote and rejected no row (every file already loaded, or every row the
same as before) on the day and configuration of the last refresh leaves the marts as they are
(mode "unchanged"): nothing they are computed from has changed.

Last come the cubes (marts/20–23): the answers of the overview's query functions (compliance trend,
grades, failing categories, rectification status, the headline numbers) kept per organ region,
organ tier and service type by running those functions' own SQL, so that a page adds up a few
hundred rows instead of scanning the detail marts. They are rebuilt whole when the entity marts are
recomputed for everyone, when a cube is missing, or when the organs in scope are many; otherwise
every column of every cube adds up over organs, and a cube gets the difference of what the organs in
scope contribute now and what they contributed before (marts/02_cube_baseline.sql, taken right after
the scope is known and before any mart changes; the headline numbers read projects and incidents
from their marts, marts/08_activity.sql, for that): a cost that follows those organs' rows, not the
warehouse. The category cube (about nine rows per inspection) follows the touched inspections
instead: their rows before and now, and the other rows of an organ whose tier changed, counted under
the tier before and the tier now (marts/21_category_cube.sql).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import duckdb
import polars as pl

from schemas.checklist import CHECKLIST_VERSION
from schemas.enums import SERVICE_TYPE
from schemas.kinds import KINDS
from schemas.rules import FLAGS
from schemas.values_en import VALUE_EN
from warehouse import analytics_config, db, sqlfiles
from warehouse.analytics_config import AnalyticsConfig
from warehouse.periods import add_months, quarter_end, quarter_start

FOLDER = "marts"
# Marts kept incrementally (by inspection): emptied before a full refresh.
INSPECTION_MARTS = ("mart_item_exceptions", "mart_inspection_categories", "mart_inspections", "mart_repeat_findings",
                    "mart_rectifications")
# A load writing the items of more than this share of all inspections (and of at least FULL_MIN
# inspections) rebuilds the inspection marts whole: one pass over everything beats many lookups.
FULL_SHARE = 0.2
FULL_MIN = 10_000
# Tables the mart files create when missing (not in the migrations: plain tables, for DuckLake too).
CUBES = ("mart_compliance_cube", "mart_category_cube", "mart_rectification_cube", "mart_kpi_cube",
         "mart_kpi_periods")
SCOPE_FILE = "01_scope.sql"
# The kinds whose rows the compliance flags are derived from (warehouse/sql/derive/flags.sql), but
# inspections: an inspection's flag stays with its organ and vendor, which the refresh touches anyway.
FLAG_SOURCES = ("projects", "vendors", "qualifications", "incidents")
# Cubes kept by difference: each one's file, and its key columns (every other column adds up), the
# period first (the region for the rectification cube, which has none): a cube is stored in key
# order, so that a change's periods skip the others' row groups.
DIFFERENCE_CUBES = {"20_compliance_cube.sql": ("mart_compliance_cube",
                                               ("period_start", "all_services", "region_code", "tier", "service_type")),
                    "21_category_cube.sql": ("mart_category_cube",
                                             ("period_start", "region_code", "tier", "service_type", "category_code")),
                    "22_rectification_cube.sql": ("mart_rectification_cube",
                                                  ("region_code", "tier", "service_type", "close_days", "overdue_since")),
                    "23_kpi_cube.sql": ("mart_kpi_cube",
                                        ("period_start", "as_of", "region_code", "tier", "service_type", "measure"))}
# Keys that may be NULL (no region, no tier, every service type): matched with IS NOT DISTINCT FROM;
# the others with =, which lets a join's key range reach the scan of the cube.
NULLABLE_KEYS = {"region_code", "tier", "service_type", "close_days", "overdue_since"}
# A sum over no values is NULL in the queries' answers (the mean score of a cell without a score):
# after adding up differences, such a column is NULL again where its count is 0.
NULL_WHEN_NONE = {"score_sum": "scored", "close_days_sum": "close_days_n"}
# When the organs in scope are more than this share of all organs (of a warehouse with at least
# CUBE_FULL_MIN of them), the cubes are rebuilt whole: filtering most rows costs more than reading
# them all.
CUBE_FULL_SHARE = 0.25
CUBE_FULL_MIN = 20


@dataclass
class RefreshStats:
    load_id: int
    today: dt.date
    mode: str
    touched_inspections: int
    scope_organs: int
    scope_vendors: int
    seconds: float
    steps: dict[str, float]
    # each statement of the mart files run, `file#i` → seconds (the cube merges are in `steps` only)
    statements: dict[str, float] = field(default_factory=dict)


def refresh(con: duckdb.DuckDBPyConnection, *, load_id: int, today: dt.date,
            config: AnalyticsConfig | None = None, full: bool | None = None,
            after_load: bool = True) -> RefreshStats:
    """(Re)build the marts inside the caller's transaction (no BEGIN/COMMIT here).

    full=None decides: inspection marts are rebuilt whole the first time or when the load touched
    most inspections; entity marts are recomputed for every organ and vendor when `today` or the
    configuration differs from the last refresh, else only for those the load affected.

    after_load=False: no load has written rows since the last refresh (advance, rebuild), so none
    are looked for. The refresh of a load takes its rows for new, which they are only then: the
    inspections a load wrote first are in no mart yet (00_inspection_dims.sql)."""
    started = time.perf_counter()
    cfg = config or analytics_config.active()
    _drop_temp(con)
    _register_config(con, cfg)
    lo, hi = con.execute("SELECT min(batch_id), max(batch_id) FROM load_batches WHERE load_id = $id",
                         {"id": load_id}).fetchall()[0] if after_load else (None, None)
    span = {"lo": lo if lo is not None else -1, "hi": hi if hi is not None else -1}
    _items_written(con, span)
    last = con.execute("SELECT today, config_hash FROM mart_refresh_log "
                       "ORDER BY refreshed_at DESC, load_id DESC LIMIT 1").fetchall()
    if full is None:
        full = not last or _needs_full(con)
    entity_full = full or not last or last[0][0] != today or last[0][1] != cfg.fingerprint
    if not entity_full and not _wrote_rows(con, lo, hi) and not _missing(con, CUBES):
        _drop_temp(con)
        return _log(con, load_id, today, "unchanged", 0, 0, 0, cfg, started, {})
    if full:
        for table in INSPECTION_MARTS:
            con.execute(f"DELETE FROM {table}")
    _touched(con, full, span)
    touched = con.execute("SELECT count(*) FROM _touched").fetchall()[0][0]
    cubes_missing = _missing(con, CUBES)
    starts, asofs = kpi_periods(today, cfg)
    params = {**cfg.mart_params(), **span, "today": today, "load_id": load_id, "full": full,
              "entity_full": entity_full, "checklist_version": CHECKLIST_VERSION,
              "checklist_size": _checklist_size(con),
              "kpi_starts": starts, "kpi_asofs": asofs, "kpi_services": [None, *SERVICE_TYPE.values],
              "by_difference": False,
              "flags_may_move": entity_full or _wrote_rows(con, lo, hi, FLAG_SOURCES)}
    steps = {"prepare": time.perf_counter() - started}
    timings: dict[str, float] = {}
    # Rows written in the caller's transaction carry no statistics yet: the planner would estimate
    # them as empty and run ASOF joins as nested loops (minutes instead of seconds). Never do that.
    threshold = con.execute("SELECT current_setting('asof_loop_join_threshold')").fetchall()[0][0]
    con.execute("SET asof_loop_join_threshold = 0")
    con.execute("CREATE OR REPLACE TEMP TABLE _cube_organs (organ_code VARCHAR, organ_key UBIGINT, known BOOLEAN)")
    try:
        for name in sqlfiles.names(FOLDER):
            t = time.perf_counter()
            sqlfiles.run_file(con, FOLDER, name, params, timings)
            if name == SCOPE_FILE and not (entity_full or cubes_missing):
                params["by_difference"] = _cube_organs(con)
            if name in DIFFERENCE_CUBES:
                table, keys = DIFFERENCE_CUBES[name]
                _apply_cube(con, table, keys, by_difference=params["by_difference"])
            steps[name] = time.perf_counter() - t
    finally:
        con.execute(f"SET asof_loop_join_threshold = {int(threshold)}")
    organs, vendors = con.execute("SELECT (SELECT count(*) FROM _scope_organs), "
                                  "(SELECT count(*) FROM _scope_vendors)").fetchall()[0]
    stats = _log(con, load_id, today, "full" if full else "incremental", touched, organs, vendors, cfg, started,
                 steps)
    stats.statements = timings
    _drop_temp(con)
    return stats


def _log(con: duckdb.DuckDBPyConnection, load_id: int, today: dt.date, mode: str, touched: int, organs: int,
         vendors: int, cfg: AnalyticsConfig, started: float, steps: dict[str, float]) -> RefreshStats:
    seconds = time.perf_counter() - started
    con.execute("INSERT INTO mart_refresh_log VALUES ($load_id, $today, $mode, $touched, $organs, $vendors, "
                "$config, $seconds, now())",
                {"load_id": load_id, "today": today, "mode": mode, "touched": touched, "organs": organs,
                 "vendors": vendors, "config": cfg.fingerprint, "seconds": seconds})
    return RefreshStats(load_id, today, mode, touched, organs, vendors, seconds, steps)


def _wrote_rows(con: duckdb.DuckDBPyConnection, lo: int | None, hi: int | None,
                kinds: tuple[str, ...] | None = None) -> bool:
    """Whether the load's batches (lo … hi) wrote or replaced a row of any kind, or rejected a row
    (submission completeness counts those); given `kinds`, whether they wrote or replaced a row of
    one of those."""
    if lo is None:
        return False
    names = [kind.name for kind in KINDS if kinds is None or kind.name in kinds]
    probes = [f"SELECT 1 FROM {name} WHERE batch_id BETWEEN $lo AND $hi" for name in names]
    probes += [f"SELECT 1 FROM {name}_history WHERE replaced_by_batch BETWEEN $lo AND $hi" for name in names]
    if kinds is None:
        probes.append("SELECT 1 FROM row_issues WHERE batch_id BETWEEN $lo AND $hi AND severity = 'error' "
                      "AND source_row IS NOT NULL")
    return bool(con.execute(f"SELECT EXISTS ({' UNION ALL '.join(probes)})", {"lo": lo, "hi": hi}).fetchall()[0][0])


def rebuild(con: duckdb.DuckDBPyConnection, *, today: dt.date, config: AnalyticsConfig | None = None) -> RefreshStats:
    """Rebuild every mart from the current rows (e.g. after the configuration changed), as of `today`,
    attributed to the latest load."""
    load_id = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchall()[0][0]
    return refresh(con, load_id=load_id, today=today, config=config, full=True, after_load=False)


def advance(con: duckdb.DuckDBPyConnection, *, today: dt.date, config: AnalyticsConfig | None = None) -> RefreshStats:
    """Bring the date-dependent marts (tiers, schedule, vendor risk, submissions) to a new `today`
    without a load — e.g. a nightly job, so that the day's loads stay incremental. The inspection
    marts are kept: no row is taken for new (on the day and configuration of the last refresh,
    nothing is recomputed)."""
    load_id = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchall()[0][0]
    return refresh(con, load_id=load_id, today=today, config=config, full=False, after_load=False)


def kpi_periods(today: dt.date, config: AnalyticsConfig | None = None) -> tuple[list[dt.date], list[dt.date]]:
    """The periods mart_kpi_cube keeps as of `today`: the last trend_quarters + 1 quarters and
    trend_years + 1 years up to today's (the periods the page filters offer, and the one before
    each), as (starts, as-of days): a period's as-of day is its end, or today when that is earlier."""
    windows = (config or analytics_config.active())["windows"]
    pairs = set()
    first = quarter_start(today)
    for i in range(int(windows["trend_quarters"]) + 1):
        start = add_months(first, -3 * i)
        pairs.add((start, min(quarter_end(start), today)))
    for year in range(today.year - int(windows["trend_years"]), today.year + 1):
        pairs.add((dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)))
    ordered = sorted(pairs)
    return [s for s, _ in ordered], [a for _, a in ordered]


def _cube_organs(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the cubes are kept by difference: then _cube_organs lists the organs whose
    contributions they replace, `known` those the last refresh knew (mart_organ_schedule has every
    organ then registered; an organ registered since contributed nothing, as every row of the marts
    refers to a registered organ: marts/02_cube_baseline.sql need not look for it). Else (the organs
    in scope are many) the cubes are rebuilt whole. A temporary table, not a list parameter: a list
    of thousands of keys costs a tenth of a second to bind, in every statement that names it."""
    scope, total = con.execute("SELECT (SELECT count(*) FROM _scope_organs), (SELECT count(*) FROM organs)"
                               ).fetchall()[0]
    if total >= CUBE_FULL_MIN and scope > CUBE_FULL_SHARE * total:
        return False
    # known: the schedule's rows of these organs, found by key (not a hash table of every organ's)
    con.execute("INSERT INTO _cube_organs WITH scope AS (SELECT organ_code, organ_key FROM _scope_organs) SELECT s.organ_code, s.organ_key, k.organ_key IS NOT NULL FROM scope s "
                "LEFT JOIN (SELECT organ_key FROM mart_organ_schedule WHERE organ_key IN (SELECT organ_key FROM scope)) k "
                "USING (organ_key)")
    return True


def _apply_cube(con: duckdb.DuckDBPyConnection, table: str, keys: tuple[str, ...], *, by_difference: bool) -> None:
    """Bring `table` up to date from the rows its file computed (_<cube>_now): replace it whole, or
    add now − before (_<cube>_before) to the cells that change, dropping the cells left at 0 in every
    column. A cube kept this way has no such cell: the compliance, category and rectification cubes
    count at least one inspection, item or rectification in each, and the headline cube leaves
    counts of 0 out."""
    stem = table.removeprefix("mart_")
    now, before = f"_{stem}_now", f"_{stem}_before"
    if not by_difference:
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {now} ORDER BY {', '.join(keys)}")
        return
    columns = [r[0] for r in con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall()]
    measures = [c for c in columns if c not in keys]
    key_list = ", ".join(keys)

    def signed(source: str, sign: str) -> str:
        return f"SELECT {key_list}, {', '.join(f'{sign}{m} AS {m}' for m in measures)} FROM {source}"

    def kept(value) -> list[str]:
        """Each measure's value as stored, from `value(measure)`: NULL again where its count is 0."""
        return [f"CASE WHEN {value(NULL_WHEN_NONE[m])} = 0 THEN NULL ELSE {value(m)} END" if m in NULL_WHEN_NONE
                else value(m) for m in measures]

    def total(m: str) -> str:
        # the cell as it is plus the change, NULL where both are (as sum() over the two gives)
        return f"CASE WHEN c.{m} IS NULL AND d.{m} IS NULL THEN NULL ELSE coalesce(c.{m}, 0) + coalesce(d.{m}, 0) END"

    sums = ", ".join(f"sum({m}) AS {m}" for m in measures)
    changed = " OR ".join(f"coalesce({m}, 0) <> 0" for m in measures)
    change = (f"SELECT * FROM (SELECT {key_list}, {sums} FROM ({signed(now, '')} UNION ALL {signed(before, '-')}) "
              f"GROUP BY ALL) WHERE {changed}")
    same_cell = " AND ".join(f"c.{k} {'IS NOT DISTINCT FROM' if k in NULLABLE_KEYS else '='} d.{k}" for k in keys)
    if db.is_lake(con):
        # DuckLake's MERGE takes a single UPDATE or DELETE action: the cells that change are set aside
        # as they are to be, deleted, and inserted again. Joins, not EXISTS: the cells are unique, and a
        # join's build side filters the scan of the cube (stored in key order).
        con.execute(f"CREATE OR REPLACE TEMP TABLE _cube_cells AS WITH change AS ({change}) "
                    f"SELECT {key_list}, {sums} FROM ("
                    f"SELECT {', '.join(f'c.{k}' for k in keys)}, {', '.join(f'c.{m}' for m in measures)} "
                    f"FROM {table} c JOIN change d ON {same_cell} UNION ALL SELECT * FROM change) GROUP BY ALL")
        con.execute(f"DELETE FROM {table} c USING _cube_cells d WHERE {same_cell}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT {key_list}, "
                    f"{', '.join(f'{v} AS {m}' for m, v in zip(measures, kept(str)))} FROM _cube_cells "
                    f"WHERE {changed} ORDER BY {key_list}")
        return
    # One MERGE on a file: a changed cell is updated in place (the cube stays in key order, which its
    # readers' zone maps rely on), emptied, or added. Against the three statements above it took 38
    # against 63 ms for the four cubes of a one-inspection load (the load's closing checkpoint, which
    # rewrites updated segments, takes about 15 ms of that back), and 70 against 134 ms after the
    # 2,000-organ bulk load (docs/benchmarks.md).
    # The conditional DELETE comes before the UPDATE that takes every other match: DuckDB once
    # reordered MATCHED clauses that followed a catch-all one (duckdb/duckdb#22624).
    emptied = " AND ".join(f"coalesce({total(m)}, 0) = 0" for m in measures)
    con.execute(f"MERGE INTO {table} c USING ({change}) d ON {same_cell} "
                f"WHEN MATCHED AND {emptied} THEN DELETE "
                f"WHEN MATCHED THEN UPDATE SET {', '.join(f'{m} = {v}' for m, v in zip(measures, kept(total)))} "
                f"WHEN NOT MATCHED THEN INSERT ({', '.join([*keys, *measures])}) "
                f"VALUES ({', '.join([*(f'd.{k}' for k in keys), *kept(lambda m: f'd.{m}')])})")


def _missing(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> bool:
    found = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                                       "AND NOT temporary").fetchall()}
    return any(t not in found for t in tables)


def _items_written(con: duckdb.DuckDBPyConnection, span: dict[str, int]) -> None:
    """_touched_items: the inspections whose items the load (batches lo … hi) wrote, with how many of
    each (one pass over its batches; a full refresh replaces it with every inspection)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _touched_items AS SELECT inspection_code, count(*) AS n "
                "FROM inspection_items WHERE batch_id BETWEEN $lo AND $hi GROUP BY inspection_code", span)


def _needs_full(con: duckdb.DuckDBPyConnection) -> bool:
    total, written = con.execute("SELECT (SELECT count(*) FROM inspections), (SELECT count(*) FROM _touched_items)"
                                 ).fetchall()[0]
    return written > max(FULL_SHARE * total, FULL_MIN)


def _touched(con: duckdb.DuckDBPyConnection, full: bool, span: dict[str, int]) -> None:
    """_touched (inspections whose mart rows are rebuilt), _touched_items (whose items are
    re-aggregated: those the load wrote, from _items_written, or every one), _items (their items
    other than 符合: what the item marts read again), _partial_items, and the empty
    _touched_organs/_touched_vendors."""
    con.execute("CREATE OR REPLACE TEMP TABLE _touched_organs (organ_code VARCHAR, organ_key UBIGINT)")
    con.execute("CREATE OR REPLACE TEMP TABLE _touched_vendors (vendor_code VARCHAR, vendor_key UBIGINT)")
    if full:
        con.execute("CREATE OR REPLACE TEMP TABLE _touched AS SELECT DISTINCT inspection_code FROM inspections")
        con.execute("CREATE OR REPLACE TEMP TABLE _touched_items AS SELECT inspection_code FROM _touched")
        con.execute("CREATE OR REPLACE TEMP VIEW _items AS "
                    "SELECT inspection_code, item_code, result, finding FROM inspection_items")
        _partial_items(con, "true")
        return
    # Inspections some of whose items came in earlier loads: fetch those too (a full scan, rare).
    con.execute("CREATE OR REPLACE TEMP TABLE _items_earlier AS SELECT t.inspection_code FROM _touched_items t "
                "JOIN inspections i USING (inspection_code) WHERE i.items_count <> t.n")
    earlier = con.execute("SELECT count(*) FROM _items_earlier").fetchall()[0][0]
    # _items: only the results other than 符合 are read again (the exceptions); a batch's 符合 rows,
    # most of its items, are not copied
    con.execute("CREATE OR REPLACE TEMP TABLE _items AS SELECT inspection_code, item_code, result "
                "FROM inspection_items WHERE batch_id BETWEEN $lo AND $hi AND result <> '符合'", span)
    if earlier:
        con.execute("INSERT INTO _items SELECT inspection_code, item_code, result FROM inspection_items "
                    "WHERE inspection_code IN (SELECT inspection_code FROM _items_earlier) "
                    "AND NOT (batch_id BETWEEN $lo AND $hi) AND result <> '符合'", span)
    _partial_items(con, "batch_id BETWEEN $lo AND $hi"
                   + (" OR inspection_code IN (SELECT inspection_code FROM _items_earlier)" if earlier else ""), span)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _touched AS
        SELECT inspection_code FROM _touched_items
        UNION SELECT inspection_code FROM inspections WHERE batch_id BETWEEN $lo AND $hi
        UNION SELECT inspection_code FROM rectifications WHERE batch_id BETWEEN $lo AND $hi
        UNION SELECT i.inspection_code FROM inspections i
              JOIN (SELECT organ_code FROM organs WHERE batch_id BETWEEN $lo AND $hi) o USING (organ_code)
        UNION SELECT i.inspection_code FROM inspections i
              JOIN (SELECT organ_code, project_code FROM projects WHERE batch_id BETWEEN $lo AND $hi) p
                ON p.organ_code = i.organ_code AND p.project_code = i.project_code
    """, span)


def _partial_items(con: duckdb.DuckDBPyConnection, where: str, params: dict | None = None) -> None:
    """_partial_items: the items of touched inspections that did not record the whole checklist (their
    categories cannot be derived from exceptions alone), among the items `where` selects. Read only
    when there are such inspections."""
    con.execute("CREATE OR REPLACE TEMP TABLE _partial_items (inspection_code VARCHAR, item_code VARCHAR, "
                "result VARCHAR)")
    size = _checklist_size(con)
    partial = ("SELECT inspection_code FROM inspections WHERE items_count BETWEEN 1 AND $n - 1 "
               "AND inspection_code IN (SELECT inspection_code FROM _touched_items)")
    if con.execute(f"SELECT count(*) FROM ({partial})", {"n": size}).fetchall()[0][0]:
        con.execute(f"INSERT INTO _partial_items SELECT inspection_code, item_code, result FROM inspection_items "
                    f"WHERE ({where}) AND inspection_code IN ({partial})", {"n": size, **(params or {})})


def _checklist_size(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM checklist_items WHERE checklist_version = $v",
                       {"v": CHECKLIST_VERSION}).fetchall()[0][0]


def _register_config(con: duckdb.DuckDBPyConnection, cfg: AnalyticsConfig) -> None:
    # cfg_labels: the flags' labels (schemas/rules.py FLAGS) and, of kind 'value', the contract's
    # values in English (schemas/values_en.py), which the English texts of the evidence name
    labels = pl.DataFrame({"kind": ["flag"] * len(FLAGS) + ["value"] * len(VALUE_EN),
                           "key": [*FLAGS, *VALUE_EN],
                           "label_zh": [zh for zh, _en in FLAGS.values()] + list(VALUE_EN),
                           "label_en": [en for _zh, en in FLAGS.values()] + list(VALUE_EN.values())})
    for name, frame in (("cfg_tier_conditions", cfg.tier_conditions()), ("cfg_intervals", cfg.intervals()),
                        ("cfg_points", cfg.points()), ("cfg_labels", labels)):
        _temp_table_of(con, name, frame)


# Written as SQL literals, the configuration's few dozen rows make four short statements; handing
# DuckDB each polars frame to scan cost 5 ms a table, in every refresh.
_DUCK_TYPES = {pl.String: "VARCHAR", pl.Int32: "INTEGER", pl.Int64: "BIGINT", pl.Float64: "DOUBLE",
               pl.Boolean: "BOOLEAN", pl.Date: "DATE"}


def _duck_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List):
        return _duck_type(dtype.inner) + "[]"
    return _DUCK_TYPES[dtype.base_type()]


def _temp_table_of(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """The temporary table `name` holding `frame`'s rows, with its columns' types."""
    columns = ", ".join(f'"{c}" {_duck_type(t)}' for c, t in frame.schema.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
    if frame.height:
        rows = ", ".join("(" + ", ".join(sqlfiles.literal(v) for v in row) + ")" for row in frame.iter_rows())
        con.execute(f"INSERT INTO {name} VALUES {rows}")


# The refresh's temporary tables and views: those the mart files and this module name with a leading
# underscore, and the configuration tables (_register_config). A new one needs no listing here.
TEMP_PREFIXES = ("_", "cfg_")


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    found = con.execute("SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal "
                        "UNION ALL SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary").fetchall()
    for name, kind in found:
        if name.startswith(TEMP_PREFIXES):
            con.execute(f"DROP {kind} {name}")
