"""Users, passwords, login with lockout, and the audit log (issue 7, docs/access.md).

The store lives in the warehouse (tables `users` and `audit_log`, migration 0004). Every write is a
short in-place write under the writer lock (`db.exclusive`), in one transaction, with a connection
opened and closed for it: a load swaps in a new copy of the file, so no connection is kept.
What each role may do is in schemas/roles.py; the query layer applies a user's region scope
(`warehouse.queries.for_user`).

    from warehouse import access
    result = access.authenticate(path, "zhang", password, remote_addr="10.0.0.7")
    if isinstance(result, access.LoginRefused):
        show(result.reason)                      # Chinese, says nothing about whether the user exists
    else:
        user = result                            # access.User: no password, no hash
        q = queries.for_user(user)               # every query scoped to user.region_scope
    access.audit(path, "logout", user=user, remote_addr="10.0.0.7")

Passwords are hashed with argon2id (argon2-cffi, its RFC 9106 defaults). A password or a hash is
never logged, printed, returned by a function of this module (except `create_demo_accounts`, whose
passwords are public by design), or written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from schemas.identifiers import NATIONAL, is_jurisdiction, region_prefix
from schemas.roles import ROLE_ZH, Permission, PermissionDenied, Role, parse_role, require
from warehouse import db

HASHER = PasswordHasher()             # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
LOGIN_LOCK_WAIT = 10.0                # seconds a login waits for a running load before it is refused

ACTIONS = ("login_ok", "login_failed", "logout", "load", "refresh", "export", "plan_draw", "user_add",
           "user_disable", "user_enable", "password_reset", "password_change", "permission_denied")

USER_COLUMNS = ("user_id", "username", "display_name", "role", "region_scope", "active", "failed_attempts",
                "locked_until", "created_at", "updated_at")


class AccessError(ValueError):
    """A user-management request that cannot be done; the message is in Chinese."""


class UserExists(AccessError):
    pass


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_minutes: int = 15
    # Failed sign-ins from one address within lock_minutes before that address is refused outright:
    # the per-account lock alone lets a caller try four passwords on every account each quarter hour.
    max_failures_per_address: int = 30


@dataclass(frozen=True)
class User:
    """An account as the application sees it: never its password or hash."""
    user_id: int
    username: str
    display_name: str | None
    role: Role
    region_scope: str                 # a 6-digit region code; 100000 = national
    active: bool = True
    # When the account last changed (role, scope, password, state): a session started before a
    # change is no longer valid (dashboards/auth.py).
    stamp: str | None = field(default=None, compare=False)

    @property
    def scope_prefix(self) -> str:
        """The prefix of the region codes the user may see ('' = every region)."""
        return region_prefix(self.region_scope)

    @property
    def role_zh(self) -> str:
        return ROLE_ZH[self.role]

    def can(self, permission: Permission) -> bool:
        from schemas.roles import can
        return self.active and can(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.active:
            raise PermissionDenied("该账户已停用", en="This account is disabled.")
        require(self.role, permission)


@dataclass(frozen=True)
class LoginRefused:
    """Why a login failed. `reason` is the Chinese text to show; `code` is for the audit log."""
    code: str                         # bad_credentials | locked | disabled | busy | throttled
    reason: str
    locked_until: dt.datetime | None = None

    def __bool__(self) -> bool:       # `if result:` reads as "logged in"
        return False


BAD_CREDENTIALS = "用户名或密码错误"


# -- helpers --------------------------------------------------------------------------------------

def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now()).replace(microsecond=0)


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise AccessError(f"用户名“{username}”无效：须为2–32位小写字母、数字或 . _ -，以字母或数字开头")
    return name


def check_scope(scope: str) -> str:
    scope = (scope or "").strip()
    if not re.fullmatch(r"\d{6}", scope) or not is_jurisdiction(scope):
        raise AccessError(f"权限范围“{scope}”不是有效的行政区划代码（省如330000、市如330100、县如330102，全国为{NATIONAL}）")
    return scope


def check_password(password: str) -> None:
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"密码至少须{MIN_PASSWORD_LENGTH}个字符")
    if password != password.strip():
        raise AccessError("密码首尾不能有空格")


def generate_password() -> str:
    """A random password (16 URL-safe characters, ~96 bits)."""
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    check_password(password)
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: str | None = None


def _verify_dummy(password: str) -> None:
    """Spend the time a real verification takes, so an unknown user cannot be told from a wrong password."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))
    verify_password(_DUMMY_HASH, password or "")


def _user_from(row: dict[str, Any]) -> User:
    return User(user_id=int(row["user_id"]), username=row["username"], display_name=row["display_name"],
                role=Role(row["role"]), region_scope=row["region_scope"], active=bool(row["active"]),
                stamp=str(row["updated_at"]) if row.get("updated_at") is not None else None)


def _fetch(con, username: str) -> dict[str, Any] | None:
    cur = con.execute("SELECT user_id, username, display_name, role, region_scope, password_hash, active, "
                      "failed_attempts, locked_until, updated_at FROM users WHERE username = ?", [username])
    cols = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return dict(zip(cols, rows[0])) if rows else None


def _actor_fields(actor: "User | str | None") -> tuple[str | None, str | None]:
    if isinstance(actor, User):
        return actor.username, actor.role.value
    return actor, None


def _insert_audit(con, *, at: dt.datetime, username: str | None, role: str | None, action: str,
                  target: str | None = None, detail: dict | None = None, remote_addr: str | None = None) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {ACTIONS}")
    con.execute('INSERT INTO audit_log (audit_id, "at", username, role, action, target, detail, remote_addr) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [db.next_id(con, "audit_log", "audit_id"), at, username, role, action, target,
                 json.dumps(detail, ensure_ascii=False, default=str) if detail is not None else None, remote_addr])


# -- the audit log --------------------------------------------------------------------------------

def audit(path: str | Path, action: str, *, user: User | str | None = None, target: str | None = None,
          detail: dict | None = None, remote_addr: str | None = None, now: dt.datetime | None = None,
          wait: float = 15.0) -> None:
    """Append one entry to the audit log: a short in-place write under the writer lock (it waits for
    a running load to finish). `user` is the User who acted, or a name (the OS user at the command
    line). `detail` must not hold a password or a hash: it is stored as JSON as given."""
    path = db.location(path)
    username, role = _actor_fields(user)
    with db.exclusive(path):
        con = db.connect(path, wait=wait)
        try:
            with db.transaction(con):
                _insert_audit(con, at=_now(now), username=username, role=role, action=action, target=target,
                              detail=detail, remote_addr=remote_addr)
        finally:
            con.close()


def audit_entries(con, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
                  username: str | None = None, action: str | Iterable[str] | None = None,
                  limit: int | None = 500, usernames: Iterable[str] | None = None) -> pl.DataFrame:
    """The audit log, newest first (for the admin page; check Permission.AUDIT before showing it).
    `usernames`: only the entries of these accounts (an administrator of part of the jurisdiction
    reads those of the accounts in its scope: `accounts_within`).

    Columns: audit_id, at, username, role, action, target, detail (JSON text), remote_addr."""
    actions = [action] if isinstance(action, str) else (list(action) if action is not None else None)
    return con.sql(
        'SELECT audit_id, "at", username, role, action, target, CAST(detail AS VARCHAR) AS detail, remote_addr '
        'FROM audit_log WHERE ($since IS NULL OR "at" >= $since) AND ($until IS NULL OR "at" < $until) '
        "AND ($username IS NULL OR username = $username) "
        "AND ($usernames IS NULL OR list_contains($usernames, username)) "
        "AND ($actions IS NULL OR list_contains($actions, action)) "
        'ORDER BY "at" DESC, audit_id DESC LIMIT coalesce($limit, 9223372036854775807)',
        params={"since": since, "until": until, "username": username, "actions": actions, "limit": limit,
                "usernames": list(usernames) if usernames is not None else None}).pl()


# -- users ----------------------------------------------------------------------------------------

def get_user(con, username: str) -> User | None:
    row = _fetch(con, normalise_username(username))
    return _user_from(row) if row else None


def list_users(con) -> pl.DataFrame:
    """Every account (no password hash). Columns: USER_COLUMNS plus role_zh and locked."""
    return con.sql(f"SELECT {', '.join(USER_COLUMNS)} FROM users ORDER BY username").pl().with_columns(
        role_zh=pl.col("role").replace_strict({r.value: z for r, z in ROLE_ZH.items()}, default=None,
                                              return_dtype=pl.String))


def accounts_within(con, scope: str) -> pl.DataFrame:
    """The accounts whose region scope lies inside `scope` (those an administrator with that scope
    manages and whose audit entries it reads); columns as list_users."""
    users = list_users(con)
    return users.filter(pl.Series([scope_within(s, scope) for s in users["region_scope"]], dtype=pl.Boolean))


def _check_actor(actor: User | str | None, scope: str | None = None) -> None:
    """An admin may manage only accounts inside its own scope, and grant no wider scope than its
    own (a city's administrator cannot make a province-wide account)."""
    if isinstance(actor, User):
        actor.require(Permission.MANAGE_USERS)
        if scope is not None and not scope_within(scope, actor.region_scope):
            raise PermissionDenied(f"只能管理本人权限范围（{actor.region_scope}）以内的账户",
                                   en=f"You can manage only accounts inside your own scope ({actor.region_scope}).")


def scope_within(scope: str, outer: str) -> bool:
    """Whether region scope `scope` lies inside `outer` (equal counts)."""
    return scope.startswith(region_prefix(outer)) and (outer == NATIONAL or scope != NATIONAL)


def add_user(path: str | Path, username: str, role: str | Role, region_scope: str, password: str, *,
             display_name: str | None = None, actor: User | str | None = None,
             now: dt.datetime | None = None, remote_addr: str | None = None) -> User:
    """Create an account. `actor` is the admin User who does it (checked: MANAGE_USERS), or the OS
    user's name at the command line (trusted: it can write the warehouse file anyway)."""
    name = check_username(username)
    role = parse_role(role)
    scope = check_scope(region_scope)
    _check_actor(actor, scope)
    password_hash = hash_password(password)
    at = _now(now)
    path = db.location(path)
    who, who_role = _actor_fields(actor)
    with db.exclusive(path):
        con = db.connect(path, wait=15.0)
        try:
            with db.transaction(con):
                if _fetch(con, name) is not None:
                    raise UserExists(f"用户名“{name}”已存在")
                con.execute("INSERT INTO users (user_id, username, display_name, role, region_scope, password_hash, "
                            "active, failed_attempts, locked_until, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, true, 0, NULL, ?, ?)",
                            [db.next_id(con, "users", "user_id"), name, display_name, role.value, scope,
                             password_hash, at, at])
                _insert_audit(con, at=at, username=who, role=who_role, action="user_add", target=name,
                              detail={"role": role.value, "region_scope": scope, "display_name": display_name},
                              remote_addr=remote_addr)
            return _user_from(_fetch(con, name))
        finally:
            con.close()


def _update_user(path: Path, username: str, action: str, sets: str, values: list, *, actor, now, remote_addr,
                 detail: dict | None = None, own: bool = False) -> User:
    """Change an account (and its stamp, which ends its sessions) and audit it. `own`: the user acts
    on its own account (signing out, changing its password), which needs no MANAGE_USERS."""
    if not own:
        _check_actor(actor)
    name = normalise_username(username)
    at = _now(now)
    who, who_role = _actor_fields(actor)
    with db.exclusive(path):
        con = db.connect(path, wait=15.0)
        try:
            with db.transaction(con):
                target = _fetch(con, name)
                if target is None:
                    raise AccessError(f"没有用户“{name}”")
                if not own:
                    _check_actor(actor, target["region_scope"])
                # to the microsecond: it is the stamp that ends sessions started before the change
                changed_at = at if now is not None else dt.datetime.now()
                con.execute(f"UPDATE users SET {sets + ', ' if sets else ''}updated_at = ? WHERE username = ?",
                            [*values, changed_at, name])
                # the account acted on, as it stood: an auditor reads whose access changed
                _insert_audit(con, at=at, username=who, role=who_role, action=action, target=name,
                              detail={"role": target["role"], "region_scope": target["region_scope"], **(detail or {})},
                              remote_addr=remote_addr)
            return _user_from(_fetch(con, name))
        finally:
            con.close()


def disable_user(path: str | Path, username: str, *, actor: User | str | None = None,
                 now: dt.datetime | None = None, remote_addr: str | None = None) -> User:
    """Disable an account: it can no longer log in (rows are kept, so the audit log keeps its meaning).
    A page must also end the user's open sessions."""
    if isinstance(actor, User) and normalise_username(username) == actor.username:
        raise AccessError("不能停用自己的账户")
    return _update_user(db.location(path), username, "user_disable", "active = false", [], actor=actor, now=now,
                        remote_addr=remote_addr)


def enable_user(path: str | Path, username: str, *, actor: User | str | None = None,
                now: dt.datetime | None = None, remote_addr: str | None = None) -> User:
    return _update_user(db.location(path), username, "user_enable", "active = true, failed_attempts = 0, locked_until = NULL",
                        [], actor=actor, now=now, remote_addr=remote_addr)


def reset_password(path: str | Path, username: str, new_password: str, *, actor: User | str | None = None,
                   now: dt.datetime | None = None, remote_addr: str | None = None) -> User:
    """Set a new password (by an admin or at the command line); also lifts a lockout."""
    password_hash = hash_password(new_password)
    return _update_user(db.location(path), username, "password_reset",
                        "password_hash = ?, failed_attempts = 0, locked_until = NULL", [password_hash],
                        actor=actor, now=now, remote_addr=remote_addr)


def change_password(path: str | Path, user: User, old_password: str, new_password: str, *,
                    now: dt.datetime | None = None, remote_addr: str | None = None) -> LoginRefused | User:
    """A logged-in user changes its own password: the old one must be right (a failure counts as a
    failed login, so this cannot be used to guess passwords)."""
    check = authenticate(path, user.username, old_password, now=now, remote_addr=remote_addr, record_success=False)
    if isinstance(check, LoginRefused):
        return check
    password_hash = hash_password(new_password)
    return _update_user(db.location(path), user.username, "password_change", "password_hash = ?", [password_hash],
                        actor=user.username, now=now, remote_addr=remote_addr)


# -- login ----------------------------------------------------------------------------------------

def authenticate(path: str | Path, username: str, password: str, *, now: dt.datetime | None = None,
                 remote_addr: str | None = None, policy: LockoutPolicy = LockoutPolicy(),
                 lock_wait: float = LOGIN_LOCK_WAIT, record_success: bool = True) -> User | LoginRefused:
    """Check a login; return the User, or LoginRefused with a Chinese reason.

    - An unknown user and a wrong password get the same answer and take the same time (a dummy hash
      is verified for an unknown user).
    - `policy.max_failures` failures in a row lock the account for `policy.lock_minutes`; while
      locked, even the right password is refused. A success resets the count; after the lock ends
      the count starts again from 0.
    - `policy.max_failures_per_address` failed attempts from one address within `policy.lock_minutes`
      refuse that address (code "throttled") whatever the account, until they age out.
    - Every attempt is audited (login_ok / login_failed with a reason code), never the password.
    - During a load (the writer lock is held longer than `lock_wait` seconds) the login is refused
      with code "busy", so that no failure goes uncounted.
    """
    path = db.location(path)
    at = _now(now)
    name = normalise_username(username)[:64]
    password = password or ""
    try:
        with db.exclusive(path, timeout=lock_wait):
            con = db.connect(path, wait=15.0)
            try:
                with db.transaction(con):
                    return _authenticate(con, name, password, at, remote_addr, policy, record_success)
            finally:
                con.close()
    except db.WarehouseBusy:
        return LoginRefused("busy", "系统正在更新数据，请稍后再试")


def _authenticate(con, name: str, password: str, at: dt.datetime, remote_addr: str | None,
                  policy: LockoutPolicy, record_success: bool) -> User | LoginRefused:
    row = _fetch(con, name) if name else None

    def failed(code: str, refusal: LoginRefused, **detail) -> LoginRefused:
        _insert_audit(con, at=at, username=name or None, role=row["role"] if row else None, action="login_failed",
                      target=name or None, detail={"reason": code, **detail}, remote_addr=remote_addr)
        return refusal

    if _failures_from(con, remote_addr, at - dt.timedelta(minutes=policy.lock_minutes)) >= policy.max_failures_per_address:
        # No password is checked (and no account's count moves); this refusal counts as a failure
        # too, so an address that keeps trying stays refused.
        return failed("throttled", LoginRefused("throttled", "该地址登录失败次数过多，请稍后再试"))
    if row is None:
        _verify_dummy(password)
        # answered as an account would be, lock included: a lock must not tell that a name exists
        until = _unknown_name_lock(con, name, at, policy)
        return failed("unknown_user", _locked(until) if until else LoginRefused("bad_credentials", BAD_CREDENTIALS))
    locked_until = row["locked_until"]
    if locked_until is not None and locked_until > at:
        _verify_dummy(password)
        return failed("locked", _locked(locked_until))
    attempts = 0 if locked_until is not None else int(row["failed_attempts"] or 0)  # a lock that ended starts afresh
    if not verify_password(row["password_hash"], password):
        attempts += 1
        lock = at + dt.timedelta(minutes=policy.lock_minutes) if attempts >= policy.max_failures else None
        con.execute("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE user_id = ?",
                    [0 if lock else attempts, lock, row["user_id"]])
        if lock:
            return failed("wrong_password", _locked(lock), failed_attempts=attempts, locked_until=lock.isoformat())
        return failed("wrong_password", LoginRefused("bad_credentials", BAD_CREDENTIALS), failed_attempts=attempts)
    if not row["active"]:
        return failed("disabled", LoginRefused("disabled", "该账户已停用，请联系数据管理员"))
    sets, values = "failed_attempts = 0, locked_until = NULL", []
    if HASHER.check_needs_rehash(row["password_hash"]):
        sets += ", password_hash = ?"
        values.append(HASHER.hash(password))
    con.execute(f"UPDATE users SET {sets} WHERE user_id = ?", [*values, row["user_id"]])
    if record_success:
        _insert_audit(con, at=at, username=name, role=row["role"], action="login_ok", target=name,
                      remote_addr=remote_addr)
    return _user_from(row)


def _unknown_name_lock(con, name: str | None, at: dt.datetime, policy: LockoutPolicy) -> dt.datetime | None:
    """Until when a sign-in as `name`, which no account has, is answered as locked: the failures
    recorded for the name over the last day (this one included) replayed as an account counts them —
    the `max_failures`-th locks for `lock_minutes`, attempts while locked do not count, and a lock
    that ended starts the count afresh."""
    if not name:
        return None
    times = [r[0] for r in con.execute(
        """SELECT "at" FROM audit_log WHERE action = 'login_failed' AND target = ? AND "at" >= ? ORDER BY "at" """,
        [name, at - dt.timedelta(days=1)]).fetchall()] + [at]
    attempts, until = 0, None
    for t in times:
        if until is not None and t < until:
            continue
        attempts, until = attempts + 1, None
        if attempts >= policy.max_failures:
            attempts, until = 0, t + dt.timedelta(minutes=policy.lock_minutes)
    return until if until is not None and at < until else None


def _failures_from(con, remote_addr: str | None, since: dt.datetime) -> int:
    """Failed sign-ins from `remote_addr` since `since` (0 without an address: the command line)."""
    if not remote_addr:
        return 0
    return con.execute("""SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND remote_addr = ? AND "at" >= ?""",
                       [remote_addr, since]).fetchall()[0][0]


def _locked(until: dt.datetime) -> LoginRefused:
    return LoginRefused("locked", f"连续登录失败次数过多，账户已锁定，请于{until:%H:%M}后再试，或联系数据管理员重置密码",
                        locked_until=until)


def logout(path: str | Path, user: User, *, remote_addr: str | None = None, now: dt.datetime | None = None) -> None:
    """Sign out: the account's stamp changes, so every session of it ends — also a copy of the
    session cookie kept elsewhere (signing out signs out everywhere)."""
    _update_user(db.location(path), user.username, "logout", "", [], actor=user, now=now, remote_addr=remote_addr,
                 own=True)


# -- demo -----------------------------------------------------------------------------------------

DEMO_ACCOUNTS = (
    # username, display name, role, scope, password (public: for the demo warehouse only)
    ("leader", "演示·领导（全省）", Role.LEADER, "330000", "demo-leader-2026"),
    ("inspector", "演示·检查员（全省）", Role.INSPECTOR, "330000", "demo-inspector-2026"),
    ("inspector-hz", "演示·检查员（杭州市）", Role.INSPECTOR, "330100", "demo-inspector-hz-2026"),
    ("admin", "演示·数据管理员（全省）", Role.ADMIN, "330000", "demo-admin-2026"),
)


def create_demo_accounts(warehouse_path: str | Path) -> list[tuple[str, str, str, str]]:
    """Create (or reset to their demo passwords) the demo accounts; return (username, password,
    role, scope) for `oversight demo` to print. The passwords are public: demo warehouses only."""
    out = []
    path = db.location(warehouse_path)
    for username, display, role, scope, password in DEMO_ACCOUNTS:
        try:
            add_user(path, username, role, scope, password, display_name=display, actor="demo")
        except UserExists:
            reset_password(path, username, password, actor="demo")
            enable_user(path, username, actor="demo")
        out.append((username, password, role.value, scope))
    return out


# -- the command line -----------------------------------------------------------------------------

def os_user() -> str:
    import getpass
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return "unknown"


def resolve_actor(path: str | Path, name: str | None, permission: Permission | None = None) -> User | str:
    """Who runs a command: the account `name` (default: the OS user) when the warehouse has such an
    active account, whose role must then have `permission` (PermissionDenied otherwise, audited);
    else the plain name. The command line is trusted by file access: whoever can run it can write
    the warehouse file, so `--as` attributes an action and applies the account's rules and scope."""
    name = normalise_username(name or os_user())
    path = db.location(path)
    user = None
    if db.exists(path):
        con = db.connect(path, read_only=True)
        try:
            known = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'users'").fetchall()[0][0]
            user = get_user(con, name) if known else None
        finally:
            con.close()
    if user is None:
        return name
    if permission is not None and not user.can(permission):
        audit(path, "permission_denied", user=user, target=permission.value)
        user.require(permission)
    return user
