"""The stewards' page in a real browser (Debian's Chromium through Playwright, as in test_ui.py): a
steward pastes a broken case, checks it with the keyboard and mouse as a person would, and reads the
report per resource and field, at 1280 and at 390 px wide, in Dutch and in English; no page scrolls
sideways, axe-core finds nothing serious, and the strict context (the site's CSP kept) sees no CSP
violation and no script error. The form works without JavaScript: the page has none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..site import Site, start_site
from .test_ui import Watched, assert_accessible, browser  # noqa: F401  (browser: a fixture used here)

from playwright.sync_api import Browser, Page, expect  # noqa: E402  (test_ui skips the module without Chromium)

pytestmark = pytest.mark.browser

BASE = "https://w3id.org/driehoek/"
CASE = BASE + "id/case/kapot"
ASSESSMENT = BASE + "id/assessment/kapot-1"
BROKEN = f"""@prefix dh: <https://w3id.org/driehoek/def#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix status: <https://w3id.org/driehoek/def/case-status/> .

<{CASE}> a dh:Case ;
    dcterms:title "Kapot verhaal"@nl , "Broken case"@en ;
    dh:status status:published ;
    dh:hasAssessment <{ASSESSMENT}> .

<{ASSESSMENT}> a dh:Assessment ;
    dh:criterion <{BASE}id/criterion/duurzaamheid> ;
    dh:rationale "Het loopt al jaren."@nl ;
    dcterms:date "gisteren" .
"""
WIDTHS = [1280, 390]
WORDS = {"nl": {"check": "Controleer", "source": "Vermeld minstens één bron"},
         "en": {"check": "Check", "source": "Give at least one source"}}


@pytest.fixture(scope="module")
def site(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running = start_site(bundled_data_dir, tmp_path_factory.mktemp("contribute-ui"))
    yield running
    running.server.stop()


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def width(request: pytest.FixtureRequest) -> int:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def strict(browser: Browser, width: int) -> Iterator[Watched]:  # noqa: F811
    """A page that keeps the site's CSP, at WIDTH px."""
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 900})
    watched = Watched(context)
    yield watched
    context.close()
    assert not watched.dialogs, watched.dialogs
    assert not [p for p in watched.problems if "Content Security Policy" in p or "page error" in p], watched.problems


@pytest.fixture
def audit(browser: Browser, width: int) -> Iterator[Page]:  # noqa: F811
    """A page for axe-core (its script tag needs the CSP bypassed), at WIDTH px."""
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the window"


def check_broken_case(page: Page, url: str, lang: str) -> None:
    """Go to the page, paste the broken case, press the check button, wait for the report."""
    page.goto(f"{url}/contribute?lang={lang}")
    no_sideways_scroll(page)
    page.fill("#data", BROKEN)
    with page.expect_navigation():
        page.get_by_role("button", name=WORDS[lang]["check"], exact=True).click()
    expect(page.locator("#outcome")).to_be_visible()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_steward_checks_a_broken_case(site: Site, strict: Watched, lang: str) -> None:
    page = strict.page
    check_broken_case(page, site.url, lang)

    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("p.verdict.verdict-bad")).to_be_visible()
    resources = page.locator("section.resource")
    expect(resources).to_have_count(2)
    case = page.locator(f"section.resource[data-focus='{CASE}']")
    source = case.locator("tr[data-path='http://purl.org/dc/terms/source']")
    expect(source).to_have_count(1)
    expect(source.locator("td.message")).to_contain_text(WORDS[lang]["source"])
    expect(case.locator("tr[data-path='https://w3id.org/driehoek/def#hasAssessment']")).to_have_count(3)
    date = page.locator(f"section.resource[data-focus='{ASSESSMENT}'] tr[data-path='http://purl.org/dc/terms/date']")
    expect(date.locator("td.value")).to_contain_text("gisteren")
    # the pasted text is still there to be fixed
    assert page.input_value("#data").replace("\r\n", "\n").strip() == BROKEN.strip()
    no_sideways_scroll(page)
    # the message cell is on screen as a whole, not cut off to the right
    box = source.locator("td.message").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 1
    assert not page.locator("script").count()  # no JavaScript on the page


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_page_and_its_report_are_accessible(site: Site, audit: Page, lang: str) -> None:
    audit.goto(f"{site.url}/contribute?lang={lang}")
    assert_accessible(audit)
    check_broken_case(audit, site.url, lang)
    assert_accessible(audit)


@pytest.mark.parametrize("path, status", [("/graph-store", 400), ("/no/such/page", 404), ("/update", 405)])
def test_error_pages_in_a_browser(site: Site, audit: Page, path: str, status: int) -> None:
    response = audit.goto(site.url + path + "?lang=en")
    assert response is not None and response.status == status
    expect(audit.locator(f"article.error-page[data-status='{status}']")).to_be_visible()
    no_sideways_scroll(audit)
    assert_accessible(audit)


def test_validate_in_a_browser_opens_the_page(site: Site, strict: Watched) -> None:
    page = strict.page
    page.goto(site.url + "/validate")
    page.wait_for_url("**/contribute")
    expect(page.locator("h1")).to_have_text("Succesverhaal aanleveren")
