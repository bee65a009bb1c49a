"""The inspection checklist (shipped as versioned project data) and the scoring rule of contract §3."""

from __future__ import annotations

import functools
from importlib import resources

import polars as pl

CHECKLIST_VERSION = "v1"

# Grade scale of 《档案检查工作办法》 (domain.md §3.4): lower bounds, best first. Configurable.
GRADE_CUTS = (("优秀", 80.0), ("良好", 70.0), ("合格", 60.0))
FAIL_GRADE = "不合格"
# Share of an item's weight earned by each result; 不适用 is left out and the rest rescaled to 100.
RESULT_CREDIT = {"符合": 1.0, "部分符合": 0.5, "不符合": 0.0}


@functools.lru_cache(maxsize=4)
def checklist(version: str = CHECKLIST_VERSION) -> pl.DataFrame:
    """item_code, category_code, category_zh, category_en, item_zh, item_en, weight, veto, basis."""
    data = resources.files("schemas").joinpath("data", f"checklist_{version}.csv").read_bytes()
    frame = pl.read_csv(data, schema_overrides={"weight": pl.Float64, "veto": pl.Boolean})
    assert abs(frame["weight"].sum() - 100) < 1e-9, "checklist weights must sum to 100"
    return frame.with_columns(pl.lit(version).alias("checklist_version"))


def item_codes(version: str = CHECKLIST_VERSION) -> list[str]:
    return checklist(version)["item_code"].to_list()


def grade_for(score: float | None, veto_failed: bool = False) -> str | None:
    """The grade for a score; any failed veto item means 不合格 whatever the score."""
    if veto_failed:
        return FAIL_GRADE
    if score is None:
        return None
    for grade, low in GRADE_CUTS:
        if score >= low:
            return grade
    return FAIL_GRADE


def grade_expr(score: pl.Expr, veto_failed: pl.Expr | None = None) -> pl.Expr:
    """Column-wise `grade_for`."""
    expr = pl.when(score.is_null()).then(pl.lit(None, pl.String))
    if veto_failed is not None:
        expr = pl.when(veto_failed.fill_null(False)).then(pl.lit(FAIL_GRADE)).when(score.is_null()).then(
            pl.lit(None, pl.String))
    for grade, low in GRADE_CUTS:
        expr = expr.when(score >= low).then(pl.lit(grade))
    return expr.otherwise(pl.lit(FAIL_GRADE))
