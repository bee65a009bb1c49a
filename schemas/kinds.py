"""The submission kinds of contract §2: every column with its Chinese header, type and rule.

This module is the single description of what organs send. The reader recognises sheets from it,
the normaliser parses by its types, the pandera models check its rules, the warehouse tables carry
its column names, and the template and the sample generator write its headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas import enums
from schemas.enums import Enumeration


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    type: str  # uscc region date datetime int decimal bool enum text period names codes
    required: bool = False
    enum: Enumeration | None = None
    ge: float | None = None
    le: float | None = None
    aliases: tuple[str, ...] = ()
    rule: str = ""  # the rule as told to organs (template input messages)
    example: str = ""

    @property
    def header(self) -> str:
        """The header as the template writes it: required columns marked with '*'."""
        return ("*" if self.required else "") + self.zh


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    sheet_names: tuple[str, ...] = ()
    references: tuple[str, ...] = field(default=())  # kinds that must load first

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


SCORE = dict(type="decimal", required=True, ge=0, le=100, rule="0–100 分")

ORGANS = Kind(
    "organs", "机关名录", ("organ_code",),
    (
        Column("organ_code", "统一社会信用代码", "uscc", True, aliases=(
            "机关统一社会信用代码", "信用代码", "机关代码", "单位统一社会信用代码", "单位信用代码"),
               rule="18位统一社会信用代码，机关以11开头、群团以13开头", example="11330000002482090Q"),
        Column("organ_name", "机关名称", "text", True, aliases=("单位名称", "名称"), example="浙江省档案局"),
        Column("region_code", "行政区划代码", "region", True, aliases=("区划代码", "所属区划代码"),
               rule="6位行政区划代码，须在本辖区内", example="330000"),
        Column("admin_level", "机关层级", "enum", True, enums.ADMIN_LEVEL, aliases=("层级", "级别"), example="省级"),
        Column("organ_category", "机关类别", "enum", enum=enums.ORGAN_CATEGORY, aliases=("类别",), example="政府"),
        Column("archive_staff", "档案工作人员数", "int", ge=0, aliases=("档案人员数", "专兼职档案人员数"),
               rule="不小于0的整数", example="3"),
        Column("contact_name", "联系人", "text", example="王某"),
        Column("contact_phone", "联系电话", "text", aliases=("电话",), example="0571-88888888"),
    ),
    sheet_names=("机关名录", "机关", "机关信息"),
)

VENDORS = Kind(
    "vendors", "服务机构名录", ("vendor_code",),
    (
        Column("vendor_code", "统一社会信用代码", "uscc", True, aliases=("服务机构统一社会信用代码", "信用代码"),
               rule="18位统一社会信用代码，企业以91开头", example="91330100716105852F"),
        Column("vendor_name", "机构名称", "text", True, aliases=("服务机构名称", "企业名称", "单位名称"),
               example="杭州某档案服务有限公司"),
        Column("region_code", "注册地行政区划代码", "region", aliases=("注册地区划代码", "注册地"),
               rule="6位行政区划代码，可在辖区外", example="330106"),
        Column("established_on", "成立日期", "date", rule="不得晚于今天", example="2012-05-18"),
        Column("registered_capital_wan", "注册资本（万元）", "decimal", ge=0, aliases=("注册资本",),
               rule="单位万元，不小于0", example="500"),
        Column("foreign_investment", "外资背景", "enum", enum=enums.FOREIGN_INVESTMENT, aliases=("是否外资",), example="无"),
        Column("filing_no", "档案服务企业备案编号", "text", aliases=("备案编号",), example="浙档服备2024-001"),
        Column("filing_expires_on", "备案有效期至", "date", aliases=("备案有效期",), example="2027-12-31"),
    ),
    sheet_names=("服务机构名录", "服务机构", "外包服务机构"),
)

QUALIFICATIONS = Kind(
    "qualifications", "服务机构资质", ("vendor_code", "certificate_no"),
    (
        Column("vendor_code", "统一社会信用代码", "uscc", True, aliases=("服务机构统一社会信用代码", "服务机构代码"),
               rule="须已在服务机构名录中", example="91330100716105852F"),
        Column("qualification_type", "资质类型", "enum", True, enums.QUALIFICATION_TYPE, aliases=("资质名称",),
               example="信息安全管理体系认证"),
        Column("grade", "资质等级", "enum", enum=enums.GRADE_LEVEL, aliases=("等级",), example="无"),
        Column("certificate_no", "证书编号", "text", True, aliases=("证书号",), example="ISMS-2024-0001"),
        Column("issuer", "发证机关", "text", aliases=("发证单位", "认证机构"), example="某认证有限公司"),
        Column("issued_on", "发证日期", "date", True, example="2024-01-10"),
        Column("expires_on", "有效期至", "date", True, aliases=("到期日期", "有效期"), rule="不得早于发证日期",
               example="2027-01-09"),
        Column("status", "证书状态", "enum", enum=enums.CERTIFICATE_STATUS, aliases=("状态",),
               rule="留空视为有效；过期由有效期至自动判断", example="有效"),
    ),
    sheet_names=("服务机构资质", "资质", "资质证书"),
    references=("vendors",),
)

PROJECTS = Kind(
    "projects", "外包项目", ("organ_code", "project_code"),
    (
        Column("project_code", "项目编号", "text", True, aliases=("合同编号",), example="ZJ-2025-001"),
        Column("organ_code", "机关统一社会信用代码", "uscc", True, aliases=("机关代码",), rule="须已在机关名录中",
               example="11330000002482090Q"),
        Column("vendor_code", "服务机构统一社会信用代码", "uscc", True, aliases=("服务机构代码",),
               rule="须已在服务机构名录中", example="91330100716105852F"),
        Column("service_type", "服务类型", "enum", True, enums.SERVICE_TYPE, aliases=("外包事项", "服务内容"),
               rule="档案整理、传统载体档案数字化、纸质档案数字复制件全文识别、电子档案管理技术支持；其他内容记为超范围",
               example="传统载体档案数字化"),
        Column("signed_on", "合同签订日期", "date", True, aliases=("签订日期",), example="2025-02-20"),
        Column("start_on", "开始日期", "date", True, aliases=("项目开始日期",), rule="一般不早于合同签订日期",
               example="2025-03-01"),
        Column("planned_end_on", "计划完成日期", "date", True, aliases=("计划结束日期",), rule="不得早于开始日期",
               example="2025-09-30"),
        Column("actual_end_on", "实际完成日期", "date", aliases=("实际结束日期",), rule="不得早于开始日期",
               example="2025-09-25"),
        Column("accepted_on", "验收日期", "date", example="2025-10-10"),
        Column("security_confirmed_on", "安全确认日期", "date", aliases=("数据清除确认日期",),
               rule="数据清除经机关安全确认的日期", example="2025-10-12"),
        Column("amount_wan", "合同金额（万元）", "decimal", ge=0, aliases=("合同金额",), rule="单位万元，不小于0",
               example="48.5"),
        Column("work_site", "作业场所", "enum", True, enums.WORK_SITE, aliases=("加工场所",), example="机关内部"),
        Column("involves_classified", "是否涉密", "bool", True, example="否"),
        Column("confidentiality_agreement", "是否签订保密协议", "bool", True, aliases=("保密协议",), example="是"),
        Column("subcontracted", "是否分包", "bool", aliases=("是否转包分包",), example="否"),
        Column("volume", "工作量", "decimal", ge=0, aliases=("数量",), example="120000"),
        Column("volume_unit", "计量单位", "enum", enum=enums.VOLUME_UNIT, aliases=("单位",), example="页"),
    ),
    sheet_names=("外包项目", "项目", "项目台账"),
    references=("organs", "vendors"),
)

INSPECTIONS = Kind(
    "inspections", "检查记录", ("inspection_code",),
    (
        Column("inspection_code", "检查编号", "text", True, example="JC-2025-0001"),
        Column("inspected_on", "检查日期", "date", True, rule="不得晚于今天", example="2025-06-12"),
        Column("organ_code", "被检查机关代码", "uscc", True, aliases=("被检查机关统一社会信用代码", "机关代码"),
               rule="须已在机关名录中", example="11330000002482090Q"),
        Column("project_code", "项目编号", "text", rule="如填写，须为该机关的项目", example="ZJ-2025-001"),
        Column("vendor_code", "服务机构代码", "uscc", aliases=("服务机构统一社会信用代码",),
               rule="如与项目同时填写，须为该项目的服务机构", example="91330100716105852F"),
        Column("inspection_kind", "检查方式", "enum", True, enums.INSPECTION_KIND, aliases=("检查类型",),
               example="双随机抽查"),
        Column("inspectors", "检查人员", "names", True, aliases=("检查人",), rule="姓名以顿号分隔，不少于2人",
               example="张三、李四"),
        Column("score", "得分", "decimal", ge=0, le=100, aliases=("检查得分", "分数"),
               rule="0–100；填写检查项结果时以检查项计算为准", example="100"),
        Column("grade", "检查结论", "enum", enum=enums.INSPECTION_GRADE, aliases=("结论", "等次"),
               rule="优秀、良好、合格、不合格；留空时自动评定", example="优秀"),
        Column("rectification_due_on", "整改期限", "date", rule="不得早于检查日期", example="2025-07-12"),
        Column("remarks", "备注", "text", example=""),
    ),
    sheet_names=("检查记录", "检查", "检查情况"),
    references=("organs", "vendors", "projects"),
)

INSPECTION_ITEMS = Kind(
    "inspection_items", "检查项结果", ("inspection_code", "item_code"),
    (
        Column("inspection_code", "检查编号", "text", True, rule="须已在检查记录中", example="JC-2025-0001"),
        Column("item_code", "检查项代码", "text", True, aliases=("检查项编号", "检查项"), rule="检查项目表中的代码，如A1",
               example="A1"),
        # the example fills a finding, so that the loader's check for a leftover example row
        # (ROW_TEMPLATE_EXAMPLE) cannot take a real JC-2025-0001 / A1 / 符合 row for it
        Column("result", "检查结果", "enum", True, enums.ITEM_RESULT, aliases=("结果",), example="部分符合"),
        Column("finding", "问题描述", "text", aliases=("存在问题", "发现问题"), rule="部分符合或不符合时应填写",
               example="外包合同未列明具体外包事项（示例）"),
    ),
    sheet_names=("检查项结果", "检查项", "检查明细"),
    references=("inspections",),
)

RECTIFICATIONS = Kind(
    "rectifications", "整改记录", ("inspection_code", "item_code"),
    (
        Column("inspection_code", "检查编号", "text", True, rule="须已在检查记录中", example="JC-2025-0001"),
        Column("item_code", "检查项代码", "text", True, aliases=("检查项编号", "检查项"), example="E3"),
        Column("due_on", "整改期限", "date", True, example="2025-07-12"),
        Column("completed_on", "整改完成日期", "date", aliases=("完成日期",), example="2025-07-05"),
        Column("verified_on", "复查日期", "date", rule="不得早于整改完成日期", example="2025-07-15"),
        Column("verification", "复查结果", "enum", enum=enums.VERIFICATION, example="通过"),
    ),
    sheet_names=("整改记录", "整改", "整改情况"),
    references=("inspections",),
)

EVALUATIONS = Kind(
    "evaluations", "服务评价", ("organ_code", "vendor_code", "project_code", "period"),
    (
        Column("period", "评价期间", "period", True, aliases=("评价周期", "期间"),
               rule="如2025、2025-Q3、2025年第三季度", example="2025-Q3"),
        Column("organ_code", "机关代码", "uscc", True, aliases=("机关统一社会信用代码",), example="11330000002482090Q"),
        Column("vendor_code", "服务机构代码", "uscc", True, aliases=("服务机构统一社会信用代码",),
               example="91330100716105852F"),
        Column("project_code", "项目编号", "text", rule="如填写，须为该机关与该服务机构的项目", example="ZJ-2025-001"),
        Column("quality", "质量", **SCORE, aliases=("质量得分",), example="88"),
        Column("timeliness", "进度", **SCORE, aliases=("进度得分",), example="90"),
        Column("security", "安全保密", **SCORE, aliases=("安全保密得分",), example="95"),
        Column("staffing", "人员管理", **SCORE, aliases=("人员管理得分",), example="85"),
        Column("cooperation", "配合度", **SCORE, aliases=("配合度得分",), example="92"),
        Column("overall", "综合得分", "decimal", ge=0, le=100, aliases=("总分", "综合评分"),
               rule="留空时按安全保密30%、质量30%、进度15%、人员管理15%、配合度10%计算", example="90.3"),
        Column("evaluated_on", "评价日期", "date", example="2025-10-08"),
    ),
    sheet_names=("服务评价", "评价", "评价表"),
    references=("organs", "vendors", "projects"),
)

INCIDENTS = Kind(
    "incidents", "事件报告", ("incident_code",),
    (
        Column("incident_code", "事件编号", "text", True, example="SJ-2025-001"),
        Column("organ_code", "机关代码", "uscc", True, aliases=("机关统一社会信用代码",), example="11330000002482090Q"),
        Column("vendor_code", "服务机构代码", "uscc", aliases=("服务机构统一社会信用代码",), example="91330100716105852F"),
        Column("project_code", "项目编号", "text", example="ZJ-2025-001"),
        Column("incident_type", "事件类型", "enum", True, enums.INCIDENT_TYPE, aliases=("类型",), example="违规拷贝"),
        Column("severity", "事件等级", "enum", True, enums.SEVERITY, aliases=("等级", "事件级别"), example="一般"),
        Column("occurred_at", "发生时间", "datetime", True, example="2025-05-06 10:30"),
        Column("discovered_at", "发现时间", "datetime", rule="不得早于发生时间", example="2025-05-06 15:00"),
        Column("reported_at", "报告时间", "datetime", True, rule="不得早于发现时间，不得晚于今天",
               example="2025-05-07 09:00"),
        Column("records_affected", "涉及档案数量", "int", ge=0, aliases=("涉及档案数",), example="12"),
        Column("involves_classified", "是否涉密", "bool", example="否"),
        Column("description", "事件描述", "text", True, aliases=("事件经过", "情况描述"), example="加工人员使用未登记U盘拷贝数据"),
        Column("status", "处置状态", "enum", True, enums.INCIDENT_STATUS, aliases=("状态",), example="已结案"),
        Column("closed_on", "结案日期", "date", rule="处置状态为已结案时必填", example="2025-06-01"),
    ),
    sheet_names=("事件报告", "事件", "安全事件"),
    references=("organs", "vendors", "projects"),
)

INSPECTORS = Kind(
    "inspectors", "检查人员名录", ("inspector_id",),
    (
        Column("inspector_id", "执法证号", "text", True, aliases=("执法证编号", "证件号"), example="浙A-330000-001"),
        Column("inspector_name", "姓名", "text", True, example="张三"),
        Column("region_code", "所属区划代码", "region", True, aliases=("行政区划代码",), rule="须在本辖区内",
               example="330000"),
        Column("expertise", "专长", "names", aliases=("专业特长",), rule="以顿号分隔，如数字化、保密、整理",
               example="数字化、保密"),
        Column("recusal_organ_codes", "回避机关代码", "codes", aliases=("回避单位代码",),
               rule="须回避的机关统一社会信用代码，以顿号分隔", example=""),
        Column("active", "是否在岗", "bool", aliases=("在岗",), rule="留空视为是", example="是"),
    ),
    sheet_names=("检查人员名录", "检查人员", "执法人员"),
)

# Load order: registries before what refers to them, whatever the order of the files.
KINDS: tuple[Kind, ...] = (
    ORGANS, VENDORS, INSPECTORS, QUALIFICATIONS, PROJECTS, INSPECTIONS, INSPECTION_ITEMS,
    RECTIFICATIONS, EVALUATIONS, INCIDENTS,
)
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}

# Evaluation weights of contract §2.8 (overall derived when absent).
EVALUATION_WEIGHTS = {"security": 0.30, "quality": 0.30, "timeliness": 0.15, "staffing": 0.15,
                      "cooperation": 0.10}
