"""The generated Chinese reasons write their dates as a Chinese reader does, 2025年3月1日 (no leading
zeros: sql/parts/date_zh.sql, as warehouse/periods.py date_text), and the English ones beside them
keep ISO dates. Read through the query layer on a read-only connection. Today 2025-10-08.

    organ  what                                                           next due
    OA     JC-A1 2025-03-01 不合格 on project PA (vendor V1)               routine (D: every 6 months)
    OB     project PB (vendor V2) started 2025-08-05, never inspected      new project
    OF     a 较大 incident SJ-F of its own, reported 2025-09-05            incident follow-up
    OC     classified project PC (vendor V1) started 2025-02-03

V1 — inspection JC-A1; incident SJ-1 一般 occurred 2025-01-05 at OA; its ISMS certificate expired
2025-06-09 (none valid), its QMS certificate expires 2025-12-01 (54 days); rectification JC-A1/A1 due
2025-09-01 (37 days overdue); PC classified without 国家秘密载体印制资质.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.analytics_world import World
from warehouse import queries as q

TODAY = dt.date(2025, 10, 8)
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("reason_dates"))
    o = {"OA": w.organ(1, "330102"), "OB": w.organ(2, "330106"), "OF": w.organ(3, "330203"),
         "OC": w.organ(4, "330302")}
    v1, v2 = w.vendor(1), w.vendor(2)
    w.project("PA", o["OA"], v1, "2022-01-01")
    w.project("PB", o["OB"], v2, "2025-08-05")
    w.project("PC", o["OC"], v1, "2025-02-03", classified=True)
    w.inspection("JC-A1", o["OA"], "2025-03-01", project="PA", score=50)
    w.inspection("JC-C1", o["OC"], "2025-06-20", project="PC", score=90)
    w.rectification("JC-A1", "A1", "2025-09-01")
    w.incident("SJ-1", o["OA"], "一般", "2025-01-05 09:00", vendor=v1, status="已结案", closed="2025-02-01")
    w.incident("SJ-F", o["OF"], "较大", "2025-09-04 10:00", reported="2025-09-05 09:00")
    w.qualification(v1, "ISMS-1", "信息安全管理体系认证", "2022-07-01", "2025-06-09")
    w.qualification(v1, "QMS-1", "质量管理体系认证", "2022-12-02", "2025-12-01")
    w.load(TODAY)
    with w.connect(read_only=True) as con:
        names = {v: k for k, v in o.items()}
        schedule = {names[r["organ_code"]]: r
                    for r in q.organ_schedule(con, q.Filters(today=TODAY)).iter_rows(named=True)}
        evidence = {r["evidence_kind"] + ("/" + r["evidence_code"] if r["evidence_code"] else ""): r
                    for r in q.vendor_risk_evidence(con, v1).iter_rows(named=True)}
    return {"schedule": schedule, "evidence": evidence, "oc": o["OC"]}


def reason(world, organ: str) -> tuple[str, str]:
    row = world["schedule"][organ]
    return row["due_reason"], row["due_reason_en"]


def detail(world, key: str) -> tuple[str, str]:
    row = world["evidence"][key]
    return row["detail_zh"], row["detail_en"]


def test_due_reasons_write_chinese_dates_and_english_iso(world):
    assert reason(world, "OA") == ("D级（高）每6个月检查一次；上次检查2025年3月1日（JC-A1）",
                                   "Tier D (high): checked every 6 months; last inspected 2025-03-01 (JC-A1)")
    assert reason(world, "OB")[0] == "项目PB于2025年8月5日开始，尚未检查，应在开始后30日内检查"
    assert reason(world, "OB")[1].startswith("Project PB started 2025-08-05 ")
    assert reason(world, "OF")[0] == "本机关发生较大及以上事件SJ-F（2025年9月5日报告），应在30日内复查"
    assert "reported 2025-09-05;" in reason(world, "OF")[1]


def test_vendor_risk_evidence_writes_chinese_dates_and_english_iso(world):
    zh, en = detail(world, "inspection/JC-A1")
    assert zh.startswith("检查JC-A1（2025年3月1日）结论不合格，") and en.startswith("Inspection JC-A1 (2025-03-01) graded Fail")
    zh, en = detail(world, "incident/SJ-1")
    assert zh.startswith("一般事件SJ-1（2025年1月5日发生，276天前）") and "(occurred 2025-01-05, 276 days ago)" in en
    assert detail(world, "expired/ISMS-1") == ("信息安全管理体系认证已于2025年6月9日到期，无有效证书",
                                               "ISMS certification expired on 2025-06-09; no valid certificate")
    assert detail(world, "expiring/QMS-1") == ("质量管理体系认证（QMS-1）将于2025年12月1日到期（54天内）",
                                               "QMS certification (QMS-1) expires on 2025-12-01 (within 54 days)")
    assert detail(world, "escalated/JC-A1/A1") == ("整改JC-A1/A1应于2025年9月1日完成，已逾期37天",
                                                   "Rectification JC-A1/A1 was due 2025-09-01; 37 days overdue")
    zh, en = detail(world, f"classified_without_secrecy/{world['oc']}/PC")
    assert zh.startswith("涉密项目PC（2025年2月3日开始）：") and en.startswith("Classified project PC (started 2025-02-03):")


def test_no_chinese_reason_keeps_an_iso_date(world):
    chinese = [r["due_reason"] for r in world["schedule"].values()] + [r["detail_zh"] for r in world["evidence"].values()]
    assert not [t for t in chinese if t and ISO.search(t)]
