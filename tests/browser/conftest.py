"""Browser tests: Debian's chromium driven by Playwright against `oversight serve` in a subprocess.

One demo warehouse is built for the session (the seeded sample, loaded), the real command serves it
on a free port with its production server, and each test gets a fresh page whose console errors
fail the test. Screenshots go to test-artifacts/ (kept by CI) and, for the README, docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dash_support import DEMO_PASSWORDS, TODAY, build_demo_warehouse
from tests.serving import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    build_demo_warehouse(folder)
    return folder


@pytest.fixture(scope="session")
def server(demo_dir):
    """`oversight serve` on a free port (2 workers), until the session ends."""
    port = free_port()
    log = open(demo_dir / "serve.log", "w+")
    env = {**os.environ, "OVERSIGHT_UPLOAD_DIR": str(demo_dir / "uploads"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "etl.cli", "serve", "--warehouse", str(demo_dir / "oversight.duckdb"),
         "--port", str(port), "--workers", "2", "--today", TODAY.isoformat()],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, process)
    except RuntimeError:
        process.kill()
        log.seek(0)
        pytest.fail("server did not start:\n" + log.read()[-4000:])
    yield {"url": url, "warehouse": demo_dir / "oversight.duckdb", "log": log, "dir": demo_dir}
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.seek(0)
    text = log.read()
    log.close()
    # A traceback in the server log means a request failed somewhere: fail loudly.
    assert "Traceback" not in text, text[-6000:]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium fonts-noto-cjk (.ci/run does it)")
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_context(chromium):
    context = chromium.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(20_000)
    return context


def sign_in(page, server, username: str) -> None:
    """Sign in through the real sign-in page, as a user would."""
    page.goto(server["url"] + "login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORDS[username])
    page.click("#login-submit")
    page.wait_for_url(server["url"])


@pytest.fixture(scope="session")
def browser_context(chromium, server):
    """One browser session signed in as the demo data administrator (province-wide) for the pages."""
    context = new_context(chromium)
    page = context.new_page()
    sign_in(page, server, "admin")
    page.close()
    yield context
    context.close()


class ConsoleWatch:
    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        # A navigation aborts the previous page's requests still in flight (net::ERR_ABORTED): by design.
        page.on("requestfailed", lambda r: self.errors.append(f"requestfailed: {r.url} {r.failure}")
                if "ERR_ABORTED" not in str(r.failure) else None)
        page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 500 else None)


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    watch = ConsoleWatch(page)
    page.console_watch = watch
    yield page
    page.close()
    assert watch.errors == [], "\n".join(watch.errors)
