"""The manifest: what a correct loader reports for the sample, counted from the rows' own labels.

Counting follows contract §6: data rows only; per sheet rows_read = rows_loaded + rows_rejected;
a rejected row counts once under each distinct rule it breaks; warnings are counted the same way,
on loaded rows. Flags follow contract §3 on loaded rows only (definitions in `flags`).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from etl.sample.model import Raw, World
from schemas.checklist import item_codes
from schemas.enums import SERVICE_TYPE
from schemas.kinds import BY_NAME, KINDS
from schemas.rules import INCIDENT_REPORT_HOURS

SECRECY = "国家秘密载体印制资质"
VALID_STATUS = ("有效", None)


def build(story, written, *, seed: int) -> dict:
    check_world(story.world, written)
    files, rejected, warned = [], [], []
    by_rule, warnings, by_kind = Counter(), Counter(), Counter()
    for spec, sheet, grid in written:
        loaded = [r for r in sheet.rows if r.loaded]
        entry = {"path": spec.path, "sheet": sheet.name, "kind": sheet.kind, "rows_read": len(sheet.rows),
                 "rows_loaded": len(loaded), "rows_rejected": len(sheet.rows) - len(loaded),
                 "rows_warned": sum(1 for r in loaded if r.warns)}
        files.append(entry)
        by_kind[sheet.kind] += len(loaded)
        for row, number in zip(sheet.rows, grid.data_rows):
            where = {"path": spec.path, "sheet": sheet.name, "row": number}
            if row.rejects:
                by_rule.update(row.rejects)
                rejected.append({**where, "rules": sorted(row.rejects)})
            elif row.warns:
                warnings.update(row.warns)
                warned.append({**where, "rules": sorted(row.warns)})
    return {
        "today": story.today.isoformat(), "jurisdiction": story.province, "seed": seed, "files": files,
        "rows_read": sum(f["rows_read"] for f in files), "rows_loaded": sum(f["rows_loaded"] for f in files),
        "rows_rejected": sum(f["rows_rejected"] for f in files),
        "rejections_by_rule": dict(sorted(by_rule.items())), "warnings_by_rule": dict(sorted(warnings.items())),
        "rows_by_kind": {k.name: by_kind[k.name] for k in KINDS},
        "flags": flags(story.world, story.today),
        "rejected_rows": rejected, "warned_rows": warned,
    }


def flags(world: World, today: date) -> dict[str, int]:
    """Contract §3 flags over loaded rows, with the precise definitions the loader implements."""
    loaded = {kind: [r.values for r in rows if r.loaded] for kind, rows in world.items()}
    quals: dict[str, list[dict]] = {}
    for q in loaded["qualifications"]:
        quals.setdefault(q["vendor_code"], []).append(q)

    def secrecy_on(vendor: str, day: date) -> bool:
        return any(q["qualification_type"] == SECRECY and q["issued_on"] <= day <= q["expires_on"]
                   and q["status"] in VALID_STATUS for q in quals.get(vendor, ()))

    def all_lapsed(vendor: str) -> bool:
        held = quals.get(vendor, ())
        return bool(held) and not any(q["expires_on"] >= today and q["status"] in VALID_STATUS for q in held)

    out = Counter()
    for p in loaded["projects"]:
        classified = p["involves_classified"]
        active = p["start_on"] <= today and (p["actual_end_on"] is None or p["actual_end_on"] >= today)
        out["OUT_OF_SCOPE_SERVICE"] += p["service_type"] not in SERVICE_TYPE.values
        out["CLASSIFIED_WITHOUT_QUALIFICATION"] += classified and not secrecy_on(p["vendor_code"], p["start_on"])
        out["QUALIFICATION_EXPIRED"] += active and all_lapsed(p["vendor_code"])
        out["NO_CONFIDENTIALITY_AGREEMENT"] += not p["confidentiality_agreement"]
        out["CLASSIFIED_OFFSITE"] += classified and p["work_site"] == "服务机构场所"
    out["VENDOR_NOT_ENTERPRISE"] = sum(not v["vendor_code"].startswith("91") for v in loaded["vendors"])
    out["SINGLE_INSPECTOR"] = sum(len(i["inspectors"]) < 2 for i in loaded["inspections"])
    for i in loaded["incidents"]:
        since = i["discovered_at"] or i["occurred_at"]
        out["LATE_INCIDENT_REPORT"] += i["reported_at"] - since > timedelta(hours=INCIDENT_REPORT_HOURS[i["severity"]])
    return {code: int(out[code]) for code in sorted(out)}


def check_world(world: World, written) -> None:
    """The labels must be coherent, or the manifest would mislead whoever tests a loader with it."""
    counts = Counter(sheet.kind for _s, sheet, _g in written for _ in sheet.rows)
    for kind, rows in world.items():
        assert counts[kind] == len(rows), f"{kind}: {len(rows)} rows made, {counts[kind]} written"
        keys = Counter()
        for row in rows:
            assert not (row.rejects and row.warns), (kind, row.values)
            key = tuple(row.values.get(c) for c in BY_NAME[kind].key)
            if all(v is not None and not isinstance(v, Raw) for v in key):
                keys[key] += 1 if "ROW_DUPLICATE_KEY" not in row.rejects else 1000
        for key, n in keys.items():
            assert n in (1, 2000), f"{kind}: key {key} appears in an unplanned way ({n})"
    refs = References(world)
    for kind, rows in world.items():
        for row in rows:
            broken = refs.broken(kind, row.values)
            assert broken == ("ROW_UNKNOWN_REFERENCE" in row.rejects), f"{kind}: references mislabelled {row.values}"


class References:
    """What the load will hold for rows to refer to. Organs and vendors referred to must also be free
    of warnings, so that a warning on a code is never repeated on the rows that use it."""

    def __init__(self, world: World):
        self.organs = {r["organ_code"] for r in world["organs"] if r.clean}
        self.vendors = {r["vendor_code"] for r in world["vendors"] if r.clean}
        self.projects = {(r["organ_code"], r["project_code"]): r["vendor_code"] for r in world["projects"] if r.loaded}
        self.inspections = {r["inspection_code"] for r in world["inspections"] if r.loaded}
        self.items = set(item_codes())

    def project_ok(self, v: dict, vendor_must_match: bool) -> bool:
        if v.get("project_code") is None:
            return True
        vendor = self.projects.get((v["organ_code"], v["project_code"]))
        return vendor is not None and (not vendor_must_match or v.get("vendor_code") in (None, vendor))

    def vendor_ok(self, v: dict) -> bool:
        return v.get("vendor_code") is None or v["vendor_code"] in self.vendors

    def broken(self, kind: str, v: dict) -> bool:
        if kind == "qualifications":
            return v["vendor_code"] not in self.vendors
        if kind == "projects":
            return v["organ_code"] not in self.organs or v["vendor_code"] not in self.vendors
        if kind in ("inspections", "evaluations", "incidents"):
            return not (v["organ_code"] in self.organs and self.vendor_ok(v)
                        and self.project_ok(v, vendor_must_match=kind != "incidents"))
        if kind in ("inspection_items", "rectifications"):
            return v["inspection_code"] not in self.inspections or v["item_code"] not in self.items
        return False
