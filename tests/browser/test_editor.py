"""The SPARQL editor in a real Chromium (issue 16, point 1), at 1280 and 390 px: a named query opens
in the editor, runs, the address is its permalink and a reload gives the same answer; completion
offers a prefix and a dh: term; no page scrolls sideways; axe finds nothing serious. The browser,
the server and axe are test_ui.py's."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest
import requests

from ..site import Site
from .test_ui import CHROMIUM, Watched, assert_accessible, browser, site  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():  # test_ui skips the module already; kept for a reader of this file alone
    pytest.skip("no Chromium", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect  # noqa: E402

UWV = "https://identifier.overheid.nl/tooi/id/zbo/zb000117"
WIDTHS = [1280, 390]


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def width(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def watched(browser: Browser, width: int) -> Iterator[Watched]:  # noqa: F811
    """A page that keeps the site's CSP, at this width; no CSP report, script error or dialog allowed."""
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 900})
    page = Watched(context)
    yield page
    context.close()
    assert not page.dialogs, page.dialogs
    assert not [p for p in page.problems if "Content Security Policy" in p or "page error" in p], page.problems


@pytest.fixture
def audited(browser: Browser, width: int) -> Iterator[Page]:  # noqa: F811
    """A page for axe-core (its script tag needs the CSP bypassed), at this width."""
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def rows_text(page: Page) -> list[str]:
    return page.locator("table.sparql-results tbody tr").all_inner_texts()


def query_in_address(page: Page) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["query"][0]


def editor_text(page: Page) -> str:
    return str(page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()"))


def test_round_trip_from_a_named_query_to_a_permalink(site: Site, watched: Watched) -> None:  # noqa: F811
    page = watched.page
    page.goto(site.url + "/queries/supervisors-on-date?" + urllib.parse.urlencode({"org": UWV}))
    no_sideways_scroll(page)
    expected = requests.get(site.url + "/queries/supervisors-on-date.json", params={"org": UWV}, timeout=60).json()
    count = len(expected["results"]["bindings"])
    assert count > 0
    page.locator("#open-in-editor").click()
    page.wait_for_url("**/sparql?query=*")
    # the query, with the organisation bound, is in the editor and has run
    expect(page.locator("table.sparql-results tbody tr")).to_have_count(count)
    assert f"<{UWV}>" in editor_text(page)
    assert query_in_address(page) == editor_text(page)
    no_sideways_scroll(page)
    # change the query in the editor and run it with the keyboard: the address follows
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# changed in the editor")
    page.wait_for_function("() => document.querySelector('.CodeMirror').CodeMirror.getValue().endsWith('editor')")
    edited = editor_text(page)
    page.keyboard.press("Control+Enter")
    page.wait_for_function("q => new URL(location.href).searchParams.get('query') === q", arg=edited)
    expect(page.locator("table.sparql-results tbody tr")).to_have_count(count)
    before = rows_text(page)
    assert editor_text(page) == edited
    # the address is a permalink: reloading it (or opening it anew) gives the same answer
    page.reload()
    expect(page.locator("table.sparql-results tbody tr")).to_have_count(count)
    assert rows_text(page) == before
    assert editor_text(page) == edited
    # labels, with the IRI a click away
    first = page.locator("table.sparql-results tbody a[title^='https://']").first
    assert first.get_attribute("title").startswith("https://")
    assert not first.inner_text().startswith("https://")
    no_sideways_scroll(page)


def test_completion_offers_prefixes_and_driehoek_terms(site: Site, watched: Watched) -> None:  # noqa: F811
    page = watched.page
    page.goto(site.url + "/sparql")
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    # a prefix after PREFIX, on request (Ctrl+Space): the namespace comes with it
    page.keyboard.type("PREFIX sk")
    page.keyboard.press("Control+Space")
    hints = page.locator("ul.CodeMirror-hints li")
    expect(hints.first).to_have_text("skos: <http://www.w3.org/2004/02/skos/core#>")
    page.keyboard.press("Enter")
    # the editor takes the pick on its next frame: wait for it rather than read at once
    page.wait_for_function("document.querySelector('.CodeMirror').CodeMirror.getValue()"
                           " === 'PREFIX skos: <http://www.w3.org/2004/02/skos/core#>'")
    assert editor_text(page) == "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
    # a dh: term while typing, with its label; picking it declares the dh: prefix
    page.keyboard.type("\nSELECT ?s ?o WHERE { ?s dh:supervis")
    expect(page.locator("ul.CodeMirror-hints li", has_text="dh:supervises —")).to_be_visible()
    no_sideways_scroll(page)
    page.keyboard.type("es")
    # the list is redrawn as one types: pick the item itself (not whatever is first when Enter
    # lands), then wait until the editor has taken it, prefix line and all
    term = page.locator("ul.CodeMirror-hints li", has_text="dh:supervises — ").first
    expect(term).to_contain_text("dh:supervises — ")  # with its label
    term.click()
    page.wait_for_function("document.querySelector('.CodeMirror').CodeMirror.getValue()"
                           ".startsWith('PREFIX dh: <https://w3id.org/driehoek/def#>')")
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" ?o }")
    text = editor_text(page)
    assert text.startswith("PREFIX dh: <https://w3id.org/driehoek/def#>\n")
    assert text.endswith("?s dh:supervises ?o }")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/sparql?query=*")
    answer = requests.get(site.url + "/sparql", params={"query": text}, timeout=60).json()
    expect(page.locator("table.sparql-results tbody tr")).to_have_count(min(len(answer["results"]["bindings"]), 500))


def test_a_syntax_error_is_shown_where_it_is(site: Site, watched: Watched) -> None:  # noqa: F811
    page = watched.page
    page.goto(site.url + "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE {\n  ?s ?p\n}"}))
    box = page.locator("#query-error")
    expect(box).to_be_visible()
    expect(box).to_contain_text("regel 3")
    expect(page.locator(".CodeMirror .cm-error-line")).to_have_count(1)
    no_sideways_scroll(page)


@pytest.mark.parametrize("query", [
    "PREFIX dh: <https://w3id.org/driehoek/def#>\nSELECT ?s ?o WHERE { ?s dh:supervises ?o } LIMIT 50",
    "SELECT * WHERE { ?s ?p }",
], ids=["answer", "error"])
def test_the_editor_is_accessible(site: Site, audited: Page, query: str) -> None:  # noqa: F811
    audited.goto(site.url + "/sparql?" + urllib.parse.urlencode({"query": query}))
    expect(audited.locator("#results-h")).to_be_visible()
    no_sideways_scroll(audited)
    assert_accessible(audited)


def test_the_editor_is_accessible_with_completions_open(site: Site, audited: Page) -> None:  # noqa: F811
    audited.goto(site.url + "/sparql")
    audited.locator(".CodeMirror").click()
    audited.keyboard.press("Control+End")
    audited.keyboard.type("\n# dh:Ca")
    expect(audited.locator("ul.CodeMirror-hints li").first).to_be_visible()
    data = json.loads(audited.locator("#editor-completions").text_content() or "{}")
    assert any(t["curie"] == "dh:Case" for t in data["terms"])
    no_sideways_scroll(audited)
    assert_accessible(audited)
