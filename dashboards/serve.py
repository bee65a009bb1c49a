"""Serving the dashboards: gunicorn with several worker processes (each builds the app once), or
Flask's development server with debug when asked. Used by `oversight serve` and `oversight demo`.

Settings reach the app through the environment, resolved once by the command line:
OVERSIGHT_WAREHOUSE (the warehouse file, opened read-only per request), OVERSIGHT_TODAY (the day
"overdue" is counted to; the real date when unset), OVERSIGHT_COOKIE_SECURE (HTTPS-only session
cookies; on unless serving on loopback), OVERSIGHT_SECRET_KEY or OVERSIGHT_SECRET_FILE (the
session-signing key; by default a file beside the warehouse, made once) and OVERSIGHT_BEHIND_PROXY=1
(trust one reverse proxy's X-Forwarded-* headers). The jurisdiction is the warehouse's own.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Callable

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
# An upload's load can take minutes on a large warehouse; the callback waits for it.
REQUEST_TIMEOUT_S = 600


def address(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


def check_debug(host: str, debug: bool) -> None:
    """The development server's debugger runs code typed into the browser: loopback only."""
    if debug and not is_loopback(host):
        raise ValueError(f"调试模式只能在本机回环地址上使用（--host 127.0.0.1），不能在 {host} 上提供：调试器可在服务器上执行任意代码。")


def configure(warehouse: Path, today: dt.date | None, host: str = DEFAULT_HOST) -> None:
    from warehouse import analytics_config, db
    os.environ["OVERSIGHT_WAREHOUSE"] = str(db.absolute(warehouse))
    config = analytics_config.active()
    if config is not analytics_config.default():          # the command's --risk-config, for the workers
        os.environ[analytics_config.ENV_VAR] = config.source
    if today is not None:
        os.environ["OVERSIGHT_TODAY"] = today.isoformat()
    # Session cookies are HTTPS-only unless the app is reached on this machine over plain HTTP.
    os.environ.setdefault("OVERSIGHT_COOKIE_SECURE", "0" if is_loopback(host) else "1")


def run(warehouse: Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, workers: int = DEFAULT_WORKERS,
        threads: int = DEFAULT_THREADS, debug: bool = False, today: dt.date | None = None,
        announce: Callable[[str], None] = print) -> None:
    """Serve until interrupted. `announce` receives the address line once the server listens."""
    check_debug(host, debug)
    configure(warehouse, today, host)
    url = address(host, port)
    ready = f"档案外包监管分析已启动：{url}  （按 Ctrl+C 停止 / press Ctrl+C to stop）"
    if os.environ["OVERSIGHT_COOKIE_SECURE"] != "0":
        ready += ("\n会话 Cookie 仅经 HTTPS 发送：请在 HTTPS 反向代理之后提供服务（OVERSIGHT_BEHIND_PROXY=1）。"
                  "\nSession cookies are HTTPS-only: serve behind an HTTPS reverse proxy.")
    if debug:
        from dashboards.app import app
        announce(ready + "  [调试模式 debug]")
        app.run(host=host, port=port, debug=True, use_reloader=False)
        return

    from gunicorn.app.base import BaseApplication

    from warehouse import lake
    lake.close_instances()           # the workers fork from this process: no DuckDB instance may cross

    class _Gunicorn(BaseApplication):
        def __init__(self, options: dict):
            self.options = options
            super().__init__()

        def load_config(self):
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self):
            from dashboards.app import server
            return server

    def when_ready(_server):
        announce(ready)

    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "gthread",
        "threads": max(1, threads),
        "timeout": REQUEST_TIMEOUT_S,
        "graceful_timeout": 20,
        "keepalive": 5,
        "preload_app": False,        # each worker builds the app once, after the fork
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "oversight-serve",
        "when_ready": when_ready,
        "limit_request_line": 8190,
    }).run()
