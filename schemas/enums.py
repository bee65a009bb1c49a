"""Enumerations of the submission contract (contract §2) with the aliases organs really write.

Each enumeration maps any accepted spelling to one canonical Chinese value. Lookups are made on a
folded key (NFKC, no spaces, lower case) so that full-width letters, stray spaces and case never
decide whether a value is accepted.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field


def fold(text: str) -> str:
    """The key used to compare spellings: NFKC, whitespace removed, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


@dataclass(frozen=True)
class Enumeration:
    name: str
    values: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)

    def lookup_table(self) -> dict[str, str]:
        """Folded spelling -> canonical value, for every value and alias."""
        table = {fold(v): v for v in self.values}
        for alias, canonical in self.aliases.items():
            assert canonical in self.values, (self.name, alias, canonical)
            table[fold(alias)] = canonical
        return table

    def canonical(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        return self.lookup_table().get(fold(raw))


ADMIN_LEVEL = Enumeration(
    "admin_level",
    ("省级", "市级", "县级", "乡镇级"),
    {"省": "省级", "省本级": "省级", "市": "市级", "地市级": "市级", "市本级": "市级",
     "县": "县级", "区县级": "县级", "县区级": "县级", "区级": "县级", "乡镇": "乡镇级",
     "乡级": "乡镇级", "镇级": "乡镇级", "街道": "乡镇级",
     "province": "省级", "city": "市级", "county": "县级", "township": "乡镇级"},
)

ORGAN_CATEGORY = Enumeration(
    "organ_category",
    ("党委", "人大", "政府", "政协", "监察", "法院", "检察院", "群团", "其他"),
    {"党委机关": "党委", "人大机关": "人大", "政府机关": "政府", "行政机关": "政府",
     "政协机关": "政协", "监察机关": "监察", "纪委监委": "监察", "审判机关": "法院",
     "检察机关": "检察院", "群团组织": "群团", "群众团体": "群团", "其它": "其他"},
)

FOREIGN_INVESTMENT = Enumeration(
    "foreign_investment",
    ("无", "间接", "直接", "不详"),
    {"否": "无", "没有": "无", "n": "无", "no": "无", "none": "无", "间接持股": "间接",
     "indirect": "间接", "直接持股": "直接", "是": "直接", "direct": "直接", "未知": "不详",
     "unknown": "不详"},
)

QUALIFICATION_TYPE = Enumeration(
    "qualification_type",
    ("国家秘密载体印制资质", "涉密信息系统集成资质", "信息安全管理体系认证", "质量管理体系认证",
     "档案服务企业备案", "其他"),
    {"保密资质": "国家秘密载体印制资质", "涉密资质": "国家秘密载体印制资质",
     "国家秘密载体印制资质（涉密档案数字化加工）": "国家秘密载体印制资质",
     "涉密载体印制资质": "国家秘密载体印制资质", "涉密集成资质": "涉密信息系统集成资质",
     "iso27001": "信息安全管理体系认证", "iso/iec27001": "信息安全管理体系认证",
     "gb/t22080": "信息安全管理体系认证", "isms": "信息安全管理体系认证",
     "iso9001": "质量管理体系认证", "gb/t19001": "质量管理体系认证", "qms": "质量管理体系认证",
     "档案服务备案": "档案服务企业备案", "备案": "档案服务企业备案", "其它": "其他"},
)

GRADE_LEVEL = Enumeration(
    "grade", ("甲级", "乙级", "无"),
    {"甲": "甲级", "乙": "乙级", "a": "甲级", "b": "乙级", "不分级": "无", "无等级": "无", "-": "无"},
)

CERTIFICATE_STATUS = Enumeration(
    "status", ("有效", "暂停", "撤销", "注销"),
    {"正常": "有效", "valid": "有效", "暂停使用": "暂停", "suspended": "暂停", "已撤销": "撤销",
     "revoked": "撤销", "已注销": "注销", "cancelled": "注销"},
)

SERVICE_TYPE = Enumeration(
    "service_type",
    ("档案整理", "传统载体档案数字化", "纸质档案数字复制件全文识别", "电子档案管理技术支持"),
    {"整理": "档案整理", "数字化": "传统载体档案数字化", "档案数字化": "传统载体档案数字化",
     "纸质档案数字化": "传统载体档案数字化", "全文识别": "纸质档案数字复制件全文识别",
     "ocr": "纸质档案数字复制件全文识别", "电子档案技术支持": "电子档案管理技术支持",
     "电子档案管理": "电子档案管理技术支持"},
)
# Any other service text still loads, verbatim, as this value with flag OUT_OF_SCOPE_SERVICE.
OUT_OF_SCOPE = "超范围"

WORK_SITE = Enumeration(
    "work_site", ("机关内部", "服务机构场所"),
    {"机关": "机关内部", "本机关": "机关内部", "发包方": "机关内部", "发包方场所": "机关内部",
     "机关内": "机关内部", "服务机构": "服务机构场所", "承包方": "服务机构场所",
     "服务方场所": "服务机构场所", "承包方场所": "服务机构场所", "外部": "服务机构场所"},
)

VOLUME_UNIT = Enumeration(
    "volume_unit", ("卷", "件", "页", "GB"),
    {"画幅": "页", "幅": "页", "p": "页", "g": "GB", "gb": "GB"},
)

INSPECTION_KIND = Enumeration(
    "inspection_kind", ("双随机抽查", "专项检查", "飞行检查", "复查", "验收检查"),
    {"双随机": "双随机抽查", "随机抽查": "双随机抽查", "双随机一公开": "双随机抽查",
     "专项": "专项检查", "飞检": "飞行检查", "飞行": "飞行检查", "复核": "复查",
     "整改复查": "复查", "验收": "验收检查"},
)

INSPECTION_GRADE = Enumeration(
    "grade", ("优秀", "良好", "合格", "不合格"),
    {"基本合格": "合格", "良": "良好", "优": "优秀", "通过": "合格", "不通过": "不合格"},
)

ITEM_RESULT = Enumeration(
    "result", ("符合", "部分符合", "不符合", "不适用"),
    {"是": "符合", "√": "符合", "✓": "符合", "y": "符合", "基本符合": "部分符合",
     "部分": "部分符合", "否": "不符合", "×": "不符合", "✗": "不符合", "n": "不符合",
     "无此项": "不适用", "n/a": "不适用", "na": "不适用", "/": "不适用", "—": "不适用"},
)

VERIFICATION = Enumeration(
    "verification", ("通过", "未通过"),
    {"合格": "通过", "已通过": "通过", "是": "通过", "不通过": "未通过", "不合格": "未通过",
     "否": "未通过"},
)

INCIDENT_TYPE = Enumeration(
    "incident_type",
    ("泄密", "档案丢失", "档案损毁", "违规拷贝", "私自带出", "违规联网", "违规转包分包",
     "数据未销毁", "人员未备案", "资质缺失或过期", "监控缺失", "其他"),
    {"信息泄露": "泄密", "泄露": "泄密", "丢失": "档案丢失", "损毁": "档案损毁", "损坏": "档案损毁",
     "档案损坏": "档案损毁", "非法拷贝": "违规拷贝", "擅自复制": "违规拷贝", "私自带出场所": "私自带出",
     "擅自带出": "私自带出", "联网": "违规联网", "违规转包": "违规转包分包", "违规分包": "违规转包分包",
     "转包分包": "违规转包分包", "违规留存": "数据未销毁", "数据未清除": "数据未销毁",
     "人员未备案/未签保密承诺": "人员未备案", "未签保密承诺": "人员未备案", "资质过期": "资质缺失或过期",
     "资质缺失": "资质缺失或过期", "监控失效": "监控缺失", "其它": "其他"},
)

SEVERITY = Enumeration(
    "severity", ("特别重大", "重大", "较大", "一般"),
    {"特别重大事件": "特别重大", "Ⅰ": "特别重大", "I": "特别重大", "1": "特别重大", "Ⅰ级": "特别重大",
     "重大事件": "重大", "Ⅱ": "重大", "II": "重大", "2": "重大", "Ⅱ级": "重大",
     "较大事件": "较大", "Ⅲ": "较大", "III": "较大", "3": "较大", "Ⅲ级": "较大",
     "一般事件": "一般", "Ⅳ": "一般", "IV": "一般", "4": "一般", "Ⅳ级": "一般"},
)
# Severity rank: 1 is the worst. Used by the late-report rule and the risk analytics.
SEVERITY_RANK = {"特别重大": 1, "重大": 2, "较大": 3, "一般": 4}

INCIDENT_STATUS = Enumeration(
    "status", ("处置中", "已处置", "已结案"),
    {"处理中": "处置中", "正在处置": "处置中", "已处理": "已处置", "结案": "已结案", "已关闭": "已结案"},
)

# Yes/no spellings of contract §1. Folded keys.
BOOL_TRUE = ("是", "y", "yes", "√", "✓", "✔", "☑", "1", "true", "t", "有", "对")
BOOL_FALSE = ("否", "n", "no", "×", "✗", "✘", "✕", "✖", "x", "0", "false", "f", "无", "不")
