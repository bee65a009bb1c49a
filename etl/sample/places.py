"""Real places for the sample: GB/T 2260 codes still in use, with the names organs write.

Only codes whose `valid_to` is empty are used, so every generated organ and vendor sits in a county
or city that exists today. Summary codes (`市辖区`, `县`, `省直辖县级行政单位`) are never used as places.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import polars as pl

from schemas.identifiers import region_table

# Province short names (简称) and the Latin letters used in project codes (e.g. ZJ-2025-001).
ABBR = {
    "11": ("京", "BJ"), "12": ("津", "TJ"), "13": ("冀", "HE"), "14": ("晋", "SX"), "15": ("蒙", "NM"),
    "21": ("辽", "LN"), "22": ("吉", "JL"), "23": ("黑", "HL"), "31": ("沪", "SH"), "32": ("苏", "JS"),
    "33": ("浙", "ZJ"), "34": ("皖", "AH"), "35": ("闽", "FJ"), "36": ("赣", "JX"), "37": ("鲁", "SD"),
    "41": ("豫", "HA"), "42": ("鄂", "HB"), "43": ("湘", "HN"), "44": ("粤", "GD"), "45": ("桂", "GX"),
    "46": ("琼", "HI"), "50": ("渝", "CQ"), "51": ("川", "SC"), "52": ("贵", "GZ"), "53": ("云", "YN"),
    "54": ("藏", "XZ"), "61": ("陕", "SN"), "62": ("甘", "GS"), "63": ("青", "QH"), "64": ("宁", "NX"),
    "65": ("新", "XJ"),
}
MUNICIPALITIES = ("11", "12", "31", "50")
# Zhejiang's telephone area codes by prefecture; elsewhere contacts give a mobile number.
AREA_CODES = {"3301": "0571", "3302": "0574", "3303": "0577", "3304": "0573", "3305": "0572",
              "3306": "0575", "3307": "0579", "3308": "0570", "3309": "0580", "3310": "0576",
              "3311": "0578"}
_SUMMARY_NAMES = ("市辖区", "县", "省直辖县级行政单位", "省直辖县级行政区划", "自治区直辖县级行政区划")


def clean_name(name: str) -> str:
    """The current name of an entry that was renamed: '旅大市,[1981-]大连市' -> '大连市'."""
    return re.split(r",\[[\d-]*\]", name)[-1]


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # the name as organs write it: 杭州市上城区, 淳安县, 杭州市, 浙江省
    short: str  # for vendor names: 杭州, 淳安, 浙江
    level: str  # province prefecture county


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    table = region_table()
    return {c: clean_name(n) for c, n in zip(table["region_code"], table["region_name"])}


@functools.lru_cache(maxsize=1)
def current_codes() -> pl.DataFrame:
    """Codes in use today (valid_to empty), summary codes left out, with place names."""
    table = region_table().filter(pl.col("valid_to").is_null())
    names = _names()
    rows = []
    for code, level in zip(table["region_code"], table["level"]):
        name = names[code]
        if code[:2] not in ABBR or name in _SUMMARY_NAMES:
            continue  # Taiwan, Hong Kong, Macau: outside the mainland archive administration
        rows.append((code, level, full_name(code)))
    return pl.DataFrame(rows, schema=["region_code", "level", "place_name"], orient="row")


def full_name(code: str) -> str:
    """杭州市上城区 for a district, 淳安县 for a county, 北京市东城区 in a municipality."""
    names = _names()
    name = names[code]
    if code.endswith("0000"):
        return name
    province = names[code[:2] + "0000"]
    if code.endswith("00"):
        return name
    if code[:2] in MUNICIPALITIES:
        return province + name
    prefecture = names.get(code[:4] + "00", "")
    if name.endswith("区") and prefecture and prefecture not in _SUMMARY_NAMES:
        return prefecture + name
    return name


def city_name(code: str) -> str:
    """The city a place belongs to (the province for municipalities and 省直辖 counties)."""
    names = _names()
    prefecture = names.get(code[:4] + "00", "")
    if code[:2] in MUNICIPALITIES or not prefecture or prefecture in _SUMMARY_NAMES or code.endswith("0000"):
        return names[code[:2] + "0000"]
    return prefecture


def short_name(name: str) -> str:
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "县", "区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def places(province: str) -> dict[str, list[Place]]:
    """The province's places by level: province, prefecture (cities) and county."""
    frame = current_codes().filter(pl.col("region_code").str.starts_with(province[:2]))
    out: dict[str, list[Place]] = {"province": [], "prefecture": [], "county": []}
    for code, level, name in frame.iter_rows():
        short = short_name(name if level != "county" or not name.endswith("区") else _names()[code])
        out[level].append(Place(code, name, short, level))
    return out


def other_province(province: str) -> str:
    """A neighbouring province for out-of-jurisdiction rows (Jiangsu for Zhejiang)."""
    return "320000" if province[:2] != "32" else "330000"
