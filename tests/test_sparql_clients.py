"""/sparql with real clients against a real `driehoek serve`: SPARQLWrapper, rdflib's SPARQLStore,
and plain HTTP (requests) for negotiation, the service description, CORS, bad input and privacy.

The server runs on a fresh store holding only the small fixture below, loaded with the CLI, so
every answer is known.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.dom.minidom import Document

import pyoxigraph as ox
import pytest
import requests
import rdflib
from rdflib.namespace import RDF, RDFS, Namespace
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, JSONLD, POST, TURTLE, XML, SPARQLWrapper

from . import backend
from .conftest import BASE, Server

EX = Namespace("http://example.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ORGANISATIONS = BASE + "graph/test/organisations"
MINISTRIES = BASE + "graph/test/ministries"
PRIVATE = BASE + "graph/private/people"
PUBLIC_EMAIL = "info@uwv.example"
PRIVATE_EMAIL = "alice@example.org"
COMMENT = 'Werk, "inkomen"\nen uitkeringen'  # a comma, quotes and a line break: CSV must quote it
MAX_UPLOAD = 65536

# SPARQLWrapper 2.0 parses CONSTRUCT/DESCRIBE results into an rdflib ConjunctiveGraph, which rdflib 7
# deprecates; the warning is about SPARQLWrapper's code, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

FIXTURES = {
    ORGANISATIONS: f"""
        @prefix ex: <http://example.org/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        ex:uwv a ex:Organisation ; rdfs:label "UWV"@nl, "Employee Insurance Agency"@en ;
            ex:accountableTo ex:szw ; ex:founded 2002 ; ex:email "{PUBLIC_EMAIL}" ;
            rdfs:comment \"\"\"{COMMENT}\"\"\" .
        ex:ind a ex:Organisation ; rdfs:label "IND"@nl ; ex:accountableTo ex:jenv ; ex:founded 1994 .
    """,
    MINISTRIES: """
        @prefix ex: <http://example.org/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        ex:szw a ex:Organisation ; rdfs:label "Ministerie van Sociale Zaken en Werkgelegenheid"@nl .
        ex:jenv a ex:Organisation ; rdfs:label "Ministerie van Justitie en Veiligheid"@nl .
    """,
    PRIVATE: f"""
        @prefix ex: <http://example.org/> .
        ex:alice a ex:Person ; ex:email "{PRIVATE_EMAIL}" ; ex:memberOf ex:uwv .
        ex:uwv ex:contactPerson ex:alice .
    """,
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh store with the fixture graphs, loaded with `driehoek load` as a steward would."""
    root = tmp_path_factory.mktemp("sparql-clients")
    for number, (graph, turtle) in enumerate(FIXTURES.items()):
        source = root / f"fixture-{number}.ttl"
        source.write_text(turtle, encoding="utf-8")
        # --trusted: fixture data for the endpoint, not cases for the SHACL gate
        subprocess.run([sys.executable, "-m", "driehoek.cli", "--data-dir", str(root / "var"), "load",
                        "--trusted", "--graph", graph, str(source)],
                       env={**os.environ, **backend.env_for(root / "var")}, check=True, capture_output=True)
    return root / "var"


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[Server]:
    """`driehoek serve` on the fixture store, with a small upload limit to test 413 cheaply."""
    srv = Server(data_dir, {"DRIEHOEK_MAX_UPLOAD": str(MAX_UPLOAD)})
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def endpoint(server: Server) -> str:
    return server.url + "/sparql"


def get(endpoint: str, query: str | None = None, accept: str | None = None, **params: Any) -> requests.Response:
    """GET /sparql?query=... with an Accept header (None: no Accept header at all)."""
    if query is not None:
        params["query"] = query
    return requests.get(endpoint, params=params, headers={"Accept": accept}, timeout=60)


def parse_results(response: requests.Response) -> ox.QueryBoolean | ox.QuerySolutions:
    """SPARQL results parsed by their Content-Type."""
    fmt = ox.QueryResultsFormat.from_media_type(media_type(response))
    assert fmt is not None, response.headers["Content-Type"]
    return ox.parse_query_results(response.content, format=fmt)


def parse_graph(response: requests.Response) -> set[ox.Triple]:
    """An RDF graph parsed by its Content-Type."""
    fmt = ox.RdfFormat.from_media_type(media_type(response))
    assert fmt is not None, response.headers["Content-Type"]
    return {quad.triple for quad in ox.parse(response.content, format=fmt)}


def media_type(response: requests.Response) -> str:
    return response.headers["Content-Type"].split(";")[0].strip()


def column(response: requests.Response, variable: str) -> set[ox.NamedNode | ox.Literal | ox.BlankNode]:
    """The values bound to one variable across all solutions."""
    results = parse_results(response)
    assert isinstance(results, ox.QuerySolutions)
    return {solution[variable] for solution in results if solution[variable] is not None}


def lexical_column(response: requests.Response, variable: str) -> set[str]:
    """The lexical forms bound to one variable, from any results format (CSV holds nothing more)."""
    if media_type(response) == "text/csv":
        return {row[variable] for row in csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline=""))
                if row[variable]}
    return {term.value for term in column(response, variable)}


def nl(text: str) -> ox.Literal:
    return ox.Literal(text, language="nl")


UWV_LABELS = "SELECT ?label WHERE { <http://example.org/uwv> <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
ACCOUNTABLE = ("CONSTRUCT { ?ministry <http://example.org/oversees> ?agency } "
               "WHERE { ?agency <http://example.org/accountableTo> ?ministry }")
OVERSEES = {
    ox.Triple(ox.NamedNode(EX.szw), ox.NamedNode(EX.oversees), ox.NamedNode(EX.uwv)),
    ox.Triple(ox.NamedNode(EX.jenv), ox.NamedNode(EX.oversees), ox.NamedNode(EX.ind)),
}


# -- SPARQLWrapper ------------------------------------------------------------------------------

def wrapper(endpoint: str, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_select_json(endpoint: str) -> None:
    result = wrapper(endpoint, UWV_LABELS, JSON).queryAndConvert()
    labels = {(b["label"]["value"], b["label"].get("xml:lang")) for b in result["results"]["bindings"]}
    assert labels == {("UWV", "nl"), ("Employee Insurance Agency", "en")}


def test_sparqlwrapper_select_xml(endpoint: str) -> None:
    document = wrapper(endpoint, UWV_LABELS, XML).queryAndConvert()
    assert isinstance(document, Document)
    literals = {(node.firstChild.data, node.getAttribute("xml:lang"))
                for node in document.getElementsByTagName("literal")}
    assert literals == {("UWV", "nl"), ("Employee Insurance Agency", "en")}


def test_sparqlwrapper_select_by_form_post(endpoint: str) -> None:
    client = wrapper(endpoint, "SELECT ?org WHERE { ?org <http://example.org/founded> 1994 }", JSON)
    client.setMethod(POST)
    result = client.queryAndConvert()
    assert [b["org"]["value"] for b in result["results"]["bindings"]] == [str(EX.ind)]


@pytest.mark.parametrize("query, expected", [
    ("ASK { <http://example.org/uwv> <http://example.org/accountableTo> <http://example.org/szw> }", True),
    ("ASK { <http://example.org/uwv> <http://example.org/accountableTo> <http://example.org/jenv> }", False),
])
def test_sparqlwrapper_ask(endpoint: str, query: str, expected: bool) -> None:
    assert wrapper(endpoint, query, JSON).queryAndConvert()["boolean"] is expected


def test_sparqlwrapper_construct_as_rdfxml(endpoint: str) -> None:
    graph = wrapper(endpoint, ACCOUNTABLE, XML).queryAndConvert()  # SPARQLWrapper's default for graphs
    assert isinstance(graph, rdflib.Graph)
    assert set(graph) == {(EX.szw, EX.oversees, EX.uwv), (EX.jenv, EX.oversees, EX.ind)}


def test_sparqlwrapper_construct_as_turtle(endpoint: str) -> None:
    body = wrapper(endpoint, ACCOUNTABLE, TURTLE).queryAndConvert()
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert set(graph) == {(EX.szw, EX.oversees, EX.uwv), (EX.jenv, EX.oversees, EX.ind)}


@pytest.mark.parametrize("fmt", [XML, JSONLD])
def test_sparqlwrapper_describe(endpoint: str, fmt: str) -> None:
    graph = wrapper(endpoint, "DESCRIBE <http://example.org/szw>", fmt).queryAndConvert()
    assert isinstance(graph, rdflib.Graph)
    assert (EX.szw, RDFS.label, rdflib.Literal("Ministerie van Sociale Zaken en Werkgelegenheid", lang="nl")) in graph
    assert (EX.szw, RDF.type, EX.Organisation) in graph


# -- rdflib's SPARQLStore -----------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlstore_select(endpoint: str, method: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=endpoint, method=method))
    rows = graph.query("SELECT ?label WHERE { ex:uwv rdfs:label ?label }", initNs={"ex": EX, "rdfs": RDFS})
    assert {row.label for row in rows} == {rdflib.Literal("UWV", lang="nl"),
                                           rdflib.Literal("Employee Insurance Agency", lang="en")}


def test_sparqlstore_ask(endpoint: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=endpoint))
    assert graph.query("ASK { ?org <http://example.org/founded> 2002 }", initNs={}).askAnswer is True


def test_sparqlstore_triples(endpoint: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=endpoint))
    assert set(graph.objects(EX.ind, EX.accountableTo)) == {EX.jenv}


# -- negotiation over plain HTTP ----------------------------------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept, expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv; charset=utf-8", "text/csv"),
    ("text/*", "text/csv"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0.1, text/tab-separated-values;q=0.8", "text/tab-separated-values"),
    ("text/turtle, */*;q=0.1", "application/sparql-results+json"),
    # a browser's Accept (text/html first) gets the query editor with the answer: tests/test_editor.py
])
def test_select_by_accept(endpoint: str, accept: str | None, expected: str) -> None:
    response = get(endpoint, UWV_LABELS, accept)
    assert response.status_code == 200
    assert media_type(response) == expected
    assert lexical_column(response, "label") == {"UWV", "Employee Insurance Agency"}


@pytest.mark.parametrize("accept, expected", [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/n-quads", "application/n-quads"),
    ("application/trig", "application/trig"),
    ("application/rdf+xml;q=0.4, application/ld+json;q=0.6", "application/ld+json"),
    # a browser's Accept (text/html first) gets the query editor with the triples: tests/test_editor.py
])
def test_construct_by_accept(endpoint: str, accept: str | None, expected: str) -> None:
    response = get(endpoint, ACCOUNTABLE, accept)
    assert response.status_code == 200
    assert media_type(response) == expected
    assert parse_graph(response) == OVERSEES


@pytest.mark.parametrize("fmt, expected", [
    ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
])
def test_select_by_format_parameter_overrides_accept(endpoint: str, fmt: str, expected: str) -> None:
    response = get(endpoint, UWV_LABELS, "application/sparql-results+json;q=1, */*;q=0.1", format=fmt)
    assert media_type(response) == expected
    assert lexical_column(response, "label") == {"UWV", "Employee Insurance Agency"}


@pytest.mark.parametrize("fmt, expected", [
    ("turtle", "text/turtle"),
    ("ntriples", "application/n-triples"),
    ("jsonld", "application/ld+json"),
    ("rdfxml", "application/rdf+xml"),
    ("ttl", "text/turtle"),
    ("json", "application/ld+json"),  # what result-minded clients send for a graph
    ("xml", "application/rdf+xml"),  # SPARQLWrapper's format=xml for CONSTRUCT
])
def test_construct_by_format_parameter(endpoint: str, fmt: str, expected: str) -> None:
    response = get(endpoint, ACCOUNTABLE, "text/turtle", format=fmt)
    assert media_type(response) == expected
    assert parse_graph(response) == OVERSEES


def test_ask_as_xml(endpoint: str) -> None:
    response = get(endpoint, "ASK { ?s <http://example.org/founded> 1994 }", "application/sparql-results+xml")
    result = parse_results(response)
    assert isinstance(result, ox.QueryBoolean) and bool(result) is True


def test_csv_quotes_what_it_must(endpoint: str) -> None:
    query = ("SELECT ?org ?founded ?comment WHERE { ?org <http://example.org/founded> ?founded "
             "OPTIONAL { ?org <http://www.w3.org/2000/01/rdf-schema#comment> ?comment } } ORDER BY ?founded")
    response = get(endpoint, query, "text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert rows == [["org", "founded", "comment"], [str(EX.ind), "1994", ""], [str(EX.uwv), "2002", COMMENT]]


def test_tsv_keeps_terms_exact(endpoint: str) -> None:
    response = get(endpoint, UWV_LABELS + " ORDER BY ?label", format="tsv")
    assert response.content.decode("utf-8").splitlines()[0] == "?label"
    assert column(response, "label") == {ox.Literal("Employee Insurance Agency", language="en"), nl("UWV")}


def test_relative_iris_resolve_against_the_base(endpoint: str) -> None:
    response = get(endpoint, "SELECT ?g WHERE { BIND(<graph/test/ministries> AS ?g) }")
    assert column(response, "g") == {ox.NamedNode(MINISTRIES)}


def test_content_length_and_vary(endpoint: str) -> None:
    response = get(endpoint, UWV_LABELS, "application/sparql-results+json")
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")]


def test_head_sends_headers_and_leaves_no_spool_file(endpoint: str, data_dir: Path) -> None:
    response = requests.head(endpoint, params={"query": UWV_LABELS}, timeout=60)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) > 0
    assert response.content == b""
    # the spool file goes when the server closes the response, which may be just after we read it
    deadline = time.monotonic() + 10
    while list((data_dir / "spool").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list((data_dir / "spool").iterdir()) == []


# -- the dataset: default-graph-uri and named-graph-uri -----------------------------------------

ORGS = "SELECT ?org WHERE { ?org a <http://example.org/Organisation> }"


def test_default_graph_is_the_union_of_public_graphs(endpoint: str) -> None:
    assert column(get(endpoint, ORGS), "org") == {ox.NamedNode(EX[n]) for n in ("uwv", "ind", "szw", "jenv")}


def test_default_graph_uri_restricts_the_default_graph(endpoint: str) -> None:
    response = get(endpoint, ORGS, **{"default-graph-uri": MINISTRIES})
    assert column(response, "org") == {ox.NamedNode(EX.szw), ox.NamedNode(EX.jenv)}


def test_named_graph_uri_restricts_graph_patterns(endpoint: str) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = get(endpoint, query, **{"named-graph-uri": [ORGANISATIONS]})
    assert column(response, "g") == {ox.NamedNode(ORGANISATIONS)}


def test_dataset_parameters_work_with_direct_post(endpoint: str) -> None:
    response = requests.post(endpoint, params={"default-graph-uri": ORGANISATIONS}, data=ORGS.encode(),
                             headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert column(response, "org") == {ox.NamedNode(EX.uwv), ox.NamedNode(EX.ind)}


def test_from_restricts_the_default_graph(endpoint: str) -> None:
    query = f"SELECT ?org FROM <{MINISTRIES}> WHERE {{ ?org a <http://example.org/Organisation> }}"
    assert column(get(endpoint, query), "org") == {ox.NamedNode(EX.szw), ox.NamedNode(EX.jenv)}


# -- private graphs are invisible -----------------------------------------------------------------

EMAILS = "?s <http://example.org/email> ?email"
PRIVATE_QUERIES = {
    "default graph": (f"SELECT ?email WHERE {{ {EMAILS} }}", {}),
    "GRAPH ?g": (f"SELECT ?email WHERE {{ GRAPH ?g {{ {EMAILS} }} }}", {}),
    "GRAPH <private>": (f"SELECT ?email WHERE {{ GRAPH <{PRIVATE}> {{ {EMAILS} }} }}", {}),
    "FROM": (f"SELECT ?email FROM <{PRIVATE}> WHERE {{ {EMAILS} }}", {}),
    "FROM NAMED": (f"SELECT ?email FROM NAMED <{PRIVATE}> WHERE {{ GRAPH ?g {{ {EMAILS} }} }}", {}),
    "default-graph-uri": (f"SELECT ?email WHERE {{ {EMAILS} }}", {"default-graph-uri": PRIVATE}),
    "named-graph-uri": (f"SELECT ?email WHERE {{ GRAPH ?g {{ {EMAILS} }} }}", {"named-graph-uri": PRIVATE}),
    "both dataset parameters": (f"SELECT ?email WHERE {{ {{ {EMAILS} }} UNION {{ GRAPH ?g {{ {EMAILS} }} }} }}",
                                {"default-graph-uri": PRIVATE, "named-graph-uri": PRIVATE}),
}


@pytest.mark.parametrize("name", PRIVATE_QUERIES)
def test_private_graph_is_invisible(endpoint: str, name: str) -> None:
    query, params = PRIVATE_QUERIES[name]
    response = get(endpoint, query, **params)
    assert response.status_code == 200
    assert ox.Literal(PRIVATE_EMAIL) not in column(response, "email")


@pytest.mark.parametrize("name", ["default graph", "GRAPH ?g"])
def test_the_privacy_queries_do_find_public_data(endpoint: str, name: str) -> None:
    # the control for the test above: the same queries see the public address
    query, params = PRIVATE_QUERIES[name]
    assert ox.Literal(PUBLIC_EMAIL) in column(get(endpoint, query, **params), "email")


def test_private_graph_is_not_listed(endpoint: str) -> None:
    graphs = column(get(endpoint, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"), "g")
    assert ox.NamedNode(ORGANISATIONS) in graphs
    assert not any(g.value.startswith(BASE + "graph/private/") for g in graphs)


def test_describe_and_construct_leak_nothing_private(endpoint: str) -> None:
    described = parse_graph(get(endpoint, "DESCRIBE <http://example.org/alice> <http://example.org/uwv>"))
    everything = parse_graph(get(endpoint, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert described and everything  # uwv's public triples are there
    for graph in (described, everything):
        assert not {t for t in graph if t.subject == ox.NamedNode(EX.alice) or t.object == ox.NamedNode(EX.alice)}


def test_ask_about_private_data_is_false(endpoint: str) -> None:
    response = get(endpoint, f'ASK {{ GRAPH ?g {{ ?s ?p "{PRIVATE_EMAIL}" }} }}')
    assert bool(parse_results(response)) is False


# -- service description, editor, CORS ------------------------------------------------------------

def test_service_description_in_turtle(endpoint: str) -> None:
    response = get(endpoint, accept="*/*")
    assert media_type(response) == "text/turtle"
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    service = rdflib.URIRef(endpoint)
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert len(set(graph.objects(service, SD.resultFormat))) == 10


def test_service_description_lists_public_graphs_only(endpoint: str) -> None:
    graph = rdflib.Graph().parse(data=get(endpoint).text, format="turtle")
    names = set(graph.objects(None, SD.name))
    assert {rdflib.URIRef(ORGANISATIONS), rdflib.URIRef(MINISTRIES)} <= names
    assert rdflib.URIRef(PRIVATE) not in names


@pytest.mark.parametrize("accept, params, expected", [
    ("application/ld+json", {}, "application/ld+json"),
    ("application/n-triples", {}, "application/n-triples"),
    ("text/html;q=0.5, application/rdf+xml", {}, "application/rdf+xml"),
    ("text/html", {"format": "ntriples"}, "application/n-triples"),
])
def test_service_description_in_other_formats(endpoint: str, accept: str, params: dict[str, str],
                                              expected: str) -> None:
    response = get(endpoint, accept=accept, **params)
    assert media_type(response) == expected
    service = ox.NamedNode(endpoint)
    assert ox.Triple(service, ox.NamedNode(SD.endpoint), service) in parse_graph(response)


class _FormFinder(HTMLParser):
    """Collects the attributes of form controls and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("form", "textarea", "select", "label", "button", "html"):
            self.elements.append((tag, dict(attrs)))


def test_browsers_get_the_query_editor(endpoint: str) -> None:
    response = get(endpoint, accept=BROWSER)
    assert media_type(response) == "text/html"
    finder = _FormFinder()
    finder.feed(response.text)
    tags = dict(finder.elements)
    assert tags["html"]["lang"] == "nl"  # the site's default language, without Accept-Language
    english = _FormFinder()
    english.feed(requests.get(endpoint, headers={"Accept": BROWSER, "Accept-Language": "en"}, timeout=60).text)
    assert dict(english.elements)["html"]["lang"] == "en"
    assert tags["form"]["action"] == "/sparql" and tags["form"]["method"] == "get"
    assert tags["textarea"]["name"] == "query"
    assert tags["select"]["name"] == "format"
    labelled = {attrs["for"] for tag, attrs in finder.elements if tag == "label"}
    assert {tags["textarea"]["id"], tags["select"]["id"]} <= labelled


def test_cors_on_results_and_errors(endpoint: str) -> None:
    ok = requests.get(endpoint, params={"query": "ASK {}"}, headers={"Origin": "https://example.net"}, timeout=60)
    bad = requests.get(endpoint, params={"query": "ASK {"}, headers={"Origin": "https://example.net"}, timeout=60)
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    assert bad.status_code == 400 and bad.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight(endpoint: str) -> None:
    response = requests.options(endpoint, headers={
        "Origin": "https://example.net", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=60)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST"} <= methods
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


# -- bad input: a clear status and a JSON error, never a 500 ---------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}

BAD_INPUT = {
    # name: (method, url params, headers, body, status, error code)
    "syntax error": ("GET", {"query": "SELECT * WHERE { ?s ?p }"}, {}, None, 400, "syntax_error"),
    "SERVICE": ("GET", {"query": "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}, {}, None,
                400, "bad_request"),
    "text/plain body": ("POST", {}, {"Content-Type": "text/plain"}, b"ASK {}", 415, "unsupported_media_type"),
    "no Content-Type": ("POST", {}, {}, b"query=ASK%20%7B%7D", 415, "unsupported_media_type"),
    "multipart body": ("POST", {}, {"Content-Type": "multipart/form-data; boundary=x"}, b"--x--", 415,
                       "unsupported_media_type"),
    "no acceptable format": ("GET", {"query": "SELECT * {}"}, {"Accept": "text/turtle"}, None, 406, "not_acceptable"),
    "refused by q=0": ("GET", {"query": "ASK {}"}, {"Accept": "application/sparql-results+json;q=0"}, None, 406,
                       "not_acceptable"),
    "graph format for a SELECT": ("GET", {"query": "SELECT * {}", "format": "turtle"}, {}, None, 406,
                                  "not_acceptable"),
    "another charset": ("GET", {"query": "SELECT * {}"}, {"Accept": "text/csv; charset=iso-8859-1"}, None, 406,
                        "not_acceptable"),
    "unknown format": ("GET", {"query": "ASK {}", "format": "yaml"}, {}, None, 400, "bad_request"),
    "query and update": ("GET", {"query": "ASK {}", "update": "CLEAR ALL"}, {}, None, 400, "bad_request"),
    "two queries": ("GET", {"query": ["ASK {}", "SELECT * {}"]}, {}, None, 400, "bad_request"),
    "query in URL and form": ("POST", {"query": "ASK {}"}, FORM, b"query=ASK%20%7B%7D", 400, "bad_request"),
    "query in URL and body": ("POST", {"query": "ASK {}"}, DIRECT, b"ASK {}", 400, "bad_request"),
    "empty query": ("GET", {"query": " "}, {}, None, 400, "bad_request"),
    "form without query": ("POST", {}, FORM, b"format=json", 400, "bad_request"),
    "bad default-graph-uri": ("GET", {"query": "ASK {}", "default-graph-uri": "not an IRI"}, {}, None, 400,
                              "bad_request"),
    "non-UTF-8 query string": ("GET", "query=ASK%20%7B%FF%7D", {}, None, 400, "bad_request"),
    "non-UTF-8 form": ("POST", {}, FORM, b"query=ASK%20%7B%FF%7D", 400, "bad_request"),
    "UTF-16 body": ("POST", {}, {"Content-Type": "application/sparql-query; charset=UTF-16"},
                    "ASK {}".encode("utf-16"), 400, "bad_request"),
    "Latin-1 body": ("POST", {}, DIRECT, 'ASK { ?s ?p "café" }'.encode("latin-1"), 400, "bad_request"),
    "too large": ("POST", {}, DIRECT, b"#" * (MAX_UPLOAD + 1) + b"\nASK {}", 413, "payload_too_large"),
    "PUT": ("PUT", {"query": "ASK {}"}, {}, None, 405, "method_not_allowed"),
}


@pytest.mark.parametrize("name", BAD_INPUT)
def test_bad_input(endpoint: str, name: str) -> None:
    method, params, headers, body, status, code = BAD_INPUT[name]
    response = requests.request(method, endpoint, params=params, headers=headers, data=body, timeout=60)
    assert response.status_code == status, response.text
    assert media_type(response) == "application/json"
    error = response.json()
    assert error["error"] == code
    assert error["message"]


@pytest.mark.not_on_virtuoso("Virtuoso's syntax errors name the line but not the column")
def test_syntax_error_gives_the_position(endpoint: str) -> None:
    error = get(endpoint, "SELECT *\nWHERE { ?s ?p }").json()
    # pyoxigraph puts line:column in its message; the handler keeps it
    assert re.search(r"\b2:\d+\b", error["message"]), error["message"]


@pytest.mark.parametrize("name, method, params, headers, body", [
    ("GET ?update=", "GET", {"update": "CLEAR ALL"}, {}, None),
    ("form update=", "POST", {}, FORM, b"update=CLEAR%20ALL"),
    ("application/sparql-update", "POST", {}, {"Content-Type": "application/sparql-update"}, b"CLEAR ALL"),
    ("an update as a query", "POST", {}, DIRECT, b"PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }"),
    ("using-graph-uri", "POST", {"using-graph-uri": ORGANISATIONS}, FORM, b"update=CLEAR%20ALL"),
])
def test_updates_are_pointed_to_update(endpoint: str, name: str, method: str, params: dict[str, str],
                                       headers: dict[str, str], body: bytes | None) -> None:
    response = requests.request(method, endpoint, params=params, headers=headers, data=body, timeout=60)
    assert response.status_code == 400
    assert response.json()["endpoint"] == "/update"


@pytest.mark.parametrize("query", [
    "SELECT (1/0 AS ?x) {}",
    'SELECT (STRDT("x", <http://www.w3.org/2001/XMLSchema#integer>) + 1 AS ?x) {}',
    "SELECT * { BIND(<http://example.org/%ZZ> AS ?x) }",
    "ASK { FILTER(REGEX('a', '(')) }",
    "SELECT (<http://example.org/no-such-function>(1) AS ?x) {}",
    "SELECT * { ?s ?p ?o } LIMIT 0",
    "DESCRIBE ?x",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1",
    "SELECT * { ?s ?p ?o } ORDER BY RAND() LIMIT 1",
    "SELECT ?x { VALUES ?x { <relative> } }",
    "ASK {\u0000}",
    "SELECT * WHERE " + "{ " * 2000 + "}" * 2000,
    "PREFIX : <http://example.org/> SELECT * { :uwv :founded ?y FILTER(?y > \"abc\") }",
    "SELECT * { ?s ?p ?o } GROUP BY ?s",
    "SELECT ?s (SAMPLE(?o) AS ?x) { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(*) > 1)",
    "SELECT * {} OFFSET 99999999999",
])
def test_odd_queries_never_fail_the_server(endpoint: str, query: str) -> None:
    response = get(endpoint, query)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["error"] in ("syntax_error", "bad_request")


def test_a_large_result_streams_whole(endpoint: str) -> None:
    query = ("SELECT ?n WHERE { VALUES ?a { 0 1 2 3 4 5 6 7 8 9 } VALUES ?b { 0 1 2 3 4 5 6 7 8 9 } "
             "VALUES ?c { 0 1 2 3 4 5 6 7 8 9 } VALUES ?d { 0 1 2 3 4 5 6 7 8 9 } "
             "BIND(?a * 1000 + ?b * 100 + ?c * 10 + ?d AS ?n) }")
    response = requests.get(endpoint, params={"query": query, "format": "tsv"}, stream=True, timeout=60)
    lines = b"".join(response.iter_content(1 << 14)).decode("utf-8").splitlines()
    assert len(lines) == 1 + 10_000
    assert int(response.headers["Content-Length"]) > 10_000 * 2

