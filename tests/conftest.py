import datetime as dt
from pathlib import Path

import pytest

from etl import pipeline

TODAY = dt.date(2026, 11, 25)
JURISDICTION = "330000"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "oversight.duckdb"


@pytest.fixture
def load(warehouse: Path):
    """Load files into the test warehouse and return the LoadResult."""
    def run(*paths: Path, write: bool = True, today: dt.date = TODAY, jurisdiction: str = JURISDICTION):
        settings = pipeline.Settings(warehouse, jurisdiction, today)
        return pipeline.run(list(paths), settings, write=write)
    return run


def issues_of(result, rule: str | None = None, severity: str | None = None) -> list[dict]:
    rows = result.issues.to_dicts()
    return [r for r in rows if (rule is None or r["rule"] == rule) and (severity is None or r["severity"] == severity)]
