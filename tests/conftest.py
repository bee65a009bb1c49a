import datetime as dt
from pathlib import Path

import pytest

from etl import pipeline
from tests import lake_support

TODAY = dt.date(2026, 11, 25)
JURISDICTION = "330000"


def pytest_addoption(parser):
    parser.addoption("--ducklake", action="store_true",
                     help="warehouse fixtures on DuckLake with a PostgreSQL catalog (a server is started)")


def pytest_configure(config):
    lake_support.ENABLED = bool(config.getoption("--ducklake"))


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session; fails (never skips) when PostgreSQL is not installed."""
    try:
        server, problem = lake_support.Postgres().start(), None
    except RuntimeError as exc:
        server, problem = None, str(exc)
    if problem:
        pytest.fail(problem, pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def _warehouse_backend(request):
    """With --ducklake, every warehouse the fixtures hand out is a fresh DuckLake (tests/lake_support.py)."""
    if lake_support.ENABLED:
        lake_support.SERVER = request.getfixturevalue("postgres")
    yield
    lake_support.SERVER = None


@pytest.fixture
def warehouse(tmp_path: Path):
    return lake_support.new_warehouse(tmp_path / "wh" / "oversight.duckdb")


@pytest.fixture
def load(warehouse):
    """Load files into the test warehouse and return the LoadResult."""
    def run(*paths: Path, write: bool = True, today: dt.date = TODAY, jurisdiction: str = JURISDICTION):
        settings = pipeline.Settings(warehouse, jurisdiction, today)
        return pipeline.run(list(paths), settings, write=write)
    return run


def issues_of(result, rule: str | None = None, severity: str | None = None) -> list[dict]:
    rows = result.issues.to_dicts()
    return [r for r in rows if (rule is None or r["rule"] == rule) and (severity is None or r["severity"] == severity)]
