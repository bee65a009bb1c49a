"""The figures and tables of one year's annual export, gathered once from the query layer.

`collect(con, year, scope)` calls warehouse/queries.py for the year and the year before and returns
an `AnnualData`: the key figures (value and previous value), the factual summary sentences, at most
three priority issues chosen by fixed rules, the tables of every sheet, and the methodology. The
workbook (annual_workbook), the report (annual_report) and the snapshot manifest (snapshot) are all
written from this one object, so they cannot disagree.

Scope: `scope` is a queries.Filters whose `region` (a code or prefix) and `today` are used — the
region is how the access control of issue 7 passes a user's scope; `today` is the day statuses
(overdue, open) are counted for. Its other filters must be empty: an annual report covers a region.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import click
import polars as pl

from schemas.checklist import GRADE_CUTS, RESULT_CREDIT, checklist
from warehouse import analytics_config, queries
from warehouse.analytics_config import COMPONENT_ZH, COMPONENTS, TIER_ZH
from warehouse.queries import Filters

from etl.export import labels

Progress = Callable[[float, str], None]

NOT_LINKED = "未关联项目"  # inspections without a project have no service type

# Minimum rise (percentage points) of a category's share of inspections with a failure, and minimum
# inspections assessed in both years, for rule R1.
CATEGORY_RISE_MIN_PP = 5.0
CATEGORY_MIN_ASSESSED = 5


class ExportError(click.ClickException):
    """An export refused before any file is written, with the reason in Chinese (a future year, an
    unknown region, nothing to report, a path that cannot be written). The command shows the
    message and exits with 2; the 导出 page shows it as the job's error."""
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", file=file, err=True)   # not click's English "Error:"


# Figures that show whether a year has any data at all (vendor tiers are current, so they do not).
ACTIVITY_FIGURES = ("inspections", "incidents", "active_projects", "open_incidents", "rectifications_due",
                    "evaluations_expected", "checks_due")


@dataclass(frozen=True)
class Figure:
    key: str
    label_zh: str
    kind: str                     # int | float | rate
    value: float | None
    previous: float | None        # None: no comparison (a figure "as of" the data only)
    source: str                   # the query function it comes from
    definition: str

    @property
    def source_zh(self) -> str:
        """Where the figure comes from, in words a reader understands (the 摘要 sheet's 口径)."""
        return SOURCE_ZH.get(self.source, self.source)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        if self.kind == "rate":
            return round((self.value - self.previous) * 100, 2)   # percentage points
        return round(self.value - self.previous, 4)

    @property
    def change_pct(self) -> float | None:
        if self.kind == "rate" or self.value is None or not self.previous:
            return None
        return round((self.value - self.previous) / self.previous, 4)


# The query functions the key figures come from, in plain Chinese (a reader of the 摘要 sheet or of
# the report does not know the code names; the 方法说明 sheet names both).
SOURCE_ZH = {
    "compliance_trend(by=year)": "按年度汇总的检查结果",
    "queries.incidents": "安全事件清单",
    "kpis": "首页指标",
    "rectification_status": "整改情况汇总",
    "submission_completeness": "服务评价报送情况",
    "coverage": "检查覆盖情况",
    "vendor_risk": "服务机构风险评分",
}


@dataclass(frozen=True)
class Issue:
    rule: str
    title: str
    text: str


@dataclass
class AnnualData:
    year: int
    scope: Filters
    f_year: Filters
    f_prev: Filters
    scope_label: str
    data_as_of: dt.date | None
    loaded_at: dt.datetime | None
    scores_as_of: dt.date | None
    figures: list[Figure]
    sentences: list[str]
    issues: list[Issue]
    tables: dict[str, pl.DataFrame]
    methodology: list[tuple[str, str, str]]
    region_level: str
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    @property
    def complete(self) -> bool:
        return year_complete(self.year, self.scope.today)

    @property
    def year_text(self) -> str:
        """2025年, or 2026年（1月1日至11月27日，年度未结束） for the current year."""
        if self.complete:
            return f"{self.year}年"
        t = self.scope.today
        return f"{self.year}年（1月1日至{t.month}月{t.day}日，年度未结束）"

    @property
    def title_suffix(self) -> str:
        return "" if self.complete else f"（截至{labels.date_text(self.scope.today)}，年度未结束）"

    @property
    def stock_word(self) -> str:
        """How stock figures are dated in sentences: 年末, or 截至统计日 while the year runs."""
        return "年末" if self.complete else "截至统计日"

    @property
    def filters_zh(self) -> dict[str, str]:
        return {"年度": f"{self.year_text}（对比 {self.year - 1}年全年）", "地区": self.scope_label,
                "统计日": labels.date_text(self.scope.today)}

    @property
    def data_as_of_text(self) -> str:
        if self.data_as_of is None:
            return "仓库尚无数据"
        return f"{labels.date_text(self.data_as_of)}（最近一次装载）；评分与等级截至{labels.date_text(self.scores_as_of) if self.scores_as_of else '—'}"

    def figures_dict(self) -> dict[str, dict[str, Any]]:
        """The key figures as the snapshot manifest stores them."""
        return {f.key: {"label_zh": f.label_zh, "value": f.value, "previous_value": f.previous}
                for f in self.figures}


def scope_filters(region: str | None = None, today: dt.date | None = None) -> Filters:
    return Filters(region=region or None, today=today or dt.date.today())


def year_complete(year: int, today: dt.date) -> bool:
    """Whether the year has ended by `today`; an unfinished year is counted up to `today`."""
    return today >= dt.date(year, 12, 31)


def check_request(year: int, scope: Filters) -> None:
    """Refuse, in Chinese, a year that has not begun and a region code that does not exist."""
    if year > scope.today.year:
        raise ExportError(f"{year}年尚未开始（统计日 {labels.date_text(scope.today)}），没有可导出的数据；"
                          f"最近的完整年度为 {scope.today.year - 1}年。")
    if scope.effective_region == queries.NOWHERE:
        raise ExportError(f"所选地区“{scope.region}”不在本账户的权限范围（{labels.region_label(scope.scope)}）内，"
                          "没有可导出的数据。")
    region = scope.region
    if region and region != queries.NOWHERE:
        from schemas.identifiers import region_name
        code = region.ljust(6, "0")
        if region_name(code) == code:
            raise ExportError(f"地区代码“{region}”不在行政区划代码表中，请核对（如 330100 或 3301）。")


def check_not_empty(d: "AnnualData") -> None:
    """Refuse a year and region with no activity in either year, rather than write empty tables."""
    if all(not (d.figure(k).value or d.figure(k).previous) for k in ACTIVITY_FIGURES):
        raise ExportError(f"{d.scope_label}在 {d.year}年和 {d.year - 1}年都没有检查、事件、外包项目、整改或服务评价数据，"
                          "未生成导出文件。请核对年度和地区。")


def check_scope(scope: Filters) -> None:
    extra = [name for name in ("period", "service_type", "vendor_code", "tier") if getattr(scope, name)]
    if extra:
        raise ValueError(f"an annual export is scoped by region only; unset {extra}")


def year_filters(scope: Filters, year: int) -> tuple[Filters, Filters]:
    check_scope(scope)
    f = replace(scope, period=str(year))
    return f, f.previous()


def region_level(scope: Filters) -> str:
    """Rows per city for a province (or no region), per county inside a city."""
    prefix = scope.region_prefix or ""
    return "city" if len(prefix) <= 2 else "county"


def scope_label(con, scope: Filters) -> str:
    region = scope.effective_region   # the region ∩ the user's scope (issue 7)
    if region == queries.NOWHERE:
        return "权限范围以外（无数据）"
    if region:
        return labels.region_label(region)
    from warehouse import db
    try:
        code = db.get_setting(con, "jurisdiction")
    except Exception:  # a warehouse without settings: label it plainly
        code = None
    return labels.region_label(code) if code else "全部"


# -- collection -----------------------------------------------------------------------------------

def collect(con, year: int, scope: Filters, *, progress: Progress | None = None) -> AnnualData:
    """Everything the annual exports show, from the query layer (see the module docstring)."""
    say = progress or (lambda share, message: None)
    check_request(year, scope)
    fy, fp = year_filters(scope, year)
    level = region_level(scope)
    say(0.05, "读取年度检查结果…")
    tables: dict[str, pl.DataFrame] = {}
    trend_y = queries.compliance_trend(con, fy, by=("year",)).row(0, named=True)
    trend_p = queries.compliance_trend(con, fp, by=("year",)).row(0, named=True)
    tables["by_region"] = _own_level(_with_previous(
        queries.compliance_trend(con, fy, by=("year", level)),
        queries.compliance_trend(con, fp, by=("year", level)), ["region_code"]), level)
    tables["by_service"] = _with_previous(
        queries.compliance_trend(con, fy, by=("year", "service_type")).with_columns(
            pl.col("service_type").fill_null(NOT_LINKED)),
        queries.compliance_trend(con, fp, by=("year", "service_type")).with_columns(
            pl.col("service_type").fill_null(NOT_LINKED)), ["service_type"])
    tables["quarterly"] = queries.compliance_trend(
        con, replace(fy, period=(dt.date(year - 1, 1, 1), dt.date(year, 12, 31))), by=("quarter",)
    ).drop("service_type", strict=False)
    tables["grades"] = _grades(queries.grade_distribution(con, fy), queries.grade_distribution(con, fp))
    say(0.2, "读取检查项问题…")
    tables["categories"] = _categories(queries.failing_categories(con, fy), queries.failing_categories(con, fp))
    # "most often failed": an item never failed in the year is not one of them
    tables["items"] = queries.most_failed_items(con, fy, limit=20).filter(pl.col("times_failed") > 0)
    say(0.35, "读取服务机构风险…")
    # a region's export cites no code of an organ outside it (the vendors' reasons are their own)
    vendors = queries.mask_out_of_region(con, queries.vendor_risk(con, scope).drop(queries.VENDOR_REASONS_EN),
                                         scope.region_prefix)
    tables["vendors"] = vendors.with_columns(
        tier_zh=pl.col("tier").replace_strict(TIER_ZH, default=None, return_dtype=pl.String))
    say(0.45, "读取事件、整改与报送…")
    tables["incidents"] = queries.incidents(con, fy).drop("open")
    incidents_prev = queries.incidents(con, fp)
    tables["rect_by_region"] = _own_level(queries.rectification_status(con, fy, by=(level,)), level)
    rect_y = queries.rectification_status(con, fy)
    rect_p = queries.rectification_status(con, fp)
    tables["rectifications"] = queries.rectifications(con, fy)
    tables["submissions"] = queries.submission_completeness(con, fy)
    sub_p = queries.submission_completeness(con, fp)
    tables["coverage"] = queries.coverage(con, fy)
    cov_p = queries.coverage(con, fp)
    kpi = {r["kpi"]: r for r in queries.kpis(con, fy).iter_rows(named=True)}
    say(0.6, "计算主要指标…")
    as_of = queries.data_as_of(con, fy)
    marts = queries.marts_as_of(con)
    data_as_of = as_of["last_loaded_on"].max() if as_of.height else None
    loaded_at = as_of["last_loaded_at"].max() if as_of.height else None

    figures = _figures(trend_y, trend_p, kpi, rect_y, rect_p, tables, incidents_prev, sub_p, cov_p)
    if not year_complete(year, scope.today):   # its stocks are counted at today, not at year end
        figures = [replace(f, label_zh=f.label_zh.replace("年末", "截至统计日", 1),
                           definition=f.definition.replace("年末", "截至统计日", 1)) for f in figures]
    data = AnnualData(
        year=year, scope=scope, f_year=fy, f_prev=fp, scope_label=scope_label(con, scope),
        data_as_of=data_as_of, loaded_at=loaded_at, scores_as_of=marts["today"] if marts else None,
        figures=figures, sentences=[], issues=[], tables=tables, methodology=[], region_level=level)
    check_not_empty(data)
    data.sentences = summary_sentences(data)
    data.issues = priority_issues(con, data, rect_y)
    note = tier_history_note(year, vendor_move_window(data),
                             tier_history_start(con, tables["vendors"]["vendor_code"].to_list()))
    if note:   # no R2 issue because the tier record begins later, not because no vendor moved
        data.sentences.append(note)
    data.methodology = methodology(data)
    say(0.65, "年度数据已就绪")
    return data


def _with_previous(now: pl.DataFrame, before: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    prev = before.select(*keys, inspections_prev="inspections", pass_rate_prev="pass_rate",
                         mean_score_prev="mean_score")
    drop = {"period", "period_start", "period_end", "partial", "region_code", "region_name", "service_type"} - set(keys)
    if "region_code" in keys:
        drop.discard("region_name")
    keep = [c for c in now.columns if c not in drop]
    frame = now.select(keep).join(prev, on=keys, how="full", coalesce=True, nulls_equal=True)
    if "region_name" in frame.columns:
        from schemas.identifiers import region_table
        names = region_table().select("region_code", pl.col("region_name").alias("_name"))
        frame = frame.join(names, on="region_code", how="left").with_columns(
            region_name=pl.coalesce("region_name", "_name")).drop("_name")
    frame = frame.with_columns(pl.col("inspections", "inspections_prev").fill_null(0))
    return frame.sort(keys, nulls_last=True)


def _own_level(frame: pl.DataFrame, level: str) -> pl.DataFrame:
    """Rows of the level above (a province's own organs among its cities, a city's among its
    counties) are named “…本级”, so that 浙江省 is not read as a total."""
    if not frame.height or "region_name" not in frame.columns:
        return frame
    above = pl.col("region_code").str.ends_with("0000") if level == "city" else pl.col("region_code").str.ends_with("00")
    return frame.with_columns(region_name=pl.when(above).then(pl.col("region_name") + "本级")
                              .otherwise(pl.col("region_name")))


def _grades(now: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    frame = now.join(before.select("grade", inspections_prev="inspections", inspections_share_prev="share"),
                     on="grade", how="full", coalesce=True, nulls_equal=True)
    order = {g: i for i, g in enumerate(queries.GRADE_ORDER)}
    return (frame.with_columns(pl.col("grade").fill_null("未评定"),
                               pl.col("inspections", "inspections_prev").fill_null(0))
            .sort(pl.col("grade").replace_strict(order, default=len(order), return_dtype=pl.Int32)))


def _categories(now: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    prev = before.select("category_code", items_failed_prev="items_failed",
                         share_with_failure_prev="share_with_failure", _assessed_prev="inspections_assessed")
    frame = now.drop("category_en").join(prev, on="category_code", how="left")
    return frame.with_columns(
        items_failed_change=pl.col("items_failed") - pl.col("items_failed_prev").fill_null(0),
        share_with_failure_change=((pl.col("share_with_failure") - pl.col("share_with_failure_prev")) * 100).round(2),
    ).rename({"_assessed_prev": "inspections_assessed_prev"})


def _sum(frame: pl.DataFrame, column: str) -> int:
    return int(frame[column].sum()) if frame.height else 0


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _figures(ty, tp, kpi, rect_y, rect_p, tables, incidents_prev, sub_p, cov_p) -> list[Figure]:
    ry, rp = rect_y.row(0, named=True), rect_p.row(0, named=True)
    sub_y, cov_y = tables["submissions"], tables["coverage"]
    vendors = tables["vendors"]

    def n(v):
        return None if v is None else float(v)

    trend = "compliance_trend(by=year)"
    figs = [
        Figure("inspections", "检查次数（家次）", "int", n(ty["inspections"]), n(tp["inspections"]), trend,
               "年内检查的次数（按检查日期）；同一机关检查两次计两家次"),
        Figure("organs_inspected", "受检机关数（家）", "int", n(ty["organs_inspected"]), n(tp["organs_inspected"]),
               trend, "年内至少检查一次的机关"),
        Figure("mean_score", "平均得分", "float", n(ty["mean_score"]), n(tp["mean_score"]), trend,
               "有得分的检查的平均分"),
        Figure("pass_rate", "检查合格率", "rate", n(ty["pass_rate"]), n(tp["pass_rate"]), trend,
               "等级为优秀、良好、合格的检查占已评定等级检查的比例"),
        Figure("failed_inspections", "检查不合格（家次）", "int", n(ty["n_fail"]), n(tp["n_fail"]), trend,
               "等级为不合格的检查（含一票否决）"),
        Figure("veto_failures", "一票否决项不符合（家次）", "int", n(ty["veto_failures"]), n(tp["veto_failures"]),
               trend, "有一票否决项“不符合”的检查"),
        Figure("items_failed", "不符合检查项（项次）", "int", n(ty["items_failed"]), n(tp["items_failed"]), trend,
               "年内检查中结果为“不符合”的检查项"),
        Figure("incidents", "发生事件（起）", "int", float(tables["incidents"].height), float(incidents_prev.height),
               "queries.incidents", "发生时间在年内的事件"),
        Figure("active_projects", "年末在办外包项目（个）", "int", n(kpi["active_projects"]["value"]),
               n(kpi["active_projects"]["previous_value"]), "kpis", "年末已开始且未结束的外包项目"),
        Figure("open_incidents", "年末未结案事件（起）", "int", n(kpi["open_incidents"]["value"]),
               n(kpi["open_incidents"]["previous_value"]), "kpis", "年末已报告、尚未结案的事件"),
        Figure("overdue_checks", "年末逾期未检机关（家）", "int", n(kpi["overdue_checks"]["value"]),
               n(kpi["overdue_checks"]["previous_value"]), "kpis", "年末有已到期而未完成检查的机关"),
        Figure("overdue_rectifications", "年末逾期未完成整改（项）", "int",
               n(kpi["overdue_rectifications"]["value"]), n(kpi["overdue_rectifications"]["previous_value"]),
               "kpis", "年末已过整改期限、未完成也未被复检取代的整改项"),
        Figure("rectifications_due", "当年到期整改（项）", "int", n(ry["total"]), n(rp["total"]),
               "rectification_status", "整改期限在年内的整改项"),
        Figure("rectifications_closed_on_time", "其中按期完成（项）", "int", n(ry["closed_on_time"]),
               n(rp["closed_on_time"]), "rectification_status", "期限前完成且复查未判未通过"),
        Figure("rectifications_overdue", "其中至统计日逾期未完成（项）", "int", n(ry["overdue"]), n(rp["overdue"]),
               "rectification_status", "截至统计日已过期限、仍未完成的整改项"),
        Figure("evaluations_expected", "应报服务评价（份）", "int", float(_sum(sub_y, "expected")),
               float(_sum(sub_p, "expected")), "submission_completeness", "年内各季度在办项目应报的季度评价"),
        Figure("evaluations_received", "已报服务评价（份）", "int", float(_sum(sub_y, "received")),
               float(_sum(sub_p, "received")), "submission_completeness", "应报评价中已收到的"),
        Figure("evaluation_rate", "评价报送率", "rate", _ratio(_sum(sub_y, "received"), _sum(sub_y, "expected")),
               _ratio(_sum(sub_p, "received"), _sum(sub_p, "expected")), "submission_completeness",
               "已报 ÷ 应报"),
        Figure("checks_due", "应检（次）", "int", float(_sum(cov_y, "due")), float(_sum(cov_p, "due")), "coverage",
               "年内到期（至统计日）的检查：例行检查、新项目首检、事件后跟进"),
        Figure("checks_achieved", "已检（次）", "int", float(_sum(cov_y, "achieved")), float(_sum(cov_p, "achieved")),
               "coverage", "应检中已完成的"),
        Figure("coverage_rate", "检查覆盖率", "rate", _ratio(_sum(cov_y, "achieved"), _sum(cov_y, "due")),
               _ratio(_sum(cov_p, "achieved"), _sum(cov_p, "due")), "coverage", "已检 ÷ 应检"),
        Figure("vendors_tier_d", "D级（高风险）服务机构（家，当前）", "int",
               float(vendors.filter(pl.col("tier") == "D").height), None, "vendor_risk",
               "最近一次评分为D级的服务机构；评分只有当前值，无上年对比"),
    ]
    return figs


# -- totals ---------------------------------------------------------------------------------------

TOTAL_TABLES = ("by_region", "by_service", "rect_by_region")
# Counts that add up over regions and service types.
ADDITIVE = frozenset({"inspections", "inspections_prev", "graded", "n_excellent", "n_good", "n_pass", "n_fail",
                      "veto_failures", "items_failed", "items_partial", "repeat_findings", "total", "closed",
                      "closed_on_time", "closed_late", "superseded", "open", "due_soon", "overdue",
                      "escalation_candidates"})
# Columns that do not add up (an organ may have projects of two service types; means and rates):
# their total is the key figure itself.
TOTAL_FROM_FIGURES = {"organs_inspected": ("organs_inspected", "value"), "mean_score": ("mean_score", "value"),
                      "mean_score_prev": ("mean_score", "previous"), "pass_rate": ("pass_rate", "value"),
                      "pass_rate_prev": ("pass_rate", "previous")}


def total_row(d: AnnualData, key: str) -> dict[str, Any]:
    """The 合计 row of a table by region or service type; columns without a total are left out."""
    frame = d.tables[key]
    row: dict[str, Any] = {c: _sum(frame, c) for c in frame.columns if c in ADDITIVE}
    for column, (fig, which) in TOTAL_FROM_FIGURES.items():
        if column in frame.columns:
            row[column] = getattr(d.figure(fig), which)
    if "max_days_overdue" in frame.columns and frame.height:
        row["max_days_overdue"] = frame["max_days_overdue"].max()
    return row


# -- words ----------------------------------------------------------------------------------------

def _num(v: float | None, kind: str = "int") -> str:
    if v is None:
        return "—"
    if kind == "rate":
        return f"{v * 100:.1f}%"
    if kind == "float":
        return f"{v:.2f}"
    return f"{v:,.0f}"


def change_words(f: Figure, unit: str = "", *, absolute: bool = False) -> str:
    """较上年增加 12.5% / 下降 3.1 个百分点 / 与上年持平 / 上年为 0; `absolute`: 较上年末增加 11 个."""
    if f.value is None or f.previous is None:
        return "无上年可比数据"
    if absolute and f.kind == "int":
        if f.value == f.previous:
            return "与上年末持平"
        return f"较上年末{'增加' if f.value > f.previous else '减少'} {abs(f.value - f.previous):,.0f}{unit}"
    if f.kind == "rate":
        pp = f.change
        if abs(pp) < 0.05:
            return "与上年持平"
        return f"较上年{'上升' if pp > 0 else '下降'} {abs(pp):.1f} 个百分点"
    if f.value == f.previous:
        return "与上年持平"
    if not f.previous:
        return f"上年为 0{unit}"
    word = "增加" if f.value > f.previous else "减少"
    if f.kind == "float":
        return f"较上年{word} {abs(f.value - f.previous):.2f}{unit}"
    return f"较上年{word} {abs(f.change_pct) * 100:.1f}%"


def summary_sentences(d: AnnualData) -> list[str]:
    """Factual sentences built from the key figures only."""
    g = d.figure
    y = d.year
    end = d.stock_word
    out = [] if d.complete else [
        f"{y}年尚未结束：本年数字为 1月1日至{d.scope.today.month}月{d.scope.today.day}日（统计日）的数字，"
        f"上年为全年数字，两者不完全可比；存量指标按统计日计算。"]
    out += [
        f"{y}年共检查机关 {_num(g('inspections').value)} 家次（涉及机关 {_num(g('organs_inspected').value)} 家），"
        f"{change_words(g('inspections'))}（上年 {_num(g('inspections').previous)} 家次）。",
        f"检查合格率 {_num(g('pass_rate').value, 'rate')}，{change_words(g('pass_rate'))}；"
        f"平均得分 {_num(g('mean_score').value, 'float')} 分（上年 {_num(g('mean_score').previous, 'float')} 分）。",
        f"检查不合格 {_num(g('failed_inspections').value)} 家次（上年 {_num(g('failed_inspections').previous)} 家次），"
        f"其中一票否决项不符合 {_num(g('veto_failures').value)} 家次；不符合检查项 "
        f"{_num(g('items_failed').value)} 项次，{change_words(g('items_failed'))}。",
        f"年内发生事件 {_num(g('incidents').value)} 起（上年 {_num(g('incidents').previous)} 起），"
        f"{end}未结案事件 {_num(g('open_incidents').value)} 起。",
        f"{end}在办外包项目 {_num(g('active_projects').value)} 个，{change_words(g('active_projects'), ' 个', absolute=True)}；"
        f"{end}逾期未检机关 {_num(g('overdue_checks').value)} 家，逾期未完成整改 "
        f"{_num(g('overdue_rectifications').value)} 项。",
    ]
    due = g("rectifications_due").value or 0
    if due:
        on_time = g("rectifications_closed_on_time").value or 0
        out.append(f"整改期限在{y}年内的整改 {_num(due)} 项，按期完成 {_num(on_time)} 项（{on_time / due * 100:.1f}%），"
                   f"截至{labels.date_text(d.scope.today)}仍逾期未完成 {_num(g('rectifications_overdue').value)} 项。")
    else:
        out.append(f"整改期限在{y}年内的整改为 0 项。")
    out.append(f"服务评价应报 {_num(g('evaluations_expected').value)} 份、已报 {_num(g('evaluations_received').value)} 份，"
               f"报送率 {_num(g('evaluation_rate').value, 'rate')}；应检 {_num(g('checks_due').value)} 次、"
               f"已检 {_num(g('checks_achieved').value)} 次，覆盖率 {_num(g('coverage_rate').value, 'rate')}。")
    out.append(f"截至{labels.date_text(d.scores_as_of) if d.scores_as_of else '—'}，D级（高风险）服务机构 {_num(g('vendors_tier_d').value)} 家。")
    return out


# -- priority issues ------------------------------------------------------------------------------

ISSUE_RULES = [
    ("R1 问题类别上升", f"在两年均评估不少于 {CATEGORY_MIN_ASSESSED} 次检查的类别中，取“有不符合项的检查占比”较上年上升最多的"
                   f"一个；上升不少于 {CATEGORY_RISE_MIN_PP:.0f} 个百分点时列为重点问题。用占比而非项次，"
                   "以排除检查次数增减的影响。"),
    ("R2 服务机构转入D级", "当前等级为D级、上一等级不是D级（含首次评定即为D级，分开表述）、且等级起始日在本年内"
                      "（1月1日至12月31日，统计日早于年末时至统计日）的服务机构；起始日在本年以后的不计入。"
                      "至少一家时列为重点问题。服务机构等级记录始于本年以后时，概述中说明本年没有等级变化记录。"),
    ("R3 整改逾期", "整改期限在本年内、截至统计日仍逾期未完成的整改项；至少一项时列为重点问题，并列出逾期超过"
                "约谈期限的项数与涉及机关数。"),
]


def vendor_move_window(d: AnnualData) -> tuple[dt.date, dt.date]:
    """Rule R2's window: the report's year, 1 January to 31 December, or to `today` when that is
    earlier. Tier changes and first ratings dated after it (a later load) are not the year's."""
    start, end = dt.date(d.year, 1, 1), dt.date(d.year, 12, 31)
    return start, min(end, d.scope.today)


def tier_history_start(con, vendor_codes: list[str] | None = None) -> dt.date | None:
    """The first day a vendor tier was recorded (of these vendors, if given); None without history."""
    history = queries.vendor_tier_history(con)
    if vendor_codes is not None:
        history = history.filter(pl.col("entity_code").is_in(vendor_codes))
    if not history.height:
        return None
    first = history["effective_on"].min()
    return first.date() if isinstance(first, dt.datetime) else first


def tier_history_note(year: int, window: tuple[dt.date, dt.date], first: dt.date | None) -> str | None:
    """Said plainly when the vendors' tier history starts after R2's window: the year has no tier
    changes to report (not "no vendor moved into D"). None when the history reaches into the window."""
    if first is None or first <= window[1]:
        return None
    return f"服务机构等级记录始于{labels.date_text(first)}，{year}年度内没有等级变化记录。"


def vendors_into_d(moved: pl.DataFrame, start: dt.date, end: dt.date) -> Issue:
    """Rule R2's issue from the vendors rated D in its window (vendor_name, previous_tier,
    floor_reason, tier_change_reason). A vendor rated for the first time (no earlier tier, e.g. at
    the warehouse's first load) did not move into D: it is counted, but said apart."""
    into = moved.filter(pl.col("previous_tier").is_not_null())
    rated = moved.filter(pl.col("previous_tier").is_null())

    def names(frame: pl.DataFrame) -> str:
        return "、".join(frame["vendor_name"].head(3).to_list()) + ("等" if frame.height > 3 else "")

    titles = ([f"{into.height} 家服务机构转入D级"] if into.height else []) + \
        ([f"{rated.height} 家{'' if into.height else '服务机构'}首次评定即为D级"] if rated.height else [])
    parts = ([f"{names(into)}转入D级"] if into.height else []) + \
        ([f"{names(rated)}首次评定即为D级"] if rated.height else [])
    first = (into if into.height else rated).row(0, named=True)
    reason = first["floor_reason"] or first["tier_change_reason"] or ""
    return Issue("R2", f"{'、'.join(titles)}（高风险）",
                 f"{labels.date_text(start)}至{labels.date_text(end)}间，{'；'.join(parts)}；{first['vendor_name']}的原因：{reason}。")

def priority_issues(con, d: AnnualData, rect_y: pl.DataFrame) -> list[Issue]:
    """At most three issues, one per rule R1–R3, in that order; a rule that does not hold adds none."""
    issues: list[Issue] = []
    cats = d.tables["categories"].filter(
        (pl.col("inspections_assessed") >= CATEGORY_MIN_ASSESSED)
        & (pl.col("inspections_assessed_prev") >= CATEGORY_MIN_ASSESSED)
        & pl.col("share_with_failure_change").is_not_null()
    ).sort(["share_with_failure_change", "category_code"], descending=[True, False])
    if cats.height and cats["share_with_failure_change"][0] >= CATEGORY_RISE_MIN_PP:
        c = cats.row(0, named=True)
        items = d.tables["items"].filter(pl.col("category_code") == c["category_code"])
        worst = (f"；最常见的不符合项为“{items['item_zh'][0]}”（{items['times_failed'][0]} 次）"
                 if items.height else "")
        issues.append(Issue("R1", f"“{c['category_zh']}”类问题上升",
                            f"有不符合项的检查占比由 {c['share_with_failure_prev'] * 100:.1f}% 升至 "
                            f"{c['share_with_failure'] * 100:.1f}%（上升 {c['share_with_failure_change']:.1f} 个百分点），"
                            f"不符合 {c['items_failed']} 项次（上年 {c['items_failed_prev'] or 0} 项次）{worst}。"))
    start, end = vendor_move_window(d)
    moved = d.tables["vendors"].filter(
        (pl.col("tier") == "D") & pl.col("tier_since").is_between(start, end)
        & (pl.col("previous_tier").is_null() | (pl.col("previous_tier") != "D")))
    if moved.height:
        issues.append(vendors_into_d(moved, start, end))
    r = rect_y.row(0, named=True)
    if r["overdue"]:
        overdue = d.tables["rectifications"].filter(pl.col("status") == "overdue")
        days = analytics_config.active()["rectifications"]["escalation_days"]
        issues.append(Issue("R3", f"{r['overdue']} 项整改逾期未完成",
                            f"整改期限在{d.year}年内的整改中，截至{labels.date_text(d.scope.today)}仍有 {r['overdue']} 项逾期未完成，"
                            f"其中逾期超过 {days} 天 {r['escalation_candidates']} 项（建议约谈），"
                            f"涉及机关 {overdue['organ_code'].n_unique()} 家，最长逾期 {r['max_days_overdue'] or 0} 天。"))
    return issues[:3]


# -- methodology ----------------------------------------------------------------------------------

SHEET_SOURCES = [
    ("摘要", "主要指标见“指标口径”；来源函数见各指标"),
    ("分地区检查", "queries.compliance_trend(by=(year, 市/县))，本年与上年"),
    ("分服务类型检查", "queries.compliance_trend(by=(year, service_type))，本年与上年"),
    ("季度趋势", "queries.compliance_trend(by=(quarter,))，上年与本年共8个季度"),
    ("等级分布", "queries.grade_distribution，本年与上年"),
    ("问题类别", "queries.failing_categories，本年与上年"),
    ("高频不符合项", "queries.most_failed_items(limit=20)"),
    ("服务机构风险", "queries.vendor_risk（当前评分，不随期间变化）"),
    ("事件", "发生时间在年内的事件（查询层 queries.incidents）"),
    ("整改统计", "queries.rectification_status(by=(市/县,))，期限在年内，状态按统计日"),
    ("整改明细", "queries.rectifications，期限在年内，状态按统计日"),
    ("报送完整性", "queries.submission_completeness，季度起始日在年内"),
    ("检查覆盖", "queries.coverage，到期日在年内"),
]


def methodology(d: AnnualData) -> list[tuple[str, str, str]]:
    cfg = analytics_config.active()
    y = d.year
    rows: list[tuple[str, str, str]] = [
        ("数据", "范围", d.scope_label),
        ("数据", "数据截至", d.data_as_of_text),
        ("数据", "统计日", f"{labels.date_text(d.scope.today)}：逾期、未完成、到期等状态按此日计算"),
        ("数据", "生成时间", d.generated_at.strftime("%Y-%m-%d %H:%M")),
        ("数据", "配置", cfg.source),
        ("期间", "本年", f"{y}-01-01 至 {y}-12-31（按检查日期、事件发生时间）；对比期为 {y - 1} 年"),
        ("期间", "年末", f"存量指标（在办项目、未结案事件、逾期未检、逾期整改）按 {y}-12-31 计算；统计日早于年末时按统计日"),
        ("期间", "整改", "整改按整改期限落在年内统计，状态按统计日"),
        ("期间", "服务评价", f"季度起始日在年内的季度；季度评价应在季度结束后 {cfg['submissions']['due_days_after_quarter']} 天内报送"),
        ("期间", "检查覆盖", "到期日在年内且不晚于统计日的应检事项"),
        ("期间", "服务机构风险", "风险分与等级为最近一次装载时的当前值，不随所选年度变化"),
    ]
    w = cfg["windows"]
    rows += [("窗口", k, str(v)) for k, v in (
        ("趋势季度数 trend_quarters", w["trend_quarters"]), ("趋势年数 trend_years", w["trend_years"]),
        ("报送统计季度数 submission_quarters", w["submission_quarters"]),
        ("即将到期天数（检查）", w["schedule_due_soon_days"]),
        ("即将到期天数（整改）", cfg["rectifications"]["due_soon_days"]),
        ("约谈期限（逾期天数）", cfg["rectifications"]["escalation_days"]))]
    cut_text = "，".join(f"{g} ≥ {low:g} 分" for g, low in GRADE_CUTS)
    rows += [
        ("评分", "检查得分", "符合得全部权重、部分符合得一半、不符合不得分，不适用项不计入，折算为百分制"
                         f"（{', '.join(f'{k} {v:g}' for k, v in RESULT_CREDIT.items())}）"),
        ("评分", "检查等级", f"{cut_text}，其余为不合格；任一一票否决项不符合即为不合格"),
        ("评分", "合格", "、".join(cfg["grades"]["passing"]) + " 计为合格"),
    ]
    weights = checklist().group_by("category_code", "category_zh", maintain_order=True).agg(
        pl.col("weight").sum(), pl.col("veto").sum().alias("veto"))
    rows += [("检查项权重", f"{r['category_code']} {r['category_zh']}",
              f"权重合计 {r['weight']:g}（其中一票否决项 {r['veto']} 项）") for r in weights.iter_rows(named=True)]
    mx = cfg.max_points
    rows += [("服务机构风险分", COMPONENT_ZH[c], f"满分 {mx[c]:g} 分") for c in COMPONENTS]
    rows += [("服务机构风险分", "分级", "；".join(f"{t}级（{TIER_ZH[t]}）≥ {v:g} 分" for t, v in cfg.cut_points.items())
              + "；其余为A级（低）")]
    rows += [("服务机构保底等级", r["id"], f"{r['tier']}级：{r['reason']}") for r in cfg["vendor_risk"].get("floors", [])]
    rows += [("机关风险等级", r["id"], f"{r['tier']}级：{r['reason']}") for r in cfg["organ_tiers"]["rules"]]
    rows += [("机关风险等级", "默认", f"{cfg['organ_tiers']['default_tier']}级：{cfg['organ_tiers']['default_reason']}")]
    rows += [("检查周期", f"{t}级", f"每 {cfg.interval_months(t)} 个月检查一次") for t in ("A", "B", "C", "D")]
    rows += [("重点问题规则", rule, text) for rule, text in ISSUE_RULES]
    rows += [("重点问题规则", "数量", "按 R1、R2、R3 顺序，每条规则最多一项，合计不超过三项")]
    rows += [("指标口径", f.label_zh, f"{f.definition}。来源：{f.source_zh}（{f.source}）") for f in d.figures]
    rows += [("工作表来源", sheet, src) for sheet, src in SHEET_SOURCES]
    return rows
