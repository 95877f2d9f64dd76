"""The UI in a real browser: Debian's Chromium driven by Playwright. Home, an organisation, a case
and the query editor (a query typed and run, rows in the table), the language switch, hostile data,
keyboard use; axe-core on each page with no serious or critical violation.

Two browser contexts: a strict one that keeps driehoek's Content-Security-Policy (the pages must work
under it, and no violation may be reported), and one for axe-core, which Playwright injects as a
script tag — something the CSP rightly forbids, so that context bypasses it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..site import Site, start_site

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (make browser installs it)",
                allow_module_level=True)

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright  # noqa: E402

QUERY = """PREFIX dh: <https://w3id.org/driehoek/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?supervisor ?name WHERE {
  ?supervisor dh:supervises <https://identifier.overheid.nl/tooi/id/zbo/zb000117> ;
              skos:prefLabel ?name .
} ORDER BY ?name"""


@pytest.fixture(scope="module")
def site(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server on the bundled data plus the hostile case."""
    running = start_site(bundled_data_dir, tmp_path_factory.mktemp("ui"), xss=True)
    yield running
    running.server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page in the strict context, with what the browser complained about."""

    def __init__(self, context: BrowserContext) -> None:
        self.page = context.new_page()
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"{message.type}: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def strict(browser: Browser) -> Iterator[Watched]:
    """A page that keeps the site's CSP, in Dutch unless a page says otherwise."""
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    watched = Watched(context)
    yield watched
    context.close()
    assert not watched.dialogs, watched.dialogs
    assert not [p for p in watched.problems if "Content Security Policy" in p or "page error" in p], watched.problems


@pytest.fixture
def audit(browser: Browser) -> Iterator[Page]:
    """A page for axe-core (its script tag needs the CSP bypassed)."""
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page (WCAG 2.0/2.1 A and AA rules)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
        resultTypes: ["violations"]})""")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, indent=1)


# -- the pages ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/organisations?type=zbo", "/org/zb000117", "/org/mnre1034",
                                  "/doc/case/digid", "/cases", "/criteria", "/themes", "/events", "/monitor",
                                  "/search?q=uwv", "/def", "/doc/theme/digitalisering", "/doc/case/no-such-case",
                                  "/patterns", "/doc/case/toeslagenaffaire"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_axe_finds_nothing_serious(site: Site, audit: Page, path: str, lang: str) -> None:
    audit.goto(site.url + path + ("&" if "?" in path else "?") + "lang=" + lang)
    assert_accessible(audit)


def test_home(site: Site, strict: Watched) -> None:
    page = strict.page
    page.goto(site.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("h1")).to_have_text("driehoek")
    # keyboard: the first Tab reaches the skip link, which becomes visible and leads to the content
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["x"] >= 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    # search from the home page
    page.fill("#home-q", "UWV")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=UWV")
    expect(page.locator("section.results a[href='/org/zb000117']").first).to_be_visible()


def test_organisation_triangle(site: Site, strict: Watched) -> None:
    page = strict.page
    page.goto(site.url + "/org/zb000117")
    triangle = page.locator("svg.triangle")
    expect(triangle).to_be_visible()
    expect(triangle).to_have_attribute("role", "group")
    supervisor = triangle.locator("a[href='/org/zb000215']")  # Autoriteit Persoonsgegevens
    expect(supervisor).to_have_attribute("aria-label", "Autoriteit Persoonsgegevens houdt toezicht")
    box = supervisor.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 20
    supervisor.click()
    page.wait_for_url("**/org/zb000215")
    expect(page.locator("h1")).to_contain_text("Autoriteit Persoonsgegevens")


def test_case_chart(site: Site, strict: Watched) -> None:
    page = strict.page
    page.goto(site.url + "/doc/case/digid")
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar")).to_have_count(4)
    heights = [float(h) for h in chart.locator("rect.bar").evaluate_all("bars => bars.map(b => b.getAttribute('height'))")]
    assert heights == [250.0, 200.0, 250.0, 200.0]  # ranks 5, 4, 5, 4
    expect(page.locator("table.assessments tbody tr")).to_have_count(4)


def _rows_of(site: Site, query: str) -> int:
    """How many rows the endpoint answers a query with (JSON, as a program would ask)."""
    import urllib.parse
    import urllib.request

    request = urllib.request.Request(site.url + "/sparql?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        count = len(json.load(response)["results"]["bindings"])
    assert count > 0
    return count


def run_query(page: Page, query: str) -> None:
    """Type a query into the editor the way a person would, and run it with the keyboard."""
    editor = page.locator(".CodeMirror")
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(query)
    # CodeMirror reads a contenteditable's input on the next frame: wait until it has the text
    page.wait_for_function("q => document.querySelector('.CodeMirror').CodeMirror.getValue() === q", arg=query)
    page.keyboard.press("Control+Enter")


def test_query_editor(site: Site, strict: Watched) -> None:
    page = strict.page
    page.goto(site.url + "/sparql")
    expect(page.locator(".CodeMirror .cm-keyword").first).to_be_visible()  # highlighted
    run_query(page, QUERY)
    rows = page.locator("#results-body table tbody tr")
    expect(rows).to_have_count(_rows_of(site, QUERY))  # every row of the endpoint's own answer
    # an IRI shows its label, the IRI itself a hover away
    ap = page.locator("#results-body a[href='/org/zb000215']").first
    expect(ap).to_have_attribute("title", "https://identifier.overheid.nl/tooi/id/zbo/zb000215")
    expect(ap).to_contain_text("Autoriteit Persoonsgegevens")
    expect(page.locator("#results-body td span[lang='nl']").first).to_be_visible()
    downloads = page.locator("#downloads a")
    expect(downloads).to_have_count(4)
    assert "format=csv" in downloads.first.get_attribute("href")
    # the named queries are there as examples, and Tab leaves the editor (no keyboard trap)
    options = page.locator("#example option")
    assert options.count() > 1
    page.locator(".CodeMirror").click()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.CodeMirror') === null")
    # an error is shown, not swallowed
    run_query(page, "SELECT * WHERE { ?s ?p }")
    expect(page.locator("#results-body .error-box")).to_be_visible()


def test_query_editor_is_accessible_with_results(site: Site, audit: Page) -> None:
    audit.goto(site.url + "/sparql")
    run_query(audit, QUERY)
    expect(audit.locator("#results-body table tbody tr")).to_have_count(_rows_of(site, QUERY))
    assert_accessible(audit)


def test_language_switch(site: Site, strict: Watched) -> None:
    page = strict.page
    page.goto(site.url + "/org/zb000117")
    expect(page.locator("#triangle-h")).to_have_text("In de driehoek")
    page.locator("p.langswitch a").click()
    page.wait_for_url("**/org/zb000117?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#triangle-h")).to_have_text("In the triangle")
    # the choice sticks: the next page is English too
    page.locator("nav a[href='/cases']").click()
    expect(page.locator("h1")).to_have_text("Cases")
    page.locator("p.langswitch a").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def test_hostile_case_shows_as_text(site: Site, strict: Watched) -> None:
    page = strict.page
    page.goto(site.url + "/doc/case/xss-test")
    expect(page.locator("h1")).to_have_text("<script>alert(1)</script>")
    page.goto(site.url + "/cases")
    expect(page.locator("table.cases a[href='/doc/case/xss-test']")).to_have_text("<script>alert(1)</script>")
    # the fixture fails the test if any dialog opened or the CSP reported anything
