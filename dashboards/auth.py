"""Sign-in, sessions and request hardening for the dashboards (issue 7, docs/access.md).

Every request but the sign-in page, the health check and static files needs a signed-in user.
The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure unless served on loopback
over plain HTTP) holding the user name, the account's `updated_at` stamp, the times of sign-in and
last activity, and a CSRF token. Each request re-reads the account (cached a few seconds): a
disabled account, a reset password or a changed role or scope ends the session at once.

CSRF: the token is also sent as the `_csrf_token` cookie, which Dash's renderer copies into the
X-CSRFToken header of every callback; a state-changing request (POST) is refused unless that header
(or, for the sign-in and sign-out forms, a form field) equals the session's token and its Origin, if
any, is this site. Security headers (CSP with hashes for Dash's inline script, no framing, no
sniffing, no referrer) go on every response; data responses are never cached.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Response, g, jsonify, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from markupsafe import escape

from dashboards import data
from schemas.roles import ROLE_EN, ROLE_ZH
from warehouse import access

log = logging.getLogger("dashboards.auth")

IDLE_LIMIT = dt.timedelta(hours=2)          # signed out after this long without a request
SESSION_LIMIT = dt.timedelta(hours=12)      # and after this long in any case
USER_RECHECK_SECONDS = 5.0                  # how long a worker trusts its copy of an account
CSRF_COOKIE, CSRF_HEADER = "_csrf_token", "X-CSRFToken"
PUBLIC_PATHS = ("/login", "/health", "/favicon.ico")
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# The in-process render of the index when a worker starts (dashboards/app.py): a WSGI environ key,
# which no HTTP request can set (headers arrive as HTTP_*).
WARM_UP = "oversight.warm_up"


# -- settings ---------------------------------------------------------------------------------------

def secret_file() -> Path:
    """Where the session-signing key is kept when OVERSIGHT_SECRET_KEY is not set: beside the
    warehouse file (every worker of every `serve` on this warehouse must sign alike)."""
    explicit = os.environ.get("OVERSIGHT_SECRET_FILE")
    if explicit:
        return Path(explicit)
    location = str(data.warehouse_path())
    folder = Path(location).parent if "://" not in location and not location.startswith("ducklake:") else Path("data")
    return folder / ".oversight-secret"


def secret_key() -> bytes:
    value = os.environ.get("OVERSIGHT_SECRET_KEY")
    if value:
        return value.encode()
    path = secret_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # created once, readable by the owner only; a second worker racing here reads the first's key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    for _ in range(50):
        text = path.read_text().strip()
        if text:
            return text.encode()
        time.sleep(0.02)
    raise RuntimeError(f"the session key file {path} is empty")


def secure_cookies() -> bool:
    """Secure cookies unless told otherwise; `oversight serve` on a loopback address over plain
    HTTP sets OVERSIGHT_COOKIE_SECURE=0 (browsers treat loopback as a secure context anyway)."""
    return os.environ.get("OVERSIGHT_COOKIE_SECURE", "1") != "0"


def secure_request() -> bool:
    """Whether this response's cookies are HTTPS-only: when configured so, and always for a request
    that came over HTTPS — also through a reverse proxy on this machine (OVERSIGHT_BEHIND_PROXY=1),
    where `serve` listens on loopback and the setting alone would say plain HTTP."""
    return secure_cookies() or request.is_secure


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, HTTPS-only as `secure_request` says."""

    def get_cookie_secure(self, app) -> bool:
        return super().get_cookie_secure(app) or request.is_secure


# -- the signed-in user -------------------------------------------------------------------------------

class _Accounts:
    """Each worker's short-lived copy of the accounts it has seen (one read per account every few
    seconds, not one per request)."""

    def __init__(self) -> None:
        self.items: dict[tuple, tuple[float, access.User | None]] = {}
        self.lock = threading.Lock()

    def get(self, username: str) -> access.User | None:
        key = (data.version(), username)
        now = time.monotonic()
        with self.lock:
            hit = self.items.get(key)
        if hit and now - hit[0] < USER_RECHECK_SECONDS:
            return hit[1]
        with data.reader() as con:
            user = access.get_user(con, username) if data.has_table(con, "users") else None
        with self.lock:
            if len(self.items) > 1000:
                self.items.clear()
            self.items[key] = (now, user)
        return user

    def forget(self) -> None:
        with self.lock:
            self.items.clear()


ACCOUNTS = _Accounts()


def _now() -> float:
    return time.time()


def _session_user() -> tuple[access.User | None, str | None]:
    """(the user of this request's session, or None and why: expired | changed)."""
    name = session.get("u")
    if not name:
        return None, None
    now = _now()
    if now - session.get("t0", 0) > SESSION_LIMIT.total_seconds() or now - session.get("t", 0) > IDLE_LIMIT.total_seconds():
        return None, "expired"
    try:
        user = ACCOUNTS.get(name)
    except data.NoWarehouse:          # the warehouse is away (being restored?): refuse, keep the session
        return None, None
    if user is None or not user.active or user.stamp != session.get("s"):
        return None, "changed"
    if now - session.get("t", 0) > 60:      # refresh the idle clock at most once a minute
        session["t"] = now
    return user, None


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _csrf_ok(sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(sent and expected and hmac.compare_digest(str(sent), str(expected)))


def _same_origin() -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.host


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never //host or a scheme). Control
    characters and spaces are refused too: browsers and werkzeug drop a tab or a newline, so that
    "/\\t/evil.example" would become "//evil.example"."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(c.isspace() or not c.isprintable() for c in target)):
        return "/"
    return target


def remote_addr() -> str | None:
    return request.remote_addr


# -- the gate -----------------------------------------------------------------------------------------

def _is_public(path: str) -> bool:
    """The sign-in page, health, and the static files. A path under a public prefix counts only when
    it is routed to that prefix's files: one the static routes do not match falls to the page route,
    which serves the app, and must pass the gate like any page."""
    if path in PUBLIC_PATHS:
        return True
    rule = request.url_rule
    return path.startswith(PUBLIC_PREFIXES) and rule is not None and rule.rule.startswith(PUBLIC_PREFIXES)


def _refuse(status: int, zh: str, en: str):
    if request.path.startswith("/_dash-"):
        # The page's script (assets/session.js) sends the browser to the sign-in page on a 401.
        return jsonify({"message": zh, "message_en": en}), status
    if status == 401:
        here = request.full_path.rstrip("?") if request.query_string else request.path
        return redirect("/login?" + urlencode({"next": safe_next(here), **({"why": g.why} if g.get("why") else {})}))
    return Response(f"<!doctype html><meta charset=utf-8><title>{zh}</title><p>{zh}</p><p>{en}</p>"
                    f"<p><a href='/'>返回总览 / Back</a></p>", status=status, mimetype="text/html")


def _gate():
    g.user = None
    path = request.path
    if _is_public(path):            # the sign-in form checks its own CSRF token
        return None
    if request.environ.get(WARM_UP) is True and path == "/" and request.method == "GET":
        return None
    user, why = _session_user()
    if user is None:
        if why:
            session.pop("u", None)
            g.why = why
        return _refuse(401, "请先登录。", "Please sign in.")
    if request.method not in SAFE_METHODS:
        if not _same_origin() or not _csrf_ok(request.headers.get(CSRF_HEADER) or request.form.get("csrf")):
            log.warning("refused %s %s: CSRF check failed (from %s)", request.method, path, request.remote_addr)
            return _refuse(403, "请求未通过安全校验，请刷新页面后重试。", "The request failed its security check; reload the page.")
    g.user = user
    return None


CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",     # Mantine and plotly set styles inline
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _headers(response: Response, csp: str) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", csp)
    h["X-Content-Type-Options"] = "nosniff"
    h["X-Frame-Options"] = "DENY"
    h["Referrer-Policy"] = "same-origin"    # not no-referrer: with it a form POST says "Origin: null"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if secure_request():
        h["Strict-Transport-Security"] = "max-age=31536000"
    if not _is_public(request.path) or request.path == "/login":
        h["Cache-Control"] = "no-store"
    if session.get("csrf"):
        response.set_cookie(CSRF_COOKIE, session["csrf"], secure=secure_request(), httponly=False,
                            samesite="Strict", path="/")
    return response


# -- the sign-in page ---------------------------------------------------------------------------------

TEXT = {
    "zh": {"title": "登录 · 档案外包监管分析", "h1": "档案外包监管分析", "sub": "请使用本单位分配的账户登录",
           "user": "用户名", "password": "密码", "submit": "登录", "switch": "English",
           "expired": "会话已过期，请重新登录。", "changed": "账户信息已变更，请重新登录。", "out": "已安全退出。",
           "csrf": "页面已过期，请重新提交。", "empty": "请输入用户名和密码。",
           "note": "连续 5 次输错密码将锁定账户 15 分钟。所有登录均记入审计日志。",
           "setup": "系统尚无任何账户。请数据管理员在服务器上运行 oversight users add 用户名 --role admin --scope 行政区划代码 创建第一个账户（或运行 oversight demo 查看演示）。"},
    "en": {"title": "Sign in · Archive Oversight", "h1": "Archive Oversight", "sub": "Sign in with the account your office gave you",
           "user": "User name", "password": "Password", "submit": "Sign in", "switch": "中文",
           "expired": "Your session expired; please sign in again.", "changed": "Your account changed; please sign in again.",
           "out": "You have signed out.", "csrf": "The page had expired; please submit again.",
           "empty": "Enter your user name and password.",
           "note": "Five wrong passwords in a row lock the account for 15 minutes. Every sign-in is audited.",
           "setup": "There are no accounts yet. A data administrator creates the first one on the server with "
                    "`oversight users add NAME --role admin --scope REGION` (or runs `oversight demo`)."},
}
REFUSAL_EN = {"bad_credentials": "Wrong user name or password.", "locked": "Too many failed attempts: the account is locked for now.",
              "disabled": "This account is disabled; ask a data administrator.", "busy": "The data is being updated; try again shortly.",
              "throttled": "Too many failed sign-ins from this address; try again later."}

LOGIN_PAGE = """<!doctype html><html lang="{lang_attr}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>
body{{margin:0;font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',system-ui,sans-serif;background:#f5f6f8;color:#343a40}}
.bar{{background:#1b3a5c;color:#fff;padding:10px 20px;font-weight:700;display:flex;justify-content:space-between}}
.bar a{{color:#fff;font-weight:400;font-size:13px;border:1px solid rgba(255,255,255,.5);border-radius:6px;padding:2px 10px;text-decoration:none}}
main{{max-width:360px;margin:10vh auto 0;background:#fff;border:1px solid #e9ecef;border-radius:10px;padding:28px 32px}}
h1{{font-size:20px;margin:0 0 4px}} p.sub{{color:#868e96;font-size:13px;margin:0 0 20px}}
label{{display:block;font-size:13px;font-weight:600;margin:12px 0 4px}}
input[type=text],input[type=password]{{width:100%;box-sizing:border-box;padding:8px 10px;border:1px solid #ced4da;border-radius:6px;font-size:15px}}
button{{margin-top:20px;width:100%;padding:9px;background:#1c7ed6;color:#fff;border:0;border-radius:6px;font-size:15px;cursor:pointer}}
.msg{{padding:8px 10px;border-radius:6px;font-size:13px;margin-bottom:8px}} .err{{background:#fff5f5;color:#c92a2a}} .info{{background:#e7f5ff;color:#1864ab}}
.note{{color:#868e96;font-size:12px;margin-top:16px}}
</style></head><body><div class="bar"><span>{h1}</span><a id="login-lang" href="{switch_href}">{switch}</a></div>
<main><h1>{submit}</h1><p class="sub">{sub}</p>{message}
<form method="post" action="/login" autocomplete="on">
<input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="next" value="{next}"><input type="hidden" name="lang" value="{lang}">
<label for="username">{user}</label><input id="username" name="username" type="text" value="{username}" autocomplete="username" required autofocus>
<label for="password">{password}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="login-submit" type="submit">{submit}</button></form><p class="note">{note}</p></main></body></html>"""


def _lang() -> str:
    lang = request.values.get("lang")
    if lang not in ("zh", "en"):
        nxt = request.values.get("next") or ""
        lang = "en" if "lang=en" in nxt else "zh"
    return lang


def login_page(*, error: str | None = None, info: str | None = None, username: str = "", status: int = 200) -> Response:
    lang = _lang()
    text = TEXT[lang]
    nxt = safe_next(request.values.get("next"))
    message = ""
    if error:
        message = f'<div class="msg err" id="login-error" role="alert">{escape(error)}</div>'
    elif info:
        message = f'<div class="msg info" id="login-info">{escape(info)}</div>'
    switch = "/login?" + urlencode({"next": nxt, "lang": "en" if lang == "zh" else "zh"})
    body = LOGIN_PAGE.format(lang_attr="en" if lang == "en" else "zh-CN", title=text["title"], h1=text["h1"],
                             sub=text["sub"], user=text["user"], password=text["password"], submit=text["submit"],
                             switch=text["switch"], switch_href=escape(switch), note=text["note"], message=message,
                             csrf=escape(csrf_token()), next=escape(nxt), lang=lang, username=escape(username[:64]))
    return Response(body, status=status, mimetype="text/html")


def _start_session(user: access.User) -> None:
    session.clear()                       # a new session id for a new sign-in (no fixation)
    session.permanent = True
    now = _now()
    session.update({"u": user.username, "s": user.stamp, "t0": now, "t": now, "csrf": secrets.token_urlsafe(32)})


def _has_accounts() -> bool:
    try:
        with data.reader() as con:
            return data.has_table(con, "users") and con.execute("SELECT count(*) FROM users").fetchall()[0][0] > 0
    except data.NoWarehouse:
        return False


def _login():
    if request.method == "GET":
        if _session_user()[0] is not None:
            return redirect(safe_next(request.args.get("next")))
        why = request.args.get("why")
        if not _has_accounts():
            return login_page(info=TEXT[_lang()]["setup"])
        return login_page(info=TEXT[_lang()].get(why) if why in ("expired", "changed", "out") else None)
    lang = _lang()
    username = (request.form.get("username") or "").strip()
    if not _same_origin() or not _csrf_ok(request.form.get("csrf")):
        return login_page(error=TEXT[lang]["csrf"], username=username)
    password = request.form.get("password") or ""
    if not username or not password:
        return login_page(error=TEXT[lang]["empty"], username=username)
    try:
        result = access.authenticate(data.warehouse_path(), username, password, remote_addr=remote_addr())
    except data.NoWarehouse:
        result = access.LoginRefused("busy", "系统尚无数据仓库，请联系数据管理员")
    if isinstance(result, access.LoginRefused):
        shown = result.reason if lang == "zh" else REFUSAL_EN.get(result.code, result.reason)
        return login_page(error=shown, username=username)   # the form again, with why (200: a page, not an error)
    _start_session(result)
    ACCOUNTS.forget()
    return redirect(safe_next(request.form.get("next")))


def _logout():
    user, _why = _session_user()
    if user is not None:
        try:
            access.logout(data.warehouse_path(), user, remote_addr=remote_addr())
        except Exception:  # noqa: BLE001 — signing out must work even if the audit write fails
            log.exception("could not record the sign-out of %s", user.username)
    session.clear()
    return redirect("/login?why=out" + ("&lang=en" if request.form.get("lang") == "en" else ""))


# -- wiring -------------------------------------------------------------------------------------------

def install(app) -> None:
    """Put the gate, the sign-in routes and the headers on the Dash app's Flask server."""
    server = app.server
    server.secret_key = secret_key()
    server.session_interface = _SessionInterface()
    server.config.update(
        SESSION_COOKIE_NAME="oversight_session", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies(), PERMANENT_SESSION_LIFETIME=SESSION_LIMIT,
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    if os.environ.get("OVERSIGHT_BEHIND_PROXY") == "1":   # trust one reverse proxy's X-Forwarded-For/-Proto
        from werkzeug.middleware.proxy_fix import ProxyFix
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)
    server.before_request(_gate)
    server.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["POST"])
    csp_cache: dict[str, str] = {}

    def after(response: Response) -> Response:
        if "csp" not in csp_cache:      # Dash's inline scripts are known once the app is built
            policy = dict(CSP, **{"script-src": " ".join(["'self'", *app.csp_hashes()])})
            csp_cache["csp"] = "; ".join(f"{k} {v}" for k, v in policy.items())
        return _headers(response, csp_cache["csp"])
    server.after_request(after)


def current_user() -> access.User | None:
    return data.user_or_none()


def user_label(user: access.User, lang: str) -> str:
    role = ROLE_EN[user.role] if lang == "en" else ROLE_ZH[user.role]
    return f"{user.display_name or user.username} · {role}"
