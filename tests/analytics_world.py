"""A tiny world for the analytics tests: rows are written as real CSV files (English headers) and
loaded through the real loader (etl.pipeline.run), which refreshes the marts.

    w = World(tmp_path)
    o = w.organ(1, region="330102")
    v = w.vendor(1)
    w.project("P1", o, v, start="2025-01-10")
    w.inspection("I1", o, "2025-03-01", project="P1", items={"A1": "不符合"})
    w.load(today=date(2025, 6, 30))
    con = w.connect()

Checklist v1 weights (schemas/data/checklist_v1.csv), used by the hand computations:
A 10 = A1 4, A2 4 (veto), A3 2 | B 15 = B1–B5 3 each | C 10 = C1 3, C2 3 (veto), C3 2, C4 2 |
D 12 = D1–D4 3 each | E 12 = E1 4, E2 2, E3 3, E4 3 | F 15 = F1 5 (veto), F2 3, F3 4, F4 3 |
G 12 = G1 4, G2 3, G3 2, G4 3 | H 8 = H1 4, H2 2, H3 2 | I 6 = I1 3 (veto), I2 3 (veto).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from etl import pipeline
from schemas.checklist import item_codes
from schemas.identifiers import make_uscc
from tests.lake_support import new_warehouse
from warehouse import db

Day = str | dt.date


def organ_code(n: int, region: str = "330102") -> str:
    return make_uscc("11", region, f"{n:08d}")


def vendor_code(n: int) -> str:
    return make_uscc("91", "330100", f"{n:08d}")


class World:
    def __init__(self, root: Path, jurisdiction: str = "330000", *, file_only: bool = False):
        """file_only: the embedded file even with --ducklake, for a long run of loads that checks SQL
        which is the same on both backends (the lake run then stays short)."""
        self.root = root
        file = root / "wh" / "oversight.duckdb"
        self.warehouse = file if file_only else new_warehouse(file)
        self.jurisdiction = jurisdiction
        self.pending: dict[str, list[dict[str, Any]]] = {}
        self.loads = 0

    # -- rows ---------------------------------------------------------------------------------------

    def add(self, kind: str, **row: Any) -> dict[str, Any]:
        self.pending.setdefault(kind, []).append(row)
        return row

    def organ(self, n: int, region: str = "330102", level: str = "县级", name: str | None = None) -> str:
        code = organ_code(n, region)
        self.add("organs", organ_code=code, organ_name=name or f"测试机关{n}", region_code=region,
                 admin_level=level)
        return code

    def vendor(self, n: int, name: str | None = None) -> str:
        code = vendor_code(n)
        self.add("vendors", vendor_code=code, vendor_name=name or f"测试档案服务有限公司{n}")
        return code

    def qualification(self, vendor: str, certificate_no: str, kind: str, issued: Day, expires: Day,
                      status: str = "有效") -> None:
        self.add("qualifications", vendor_code=vendor, qualification_type=kind, certificate_no=certificate_no,
                 issued_on=issued, expires_on=expires, status=status)

    def project(self, code: str, organ: str, vendor: str, start: Day, *, end: Day | None = None,
                planned_end: Day = "2030-12-31", service: str = "传统载体档案数字化", classified: bool = False,
                agreement: bool = True, site: str = "机关内部", volume: float | None = None,
                unit: str | None = None) -> str:
        self.add("projects", project_code=code, organ_code=organ, vendor_code=vendor, service_type=service,
                 signed_on=start, start_on=start, planned_end_on=planned_end, actual_end_on=end, work_site=site,
                 involves_classified="是" if classified else "否", confidentiality_agreement="是" if agreement else "否",
                 volume=volume, volume_unit=unit)
        return code

    def inspection(self, code: str, organ: str, on: Day, *, project: str | None = None, vendor: str | None = None,
                   score: float | None = None, items: dict[str, str] | None = None, full: bool = True,
                   kind: str = "双随机抽查", due: Day | None = None) -> str:
        """items: results that are not 符合; with full=True every other checklist item is 符合."""
        self.add("inspections", inspection_code=code, inspected_on=on, organ_code=organ, project_code=project,
                 vendor_code=vendor, inspection_kind=kind, inspectors="张三、李四", score=score,
                 rectification_due_on=due)
        if items is not None:
            results = {c: "符合" for c in item_codes()} if full else {}
            results.update(items)
            for item, result in results.items():
                self.add("inspection_items", inspection_code=code, item_code=item, result=result,
                         finding=None if result in ("符合", "不适用") else "问题")
        return code

    def rectification(self, inspection: str, item: str, due: Day, *, completed: Day | None = None,
                      verified: Day | None = None, verification: str | None = None) -> None:
        self.add("rectifications", inspection_code=inspection, item_code=item, due_on=due, completed_on=completed,
                 verified_on=verified, verification=verification)

    def evaluation(self, period: str, organ: str, vendor: str, overall: float, *, project: str | None = None,
                   evaluated_on: Day | None = None) -> None:
        """All five parts equal to `overall`, so the derived overall is exactly `overall`."""
        self.add("evaluations", period=period, organ_code=organ, vendor_code=vendor, project_code=project,
                 quality=overall, timeliness=overall, security=overall, staffing=overall, cooperation=overall,
                 evaluated_on=evaluated_on)

    def incident(self, code: str, organ: str, severity: str, occurred: str, *, reported: str | None = None,
                 vendor: str | None = None, project: str | None = None, status: str = "处置中",
                 closed: Day | None = None) -> None:
        self.add("incidents", incident_code=code, organ_code=organ, vendor_code=vendor, project_code=project,
                 incident_type="其他", severity=severity, occurred_at=occurred, reported_at=reported or occurred,
                 description="测试事件", status=status, closed_on=closed)

    # -- loading ------------------------------------------------------------------------------------

    def write(self) -> Path:
        self.loads += 1
        folder = self.root / f"load{self.loads}"
        folder.mkdir(parents=True)
        for kind, rows in self.pending.items():
            columns = list(dict.fromkeys(k for r in rows for k in r))
            with open(folder / f"{kind}.csv", "w", newline="", encoding="utf-8") as fh:
                out = csv.writer(fh)
                out.writerow(columns)
                for r in rows:
                    out.writerow(["" if r.get(c) is None else str(r.get(c)) for c in columns])
        self.pending = {}
        return folder

    def load(self, today: dt.date, *, expect_clean: bool = True) -> pipeline.LoadResult:
        folder = self.write()
        result = pipeline.run([folder], pipeline.Settings(self.warehouse, self.jurisdiction, today))
        if expect_clean:
            rejected = result.issues.filter(result.issues["severity"] == "error")
            assert rejected.is_empty(), rejected.select("source_file", "source_row", "rule", "message").to_dicts()
        return result

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        return db.connect(self.warehouse, read_only=read_only)

    def as_before(self, migration: str, dropped: dict[str, list[str]]) -> None:
        """The (file) warehouse as the release before `migration` left it: the columns it added
        dropped, and the migration not yet applied (the next writable connection applies it)."""
        with duckdb.connect(str(self.warehouse)) as con:
            for table, columns in dropped.items():
                for column in columns:
                    con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
            con.execute("DELETE FROM schema_migrations WHERE name = $name", {"name": migration})
