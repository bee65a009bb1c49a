"""Turn the text organs wrote into typed values, column-wise.

Every column of a raw sheet arrives as text. Each type has a parser built from polars expressions
(no per-row Python) that accepts the spellings of contract §1. A value that was written but cannot
be read becomes null in the typed frame and a ROW_TYPE problem; rules about valid values are left
to the pandera models (schemas/models.py), which see the typed frame.
"""

from __future__ import annotations

import polars as pl

from schemas import enums
from schemas.enums import OUT_OF_SCOPE
from schemas.kinds import Column, Kind
from schemas.rules import EARLIEST_DATE_ZH, EARLIEST_YEAR, TIME_ONLY_ZH, TYPE_NAMES_ZH

ROW = "_row"  # position of the row within its sheet's frame
PROBLEM_SCHEMA = {ROW: pl.UInt32, "column": pl.String, "value": pl.String, "rule": pl.String,
                  "detail": pl.String}
LIST_SEPARATORS = r"[、，,;；/\s]+"
EXCEL_EPOCH = pl.date(1899, 12, 30)


def _blank_to_null(e: pl.Expr) -> pl.Expr:
    return pl.when(e.str.len_chars() > 0).then(e)


def clean_text(e: pl.Expr) -> pl.Expr:
    """Free text: surrounding white space (incl. the ideographic space) trimmed, '' -> null."""
    return _blank_to_null(e.str.strip_chars(" \t\r\n\u3000\u00a0\ufeff"))


def folded(e: pl.Expr) -> pl.Expr:
    """Codes, numbers, dates: full-width to half-width (NFKC) and trimmed."""
    return clean_text(e.str.normalize("NFKC"))


def parse_code(e: pl.Expr) -> pl.Expr:
    """Credit codes: spaces and hyphens dropped, upper case (contract §1); a leading apostrophe, Excel's
    mark of a number kept as text, is no part of a code."""
    return _blank_to_null(folded(e).str.replace_all(r"^'|[\s\-—_]", "").str.to_uppercase())


def parse_region(e: pl.Expr) -> pl.Expr:
    # A region typed as a number in Excel may come back as '330100.0'.
    return parse_code(e).str.replace(r"\.0+$", "")


def parse_number(e: pl.Expr) -> pl.Expr:
    return folded(e).str.replace_all(r"[,，\s]", "").cast(pl.Float64, strict=False)


def parse_int(e: pl.Expr) -> pl.Expr:
    number = parse_number(e)
    return pl.when(number == number.round(0)).then(number).cast(pl.Int64, strict=False)


def parse_bool(e: pl.Expr) -> pl.Expr:
    table = {**{k: True for k in enums.BOOL_TRUE}, **{k: False for k in enums.BOOL_FALSE}}
    return folded(e).str.to_lowercase().str.replace_all(r"\s", "").replace_strict(
        table, default=None, return_dtype=pl.Boolean)


def parse_datetime(e: pl.Expr) -> pl.Expr:
    """Excel dates, serial numbers and the text forms of contract §1, to a naive datetime.

    `2025-03-05`, `2025/3/5`, `2025.3.5`, `2025年3月5日`, `20250305`, each optionally followed by
    `HH:MM[:SS[.fff]]` or `HH时MM分[SS秒]`; an Excel serial number such as 45721 (or 45721.5 with a time
    of day).
    """
    text = folded(e)
    # Fractions of a second (`14:30:00.000`, as systems export) go first: their '.' is no date separator.
    unified = (text.str.replace(r"(:\d{2})\.\d+$", "$1")
               .str.replace_all(r"[年月/.]", "-").str.replace_all(r"[日号]", " ")
               .str.replace(r"^(\d{4})(\d{2})(\d{2})(\s|$)", "$1-$2-$3$4")
               .str.replace(r"[Tt]", " ")
               # `14时30分[15秒]`, `9时5分`, `9点`: the way incident reports write a time of day.
               .str.replace(r"[时点](\d)分", "时0${1}分").str.replace(r"分(\d)秒$", "分0${1}秒")
               .str.replace(r"(\d{1,2})[时点](\d{2})分(\d{2})秒$", "$1:$2:$3")
               .str.replace(r"(\d{1,2})[时点](\d{2})分?$", "$1:$2")
               .str.replace(r"(\d{1,2})[时点]$", "$1:00")
               .str.strip_chars())
    parts = unified.str.extract_groups(
        r"^(\d{4})-(\d{1,2})-(\d{1,2})\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
    pad = lambda s: s.str.zfill(2)  # noqa: E731
    iso = pl.format("{}-{}-{} {}:{}:{}", parts.struct[0], pad(parts.struct[1]), pad(parts.struct[2]),
                    pad(parts.struct[3].fill_null("0")), pad(parts.struct[4].fill_null("0")),
                    pad(parts.struct[5].fill_null("0")))
    from_text = iso.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
    serial = text.cast(pl.Float64, strict=False)
    plausible_serial = serial.is_between(10_000, 100_000) & ~text.str.contains(r"^\d{8}$")
    from_serial = (EXCEL_EPOCH.cast(pl.Datetime("us"))
                   + pl.duration(microseconds=(serial * 86_400_000_000).round(0).cast(pl.Int64)))
    return pl.when(plausible_serial).then(from_serial).otherwise(from_text)


def parse_date(e: pl.Expr) -> pl.Expr:
    return parse_datetime(e).dt.date()


_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


def parse_period(e: pl.Expr) -> pl.Expr:
    """`2025`, `2025-Q3`, `2025Q3`, `2025年第3季度`, `2025年第三季度` -> `2025` or `2025-Q3`."""
    text = folded(e).str.to_uppercase().str.replace_all(r"\s", "")
    for cn, digit in _CN_DIGITS.items():
        text = text.str.replace_all(cn, digit)
    quarter = text.str.extract_groups(r"^(\d{4})(?:年度?)?[-_]?(?:第?([1-4])季度?|Q([1-4]))$")
    q = pl.coalesce(quarter.struct[1], quarter.struct[2])
    year_only = text.str.extract(r"^(\d{4})年?度?$", 1)
    return (pl.when(year_only.is_not_null()).then(year_only)
            .when(q.is_not_null()).then(pl.format("{}-Q{}", quarter.struct[0], q)))


def split_list(e: pl.Expr) -> pl.Expr:
    """The items of a list written in one cell (`张三、李四`, `A;B`), blanks dropped."""
    unified = clean_text(e).str.replace_all(LIST_SEPARATORS, "、")
    return unified.str.split("、").list.eval(pl.element().filter(pl.element().str.len_chars() > 0))


def parse_enum(column: Column, e: pl.Expr) -> pl.Expr:
    """Aliases to the canonical value; an unknown value is kept as written so the model rejects it."""
    table = column.enum.lookup_table()
    written = clean_text(e)
    # The same folding as schemas.enums.fold: NFKC, no white space, lower case.
    canonical = folded(e).str.to_lowercase().str.replace_all(r"\s", "").replace_strict(
        table, default=None, return_dtype=pl.String)
    if column.name == "service_type":
        # Contract §2.4: any other service still loads, as 超范围, with the text kept verbatim.
        return pl.when(written.is_null()).then(None).otherwise(canonical.fill_null(pl.lit(OUT_OF_SCOPE)))
    return pl.coalesce(canonical, written)


PARSERS = {
    "text": clean_text, "uscc": parse_code, "region": parse_region, "int": parse_int,
    "decimal": parse_number, "bool": parse_bool, "date": parse_date, "datetime": parse_datetime,
    "period": parse_period,
}


TYPE_CHECKED = ("int", "decimal", "bool", "date", "datetime", "period")


def typed_expr(column: Column, raw: pl.Expr) -> pl.Expr:
    if column.type == "enum":
        return parse_enum(column, raw)
    if column.type == "names":
        return split_list(raw).list.join("、").pipe(_blank_to_null)
    if column.type == "codes":
        return split_list(raw).list.eval(parse_code(pl.element())).list.join("、").pipe(_blank_to_null)
    return PARSERS[column.type](raw)


# Types whose columns repeat few distinct values: parsed once per distinct value, then mapped.
FEW_DISTINCT = ("enum", "bool", "date", "datetime", "period", "region")


def parse_column(column: Column, raw: pl.Series) -> pl.Series:
    """The typed values of one column (same length, same order)."""
    if column.type in FEW_DISTINCT:
        distinct = raw.drop_nulls().unique()
        if len(distinct) * 4 < len(raw):
            parsed = distinct.to_frame("v").select(typed_expr(column, pl.col("v")))[:, 0]
            return raw.replace_strict(distinct, parsed, default=None, return_dtype=parsed.dtype).alias(column.name)
    return raw.to_frame("v").select(typed_expr(column, pl.col("v")))[:, 0].alias(column.name)


# A number in the scientific notation Excel shows for one of 12 or more digits (1.13301E+17): how the
# reader gives a number cell of 16 or more digits (etl.read; its digits past the 15th are gone), and how
# Excel saves a number cell of 12 or more digits in a CSV (as shown: six significant digits). A shorter
# number cell is exact and is read as its digits.
CODE_AS_NUMBER = r"^[1-9](?:\.\d+)?[Ee]\+?(?:1[1-9]|[2-9]\d|\d{3,})$"
# A time of day with no date: a time-only Excel cell (the reader gives it as Excel shows it), or typed so.
TIME_ONLY = r"^\d{1,2}(?::\d{2}(?::\d{2})?|[时点](?:\d{1,2}分(?:\d{1,2}秒)?)?)$"


def _problems(rows: pl.DataFrame, column: str, rule: str, detail: pl.Expr | str) -> pl.DataFrame:
    detail = pl.lit(detail) if isinstance(detail, str) else detail
    return rows.with_columns(column=pl.lit(column), rule=pl.lit(rule), detail=detail).select(
        PROBLEM_SCHEMA.keys()).cast(PROBLEM_SCHEMA)


def normalise(kind: Kind, raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed frame, problems of reading: ROW_TYPE, ROW_CODE_AS_NUMBER, ROW_RANGE for a date before 1900).
    `raw` has one String column per contract column and ROW. A value with such a problem is null in the
    typed frame, so that no later check reports it again."""
    carried = [raw[c] for c in (ROW, "source_row") if c in raw.columns]
    typed = pl.DataFrame([*carried, *[parse_column(c, raw[c.name]) for c in kind.columns]])
    if kind.name == "projects":
        typed = typed.with_columns(raw.select(clean_text(pl.col("service_type")).alias("service_type_text")))
    problems = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    unread: dict[str, pl.Series] = {}
    for c in kind.columns:
        if c.type not in TYPE_CHECKED:
            # Text columns (codes above all): a long number Excel kept is not the code that was typed.
            # (The cheap test first: most cells hold no letter E at all.)
            bad = raw.select(pl.col(ROW), pl.col(c.name).alias("value")).filter(
                pl.col("value").str.contains(r"[EeＥｅ]")).filter(folded(pl.col("value")).str.contains(CODE_AS_NUMBER))
            if bad.height:
                problems.append(_problems(bad, c.name, "ROW_CODE_AS_NUMBER", ""))
                unread[c.name] = raw[ROW].is_in(bad[ROW].implode())
            continue
        written = raw.select(pl.col(ROW), clean_text(pl.col(c.name)).alias("value"))
        bad = written.filter(pl.col("value").is_not_null() & typed[c.name].is_null())
        if bad.height:
            detail = pl.lit(TYPE_NAMES_ZH[c.type])
            if c.type in ("date", "datetime"):
                detail = pl.when(folded(pl.col("value")).str.contains(TIME_ONLY)).then(
                    pl.format("{}：{}", detail, pl.lit(TIME_ONLY_ZH))).otherwise(detail)
            problems.append(_problems(bad, c.name, "ROW_TYPE", detail))
        if c.type in ("date", "datetime"):
            # Excel holds no date before 1900: such a date was typed as text, and its year is a slip.
            early = (typed[c.name].dt.year() < EARLIEST_YEAR).fill_null(False)
            if early.any():
                problems.append(_problems(written.filter(early), c.name, "ROW_RANGE", EARLIEST_DATE_ZH))
                unread[c.name] = early
    if unread:
        typed = typed.with_columns(pl.when(~flag).then(typed[name]).alias(name) for name, flag in unread.items())
    return typed, pl.concat(problems)
