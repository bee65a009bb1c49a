"""Synthetic registries for the planning tests: organs with tiers and pending checks, inspectors
with expertise, recusals and activity, last teams and silent organs — built from a seed, as polars
frames in the draw's input shape."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl

from etl.planning.draw import Period, PlanInputs

PERIOD = Period("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31))
TODAY = dt.date(2025, 12, 20)
CITIES = ("330100", "330200", "330300", "330400")
EXPERTISE = ("数字化", "保密", "整理", "电子档案")
SERVICES = ("档案整理", "传统载体档案数字化", "纸质档案数字复制件全文识别", "电子档案管理技术支持")


def synthetic(n_organs: int = 300, n_inspectors: int = 60, seed: int = 1) -> PlanInputs:
    rng = random.Random(seed)
    organs, projects, silent, last = [], [], [], []
    inspectors = []
    for k in range(n_inspectors):
        region = "330000" if k % 5 == 0 else CITIES[k % len(CITIES)]
        inspectors.append({"inspector_id": f"浙A-{region}-{k:03d}", "inspector_name": f"检查员{k:03d}",
                           "region_code": region, "expertise": rng.sample(EXPERTISE, rng.choice((1, 2, 2, 3))),
                           "recusal_organ_codes": [], "active": rng.random() > 0.1})
    for n in range(n_organs):
        code = f"ORG{n:05d}"
        city = CITIES[n % len(CITIES)]
        region = city[:4] + f"{1 + n % 9:02d}"
        tier = rng.choices("ABCD", weights=(25, 45, 20, 10))[0]
        roll = rng.random()
        organs.append({
            "organ_code": code, "organ_name": f"测试机关{n}", "region_code": region, "tier": tier,
            "tier_reason": "test", "interval_months": {"A": 60, "B": 24, "C": 12, "D": 6}[tier],
            "tier_due_on": (dt.date(2025, 10, 1) if roll < 0.06 else dt.date(2026, 2, 15) if roll < 0.12
                            else dt.date(2027, 1, 1) if roll < 0.7 else None),
            "project_due_on": dt.date(2026, 1, 20) if rng.random() < 0.04 else None,
            "project_due_code": f"P{n}",
            "followup_due_on": dt.date(2026, 1, 10) if rng.random() < 0.03 else None,
            "followup_incident_code": f"SJ-{n}",
        })
        for j in range(rng.choice((0, 0, 1, 2))):
            projects.append({"organ_code": code, "project_code": f"P{n}-{j}", "vendor_code": "V",
                             "service_type": rng.choice(SERVICES), "involves_classified": rng.random() < 0.1,
                             "start_on": dt.date(2025, 6, 1)})
        if rng.random() < 0.08:
            silent.append({"organ_code": code, "quarter": "2025-Q3"})
        if rng.random() < 0.5:
            team = rng.sample(inspectors, 2)
            last.append({"organ_code": code, "inspection_code": f"JC-{n}", "inspected_on": dt.date(2025, 5, 1),
                         "inspector_names": [t["inspector_name"] for t in team]})
    for i in inspectors:  # registry recusals: a few organs each, for a third of the inspectors
        if rng.random() < 0.33:
            i["recusal_organ_codes"] = [o["organ_code"] for o in rng.sample(organs, 3)]
    return PlanInputs.of(organs=pl.DataFrame(organs, infer_schema_length=None), projects=pl.DataFrame(projects),
                         silent=pl.DataFrame(silent),
                         inspectors=pl.DataFrame(inspectors), last_teams=pl.DataFrame(last))


def organs_frame(rows: list[dict]) -> pl.DataFrame:
    """Organs for hand-made cases: organ_code and tier given, the rest defaulted."""
    base = {"organ_name": None, "region_code": "330102", "tier": "B", "tier_reason": None, "interval_months": 24,
            "tier_due_on": None, "project_due_on": None, "project_due_code": None, "followup_due_on": None,
            "followup_incident_code": None}
    return pl.DataFrame([{**base, "organ_name": r["organ_code"], **r} for r in rows], infer_schema_length=None,
                        schema_overrides={"tier_due_on": pl.Date, "project_due_on": pl.Date, "followup_due_on": pl.Date})


def inspectors_frame(rows: list[dict]) -> pl.DataFrame:
    base = {"region_code": "330100", "expertise": [], "recusal_organ_codes": [], "active": True}
    return pl.DataFrame([{**base, "inspector_name": r["inspector_id"], **r} for r in rows],
                        schema_overrides={"expertise": pl.List(pl.String), "recusal_organ_codes": pl.List(pl.String)})


# -- a tiny province in a real warehouse ----------------------------------------------------------

T0 = dt.date(2025, 12, 20)          # the plan is drawn before the quarter
INSPECTOR_HEADERS = ["执法证号", "姓名", "所属区划代码", "专长", "回避机关代码", "是否在岗"]
INCIDENT_HEADERS = ["事件编号", "机关代码", "服务机构代码", "项目编号", "事件类型", "事件等级", "发生时间", "报告时间",
                    "事件描述", "处置状态"]


def only_forced():
    """Only forced visits (ratios 0, D 100 %, no silent sample): a plan that can be worked out by hand."""
    from etl.planning import config as planning_config
    return planning_config.default().with_overrides(sampling={
        "ratio": {"A": 0.0, "B": 0.0, "C": 0.0, "D": 1.0},
        "bands": {"A": [0.0, 1.0], "B": [0.0, 1.0], "C": [0.0, 1.0], "D": [0.0, 1.0]}}, silent={"share": 0.0})


def load_files(warehouse, today: dt.date, *paths):
    from etl import pipeline
    result = pipeline.run(list(paths), pipeline.Settings(warehouse, "330000", today))
    assert result.summary()["rows_rejected"] == 0, result.issues.select("rule", "message").to_dicts()
    return result


def build_province(folder):
    """Six organs. Organ 1 (named "=1+1机关", to test formula neutralising) has a project P1, never
    inspected (its first check is overdue), whose vendor had a serious incident on 2025-12-01: organ 1
    and organ 4 (which also uses that vendor) are due a follow-up. Organ 2 was inspected in June (next
    due in 2027). Inspectors: 丙 must recuse from organ 1 (registry); 丁 and 戊 inspected organ 4 last
    time and 甲、乙 must recuse from it (registry): nobody is left for organ 4 but 丙. 己 is not active.
    Loaded on T0; returns the warehouse path."""
    from tests.factories import (INSPECTION_HEADERS, ORGAN_HEADERS, PROJECT_HEADERS, VENDOR_HEADERS, organ_code,
                                 organ_row, project_row, vendor_code, vendor_row, write_csv)
    wh = folder / "wh" / "oversight.duckdb"
    files = folder / "files"
    files.mkdir(parents=True)
    o = {n: organ_code(n) for n in range(1, 7)}
    write_csv(files / "organs.csv", ORGAN_HEADERS, [organ_row(1, name="=1+1机关"), *[organ_row(n) for n in range(2, 7)]])
    write_csv(files / "vendors.csv", VENDOR_HEADERS, [vendor_row(1)])
    write_csv(files / "projects.csv", PROJECT_HEADERS, [
        project_row("P1", 1, 1, start="2025-03-01", signed="2025-02-20", end="2026-06-30", classified="是"),
        project_row("P4", 4, 1, start="2025-01-10", signed="2025-01-05", end="2026-06-30", service="档案整理"),
    ])
    write_csv(files / "inspectors.csv", INSPECTOR_HEADERS, [
        ["浙A-330100-001", "甲", "330100", "数字化、保密", o[4], "是"],
        ["浙A-330100-002", "乙", "330100", "整理", o[4], "是"],
        ["浙A-330100-003", "丙", "330100", "保密", o[1], "是"],
        ["浙A-330000-004", "丁", "330000", "电子档案", "", "是"],
        ["浙A-330000-005", "戊", "330000", "整理", "", "是"],
        ["浙A-330000-006", "己", "330000", "整理", "", "否"],
    ])
    write_csv(files / "inspections.csv", INSPECTION_HEADERS, [
        ["JC-2025-001", "2025-02-01", o[4], "P4", "验收检查", "丁、戊", 88],
        ["JC-2025-002", "2025-06-01", o[2], "", "双随机抽查", "甲、乙", 85],
    ])
    write_csv(files / "incidents.csv", INCIDENT_HEADERS, [
        ["SJ-2025-001", o[1], vendor_code(1), "P1", "违规拷贝", "较大", "2025-11-28 10:00", "2025-12-01 09:00",
         "加工人员使用未登记U盘拷贝数据", "处置中"]])
    load_files(wh, T0, files)
    return wh
