"""Data out of the tables in a real browser (issue 16, point 2): a CSV downloaded from /organisations
with Playwright's download API and parsed, sorting by a column header, no sideways scroll at 390 px,
and axe-core clean on the table pages. The fixtures (site, browser, strict, audit) are test_ui's."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from .test_ui import Page, Watched, assert_accessible, audit, browser, expect, site, strict  # noqa: F401

pytestmark = pytest.mark.browser

TABLE_PAGES = ["/organisations", "/organisations?type=zbo&current=1&sort=-relations", "/cases", "/criteria",
               "/search?q=uwv", "/org/mnre1034/relations", "/org/mnre1034/relations?type=supervises&sort=-start"]


def test_download_the_organisations_as_csv(site, strict: Watched, tmp_path: Path) -> None:  # noqa: F811
    page = strict.page
    page.goto(site.url + "/organisations?type=zbo&current=1")
    shown = int(page.locator("p.result-count").inner_text().split()[0].replace(".", ""))
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = info.value
    assert download.suggested_filename == "driehoek-organisations.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert len(rows) == shown > 50  # every row of the filtered listing, not the page
    assert {r["type_iri"] for r in rows} == {"https://w3id.org/driehoek/def/organisation-type/zbo"}
    assert all(not r["dissolved"] for r in rows)
    assert "https://identifier.overheid.nl/tooi/id/zbo/zb000117" in {r["organisation_iri"] for r in rows}
    # the first rows are the page's rows, in the page's order
    names = page.locator("table.organisations tbody th a").all_inner_texts()
    assert [r["organisation"] for r in rows[: len(names)]] == names


def test_sort_by_a_column(site, strict: Watched) -> None:  # noqa: F811
    page = strict.page
    page.goto(site.url + "/organisations?type=ministerie")
    header = page.locator("table.organisations thead th").filter(has_text="Relaties")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert "sort=relations" in page.url and "type=ministerie" in page.url
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    texts = page.evaluate("""Array.from(document.querySelectorAll('table.organisations tbody tr'))
                                  .map(tr => tr.querySelectorAll('td.num')[1].innerText)""")
    counts = [int(t.replace(".", "")) for t in texts]
    assert len(counts) > 5 and counts == sorted(counts, reverse=True)
    assert page.locator("table.organisations thead th[aria-sort]").count() == 1
    # the filter form keeps the sort
    page.get_by_label("Alleen bestaande (niet opgeheven)").check()
    page.get_by_role("button", name="Toon").click()
    assert "sort=-relations" in page.url and "current=1" in page.url


@pytest.mark.parametrize("path", TABLE_PAGES)
def test_no_sideways_scroll_on_a_phone(site, browser, path: str) -> None:  # noqa: F811
    context = browser.new_context(locale="nl-NL", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(site.url + path)
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{path} scrolls {wide} px sideways at 390 px"
    finally:
        context.close()


@pytest.mark.parametrize("path", TABLE_PAGES)
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_table_pages_are_axe_clean(site, audit: Page, path: str, lang: str) -> None:  # noqa: F811
    audit.goto(site.url + path + ("&" if "?" in path else "?") + "lang=" + lang)
    assert_accessible(audit)
