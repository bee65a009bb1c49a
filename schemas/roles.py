"""Roles and what each may do (issue 7, docs/access.md): the business rules of access, in one place.

    领导 leader       reads and exports everything in its region scope
    检查员 inspector   reads and exports in scope, and draws inspection plans
    数据管理员 admin   all of that, and loads data, manages users, sees personal contact data and the audit log

A user's region scope (a GB/T 2260 code) limits *what* it sees; the role limits *what it may do*.
The store of users and the audit log are in warehouse/access.py; the query layer applies the scope
(warehouse.queries.for_user).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    LEADER = "leader"
    INSPECTOR = "inspector"
    ADMIN = "admin"


class Permission(StrEnum):
    READ = "read"                    # pages and query functions, within the region scope
    EXPORT = "export"                # grid exports, the annual workbook, report and snapshot (scoped)
    PLAN = "plan"                    # draw (and re-draw) the 双随机 inspection plan
    LOAD = "load"                    # upload and load submissions
    MANAGE_USERS = "manage_users"    # add, disable, enable users, reset passwords
    PERSONAL_DATA = "personal_data"  # organs' contact person and telephone
    AUDIT = "audit"                  # read the audit log


ROLE_ZH = {Role.LEADER: "领导", Role.INSPECTOR: "检查员", Role.ADMIN: "数据管理员"}
ROLE_EN = {Role.LEADER: "Leader", Role.INSPECTOR: "Inspector", Role.ADMIN: "Data administrator"}
PERMISSION_ZH = {
    Permission.READ: "查看（限权限范围）", Permission.EXPORT: "导出", Permission.PLAN: "抽取检查计划",
    Permission.LOAD: "装载数据", Permission.MANAGE_USERS: "管理用户", Permission.PERSONAL_DATA: "查看联系人信息",
    Permission.AUDIT: "查看审计日志",
}
PERMISSION_EN = {
    Permission.READ: "view data (within the scope)", Permission.EXPORT: "export", Permission.PLAN: "draw the inspection plan",
    Permission.LOAD: "load data", Permission.MANAGE_USERS: "manage users",
    Permission.PERSONAL_DATA: "see contact details", Permission.AUDIT: "read the audit log",
}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.LEADER: frozenset({Permission.READ, Permission.EXPORT}),
    Role.INSPECTOR: frozenset({Permission.READ, Permission.EXPORT, Permission.PLAN}),
    Role.ADMIN: frozenset(Permission),
}

# Columns holding personal data: returned only to roles with PERSONAL_DATA.
PERSONAL_COLUMNS = ("contact_name", "contact_phone")

_ALIASES = {"领导": Role.LEADER, "leader": Role.LEADER,
            "检查员": Role.INSPECTOR, "inspector": Role.INSPECTOR,
            "数据管理员": Role.ADMIN, "管理员": Role.ADMIN, "admin": Role.ADMIN}


class PermissionDenied(PermissionError):
    """The role may not do this. The message (str) is in Chinese; `en` in English, when given:
    `text(lang)` picks for a page."""

    def __init__(self, message: str, *, en: str | None = None):
        super().__init__(message)
        self.en = en

    def text(self, lang: str | None) -> str:
        return self.en if lang == "en" and self.en else str(self)


def parse_role(text: str | Role) -> Role:
    """A role from its code or its Chinese name: leader/领导, inspector/检查员, admin/数据管理员."""
    if isinstance(text, Role):
        return text
    role = _ALIASES.get(str(text).strip().lower()) or _ALIASES.get(str(text).strip())
    if role is None:
        raise ValueError(f"角色“{text}”无效，应为 领导/leader、检查员/inspector 或 数据管理员/admin")
    return role


def can(role: str | Role | None, permission: Permission) -> bool:
    if role is None:
        return False
    try:
        return permission in GRANTS[parse_role(role)]
    except ValueError:
        return False


def require(role: str | Role | None, permission: Permission) -> None:
    """Raise PermissionDenied unless `role` has `permission`."""
    if not can(role, permission):
        zh, en = not_permitted(role, permission)
        raise PermissionDenied(zh, en=en)


def not_permitted(role: str | Role | None, permission: Permission) -> tuple[str, str]:
    """Why `role` may not do `permission`: (Chinese, English)."""
    try:
        zh, en = ((ROLE_ZH[parse_role(role)], f"The {ROLE_EN[parse_role(role)].lower()} role") if role is not None
                  else ("未登录用户", "Someone not signed in"))
    except ValueError:
        zh, en = "该用户", "This user"
    return f"{zh}无权{PERMISSION_ZH[permission]}", f"{en} may not {PERMISSION_EN[permission]}"


def role_label(role: str | Role) -> str:
    r = parse_role(role)
    return f"{ROLE_ZH[r]}（{r.value}）"
