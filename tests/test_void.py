"""/.well-known/void describes the public dataset; /dump.nq is the public dump it links to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from .conftest import Server
from .fixtures_shared import shared_server

VOID = "http://rdfs.org/ns/void#"
BASE = "https://w3id.org/driehoek/"


@pytest.fixture(scope="module")
def server(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server on a copy of the bundled store for this module: its tests only read. Over real
    HTTP: the description names the endpoint and the dump by the server's own address, and the dump
    streams."""
    yield from shared_server(bundled_data_dir, tmp_path_factory, "void")


def test_void_describes_the_dataset_with_its_endpoint_and_dump(server: Server) -> None:
    response = requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"}, timeout=60)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    triples = {ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(response.content, format=ox.RdfFormat.TURTLE)}
    dataset = ox.NamedNode(BASE)
    assert ox.Triple(dataset, ox.NamedNode(VOID + "sparqlEndpoint"), ox.NamedNode(server.url + "/sparql")) in triples
    assert ox.Triple(dataset, ox.NamedNode(VOID + "dataDump"), ox.NamedNode(server.url + "/dump.nq")) in triples
    counts = [t.object.value for t in triples if t.predicate.value == VOID + "triples"]
    assert len(counts) == 1 and int(counts[0]) > 100_000


def test_void_in_json_ld_and_406_for_html_only(server: Server) -> None:
    response = requests.get(server.url + "/.well-known/void", headers={"Accept": "application/ld+json"}, timeout=60)
    assert response.status_code == 200
    assert len(list(ox.parse(response.content, format=ox.RdfFormat.JSON_LD))) > 5
    refused = requests.get(server.url + "/.well-known/void", headers={"Accept": "image/png"}, timeout=60)
    assert refused.status_code == 406


def test_public_dump_holds_public_graphs_only(server: Server, bundled_data_dir) -> None:  # type: ignore[no-untyped-def]
    response = requests.get(server.url + "/dump.nq", timeout=120)
    assert response.status_code == 200
    graphs = {q.graph_name.value for q in ox.parse(response.content, format=ox.RdfFormat.N_QUADS)
              if isinstance(q.graph_name, ox.NamedNode)}
    assert BASE + "graph/organisations/roo" in graphs
    assert not any(g.startswith(BASE + "graph/private/") for g in graphs)
