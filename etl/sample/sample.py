"""`generate()`: the realistic provincial sample with its manifest (see the package docstring)."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

from etl.sample import events, files, manifest
from etl.sample.faults import Faults
from etl.sample.model import Row
from etl.sample.render import Style
from etl.sample.story import Story
from etl.sample.writers import Sheet, write_xlsx
from schemas.headers import all_known_headers, fold_header


def as_date(today: date | str | None) -> date:
    if today is None:
        return date.today()
    return today if isinstance(today, date) else date.fromisoformat(today)


def build_story(*, organs: int, vendors: int, years: int, seed: int, today: date, province: str) -> Story:
    story = Story(organs=organs, vendors=vendors, years=years, seed=seed, today=today, province=province)
    story.make_organs()
    story.make_vendors()
    story.make_qualifications()
    story.make_inspectors()
    story.make_projects()
    events.make_incidents(story)
    events.make_inspections(story)
    events.make_rectifications(story)
    events.make_evaluations(story)
    return story


def generate(out_dir: str | Path, *, organs: int = 120, vendors: int = 25, years: int = 3, seed: int = 20251,
             bad_share: float = 0.03, today: date | str | None = None, province: str = "330000",
             include_bad_files: bool = False) -> dict:
    """Write a seeded sample of submissions for one province into `out_dir`; return its manifest.

    `organs`/`vendors` count the story's registry rows; faulty extra rows come on top. `bad_share`
    is the share of leaf rows (items, evaluations, rectifications) broken on purpose; any share > 0
    also breaks one registry row per rule and plants every warning, 0 gives a clean sample.
    `today` (default: the real date) fixes what is "future", "expired" and "overdue"; load the
    sample with the same day (`manifest["today"]`).
    """
    if years < 1 or organs < 10 or vendors < 6:
        raise ValueError("need years >= 1, organs >= 10 and vendors >= 6 for the story to hold")
    today = as_date(today)
    story = build_story(organs=organs, vendors=vendors, years=years, seed=seed, today=today, province=province)
    Faults(story, bad_share).plant()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = files.write(out, files.plan(story), seed, today)
    result = manifest.build(story, written, seed=seed)
    if include_bad_files:
        result["bad_files"] = write_bad_files(out / "bad", story, seed)
    (out / "manifest.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def write_bad_files(folder: Path, story: Story, seed: int) -> list[dict]:
    """Files the loader must reject whole (contract §4 FILE_* codes); nothing from them loads.

    They are listed apart from `files` and add nothing to the row totals: a rejected file or sheet
    has no rows read.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:bad")
    (folder / "损坏的报送文件.xlsx").write_bytes(bytes(rng.getrandbits(8) for _ in range(4096)))

    headers = ["序号", "资产名称", "规格型号", "购置年份", "存放地点", "使用部门"]
    assert not {fold_header(h) for h in headers} & all_known_headers()
    with open(folder / "固定资产清单.csv", "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(",".join(headers) + "\r\n")
        for i in range(1, 6):
            fh.write(f"{i},扫描仪,A3幅面,{2018 + i},档案室,办公室\r\n")

    # An evaluation sheet without 安全保密 (required): recognised, then rejected whole.
    annual = [Row(dict(ev.values, period=str(ev.meta["year"]))) for ev in story.world["evaluations"][:5]
              if ev.loaded]
    sheet = Sheet("evaluations", annual, "年度评价", Style(drop=("security", "overall")))
    write_xlsx(folder / "年度服务评价（缺列）.xlsx", [sheet], rng, story.today)
    none = {"rows_read": 0, "rows_loaded": 0, "rows_rejected": 0}
    return [
        {"path": "bad/损坏的报送文件.xlsx", "sheet": None, "kind": None, "rule": "FILE_UNREADABLE", **none},
        {"path": "bad/固定资产清单.csv", "sheet": None, "kind": None, "rule": "FILE_UNKNOWN_KIND", **none},
        {"path": "bad/年度服务评价（缺列）.xlsx", "sheet": "年度评价", "kind": "evaluations",
         "rule": "FILE_MISSING_COLUMN", **none},
    ]
