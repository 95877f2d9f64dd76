"""Search (issue 16, point 7): organisations by current and former names and abbreviations, cases
by title, abstract and the organisations involved, themes and meetings; type, status and dates in the
results; paged with the total right, never silently capped; the query text is text on the page.
Expected results are computed from the store, not written down."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from driehoek import pages

from .fixtures_shared import InProcessSite
from .site import BASE, UWV, Element, parse_html, prepare_site

DH, SCHEMA, SKOS = pages.DH, pages.SCHEMA, pages.SKOS


@pytest.fixture(scope="module")
def site(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessSite]:
    """The app on the bundled data plus the hostile case (a title that is a script; it involves UWV),
    through the test client: these tests only read pages."""
    data_dir, _ = prepare_site(bundled_data_dir, tmp_path_factory.mktemp("search"), xss=True)
    running = InProcessSite(data_dir)
    yield running
    running.close()


@pytest.fixture(scope="module")
def store(site: InProcessSite) -> pages.Snapshot:
    return site.snapshot()


def select(snapshot: pages.Snapshot, query: str) -> list[Any]:
    text = pages.SPARQL_PREFIXES + query
    return list(snapshot.store.query(text, **snapshot.dataset))


def search_json(site: InProcessSite, query: str) -> dict[str, Any]:
    response = site.get("/search.json?" + query)
    assert response.status_code == 200, response.text[:500]
    document: dict[str, Any] = response.json()
    return document


def every_hit(site: InProcessSite, text: str, extra: str = "") -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every result of a search as {column: value}, following `next`; and the first page."""
    first = search_json(site, urllib.parse.urlencode({"q": text}) + extra)
    document, rows = first, []
    while True:
        rows += [dict(zip(document["columns"], row, strict=True)) for row in document["rows"]]
        if not document["next"]:
            return rows, first
        response = site.get(document["next"])
        assert response.status_code == 200
        document = response.json()


def page(site: InProcessSite, query: str) -> Element:
    response = site.get("/search?" + query, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:500]
    return parse_html(response.text)


def cases_involving(snapshot: pages.Snapshot, org: str) -> set[str]:
    rows = select(snapshot, f"""SELECT DISTINCT ?case WHERE {{
        ?case a dh:Case .
        {{ ?case dh:involvedOrganisation <{org}> }} UNION {{ ?case dh:involvement/dh:organisation <{org}> }} }}""")
    return {row["case"].value for row in rows}


def test_uwv_finds_uwv_and_the_cases_it_is_in(site: InProcessSite, store: pages.Snapshot) -> None:
    hits, first = every_hit(site, "uwv")
    assert hits[0]["name_iri"] == UWV and hits[0]["kind"] == "organisation"
    involved = cases_involving(store, UWV)
    assert len(involved) >= 3  # NOW, DigiD, ... and the hostile test case
    found_cases = {h["name_iri"]: h for h in hits if h["kind"] == "case"}
    assert involved <= set(found_cases)
    titles = {row["case"].value: row["title"].value.casefold() for row in select(
        store, "SELECT ?case ?title WHERE { ?case a dh:Case ; dcterms:title ?title }")}
    for iri in involved:
        if "uwv" not in titles.get(iri, ""):  # found because UWV is in it, and listed as such
            assert found_cases[iri]["via_iri"] == UWV, iri
    assert first["total"] == len(hits)
    # the page says so: "case involving UWV", with a link to UWV
    document = page(site, "q=uwv")
    rows = document.find("section", class_="results", **{"aria-labelledby": "r-case"}).find("tbody").find_all("tr")
    via = [r for r in rows if r.find_all("td")[3].find_all("a")]
    assert via and all(r.find_all("td")[3].find("a").attrs["href"] == "/org/zb000117" for r in via)
    assert all(r.find_all("td")[3].text().startswith("succesverhaal met") for r in via)


def test_results_carry_type_status_and_dates(site: InProcessSite, store: pages.Snapshot) -> None:
    hits, _first = every_hit(site, "uwv")
    uwv = hits[0]
    assert uwv["type_iri"] == BASE + "def/organisation-type/zbo"
    founded = [r["d"].value for r in select(store, f"SELECT ?d WHERE {{ <{UWV}> schema:foundingDate ?d }}")]
    assert uwv["start"] == (min(founded) if founded else None) and uwv["status"] == "bestaat"
    digid = next(h for h in hits if h["name_iri"] == BASE + "id/case/digid")
    status = select(store, f"SELECT ?s ?label WHERE {{ <{BASE}id/case/digid> dh:status ?s . ?s skos:prefLabel ?label "
                           "FILTER(lang(?label) = 'nl') }")
    assert digid["status"] == status[0]["label"].value
    start = select(store, f"SELECT ?d WHERE {{ <{BASE}id/case/digid> schema:startDate ?d }}")
    assert digid["start"] == start[0]["d"].value
    # a dissolved organisation says so, with its date
    gone = select(store, "SELECT ?org ?name ?end WHERE { ?org schema:dissolutionDate ?end ; skos:prefLabel ?name ; "
                         "dh:organisationType ?t } ORDER BY ?end LIMIT 1")
    name, end = gone[0]["name"].value, gone[0]["end"].value
    match = next(h for h in every_hit(site, name)[0] if h["name_iri"] == gone[0]["org"].value)
    assert match["status"] == "opgeheven" and match["end"] == end


def test_former_names_find_the_organisation(site: InProcessSite, store: pages.Snapshot) -> None:
    rows = select(store, """SELECT ?org ?former WHERE {
        ?org dh:hasName ?n . ?n dh:nameValue ?former ; schema:endDate ?end .
        FILTER NOT EXISTS { ?org skos:prefLabel ?current FILTER(LCASE(STR(?current)) = LCASE(STR(?former))) }
        FILTER NOT EXISTS { ?org dh:hasName ?m . ?m dh:nameValue ?now FILTER NOT EXISTS { ?m schema:endDate ?e }
                            FILTER(LCASE(STR(?now)) = LCASE(STR(?former))) }
    } ORDER BY ?org ?former LIMIT 5""")
    assert rows, "the register records organisations that changed their name"
    reasons = []
    for row in rows:
        hits, _first = every_hit(site, row["former"].value)
        match = [h for h in hits if h["name_iri"] == row["org"].value]
        assert match, (row["org"].value, row["former"].value)
        reasons.append(match[0]["found_in"])  # a current name may hold the former one ("naam")
    assert "vroegere naam" in reasons


def test_abbreviations_find_the_organisation(site: InProcessSite) -> None:
    hits, _first = every_hit(site, "BZK")
    assert hits[0]["name_iri"] == "https://identifier.overheid.nl/tooi/id/ministerie/mnre1034"
    assert hits[0]["found_in"] == "afkorting"


def test_paging_covers_every_result_with_the_total_right(site: InProcessSite, store: pages.Snapshot) -> None:
    text = "gemeente"
    hits, first = every_hit(site, text)
    assert first["total"] == len(hits) > 50  # more than one page, never capped
    assert first["next"] is not None and len({h["name_iri"] for h in hits}) == len(hits)
    # the organisations: every one with a name, former name or abbreviation holding the text
    names = select(store, f"""SELECT DISTINCT ?org WHERE {{ ?org a org:Organization .
        {{ ?org skos:prefLabel ?n }} UNION {{ ?org skos:altLabel ?n }} UNION {{ ?org dh:hasName/dh:nameValue ?n }}
        UNION {{ ?org dh:hasName/dh:abbreviation ?n }}
        FILTER(CONTAINS(LCASE(STR(?n)), "{text}")) }}""")
    organisations = {h["name_iri"] for h in hits if h["kind"] == "organisation"}
    assert organisations == {row["org"].value for row in names}
    # the per-kind counts on the page add up, and each links to its own list
    document = page(site, "q=" + text)
    kinds = document.find("nav", class_="search-kinds").find_all("a")
    counted = {a.attrs["href"]: int(a.text().rsplit("(", 1)[1].rstrip(")").replace(".", "")) for a in kinds}
    for href, count in counted.items():
        query = urllib.parse.urlsplit(href).query
        assert search_json(site, query)["total"] == count
    assert first["total"] == sum(v for h, v in counted.items() if "type=" in h)
    shown = document.find("p", class_="result-count").text()
    assert shown.startswith(f"{len(hits):,}".replace(",", ".") + " resultaten")


def test_the_query_is_text_on_the_page(site: InProcessSite) -> None:
    hostile = "<script>alert(1)</script>\"' &amp;"
    response = site.get("/search", params={"q": hostile}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    document = parse_html(response.text)
    assert document.find("input", id="q").attrs["value"] == hostile
    assert "“" + hostile + "”" in document.find("p", class_="result-count").text()
    # the hostile case's title is found, and shown as text
    found = page(site, "q=script")
    cells = [tr.find("th").text() for s in found.find_all("section", class_="results") for tr in s.find("tbody").find_all("tr")]
    assert "<script>alert(1)</script>" in cells


def test_kinds_and_bad_input(site: InProcessSite) -> None:
    cases, first = every_hit(site, "uwv", "&type=case")
    assert cases and {h["kind"] for h in cases} == {"case"} and first["total"] == len(cases)
    assert site.get("/search?q=uwv&type=spaceship").status_code == 400
    assert site.get("/search?q=" + "x" * 500).status_code == 400
    empty = search_json(site, "q=")
    assert empty["total"] == 0 and empty["rows"] == []
    csv_text = site.get("/search.csv?q=uwv")
    assert csv_text.headers["Content-Disposition"] == 'attachment; filename="driehoek-search.csv"'
    assert csv_text.text.count("\r\n") == search_json(site, "q=uwv")["total"] + 1
