"""Credit codes (domain.md §6.3 test vectors), region codes, and the parsers of contract §1 —
including property-based checks that no input makes them crash."""

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from etl.normalise import parse_bool, parse_date, parse_datetime, parse_number, parse_period, typed_expr
from schemas.identifiers import region_prefix, uscc_problem, uscc_valid, valid_region_codes
from schemas.kinds import INCIDENTS, KINDS

VALID = ["91110000600037341L", "121200004013590816", "91310110666007217T", "91310115591693856A",
         "914403001922038216", "91330100716105852F", "91110000802100433B", "11100000000013127D",
         "11100000000013186G", "111000000000131433", "91350100M0001TGQXM"]
INVALID = ["91110000600037341N", "914403001922038217", "9111000060003IOZSV", "1234"]


@pytest.mark.parametrize("code", VALID)
def test_valid_credit_codes(code):
    assert uscc_problem(code) is None
    assert pl.DataFrame({"c": [code]}).select(uscc_valid(pl.col("c")))[0, 0]


@pytest.mark.parametrize("code", INVALID)
def test_invalid_credit_codes(code):
    assert uscc_problem(code) is not None
    assert not pl.DataFrame({"c": [code]}).select(uscc_valid(pl.col("c")))[0, 0]


def test_check_character_named_in_the_problem():
    assert uscc_problem("914403001922038217") == "校验位应为6"


def test_region_codes_and_jurisdiction_prefixes():
    assert {"330000", "330100", "330102", "330104"} <= valid_region_codes()  # 330104 retired in 2021: still valid
    assert "999999" not in valid_region_codes()
    assert (region_prefix("330000"), region_prefix("330100"), region_prefix("330102")) == ("33", "3301", "330102")


def one(expr, value):
    return pl.DataFrame({"a": [value]}, schema={"a": pl.String}).select(expr(pl.col("a")))[0, 0]


@pytest.mark.parametrize("text", ["2025-03-05", "2025/3/5", "2025.3.5", "2025年3月5日", "20250305", "45721",
                                  "2025-03-05 00:00:00", "２０２５－０３－０５"])
def test_every_date_form_of_the_contract(text):
    assert str(one(parse_date, text)) == "2025-03-05"


def test_datetimes_with_hours_and_minutes():
    assert str(one(parse_datetime, "2025/3/5 14:30")) == "2025-03-05 14:30:00"
    assert one(parse_date, "2025-02-30") is None


@pytest.mark.parametrize("text,moment", [
    ("2025-03-05 14:30:00.000", "2025-03-05 14:30:00"),     # as database systems export it
    ("2025/3/5 14:30:15.5", "2025-03-05 14:30:15"),
    ("2025年3月5日14时30分", "2025-03-05 14:30:00"),          # as incident reports write it
    ("2025年3月5日 9时5分20秒", "2025-03-05 09:05:20"),
    ("2025年3月5日9点", "2025-03-05 09:00:00"),
    ("2025-03-05 14时30分", "2025-03-05 14:30:00"),
])
def test_times_written_with_fractions_or_in_chinese(text, moment):
    assert str(one(parse_datetime, text)) == moment


@pytest.mark.parametrize("text", ["2025-3-5 9:5", "2025-03-05 24:00", "2025-03-05 14:30:61", "2025/3/5 下午2:30"])
def test_ambiguous_or_impossible_times_are_not_guessed(text):
    assert one(parse_datetime, text) is None


@pytest.mark.parametrize("text,value", [("是", True), ("否", False), ("Y", True), ("N", False), ("√", True),
                                        ("×", False), ("1", True), ("0", False), ("true", True), ("FALSE", False),
                                        ("✔", True), ("☑", True), ("✘", False), ("✕", False), ("有", True),
                                        ("无", False)])
def test_yes_no(text, value):
    assert one(parse_bool, text) is value


@pytest.mark.parametrize("text,period", [("2025", "2025"), ("2025-Q3", "2025-Q3"), ("2025年第3季度", "2025-Q3"),
                                         ("2025年第三季度", "2025-Q3"), ("2025q4", "2025-Q4")])
def test_periods(text, period):
    assert one(parse_period, text) == period


@pytest.mark.parametrize("text", ["一般", "一般事件", "Ⅳ", "IV", "4", "ⅳ"])
def test_severity_aliases(text):
    column = INCIDENTS.column("severity")
    assert one(lambda e: typed_expr(column, e), text) == "一般"


def test_full_width_digits_in_numbers():
    assert one(parse_number, "１２３.５") == 123.5


ALL_COLUMNS = [c for k in KINDS for c in k.columns]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=30)), min_size=1, max_size=20))
def test_no_text_makes_a_parser_crash(values):
    frame = pl.DataFrame({"a": values}, schema={"a": pl.String})
    out = frame.select([typed_expr(c, pl.col("a")).alias(f"{c.name}_{i}") for i, c in enumerate(ALL_COLUMNS)])
    assert out.height == len(values)
