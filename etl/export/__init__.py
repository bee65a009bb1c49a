"""Exports: the annual workbook, the annual report, the auditor snapshot and the grid export.

Every figure comes from the query layer (warehouse/queries.py) through `annual.collect`, once per
export, and every export takes a queries.Filters whose region is the user's scope (issue 7's access
control passes it). See docs/exports.md.

    from etl.export import export_annual
    result = export_annual(con, 2025, scope, workbook="2025年报.xlsx", report="2025年度报告.docx",
                           snapshot="快照/2025")

Modules: annual (figures, tables, rules, methodology), annual_workbook (.xlsx), annual_report
(.docx), charts (matplotlib with Noto Sans CJK), snapshot (Parquet + manifest, figures_from_snapshot),
grid_export (any page's grid as .xlsx or CSV), jobs (background exports with progress).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

Progress = Callable[[float, str], None]


@dataclass
class AnnualExport:
    year: int
    scope_label: str
    data_as_of: Any
    workbook: Path | None = None
    report: Path | None = None
    snapshot: Path | None = None
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: list[str] = field(default_factory=list)


def export_annual(con, year: int, scope, *, workbook: str | Path | None = None, report: str | Path | None = None,
                  snapshot: str | Path | None = None, progress: Progress | None = None) -> AnnualExport:
    """Collect the year once and write whichever of workbook, report and snapshot are asked for."""
    from etl.export import annual, annual_report, annual_workbook
    from etl.export import snapshot as snap
    say = progress or (lambda share, message: None)
    check_targets(workbook=workbook, report=report, snapshot=snapshot)
    if report is not None:
        from etl.export.charts import cjk_family
        cjk_family()  # fail before any work when the Chinese font is missing
    data = annual.collect(con, year, scope, progress=say)
    result = AnnualExport(year, data.scope_label, data.data_as_of, figures=data.figures_dict(),
                          issues=[f"{i.title}：{i.text}" for i in data.issues])
    if workbook is not None:
        annual_workbook.write_annual_workbook(data, workbook, progress=lambda s, m: say(0.65 + s * 0.1, m))
        result.workbook = Path(workbook)
    if report is not None:
        say(0.8, "写出年度报告…")
        annual_report.write_annual_report(data, report)
        result.report = Path(report)
    if snapshot is not None:
        say(0.9, "写出审计快照…")
        snap.write_snapshot(con, year, scope, snapshot, data=data)
        result.snapshot = Path(snapshot)
    say(1.0, "完成")
    return result


def check_targets(*, workbook=None, report=None, snapshot=None) -> None:
    """Refuse, before any work, a file name of the wrong kind or a folder that cannot be written,
    so that no export stops half-way with some files written (file objects are not checked)."""
    from etl.export.annual import ExportError
    for path, what, suffix in ((workbook, "工作簿", ".xlsx"), (report, "年度报告", ".docx")):
        if not isinstance(path, (str, Path)):
            continue
        path = Path(path)
        if path.suffix.lower() != suffix:
            raise ExportError(f"{what}须为 {suffix} 文件，而不是“{path.name}”")
        if path.is_dir():
            raise ExportError(f"{what}路径 {path} 是一个目录，请给出文件名")
        _check_writable(path.parent, what)
    if isinstance(snapshot, (str, Path)):
        folder = Path(snapshot)
        if folder.exists() and not folder.is_dir():
            raise ExportError(f"快照目录 {folder} 已是一个文件")
        while not folder.exists() and folder != folder.parent:   # the folder is created: check its nearest parent
            folder = folder.parent
        _check_writable(folder, "审计快照")


def _check_writable(folder: Path, what: str) -> None:
    import tempfile

    from etl.export.annual import ExportError
    if not folder.is_dir():
        raise ExportError(f"无法写入{what}：目录 {folder} 不存在，请先创建该目录")
    try:  # a real write: permission bits do not tell for root, read-only mounts or /proc
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ExportError(f"无法写入{what}：目录 {folder} 不可写") from None
