"""The `oversight` command: a thin layer that parses options and calls the library.

Settings (contract §6) come from an option, else an environment variable, else a default, and are
resolved here once. Errors a user can cause are answered in Chinese with exit code 1 or 2; no
Python traceback reaches the terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import click

from etl.cli_chinese import Group

DEFAULT_WAREHOUSE = "data/oversight.duckdb"


def _today(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"“{value}”不是有效日期，应为 YYYY-MM-DD", param_hint="--today") from None


class _Warehouse(click.ParamType):
    """A warehouse location: the file, or `ducklake:postgres:…` (warehouse.db.location, docs/ducklake.md)."""
    name = "warehouse"

    def convert(self, value, param, ctx):
        from warehouse import db
        try:
            return db.location(value)
        except db.WarehouseUnavailable as exc:
            self.fail(str(exc), param, ctx)


WAREHOUSE = _Warehouse()
warehouse_option = click.option("--warehouse", envvar="OVERSIGHT_WAREHOUSE", default=DEFAULT_WAREHOUSE,
                                show_default=True, type=WAREHOUSE,
                                help="仓库文件或 ducklake:postgres:… / warehouse file or DuckLake (OVERSIGHT_WAREHOUSE)")
jurisdiction_option = click.option("--jurisdiction", envvar="OVERSIGHT_JURISDICTION",
                                   help="辖区行政区划代码，如 330000 / jurisdiction region code (OVERSIGHT_JURISDICTION)")
today_option = click.option("--today", envvar="OVERSIGHT_TODAY",
                            help="装载日，默认今天 / day of loading YYYY-MM-DD (OVERSIGHT_TODAY)")
as_option = click.option("--as", "acting_as", envvar="OVERSIGHT_USER",
                         help="以此账户的名义操作并记入审计日志，默认当前登录名 / act as this account (OVERSIGHT_USER)")


def _exists(warehouse) -> bool:
    from warehouse import db
    return db.exists(warehouse)


def _migrated(warehouse) -> None:
    """Apply the migrations a new release brings before the pages read the warehouse: they open it
    read-only, which migrates nothing (a writable connection does, warehouse/db.py)."""
    from warehouse import db
    db.connect(warehouse).close()


def _actor(warehouse: Path, acting_as: str | None, permission=None):
    """The account (or OS user name) a command runs as; refused (exit 2) when its role may not."""
    from schemas.roles import PermissionDenied
    from warehouse import access
    try:
        return access.resolve_actor(warehouse, acting_as, permission)
    except PermissionDenied as exc:
        raise click.UsageError(str(exc)) from None


def _name_of(actor) -> str | None:
    """The name a load is attributed to (loads.loaded_by): the account's, else the OS user's."""
    return getattr(actor, "username", actor)


def _audit_load(warehouse: Path, actor, paths, result) -> None:
    summary = result.summary()
    _audit(warehouse, "load", actor, target="、".join(str(p) for p in paths),
           detail={k: summary.get(k) for k in ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate")}
           | {"files": len(summary.get("files", []))})


def _audit(warehouse: Path, action: str, actor, **kwargs) -> None:
    """Record the command in the audit log. It fails only while the file stays held — by a long
    load in another process, or by a read-only connection of this same process when the CLI is
    invoked inside another program; that is said, not hidden."""
    from warehouse import access
    from warehouse.db import WarehouseBusy
    try:
        access.audit(warehouse, action, user=actor, wait=1.0, **kwargs)
    except WarehouseBusy:
        click.echo(f"警告：审计日志未能写入（{action}）：仓库正被占用，请稍后补记", err=True)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--risk-config", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="分级与风险评分配置文件，默认内置 warehouse/config/risk.toml / analytics configuration "
                   "(OVERSIGHT_RISK_CONFIG)")
def main(risk_config: Path | None) -> None:
    """档案外包监管分析 Archive Oversight."""
    import os

    from warehouse import analytics_config
    where = risk_config.resolve() if risk_config else os.environ.get(analytics_config.ENV_VAR, "").strip()
    try:
        analytics_config.set_active(analytics_config.load(where) if where else None)
    except (analytics_config.ConfigError, OSError, ValueError) as exc:
        raise click.UsageError(f"分级与风险评分配置文件 {where} 有误：{exc}") from None


def _resolve_jurisdiction(warehouse: Path, given: str | None, *, required: bool) -> str | None:
    """The warehouse remembers its jurisdiction; a different one given later is refused."""
    from schemas.identifiers import is_jurisdiction
    from warehouse import db
    if given is not None and not is_jurisdiction(given):
        raise click.UsageError(f"辖区代码“{given}”不是有效的行政区划代码（全国为 100000）")
    stored = None
    if db.exists(warehouse):
        con = db.connect(warehouse, read_only=True)
        try:
            stored = db.get_setting(con, "jurisdiction")
        finally:
            con.close()
    if stored and given and stored != given:
        raise click.UsageError(f"该仓库的辖区为 {stored}，不能以辖区 {given} 装载")
    value = stored or given
    if required and value is None:
        raise click.UsageError("首次装载须用 --jurisdiction（或环境变量 OVERSIGHT_JURISDICTION）指定辖区代码，如 330000")
    return value


def _run(paths, warehouse, jurisdiction, today, *, write, as_json, report=None, acting_as=None):
    from etl import pipeline
    from schemas.roles import Permission
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise click.UsageError("找不到：" + "、".join(str(p) for p in missing))
    actor = _actor(warehouse, acting_as, Permission.LOAD) if write else None
    code = _resolve_jurisdiction(warehouse, jurisdiction, required=write)
    settings = pipeline.Settings(warehouse, code, _today(today), user=_name_of(actor))
    with _progress(enabled=not as_json) as progress:
        result = pipeline.run(list(paths), settings, write=write, progress=progress)
    if write:
        _audit_load(warehouse, actor, paths, result)
    if report:
        from etl.report import write_error_report
        write_error_report(result.issues, report, files=[f.as_json() for f in result.files], roots=paths)
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




SHOWN = 20   # row errors, and row warnings, listed after a load or a check


def _print_summary(result, *, write: bool, report: Path | None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from schemas.kinds import BY_NAME
    from schemas.rules import STATUS_ZH
    console = Console()
    table = Table(title="装载结果" if write else "校验结果")
    # 读取行 = 装载行（合格行）+ 退回行 + 重复行 (exact copies of a row read before, stored once).
    for header in ("文件", "工作表", "类型", "读取行", "装载行" if write else "合格行", "退回行", "重复行", "警告行",
                   "状态"):
        table.add_column(header)
    for f in result.files:
        kind = BY_NAME[f.kind].zh if f.kind else ""
        table.add_row(Path(f.path).name, f.sheet or "", kind, str(f.rows_read), str(f.rows_loaded),
                      str(f.rows_rejected), str(f.rows_duplicate), str(f.rows_warned), STATUS_ZH.get(f.status, f.status))
    console.print(table)
    summary = result.summary()
    repeated = f"，重复 {summary['rows_duplicate']} 行（与前面某行完全相同，只装载一次）" if summary["rows_duplicate"] else ""
    console.print(f"共读取 {summary['rows_read']} 行，{'装载' if write else '合格'} {summary['rows_loaded']} 行，"
                  f"退回 {summary['rows_rejected']} 行{repeated}。")
    for f in result.files:
        if f.message:
            console.print(f"[red]{escape(Path(f.path).name + ('：' + f.sheet if f.sheet else ''))} {f.rule}[/red] "
                          f"{escape(f.message)}")
    # Row issues: the errors (rows not loaded), then the warnings (rows loaded, worth a look), the
    # first SHOWN of each; the report has them all.
    for severity, noun, colour in (("error", "问题", "red"), ("warning", "警告", "yellow")):
        rows = result.issues.filter((result.issues["severity"] == severity) & result.issues["source_row"].is_not_null())
        if rows.height and severity == "warning":
            console.print("警告（不影响装载，请核对）：")
        for row in rows.head(SHOWN).iter_rows(named=True):
            where = escape(f"{Path(row['source_file']).name} {row['sheet'] or ''} 第{row['source_row']}行")
            console.print(f"{where} [{colour}]\\[{row['rule']}][/{colour}] {escape(row['message'])}")
        if rows.height > SHOWN:
            console.print(f"……另有 {rows.height - SHOWN} 条{noun}" + ("，详见报告。" if report else "；用 --report 导出完整报告。"))
    if report:
        console.print(f"问题报告已写入 {report}")


@main.command()
@warehouse_option
@click.option("--today", envvar="OVERSIGHT_TODAY", help="刷新到此日期，默认今天 / the day to refresh to (OVERSIGHT_TODAY)")
@click.option("--rebuild", is_flag=True, help="全部重建（更换配置后）/ rebuild every mart (after a configuration change)")
@click.option("--json", "as_json", is_flag=True, help="以JSON输出 / print one JSON object")
@as_option
def refresh(warehouse, today, rebuild, as_json, acting_as):
    """把分析集市刷新到今天（宜每晚运行），或全部重建 / bring the marts to today, or rebuild them.

    \b
    每晚运行一次（如 cron：5 0 * * * oversight refresh），白天的装载便只重算受影响的机关和服务机构；
    更换分级与风险评分配置后用 --rebuild 全部重建。
    Run nightly so that the day's loads stay incremental; --rebuild after changing the configuration.
    """
    from schemas.roles import Permission
    from warehouse import db, marts
    if not _exists(warehouse):
        raise click.UsageError(f"仓库 {warehouse} 还不存在，请先装载数据")
    actor = _actor(warehouse, acting_as, Permission.LOAD)
    day = _today(today)

    def work(con):
        return marts.rebuild(con, today=day) if rebuild else marts.advance(con, today=day)
    stats = db.write(warehouse, work)
    _audit(warehouse, "refresh", actor, target=day.isoformat(), detail={"mode": stats.mode, "rebuild": rebuild})
    figures = {"today": day.isoformat(), "mode": stats.mode, "seconds": round(stats.seconds, 2),
               "organs": stats.scope_organs, "vendors": stats.scope_vendors}
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
    else:
        what = "全部重建" if rebuild else "刷新"
        click.echo(f"集市已{what}到 {day:%Y年%-m月%-d日}：重算机关 {stats.scope_organs:,} 个、服务机构 "
                   f"{stats.scope_vendors:,} 个，用时 {stats.seconds:.1f} 秒。")


def _file_checking_options(report_help: str):
    """The arguments and options `load` and `validate` share (contract §6)."""
    def apply(command):
        for option in reversed([
            click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path),
                           help="报送文件或文件夹 / submission files or folders"),
            warehouse_option, jurisdiction_option, today_option,
            click.option("--json", "as_json", is_flag=True, help="以JSON输出结果 / print one JSON object"),
            click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help=report_help),
        ]):
            command = option(command)
        return command
    return apply


@main.command()
@_file_checking_options("另写出问题报告 .xlsx")
@as_option
def load(paths, warehouse, jurisdiction, today, as_json, report, acting_as):
    """装载报送文件（文件或文件夹）到仓库 / load files or folders into the warehouse."""
    _run(paths, warehouse, jurisdiction, today, write=True, as_json=as_json, report=report, acting_as=acting_as)


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


def _serve_options(fn):
    """Options shared by `serve` and `demo`."""
    from dashboards import serve as srv
    fn = click.option("--debug", is_flag=True, help="调试模式（单进程开发服务器）/ Flask debug server, one process")(fn)
    fn = click.option("--threads", type=click.IntRange(1, 64), default=srv.DEFAULT_THREADS, show_default=True,
                      help="每个进程的线程数 / threads per worker")(fn)
    fn = click.option("--workers", type=click.IntRange(1, 64), default=srv.DEFAULT_WORKERS, show_default=True,
                      help="工作进程数 / worker processes")(fn)
    fn = click.option("--port", envvar="OVERSIGHT_PORT", type=click.IntRange(1, 65535), default=srv.DEFAULT_PORT,
                      show_default=True, help="端口 / port (OVERSIGHT_PORT)")(fn)
    fn = click.option("--host", envvar="OVERSIGHT_HOST", default=srv.DEFAULT_HOST, show_default=True,
                      help="监听地址 / address to listen on (OVERSIGHT_HOST)")(fn)
    return fn


def _serve(warehouse: Path, host: str, port: int, workers: int, threads: int, debug: bool, day: dt.date | None) -> None:
    from dashboards import serve as srv
    try:
        srv.check_debug(host, debug)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not _exists(warehouse):
        click.echo(f"注意：仓库文件 {warehouse} 还不存在，页面将提示先装载数据。", err=True)
    else:
        _migrated(warehouse)
    srv.run(warehouse, host=host, port=port, workers=workers, threads=threads, debug=debug, today=day,
            announce=lambda line: click.echo(line))


@main.command()
@warehouse_option
@_serve_options
@click.option("--today", envvar="OVERSIGHT_TODAY",
              help="按此日期计算逾期、到期，默认今天 / the day overdue is counted to (OVERSIGHT_TODAY)")
def serve(warehouse, host, port, workers, threads, debug, today):
    """启动监管分析网页（生产用WSGI服务器，多进程）/ serve the dashboards."""
    _serve(warehouse, host, port, workers, threads, debug, _today(today) if today else None)


@main.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("data/demo"),
              show_default=True, help="示例数据与仓库所在目录")
@today_option
@_serve_options
@click.option("--no-serve", is_flag=True, help="只生成并装载，不启动网页 / build only, do not serve")
def demo(folder, today, host, port, workers, threads, debug, no_serve):
    """生成示例数据、装载并启动网页 / build the demo warehouse from sample submissions and serve it."""
    import shutil
    from etl import pipeline
    from etl import sample as gen
    day = _today(today)
    submissions, warehouse = folder / "submissions", folder / "oversight.duckdb"
    shutil.rmtree(submissions, ignore_errors=True)
    for stale in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        stale.unlink(missing_ok=True)
    click.echo(f"生成示例报送数据：{submissions}")
    manifest = gen.generate(submissions, today=day)
    actor = _actor(warehouse, None)       # a new warehouse has no accounts yet: the OS user
    settings = pipeline.Settings(warehouse, manifest["jurisdiction"], day, user=_name_of(actor))
    with _progress(enabled=True) as progress:
        result = pipeline.run([submissions], settings, write=True, progress=progress)
    _print_summary(result, write=True, report=None)
    summary = result.summary()
    same = all(summary[k] == manifest[k] for k in ("rows_read", "rows_loaded", "rows_rejected"))
    click.echo("装载结果与示例数据清单一致。" if same else "注意：装载结果与示例数据清单不一致。")
    click.echo(f"示例仓库：{warehouse}（辖区 {manifest['jurisdiction']}，装载日 {day}）")
    from schemas.identifiers import region_name
    from schemas.roles import ROLE_ZH
    from warehouse import access
    click.echo("演示账户（密码公开，仅用于演示仓库）/ demo accounts (public passwords, demo only):")
    for username, password, role, scope in access.create_demo_accounts(warehouse):
        click.echo(f"  {username:<13} 密码 {password:<24} {ROLE_ZH[access.Role(role)]}，权限范围 {region_name(scope)}（{scope}）")
    _audit_load(warehouse, actor, [submissions], result)
    if not no_serve:
        _serve_afresh(warehouse, host, port, workers, threads, debug, day)


def _serve_afresh(warehouse: Path, host: str, port: int, workers: int, threads: int, debug: bool,
                  day: dt.date) -> None:
    """`oversight serve` in this process's place, started anew. DuckDB is not fork-safe: server
    workers forked from a process that has just loaded would inherit its DuckDB state without the
    threads behind it, and their queries would hang."""
    import os
    from dashboards import serve as srv
    srv.configure(warehouse, day, host)          # the settings serve reads from the environment, --risk-config too
    args = ["serve", "--warehouse", str(warehouse), "--host", host, "--port", str(port), "--workers", str(workers),
            "--threads", str(threads), "--today", day.isoformat(), *(["--debug"] if debug else [])]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "etl.cli", *args])


# -- oversight plan: the 双随机 inspection plan (issue 5; etl/planning, docs/planning.md) ---------

def _plan_errors(fn):
    """PlanError / ConfigError / unknown plan → a Chinese message and exit code 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from etl.planning.config import ConfigError
        from etl.planning.draw import PlanError
        try:
            return fn(*args, **kwargs)
        except (PlanError, ConfigError) as exc:
            raise click.UsageError(str(exc)) from None
    return wrapper


def _plan_config(path: Path | None):
    from etl.planning import config
    return config.load(path)


def _read_only(warehouse: Path):
    from etl.planning.draw import PlanError
    from warehouse import db
    if not db.exists(warehouse):
        raise PlanError(f"仓库文件不存在：{warehouse}")
    return db.connect(warehouse, read_only=True)


def _print_plan(con, plan: dict, *, as_json: bool, limit: int = 30) -> None:
    from warehouse import planning
    visits = planning.plan_visits(con, plan["plan_id"])
    if as_json:
        head = {k: (str(v) if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in plan.items()
                if k not in ("params", "draw_log")}
        head["visit_list"] = [{"visit_no": v["visit_no"], "organ_code": v["organ_code"], "organ_name": v["organ_name"],
                               "tier": v["tier"], "selection": v["selection"], "reasons": v["reasons"],
                               "window": [str(v["window_start"]), str(v["window_end"])],
                               "inspectors": v["inspector_names"], "status": v["status"],
                               "unstaffed_reason": v["unstaffed_reason"]} for v in visits.iter_rows(named=True)]
        click.echo(json.dumps(head, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from etl.planning.draw import SELECTION_ZH
    console = Console()
    table = Table(title=f"{plan['period']} 检查计划 第{plan['plan_id']}号（种子 {plan['seed']}）")
    for header in ("序号", "被检查机关", "地区", "等级", "方式", "原因", "建议时间", "检查人员"):
        table.add_column(header)
    for v in visits.head(limit).iter_rows(named=True):
        team = "、".join(v["inspector_names"]) if v["status"] == "staffed" else "[red]未能派员[/red]"
        table.add_row(str(v["visit_no"]), v["organ_name"] or v["organ_code"], v["region_name"] or "", v["tier"] or "",
                      SELECTION_ZH.get(v["selection"], v["selection"]), v["reasons_zh"].split("；")[0],
                      f"{v['window_start']}～{v['window_end']}", team)
    console.print(table)
    if visits.height > limit:
        console.print(f"……共{visits.height}项，其余见计划工作簿（--out）。")
    console.print(f"检查{plan['visits']}家，已派员{plan['staffed']}家，未能派员{plan['unstaffed']}家；"
                  f"抽取日期{plan['planned_on']}，原因：{plan['reason']}；输入摘要 {plan['inputs_sha256'][:16]}…，"
                  f"结果摘要 {plan['result_sha256'][:16]}…")
    for u in planning.plan_unstaffed(con, plan["plan_id"]).iter_rows(named=True):
        console.print(f"[red]未能派员[/red] {u['visit_no']}. {u['organ_name']}：{u['reason_zh']}")


plan_warehouse = click.option("--warehouse", envvar="OVERSIGHT_WAREHOUSE", default=DEFAULT_WAREHOUSE, show_default=True,
                              type=WAREHOUSE, help="仓库文件或 DuckLake / warehouse file or DuckLake")
plan_json = click.option("--json", "as_json", is_flag=True, help="以JSON输出 / print JSON")


@main.group(invoke_without_command=True)
@click.option("--period", help="计划期间，如 2026-Q1、2026、2026-07 / plan period")
@click.option("--seed", type=click.IntRange(0, 2 ** 63 - 1), help="随机种子；不填则随机生成并记录 / random seed")
@click.option("--redraw", is_flag=True, help="重新抽取（须 --reason）；原计划保留并标记为被取代")
@click.option("--reason", help="抽取或重抽的原因，记入计划 / why (required with --redraw)")
@click.option("--by", "--as", "created_by", envvar="OVERSIGHT_USER",
              help="抽取人（默认当前登录名；为账户时须有抽取权限并记入审计日志）/ who draws")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="同时写出计划工作簿与公示名单到此目录")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="抽取规则配置文件（默认 warehouse/config/planning.toml）")
@plan_warehouse
@today_option
@plan_json
@click.pass_context
@_plan_errors
def plan(ctx, period, seed, redraw, reason, created_by, out, config_path, warehouse, today, as_json):
    """双随机检查计划：抽取、查看、导出、核验 / the random inspection plan.

    \b
    oversight plan --period 2026-Q1 [--seed N]          抽取（已有计划则显示，不重抽）
    oversight plan --period 2026-Q1 --seed 7 --redraw --reason "…"   重新抽取，记录原因
    oversight plan list | show | export | achieved | verify
    """
    if ctx.invoked_subcommand is not None:
        return
    if not period:
        raise click.UsageError("请用 --period 指定计划期间，如 2026-Q1")
    from etl.planning import service
    from schemas.roles import Permission
    day = _today(today)
    actor = _actor(warehouse, created_by, Permission.PLAN) if _exists(warehouse) else created_by
    created_by = actor.username if hasattr(actor, "username") else created_by
    outcome = service.make_plan(warehouse, period, today=day, seed=seed, redraw=redraw, reason=reason,
                                created_by=created_by, config=_plan_config(config_path))
    if outcome.created:
        _audit(warehouse, "plan_draw", actor, target=str(outcome.plan["plan_id"]),
               detail={"period": period, "seed": outcome.plan.get("seed"), "redraw": redraw, "reason": reason})
    con = _read_only(warehouse)
    try:
        # the workbooks first: what is printed may go to a reader that stops early (`| head`)
        written = service.export(con, outcome.plan["plan_id"], out, day) if out else None
        if not as_json:
            click.echo(outcome.message)
        _print_plan(con, outcome.plan, as_json=as_json)
        if written and not as_json:
            click.echo(f"计划工作簿：{written[0]}\n公示名单：{written[1]}")
    finally:
        con.close()


@plan.command("list")
@click.option("--period", help="只列此期间")
@plan_warehouse
@plan_json
@_plan_errors
def plan_list(period, warehouse, as_json):
    """列出已抽取的计划（含被取代的）/ list plans."""
    from etl.planning import service
    from warehouse import planning
    con = _read_only(warehouse)
    try:
        frame = planning.plans(con, service.resolve_period(period).label if period else None)
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps(frame.to_dicts(), ensure_ascii=False, indent=2, default=str))
        return
    if not frame.height:
        click.echo("尚无检查计划。")
    for r in frame.iter_rows(named=True):
        state = "现行" if r["is_current"] else f"已被第{r['superseded_by']}号取代"
        click.echo(f"第{r['plan_id']}号 {r['period']} 种子{r['seed']} 检查{r['visits']}家（未能派员{r['unstaffed']}） "
                   f"{state}；{str(r['created_at'])[:19]} {r['created_by'] or ''}：{r['reason']}")


def _which_plan(con, plan_id, period):
    from etl.planning import service
    return service.plan_for(con, period=period, plan_id=plan_id)


@plan.command("show")
@click.argument("plan_id", type=int, required=False)
@click.option("--period", help="显示此期间的现行计划")
@click.option("--all", "show_all", is_flag=True, help="列出全部检查项")
@plan_warehouse
@plan_json
@_plan_errors
def plan_show(plan_id, period, show_all, warehouse, as_json):
    """显示一个计划 / show a plan."""
    con = _read_only(warehouse)
    try:
        _print_plan(con, _which_plan(con, plan_id, period), as_json=as_json, limit=10 ** 9 if show_all else 30)
    finally:
        con.close()


@plan.command("export")
@click.argument("plan_id", type=int, required=False)
@click.option("--period", help="导出此期间的现行计划")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
@plan_warehouse
@today_option
@_plan_errors
def plan_export(plan_id, period, out, warehouse, today):
    """写出计划工作簿（供检查人员）与公示名单（供公开）/ write the two workbooks."""
    from etl.planning import service
    con = _read_only(warehouse)
    try:
        found = _which_plan(con, plan_id, period)
        internal, public = service.export(con, found["plan_id"], out, _today(today))
    finally:
        con.close()
    click.echo(f"计划工作簿：{internal}\n公示名单：{public}")


@plan.command("achieved")
@click.argument("plan_id", type=int, required=False)
@click.option("--period", help="此期间的现行计划")
@click.option("--by", "by", type=click.Choice(["tier", "selection", "city"]), help="分组")
@plan_warehouse
@today_option
@plan_json
@_plan_errors
def plan_achieved(plan_id, period, by, warehouse, today, as_json):
    """计划执行情况：已检、未检、计划外检查 / plan against achieved."""
    from warehouse import planning
    con = _read_only(warehouse)
    try:
        found = _which_plan(con, plan_id, period)
        day = _today(today)
        summary = planning.plan_coverage(con, found["plan_id"], day, by=by)
        rows = planning.plan_vs_achieved(con, found["plan_id"], day)
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps({"plan_id": found["plan_id"], "coverage": summary.to_dicts(),
                               "missed": rows.filter(rows["status"] == "missed")["organ_code"].to_list(),
                               "unplanned": rows.filter(rows["status"] == "unplanned")["inspection_code"].to_list()},
                              ensure_ascii=False, indent=2, default=str))
        return
    from etl.planning.draw import SELECTION_ZH
    for r in summary.iter_rows(named=True):
        group = (f"{r['tier'] or '—'}级 " if "tier" in r else
                 f"{SELECTION_ZH.get(r['selection'], '计划外')} " if "selection" in r else
                 f"{r['city_name'] or r['city_code']} " if "city_code" in r else "")
        rate = "—" if r["coverage_rate"] is None else f"{r['coverage_rate'] * 100:.1f}%"
        click.echo(f"{group}计划{r['planned']}家：已检{r['achieved']}（窗口内{r['achieved_in_window']}），"
                   f"未检{r['missed']}，滞后{r['behind']}，待检{r['pending']}；计划外检查{r['unplanned']}次；完成率{rate}")


@plan.command("verify")
@click.argument("plan_id", type=int)
@plan_warehouse
@plan_json
@_plan_errors
def plan_verify(plan_id, warehouse, as_json):
    """核验：以所存输入与种子重新抽取，结果应与记录一致 / re-draw a stored plan and compare."""
    from etl.planning import service
    con = _read_only(warehouse)
    try:
        report = service.verify(con, plan_id)
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(f"第{plan_id}号计划：输入摘要{'一致' if report['inputs_match'] else '不一致'}，"
                   f"重抽结果{'一致' if report['result_match'] else '不一致'}；仓库数据自抽取以来"
                   f"{'已变化' if report['data_changed'] else '未变化'}。")
        if report.get("message_zh"):
            click.echo(report["message_zh"])
    sys.exit(0 if report["inputs_match"] and report["result_match"] else 1)


@main.group()
def export() -> None:
    """导出年度工作簿、年度报告与审计快照 / annual workbook, report and auditor snapshot."""


def _export_scope(warehouse: Path, region: str | None, today: str | None, acting_as: str | None = None):
    """(scope filters, actor): an account's region scope is ANDed with --region (docs/access.md)."""
    from etl.export.annual import scope_filters
    from schemas.roles import Permission
    if not _exists(warehouse):
        raise click.UsageError(f"找不到仓库 {warehouse}；先用 oversight load 装载数据，或用 --warehouse 指定")
    actor = _actor(warehouse, acting_as, Permission.EXPORT)
    try:
        scope = scope_filters(region, _today(today))
    except ValueError:
        raise click.BadParameter(f"“{region}”不是行政区划代码或前缀（2、4或6位数字）", param_hint="--region") from None
    return scope.within(getattr(actor, "region_scope", None)), actor


region_option = click.option("--region", help="只导出该地区：行政区划代码或前缀，如 330100 或 3301 / region scope")
year_option = click.option("--year", type=click.IntRange(2000, 2100), required=True, help="年度，如 2025")


@export.command("annual")
@year_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="工作簿 .xlsx，默认“<年度>年报.xlsx”，限定地区时“<年度>年报_<地区代码>.xlsx”")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="另写出年度报告 .docx")
@click.option("--snapshot", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="另写出审计快照（Parquet与清单）到该目录")
@region_option
@warehouse_option
@today_option
@as_option
def export_annual_command(year, out, report, snapshot, region, warehouse, today, acting_as):
    """年度统计工作簿（及年度报告、审计快照） / the annual workbook, optionally the report and snapshot."""
    from etl.export import export_annual
    from warehouse import queries
    scope, actor = _export_scope(warehouse, region, today, acting_as)
    # a region's workbook never takes the default name of the whole jurisdiction's (nor overwrites it)
    out = out or Path(f"{year}年报.xlsx" if not region else f"{year}年报_{scope.effective_region}.xlsx")
    if report is not None and report.suffix.lower() != ".docx":
        raise click.BadParameter("年度报告须为 .docx 文件", param_hint="--report")
    con = queries.connect(warehouse)
    try:
        with _progress(enabled=True) as progress:
            say = (lambda share, message: progress(f"{message}（{share:.0%}）")) if progress else None
            result = export_annual(con, year, scope, workbook=out, report=report, snapshot=snapshot, progress=say)
    finally:
        con.close()
    _audit(warehouse, "export", actor, target=str(result.workbook),
           detail={"kind": "annual", "year": year, "region": region, "scope": scope.scope,
                   "report": str(report) if report else None, "snapshot": str(snapshot) if snapshot else None})
    click.echo(f"{result.scope_label} {year}年度统计工作簿已写入 {result.workbook}（数据截至 {result.data_as_of}）")
    if result.report:
        click.echo(f"年度报告已写入 {result.report}")
    if result.snapshot:
        click.echo(f"审计快照已写入 {result.snapshot}")
    for issue in result.issues:
        click.echo(f"重点问题：{issue}")


@export.command("snapshot")
@year_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="快照目录")
@region_option
@warehouse_option
@today_option
@as_option
def export_snapshot_command(year, out, region, warehouse, today, acting_as):
    """审计快照：年度数字背后的数据（Parquet）与清单 / the auditor snapshot of a year."""
    from etl.export import snapshot as snap
    from warehouse import queries
    scope, actor = _export_scope(warehouse, region, today, acting_as)
    con = queries.connect(warehouse)
    try:
        manifest = snap.write_snapshot(con, year, scope, out)
    finally:
        con.close()
    rows = sum(f["rows"] for f in manifest["files"])
    _audit(warehouse, "export", actor, target=str(out),
           detail={"kind": "snapshot", "year": year, "region": region, "scope": scope.scope, "rows": rows})
    click.echo(f"审计快照已写入 {out}：{len(manifest['files'])} 个文件，共 {rows} 行（数据截至 {manifest['data_as_of']}）")


# -- users (docs/access.md) -----------------------------------------------------------------------

@main.group()
def users() -> None:
    """用户与角色：添加、列出、停用、重置密码 / user accounts."""


def _at_terminal() -> bool:
    return sys.stdin.isatty()


def _new_password(password_stdin: bool, generate: bool) -> tuple[str, bool]:
    """(password, generated): from stdin, typed twice at a terminal (never echoed), or generated."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if not generate and _at_terminal():
        while True:  # click's own confirmation would say its mismatch in English
            first = click.prompt("新密码 / new password", hide_input=True)
            if first == click.prompt("再输入一次 / repeat", hide_input=True):
                return first, False
            click.echo("错误：两次输入的密码不一致，请重新输入。/ The two passwords differ; type them again.", err=True)
    from warehouse import access
    return access.generate_password(), True


def _user_errors(fn):
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from schemas.roles import PermissionDenied
        from warehouse.access import AccessError
        try:
            return fn(*args, **kwargs)
        except (AccessError, PermissionDenied, ValueError) as exc:
            raise click.UsageError(str(exc)) from None
    return wrapper


password_options = [
    click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行）/ read the password from stdin"),
    click.option("--generate", is_flag=True, help="生成随机密码并只显示一次 / generate one and print it once"),
]


def _with(options):
    def deco(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn
    return deco


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, help="领导|leader、检查员|inspector、数据管理员|admin")
@click.option("--scope", required=True, help="权限范围：行政区划代码，省330000、市330100、县330102，全国100000")
@click.option("--name", "display_name", help="姓名 / display name")
@_with(password_options)
@warehouse_option
@as_option
@_user_errors
def users_add(username, role, scope, display_name, password_stdin, generate, warehouse, acting_as):
    """添加用户 / add a user."""
    from schemas.roles import Permission, role_label
    from warehouse import access
    actor = _actor(warehouse, acting_as, Permission.MANAGE_USERS)
    password, generated = _new_password(password_stdin, generate)
    user = access.add_user(warehouse, username, role, scope, password, display_name=display_name, actor=actor)
    click.echo(f"已添加用户 {user.username}：{role_label(user.role)}，权限范围 {user.region_scope}")
    if generated:
        click.echo(f"初始密码（只显示这一次，请转交本人并要求修改）：{password}")


@users.command("list")
@warehouse_option
@click.option("--json", "as_json", is_flag=True, help="JSON 输出")
def users_list(warehouse, as_json):
    """列出用户（不含密码）/ list users (never a password or hash)."""
    from warehouse import access
    if not _exists(warehouse):
        raise click.UsageError(f"找不到仓库 {warehouse}")
    con = _read_only(warehouse)
    try:
        frame = access.list_users(con)
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps(frame.to_dicts(), ensure_ascii=False, default=str, indent=2))
        return
    if not frame.height:
        click.echo("尚无用户；用 oversight users add 添加")
    for r in frame.iter_rows(named=True):
        state = "启用" if r["active"] else "停用"
        if r["locked_until"] is not None:
            state += f"，锁定至 {r['locked_until']}"
        click.echo(f"{r['username']}\t{r['display_name'] or ''}\t{r['role_zh']}（{r['role']}）\t{r['region_scope']}\t{state}")


@users.command("disable")
@click.argument("username")
@warehouse_option
@as_option
@_user_errors
def users_disable(username, warehouse, acting_as):
    """停用用户 / disable a user."""
    from schemas.roles import Permission
    from warehouse import access
    user = access.disable_user(warehouse, username, actor=_actor(warehouse, acting_as, Permission.MANAGE_USERS))
    click.echo(f"已停用用户 {user.username}")


@users.command("enable")
@click.argument("username")
@warehouse_option
@as_option
@_user_errors
def users_enable(username, warehouse, acting_as):
    """重新启用用户（并解除锁定）/ enable a user again."""
    from schemas.roles import Permission
    from warehouse import access
    user = access.enable_user(warehouse, username, actor=_actor(warehouse, acting_as, Permission.MANAGE_USERS))
    click.echo(f"已启用用户 {user.username}")


@users.command("reset-password")
@click.argument("username")
@_with(password_options)
@warehouse_option
@as_option
@_user_errors
def users_reset_password(username, password_stdin, generate, warehouse, acting_as):
    """重置密码（并解除锁定）/ set a new password and lift a lockout."""
    from schemas.roles import Permission
    from warehouse import access
    actor = _actor(warehouse, acting_as, Permission.MANAGE_USERS)
    password, generated = _new_password(password_stdin, generate)
    user = access.reset_password(warehouse, username, password, actor=actor)
    click.echo(f"已重置用户 {user.username} 的密码")
    if generated:
        click.echo(f"新密码（只显示这一次）：{password}")


@main.command("migrate-to-ducklake")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "target", required=True, type=WAREHOUSE, help="目标 ducklake:postgres:… [data_path=…]")
def migrate_to_ducklake(source, target):
    """把内嵌仓库文件迁入 DuckLake（docs/ducklake.md）/ move an embedded warehouse into a DuckLake."""
    from warehouse.lake_migration import MigrationError, migrate_to_lake
    try:
        migrate_to_lake(source, target, echo=click.echo)
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from None


if __name__ == "__main__":
    main()
