"""Row warnings (codes starting W_): rules that never block a row but are kept and shown.

Each warning is (code, column, condition, detail) on the typed frame of one kind. Warnings that
need other kinds (an inspection's score against its items) are derived in the warehouse after the
load, see warehouse/sql/derive/.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.identifiers import USCC_PILOT_CODES, org_code_consistent, uscc_valid
from schemas.kinds import EVALUATION_WEIGHTS, Kind


@dataclass(frozen=True)
class RowWarning:
    code: str
    column: str
    condition: pl.Expr
    detail: pl.Expr = pl.lit("")


def evaluation_overall() -> pl.Expr:
    """Overall evaluation score by the weights of contract §2.8."""
    return sum(pl.col(c) * w for c, w in EVALUATION_WEIGHTS.items()).round(2)


def _uscc_warnings(column: str) -> list[RowWarning]:
    col = pl.col(column)
    pilot = col.is_in(list(USCC_PILOT_CODES))
    return [RowWarning("W_USCC_PILOT", column, pilot),
            RowWarning("W_USCC_ORG_CHECK", column, uscc_valid(col) & ~pilot & ~org_code_consistent(col))]


def warnings_for(kind: Kind) -> list[RowWarning]:
    found: list[RowWarning] = []
    for c in kind.columns:
        if c.type == "uscc":
            found += _uscc_warnings(c.name)
    if kind.name == "organs":
        code = pl.col("organ_code")
        found.append(RowWarning("W_ORGAN_PREFIX", "organ_code",
                                uscc_valid(code) & ~code.str.slice(0, 2).is_in(["11", "13"])))
    if kind.name == "projects":
        found.append(RowWarning("W_START_BEFORE_SIGNED", "start_on", pl.col("start_on") < pl.col("signed_on"),
                                pl.col("signed_on").cast(pl.String)))
    if kind.name == "inspection_items":
        found.append(RowWarning("W_FINDING_MISSING", "result",
                                pl.col("result").is_in(["部分符合", "不符合"]) & pl.col("finding").is_null()))
    if kind.name == "evaluations":
        found.append(RowWarning("W_OVERALL_MISMATCH", "overall", (pl.col("overall") - evaluation_overall()).abs() > 1,
                                evaluation_overall().cast(pl.String)))
    return found
