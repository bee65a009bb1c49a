"""Values a loaded row carries beyond what was written: defaults and per-row derivations.

Derivations that need other kinds (an inspection's score from its items, compliance flags) run in
the warehouse after the rows are written (warehouse/sql/derive/).
"""

from __future__ import annotations

import polars as pl

from schemas.warnings import evaluation_overall


def with_derived(kind: str, typed: pl.DataFrame) -> pl.DataFrame:
    if kind == "qualifications":
        return typed.with_columns(pl.col("status").fill_null("有效"))
    if kind == "inspectors":
        return typed.with_columns(pl.col("active").fill_null(True))
    if kind == "inspections":
        return typed.with_columns(
            inspector_count=pl.col("inspectors").str.split("、").list.len().fill_null(0).cast(pl.Int32),
            score_reported=pl.col("score"), grade_reported=pl.col("grade"))
    if kind == "evaluations":
        return typed.with_columns(overall_reported=pl.col("overall"),
                                  overall=pl.coalesce(pl.col("overall"), evaluation_overall()))
    if kind == "incidents":
        since = pl.coalesce(pl.col("discovered_at"), pl.col("occurred_at"))
        return typed.with_columns(
            report_delay_hours=((pl.col("reported_at") - since).dt.total_seconds() / 3600).round(2))
    return typed
