"""In chromium against `oversight serve`: an English grid shows the contract's values in English, and
a city inspector's vendor profile cites no code of an organ outside the city (masked as 范围外)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, ConsoleWatch, new_context, sign_in
from tests.browser.test_pages import body_text, open_page, settle
from tests.dash_support import TODAY
from warehouse import queries
from warehouse.access import User
from schemas.roles import Role

CITY = "330100"       # inspector-hz's scope (杭州市)


def _organ_with_inspections(server) -> str:
    con = queries.connect(server["warehouse"])
    try:
        rows = queries.inspections(con, queries.Filters(today=TODAY))
        return rows.sort("organ_code")["organ_code"][0]
    finally:
        con.close()


def test_an_english_grid_shows_the_contracts_values_in_english(page, server):
    organ = _organ_with_inspections(server)
    open_page(page, server, f"/organs/{organ}?lang=en", "#op-facts")
    page.wait_for_selector("#op-inspections-grid .ag-row")
    settle(page)
    cells = page.inner_text("#op-inspections-grid .ag-center-cols-container")
    assert cells.strip()
    for zh in ("双随机抽查", "专项检查", "飞行检查", "复查", "验收检查", "优秀", "良好", "合格"):
        assert zh not in cells, zh
    assert any(en in cells for en in ("Random inspection", "Special inspection", "Unannounced inspection",
                                      "Re-inspection", "Acceptance inspection"))
    # the tier badge reads as written ("B moderate"), not in Mantine's capitals
    badge = page.inner_text("#op-tier")
    assert badge[1:] != badge[1:].upper() and badge.split()[0] in "ABCD", badge


def _masked_vendor(server) -> tuple[str, set[str]]:
    """A vendor visible in the city whose floor rule cites an incident of an organ elsewhere, and
    those incidents' codes."""
    con = queries.connect(server["warehouse"])
    try:
        outside = {code for (code,) in con.execute(
            "SELECT incident_code FROM incidents JOIN organs USING (organ_code) "
            "WHERE NOT starts_with(region_code, '3301')").fetchall()}
        mine = queries.for_user(User(1, "hz", None, Role.INSPECTOR, CITY))
        raw = queries.vendor_risk(con, queries.Filters(region=CITY, today=TODAY))
        for row in raw.iter_rows(named=True):
            cited = {c for c in outside if c in (row["floor_reason"] or "")}
            if cited and row["vendor_code"] in mine.vendors_in_scope(con):
                return row["vendor_code"], cited
    finally:
        con.close()
    pytest.fail("the demo must have a vendor of 杭州 whose floor rule cites an incident elsewhere")


def test_a_city_inspector_sees_no_code_of_an_organ_outside_the_city(chromium, server):
    vendor, cited = _masked_vendor(server)
    context = new_context(chromium)
    page = context.new_page()
    watch = ConsoleWatch(page)
    try:
        sign_in(page, server, "inspector-hz")
        open_page(page, server, f"/vendors/{vendor}", "#vp-facts")
        page.wait_for_selector("#vp-levers-list, #vp-levers .empty-state")
        settle(page)
        text = body_text(page)
        page.screenshot(path=str(ARTIFACTS / "vendor-profile-city-inspector.png"), full_page=True)
        assert "范围外" in page.inner_text("#vp-facts")
        assert not any(code in text for code in cited), cited
        assert "全部地区" in page.inner_text("#vp-facts")
    finally:
        context.close()
    assert watch.errors == [], "\n".join(watch.errors)


def test_an_english_wrapped_cell_breaks_between_words_not_inside_them(page, server):
    open_page(page, server, "/overdue?lang=en", "#od-total")
    cell = page.locator(".ag-row[row-index='0'] .ag-cell[col-id='due_reason_en']")
    cell.wait_for()
    style = cell.evaluate("c => [getComputedStyle(c).wordBreak, getComputedStyle(c).overflowWrap]")
    assert style == ["normal", "anywhere"], style
    # each line of the wrapped reason ends at a word's end: no line ends inside a word
    lines = cell.evaluate("""c => { const r = document.createRange(); const t = c.innerText; const out = [];
        const walker = document.createTreeWalker(c, NodeFilter.SHOW_TEXT); let n, top = null, line = '';
        while ((n = walker.nextNode())) { for (let i = 0; i < n.length; i++) { r.setStart(n, i); r.setEnd(n, i + 1);
            const y = Math.round(r.getBoundingClientRect().top); if (top !== null && y > top + 2) { out.push(line); line = ''; }
            top = y; line += n.data[i]; } } out.push(line); return out; }""")
    assert len(lines) >= 1
    for line, following in zip(lines, lines[1:]):
        assert line.endswith((" ", "-", ",", ";", ")", ".")) or following.startswith((" ", "(")), (line, following)
