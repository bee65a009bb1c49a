"""The 双随机 draw: which organs are inspected in a period and by whom. Pure and deterministic.

`draw(inputs, period, today, seed, config)` takes polars frames (`PlanInputs`) and returns a
`PlanResult`; it reads no file, no clock and no warehouse. The same inputs, seed, period, day and
configuration give the same plan, byte for byte (`result_sha256`), whatever the order of the rows.

Randomness. Every random number is a *lottery number*: the first 53 bits of
sha256("draw-v1", seed, purpose, key…), a uniform number in (0, 1) tied to one named thing (an organ
in a stratum, an organ–inspector pair). Nothing depends on the order in which things are visited,
adding an organ to the registry changes no other organ's number, the numbers are the same on every
Python and numpy version, and anyone can recompute a single organ's number from the published seed.

Targets (method in docs/planning.md):
1. forced — pending incident follow-ups, overdue checks (routine by tier or a new project's first
   check due before the plan starts) and, with `forced.due_in_period`, checks falling due by the
   period's end;
2. tier sample — in each tier, the organs not forced, each drawn with probability `sampling.ratio`
   (randomised rounding of ratio × pool, then the organs with the smallest lottery numbers);
3. silent sample — organs that sent nothing in the look-back quarters and are not yet drawn, each
   with probability `silent.share`.
Inspectors: `team.size` per visit, drawn by weighted sampling without replacement (weights favour the
organ's district and the expertise its projects need) among the active inspectors who need not
recuse (registry list, or part of the organ's last inspection) and have capacity left. Forced
visits are staffed first, and within a class the visit with the fewest inspectors left first. A
visit that cannot get a full team gets nobody, and the plan says why, in Chinese.

Every reason is written in Chinese and, beside it, in English (`reasons_en`, the unstaffed
`reason_en`) for the English pages; the English texts are not part of `result_sha256`, so a plan
drawn before they existed verifies the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import polars as pl

from etl.planning.config import TIERS, PlanningConfig
from schemas.values_en import EXPERTISE_EN
from etl.export.labels import period_text
from warehouse.analytics_config import TIER_EN, TIER_ZH
from warehouse.periods import date_text

# The rules' version, recorded with each plan: a plan is re-drawn (verified) only by the rules it was
# drawn with. v2: capacity for the time left, drawn windows of at least min_days, a late follow-up
# says how late. v3: overdue checks spread over the period by their teams' monthly capacity. v4: the
# Chinese reasons write dates as Chinese readers do (2025年12月1日) and days late as 天, like the
# marts' reasons; nothing else. The lottery keeps its own salt, so every lottery number stays what
# it was.
ALGORITHM = "draw-v4"
# The rules this program draws by: a plan of any of them is re-drawn (verified) by its own.
RULES = ("draw-v3", "draw-v4")
LOTTERY = "draw-v1"
# The leading reasons of a check overdue when the plan starts (windows in the plan's first weeks).
OVERDUE = ("OVERDUE_PROJECT", "OVERDUE_ROUTINE")
DEFAULT_TIER = "B"

# -- the inputs ------------------------------------------------------------------------------------

INPUT_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    # one row per organ of the registry, with its tier and pending checks (queries.organ_schedule)
    "organs": {"organ_code": pl.String, "organ_name": pl.String, "region_code": pl.String, "tier": pl.String,
               "tier_reason": pl.String, "interval_months": pl.Int32, "last_inspection_code": pl.String,
               "last_inspected_on": pl.Date, "tier_due_on": pl.Date, "project_due_on": pl.Date,
               "project_due_code": pl.String, "followup_due_on": pl.Date, "followup_incident_code": pl.String},
    # projects active during the period
    "projects": {"organ_code": pl.String, "project_code": pl.String, "vendor_code": pl.String,
                 "service_type": pl.String, "involves_classified": pl.Boolean, "start_on": pl.Date},
    # organ-quarters that sent nothing (queries.submission_completeness, only_silent)
    "silent": {"organ_code": pl.String, "quarter": pl.String},
    # the inspector registry (every row; only active inspectors are drawn)
    "inspectors": {"inspector_id": pl.String, "inspector_name": pl.String, "region_code": pl.String,
                   "expertise": pl.List(pl.String), "recusal_organ_codes": pl.List(pl.String),
                   "active": pl.Boolean},
    # each organ's last inspections, with the inspectors' names as recorded
    "last_teams": {"organ_code": pl.String, "inspection_code": pl.String, "inspected_on": pl.Date,
                   "inspector_names": pl.List(pl.String)},
}
INPUT_KEYS = {"organs": ("organ_code",), "projects": ("organ_code", "project_code"),
              "silent": ("organ_code", "quarter"), "inspectors": ("inspector_id",),
              "last_teams": ("organ_code", "inspection_code")}


def _canonical(name: str, frame: pl.DataFrame | None) -> pl.DataFrame:
    """The frame with exactly the schema's columns and types (absent ones null), list values
    trimmed, de-duplicated and sorted, rows de-duplicated and sorted by key."""
    schema = INPUT_SCHEMAS[name]
    if frame is None:
        return pl.DataFrame(schema=schema)
    columns = []
    for col, dtype in schema.items():
        if col not in frame.columns:
            columns.append(pl.lit(None, dtype).alias(col))
        elif isinstance(dtype, pl.List):
            items = pl.col(col).cast(pl.List(pl.String)).list.eval(pl.element().str.strip_chars())
            columns.append(items.list.eval(pl.element().filter(pl.element().is_not_null() & (pl.element() != "")))
                           .list.unique().list.sort().fill_null(pl.lit([], dtype)).alias(col))
        else:
            columns.append(pl.col(col).cast(dtype).alias(col))
    out = frame.select(columns).unique(maintain_order=True).sort(list(INPUT_KEYS[name]), nulls_last=True)
    dup = out.group_by(list(INPUT_KEYS[name])).len().filter(pl.col("len") > 1)
    if dup.height:
        raise ValueError(f"{name}: duplicate key {dup.row(0)[:-1]} with different contents")
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 12)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def frames_json(frames: dict[str, pl.DataFrame]) -> str:
    """Canonical JSON of named frames: columns in order, rows as lists, no spaces, keys sorted."""
    doc = {name: {"columns": f.columns, "rows": [[_jsonable(v) for v in row] for row in f.iter_rows()]}
           for name, f in frames.items()}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PlanInputs:
    """Everything the draw reads, canonical (see INPUT_SCHEMAS)."""
    organs: pl.DataFrame
    projects: pl.DataFrame
    silent: pl.DataFrame
    inspectors: pl.DataFrame
    last_teams: pl.DataFrame

    @classmethod
    def of(cls, *, organs: pl.DataFrame, inspectors: pl.DataFrame, projects: pl.DataFrame | None = None,
           silent: pl.DataFrame | None = None, last_teams: pl.DataFrame | None = None) -> "PlanInputs":
        return cls(**{name: _canonical(name, frame) for name, frame in (
            ("organs", organs), ("projects", projects), ("silent", silent), ("inspectors", inspectors),
            ("last_teams", last_teams))})

    def frames(self) -> dict[str, pl.DataFrame]:
        return {name: getattr(self, name) for name in INPUT_SCHEMAS}

    @functools.cached_property
    def _json(self) -> str:
        return frames_json(self.frames())

    def to_json(self) -> str:
        return self._json

    @functools.cached_property
    def sha256(self) -> str:
        return sha256(self._json)

    @classmethod
    def from_json(cls, text: str) -> "PlanInputs":
        doc = json.loads(text)
        frames = {}
        for name, schema in INPUT_SCHEMAS.items():
            part = doc[name]
            dates = [i for i, c in enumerate(part["columns"]) if schema[c] == pl.Date]
            rows = [[dt.date.fromisoformat(v) if i in dates and v is not None else v for i, v in enumerate(row)]
                    for row in part["rows"]]
            frames[name] = pl.DataFrame(rows, schema={c: schema[c] for c in part["columns"]}, orient="row")
        return cls.of(**frames)


# -- the period and the lottery --------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date

    @property
    def months(self) -> int:
        return (self.end.year * 12 + self.end.month) - (self.start.year * 12 + self.start.month) + 1

    def months_from(self, first: dt.date) -> float:
        """The months of the period left from `first` on (its whole length when `first` is its start):
        a plan drawn late in its period has that much time for its visits, not the whole period."""
        whole = (self.end - self.start).days + 1
        return self.months * ((self.end - max(first, self.start)).days + 1) / whole

    def month_windows(self, first: dt.date) -> list[tuple[dt.date, dt.date]]:
        """The calendar months of the period from `first` on, each clipped to the period."""
        out, y, m = [], first.year, first.month
        while dt.date(y, m, 1) <= self.end:
            nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
            out.append((max(dt.date(y, m, 1), first), min(nxt - dt.timedelta(days=1), self.end)))
            y, m = nxt.year, nxt.month
        return out


class PlanError(ValueError):
    """The plan cannot be drawn as asked. The message (str) is in Chinese, for the CLI user, and may
    name its options (--reason); `page` is the same in Chinese without them, for the 检查计划 page,
    and `en` in English: `text(lang)` picks for a page."""

    def __init__(self, message: str, *, en: str | None = None, page: str | None = None):
        super().__init__(message)
        self.en = en
        self.page = page

    def text(self, lang: str | None) -> str:
        """The message for a page in `lang` ("zh" or "en"): no CLI options; Chinese when there is no English."""
        if lang == "en" and self.en:
            return self.en
        return self.page or str(self)


def lottery(seed: int, *parts: str) -> float:
    """A uniform number in (0, 1), fixed by the seed and what it is for."""
    digest = hashlib.sha256("\x1f".join((LOTTERY, str(seed), *parts)).encode("utf-8")).digest()
    return ((int.from_bytes(digest[:8], "big") >> 11) + 0.5) / 2 ** 53


def quota(ratio: float, population: int, u: float) -> int:
    """ratio × population rounded down, or up with probability equal to the fraction (u decides):
    the expected count is exactly ratio × population."""
    expected = round(ratio * population, 9)
    k = math.floor(expected)
    if u < expected - k:
        k += 1
    return min(k, population)


# -- reasons ---------------------------------------------------------------------------------------

# Staffing and listing order: forced visits first; then the samples, riskiest first (an organ that
# sent nothing is treated as riskier than a B-tier organ: its risk is unknown).
PRIORITY = {"INCIDENT_FOLLOWUP": 0, "OVERDUE_PROJECT": 1, "OVERDUE_ROUTINE": 1, "DUE_PROJECT": 2,
            "DUE_ROUTINE": 2, "TIER_SAMPLE": 3, "SILENT_SAMPLE": 5, "SILENT": 9}
TIER_SAMPLE_PRIORITY = {"D": 3, "C": 4, "B": 6, "A": 7}
REASON_ZH = {"INCIDENT_FOLLOWUP": "事件复查", "OVERDUE_PROJECT": "新项目逾期未检", "OVERDUE_ROUTINE": "逾期未检",
             "DUE_PROJECT": "新项目首检", "DUE_ROUTINE": "期内到期", "TIER_SAMPLE": "按风险等级随机抽取",
             "SILENT_SAMPLE": "未报送随机抽取", "SILENT": "近期未报送"}
FORCED = ("INCIDENT_FOLLOWUP", "OVERDUE_PROJECT", "OVERDUE_ROUTINE", "DUE_PROJECT", "DUE_ROUTINE")
SELECTION_ZH = {"forced": "必检", "tier_sample": "按等级抽取", "silent_sample": "未报送抽取"}


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    due_on: dt.date | None = None
    text_en: str = ""           # the same in English


def _d(day: dt.date) -> str:
    return day.isoformat()


@dataclass(frozen=True)
class _ZhWords:
    """How a version of the rules writes dates, days late and quarters in the Chinese reasons."""
    day: Callable[[dt.date], str]
    days: str
    quarter: Callable[[str], str]


ZH_WORDS = {"draw-v3": _ZhWords(_d, "日", str), "draw-v4": _ZhWords(date_text, "天", period_text)}


def _forced_reasons(o: dict, start: dt.date, end: dt.date, today: dt.date, cfg: PlanningConfig,
                    zh: _ZhWords = ZH_WORDS[ALGORITHM]) -> list[Reason]:
    out = []
    def late(due: dt.date) -> str:
        return f"已逾期{(today - due).days}{zh.days}" if due < today else "计划期开始前到期"

    def late_en(due: dt.date) -> str:
        return f"{(today - due).days} days overdue" if due < today else "due before the plan starts"

    due = o["followup_due_on"]
    if due is not None:  # forced whatever its date; a past one says so, like any overdue check
        incident = o['followup_incident_code'] or ''
        out.append(Reason("INCIDENT_FOLLOWUP", f"事件复查：本机关或所用服务机构发生事件{incident}，"
                                               f"应于{zh.day(due)}前复查" + (f"，{late(due)}" if due < start else ""), due,
                          f"Incident follow-up: incident {incident} at the organ or a vendor it uses; to be checked "
                          f"by {_d(due)}" + (f", {late_en(due)}" if due < start else "")))

    due = o["project_due_on"]
    if due is not None and due <= end:
        code = o["project_due_code"] or ""
        if due < start:
            out.append(Reason("OVERDUE_PROJECT", f"新项目逾期未检：项目{code}应于{zh.day(due)}前首次检查，{late(due)}", due,
                              f"New project overdue: project {code} to be first inspected by {_d(due)}, "
                              f"{late_en(due)}"))
        elif cfg.due_in_period:
            out.append(Reason("DUE_PROJECT", f"新项目首检：项目{code}应于{zh.day(due)}前首次检查", due,
                              f"New project: project {code} to be first inspected by {_d(due)}"))
    due = o["tier_due_on"]
    if due is not None and due <= end:
        tier = o["tier"]
        rule = f"{tier}级（{TIER_ZH.get(tier, '')}风险）每{o['interval_months']}个月检查一次" \
            if o["interval_months"] else f"{tier}级"
        rule_en = f"tier {tier} ({TIER_EN.get(tier, '')} risk) checked every {o['interval_months']} months" \
            if o["interval_months"] else f"tier {tier}"
        if due < start:
            out.append(Reason("OVERDUE_ROUTINE", f"逾期未检：{rule}，应于{zh.day(due)}前检查，{late(due)}", due,
                              f"Overdue: {rule_en}; to be checked by {_d(due)}, {late_en(due)}"))
        elif cfg.due_in_period:
            out.append(Reason("DUE_ROUTINE", f"期内到期：{rule}，应于{zh.day(due)}前检查", due,
                              f"Due in the period: {rule_en}; to be checked by {_d(due)}"))
    return out


def _quarters_zh(quarters: list[str], zh: _ZhWords) -> str:
    return "、".join(zh.quarter(q) for q in sorted(quarters))


def _quarters_en(quarters: list[str]) -> str:
    return ", ".join(period_text(q, "en") for q in sorted(quarters))


# -- the result ------------------------------------------------------------------------------------

VISIT_SCHEMA = {
    "visit_no": pl.Int32, "organ_code": pl.String, "organ_name": pl.String, "region_code": pl.String,
    "tier": pl.String, "selection": pl.String, "reasons": pl.List(pl.String), "reasons_zh": pl.String,
    "reasons_en": pl.String,
    "priority": pl.Int32, "lottery": pl.Float64, "due_on": pl.Date, "window_start": pl.Date, "window_end": pl.Date,
    "project_codes": pl.List(pl.String), "service_types": pl.List(pl.String),
    "needed_expertise": pl.List(pl.String), "check_items": pl.String, "status": pl.String,
    "expertise_covered": pl.Boolean, "notes_zh": pl.String,
}
TEAM_SCHEMA = {
    "visit_no": pl.Int32, "seat": pl.Int32, "inspector_id": pl.String, "inspector_name": pl.String,
    "region_code": pl.String, "locality": pl.String, "expertise_matched": pl.List(pl.String),
    "weight": pl.Float64, "draw_key": pl.Float64,
}
# The English texts beside the Chinese ones (not hashed: PlanResult.result_json).
ENGLISH_COLUMNS = ("reasons_en", "reason_en")
UNSTAFFED_SCHEMA = {
    "visit_no": pl.Int32, "reason_code": pl.String, "reason_zh": pl.String, "reason_en": pl.String, "needed": pl.Int32,
    "active": pl.Int32, "recused_registry": pl.Int32, "recused_last": pl.Int32, "at_capacity": pl.Int32,
    "available": pl.Int32,
}
STRATA_SCHEMA = {
    "stratum": pl.String, "population": pl.Int32, "already_in": pl.Int32, "pool": pl.Int32, "ratio": pl.Float64,
    "expected": pl.Float64, "rounding_u": pl.Float64, "drawn": pl.Int32,
}
WORKLOAD_SCHEMA = {"inspector_id": pl.String, "inspector_name": pl.String, "region_code": pl.String,
                   "capacity": pl.Int32, "assigned": pl.Int32}


@dataclass(frozen=True)
class PlanResult:
    period: Period
    seed: int
    visits: pl.DataFrame
    team: pl.DataFrame
    unstaffed: pl.DataFrame
    strata: pl.DataFrame
    workload: pl.DataFrame
    params: dict[str, Any]
    inputs_sha256: str
    result_sha256: str = field(default="")

    def result_json(self) -> str:
        """The canonical result the hash is of: the English texts left out (a translation of the Chinese
        ones, added after plans had been recorded: those plans verify the same)."""
        return frames_json({"visits": self.visits.drop(ENGLISH_COLUMNS, strict=False), "team": self.team,
                            "unstaffed": self.unstaffed.drop(ENGLISH_COLUMNS, strict=False)})


# -- the draw --------------------------------------------------------------------------------------

def draw(inputs: PlanInputs, period: Period, today: dt.date, seed: int, config: PlanningConfig,
         algorithm: str = ALGORITHM) -> PlanResult:
    """The plan for `period`, drawn on `today` with `seed` (see the module docstring), by the rules
    `algorithm` (one of RULES: a recorded plan is re-drawn by the rules it was drawn with)."""
    if algorithm not in RULES:
        raise PlanError(f"本程序不能按抽取规则{algorithm}抽取", en=f"This program cannot draw by the rules {algorithm}")
    if today > period.end:
        raise PlanError(f"计划期间{period.label}已于{date_text(period.end)}结束，不能再抽取检查计划",
                        en=f"The period {period.label} ended on {_d(period.end)}; a plan can no longer be drawn for it")
    if seed < 0 or seed >= 2 ** 63:
        raise PlanError("随机种子须为0至2^63-1之间的整数", en="The seed must be a whole number from 0 to 2^63-1")
    cfg, zh = config, ZH_WORDS[algorithm]
    start = max(period.start, today)  # the plan's first day
    organs = {o["organ_code"]: o for o in inputs.organs.iter_rows(named=True)}
    codes = sorted(organs)

    projects: dict[str, list[dict]] = {}
    for p in inputs.projects.iter_rows(named=True):
        if p["organ_code"] in organs:
            projects.setdefault(p["organ_code"], []).append(p)
    silent: dict[str, list[str]] = {}
    for s in inputs.silent.iter_rows(named=True):
        if s["organ_code"] in organs:
            silent.setdefault(s["organ_code"], []).append(s["quarter"])

    # 1. forced
    chosen: dict[str, dict] = {}
    for code in codes:
        reasons = _forced_reasons(organs[code], start, period.end, today, cfg, zh)
        if reasons:
            chosen[code] = {"selection": "forced", "reasons": reasons, "lottery": None}

    # 2. tier sample, 3. silent sample
    strata = []
    tier_of = {c: (organs[c]["tier"] if organs[c]["tier"] in TIERS else DEFAULT_TIER) for c in codes}
    for tier in ("D", "C", "B", "A"):
        members = [c for c in codes if tier_of[c] == tier]
        pool = [c for c in members if c not in chosen]
        ratio = cfg.ratio(tier)
        drawn = _sample(pool, ratio, seed, f"tier:{tier}", strata, population=len(members))
        for code, u in drawn:
            chosen[code] = {"selection": "tier_sample", "lottery": u, "reasons": [Reason(
                "TIER_SAMPLE", f"{tier}级（{TIER_ZH[tier]}风险）随机抽取，抽查比例{_pct(ratio)}",
                text_en=f"Tier {tier} ({TIER_EN[tier]} risk) drawn at random, sampling ratio {_pct(ratio)}")]}
    silent_codes = sorted(silent)
    pool = [c for c in silent_codes if c not in chosen]
    drawn = _sample(pool, cfg.silent_share, seed, "silent", strata, population=len(silent_codes))
    for code, u in drawn:
        chosen[code] = {"selection": "silent_sample", "lottery": u, "reasons": [Reason(
            "SILENT_SAMPLE", f"未报送随机抽取：{_quarters_zh(silent[code], zh)}未报送任何材料，"
                             f"抽取比例{_pct(cfg.silent_share)}",
            text_en=f"Drawn among organs that sent nothing: nothing sent for {_quarters_en(silent[code])}, "
                    f"sampling ratio {_pct(cfg.silent_share)}")]}
    for code in silent_codes:
        if code in chosen and chosen[code]["selection"] != "silent_sample":
            chosen[code]["reasons"].append(Reason(
                "SILENT", f"另：{_quarters_zh(silent[code], zh)}未报送任何材料",
                text_en=f"Also: nothing sent for {_quarters_en(silent[code])}"))

    # the visits: reasons, projects, expertise, window
    visits = []
    for code in sorted(chosen):
        o, c = organs[code], chosen[code]
        reasons = sorted(c["reasons"], key=lambda r: (PRIORITY[r.code], r.due_on or dt.date.max, r.code))
        lead = reasons[0]
        own = sorted(projects.get(code, []), key=lambda p: p["project_code"])
        types = sorted({p["service_type"] for p in own if p["service_type"]})
        classified = any(bool(p["involves_classified"]) for p in own)
        due = min((r.due_on for r in reasons if r.code in FORCED and r.due_on), default=None)
        w_start, w_end = _window(lead, start, period, cfg, seed, code)
        visits.append({
            "organ_code": code, "organ_name": o["organ_name"], "region_code": o["region_code"], "tier": tier_of[code],
            "selection": c["selection"], "reasons": [r.code for r in reasons],
            "reasons_zh": "；".join(r.text for r in reasons),
            "reasons_en": "; ".join(r.text_en for r in reasons),
            "priority": TIER_SAMPLE_PRIORITY[tier_of[code]] if lead.code == "TIER_SAMPLE" else PRIORITY[lead.code],
            "lottery": c["lottery"], "due_on": due, "window_start": w_start, "window_end": w_end,
            "project_codes": [p["project_code"] for p in own], "service_types": types,
            "needed_expertise": cfg.needed_expertise(types, classified),
            "check_items": _check_items(types, cfg),
        })
    visits.sort(key=lambda v: (v["priority"], v["window_start"], v["region_code"] or "", v["organ_code"]))
    for n, v in enumerate(visits, start=1):
        v["visit_no"] = n

    months = period.months_from(start)  # capacity counts the time left, not the whole period
    team, unstaffed, workload = _Staffing(visits, inputs, months, cfg, seed).run()
    _spread_overdue(visits, team, start, period, cfg)

    params = {"algorithm": algorithm, "seed": seed, "period": period.label, "period_start": _d(period.start),
              "period_end": _d(period.end), "today": _d(today), "plan_start": _d(start), "months": period.months,
              "capacity_months": round(months, 6), "capacity_default": cfg.default_capacity(months),
              "config": cfg.snapshot()}
    result = PlanResult(
        period=period, seed=seed,
        visits=_frame(visits, VISIT_SCHEMA), team=_frame(team, TEAM_SCHEMA),
        unstaffed=_frame(unstaffed, UNSTAFFED_SCHEMA), strata=_frame(strata, STRATA_SCHEMA),
        workload=_frame(workload, WORKLOAD_SCHEMA),
        params=params, inputs_sha256=inputs.sha256)
    return dataclasses.replace(result, result_sha256=sha256(result.result_json()))


def _frame(rows: list[dict], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows as a frame of exactly `schema`, built column by column."""
    return pl.DataFrame([pl.Series(c, [r.get(c) for r in rows], dtype=t) for c, t in schema.items()])


def _check_items(types: list[str], cfg: PlanningConfig) -> str:
    if not types:
        return cfg.public("check_item_no_projects")
    named = [cfg.public("out_of_scope") if t == "超范围" else t for t in types]
    return f"{cfg.public('check_item')}：{'、'.join(dict.fromkeys(named))}"


def _pct(ratio: float) -> str:
    return f"{ratio * 100:g}%"


def _sample(pool: list[str], ratio: float, seed: int, stratum: str, log: list, *, population: int
            ) -> list[tuple[str, float]]:
    """Each organ of the pool with probability `ratio`: quota by randomised rounding, then the
    organs with the smallest lottery numbers."""
    u = lottery(seed, "round", stratum)
    k = quota(ratio, len(pool), u)
    numbered = sorted(((lottery(seed, stratum, c), c) for c in pool))
    log.append({"stratum": stratum, "population": population, "already_in": population - len(pool),
                "pool": len(pool), "ratio": ratio, "expected": round(ratio * len(pool), 6), "rounding_u": u,
                "drawn": k})
    return [(c, n) for n, c in numbered[:k]]


def _window(lead: Reason, start: dt.date, period: Period, cfg: PlanningConfig, seed: int, code: str
            ) -> tuple[dt.date, dt.date]:
    """The suggested date window of a visit, from its leading reason (docs/planning.md §windows)."""
    urgent_end = start + dt.timedelta(days=cfg.window("urgent_days") - 1)
    if lead.code == "INCIDENT_FOLLOWUP":
        wanted = min(lead.due_on, urgent_end) if lead.due_on and lead.due_on >= start else urgent_end
        first = start
    elif lead.code in OVERDUE:
        first, wanted = start, urgent_end
    elif lead.code in ("DUE_PROJECT", "DUE_ROUTINE"):
        first = max(start, lead.due_on - dt.timedelta(days=cfg.window("due_lead_days")))
        wanted = lead.due_on
    else:  # a drawn visit: a month drawn by lottery (the first one may be only a few days long)
        months = period.month_windows(start)
        first, wanted = months[min(int(lottery(seed, "window", code) * len(months)), len(months) - 1)]
    wanted = max(wanted, first + dt.timedelta(days=cfg.window("min_days") - 1))
    return first, min(wanted, period.end)


def _spread_overdue(visits: list[dict], team: list[dict], start: dt.date, period: Period, cfg: PlanningConfig
                    ) -> None:
    """Overdue checks are urgent (the first `urgent_days` of the plan), but an inspector makes only so
    many visits a month: when many organs are overdue, the plan's first weeks would hold more visits
    than its teams can make. Each staffed overdue check, the most overdue first, takes the first
    slot of `urgent_days` (from the plan's start) in which every member of its team has visits left
    by their monthly capacity (team.capacity_per_quarter ÷ 3, at least 1); every other visit (an
    incident follow-up, a check due in the period, a drawn one) keeps its window and counts in the
    slot its window starts in. A check that fits no slot takes the one whose busiest member is least
    busy. A slot too short for a `min_days` window is not used. The visit says why (notes_zh)."""
    length, shortest = cfg.window("urgent_days"), cfg.window("min_days")
    members: dict[int, list[str]] = {}
    for t in team:
        members.setdefault(t["visit_no"], []).append(t["inspector_id"])
    slots = [start]
    while slots[-1] + dt.timedelta(days=length + shortest - 1) <= period.end:
        slots.append(slots[-1] + dt.timedelta(days=length))
    per_slot = {i: cfg.capacity(i, length * 12 / 365.25) for ids in members.values() for i in ids}
    busy: dict[tuple[str, int], int] = {}
    staffed = [v for v in visits if v["visit_no"] in members]
    overdue = [v for v in staffed if v["reasons"][0] in OVERDUE]
    for v in staffed:      # every other visit counts in the slot its window starts in
        if v["reasons"][0] not in OVERDUE:
            k = min(len(slots) - 1, (v["window_start"] - start).days // length)
            for i in members[v["visit_no"]]:
                busy[i, k] = busy.get((i, k), 0) + 1
    for v in sorted(overdue, key=lambda v: (v["due_on"] or dt.date.max, v["visit_no"])):
        ids = members[v["visit_no"]]
        free = [k for k in range(len(slots)) if all(busy.get((i, k), 0) < per_slot[i] for i in ids)]
        k = free[0] if free else min(range(len(slots)), key=lambda k: (max(busy.get((i, k), 0) for i in ids), k))
        for i in ids:
            busy[i, k] = busy.get((i, k), 0) + 1
        if k == 0:
            continue
        first = slots[k]
        v["window_start"], v["window_end"] = first, min(first + dt.timedelta(days=length - 1), period.end)
        note = SPREAD_NOTE.format(day=k * length + 1)
        v["notes_zh"] = f"{v['notes_zh']}；{note}" if v["notes_zh"] else note


# The notes a staffed visit may carry (notes_zh, joined by "；"), and their English (notes_en).
SPREAD_NOTE = "逾期检查较多，按检查人员每月可检次数顺延至计划开始后第{day}日起"
_SPREAD = re.compile(re.escape(SPREAD_NOTE).replace(r"\{day\}", r"(\d+)"))
_MISSING = re.compile(r"缺少具备(.+)专长的可派检查人员")
_QUOTED = re.compile(r"“([^”]*)”")


def notes_en(notes: str | None) -> str | None:
    """A visit's notes (notes_zh) in English, part by part; a part not written by the draw stays as is."""
    if not notes:
        return notes
    parts = []
    for part in notes.split("；"):
        if m := _SPREAD.fullmatch(part):
            part = (f"Many overdue checks: starts from day {m[1]} of the plan, within the inspectors' monthly "
                    f"capacity")
        elif m := _MISSING.fullmatch(part):
            names = [EXPERTISE_EN.get(name, name) for name in _QUOTED.findall(m[1])] or [m[1]]
            part = f"No available inspector has the expertise needed: {', '.join(names)}"
        parts.append(part)
    return "; ".join(parts)


def _locality(organ_region: str | None, inspector_region: str | None) -> str:
    o, i = organ_region or "", inspector_region or ""
    if o and o == i:
        return "same_region"
    if o[:4] and o[:4] == i[:4] and not i.endswith("0000"):
        return "same_city"
    if i.endswith("0000"):
        return "province"
    return "elsewhere"


LOCALITY_ZH = {"same_region": "同地区", "same_city": "同市", "province": "省级", "elsewhere": "外地"}


class _Staffing:
    """The inspector draw. Phase 1: visits in priority class order, within a class the earliest due
    date first (the most overdue check, the most urgent follow-up), then the visit with
    the fewest inspectors left first, each team drawn by weighted sampling without replacement.
    Phase 2 (repair): for a visit left short, an inspector it could have is freed by swapping them,
    in a visit already staffed, for another inspector that visit may have and who has capacity left
    (never breaking a rule); repeated while it helps. Phase 3: why each visit still short is short."""

    def __init__(self, visits: list[dict], inputs: PlanInputs, months: float, cfg: PlanningConfig, seed: int):
        self.visits, self.cfg, self.seed, self.size = visits, cfg, seed, cfg.team_size
        registry = list(inputs.inspectors.iter_rows(named=True))
        self.by_id = {i["inspector_id"]: i for i in registry if i["active"]}
        ids_by_name: dict[str, set[str]] = {}
        for i in registry:  # a name shared by several inspectors makes all of them recuse
            ids_by_name.setdefault(i["inspector_name"], set()).add(i["inspector_id"])
        self.recusal: dict[str, set[str]] = {}
        for i in self.by_id.values():
            for organ in i["recusal_organ_codes"]:
                self.recusal.setdefault(organ, set()).add(i["inspector_id"])
        self.last: dict[str, set[str]] = {}
        for t in inputs.last_teams.iter_rows(named=True):
            ids = {x for name in t["inspector_names"] for x in ids_by_name.get(name, ())}
            self.last.setdefault(t["organ_code"], set()).update(ids & set(self.by_id))
        self.capacity = {i: cfg.capacity(i, months) for i in sorted(self.by_id)}
        self.left = dict(self.capacity)
        self.open = {i for i, c in self.left.items() if c > 0}
        self.visit = {v["organ_code"]: v for v in visits}
        self.excluded = {c: self.recusal.get(c, set()) | self.last.get(c, set()) for c in self.visit}
        self.seats: dict[str, list[str]] = {}          # organ -> inspector ids in seat order
        self.holding: dict[str, set[str]] = {}         # inspector -> organs
        self._scores: dict[tuple[str, str], tuple] = {}
        self.needed = {c: set(v["needed_expertise"]) for c, v in self.visit.items()}
        self.expertise = {i: set(x["expertise"]) for i, x in self.by_id.items()}
        self.locality = {level: cfg.locality_weight(level) for level in LOCALITY_ZH}

    def score(self, code: str, i: str) -> tuple[float, list[str], str, float]:
        """(draw key, expertise matched, locality, weight) of inspector i for the visit to organ code.
        Efraimidis–Spirakis: the larger log(u) / weight, the sooner drawn."""
        found = self._scores.get((code, i))
        if found is None:
            insp, v = self.by_id[i], self.visit[code]
            matched = sorted(self.needed[code] & self.expertise[i]) if self.needed[code] else []
            level = _locality(v["region_code"], insp["region_code"])
            weight = self.locality[level] * (1 + self.cfg.expertise_weight * len(matched))
            found = self._scores[code, i] = (math.log(lottery(self.seed, "team", code, i)) / weight, matched, level,
                                             weight)
        return found

    def _rank(self, code: str, ids) -> list[str]:
        return sorted(ids, key=lambda i: (-self.score(code, i)[0], i))

    def _take(self, i: str, code: str) -> None:
        self.left[i] -= 1
        if self.left[i] <= 0:
            self.open.discard(i)
        self.holding.setdefault(i, set()).add(code)

    def _release(self, i: str, code: str) -> None:
        self.left[i] += 1
        if self.left[i] > 0:
            self.open.add(i)
        self.holding[i].discard(code)

    def staff(self, code: str) -> bool:
        candidates = self._rank(code, (i for i in self.open if i not in self.excluded[code]))
        if len(candidates) < self.size:
            return False
        picked = []
        if self.visit[code]["needed_expertise"]:
            experts = [i for i in candidates if self.score(code, i)[1]]
            picked = experts[:1]
        picked += [i for i in candidates if i not in picked][: self.size - len(picked)]
        for i in picked:
            self._take(i, code)
        self.seats[code] = picked
        return True

    def free_one_for(self, code: str) -> bool:
        """Free one inspector the visit could have, by a swap in a staffed visit; False if none."""
        eligible = [i for i in self.by_id if i not in self.excluded[code]]
        for x in self._rank(code, (i for i in eligible if self.left[i] <= 0)):
            for w in sorted(self.holding.get(x, ()), key=lambda w: (-self.visit[w]["priority"],
                                                                    self.visit[w]["visit_no"])):
                members = set(self.seats[w])
                # a replacement that does not merely move the shortage: not one this visit needs,
                # or one with capacity to spare
                ys = [y for y in self.open if y not in self.excluded[w] and y not in members
                      and (y in self.excluded[code] or self.left[y] >= 2)]
                if ys:
                    y = self._rank(w, ys)[0]
                    self.seats[w] = [y if m == x else m for m in self.seats[w]]
                    self._release(x, w)
                    self._take(y, w)
                    return True
        return False

    def run(self) -> tuple[list[dict], list[dict], list[dict]]:
        order_key = {c: lottery(self.seed, "order", c) for c in self.visit}
        short = []
        for cls in sorted({v["priority"] for v in self.visits}):
            waiting = [v["organ_code"] for v in self.visits if v["priority"] == cls]
            while waiting:
                # the most urgent first (the earliest due date: the most overdue check), then the visit
                # with the fewest inspectors left to choose from
                code = min(waiting, key=lambda c: (self.visit[c]["due_on"] or dt.date.max,
                                                   len(self.open) - len(self.excluded[c] & self.open),
                                                   order_key[c], c))
                waiting.remove(code)
                if not self.staff(code):
                    short.append(code)
        for code in sorted(short, key=lambda c: (self.visit[c]["priority"], self.visit[c]["due_on"] or dt.date.max,
                                                 self.visit[c]["visit_no"])):
            while not self.staff(code) and self.free_one_for(code):
                pass
        return self._results()

    def _results(self) -> tuple[list[dict], list[dict], list[dict]]:
        team, unstaffed = [], []
        for v in self.visits:
            code = v["organ_code"]
            needed = set(v["needed_expertise"])
            if code in self.seats:
                members = self.seats[code]
                have = {e for i in members for e in self.by_id[i]["expertise"]}
                missing = sorted(needed - have)
                v["status"], v["expertise_covered"] = "staffed", not missing
                v["notes_zh"] = ("缺少具备" + "、".join(f"“{m}”" for m in missing) + "专长的可派检查人员") \
                    if missing else None
                for seat, i in enumerate(members, start=1):
                    key, matched, level, weight = self.score(code, i)
                    team.append({"visit_no": v["visit_no"], "seat": seat, "inspector_id": i,
                                 "inspector_name": self.by_id[i]["inspector_name"],
                                 "region_code": self.by_id[i]["region_code"], "locality": level,
                                 "expertise_matched": matched, "weight": round(weight, 9), "draw_key": key})
                continue
            active = set(self.by_id)
            reg = self.recusal.get(code, set()) & active
            prev = (self.last.get(code, set()) & active) - reg
            eligible = active - reg - prev
            full = {i for i in eligible if self.left[i] <= 0}
            why = _why(v["visit_no"], self.size, len(active), len(reg), len(prev), len(full),
                       len(eligible) - len(full), len(eligible))
            unstaffed.append(why)
            v["status"], v["expertise_covered"], v["notes_zh"] = "unstaffed", None, why["reason_zh"]
        team.sort(key=lambda t: (t["visit_no"], t["seat"]))
        unstaffed.sort(key=lambda u: u["visit_no"])
        workload = [{"inspector_id": i, "inspector_name": self.by_id[i]["inspector_name"],
                     "region_code": self.by_id[i]["region_code"], "capacity": c, "assigned": c - self.left[i]}
                    for i, c in self.capacity.items()]
        return team, unstaffed, workload


def _why(visit_no: int, size: int, active: int, reg: int, prev: int, full: int, available: int,
         eligible: int) -> dict:
    """Why a visit gets no team, in Chinese, with the counts behind it."""
    tail = f"每次检查须至少{size}名检查人员，本次检查暂未派员"
    if active < size:
        code = "TOO_FEW_INSPECTORS"
        text = (f"检查人员名录中在岗人员仅{active}名，{tail}" if active else
                f"检查人员名录中没有在岗人员（请先装载检查人员名录），{tail}")
    elif eligible < size:
        code = "ALL_RECUSED"
        parts = [f"{reg}名在回避名单中" if reg else "", f"{prev}名参加过该机关上次检查" if prev else ""]
        detail = "，".join(p for p in parts if p)
        if eligible == 0:
            text = f"在岗{active}名检查人员均须回避（{detail}），{tail}"
        else:
            text = f"在岗{active}名检查人员中{reg + prev}名须回避（{detail}），仅余{eligible}名，{tail}"
    else:
        code = "CAPACITY"
        text = (f"未回避的{eligible}名检查人员中{full}名本期检查任务已满，可派{available}名，{tail}"
                if full < eligible else f"未回避的{eligible}名检查人员本期检查任务均已满，{tail}")
    return {"visit_no": visit_no, "reason_code": code, "reason_zh": text,
            "reason_en": _why_en(code, size, active, reg, prev, full, available, eligible),
            "needed": size, "active": active,
            "recused_registry": reg, "recused_last": prev, "at_capacity": full, "available": available}


def _why_en(code: str, size: int, active: int, reg: int, prev: int, full: int, available: int, eligible: int) -> str:
    """_why's text in English, from the same counts."""
    tail = f"every visit needs at least {size} inspectors, so no team was sent yet"
    if code == "TOO_FEW_INSPECTORS":
        return (f"Only {active} active inspectors in the registry; {tail}" if active else
                f"No active inspector in the registry (load the inspector registry first); {tail}")
    if code == "ALL_RECUSED":
        detail = ", ".join(p for p in (f"{reg} on the recusal list" if reg else "",
                                       f"{prev} in the organ's last inspection" if prev else "") if p)
        if eligible == 0:
            return f"All {active} active inspectors must recuse ({detail}); {tail}"
        return f"Only {eligible} of {active} active inspectors can go: {reg + prev} must recuse ({detail}); {tail}"
    return (f"Of the {eligible} inspectors not recused, {full} are fully booked this period and {available} can go; "
            f"{tail}" if full < eligible else f"All {eligible} inspectors not recused are fully booked this period; {tail}")


def unstaffed_reason_en(row: dict) -> str:
    """The English reason of an unstaffed visit from its recorded counts (a plan_unstaffed row): for
    plans recorded before the English texts were (reason_en NULL)."""
    if row.get("reason_en"):
        return row["reason_en"]
    active, reg, prev = row["active"] or 0, row["recused_registry"] or 0, row["recused_last"] or 0
    return _why_en(row["reason_code"], row["needed"] or 0, active, reg, prev, row["at_capacity"] or 0,
                   row["available"] or 0, active - reg - prev)
