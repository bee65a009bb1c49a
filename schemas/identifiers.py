"""Unified social credit codes (GB 32100-2015) and region codes (GB/T 2260), per domain.md §6.

Both are checked column-wise with polars expressions so that a file of millions of rows is checked
at the speed of the rest of the load; `uscc_problem` is the scalar twin used by tests and tools.
"""

from __future__ import annotations

import functools
import os
import re

import polars as pl

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Early Fujian/Xiamen pilot codes: real, but their 18th character fails the check (domain.md §6.1).
USCC_PILOT_CODES = frozenset({"91350100M0001TGQXM", "91350211M0000XUF46", "91350203M0001FUE2P"})

_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_ORG_VALUE = {c: (int(c) if c.isdigit() else ord(c) - ord("A") + 10) for c in
              "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def normalise_code(raw: str) -> str:
    """What organs mean by a code written with full-width characters, spaces, hyphens or lower case."""
    import unicodedata
    text = unicodedata.normalize("NFKC", raw)
    return re.sub(r"[\s\-－—_]", "", text).upper()


def uscc_check_char(code17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(code17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    r = 11 - sum(_ORG_VALUE[c] * w for c, w in zip(body8, ORG_CODE_WEIGHTS)) % 11
    return {10: "X", 11: "0"}.get(r, str(r))


def uscc_problem(code: str) -> str | None:
    """None when `code` (already normalised) is a valid credit code, else why not (Chinese)."""
    if len(code) != 18:
        return f"应为18位，实际{len(code)}位"
    if not re.match(USCC_PATTERN, code):
        return "含有不允许的字符（不使用I、O、Z、S、V）或第3–8位不是数字"
    if code in USCC_PILOT_CODES:
        return None
    if uscc_check_char(code[:17]) != code[17]:
        return f"校验位应为{uscc_check_char(code[:17])}"
    return None


def make_uscc(prefix2: str, region: str, body8: str) -> str:
    """A valid code from its parts (sample data and tests): both check characters computed."""
    code17 = prefix2 + region + body8 + org_code_check_char(body8)
    return code17 + uscc_check_char(code17)


# -- column-wise checks ---------------------------------------------------------------------------

def _char_values(col: pl.Expr, positions: range, table: dict[str, int]) -> list[pl.Expr]:
    return [col.str.slice(i, 1).replace_strict(table, default=None, return_dtype=pl.Int64)
            for i in positions]


def uscc_expected_check(col: pl.Expr) -> pl.Expr:
    """The 18th character the first 17 call for (null where a character is outside the set)."""
    parts = _char_values(col, range(17), _VALUE)
    total = pl.sum_horizontal([p * w for p, w in zip(parts, USCC_WEIGHTS)])
    has_all = pl.all_horizontal([p.is_not_null() for p in parts])
    expected = ((31 - total % 31) % 31).replace_strict(dict(enumerate(USCC_CHARSET)),
                                                        return_dtype=pl.String)
    return pl.when(has_all).then(expected)


def uscc_valid(col: pl.Expr) -> pl.Expr:
    """True where the code has the right form and check character (pilot codes allowed)."""
    return (col.str.contains(USCC_PATTERN)
            & ((uscc_expected_check(col) == col.str.slice(17, 1)) | col.is_in(list(USCC_PILOT_CODES))))


def uscc_detail(col: pl.Expr) -> pl.Expr:
    """Why a code is invalid, in Chinese, for the error message."""
    return (pl.when(col.str.len_chars() != 18)
            .then(pl.format("应为18位，实际{}位", col.str.len_chars()))
            .when(~col.str.contains(USCC_PATTERN))
            .then(pl.lit("含有不允许的字符（不使用I、O、Z、S、V）或第3–8位不是数字"))
            .otherwise(pl.format("校验位应为{}", uscc_expected_check(col))))


def org_code_consistent(col: pl.Expr) -> pl.Expr:
    """True where characters 9–17 carry a correct GB 11714 check character (a warning only)."""
    parts = _char_values(col, range(8, 16), _ORG_VALUE)
    r = 11 - pl.sum_horizontal([p * w for p, w in zip(parts, ORG_CODE_WEIGHTS)]) % 11
    expected = pl.when(r == 10).then(pl.lit("X")).when(r == 11).then(pl.lit("0")).otherwise(r.cast(pl.String))
    return expected == col.str.slice(16, 1)


# -- region codes ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def region_table() -> pl.DataFrame:
    """Every GB/T 2260 code ever issued (python-stdnum's table): code, name, level, years valid.

    Historical codes stay valid: codes are retired, not reused (domain.md §6.2).
    """
    import stdnum.cn
    path = os.path.join(os.path.dirname(stdnum.cn.__file__), "loc.dat")
    rows = []
    province = ""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            if not line.startswith(" "):
                province = line.split()[0]
                continue
            suffix, rest = line.strip().split(" ", 1)
            # One name or several in turn: "[-1991]东郊区,[1992-]东丽区" (renamed in 1992).
            names = [re.match(r"^(?:\[(\d*)-(\d*)\])?(.*)$", part).groups()
                     for part in rest.split("=", 1)[1].strip().strip('"').split(",")]
            valid_from = int(names[0][0]) if names[0][0] else None
            valid_to = int(names[-1][1]) if names[-1][1] else None
            name = names[-1][2]
            code = province + suffix
            level = "province" if suffix == "0000" else "prefecture" if suffix.endswith("00") else "county"
            rows.append((code, name, level, valid_from, valid_to))
    return pl.DataFrame(rows, schema={"region_code": pl.String, "region_name": pl.String, "level": pl.String,
                                      "valid_from": pl.Int32, "valid_to": pl.Int32}, orient="row")


@functools.lru_cache(maxsize=1)
def valid_region_codes() -> frozenset[str]:
    return frozenset(region_table()["region_code"].to_list())


# The jurisdiction of a national authority (the code central-level registrations carry, §6.1).
NATIONAL = "100000"


def is_jurisdiction(code: str) -> bool:
    return code == NATIONAL or code in valid_region_codes()


# A province's or city's own level (省本级, 市本级): the organs registered at its code itself, none of
# those of the regions below it. Written as the code and this suffix (330000.self), a filter's value.
OWN_LEVEL = ".self"


def own_level(code: str) -> str:
    return code + OWN_LEVEL


def region_prefix(code: str) -> str:
    """The prefix all codes inside `code` share: 330000 -> 33, 330100 -> 3301, 330102 -> 330102;
    the national code 100000 -> '' (every region); a region's own level 330000.self -> 330000 (a
    whole code: only itself)."""
    if code.endswith(OWN_LEVEL):
        return code.removesuffix(OWN_LEVEL)
    if code == NATIONAL:
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def region_name(code: str) -> str:
    if code.endswith(OWN_LEVEL):   # 浙江省本级, 杭州市本级
        return region_name(code.removesuffix(OWN_LEVEL)) + "本级"
    if code == NATIONAL:
        return "全国"
    row = region_table().filter(pl.col("region_code") == code)
    return row["region_name"][0] if row.height else code
