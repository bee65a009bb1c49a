"""Rule codes of contract §4, the compliance flags of §3, and their Chinese messages.

Codes are stable identifiers: reports, the warehouse and tests refer to them. Messages are what an
organ's clerk reads; `{header}` is the column's Chinese header, `{value}` the value as written,
`{detail}` what the check adds (allowed values, the other date, the jurisdiction …).
"""

from __future__ import annotations

from collections.abc import Sequence

FILE_RULES = {
    "FILE_UNREADABLE": "文件无法打开或解码：{detail}",
    "FILE_UNKNOWN_KIND": "未能识别文件中任何工作表的表头，请使用报送模板的表头。找到的表头：{detail}",
    "FILE_MISSING_COLUMN": "工作表缺少必填列「{header}」，整表未导入。找到的表头：{detail}",
    # A hidden sheet is not what the organ sees when it checks its workbook: never loaded unseen.
    "FILE_HIDDEN_SHEET": "该工作表为隐藏工作表，表头可识别为「{detail}」，但未导入：如需报送，请取消隐藏后重新报送；"
                         "如不需报送，请删除该工作表",
}

ROW_RULES = {
    "ROW_REQUIRED": "「{header}」为必填项，不能为空{detail}",
    "ROW_TYPE": "「{header}」的值“{value}”无法识别为{detail}",
    "ROW_ENUM": "「{header}」的值“{value}”不是允许的取值，应为：{detail}",
    "ROW_RANGE": "「{header}」的值“{value}”超出允许范围（{detail}）",
    # A code typed into a number cell: Excel keeps 15 significant digits, so the digits read are not
    # the code (113301000000000123 comes back as 113301000000000096), and a CSV it saves keeps the six
    # it shows (3.30106E+11). {value} as Excel shows it.
    "ROW_CODE_AS_NUMBER": "「{header}」的值“{value}”是Excel按数字保存的，不是原样的代码：Excel的数字最多保留15位有效数字，"
                          "以科学计数法显示或另存为CSV时只保留显示的几位，代码的其余数字已经丢失，无法从文件中恢复；"
                          "请将该列单元格格式设置为“文本”后重新输入完整代码",
    "ROW_USCC": "「{header}」的值“{value}”不是有效的统一社会信用代码：{detail}",
    "ROW_REGION": "「{header}」的值“{value}”不是有效的行政区划代码",
    "ROW_JURISDICTION": "「{header}」的值“{value}”不在本辖区（{detail}）内",
    "ROW_DATE_ORDER": "「{header}」的值“{value}”早于{detail}，日期先后顺序有误",
    "ROW_FUTURE_DATE": "「{header}」的值“{value}”晚于今天（{detail}）",
    "ROW_UNKNOWN_REFERENCE": "「{header}」的值“{value}”{detail}",
    # {detail}: the key, and where its other versions are (「…」为“…”的记录出现多次且内容不同（另见第8行）).
    "ROW_DUPLICATE_KEY": "本次导入中{detail}，相关各行均未导入，请核对后只保留一行",
    # Row 2 of every sheet of the template (etl.template) is a filled example: left in, it is no data.
    "ROW_TEMPLATE_EXAMPLE": "该行与报送模板第2行的填写示例完全相同（「{header}」为“{value}”），是示例而不是实际数据，"
                            "未导入；请删除该行后再报送",
}

WARNING_RULES = {
    "W_ORGAN_PREFIX": "「{header}」的值“{value}”不以11（机关）或13（群团）开头，请核实是否为机关",
    "W_USCC_ORG_CHECK": "「{header}」的值“{value}”第9–17位组织机构代码的校验位不符，请核实",
    "W_USCC_PILOT": "「{header}」的值“{value}”为早期试点代码，校验位不符但予以接受，请核实",
    "W_START_BEFORE_SIGNED": "「{header}」的值“{value}”早于合同签订日期（{detail}），请核实",
    "W_SCORE_MISMATCH": "「{header}」填报为“{value}”，与检查项计算得分{detail}相差超过0.5分，以检查项计算为准",
    "W_GRADE_MISMATCH": "「{header}」填报为“{value}”，按检查项评定应为{detail}，以检查项评定为准",
    "W_OVERALL_MISMATCH": "「{header}」填报为“{value}”，与按权重计算的{detail}相差超过1分",
    "W_FINDING_MISSING": "检查结果为“{value}”时应填写「问题描述」",
    # An exact copy of a row read before in the same load: stored once, the copy is not loaded again.
    "W_DUPLICATE_ROW": "与{detail}完全相同，只装载一次",
}

MESSAGES = {**FILE_RULES, **ROW_RULES, **WARNING_RULES}
# Each rule's short name, in Chinese (the error report, the pages) and in English (the English pages;
# the messages themselves stay Chinese: they are what the organ's clerk is sent).
RULE_NAMES = {
    "FILE_UNREADABLE": ("文件无法读取", "File cannot be read"),
    "FILE_UNKNOWN_KIND": ("无法识别表格类型", "Sheet kind not recognised"),
    "FILE_MISSING_COLUMN": ("缺少必填列", "Required column missing"),
    "FILE_HIDDEN_SHEET": ("隐藏工作表未导入", "Hidden sheet not loaded"),
    "ROW_REQUIRED": ("必填项为空", "Required value empty"),
    "ROW_TYPE": ("格式无法识别", "Value cannot be read"),
    "ROW_ENUM": ("取值不在允许范围", "Value not allowed"),
    "ROW_RANGE": ("数值超出范围", "Value out of range"),
    "ROW_USCC": ("信用代码无效", "Invalid credit code"),
    "ROW_REGION": ("区划代码无效", "Invalid region code"),
    "ROW_JURISDICTION": ("不在本辖区", "Outside the jurisdiction"),
    "ROW_DATE_ORDER": ("日期顺序错误", "Dates in the wrong order"),
    "ROW_FUTURE_DATE": ("日期晚于今天", "Date after today"),
    "ROW_UNKNOWN_REFERENCE": ("引用的对象不存在", "Refers to nothing known"),
    "ROW_DUPLICATE_KEY": ("同批次重复记录", "Duplicate key in the load"),
    "ROW_CODE_AS_NUMBER": ("代码被存为数字", "Code stored as a number"),
    "ROW_TEMPLATE_EXAMPLE": ("模板示例行未删除", "Template example row left in"),
    "W_ORGAN_PREFIX": ("机关代码前缀异常", "Unusual organ code prefix"),
    "W_USCC_ORG_CHECK": ("组织机构代码校验位不符", "Organisation code check digit differs"),
    "W_USCC_PILOT": ("试点信用代码", "Pilot credit code"),
    "W_START_BEFORE_SIGNED": ("开始日期早于签订日期", "Start before signing"),
    "W_SCORE_MISMATCH": ("得分与检查项不符", "Score differs from the items"),
    "W_GRADE_MISMATCH": ("结论与检查项不符", "Grade differs from the items"),
    "W_OVERALL_MISMATCH": ("综合得分与分项不符", "Overall score differs from its parts"),
    "W_FINDING_MISSING": ("未填写问题描述", "Finding not described"),
    "W_DUPLICATE_ROW": ("重复行（只装载一次）", "Duplicate row (loaded once)"),
}
RULE_NAMES_ZH = {code: zh for code, (zh, _en) in RULE_NAMES.items()}


def rule_name(code: str | None, lang: str = "zh") -> str:
    """How a page names a rule: its name in the page's language, then its stable code."""
    if not code:
        return ""
    if code not in RULE_NAMES:
        return code
    zh, en = RULE_NAMES[code]
    return f"{en if lang == 'en' else zh} · {code}"


# Statuses of a file or sheet in a load (load_batches.status and `oversight load --json`).
STATUS_ZH = {"loaded": "已装载", "validated": "已校验（未入库）", "rejected": "整体退回",
             "already_loaded": "已装载过（内容相同，未重复装载）"}

# What ROW_TYPE says a value should have been.
TYPE_NAMES_ZH = {
    "date": "日期（如2025-03-05）", "datetime": "日期时间（如2025-03-05 14:30）", "int": "整数",
    "decimal": "数字", "bool": "是或否", "period": "评价期间（如2025、2025-Q3、2025年第三季度）",
}

# ROW_TYPE's addition when a date or date-time cell holds a time of day alone (10:30: an Excel serial
# below 1, which calamine would read as 1899-12-31 10:30).
TIME_ONLY_ZH = "该单元格只有时间，没有日期，请填写完整的年月日"
# No date before this one is accepted (ROW_RANGE): Excel stores none, so such a date was typed as text,
# and in these submissions its year is a slip (1025 for 2025).
EARLIEST_YEAR = 1900
EARLIEST_DATE_ZH = "不得早于1900-01-01，请核对年份"

# Compliance flags raised on load (contract §3), with what a reader of the warehouse sees.
FLAGS = {
    "OUT_OF_SCOPE_SERVICE": ("超范围外包", "Service outside the permitted auxiliary work"),
    "VENDOR_NOT_ENTERPRISE": ("服务机构非企业法人", "Vendor is not an enterprise legal person"),
    "CLASSIFIED_WITHOUT_QUALIFICATION": ("涉密项目服务机构无保密资质", "Classified project without secrecy qualification"),
    "QUALIFICATION_EXPIRED": ("服务机构资质均已失效", "All of the vendor's qualifications have lapsed"),
    "NO_CONFIDENTIALITY_AGREEMENT": ("未签订保密协议", "No confidentiality agreement"),
    "CLASSIFIED_OFFSITE": ("涉密档案在服务机构场所加工", "Classified records processed at the vendor's site"),
    "SINGLE_INSPECTOR": ("检查人员少于2人", "Fewer than two inspectors"),
    "LATE_INCIDENT_REPORT": ("事件迟报", "Incident reported late"),
}

# Hours within which an incident must be reported, by severity (contract §3).
INCIDENT_REPORT_HOURS = {"特别重大": 24, "重大": 24, "较大": 24, "一般": 7 * 24}


# A value quoted in a message is cut to this many characters: a pasted paragraph in a code cell (up
# to Excel's 32,767) would bury the message. The issue's `value` keeps the whole cell.
QUOTED_VALUE_CHARS = 60


def quoted(value: str) -> str:
    """`value` as a message quotes it: whole when short, else its start and its length."""
    if len(value) <= QUOTED_VALUE_CHARS:
        return value
    return f"{value[:QUOTED_VALUE_CHARS]}…（共{len(value)}个字符）"


def message(code: str, header: str | Sequence[str] = "", value: str = "", detail: str = "") -> str:
    """The Chinese message of `code`. `header` may be several headers (FILE_MISSING_COLUMN names every
    missing column): each is then quoted on its own, 「机关代码」「事件等级」."""
    if not isinstance(header, str):
        header = "」「".join(h for h in header if h)
    return MESSAGES[code].format(header=header, value=quoted(value), detail=detail)
