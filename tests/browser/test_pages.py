"""Every page in Debian's chromium against `oversight serve`: renders in Chinese with zero console
errors, filters change the numbers and live in the URL (back button included), the drill-down from
the overview to a vendor to an organ, an upload with bad rows shows its errors and loads, the
English switch, and a load in another process while browsing. Each page's screenshot is kept in
test-artifacts/ and the README's in docs/screenshots/."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.browser.conftest import ARTIFACTS, ROOT, SCREENSHOTS
from tests.dash_support import TODAY, organs_csv_with_bad_rows

REGION = '[id=\'{"name":"region","type":"flt"}\']'
DISTRICT = '[id=\'{"name":"district","type":"flt"}\']'


def settle(page) -> None:
    """Wait until Dash has answered every pending callback (no loading component left)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0")


def open_page(page, server, path: str, ready: str) -> None:
    page.goto(server["url"].rstrip("/") + path)
    page.wait_for_selector(ready, state="visible")
    settle(page)


def shot(page, name: str, *, readme: bool = False) -> None:
    path = ARTIFACTS / f"{name}.png"
    # a grid draws its rows once it has been on screen, and a full-page capture of a page taller than
    # the window may leave grids far below the fold blank: the window is made as tall as the page for
    # the picture, once every grid has drawn its header
    page.wait_for_function("""() => [...document.querySelectorAll('.ag-root-wrapper')]
        .every(g => g.querySelector('.ag-header-cell'))""", timeout=15_000)
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": page.evaluate("document.body.scrollHeight")})
    page.wait_for_timeout(600)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    if readme:
        shutil.copyfile(path, SCREENSHOTS / f"{name}.png")


def body_text(page) -> str:
    return page.inner_text("body")


def kpi(page, name: str) -> str:
    return page.inner_text(f"#kpi-{name}-value")


def first_codes(server) -> tuple[str, str]:
    """A risky vendor and one organ it serves, read from the warehouse the server serves."""
    from warehouse import queries
    con = queries.connect(server["warehouse"])
    try:
        f = queries.Filters(today=TODAY)
        vendors = queries.vendor_risk(con, f)
        for code in vendors["vendor_code"]:
            organs = queries.organ_schedule(con, queries.Filters(vendor_code=code, today=TODAY))
            if organs.height:
                return code, organs["organ_code"][0]
    finally:
        con.close()
    raise AssertionError("no vendor with an organ in the demo data")


PAGES = [
    ("overview", "/", "#kpi-organs_supervised-value", "总览"),
    ("vendors", "/vendors", "#vr-grid .ag-row", "风险服务机构"),
    ("overdue", "/overdue", "#od-grid .ag-row", "检查与整改"),
    ("submissions", "/submissions", "#sub-matrix-graph", "数据报送"),
]


@pytest.mark.parametrize("name,path,ready,title", PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_in_chinese_without_console_errors(page, server, name, path, ready, title):
    open_page(page, server, path, ready)
    assert page.inner_text("h1") == title
    text = body_text(page)
    assert "档案外包监管分析" in text and "数据截至 2026年11月25日" in text
    assert "出错了" not in text and "Traceback" not in text and "Error" not in text
    shot(page, name, readme=True)


def test_profiles_render(page, server):
    vendor, organ = first_codes(server)
    open_page(page, server, f"/vendors/{vendor}", "#vp-waterfall-graph")
    assert "风险分构成" in body_text(page) and "哪些变化会改变等级" in body_text(page)
    page.wait_for_selector("#vp-organs-grid .ag-row")
    settle(page)
    assert "出错了" not in body_text(page)
    shot(page, "vendor-profile", readme=True)
    open_page(page, server, f"/organs/{organ}", "#op-facts")
    page.wait_for_selector("#op-rects-grid .ag-row, #op-rects .empty-state")
    settle(page)
    assert "检查与发现的问题" in body_text(page) and "出错了" not in body_text(page)
    shot(page, "organ-profile", readme=True)


def test_drill_down_from_overview_to_vendor_to_organ(page, server):
    open_page(page, server, "/", "#ov-top-vendors")
    vendor_name = page.inner_text("#ov-top-vendors a.top-vendor >> nth=0")
    page.click("#ov-top-vendors a.top-vendor >> nth=0")
    page.wait_for_url(re.compile(r"/vendors/[0-9A-Z]{18}"))
    page.wait_for_selector("#vp-waterfall-graph")
    assert page.inner_text("h1") == vendor_name
    page.wait_for_selector("#vp-organs-grid .ag-row a")
    organ_name = page.inner_text("#vp-organs-grid .ag-row a >> nth=0")
    page.click("#vp-organs-grid .ag-row a >> nth=0")
    page.wait_for_url(re.compile(r"/organs/[0-9A-Z]{18}"))
    page.wait_for_selector("#op-facts")
    assert page.inner_text("h1") == organ_name
    settle(page)


def test_filters_change_the_numbers_and_live_in_the_url(page, server):
    open_page(page, server, "/", "#kpi-organs_supervised-value")
    everywhere = kpi(page, "organs_supervised")
    page.click(REGION)
    page.get_by_role("option", name="杭州市", exact=True).click()
    page.wait_for_url(re.compile(r"region=330100"))
    page.wait_for_function(f"() => document.querySelector('#kpi-organs_supervised-value')?.innerText !== '{everywhere}'")
    settle(page)
    hangzhou = kpi(page, "organs_supervised")
    assert int(hangzhou.replace(",", "")) < int(everywhere.replace(",", ""))
    assert page.input_value(REGION) == "杭州市"

    page.go_back()
    page.wait_for_url(lambda url: "region=" not in url)
    page.wait_for_function(f"() => document.querySelector('#kpi-organs_supervised-value')?.innerText === '{everywhere}'")
    assert page.input_value(REGION) == ""
    page.go_forward()
    page.wait_for_url(re.compile(r"region=330100"))
    page.wait_for_function(f"() => document.querySelector('#kpi-organs_supervised-value')?.innerText === '{hangzhou}'")
    settle(page)

    # A shared link opens the same view: filters, page options and the grid's selection.
    open_page(page, server, "/overdue?region=330106&view=rectifications&status=all&tier=D", "#od-total")
    assert page.input_value(REGION) == "杭州市" and page.input_value(DISTRICT) == "西湖区"
    shared = page.inner_text("#od-total")
    page.click(DISTRICT)
    page.get_by_role("option", name="上城区", exact=True).click()
    page.wait_for_url(re.compile(r"region=3301(?!06)\d\d"))
    settle(page)
    assert "view=rectifications" in page.url and "tier=D" in page.url
    page.go_back()
    page.wait_for_url(re.compile(r"region=330106"))
    page.wait_for_selector("#od-total")
    settle(page)
    assert page.inner_text("#od-total") == shared


def test_english_switch(page, server):
    open_page(page, server, "/vendors?tier=D", "#vr-grid .ag-row")
    page.click("#lang-switch")
    page.wait_for_url(re.compile(r"lang=en"))
    page.wait_for_selector("text=Risky vendors")
    settle(page)
    assert page.inner_text("h1") == "Risky vendors"
    assert "tier=D" in page.url
    assert "Data as of 25 Nov 2026" in body_text(page)
    page.click("#nav-overview")
    page.wait_for_selector("#kpi-organs_supervised-value")
    settle(page)
    assert "Organs supervised" in body_text(page) and "lang=en" in page.url
    shot(page, "overview-en", readme=True)
    page.click("#lang-switch")
    page.wait_for_url(lambda url: "lang=en" not in url)
    page.wait_for_selector("text=监管机关数")


def test_upload_with_bad_rows_shows_errors_then_loads(page, server):
    open_page(page, server, "/", "#kpi-organs_supervised-value")
    before = int(kpi(page, "organs_supervised").replace(",", ""))
    open_page(page, server, "/submissions", "#sub-upload")
    page.set_input_files("#sub-upload input[type=file]", files=[
        {"name": "机关名录.csv", "mimeType": "text/csv", "buffer": organs_csv_with_bad_rows()}])
    page.wait_for_selector("#sub-check-summary")
    settle(page)
    summary = page.inner_text("#sub-check-summary")
    assert "合格 1 行，退回 2 行" in summary
    page.wait_for_selector("#sub-issues-grid .ag-row")
    issues = page.inner_text("#sub-issues-grid")
    assert "信用代码无效 · ROW_USCC" in issues and "不在本辖区 · ROW_JURISDICTION" in issues
    shot(page, "submissions-upload", readme=True)
    with page.expect_download() as download:
        page.click("#sub-report")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.click("#sub-confirm")
    page.wait_for_selector("#sub-load-summary", timeout=60_000)
    assert "已装载 1 行，退回 2 行" in page.inner_text("#sub-load-summary")
    open_page(page, server, "/", "#kpi-organs_supervised-value")
    assert int(kpi(page, "organs_supervised").replace(",", "")) == before + 1


def _download(page, button: str):
    import openpyxl
    with page.expect_download() as info:
        page.click(button)
    assert info.value.suggested_filename.endswith(".xlsx")
    with open(info.value.path(), "rb") as fh:
        return [list(r) for r in openpyxl.load_workbook(fh).active.iter_rows(values_only=True)]


def test_grid_export_buttons_download_what_the_grid_shows(page, server):
    open_page(page, server, "/?region=330100", "#ov-regions-grid .ag-row")
    shown = page.locator("#ov-regions-grid .ag-center-cols-container .ag-row").count()
    values = _download(page, '[id=\'{"grid":"ov-regions-grid","type":"grid-export"}\']')
    header = next(i for i, r in enumerate(values) if r and "地区" in [str(v) for v in r if v])
    block = " ".join(str(v) for r in values[:header] for v in r if v is not None)
    assert "地区对比" in block and "杭州" in block
    assert len([r for r in values[header + 1:] if any(v is not None for v in r)]) >= shown > 0
    open_page(page, server, "/vendors?tier=D", "#vr-grid .ag-row")
    values = _download(page, '[id=\'{"grid":"vr-grid","type":"grid-export-all"}\']')
    block = " ".join(str(v) for r in values[:4] for v in r if v is not None)
    assert "风险等级" in block


def test_a_load_in_another_process_while_browsing(page, server, tmp_path):
    from etl import sample as gen
    extra = tmp_path / "extra"
    gen.generate(extra, today=TODAY, seed=4242, organs=80, vendors=12)
    open_page(page, server, "/", "#kpi-organs_supervised-value")
    before = kpi(page, "organs_supervised")
    load = subprocess.Popen([sys.executable, "-m", "etl.cli", "load", str(extra), "--warehouse",
                             str(server["warehouse"]), "--today", TODAY.isoformat(), "--json"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    visits = 0
    paths = [("/", "#kpi-organs_supervised-value"), ("/vendors", "#vr-grid .ag-row"), ("/overdue", "#od-grid .ag-row")]
    while load.poll() is None or visits < 3:
        path, ready = paths[visits % len(paths)]
        open_page(page, server, path, ready)
        text = body_text(page)
        assert "出错了" not in text and "仓库正在更新" not in text
        visits += 1
    out, err = load.communicate(timeout=120)
    assert load.returncode in (0, 1), err
    open_page(page, server, "/", "#kpi-organs_supervised-value")
    assert kpi(page, "organs_supervised") != before, "the new load's organs should show once it committed"


# -- user review: the 说明 column readable, the URL's region kept on /vendors ------------------------

def test_rejected_rows_reason_is_readable_and_inside_its_card(page, server):
    """At 1440 px the 被退回的行 panel has the full row and its 说明 column at least 300 px (it was
    squeezed to about one character, one character per line, past the card's edge)."""
    open_page(page, server, "/submissions", "#sub-rejected-grid .ag-row")
    for grid_id in ("sub-rejected-grid", "sub-history-grid"):
        header = page.locator(f"#{grid_id} .ag-header-cell[col-id='message']")
        box = header.bounding_box()
        card = page.locator(f"#{grid_id}").locator("xpath=ancestor::div[contains(@class,'section')][1]").bounding_box()
        assert box["width"] >= 300, (grid_id, box)
        assert box["x"] + box["width"] <= card["x"] + card["width"] + 1, (grid_id, box, card)
        assert card["width"] >= 1300, (grid_id, card)          # the full row of a 1440-px window
    cell = page.locator("#sub-rejected-grid .ag-row[row-index='0'] .ag-cell[col-id='message']")
    text = cell.inner_text()
    assert len(text) > 10 and cell.bounding_box()["height"] < 90   # a sentence on a line or two
    shot(page, "submissions-rejected-rows")


def test_vendors_keeps_the_urls_region_like_overdue(chromium, server):
    from tests.browser.conftest import ConsoleWatch, new_context, sign_in
    context = new_context(chromium)
    try:
        page = context.new_page()
        watch = ConsoleWatch(page)
        sign_in(page, server, "inspector-hz")           # scope 杭州市; 330200 is 宁波市
        for path, ready in (("/overdue?region=330200", "#od-total"), ("/vendors?region=330200", "#vr-total")):
            open_page(page, server, path, ready)
            page.wait_for_timeout(500)                   # a rewrite of the URL would have come by now
            settle(page)
            assert page.url.endswith(path), page.url
            total = page.inner_text("#od-total" if path.startswith("/overdue") else "#vr-total")
            assert total == "共 0 条", (path, total)
        assert "当前筛选条件下没有数据" in page.inner_text("#vr-tiers")
        shot(page, "vendors-region-outside-scope")
        assert watch.errors == [], "\n".join(watch.errors)
    finally:
        context.close()


def test_vendors_keeps_a_district(page, server):
    open_page(page, server, "/vendors?region=330106", "#vr-total")
    page.wait_for_timeout(500)
    settle(page)
    assert page.url.endswith("/vendors?region=330106"), page.url     # it was widened to 330100
    assert page.input_value(REGION) == "杭州市" and page.input_value(DISTRICT) == "西湖区"


# -- numbers that line up, readable tier text and notes, names that are cut off have a tooltip ---------

CONTRAST = """(el) => {
  const rgb = (s) => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                       return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = el, back = 'rgba(0, 0, 0, 0)';
  while (bg && (back = getComputedStyle(bg).backgroundColor) === 'rgba(0, 0, 0, 0)') { bg = bg.parentElement; }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(bg ? back : 'rgb(255, 255, 255)'));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_scores_line_up_tier_text_and_notes_are_readable(page, server):
    open_page(page, server, "/vendors", "#vr-grid .ag-row")
    page.click("#vr-grid .ag-header-cell[col-id='score']")           # lowest first: scores under 20 too
    page.wait_for_timeout(500)
    settle(page)
    scores = page.locator("#vr-grid .ag-center-cols-container .ag-cell[col-id='score']").all_inner_texts()
    assert scores and all(re.fullmatch(r"\d+\.\d\d", s) for s in scores), scores
    # the tiers in the grid and on the cards, and the banner's dimmed line (Mantine's 'dimmed' grey)
    for selector in ("#vr-grid .tier-cell", "#vr-tiers .tier-cell", ".asof-banner p + p"):
        for element in page.locator(selector).all()[:12]:
            ratio = element.evaluate(CONTRAST)
            assert ratio >= 4.5, (selector, element.inner_text(), ratio)


def test_a_long_organ_name_cut_off_in_the_grid_shows_in_full_on_hover(page, server):
    open_page(page, server, "/overdue", "#od-grid .ag-row")
    link = page.locator("#od-grid .ag-pinned-left-cols-container .ag-cell[col-id='organ_link'] a").first
    name = link.inner_text()
    link.hover()
    page.wait_for_selector(".ag-tooltip", state="visible")
    assert page.inner_text(".ag-tooltip") == name


def test_the_tab_title_follows_the_language(page, server):
    open_page(page, server, "/overdue?lang=en", "#od-total")
    assert page.title() == "Checks & rectifications · Archive Oversight"
    page.click("#lang-switch")
    page.wait_for_url("**/overdue")
    settle(page)
    assert page.title() == "检查与整改 · 档案外包监管分析"
