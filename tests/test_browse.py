"""The browsing UI: every page answers with the structure it promises (checked on the parsed HTML),
the filters and search work, both languages, a CSP on every page, and a case titled
<script>alert(1)</script> shows as text. Through Flask's test client on the app `driehoek serve` runs
(tests/fixtures_shared.py): these are page tests, not tests of the HTTP server (test_server.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from driehoek import pages

from .conftest import ROOT
from .fixtures_shared import InProcessSite, Reply
from .site import XSS_IRI, Element, headings_in_order, parse_html, prepare_site

PAGES = ["/", "/organisations", "/cases", "/criteria", "/themes", "/events", "/monitor", "/search?q=uwv",
         "/org/zb000117", "/doc/case/digid", "/def", "/sparql", "/doc/theme/digitalisering"]


@pytest.fixture(scope="module")
def site(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessSite]:
    """The app on the bundled data plus one hostile case, loaded with `load --trusted`."""
    data_dir, _ = prepare_site(bundled_data_dir, tmp_path_factory.mktemp("browse"), xss=True)
    running = InProcessSite(data_dir)
    yield running
    running.close()


def page(site: InProcessSite, path: str, lang: str = "nl") -> Element:
    response = fetch(site, path, lang)
    assert response.status_code == 200, response.text[:1000]
    return parse_html(response.text)


def fetch(site: InProcessSite, path: str, lang: str = "nl") -> Reply:
    return site.get(path, headers={"Accept": "text/html", "Accept-Language": lang})


def rows(document: Element, table_class: str | None = None) -> list[Element]:
    table = document.find("table", class_=table_class) if table_class else document.find("table")
    return table.find("tbody").find_all("tr")


def hrefs(element: Element) -> set[str]:
    return {a.attrs.get("href", "") for a in element.find_all("a")}


# -- every page: landmarks, headings, CSP, language ------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_landmarks_headings_and_a_csp(site: InProcessSite, path: str) -> None:
    response = fetch(site, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    document = parse_html(response.text)
    html = document.find("html")
    assert html.attrs["lang"] == "nl"
    assert document.find("main", id="main")
    assert document.find("nav").attrs["aria-label"]
    assert document.find("header") and document.find("footer")
    assert headings_in_order(document), [e.tag for e in document.iter() if e.tag[:1] == "h" and e.tag[1:].isdigit()]
    # no inline script or style that data could reach: scripts come from /static only; the one inline
    # element allowed is a JSON data block (the editor's completions), which no browser runs and in which
    # no '<' can close the element (Jinja's tojson writes it as \u003c)
    for script in document.find_all("script"):
        if script.attrs.get("type") == "application/json":
            assert "src" not in script.attrs and "<" not in script.text()
            json.loads(script.text())
        else:
            assert script.attrs.get("src", "").startswith("/static/") and not script.text()
    assert not document.find_all("style")
    assert not [e for e in document.iter() if "style" in e.attrs]
    # every form control has a label
    labelled = {label.attrs.get("for") for label in document.find_all("label")}
    for control in document.find_all("input") + document.find_all("select") + document.find_all("textarea"):
        assert control.attrs.get("id") in labelled or control.attrs.get("aria-label"), control.attrs


@pytest.mark.parametrize("path", ["/", "/organisations", "/org/zb000117", "/doc/case/digid", "/cases"])
def test_english_too(site: InProcessSite, path: str) -> None:
    english = page(site, path + ("&" if "?" in path else "?") + "lang=en")
    assert english.find("html").attrs["lang"] == "en"
    switch = english.find("p", class_="langswitch").find("a")
    assert switch.text() == "Nederlands" and switch.attrs["lang"] == "nl" and "lang=nl" in switch.attrs["href"]
    dutch = page(site, path)
    assert dutch.find("nav").find("a", href="/organisations").text() == "Organisaties"
    assert english.find("nav").find("a", href="/organisations").text() == "Organisations"


def test_the_language_choice_is_remembered(site: InProcessSite) -> None:
    session = site.session()
    first = session.get("/?lang=en", headers={"Accept": "text/html", "Accept-Language": "nl"})
    assert parse_html(first.text).find("html").attrs["lang"] == "en"
    later = session.get("/cases", headers={"Accept": "text/html", "Accept-Language": "nl"})
    assert parse_html(later.text).find("html").attrs["lang"] == "en"


def test_labels_fall_back_to_the_other_language(site: InProcessSite) -> None:
    # organisations from the register have Dutch names only: the English page shows them, marked Dutch
    english = page(site, "/org/zb000117?lang=en")
    title = english.find("h1")
    assert "Uitvoeringsinstituut Werknemersverzekeringen" in title.text()
    assert title.find("span", lang="nl")


# -- home -------------------------------------------------------------------------------------------------

def test_home_says_what_it_is_and_counts(site: InProcessSite) -> None:
    home = page(site, "/?lang=en")
    assert home.find("h1").text() == "driehoek"
    counts = {li.find("strong").text(): li.text() for li in home.find("ul", class_="counts").find_all("li")}
    assert any("organisations" in text and number.replace(",", "").isdigit() and int(number.replace(",", "")) > 5000
               for number, text in counts.items())
    assert {"/organisations", "/cases", "/sparql", "/queries", "/def"} <= hrefs(home)
    assert {"/organisations?corner=politiek-en-beleid", "/organisations?corner=uitvoering",
            "/organisations?corner=toezicht"} <= hrefs(home)


# -- organisations: listing, filters, paging ----------------------------------------------------------------

def test_organisations_are_listed_fifty_to_a_page(site: InProcessSite) -> None:
    listing = page(site, "/organisations")
    assert len(rows(listing, "organisations")) == 50
    pager = listing.find("nav", class_="pager")
    assert pager.find("a", rel="next").attrs["href"] == "/organisations?page=2"
    second = page(site, "/organisations?page=2")
    first_names = {r.find("th").text() for r in rows(listing, "organisations")}
    assert first_names.isdisjoint({r.find("th").text() for r in rows(second, "organisations")})


def test_filter_by_type_and_corner(site: InProcessSite) -> None:
    listing = page(site, "/organisations?type=zbo&corner=toezicht&lang=en")
    found = rows(listing, "organisations")
    assert found
    for row in found:
        cells = row.find_all("td")
        assert "independent administrative body" in cells[0].text()
        assert "supervision" in cells[1].text()
    names = {row.find("th").text() for row in found}
    assert any(name.startswith("Autoriteit Consument en Markt") for name in names)
    select = listing.find("select", id="f-type")
    assert select.find("option", value="zbo").attrs.get("selected") is not None


def test_filter_by_ministry(site: InProcessSite) -> None:
    listing = page(site, "/organisations?ministry=mnre1073")  # Sociale Zaken en Werkgelegenheid
    links = hrefs(listing.find("table", class_="organisations"))
    assert "/org/zb000117" in links  # UWV is accountable to SZW
    assert "/org/zb000143" in links  # SVB too
    assert "/org/zb000209" not in links  # the CBR is not


def test_search_in_the_listing(site: InProcessSite) -> None:
    listing = page(site, "/organisations?q=uwv")
    found = rows(listing, "organisations")
    assert [r.find("th").find("a").attrs["href"] for r in found] == ["/org/zb000117"]


@pytest.mark.parametrize("query", ["type=spaceship", "corner=nowhere", "ministry=zz"])
def test_unknown_filters_are_400_not_500(site: InProcessSite, query: str) -> None:
    assert_bad_parameter(site, "/organisations?" + query)


def test_odd_page_numbers_are_a_clear_400(site: InProcessSite) -> None:
    # the list pages refuse a page they do not have, rather than showing another one (tests/test_tables.py)
    for value in ("abc", "-3", "999999"):
        assert_bad_parameter(site, "/organisations?page=" + value)


def assert_bad_parameter(site: InProcessSite, path: str) -> None:
    """A 400 that names the parameter and its value: on the site's error page and in JSON."""
    parameter, value = path.split("?", 1)[1].split("=", 1)
    response = fetch(site, path)
    assert response.status_code == 400
    document = parse_html(response.text)
    assert document.find("p", class_="status-code").text().endswith("400 · bad_request")
    message = document.find("p", class_="technical").text()
    assert parameter in message and value in message
    programs = site.get(path, headers={"Accept": "application/json"})
    assert programs.status_code == 400 and programs.json()["parameter"] == parameter


# -- the organisation page -------------------------------------------------------------------------------

def test_organisation_page_has_the_triangle(site: InProcessSite) -> None:
    uwv = page(site, "/org/zb000117?lang=en")
    svg = uwv.find("svg", class_="triangle")
    assert svg.attrs["aria-labelledby"] == "tri-title" and svg.attrs["aria-describedby"] == "tri-desc"
    assert "UWV" in svg.find("title").text() or "Uitvoeringsinstituut" in svg.find("title").text()
    assert svg.find("desc").text()
    boxes = {a.attrs["href"]: a.attrs["aria-label"] for a in svg.find_all("a")}
    assert "/org/mnre1073" in boxes  # the ministry, in the politics corner
    for supervisor in ("/org/oorg10229", "/org/zb000215", "/org/oorg10221", "/org/oorg12349"):
        assert "supervises" in boxes[supervisor]
    # the same as a list, next to it
    listed = uwv.find("div", class_="triangle-list")
    assert {"/org/mnre1073", "/org/oorg10229", "/org/zb000215"} <= hrefs(listed)
    # relations over time, with their dates
    table = uwv.find("section", id="relations").find("table")
    periods = {r.find("th").text(): r.find_all("td")[1].text() for r in table.find("tbody").find_all("tr")}
    assert periods["Autoriteit Persoonsgegevens"] == "since 25 May 2018"
    assert periods["Nederlandse Arbeidsinspectie"] == "since 1 January 2012"
    # its cases
    assert {"/doc/case/now-regeling", "/doc/case/digid"} <= hrefs(uwv)


def test_a_large_organisation_is_summed_up(site: InProcessSite) -> None:
    bzk = page(site, "/org/mnre1034")
    boxes = bzk.find("svg", class_="triangle").find_all("a")
    assert len(boxes) <= 15
    # the "+N" box leads to the table that holds every relation, not to the 300 shown here
    assert any(a.attrs["href"] == "/org/mnre1034/relations" for a in boxes)
    caption = bzk.find("section", id="relations").find("caption").text()
    assert f"de eerste {pages.RELATIONS_SHOWN} van" in caption
    # and the table's caption leads to all of them, paged
    assert bzk.find("section", id="relations").find("a", class_="all-relations").attrs["href"] == \
        "/org/mnre1034/relations"


# -- the case page ----------------------------------------------------------------------------------------

def test_case_page_has_the_chart_and_the_table(site: InProcessSite) -> None:
    digid = page(site, "/doc/case/digid?lang=en")
    chart = digid.find("svg", class_="chart")
    assert chart.attrs["role"] == "img"
    assert "1. contribution to society: success (5 of 5)" in chart.find("desc").text()
    assert len(chart.find_all("rect", class_="bar")) == 4
    table = digid.find("table", class_="assessments")
    ratings = [r.find_all("td")[0].text() for r in table.find("tbody").find_all("tr")]
    assert ratings == ["success (5/5)", "resilient success (4/5)", "success (5/5)", "resilient success (4/5)"]
    involved = digid.find("section", aria_labelledby="orgs-h").find("table")
    roles = {r.find("th").text(): r.find("td").text() for r in involved.find("tbody").find_all("tr")}
    assert roles["Logius"] == "lead implementer"


# -- the other listings -------------------------------------------------------------------------------------

def test_cases_listing(site: InProcessSite) -> None:
    cases = page(site, "/cases?lang=en")
    found = rows(cases, "cases")
    bundled = {str(t.subject) for path in (ROOT / "data" / "cases").glob("*.ttl")
               for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
               if t.predicate == ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
               and t.object == ox.NamedNode("https://w3id.org/driehoek/def#Case")}
    assert len(found) == len(bundled) + 1 < pages.PAGE_SIZE  # every bundled case and the hostile one
    digid = next(r for r in found if r.find("th").find("a").attrs["href"] == "/doc/case/digid")
    assert [c.find("span", class_="rank").text() for c in digid.find_all("td", class_="num")] == ["5", "4", "5", "4"]


def test_criteria_themes_events_monitor(site: InProcessSite) -> None:
    criteria = page(site, "/criteria?lang=en")
    sections = criteria.find_all("section", class_="criterion")
    assert [s.find("h2").text() for s in sections] == [
        "1. contribution to society", "2. well organised", "3. support and legitimacy", "4. durability"]
    themes = page(site, "/themes")
    assert len(rows(themes)) == 12
    assert "/doc/theme/digitalisering" in hrefs(themes.find("table"))
    events = page(site, "/events")
    dates = [r.find("time").attrs["datetime"] for r in rows(events)]
    assert len(dates) == 6 and dates == sorted(dates, reverse=True)
    monitor = page(site, "/monitor")
    assert {"/monitor/2023", "/monitor/2024", "/doc/monitor/staat-van-de-uitvoering-2023"} <= hrefs(monitor)


def test_search_finds_uwv_cases_themes_and_meetings(site: InProcessSite) -> None:
    results = page(site, "/search?q=UWV")
    assert "/org/zb000117" in hrefs(results.find("section", class_="results"))
    digi = page(site, "/search?q=digi")
    found = {s.find("h2").attrs["id"]: hrefs(s) for s in digi.find_all("section", class_="results")}
    assert "/doc/case/digid" in found["r-case"]
    assert "/doc/theme/digitalisering" in found["r-theme"]
    assert found["r-event"]
    assert fetch(site, "/search?q=" + "x" * 500).status_code == 400
    assert fetch(site, "/search").status_code == 200


# -- hostile data shows as text ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/doc/case/xss-test", "/cases", "/search?q=script", "/org/zb000117",
                                  "/doc/theme/digitalisering", "/doc/case/xss-test?lang=en"])
def test_a_script_title_is_text(site: InProcessSite, path: str) -> None:
    response = fetch(site, path)
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text and "<svg onload" not in response.text
    document = parse_html(response.text)
    assert all(s.attrs.get("src", "").startswith("/static/") for s in document.find_all("script"))
    assert not [e for e in document.iter() if any(k.startswith("on") for k in e.attrs)]
    assert not [a for a in document.find_all("a") if a.attrs.get("href", "").lower().startswith("javascript:")]
    texts = [a.text() for a in document.find_all("a")] + [h.text() for h in document.find_all("h1")]
    assert "<script>alert(1)</script>" in texts


def test_the_hostile_case_page_is_whole(site: InProcessSite) -> None:
    document = page(site, "/doc/case/xss-test")
    assert document.find("h1").text() == "<script>alert(1)</script>"
    assert "<img src=x onerror=alert(2)>" in document.find("div", class_="description").text()
    chart = document.find("svg", class_="chart")
    assert "<script>" not in str(chart.attrs) and chart.find("title").text().endswith("<script>alert(1)</script>")
    assert XSS_IRI in document.find("p", class_="iri").text()


def test_a_url_no_route_knows_is_the_sites_404(site: InProcessSite) -> None:
    response = fetch(site, "/no/such/page")
    assert response.status_code == 404
    assert parse_html(response.text).find("h1").text() == "Niet gevonden"
    programs = site.get("/no/such/page", headers={"Accept": "application/json"})
    assert programs.status_code == 404 and programs.json()["error"] == "not_found"
