"""Phones (issue 16.4) and the organisation page on a date (16.8), in Debian's Chromium at 390 px wide.

Every page the axe suite of test_ui.py visits, every named query's page, the editor and the report:
no sideways scroll (WCAG 1.4.10 reflow: `scrollWidth <= innerWidth`), axe clean at 390 px too. On the
organisation page the relations become cards whose period and legal basis sit inside the screen, and
the triangle gives way to its list; the date view works from its form, without JavaScript, at 1280
and at 390 px.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from driehoek import queries

from ..site import Site
from .test_ui import ARGS, AXE, CHROMIUM, axe_violations, browser, site  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

from playwright.sync_api import Browser, Page, expect  # noqa: E402

PHONE = {"width": 390, "height": 844}
# the pages of test_ui.test_axe_finds_nothing_serious, then the query pages, the editor and the report
AXE_PAGES = ["/", "/organisations?type=zbo", "/org/zb000117", "/org/mnre1034", "/doc/case/digid", "/cases",
             "/criteria", "/themes", "/events", "/monitor", "/search?q=uwv", "/def", "/doc/theme/digitalisering",
             "/doc/case/no-such-case", "/patterns", "/doc/case/toeslagenaffaire"]
OTHER_PAGES = ["/queries", "/sparql", "/monitor/2024", "/org/zb000217?on=2013-04-01", "/org/mnre1034/relations"]

# what sticks out of the screen, outside any box that scrolls on its own: for the failure message
OVERFLOW = """() => { const w = window.innerWidth; const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= w + 0.5) continue;
    let p = e.parentElement, contained = false;
    while (p) { const x = getComputedStyle(p).overflowX; if (x !== 'visible') { contained = true; break; } p = p.parentElement; }
    if (!contained) out.push(`${e.tagName.toLowerCase()}.${e.className} right=${Math.round(r.right)}`);
  }
  return {scroll: document.documentElement.scrollWidth, width: w, out: out.slice(0, 6)}; }"""


def named_query_pages() -> list[str]:
    """Every named query's page (with its default parameters)."""
    return [f"/queries/{name}" for name in sorted(queries.all_queries())]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:  # noqa: F811
    """A phone-sized page for axe (the CSP bypassed for its script tag)."""
    context = browser.new_context(locale="nl-NL", viewport=PHONE, bypass_csp=True, device_scale_factor=1)
    yield context.new_page()
    context.close()


def assert_fits(page: Page, path: str) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"], f"{path} scrolls sideways at 390 px: {found}"


@pytest.mark.parametrize("path", AXE_PAGES)
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_sideways_scroll_and_axe_clean_at_390(site: Site, phone: Page, path: str, lang: str) -> None:  # noqa: F811
    phone.goto(site.url + path + ("&" if "?" in path else "?") + "lang=" + lang)
    assert_fits(phone, path)
    violations = axe_violations(phone)
    assert not violations, json.dumps(violations, indent=1)


def test_named_query_pages_and_the_rest_fit_a_phone(site: Site, phone: Page) -> None:  # noqa: F811
    paths = [*OTHER_PAGES, *named_query_pages()]
    assert len(paths) > len(OTHER_PAGES) + 10, "the named queries were not found"
    for path in paths:
        phone.goto(site.url + path)
        assert_fits(phone, path)
    for path in ("/queries", "/queries/supervisors-on-date", "/sparql"):
        phone.goto(site.url + path)
        violations = axe_violations(phone)
        assert not violations, (path, json.dumps(violations, indent=1))


def test_the_organisation_page_on_a_phone(site: Site, phone: Page) -> None:  # noqa: F811
    phone.goto(site.url + "/org/zb000117?lang=en")
    # the triangle gives way to its list
    expect(phone.locator("svg.triangle")).to_be_hidden()
    expect(phone.locator(".triangle-list a[href='/org/zb000215']")).to_be_visible()
    # each relation is a card: the period and the legal basis are on the screen, labelled
    # a row with a legal basis (the cells: relation, organisation, period, legal basis, source)
    row = phone.locator("table.relations tbody tr").filter(has=phone.locator("td:nth-child(4) a")).first
    for label, cell in (("Period", row.locator("td").nth(1)), ("Legal basis", row.locator("td").nth(2)),
                        ("Organisation", row.locator("th"))):
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (label, box)
        before = cell.evaluate("e => getComputedStyle(e, '::before').content")
        assert label in before
    expect(row.locator("td").nth(2).locator("a").first).to_be_visible()


def test_the_case_and_criteria_pages_keep_their_key_columns(site: Site, phone: Page) -> None:  # noqa: F811
    phone.goto(site.url + "/doc/case/digid?lang=en")
    for cell in phone.locator("table.assessments tbody tr").first.locator("td, th").all():
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
    phone.goto(site.url + "/cases?lang=en")  # the scores beside each case's title
    scores = phone.locator("table.cases tbody tr").first.locator("td.num")
    assert scores.count() == 4
    for cell in scores.all():
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
    phone.goto(site.url + "/criteria?lang=en")
    for cell in phone.locator("table.distribution td.num").all()[:5]:
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], box


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE])
def test_the_date_view_from_its_form(site: Site, browser: Browser, viewport: dict[str, int]) -> None:  # noqa: F811
    context = browser.new_context(locale="en-GB", viewport=viewport, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site.url + "/org/zb000217?lang=en")
        page.fill("#on", "2013-03-31")
        page.locator("form.on-date button[type='submit']").click()
        page.wait_for_url("**/org/zb000217?*on=2013-03-31*")
        note = page.locator("p.on-date-note")
        expect(note).to_contain_text("did not exist on")
        expect(page.locator("table.relations")).to_have_count(0)
        page.fill("#on", "2013-04-01")
        page.locator("form.on-date button[type='submit']").click()
        page.wait_for_url("**on=2013-04-01*")
        expect(note).to_contain_text("as they held on")
        expect(page.locator("table.relations tbody tr").first).to_be_visible()
        expect(page.locator("#on")).to_have_value("2013-04-01")
        if viewport is PHONE:
            assert_fits(page, "/org/zb000217?on=2013-04-01")
        else:
            expect(page.locator("svg.triangle polyline.edge").first).to_be_visible()
    finally:
        context.close()
