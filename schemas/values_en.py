"""The values of the submission contract's enumerations (schemas/enums.py) in English: one source
for the English pages (dashboards/i18n.py shows a value through these) and for the English texts the
warehouse composes (warehouse/marts.py registers VALUE_EN for the refresh as cfg_labels rows of kind
'value', so the evidence of a vendor's risk score names a grade, a severity, a qualification type or
status and a volume unit in English: marts/15_vendor_risk_evidence.sql; warehouse/levers.py).

Capitalised, as a value stands alone in a grid cell; a text that uses one within a sentence lowers
its case where English would (a status, a severity).
"""

from __future__ import annotations

GRADE_EN = {"优秀": "Excellent", "良好": "Good", "合格": "Pass", "不合格": "Fail"}
SERVICE_EN = {"档案整理": "Arrangement", "传统载体档案数字化": "Digitisation",
              "纸质档案数字复制件全文识别": "Full-text OCR", "电子档案管理技术支持": "E-records support",
              "超范围": "Out of scope"}
# the four levels of China's emergency classification, most serious first
SEVERITY_EN = {"特别重大": "Extremely serious", "重大": "Serious", "较大": "Relatively serious", "一般": "Ordinary"}
INCIDENT_TYPE_EN = {"泄密": "Leak of secrets", "档案丢失": "Records lost", "档案损毁": "Records damaged",
                    "违规拷贝": "Unauthorised copying", "私自带出": "Taken off site", "违规联网": "Forbidden network link",
                    "违规转包分包": "Unauthorised subcontracting", "数据未销毁": "Data not destroyed",
                    "人员未备案": "Staff not registered", "资质缺失或过期": "Qualification missing or expired",
                    "监控缺失": "No surveillance", "其他": "Other"}
QUALIFICATION_TYPE_EN = {"国家秘密载体印制资质": "State-secret carrier printing licence",
                         "涉密信息系统集成资质": "Classified IT system integration licence",
                         "信息安全管理体系认证": "ISMS certification", "质量管理体系认证": "QMS certification",
                         "档案服务企业备案": "Archive service filing"}
QUALIFICATION_STATUS_EN = {"有效": "Valid", "暂停": "Suspended", "撤销": "Revoked", "注销": "Cancelled",
                           "过期": "Expired"}
# inspectors' expertise (专长): a free list in the inspector registry, not an enumeration of the
# contract; these are the names the planning configuration uses (warehouse/config/planning.toml
# [expertise]). Lower case, as they stand within a sentence; a name not here is shown as written.
EXPERTISE_EN = {"保密": "secrecy", "整理": "arrangement", "数字化": "digitisation", "电子档案": "electronic records"}
# volume units: lower case, as they follow a number
VOLUME_UNIT_EN = {"卷": "volumes", "件": "items", "页": "pages"}

# Every value of the contract's enumerations in English.
VALUE_EN = {
    **GRADE_EN, **SERVICE_EN, **SEVERITY_EN, **INCIDENT_TYPE_EN,
    "省级": "Provincial", "市级": "Municipal", "县级": "County", "乡镇级": "Township",
    "党委": "Party committee", "人大": "People's congress", "政府": "Government", "政协": "CPPCC",
    "监察": "Supervisory commission", "法院": "Court", "检察院": "Procuratorate", "群团": "People's organisation",
    "无": "None", "间接": "Indirect", "直接": "Direct", "不详": "Unknown",
    **QUALIFICATION_TYPE_EN,
    "甲级": "Class A", "乙级": "Class B",
    **QUALIFICATION_STATUS_EN,
    "机关内部": "Organ's premises", "服务机构场所": "Vendor's premises",
    **VOLUME_UNIT_EN,
    "双随机抽查": "Random inspection", "专项检查": "Special inspection", "飞行检查": "Unannounced inspection",
    "复查": "Re-inspection", "验收检查": "Acceptance inspection",
    "符合": "Compliant", "部分符合": "Partly compliant", "不符合": "Non-compliant", "不适用": "Not applicable",
    "通过": "Passed", "未通过": "Not passed",
    "处置中": "Being handled", "已处置": "Handled", "已结案": "Closed",
    "是": "Yes", "否": "No",
}


def value_en(text: str) -> str:
    """A value in English (any other text as it is)."""
    return VALUE_EN.get(text, text)
