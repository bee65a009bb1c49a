"""The in-memory form of a sample: rows with canonical values and what the loader must say of them.

Every row carries the rule codes it breaks (`rejects`) and the warnings it raises (`warns`), decided
when the row is made or broken. The manifest is counted from these, never re-derived from the files,
so it states what the generator meant and the loader can be tested against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Raw:
    """A value written verbatim into the cell: a deliberately broken value (`五百万`, `严重` …)."""

    text: str


@dataclass
class Row:
    values: dict[str, Any]  # column name -> canonical value (str, date, datetime, float, int, bool, list) or Raw
    rejects: set[str] = field(default_factory=set)
    warns: set[str] = field(default_factory=set)
    meta: dict[str, Any] = field(default_factory=dict)  # story attributes never written (year, quality …)

    @property
    def loaded(self) -> bool:
        return not self.rejects

    @property
    def clean(self) -> bool:
        """Untouched by the fault planter: safe to break or to warn."""
        return not self.rejects and not self.warns

    def __getitem__(self, column: str) -> Any:
        return self.values.get(column)


World = dict[str, list[Row]]  # kind name -> rows, in the order they will be written
