"""Scale probe of the analytics layer (not the official benchmark, which will use the national-scale
sample generator): fills a warehouse with synthetic rows by SQL (no files), then times the loader's
derivations, a full mart refresh, an incremental refresh after a small load, and every query
function warm.

    .venv/bin/python benchmarks/analytics_probe.py --organs 100000 --out /tmp/probe.duckdb

Sizes: --organs N organs, N/20 vendors, 4N projects, ~10N inspections with 33 checklist items each
(≈ 33 × 10N item rows: 33 million at N = 100,000), evaluations per active project-quarter. Organ and
vendor codes are laid out as unified social credit codes are (registration region inside, a body in
no particular order), so that a load's new codes fall among the old ones: codes that sorted apart
from every code a load brings let the scans skip whole tables, which no real warehouse allows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path

from schemas.identifiers import region_table
from warehouse import db, marts, queries, store

TODAY = dt.date(2025, 10, 8)
# an organisation code's eight digits from a row number: a permutation of 0 … 10^8 − 1 (7919 is prime)
BODY = "lpad(((({i}) * 7919 + 12345) % 100000000)::VARCHAR, 8, '0')"


def timed(label: str, fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    print(f"{label:<48} {time.perf_counter() - t:8.2f} s", flush=True)
    return out


def fill(con, n_organs: int) -> None:
    counties = [c for c in region_table().filter(
        (region_table()["level"] == "county") & region_table()["region_code"].str.starts_with("33")
        & region_table()["valid_to"].is_null())["region_code"].to_list()]
    con.execute("CREATE OR REPLACE TEMP TABLE counties AS SELECT unnest($c) AS region_code, "
                "generate_subscripts($c, 1) AS ci", {"c": counties})
    n_vendors, n_projects = max(n_organs // 20, 10), n_organs * 4
    con.execute("INSERT INTO loads VALUES (1, now(), NULL, $t, '330000', 'probe', 1, 'running')", {"t": TODAY})
    con.execute("INSERT INTO load_batches SELECT 1, 1, 'probe', 'probe', NULL, NULL, 'organs', 0, 0, 0, 0, 'loaded', "
                "NULL, NULL, now()")
    nc = len(counties)
    # Codes laid out as unified social credit codes are: the registration region inside (so an organ's
    # code sorts with its county's), then a body that is not in order of registration (organisation
    # codes are issued nationally). Check characters are not computed: the rows never pass the ETL.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE organ_index AS
        SELECT t.i AS oi, c.region_code, '11' || c.region_code || {BODY.format(i='t.i')} || 'XX' AS code
        FROM range({n_organs}) t(i) JOIN counties c ON c.ci = 1 + (hash(t.i) % {nc})""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE vendor_index AS
        SELECT i AS vi, '91330100' || {BODY.format(i='i')} || 'XX' AS code FROM range({n_vendors}) t(i)""")
    con.execute(f"""
        INSERT INTO organs (organ_code, organ_name, region_code, admin_level, batch_id, source_file, loaded_at)
        SELECT code, '机关' || oi, region_code, '县级', 1, 'probe', now() FROM organ_index""")
    con.execute(f"""
        INSERT INTO vendors (vendor_code, vendor_name, region_code, batch_id, source_file, loaded_at)
        SELECT code, '服务机构' || vi, '330100', 1, 'probe', now() FROM vendor_index""")
    con.execute(f"""
        INSERT INTO qualifications (vendor_code, qualification_type, certificate_no, issued_on, expires_on, status,
                                    batch_id, source_file, loaded_at)
        SELECT code,
               CASE vi % 3 WHEN 0 THEN '国家秘密载体印制资质' WHEN 1 THEN '信息安全管理体系认证' ELSE '质量管理体系认证' END,
               'C' || vi, DATE '2022-01-01' + (vi % 900)::INTEGER, DATE '2025-01-01' + (vi % 900)::INTEGER,
               CASE WHEN vi % 97 = 0 THEN '暂停' ELSE '有效' END, 1, 'probe', now()
        FROM vendor_index""")
    con.execute(f"""
        INSERT INTO projects (project_code, organ_code, vendor_code, service_type, service_type_text, signed_on,
                              start_on, planned_end_on, actual_end_on, work_site, involves_classified,
                              confidentiality_agreement, volume, volume_unit, batch_id, source_file, loaded_at)
        SELECT 'P' || i, o.code, v.code,
               ['档案整理', '传统载体档案数字化', '纸质档案数字复制件全文识别', '电子档案管理技术支持'][1 + i % 4],
               'x', s, s, s + 300,
               CASE WHEN s < DATE '2024-06-01' THEN s + (100 + i % 500)::INTEGER END,
               CASE WHEN i % 50 = 0 THEN '服务机构场所' ELSE '机关内部' END, i % 20 = 0, i % 33 <> 0,
               1000 + i % 50000, '页', 1, 'probe', now()
        FROM (SELECT i, DATE '2015-01-01' + (hash(i) % 3900)::INTEGER AS s FROM range({n_projects}) t(i)) t
        JOIN organ_index o ON o.oi = hash(t.i * 7) % {n_organs}
        JOIN vendor_index v ON v.vi = hash(t.i * 13) % {n_vendors}
        ORDER BY t.i""")
    # ~2.5 inspections per project (some at the organ without a project)
    con.execute("""
        INSERT INTO inspections (inspection_code, inspected_on, organ_code, project_code, inspection_kind, inspectors,
                                 inspector_count, batch_id, source_file, loaded_at)
        SELECT 'JC' || p.project_code || '-' || k, least(p.start_on + (40 + k * 150 + hash(p.project_code) % 60)::INTEGER,
                                                         DATE '2025-10-01'),
               p.organ_code, CASE WHEN k = 3 THEN NULL ELSE p.project_code END, '双随机抽查', '甲、乙', 2, 1, 'probe', now()
        FROM projects p, range(4) t(k)
        WHERE k < 1 + hash(p.project_code || 'n') % 4
          AND p.start_on + (40 + k * 150)::INTEGER <= DATE '2025-10-01'""")
    con.execute("""
        INSERT INTO inspection_items (inspection_code, item_code, result, batch_id, source_file, loaded_at)
        SELECT i.inspection_code, c.item_code,
               CASE WHEN h < 85 THEN '符合' WHEN h < 93 THEN '部分符合' WHEN h < 97 THEN '不符合' ELSE '不适用' END,
               1, 'probe', now()
        FROM (SELECT inspection_code FROM inspections) i
        CROSS JOIN (SELECT item_code FROM checklist_items WHERE checklist_version = 'v1') c,
        LATERAL (SELECT hash(i.inspection_code || c.item_code) % 100 AS h)""")
    con.execute("""
        INSERT INTO rectifications (inspection_code, item_code, due_on, completed_on, verified_on, verification,
                                    batch_id, source_file, loaded_at)
        SELECT x.inspection_code, x.item_code, i.inspected_on + 30,
               CASE WHEN hash(x.inspection_code || x.item_code) % 10 < 8
                    THEN i.inspected_on + (10 + hash(x.item_code || x.inspection_code) % 40)::INTEGER END,
               NULL, NULL, 1, 'probe', now()
        FROM inspection_items x JOIN inspections i USING (inspection_code) WHERE x.result = '不符合'""")
    con.execute("""
        INSERT INTO evaluations (period, organ_code, vendor_code, project_code, quality, timeliness, security, staffing,
                                 cooperation, overall, evaluated_on, batch_id, source_file, loaded_at)
        SELECT year(q) || '-Q' || quarter(q), p.organ_code, p.vendor_code, p.project_code, 85, 85, 85, 85, 85,
               80 + hash(p.project_code || q::VARCHAR) % 20, (q + INTERVAL 3 MONTH + INTERVAL 10 DAY)::DATE,
               1, 'probe', now()
        FROM projects p,
             unnest(generate_series(date_trunc('quarter', p.start_on), DATE '2025-04-01', INTERVAL 3 MONTH)) t(q)
        WHERE (p.actual_end_on IS NULL OR q <= p.actual_end_on) AND q >= DATE '2020-01-01'
          AND hash(p.project_code || q::VARCHAR) % 10 < 8""")
    con.execute(f"""
        INSERT INTO incidents (incident_code, organ_code, vendor_code, project_code, incident_type, severity,
                               occurred_at, reported_at, description, status, closed_on, report_delay_hours,
                               batch_id, source_file, loaded_at)
        SELECT 'SJ' || i, p.organ_code, p.vendor_code, p.project_code, '违规拷贝',
               ['一般', '一般', '一般', '较大', '重大'][1 + i % 5], (p.start_on + 60)::TIMESTAMP,
               (p.start_on + 61)::TIMESTAMP, 'x', CASE WHEN i % 3 = 0 THEN '处置中' ELSE '已结案' END,
               CASE WHEN i % 3 = 0 THEN NULL ELSE p.start_on + 90 END, 24, 1, 'probe', now()
        FROM range({max(n_organs // 5, 5)}) t(i) JOIN projects p ON p.project_code = 'P' || (hash(i) % {n_projects})""")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--organs", type=int, default=10_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/analytics_probe.duckdb"))
    ap.add_argument("--reuse", action="store_true", help="skip filling when the file exists")
    args = ap.parse_args()
    fresh = not (args.reuse and args.out.exists())
    if fresh:
        args.out.unlink(missing_ok=True)
    con = db.connect(args.out)
    if fresh:
        store.ensure_reference_data(con)
        with db.transaction(con):
            timed("fill (synthetic rows)", fill, con, args.organs)
        for t in ("organs", "projects", "inspections", "inspection_items", "rectifications", "evaluations", "incidents"):
            print(f"  {t:<20} {con.execute(f'SELECT count(*) FROM {t}').fetchall()[0][0]:>12,}")
        with db.transaction(con):
            # finished in the transaction that refreshes, as a load through the pipeline (its refresh
            # then records the load's time as every later refresh will read it)
            con.execute("UPDATE loads SET status = 'committed', finished_at = now() WHERE load_id = 1")
            timed("loader derivations (store.derive, load 1)", store.derive, con, 1, TODAY)
            stats = timed("marts.refresh full (load 1)", marts.refresh, con, load_id=1, today=TODAY)
        print(f"  mode={stats.mode} touched={stats.touched_inspections:,} organs={stats.scope_organs:,} "
              f"vendors={stats.scope_vendors:,}")
        for step, sec in stats.steps.items():
            print(f"    {step:<36} {sec:8.3f} s")
        con.execute("CHECKPOINT")
    # a small second load: one organ's new inspection with its items and a rectification
    load_id = con.execute("SELECT max(load_id) + 1 FROM loads").fetchall()[0][0]
    batch = con.execute("SELECT max(batch_id) + 1 FROM load_batches").fetchall()[0][0]
    with db.transaction(con):
        con.execute("INSERT INTO loads VALUES ($l, now(), NULL, $t, '330000', 'probe', 1, 'running')",
                    {"l": load_id, "t": TODAY})
        con.execute("INSERT INTO load_batches SELECT $b, $l, 'small', 'small', NULL, NULL, 'inspections', 1, 1, 0, 0, "
                    "'loaded', NULL, NULL, now()", {"b": batch, "l": load_id})
        code = f"JC-NEW-{load_id}"
        con.execute("INSERT INTO inspections (inspection_code, inspected_on, organ_code, project_code, inspection_kind, "
                    "inspectors, inspector_count, batch_id, source_file, loaded_at) SELECT $c, $t, "
                    "organ_code, project_code, '复查', '甲、乙', 2, $b, 'small', now() FROM projects LIMIT 1",
                    {"c": code, "t": TODAY, "b": batch})
        con.execute("INSERT INTO inspection_items (inspection_code, item_code, result, batch_id, source_file, loaded_at) "
                    " SELECT $c, item_code, CASE WHEN item_code = 'E3' THEN '不符合' ELSE '符合' END, $b, "
                    "'small', now() FROM checklist_items WHERE checklist_version = 'v1'", {"c": code, "b": batch})
        timed("loader derivations (small load)", store.derive, con, load_id, TODAY)
        stats = timed("marts.refresh incremental (small load)", marts.refresh, con, load_id=load_id, today=TODAY)
        con.execute("UPDATE loads SET status = 'committed', finished_at = now() WHERE load_id = $l", {"l": load_id})
    print(f"  mode={stats.mode} touched={stats.touched_inspections:,} organs={stats.scope_organs:,} "
          f"vendors={stats.scope_vendors:,}")
    for step, sec in stats.steps.items():
        print(f"    {step:<36} {sec:8.3f} s")
    con.close()

    con = queries.connect(args.out)
    cur = con.cursor()
    vendor = cur.sql("SELECT vendor_code FROM mart_vendor_risk ORDER BY score DESC LIMIT 1").fetchall()[0][0]
    f = queries.Filters(today=TODAY)
    g = queries.Filters(today=TODAY, period="2024", region="330100", service_type="传统载体档案数字化")
    calls = {
        "compliance_trend": lambda: queries.compliance_trend(cur, f),
        "compliance_trend county×service": lambda: queries.compliance_trend(cur, f, by=("quarter", "county",
                                                                                          "service_type")),
        "compliance_trend filtered": lambda: queries.compliance_trend(cur, g),
        "grade_distribution": lambda: queries.grade_distribution(cur, f, by=("year",)),
        "failing_categories": lambda: queries.failing_categories(cur, f),
        "failing_categories by quarter": lambda: queries.failing_categories(cur, f, by=("quarter",)),
        "most_failed_items": lambda: queries.most_failed_items(cur, f),
        "most_failed_items filtered": lambda: queries.most_failed_items(cur, g),
        "repeat_findings organ (2024)": lambda: queries.repeat_findings(cur, queries.Filters(period="2024",
                                                                                               today=TODAY)),
        "vendor_risk": lambda: queries.vendor_risk(cur, f),
        "vendor_risk_components": lambda: queries.vendor_risk_components(cur, vendor),
        "vendor_risk_evidence": lambda: queries.vendor_risk_evidence(cur, vendor),
        "vendor_tier_history": lambda: queries.vendor_tier_history(cur, vendor),
        "vendor_next_tier": lambda: queries.vendor_next_tier(cur, vendor),
        "organ_schedule (city)": lambda: queries.organ_schedule(cur, queries.Filters(region="330100", today=TODAY)),
        "organ_schedule (all)": lambda: queries.organ_schedule(cur, f),
        "rectification_status": lambda: queries.rectification_status(cur, f, by=("county",)),
        "escalation_candidates (city)": lambda: queries.escalation_candidates(
            cur, queries.Filters(region="330100", today=TODAY)),
        "submission_completeness (2025-Q1)": lambda: queries.submission_completeness(
            cur, queries.Filters(period="2025-Q1", today=TODAY)),
        "coverage": lambda: queries.coverage(cur, f, by_kind=True),
        "kpis": lambda: queries.kpis(cur, f),
        "data_as_of kind": lambda: queries.data_as_of(cur, f),
        "data_as_of organ (county)": lambda: queries.data_as_of(cur, queries.Filters(region="330102", today=TODAY),
                                                                by="organ"),
    }
    print(f"\n{'query (warm, median of 5)':<40} {'ms':>8} {'rows':>9}")
    for name, call in calls.items():
        call()
        times = []
        for _ in range(5):
            t = time.perf_counter()
            out = call()
            times.append((time.perf_counter() - t) * 1000)
        print(f"{name:<40} {statistics.median(times):8.1f} {out.height:>9,}")


if __name__ == "__main__":
    main()
