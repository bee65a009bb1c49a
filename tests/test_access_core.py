"""Issue 7: users, password hashing, login lockout, role rules, the audit log and the `users` CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import main
from schemas.roles import GRANTS, Permission, PermissionDenied, Role, can, parse_role, require
from warehouse import access, queries

T0 = dt.datetime(2026, 3, 15, 9, 0, 0)
PASSWORD = "correct-horse-42"


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    return tmp_path / "oversight.duckdb"


def entries(wh: Path, **kw):
    con = queries.connect(wh)
    try:
        return access.audit_entries(con, **kw)
    finally:
        con.close()


def test_hashing_and_verification():
    h = access.hash_password(PASSWORD)
    assert h.startswith("$argon2id$") and PASSWORD not in h
    assert access.verify_password(h, PASSWORD)
    assert not access.verify_password(h, PASSWORD + "x")
    assert not access.verify_password("not a hash", PASSWORD)
    assert access.hash_password(PASSWORD) != h            # salted
    with pytest.raises(access.AccessError):
        access.hash_password("short")


def test_login_lockout_and_unlock_after_window(wh: Path):
    access.add_user(wh, "zhang", "检查员", "330100", PASSWORD, now=T0)
    user = access.authenticate(wh, "Zhang ", PASSWORD, now=T0)
    assert isinstance(user, access.User) and user.role is Role.INSPECTOR and user.region_scope == "330100"
    assert not hasattr(user, "password_hash")
    for i in range(4):
        r = access.authenticate(wh, "zhang", "wrong-password", now=T0 + dt.timedelta(minutes=i))
        assert isinstance(r, access.LoginRefused) and r.code == "bad_credentials" and not r
    r = access.authenticate(wh, "zhang", "wrong-password", now=T0 + dt.timedelta(minutes=4))
    assert r.code == "locked" and "锁定" in r.reason
    until = r.locked_until
    assert until == T0 + dt.timedelta(minutes=4 + 15)
    # locked: even the right password is refused, until the window ends
    assert access.authenticate(wh, "zhang", PASSWORD, now=until - dt.timedelta(seconds=1)).code == "locked"
    assert isinstance(access.authenticate(wh, "zhang", PASSWORD, now=until), access.User)
    # a success resets the count: 4 more failures do not lock
    for i in range(4):
        assert access.authenticate(wh, "zhang", "nope-nope-nope", now=until).code == "bad_credentials"
    assert isinstance(access.authenticate(wh, "zhang", PASSWORD, now=until), access.User)


def test_lockout_policy_is_configurable_and_reset_lifts_it(wh: Path):
    access.add_user(wh, "li", "leader", "330000", PASSWORD, now=T0)
    policy = access.LockoutPolicy(max_failures=2, lock_minutes=60)
    access.authenticate(wh, "li", "bad-password", now=T0, policy=policy)
    r = access.authenticate(wh, "li", "bad-password", now=T0, policy=policy)
    assert r.code == "locked" and r.locked_until == T0 + dt.timedelta(hours=1)
    access.reset_password(wh, "li", "another-password-1", actor="root", now=T0)
    assert isinstance(access.authenticate(wh, "li", "another-password-1", now=T0), access.User)


def test_unknown_user_and_wrong_password_look_the_same(wh: Path):
    access.add_user(wh, "zhang", "inspector", "330100", PASSWORD, now=T0)
    unknown = access.authenticate(wh, "nobody", PASSWORD, now=T0)
    wrong = access.authenticate(wh, "zhang", "wrong-password", now=T0)
    assert (unknown.code, unknown.reason) == (wrong.code, wrong.reason) == ("bad_credentials", access.BAD_CREDENTIALS)


def test_a_name_no_account_has_is_locked_as_an_account_would_be(wh: Path):
    access.add_user(wh, "zhang", "inspector", "330100", PASSWORD, now=T0)
    answers = {}
    for name in ("zhang", "nobody"):
        said = [access.authenticate(wh, name, "wrong-password", now=T0 + dt.timedelta(minutes=i)) for i in range(6)]
        assert [r.code for r in said] == ["bad_credentials"] * 4 + ["locked"] * 2, name
        assert said[4].locked_until == T0 + dt.timedelta(minutes=4 + 15)
        answers[name] = [r.reason for r in said]
    assert answers["zhang"] == answers["nobody"]          # word for word
    assert access.authenticate(wh, "nobody", PASSWORD, now=T0 + dt.timedelta(minutes=19)).code == "bad_credentials"
    assert isinstance(access.authenticate(wh, "zhang", PASSWORD, now=T0 + dt.timedelta(minutes=19)), access.User)


def test_disabled_user_cannot_log_in(wh: Path):
    access.add_user(wh, "zhang", "inspector", "330100", PASSWORD, now=T0)
    access.disable_user(wh, "zhang", actor="root", now=T0)
    assert access.authenticate(wh, "zhang", PASSWORD, now=T0).code == "disabled"
    access.enable_user(wh, "zhang", actor="root", now=T0)
    assert isinstance(access.authenticate(wh, "zhang", PASSWORD, now=T0), access.User)


def test_role_rules():
    assert parse_role("检查员") is Role.INSPECTOR and parse_role("admin") is Role.ADMIN
    assert not can("inspector", Permission.LOAD) and not can("inspector", Permission.MANAGE_USERS)
    assert can("inspector", Permission.PLAN) and can("inspector", Permission.EXPORT)
    assert not can("leader", Permission.PLAN) and not can("leader", Permission.PERSONAL_DATA)
    assert GRANTS[Role.ADMIN] == frozenset(Permission)
    with pytest.raises(PermissionDenied, match="检查员无权装载数据"):
        require("检查员", Permission.LOAD)
    with pytest.raises(ValueError):
        parse_role("boss")


def test_inspector_cannot_manage_users_or_load(wh: Path, tmp_path: Path):
    inspector = access.add_user(wh, "zhang", "inspector", "330100", PASSWORD, now=T0)
    with pytest.raises(PermissionDenied):
        access.add_user(wh, "x1", "admin", "330000", PASSWORD, actor=inspector)
    admin = access.add_user(wh, "wang", "admin", "330000", PASSWORD, now=T0)
    access.add_user(wh, "x1", "leader", "330000", PASSWORD, actor=admin)
    # the command line applies the account's role when run --as an account
    runner = CliRunner()
    (tmp_path / "in").mkdir()
    r = runner.invoke(main, ["load", str(tmp_path / "in"), "--warehouse", str(wh), "--jurisdiction", "330000",
                             "--as", "zhang"])
    assert r.exit_code == 2 and "检查员无权装载数据" in r.output
    r = runner.invoke(main, ["users", "disable", "x1", "--warehouse", str(wh), "--as", "zhang"])
    assert r.exit_code == 2 and "无权管理用户" in r.output
    denied = entries(wh, action="permission_denied")
    assert denied["username"].to_list() == ["zhang", "zhang"]


def test_cli_users_never_shows_a_password_or_hash(wh: Path):
    runner = CliRunner()
    r = runner.invoke(main, ["users", "add", "zhang", "--role", "检查员", "--scope", "330100", "--name", "张三",
                             "--password-stdin", "--warehouse", str(wh), "--as", "root"], input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert PASSWORD not in r.output and "argon2" not in r.output
    r = runner.invoke(main, ["users", "add", "li", "--role", "leader", "--scope", "330000", "--generate",
                             "--warehouse", str(wh), "--as", "root"])
    assert r.exit_code == 0
    generated = r.output.strip().splitlines()[-1].split("：")[-1]
    assert len(generated) >= 16 and r.output.count(generated) == 1      # printed once
    assert isinstance(access.authenticate(wh, "li", generated), access.User)
    for args in (["users", "list"], ["users", "list", "--json"]):
        out = runner.invoke(main, [*args, "--warehouse", str(wh)]).output
        assert "zhang" in out and "检查员" in out and "$argon2" not in out and PASSWORD not in out
        assert "password" not in out
    r = runner.invoke(main, ["users", "reset-password", "zhang", "--password-stdin", "--warehouse", str(wh),
                             "--as", "root"], input="brand-new-pass-9\n")
    assert r.exit_code == 0 and "brand-new-pass-9" not in r.output
    r = runner.invoke(main, ["users", "disable", "zhang", "--warehouse", str(wh), "--as", "root"])
    assert r.exit_code == 0
    r = runner.invoke(main, ["users", "add", "zhang", "--role", "leader", "--scope", "330100", "--generate",
                             "--warehouse", str(wh)])
    assert r.exit_code == 2 and "已存在" in r.output
    r = runner.invoke(main, ["users", "add", "wu", "--role", "leader", "--scope", "123", "--generate",
                             "--warehouse", str(wh)])
    assert r.exit_code == 2 and "权限范围" in r.output


def test_audit_log_records_each_action_and_no_secret(wh: Path):
    admin = access.add_user(wh, "wang", "admin", "330000", PASSWORD, actor="root", now=T0)
    access.authenticate(wh, "wang", PASSWORD, now=T0, remote_addr="10.0.0.7")
    access.authenticate(wh, "wang", "wrong-password", now=T0)
    access.authenticate(wh, "ghost", "whatever-pass", now=T0)
    access.add_user(wh, "zhang", "inspector", "330100", "zhang-pass-1234", actor=admin, now=T0)
    access.reset_password(wh, "zhang", "zhang-pass-5678", actor=admin, now=T0)
    access.disable_user(wh, "zhang", actor=admin, now=T0)
    access.logout(wh, admin, now=T0)
    access.audit(wh, "export", user=admin, target="x.xlsx", detail={"kind": "grid"}, now=T0)
    frame = entries(wh)
    assert frame["action"].to_list()[::-1] == ["user_add", "login_ok", "login_failed", "login_failed", "user_add",
                                               "password_reset", "user_disable", "logout", "export"]
    ok = frame.filter(frame["action"] == "login_ok").row(0, named=True)
    assert ok["username"] == "wang" and ok["role"] == "admin" and ok["remote_addr"] == "10.0.0.7"
    reasons = [json.loads(d)["reason"] for d in frame.filter(frame["action"] == "login_failed")["detail"]]
    assert sorted(reasons) == ["unknown_user", "wrong_password"]
    text = frame.write_csv()
    for secret in (PASSWORD, "wrong-password", "whatever-pass", "zhang-pass-1234", "zhang-pass-5678", "$argon2"):
        assert secret not in text
    assert entries(wh, username="wang", action="logout").height == 1
    with pytest.raises(ValueError):
        access.audit(wh, "delete_everything", user="x")


def test_cli_load_export_plan_are_audited(tmp_path: Path):
    from etl import sample
    wh = tmp_path / "wh.duckdb"
    day = "2026-03-15"
    sample.generate(tmp_path / "sub", today=dt.date(2026, 3, 15), organs=20, vendors=6, years=1, bad_share=0)
    runner = CliRunner()
    r = runner.invoke(main, ["load", str(tmp_path / "sub"), "--warehouse", str(wh), "--jurisdiction", "330000",
                             "--today", day, "--json", "--as", "ops"])
    assert r.exit_code == 0, r.output
    access.add_user(wh, "zhang", "inspector", "330200", PASSWORD)
    r = runner.invoke(main, ["export", "annual", "--year", "2025", "--out", str(tmp_path / "a.xlsx"),
                             "--warehouse", str(wh), "--today", day, "--as", "zhang"])
    assert r.exit_code == 0, r.output
    assert "宁波市" in r.output                                   # the account's scope, not the province
    r = runner.invoke(main, ["plan", "--period", "2026-Q2", "--seed", "3", "--warehouse", str(wh), "--today", day,
                             "--as", "zhang"])
    assert r.exit_code == 0, r.output
    frame = entries(wh)
    by = {a: frame.filter(frame["action"] == a).row(0, named=True) for a in ("load", "export", "plan_draw")}
    assert by["load"]["username"] == "ops" and by["load"]["role"] is None
    assert json.loads(by["load"]["detail"])["rows_loaded"] > 0
    assert by["export"]["username"] == "zhang" and by["export"]["role"] == "inspector"
    assert json.loads(by["export"]["detail"])["scope"] == "330200"
    assert by["plan_draw"]["username"] == "zhang"


def test_demo_accounts(wh: Path):
    accounts = access.create_demo_accounts(wh)
    assert {a[2] for a in accounts} == {"leader", "inspector", "admin"}
    assert access.create_demo_accounts(wh) == accounts               # again: same accounts, passwords reset
    for username, password, role, scope in accounts:
        user = access.authenticate(wh, username, password)
        assert isinstance(user, access.User) and user.role.value == role and user.region_scope == scope


def test_an_admin_manages_only_accounts_inside_its_own_scope(tmp_path):
    wh = tmp_path / "wh.duckdb"
    city_admin = access.add_user(wh, "hz-admin", "admin", "330100", PASSWORD)
    access.add_user(wh, "nb", "inspector", "330200", PASSWORD)
    for scope in ("330000", "100000", "330200"):
        with pytest.raises(PermissionDenied, match="只能管理本人权限范围"):
            access.add_user(wh, f"x{scope}", "leader", scope, PASSWORD, actor=city_admin)
    with pytest.raises(PermissionDenied):
        access.disable_user(wh, "nb", actor=city_admin)
    with pytest.raises(PermissionDenied):
        access.reset_password(wh, "nb", "another-pass-123", actor=city_admin)
    made = access.add_user(wh, "xihu", "inspector", "330106", PASSWORD, actor=city_admin)
    assert made.region_scope == "330106"
    assert access.disable_user(wh, "xihu", actor=city_admin).active is False
    assert access.scope_within("330106", "330100") and access.scope_within("330100", "100000")
    assert not access.scope_within("100000", "330000") and not access.scope_within("330000", "330100")


def test_cli_a_password_typed_at_a_terminal_twice_differently_is_asked_again_in_chinese(wh: Path, monkeypatch):
    monkeypatch.setattr("etl.cli._at_terminal", lambda: True)
    r = CliRunner().invoke(main, ["users", "add", "zhao", "--role", "leader", "--scope", "330100", "--warehouse",
                                  str(wh), "--as", "root"],
                           input=f"{PASSWORD}\nsomething-else-1\n{PASSWORD}\n{PASSWORD}\n")
    assert r.exit_code == 0, r.output
    assert "两次输入的密码不一致" in r.output and "do not match" not in r.output and PASSWORD not in r.output
    assert isinstance(access.authenticate(wh, "zhao", PASSWORD), access.User)
