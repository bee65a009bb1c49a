"""The Command and Group classes of `oversight` (etl/cli.py): click's own words in Chinese, and
failures shown as one line instead of a traceback.

click writes usage errors, the usage line and the help headings in English ("Error: Missing
argument …", "Usage:", "Options:"). Every command of `oversight` is a `Command` or `Group` below:
errors are translated where click raises them — by exception type and by the parameter they name,
with its type (Choice, IntRange, Path …) saying what was expected — into `UsageErrorZh` /
`ErrorZh`, which print "用法：…", "运行 … --help 查看帮助" and "错误：…" with click's exit code.
"""

from __future__ import annotations

import os
import re
import sys

import click


class _Formatter(click.HelpFormatter):
    """The usage line and the section headings of --help and of usage errors, in Chinese."""
    HEADINGS = {"Options": "选项 / Options", "Commands": "命令 / Commands", "Positional arguments": "参数 / Arguments"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(self.HEADINGS.get(heading, heading))

    def write_dl(self, rows, *args, **kwargs) -> None:
        super().write_dl([(term, _extras_zh(text)) for term, text in rows], *args, **kwargs)


# What click appends to an option's help: [env var: X; default: Y; 1<=x<=64; required]
_EXTRAS = re.compile(r"\[([^\[\]]*)\]$")
_EXTRA_WORDS = (("env var: ", "环境变量："), ("default: ", "默认："), ("required", "必填"))


def _extras_zh(text: str) -> str:
    def zh(match: re.Match) -> str:
        items = []
        for item in match.group(1).split("; "):
            for en, word in _EXTRA_WORDS:
                if item.startswith(en):
                    item = word + item[len(en):]
            items.append(item)
        return "[" + "；".join(items) + "]"
    return _EXTRAS.sub(zh, text)


class _Context(click.Context):
    formatter_class = _Formatter


class UsageErrorZh(click.UsageError):
    """A usage error (exit code 2) shown as 用法 / 运行 … --help / 错误：…, never "Error:"."""

    def show(self, file=None) -> None:
        ctx = self.ctx
        if ctx is not None:
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                name = max(ctx.command.get_help_option_names(ctx), key=len)
                hint = f"运行 {ctx.command_path} {name} 查看帮助\n"
            click.echo(f"{ctx.get_usage()}\n{hint}", file=file, err=True, color=ctx.color)
        click.echo(f"错误：{self.format_message()}", file=file, err=True, color=ctx.color if ctx else None)


class ErrorZh(click.ClickException):
    """Any other ClickException (exit code 1 unless it said otherwise), shown as 错误：…"""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", file=file, err=True)


class AbortedZh(click.ClickException):
    """Ctrl-C, or end of input at a prompt: 已中止 instead of click's "Aborted!" (exit code 1)."""

    def __init__(self, interrupted: bool) -> None:
        super().__init__("已中止 / aborted")
        self.interrupted = interrupted

    def show(self, file=None) -> None:
        click.echo(("\n" if self.interrupted else "") + "已中止 / aborted", file=file, err=True)


def _zh_help(param) -> str:
    """The Chinese half of a parameter's help ("年度，如 2025"), for saying what is missing."""
    text = (getattr(param, "help", None) or "").split(" / ")[0].strip()
    return f"（{text}）" if text else ""


def _param_name(param) -> str:
    return " / ".join(param.opts) if isinstance(param, click.Option) else param.human_readable_name


def _range_zh(kind) -> str:
    low = None if kind.min is None else f"{'大于' if kind.min_open else '不小于'} {kind.min}"
    high = None if kind.max is None else f"{'小于' if kind.max_open else '不大于'} {kind.max}"
    if low and high and not (kind.min_open or kind.max_open):
        return f" {kind.min} 至 {kind.max} 之间的"
    return "、".join(part for part in (low, high) if part) + " 的"


def _bad_value(exc: click.BadParameter, value) -> str:
    """What is wrong with the value of a parameter, from its type; own types already say it in Chinese."""
    param, kind = exc.param, exc.param.type
    shown = f"“{value}”" if value is not None else "所给的值"
    if isinstance(kind, click.Choice):
        return f"{shown}不是可选值，应为 {'、'.join(map(str, kind.choices))} 之一"
    if isinstance(kind, (click.IntRange, click.FloatRange)):
        return f"{shown}不是{_range_zh(kind)}{'整数' if isinstance(kind, click.IntRange) else '数'}"
    if isinstance(kind, click.types.IntParamType):
        return f"{shown}不是整数"
    if isinstance(kind, click.types.FloatParamType):
        return f"{shown}不是数字"
    if isinstance(kind, click.types.BoolParamType):
        return f"{shown}不是 true 或 false"
    if isinstance(kind, click.Path) and value is not None:
        noun = "文件" if not kind.dir_okay else "文件夹" if not kind.file_okay else "路径"
        if not os.path.exists(value):
            return f"{noun}{shown}不存在"
        if os.path.isdir(value) and not kind.dir_okay:
            return f"{shown}是文件夹，应为文件"
        if not os.path.isdir(value) and not kind.file_okay:
            return f"{shown}是文件，应为文件夹"
        return f"{noun}{shown}无法访问（权限不足）"
    return exc.message


def _given(command, ctx, args: list[str], param):
    """The raw value a parameter was given (command line, else environment variable), which click's
    BadParameter does not keep: the arguments are parsed again. The one value of several that fails."""
    try:
        opts, _, _ = command.make_parser(ctx).parse_args(args=list(args))
    except click.UsageError:
        opts = {}
    value = opts.get(param.name)
    if value is None and isinstance(param, click.Option):
        value = param.resolve_envvar_value(ctx)
    if isinstance(value, (list, tuple)):
        for item in value:
            try:
                param.type.convert(item, param, ctx)
            except click.BadParameter:
                return item
        return None
    return value


def _in_chinese(exc: click.ClickException, ctx=None, command=None, args=None) -> click.ClickException:
    """The same error with a Chinese message; exceptions that print themselves are left alone."""
    if isinstance(exc, (UsageErrorZh, ErrorZh, AbortedZh)) or type(exc).show not in (
            click.ClickException.show, click.UsageError.show):
        return exc            # already Chinese, or shows itself (NoArgsIsHelpError, ExportError)
    if not isinstance(exc, click.UsageError):
        if isinstance(exc, click.FileError):
            return ErrorZh(f"无法打开文件“{exc.ui_filename}”：{exc.message}", exc.exit_code)
        return ErrorZh(exc.format_message(), exc.exit_code)
    ctx = exc.ctx or ctx
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        param = exc.param
        message = f"缺少{'参数' if isinstance(param, click.Argument) else '选项'} {_param_name(param)}{_zh_help(param)}"
        if isinstance(param.type, click.Choice):
            message += f"，可选 {'、'.join(map(str, param.type.choices))}"
    elif isinstance(exc, click.BadParameter) and exc.param is not None:
        value = _given(command, ctx, args, exc.param) if command is not None and ctx is not None else None
        message = f"{_param_name(exc.param)} 的值无效：{_bad_value(exc, value)}"
        if ctx is not None and ctx.get_parameter_source(exc.param.name) == click.core.ParameterSource.ENVIRONMENT:
            message += f"（来自环境变量 {exc.param.envvar}）"
    elif isinstance(exc, click.BadParameter) and exc.param_hint is not None:
        hint = exc.param_hint if isinstance(exc.param_hint, str) else " / ".join(exc.param_hint)
        message = f"{hint} 的值无效：{exc.message}"
    elif isinstance(exc, click.NoSuchOption):
        message = f"没有 {exc.option_name} 这个选项"
        if exc.possibilities:
            message += f"，是不是要用 {'、'.join(sorted(exc.possibilities))}？"
    elif isinstance(exc, click.BadOptionUsage):
        option = next((p for p in ctx.command.get_params(ctx) if exc.option_name in p.opts + p.secondary_opts),
                      None) if ctx is not None else None
        if option is not None and (getattr(option, "is_flag", False) or getattr(option, "count", False)):
            message = f"{exc.option_name} 是开关，不带值"
        else:
            count = getattr(option, "nargs", 1)
            message = f"{exc.option_name} 后须跟{'一个值' if count == 1 else f' {count} 个值'}"
    elif isinstance(exc, click.exceptions.NoSuchCommand):
        message = f"没有 {exc.command_name} 这个命令"
        if exc.possibilities:
            message += f"，是不是要用 {'、'.join(sorted(exc.possibilities))}？"
        elif ctx is not None and isinstance(ctx.command, click.Group):
            message += f"；可用的命令：{'、'.join(ctx.command.list_commands(ctx))}"
    else:                     # our own UsageErrors, already in Chinese
        message = exc.format_message()
    return UsageErrorZh(message, ctx)


class _Chinese:
    """Shared by `Command` and `Group`: Chinese usage line, help headings and parsing errors."""
    context_class = _Context

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出 / show this help and exit"
        return option

    def parse_args(self, ctx, args):
        given, allowed = list(args), ctx.allow_extra_args
        ctx.allow_extra_args = True      # extra arguments are refused below, naming them in Chinese
        try:
            rest = super().parse_args(ctx, args)
        except click.ClickException as exc:
            raise _in_chinese(exc, ctx, self, given) from None
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise UsageErrorZh(f"多余的参数：{' '.join(rest)}", ctx)
        return rest


class Command(_Chinese, click.Command):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class Group(_Chinese, click.Group):
    """Every command of `oversight` (command_class, group_class): click's errors in Chinese, and
    unexpected failures turned into a one-line Chinese message instead of a traceback."""
    command_class = Command
    group_class = type

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "[命令] [参数]..." if kwargs.get("invoke_without_command")
                          else "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, SystemExit):
            raise
        except click.ClickException as exc:
            if type(exc) is click.UsageError and exc.ctx is ctx and ctx.invoked_subcommand is None \
                    and not self.invoke_without_command:       # click's "Missing command."
                raise UsageErrorZh(f"缺少命令；可用的命令：{'、'.join(self.list_commands(ctx))}", ctx) from None
            raise _in_chinese(exc, ctx) from None
        except (click.exceptions.Abort, KeyboardInterrupt, EOFError) as exc:
            raise AbortedZh(interrupted=not isinstance(exc, click.exceptions.Abort)) from None
        except BrokenPipeError:
            # the reader of the output went away (`… | head`): stop quietly, as other commands do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as exc:  # last line of defence: say what failed, never dump a traceback
            from warehouse.db import WarehouseBusy, WarehouseUnavailable, WriteConflict
            if isinstance(exc, (WriteConflict, WarehouseUnavailable)):
                click.echo(str(exc), err=True)
            elif isinstance(exc, WarehouseBusy):
                click.echo("仓库正被另一个进程写入，请稍后再试。", err=True)
            else:
                click.echo(f"操作失败：{type(exc).__name__}: {exc}", err=True)
            sys.exit(1)
