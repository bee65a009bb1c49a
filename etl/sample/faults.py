"""Deliberate faults: rows the loader must reject (each for one rule) and rows it must warn about.

Breaking a row must not change what other rows mean, or the manifest would lie. So faults go where
nothing depends on them:
- registries (organs, vendors, inspectors, qualifications, projects, inspections) get *extra* rows
  that nothing refers to, one per rule;
- leaf rows are broken in place: evaluations, rectifications, and inspection items whose true result
  is 不适用 (an item left out of the score either way, so the inspection's score is the same whether
  the broken row loads or not);
- incidents get extra rows, so the story's incidents all load.
A rejected row never also carries a warning, and warnings are planted on otherwise clean rows.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from etl.sample import events
from etl.sample.model import Raw, Row
from etl.sample.story import Story, other_province_place
from schemas.identifiers import (USCC_CHARSET, USCC_PILOT_CODES, org_code_check_char, uscc_check_char,
                                 valid_region_codes)

UNKNOWN_ITEM_CODES = ("Z9", "J1", "A5", "B0", "I3", "K2")


def not_applicable(item: Row) -> bool:
    return item["result"] == "不适用"


class Faults:
    def __init__(self, story: Story, bad_share: float):
        self.s, self.rng, self.today = story, story.rng, story.today
        self.world = story.world
        self.bad_share = bad_share
        self.pools: dict[tuple[str, str], list[Row]] = {}

    # -- helpers ----------------------------------------------------------------------------------

    def insert(self, kind: str, row: Row, after: Row | None = None) -> Row:
        """Put an extra row at a random place, or right after `after` (placed when planting ends)."""
        if after is not None:
            after.meta.setdefault("twins", []).append(row)
        else:
            rows = self.world[kind]
            rows.insert(self.rng.randint(0, len(rows)), row)
        return row

    def place_twins(self) -> None:
        for kind, rows in self.world.items():
            if any("twins" in r.meta for r in rows):
                self.world[kind] = [x for r in rows for x in (r, *r.meta.pop("twins", ()))]

    def pick_pooled(self, kind: str, test) -> Row | None:
        """Like `pick` for rare rows (e.g. items 不适用): candidates found once, then drawn in turn."""
        key = (kind, test.__name__)
        if key not in self.pools:
            self.pools[key] = [r for r in self.world[kind] if test(r)]
            self.rng.shuffle(self.pools[key])
        pool = self.pools[key]
        while pool:
            row = pool.pop()
            if row.clean:
                return row
        return None

    def pick(self, kind: str, test=lambda r: True) -> Row | None:
        """A random clean row passing `test`: a few random draws first (most rows are clean), then a scan."""
        rows = self.world[kind]
        for _ in range(50):
            row = rows[self.rng.randrange(len(rows))] if rows else None
            if row is not None and row.clean and test(row):
                return row
        rows = [r for r in rows if r.clean and test(r)]
        return self.rng.choice(rows) if rows else None

    def broken(self, row: Row, rule: str, **values) -> Row:
        row.values.update(values)
        row.rejects.add(rule)
        return row

    def invalid_region(self, *tails: str) -> str:
        """A six-digit code inside the province that GB/T 2260 never issued."""
        prov = self.s.province[:2]
        return next(prov + t for t in (*tails, "9999", "9901", "9898", "9797") if prov + t not in valid_region_codes())

    def unknown_code(self, prefix: str) -> str:
        """A well-formed credit code that no organ or vendor in the sample has."""
        return self.s.new_code(prefix, self.s.province_place.code, letters=prefix == "91")

    def bad_check(self, code: str) -> str:
        wrong = USCC_CHARSET[(USCC_CHARSET.index(code[17]) + 7) % 31]
        return code[:17] + wrong

    # -- warnings on rows that load ---------------------------------------------------------------

    def warnings(self) -> None:
        s, rng = self.s, self.rng
        organ = s.new_organ("省级", template=("{p}机关事务管理局机关服务中心", "其他", "12"))  # a 事业单位
        self.insert("organs", organ).warns.add("W_ORGAN_PREFIX")

        vendor = self.insert("vendors", s.new_vendor("91"))  # 9th–17th characters fail GB 11714
        code = vendor["vendor_code"]
        right = org_code_check_char(code[8:16])
        code17 = code[:16] + next(c for c in "0123456789X" if c != right)
        vendor.values["vendor_code"] = code17 + uscc_check_char(code17)
        vendor.warns.add("W_USCC_ORG_CHECK")

        pilot = sorted(USCC_PILOT_CODES)[1]  # 91350100M0001TGQXM, a real Fuzhou pilot code
        vendor = self.insert("vendors", s.new_vendor("91", region=pilot[2:8]))
        vendor.values.update(vendor_code=pilot, vendor_name="福州闽档信息技术有限公司", filing_no=None,
                             filing_expires_on=None)
        vendor.warns.add("W_USCC_PILOT")

        for _ in range(2):
            p = self.pick("projects")
            p.values["signed_on"] = p["start_on"] + timedelta(days=rng.randint(2, 10))
            p.warns.add("W_START_BEFORE_SIGNED")
        for _ in range(3):
            insp = self.pick("inspections", lambda r: r.meta["score"] is not None)
            exact = insp.meta["score"]
            insp.values["score"] = round(exact + (rng.uniform(2, 6) if exact < 90 else -rng.uniform(2, 6)), 1)
            insp.warns.add("W_SCORE_MISMATCH")
        insp = self.pick("inspections", lambda r: r.meta["derived_grade"] in ("良好", "合格"))
        insp.values["grade"] = "优秀"
        insp.warns.add("W_GRADE_MISMATCH")
        for _ in range(4):
            item = self.pick("inspection_items", lambda r: r["result"] in ("部分符合", "不符合"))
            item.values["finding"] = None
            item.warns.add("W_FINDING_MISSING")
        for _ in range(2):
            ev = self.pick("evaluations", lambda r: not r.meta["last_quarter"])
            ev.values["overall"] = round(ev["overall"] + (3.5 if ev["overall"] < 90 else -3.5), 1)
            ev.warns.add("W_OVERALL_MISMATCH")

    # -- one rejected row per rule, spread over the kinds ------------------------------------------

    def registries(self) -> None:
        s, rng, today = self.s, self.rng, self.today
        prov = s.province[:2]
        new = lambda: s.new_organ("县级")  # noqa: E731
        self.insert("organs", self.broken(new(), "ROW_REQUIRED", organ_name=None))
        self.insert("organs", self.broken(new(), "ROW_ENUM", admin_level=Raw("部级")))
        self.insert("organs", self.broken(new(), "ROW_RANGE", archive_staff=-2))
        self.insert("organs", self.broken(new(), "ROW_TYPE", archive_staff=Raw("三人")))
        o = new()
        self.insert("organs", self.broken(o, "ROW_USCC", organ_code=self.bad_check(o["organ_code"])))
        self.insert("organs", self.broken(new(), "ROW_REGION", region_code=self.invalid_region("9999")))
        outside = other_province_place(s.province)
        self.insert("organs", self.broken(s.new_organ("县级", place=outside), "ROW_JURISDICTION"))
        twin = self.insert("organs", self.broken(new(), "ROW_DUPLICATE_KEY"))
        copy = Row(dict(twin.values, contact_phone=s.phone(twin["region_code"])), {"ROW_DUPLICATE_KEY"})
        self.insert("organs", copy, after=twin)

        v = s.new_vendor("91")
        code = v["vendor_code"]  # the letter O is not in the credit-code character set
        self.insert("vendors", self.broken(v, "ROW_USCC", vendor_code=code[:10] + "O" + code[11:]))
        self.insert("vendors", self.broken(s.new_vendor("91"), "ROW_TYPE", registered_capital_wan=Raw("五百万")))
        self.insert("vendors", self.broken(s.new_vendor("91"), "ROW_RANGE", registered_capital_wan=-100.0))
        self.insert("vendors", self.broken(s.new_vendor("91"), "ROW_FUTURE_DATE",
                                           established_on=today + timedelta(days=20)))
        self.insert("vendors", self.broken(s.new_vendor("91"), "ROW_REGION", region_code=self.invalid_region("0199")))
        self.insert("vendors", self.broken(s.new_vendor("91"), "ROW_ENUM", foreign_investment=Raw("部分外资")))

        seq = len(self.world["inspectors"]) + 1
        region = s.province
        for i, (rule, values) in enumerate((("ROW_REQUIRED", {"inspector_name": None}),
                                            ("ROW_TYPE", {"active": Raw("待定")}),
                                            ("ROW_USCC", {"recusal_organ_codes": Raw(self.bad_check(
                                                self.world["organs"][0]["organ_code"]))}))):
            self.insert("inspectors", self.broken(s.new_inspector(region, seq + i), rule, **values))

        vendor = self.pick("vendors", lambda r: r["vendor_code"].startswith("91"))
        q = lambda: s.new_qualification(vendor, "质量管理体系认证", today - timedelta(days=400), 3)  # noqa: E731
        row = q()
        self.insert("qualifications", self.broken(row, "ROW_DATE_ORDER",
                                                  expires_on=row["issued_on"] - timedelta(days=30)))
        self.insert("qualifications", self.broken(q(), "ROW_UNKNOWN_REFERENCE", vendor_code=self.unknown_code("91")))
        self.insert("qualifications", self.broken(q(), "ROW_ENUM", qualification_type=Raw("营业执照")))
        self.insert("qualifications", self.broken(q(), "ROW_TYPE", expires_on=Raw("长期有效")))

        organ = self.pick("organs", lambda r: r["region_code"][:2] == prov)
        p = lambda: s.new_project(organ, classified=False)  # noqa: E731
        row = p()
        self.insert("projects", self.broken(row, "ROW_DATE_ORDER", planned_end_on=row["start_on"] - timedelta(days=20),
                                            actual_end_on=None, accepted_on=None, security_confirmed_on=None))
        self.insert("projects", self.broken(p(), "ROW_UNKNOWN_REFERENCE", organ_code=self.unknown_code("11")))
        self.insert("projects", self.broken(p(), "ROW_ENUM", work_site=Raw("第三方机房")))
        self.insert("projects", self.broken(p(), "ROW_TYPE", involves_classified=Raw("不清楚")))
        self.insert("projects", self.broken(p(), "ROW_REQUIRED", signed_on=None))

        self.extra_inspections()

    def extra_inspections(self) -> None:
        """Inspections without items (nothing refers to them), each breaking one rule."""
        s, rng, today = self.s, self.rng, self.today

        def make(day, rule: str, **values) -> Row:
            organ = self.pick("organs", lambda r: r["region_code"][:2] == s.province[:2])
            row = events.new_inspection(s, day, organ, None, "双随机抽查")
            row.meta["items"] = []
            year = min(day.year, today.year)
            events.assign_inspection_code(row, f"JC-{year}-{s.next_seq(f'inspection{year}'):04d}")
            row.meta["year"] = year
            row.values.update(rectification_due_on=None)
            return self.insert("inspections", self.broken(row, rule, **values))
        recent = lambda: today - timedelta(days=rng.randint(20, 200))  # noqa: E731
        make(today + timedelta(days=7), "ROW_FUTURE_DATE")
        make(recent(), "ROW_RANGE", score=120.0, grade="优秀")
        row = make(recent(), "ROW_DATE_ORDER")
        row.values["rectification_due_on"] = row["inspected_on"] - timedelta(days=10)
        row = make(recent(), "ROW_UNKNOWN_REFERENCE", vendor_code=None)
        row.values["project_code"] = rng.choice([p for p in self.world["projects"]
                                                 if p.loaded and p["organ_code"] != row["organ_code"]])["project_code"]

    # -- leaf rows ----------------------------------------------------------------------------------

    def item(self, recipe: str) -> int:
        """Break one inspection item; returns the number of rejected rows made (0 when impossible)."""
        rng = self.rng
        if recipe in ("required", "enum", "duplicate"):
            item = self.pick_pooled("inspection_items", not_applicable)
            if item is None:
                return 0
            if recipe == "required":
                self.broken(item, "ROW_REQUIRED", result=None)
            elif recipe == "enum":
                self.broken(item, "ROW_ENUM", result=Raw("待定"))
            else:
                self.broken(item, "ROW_DUPLICATE_KEY")
                twin = Row(dict(item.values, result="符合"), {"ROW_DUPLICATE_KEY"}, meta=dict(item.meta))
                self.insert("inspection_items", twin, after=item)
                return 2
            return 1
        insp = self.pick("inspections", lambda r: bool(r.meta["items"]))
        if insp is None:
            return 0
        if recipe == "unknown_item":
            taken = {r["item_code"] for r in insp.meta["items"]} | insp.meta.setdefault("extra_codes", set())
            code = next((c for c in UNKNOWN_ITEM_CODES if c not in taken), None)
            if code is None:
                return 0
            insp.meta["extra_codes"].add(code)
            values = {"inspection_code": insp["inspection_code"], "item_code": code, "result": "符合", "finding": None}
        else:  # an inspection number with a typo: no such inspection
            values = {"inspection_code": self.typo_inspection_code(insp.meta["year"]),
                      "item_code": rng.choice(self.s.checklist)[0], "result": "符合", "finding": None}
        self.insert("inspection_items", Row(values, {"ROW_UNKNOWN_REFERENCE"}, meta={"year": insp.meta["year"]}))
        return 1

    def evaluation(self, recipe: str) -> int:
        ev = self.pick("evaluations")
        if ev is None:
            return 0
        if recipe == "duplicate":
            self.broken(ev, "ROW_DUPLICATE_KEY")
            values = dict(ev.values, quality=ev["quality"] + 5 if ev["quality"] <= 95 else ev["quality"] - 5)
            values["overall"] = events.overall(values)
            self.insert("evaluations", Row(values, {"ROW_DUPLICATE_KEY"}, meta=dict(ev.meta)), after=ev)
            return 2
        if recipe == "unknown":  # a project of another organ: no such project for this organ and vendor
            taken = {self.eval_key(r) for r in self.world["evaluations"]}
            for other in self.rng.sample(self.world["projects"], len(self.world["projects"])):
                key = self.eval_key(ev, other["project_code"])
                if other.loaded and other["organ_code"] != ev["organ_code"] and key not in taken:
                    self.broken(ev, "ROW_UNKNOWN_REFERENCE", project_code=other["project_code"])
                    return 1
            return 0
        # The derived overall is left to the loader so that the broken row raises nothing else.
        rule, values = {"range": ("ROW_RANGE", {"quality": 105.0}), "required": ("ROW_REQUIRED", {"quality": None}),
                        "type": ("ROW_TYPE", {"timeliness": Raw("良好")})}[recipe]
        self.broken(ev, rule, overall=None, **values)
        return 1

    @staticmethod
    def eval_key(row: Row, project_code: str | None = None) -> tuple:
        return row["organ_code"], row["vendor_code"], project_code or row["project_code"], row["period"]

    RECTIFICATION_RECIPES = {
        "type": ("ROW_TYPE", lambda r: r["completed_on"] is not None,
                 lambda r: {"completed_on": Raw("已完成"), "verified_on": None, "verification": None}),
        "enum": ("ROW_ENUM", lambda r: r["verified_on"] is not None, lambda r: {"verification": Raw("基本通过")}),
        "order": ("ROW_DATE_ORDER", lambda r: r["completed_on"] is not None,
                  lambda r: {"verified_on": r["completed_on"] - timedelta(days=3), "verification": "通过"}),
        "required": ("ROW_REQUIRED", lambda r: True, lambda r: {"due_on": None}),
    }

    def rectification(self, recipe: str) -> int:
        if recipe == "unknown":  # copied from a real one, under an inspection number with a typo
            base = self.pick("rectifications")
            if base is None:
                return 0
            values = dict(base.values, inspection_code=self.typo_inspection_code(base.meta["year"]))
            self.insert("rectifications", Row(values, {"ROW_UNKNOWN_REFERENCE"}, meta=dict(base.meta)))
            return 1
        rule, test, values = self.RECTIFICATION_RECIPES[recipe]
        row = self.pick("rectifications", test)
        if row is None:
            return 0
        self.broken(row, rule, **values(row))
        return 1

    def typo_inspection_code(self, year: int) -> str:
        """An inspection number with the letter O for a zero: never a real one (those are digits)."""
        return f"JC-{year}-O{self.s.next_seq(f'typo{year}'):03d}"

    def incidents(self) -> None:
        s, today = self.s, self.today
        projects = [p for p in self.world["projects"] if p.loaded and p["start_on"] < today - timedelta(days=10)
                    and (p["actual_end_on"] or today) >= s.start]

        def make(rule: str, **values) -> Row:
            row = events.new_incident(s, self.rng.choice(projects))
            year = row["occurred_at"].year
            row.values["incident_code"] = f"SJ-{year}-{s.next_seq(f'incident{year}'):03d}"
            return self.insert("incidents", self.broken(row, rule, **values))
        make("ROW_REQUIRED", description=None)
        make("ROW_REQUIRED", status="已结案", closed_on=None)  # 结案日期 is required once the case is closed
        make("ROW_TYPE", occurred_at=Raw("上周五上午"), discovered_at=None)
        make("ROW_ENUM", severity=Raw("严重"))
        row = make("ROW_DATE_ORDER")
        row.values["discovered_at"] = row["occurred_at"] - timedelta(hours=2)
        make("ROW_FUTURE_DATE", reported_at=datetime.combine(today + timedelta(days=2), time(10, 0)),
             status="处置中", closed_on=None)
        make("ROW_UNKNOWN_REFERENCE", organ_code=self.unknown_code("11"), vendor_code=None, project_code=None)
        first = make("ROW_DUPLICATE_KEY")
        twin = Row(dict(first.values, description=first["description"] + "（续报）"), {"ROW_DUPLICATE_KEY"})
        self.insert("incidents", twin, after=first)

    # -- plan -------------------------------------------------------------------------------------

    def plant(self) -> None:
        if self.bad_share <= 0:
            return
        self.warnings()
        self.registries()
        self.incidents()
        leaf = {
            "inspection_items": (self.item, ("required", "enum", "duplicate", "unknown_item", "unknown_inspection")),
            "evaluations": (self.evaluation, ("range", "required", "type", "unknown", "duplicate")),
            "rectifications": (self.rectification, ("type", "enum", "order", "unknown", "required")),
        }
        for kind, (breaker, recipes) in leaf.items():
            target = max(len(recipes), round(self.bad_share * len(self.world[kind])))
            done, i, misses = 0, 0, 0
            while done < target and misses < 2 * len(recipes):
                made = breaker(recipes[i % len(recipes)])
                done, misses = done + made, misses + (not made)
                i += 1
        self.place_twins()
