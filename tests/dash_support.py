"""Helpers shared by the dashboard tests (Flask test client and browser): a demo warehouse built
from the seeded sample, submission files with known good and bad rows, and a Dash callback caller."""

from __future__ import annotations

import pytest

import contextlib
import datetime as dt
import json
import re
from pathlib import Path

from flask.testing import FlaskClient

from etl import pipeline
from etl import sample as gen
from schemas.identifiers import make_uscc
from warehouse import access, db

TODAY = dt.date(2026, 11, 25)
JURISDICTION = "330000"


def build_demo_warehouse(folder: Path, today: dt.date = TODAY, **options) -> tuple[Path, dict]:
    """The `oversight demo` warehouse in `folder`: seeded sample submissions, loaded, with the demo
    accounts."""
    submissions, warehouse = folder / "submissions", folder / "oversight.duckdb"
    manifest = gen.generate(submissions, today=today, **options)
    pipeline.run([submissions], pipeline.Settings(warehouse, manifest["jurisdiction"], today), write=True)
    ensure_demo_accounts(warehouse)
    return warehouse, manifest


# -- signing in ------------------------------------------------------------------------------------

DEMO_PASSWORDS = {a[0]: a[4] for a in access.DEMO_ACCOUNTS}


def ensure_demo_accounts(warehouse: Path) -> None:
    """The demo accounts (leader, inspector, inspector-hz, admin), created once per warehouse (a
    reset would end the sessions of clients already signed in)."""
    con = db.connect(warehouse, read_only=True)
    try:
        missing = [name for name in DEMO_PASSWORDS if access.get_user(con, name) is None]
    finally:
        con.close()
    if missing:
        access.create_demo_accounts(warehouse)


class BrowserLikeClient(FlaskClient):
    """Flask's test client sending the CSRF header the way Dash's renderer does (copied from the
    `_csrf_token` cookie) on every state-changing request."""

    def open(self, *args, **kwargs):
        cookie = self.get_cookie("_csrf_token")
        if cookie is not None and kwargs.get("method", "GET") not in ("GET", "HEAD"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", cookie.value)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def csrf_from(html_text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html_text)
    assert found, "the sign-in page has no CSRF field"
    return found.group(1)


def sign_in(client, username: str, password: str | None = None):
    """Sign `client` in through the real sign-in form; returns the response to the POST."""
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password or DEMO_PASSWORDS[username],
                                       "csrf": csrf_from(page.get_data(as_text=True)), "next": "/"})


def signed_in_client(warehouse: Path, username: str = "admin"):
    """A test client of the app (built once per process), signed in as a demo account."""
    from dashboards.app import app
    ensure_demo_accounts(warehouse)
    app.server.test_client_class = BrowserLikeClient
    client = app.server.test_client()
    response = sign_in(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return client


def demo_user(warehouse: Path, username: str = "admin"):
    """The account, for calling page functions outside a request (`data.acting_as`)."""
    ensure_demo_accounts(warehouse)
    con = db.connect(warehouse, read_only=True)
    try:
        return access.get_user(con, username)
    finally:
        con.close()


NEW_ORGAN_CODE = make_uscc("11", "330100", "99887766")
NEW_ORGAN_NAME = "杭州市测试档案馆"


def organs_csv_with_bad_rows() -> bytes:
    """An organ registry with one good row and two bad ones (a malformed credit code, a region
    outside the jurisdiction), as an organ would send it: UTF-8 with BOM."""
    rows = [
        "统一社会信用代码,机关名称,行政区划代码,机关层级",
        f"{NEW_ORGAN_CODE},{NEW_ORGAN_NAME},330102,县级",
        "113301XX,格式错误的机关,330102,县级",
        f"{make_uscc('11', '320100', '55443322')},外省的机关,320102,县级",
    ]
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")


# -- calling Dash callbacks through Flask's test client ------------------------------------------

ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."


def _registered_output(client, output: str) -> str:
    """The callback's output key as registered (outputs with allow_duplicate carry an @hash)."""
    if not hasattr(client, "_dash_outputs"):
        client._dash_outputs = [d["output"] for d in client.get("/_dash-dependencies").get_json()]
    def parts(key: str) -> list[str]:
        inner = key[2:-2].split("...") if key.startswith("..") else [key]
        return [p.split("@")[0] for p in inner]
    plain = parts(output)
    for registered in client._dash_outputs:
        if parts(registered) == plain:
            return registered
    return output


def call(client, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]],
         state: list[tuple[str, str, object]] | None = None, changed: list[str] | None = None):
    """POST /_dash-update-component the way the browser does; returns (status, json or text)."""
    def _id(i):
        return json.dumps(i, sort_keys=True, separators=(",", ":")) if isinstance(i, dict) else i

    outs = [{"id": i, "property": p} for i, p in outputs]
    if len(outs) == 1:
        output, outputs_field = f"{_id(outputs[0][0])}.{outputs[0][1]}", outs[0]
    else:
        output, outputs_field = ".." + "...".join(f"{_id(i)}.{p}" for i, p in outputs) + "..", outs
    body = {"output": _registered_output(client, output), "outputs": outputs_field,
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in (state or [])],
            "changedPropIds": changed or [f"{_id(inputs[0][0])}.{inputs[0][1]}"] if inputs else []}
    response = client.post("/_dash-update-component", json=body)
    if response.status_code == 204:
        return 204, None
    try:
        return response.status_code, response.get_json()
    except Exception:  # noqa: BLE001
        return response.status_code, response.get_data(as_text=True)


def route(client, path: str, search: str = ""):
    """The page layout the router renders for a URL."""
    status, body = call(client, [("_pages_content", "children"), ("_pages_store", "data")],
                        [("_pages_location", "pathname", path), ("_pages_location", "search", search)])
    return status, body


def texts(node) -> list[str]:
    """Every string inside a JSON component tree."""
    out: list[str] = []
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, dict):
        for v in node.values():
            out += texts(v)
    elif isinstance(node, list):
        for v in node:
            out += texts(v)
    return out


def find_id(node, wanted):
    """The component with id `wanted` inside a JSON component tree (None if absent)."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == wanted:
            return node
        for v in node.values():
            found = find_id(v, wanted)
            if found is not None:
                return found
    elif isinstance(node, list):
        for v in node:
            found = find_id(v, wanted)
            if found is not None:
                return found
    return None


def _callback_named(client, first_output: str):
    """The registered output string and output specs of the callback whose first output is
    `first_output` (a multi-output key is "..a.b...c.d..", a single one "a.b")."""
    for dep in client.get("/_dash-dependencies").get_json():
        outs = dep["output"].strip(".").split("...")
        if outs[0].split("@")[0] == first_output:
            specs = [{"id": o.split(".")[0], "property": o.split(".", 1)[1].split("@")[0]} for o in outs]
            return dep["output"], specs if dep["output"].startswith("..") else specs[0]
    raise AssertionError(f"no callback for {first_output}")


def post_callback(client, first_output: str, inputs: list[dict], state: list[dict], changed: list[str]) -> dict:
    """POST one callback as the browser would, by its first output; returns its response."""
    output, outs = _callback_named(client, first_output)
    body = {"output": output, "outputs": outs, "inputs": inputs, "state": state, "changedPropIds": changed}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo warehouse of the sample province, one per test module (uploads change it)."""
    return build_demo_warehouse(tmp_path_factory.mktemp("dash"))


@contextlib.contextmanager
def app_env(warehouse: Path):
    """The app's settings pointing at `warehouse` (uploads and exports beside it) for a while."""
    mp = pytest.MonkeyPatch()
    mp.setenv("OVERSIGHT_WAREHOUSE", str(warehouse))
    mp.setenv("OVERSIGHT_TODAY", TODAY.isoformat())
    mp.setenv("OVERSIGHT_UPLOAD_DIR", str(warehouse.parent / "uploads"))
    mp.setenv("OVERSIGHT_EXPORT_DIR", str(warehouse.parent / "exports"))
    try:
        yield warehouse
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def client(demo):
    """Flask's test client of the app, reading the module's demo warehouse."""
    with app_env(demo[0]):
        yield signed_in_client(demo[0], "admin")   # the app is built once for the whole run


def panel(client, output: str, inputs: list[tuple[str, str, object]]):
    """The children a callback returns for `output`, given its inputs."""
    status, body = call(client, [(output, "children")], inputs)
    assert status == 200, body
    return body["response"][output]["children"]
