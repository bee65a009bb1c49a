"""The clean world of the sample: who the organs and vendors are and what happened to them.

Everything comes from one `random.Random(seed)` consumed in a fixed order, so a seed always tells the
same story. The registries (organs, vendors, qualifications, inspectors, projects) are made here; what
happens over the years (incidents, inspections, rectifications, evaluations) in `events`.

The story plants the compliance situations the dashboards must show: two or three bad vendors (one
whose certificates have all lapsed, one without secrecy qualification taking classified work), a
个体工商户 vendor, certificates expiring within 90 days, an out-of-scope service, classified work at
the vendor's site, projects without a confidentiality agreement, and organs nobody has inspected for
years.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from etl.sample import names
from etl.sample.model import Row, World
from etl.sample.places import (ABBR, AREA_CODES, MUNICIPALITIES, Place, city_name, full_name, other_province,
                               places, short_name)
from schemas.checklist import checklist
from schemas.identifiers import USCC_CHARSET, make_uscc
from schemas.kinds import KINDS

SECRECY = "国家秘密载体印制资质"
SERVICE_WEIGHTS = {"传统载体档案数字化": 55, "档案整理": 25, "纸质档案数字复制件全文识别": 10, "电子档案管理技术支持": 10}
OUT_OF_SCOPE_SERVICES = ("档案寄存", "档案鉴定销毁")
DURATION_DAYS = {"档案整理": (60, 240), "传统载体档案数字化": (90, 360), "纸质档案数字复制件全文识别": (60, 200),
                 "电子档案管理技术支持": (180, 365)}


class Story:
    def __init__(self, *, organs: int, vendors: int, years: int, seed: int, today: date, province: str):
        self.rng = random.Random(seed)
        self.n_organs, self.n_vendors, self.years = organs, vendors, years
        self.today, self.province = today, province
        self.start = date(today.year - years + 1, 1, 1)
        self.places = places(province)
        self.province_place: Place = self.places["province"][0]
        self.abbr, self.latin = ABBR[province[:2]]
        self.checklist = checklist().select("item_code", "category_code", "weight", "veto").rows()
        self.world: World = {k.name: [] for k in KINDS}
        self.codes: set[str] = set()
        self.taken: set[str] = set()  # names and certificate numbers already used
        self.seq: dict[str, int] = {}
        self.cache: dict[str, object] = {}  # indexes built once the registries are complete

    # -- small helpers ----------------------------------------------------------------------------

    def next_seq(self, key: str) -> int:
        self.seq[key] = self.seq.get(key, 0) + 1
        return self.seq[key]

    def day(self, low: date, high: date) -> date:
        return low + timedelta(days=self.rng.randint(0, max(0, (high - low).days)))

    def new_code(self, prefix: str, region: str, letters: bool) -> str:
        """A unique valid credit code; `letters` gives a post-2015 body such as MA2GXXXX."""
        def make() -> str:
            if letters:
                body = "MA" + "".join(self.rng.choice(USCC_CHARSET) for _ in range(6))
            else:
                body = (f"00{self.rng.randrange(10**6):06d}" if prefix[0] == "1"
                        else f"{self.rng.randint(5, 7)}{self.rng.randrange(10**7):07d}")
            return make_uscc(prefix, region, body)
        return names.unique(make, self.codes)

    def phone(self, region: str) -> str:
        area = AREA_CODES.get(region[:4], "0571" if region[:2] == "33" else None)
        if area:
            return f"{area}-8{self.rng.randrange(10**7):07d}"
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"

    # -- organs -----------------------------------------------------------------------------------

    def new_organ(self, level: str, place: Place | None = None, template=None) -> Row:
        rng = self.rng
        cities, counties = self.places["prefecture"], self.places["county"]
        if level == "省级":
            place = place or self.province_place
            pool = names.PROVINCE_ORGANS
            if self.province[:2] in MUNICIPALITIES:  # 北京市财政局, not 北京市财政厅
                pool = tuple((t.replace("厅", "局").replace("办公局", "办公厅"), c, p) for t, c, p in pool)
        elif level == "市级":
            place = place or rng.choice(cities)
            pool = names.CITY_ORGANS
        else:
            place = place or rng.choice(counties)
            pool = names.COUNTY_ORGANS
        for _ in range(100):
            tmpl, category, prefix = template or rng.choice(pool)
            name = tmpl.format(p=place.name)
            if level == "乡镇级":
                name, category, prefix = place.name + rng.choice(names.TOWNS) + "人民政府", "政府", "11"
            if name not in self.taken:
                break
            place = rng.choice(counties if level in ("县级", "乡镇级") else cities or [place])
        self.taken.add(name)
        staff = {"省级": (2, 8), "市级": (1, 5), "县级": (1, 3), "乡镇级": (1, 1)}[level]
        return Row(
            {"organ_code": self.new_code(prefix, place.code, letters=False), "organ_name": name,
             "region_code": place.code, "admin_level": level, "organ_category": category,
             "archive_staff": rng.randint(*staff), "contact_name": names.person_name(rng),
             "contact_phone": self.phone(place.code)},
            # q: how well the organ manages its vendors; neglected: nobody inspects it; submits: sends evaluations
            meta={"q": rng.gauss(0, 0.12), "neglected": rng.random() < 0.1, "submits": rng.random() < 0.85},
        )

    def make_organs(self) -> None:
        n = self.n_organs
        shares = {"省级": 0.10, "市级": 0.28 if self.places["prefecture"] else 0.0, "乡镇级": 0.07}
        counts = {lvl: max(1, round(n * s)) if s else 0 for lvl, s in shares.items()}
        counts["县级"] = n - sum(counts.values())
        for level, count in counts.items():
            for _ in range(count):
                self.world["organs"].append(self.new_organ(level))
        self.rng.shuffle(self.world["organs"])

    # -- vendors and their certificates -----------------------------------------------------------

    def new_vendor(self, prefix: str = "91", region: str | None = None) -> Row:
        rng = self.rng
        counties = self.places["county"]
        if region is None:
            if prefix == "91" and rng.random() < 0.18:
                outside = [p for p in ("310000", "320000", "110000") if p[:2] != self.province[:2]]
                region = rng.choice(places(rng.choice(outside))["county"]).code
            else:
                capital = [c for c in counties if c.code[:4] == counties[0].code[:4]]
                region = rng.choice(capital if rng.random() < 0.4 else counties).code
        place_name = full_name(region)
        city = city_name(region)
        if prefix == "92":
            name = names.unique(lambda: f"{place_name}{rng.choice(names.SURNAMES)}记档案整理服务部", self.taken)
            established = self.day(date(2016, 1, 1), self.today - timedelta(days=700))
            capital, foreign = rng.choice((3, 5, 10, 20)), "无"
        else:
            def make_name() -> str:
                short = self.province_place.short if rng.random() < 0.2 and region[:2] == self.province[:2] \
                    else short_name(city)
                return short + rng.choice(names.VENDOR_WORDS) + rng.choice(names.VENDOR_SUFFIXES)
            name = names.unique(make_name, self.taken)
            established = self.day(date(2003, 1, 1), date(self.today.year - 3, 12, 31))
            capital = rng.choice((100, 200, 300, 500, 800, 1000, 2000, 3000, 5000))
            foreign = rng.choices(("无", "不详", "间接"), (80, 10, 10))[0]
        filing_no = filing_expires = None
        if prefix == "91" and region[:2] == self.province[:2] and rng.random() < 0.85:
            year = rng.randint(self.today.year - 4, self.today.year - 1)
            filing_no = f"{self.abbr}档服备{year}-{self.next_seq(f'filing{year}'):03d}"
            filing_expires = date(year + 3, 12, 31)
        code = self.new_code(prefix, region, letters=established.year >= 2015)
        return Row(
            {"vendor_code": code, "vendor_name": name, "region_code": region, "established_on": established,
             "registered_capital_wan": float(capital), "foreign_investment": foreign, "filing_no": filing_no,
             "filing_expires_on": filing_expires},
            meta={"q": rng.gauss(0, 0.05), "bad": None},  # bad: lapsed, unqualified or incidents
        )

    def make_vendors(self) -> None:
        n = self.n_vendors
        n92 = 2 if n >= 20 else 1
        vendors = [self.new_vendor("91") for _ in range(n - n92)] + [self.new_vendor("92") for _ in range(n92)]
        local = [v for v in vendors if v["vendor_code"].startswith("91") and v["region_code"][:2] == self.province[:2]]
        roles = ("lapsed", "unqualified", "incidents")[: 3 if n >= 15 else 2]
        for vendor, role in zip(self.rng.sample(local, len(roles)), roles):
            vendor.meta.update(bad=role, q=-0.35)
        self.rng.shuffle(vendors)
        self.world["vendors"] = vendors

    def new_qualification(self, vendor: Row, qtype: str, issued: date, years: int, *, grade: str = "无",
                          status: str | None = "有效") -> Row:
        rng = self.rng
        cert_no = {
            SECRECY: lambda: f"{self.abbr}BM{issued.year % 100:02d}{rng.randrange(10**4):04d}",
            "涉密信息系统集成资质": lambda: f"JCJ{'甲乙'[grade == '乙级']}{issued.year}{rng.randrange(10**4):04d}",
            "信息安全管理体系认证": lambda: f"ISMS{issued.year}{rng.randrange(10**5):05d}",
            "质量管理体系认证": lambda: f"QMS{issued.year}{rng.randrange(10**5):05d}",
        }[qtype]
        issuer = (f"{self.province_place.name}国家保密局" if qtype == SECRECY
                  else "国家保密局" if qtype == "涉密信息系统集成资质" else rng.choice(names.CERT_ISSUERS))
        return Row({"vendor_code": vendor["vendor_code"], "qualification_type": qtype, "grade": grade,
                    "certificate_no": names.unique(cert_no, self.taken), "issuer": issuer, "issued_on": issued,
                    "expires_on": add_years(issued, years) - timedelta(days=1),
                    "status": status})

    def make_qualifications(self) -> None:
        rng, today = self.rng, self.today
        rows: list[Row] = []
        enterprises = [v for v in self.world["vendors"] if v["vendor_code"].startswith("91")]
        good = [v for v in enterprises if not v.meta["bad"]]
        expiring = {id(v) for v in rng.sample(good, min(2, len(good)))}
        for v in enterprises:
            bad = v.meta["bad"]
            if bad == "lapsed":  # every certificate lapsed: ISMS expired, secrecy suspended, no filing
                v.values.update(filing_no=None, filing_expires_on=None)
                rows.append(self.new_qualification(v, "信息安全管理体系认证",
                                                   today - timedelta(days=3 * 365 + rng.randint(40, 120)), 3))
                rows.append(self.new_qualification(v, SECRECY, today - timedelta(days=900), 5, grade="乙级",
                                                   status="暂停"))
                continue
            if v["filing_no"]:
                issued = date(int(v["filing_no"].split("备")[1][:4]), rng.randint(1, 11), rng.randint(1, 28))
                rows.append(Row({"vendor_code": v["vendor_code"], "qualification_type": "档案服务企业备案",
                                 "grade": "无", "certificate_no": v["filing_no"],
                                 "issuer": f"{self.province_place.name}档案局", "issued_on": issued,
                                 "expires_on": v["filing_expires_on"], "status": "有效"}))
            for qtype, share in (("信息安全管理体系认证", 0.7), ("质量管理体系认证", 0.6)):
                soon = id(v) in expiring and qtype == "信息安全管理体系认证"
                if not (soon or rng.random() < share):
                    continue
                if soon:  # expires within 90 days of today
                    issued = add_years(today + timedelta(days=rng.randint(15, 85)), -3) + timedelta(days=1)
                else:
                    issued = today - timedelta(days=rng.randint(30, 3 * 365 - 60))
                if rng.random() < 0.3:  # the certificate it replaced: expired (or cancelled), still listed
                    rows.append(self.new_qualification(v, qtype, add_years(issued, -3), 3,
                                                       status=rng.choice(("有效", "注销", None))))
                rows.append(self.new_qualification(v, qtype, issued, 3, status=rng.choice(("有效", "有效", None))))
            local = v["region_code"][:2] == self.province[:2]
            if bad != "unqualified" and local and (bad == "incidents" or rng.random() < 0.4):
                issued = self.start - timedelta(days=rng.randint(100, 700))
                rows.append(self.new_qualification(v, SECRECY, issued, 5, grade=rng.choice(("乙级", "乙级", "甲级"))))
            if rng.random() < 0.1:
                rows.append(self.new_qualification(v, "涉密信息系统集成资质",
                                                   today - timedelta(days=rng.randint(100, 1500)), 5, grade="乙级"))
        self.world["qualifications"] = rows

    def secrecy_valid(self, vendor_code: str, on: date) -> bool:
        """Whether the vendor held a valid 国家秘密载体印制资质 on that day (certificates indexed once)."""
        if "secrecy" not in self.cache:
            held: dict[str, list[tuple[date, date]]] = {}
            for q in self.world["qualifications"]:
                if q.loaded and q["qualification_type"] == SECRECY and q["status"] in ("有效", None):
                    held.setdefault(q["vendor_code"], []).append((q["issued_on"], q["expires_on"]))
            self.cache["secrecy"] = held
        return any(issued <= on <= expires for issued, expires in self.cache["secrecy"].get(vendor_code, ()))

    # -- inspectors -------------------------------------------------------------------------------

    def new_inspector(self, region: str, seq: int) -> Row:
        rng = self.rng
        organs_here = [o["organ_code"] for o in self.world["organs"] if o.clean and o["region_code"][:4] == region[:4]]
        recusal = rng.sample(organs_here, min(len(organs_here), rng.choice((1, 1, 2)))) \
            if organs_here and rng.random() < 0.15 else []
        return Row({"inspector_id": f"{self.abbr}A-{region}-{seq:03d}",
                    "inspector_name": names.unique(lambda: names.person_name(rng), self.taken),
                    "region_code": region, "expertise": rng.sample(names.EXPERTISE, rng.choice((1, 2, 2, 3))),
                    "recusal_organ_codes": recusal, "active": rng.random() > 0.1})

    def make_inspectors(self) -> None:
        n = max(12, self.n_organs // 4)
        cities = [p.code for p in self.places["prefecture"]] or [self.province]
        regions = [self.province] * max(3, round(n * 0.3))
        regions += [cities[i % len(cities)] for i in range(n - len(regions))]
        self.world["inspectors"] = [self.new_inspector(r, i + 1) for i, r in enumerate(regions)]

    # -- projects ---------------------------------------------------------------------------------

    def pick_vendor(self, organ: Row, service: str, classified: bool, start: date) -> Row:
        vendors = [v for v in self.world["vendors"]  # never the faulty or warned extras
                   if v.clean and (v["vendor_code"].startswith("91") or service == "档案整理")]
        if classified:
            vendors = [v for v in vendors if self.secrecy_valid(v["vendor_code"], start)] or vendors
        weights = []
        for v in vendors:
            w = 3.0 if v["region_code"][:4] == organ["region_code"][:4] else \
                1.5 if v["region_code"][:2] == self.province[:2] else 0.4
            w *= 0.3 if v["vendor_code"].startswith("92") else 1.3 if v.meta["bad"] else 1.0
            weights.append(w)
        return self.rng.choices(vendors, weights)[0]

    def new_project(self, organ: Row, vendor: Row | None = None, *, signed: date | None = None,
                    service: str | None = None, classified: bool | None = None, site: str | None = None,
                    agreement: bool | None = None, ongoing: bool = False) -> Row:
        rng, today = self.rng, self.today
        signed = signed or self.day(self.start - timedelta(days=200), today - timedelta(days=15))
        service = service or rng.choices(list(SERVICE_WEIGHTS), list(SERVICE_WEIGHTS.values()))[0]
        if classified is None:
            classified = rng.random() < (0.15 if organ["admin_level"] in ("省级", "市级") else 0.06)
        start = signed + timedelta(days=rng.randint(3, 25))
        vendor = vendor or self.pick_vendor(organ, service, classified, start)
        low, high = DURATION_DAYS.get(service, (365, 1095))
        planned = start + timedelta(days=rng.randint(low, high))
        delay = rng.randint(-15, 45) + (rng.randint(30, 120) if vendor.meta["bad"] else 0)
        actual = max(planned + timedelta(days=delay), start + timedelta(days=30))
        if ongoing or actual > today - timedelta(days=3):
            actual = None
        accepted = actual + timedelta(days=rng.randint(3, 30)) if actual else None
        accepted = accepted if accepted and accepted < today else None
        wiped = accepted + timedelta(days=rng.randint(0, 10)) if accepted and rng.random() < 0.85 else None
        wiped = wiped if wiped and wiped < today else None
        volume, unit, yuan = _volume(rng, service)
        if site is None:
            site = "机关内部" if classified or rng.random() < 0.82 else "服务机构场所"
        year = signed.year
        return Row(
            {"project_code": f"{self.latin}-{year}-{self.next_seq(f'project{year}'):03d}",
             "organ_code": organ["organ_code"], "vendor_code": vendor["vendor_code"], "service_type": service,
             "signed_on": signed, "start_on": start, "planned_end_on": planned, "actual_end_on": actual,
             "accepted_on": accepted, "security_confirmed_on": wiped,
             "amount_wan": round(max(2.0, volume * yuan / 10000), 2), "work_site": site,
             "involves_classified": classified,
             "confidentiality_agreement": agreement if agreement is not None else rng.random() < 0.96,
             "subcontracted": None if rng.random() < 0.1 else rng.random() < (0.15 if vendor.meta["bad"] else 0.02),
             "volume": float(volume), "volume_unit": unit},
            meta={"organ": organ, "vendor": vendor},
        )

    def make_projects(self) -> None:
        rng = self.rng
        projects: list[Row] = []
        for organ in self.world["organs"]:
            k = rng.choices((0, 1, 2, 3), (25, 40, 25, 10))[0] + (organ["admin_level"] == "省级")
            projects += [self.new_project(organ) for _ in range(k)]
        organs = [o for o in self.world["organs"] if o["admin_level"] in ("省级", "市级")] or self.world["organs"]
        vendors = self.world["vendors"]
        role = {v.meta["bad"]: v for v in vendors if v.meta["bad"]}
        recent = self.today - timedelta(days=rng.randint(60, 150))
        # Planted situations (contract §3 flags), each on a fresh project so that counts are exact.
        for _ in range(2):  # the lapsed vendor keeps working: QUALIFICATION_EXPIRED
            projects.append(self.new_project(rng.choice(organs), role["lapsed"], signed=recent, ongoing=True))
        for _ in range(2):  # classified work for a vendor without secrecy qualification
            projects.append(self.new_project(rng.choice(organs), role["unqualified"], classified=True,
                                             service="传统载体档案数字化"))
        for _ in range(2):  # classified records processed at the vendor's site
            projects.append(self.new_project(rng.choice(organs), classified=True, site="服务机构场所"))
        projects.append(self.new_project(rng.choice(organs), agreement=False))
        for service in OUT_OF_SCOPE_SERVICES[: 2 if self.n_organs >= 100 else 1]:
            projects.append(self.new_project(rng.choice(self.world["organs"]), service=service))
        for v in vendors:  # every 个体工商户 has at least one small job
            if v["vendor_code"].startswith("92"):
                projects.append(self.new_project(rng.choice(self.world["organs"]), v, service="档案整理",
                                                 classified=False))
        projects.sort(key=lambda p: (p["signed_on"], p["project_code"]))
        self.world["projects"] = projects

    def organ_projects(self) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {}
        for p in self.world["projects"]:
            out.setdefault(p["organ_code"], []).append(p)
        return out


def _volume(rng: random.Random, service: str) -> tuple[int, str, float]:
    """Work volume, its unit and the price per unit in yuan (for a plausible contract amount)."""
    if service == "传统载体档案数字化":
        if rng.random() < 0.9:
            return rng.randint(20_000, 1_500_000), "页", 0.35
        return rng.randint(500, 20_000), "卷", 12.0
    if service == "档案整理":
        if rng.random() < 0.7:
            return rng.randint(500, 30_000), "卷", 8.0
        return rng.randint(5_000, 200_000), "件", 1.2
    if service == "纸质档案数字复制件全文识别":
        return rng.randint(50_000, 2_000_000), "页", 0.08
    if service == "电子档案管理技术支持":
        return rng.randint(200, 20_000), "GB", 60.0
    return rng.randint(2_000, 50_000), "卷", 15.0  # 档案寄存 and other out-of-scope work


def other_province_place(province: str) -> Place:
    return places(other_province(province))["county"][0]


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
