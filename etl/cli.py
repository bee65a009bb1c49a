"""The `oversight` command: a thin layer that parses options and calls the library.

Settings (contract §6) come from an option, else an environment variable, else a default, and are
resolved here once. Errors a user can cause are answered in Chinese with exit code 1 or 2; no
Python traceback reaches the terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

DEFAULT_WAREHOUSE = "data/oversight.duckdb"


def _today(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"“{value}”不是有效日期，应为 YYYY-MM-DD") from None


warehouse_option = click.option("--warehouse", envvar="OVERSIGHT_WAREHOUSE", default=DEFAULT_WAREHOUSE,
                                show_default=True, type=click.Path(dir_okay=False, path_type=Path),
                                help="仓库文件 / warehouse file (OVERSIGHT_WAREHOUSE)")
jurisdiction_option = click.option("--jurisdiction", envvar="OVERSIGHT_JURISDICTION",
                                   help="辖区行政区划代码，如 330000 / jurisdiction region code (OVERSIGHT_JURISDICTION)")
today_option = click.option("--today", envvar="OVERSIGHT_TODAY",
                            help="装载日，默认今天 / day of loading YYYY-MM-DD (OVERSIGHT_TODAY)")


class Group(click.Group):
    """Turns unexpected failures into a one-line Chinese message instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # last line of defence: say what failed, never dump a traceback
            from warehouse.db import WarehouseBusy
            if isinstance(exc, WarehouseBusy):
                click.echo("仓库正被另一个进程写入，请稍后再试。", err=True)
            else:
                click.echo(f"操作失败：{type(exc).__name__}: {exc}", err=True)
            sys.exit(1)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """档案外包监管分析 Archive Oversight."""


def _resolve_jurisdiction(warehouse: Path, given: str | None, *, required: bool) -> str | None:
    """The warehouse remembers its jurisdiction; a different one given later is refused."""
    from schemas.identifiers import is_jurisdiction
    from warehouse import db
    if given is not None and not is_jurisdiction(given):
        raise click.UsageError(f"辖区代码“{given}”不是有效的行政区划代码（全国为 100000）")
    stored = None
    if warehouse.exists():
        con = db.connect(warehouse, read_only=True)
        try:
            stored = db.get_setting(con, "jurisdiction") if _has_settings(con) else None
        finally:
            con.close()
    if stored and given and stored != given:
        raise click.UsageError(f"该仓库的辖区为 {stored}，不能以辖区 {given} 装载")
    value = stored or given
    if required and value is None:
        raise click.UsageError("首次装载须用 --jurisdiction（或环境变量 OVERSIGHT_JURISDICTION）指定辖区代码，如 330000")
    return value


def _has_settings(con) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'settings'").fetchall()[0][0])


def _run(paths, warehouse, jurisdiction, today, *, write, as_json, report=None):
    from etl import pipeline
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise click.UsageError("找不到：" + "、".join(str(p) for p in missing))
    code = _resolve_jurisdiction(warehouse, jurisdiction, required=write)
    settings = pipeline.Settings(warehouse, code, _today(today))
    with _progress(enabled=not as_json) as progress:
        result = pipeline.run(list(paths), settings, write=write, progress=progress)
    if report:
        from etl.report import write_error_report
        write_error_report(result.issues, report, files=[f.as_json() for f in result.files])
    if as_json:
        click.echo(json.dumps(result.summary(), ensure_ascii=False, indent=2))
    else:
        _print_summary(result, write=write, report=report)
    sys.exit(1 if result.any_rejected_whole else 0)


class _progress:
    """A spinner with the current step on a terminal, for loads longer than a moment."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console
        self.status = Console(stderr=True).status("准备…")
        self.status.__enter__()
        return lambda msg: self.status.update(msg)

    def __exit__(self, *exc):
        if self.enabled:
            self.status.__exit__(*exc)




def _print_summary(result, *, write: bool, report: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from schemas.kinds import BY_NAME
    from schemas.rules import STATUS_ZH
    console = Console()
    table = Table(title="装载结果" if write else "校验结果")
    for header in ("文件", "工作表", "类型", "读取行", "装载行" if write else "合格行", "退回行", "警告行", "状态"):
        table.add_column(header)
    for f in result.files:
        kind = BY_NAME[f.kind].zh if f.kind else ""
        table.add_row(Path(f.path).name, f.sheet or "", kind, str(f.rows_read), str(f.rows_loaded),
                      str(f.rows_rejected), str(f.rows_warned), STATUS_ZH.get(f.status, f.status))
    console.print(table)
    summary = result.summary()
    console.print(f"共读取 {summary['rows_read']} 行，{'装载' if write else '合格'} {summary['rows_loaded']} 行，"
                  f"退回 {summary['rows_rejected']} 行。")
    for f in result.files:
        if f.message:
            console.print(f"[red]{Path(f.path).name}{'：' + f.sheet if f.sheet else ''} {f.rule}[/red] {f.message}")
    errors = result.issues.filter(result.issues["severity"] == "error")
    for row in errors.head(20).iter_rows(named=True):
        if row["source_row"] is not None:
            console.print(f"{Path(row['source_file']).name} {row['sheet'] or ''} 第{row['source_row']}行 "
                          f"[{row['rule']}] {row['message']}")
    if errors.height > 20:
        console.print(f"……另有 {errors.height - 20} 条问题" + ("，详见报告。" if report else "；用 --report 导出完整报告。"))
    if report:
        console.print(f"问题报告已写入 {report}")


def _file_checking_options(report_help: str):
    """The arguments and options `load` and `validate` share (contract §6)."""
    def apply(command):
        for option in reversed([
            click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path)),
            warehouse_option, jurisdiction_option, today_option,
            click.option("--json", "as_json", is_flag=True, help="以JSON输出结果 / print one JSON object"),
            click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help=report_help),
        ]):
            command = option(command)
        return command
    return apply


@main.command()
@_file_checking_options("另写出问题报告 .xlsx")
def load(paths, warehouse, jurisdiction, today, as_json, report):
    """装载报送文件（文件或文件夹）到仓库 / load files or folders into the warehouse."""
    _run(paths, warehouse, jurisdiction, today, write=True, as_json=as_json, report=report)


@main.command()
@_file_checking_options("写出问题报告 .xlsx，供报送单位修改")
def validate(paths, warehouse, jurisdiction, today, as_json, report):
    """只校验、不写入仓库 / check files without writing to the warehouse."""
    _run(paths, warehouse, jurisdiction, today, write=False, as_json=as_json, report=report)


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("报送模板.xlsx"),
              show_default=True)
def template(out):
    """写出空白报送模板 / write the blank submission template workbook."""
    from etl.template import write_template
    write_template(out)
    click.echo(f"报送模板已写入 {out}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--organs", type=int, default=None, help="机关数")
@click.option("--vendors", type=int, default=None, help="服务机构数")
@click.option("--years", type=int, default=None, help="年数")
@click.option("--seed", type=int, default=None)
@click.option("--bad-share", type=float, default=None, help="错误行比例，如 0.03")
@today_option
@click.option("--bulk", is_flag=True, help="全国规模基准数据（英文表头，CSV或Parquet）")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True)
def sample(out, organs, vendors, years, seed, bad_share, today, bulk, fmt):
    """生成示例报送数据 / write a seeded, realistic set of sample submissions."""
    from etl import sample as gen
    options = {k: v for k, v in dict(organs=organs, vendors=vendors, years=years, seed=seed).items() if v is not None}
    if bulk:
        manifest = gen.generate_bulk(out, fmt=fmt, today=_today(today), **options)
    else:
        if bad_share is not None:
            options["bad_share"] = bad_share
        manifest = gen.generate(out, today=_today(today), **options)
    rows = manifest.get("rows_by_kind") or manifest.get("rows") or {}
    click.echo(f"示例数据已写入 {out}：" + "，".join(f"{k} {v}" for k, v in rows.items()))


@main.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("data/demo"),
              show_default=True, help="示例数据与仓库所在目录")
@today_option
def demo(folder, today):
    """生成示例报送数据并装载到示例仓库 / build the demo warehouse from sample submissions."""
    import shutil
    from etl import pipeline
    from etl import sample as gen
    from warehouse import db
    day = _today(today)
    submissions, warehouse = folder / "submissions", folder / "oversight.duckdb"
    shutil.rmtree(submissions, ignore_errors=True)
    for stale in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        stale.unlink(missing_ok=True)
    click.echo(f"生成示例报送数据：{submissions}")
    manifest = gen.generate(submissions, today=day)
    settings = pipeline.Settings(warehouse, manifest["jurisdiction"], day)
    with _progress(enabled=True) as progress:
        result = pipeline.run([submissions], settings, write=True, progress=progress)
    _print_summary(result, write=True, report=None)
    summary = result.summary()
    same = all(summary[k] == manifest[k] for k in ("rows_read", "rows_loaded", "rows_rejected"))
    click.echo("装载结果与示例数据清单一致。" if same else "注意：装载结果与示例数据清单不一致。")
    click.echo(f"示例仓库：{warehouse}（辖区 {manifest['jurisdiction']}，装载日 {day}）")


if __name__ == "__main__":
    main()
