"""The evidence of a vendor's risk score (mart_vendor_risk_evidence.detail_en) and what would change
its tier (warehouse/levers.py description_en) in English, composed beside the Chinese texts, which
are as they were: the values they name (grades, severities, qualification types and statuses, volume
units) in English from schemas/values_en.py, codes, dates and numbers as they are.

The world is tests/test_analytics_vendor_risk.py's (V1 with evidence of every component, V2 never
inspected and without certificates, V3 with a classified project without 国家秘密载体印制资质);
today 2025-10-08.
"""

from __future__ import annotations

import re

import polars as pl

from tests.test_analytics_vendor_risk import world  # noqa: F401  (the fixture)
from warehouse import queries as q

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def evidence(world, vendor) -> dict[str, dict]:
    return {r["evidence_kind"] + ("/" + r["evidence_code"] if r["evidence_code"] else ""): r
            for r in q.vendor_risk_evidence(world.con, vendor).iter_rows(named=True)}


def texts(rows: dict[str, dict], key: str) -> tuple[str, str]:
    return rows[key]["detail_zh"], rows[key]["detail_en"]


def levers(world, vendor) -> dict[str, dict]:
    return {r["lever"]: r for r in q.vendor_next_tier(world.con, vendor).iter_rows(named=True)}


def both(levers_: dict[str, dict], lever: str) -> tuple[str, str]:
    return levers_[lever]["description_zh"], levers_[lever]["description_en"]


def test_the_evidence_in_english_beside_the_chinese(world):
    v1 = evidence(world, world.v1)
    assert texts(v1, "inspection/Ia") == (
        "检查Ia（2025年9月1日）结论不合格，权重3/6，计15.00分",
        "Inspection Ia (2025-09-01) graded Fail, weight 3/6: 15.00 points")
    assert texts(v1, "inspection/Ic")[1] == "Inspection Ic (2024-06-01) graded Excellent, weight 1/6: 0.00 points"
    assert texts(v1, f"evaluation/{world.ov1}/2025-Q2/PV1a") == (
        f"{world.ov1}对2025-Q2期间的评价综合得分80.0（共2条，取均值）",
        f"Evaluation by {world.ov1} for 2025-Q2: overall score 80.0 (averaged over 2)")
    assert texts(v1, "incident/SJ1") == (
        "一般事件SJ1（2024年10月8日发生，365天前）：3分×衰减0.5000",
        "Ordinary incident SJ1 (occurred 2024-10-08, 365 days ago): 3 points × decay 0.5000")
    assert texts(v1, "suspended/SEC-1") == (
        "国家秘密载体印制资质（SEC-1）状态为暂停", "State-secret carrier printing licence (SEC-1) is suspended")
    assert texts(v1, "expired/ISMS-1") == (
        "信息安全管理体系认证已于2025年6月30日到期，无有效证书",
        "ISMS certification expired on 2025-06-30; no valid certificate")
    assert texts(v1, "expiring/QMS-1") == (
        "质量管理体系认证（QMS-1）将于2025年12月1日到期（54天内）",
        "QMS certification (QMS-1) expires on 2025-12-01 (within 54 days)")
    assert texts(v1, f"NO_CONFIDENTIALITY_AGREEMENT/{world.ov1}/PV1a") == (
        f"未签订保密协议：{world.ov1}/PV1a", f"No confidentiality agreement: {world.ov1}/PV1a")
    assert texts(v1, "escalated/Ia/A1") == (
        "整改Ia/A1应于2025年9月1日完成，已逾期37天", "Rectification Ia/A1 was due 2025-09-01; 37 days overdue")
    assert texts(v1, "volume_share/页") == (
        "占辖区在办工作量（页）的50.0%（25%计满分）",
        "50.0% of the active volume in the jurisdiction, in pages (full points at 25%)")
    assert texts(v1, "organs") == ("在办项目涉及2个机关（满10个计满分）", "Active projects at 2 organs (full points at 10)")
    assert texts(v1, "projects") == ("在办项目2个（满20个计满分）", "2 active projects (full points at 20)")

    v2 = evidence(world, world.v2)
    assert texts(v2, "no_inspection") == (
        "近60个月所承接项目无检查结论，按未知风险计15.00分",
        "No graded inspection of its projects in the last 60 months: counted as unknown risk, 15.00 points")
    assert texts(v2, "none_registered") == (
        "未登记任何资质证书，但有在办项目", "No qualification certificate registered, yet it has active projects")
    assert texts(v2, "projects")[1] == "1 active project (full points at 20)"
    assert texts(v2, "organs")[1] == "Active projects at 1 organ (full points at 10)"

    v3 = evidence(world, world.v3)
    assert texts(v3, f"classified_without_secrecy/{world.ov4}/PV3") == (
        "涉密项目PV3（2025年1月1日开始）：服务机构当前无有效国家秘密载体印制资质",
        "Classified project PV3 (started 2025-01-01): the vendor holds no valid state-secret carrier printing licence")


def test_no_evidence_text_in_english_holds_chinese(world):
    for vendor in (world.v1, world.v2, world.v3, world.v4):
        frame = q.vendor_risk_evidence(world.con, vendor)
        assert frame["detail_en"].null_count() == 0
        assert not [t for t in frame["detail_en"] if CJK.search(t)], vendor


def test_what_would_change_the_tier_in_english_beside_the_chinese(world):
    v1 = levers(world, world.v1)
    assert both(v1, "close_rectifications") == (
        "完成全部2项逾期整改并经复查通过", "Complete all 2 overdue rectifications and pass the re-inspection")
    assert both(v1, "resolve_suspended") == (
        "恢复证书有效状态（国家秘密载体印制资质（SEC-1）状态为暂停）",
        "Have the certificate restored to valid — State-secret carrier printing licence (SEC-1) is suspended")
    assert both(v1, "resolve_expiring")[1] == (
        "Renew the certificate before it expires — QMS certification (QMS-1) expires on 2025-12-01 (within 54 days)")
    assert both(v1, "resolve_NO_CONFIDENTIALITY_AGREEMENT") == (
        f"纠正：未签订保密协议：{world.ov1}/PV1a",
        f"Correct the finding — No confidentiality agreement: {world.ov1}/PV1a")
    assert both(v1, "all_fixes")[1] == "Correct all of the rectification, qualification and compliance problems above"
    assert both(v1, "next_inspection_优秀") == (
        "下一次检查结论为优秀（检查结果分项由17.50变为11.25）",
        "Next inspection graded Excellent (the inspections component goes from 17.50 to 11.25)")
    assert both(v1, "next_inspection_不合格")[1] == (
        "Next inspection graded Fail (the inspections component goes from 17.50 to 26.25)")
    assert both(v1, "better_evaluations") == ("服务评价均分由75.0提高到90.0",
                                              "Raise the mean service evaluation from 75.0 to 90.0")
    assert both(v1, "incident_decay") == ("如无新事件，事件分项随时间衰减至0.00",
                                          "With no new incident, the incidents component decays to 0.00")
    assert both(v1, "new_incident_较大") == ("新发生一起较大事件", "A new relatively serious incident")
    assert both(v1, "qualification_lapses") == (
        "质量管理体系认证（QMS-1）将于2025年12月1日到期（54天内），到期未续",
        "QMS certification (QMS-1) expires on 2025-12-01 (within 54 days) and is not renewed")
    assert both(v1, "rectification_overdue") == ("再有一项整改逾期", "One more rectification becomes overdue")
    assert both(v1, "floor_FLOOR_SERIOUS_INCIDENT") == (
        "若出现“24个月内发生较大及以上事件”，按底线规则直接定为D级",
        "Should “Relatively serious or worse incident in the last 24 months” happen, a floor rule sets tier D "
        "outright")

    v2 = levers(world, world.v2)
    assert both(v2, "resolve_none_registered") == (
        "登记有效的资质证书（如档案服务企业备案、信息安全管理体系认证）",
        "Register a valid qualification certificate (such as an archive service filing or an ISMS certification)")

    v3 = levers(world, world.v3)
    floor_en = "Takes classified projects without a secrecy qualification"
    assert both(v3, "floor") == (
        f"风险分14.25已在C级范围，分数再降也不会改变等级；底线规则将其定为D级：承接涉密项目但无保密资质（{world.ov4}/PV3）；"
        "须先消除该情形",
        f"Risk score 14.25 is in tier C's range already, so a lower score does not change the tier; held at tier D "
        f"by a floor rule: {floor_en} ({world.ov4}/PV3); its cause must be removed first")
    assert both(v3, "resolve_classified_without_secrecy")[1] == (
        "Obtain a state-secret carrier printing licence, or hand the classified project to a licensed vendor — "
        "Classified project PV3 (started 2025-01-01): the vendor holds no valid state-secret carrier printing licence")


def test_every_lever_has_its_english_text(world):
    for vendor in (world.v1, world.v2, world.v3, world.v4):
        frame = q.vendor_next_tier(world.con, vendor)
        assert frame.columns.index("description_en") == frame.columns.index("description_zh") + 1
        assert frame["description_en"].null_count() == 0
        assert not [t for t in frame["description_en"] if CJK.search(t)], vendor
        assert frame.filter(pl.col("description_en") == pl.col("description_zh")).is_empty()
