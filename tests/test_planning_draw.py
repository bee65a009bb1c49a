"""The 双随机 draw (etl/planning/draw.py) on synthetic and hand-made registries: over many seeds the
sampling ratios hold, recusal and capacity are never violated, forced inclusions are always in, the
same seed gives the same plan; and the impossible cases give a partial plan that says why, in
Chinese."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.planning import config as planning_config
from etl.planning.config import ConfigError
from etl.planning.draw import Period, PlanError, PlanInputs, draw, lottery, quota
from tests.planning_registry import PERIOD, TODAY, inspectors_frame, organs_frame, synthetic

CFG = planning_config.default()


def check_rules(inputs: PlanInputs, result, cfg=CFG, period: Period = PERIOD, today: dt.date = TODAY) -> None:
    """Every rule of issue 5 point 1–5 that must hold for any seed."""
    inspectors = {r["inspector_id"]: r for r in inputs.inspectors.iter_rows(named=True)}
    last_names: dict[str, set[str]] = {}
    for t in inputs.last_teams.iter_rows(named=True):
        last_names.setdefault(t["organ_code"], set()).update(t["inspector_names"])
    team: dict[int, list[dict]] = {}
    for t in result.team.iter_rows(named=True):
        team.setdefault(t["visit_no"], []).append(t)
    unstaffed = {u["visit_no"]: u for u in result.unstaffed.iter_rows(named=True)}
    for v in result.visits.iter_rows(named=True):
        members = team.get(v["visit_no"], [])
        if v["status"] == "staffed":
            ids = [m["inspector_id"] for m in members]
            assert len(ids) == len(set(ids)) == cfg.team_size, v
            for i in ids:
                person = inspectors[i]
                assert person["active"], (v["organ_code"], i)
                assert v["organ_code"] not in person["recusal_organ_codes"], ("registry recusal", v["organ_code"], i)
                assert person["inspector_name"] not in last_names.get(v["organ_code"], set()), ("last time", i)
            assert v["visit_no"] not in unstaffed
        else:
            assert v["status"] == "unstaffed" and not members
            why = unstaffed[v["visit_no"]]
            assert why["available"] < cfg.team_size and "未派员" in why["reason_zh"]
        assert period.start <= v["window_start"] <= v["window_end"] <= period.end
        assert v["window_start"] >= today
    load = Counter(t["inspector_id"] for t in result.team.iter_rows(named=True))
    for inspector_id, n in load.items():
        assert n <= cfg.capacity(inspector_id, period.months), inspector_id
    chosen = set(result.visits["organ_code"])
    start = max(period.start, today)
    for o in inputs.organs.iter_rows(named=True):
        dues = [d for d in (o["tier_due_on"], o["project_due_on"]) if d is not None and d <= period.end
                and (d < start or cfg.due_in_period)]
        if o["followup_due_on"] is not None or dues:
            assert o["organ_code"] in chosen, ("forced", o["organ_code"])
    assert result.visits.filter(pl.col("selection") == "forced").height == sum(
        1 for o in inputs.organs.iter_rows(named=True)
        if o["followup_due_on"] is not None or any(d is not None and d <= period.end
                                                    for d in (o["tier_due_on"], o["project_due_on"])))


def test_over_200_seeds_ratios_hold_and_no_rule_is_ever_broken():
    inputs = synthetic(180, 32)
    tiers = dict(inputs.organs.select("organ_code", "tier").iter_rows())
    silent = set(inputs.silent["organ_code"])
    seeds = range(200)
    drawn_by_tier: Counter = Counter()
    expected_by_tier: Counter = Counter()
    hits: Counter = Counter()
    pools: dict[str, set[str]] = {}
    silent_hits: Counter = Counter()
    for seed in seeds:
        result = draw(inputs, PERIOD, TODAY, seed, CFG)
        check_rules(inputs, result)
        for s in result.strata.iter_rows(named=True):
            # randomised rounding: the count is ratio × pool rounded down or up, never further off
            assert abs(s["drawn"] - s["ratio"] * s["pool"]) < 1
            drawn_by_tier[s["stratum"]] += s["drawn"]
            expected_by_tier[s["stratum"]] += s["ratio"] * s["pool"]
        sample = result.visits.filter(pl.col("selection") == "tier_sample")
        forced = set(result.visits.filter(pl.col("selection") == "forced")["organ_code"])
        for code in sample["organ_code"]:
            hits[code] += 1
        for code in set(tiers) - forced:
            pools.setdefault(tiers[code], set()).add(code)
        for code in silent & set(result.visits["organ_code"]):
            silent_hits[code] += 1
    for stratum, expected in expected_by_tier.items():
        # over 200 seeds the counts average out to exactly ratio × pool (tolerance: 0.15 per draw)
        assert abs(drawn_by_tier[stratum] - expected) <= 0.15 * len(seeds), stratum
    for tier, members in pools.items():
        ratio = CFG.ratio(tier)
        freq = [hits[c] / len(seeds) for c in members]
        assert abs(sum(freq) / len(freq) - ratio) < 0.02, tier  # the share of the tier drawn ≈ its ratio
        if 0 < ratio < 1:  # and every organ has its chance: none is never or always drawn
            assert min(freq) > 0 and max(freq) < 1, tier
            assert max(freq) - min(freq) < 8 * (ratio * (1 - ratio) / len(seeds)) ** 0.5 * 2, tier
        if ratio == 1:
            assert min(freq) == 1
    # not reporting never lowers the chance of a check: a silent organ is drawn at least as often as its tier
    for code in silent:
        assert silent_hits[code] / len(seeds) >= CFG.ratio(tiers[code]) - 0.1, code


def test_over_100_seeds_with_capacity_short_visits_go_unstaffed_and_no_rule_is_broken():
    inputs = synthetic(100, 12, seed=2)
    cfg = CFG.with_overrides(team={"capacity_per_quarter": 3})
    short = 0
    for seed in range(100):
        result = draw(inputs, PERIOD, TODAY, seed, cfg)
        check_rules(inputs, result, cfg)
        short += result.unstaffed.height
        assert result.team.height <= result.workload["capacity"].sum()
        for u in result.unstaffed.iter_rows(named=True):
            assert u["available"] < cfg.team_size
            assert u["active"] - u["recused_registry"] - u["recused_last"] - u["at_capacity"] == u["available"]
    assert short > 0  # the case is really short of capacity


def test_same_seed_same_plan_whatever_the_row_order_and_another_seed_another_plan():
    inputs = synthetic(120, 25, seed=3)
    first = draw(inputs, PERIOD, TODAY, 42, CFG)
    shuffled = PlanInputs.of(**{name: frame.sample(fraction=1.0, shuffle=True, seed=9)
                                for name, frame in inputs.frames().items()})
    again = draw(shuffled, PERIOD, TODAY, 42, CFG)
    assert again.inputs_sha256 == first.inputs_sha256
    assert again.result_sha256 == first.result_sha256
    assert again.visits.equals(first.visits) and again.team.equals(first.team)
    assert PlanInputs.from_json(inputs.to_json()).sha256 == inputs.sha256
    other = draw(inputs, PERIOD, TODAY, 43, CFG)
    assert other.result_sha256 != first.result_sha256
    # forced visits do not depend on the seed
    forced = lambda r: set(r.visits.filter(pl.col("selection") == "forced")["organ_code"])  # noqa: E731
    assert forced(first) == forced(other)


def test_the_lottery_and_the_quota():
    assert lottery(7, "tier:B", "X") == lottery(7, "tier:B", "X") != lottery(8, "tier:B", "X")
    assert 0 < lottery(0, "a") < 1
    assert quota(1.0, 5, 0.99) == 5 and quota(0.0, 5, 0.0) == 0
    assert quota(0.1, 25, 0.49) == 3 and quota(0.1, 25, 0.51) == 2  # 2.5: up when u < 0.5
    assert quota(0.03, 10, 0.2) == 1 and quota(0.03, 10, 0.4) == 0  # small tiers still get sampled


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_organs=st.integers(1, 25), n_inspectors=st.integers(0, 7), seed=st.integers(0, 2 ** 40),
       capacity=st.integers(1, 3), data=st.data())
def test_any_small_registry_gives_a_plan_that_breaks_no_rule(n_organs, n_inspectors, seed, capacity, data):
    codes = [f"O{i:02d}" for i in range(n_organs)]
    organs = organs_frame([{
        "organ_code": c, "tier": data.draw(st.sampled_from("ABCD")),
        "followup_due_on": data.draw(st.sampled_from([None, None, dt.date(2026, 1, 15)])),
        "tier_due_on": data.draw(st.sampled_from([None, dt.date(2025, 6, 1), dt.date(2026, 3, 1), dt.date(2027, 1, 1)])),
    } for c in codes])
    names = [f"人{i}" for i in range(n_inspectors)]
    inspectors = inspectors_frame([{
        "inspector_id": f"I{i}", "inspector_name": names[i], "active": data.draw(st.booleans()),
        "recusal_organ_codes": data.draw(st.lists(st.sampled_from(codes), max_size=3)),
        "expertise": data.draw(st.lists(st.sampled_from(["数字化", "保密"]), max_size=2)),
    } for i in range(n_inspectors)]) if n_inspectors else inspectors_frame([]).select(
        pl.lit(None, pl.String).alias("inspector_id"))
    last = pl.DataFrame([{"organ_code": c, "inspection_code": f"J{c}", "inspected_on": dt.date(2025, 1, 1),
                          "inspector_names": data.draw(st.lists(st.sampled_from(names), max_size=2)) if names else []}
                         for c in codes], schema_overrides={"inspector_names": pl.List(pl.String)})
    inputs = PlanInputs.of(organs=organs, inspectors=inspectors.filter(pl.col("inspector_id").is_not_null()),
                           last_teams=last)
    cfg = CFG.with_overrides(team={"capacity_per_quarter": capacity})
    result = draw(inputs, PERIOD, TODAY, seed, cfg)
    check_rules(inputs, result, cfg)
    assert draw(inputs, PERIOD, TODAY, seed, cfg).result_sha256 == result.result_sha256


# -- hand-made cases -------------------------------------------------------------------------------

def one_forced_organ(**over) -> pl.DataFrame:
    return organs_frame([{"organ_code": "ORG-A", "followup_due_on": dt.date(2026, 1, 15),
                          "followup_incident_code": "SJ-1", **over}])


def test_registry_recusal_is_respected_for_every_seed():
    inspectors = inspectors_frame([{"inspector_id": "I1", "recusal_organ_codes": ["ORG-A"]},
                                   {"inspector_id": "I2"}, {"inspector_id": "I3"}])
    inputs = PlanInputs.of(organs=one_forced_organ(), inspectors=inspectors)
    for seed in range(50):
        result = draw(inputs, PERIOD, TODAY, seed, CFG)
        assert sorted(result.team["inspector_id"]) == ["I2", "I3"]


def test_whoever_inspected_the_organ_last_time_recuses_even_with_a_shared_name():
    inspectors = inspectors_frame([{"inspector_id": "I1", "inspector_name": "张伟"},
                                   {"inspector_id": "I2", "inspector_name": "张伟"},  # same name, other person
                                   {"inspector_id": "I3", "inspector_name": "李娜"},
                                   {"inspector_id": "I4", "inspector_name": "王芳"},
                                   {"inspector_id": "I5", "inspector_name": "刘洋"}])
    last = pl.DataFrame({"organ_code": ["ORG-A"], "inspection_code": ["JC-1"], "inspected_on": [dt.date(2025, 5, 1)],
                         "inspector_names": [["张伟", "李娜"]]})
    inputs = PlanInputs.of(organs=one_forced_organ(), inspectors=inspectors, last_teams=last)
    for seed in range(50):
        result = draw(inputs, PERIOD, TODAY, seed, CFG)
        assert sorted(result.team["inspector_id"]) == ["I4", "I5"]
    only_two = PlanInputs.of(organs=one_forced_organ(), inspectors=inspectors.head(4), last_teams=last)
    result = draw(only_two, PERIOD, TODAY, 1, CFG)
    why = result.unstaffed.row(0, named=True)
    assert why["reason_code"] == "ALL_RECUSED" and (why["recused_last"], why["available"]) == (3, 1)
    assert why["reason_zh"] == "在岗4名检查人员中3名须回避（3名参加过该机关上次检查），仅余1名，" \
                               "每次检查须至少2名检查人员，本次检查暂未派员"


def test_everyone_recused_gives_a_partial_plan_that_says_why():
    organs = organs_frame([{"organ_code": "ORG-A", "followup_due_on": dt.date(2026, 1, 15)},
                           {"organ_code": "ORG-B", "followup_due_on": dt.date(2026, 1, 15)}])
    inspectors = inspectors_frame([{"inspector_id": "I1", "recusal_organ_codes": ["ORG-A"]},
                                   {"inspector_id": "I2", "recusal_organ_codes": ["ORG-A"]},
                                   {"inspector_id": "I3", "active": False}])
    result = draw(PlanInputs.of(organs=organs, inspectors=inspectors), PERIOD, TODAY, 5, CFG)
    visits = {v["organ_code"]: v for v in result.visits.iter_rows(named=True)}
    assert visits["ORG-A"]["status"] == "unstaffed" and visits["ORG-B"]["status"] == "staffed"
    assert sorted(result.team["inspector_id"]) == ["I1", "I2"]  # the inactive one is never drawn
    why = result.unstaffed.row(0, named=True)
    assert why["reason_code"] == "ALL_RECUSED"
    assert why["reason_zh"] == "在岗2名检查人员均须回避（2名在回避名单中），每次检查须至少2名检查人员，本次检查暂未派员"
    assert visits["ORG-A"]["notes_zh"] == why["reason_zh"]


def test_too_few_inspectors_leaves_every_visit_unstaffed_rather_than_sending_one():
    organs = organs_frame([{"organ_code": f"ORG-{c}", "followup_due_on": dt.date(2026, 1, 15)} for c in "ABC"])
    inspectors = inspectors_frame([{"inspector_id": "I1"}, {"inspector_id": "I2", "active": False}])
    result = draw(PlanInputs.of(organs=organs, inspectors=inspectors), PERIOD, TODAY, 5, CFG)
    assert result.team.height == 0 and result.unstaffed.height == 3
    assert set(result.unstaffed["reason_code"]) == {"TOO_FEW_INSPECTORS"}
    assert result.unstaffed["reason_zh"][0] == "检查人员名录中在岗人员仅1名，每次检查须至少2名检查人员，本次检查暂未派员"
    assert result.workload.row(0, named=True)["assigned"] == 0


def test_capacity_is_never_exceeded_and_forced_visits_are_staffed_first():
    organs = organs_frame([{"organ_code": "ORG-F", "tier": "A", "followup_due_on": dt.date(2026, 1, 15)},
                           {"organ_code": "ORG-D1", "tier": "D"}, {"organ_code": "ORG-D2", "tier": "D"}])
    inspectors = inspectors_frame([{"inspector_id": f"I{i}"} for i in range(3)])
    cfg = CFG.with_overrides(team={"capacity_per_quarter": 1, "capacity_overrides": {"I2": 2}})
    for seed in range(30):
        result = draw(PlanInputs.of(organs=organs, inspectors=inspectors), PERIOD, TODAY, seed, cfg)
        check_rules(PlanInputs.of(organs=organs, inspectors=inspectors), result, cfg)
        visits = {v["organ_code"]: v for v in result.visits.iter_rows(named=True)}
        assert visits["ORG-F"]["status"] == "staffed"  # the follow-up, though tier A, goes first
        assert sorted(v["status"] for c, v in visits.items() if c != "ORG-F") == ["staffed", "unstaffed"]
        why = result.unstaffed.row(0, named=True)
        assert why["reason_code"] == "CAPACITY"
        # 4 seats for 3 visits of 2: whoever the follow-up drew, one visit is left without a team
        if why["available"] == 1:
            assert why["reason_zh"] == ("未回避的3名检查人员中2名本期检查任务已满，可派1名，"
                                        "每次检查须至少2名检查人员，本次检查暂未派员")
        else:
            assert why["reason_zh"] == "未回避的3名检查人员本期检查任务均已满，每次检查须至少2名检查人员，本次检查暂未派员"
        assigned = dict(result.workload.select("inspector_id", "assigned").iter_rows())
        assert all(assigned[i] <= c for i, c in {"I0": 1, "I1": 1, "I2": 2}.items())


def test_a_capacity_for_the_period_scales_with_its_length():
    assert CFG.capacity("x", 3) == 6 and CFG.capacity("x", 12) == 24 and CFG.capacity("x", 1) == 2
    cfg = CFG.with_overrides(team={"capacity_overrides": {"x": 0}})
    assert cfg.capacity("x", 12) == 0 and cfg.capacity("y", 12) == 24


def test_expertise_is_preferred_for_the_first_seat_and_locality_weighs_the_draw():
    organs = organs_frame([{"organ_code": "ORG-A", "region_code": "330102", "followup_due_on": dt.date(2026, 1, 15)}])
    projects = pl.DataFrame({"organ_code": ["ORG-A"], "project_code": ["P1"], "vendor_code": ["V"],
                             "service_type": ["传统载体档案数字化"], "involves_classified": [True],
                             "start_on": [dt.date(2025, 6, 1)]})
    inspectors = inspectors_frame(
        [{"inspector_id": "SECRET", "region_code": "330300", "expertise": ["保密"]}]
        + [{"inspector_id": f"L{i}", "region_code": "330100", "expertise": ["整理"]} for i in range(3)]
        + [{"inspector_id": f"F{i}", "region_code": "330500", "expertise": ["整理"]} for i in range(6)])
    inputs = PlanInputs.of(organs=organs, inspectors=inspectors, projects=projects)
    local = 0
    for seed in range(200):
        result = draw(inputs, PERIOD, TODAY, seed, CFG)
        visit = result.visits.row(0, named=True)
        assert visit["needed_expertise"] == ["保密", "数字化"]
        assert visit["check_items"] == "机关档案服务外包监督检查：传统载体档案数字化"
        assert result.team.filter(pl.col("seat") == 1)["inspector_id"][0] == "SECRET"
        assert visit["expertise_covered"] is False and "“数字化”" in visit["notes_zh"]
        second = result.team.filter(pl.col("seat") == 2).row(0, named=True)
        local += second["locality"] == "same_city"
    # 3 same-city inspectors (weight 3) against 6 elsewhere (weight 1): about 60 % local, not 33 %
    assert local / 200 > 0.45


def test_date_windows_follow_the_reason():
    organs = organs_frame([
        {"organ_code": "FOLLOW", "followup_due_on": dt.date(2026, 1, 20)},
        {"organ_code": "OVERDUE", "tier_due_on": dt.date(2025, 6, 1)},
        {"organ_code": "DUE", "tier_due_on": dt.date(2026, 3, 10)},
        {"organ_code": "DRAWN", "tier": "D"},
    ])
    inspectors = inspectors_frame([{"inspector_id": f"I{i}"} for i in range(8)])
    result = draw(PlanInputs.of(organs=organs, inspectors=inspectors), PERIOD, TODAY, 3, CFG)
    w = {v["organ_code"]: (v["window_start"], v["window_end"], v["reasons"][0])
         for v in result.visits.iter_rows(named=True)}
    assert w["FOLLOW"] == (dt.date(2026, 1, 1), dt.date(2026, 1, 20), "INCIDENT_FOLLOWUP")
    assert w["OVERDUE"] == (dt.date(2026, 1, 1), dt.date(2026, 1, 30), "OVERDUE_ROUTINE")
    assert w["DUE"] == (dt.date(2026, 2, 8), dt.date(2026, 3, 10), "DUE_ROUTINE")
    start, end, reason = w["DRAWN"]
    assert reason == "TIER_SAMPLE" and start.day == 1 and (end + dt.timedelta(days=1)).day == 1
    # drawn mid-period: nothing is suggested before the day of drawing
    mid = draw(PlanInputs.of(organs=organs, inspectors=inspectors), PERIOD, dt.date(2026, 3, 25), 3, CFG)
    assert min(mid.visits["window_start"]) == dt.date(2026, 3, 25) and max(mid.visits["window_end"]) == PERIOD.end
    with pytest.raises(PlanError, match="已于2026年3月31日结束"):
        draw(PlanInputs.of(organs=organs, inspectors=inspectors), PERIOD, dt.date(2026, 4, 1), 3, CFG)


def test_many_overdue_checks_are_spread_by_the_teams_monthly_capacity():
    """Two inspectors (6 visits a quarter each: 2 a month) and a follow-up and nine overdue organs: the
    follow-up and the most overdue check take the first 30 days, the next two each following slot,
    by how overdue they are; the least overdue get no team (the quarter's capacity is spent)."""
    organs = organs_frame([{"organ_code": "FOLLOW", "followup_due_on": dt.date(2026, 1, 20)}]
                          + [{"organ_code": f"LATE{k}", "tier_due_on": dt.date(2025, 1 + k, 1)} for k in range(9)])
    inspectors = inspectors_frame([{"inspector_id": "I1"}, {"inspector_id": "I2"}])
    result = draw(PlanInputs.of(organs=organs, inspectors=inspectors), PERIOD, TODAY, 5, CFG)
    check_rules(PlanInputs.of(organs=organs, inspectors=inspectors), result)
    staffed = result.visits.filter(pl.col("status") == "staffed").sort("due_on")
    windows = [(r["organ_code"], r["window_start"], r["window_end"]) for r in staffed.iter_rows(named=True)]
    slots = [(dt.date(2026, 1, 1), dt.date(2026, 1, 30)), (dt.date(2026, 1, 31), dt.date(2026, 3, 1)),
             (dt.date(2026, 3, 2), dt.date(2026, 3, 31))]
    late = [w for w in windows if w[0] != "FOLLOW"]
    # the capacity went to the most overdue: the five earliest due dates have teams, the rest none
    assert [c for c, _a, _b in late] == [f"LATE{k}" for k in range(5)]
    assert [(a, b) for _code, a, b in late] == [slots[0], slots[1], slots[1], slots[2], slots[2]]
    assert [c for c, _a, _b in late] == sorted(c for c, _a, _b in late)      # the most overdue first
    assert [(a, b) for c, a, b in windows if c == "FOLLOW"] == [(dt.date(2026, 1, 1), dt.date(2026, 1, 20))]
    notes = dict(zip(staffed["organ_code"], staffed["notes_zh"]))
    assert notes[late[0][0]] is None and notes["FOLLOW"] is None
    assert notes[late[1][0]] == "逾期检查较多，按检查人员每月可检次数顺延至计划开始后第31日起"
    assert notes[late[4][0]] == "逾期检查较多，按检查人员每月可检次数顺延至计划开始后第61日起"
    # with room for all in the first month, nothing moves
    roomy = CFG.with_overrides(team={"capacity_per_quarter": 30})
    result = draw(PlanInputs.of(organs=organs, inspectors=inspectors), PERIOD, TODAY, 5, roomy)
    assert set(result.visits["window_start"]) == {dt.date(2026, 1, 1)} and result.visits["notes_zh"].is_null().all()


def test_a_visit_that_keeps_its_window_counts_in_its_slot():
    """A check falling due on 25 January keeps its window (from 1 January) and, with the follow-up,
    fills the first 30 days of both inspectors: every overdue check starts on day 31 or 61."""
    organs = organs_frame([{"organ_code": "FOLLOW", "followup_due_on": dt.date(2026, 1, 20)},
                           {"organ_code": "DUE", "tier_due_on": dt.date(2026, 1, 25)}]
                          + [{"organ_code": f"LATE{k}", "tier_due_on": dt.date(2025, 1 + k, 1)} for k in range(3)])
    inspectors = inspectors_frame([{"inspector_id": "I1"}, {"inspector_id": "I2"}])
    result = draw(PlanInputs.of(organs=organs, inspectors=inspectors), PERIOD, TODAY, 5, CFG)
    staffed = result.visits.filter(pl.col("status") == "staffed").sort("due_on")
    starts = dict(zip(staffed["organ_code"], staffed["window_start"]))
    assert starts["FOLLOW"] == starts["DUE"] == dt.date(2026, 1, 1)
    assert [starts[f"LATE{k}"] for k in range(3)] == [dt.date(2026, 1, 31)] * 2 + [dt.date(2026, 3, 2)]


def test_a_silent_organ_is_drawn_in_its_own_stratum_with_its_reason():
    organs = organs_frame([{"organ_code": f"S{i}", "tier": "A"} for i in range(10)])
    silent = pl.DataFrame({"organ_code": [f"S{i}" for i in range(10)], "quarter": ["2025-Q3"] * 10})
    inspectors = inspectors_frame([{"inspector_id": f"I{i}"} for i in range(6)])
    result = draw(PlanInputs.of(organs=organs, inspectors=inspectors, silent=silent), PERIOD, TODAY, 11,
                  CFG.with_overrides(sampling={"ratio": {"A": 0.0}}))
    stratum = result.strata.filter(pl.col("stratum") == "silent").row(0, named=True)
    assert (stratum["population"], stratum["pool"], stratum["drawn"]) == (10, 10, 5)
    assert set(result.visits["selection"]) == {"silent_sample"}
    assert result.visits["reasons_zh"][0] == "未报送随机抽取：2025年第3季度未报送任何材料，抽取比例50%"
    assert result.visits["reasons_en"][0] == "Drawn among organs that sent nothing: nothing sent for Q3 2025, sampling ratio 50%"


def test_the_configuration_is_checked():
    with pytest.raises(ConfigError, match="sampling.ratio.A = 0.2 is outside its band"):
        CFG.with_overrides(sampling={"ratio": {"A": 0.2}})
    with pytest.raises(ConfigError, match="team.size must be ≥ 2"):
        CFG.with_overrides(team={"size": 1})
    with pytest.raises(ConfigError, match="recusal.previous_inspections"):
        CFG.with_overrides(recusal={"previous_inspections": 0})
    assert CFG.source == "warehouse/config/planning.toml"
    assert planning_config.from_snapshot(CFG.snapshot()).data == CFG.data
