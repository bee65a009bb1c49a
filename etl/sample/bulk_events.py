"""Projects, inspections with their items, rectifications, evaluations and incidents for the bulk
generator, column-wise. Dates are int days since 1970-01-01 (date-times int minutes) until written.
The rules are those of the provincial story (`events`), in vector form."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from etl.sample import names
from etl.sample.events import INCIDENT_TYPES, MONTH_WEIGHTS
from etl.sample.story import DURATION_DAYS, SERVICE_WEIGHTS
from etl.sample.vector import as_date, as_datetime, days, pick
from schemas.checklist import GRADE_CUTS, FAIL_GRADE, RESULT_CREDIT, checklist
from schemas.kinds import EVALUATION_WEIGHTS

RESULTS = ("符合", "部分符合", "不符合", "不适用")
INSPECTIONS_PER_ORGAN_YEAR = 0.95  # x 100,000 organs x 10 years = 950,000 inspections, 31 M items
PROJECTS_PER_ORGAN_YEAR = 0.12
SERVICES = tuple(SERVICE_WEIGHTS)
# Per service: volume range, unit and yuan per unit, as in story._volume.
VOLUMES = {"传统载体档案数字化": (20_000, 1_500_000, "页", 0.35), "档案整理": (500, 30_000, "卷", 8.0),
           "纸质档案数字复制件全文识别": (50_000, 2_000_000, "页", 0.08), "电子档案管理技术支持": (200, 20_000, "GB", 60.0)}
MONTH_EPOCH = np.datetime64("1970-01", "M")


def _month_index(day: np.ndarray) -> np.ndarray:
    return (np.asarray(day).astype("datetime64[D]").astype("datetime64[M]") - MONTH_EPOCH).astype(np.int64)


def _when(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values where mask, else -1 (the marker for null used until columns are written)."""
    return np.where(mask, values, -1)


def _from_same_province(rng, prov: np.ndarray, pool_prov: np.ndarray, share: float) -> np.ndarray:
    """Index into the pool: from the same province with probability `share` (when it has any)."""
    order = np.argsort(pool_prov, kind="stable")
    first = np.searchsorted(pool_prov[order], prov, "left")
    count = np.searchsorted(pool_prov[order], prov, "right") - first
    local = order[np.minimum(first + np.floor(rng.random(len(prov)) * np.maximum(count, 1)).astype(np.int64),
                             len(order) - 1)]
    return np.where((count > 0) & (rng.random(len(prov)) < share), local, rng.integers(0, len(pool_prov), len(prov)))


def projects_frame(rng, organs: pl.DataFrame, vendors: pl.DataFrame, geo, today: date, start: date,
                   years: int) -> pl.DataFrame:
    n = round(organs.height * years * PROJECTS_PER_ORGAN_YEAR)
    t = days(today)
    organ = rng.integers(0, organs.height, n)
    prov = organs["prov"].to_numpy()[organ]
    vendor = _from_same_province(rng, prov, vendors["prov"].to_numpy(), 0.85)
    weights = np.array(list(SERVICE_WEIGHTS.values()), dtype=float)
    service = rng.choice(len(SERVICES), n, p=weights / weights.sum())
    service[~vendors["vendor_code"].str.starts_with("91").to_numpy()[vendor]] = SERVICES.index("档案整理")
    signed = rng.integers(days(start) - 200, t - 15, n)
    started = signed + rng.integers(3, 26, n)
    low = np.array([DURATION_DAYS[s][0] for s in SERVICES])[service]
    high = np.array([DURATION_DAYS[s][1] for s in SERVICES])[service]
    planned = started + low + np.floor(rng.random(n) * (high - low)).astype(np.int64)
    bad = vendors["bad"].to_numpy()[vendor]
    actual = np.maximum(planned + rng.integers(-15, 46, n) + bad * rng.integers(30, 121, n), started + 30)
    done = actual <= t - 3
    accepted = actual + rng.integers(3, 31, n)
    accepted_ok = done & (accepted < t)
    wiped = accepted + rng.integers(0, 11, n)
    wiped_ok = accepted_ok & (wiped < t) & (rng.random(n) < 0.85)
    vmin, vmax, unit, price = (np.array([VOLUMES[s][i] for s in SERVICES]) for i in range(4))
    volume = vmin[service] + np.floor(rng.random(n) * (vmax[service] - vmin[service]).astype(float)).astype(np.int64)
    classified = rng.random(n) < 0.08
    year = pl.Series(1970 + _month_index(signed) // 12).cast(pl.String)
    return pl.DataFrame({
        "project_code": pick(geo.latin, prov) + "-" + year + "-"
        + pl.Series(np.arange(1, n + 1)).cast(pl.String).str.zfill(7),
        "organ_code": organs["organ_code"].gather(organ), "vendor_code": vendors["vendor_code"].gather(vendor),
        "service_type": pick(SERVICES, service), "signed_on": as_date(signed), "start_on": as_date(started),
        "planned_end_on": as_date(planned), "actual_end_on": as_date(actual, null=~done),
        "accepted_on": as_date(accepted, null=~accepted_ok), "security_confirmed_on": as_date(wiped, null=~wiped_ok),
        "amount_wan": np.round(np.maximum(2.0, volume * price[service].astype(float) / 10000), 2),
        "work_site": pl.Series(np.where(classified | (rng.random(n) < 0.82), "机关内部", "服务机构场所")),
        "involves_classified": classified, "confidentiality_agreement": rng.random(n) < 0.97,
        "subcontracted": rng.random(n) < 0.03, "volume": volume.astype(float), "volume_unit": pick(unit, service),
        "organ": organ, "vendor_q": vendors["q"].to_numpy()[vendor], "bad": bad, "started": started,
        "ended": np.where(done, actual, t), "accepted": _when(accepted_ok, accepted)})


def _inspection_days(rng, n: int, start: date, today: date) -> np.ndarray:
    """Days before today, weighted by month (Q2/Q4 peaks), the current month pro rata."""
    months = np.arange(np.datetime64(start, "M"), np.datetime64(today, "M") + 1)
    first = days(months.astype("datetime64[D]"))
    available = np.clip(days(today) - first, 0, 28)
    weight = np.array(MONTH_WEIGHTS)[(months - MONTH_EPOCH).astype(np.int64) % 12] * available
    m = rng.choice(len(months), n, p=weight / weight.sum())
    return first[m] + np.floor(rng.random(n) * available[m]).astype(np.int64)


def _teams(rng, prov: np.ndarray, inspectors: pl.DataFrame) -> pl.Series:
    """Two or three distinct active inspectors of the organ's province (one in 4 % of checks)."""
    active = inspectors.filter(pl.col("active"))
    pool_prov = active["prov"].to_numpy()
    order = np.argsort(pool_prov, kind="stable")
    first = np.searchsorted(pool_prov[order], prov, "left")
    count = np.maximum(np.searchsorted(pool_prov[order], prov, "right") - first, 1)
    r = rng.integers(0, 1 << 30, len(prov))
    member = [active["inspector_name"].gather(order[first + (r + k) % count]) for k in range(3)]
    size = rng.choice(3, len(prov), p=[0.04, 0.72, 0.24]) + 1
    sep = pick("、、、，；", rng.integers(0, 5, len(prov)))
    two = member[0] + sep + member[1]
    return pl.select(pl.when(pl.Series(size == 1)).then(member[0]).when(pl.Series(size == 2)).then(two)
                     .otherwise(two + sep + member[2])).to_series()


def inspection_plan(rng, organs: pl.DataFrame, projects: pl.DataFrame | None, inspectors: pl.DataFrame,
                    today: date, start: date, years: int, total: int | None = None) -> pl.DataFrame:
    """Acceptance checks of 40 % of accepted projects, the rest drawn over organs (some organs far
    more often than others) and months; sorted by date and numbered per year."""
    if projects is None:
        projects = pl.DataFrame(schema={"accepted": pl.Int64, "organ": pl.Int64, "vendor_q": pl.Float64,
                                        "project_code": pl.String, "vendor_code": pl.String})
    acc = projects.filter((pl.col("accepted") >= days(start)) & (pl.col("accepted") < days(today)))
    acc = acc.filter(pl.Series(rng.random(acc.height) < 0.4))
    total = total if total is not None else round(organs.height * years * INSPECTIONS_PER_ORGAN_YEAR)
    n = max(0, total - acc.height)
    propensity = rng.gamma(2.0, 1.0, organs.height)
    organ = np.concatenate([acc["organ"].to_numpy(), rng.choice(organs.height, n, p=propensity / propensity.sum())])
    day = np.concatenate([acc["accepted"].to_numpy(), _inspection_days(rng, n, start, today)])
    kind = np.concatenate([np.full(acc.height, 4), rng.choice(4, n, p=[0.85, 0.10, 0.02, 0.03])])
    linked = np.arange(len(organ)) < acc.height
    vendor_q = np.concatenate([acc["vendor_q"].to_numpy(), np.zeros(n)])
    order = np.argsort(day, kind="stable")
    organ, day, kind, linked, vendor_q = organ[order], day[order], kind[order], linked[order], vendor_q[order]
    project_code = pl.concat([acc["project_code"], pl.Series([None] * n, dtype=pl.String)]).gather(order)
    vendor_code = pl.concat([acc["vendor_code"], pl.Series([None] * n, dtype=pl.String)]).gather(order)
    year = 1970 + _month_index(day) // 12
    seq = np.arange(len(day)) - np.searchsorted(year, year, "left") + 1
    t = (day - days(start)) / max(1, days(today) - days(start))
    g = 0.2 + 0.5 * t + organs["q"].to_numpy()[organ] + vendor_q + rng.normal(0, 0.08, len(day))
    return pl.DataFrame({
        "inspection_code": "JC-" + pl.Series(year).cast(pl.String) + "-" + pl.Series(seq).cast(pl.String).str.zfill(7),
        "inspected_on": as_date(day), "organ_code": organs["organ_code"].gather(organ), "project_code": project_code,
        "vendor_code": vendor_code,
        "inspection_kind": pick(("双随机抽查", "专项检查", "飞行检查", "复查", "验收检查"), kind),
        "inspectors": _teams(rng, organs["prov"].to_numpy()[organ], inspectors),
        "remarks": pl.Series([None] * len(day), dtype=pl.String), "day": day, "g": g, "linked": linked})


def grades(score: np.ndarray, veto_failed: np.ndarray) -> np.ndarray:
    """schemas.checklist.grade_for, column-wise."""
    conditions = [veto_failed] + [score >= low for _g, low in GRADE_CUTS]
    return np.select(conditions, [FAIL_GRADE] + [g for g, _low in GRADE_CUTS], FAIL_GRADE)


def items_for(rng, plan: pl.DataFrame, today: date, keep: int | None = None):
    """Item results of the planned inspections: (items frame, score frame, rectifications frame).
    `keep` cuts the items after that many rows; the scores count only the items kept."""
    cl = checklist()
    weight, veto = cl["weight"].to_numpy(), cl["veto"].to_numpy()
    category = cl["category_code"].to_numpy()
    n, k = plan.height, len(weight)
    p_ok = np.clip(0.5 + 0.45 * plan["g"].to_numpy(), 0.15, 0.97)[:, None]
    u = rng.random((n, k))
    result = np.where(veto, np.where(u < 0.012, 2, np.where(u < 0.012 + (1 - p_ok) * 0.4, 1, 0)),
                      np.where(u < p_ok, 0, np.where(u < p_ok + (1 - p_ok) * 0.65, 1, 2))).astype(np.int8)
    na = np.where(~plan["linked"].to_numpy()[:, None] & np.isin(category, list("GHI"))[None, :], 0.12, 0.03)
    result[rng.random((n, k)) < na] = 3
    kept = (np.arange(n * k) < (keep if keep is not None else n * k)).reshape(n, k)
    applicable = (result != 3) & kept
    credit = np.array([RESULT_CREDIT["符合"], RESULT_CREDIT["部分符合"], RESULT_CREDIT["不符合"], 0.0])[result]
    total = (weight * applicable).sum(1)
    score = np.where(total > 0, 100 * (credit * weight * applicable).sum(1) / np.maximum(total, 1e-9), np.nan)
    veto_failed = ((result == 2) & veto & kept).any(1)
    problems = (((result == 1) | (result == 2)) & kept).any(1)
    day = plan["day"].to_numpy()
    due = day + np.where(veto_failed, 15, 30)

    flat = result.ravel()[: kept.sum()]
    rows = np.arange(len(flat))
    which, item = rows // k, rows % k
    phrases = [p for c in "ABCDEFGHI" for p in names.FINDINGS[c]]
    offset = {c: sum(len(names.FINDINGS[x]) for x in "ABCDEFGHI"[: "ABCDEFGHI".index(c)]) for c in "ABCDEFGHI"}
    cat_offset = np.array([offset[c] for c in category])[item]
    cat_len = np.array([len(names.FINDINGS[c]) for c in category])[item]
    failed = pl.Series((flat == 1) | (flat == 2))
    finding = pick(phrases, cat_offset + rng.integers(0, 1 << 20, len(flat)) % cat_len)
    items = pl.DataFrame({
        "inspection_code": plan["inspection_code"].gather(which), "item_code": pick(cl["item_code"], item),
        "result": pick(RESULTS, flat), "finding": pl.select(pl.when(failed).then(finding)).to_series()})
    scores = pl.DataFrame({"score": np.round(score, 1), "grade": grades(score, veto_failed),
                           "rectification_due_on": as_date(due, null=~problems)})
    return items, scores, _rectifications(rng, plan, result, kept, due, today)


def _rectifications(rng, plan: pl.DataFrame, result: np.ndarray, kept: np.ndarray, due_all: np.ndarray,
                    today: date) -> pl.DataFrame:
    i, j = np.nonzero((result == 2) & kept)
    t, n = days(today), len(i)
    due, inspected = due_all[i], plan["day"].to_numpy()[i]
    late = rng.random(n) < 0.15
    completed = np.where(late, due + rng.integers(3, 26, n), np.maximum(inspected + 1, due - rng.integers(0, 13, n)))
    done = (rng.random(n) >= np.where(due < t, 0.1, 0.65)) & (completed < t)
    verified = completed + rng.integers(2, 13, n)
    checked = done & (verified < t)
    return pl.DataFrame({
        "inspection_code": plan["inspection_code"].gather(i), "item_code": pick(checklist()["item_code"], j),
        "due_on": as_date(due), "completed_on": as_date(completed, null=~done),
        "verified_on": as_date(verified, null=~checked),
        "verification": pl.select(pl.when(pl.Series(checked)).then(
            pick(["通过"] * 22 + ["未通过"] * 3, rng.integers(0, 25, n)))).to_series()})


def finish_inspections(plan: pl.DataFrame, scores: pl.DataFrame) -> pl.DataFrame:
    return pl.concat([plan.drop("day", "g", "linked"), scores], how="horizontal")


def evaluations_frame(rng, projects: pl.DataFrame, vendors: pl.DataFrame, today: date, start: date) -> pl.DataFrame:
    """One evaluation per project and finished quarter; 15 % of organs never send any, others skip 10 %."""
    quarter = lambda d: _month_index(d) // 3  # noqa: E731 - quarters since 1970
    last = quarter(days(today)) - 1
    first_q = quarter(np.maximum(projects["started"].to_numpy(), days(start)))
    last_q = np.minimum(quarter(projects["ended"].to_numpy()), last)
    count = np.clip(last_q - first_q + 1, 0, None)
    rep = np.repeat(np.arange(projects.height), count)
    q = first_q[rep] + np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
    silent_organs = rng.random(projects["organ"].max() + 1 if projects.height else 1) < 0.15
    keep = (rng.random(len(rep)) >= 0.1) & ~silent_organs[projects["organ"].to_numpy()[rep]]
    rep, q = rep[keep], q[keep]
    n = len(rep)
    base = 88 + projects["vendor_q"].to_numpy()[rep] * 45 + rng.normal(0, 3, n)
    bad = projects["bad"].to_numpy()[rep]
    mark = lambda shift: np.clip(np.round(base + shift + rng.normal(0, 4, n)), 40, 100)  # noqa: E731
    scores = {"quality": mark(0), "timeliness": mark(-2), "security": mark(np.where(bad, -8, 1)),
              "staffing": mark(-1), "cooperation": mark(2)}
    overall = np.round(sum(scores[c] * w for c, w in EVALUATION_WEIGHTS.items()), 1)
    quarter_end = days((MONTH_EPOCH + (q + 1) * 3).astype("datetime64[D]")) - 1
    evaluated = np.minimum(quarter_end + rng.integers(5, 26, n), days(today) - 1)
    return pl.DataFrame({
        "period": pl.Series(1970 + q // 4).cast(pl.String) + "-Q" + pl.Series(q % 4 + 1).cast(pl.String),
        "organ_code": projects["organ_code"].gather(rep), "vendor_code": projects["vendor_code"].gather(rep),
        "project_code": projects["project_code"].gather(rep), **scores, "overall": overall,
        "evaluated_on": as_date(evaluated)})


def incidents_frame(rng, projects: pl.DataFrame, vendors: pl.DataFrame, today: date, start: date,
                    n: int) -> pl.DataFrame:
    t = days(today)
    eligible = projects.filter((pl.col("started") < t - 10) & (pl.col("ended") >= days(start)))
    weight = 1 + 5 * eligible["bad"].to_numpy()
    p = rng.choice(eligible.height, n, p=weight / weight.sum())
    low = np.maximum(eligible["started"].to_numpy()[p], days(start))
    high = np.minimum(eligible["ended"].to_numpy()[p], t - 3)
    ok = high >= low
    p, low, high = p[ok], low[ok], high[ok]
    n = len(p)
    occurred = (low + np.floor(rng.random(n) * (high - low + 1)).astype(np.int64)) * 1440 + \
        rng.integers(8, 18, n) * 60 + rng.choice([0, 10, 15, 20, 30, 40, 45, 50], n)
    found = rng.random(n) < 0.8
    discovered = occurred + rng.integers(0, 73, n) * 60
    bad = eligible["bad"].to_numpy()[p]
    severity = np.where(bad, rng.choice(4, n, p=[0.05, 0.15, 0.35, 0.45]), rng.choice(4, n, p=[0.0, 0.03, 0.17, 0.80]))
    serious = severity < 3
    late = rng.random(n) < np.where(serious, 0.3, 0.2)
    hours = np.where(serious, np.where(late, rng.integers(26, 241, n), rng.integers(1, 21, n)),
                     np.where(late, rng.integers(170, 501, n), rng.integers(2, 151, n)))
    reported = np.where(found, discovered, occurred) + hours * 60
    shift = np.maximum(0, reported - ((t - 1) * 1440 + 18 * 60))  # keep everything in the past
    occurred, discovered, reported = occurred - shift, discovered - shift, reported - shift
    order = np.argsort(occurred, kind="stable")
    p, occurred, discovered, reported, found, severity = (
        a[order] for a in (p, occurred, discovered, reported, found, severity))
    types = list(INCIDENT_TYPES)
    weights = np.array(list(INCIDENT_TYPES.values()), dtype=float)
    kind = rng.choice(len(types), n, p=weights / weights.sum())
    count = rng.integers(1, 41, n)
    pre, post = zip(*(names.INCIDENTS[x].split("{n}") for x in types))
    report_day = reported // 1440
    closed = np.minimum(report_day + rng.integers(10, 61, n), t - 1)
    status = np.where(report_day > t - 30, 0, np.where(rng.random(n) < 0.7, 2, 1))
    year = 1970 + _month_index(occurred // 1440) // 12
    seq = np.arange(n) - np.searchsorted(year, year, "left") + 1
    return pl.DataFrame({
        "incident_code": "SJ-" + pl.Series(year).cast(pl.String) + "-" + pl.Series(seq).cast(pl.String).str.zfill(6),
        "organ_code": eligible["organ_code"].gather(p), "vendor_code": eligible["vendor_code"].gather(p),
        "project_code": eligible["project_code"].gather(p), "incident_type": pick(types, kind),
        "severity": pick(("特别重大", "重大", "较大", "一般"), severity), "occurred_at": as_datetime(occurred),
        "discovered_at": as_datetime(discovered, null=~found), "reported_at": as_datetime(reported),
        "records_affected": count, "involves_classified": eligible["involves_classified"].gather(p),
        "description": pick(pre, kind) + pl.Series(count).cast(pl.String) + pick(post, kind),
        "status": pick(("处置中", "已处置", "已结案"), status), "closed_on": as_date(closed, null=status != 2)})
