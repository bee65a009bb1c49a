"""Calendar arithmetic the marts and the query layer share: quarters and months; and a date as
Chinese text writes it. A module of its own, light to import: the loader's mart refresh needs it
without the query layer."""

from __future__ import annotations

import datetime as dt


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later (or earlier); the month's last day when it is shorter."""
    m = day.year * 12 + day.month - 1 + months
    year, month = divmod(m, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def quarter_end(day: dt.date) -> dt.date:
    return add_months(quarter_start(day), 3) - dt.timedelta(days=1)


def date_text(day: dt.date) -> str:
    """A date as a Chinese reader writes it in running text: 2025年3月1日 (as sql/parts/date_zh.sql
    writes it in the marts' reasons)."""
    return f"{day.year}年{day.month}月{day.day}日"
