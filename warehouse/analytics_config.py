"""The analytics configuration (warehouse/config/risk.toml): read, checked, and turned into the
small tables and parameters the mart SQL binds.

Nothing here decides a tier or a score: the SQL in warehouse/sql/marts/ does, reading the rules as
data (`cfg_tier_conditions`, `cfg_points`, `cfg_intervals`) and the scalars as `$name` parameters.
A wrong configuration is refused with a message naming the key, never guessed around.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from schemas.enums import SEVERITY_RANK
from schemas.values_en import SEVERITY_EN
from warehouse.config_files import ConfigError, merge, need  # noqa: F401 (ConfigError re-exported)

TIERS = ("A", "B", "C", "D")
TIER_ZH = {"A": "低", "B": "一般", "C": "较高", "D": "高"}
# As the English pages name the tiers (dashboards/i18n.py tier.*).
TIER_EN = {"A": "low", "B": "moderate", "C": "elevated", "D": "high"}
# The English texts a configuration without them gets (docs/analytics.md, docs/risk-method.md): a
# rule without reason_en shows its id; without default_reason_en the default tier says this.
DEFAULT_REASON_EN = "No tier rule holds"
# Risk order: higher is riskier.
TIER_RISK = {"A": 1, "B": 2, "C": 3, "D": 4}
GRADES = ("优秀", "良好", "合格", "不合格")
COMPONENTS = ("inspections", "evaluations", "incidents", "qualifications", "flags", "rectifications", "exposure")
COMPONENT_ZH = {"inspections": "检查结果", "evaluations": "服务评价", "incidents": "事件", "qualifications": "资质状态",
                "flags": "合规标记", "rectifications": "逾期整改", "exposure": "集中度"}

# signal -> (required parameters, optional parameters with defaults)
SIGNALS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "incident": (("min_severity", "months"), {}),
    "last_result": ((), {"grades": [], "veto": False}),
    "recent_results": (("count", "grades"), {}),
    "overdue_rectification": ((), {"days": 0}),
    "flag": (("codes",), {"active_only": False}),
    "qualification_expiring": (("days",), {}),
    "new_vendor": (("months",), {}),
}



@dataclass(frozen=True)
class AnalyticsConfig:
    data: dict[str, Any]
    source: str

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def fingerprint(self) -> str:
        """A hash of the configuration's content: a refresh under another configuration recomputes all."""
        return hashlib.sha256(json.dumps(self.data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]

    # -- scalars ---------------------------------------------------------------------------------

    def interval_months(self, tier: str) -> int:
        return int(self.data["organ_tiers"]["interval_months"][tier])

    @property
    def cut_points(self) -> dict[str, float]:
        """Lower bound of each tier, riskiest first (A has none)."""
        cuts = self.data["vendor_risk"]["cut_points"]
        return {t: float(cuts[t]) for t in ("D", "C", "B")}

    @property
    def max_points(self) -> dict[str, float]:
        return {c: float(self.data["vendor_risk"]["max_points"][c]) for c in COMPONENTS}

    def mart_params(self) -> dict[str, Any]:
        """Every scalar the mart SQL may bind, by its `$name`."""
        d = self.data
        ot, vr = d["organ_tiers"], d["vendor_risk"]
        mx = self.max_points
        params = {
            "default_tier": ot["default_tier"],
            "default_reason": ot["default_reason"],
            "default_reason_en": ot["default_reason_en"],
            "new_project_due_days": int(ot["new_project_due_days"]),
            "followup_days": int(ot["incident_followup_days"]),
            "followup_rank": SEVERITY_RANK[ot["incident_followup_min_severity"]],
            "followup_severity": ot["incident_followup_min_severity"],
            "followup_severity_en": SEVERITY_EN[ot["incident_followup_min_severity"]].lower(),
            "submission_quarters": int(d["windows"]["submission_quarters"]),
            "submission_due_days": int(d["submissions"]["due_days_after_quarter"]),
            "insp_lookback_months": int(vr["inspections"]["lookback_months"]),
            "no_inspection_share": float(vr["inspections"]["no_inspection_share"]),
            "eval_months": int(vr["evaluations"]["months"]),
            "eval_good": float(vr["evaluations"]["good"]),
            "eval_bad": float(vr["evaluations"]["bad"]),
            "inc_window_months": int(vr["incidents"]["window_months"]),
            "inc_half_life_days": float(vr["incidents"]["half_life_days"]),
            "qual_expiring_days": int(vr["qualifications"]["expiring_days"]),
            "qual_expiring": float(vr["qualifications"]["expiring"]),
            "qual_expired": float(vr["qualifications"]["expired"]),
            "qual_suspended": float(vr["qualifications"]["suspended"]),
            "qual_classified": float(vr["qualifications"]["classified_without_secrecy"]),
            "qual_none": float(vr["qualifications"]["none_registered"]),
            "flag_project_months": int(vr["flags"]["project_months"]),
            "rect_overdue": float(vr["rectifications"]["overdue"]),
            "rect_escalated": float(vr["rectifications"]["escalated"]),
            "escalation_days": int(d["rectifications"]["escalation_days"]),
            "rect_due_soon_days": int(d["rectifications"]["due_soon_days"]),
            "passing": list(d["grades"]["passing"]),
            "exp_organs_full": float(vr["exposure"]["organs_full"]),
            "exp_projects_full": float(vr["exposure"]["projects_full"]),
            "exp_share_full": float(vr["exposure"]["share_full"]),
            "exp_organs_points": float(vr["exposure"]["organs_points"]),
            "exp_projects_points": float(vr["exposure"]["projects_points"]),
            "exp_share_points": float(vr["exposure"]["share_points"]),
            "cut_d": self.cut_points["D"], "cut_c": self.cut_points["C"], "cut_b": self.cut_points["B"],
        }
        params.update({f"max_{c}": v for c, v in mx.items()})
        return params

    # -- tables ----------------------------------------------------------------------------------

    def tier_conditions(self) -> pl.DataFrame:
        """One row per condition of every rule: organ tier rules and vendor floors."""
        rows = []
        order = {t: i for i, t in enumerate(self.data["organ_tiers"]["order"], start=1)}
        for rule_set, kind, rules in (("organ_tier", "organ", self.data["organ_tiers"]["rules"]),
                                      ("vendor_floor", "vendor", self.data["vendor_risk"].get("floors", []))):
            for rule in rules:
                tier_order = order.get(rule["tier"], 0) if rule_set == "organ_tier" else 5 - TIER_RISK[rule["tier"]]
                for n, cond in enumerate(rule["when"], start=1):
                    rows.append({
                        "entity_kind": kind, "rule_set": rule_set, "rule_id": rule["id"], "tier": rule["tier"],
                        "tier_order": tier_order, "reason_zh": rule["reason"], "reason_en": rule["reason_en"],
                        "cond_no": n,
                        "signal": cond["signal"], "negate": bool(cond.get("negate", False)),
                        "severity_rank": SEVERITY_RANK.get(cond.get("min_severity", ""), None),
                        "months": cond.get("months"), "days": cond.get("days"), "count": cond.get("count"),
                        "grades": list(cond.get("grades", [])), "codes": list(cond.get("codes", [])),
                        "veto": bool(cond.get("veto", False)), "active_only": bool(cond.get("active_only", False)),
                    })
        schema = {"entity_kind": pl.String, "rule_set": pl.String, "rule_id": pl.String, "tier": pl.String,
                  "tier_order": pl.Int32, "reason_zh": pl.String, "reason_en": pl.String, "cond_no": pl.Int32, "signal": pl.String,
                  "negate": pl.Boolean, "severity_rank": pl.Int32, "months": pl.Int32, "days": pl.Int32,
                  "count": pl.Int32, "grades": pl.List(pl.String), "codes": pl.List(pl.String),
                  "veto": pl.Boolean, "active_only": pl.Boolean}
        return pl.DataFrame(rows, schema=schema)

    def intervals(self) -> pl.DataFrame:
        return pl.DataFrame({"tier": list(TIERS), "months": [self.interval_months(t) for t in TIERS]},
                            schema={"tier": pl.String, "months": pl.Int32})

    def points(self) -> pl.DataFrame:
        """Lookup tables of the score: kind, key, value."""
        vr = self.data["vendor_risk"]
        rows = [("grade_share", g, float(v)) for g, v in vr["inspections"]["grade_share"].items()]
        rows += [("recency_weight", str(i), float(w))
                 for i, w in enumerate(vr["inspections"]["recency_weights"], start=1)]
        rows += [("severity_points", s, float(v)) for s, v in vr["incidents"]["severity_points"].items()]
        rows += [("flag_points", c, float(v)) for c, v in vr["flags"]["points"].items()]
        rows += [("severity_rank", s, float(r)) for s, r in SEVERITY_RANK.items()]
        return pl.DataFrame(rows, schema={"kind": pl.String, "key": pl.String, "value": pl.Float64}, orient="row")

    def with_overrides(self, **sections: dict[str, Any]) -> "AnalyticsConfig":
        """A copy with some keys replaced (tests, what-if): `with_overrides(vendor_risk={"cut_points": {...}})`."""
        data = copy.deepcopy(self.data)
        merge(data, sections)
        return AnalyticsConfig(_checked(data, self.source), self.source + " (overridden)")


def _check_rule(rule: dict, where: str) -> None:
    for key in ("id", "tier", "reason", "when"):
        if key not in rule:
            raise ConfigError(f"{where}: missing key {key}")
    if rule["tier"] not in TIERS:
        raise ConfigError(f"{where} {rule['id']}: tier must be one of {TIERS}")
    _check_text(rule, "reason", f"{where} {rule['id']}")
    # English: optional (a deployment's own file may predate it); without it the rule id is shown
    rule.setdefault("reason_en", f"Rule {rule['id']}")
    _check_text(rule, "reason_en", f"{where} {rule['id']}")
    if not rule["when"]:
        raise ConfigError(f"{where} {rule['id']}: `when` needs at least one condition")
    for cond in rule["when"]:
        signal = cond.get("signal")
        if signal not in SIGNALS:
            raise ConfigError(f"{where} {rule['id']}: unknown signal {signal!r}; known: {sorted(SIGNALS)}")
        required, optional = SIGNALS[signal]
        for key in required:
            if key not in cond:
                raise ConfigError(f"{where} {rule['id']}: signal {signal} needs {key}")
        unknown = set(cond) - set(required) - set(optional) - {"signal", "negate"}
        if unknown:
            raise ConfigError(f"{where} {rule['id']}: signal {signal} does not take {sorted(unknown)}")
        if "min_severity" in cond and cond["min_severity"] not in SEVERITY_RANK:
            raise ConfigError(f"{where} {rule['id']}: min_severity must be one of {list(SEVERITY_RANK)}")
        for g in cond.get("grades", []):
            if g not in GRADES:
                raise ConfigError(f"{where} {rule['id']}: unknown grade {g!r}")
        for key in ("months", "days", "count"):
            if key in cond and (not isinstance(cond[key], int) or cond[key] < 0):
                raise ConfigError(f"{where} {rule['id']}: {key} must be a whole number ≥ 0")
    # Codes are free text (flag codes); grades/severity checked above.


def _check_text(section: dict, key: str, where: str) -> None:
    """A reason text: a string with something in it."""
    if not isinstance(section.get(key), str) or not section[key].strip():
        raise ConfigError(f"{where}: {key} must be a text")


def _checked(data: dict, source: str) -> dict:
    ot = need(data, "organ_tiers")
    if ot.get("default_tier") not in TIERS:
        raise ConfigError("organ_tiers.default_tier must be one of A, B, C, D")
    need(data, "organ_tiers.default_reason")
    _check_text(ot, "default_reason", "organ_tiers")
    ot.setdefault("default_reason_en", DEFAULT_REASON_EN)
    _check_text(ot, "default_reason_en", "organ_tiers")
    for t in TIERS:
        months = need(data, f"organ_tiers.interval_months.{t}")
        if not isinstance(months, int) or months <= 0:
            raise ConfigError(f"organ_tiers.interval_months.{t} must be a whole number of months > 0")
    order = need(data, "organ_tiers.order")
    if len(set(order)) != len(order) or not set(order) <= set(TIERS) or ot["default_tier"] in order:
        raise ConfigError("organ_tiers.order: distinct tiers, not including the default tier")
    for rule in need(data, "organ_tiers.rules"):
        _check_rule(rule, "organ_tiers.rules")
        if rule["tier"] not in order:
            raise ConfigError(f"organ_tiers.rules {rule['id']}: tier {rule['tier']} is not in organ_tiers.order")
    for rule in data.get("vendor_risk", {}).get("floors", []):
        _check_rule(rule, "vendor_risk.floors")
    ids = [r["id"] for r in ot["rules"]] + [r["id"] for r in data.get("vendor_risk", {}).get("floors", [])]
    if len(set(ids)) != len(ids):
        raise ConfigError("rule ids must be unique")
    if ot.get("incident_followup_min_severity") not in SEVERITY_RANK:
        raise ConfigError("organ_tiers.incident_followup_min_severity must be a severity")
    mx = need(data, "vendor_risk.max_points")
    if set(mx) != set(COMPONENTS):
        raise ConfigError(f"vendor_risk.max_points must name exactly {COMPONENTS}")
    if abs(sum(float(v) for v in mx.values()) - 100) > 1e-9:
        raise ConfigError("vendor_risk.max_points must sum to 100")
    cuts = [float(need(data, f"vendor_risk.cut_points.{t}")) for t in ("D", "C", "B")]
    if not cuts[0] > cuts[1] > cuts[2] > 0:
        raise ConfigError("vendor_risk.cut_points must fall: D > C > B > 0")
    share = need(data, "vendor_risk.inspections.grade_share")
    if set(share) != set(GRADES):
        raise ConfigError(f"vendor_risk.inspections.grade_share must name {GRADES}")
    if not need(data, "vendor_risk.inspections.recency_weights"):
        raise ConfigError("vendor_risk.inspections.recency_weights is empty")
    if set(need(data, "vendor_risk.incidents.severity_points")) != set(SEVERITY_RANK):
        raise ConfigError(f"vendor_risk.incidents.severity_points must name {list(SEVERITY_RANK)}")
    if float(need(data, "vendor_risk.evaluations.good")) <= float(need(data, "vendor_risk.evaluations.bad")):
        raise ConfigError("vendor_risk.evaluations: good must be above bad")
    for path in ("windows.trend_quarters", "windows.trend_years", "windows.submission_quarters",
                 "windows.schedule_due_soon_days",
                 "rectifications.due_soon_days", "rectifications.escalation_days",
                 "submissions.due_days_after_quarter", "grades.passing", "vendor_risk.flags.points",
                 "vendor_risk.qualifications.expiring_days", "vendor_risk.exposure.organs_full"):
        need(data, path)
    return data


def load(path: str | Path | None = None) -> AnalyticsConfig:
    """The configuration at `path`, or the packaged default (warehouse/config/risk.toml)."""
    if path is None:
        return default()
    path = Path(path)
    return AnalyticsConfig(_checked(tomllib.loads(path.read_text(encoding="utf-8")), str(path)), str(path))


_active: AnalyticsConfig | None = None
# The deployment's configuration file, when not the packaged default: every process (command line,
# web workers) reads it at start-up, so that loads, refreshes and pages use the same rules.
ENV_VAR = "OVERSIGHT_RISK_CONFIG"


def from_environment() -> AnalyticsConfig | None:
    """The configuration file named by OVERSIGHT_RISK_CONFIG (checked), or None when unset."""
    import os
    path = os.environ.get(ENV_VAR, "").strip()
    return load(path) if path else None


def set_active(config: AnalyticsConfig | None) -> None:
    """Use this configuration in this process (the loader's refresh and the query layer) until
    changed; None goes back to the packaged default. Called once at start-up by whoever resolved
    the configuration file (command line or app), never deep inside a module."""
    global _active
    _active = config


def active() -> AnalyticsConfig:
    return _active or default()


@functools.lru_cache(maxsize=1)
def default() -> AnalyticsConfig:
    text = resources.files("warehouse").joinpath("config", "risk.toml").read_text(encoding="utf-8")
    return AnalyticsConfig(_checked(tomllib.loads(text), "warehouse/config/risk.toml"), "warehouse/config/risk.toml")
