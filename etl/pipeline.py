"""One load (or validation) of many files: read, recognise, check, and write in one transaction.

Order of work: every file is read and its sheets recognised first; then kinds are processed in
the contract's dependency order (registries before what refers to them), so that references
resolve against the same load whatever the order of the files. A rejected row never stops the
good rows; a file that cannot be read is rejected whole and the others still load. The whole write
is one transaction (warehouse.db.write): a crash or kill leaves the warehouse as it was.

Reading and checking take no lock: they run against the warehouse as it is then (read-only), so
several loaders read and check their files at the same time and only the writes take turns. Batches
are numbered from 1 while checking and moved after the warehouse's last batch when written. If
another loader wrote one of the same files in the meantime, the files are checked again under the
lock, so a file is never loaded twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polars as pl

from etl.detect import Sheet, recognise
from etl.normalise import ROW
from etl.read import FOREIGN_SUFFIXES, SOURCE_ROW, SUPPORTED_SUFFIXES, FileProblem, read_grids
from etl.validate import check_sheet, reference_problems
from schemas.checklist import checklist
from schemas.kinds import BY_NAME, KINDS
from schemas.references import REFERENCES
from schemas.rules import message
from warehouse import db, marts, store


@dataclass
class Settings:
    warehouse: db.Location      # a file or a lake (warehouse.db.location)
    jurisdiction: str | None
    today: dt.date
    user: str | None = None


@dataclass
class SheetResult:
    path: str
    sheet: str | None
    kind: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_warned: int = 0
    rows_duplicate: int = 0     # exact copies of a row already read in this load: reported, stored once
    status: str = "loaded"
    rule: str | None = None
    message: str | None = None
    batch_id: int | None = None

    def as_json(self) -> dict:
        keys = ("path", "sheet", "kind", "rows_read", "rows_loaded", "rows_rejected", "rows_warned",
                "rows_duplicate", "status")
        out = {k: getattr(self, k) for k in keys}
        if self.rule:
            out.update(rule=self.rule, message=self.message)
        return out


@dataclass
class LoadResult:
    files: list[SheetResult]
    issues: pl.DataFrame
    load_id: int | None = None
    refresh: marts.RefreshStats | None = None   # the mart refresh inside the load (None: nothing written)

    @property
    def any_rejected_whole(self) -> bool:
        return any(f.status == "rejected" for f in self.files)

    def rejections_by_rule(self) -> dict[str, int]:
        errors = self.issues.filter((pl.col("severity") == "error") & pl.col("source_row").is_not_null())
        counted = errors.unique(["source_file", "sheet", "source_row", "rule"]).group_by("rule").len()
        return dict(sorted(zip(counted["rule"].to_list(), counted["len"].to_list())))

    def summary(self) -> dict:
        return {
            "files": [f.as_json() for f in self.files],
            "rows_read": sum(f.rows_read for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_rejected": sum(f.rows_rejected for f in self.files),
            "rows_duplicate": sum(f.rows_duplicate for f in self.files),
            "rejections_by_rule": self.rejections_by_rule(),
        }


# Kinds that other kinds refer to: their keys are gathered for reference checks.
REFERENCED = {r.target for refs in REFERENCES.values() for r in refs}
ISSUE_SCHEMA = {"batch_id": pl.Int64, "source_file": pl.String, "sheet": pl.String, "source_row": pl.Int64,
                "kind": pl.String, "column_name": pl.String, "column_zh": pl.String, "value": pl.String,
                "rule": pl.String, "severity": pl.String, "message": pl.String, "row_values": pl.String,
                "loaded_at": pl.Datetime("us")}


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named, and the supported files inside folders named (recursively), in a stable order."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            # Spreadsheets no reader opens (.et …) are taken too: rejected with advice, not skipped unseen.
            found += sorted(f for f in p.rglob("*") if f.is_file()
                            and f.suffix.lower() in SUPPORTED_SUFFIXES + tuple(FOREIGN_SUFFIXES)
                            and not f.name.startswith(("~$", ".")))
        else:
            found.append(p)
    return found


@dataclass
class _Part:
    """A recognised sheet in the making."""
    result: SheetResult
    sheet: Sheet
    typed: pl.DataFrame | None = None
    errors: list[pl.DataFrame] = field(default_factory=list)
    warnings: pl.DataFrame | None = None
    duplicates: pl.DataFrame | None = None   # W_DUPLICATE_ROW on the later copies of an identical row


class _Load:
    def __init__(self, settings: Settings, con, write: bool, progress: Callable[[str], None] | None):
        self.settings, self.con, self.write = settings, con, write
        self.progress = progress or (lambda _msg: None)
        self.now = dt.datetime.now().replace(microsecond=0)
        self.results: list[SheetResult] = []
        self.parts: list[_Part] = []
        self.file_issues: list[dict] = []
        self._last_batch = 0
        self._batch_offset = 0          # added to every batch id when written (see commit)
        self.accepted: dict[str, pl.DataFrame] = {}
        self.found = pl.DataFrame(schema=ISSUE_SCHEMA)
        self.refresh: marts.RefreshStats | None = None

    def batch_id(self) -> int:
        """The next batch id of this load, counted from 1 (moved after the warehouse's when written)."""
        self._last_batch += 1
        return self._last_batch

    def hashes(self) -> set[str]:
        return {sha for r in self.results if (sha := getattr(r, "sha", None)) and r.status != "already_loaded"}

    def _move_batches(self, offset: int) -> None:
        """Number this load's batches after `offset` (the warehouse's last batch id)."""
        delta, self._batch_offset = offset - self._batch_offset, offset
        if not delta:
            return
        for r in self.results:
            if r.batch_id is not None:
                r.batch_id += delta
        shift = pl.col("batch_id") + delta
        self.accepted = {k: v.with_columns(shift) if "batch_id" in v.columns else v for k, v in self.accepted.items()}
        self.found = self.found.with_columns(shift)

    # -- reading ---------------------------------------------------------------------------------

    def read(self, paths: list[Path]) -> None:
        done = store.loaded_file_hashes(self.con) if self.con is not None else set()
        for path in expand_paths(paths):
            self.progress(f"读取 {path.name}")
            try:
                data = path.read_bytes()
            except OSError as exc:
                self._reject_file(path, None, FileProblem("FILE_UNREADABLE", f"文件无法打开（{exc.strerror}）"))
                continue
            sha = hashlib.sha256(data).hexdigest()
            if self.write and sha in done:
                self.results.append(SheetResult(str(path), None, None, status="already_loaded"))
                continue
            self._read_file(path, data, sha)

    def _read_file(self, path: Path, data: bytes, sha: str) -> None:
        try:
            grids = read_grids(path, data)
        except FileProblem as problem:
            self._reject_file(path, None, problem, sha)
            return
        recognised = 0
        headers_seen: list[str] = []
        for grid in grids:
            try:
                sheet = recognise(grid)
            except FileProblem as problem:
                self._reject_file(path, grid.sheet, _hidden(problem.kind) if grid.hidden else problem, sha)
                recognised += 1
                continue
            if sheet is None:
                if not grid.hidden:   # a hidden lookup list is no header the organ wrote
                    top = grid.top_rows(3)
                    headers_seen += [str(c).strip() for row in top for c in row if c is not None and str(c).strip()]
                continue
            recognised += 1
            if grid.hidden:
                self._reject_file(path, grid.sheet, _hidden(sheet.kind.name), sha)
                continue
            result = SheetResult(str(path), grid.sheet, sheet.kind.name, rows_read=sheet.frame.height,
                                 batch_id=self.batch_id())
            result.sha = sha  # type: ignore[attr-defined]
            self.results.append(result)
            self.parts.append(_Part(result, sheet))
        if not recognised:
            seen = "、".join(dict.fromkeys(headers_seen)) or "（无）"
            self._reject_file(path, None, FileProblem("FILE_UNKNOWN_KIND", seen[:300]), sha)

    def _reject_file(self, path: Path, sheet: str | None, problem: FileProblem, sha: str | None = None) -> None:
        result = SheetResult(str(path), sheet, problem.kind, status="rejected", rule=problem.rule,
                             message=message(problem.rule, header=problem.headers, detail=problem.detail),
                             batch_id=self.batch_id())
        result.sha = sha  # type: ignore[attr-defined]
        self.results.append(result)
        self.file_issues.append({
            "batch_id": result.batch_id, "source_file": str(path), "sheet": sheet, "source_row": None,
            "kind": problem.kind, "column_name": None, "column_zh": problem.header or None, "value": None,
            "rule": problem.rule, "severity": "error", "message": result.message, "row_values": None,
            "loaded_at": self.now})

    # -- checking --------------------------------------------------------------------------------

    def check(self) -> dict[str, pl.DataFrame]:
        """Check every sheet, kind by kind; returns the accepted rows per kind."""
        known: dict[str, pl.DataFrame] = {"checklist": checklist().select("item_code")}
        accepted: dict[str, pl.DataFrame] = {}
        for kind in KINDS:
            parts = [p for p in self.parts if p.sheet.kind is kind]
            for part in parts:
                self.progress(f"校验 {Path(part.result.path).name} {part.result.sheet or ''}")
                typed, errors, warnings = check_sheet(part.sheet, self.settings.today, self.settings.jurisdiction)
                part.typed, part.warnings = typed, warnings
                part.errors.append(errors)
                if REFERENCES.get(kind.name):
                    # A code already rejected as malformed is not reported again as unknown, nor are
                    # the references of the template's example row (ROW_TEMPLATE_EXAMPLE says it all).
                    refs = reference_problems(part.sheet, typed, known)
                    refs = refs.join(errors.select(ROW, "column"), on=[ROW, "column"], how="anti")
                    part.errors.append(refs.join(_example_rows(errors), on=ROW, how="anti"))
            self._duplicates(kind.name, parts)
            rows = self._accepted_rows(kind.name, parts)
            accepted[kind.name] = rows
            if kind.name in REFERENCED:
                known[kind.name] = self._known(kind.name, rows)
        return accepted

    def _duplicates(self, kind_name: str, parts: list[_Part]) -> None:
        """ROW_DUPLICATE_KEY: one key, different contents, anywhere in this load (all such rows)."""
        kind = BY_NAME[kind_name]
        if not parts:
            return
        content = kind.names
        # The template's example row is no version of a record: it clashes with no real row.
        stacked = pl.concat([p.typed.join(_example_rows(*p.errors), on=ROW, how="anti").select(
            pl.lit(i).alias("_part"), ROW, *content) for i, p in enumerate(parts)], how="vertical_relaxed")
        keyed = stacked.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in kind.key]))
        keyed = keyed.filter(pl.struct(kind.key).is_duplicated())
        if keyed.is_empty():
            return
        keyed = keyed.with_columns(_content=pl.struct(content).hash())
        clashes = keyed.filter(pl.col("_content").n_unique().over(kind.key) > 1)
        if clashes.is_empty():
            return
        zh = {c.name: c.zh for c in kind.columns}
        label = pl.concat_str([pl.format("「{}」为“{}”", pl.lit(zh[k]), pl.col(k).cast(pl.String).fill_null(""))
                               for k in kind.key], separator="、")
        # Each row names the key's other rows: the organ must compare them to keep the right one.
        clashes = clashes.with_columns(pl.col("_part").cast(pl.Int64)).join(
            self._numbered(parts), on=["_part", ROW], how="left")
        clashes = clashes.with_columns(
            _parts=pl.col("_part").implode().over(kind.key), _rows=pl.col(SOURCE_ROW).implode().over(kind.key),
            _label=pl.format("{}的记录出现多次且内容不同", label))
        for i, part in enumerate(parts):
            mine = clashes.filter(pl.col("_part") == i)
            if mine.is_empty():
                continue
            detail = [f"{text}（另见{self._places(parts, i, row, zip(others, rows))}）" for text, row, others, rows
                      in mine.select("_label", SOURCE_ROW, "_parts", "_rows").iter_rows()]
            part.errors.append(mine.select(
                pl.col(ROW).cast(pl.UInt32), column=pl.lit(kind.key[0]),
                value=pl.col(kind.key[0]).cast(pl.String), rule=pl.lit("ROW_DUPLICATE_KEY"),
                detail=pl.Series(detail, dtype=pl.String)))

    @staticmethod
    def _numbered(parts: list[_Part]) -> pl.DataFrame:
        """(_part, ROW, SOURCE_ROW) of every row of `parts`: a row as the organ numbers it."""
        return pl.concat([p.sheet.frame.select(pl.lit(i, pl.Int64).alias("_part"), ROW, SOURCE_ROW)
                          for i, p in enumerate(parts)])

    def _places(self, parts: list[_Part], i: int, row: int, places, limit: int = 5) -> str:
        """The other places of a key seen from row `row` of part `i`, its own sheet first (a bare 第N行
        after another file's name would read as that file's): 第8行、文件「b.csv」第2、5行 …"""
        others = sorted(((j, n) for j, n in places if (j, n) != (i, row)), key=lambda place: place[0] != i)
        by_part: dict[int, list[str]] = {}
        for j, n in others[:limit]:
            by_part.setdefault(j, []).append(str(n))
        named = [("" if j == i else self._where(parts[j])) + f"第{'、'.join(rows)}行" for j, rows in by_part.items()]
        return "、".join(named) + (f"等{len(others)}处" if len(others) > limit else "")

    def _accepted_rows(self, kind_name: str, parts: list[_Part]) -> pl.DataFrame:
        frames = []
        for i, part in enumerate(parts):
            errors = pl.concat(part.errors, how="vertical_relaxed") if part.errors else None
            bad = errors.select(ROW).unique() if errors is not None and errors.height else None
            good = part.typed if bad is None else part.typed.join(bad, on=ROW, how="anti")
            rows = good.with_columns(
                batch_id=pl.lit(part.result.batch_id, pl.Int64), source_file=pl.lit(part.result.path),
                loaded_at=pl.lit(self.now, pl.Datetime("us")), _part=pl.lit(i, pl.Int64))
            frames.append(rows)
            part.result.rows_rejected = part.result.rows_read - good.height
            part.result.rows_loaded = good.height
        if not frames:
            return pl.DataFrame()
        rows = pl.concat(frames, how="vertical_relaxed")
        key = list(BY_NAME[kind_name].key)
        # Good rows sharing a key have the same content (different contents are ROW_DUPLICATE_KEY,
        # see _duplicates): the first is stored, each later copy is reported and counted apart.
        if rows.select(pl.struct(key).is_duplicated().any()).item():
            self._report_copies(kind_name, parts, rows, key)
            rows = rows.unique(subset=key, keep="first", maintain_order=True)
        return rows.drop("_part")

    def _report_copies(self, kind_name: str, parts: list[_Part], rows: pl.DataFrame, key: list[str]) -> None:
        """W_DUPLICATE_ROW on every later copy of a row, naming the row it repeats (its file and sheet
        too when that is another one); the copy counts as rows_duplicate, not rows_loaded."""
        numbered = self._numbered(parts)
        marked = rows.select("_part", ROW, *key).join(numbered, on=["_part", ROW], how="left").with_columns(
            _first_part=pl.col("_part").first().over(key),
            _first_row=pl.col(SOURCE_ROW).first().over(key),
            _copy=~pl.struct(key).is_first_distinct())
        copies = marked.filter(pl.col("_copy"))
        first_key = key[0]
        for i, part in enumerate(parts):
            mine = copies.filter(pl.col("_part") == i)
            if mine.is_empty():
                continue
            where = {j: self._where(parts[j]) for j in mine["_first_part"].unique().to_list() if j != i}
            detail = [f"{where[j]}第{n}行" if j != i else f"第{n}行"
                      for j, n in zip(mine["_first_part"].to_list(), mine["_first_row"].to_list())]
            written = part.sheet.frame.select(ROW, pl.col(first_key).alias("value"))
            part.duplicates = mine.select(pl.col(ROW).cast(pl.UInt32)).join(
                written, on=ROW, how="left").select(
                ROW, column=pl.lit(first_key), value=pl.col("value"), rule=pl.lit("W_DUPLICATE_ROW"),
                detail=pl.Series(detail, dtype=pl.String))
            part.result.rows_duplicate = mine.height
            part.result.rows_loaded -= mine.height

    @staticmethod
    def _where(part: _Part) -> str:
        """A sheet as the organ knows it: 文件「名录.xlsx」工作表「机关名录」."""
        name = f"文件「{Path(part.result.path).name}」"
        return name + (f"工作表「{part.result.sheet}」" if part.result.sheet else "")

    def _known(self, kind_name: str, rows: pl.DataFrame) -> pl.DataFrame:
        """Rows of a kind that later kinds may refer to: this load's, then the warehouse's others."""
        columns = list({c for refs in REFERENCES.values() for r in refs if r.target == kind_name
                        for c in r.target_columns} or BY_NAME[kind_name].key)
        mine = rows.select(columns) if rows.height else pl.DataFrame(schema={c: pl.String for c in columns})
        if self.con is None:
            return mine
        theirs = store.current_rows(self.con, kind_name, columns)
        if mine.height:
            key = list(BY_NAME[kind_name].key)
            theirs = theirs.join(rows.select(key).unique(), on=key, how="anti", nulls_equal=True) \
                if all(k in columns for k in key) else theirs
        return pl.concat([mine, theirs.cast(mine.schema)], how="vertical_relaxed")

    # -- issues ----------------------------------------------------------------------------------

    def issues(self) -> pl.DataFrame:
        frames = [pl.DataFrame(self.file_issues, schema=ISSUE_SCHEMA)]
        for part in self.parts:
            kind = part.sheet.kind
            warnings = part.warnings
            if part.duplicates is not None:
                # A copy's other warnings are those of the row it repeats, reported there.
                warnings = pl.concat([warnings.join(part.duplicates.select(ROW), on=ROW, how="anti"),
                                      part.duplicates], how="vertical_relaxed")
            problems = pl.concat([e.with_columns(severity=pl.lit("error")) for e in part.errors]
                                 + [warnings.with_columns(severity=pl.lit("warning"))], how="vertical_relaxed")
            if problems.is_empty():
                continue
            rejected = problems.filter(pl.col("severity") == "error").select(ROW).unique()
            # Warnings on a rejected row would only distract: the row must be fixed anyway.
            problems = pl.concat([problems.filter(pl.col("severity") == "error"),
                                  problems.filter(pl.col("severity") == "warning").join(rejected, on=ROW, how="anti")])
            problems = problems.join(part.sheet.frame.select(ROW, SOURCE_ROW), on=ROW).sort(SOURCE_ROW, "column")
            zh = {c.name: c.zh for c in kind.columns}
            row_values = self._row_values(part, problems[ROW].unique())
            frames.append(pl.DataFrame({
                "batch_id": [part.result.batch_id] * problems.height,
                "source_file": [part.result.path] * problems.height,
                "sheet": [part.result.sheet] * problems.height,
                "source_row": problems[SOURCE_ROW],
                "kind": [kind.name] * problems.height,
                "column_name": problems["column"],
                "column_zh": [zh.get(c) for c in problems["column"]],
                "value": problems["value"],
                "rule": problems["rule"],
                "severity": problems["severity"],
                "message": [message(r, header=zh.get(c, c), value=v or "", detail=d or "")
                            for r, c, v, d in zip(problems["rule"], problems["column"], problems["value"],
                                                  problems["detail"])],
                "row_values": [row_values.get(r) for r in problems[ROW]],
                "loaded_at": [self.now] * problems.height,
            }, schema=ISSUE_SCHEMA))
        return pl.concat(frames)

    @staticmethod
    def _row_values(part: _Part, rows: pl.Series) -> dict[int, str]:
        """The original row, header -> text as written, for the rows that have problems."""
        picked = part.sheet.raw.join(pl.DataFrame({ROW: rows}), on=ROW)
        return {r.pop(ROW): json.dumps({k: v for k, v in r.items() if v is not None}, ensure_ascii=False)
                for r in picked.iter_rows(named=True)}

    # -- writing ---------------------------------------------------------------------------------

    def validated(self) -> LoadResult:
        """The result of a check without writing."""
        _count_warned_rows(self.results, self.found)
        for r in self.results:
            if r.status == "loaded":
                r.status = "validated"
        return LoadResult(self.results, _sorted(self.found), None)

    def commit(self, con) -> LoadResult:
        """Write the checked rows in `con`'s transaction (the caller holds the writer lock)."""
        self.con = con
        self._move_batches(store.last_batch_id(con))
        issues = self.found
        load_id = self.store(self.accepted, issues)
        derived = store.derived_warnings(con, load_id)
        if derived.height:
            issues = pl.concat([issues, derived.select(ISSUE_SCHEMA.keys()).cast(ISSUE_SCHEMA)])
        _count_warned_rows(self.results, issues)
        store.set_rows_warned(con, {r.batch_id: r.rows_warned for r in self.results if r.batch_id is not None})
        return LoadResult(self.results, _sorted(issues), load_id, self.refresh)

    def store(self, accepted: dict[str, pl.DataFrame], issues: pl.DataFrame) -> int:
        con, s = self.con, self.settings
        store.ensure_reference_data(con)
        load_id = store.begin_load(con, s.today, s.jurisdiction, s.user)
        store.insert_batches(con, self._batches_frame(load_id))
        for kind in KINDS:
            rows = accepted.get(kind.name)
            if rows is not None and rows.height:
                self.progress(f"写入 {kind.zh} {rows.height} 行")
                store.replace_rows(con, kind.name, rows)
        store.insert_issues(con, issues)
        store.derive(con, load_id, s.today)
        self.refresh = marts.refresh(con, load_id=load_id, today=s.today)
        store.finish_load(con, load_id, len({r.path for r in self.results}), "committed")
        return load_id

    def _batches_frame(self, load_id: int) -> pl.DataFrame:
        rows = [{
            "batch_id": r.batch_id, "load_id": load_id, "source_file": r.path, "file_name": Path(r.path).name,
            "file_sha256": getattr(r, "sha", None), "sheet": r.sheet, "kind": r.kind, "rows_read": r.rows_read,
            "rows_loaded": r.rows_loaded, "rows_rejected": r.rows_rejected, "rows_warned": r.rows_warned,
            "status": r.status, "rule": r.rule, "message": r.message, "loaded_at": self.now,
        } for r in self.results if r.batch_id is not None]
        return pl.DataFrame(rows, infer_schema_length=None)


def run(paths: list[Path], settings: Settings, *, write: bool = True,
        progress: Callable[[str], None] | None = None) -> LoadResult:
    """Load (write=True) or only check (write=False) the files; see the module docstring."""
    job = _checked(paths, settings, write, progress)
    if not write:
        return job.validated()

    def work(con) -> LoadResult:
        nonlocal job
        if job.hashes() & store.loaded_file_hashes(con):   # another loader wrote one of these meanwhile
            job = _checked(paths, settings, write, progress, con)
        return job.commit(con)
    return db.write(settings.warehouse, work)


def _checked(paths, settings: Settings, write: bool, progress, con=None) -> "_Load":
    """Read and check the files against the warehouse as it is (`con`, else a read-only connection)."""
    own = con is None and db.exists(settings.warehouse)
    if own:
        con = db.connect(settings.warehouse, read_only=True)
    try:
        job = _Load(settings, con, write, progress)
        job.read(paths)
        job.accepted = job.check()
        job.found = job.issues()
    finally:
        if own:
            con.close()
    job.con = None
    return job


def _example_rows(*errors: pl.DataFrame) -> pl.DataFrame:
    """The rows of a sheet rejected as the template's example (ROW_TEMPLATE_EXAMPLE)."""
    found = [e.filter(pl.col("rule") == "ROW_TEMPLATE_EXAMPLE").select(pl.col(ROW).cast(pl.UInt32)) for e in errors]
    return pl.concat(found).unique() if found else pl.DataFrame(schema={ROW: pl.UInt32})


def _hidden(kind_name: str | None) -> FileProblem:
    """A hidden sheet of a known kind: rejected whole, so that nothing the organ cannot see is loaded
    and nothing it meant to send is dropped without a word."""
    return FileProblem("FILE_HIDDEN_SHEET", BY_NAME[kind_name].zh if kind_name else "", kind=kind_name)


def _sorted(issues: pl.DataFrame) -> pl.DataFrame:
    return issues.sort("source_file", "sheet", "source_row", nulls_last=False)


def _count_warned_rows(results: list[SheetResult], issues: pl.DataFrame) -> None:
    """rows_warned: loaded rows with at least one warning (warnings on rejected rows are not kept; a
    copy reported with W_DUPLICATE_ROW is not loaded, and counted in rows_duplicate instead)."""
    warned = issues.filter((pl.col("severity") == "warning") & (pl.col("rule") != "W_DUPLICATE_ROW")).group_by(
        "batch_id").agg(
        pl.col("source_row").n_unique().alias("n"))
    counts = dict(zip(warned["batch_id"].to_list(), warned["n"].to_list()))
    for r in results:
        if r.batch_id in counts:
            r.rows_warned = counts[r.batch_id]
