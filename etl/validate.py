"""Check the rows of one sheet: types, the pandera model, references and row warnings.

Everything found is a problem row (ROW, column, value, rule, detail); `value` is the cell as the
user wrote it, so the message quotes what they see in their file.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandera.errors
import polars as pl

from etl.detect import Sheet
from etl.normalise import PROBLEM_SCHEMA, ROW, clean_text, normalise, parse_code, parse_datetime
from etl.derive import with_derived
from schemas.identifiers import region_name, region_prefix, uscc_detail
from etl.template import example_row
from schemas.kinds import BY_NAME, Kind
from schemas.models import rule_for_check, schema_for
from schemas.references import REFERENCES
from schemas.warnings import warnings_for


def _details(kind: Kind, rule: str, column: str, other: str | None, today: dt.date,
             jurisdiction: str | None) -> str:
    col = kind.column(column)
    if rule == "ROW_ENUM":
        return "、".join(col.enum.values) if col.enum else ""
    if rule == "ROW_RANGE":
        return f"{col.ge:g}–{col.le:g}" if col.le is not None else f"不小于{col.ge:g}"
    if rule == "ROW_JURISDICTION" and jurisdiction:
        return f"{jurisdiction} {region_name(jurisdiction)}"
    if rule == "ROW_FUTURE_DATE":
        return today.isoformat()
    if rule == "ROW_REQUIRED" and other:
        return f"（「{kind.column(other).zh}」为已结案时）" if other == "status" else ""
    return ""


def _model_problems(kind: Kind, typed: pl.DataFrame, today: dt.date, jurisdiction: str | None) -> pl.DataFrame:
    prefix = _prefix(jurisdiction)
    try:
        schema_for(kind.name, today, prefix).validate(typed, lazy=True)
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases.filter(pl.col("index").is_not_null())
    rows = []
    for (check, column), group in cases.group_by(["check", "column"], maintain_order=True):
        rule, other = rule_for_check(check)
        detail = _details(kind, rule, column, other, today, jurisdiction)
        rows.append(group.select(pl.col("index").cast(pl.UInt32).alias(ROW)).with_columns(
            column=pl.lit(column), value=pl.lit(None, pl.String), rule=pl.lit(rule), detail=pl.lit(detail),
            other=pl.lit(other, pl.String)))
    return pl.concat(rows) if rows else pl.DataFrame(schema={**PROBLEM_SCHEMA, "other": pl.String})


def _prefix(jurisdiction: str | None) -> str | None:
    return region_prefix(jurisdiction) if jurisdiction else None


def _as_read(written: pl.Expr) -> pl.Expr:
    """A date cell as the clerk sees it: an .xls keeps a date as its serial number (45743), which
    means nothing to the clerk; the date it stands for does (2025-03-23, with its time if it has one)."""
    when = parse_datetime(written)
    shown = pl.when(when.dt.time() == dt.time(0)).then(when.dt.strftime("%Y-%m-%d")).otherwise(
        when.dt.strftime("%Y-%m-%d %H:%M"))
    return pl.coalesce(shown, written)


def _with_written_values(problems: pl.DataFrame, sheet: Sheet, kind: Kind) -> pl.DataFrame:
    """Quote each problem's cell as written; fill details that depend on the row."""
    if problems.is_empty():
        return problems.select(PROBLEM_SCHEMA.keys())
    long = sheet.frame.drop("source_row").unpivot(index=ROW, variable_name="column", value_name="written")
    out = problems.drop("value").join(long, on=[ROW, "column"], how="left").with_columns(
        value=clean_text(pl.col("written")))
    if "other" in out.columns:
        other_value = long.rename({"column": "other", "written": "other_written"})
        out = out.join(other_value, on=[ROW, "other"], how="left")
        zh = {c.name: c.zh for c in kind.columns}
        out = out.with_columns(detail=pl.when(pl.col("rule") == "ROW_DATE_ORDER").then(
            pl.format("「{}」（{}）", pl.col("other").replace_strict(zh, default=""), _as_read(pl.col("other_written"))))
            .otherwise(pl.col("detail")))
    out = out.with_columns(detail=pl.when(pl.col("rule") == "ROW_USCC").then(
        uscc_detail(parse_code(pl.col("value"))))
        .otherwise(pl.col("detail")))
    return out.select(PROBLEM_SCHEMA.keys())


def _as_written(value: object) -> str:
    """A value the template writes, as the reader gives its cell back."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@functools.lru_cache(maxsize=None)
def template_example(kind_name: str) -> dict[str, object]:
    """The template's example row of a kind (etl.template.example_row), normalised as the loader
    normalises a submitted row: column name -> typed value, for the columns the example fills."""
    kind = BY_NAME[kind_name]
    written = example_row(kind)
    raw = pl.DataFrame({ROW: pl.Series([0], dtype=pl.UInt32),
                        **{c.name: pl.Series([_as_written(written[c.name]) if c.name in written else None],
                                             dtype=pl.String) for c in kind.columns}})
    typed, _ = normalise(kind, raw)
    return {name: typed[name][0] for name in written}


def template_example_rows(kind: Kind, typed: pl.DataFrame) -> pl.DataFrame:
    """ROW_TEMPLATE_EXAMPLE: rows equal to the template's example in every column the example fills,
    compared after normalisation (2025/6/12 is the example's 2025-06-12). One problem per row, on the
    sheet's first column that the example fills."""
    example = template_example(kind.name)
    if not example or typed.is_empty():
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    same = pl.all_horizontal([(pl.col(name) == pl.lit(value, dtype=typed.schema[name])).fill_null(False)
                              for name, value in example.items()])
    first = next(iter(example))
    return typed.filter(same).select(pl.col(ROW).cast(pl.UInt32), column=pl.lit(first), value=pl.lit(None, pl.String),
                                     rule=pl.lit("ROW_TEMPLATE_EXAMPLE"), detail=pl.lit(""))


def check_sheet(sheet: Sheet, today: dt.date, jurisdiction: str | None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(typed rows with derived columns, errors, warnings) of one sheet; nothing is dropped yet."""
    kind = sheet.kind
    typed, type_problems = normalise(kind, sheet.frame)
    model = _model_problems(kind, typed, today, jurisdiction)
    # A value that could not be read is reported once, as ROW_TYPE, not again as missing.
    model = model.join(type_problems.select(ROW, "column"), on=[ROW, "column"], how="anti")
    errors = pl.concat([type_problems.with_columns(other=pl.lit(None, pl.String)), model], how="diagonal")
    examples = template_example_rows(kind, typed)
    if examples.height:
        # The template's example is no data: that is all there is to say about the row.
        errors = pl.concat([errors.join(examples.select(ROW), on=ROW, how="anti"),
                            examples.with_columns(other=pl.lit(None, pl.String))], how="diagonal_relaxed")
    errors = _with_written_values(errors, sheet, kind)
    warnings = _warnings(kind, typed)
    return with_derived(kind.name, typed), errors, _with_written_values(warnings, sheet, kind)


def _warnings(kind: Kind, typed: pl.DataFrame) -> pl.DataFrame:
    found = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    for w in warnings_for(kind):
        hit = typed.filter(w.condition.fill_null(False)).select(
            pl.col(ROW), column=pl.lit(w.column), value=pl.lit(None, pl.String), rule=pl.lit(w.code),
            detail=w.detail.cast(pl.String))
        found.append(hit.cast(PROBLEM_SCHEMA))
    return pl.concat(found)


def reference_problems(sheet: Sheet, typed: pl.DataFrame, known: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """ROW_UNKNOWN_REFERENCE rows: references whose target combination is not known."""
    kind_name = sheet.kind.name
    found = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    for ref in REFERENCES.get(kind_name, ()):
        present = pl.all_horizontal([pl.col(c).is_not_null() for c in ref.columns])
        if ref.unless_present:
            present = present & pl.col(ref.unless_present).is_null()
        target = known[ref.target].select(ref.target_columns).unique().with_columns(_hit=pl.lit(True))
        candidates = typed.filter(present).select(ROW, *ref.columns)
        joined = candidates.join(target, left_on=list(ref.columns), right_on=list(ref.target_columns), how="left")
        missing = joined.filter(pl.col("_hit").is_null()).select(
            pl.col(ROW), column=pl.lit(ref.columns[0]), value=pl.lit(None, pl.String),
            rule=pl.lit("ROW_UNKNOWN_REFERENCE"), detail=pl.lit(ref.detail))
        found.append(missing.cast(PROBLEM_SCHEMA))
    return _with_written_values(pl.concat(found), sheet, sheet.kind)
