"""The SPARQL editor's HTML side (issue 16, point 1): a browser's /sparql?query=... gets the editor
with the query in it and its answer rendered in the page, with labels and prefixed names; programs
keep getting SPARQL results formats; errors are shown in the page in its language; named queries open
in the editor with their parameters bound. The app of `driehoek serve` on the bundled data through
the test client (these tests only read; the query timeout has a real server of its own), and
result_view.py on its own."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from driehoek import pages, queries, result_view

from . import backend
from .conftest import Server
from .fixtures_shared import InProcessSite, Reply, shared_site
from .site import Element, parse_html

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = "application/sparql-results+json"
UWV = "https://identifier.overheid.nl/tooi/id/zbo/zb000117"
BASE = "https://w3id.org/driehoek/"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
SUPERVISORS = f"""PREFIX dh: <https://w3id.org/driehoek/def#>
SELECT ?supervisor WHERE {{ ?supervisor dh:supervises <{UWV}> }} ORDER BY ?supervisor"""


@pytest.fixture(scope="module")
def live(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessSite]:
    """The app on a copy of the bundled store, shared by this module's read-only tests."""
    yield from shared_site(bundled_data_dir, tmp_path_factory, "editor")


def get(site: InProcessSite, query: str | None = None, accept: str | None = BROWSER, **params: str) -> Reply:
    """GET /sparql (accept=None sends no Accept header at all)."""
    if query is not None:
        params["query"] = query
    return site.get("/sparql", params=params, headers={"Accept": accept} if accept is not None else {})


def media_type(response: Reply | requests.Response) -> str:
    return response.headers["Content-Type"].split(";")[0].strip()


def json_rows(site: InProcessSite, query: str) -> list[dict[str, dict[str, str]]]:
    """The rows of a query as SPARQL results JSON, from the same endpoint."""
    response = get(site, query, accept=JSON)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def result_rows(document: Element) -> list[list[Element]]:
    """The cells of the editor's result table, row by row."""
    table = document.find("table", class_="sparql-results")
    return [row.find_all("td") for row in table.find("tbody").find_all("tr")]


def nl_label(site: InProcessSite, iri: str) -> str:
    """An IRI's Dutch skos:prefLabel, asked of the endpoint as JSON."""
    rows = json_rows(site, f'SELECT DISTINCT ?l WHERE {{ <{iri}> <{SKOS_PREF}> ?l FILTER(lang(?l) = "nl") }}')
    assert len(rows) == 1, rows
    return rows[0]["l"]["value"]


# -- negotiation ----------------------------------------------------------------------------------

def test_a_browser_gets_the_editor_with_the_query_and_its_answer(live: InProcessSite) -> None:
    response = get(live, SUPERVISORS)
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    assert "Accept" in response.headers["Vary"]
    document = parse_html(response.text)
    assert document.find("textarea", id="query").text() == " ".join(SUPERVISORS.split())
    expected = [row["supervisor"]["value"] for row in json_rows(live, SUPERVISORS)]
    assert len(expected) >= 2  # the bundled data: several supervisors of UWV
    rows = result_rows(document)
    assert [row[0].find("a").attrs["title"] for row in rows] == expected
    # the permalink is the query itself
    permalink = document.find("a", id="permalink").attrs["href"]
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(permalink).query) == {"query": [SUPERVISORS]}


@pytest.mark.parametrize("accept", [JSON, "application/json", "*/*", None])
def test_programs_keep_getting_results(live: InProcessSite, accept: str | None) -> None:
    """Results formats by Accept as before; no Accept header (and */*) keeps the default, JSON."""
    response = get(live, SUPERVISORS, accept=accept)
    assert response.status_code == 200
    assert media_type(response) == JSON
    assert len(response.json()["results"]["bindings"]) == len(json_rows(live, SUPERVISORS))


@pytest.mark.parametrize("accept, params, expected", [
    (BROWSER, {"format": "json"}, JSON),  # ?format= wins over a browser's Accept (downloads)
    (BROWSER, {"format": "csv"}, "text/csv"),
    ("*/*", {"format": "html"}, "text/html"),  # and asks for the page from anywhere
    ("text/html;q=0.5, application/sparql-results+xml", {}, "application/sparql-results+xml"),
    ("text/html", {}, "text/html"),
])
def test_format_and_accept_decide(live: InProcessSite, accept: str, params: dict[str, str], expected: str) -> None:
    response = get(live, SUPERVISORS, accept=accept, **params)
    assert response.status_code == 200
    assert media_type(response) == expected


def test_a_browser_asking_construct_gets_triples_in_the_page(live: InProcessSite) -> None:
    query = f"CONSTRUCT {{ ?s <https://w3id.org/driehoek/def#supervises> <{UWV}> }} WHERE {{ ?s <https://w3id.org/driehoek/def#supervises> <{UWV}> }}"
    document = parse_html(get(live, query).text)
    rows = result_rows(document)
    assert len(rows) == len(json_rows(live, SUPERVISORS))
    predicate = rows[0][1]
    assert predicate.find("a").attrs["title"] == "https://w3id.org/driehoek/def#supervises"
    assert predicate.find("span", class_="curie").text() == "dh:supervises"


# -- labels and prefixed names, server-side ------------------------------------------------------

def test_iris_show_labels_with_the_iri_a_click_away(live: InProcessSite) -> None:
    document = parse_html(get(live, SUPERVISORS, lang="nl").text)
    for row in result_rows(document):
        link = row[0].find("a")
        iri = link.attrs["title"]
        assert link.text() == nl_label(live, iri)
        assert link.attrs["href"] == pages.local_path(iri, BASE)  # driehoek's own page for it


def test_vocabulary_terms_show_label_and_prefixed_name(live: InProcessSite) -> None:
    query = "PREFIX dh: <https://w3id.org/driehoek/def#>\nSELECT ?c WHERE { VALUES ?c { dh:Case } }"
    label = json_rows(live, "SELECT ?l WHERE { <https://w3id.org/driehoek/def#Case> "
                            "<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l) = 'en') }")
    document = parse_html(get(live, query, lang="en").text)
    [[cell]] = result_rows(document)
    assert cell.find("a").text() == label[0]["l"]["value"]
    assert cell.find("a").attrs == {"href": "/def#Case", "title": "https://w3id.org/driehoek/def#Case"}
    assert cell.find("span", class_="curie").text() == "dh:Case"


def test_a_script_in_a_result_is_shown_as_text(live: InProcessSite) -> None:
    script = "<script>alert(1)</script>"
    response = get(live, f'SELECT ?x ?y WHERE {{ BIND("{script}" AS ?x) BIND(<javascript:alert(1)> AS ?y) }}')
    assert response.status_code == 200
    assert script not in response.text
    [[cell, link]] = result_rows(parse_html(response.text))
    assert cell.text() == script  # escaped in the markup, the same text for the reader
    assert link.find_all("a") == []  # no link for a javascript: IRI
    assert link.text() == "javascript:alert(1)"


def test_ask_shows_yes_or_no(live: InProcessSite) -> None:
    yes = parse_html(get(live, f"ASK {{ ?s ?p <{UWV}> }}", lang="en").text)
    no = parse_html(get(live, "ASK { <urn:x:nothing> ?p ?o }", lang="en").text)
    assert yes.find("p", class_="boolean").text() == "yes (true)"
    assert no.find("p", class_="boolean").text() == "no (false)"


# -- errors in the page ---------------------------------------------------------------------------

def test_a_syntax_error_is_shown_in_the_page_with_line_and_column(live: InProcessSite) -> None:
    query = "SELECT * WHERE {\n  ?s ?p \n}"
    as_json = get(live, query, accept=JSON)
    assert as_json.status_code == 400
    details = as_json.json()
    response = get(live, query, lang="nl")
    assert response.status_code == 400
    assert media_type(response) == "text/html"
    box = parse_html(response.text).find(id="query-error")
    assert (box.attrs["data-line"], box.attrs["data-column"]) == (str(details["line"]), str(details["column"]))
    assert f"regel {details['line']}, kolom {details['column']}" in box.text()
    assert parse_html(response.text).find("textarea", id="query").text() == " ".join(query.split())
    english = parse_html(get(live, query, lang="en").text).find(id="query-error")
    assert f"line {details['line']}, column {details['column']}" in english.text()


def test_protocol_errors_show_in_the_editor_for_browsers(live: InProcessSite) -> None:
    """Refused before anything runs (two queries): the editor's page with the error, not JSON."""
    twice = "/sparql?" + urllib.parse.urlencode([("query", "ASK {}"), ("query", "ASK {}")])
    response = live.get(twice, headers={"Accept": BROWSER})
    assert response.status_code == 400
    assert media_type(response) == "text/html"
    assert parse_html(response.text).find(id="query-error")
    program = live.get(twice)
    assert program.status_code == 400 and program.json()["error"] == "bad_request"


def test_a_timeout_is_a_503_in_the_page(bundled_data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "var"
    backend.copy_data_dir(bundled_data_dir, target)
    srv = Server(target, {"DRIEHOEK_QUERY_TIMEOUT": "1"})
    try:
        runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        response = requests.get(srv.url + "/sparql", params={"query": runaway, "lang": "en"},
                                headers={"Accept": BROWSER}, timeout=60)
    finally:
        srv.stop()
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    box = parse_html(response.text).find(id="query-error")
    assert "time limit" in box.text()


# -- completions and named queries ----------------------------------------------------------------

def test_the_page_carries_prefixes_and_driehoek_terms_to_complete(live: InProcessSite) -> None:
    import json

    document = parse_html(get(live, lang="nl").text)
    data = json.loads(document.find("script", id="editor-completions").text())
    assert data["prefixes"] == pages.PREFIXES
    terms = {t["curie"]: t for t in data["terms"]}
    label = json_rows(live, "SELECT ?l WHERE { <https://w3id.org/driehoek/def#supervises> "
                            "<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l) = 'nl') }")
    assert terms["dh:supervises"] == {"curie": "dh:supervises", "label": label[0]["l"]["value"], "lang": "nl",
                                      "kind": "property"}
    assert terms["dh:Case"]["kind"] == "class"


def test_every_named_query_opens_in_the_editor_from_the_list(live: InProcessSite) -> None:
    response = live.get("/queries", headers={"Accept": "text/html"})
    links = {a.attrs["href"] for a in parse_html(response.text).find_all("a", class_="open-in-editor")}
    named = queries.all_queries()
    assert len(links) == len(named)
    texts = {urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["query"][0] for href in links}
    assert texts == {q.with_values({}) for q in named.values()}


def test_a_named_query_opens_in_the_editor_with_its_parameters(live: InProcessSite) -> None:
    params = {"org": UWV}
    page = live.get("/queries/supervisors-on-date", params=params, headers={"Accept": "text/html"})
    href = parse_html(page.text).find("a", id="open-in-editor").attrs["href"]
    text = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["query"][0]
    assert f"<{UWV}>" in text  # the parameter is bound in the text
    editor = live.get(href, headers={"Accept": BROWSER})
    assert editor.status_code == 200 and media_type(editor) == "text/html"
    named = live.get("/queries/supervisors-on-date.json", params=params).json()
    assert len(result_rows(parse_html(editor.text))) == len(named["results"]["bindings"]) > 0


# -- result_view on its own -----------------------------------------------------------------------

def test_labels_are_one_bounded_query() -> None:
    store = ox.Store()
    people = [f"{BASE}id/case/c{i}" for i in range(result_view.MAX_LABELLED + 10)]
    for i, iri in enumerate(people[:3]):
        store.add(ox.Quad(ox.NamedNode(iri), ox.NamedNode(SKOS_PREF), ox.Literal(f"geval {i}", language="nl"),
                          ox.NamedNode(BASE + "graph/t")))
    answer = result_view.Answer("solutions", ["x"], [[ox.NamedNode(iri)] for iri in people])
    iris = result_view.iris_in(answer)
    assert iris == people[:result_view.MAX_LABELLED]
    reader = pages.Snapshot(store, key="t", base_iri=BASE).pages()
    shown = result_view.view(answer, reader, BASE, "nl")
    assert reader.stats.queries == 1  # one batched lookup for every IRI of the page
    assert shown.labelled == result_view.MAX_LABELLED
    assert [row[0].text for row in shown.rows[:4]] == ["geval 0", "geval 1", "geval 2", people[3]]
    assert shown.rows[0][0].href == "/doc/case/c0" and shown.rows[0][0].iri == people[0]
