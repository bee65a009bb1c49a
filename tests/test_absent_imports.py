"""pandas is no dependency: once the warehouse module is loaded, binding a parameter no longer makes
Python search sys.path for it (DuckDB's client asks for pandas at every bound value), and importing
it fails as it would without the declaration."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.machinery
import sys

import pytest

from warehouse import absent_imports, db  # noqa: F401  (db declares pandas absent when loaded)

PANDAS_INSTALLED = importlib.machinery.PathFinder.find_spec("pandas") is not None


def _path_searches(monkeypatch, name: str) -> list[str]:
    searched: list[str] = []
    original = importlib.machinery.PathFinder.find_spec

    def counting(fullname, path=None, target=None):
        if fullname == name:
            searched.append(fullname)
        return original(fullname, path, target)

    monkeypatch.setattr(importlib.machinery.PathFinder, "find_spec", counting)
    return searched


def test_binding_parameters_searches_sys_path_for_pandas_only_if_it_is_installed(monkeypatch):
    import duckdb
    searched = _path_searches(monkeypatch, "pandas")
    con = duckdb.connect()
    try:
        for _ in range(20):
            con.execute("SELECT $day, $n, $flag, $codes",
                        {"day": dt.date(2024, 2, 29), "n": 3, "flag": True, "codes": ["a", "b"]}).fetchall()
    finally:
        con.close()
    assert ("pandas" in absent_imports.declare_absent()) is not PANDAS_INSTALLED
    if not PANDAS_INSTALLED:
        assert searched == []


def test_a_module_declared_absent_fails_to_import_as_a_missing_one_does():
    if PANDAS_INSTALLED:
        assert "pandas" not in absent_imports.declare_absent()
        return
    sys.modules.pop("pandas", None)
    with pytest.raises(ModuleNotFoundError) as raised:
        importlib.import_module("pandas")
    assert raised.value.name == "pandas"
    # find_spec raises the same error instead of returning None (polars' check takes both)
    with pytest.raises(ModuleNotFoundError):
        importlib.util.find_spec("pandas")
    import polars as pl
    with pytest.raises(ImportError):
        pl.DataFrame({"a": [1]}).to_pandas()


def test_only_modules_neither_imported_nor_installed_are_missing():
    assert absent_imports.missing(("colorsys", "json", "no_such_module_oversight")) == \
        frozenset({"no_such_module_oversight"})
