"""The sample generator: deterministic, complete, and labelled so that its manifest can be trusted."""

from __future__ import annotations

import csv
import filecmp
import json
import random
from datetime import date
from pathlib import Path

import fastexcel
import numpy as np
import polars as pl
import pytest

from etl.sample import generate, generate_bulk, generate_items_benchmark
from etl.sample.faults import Faults
from etl.sample.render import noisy_code
from etl.sample.sample import build_story
from etl.sample.vector import random_bodies, serial_bodies, uscc
from schemas.checklist import item_codes
from schemas.headers import all_known_headers, fold_header, match_headers
from schemas.identifiers import make_uscc, normalise_code, uscc_problem
from schemas.kinds import BY_NAME, KINDS
from schemas.rules import FLAGS, ROW_RULES

TODAY = date(2025, 11, 25)
ARGS = dict(organs=120, vendors=25, years=3, seed=20251, today=TODAY, province="330000")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out, bad_share=0.03, include_bad_files=True, **ARGS)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_same_seed_same_bytes(sample, tmp_path):
    out, manifest = sample
    again = generate(tmp_path, bad_share=0.03, include_bad_files=True, **ARGS)
    assert again == manifest
    names = [p.relative_to(out) for p in _files(out)]
    assert names == [p.relative_to(tmp_path) for p in _files(tmp_path)]
    for name in names:
        assert filecmp.cmp(out / name, tmp_path / name, shallow=False), name


def test_another_seed_another_sample(sample, tmp_path):
    assert generate(tmp_path, **{**ARGS, "seed": 7})["rows_read"] != sample[1]["rows_read"]


def test_every_kind_in_several_formats(sample):
    _out, manifest = sample
    assert all(manifest["rows_by_kind"][k.name] > 0 for k in KINDS)
    formats = {Path(f["path"]).suffix for f in manifest["files"]}
    assert formats == {".xlsx", ".xls", ".csv"}
    assert any(f["path"].endswith(".xlsx") and len([g for g in manifest["files"] if g["path"] == f["path"]]) >= 3
               for f in manifest["files"]), "a workbook holding several kinds"


def test_counts_add_up(sample):
    _out, m = sample
    for f in m["files"]:
        assert f["rows_read"] == f["rows_loaded"] + f["rows_rejected"], f
    assert m["rows_read"] == sum(f["rows_read"] for f in m["files"]) == m["rows_loaded"] + m["rows_rejected"]
    assert sum(m["rows_by_kind"].values()) == m["rows_loaded"]
    assert len(m["rejected_rows"]) == m["rows_rejected"]
    per_rule = {}
    for r in m["rejected_rows"]:
        for rule in r["rules"]:
            per_rule[rule] = per_rule.get(rule, 0) + 1
    assert per_rule == m["rejections_by_rule"]
    assert json.loads((_out / "manifest.json").read_text(encoding="utf-8")) == m


def test_every_rule_warning_and_flag_present(sample):
    _out, m = sample
    # Two rules are about how a file was made, not about its data: a template's example row left in,
    # and a code Excel stored as a number. The sample is written as text, with no example rows; both
    # are proved with real workbooks in tests/test_etl_template_and_cells.py.
    not_planted = {"ROW_TEMPLATE_EXAMPLE", "ROW_CODE_AS_NUMBER"}
    assert set(ROW_RULES) - not_planted <= set(m["rejections_by_rule"])
    planted = {"W_FINDING_MISSING", "W_START_BEFORE_SIGNED", "W_ORGAN_PREFIX", "W_SCORE_MISMATCH"}
    assert planted <= set(m["warnings_by_rule"])
    assert set(m["flags"]) == set(FLAGS) and all(n > 0 for n in m["flags"].values())
    assert 0.02 < m["rows_rejected"] / m["rows_read"] < 0.05


def test_broken_rows_break_one_rule(sample):
    _out, m = sample
    assert all(len(r["rules"]) == 1 for r in m["rejected_rows"])


def test_clean_sample_has_no_faults(tmp_path):
    m = generate(tmp_path, bad_share=0, **ARGS)
    assert m["rows_rejected"] == 0 and m["rejections_by_rule"] == {} and m["warnings_by_rule"] == {}


@pytest.fixture(scope="module")
def story():
    story = build_story(**ARGS)
    Faults(story, 0.03).plant()
    return story


def test_credit_codes_of_clean_rows_are_valid(story):
    columns = [(k.name, c.name) for k in KINDS for c in k.columns if c.type == "uscc"]
    checked = 0
    for kind, column in columns:
        for row in story.world[kind]:
            value = row.values.get(column)
            if row.loaded and value is not None:
                assert uscc_problem(value) is None, (kind, column, value)
                checked += 1
    assert checked > 1000
    prefixes = {r["organ_code"][:2] for r in story.world["organs"] if r.loaded}
    assert {"11", "13"} <= prefixes
    assert {r["vendor_code"][:2] for r in story.world["vendors"] if r.loaded} == {"91", "92"}


def test_messy_codes_normalise_back():
    rng = random.Random(1)
    code = make_uscc("91", "330106", "MA2GX1K7")
    assert all(normalise_code(noisy_code(code, rng)) == code for _ in range(50))


def test_inspections_have_all_items_and_scores_follow_the_rule(story):
    items: dict[str, list] = {}
    for item in story.world["inspection_items"]:
        items.setdefault(item["inspection_code"], []).append(item)
    for insp in story.world["inspections"]:
        if not insp.loaded:
            continue
        codes = [i["item_code"] for i in items[insp["inspection_code"]] if i["item_code"] in item_codes()]
        assert sorted(set(codes)) == sorted(item_codes())
        off = abs(insp["score"] - insp.meta["score"]) > 0.5
        assert off == ("W_SCORE_MISMATCH" in insp.warns)


def test_files_open_and_headers_are_recognised(sample):
    out, m = sample
    for f in m["files"]:
        path = out / f["path"]
        if path.suffix == ".csv":
            raw = path.read_bytes()
            if raw.startswith(b"\xef\xbb\xbf"):
                text = raw.decode("utf-8-sig")
            else:
                with pytest.raises(UnicodeDecodeError):
                    raw.decode("utf-8")
                text = raw.decode("gb18030")
            delimiter = "\t" if "\t" in text.splitlines()[0] or "\t" in text.splitlines()[1] else ","
            grid = list(csv.reader(text.splitlines(), delimiter=delimiter))
        else:
            sheet = fastexcel.read_excel(str(path)).load_sheet(f["sheet"], header_row=None, dtypes="string")
            grid = [list(r) for r in sheet.to_polars().iter_rows()]
        kind = BY_NAME[f["kind"]]
        header = next(r for r in grid if sum(fold_header(c) in all_known_headers() for c in r if c) >= 2)
        found = set(match_headers(kind, header).values())
        assert {c.name for c in kind.required} <= found, (f["path"], f["sheet"])


def test_bad_files(sample):
    out, m = sample
    rules = {f["path"]: f["rule"] for f in m["bad_files"]}
    assert set(rules.values()) == {"FILE_UNREADABLE", "FILE_UNKNOWN_KIND", "FILE_MISSING_COLUMN"}
    assert m["rows_read"] == sum(f["rows_read"] for f in m["files"])  # bad files add no rows
    with pytest.raises(Exception):
        fastexcel.read_excel(str(out / next(p for p, r in rules.items() if r == "FILE_UNREADABLE"))).sheet_names
    unknown = out / next(p for p, r in rules.items() if r == "FILE_UNKNOWN_KIND")
    header = unknown.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert not {fold_header(h) for h in header} & all_known_headers()
    missing = out / next(p for p, r in rules.items() if r == "FILE_MISSING_COLUMN")
    cells = fastexcel.read_excel(str(missing)).load_sheet(0, header_row=None, dtypes="string").to_polars().row(0)
    found = set(match_headers(BY_NAME["evaluations"], list(cells)).values())
    assert "security" not in found and {"period", "organ_code", "quality"} <= found


def test_vector_codes_match_make_uscc():
    rng = np.random.default_rng(3)
    bodies = np.concatenate([random_bodies(rng, 50), serial_bodies(50, 99)])
    regions = np.array(["330102", "110101"] * 50)
    prefixes = np.array(["91", "11", "13", "92"] * 25)
    assert list(uscc(prefixes, regions, bodies)) == [make_uscc(p, r, b) for p, r, b in zip(prefixes, regions, bodies)]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_bulk_small(tmp_path, fmt):
    m = generate_bulk(tmp_path, organs=2000, vendors=200, years=3, seed=5, fmt=fmt, today=TODAY, items_per_file=50_000)
    read = pl.read_parquet if fmt == "parquet" else (lambda p: pl.read_csv(p, infer_schema_length=0))
    frames: dict[str, list[pl.DataFrame]] = {}
    for f in m["files"]:
        frame = read(tmp_path / f["path"])
        assert frame.height == f["rows"] and frame.columns == BY_NAME[f["kind"]].names, f
        frames.setdefault(f["kind"], []).append(frame)
    assert {f["kind"] for f in m["files"]} == {k.name for k in KINDS}
    assert len(frames["inspection_items"]) > 1 and all(x.height <= 50_000 for x in frames["inspection_items"])
    organs, inspections = frames["organs"][0], frames["inspections"][0]
    items = pl.concat(frames["inspection_items"])
    assert organs.height == m["rows_by_kind"]["organs"] == 2000
    assert items.height == m["rows_by_kind"]["inspection_items"] == 33 * inspections.height
    per = items.group_by("inspection_code").len()
    assert per.height == inspections.height and per["len"].min() == 33
    assert all(uscc_problem(c) is None for c in organs["organ_code"].to_list())
    assert not organs["organ_code"].is_duplicated().any()
    assert organs["region_code"].str.slice(0, 2).n_unique() == 31


def test_bulk_inspection_rate(tmp_path):
    m = generate_bulk(tmp_path, organs=1000, vendors=50, years=10, today=TODAY)
    per_organ_year = m["rows_by_kind"]["inspections"] / (1000 * 10)
    assert 0.9 <= per_organ_year <= 1.0  # ~950k inspections and ≥ 30 M items at 100,000 organs


def test_items_benchmark_exact_size(tmp_path):
    paths = generate_items_benchmark(tmp_path, 10_000, today=TODAY)
    items = pl.read_csv(paths["inspection_items"])
    inspections = pl.read_csv(paths["inspections"])
    assert items.height == 10_000
    assert items.columns == [c.header for c in BY_NAME["inspection_items"].columns]
    assert set(items["*检查编号"]) == set(inspections["*检查编号"])
    assert pl.read_csv(paths["organs"])["*行政区划代码"].cast(pl.String).str.starts_with("33").all()
