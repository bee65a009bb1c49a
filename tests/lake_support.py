"""A real PostgreSQL server for the DuckLake tests, and the warehouse locations the fixtures hand out.

`pytest --ducklake …` (make test-ducklake) gives every warehouse fixture a fresh DuckLake instead of
a file: its catalog in a schema of its own in one PostgreSQL server started for the session
(initdb + pg_ctl on a free port in a temporary folder, as the `postgres` user when run as root), its
Parquet files beside the file the test would have used. Without PostgreSQL installed the tests that
need it fail and say how to install it; they are never skipped.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.serving import free_port
from warehouse import db
from warehouse.lake import Lake

INSTALL_HINT = ("PostgreSQL 未安装：DuckLake 测试需要 initdb 与 pg_ctl（apt-get install -y postgresql）/ "
                "PostgreSQL is not installed: the DuckLake tests need initdb and pg_ctl")


def bin_dir() -> Path:
    """The folder of initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    raise RuntimeError(INSTALL_HINT)


class Postgres:
    """One PostgreSQL server in a temporary folder; superuser `oversight`, trust on loopback."""

    def __init__(self) -> None:
        self.bin = bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="oversight-pg-"))
        self.port = free_port()
        self.run_as = "postgres" if os.geteuid() == 0 else None   # initdb refuses to run as root
        if self.run_as:
            uid = pwd.getpwnam(self.run_as).pw_uid
            os.chown(self.root, uid, -1)
        self._schemas = itertools.count(1)

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", self.run_as, "--"] if self.run_as else []
        done = subprocess.run(prefix + list(args), capture_output=True, text=True)
        if done.returncode:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr or done.stdout}\n{tail}")

    def start(self) -> "Postgres":
        data = self.root / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "oversight", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.root / "server.log"),
                  "-w", "start")
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def conninfo(self) -> str:
        return f"dbname=postgres host=127.0.0.1 port={self.port} user=oversight"

    def lake(self, data: Path) -> Lake:
        """A new, empty DuckLake: its catalog in a schema of its own, its files under `data`."""
        schema = f"lake_{os.getpid()}_{next(self._schemas)}"
        return Lake(self.conninfo, data_path=f"{data}/", metadata_schema=schema)


ENABLED = False                  # `pytest --ducklake` (set before the test modules are imported)
SERVER: Postgres | None = None   # its server, set for the session (tests/conftest.py)


def new_warehouse(file: Path) -> db.Location:
    """The warehouse a test uses: `file`, or with --ducklake a fresh lake whose files go beside it."""
    if SERVER is None:
        return file
    return SERVER.lake(file.parent / f"{file.stem}-lake")
