"""Header recognition: the many ways organs write a column header, mapped to the contract's names.

A header cell is folded (NFKC, which turns full-width brackets into ASCII ones; '*' marks, spaces
and line breaks removed; lower case) and looked up among each kind's Chinese header, English column
name and aliases. A unit in brackets is tolerated (`合同金额（万元）` = `合同金额`) unless it names a
different unit, which would silently scale the figures.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from schemas.kinds import KINDS, Kind

_UNIT = re.compile(r"\(([^()]*)\)$")
# Bracketed words that change the meaning of a figure: never stripped to match a header.
_CONFLICTING_UNITS = ("元", "千元", "亿元", "%", "个", "人")


def fold_header(cell: str | None) -> str:
    if cell is None:
        return ""
    text = unicodedata.normalize("NFKC", str(cell))
    text = "".join(text.split()).replace("*", "").replace("＊", "")
    return text.lower()


def _strip_unit(folded: str) -> str | None:
    m = _UNIT.search(folded)
    if not m or m.group(1) in _CONFLICTING_UNITS:
        return None
    return folded[: m.start()]


@functools.lru_cache(maxsize=None)
def alias_table(kind_name: str) -> dict[str, str]:
    """Folded header spelling -> column name, for one kind."""
    kind = next(k for k in KINDS if k.name == kind_name)
    table: dict[str, str] = {}
    for col in kind.columns:
        for spelling in (col.zh, col.name, *col.aliases):
            folded = fold_header(spelling)
            table.setdefault(folded, col.name)
            bare = _strip_unit(folded)
            if bare:
                table.setdefault(bare, col.name)
    return table


def column_of(kind_name: str, cell: str | None) -> str | None:
    """The column name a header cell stands for in a kind, or None."""
    folded = fold_header(cell)
    if not folded:
        return None
    table = alias_table(kind_name)
    name = table.get(folded)
    if name is None:
        bare = _strip_unit(folded)
        name = table.get(bare) if bare else None
    return name


def match_headers(kind: Kind, cells: list[str | None]) -> dict[int, str]:
    """Position of each recognised header cell -> column name (first occurrence of a column wins)."""
    found: dict[int, str] = {}
    taken: set[str] = set()
    for i, cell in enumerate(cells):
        name = column_of(kind.name, cell)
        if name and name not in taken:
            found[i] = name
            taken.add(name)
    return found


@functools.lru_cache(maxsize=1)
def all_known_headers() -> frozenset[str]:
    """Every folded spelling of any kind: used to find the header row below title rows."""
    return frozenset(h for k in KINDS for h in alias_table(k.name))
