"""click's own messages in Chinese: a usage error names what is wrong in Chinese after "错误：", under
the usage line "用法：…" and "运行 … --help 查看帮助", with click's exit code (2) and never English
"Error:" / "Usage:" / "Try …" or a traceback. Every case runs the real root command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import main

ENGLISH = ("Error:", "Usage:", "Try '", "Did you mean", "Traceback", "Aborted!", "Invalid value", "Missing ")


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    """A warehouse that does not exist: every case here fails before one would be opened or made."""
    path = tmp_path / "仓库.duckdb"
    for name in ("OVERSIGHT_WAREHOUSE", "OVERSIGHT_PORT", "OVERSIGHT_TODAY", "OVERSIGHT_JURISDICTION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OVERSIGHT_WAREHOUSE", str(path))
    yield path
    assert not path.exists()


def oversight(*args, env=None):
    return CliRunner().invoke(main, list(args), prog_name="oversight", env=env)


def assert_chinese(result, code=2):
    assert result.exit_code == code, result.output
    for english in ENGLISH:
        assert english not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


USAGE_ERRORS = [
    # click.MissingParameter: an argument, an option (with the Chinese half of its help)
    (["load"], "用法：oversight load [选项] PATHS...", "错误：缺少参数 PATHS（报送文件或文件夹）"),
    (["export", "annual"], "用法：oversight export annual [选项]", "错误：缺少选项 --year（年度，如 2025）"),
    (["export", "snapshot", "--year", "2025"], "运行 oversight export snapshot --help 查看帮助",
     "错误：缺少选项 --out（快照目录）"),
    # click.NoSuchOption, with and without a close match
    (["load", "--bogus", "x"], "运行 oversight load --help 查看帮助", "错误：没有 --bogus 这个选项"),
    (["load", "--jsn", "x"], "用法：oversight load [选项] PATHS...", "是不是要用 --as、--json？"),
    # click.BadOptionUsage: a value missing, a value given to a switch
    (["load", "--today"], "用法：oversight load [选项] PATHS...", "错误：--today 后须跟一个值"),
    (["load", "--json=1", "x"], "用法：oversight load [选项] PATHS...", "错误：--json 是开关，不带值"),
    # click.NoSuchCommand, with and without a close match
    (["plan", "draw"], "用法：oversight plan [选项] [命令] [参数]...",
     "错误：没有 draw 这个命令；可用的命令：achieved、export、list、show、verify"),
    (["lod"], "用法：oversight [选项] 命令 [参数]...", "错误：没有 lod 这个命令，是不是要用 load？"),
    # extra arguments
    (["refresh", "extra", "more"], "用法：oversight refresh [选项]", "错误：多余的参数：extra more"),
    # click.BadParameter by the parameter's type: Choice, IntRange, int, Path(exists / file / directory)
    (["sample", "--out", "x", "--format", "xlsx"], "用法：oversight sample [选项]",
     "错误：--format 的值无效：“xlsx”不是可选值，应为 parquet、csv 之一"),
    (["serve", "--threads", "0"], "用法：oversight serve [选项]", "错误：--threads 的值无效：“0”不是 1 至 64 之间的整数"),
    (["serve", "--port", "http"], "用法：oversight serve [选项]",
     "错误：--port 的值无效：“http”不是 1 至 65535 之间的整数"),
    (["export", "annual", "--year", "1999"], "用法：oversight export annual [选项]",
     "错误：--year 的值无效：“1999”不是 2000 至 2100 之间的整数"),
    (["sample", "--out", "x", "--organs", "many"], "用法：oversight sample [选项]", "错误：--organs 的值无效：“many”不是整数"),
    (["plan", "show", "abc"], "用法：oversight plan show [选项] [PLAN_ID]", "错误：PLAN_ID 的值无效：“abc”不是整数"),
    (["plan", "achieved", "--by", "street"], "用法：oversight plan achieved [选项] [PLAN_ID]",
     "错误：--by 的值无效：“street”不是可选值，应为 tier、selection、city 之一"),
    (["--risk-config", "没有这个文件.toml", "refresh"], "用法：oversight [选项] 命令 [参数]...",
     "错误：--risk-config 的值无效：文件“没有这个文件.toml”不存在"),
    # the custom types of etl/cli.py: the warehouse location, the day (--today)
    (["refresh", "--warehouse", "ducklake:sqlite:x"], "用法：oversight refresh [选项]",
     "错误：--warehouse 的值无效：只支持 PostgreSQL 目录库"),
    (["validate", "--jurisdiction", "330000", "--today", "2025-13-01", "."], "用法：oversight validate [选项] PATHS...",
     "错误：--today 的值无效：“2025-13-01”不是有效日期，应为 YYYY-MM-DD"),
]


@pytest.mark.parametrize("args, usage, message", USAGE_ERRORS, ids=[" ".join(a) for a, _, _ in USAGE_ERRORS])
def test_a_usage_error_is_said_in_chinese_with_exit_code_2(warehouse, args, usage, message):
    result = oversight(*args)
    assert_chinese(result)
    assert usage in result.output and message in result.output
    assert "错误：" in result.output and "查看帮助" in result.output


def test_a_path_of_the_wrong_kind_is_named(warehouse, tmp_path):
    a_file = tmp_path / "文件.txt"
    a_file.write_text("x")
    result = oversight("sample", "--out", str(a_file))
    assert_chinese(result)
    assert f"错误：--out 的值无效：“{a_file}”是文件，应为文件夹" in result.output
    result = oversight("--risk-config", str(tmp_path), "refresh")
    assert_chinese(result)
    assert f"错误：--risk-config 的值无效：“{tmp_path}”是文件夹，应为文件" in result.output


def test_a_bad_value_from_an_environment_variable_says_so(warehouse):
    result = oversight("serve", env={"OVERSIGHT_PORT": "0"})
    assert_chinese(result)
    assert "错误：--port 的值无效：“0”不是 1 至 65535 之间的整数（来自环境变量 OVERSIGHT_PORT）" in result.output


def test_a_group_without_its_command(warehouse, tmp_path):
    config = tmp_path / "risk.toml"
    config.write_text("")
    result = oversight("--risk-config", str(config))
    assert_chinese(result)
    assert "用法：oversight [选项] 命令 [参数]..." in result.output
    assert "错误：缺少命令；可用的命令：demo、export、load" in result.output


def test_the_commands_own_usage_errors_get_the_chinese_prefix_too(warehouse):
    result = oversight("load", "没有这个文件夹")
    assert_chinese(result)
    assert "错误：找不到：没有这个文件夹" in result.output and "用法：oversight load [选项] PATHS..." in result.output


def test_other_click_errors_keep_their_exit_code(warehouse, tmp_path):
    result = oversight("migrate-to-ducklake", str(tmp_path / "没有.duckdb"), "--to",
                       "ducklake:postgres:dbname=x host=127.0.0.1 port=1")
    assert_chinese(result, code=1)
    assert result.output.startswith("错误：") and "用法" not in result.output


def test_no_arguments_still_show_the_help(warehouse):
    result = oversight()
    assert_chinese(result)
    assert "命令 / Commands:" in result.output and "错误" not in result.output


def test_help_is_headed_in_chinese(warehouse):
    result = oversight("load", "--help")
    assert_chinese(result, code=0)
    assert result.output.startswith("用法：oversight load [选项] PATHS...")
    for heading in ("参数 / Arguments:", "选项 / Options:", "显示本帮助并退出 / show this help and exit"):
        assert heading in result.output
    result = oversight("plan", "--help")
    assert_chinese(result, code=0)
    assert "用法：oversight plan [选项] [命令] [参数]..." in result.output and "命令 / Commands:" in result.output


def test_the_defaults_and_ranges_an_option_shows_are_in_chinese(warehouse):
    result = oversight("demo", "--help")
    assert_chinese(result, code=0)
    assert "[默认：data/demo]" in result.output and "[默认：8050；1<=x<=65535]" in result.output
    assert "default:" not in result.output
    result = oversight("users", "add", "--help")
    assert_chinese(result, code=0)
    assert "[必填]" in result.output and "required" not in result.output


def test_ctrl_c_is_aborted_in_chinese(warehouse, tmp_path, monkeypatch):
    def interrupted(out):
        raise KeyboardInterrupt
    monkeypatch.setattr("etl.template.write_template", interrupted)
    result = oversight("template", "--out", str(tmp_path / "模板.xlsx"))
    assert_chinese(result, code=1)
    assert "已中止 / aborted" in result.output


def test_the_installed_command_prints_no_english_and_no_traceback(warehouse):
    script = Path(sys.executable).with_name("oversight")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "etl.cli"]
    done = subprocess.run([*command, "load", "--bogus", "x"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OVERSIGHT_WAREHOUSE": str(warehouse)})
    assert done.returncode == 2
    assert done.stdout == ""
    assert "错误：没有 --bogus 这个选项" in done.stderr and "查看帮助" in done.stderr
    for english in ENGLISH:
        assert english not in done.stderr, done.stderr
