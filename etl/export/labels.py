"""Chinese headers, value translations and number formats for exported columns.

The query layer returns English snake_case columns (warehouse/queries.py); every export shows them
under the Chinese headers below. A page may pass its own `columns_zh` to `export_grid`; a column it
does not name falls back to this table, then to the column name itself.

An export made from an English page (`lang="en"`) writes its header block in English and shows the
values the English screen translates — the contract's enumerations (schemas/values_en.py: grades,
severities, service types…) and the states the pages derive (statuses, check causes) — in English.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Mapping

import polars as pl

from schemas.values_en import VALUE_EN as CONTRACT_VALUE_EN
from warehouse.analytics_config import COMPONENT_ZH, TIER_EN, TIER_ZH
from warehouse.periods import date_text  # the exports' callers read it here too

LANGS = ("zh", "en")

COLUMN_ZH: dict[str, str] = {
    # periods and places
    "period": "期间", "period_start": "期间起", "period_end": "期间止", "partial": "期间未结束",
    "year": "年度", "quarter": "季度", "quarter_start": "季度起", "quarter_end": "季度止",
    "region_code": "行政区划代码", "region_name": "地区", "service_type": "服务类型",
    # inspections
    "inspections": "检查次数", "graded": "已评定等级", "mean_score": "平均得分",
    "n_excellent": "优秀", "n_good": "良好", "n_pass": "合格", "n_fail": "不合格",
    "share_fail": "不合格占比", "pass_rate": "合格率", "veto_failures": "一票否决项不符合",
    "items_failed": "不符合项次", "items_partial": "部分符合项次", "items_na": "不适用项次",
    "repeat_findings": "重复发现", "organs_inspected": "受检机关数",
    "inspections_prev": "上年检查次数", "pass_rate_prev": "上年合格率", "mean_score_prev": "上年平均得分",
    "n_fail_prev": "上年不合格", "grade": "等级", "share": "占比", "inspections_share_prev": "上年占比",
    "inspection_code": "检查编号", "inspected_on": "检查日期", "inspection_kind": "检查类型", "score": "得分",
    # checklist
    "category_code": "类别代码", "category_zh": "检查类别", "category_en": "类别（英文）",
    "inspections_assessed": "评估检查次数", "mean_category_score": "类别平均得分",
    "inspections_with_failure": "有不符合项的检查次数", "share_with_failure": "有不符合项的检查占比",
    "share_with_failure_prev": "上年有不符合项的检查占比", "share_with_failure_change": "占比变化（百分点）",
    "items_failed_prev": "上年不符合项次", "items_failed_change": "不符合项次变化",
    "item_code": "检查项代码", "item_zh": "检查项", "item_en": "检查项（英文）", "weight": "权重", "veto": "一票否决项",
    "times_failed": "不符合次数", "times_partial": "部分符合次数", "times_na": "不适用次数",
    "inspections_with_items": "有检查项记录的检查", "failure_rate": "不符合率", "organs_affected": "涉及机关数",
    # vendors
    "vendor_code": "服务机构代码", "vendor_name": "服务机构名称", "tier": "风险等级", "tier_zh": "风险程度",
    "score_tier": "按分数等级", "floor_tier": "保底等级", "floor_reason": "保底原因",
    **{f"pts_{c}": f"{zh}（分）" for c, zh in COMPONENT_ZH.items()},
    "inspections_counted": "计入检查数", "evaluations_counted": "计入评价数", "incidents_counted": "计入事件数",
    "organs_served": "服务机关数", "active_projects": "在办项目数", "previous_tier": "上一等级",
    "tier_since": "等级起始日", "tier_change_reason": "等级变化原因", "as_of": "截至",
    "component": "构成项代码", "component_zh": "构成项", "points": "得分", "max_points": "满分",
    # incidents
    "incident_code": "事件编号", "occurred_at": "发生时间", "discovered_at": "发现时间", "reported_at": "报告时间",
    "organ_code": "机关代码", "organ_name": "机关名称", "project_code": "项目编号", "incident_type": "事件类型",
    "severity": "事件等级", "records_affected": "涉及档案数量", "involves_classified": "是否涉密",
    "status": "状态", "closed_on": "结案/销号日期", "report_delay_hours": "报告延迟（小时）",
    "description": "事件描述",
    # rectifications
    "due_on": "期限", "completed_on": "完成日期", "verified_on": "复查日期", "verification": "复查结果",
    "superseded_on": "复检取代日期", "superseded_by": "取代的检查", "days_to_close": "整改用时（天）",
    "days_overdue": "逾期天数", "days_closed_late": "超期完成天数",
    "total": "整改总数", "open": "未完成", "due_soon": "即将到期", "overdue": "逾期未完成",
    "escalation_candidates": "约谈候选（逾期超30天）", "closed": "已完成", "closed_on_time": "按期完成",
    "closed_late": "超期完成", "superseded": "已由复检取代", "mean_days_to_close": "平均整改用时（天）",
    "median_days_to_close": "整改用时中位数（天）", "max_days_overdue": "最长逾期天数",
    # submissions
    "expected": "应报", "received": "已报", "missing": "缺报", "late": "迟报", "max_days_late": "最长迟报天数",
    "mean_days_late": "平均迟报天数", "evaluations": "评价份数", "rows_loaded": "装载行数",
    "rows_rejected": "退回行数", "rejection_rate": "退回率", "sent_nothing": "未报送", "missing_projects": "缺报项目",
    # coverage
    "due": "应检", "achieved": "已检", "achieved_on_time": "按期检查", "achieved_late": "超期检查",
    "outstanding": "未检", "coverage_rate": "覆盖率", "on_time_rate": "按期率", "due_later": "期内待检",
    "achieved_early": "提前检查", "organs_due": "涉及机关数", "event_kind": "检查起因",
    # schedule
    "admin_level": "行政层级", "tier_reason": "等级原因", "last_inspected_on": "上次检查日期",
    "last_grade": "上次检查等级", "next_due_on": "下次应检日期", "due_reason": "应检原因",
    # figures
    "kpi": "指标代码", "label_zh": "指标", "value": "本期", "previous_value": "上期", "change": "变化",
    "change_pct": "变化率",
}

# English codes some columns carry, shown in Chinese.
VALUE_ZH: dict[str, dict[str, str]] = {
    "status": {"closed": "按期完成", "closed_late": "超期完成", "superseded": "已由复检取代",
               "overdue": "逾期", "due_soon": "即将到期", "open": "整改中", "scheduled": "已排期",
               "not_due": "未到期"},
    "event_kind": {"routine": "例行检查", "new_project": "新项目首检", "incident_followup": "事件后跟进"},
    "due_source": {"routine": "例行检查", "new_project": "新项目首检", "incident_followup": "事件后跟进"},
    "component": dict(COMPONENT_ZH),
}

# The same codes in English, as the English pages show them (dashboards/i18n.py).
VALUE_EN_BY_COLUMN: dict[str, dict[str, str]] = {
    "status": {"closed": "Closed", "closed_late": "Closed late", "superseded": "Superseded", "overdue": "Overdue",
               "due_soon": "Due soon", "open": "Open", "scheduled": "Scheduled", "not_due": "Nothing due"},
    "event_kind": {"routine": "Routine", "new_project": "New project", "incident_followup": "Incident follow-up"},
    "due_source": {"routine": "Routine", "new_project": "New project", "incident_followup": "Incident follow-up"},
    "component": {"inspections": "Inspections", "evaluations": "Evaluations", "incidents": "Incidents",
                  "qualifications": "Qualifications", "flags": "Compliance flags",
                  "rectifications": "Overdue rectifications", "exposure": "Concentration"},
}

# A text cell holding exactly one of these Chinese values is shown in English in an English export,
# as the English grids show it: the contract's enumerations (grades, severities, service types,
# statuses of incidents…) and the states the pages derive, in the words of the pages and of VALUE_ZH.
TEXT_EN: dict[str, str] = {
    **CONTRACT_VALUE_EN,
    "逾期": "Overdue", "即将到期": "Due soon", "已排期": "Scheduled", "暂无应检": "Nothing due", "整改中": "Open",
    "已完成": "Closed", "逾期完成": "Closed late", "已由复查覆盖": "Superseded",
    **{VALUE_ZH[col][code]: en for col in ("status", "event_kind") for code, en in VALUE_EN_BY_COLUMN[col].items()
       if code in VALUE_ZH[col]},
    "未评定": "Not graded", "未定级": "Not graded", "未关联项目": "No project",
}

RATE_COLUMNS = frozenset({
    "pass_rate", "share_fail", "share_with_failure", "share_with_failure_prev", "failure_rate", "share",
    "rejection_rate", "coverage_rate", "on_time_rate", "share_of_score", "pass_rate_prev", "change_pct",
    "inspections_share_prev",
})

NUMBER_FORMATS = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "int": "#,##0",
    "float": "#,##0.00",
    "rate": "0.0%",
    "text": "@",
}

FILTER_ZH = {"period": "期间", "region": "地区", "service_type": "服务类型", "vendor_code": "服务机构",
             "tier": "风险等级", "today": "统计日"}


def norm_lang(lang: str | None) -> str:
    return lang if lang in LANGS else "zh"


def header(column: str, columns_zh: Mapping[str, str] | None = None, lang: str = "zh") -> str:
    if columns_zh and column in columns_zh:
        return columns_zh[column]
    if lang == "en":
        return column.replace("_", " ").capitalize()
    return COLUMN_ZH.get(column, column)


def kind_of(column: str, dtype: pl.DataType) -> str:
    """The cell kind of a column: date, datetime, int, float, rate, bool, list or text."""
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype == pl.Boolean:
        return "bool"
    if isinstance(dtype, (pl.List, pl.Array)):
        return "list"
    if dtype.is_integer():
        return "int"
    if dtype.is_float() or dtype.is_decimal():
        return "rate" if is_rate(column) else "float"
    return "text"


def is_rate(column: str) -> bool:
    """A fraction shown as a percentage (合格率 0.75 → 75.0%): the rates and shares the screens show
    with a percent format (pass_rate, overdue_share…). A change in percentage points is not one."""
    return column in RATE_COLUMNS or column.endswith(("_rate", "_share"))


def display_value(column: str, value: Any, lang: str = "zh") -> Any:
    """A value as shown: codes translated, booleans 是/否, lists joined with 、 (in English: the
    contract's values and the pages' states in English, Yes/No, lists joined with a comma)."""
    if value is None:
        return None
    if lang == "en":
        return _display_value_en(column, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join("" if v is None else str(v) for v in value)
    if column in PERIOD_COLUMNS and isinstance(value, str):
        return period_text(value)   # 2025-Q3 → 2025年第3季度
    mapping = VALUE_ZH.get(column)
    if mapping and isinstance(value, str):
        return mapping.get(value, value)
    return value


def _display_value_en(column: str, value: Any) -> Any:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple)):
        return ", ".join("" if v is None else str(value_en(v) if isinstance(v, str) else v) for v in value)
    if not isinstance(value, str):
        return value
    if column in PERIOD_COLUMNS:
        return period_text(value, "en")
    mapping = VALUE_EN_BY_COLUMN.get(column)
    if mapping and value in mapping:
        return mapping[value]
    return value_en(value)


def value_en(text: str) -> str:
    """A value in English as the English grids show it (any other text as it is)."""
    return TEXT_EN.get(text, text)


def region_label(region: str | None) -> str:
    """杭州市（330100） for a code or prefix (3301 reads the same as 330100); 全部 for none."""
    if not region:
        return "全部"
    from schemas.identifiers import OWN_LEVEL, region_name
    if region.endswith(OWN_LEVEL):   # 浙江省本级（330000）
        return f"{region_name(region)}（{region.removesuffix(OWN_LEVEL)}）"
    code = region.ljust(6, "0")
    return f"{region_name(code)}（{code}）"


def tier_label(tier: str | None) -> str:
    return f"{tier}级（{TIER_ZH[tier]}）" if tier in TIER_ZH else (tier or "")


def describe_filters(f: Any, lang: str = "zh") -> dict[str, str]:
    """The filters of a queries.Filters (or a plain dict) in Chinese, for the header block of an export.

    Only the filters that are set are listed; `today` is always listed (statuses depend on it).
    `lang="en"`: in English (filters_en), as an English page's export writes them."""
    out = _describe_filters(f)
    return filters_en(out) if lang == "en" else out


def _describe_filters(f: Any) -> dict[str, str]:
    if isinstance(f, Mapping):
        return {str(k): _text(v) for k, v in f.items() if v not in (None, "", [], ())}
    out: dict[str, str] = {}
    if getattr(f, "period", None) is not None:
        out["期间"] = period_text(f.period)
    if getattr(f, "region", None):
        out["地区"] = region_label(f.region)
    scope = getattr(f, "scope", None)
    if scope and scope.isdigit() and scope.strip("0"):
        out["权限范围"] = region_label(scope)
    if getattr(f, "service_type", None):
        out["服务类型"] = f.service_type
    if getattr(f, "vendor_code", None):
        out["服务机构"] = f.vendor_code
    if getattr(f, "tier", None):
        out["风险等级"] = tier_label(f.tier)
    if getattr(f, "today", None):
        out["统计日"] = f.today.isoformat()
    return out


# The labels of describe_filters (and of the pages' own filters) in English. STATUS_DAY is the day
# statuses are counted for, written on its own line of the header block.
STATUS_DAY = {"zh": "统计日", "en": "Status date"}
FILTER_EN = {"期间": "Period", "地区": "Region", "权限范围": "Scope", "服务类型": "Service type", "服务机构": "Vendor",
             "风险等级": "Tier", "统计日": STATUS_DAY["en"], "搜索": "Search", "导出人": "Exported by", "状态": "Status",
             "机关": "Organ", "检查计划": "Plan", "年度": "Year"}


def filters_en(filters: Mapping[str, str]) -> dict[str, str]:
    """Filters described in Chinese (describe_filters, a page's {标签: 值}) in English: the labels of
    FILTER_EN, periods (2025年第3季度 → Q3 2025), regions (杭州市（330100） → 杭州市 (330100)), tiers
    (D级（高） → D high) and the contract's values (档案整理 → Arrangement); other text as it is."""
    out: dict[str, str] = {}
    for key, value in filters.items():
        key_en = FILTER_EN.get(key, key)
        text = str(value)
        if key_en in ("Period", "Year"):
            text = period_text(text, "en")
        elif key_en in ("Region", "Scope"):
            text = "All" if text == "全部" else re.sub(r"（(\d{6})）$", r" (\1)", text)
        elif key_en == "Tier" and (m := re.fullmatch(r"([A-D])级（.+）", text)):
            text = f"{m[1]} {TIER_EN[m[1]]}"
        else:
            text = value_en(text)
        out[key_en] = text
    return out


def status_day(filters: Mapping[str, str], lang: str = "zh") -> str | None:
    """The day statuses are counted for, if the filters name it."""
    return filters.get(STATUS_DAY[lang])


def filters_line(filters: Mapping[str, str], lang: str = "zh") -> str:
    if lang == "en":
        shown = {k: v for k, v in filters.items() if k != STATUS_DAY["en"]}
        return "Filters: " + ("; ".join(f"{k}: {v}" for k, v in shown.items()) if shown else "none (all data)")
    shown = {k: v for k, v in filters.items() if k != "统计日"}
    text = "；".join(f"{k}：{v}" for k, v in shown.items()) if shown else "无（全部数据）"
    return "筛选条件：" + text


PERIOD_COLUMNS = frozenset({"period", "quarter"})


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_text(period: Any, lang: str = "zh") -> str:
    """A period as a Chinese reader writes it: 2025年, 2025年第3季度, 2025年3月, or a date range.
    In English: 2025, Q3 2025, Mar 2025, 2025-01-01 to 2025-03-31 (the Chinese forms are read too)."""
    if lang == "en":
        return _period_text_en(period)
    if isinstance(period, tuple):
        return f"{date_text(period[0])}至{date_text(period[1])}"
    text = str(period)
    if re.fullmatch(r"\d{4}", text):
        return f"{text}年"
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", text.upper()):
        return f"{m[1]}年第{m[2]}季度"
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        return f"{m[1]}年{int(m[2])}月"
    return text


def _period_text_en(period: Any) -> str:
    if isinstance(period, tuple):
        return f"{period[0].isoformat()} to {period[1].isoformat()}"
    text = str(period).strip()
    if "至" in text:
        return " to ".join(_period_text_en(p) for p in text.split("至", 1))
    if m := re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text):   # a date of a range (2025年3月1日)
        return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    if m := re.fullmatch(r"(\d{4})年?", text):
        return m[1]
    if m := (re.fullmatch(r"(\d{4})-?Q([1-4])", text.upper()) or re.fullmatch(r"(\d{4})年第([1-4])季度", text)):
        return f"Q{m[2]} {m[1]}"
    if m := re.fullmatch(r"(\d{4})(?:-|年)(\d{1,2})月?", text):
        if 1 <= int(m[2]) <= 12:
            return f"{_MONTHS_EN[int(m[2]) - 1]} {m[1]}"
    return text


def _text(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(map(str, value))
    return str(value)


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
