"""What would move a vendor to the next tier (SecurityScorecard's "score planner", CMS what-ifs).

Every lever is computed from the vendor's components and evidence as of the last refresh, one at a
time, everything else unchanged, with the same arithmetic as the mart SQL (docs/risk-method.md):
a component is the sum of its evidence kept between 0 and its maximum; the score is the sum of the
components; the tier comes from the cut-points, raised by any floor rule that holds.

Only advice is listed: a lever that would change the score by nothing (0.00 once rounded, e.g. a
component already at its maximum or already at the level needed) is left out, and so is one that
would take effect today or earlier (it is no change still to come). Floor rules are the exception:
they move the tier without moving the score. When the score is already in the target tier's range and
a floor holds the tier up, the floor's text says so first: no change of score alone moves the tier
then; the text ends with when the floor goes (its date is `available_on`). A floor is not enough on
its own while another floor outlasts removing its cause.
A floor's points_change is null (it changes no score, so the profile shows no "+0.00" beside it).
Points are given with two decimals, evaluation means with one (rounded up, so reaching the mean is
enough); dates are in `available_on`, not repeated in the text.

Each lever's text is written in Chinese (description_zh) and in English (description_en) side by
side; a text that quotes a piece of evidence quotes its detail_zh / detail_en, a floor its
floor_reason / floor_reason_en, and grades and severities are named in English from
schemas/values_en.py.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import polars as pl

from schemas.values_en import GRADE_EN, SEVERITY_EN
from warehouse import sqlfiles
from warehouse.analytics_config import COMPONENT_ZH, AnalyticsConfig
from warehouse.periods import add_months, date_text

LOWER = {"D": "C", "C": "B", "B": "A"}
HIGHER = {"A": "B", "B": "C", "C": "D"}

SCHEMA = {"direction": pl.String, "current_tier": pl.String, "target_tier": pl.String, "score": pl.Float64,
          "points_needed": pl.Float64, "lever": pl.String, "component": pl.String, "description_zh": pl.String,
          "description_en": pl.String, "points_change": pl.Float64, "sufficient": pl.Boolean, "available_on": pl.Date}


@dataclass
class _Vendor:
    code: str
    score: float
    tier: str
    score_tier: str
    floor_tier: str | None
    floor_reason: str | None
    floor_reason_en: str | None
    points: dict[str, float]
    as_of: dt.date


def _capped(raw: float, maximum: float) -> float:
    return round(max(0.0, min(raw, maximum)), 2)


def _tier_of(score: float, cuts: dict[str, float]) -> str:
    for tier in ("D", "C", "B"):
        if score >= cuts[tier]:
            return tier
    return "A"


def _load(con, vendor_code: str) -> tuple[_Vendor, pl.DataFrame]:
    row = con.sql("SELECT * FROM mart_vendor_risk WHERE vendor_code = $v", params={"v": vendor_code}).pl()
    if not row.height:
        raise KeyError(f"no such vendor: {vendor_code}")
    r = row.row(0, named=True)
    # the English reason is NULL until a refresh has composed it (migrations/0008): the Chinese one then
    v = _Vendor(vendor_code, float(r["score"]), r["tier"], r["score_tier"], r["floor_tier"], r["floor_reason"],
                r.get("floor_reason_en") or r["floor_reason"],
                {c: float(r[f"pts_{c}"]) for c in COMPONENT_ZH}, r["as_of"])
    evidence = sqlfiles.query(con, "queries", "vendor_risk_evidence.sql", {"vendor": vendor_code, "component": None}).pl()
    return v, evidence


def _recent_grades(con, vendor_code: str, as_of: dt.date, cfg: AnalyticsConfig) -> list[str]:
    n = len(cfg["vendor_risk"]["inspections"]["recency_weights"])
    months = int(cfg["vendor_risk"]["inspections"]["lookback_months"])
    rows = con.sql(
        "SELECT grade FROM mart_inspections WHERE vendor_code = $v AND grade IS NOT NULL AND inspected_on <= $d "
        "AND inspected_on > ($d - to_months($m))::DATE ORDER BY inspected_on DESC, inspection_code DESC LIMIT $n",
        params={"v": vendor_code, "d": as_of, "m": months, "n": n}).fetchall()
    return [g for (g,) in rows]


def _inspection_points(grades: list[str], cfg: AnalyticsConfig) -> float:
    vr = cfg["vendor_risk"]
    maximum = cfg.max_points["inspections"]
    if not grades:
        return _capped(maximum * float(vr["inspections"]["no_inspection_share"]), maximum)
    weights = [float(w) for w in vr["inspections"]["recency_weights"]][:len(grades)]
    share = vr["inspections"]["grade_share"]
    return _capped(sum(maximum * w / sum(weights) * float(share[g]) for w, g in zip(weights, grades)), maximum)


def _incident_points(incidents: list[tuple[dt.date, float]], day: dt.date, cfg: AnalyticsConfig) -> float:
    """The incident component on `day` for incidents (occurred_on, base points)."""
    inc = cfg["vendor_risk"]["incidents"]
    half_life, months = float(inc["half_life_days"]), int(inc["window_months"])
    raw = sum(base * 0.5 ** ((day - occurred).days / half_life) for occurred, base in incidents
              if occurred <= day and occurred > add_months(day, -months))
    return _capped(raw, cfg.max_points["incidents"])


def _floor_lift(con, vendor_code: str, cfg: AnalyticsConfig
                ) -> tuple[dt.date | None, bool, list[tuple[str, str, dt.date]]]:
    """The date from which no floor rule holds (when they all hold through incidents in a window),
    whether every floor that holds lifts with time alone, and the floors that do: (reason, English
    reason, the day it no longer holds), in rule order."""
    hits = con.sql("SELECT rule_id, evidence FROM mart_tier_rule_hits WHERE entity_kind = 'vendor' "
                   "AND rule_set = 'vendor_floor' AND entity_code = $v ORDER BY rule_id",
                   params={"v": vendor_code}).fetchall()
    rules = {r["id"]: r for r in cfg["vendor_risk"].get("floors", [])}
    lift: dt.date | None = None
    timed = True
    ends: list[tuple[str, str, dt.date]] = []
    for rule_id, evidence in hits:
        conds = rules.get(rule_id, {}).get("when", [])
        incident = [c for c in conds if c["signal"] == "incident" and not c.get("negate")]
        if not incident or len(conds) != 1:
            timed = False
            continue
        dates = con.sql("SELECT max(occurred_at)::DATE FROM incidents WHERE list_contains($codes, incident_code)",
                        params={"codes": list(evidence)}).fetchall()[0][0]
        if dates is None:
            timed = False
            continue
        day = add_months(dates, int(incident[0]["months"]))
        lift = day if lift is None or day > lift else lift
        rule = rules[rule_id]
        ends.append((rule["reason"], rule.get("reason_en") or rule["reason"], day))
    return lift, timed, ends


def next_tier(con, vendor_code: str, *, today: dt.date | None, config: AnalyticsConfig) -> pl.DataFrame:
    cfg = config
    v, evidence = _load(con, vendor_code)
    as_of = today or v.as_of
    cuts, mx = cfg.cut_points, cfg.max_points
    vr = cfg["vendor_risk"]
    rows: list[dict] = []

    def raw_of(component: str) -> float:
        return float(evidence.filter(pl.col("component") == component)["raw_points"].sum())

    def add(direction, target, needed, lever, component, text, text_en, change, available_on=None,
            sufficient=None, floor=False):
        change = round(change, 2) + 0.0                         # + 0.0: no −0.0
        if not floor and (change == 0 or (available_on is not None and available_on <= as_of)):
            return                                              # no change, or none still to come: no advice
        if floor:
            change = None                                       # a floor moves the tier, not the score
        if sufficient is None:
            new_tier = _tier_of(round(v.score + change, 2), cuts)
            if direction == "lower":
                sufficient = new_tier <= target and not (v.floor_tier and v.floor_tier > target)
            else:
                sufficient = new_tier >= target
        rows.append({"direction": direction, "current_tier": v.tier, "target_tier": target, "score": v.score,
                     "points_needed": needed, "lever": lever, "component": component, "description_zh": text,
                     "description_en": text_en, "points_change": change, "sufficient": bool(sufficient),
                     "available_on": available_on})

    incidents = [(r["evidence_on"], r["raw_points"] / r["factor"])
                 for r in evidence.filter(pl.col("component") == "incidents").iter_rows(named=True) if r["factor"]]
    grades = _recent_grades(con, vendor_code, v.as_of, cfg)
    keep = len(vr["inspections"]["recency_weights"]) - 1

    # -- down: toward A ------------------------------------------------------------------------------
    if v.tier in LOWER:
        target = LOWER[v.tier]
        needed = -max(0.0, round(v.score - cuts[v.tier] + 0.01, 2)) if v.score_tier > target else 0.0
        d = "lower"
        if v.floor_tier and v.floor_tier > target:
            lift, timed, ends = _floor_lift(con, vendor_code, cfg)
            timed = bool(lift and timed)
            held = f"Held at tier {v.floor_tier} by a floor rule: {v.floor_reason_en}"
            if timed and lift <= as_of:     # the window has ended since the last refresh
                text = f"底线规则将其定为{v.floor_tier}级：{v.floor_reason}；其期限已届满，下次刷新后不再适用"
                text_en = held + "; its window has ended, so it no longer applies after the next refresh"
                lift = None
            else:
                text = f"底线规则将其定为{v.floor_tier}级：{v.floor_reason}" + (
                    "；如无新情况，到期后不再适用" if timed else "；须先消除该情形")
                text_en = held + ("; unless something new happens, it no longer applies when its window ends"
                                  if timed else "; its cause must be removed first")
                # another floor lifts with time alone: removing the cause is not enough before its day
                for reason, reason_en, day in ([] if timed else ends):
                    if day > as_of:
                        text += f"；“{reason}”一项到{date_text(day)}才不再适用"
                        text_en += f"; “{reason_en}” applies until {day:%Y-%m-%d}"
            # a floor that outlasts removing this one's cause: nothing alone moves the tier before it ends
            outlasted = not timed and any(day > as_of for _reason, _reason_en, day in ends)
            if v.score_tier <= target:      # the score is not what holds the tier
                # said first, so that the text ends with when the floor goes (the page dates that end)
                text = f"风险分{v.score:.2f}已在{target}级范围，分数再降也不会改变等级；" + text
                text_en = (f"Risk score {v.score:.2f} is in tier {target}'s range already, so a lower score does "
                           f"not change the tier; h" + text_en[1:])
            add(d, target, needed, "floor", None, text, text_en, 0.0, lift if timed else None,
                sufficient=v.score_tier <= target and not outlasted, floor=True)
        if v.points["rectifications"] > 0:
            n = evidence.filter(pl.col("component") == "rectifications").height
            add(d, target, needed, "close_rectifications", "rectifications",
                f"完成全部{n}项逾期整改并经复查通过",
                f"Complete all {n} overdue rectifications and pass the re-inspection" if n > 1 else
                "Complete the overdue rectification and pass the re-inspection", -v.points["rectifications"])
        for component in ("qualifications", "flags"):
            raw = raw_of(component)
            for r in evidence.filter(pl.col("component") == component).iter_rows(named=True):
                change = _capped(raw - r["raw_points"], mx[component]) - v.points[component]
                if change < 0:
                    add(d, target, needed, f"resolve_{r['evidence_kind']}", component, _fix_text(r),
                        _fix_text_en(r), change)
        fixes = v.points["rectifications"] + v.points["qualifications"] + v.points["flags"]
        if fixes > 0:
            add(d, target, needed, "all_fixes", None, "以上整改、资质、合规问题全部纠正",
                "Correct all of the rectification, qualification and compliance problems above", -fixes)
        for grade in ("优秀", "良好"):
            change = _inspection_points([grade] + grades[:keep], cfg) - v.points["inspections"]
            if change < 0:
                add(d, target, needed, f"next_inspection_{grade}", "inspections",
                    f"下一次检查结论为{grade}（检查结果分项由{v.points['inspections']:.2f}变为"
                    f"{v.points['inspections'] + change:.2f}）",
                    f"Next inspection graded {GRADE_EN[grade]} (the inspections component goes from "
                    f"{v.points['inspections']:.2f} to {v.points['inspections'] + change:.2f})", change)
        if v.points["evaluations"] > 0:
            good, bad = float(vr["evaluations"]["good"]), float(vr["evaluations"]["bad"])
            mean = good - raw_of("evaluations") * (good - bad) / mx["evaluations"]
            goal = max(0.0, v.points["evaluations"] + needed)  # needed ≤ 0
            # the mean to reach, to one decimal, rounded up (so reaching it is enough), and what it gives
            target_mean = min(good, math.ceil(round((good - goal * (good - bad) / mx["evaluations"]) * 10, 6)) / 10)
            points = _capped(mx["evaluations"] * (good - target_mean) / (good - bad), mx["evaluations"])
            if target_mean > round(mean, 1):
                add(d, target, needed, "better_evaluations", "evaluations",
                    f"服务评价均分由{mean:.1f}提高到{target_mean:.1f}",
                    f"Raise the mean service evaluation from {mean:.1f} to {target_mean:.1f}",
                    points - v.points["evaluations"])
        if v.points["incidents"] > 0:
            goal = v.points["incidents"] + needed
            last = max(o for o, _b in incidents)
            end = add_months(last, int(vr["incidents"]["window_months"])) + dt.timedelta(days=1)
            day, found = as_of, None
            while day <= end:
                if _incident_points(incidents, day, cfg) <= goal + 1e-9:
                    found = day
                    break
                day += dt.timedelta(days=1)
            if found is None:
                found = end
            change = _incident_points(incidents, found, cfg) - v.points["incidents"]
            add(d, target, needed, "incident_decay", "incidents",
                f"如无新事件，事件分项随时间衰减至{v.points['incidents'] + change:.2f}",
                f"With no new incident, the incidents component decays to {v.points['incidents'] + change:.2f}",
                change, found)

    # -- up: toward D ----------------------------------------------------------------------------------
    if v.tier in HIGHER:
        target = HIGHER[v.tier]
        needed = max(0.0, round(cuts[target] - v.score, 2))
        d = "higher"
        raw_inc = raw_of("incidents")
        for severity, base in vr["incidents"]["severity_points"].items():
            change = _capped(raw_inc + float(base), mx["incidents"]) - v.points["incidents"]
            add(d, target, needed, f"new_incident_{severity}", "incidents", f"新发生一起{severity}事件",
                f"A new {_severity_en(severity)} incident", change)
        for grade in ("不合格", "合格"):
            change = _inspection_points([grade] + grades[:keep], cfg) - v.points["inspections"]
            if change > 0:
                add(d, target, needed, f"next_inspection_{grade}", "inspections",
                    f"下一次检查结论为{grade}（检查结果分项由{v.points['inspections']:.2f}变为"
                    f"{v.points['inspections'] + change:.2f}）",
                    f"Next inspection graded {GRADE_EN[grade]} (the inspections component goes from "
                    f"{v.points['inspections']:.2f} to {v.points['inspections'] + change:.2f})", change)
        raw_q = raw_of("qualifications")
        step = float(vr["qualifications"]["expired"]) - float(vr["qualifications"]["expiring"])
        for r in evidence.filter(pl.col("evidence_kind") == "expiring").iter_rows(named=True):
            change = _capped(raw_q + step, mx["qualifications"]) - v.points["qualifications"]
            add(d, target, needed, "qualification_lapses", "qualifications",
                f"{r['detail_zh']}，到期未续", f"{r['detail_en']} and is not renewed", change,
                r["evidence_on"] + dt.timedelta(days=1))
        change = _capped(raw_of("rectifications") + float(vr["rectifications"]["overdue"]),
                         mx["rectifications"]) - v.points["rectifications"]
        add(d, target, needed, "rectification_overdue", "rectifications", "再有一项整改逾期",
            "One more rectification becomes overdue", change)
        for rule in vr.get("floors", []):
            if rule["tier"] >= target:
                add(d, target, needed, f"floor_{rule['id']}", None,
                    f"若出现“{rule['reason']}”，按底线规则直接定为{rule['tier']}级",
                    f"Should “{rule.get('reason_en') or rule['reason']}” happen, a floor rule sets tier "
                    f"{rule['tier']} outright", 0.0, sufficient=True, floor=True)

    return pl.DataFrame(rows, schema=SCHEMA)


def _fix_text(r: dict) -> str:
    kind, detail = r["evidence_kind"], r["detail_zh"]
    return {
        "suspended": f"恢复证书有效状态（{detail}）",
        "expired": f"重新取得有效证书（{detail}）",
        "expiring": f"到期前完成续证（{detail}）",
        "classified_without_secrecy": f"取得国家秘密载体印制资质，或将涉密项目移交有资质的服务机构（{detail}）",
        "none_registered": "登记有效的资质证书（如档案服务企业备案、信息安全管理体系认证）",
    }.get(kind, f"纠正：{detail}")


def _fix_text_en(r: dict) -> str:
    """_fix_text in English."""
    kind, detail = r["evidence_kind"], r.get("detail_en") or r["detail_zh"]
    return {
        "suspended": f"Have the certificate restored to valid — {detail}",
        "expired": f"Obtain a valid certificate again — {detail}",
        "expiring": f"Renew the certificate before it expires — {detail}",
        "classified_without_secrecy": "Obtain a state-secret carrier printing licence, or hand the classified "
                                      f"project to a licensed vendor — {detail}",
        "none_registered": "Register a valid qualification certificate (such as an archive service filing or an "
                           "ISMS certification)",
    }.get(kind, f"Correct the finding — {detail}")


def _severity_en(severity: str) -> str:
    """A severity within a sentence: lower case, as in 14_organ_schedule.sql's texts."""
    return SEVERITY_EN.get(severity, severity).lower()
