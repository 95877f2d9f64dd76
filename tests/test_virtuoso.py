"""The Virtuoso backend (`pytest --store=virtuoso`): the harness gives each data directory a live
Virtuoso Open Source 7 of its own, and driehoek's remote store tolerates what sets that engine apart
(docs/deploy.md, "Virtuoso Open Source 7"). These tests look at the server directly, behind
driehoek's back; on the other backends they are skipped."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from driehoek.config import Settings
from driehoek.service import Driehoek

from . import backend
from .conftest import DATA, Cli

pytestmark = pytest.mark.skipif(not backend.is_virtuoso(), reason="checks the virtuoso backend (--store=virtuoso)")

GRAPH = "https://w3id.org/driehoek/graph/plain"
RESULTS = "{http://www.w3.org/2005/sparql-results#}"


def _select(server: backend.VirtuosoServer, sparql: str) -> list[dict[str, str]]:
    """A SELECT straight to the server, as XML (Virtuoso's faithful results format)."""
    response = requests.post(server.query_url, data={"query": sparql}, timeout=60,
                             headers={"Accept": "application/sparql-results+xml"})
    assert response.status_code == 200, response.text
    return [{b.get("name"): "".join(b.itertext()).strip() for b in result.iter(RESULTS + "binding")}
            for result in ET.fromstring(response.content).iter(RESULTS + "result")]


def _graphs(server: backend.VirtuosoServer) -> set[str]:
    return {row["g"] for row in _select(server, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}


def test_a_data_dir_has_a_live_virtuoso_with_driehoeks_endpoints(settings: Settings) -> None:
    server = backend.server_for(settings.data_dir)
    assert isinstance(server, backend.VirtuosoServer) and server.running()
    assert settings.store == "sparql+" + server.query_url and server.query_url.endswith("/sparql")
    assert settings.store_update == server.query_url
    assert settings.store_graph_store == server.graph_store_url
    response = requests.get(server.query_url, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}, timeout=30)
    assert response.status_code == 200 and response.headers["Server"].startswith("Virtuoso/")
    # the database lives outside the data directory, which the tests inspect
    assert settings.data_dir.resolve() not in server.location.resolve().parents
    assert backend.env_for(settings.data_dir)["DRIEHOEK_STORE_GRAPH_STORE"] == server.graph_store_url


def test_a_released_server_is_emptied_down_to_virtuosos_own_graphs(store_backend: str, tmp_path: Path) -> None:
    settings = backend.settings_for(tmp_path / "a")
    server = backend.server_for(settings.data_dir)
    update = requests.post(server.query_url, timeout=30, data={
        "update": f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://example.org/s> <http://example.org/p> 1 }} }}"})
    assert update.status_code == 200, update.text
    assert GRAPH in _graphs(server)
    backend.release_under(tmp_path)
    if server.running():  # kept for the next data directory: emptied, Virtuoso's own graphs left
        assert _graphs(server) == set(backend.VIRTUOSO_SYSTEM_GRAPHS)
        backend.release(tmp_path / "b")  # nothing to release: no error
    else:
        assert not server.location.exists()


def test_virtuosos_own_graphs_are_never_driehoeks(cli: Cli, settings: Settings) -> None:
    """The server holds system graphs driehoek did not write: no listing, dump or DROP ALL reaches them."""
    server = backend.server_for(settings.data_dir)
    system = _graphs(server)
    assert "http://www.openlinksw.com/schemas/virtrdf#" in system  # the engine's own RDF metadata
    result = cli("load", DATA / "foundation" / "plain.ttl")
    assert result.exit_code == 0, result.output
    service = Driehoek(settings)
    try:
        names = set(service.store.named_graphs())
        assert GRAPH in names and not names & system
        dump = io.BytesIO()
        service.store.dump(dump)
        graphs = {q.graph_name.value for q in ox.parse(dump.getvalue(), format=ox.RdfFormat.N_QUADS)
                  if isinstance(q.graph_name, ox.NamedNode)}
        assert GRAPH in graphs and not graphs & system
        assert not service.store.is_empty()
    finally:
        service.close()
    assert system <= _graphs(server)  # still there, untouched


def test_an_ask_comes_back_as_a_boolean(settings: Settings) -> None:
    # Virtuoso 7 answers ASK with a one-column table (__ASK_RETVAL); driehoek reads it as the boolean
    service = Driehoek(settings)
    try:
        store = service.store.public_view() if hasattr(service.store, "public_view") else service.store
        assert bool(store.query("ASK { FILTER (1 = 1) }")) is True
        assert bool(store.query("ASK { <http://example.org/nothing> ?p ?o }")) is False
    finally:
        service.close()
