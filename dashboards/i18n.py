"""Words and formats of the dashboards: Chinese by default, English on request (`?lang=en`).

Every string a user reads goes through `t(key, lang)`; numbers and dates through the `fmt_*`
helpers, which follow Chinese conventions in Chinese: 1.2万 and 3.4亿 for large counts in cards,
2025年3月5日 for dates, 2025年第3季度 for quarters.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal

from schemas import values_en
from schemas.values_en import GRADE_EN, INCIDENT_TYPE_EN, SERVICE_EN, SEVERITY_EN  # noqa: F401 (the pages' names)

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


def norm_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


# key -> (Chinese, English). Format fields are filled with str.format.
TEXT: dict[str, tuple[str, str]] = {
    # shell
    "app.title": ("档案外包监管分析", "Archive Oversight"),
    "app.subtitle": ("机关档案工作外包监管", "Supervision of outsourced archive work"),
    "nav.overview": ("总览", "Overview"),
    "nav.vendors": ("风险服务机构", "Risky vendors"),
    "nav.overdue": ("检查与整改", "Checks & rectifications"),
    "nav.submissions": ("数据报送", "Submissions"),
    "lang.switch": ("English", "中文"),
    "jurisdiction": ("辖区：{name}", "Jurisdiction: {name}"),
    # filters
    "filter.period": ("期间", "Period"),
    "filter.region": ("地区", "Region"),
    "filter.district": ("区县", "District"),
    "filter.service": ("服务类型", "Service type"),
    "filter.tier": ("风险等级", "Tier"),
    "filter.all": ("全部", "All"),
    "filter.default_period": ("默认窗口", "Default window"),
    "filter.reset": ("清除筛选", "Clear filters"),
    "filter.search": ("名称或代码", "Name or code"),
    "filter.status": ("状态", "Status"),
    "filter.view": ("查看", "View"),
    # tiers
    "tier.A": ("A 低", "A low"),
    "tier.B": ("B 一般", "B moderate"),
    "tier.C": ("C 较高", "C elevated"),
    "tier.D": ("D 高", "D high"),
    # banner
    "asof.title": ("数据截至 {date}", "Data as of {date}"),
    "asof.detail": ("最近一次装载：{loaded}（第 {load_id} 次装载）；评分与等级按 {today} 计算。",
                    "Last load: {loaded} (load #{load_id}); scores and tiers computed as of {today}."),
    "asof.none": ("仓库中还没有数据", "The warehouse holds no data yet"),
    "asof.caveats": ("说明与口径", "Notes and caveats"),
    "asof.reasons_in_chinese": ("理由与规则文字按中文记录。",
                                "The reasons for tiers, checks due, floor rules, tier changes and planned visits, the "
                                "evidence behind a vendor's risk score and what would change its tier are shown in "
                                "English (those recorded before English texts existed stay in Chinese); rejected rows "
                                "are recorded in Chinese, as the contract is written."),
    "asof.stale": ("距最近一次装载已 {days} 天，数据可能不是最新的。",
                   "{days} days since the last load: the data may not be current."),
    # empty / errors
    "empty.no_warehouse": ("还没有可用的数据。请在「数据报送」页上传报送文件并确认装载，或在命令行运行 oversight load。",
                           "No data yet. Upload submission files on the Submissions page and confirm the load, "
                           "or run `oversight load`."),
    "empty.no_rows": ("当前筛选条件下没有数据。可以放宽筛选（如清除地区或期间），或检查相关报送是否已装载。",
                      "Nothing matches these filters. Widen them (clear region or period), or check that the "
                      "submissions were loaded."),
    "empty.not_available": ("此栏目需要的数据暂未提供。", "The data for this panel is not available yet."),
    "error.title": ("出错了", "Something went wrong"),
    "error.body": ("这一部分暂时无法显示，错误已记录。请刷新页面或稍后再试；如果一直出现，请联系系统管理员。",
                   "This part cannot be shown right now; the error was logged. Refresh or try again later; "
                   "if it persists, contact the administrator."),
    "error.busy": ("仓库正在更新，请稍后刷新。", "The warehouse is being updated; refresh in a moment."),
    "notfound.title": ("找不到该页面", "Page not found"),
    "notfound.body": ("地址可能有误，或该记录尚未装载。", "The address may be wrong, or the record was not loaded."),
    "notfound.home": ("返回总览", "Back to the overview"),
    # common
    "common.loading": ("加载中…", "Loading…"),
    "common.export_xlsx": ("导出 Excel", "Export to Excel"),
    "common.rows": ("共 {n} 条", "{n} rows"),
    "common.yes": ("是", "yes"),
    "common.no": ("否", "no"),
    "common.none": ("无", "none"),
    "common.vs_prev": ("较{prev}", "vs {prev}"),
    "common.no_prev": ("上期无数据", "no previous data"),
    "common.no_current": ("本期无数据（{prev}有）", "no data this period ({prev} had some)"),
    "common.no_either": ("本期与上期均无数据", "no data this period or the previous one"),
    "common.pp": ("个百分点", " pp"),
    "common.days": ("{n} 天", "{n} days"),
    "common.partial": ("（本期未结束）", " (period not over)"),
}


def t(key: str, lang: str | None = None, **values) -> str:
    zh, en = TEXT.get(key, (key, key))
    text = en if norm_lang(lang) == "en" else zh
    return text.format(**values) if values else text


def pick(lang: str | None, zh: str, en: str) -> str:
    """Inline bilingual text, for labels used once."""
    return en if norm_lang(lang) == "en" else zh


def reason_column(column: str, lang: str | None) -> str:
    """The column of a generated reason in the language: `due_reason` → `due_reason_en`, `reason_zh` →
    `reason_en` in English (the warehouse composes both side by side), the column itself in Chinese."""
    if norm_lang(lang) != "en":
        return column
    return column[:-3] + "_en" if column.endswith("_zh") else column + "_en"


# -- numbers ----------------------------------------------------------------------------------

def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value, lang: str | None = None, *, compact: bool = False) -> str:
    """12345 -> "12,345"; compact in Chinese: 12345 -> "1.2万", 345678901 -> "3.5亿"."""
    if _is_missing(value):
        return "—"
    n = float(value)
    if compact and norm_lang(lang) == "zh":
        if abs(n) >= 1e8:
            return f"{n / 1e8:.1f}".rstrip("0").rstrip(".") + "亿"
        if abs(n) >= 1e4:
            return f"{n / 1e4:.1f}".rstrip("0").rstrip(".") + "万"
    if compact and norm_lang(lang) == "en":
        if abs(n) >= 1e6:
            return f"{n / 1e6:.1f}".rstrip("0").rstrip(".") + "M"
        if abs(n) >= 1e4:
            return f"{n / 1e3:.1f}".rstrip("0").rstrip(".") + "K"
    return f"{round(n):,}"


def half_up(value, digits: int) -> Decimal:
    """Rounded the way reports round (四舍五入), not to even: 81.25 -> 81.3."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def fmt_num(value, digits: int = 1) -> str:
    if _is_missing(value):
        return "—"
    return f"{half_up(value, digits):,.{digits}f}"


def fmt_pct(value, digits: int = 1) -> str:
    """A share 0..1 as a percentage: 0.8125 -> "81.3%"."""
    if _is_missing(value):
        return "—"
    return f"{half_up(float(value) * 100, digits):.{digits}f}%"


def fmt_signed(value, digits: int = 0) -> str:
    if _is_missing(value):
        return "—"
    v = float(value)
    text = f"{abs(v):,.{digits}f}"
    return ("+" if v > 0 else "−" if v < 0 else "±") + text


# -- dates --------------------------------------------------------------------------------------

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def to_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def fmt_date(value, lang: str | None = None) -> str:
    """2025-03-05 -> "2025年3月5日" (zh) or "5 Mar 2025" (en); "—" when missing."""
    day = to_date(value)
    if day is None:
        return "—"
    if norm_lang(lang) == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def fmt_datetime(value, lang: str | None = None) -> str:
    if not isinstance(value, dt.datetime):
        return fmt_date(value, lang)
    return f"{fmt_date(value, lang)} {value:%H:%M}"


def fmt_period(period: str | None, lang: str | None = None, *, short: bool = False, compact: bool = False) -> str:
    """"2025-Q3" -> "2025年第3季度" / "Q3 2025"; "2025" -> "2025年"; "2025-07" -> "2025年7月".
    short: two lines for axes; compact: "2025Q3" (dense axes such as heatmaps)."""
    if not period:
        return ""
    en = norm_lang(lang) == "en"
    if compact and re.fullmatch(r"\d{4}-Q[1-4]", period):
        return period.replace("-", "")
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        if en:
            return f"Q{m[2]} {m[1]}"
        return f"{m[1]}年<br>第{m[2]}季度" if short else f"{m[1]}年第{m[2]}季度"
    if m := re.fullmatch(r"(\d{4})", period):
        return m[1] if en else f"{m[1]}年"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        return f"{_MONTHS_EN[int(m[2]) - 1]} {m[1]}" if en else f"{m[1]}年{int(m[2])}月"
    return period


# -- labels of enumerations -----------------------------------------------------------------------

# The contract's values in English are kept in schemas/values_en.py, with the warehouse's English
# texts (which name grades, severities, qualifications and units); the states the pages derive are here.
STATUS_TEXT = {
    "overdue": ("逾期", "Overdue"), "due_soon": ("即将到期", "Due soon"), "scheduled": ("已排期", "Scheduled"),
    "not_due": ("暂无应检", "Nothing due"), "open": ("整改中", "Open"), "closed": ("已完成", "Closed"),
    "closed_late": ("逾期完成", "Closed late"), "superseded": ("已由复查覆盖", "Superseded"),
}
DUE_SOURCE_TEXT = {"routine": ("例行检查", "Routine"), "new_project": ("新项目首检", "New project"),
                   "incident_followup": ("事件后跟进", "Incident follow-up")}
# Every value of the contract's enumerations (schemas/enums.py, in English in schemas/values_en.py)
# and the states the pages derive, in English: an English grid shows a text cell holding exactly one
# of them in English (components/grid.py); any other text is shown as it is.
VALUE_EN = {
    **values_en.VALUE_EN,
    **{zh: en for zh, en in STATUS_TEXT.values()}, **{zh: en for zh, en in DUE_SOURCE_TEXT.values()},
}
COMPONENT_EN = {"inspections": "Inspections", "evaluations": "Evaluations", "incidents": "Incidents",
                "qualifications": "Qualifications", "flags": "Compliance flags",
                "rectifications": "Overdue rectifications", "exposure": "Concentration"}


def value(text: str | None, lang: str | None) -> str | None:
    """A value of the contract's enumerations as the language shows it (other text as it is)."""
    return VALUE_EN.get(text, text) if norm_lang(lang) == "en" and text is not None else text


def grade(value: str | None, lang: str | None) -> str:
    if value is None:
        return pick(lang, "未定级", "Not graded")
    return GRADE_EN.get(value, value) if norm_lang(lang) == "en" else value


def service(value: str | None, lang: str | None) -> str:
    if value is None:
        return "—"
    return SERVICE_EN.get(value, value) if norm_lang(lang) == "en" else value


def severity(value: str | None, lang: str | None) -> str:
    if value is None:
        return "—"
    return SEVERITY_EN.get(value, value) if norm_lang(lang) == "en" else value


def incident_type(value: str | None, lang: str | None) -> str:
    if value is None:
        return "—"
    return INCIDENT_TYPE_EN.get(value, value) if norm_lang(lang) == "en" else value


def fmt_window(start, end, lang: str | None = None) -> str:
    """A window of quarters: "2024年第1季度至2026年第4季度" / "Q1 2024 – Q4 2026"."""
    def q(day):
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    a, b = fmt_period(q(start), lang), fmt_period(q(end), lang)
    if a == b:
        return a
    return f"{a} – {b}" if norm_lang(lang) == "en" else f"{a}至{b}"


def status(value: str | None, lang: str | None) -> str:
    if value is None:
        return "—"
    zh, en = STATUS_TEXT.get(value, (value, value))
    return en if norm_lang(lang) == "en" else zh


def due_source(value: str | None, lang: str | None) -> str:
    if value is None:
        return "—"
    zh, en = DUE_SOURCE_TEXT.get(value, (value, value))
    return en if norm_lang(lang) == "en" else zh


def tier(value: str | None, lang: str | None) -> str:
    if value is None:
        return "—"
    return t(f"tier.{value}", lang)


def component(name: str, zh: str | None, lang: str | None) -> str:
    return COMPONENT_EN.get(name, name) if norm_lang(lang) == "en" else (zh or name)


# AG Grid's own words (paging bar, menus, filters) in Chinese.
AG_GRID_ZH = {
    "page": "页码", "more": "更多", "to": "至", "of": "/", "next": "下一页", "last": "末页", "first": "首页",
    "previous": "上一页", "loadingOoo": "加载中…", "noRowsToShow": "没有数据", "pageSizeSelectorLabel": "每页行数：",
    "ariaPageSizeSelectorLabel": "每页行数", "firstPage": "首页", "lastPage": "末页", "nextPage": "下一页",
    "previousPage": "上一页", "pageLastRowUnknown": "?", "filterOoo": "筛选…", "equals": "等于",
    "notEqual": "不等于", "contains": "包含", "notContains": "不包含", "startsWith": "开头是", "endsWith": "结尾是",
    "blank": "为空", "notBlank": "不为空", "lessThan": "小于", "greaterThan": "大于",
    "lessThanOrEqual": "小于等于", "greaterThanOrEqual": "大于等于", "inRange": "介于", "andCondition": "且",
    "orCondition": "或", "applyFilter": "应用", "resetFilter": "重置", "clearFilter": "清除",
    "cancelFilter": "取消", "pinColumn": "固定列", "autosizeThisColumn": "自动调整此列宽",
    "autosizeAllColumns": "自动调整所有列宽", "resetColumns": "重置列", "copy": "复制", "sortAscending": "升序",
    "sortDescending": "降序", "sortUnSort": "取消排序", "columns": "列", "searchOoo": "搜索…",
    "selectAll": "全选", "noPin": "不固定", "pinLeft": "固定在左侧", "pinRight": "固定在右侧",
    "loadingError": "加载出错", "ariaRowSelect": "选择此行", "ariaRowDeselect": "取消选择此行",
}
