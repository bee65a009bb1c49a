"""What happens over the years: incidents, inspections with their 33 item results, rectifications
and quarterly evaluations.

Inspections follow the practice of domain.md §3: a 双随机 draw every year (more in Q2 and Q4, fewer
around the Spring Festival), acceptance checks, special checks of classified projects, unannounced
checks after serious incidents and a 复查 after a failed check. Item results get better over the
years (the compliance trend) and are worse at bad vendors; where the project itself is at fault the
matching item fails (no agreement -> C2, classified work without secrecy qualification -> A2 …).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from etl.sample import names
from etl.sample.model import Row
from etl.sample.story import Story
from schemas.checklist import RESULT_CREDIT, grade_for

# Relative number of inspections per month: few around the Spring Festival, peaks in Q2 and Q4.
MONTH_WEIGHTS = (0.4, 0.3, 0.7, 1.3, 1.6, 1.4, 0.6, 0.5, 0.8, 1.4, 1.7, 1.3)
INSPECT_P = {"省级": 0.55, "市级": 0.45, "县级": 0.4, "乡镇级": 0.25}
SERIOUS = ("特别重大", "重大", "较大")
INCIDENT_TYPES = {"违规拷贝": 14, "私自带出": 8, "违规联网": 8, "档案丢失": 6, "档案损毁": 8, "数据未销毁": 10,
                  "人员未备案": 14, "资质缺失或过期": 6, "监控缺失": 12, "违规转包分包": 6, "泄密": 3, "其他": 5}


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(year: int, q: int) -> date:
    return date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)


def last_complete_quarter(today: date) -> tuple[int, int]:
    year, q = quarter_of(today)
    return (year - 1, 4) if q == 1 else (year, q - 1)


def score_items(results: dict[str, str], checklist) -> tuple[float | None, bool]:
    """Contract §3: weighted credit over applicable items rescaled to 100; any veto 不符合 fails."""
    earned = total = 0.0
    veto_failed = False
    for code, _cat, weight, veto in checklist:
        result = results[code]
        if result == "不适用":
            continue
        earned += weight * RESULT_CREDIT[result]
        total += weight
        veto_failed |= bool(veto) and result == "不符合"
    return (100 * earned / total if total else None), veto_failed


# -- incidents ------------------------------------------------------------------------------------

def make_incidents(s: Story) -> None:
    rng, today = s.rng, s.today
    eligible = [p for p in s.world["projects"]
                if p["start_on"] < today - timedelta(days=10) and (p["actual_end_on"] or today) >= s.start]
    bad = [p for p in eligible if p.meta["vendor"].meta["bad"]]
    count = max(6, round(s.n_organs * s.years * 0.05))
    rows = []
    for i in range(count):
        project = rng.choice(bad) if bad and (i < 2 or rng.random() < 0.5) else rng.choice(eligible)
        # The first two incidents of bad vendors are serious; the first is also reported late.
        severity = "较大" if i == 0 and bad else "重大" if i == 1 and bad else None
        rows.append(new_incident(s, project, severity=severity, late=True if i == 0 and bad else None,
                                 without_vendor=rng.random() < 0.1 and i > 1))
    rows.sort(key=lambda r: r["occurred_at"])
    for r in rows:
        year = r["occurred_at"].year
        r.values["incident_code"] = f"SJ-{year}-{s.next_seq(f'incident{year}'):03d}"
    s.world["incidents"] = rows


def new_incident(s: Story, project: Row, *, severity: str | None = None, late: bool | None = None,
                 without_vendor: bool = False) -> Row:
    rng, today = s.rng, s.today
    vendor = project.meta["vendor"]
    if severity is None:
        weights = (5, 15, 35, 45) if vendor.meta["bad"] else (0, 3, 17, 80)
        severity = rng.choices(("特别重大", "重大", "较大", "一般"), weights)[0]
    serious = severity in SERIOUS
    if late is None:
        late = rng.random() < (0.3 if serious else 0.2)
    hours = (rng.randint(26, 240) if late else rng.randint(1, 20)) if serious else \
        (rng.randint(170, 500) if late else rng.randint(2, 150))
    low = max(project["start_on"], s.start)
    high = min(project["actual_end_on"] or today, today - timedelta(days=3))
    occurred = datetime.combine(s.day(low, high), time(rng.randint(8, 17), rng.choice((0, 10, 15, 20, 30, 40, 45, 50))))
    discovered = occurred + timedelta(hours=rng.randint(0, 72)) if rng.random() < 0.8 else None
    reported = (discovered or occurred) + timedelta(hours=hours)
    latest = datetime.combine(today - timedelta(days=1), time(18, 0))
    if reported > latest:  # keep the whole story in the past, delays unchanged
        shift = reported - latest
        occurred, reported = occurred - shift, reported - shift
        discovered = discovered - shift if discovered else None
    itype = "资质缺失或过期" if vendor.meta["bad"] == "lapsed" and rng.random() < 0.5 else \
        rng.choices(list(INCIDENT_TYPES), list(INCIDENT_TYPES.values()))[0]
    n = rng.randint(1, 40) if itype != "监控缺失" else rng.randint(2, 15)
    if reported.date() > today - timedelta(days=30):
        status, closed = "处置中", None
    elif rng.random() < 0.7:
        closed = min(reported.date() + timedelta(days=rng.randint(10, 60)), today - timedelta(days=1))
        status = "已结案"
    else:
        status, closed = "已处置", None
    return Row(
        {"incident_code": None, "organ_code": project["organ_code"],
         "vendor_code": None if without_vendor else project["vendor_code"],
         "project_code": None if without_vendor else project["project_code"], "incident_type": itype,
         "severity": severity, "occurred_at": occurred, "discovered_at": discovered, "reported_at": reported,
         "records_affected": None if itype in ("监控缺失", "人员未备案") else n,
         "involves_classified": project["involves_classified"] if rng.random() < 0.9 else None,
         "description": names.INCIDENTS[itype].format(n=n), "status": status, "closed_on": closed},
        meta={"project": project},
    )


# -- inspections and their items ------------------------------------------------------------------

def _inspection_day(s: Story, year: int) -> date | None:
    month = s.rng.choices(range(1, 13), MONTH_WEIGHTS)[0]
    day = date(year, month, s.rng.randint(1, 28))
    return day if s.start <= day < s.today else None


def _team(s: Story, organ: Row) -> list[str]:
    """Two or three inspectors of the organ's city and the province, never one who must recuse."""
    if "teams" not in s.cache:  # active inspectors by city ('province' for the provincial ones)
        pools: dict[str, list[Row]] = {}
        for i in s.world["inspectors"]:
            if i.clean and i["active"]:
                pools.setdefault("province" if i["region_code"] == s.province else i["region_code"][:4], []).append(i)
        s.cache["teams"] = pools
    code = organ["organ_code"]
    local = [i for i in s.cache["teams"].get(organ["region_code"][:4], ()) if code not in i["recusal_organ_codes"]]
    province = [i for i in s.cache["teams"].get("province", ()) if code not in i["recusal_organ_codes"]]
    size = s.rng.choices((1, 2, 3), (4, 72, 24))[0]
    first = s.rng.sample(local, min(len(local), s.rng.choice((1, 2)), size))
    rest = [i for i in province + local if i not in first]
    return [i["inspector_name"] for i in first + s.rng.sample(rest, min(len(rest), size - len(first)))]


def _active_project(projects: list[Row], day: date) -> Row | None:
    active = [p for p in projects if p["start_on"] <= day <= (p["actual_end_on"] or p["planned_end_on"])]
    return active[0] if active else None


# What an inspector writes when the project itself is at fault (see _results).
PROJECT_FINDINGS = {"C2": "未与服务机构签订安全保密协议", "A2": "涉密档案外包，承包方无有效保密资质",
                    "E1": "加工场所设在服务机构，未在发包方封闭场所作业", "B5": "服务机构资质证书均已失效，仍在承接项目"}


def _results(s: Story, day: date, organ: Row, project: Row | None, boost: float) -> tuple[dict[str, str], set[str]]:
    """Item results, and the items failed because of the project's own faults."""
    rng = s.rng
    vendor = project.meta["vendor"] if project else None
    t = (day - s.start).days / max(1, (s.today - s.start).days)
    g = 0.2 + 0.5 * t + organ.meta["q"] + (vendor.meta["q"] if vendor else 0.0) + rng.gauss(0, 0.08) + boost
    p_ok = min(0.97, max(0.15, 0.5 + 0.45 * g))
    unfinished = project is not None and (project["actual_end_on"] is None or project["actual_end_on"] > day)
    veto_fail = 0.12 if vendor is not None and vendor.meta["bad"] else 0.012
    results = {}
    for code, cat, _w, veto in s.checklist:
        na = 0.8 if unfinished and cat == "I" else 0.12 if project is None and cat in "GHI" else 0.03
        if rng.random() < na:
            results[code] = "不适用"
            continue
        u = rng.random()
        if veto:
            results[code] = "不符合" if u < veto_fail else "部分符合" if u < veto_fail + (1 - p_ok) * 0.4 else "符合"
        else:
            results[code] = "符合" if u < p_ok else "部分符合" if u < p_ok + (1 - p_ok) * 0.65 else "不符合"
    faults = set()
    if project is not None:  # the project's own faults show in the matching items
        faults = {code for code, at_fault in (
            ("C2", not project["confidentiality_agreement"]),
            ("A2", project["involves_classified"] and not s.secrecy_valid(project["vendor_code"], project["start_on"])),
            ("E1", project["work_site"] == "服务机构场所"),
            ("B5", vendor.meta["bad"] == "lapsed")) if at_fault}
        results.update({code: "不符合" for code in faults})
    return results, faults


def new_inspection(s: Story, day: date, organ: Row, project: Row | None, kind: str, boost: float = 0.0) -> Row:
    rng = s.rng
    results, faults = _results(s, day, organ, project, boost)
    score, veto_failed = score_items(results, s.checklist)
    grade = grade_for(score, veto_failed)
    problems = any(r in ("部分符合", "不符合") for r in results.values())

    def finding(code: str, category: str) -> str | None:
        if results[code] not in ("部分符合", "不符合"):
            return None
        return PROJECT_FINDINGS[code] if code in faults else rng.choice(names.FINDINGS[category])
    items = [Row({"inspection_code": None, "item_code": code, "result": results[code], "finding": finding(code, cat)})
             for code, cat, _w, _v in s.checklist]
    return Row(
        {"inspection_code": None, "inspected_on": day, "organ_code": organ["organ_code"],
         "project_code": project["project_code"] if project else None,
         "vendor_code": project["vendor_code"] if project and rng.random() < 0.85 else None,
         "inspection_kind": kind, "inspectors": _team(s, organ),
         "score": round(score, 1) if score is not None else None,
         "grade": grade if rng.random() < 0.9 else None,
         "rectification_due_on": day + timedelta(days=15 if veto_failed else 30) if problems else None,
         "remarks": rng.choice(names.INSPECTION_REMARKS) or None},
        meta={"items": items, "score": score, "veto_failed": veto_failed, "derived_grade": grade,
              "organ": organ, "project": project},
    )


def make_inspections(s: Story) -> None:
    rng, today = s.rng, s.today
    by_organ = s.organ_projects()
    plan: list[tuple[date, Row, Row | None, str]] = []
    for organ in s.world["organs"]:
        projects = by_organ.get(organ["organ_code"], [])
        for year in range(s.start.year, today.year + 1):
            p = INSPECT_P[organ["admin_level"]]
            if organ.meta["neglected"]:  # inspected once long ago, or never: overdue on the dashboard
                p = 0.5 if year == s.start.year else 0.0
            for _ in range((rng.random() < p) + (rng.random() < p / 4)):
                day = _inspection_day(s, year)
                if day is None or (organ.meta["neglected"] and day > today - timedelta(days=700)):
                    continue
                project = _active_project(projects, day)
                project = project if project and rng.random() < 0.7 else None
                plan.append((day, organ, project, rng.choices(("双随机抽查", "专项检查"), (85, 15))[0]))
    for p in s.world["projects"]:
        organ = p.meta["organ"]
        if p["accepted_on"] and p["accepted_on"] >= s.start and rng.random() < 0.4:
            plan.append((p["accepted_on"], organ, p, "验收检查"))
        mid = p["start_on"] + timedelta(days=rng.randint(30, 90))
        if p["involves_classified"] and s.start <= mid < today and mid <= p["planned_end_on"] and rng.random() < 0.6:
            plan.append((mid, organ, p, "专项检查"))
    for incident in s.world["incidents"]:
        day = (incident["discovered_at"] or incident["occurred_at"]).date() + timedelta(days=rng.randint(3, 20))
        if incident["severity"] in SERIOUS and day < today:
            project = incident.meta["project"]
            plan.append((day, project.meta["organ"], project, "飞行检查"))
    plan.sort(key=lambda x: (x[0], x[1]["organ_code"]))
    rows = []
    for day, organ, project, kind in plan:
        row = new_inspection(s, day, organ, project, kind)
        rows.append(row)
        follow = day + timedelta(days=rng.randint(30, 60))
        if row.meta["derived_grade"] == "不合格" and follow < today and rng.random() < 0.75:
            rows.append(new_inspection(s, follow, organ, project, "复查", boost=0.25))
    rows.sort(key=lambda r: (r["inspected_on"], r["organ_code"]))
    for r in rows:
        year = r["inspected_on"].year
        assign_inspection_code(r, f"JC-{year}-{s.next_seq(f'inspection{year}'):04d}")
    s.world["inspections"] = rows
    s.world["inspection_items"] = [i for r in rows for i in r.meta["items"]]


def assign_inspection_code(row: Row, code: str) -> None:
    row.values["inspection_code"] = code
    row.meta["year"] = row["inspected_on"].year
    for item in row.meta["items"]:
        item.values["inspection_code"] = code
        item.meta.update(year=row.meta["year"], inspection=row)


# -- rectifications -------------------------------------------------------------------------------

def make_rectifications(s: Story) -> None:
    rng, today = s.rng, s.today
    rows = []
    for insp in s.world["inspections"]:
        bad = insp.meta["project"] is not None and insp.meta["project"].meta["vendor"].meta["bad"]
        for item in insp.meta["items"]:
            if item["result"] == "不符合" or (item["result"] == "部分符合" and rng.random() < 0.1):
                rows.append(new_rectification(s, insp, item["item_code"], bad))
    s.world["rectifications"] = rows


def new_rectification(s: Story, insp: Row, item_code: str, bad: bool) -> Row:
    rng, today = s.rng, s.today
    inspected, due = insp["inspected_on"], insp["rectification_due_on"]
    completed = verified = verification = None
    open_share = (0.3 if bad else 0.1) if due < today else 0.65
    if rng.random() >= open_share:
        completed = due + timedelta(days=rng.randint(3, 25)) if rng.random() < 0.15 else \
            max(inspected + timedelta(days=1), due - timedelta(days=rng.randint(0, 12)))
        if completed >= today:
            completed = None
    if completed:
        check = completed + timedelta(days=rng.randint(2, 12))
        if check < today:
            verified, verification = check, "通过" if rng.random() < 0.88 else "未通过"
    return Row({"inspection_code": insp["inspection_code"], "item_code": item_code, "due_on": due,
                "completed_on": completed, "verified_on": verified, "verification": verification},
               meta={"year": insp.meta["year"]})


# -- quarterly evaluations ------------------------------------------------------------------------

def make_evaluations(s: Story) -> None:
    rng = s.rng
    last = last_complete_quarter(s.today)
    rows = []
    for p in s.world["projects"]:
        organ, vendor = p.meta["organ"], p.meta["vendor"]
        if not organ.meta["submits"]:
            continue  # some organs never send evaluations: the completeness view shows them
        end = min(quarter_of(p["actual_end_on"] or s.today), last)
        y, q = max(quarter_of(p["start_on"]), quarter_of(s.start))
        while (y, q) <= end:
            if rng.random() >= 0.1:
                rows.append(new_evaluation(s, p, y, q, last))
            y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    s.world["evaluations"] = rows


def new_evaluation(s: Story, project: Row, year: int, q: int, last: tuple[int, int]) -> Row:
    rng = s.rng
    vendor = project.meta["vendor"]
    base = 88 + vendor.meta["q"] * 45 + rng.gauss(0, 3)

    def mark(shift: float = 0.0) -> float:
        return float(min(100, max(40, round(base + shift + rng.gauss(0, 4)))))
    values = {"period": f"{year}-Q{q}", "organ_code": project["organ_code"], "vendor_code": project["vendor_code"],
              "project_code": project["project_code"], "quality": mark(), "timeliness": mark(-2),
              "security": mark(-8 if vendor.meta["bad"] else 1), "staffing": mark(-1), "cooperation": mark(2)}
    values["overall"] = overall(values)
    values["evaluated_on"] = min(quarter_end(year, q) + timedelta(days=rng.randint(5, 25)), s.today - timedelta(days=1))
    return Row(values, meta={"year": year, "last_quarter": (year, q) == last})


def overall(values: dict) -> float:
    from schemas.kinds import EVALUATION_WEIGHTS
    return round(sum(values[k] * w for k, w in EVALUATION_WEIGHTS.items()), 1)
