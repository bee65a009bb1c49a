"""`oversight serve` in a subprocess for the tests: a free port, waiting until it answers, and an
HTTP client that signs in through the form and sends the CSRF header as the browser does."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oversight exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("oversight did not answer in time")


@contextlib.contextmanager
def serving(warehouse, *args: str, env: dict | None = None, log: Path | None = None):
    """`oversight serve` on a free port until the block ends; yields its base URL."""
    with running("serve", "--warehouse", str(warehouse), *args, env=env, log=log) as url:
        yield url


@contextlib.contextmanager
def running(command: str, *args: str, env: dict | None = None, log: Path | None = None, timeout: float = 90.0):
    """`oversight <command> … --port <free port>` (a command that ends by serving) until the block
    ends; yields its base URL once it answers."""
    port = free_port()
    out = open(log, "w+") if log else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "-m", "etl.cli", command, *args, "--port", str(port)],
                               cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, process, timeout)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        if log:
            out.close()


class Browser:
    """Cookies and the CSRF header, like a browser; one jar for every server on 127.0.0.1."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=60) as r:
            return r.read().decode()

    def sign_in(self, base: str, username: str, password: str) -> str:
        page = self.get(base + "login")
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"username": username, "password": password, "csrf": token, "next": "/"})
        with self.opener.open(base + "login", data=data.encode(), timeout=60) as r:
            return r.geturl()

    def callback(self, base: str, body: dict) -> dict:
        request = urllib.request.Request(base + "_dash-update-component", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "X-CSRFToken": self.cookie("_csrf_token") or ""})
        with self.opener.open(request, timeout=120) as r:
            return json.loads(r.read())


# The overview's key figures, asked for as the page asks (no filters chosen).
KPIS = {"output": "ov-kpis.children", "outputs": {"id": "ov-kpis", "property": "children"},
        "inputs": [{"id": "ov-params", "property": "data", "value": {}}], "changedPropIds": ["ov-params.data"]}


def supervised(answer: dict) -> str:
    """The overview's 「监管机关数」 figure in the answer to KPIS."""
    text = json.dumps(answer, ensure_ascii=False)
    found = re.search(r'"id": "kpi-organs_supervised-value"[^}]*?"children": "([^"]+)"', text) \
        or re.search(r'"children": "([^"]+)"[^}]*?"id": "kpi-organs_supervised-value"', text)
    assert found, text[:2000]
    return found.group(1)
