"""The Dash app, built once per process (`app`, and `server` for the WSGI server).

    gunicorn dashboards.app:server          # what `oversight serve` runs
    OVERSIGHT_WAREHOUSE=… python -m dashboards.app   # a development server (debug only on request)

Pages live in dashboards/pages (one module each: register_page, a layout function of the URL
parameters, its callbacks). Everything the browser loads is served by the app itself: Dash's and
the components' scripts and CSS (Mantine and AG Grid bundle theirs), our assets/, no CDN.
The warehouse is read through one read-only connection per request (dashboards.data.reader).
Every request but the sign-in page and static files needs a signed-in user (dashboards.auth).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import dash
import dash_mantine_components as dmc
from dash import Dash, dcc
from flask import Response, request

HERE = Path(__file__).resolve().parent
log = logging.getLogger("dashboards")

THEME = {
    "fontFamily": "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', system-ui, sans-serif",
    "headings": {"fontFamily": "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', system-ui, sans-serif"},
    "primaryColor": "blue",
    "defaultRadius": "md",
}

ERROR_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>出错了</title></head>
<body style="font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:40rem;margin:4rem auto;color:#343a40">
<h1>出错了</h1><p>{zh}</p><p style="color:#868e96">{en}</p><p><a href="/">返回总览 / Back to the overview</a></p>
</body></html>"""


def _shell():
    return dmc.MantineProvider(
        [dcc.Location(id="url", refresh="callback-nav"), dash.page_container],
        theme=THEME,
        forceColorScheme="light",
    )


def _install_error_handlers(server) -> None:
    @server.errorhandler(404)
    def _not_found(_exc):
        return Response(ERROR_PAGE.format(zh="找不到该地址。", en="Not found."), status=404,
                        mimetype="text/html")

    @server.errorhandler(413)
    def _too_large(_exc):
        return Response(ERROR_PAGE.format(zh="上传的文件太大（上限 50 MB）。", en="The upload is too large (50 MB at most)."),
                        status=413, mimetype="text/html")

    @server.errorhandler(Exception)
    def _any(exc):
        from dash.exceptions import DependencyException
        from werkzeug.exceptions import HTTPException
        if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
            return exc
        if isinstance(exc, DependencyException):     # a component file Dash does not serve: not found
            return _not_found(exc)
        log.exception("request %s %s failed", request.method, request.path)
        return Response(ERROR_PAGE.format(zh="服务器处理请求时出错，错误已记录。请刷新或稍后再试。",
                                          en="The server failed to handle the request; the error was logged."),
                        status=500, mimetype="text/html")


def _warm_up(server) -> None:
    """Render the index page once, in-process. Dash registers the component libraries it may serve
    while rendering the index; under several worker processes, a worker whose first request is a
    script (the index went to another worker) would otherwise refuse it with a 500."""
    from dashboards.auth import WARM_UP
    with server.test_client() as client:
        client.get("/", environ_overrides={WARM_UP: True})


def create_app() -> Dash:
    """Build the app. Call once per process (see the module docstring of the engineering notes:
    a second Dash app with pages in the same process loses its callbacks)."""
    app = Dash(
        "dashboards",
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="档案外包监管分析",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        health_endpoint="/health",
        compress=False,
    )
    app.layout = _shell
    server = app.server
    from warehouse import analytics_config
    analytics_config.set_active(analytics_config.from_environment())
    # dcc.Upload sends files base64-encoded inside the callback request: 50 MB of files ≈ 67 MB.
    server.config["MAX_CONTENT_LENGTH"] = 72 * 1024 * 1024
    _install_error_handlers(server)
    from dashboards import auth, data
    server.teardown_request(data.close_request_reader)
    auth.install(app)
    _warm_up(server)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=os.environ.get("OVERSIGHT_LOG_LEVEL", "INFO"),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


app = create_app()
server = app.server


if __name__ == "__main__":  # development only
    app.run(debug=os.environ.get("OVERSIGHT_DEBUG") == "1", host="127.0.0.1", port=8050)
