"""The planning configuration (warehouse/config/planning.toml): read, checked, and handed to the draw.

Nothing here draws: etl/planning/draw.py does, reading the values through `PlanningConfig`. A wrong
configuration is refused with a message naming the key, never guessed around. A plan stores the
configuration it was drawn with (`snapshot()`), so a stored plan can be re-drawn exactly
(`from_snapshot`) even after this file changes.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from warehouse.config_files import ConfigError, merge, need  # noqa: F401 (ConfigError re-exported)

TIERS = ("A", "B", "C", "D")
LOCALITIES = ("same_region", "same_city", "province", "elsewhere")
PACKAGED = "warehouse/config/planning.toml"


@dataclass(frozen=True)
class PlanningConfig:
    data: dict[str, Any]
    source: str

    # -- targets ---------------------------------------------------------------------------------
    def ratio(self, tier: str) -> float:
        return float(self.data["sampling"]["ratio"][tier])

    @property
    def due_in_period(self) -> bool:
        return bool(self.data["forced"]["due_in_period"])

    @property
    def silent_lookback_quarters(self) -> int:
        return int(self.data["silent"]["lookback_quarters"])

    @property
    def silent_share(self) -> float:
        return float(self.data["silent"]["share"])

    # -- inspectors ------------------------------------------------------------------------------
    @property
    def team_size(self) -> int:
        return int(self.data["team"]["size"])

    def capacity(self, inspector_id: str, months: float) -> int:
        """Visits the inspector may take in `months` months (a fraction when a plan starts late)."""
        per_quarter = self.data["team"].get("capacity_overrides", {}).get(
            inspector_id, self.data["team"]["capacity_per_quarter"])
        if per_quarter == 0:
            return 0
        return max(1, round(per_quarter * months / 3))

    def default_capacity(self, months: float) -> int:
        return max(1, round(self.data["team"]["capacity_per_quarter"] * months / 3))

    @property
    def previous_inspections(self) -> int:
        return int(self.data["recusal"]["previous_inspections"])

    @property
    def expertise_weight(self) -> float:
        return float(self.data["preference"]["expertise"])

    def locality_weight(self, level: str) -> float:
        return float(self.data["preference"]["locality"][level])

    def needed_expertise(self, service_types: list[str], classified: bool) -> list[str]:
        by_type = self.data["expertise"]["service_type"]
        needed = {e for t in service_types for e in by_type.get(t, [])}
        if classified:
            needed |= set(self.data["expertise"]["classified"])
        return sorted(needed)

    # -- windows and publication -----------------------------------------------------------------
    def window(self, key: str) -> int:
        return int(self.data["windows"][key])

    def public(self, key: str) -> str:
        return str(self.data["public"][key])

    # -- storage ---------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The whole configuration as plain data (stored with each plan)."""
        return copy.deepcopy(self.data)

    def with_overrides(self, **sections: dict[str, Any]) -> "PlanningConfig":
        """A copy with some keys replaced: `with_overrides(team={"capacity_per_quarter": 1})`."""
        data = copy.deepcopy(self.data)
        merge(data, sections)
        return PlanningConfig(checked(data), self.source + " (overridden)")


def _number(d: dict, path: str, *, lo: float | None = None, hi: float | None = None, whole: bool = False) -> float:
    value = need(d, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int)):
        raise ConfigError(f"{path} must be a {'whole ' if whole else ''}number")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"{'' if lo is None else f'≥ {lo}'}{' and ' if lo is not None and hi is not None else ''}" \
                 f"{'' if hi is None else f'≤ {hi}'}"
        raise ConfigError(f"{path} must be {bounds}")
    return value


def checked(data: dict) -> dict:
    """The configuration if every key is present and sensible; ConfigError naming the key if not."""
    ratios = need(data, "sampling.ratio")
    if set(ratios) != set(TIERS):
        raise ConfigError(f"sampling.ratio must name exactly the tiers {TIERS}")
    bands = data["sampling"].get("bands", {})
    for tier in TIERS:
        r = _number(data, f"sampling.ratio.{tier}", lo=0, hi=1)
        if tier in bands:
            band = bands[tier]
            if not (isinstance(band, list) and len(band) == 2 and 0 <= band[0] <= band[1] <= 1):
                raise ConfigError(f"sampling.bands.{tier} must be [low, high] within 0–1")
            if not band[0] <= r <= band[1]:
                raise ConfigError(f"sampling.ratio.{tier} = {r} is outside its band sampling.bands.{tier} = {band}")
    if not isinstance(need(data, "forced.due_in_period"), bool):
        raise ConfigError("forced.due_in_period must be true or false")
    _number(data, "silent.lookback_quarters", lo=0, whole=True)
    _number(data, "silent.share", lo=0, hi=1)
    _number(data, "team.size", lo=2, whole=True)
    _number(data, "team.capacity_per_quarter", lo=1, whole=True)
    overrides = data["team"].get("capacity_overrides", {})
    if not isinstance(overrides, dict):
        raise ConfigError("team.capacity_overrides must be a table of inspector_id = visits")
    for key in overrides:
        value = overrides[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"team.capacity_overrides.{key} must be a whole number ≥ 0")
    _number(data, "recusal.previous_inspections", lo=1, whole=True)
    _number(data, "preference.expertise", lo=0)
    for level in LOCALITIES:
        _number(data, f"preference.locality.{level}", lo=0.000001)
    classified = need(data, "expertise.classified")
    by_type = need(data, "expertise.service_type")
    for path, value in [("expertise.classified", classified),
                        *((f"expertise.service_type.{k}", v) for k, v in by_type.items())]:
        if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
            raise ConfigError(f"{path} must be a list of expertise names")
    _number(data, "windows.urgent_days", lo=1, whole=True)
    _number(data, "windows.due_lead_days", lo=0, whole=True)
    _number(data, "windows.min_days", lo=1, whole=True)
    for key in ("title", "check_item", "check_item_no_projects", "out_of_scope", "method_forced", "method_random"):
        if not isinstance(need(data, f"public.{key}"), str):
            raise ConfigError(f"public.{key} must be text")
    return data


def load(path: str | Path | None = None) -> PlanningConfig:
    """The configuration at `path`, or the packaged default."""
    if path is None:
        return default()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return PlanningConfig(checked(data), str(path))


def from_snapshot(data: dict[str, Any], source: str = "stored plan") -> PlanningConfig:
    """The configuration a stored plan was drawn with."""
    return PlanningConfig(checked(copy.deepcopy(data)), source)


@functools.lru_cache(maxsize=1)
def default() -> PlanningConfig:
    text = resources.files("warehouse").joinpath("config", "planning.toml").read_text(encoding="utf-8")
    return PlanningConfig(checked(tomllib.loads(text)), PACKAGED)
