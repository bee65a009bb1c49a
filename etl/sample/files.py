"""Which rows go into which file, and how each file is made up (contract §1's real-world mess).

The default sample is a folder as an archive bureau receives it over a few years:

    名录/浙江省档案服务外包监管名录.xlsx   organs, vendors, qualifications (three sheets)
    名录/检查人员名录.csv                  inspectors, UTF-8 with BOM, English headers
    项目/外包项目台账.xls                  projects: title rows, blank rows, 合计, notes, every date form
    检查/<year>年检查记录.xls|.xlsx        inspections + items per year (older years: legacy Excel)
    检查/<this year>年检查记录.csv         GB18030, tab-separated; items in a UTF-8 BOM CSV beside it
    整改/整改情况汇总.csv                  rectifications, GB18030 with a title row
    评价/服务评价汇总.xlsx                 evaluations, one sheet per year
    评价/<year>年第<n>季度外包服务评价表.xlsx  the last quarter: merged title, shuffled columns
    事件/安全事件报告.xlsx                 incidents with Excel and text date-times
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from etl.sample import names
from etl.sample.events import last_complete_quarter
from etl.sample.render import Style
from etl.sample.story import Story
from etl.sample.writers import Grid, Sheet, split, write_csv, write_xls, write_xlsx

ALL_DATE_FORMS = ("excel", "serial", "iso", "slash", "dot", "zh", "compact")
TEXT_DATE_FORMS = ("iso", "slash", "dot", "zh", "compact")
CN_QUARTER = "〇一二三四"


@dataclass
class FileSpec:
    path: str  # relative to the output folder, '/'-separated
    sheets: list[Sheet]
    encoding: str = "utf-8-sig"  # CSV only
    delimiter: str = ","  # CSV only
    fmt: str = field(init=False)

    def __post_init__(self):
        self.fmt = self.path.rsplit(".", 1)[-1]


def _notes(s: Story, rng: random.Random) -> tuple[str, str]:
    return ("填表说明：1. 带*为必填项；2. 日期填写为2025-03-05或2025年3月5日；3. 金额单位为万元。",
            f"填表人：{names.person_name(rng)}　　联系电话：{s.phone(s.province)}　　审核人：{names.person_name(rng)}")


def plan(s: Story) -> list[FileSpec]:
    w, today, pname = s.world, s.today, s.province_place.name
    rng = random.Random(f"{s.today}:{pname}:notes")
    notes = _notes(s, rng)
    first, last = s.start.year, today.year
    specs = [
        FileSpec(f"名录/{pname}档案服务外包监管名录.xlsx", [
            Sheet("organs", w["organs"], "机关名录",
                  Style(title=(f"{pname}机关档案服务外包监管名录（机关）",), blank_every=37, notes=notes,
                        aliases=0.15, code_noise=0.05)),
            Sheet("vendors", w["vendors"], "服务机构名录",
                  Style(header_noise=True, dates=("excel", "serial"), aliases=0.2, code_noise=0.1)),
            Sheet("qualifications", w["qualifications"], "服务机构资质",
                  Style(headers="zh", dates=TEXT_DATE_FORMS, aliases=0.35, code_noise=0.05)),
        ]),
        FileSpec("名录/检查人员名录.csv", [
            Sheet("inspectors", w["inspectors"], None,
                  Style(headers="en", bools=(("true", "false"), ("True", "False")), separators=("、", "，", ";")))]),
        FileSpec("项目/外包项目台账.xls", [
            Sheet("projects", w["projects"], "项目台账",
                  Style(title=(f"{pname}机关档案服务外包项目台账（{first}—{last}年）",
                               f"填报单位：{pname}档案局　　统计截止：{today.year}年{today.month}月{today.day}日"),
                        header_noise=True, blank_every=23, totals=("amount_wan",), notes=notes,
                        dates=ALL_DATE_FORMS, bools=(("√", "×"), ("是", "否"), ("Y", "N"), (1, 0)),
                        aliases=0.2, code_noise=0.12))]),
    ]
    for year in range(first, last + 1):
        specs += _inspection_files(s, year, notes)
    specs.append(FileSpec("整改/整改情况汇总.csv", [
        Sheet("rectifications", w["rectifications"], None,
              Style(title=(f"{pname}档案服务外包检查整改情况汇总表",), dates=("zh", "compact", "iso", "slash"),
                    aliases=0.2))], encoding="gb18030"))
    specs += _evaluation_files(s, notes)
    specs.append(FileSpec("事件/安全事件报告.xlsx", [
        Sheet("incidents", w["incidents"], "事件报告",
              Style(title=(f"{pname}档案服务外包安全事件报告汇总",), datetimes=("excel", "iso", "slash"),
                    dates=("excel", "iso"), bools=(("Y", "N"), ("是", "否")), aliases=0.4))]))
    return specs


def _inspection_files(s: Story, year: int, notes) -> list[FileSpec]:
    inspections = [r for r in s.world["inspections"] if r.meta["year"] == year]
    items = [r for r in s.world["inspection_items"] if r.meta["year"] == year]
    title = (f"{year}年度档案服务外包监督检查记录",)
    if year == s.today.year:  # this year's records come as exports from the case system
        return [
            FileSpec(f"检查/{year}年检查记录.csv", [
                Sheet("inspections", inspections, None,
                      Style(dates=("zh", "compact", "dot"), separators=("、", "；"), aliases=0.1))],
                encoding="gb18030", delimiter="\t"),
            FileSpec(f"检查/{year}年检查项结果.csv", [Sheet("inspection_items", items, None, Style())]),
        ]
    if (s.today.year - year) % 2:
        return [FileSpec(f"检查/{year}年检查记录.xlsx", [
            Sheet("inspections", inspections, "检查记录",
                  Style(title=title, dates=("iso", "slash", "zh"), aliases=0.25, separators=("、", "，", ","),
                        notes=notes)),
            Sheet("inspection_items", items, "检查项结果", Style(headers="zh")),
        ])]
    item_sheets = [Sheet("inspection_items", chunk, "检查项结果" + (str(i + 1) if i else ""), Style(aliases=0.3))
                   for i, chunk in enumerate(split(items))]
    return [FileSpec(f"检查/{year}年检查记录.xls", [
        Sheet("inspections", inspections, "检查记录", Style(title=title, dates=("excel",), aliases=0.1)),
        *item_sheets,
    ])]


def _evaluation_files(s: Story, notes) -> list[FileSpec]:
    rows = s.world["evaluations"]
    year, q = last_complete_quarter(s.today)
    title = f"{year}年第{CN_QUARTER[q]}季度外包服务评价表"
    earlier = [r for r in rows if not r.meta["last_quarter"]]
    years = sorted({r.meta["year"] for r in earlier})
    specs = []
    if years:
        specs.append(FileSpec("评价/服务评价汇总.xlsx", [
            Sheet("evaluations", [r for r in earlier if r.meta["year"] == y], f"{y}年",
                  Style(periods=("q", "zh", "zhcn"), dates=("excel",))) for y in years]))
    specs.append(FileSpec(f"评价/{title}.xlsx", [
        Sheet("evaluations", [r for r in rows if r.meta["last_quarter"]], "评价表",
              Style(title=(title,), shuffle=True, drop=("overall",), periods=("zhcn", "zh"), code_noise=0.15,
                    notes=notes))]))
    return specs


def write(out: Path, specs: list[FileSpec], seed: int, today) -> list[tuple[FileSpec, Sheet, Grid]]:
    """Write every file; each file has its own random stream so that files do not depend on each other."""
    written = []
    for spec in specs:
        path = out / spec.path
        path.parent.mkdir(parents=True, exist_ok=True)
        rng = random.Random(f"{seed}:{spec.path}")
        if spec.fmt == "csv":
            (sheet,) = spec.sheets
            grids = [write_csv(path, sheet, rng, spec.encoding, spec.delimiter)]
        elif spec.fmt == "xls":
            grids = write_xls(path, spec.sheets, rng)
        else:
            grids = write_xlsx(path, spec.sheets, rng, today)
        written += [(spec, sheet, grid) for sheet, grid in zip(spec.sheets, grids)]
    return written
