"""The annual report (its text, Chinese included, can be extracted), the auditor snapshot (its
figures, recomputed from the Parquet alone, equal the workbook's), and background export jobs."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from etl.cli import main
from etl.export import annual, annual_report, charts, export_annual
from etl.export import snapshot as snap
from etl.export.jobs import JobRunner
from tests.export_support import TODAY, YEAR, con, sample_warehouse, summary_figures, warehouse_path  # noqa: F401 (fixtures)
from warehouse import queries


@pytest.fixture(scope="module")
def exported(con, tmp_path_factory):
    """Workbook, report and snapshot of the whole province, from one collection."""
    out = tmp_path_factory.mktemp("annual_all")
    result = export_annual(con, YEAR, annual.scope_filters(None, TODAY), workbook=out / "年报.xlsx",
                           report=out / "年度报告.docx", snapshot=out / "快照")
    return result


def document_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def test_report_text_headings_figures_and_issues(exported):
    text = document_text(exported.report)
    for heading in ("浙江省2025年度档案外包监管报告", "一、总体情况", "二、主要指标", "三、检查结果", "四、检查项问题",
                    "五、服务机构风险", "六、事件、整改与报送", "七、需重点关注的问题", "附：口径说明"):
        assert heading in text, heading
    inspections = int(exported.figures["inspections"]["value"])
    previous = int(exported.figures["inspections"]["previous_value"])
    assert f"2025年共检查机关 {inspections} 家次" in text
    assert f"（上年 {previous} 家次）" in text
    assert f"检查次数（家次） | {inspections} | {previous}" in text
    assert "数据截至：2026年3月15日" in text
    issues = re.findall(r"^\d\. .+", text, flags=re.M)
    assert 1 <= len(issues) <= 3
    doc = Document(exported.report)
    assert len(doc.inline_shapes) >= 4               # the charts
    assert "数据截至" in doc.sections[0].header.paragraphs[0].text


def test_report_chart_images_are_png(exported):
    with zipfile.ZipFile(exported.report) as zf:
        images = [n for n in zf.namelist() if n.startswith("word/media/")]
        assert images and all(zf.read(n).startswith(b"\x89PNG") for n in images)


def test_report_refuses_without_a_cjk_font(monkeypatch, con, tmp_path):
    monkeypatch.setattr(charts, "CJK_FAMILIES", ("No Such CJK Font",))
    monkeypatch.setattr(charts.shutil, "which", lambda name: None)
    charts.cjk_family.cache_clear()
    try:
        with pytest.raises(charts.CJKFontMissing, match="fonts-noto-cjk"):
            annual_report.export_annual_report(con, YEAR, annual.scope_filters(None, TODAY), tmp_path / "r.docx")
    finally:
        charts.cjk_family.cache_clear()
    assert not (tmp_path / "r.docx").exists()


def test_snapshot_reproduces_the_workbook_figures(exported):
    workbook = summary_figures(openpyxl.load_workbook(exported.workbook))
    recomputed = snap.figures_from_snapshot(exported.snapshot)
    assert set(recomputed) == set(workbook)
    for key, (value, previous) in workbook.items():
        assert (recomputed[key]["value"], recomputed[key]["previous_value"]) == (value, previous), key


def test_snapshot_manifest_files_and_tamper_check(exported, tmp_path):
    manifest = json.loads((exported.snapshot / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["year"] == YEAR and manifest["data_as_of"] == "2026-03-15" and manifest["today"] == "2026-03-15"
    names = {f["name"] for f in manifest["files"]}
    for name in ("facts/inspections.parquet", "facts/inspection_items.parquet", "facts/rectifications.parquet",
                 "facts/evaluations.parquet", "facts/incidents.parquet", "registries/organs.parquet",
                 "registries/vendors.parquet", "registries/projects.parquet", "derived/check_events.parquet"):
        assert name in names
    assert all(f["rows"] > 0 and len(f["sha256"]) == 64 for f in manifest["files"])
    assert manifest["figures"] == exported.figures
    copy = tmp_path / "copy"
    archive = snap.zip_snapshot(exported.snapshot)
    zipfile.ZipFile(io.BytesIO(archive)).extractall(copy)
    assert snap.figures_from_snapshot(copy) == snap.figures_from_snapshot(exported.snapshot)
    target = copy / "facts/incidents.parquet"
    target.write_bytes(target.read_bytes() + b"\0")
    with pytest.raises(snap.SnapshotError, match="SHA-256"):
        snap.figures_from_snapshot(copy)


def test_region_snapshot_by_command(warehouse_path, con, tmp_path):
    result = CliRunner().invoke(main, ["export", "snapshot", "--year", str(YEAR), "--out", str(tmp_path / "s"),
                                       "--region", "330100", "--warehouse", str(warehouse_path),
                                       "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    manifest = snap.read_manifest(tmp_path / "s")
    assert manifest["region"] == "330100"
    recomputed = snap.figures_from_snapshot(tmp_path / "s")
    assert {k: (v["value"], v["previous_value"]) for k, v in recomputed.items()} == {
        k: (v["value"], v["previous_value"]) for k, v in manifest["figures"].items()}
    organs = con.execute(f"SELECT count(*) FROM read_parquet('{tmp_path / 's/registries/organs.parquet'}') "
                         "WHERE NOT starts_with(region_code, '3301')").fetchall()[0][0]
    assert organs == 0


def test_background_job_with_progress(warehouse_path, tmp_path):
    runner = JobRunner(tmp_path / "jobs")
    try:
        job = runner.submit_annual(lambda: queries.connect(warehouse_path), YEAR, annual.scope_filters("3301", TODAY),
                                   kinds=("workbook", "snapshot"))
        state = runner.wait(job, timeout=60)
        assert state["status"] == "done", state
        assert state["progress"] == 1.0 and state["region"] == "3301"
        assert runner.file(job, "workbook").suffix == ".xlsx"
        assert zipfile.ZipFile(runner.file(job, "snapshot")).read("manifest.json")
        other = JobRunner(tmp_path / "jobs")          # another server process sharing the folder
        assert other.get(job)["status"] == "done" and other.file(job, "workbook") == runner.file(job, "workbook")
        assert other.get("../etc") is None
        other.shutdown()
        failing = runner.submit("坏任务", lambda folder, progress: 1 / 0)
        state = runner.wait(failing)
        assert state["status"] == "failed" and "ZeroDivisionError" in state["error"]
        assert runner.file(failing, "workbook") is None
    finally:
        runner.shutdown()


def test_the_quarterly_charts_legend_sits_below_the_quarters_not_over_the_bars(monkeypatch):
    import polars as pl
    drawn = {}
    real_png = charts._png

    def keep(fig):
        fig.canvas.draw()
        ax = fig.axes[0]
        drawn["legend"] = ax.get_legend().get_window_extent()
        drawn["axes"] = ax.get_window_extent()
        drawn["ticks"] = max(t.get_window_extent().y0 for t in ax.get_xticklabels())
        return real_png(fig)
    monkeypatch.setattr(charts, "_png", keep)
    frame = pl.DataFrame({"period": ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"], "inspections": [3, 4, 3, 5],
                          "pass_rate": [0.7, 0.75, 0.8, 0.78]})
    assert charts.quarterly(frame, "分季度检查次数与合格率").startswith(b"\x89PNG")
    # display coordinates grow upwards: the legend's top is below the plot and below the tick labels
    assert drawn["legend"].y1 < drawn["axes"].y0 and drawn["legend"].y1 <= drawn["ticks"]
