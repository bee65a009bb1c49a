"""Tell Python once that an optional module DuckDB asks for is not installed.

DuckDB's Python client tries `import pandas` each time it converts a bound parameter (to recognise a
pandas value). pandas is no dependency of this project, and Python does not remember a failed
import: each try searches every entry of sys.path again. A mart refresh binds about 500 values, and
those searches cost about 30 ms of it (docs/benchmarks.md). `declare_absent` checks once whether the
module is installed; if it is not, a finder at the head of sys.meta_path answers "no module named …"
at once, which is what the search would have found. (`importlib.util.find_spec` then raises that
ModuleNotFoundError instead of returning None; polars, the one library here that asks, takes both.)
"""

from __future__ import annotations

import importlib.machinery
import sys

OPTIONAL = ("pandas",)


class _Absent:
    """A meta path finder for modules known to be missing: the import fails as it would have, without
    the search."""

    def __init__(self, names: frozenset[str]):
        self.names = names

    def find_spec(self, name: str, path=None, target=None):
        if name in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def declare_absent(names: tuple[str, ...] = OPTIONAL) -> frozenset[str]:
    """Declare absent those of `names` that are not installed now (once per process); returns the
    names declared absent."""
    for finder in sys.meta_path:
        if isinstance(finder, _Absent):
            return finder.names
    names_missing = missing(names)
    if names_missing:
        sys.meta_path.insert(0, _Absent(names_missing))
    return names_missing


def missing(names: tuple[str, ...]) -> frozenset[str]:
    """Those of `names` neither imported nor found on sys.path."""
    return frozenset(n for n in names if n not in sys.modules and importlib.machinery.PathFinder.find_spec(n) is None)
