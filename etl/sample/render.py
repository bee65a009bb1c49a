"""How a canonical value is written into a cell, the many ways organs really write it (contract §1).

A `Style` says which spellings one file uses; `cell()` picks one per value with the file's own
random stream. Every spelling produced here is one the contract says must be accepted, so messiness
never changes what the loader should load; only `Raw` values (deliberate faults) are written as is.

Cells are tuples: ("s", text), ("n", number), ("d", date), ("dt", datetime) or None for empty. Excel
forms ("d", "dt", serial numbers) are only used when the target is a workbook.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from etl.sample.model import Raw
from schemas.kinds import Column

Cell = tuple[str, object] | None
EXCEL_EPOCH = date(1899, 12, 30)
_FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
_CN_DIGITS = "〇一二三四"


@dataclass(frozen=True)
class Style:
    headers: str = "zh*"  # zh* (required marked with *), zh, en
    header_noise: bool = False  # line breaks, stray spaces, ASCII brackets inside some headers
    shuffle: bool = False  # columns in a random order
    title: tuple[str, ...] = ()  # rows above the header (the first is merged across the table)
    blank_every: int = 0  # a blank row after every n data rows
    totals: tuple[str, ...] = ()  # columns summed in a 合计 row below the table
    notes: tuple[str, ...] = ()  # 填表说明 / 填表人 rows below the table
    drop: tuple[str, ...] = ()  # optional columns the file leaves out
    dates: tuple[str, ...] = ("iso",)  # excel serial iso slash dot zh compact
    datetimes: tuple[str, ...] = ("iso",)  # excel iso slash
    bools: tuple[tuple[object, object], ...] = (("是", "否"),)
    aliases: float = 0.0  # share of enumeration values written with one of their aliases
    code_noise: float = 0.0  # share of credit codes written full-width, in lower case or with spaces
    periods: tuple[str, ...] = ("q",)  # q 2025-Q3, zh 2025年第3季度, zhcn 2025年第三季度
    separators: tuple[str, ...] = ("、",)


def date_text(day: date, form: str) -> str:
    return {
        "iso": f"{day:%Y-%m-%d}", "slash": f"{day.year}/{day.month}/{day.day}",
        "dot": f"{day.year}.{day.month}.{day.day}", "zh": f"{day.year}年{day.month}月{day.day}日",
        "compact": f"{day:%Y%m%d}",
    }[form]


def noisy_code(code: str, rng: random.Random) -> str:
    how = rng.choice(("full", "lower", "spaces", "spaces"))
    if how == "full":
        return code.translate(_FULL_WIDTH)
    if how == "lower":
        return code.lower()
    return rng.choice((f"{code[:4]} {code[4:8]} {code[8:]}", f" {code} ", f"{code[:8]} {code[8:]}"))


def period_text(period: str, form: str) -> str:
    if "-Q" not in period:
        return period  # a whole year
    year, q = period.split("-Q")
    return {"q": period, "zh": f"{year}年第{q}季度", "zhcn": f"{year}年第{_CN_DIGITS[int(q)]}季度"}[form]


def number_text(x: float | int) -> str:
    if isinstance(x, float) and not x.is_integer():
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return str(int(x))


def cell(col: Column, value: object, style: Style, rng: random.Random, excel: bool) -> Cell:
    if value is None or value == []:
        return None
    if isinstance(value, Raw):
        return ("s", value.text)
    kind = col.type
    if kind == "uscc":
        return ("s", noisy_code(value, rng) if rng.random() < style.code_noise else value)
    if kind == "date":
        form = rng.choice(style.dates)
        if form == "excel" and excel:
            return ("d", value)
        if form == "serial" and excel:
            return ("n", (value - EXCEL_EPOCH).days)
        return ("s", date_text(value, "iso" if form in ("excel", "serial") else form))
    if kind == "datetime":
        form = rng.choice(style.datetimes)
        if form == "excel" and excel:
            return ("dt", value)
        day = date_text(value.date(), "slash" if form == "slash" else "iso")
        return ("s", f"{day} {value:%H:%M}")
    if kind in ("int", "decimal"):
        return ("n", value) if excel else ("s", number_text(value))
    if kind == "bool":
        spelled = rng.choice(style.bools)[0 if value else 1]
        return ("n", spelled) if isinstance(spelled, int) and excel else ("s", str(spelled))
    if kind == "enum":
        return ("s", enum_text(col, value, style, rng))
    if kind in ("names", "codes"):
        return ("s", rng.choice(style.separators if kind == "names" else ("、",)).join(value))
    if kind == "period":
        return ("s", period_text(value, rng.choice(style.periods)))
    return ("s", str(value))


def enum_text(col: Column, value: str, style: Style, rng: random.Random) -> str:
    if style.aliases and rng.random() < style.aliases:
        aliases = [a for a, canonical in col.enum.aliases.items() if canonical == value]
        if aliases:
            return rng.choice(aliases)
    return value  # canonical, or an out-of-scope service kept verbatim


def header(col: Column, style: Style, rng: random.Random, excel: bool) -> str:
    text = col.name if style.headers == "en" else col.header if style.headers == "zh*" else col.zh
    if not style.header_noise or style.headers == "en" or rng.random() >= 0.4:
        return text
    how = rng.choice(("break", "spaces", "ascii") if excel else ("spaces", "ascii"))
    if how == "ascii" and "（" in text:
        return text.replace("（", "(").replace("）", ")")
    if how == "break" and len(text) >= 5:
        cut = len(text) // 2 + (text[0] == "*")
        return text[:cut] + "\n" + text[cut:]
    return rng.choice((f" {text} ", f"{text[:2]} {text[2:]}", f"{text}  "))
