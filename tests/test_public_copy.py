"""The readers' copy of a remote store (DRIEHOEK_PUBLIC_STORE, replica.py; issue 17): on the oxigraph
backend every data directory has two real Oxigraph servers, the store's and, with
`--union-default-graph`, the readers' copy (tests/backend.py, OxigraphPair).

What must hold: no private, staged or withdrawn byte is ever on the copy's server, asked of that
server itself; after each write the copy holds what the embedded store's snapshot would (the public,
not withdrawn graphs, the public metadata with the subjects of withdrawn graphs); readers' queries
reach it without a protocol dataset and get the same rows as over the store's graphs listed; a copy
that fell behind (a kill between a write and its copy) is levelled when driehoek next starts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import requests

from driehoek.config import Settings
from driehoek.remote import RemoteStore

from . import backend
from .stewards import GRAPHS, Steward, make_data_dir, running

pytestmark = pytest.mark.skipif(backend.name() != backend.OXIGRAPH,
                                reason="the oxigraph backend runs each store with a readers' copy")

CANARY = "kopie7c3e"  # in every private literal here
PUBLIC = GRAPHS + "copy/public"
PRIVATE = GRAPHS + "private/copy-canary"
WITHDRAWN = GRAPHS + "copy/withdrawn"
DH = "https://w3id.org/driehoek/def#"


def _ask(url: str, sparql: str) -> bool:
    response = requests.post(url, data={"query": sparql}, headers={"Accept": "application/sparql-results+json"},
                             timeout=120)
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def _rows(url: str, sparql: str) -> list[dict]:
    response = requests.post(url, data={"query": sparql}, headers={"Accept": "application/sparql-results+json"},
                             timeout=120)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]  # type: ignore[no-any-return]


def _holds(url: str, needle: str) -> bool:
    """Whether any graph (or the default graph) of the server at `url` has `needle` in a term."""
    test = f'CONTAINS(STR(?s), "{needle}") || CONTAINS(STR(?o), "{needle}") || CONTAINS(STR(?g), "{needle}")'
    return _ask(url, f"ASK {{ {{ GRAPH ?g {{ ?s ?p ?o }} }} UNION {{ ?s ?p ?o BIND(<urn:x> AS ?g) }} FILTER({test}) }}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Steward, backend.OxigraphPair]]:
    """A server with one steward: a public graph, a private canary graph, a withdrawn graph."""
    data_dir = tmp_path_factory.mktemp("copy") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        steward = Steward(server, token)
        assert steward.put(PUBLIC, '<http://example.org/kept> <http://example.org/p> "openbaar" .').status_code == 201
        assert steward.put(PRIVATE, f'<http://example.org/member> <http://example.org/name> "{CANARY} Jansen" .'
                           ).status_code == 201
        assert steward.put(WITHDRAWN, '<http://example.org/gone> <http://example.org/p> "ingetrokken" .').status_code == 201
        withdrawn = requests.post(server.url + "/withdraw", data={"graph": WITHDRAWN, "reason": "test"},
                                  headers=steward.auth, timeout=60)
        assert withdrawn.status_code == 200, withdrawn.text
        pair = backend.server_for(data_dir)
        assert isinstance(pair, backend.OxigraphPair)
        yield steward, pair


def test_the_copy_never_holds_a_private_staged_or_withdrawn_byte(site: tuple[Steward, backend.OxigraphPair]) -> None:
    _steward, pair = site
    store, copy = pair.store.query_url, pair.public.query_url
    assert _holds(store, CANARY), "the store's own server holds the private graph"
    assert _holds(store, "ingetrokken"), "and the withdrawn graph's content"
    assert not _holds(copy, CANARY)
    assert not _holds(copy, "/private/") and not _holds(copy, "/staging/")
    assert not _holds(copy, "ingetrokken")
    assert _holds(copy, "openbaar")


def test_the_copy_keeps_what_a_withdrawn_graph_held_for_the_410(site: tuple[Steward, backend.OxigraphPair]) -> None:
    steward, pair = site
    assert _ask(pair.public.query_url, f"ASK {{ GRAPH ?m {{ <{WITHDRAWN}> <{DH}heldSubject> <http://example.org/gone> }} }}")
    assert steward.get(WITHDRAWN).status_code == 410


def test_readers_queries_need_no_dataset_and_get_the_same_rows(site: tuple[Steward, backend.OxigraphPair]) -> None:
    """The copy's union default graph answers as the store's public graphs listed one by one would."""
    steward, pair = site
    graphs = [row["g"]["value"] for row in _rows(pair.public.query_url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")]
    assert PUBLIC in graphs and PRIVATE not in graphs and WITHDRAWN not in graphs
    # the metadata aside: the copy's also says what withdrawn graphs held (dh:heldSubject), as a snapshot's does
    meta = GRAPHS + "meta"
    query = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o MINUS {{ GRAPH <{meta}> {{ ?s ?p ?o }} }} }} ORDER BY ?s ?p ?o"
    listed = requests.post(pair.store.query_url, data=[("query", query), *(("default-graph-uri", g) for g in graphs),
                                                       ("named-graph-uri", meta)],
                           headers={"Accept": "application/sparql-results+json"}, timeout=120)
    assert listed.status_code == 200
    assert _rows(pair.public.query_url, query) == listed.json()["results"]["bindings"]
    via_driehoek = requests.get(steward.url + "/sparql", params={"query": query}, timeout=120,
                                headers={"Accept": "application/sparql-results+json"})
    assert via_driehoek.status_code == 200
    assert via_driehoek.json()["results"]["bindings"] == listed.json()["results"]["bindings"]


def test_a_copy_left_behind_is_levelled_on_the_next_start(store_backend: str, tmp_path: pytest.TempPathFactory) -> None:
    data_dir = tmp_path / "var"  # type: ignore[operator]
    make_data_dir(data_dir)
    settings = backend.settings_for(data_dir)
    pair = backend.server_for(data_dir)
    copy = pair.public.query_url
    update = pair.public.query_url.replace("/query", "/update")
    seed = [row["g"]["value"] for row in _rows(copy, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")]
    assert seed, "the seed graph was copied"
    # as a kill between a write and its copy would leave it: a graph missing, a stray one present
    for sparql in (f"DROP GRAPH <{seed[0]}>",
                   f'INSERT DATA {{ GRAPH <{GRAPHS}stray> {{ <http://example.org/s> <http://example.org/p> "{CANARY}" }} }}'):
        assert requests.post(update, data={"update": sparql}, timeout=60).status_code in (200, 204)
    assert _holds(copy, CANARY)
    store = RemoteStore(Settings(**{**settings.__dict__}))
    try:
        assert not _holds(copy, CANARY)
        assert [row["g"]["value"] for row in _rows(copy, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")] == seed
        assert store.public_view().native, "an Oxigraph started with --union-default-graph is queried as one"
    finally:
        store.close()


def test_a_copy_without_a_union_default_graph_is_read_through_its_graphs(store_backend: str, tmp_path) -> None:
    """An engine whose default graph is not the union (a plain `oxigraph serve`) still answers right."""
    data_dir = tmp_path / "var"
    make_data_dir(data_dir)
    settings = backend.settings_for(data_dir)
    plain = backend.OxigraphServer(tmp_path / "plain")
    plain.start()
    try:
        store = RemoteStore(Settings(**{**settings.__dict__, "public_store": "sparql+" + plain.query_url}))
        try:
            view = store.public_view()
            assert not view.native
            rows = list(view.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
            assert int(rows[0]["n"].value) > 0
        finally:
            store.close()
    finally:
        plain.stop()


def test_a_malformed_public_store_setting_is_a_clear_error(store_backend: str, tmp_path) -> None:
    settings = backend.settings_for(tmp_path / "var")
    with pytest.raises(Exception, match="DRIEHOEK_PUBLIC_STORE='http://nowhere'"):
        RemoteStore(Settings(**{**settings.__dict__, "public_store": "http://nowhere"}))


def test_quads_terms_survive_the_copy(site: tuple[Steward, backend.OxigraphPair]) -> None:
    """Blank nodes, language tags and datatypes arrive on the copy as written (skolemised as stored)."""
    steward, pair = site
    graph = GRAPHS + "copy/terms"
    body = ('<http://example.org/t> <http://example.org/p> _:b1 . _:b1 <http://example.org/q> "taal"@nl . '
            '<http://example.org/t> <http://example.org/n> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    assert steward.put(graph, body).status_code == 201
    got = steward.get(graph)
    assert got.status_code == 200
    parsed = list(ox.parse(got.content, format=ox.RdfFormat.N_TRIPLES))
    assert any(isinstance(t.object, ox.BlankNode) for t in parsed)
    assert any(isinstance(t.object, ox.Literal) and t.object.language == "nl" for t in parsed)
    assert _ask(pair.public.query_url, 'ASK { ?s <http://example.org/q> "taal"@nl }')
