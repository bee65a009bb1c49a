"""Background exports with progress: a small job table served by one worker thread.

A web request must not wait for a long export (a national workbook, a report with charts): the page
submits a job, gets its id at once, polls `get(job_id)` (a dcc.Interval) for the progress and the
message, and downloads the files when the job is done.

    runner = JobRunner(Path("data/exports"))
    job_id = runner.submit_annual(connect, 2025, scope, kinds=("workbook", "report", "snapshot"))
    runner.get(job_id)   # {"status": "running", "progress": 0.4, "message": "读取服务机构风险…", …}

One worker thread runs the jobs in turn (exports share the machine with the dashboards); each job
opens its own read-only connection through `connect()` and writes into its own folder, with its
state in `job.json` there: a web server with several worker processes answers a poll or a download
from any of them, as long as they share the folder. Jobs and their files older than `keep_hours` are
removed when a new job is submitted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from schemas.identifiers import OWN_LEVEL

KINDS = ("workbook", "report", "snapshot")
_JOB_ID = re.compile(r"[0-9a-f]{12}")


@dataclass
class Job:
    id: str
    label: str
    region: str | None
    owner: str | None = None          # who asked for it: only they may read its state and files
    status: str = "queued"            # queued | running | done | failed
    progress: float = 0.0
    message: str = "排队中…"
    files: dict[str, str] = field(default_factory=dict)   # kind -> path
    error: str | None = None
    created_at: dt.datetime = field(default_factory=dt.datetime.now)
    finished_at: dt.datetime | None = None


class JobRunner:
    def __init__(self, folder: str | Path, *, keep_hours: float = 24, workers: int = 1):
        self.folder = Path(folder)
        self.keep = dt.timedelta(hours=keep_hours)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="export")

    # -- public -----------------------------------------------------------------------------------

    def submit(self, label: str, work: Callable[[Path, Callable[[float, str], None]], dict[str, Path]], *,
               region: str | None = None, owner: str | None = None) -> str:
        """Run `work(folder, progress)` in the background; it returns {kind: file written}."""
        self._expire()
        job = Job(id=uuid.uuid4().hex[:12], label=label, region=region, owner=owner)
        with self._lock:
            self._jobs[job.id] = job
        (self.folder / job.id).mkdir(parents=True, exist_ok=True)
        self._update(job)
        self._pool.submit(self._run, job, work)
        return job.id

    def submit_annual(self, connect: Callable[[], Any], year: int, scope, kinds=KINDS, owner: str | None = None) -> str:
        """An annual export job: the workbook, the report and/or the snapshot (as a zip)."""
        unknown = set(kinds) - set(KINDS)
        if unknown or not kinds:
            raise ValueError(f"kinds are some of {KINDS}")

        def work(folder: Path, progress) -> dict[str, Path]:
            from etl.export import export_annual
            from etl.export.snapshot import zip_snapshot
            region = f"_{scope.effective_region.replace(OWN_LEVEL, '本级')}" if scope.effective_region else ""
            targets = {"workbook": folder / f"{year}年报{region}.xlsx", "report": folder / f"{year}年度报告{region}.docx",
                       "snapshot": folder / f"{year}审计快照{region}"}
            con = connect()
            try:
                export_annual(con, year, scope, progress=progress,
                              **{k: targets[k] for k in kinds})
            finally:
                con.close()
            files = {k: targets[k] for k in kinds if k != "snapshot"}
            if "snapshot" in kinds:
                archive = targets["snapshot"].with_name(targets["snapshot"].name + ".zip")
                archive.write_bytes(zip_snapshot(targets["snapshot"]))
                files["snapshot"] = archive
            return files

        return self.submit(f"{year}年度导出", work, region=scope.effective_region, owner=owner)

    def get(self, job_id: str, owner: str | None = None) -> dict[str, Any] | None:
        """The job's state: from memory when this process runs it, else from its job.json. With
        `owner`, a job of someone else is "not found"."""
        state = self._state(job_id)
        if state is not None and owner is not None and state.get("owner") != owner:
            return None
        return state

    def _state(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return _public(job)
        if not _JOB_ID.fullmatch(job_id or ""):
            return None
        path = self.folder / job_id / "job.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def file(self, job_id: str, kind: str, owner: str | None = None) -> Path | None:
        """The file of a finished job (None when the job or the file does not exist)."""
        state = self.get(job_id, owner)
        path = state["files"].get(kind) if state and state["status"] == "done" else None
        return Path(path) if path and Path(path).exists() else None

    def jobs(self) -> list[dict[str, Any]]:
        with self._lock:
            return [_public(j) for j in sorted(self._jobs.values(), key=lambda j: j.created_at, reverse=True)]

    def wait(self, job_id: str, timeout: float = 120) -> dict[str, Any]:
        """Block until the job ends (tests, command line)."""
        deadline = dt.datetime.now() + dt.timedelta(seconds=timeout)
        event = threading.Event()
        while dt.datetime.now() < deadline:
            state = self.get(job_id)
            if state is None or state["status"] in ("done", "failed"):
                return state
            event.wait(0.05)
        raise TimeoutError(f"export job {job_id} still running after {timeout} s")

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    # -- internals --------------------------------------------------------------------------------

    def _update(self, job: Job, **changes) -> None:
        with self._lock:
            for k, v in changes.items():
                setattr(job, k, v)
            state = _public(job)
        folder = self.folder / job.id
        if folder.is_dir():
            tmp = folder / "job.json.tmp"
            tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, folder / "job.json")

    def _run(self, job: Job, work) -> None:
        folder = self.folder / job.id
        self._update(job, status="running", message="开始…", progress=0.01)

        def progress(share: float, message: str) -> None:
            self._update(job, progress=max(job.progress, min(float(share), 0.99)), message=message)

        try:
            files = work(folder, progress)
        except Exception as exc:  # the page shows the reason; the server keeps running
            from etl.export.annual import ExportError
            reason = exc.message if isinstance(exc, ExportError) else f"{type(exc).__name__}: {exc}"
            self._update(job, status="failed", error=reason, message="导出失败",
                         finished_at=dt.datetime.now())
            logging.getLogger(__name__).exception("export job %s failed", job.id)
            return
        self._update(job, status="done", progress=1.0, message="完成", files={k: str(v) for k, v in files.items()},
                     finished_at=dt.datetime.now())

    def _expire(self) -> None:
        cutoff = dt.datetime.now() - self.keep
        with self._lock:
            old = [j for j in self._jobs.values() if j.finished_at and j.finished_at < cutoff]
            for j in old:
                del self._jobs[j.id]
        for j in old:
            shutil.rmtree(self.folder / j.id, ignore_errors=True)
        if self.folder.is_dir():  # folders left by other processes or earlier runs
            for path in self.folder.iterdir():
                if (_JOB_ID.fullmatch(path.name) and path.name not in self._jobs
                        and dt.datetime.fromtimestamp(path.stat().st_mtime) < cutoff):
                    shutil.rmtree(path, ignore_errors=True)


def _public(job: Job) -> dict[str, Any]:
    data = asdict(job)
    data["created_at"] = job.created_at.isoformat(timespec="seconds")
    data["finished_at"] = job.finished_at.isoformat(timespec="seconds") if job.finished_at else None
    return data
