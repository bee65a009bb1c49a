"""The auditor snapshot: the rows behind a year's figures, as Parquet, with a manifest.

    manifest = write_snapshot(con, 2025, scope, "快照/2025")
    figures_from_snapshot("快照/2025") == manifest["figures"]   # recomputed from the Parquet alone

Layout of the folder:

    manifest.json                 year, region, today, data as of, the rules used, every file with its
                                  rows and SHA-256, and the key figures of the workbook's summary sheet
    facts/*.parquet               the submitted rows as loaded (current versions), for the region:
                                  inspections of the year and the year before, their checklist items,
                                  the rectifications behind the figures, evaluations of the two years,
                                  incidents of the two years or open at either year end
    registries/*.parquet          the organs of the region, and the projects, vendors, qualifications
                                  and checklist items the facts refer to
    derived/*.parquet             row-level results the warehouse derives by rules (tiers and check
                                  schedules, supersession of rectifications, expected evaluations,
                                  vendor scores): the query layer's rows for the region, plus the
                                  check events (mart_check_events) that no query function lists

`figures_from_snapshot` opens an in-memory DuckDB over the Parquet files and recomputes every key
figure with its own SQL: the inspection figures and incident counts from the facts, the stocks and
rates that need a rule (overdue checks, rectification status, evaluations expected, coverage,
vendor tiers) from the derived rows. It checks every file's hash first. Equal figures prove that
the workbook's numbers follow from exactly these rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from schemas.checklist import CHECKLIST_VERSION
from warehouse import analytics_config, queries, sqlfiles
from warehouse.queries import Filters

from etl.export import annual, check_targets
from etl.export.annual import AnnualData, Progress

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class SnapshotError(ValueError):
    """A snapshot folder is incomplete or was changed after it was written."""


def _bounds(year: int, today: dt.date) -> dict[str, dt.date]:
    """The two periods and their 'year end' as-of days (the year's end, or today when earlier)."""
    prev_start, start, end = dt.date(year - 1, 1, 1), dt.date(year, 1, 1), dt.date(year, 12, 31)
    return {"prev_start": prev_start, "start": start, "end": end,
            "asof": min(end, today), "prev_asof": min(dt.date(year - 1, 12, 31), today), "today": today}


# Each base-table file: (folder/name, description, SQL with $region, $prev_start, $end, $asof, $prev_asof).
_SCOPED_ORGANS = "SELECT organ_code FROM organs WHERE $region IS NULL OR starts_with(region_code, $region)"
_YEAR_INSPECTIONS = (f"SELECT inspection_code FROM inspections WHERE inspected_on BETWEEN $prev_start AND $end "
                     f"AND organ_code IN ({_SCOPED_ORGANS})")

FACT_QUERIES: list[tuple[str, str, str]] = [
    ("facts/inspections", "本年与上年的检查（按检查日期），范围内机关",
     f"SELECT * FROM inspections WHERE inspection_code IN ({_YEAR_INSPECTIONS}) ORDER BY inspection_code"),
    ("facts/inspection_items", "上述检查的检查项结果",
     f"SELECT * FROM inspection_items WHERE inspection_code IN ({_YEAR_INSPECTIONS}) "
     "ORDER BY inspection_code, item_code"),
    ("facts/rectifications", "derived/rectifications 中各整改项的报送行",
     "SELECT r.* FROM rectifications r JOIN _snap_rect s USING (inspection_code, item_code) "
     "ORDER BY r.inspection_code, r.item_code"),
    ("facts/evaluations", "本年与上年的服务评价（按评价期间），范围内机关",
     f"SELECT * FROM evaluations WHERE left(period, 4) IN ($prev_year, $year) AND organ_code IN ({_SCOPED_ORGANS}) "
     "ORDER BY period, organ_code, vendor_code, project_code"),
    ("facts/incidents", "本年与上年发生的事件，及任一年末未结案的事件，范围内机关",
     f"""SELECT * FROM incidents
         WHERE organ_code IN ({_SCOPED_ORGANS})
           AND ((occurred_at >= $prev_start AND occurred_at < $end + INTERVAL 1 DAY)
                OR (reported_at::DATE <= $asof AND (closed_on IS NULL OR closed_on > $asof))
                OR (reported_at::DATE <= $prev_asof AND (closed_on IS NULL OR closed_on > $prev_asof)))
         ORDER BY incident_code"""),
]

_REFERENCED_PROJECTS = f"""
    SELECT organ_code, project_code FROM projects
    WHERE organ_code IN ({_SCOPED_ORGANS}) AND start_on <= $end AND (actual_end_on IS NULL OR actual_end_on >= $prev_start)
    UNION SELECT organ_code, project_code FROM inspections
    WHERE inspection_code IN ({_YEAR_INSPECTIONS}) AND project_code IS NOT NULL
    UNION SELECT organ_code, project_code FROM _snap_incidents WHERE project_code IS NOT NULL
    UNION SELECT organ_code, project_code FROM _snap_evaluations WHERE project_code IS NOT NULL
    UNION SELECT organ_code, project_code FROM _snap_rect WHERE project_code IS NOT NULL
"""
_REFERENCED_VENDORS = f"""
    SELECT vendor_code FROM projects p JOIN ({_REFERENCED_PROJECTS}) USING (organ_code, project_code)
    UNION SELECT vendor_code FROM inspections WHERE inspection_code IN ({_YEAR_INSPECTIONS}) AND vendor_code IS NOT NULL
    UNION SELECT vendor_code FROM _snap_incidents WHERE vendor_code IS NOT NULL
    UNION SELECT vendor_code FROM _snap_evaluations
    UNION SELECT vendor_code FROM _snap_vendor_risk
"""

REGISTRY_QUERIES: list[tuple[str, str, str]] = [
    # contact person and telephone are personal data (docs/access.md): never in a snapshot
    ("registries/organs", "范围内的全部机关（不含联系人信息）",
     f"SELECT * EXCLUDE (contact_name, contact_phone) FROM organs WHERE organ_code IN ({_SCOPED_ORGANS}) "
     "ORDER BY organ_code"),
    ("registries/projects", "范围内机关在两年内在办的项目，及上述记录引用的项目",
     f"SELECT p.* FROM projects p JOIN ({_REFERENCED_PROJECTS}) USING (organ_code, project_code) "
     "ORDER BY p.organ_code, p.project_code"),
    ("registries/vendors", "上述项目、检查、事件、评价与风险评分引用的服务机构",
     f"SELECT * FROM vendors WHERE vendor_code IN ({_REFERENCED_VENDORS}) ORDER BY vendor_code"),
    ("registries/qualifications", "上述服务机构的资质",
     f"SELECT * FROM qualifications WHERE vendor_code IN ({_REFERENCED_VENDORS}) "
     "ORDER BY vendor_code, qualification_type, certificate_no"),
    ("registries/checklist_items", "检查项清单（当前版本）",
     "SELECT * FROM checklist_items WHERE checklist_version = $checklist_version ORDER BY item_code"),
]

CHECK_EVENTS_SQL = f"""
    -- an incident follow-up's incident may be another organ's (the same vendor's): masked when
    -- that organ lies outside the region, as the reasons of the workbook are
    SELECT e.organ_code, e.region_code, e.event_kind,
           CASE WHEN $region IS NOT NULL AND e.event_kind = 'incident_followup'
                     AND NOT coalesce(starts_with(o.region_code, $region), false)
                THEN '{queries.OUT_OF_REGION}' ELSE e.source_code END AS source_code,
           e.source_on, e.tier, e.due_on, e.achieved_on, e.achieved_by
    FROM mart_check_events e
    LEFT JOIN incidents i ON e.event_kind = 'incident_followup' AND i.incident_code = e.source_code
    LEFT JOIN organs o ON o.organ_code = i.organ_code
    WHERE ($region IS NULL OR starts_with(e.region_code, $region))
      AND (e.due_on BETWEEN $prev_start AND $end
           OR (e.due_on < $asof AND (e.achieved_on IS NULL OR e.achieved_on > $prev_asof)))
    ORDER BY e.organ_code, e.event_kind, e.source_code, e.due_on
"""


def write_snapshot(con, year: int, scope: Filters, out_dir: str | Path, *, data: AnnualData | None = None,
                   progress: Progress | None = None) -> dict[str, Any]:
    """Write the snapshot of `year` for `scope` (its region and today) into `out_dir`; return the manifest.

    `data`: the AnnualData the workbook was written from (its figures go into the manifest);
    collected here when not given."""
    say = progress or (lambda share, message: None)
    annual.check_scope(scope)
    check_targets(snapshot=out_dir)
    data = data or annual.collect(con, year, scope)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    b = _bounds(year, scope.today)
    cfg = analytics_config.active()
    params = {"region": scope.region_prefix, "prev_start": b["prev_start"], "end": b["end"], "asof": b["asof"],
              "prev_asof": b["prev_asof"], "year": str(year), "prev_year": str(year - 1),
              "checklist_version": CHECKLIST_VERSION}
    say(0.1, "整理快照所需的派生数据…")
    derived = _derived_frames(con, year, scope, b)
    files: list[dict[str, Any]] = []
    registered = {"_snap_rect": derived["derived/rectifications"][1],
                  "_snap_vendor_risk": derived["derived/vendor_risk"][1]}
    for name, frame in registered.items():
        con.register(name, frame)
    try:
        for i, (name, description, sql) in enumerate(FACT_QUERIES):
            say(0.2 + 0.3 * i / len(FACT_QUERIES), f"写出 {name}…")
            files.append(_copy(con, out, name, "fact", description, sql, params))
        con.register("_snap_incidents", pl.read_parquet(out / "facts/incidents.parquet"))
        con.register("_snap_evaluations", pl.read_parquet(out / "facts/evaluations.parquet"))
        registered.update({"_snap_incidents": None, "_snap_evaluations": None})
        for name, description, sql in REGISTRY_QUERIES:
            say(0.55, f"写出 {name}…")
            files.append(_copy(con, out, name, "registry", description, sql, params))
        say(0.7, "写出派生数据…")
        files.append(_copy(con, out, "derived/check_events", "derived",
                           "应检事项（mart_check_events）：到期日在两年内，或任一年末尚未完成", CHECK_EVENTS_SQL, params))
        for name, (description, frame) in derived.items():
            con.register("_snap_frame", frame)
            try:
                files.append(_copy(con, out, name, "derived", description, "SELECT * FROM _snap_frame", {}))
            finally:
                con.unregister("_snap_frame")
    finally:
        for name in registered:
            con.unregister(name)
    manifest = {
        "format": FORMAT_VERSION,
        "year": year,
        "region": scope.effective_region,
        "region_prefix": scope.region_prefix,
        "scope": data.scope_label,
        "today": scope.today.isoformat(),
        "data_as_of": data.data_as_of.isoformat() if data.data_as_of else None,
        "loaded_at": data.loaded_at.isoformat() if data.loaded_at else None,
        "scores_as_of": data.scores_as_of.isoformat() if data.scores_as_of else None,
        "generated_at": data.generated_at.isoformat(),
        "checklist_version": CHECKLIST_VERSION,
        "config": cfg.source,
        "rules": {"passing_grades": list(cfg["grades"]["passing"]),
                  "fail_grade": "不合格",
                  "year_end": b["asof"].isoformat(), "previous_year_end": b["prev_asof"].isoformat()},
        "files": sorted(files, key=lambda f: f["name"]),
        "figures": data.figures_dict(),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    say(0.95, "快照已写出")
    return manifest


def _derived_frames(con, year: int, scope: Filters, b: dict) -> dict[str, tuple[str, pl.DataFrame]]:
    """Row-level results of the query layer behind the figures that need the warehouse's rules."""
    fy = replace(scope, period=str(year))
    rect = queries.rectifications(con, scope)          # every due date, statuses as of scope.today
    resolved = pl.min_horizontal("closed_on", "superseded_on")
    rect = rect.filter(
        pl.col("due_on").is_between(b["prev_start"], b["end"])
        | ((pl.col("due_on") < b["asof"]) & (resolved.is_null() | (resolved > b["prev_asof"]))))
    submissions = pl.concat([queries.submission_completeness(con, fy.previous()),
                             queries.submission_completeness(con, fy)], how="vertical_relaxed")
    return {
        "derived/rectifications": ("整改项及其状态（查询层 rectifications，统计日为准）：期限在两年内，或任一年末尚未解决", rect),
        "derived/submissions": ("服务评价报送（查询层 submission_completeness）：季度起始日在两年内", submissions),
        # the reasons cite no code of an organ outside the region, as in the workbook
        "derived/vendor_risk": ("服务机构风险分与等级（查询层 vendor_risk，当前评分；范围外的机关、项目、事件编号已隐去）",
                                queries.mask_out_of_region(
                                    con, queries.vendor_risk(con, scope).drop(queries.VENDOR_REASONS_EN),
                                    scope.region_prefix)),
    }


def _copy(con, out: Path, name: str, kind: str, description: str, sql: str, params: dict) -> dict[str, Any]:
    path = out / f"{name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    target = sqlfiles.literal(str(path))
    con.execute(f"COPY ({sql}) TO {target} (FORMAT parquet, COMPRESSION zstd)", used)
    rows = con.execute(f"SELECT count(*) FROM read_parquet({target})").fetchall()[0][0]
    return {"name": f"{name}.parquet", "kind": kind, "rows": rows, "sha256": sha256(path), "description": description}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise SnapshotError(f"{folder} 不是快照目录：缺少 {MANIFEST}")
    return json.loads(path.read_text(encoding="utf-8"))


def verify_snapshot(folder: str | Path) -> dict[str, Any]:
    """The manifest, after checking every file's presence, row count and SHA-256."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    con = duckdb.connect()
    try:
        for f in manifest["files"]:
            path = folder / f["name"]
            if not path.exists():
                raise SnapshotError(f"快照缺少文件 {f['name']}")
            if sha256(path) != f["sha256"]:
                raise SnapshotError(f"快照文件 {f['name']} 的内容与清单不符（SHA-256 不同）")
            rows = con.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(path)}).fetchall()[0][0]
            if rows != f["rows"]:
                raise SnapshotError(f"快照文件 {f['name']} 有 {rows} 行，清单记载 {f['rows']} 行")
    finally:
        con.close()
    return manifest


# -- recomputing the figures ----------------------------------------------------------------------

FIGURES_SQL = """
WITH insp AS (
    SELECT i.*, year(i.inspected_on) AS y FROM facts_inspections i
),
items_failed AS (
    SELECT year(i.inspected_on) AS y, count(*) AS n
    FROM facts_inspection_items it
    JOIN facts_inspections i USING (inspection_code)
    JOIN registries_checklist_items c USING (item_code)
    WHERE it.result = '不符合'
    GROUP BY ALL
),
per_year AS (
    SELECT y,
           count(*) AS inspections,
           count(DISTINCT organ_code) AS organs_inspected,
           round(avg(score), 2) AS mean_score,
           round(count(*) FILTER (WHERE list_contains($passing, grade)) / nullif(count(grade), 0), 4) AS pass_rate,
           count(*) FILTER (WHERE grade = $fail_grade) AS failed_inspections,
           count(*) FILTER (WHERE veto_failed) AS veto_failures
    FROM insp GROUP BY y
)
SELECT p.*, coalesce(f.n, 0) AS items_failed FROM per_year p LEFT JOIN items_failed f USING (y)
"""


def figures_from_snapshot(folder: str | Path, *, verify: bool = True) -> dict[str, dict[str, Any]]:
    """Recompute the key figures from the snapshot's Parquet files alone (see the module docstring).

    Returns {key: {"value": …, "previous_value": …}} for every figure of the manifest."""
    folder = Path(folder)
    manifest = verify_snapshot(folder) if verify else read_manifest(folder)
    year = int(manifest["year"])
    today = dt.date.fromisoformat(manifest["today"])
    b = _bounds(year, today)
    con = duckdb.connect()
    try:
        for f in manifest["files"]:
            view = f["name"].removesuffix(".parquet").replace("/", "_")
            path = sqlfiles.literal(str(folder / f["name"]))
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet({path})")
        rules = manifest["rules"]
        rows = con.execute(FIGURES_SQL, {"passing": rules["passing_grades"], "fail_grade": rules["fail_grade"]}).pl()
        by_year = {r["y"]: r for r in rows.iter_rows(named=True)}
        out: dict[str, list] = {}

        def put(key: str, value: Any, previous: Any) -> None:
            out[key] = [_float(value), _float(previous)]

        now, before = by_year.get(year, {}), by_year.get(year - 1, {})
        for key in ("inspections", "organs_inspected", "mean_score", "pass_rate", "failed_inspections",
                    "veto_failures", "items_failed"):
            default = None if key in ("mean_score", "pass_rate") else 0
            put(key, now.get(key, default), before.get(key, default))

        def one(sql: str, **p) -> Any:
            used = {k: v for k, v in p.items() if f"${k}" in sql}
            return con.execute(sql, used).fetchall()[0][0]

        def both(sql: str, **p) -> tuple[Any, Any]:
            return (one(sql, start=b["start"], end=b["end"], asof=b["asof"], **p),
                    one(sql, start=b["prev_start"], end=dt.date(year - 1, 12, 31), asof=b["prev_asof"], **p))

        put("incidents", *both("SELECT count(*) FROM facts_incidents "
                               "WHERE occurred_at >= $start AND occurred_at < $end + INTERVAL 1 DAY"))
        put("active_projects", *both("SELECT count(*) FROM registries_projects WHERE start_on <= $asof "
                                     "AND (actual_end_on IS NULL OR actual_end_on >= $asof)"))
        put("open_incidents", *both("SELECT count(*) FROM facts_incidents WHERE reported_at::DATE <= $asof "
                                    "AND (closed_on IS NULL OR closed_on > $asof)"))
        put("overdue_checks", *both("SELECT count(DISTINCT organ_code) FROM derived_check_events "
                                    "WHERE due_on < $asof AND (achieved_on IS NULL OR achieved_on > $asof)"))
        put("overdue_rectifications", *both(
            "SELECT count(*) FROM derived_rectifications WHERE inspected_on <= $asof AND due_on < $asof "
            "AND (least(closed_on, superseded_on) IS NULL OR least(closed_on, superseded_on) > $asof)"))
        rect = """SELECT count(*) AS total,
                         count(*) FILTER (WHERE closed_on <= $today AND closed_on <= due_on) AS closed_on_time,
                         count(*) FILTER (WHERE (closed_on IS NULL OR closed_on > $today)
                                          AND (superseded_on IS NULL OR superseded_on > $today)
                                          AND due_on < $today) AS overdue
                  FROM derived_rectifications WHERE due_on BETWEEN $start AND $end AND inspected_on <= $today"""
        r_now = con.execute(rect, {"start": b["start"], "end": b["end"], "today": today}).fetchall()[0]
        r_prev = con.execute(rect, {"start": b["prev_start"], "end": dt.date(year - 1, 12, 31), "today": today}).fetchall()[0]
        for i, key in enumerate(("rectifications_due", "rectifications_closed_on_time", "rectifications_overdue")):
            put(key, r_now[i], r_prev[i])
        sub = ("SELECT coalesce(sum(expected), 0), coalesce(sum(received), 0) FROM derived_submissions "
               "WHERE quarter_start BETWEEN $start AND $end")
        s_now = con.execute(sub, {"start": b["start"], "end": b["end"]}).fetchall()[0]
        s_prev = con.execute(sub, {"start": b["prev_start"], "end": dt.date(year - 1, 12, 31)}).fetchall()[0]
        put("evaluations_expected", s_now[0], s_prev[0])
        put("evaluations_received", s_now[1], s_prev[1])
        put("evaluation_rate", _ratio(s_now[1], s_now[0]), _ratio(s_prev[1], s_prev[0]))
        cov = """SELECT count(*) FILTER (WHERE due_on <= $today),
                        count(*) FILTER (WHERE due_on <= $today AND achieved_on <= least($end, $today))
                 FROM derived_check_events WHERE due_on BETWEEN $start AND $end"""
        c_now = con.execute(cov, {"start": b["start"], "end": b["end"], "today": today}).fetchall()[0]
        c_prev = con.execute(cov, {"start": b["prev_start"], "end": dt.date(year - 1, 12, 31), "today": today}).fetchall()[0]
        put("checks_due", c_now[0], c_prev[0])
        put("checks_achieved", c_now[1], c_prev[1])
        put("coverage_rate", _ratio(c_now[1], c_now[0]), _ratio(c_prev[1], c_prev[0]))
        put("vendors_tier_d", one("SELECT count(*) FROM derived_vendor_risk WHERE tier = 'D'"), None)
    finally:
        con.close()
    return {key: {"value": v, "previous_value": p} for key, (v, p) in out.items()}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _ratio(num, den) -> float | None:
    return round(num / den, 4) if den else None


def zip_snapshot(folder: str | Path) -> bytes:
    """The snapshot folder as a zip (for a download)."""
    folder = Path(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()
