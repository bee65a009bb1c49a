"""A sample warehouse for the export tests, built once per test session (several modules share it)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

import pytest

from etl import pipeline, sample
from warehouse import queries

TODAY = dt.date(2026, 3, 15)   # 2024 and 2025 are whole years of the sample
YEAR = 2025
JURISDICTION = "330000"


@functools.lru_cache(maxsize=None)
def sample_warehouse(root: Path) -> Path:
    """Generate the seeded sample province into `root` and load it; return the warehouse path."""
    warehouse = root / "oversight.duckdb"
    if not warehouse.exists():
        manifest = sample.generate(root / "submissions", today=TODAY)
        pipeline.run([root / "submissions"], pipeline.Settings(warehouse, manifest["jurisdiction"], TODAY))
    return warehouse


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory) -> Path:
    return sample_warehouse(tmp_path_factory.getbasetemp() / "export_sample")


@pytest.fixture(scope="module")
def con(warehouse_path):
    c = queries.connect(warehouse_path)
    yield c
    c.close()


def header_row(ws) -> int:
    """The 1-based row of a sheet's table header: the row just above the frozen pane."""
    return int(re.match(r"[A-Z]+(\d+)", ws.freeze_panes)[1]) - 1


def summary_figures(wb, year: int = YEAR) -> dict[str, tuple]:
    """{figure code: (this year, last year)} from the 摘要 sheet of an annual workbook ("—" → None)."""
    ws = wb["摘要"]
    h = header_row(ws)
    headers = [c.value for c in ws[h]]
    key, now, before = headers.index("指标代码"), headers.index(f"{year}年"), headers.index(f"{year - 1}年")
    out = {}
    for row in ws.iter_rows(min_row=h + 1, values_only=True):
        if row[key] is None:
            break
        out[row[key]] = (row[now], None if row[before] == "—" else row[before])
    return out
