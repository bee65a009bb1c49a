"""Clean national-scale data for the warehouse and ETL benchmarks, built column-wise.

`generate_bulk` writes one file per kind with the contract's English column names (inspection items
split into files of at most `items_per_file` rows). At the defaults, 100,000 organs spread over every
county in use in all 31 provinces, 5,000 vendors and 10 years give about 950,000 inspections and
31 million item results. No row is faulty and no value messy; the trend (scores rising over the
years), seasonality (Q2/Q4 peaks) and the scoring rule are those of the provincial sample.
Every table is made with numpy/polars operations on whole columns: no Python loop per row.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from etl.sample import bulk_events, names
from etl.sample.places import ABBR, MUNICIPALITIES, city_name, current_codes, short_name
from etl.sample.sample import as_date as to_date
from etl.sample.vector import as_date, days, person_names, pick, random_bodies, serial_bodies, uscc
from schemas.kinds import BY_NAME

ITEMS_PER_FILE = 5_000_000


class Geo:
    """Places in use (all provinces, or one), as arrays for gathering."""

    def __init__(self, province: str | None):
        frame = current_codes()
        if province:
            frame = frame.filter(pl.col("region_code").str.starts_with(province[:2]))
        by_level = {lvl: frame.filter(pl.col("level") == lvl) for lvl in ("province", "prefecture", "county")}
        self.prov_code = by_level["province"]["region_code"].to_numpy().astype("U6")
        self.prov_name = by_level["province"]["place_name"].to_list()
        prov_index = {c[:2]: i for i, c in enumerate(self.prov_code)}
        self.pref_code = by_level["prefecture"]["region_code"].to_numpy().astype("U6")
        self.pref_name = by_level["prefecture"]["place_name"].to_list()
        self.pref_prov = np.array([prov_index[c[:2]] for c in self.pref_code])
        self.county_code = by_level["county"]["region_code"].to_numpy().astype("U6")
        self.county_name = by_level["county"]["place_name"].to_list()
        self.county_prov = np.array([prov_index[c[:2]] for c in self.county_code])
        self.county_city_short = [short_name(city_name(c)) for c in self.county_code]
        self.abbr = [ABBR[c[:2]][0] for c in self.prov_code]
        self.latin = [ABBR[c[:2]][1] for c in self.prov_code]
        self.municipal = np.array([c[:2] in MUNICIPALITIES for c in self.prov_code])


def _split_templates(templates) -> tuple[list[str], list[str], list[str], list[str]]:
    pre, post = zip(*(t.split("{p}") for t, _c, _p in templates))
    return list(pre), list(post), [c for _t, c, _p in templates], [p for _t, _c, p in templates]


def _rank_in_group(group: np.ndarray) -> np.ndarray:
    """0, 1, 2 … within each group value, in row order."""
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    starts = np.searchsorted(sorted_group, sorted_group, side="left")
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - starts
    return rank


def _block(place_names, place_idx, templates, t_idx) -> dict[str, pl.Series]:
    pre, post, cat, prefix = _split_templates(templates)
    return {"name": pick(pre, t_idx) + pick(place_names, place_idx) + pick(post, t_idx),
            "category": pick(cat, t_idx), "prefix": pick(prefix, t_idx)}


def organs_frame(rng: np.random.Generator, n: int, geo: Geo) -> pl.DataFrame:
    n_prov = min(n // 10, len(geo.prov_code) * len(names.PROVINCE_ORGANS))
    n_city = min(n * 3 // 10, len(geo.pref_code) * len(names.CITY_ORGANS))
    n_county = n - n_prov - n_city
    parts = []
    pairs = rng.permutation(len(geo.prov_code) * len(names.PROVINCE_ORGANS))[:n_prov]
    p_idx, t_idx = np.divmod(pairs, len(names.PROVINCE_ORGANS))
    block = _block(geo.prov_name, p_idx, names.PROVINCE_ORGANS, t_idx)
    municipal = pl.Series(geo.municipal[p_idx])  # 北京市财政局, not 北京市财政厅
    block["name"] = pl.select(pl.when(municipal).then(block["name"].str.replace(r"([^公])厅$", "${1}局"))
                              .otherwise(block["name"])).to_series()
    parts.append(pl.DataFrame({**block, "region_code": geo.prov_code[p_idx], "admin_level": "省级",
                               "prov": p_idx}))
    pairs = rng.permutation(len(geo.pref_code) * len(names.CITY_ORGANS))[:n_city]
    c_idx, t_idx = np.divmod(pairs, len(names.CITY_ORGANS))
    parts.append(pl.DataFrame({**_block(geo.pref_name, c_idx, names.CITY_ORGANS, t_idx),
                               "region_code": geo.pref_code[c_idx], "admin_level": "市级", "prov": geo.pref_prov[c_idx]}))
    county = rng.integers(0, len(geo.county_code), n_county)
    rank = _rank_in_group(county)
    offset = rng.integers(0, len(names.COUNTY_ORGANS), len(geo.county_code))[county]
    k = len(names.COUNTY_ORGANS)
    block = _block(geo.county_name, county, names.COUNTY_ORGANS, (rank + offset) % k)
    town = pick(geo.county_name, county) + pick(names.TOWNS, (rank - k) % len(names.TOWNS)) + "人民政府"
    is_town = pl.Series(rank >= k)  # more organs than county departments: the rest are townships
    parts.append(pl.DataFrame({
        "name": pl.select(pl.when(is_town).then(town).otherwise(block["name"])).to_series(),
        "category": pl.select(pl.when(is_town).then(pl.lit("政府")).otherwise(block["category"])).to_series(),
        "prefix": pl.select(pl.when(is_town).then(pl.lit("11")).otherwise(block["prefix"])).to_series(),
        "region_code": geo.county_code[county],
        "admin_level": pl.select(pl.when(is_town).then(pl.lit("乡镇级")).otherwise(pl.lit("县级"))).to_series(),
        "prov": geo.county_prov[county]}))
    frame = pl.concat(parts, how="vertical_relaxed")
    frame = frame[rng.permutation(frame.height)]
    region = frame["region_code"].to_numpy().astype("U6")
    codes = uscc(frame["prefix"].to_numpy().astype("U2"), region, serial_bodies(frame.height, int(rng.integers(10**6))))
    staff_high = frame["admin_level"].replace_strict({"省级": 8, "市级": 5, "县级": 3, "乡镇级": 1}, return_dtype=pl.Int64)
    return pl.DataFrame({
        "organ_code": codes, "organ_name": frame["name"], "region_code": region, "admin_level": frame["admin_level"],
        "organ_category": frame["category"],
        "archive_staff": (1 + np.floor(rng.random(frame.height) * staff_high.to_numpy())).astype(np.int64),
        "contact_name": person_names(rng, frame.height), "contact_phone": _mobiles(rng, frame.height),
        "prov": frame["prov"], "q": rng.normal(0, 0.12, frame.height)})


def _mobiles(rng: np.random.Generator, n: int) -> pl.Series:
    return pick(("13", "15", "18", "19"), rng.integers(0, 4, n)) + \
        pl.Series(rng.integers(0, 10**9, n)).cast(pl.String).str.zfill(9)


def vendors_frame(rng: np.random.Generator, m: int, geo: Geo, today: date) -> pl.DataFrame:
    county = rng.integers(0, len(geo.county_code), m)
    region = geo.county_code[county]
    prefix = np.where(np.arange(m) < max(1, m // 100), "92", "91")
    rng.shuffle(prefix)
    enterprise = pl.Series(prefix == "91")
    company = (pick(geo.county_city_short, county)
               + pick(names.VENDOR_WORDS, rng.integers(0, len(names.VENDOR_WORDS), m))
               + pick(names.VENDOR_SUFFIXES, rng.integers(0, len(names.VENDOR_SUFFIXES), m)))
    shop = pick(geo.county_name, county) + pick(names.SURNAMES, rng.integers(0, len(names.SURNAMES), m)) + "记档案整理服务部"
    while True:  # bodies are random: draw again until every code is distinct
        codes = uscc(prefix, region, random_bodies(rng, m))
        if len(np.unique(codes)) == m:
            break
    established = rng.integers(days(date(2003, 1, 1)), days(date(today.year - 3, 12, 31)), m)
    filing_year = rng.integers(today.year - 4, today.year, m)
    has_filing = pl.Series((prefix == "91") & (rng.random(m) < 0.6))
    prov = geo.county_prov[county]
    filing_no = pick(geo.abbr, prov) + "档服备" + pl.Series(filing_year).cast(pl.String) + "-" + \
        pl.Series(np.arange(m)).cast(pl.String).str.zfill(5)
    bad = rng.random(m) < 0.03
    return pl.DataFrame({
        "vendor_code": codes,
        "vendor_name": pl.select(pl.when(enterprise).then(company).otherwise(shop)).to_series(),
        "region_code": region, "established_on": as_date(established),
        "registered_capital_wan": pick(["50", "100", "200", "300", "500", "1000", "2000", "5000"],
                                       rng.integers(0, 8, m)).cast(pl.Float64),
        "foreign_investment": pick(["无"] * 16 + ["不详", "不详", "间接", "间接"], rng.integers(0, 20, m)),
        "filing_no": pl.select(pl.when(has_filing).then(filing_no)).to_series(),
        "filing_expires_on": as_date(_year_end(filing_year + 3), null=~has_filing.to_numpy()),
        "prov": prov, "q": np.where(bad, -0.35, rng.normal(0, 0.05, m)), "bad": bad})


def _year_end(year: np.ndarray) -> np.ndarray:
    """31 December of each year, as days since the epoch."""
    return days((year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]")) - 1


def qualifications_frame(rng: np.random.Generator, vendors: pl.DataFrame, geo_names: list[str], today: date,
                         start: date) -> pl.DataFrame:
    """ISMS (70 %), QMS (60 %), secrecy (30 %) certificates of enterprises, and every provincial filing."""
    m = vendors.height
    t = days(today)
    enterprise = vendors["vendor_code"].str.starts_with("91").to_numpy()
    parts = []
    for qtype, share, tag, years in (("信息安全管理体系认证", 0.7, "ISMS", 3), ("质量管理体系认证", 0.6, "QMS", 3),
                                     ("国家秘密载体印制资质", 0.3, "BM", 5)):
        idx = np.flatnonzero(enterprise & (rng.random(m) < share))
        issued = t - rng.integers(30, 3 * 365 - 60, len(idx)) if years == 3 else \
            days(start) - rng.integers(100, 700, len(idx))
        parts.append(pl.DataFrame({
            "vendor_code": vendors["vendor_code"].gather(idx), "qualification_type": qtype,
            "grade": "乙级" if years == 5 else "无",
            "certificate_no": tag + pl.Series(np.arange(len(idx))).cast(pl.String).str.zfill(7),
            "issuer": "国家保密局" if years == 5
            else pick(names.CERT_ISSUERS, rng.integers(0, len(names.CERT_ISSUERS), len(idx))),
            "issued_on": as_date(issued), "expires_on": as_date(issued + 365 * years + years // 4 - 1),
            "status": pick(["有效"] * 49 + ["暂停"], rng.integers(0, 50, len(idx)))}))
    filed = vendors.filter(pl.col("filing_no").is_not_null())
    parts.append(pl.DataFrame({
        "vendor_code": filed["vendor_code"], "qualification_type": "档案服务企业备案", "grade": "无",
        "certificate_no": filed["filing_no"], "issuer": pick(geo_names, filed["prov"]) + "档案局",
        "issued_on": filed["filing_expires_on"].dt.offset_by("-3y").dt.offset_by("1d"),
        "expires_on": filed["filing_expires_on"], "status": "有效"}))
    return pl.concat(parts, how="vertical_relaxed")


def inspectors_frame(rng: np.random.Generator, n_organs: int, geo: Geo) -> pl.DataFrame:
    """Three provincial inspectors per province, the rest in the cities; all active but a few."""
    extra = max(0, max(12, n_organs // 40) - 3 * len(geo.prov_code))
    city = rng.integers(0, max(1, len(geo.pref_code)), extra)
    region = np.concatenate([np.repeat(geo.prov_code, 3), geo.pref_code[city] if len(geo.pref_code) else
                             np.repeat(geo.prov_code[:1], extra)])
    prov = np.concatenate([np.repeat(np.arange(len(geo.prov_code)), 3),
                           geo.pref_prov[city] if len(geo.pref_code) else np.zeros(extra, dtype=np.int64)])
    k = len(region)
    seq = _rank_in_group(np.unique(region, return_inverse=True)[1]) + 1
    tags = names.EXPERTISE
    first, second = rng.integers(0, len(tags), k), rng.integers(0, len(tags), k)
    expertise = pl.select(pl.when(pl.Series(first == second)).then(pick(tags, first))
                          .otherwise(pick(tags, first) + "、" + pick(tags, second))).to_series()
    return pl.DataFrame({
        "inspector_id": pick(geo.abbr, prov) + "A-" + pl.Series(region) + "-"
        + pl.Series(seq).cast(pl.String).str.zfill(3),
        "inspector_name": person_names(rng, k), "region_code": region, "expertise": expertise,
        "recusal_organ_codes": pl.Series([None] * k, dtype=pl.String),
        "active": (np.arange(k) < 3 * len(geo.prov_code)) | (rng.random(k) < 0.95), "prov": prov})


def generate_bulk(out_dir: str | Path, *, organs: int = 100_000, vendors: int = 5_000, years: int = 10,
                  seed: int = 20251, fmt: str = "parquet", today: date | str | None = None,
                  province: str | None = None, items_per_file: int = ITEMS_PER_FILE) -> dict:
    """Write clean bulk data (one file per kind, English headers) and `manifest.json`; return it.

    `province=None` spreads organs over the whole country (load with a national jurisdiction);
    a province code keeps them inside it.
    """
    if fmt not in ("parquet", "csv"):
        raise ValueError("fmt must be parquet or csv")
    today = to_date(today)
    start = date(today.year - years + 1, 1, 1)
    rng = np.random.default_rng(seed)
    geo = Geo(province)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[dict] = []

    def write(frame: pl.DataFrame, kind: str, name: str | None = None) -> None:
        files.append(write_kind(frame, kind, out / f"{name or kind}.{fmt}", fmt, out))

    organ_frame = organs_frame(rng, organs, geo)
    vendor_frame = vendors_frame(rng, vendors, geo, today)
    write(organ_frame, "organs")
    write(vendor_frame, "vendors")
    write(qualifications_frame(rng, vendor_frame, geo.prov_name, today, start), "qualifications")
    inspector_frame = inspectors_frame(rng, organs, geo)
    write(inspector_frame, "inspectors")
    projects = bulk_events.projects_frame(rng, organ_frame, vendor_frame, geo, today, start, years)
    write(projects, "projects")
    plan = bulk_events.inspection_plan(rng, organ_frame, projects, inspector_frame, today, start, years)
    per_file = max(1, items_per_file // 33)
    scores, rectifications = [], []
    for i, lo in enumerate(range(0, plan.height, per_file)):
        chunk = plan.slice(lo, per_file)
        items, score, rect = bulk_events.items_for(rng, chunk, today)
        write(items, "inspection_items", f"inspection_items_{i + 1:02d}")
        scores.append(score)
        rectifications.append(rect)
    write(bulk_events.finish_inspections(plan, pl.concat(scores)), "inspections")
    write(pl.concat(rectifications), "rectifications")
    write(bulk_events.evaluations_frame(rng, projects, vendor_frame, today, start), "evaluations")
    write(bulk_events.incidents_frame(rng, projects, vendor_frame, today, start, round(organs * years * 0.01)),
          "incidents")
    rows_by_kind: dict[str, int] = {}
    for f in files:
        rows_by_kind[f["kind"]] = rows_by_kind.get(f["kind"], 0) + f["rows"]
    manifest = {"today": today.isoformat(), "jurisdiction": province or "100000", "seed": seed, "format": fmt,
                "files": files, "rows_by_kind": rows_by_kind}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def write_kind(frame: pl.DataFrame, kind: str, path: Path, fmt: str, root: Path, headers: str = "en") -> dict:
    """The contract's columns of `kind`, in order, written as parquet or CSV (UTF-8, ISO dates)."""
    columns = BY_NAME[kind].columns
    frame = frame.select([pl.col(c.name) if c.name in frame.columns else pl.lit(None, pl.String).alias(c.name)
                          for c in columns])
    if headers == "zh":
        frame = frame.rename({c.name: c.header for c in columns})
    if fmt == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=False)
    else:
        frame.write_csv(path, date_format="%Y-%m-%d", datetime_format="%Y-%m-%d %H:%M", float_precision=2)
    return {"path": path.relative_to(root).as_posix(), "kind": kind, "rows": frame.height}


def generate_items_benchmark(out_dir: str | Path, item_rows: int = 2_000_000, *, seed: int = 20251,
                             today: date | str | None = None, province: str = "330000",
                             headers: str = "zh") -> dict[str, Path]:
    """Exactly `item_rows` inspection items in one CSV, with the organs and inspections they refer
    to (organs inside `province`), for the ETL benchmark. Headers Chinese (as organs send) or English.
    Returns {"organs": path, "inspections": path, "inspection_items": path}."""
    today = to_date(today)
    years = 3
    start = date(today.year - years + 1, 1, 1)
    n_inspections = math.ceil(item_rows / 33)
    rng = np.random.default_rng(seed)
    geo = Geo(province)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    per_organ = years * bulk_events.INSPECTIONS_PER_ORGAN_YEAR
    organ_frame = organs_frame(rng, max(50, math.ceil(n_inspections / per_organ)), geo)
    inspector_frame = inspectors_frame(rng, organ_frame.height, geo)
    plan = bulk_events.inspection_plan(rng, organ_frame, None, inspector_frame, today, start, years,
                                       total=n_inspections)
    items, score, _rect = bulk_events.items_for(rng, plan, today, keep=item_rows)
    paths = {kind: out / f"{kind}.csv" for kind in ("organs", "inspections", "inspection_items")}
    write_kind(organ_frame, "organs", paths["organs"], "csv", out, headers)
    write_kind(bulk_events.finish_inspections(plan, score), "inspections", paths["inspections"], "csv", out, headers)
    write_kind(items, "inspection_items", paths["inspection_items"], "csv", out, headers)
    return paths
