"""driehoek on a real Oxigraph server (issue 10): what only the remote backend has to prove.

The rest of the suite runs on this backend too (`pytest --store=oxigraph`); these tests start their
own Oxigraph server and look behind driehoek's back, at what the server itself holds: private graphs
kept out of every public dataset, blank nodes stored skolemised, and several stateless app servers
sharing one store.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from driehoek.config import Settings
from driehoek.errors import StoreError
from driehoek.service import Driehoek

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
BASE = "https://w3id.org/driehoek/"
GRAPHS = BASE + "graph/"
PRIVATE = GRAPHS + "private/members"
SECRET = "geheim41ac"

pytestmark = pytest.mark.skipif(not OXIGRAPH.exists(), reason="the oxigraph server binary (PyPI oxigraph) is missing")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer at {url}")


class Oxigraph:
    """A real `oxigraph serve` on a free loopback port."""

    def __init__(self, location: Path) -> None:
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(location), "--bind",
                                         f"127.0.0.1:{self.port}", "--timeout-s", "10"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(self.url + "/query?query=ASK%7B%7D", self.process, "oxigraph")
        self.store = f"sparql+{self.url}/query"

    def query(self, sparql: str) -> requests.Response:
        """Straight to the server: what it holds, whatever driehoek shows."""
        return requests.post(self.url + "/query", data={"query": sparql}, timeout=30,
                             headers={"Accept": "application/sparql-results+json"})

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


class App:
    """A real `driehoek serve` on the remote store, with a data dir of its own (tokens, spool)."""

    def __init__(self, data_dir: Path, store: str) -> None:
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DRIEHOEK_DATA_DIR": str(data_dir), "DRIEHOEK_STORE": store,
               "DRIEHOEK_QUERY_TIMEOUT": "3"}
        self.log = open(data_dir.parent / f"app-{self.port}.log", "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "driehoek.cli", "serve", "--port", str(self.port)],
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        _wait(self.url + "/health", self.process, "driehoek serve")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


def _cli(data_dir: Path, store: str, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DRIEHOEK_DATA_DIR": str(data_dir), "DRIEHOEK_STORE": store}
    return subprocess.run([sys.executable, "-m", "driehoek.cli", *args], env=env, input=stdin,
                          capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Oxigraph, list[App], str]]:
    """One Oxigraph server, a small public graph and a private one, and two app servers on it."""
    root = tmp_path_factory.mktemp("remote")
    server = Oxigraph(root / "oxigraph")
    first, second = root / "a" / "var", root / "b" / "var"
    first.mkdir(parents=True)
    data = root / "public.ttl"
    data.write_text('<https://example.org/s> <https://example.org/p> "publiek" ; '
                    '<https://example.org/q> [ <https://example.org/r> "blank" ] .\n')
    assert _cli(first, server.store, "load", "--graph", GRAPHS + "remote/public", str(data)).returncode == 0
    token = _cli(first, server.store, "token", "add", "steward").stdout.decode().strip()
    second.mkdir(parents=True)
    shutil.copy(first / "tokens.json", second / "tokens.json")  # the stewards' tokens, shared
    apps = [App(first, server.store), App(second, server.store)]
    secret = f'<https://example.org/member> <https://example.org/email> "{SECRET}@example.org" .\n'
    put = requests.put(apps[0].url + "/graph-store", params={"graph": PRIVATE}, data=secret, timeout=60,
                       headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {token}"})
    assert put.status_code == 201, put.text
    yield server, apps, token
    for app in apps:
        app.stop()
    server.stop()


def _select(app: App, query: str, **params: str) -> str:
    response = requests.get(app.url + "/sparql", params={"query": query, **params}, timeout=60,
                            headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    return response.text


def test_the_private_graph_is_on_the_server_and_in_no_public_dataset(remote: tuple[Oxigraph, list[App], str]) -> None:
    server, apps, _token = remote
    assert SECRET in server.query(f"SELECT * WHERE {{ GRAPH <{PRIVATE}> {{ ?s ?p ?o }} }}").text  # it is there
    for app in apps:
        for query, params in [
            ("SELECT * WHERE { ?s ?p ?o }", {}),
            ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {}),
            (f"SELECT * FROM <{PRIVATE}> WHERE {{ ?s ?p ?o }}", {}),
            (f"SELECT * FROM NAMED <{PRIVATE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
            (f"PREFIX p: <{GRAPHS}private/> SELECT * FROM p:members WHERE {{ ?s ?p ?o }}", {}),
            ("SELECT * FROM <private/members> WHERE { ?s ?p ?o }", {}),  # relative: resolved against the base
            ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": PRIVATE}),
            ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": PRIVATE}),
            ("SELECT ?g WHERE { GRAPH ?g { } }", {}),
        ]:
            text = _select(app, query, **params)
            assert SECRET not in text and "private/" not in text, (query, params, text)
    # its record lives in the private metadata graph: the public one does not name it
    public_meta = server.query(f"SELECT * WHERE {{ GRAPH <{GRAPHS}meta> {{ ?s ?p ?o }} }}").text
    assert "private/members" not in public_meta
    assert "private/members" in server.query(f"SELECT * WHERE {{ GRAPH <{GRAPHS}private/meta> {{ ?s ?p ?o }} }}").text


def test_a_steward_reads_the_private_graph_and_nobody_else(remote: tuple[Oxigraph, list[App], str]) -> None:
    _server, apps, token = remote
    anonymous = requests.get(apps[1].url + "/graph-store", params={"graph": PRIVATE}, timeout=30)
    assert anonymous.status_code == 401
    steward = requests.get(apps[1].url + "/graph-store", params={"graph": PRIVATE}, timeout=30,
                           headers={"Authorization": f"Bearer {token}", "Accept": "application/n-triples"})
    assert steward.status_code == 200 and SECRET in steward.text


def test_blank_nodes_are_skolemised_on_the_server_and_blank_in_driehoek(remote: tuple[Oxigraph, list[App], str]) -> None:
    server, apps, _token = remote
    stored = server.query(f"SELECT ?o WHERE {{ GRAPH <{GRAPHS}remote/public> {{ ?s <https://example.org/q> ?o }} }}")
    assert f'"value":"{BASE}.well-known/genid/' in stored.text.replace(" ", "")
    read = requests.get(apps[0].url + "/graph-store", params={"graph": GRAPHS + "remote/public"}, timeout=30,
                        headers={"Accept": "application/n-triples"})
    graph = list(ox.parse(read.content, format=ox.RdfFormat.N_TRIPLES))
    blank = [q.object for q in graph if q.predicate.value == "https://example.org/q"]
    assert len(blank) == 1 and isinstance(blank[0], ox.BlankNode)
    assert any(q.subject == blank[0] and q.object.value == "blank" for q in graph)  # the same node, both ways
    assert ".well-known/genid" not in _select(apps[0], "SELECT ?o WHERE { ?s <https://example.org/q> ?o }")


def test_two_stateless_app_servers_share_one_store(remote: tuple[Oxigraph, list[App], str]) -> None:
    _server, (first, second), token = remote
    graph = GRAPHS + "remote/shared"
    put = requests.put(first.url + "/graph-store", params={"graph": graph}, timeout=60,
                       data='<https://example.org/x> <https://example.org/y> "written through the first" .',
                       headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"})
    assert put.status_code == 201, put.text
    assert "written through the first" in _select(second, f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    read = requests.get(second.url + "/graph-store", params={"graph": graph}, timeout=30)
    assert read.headers["ETag"].strip('"') == put.json()["etag"]
    # pages: the same ETag from either server, and a 304 from one for the other's copy
    page = requests.get(first.url + "/cases", timeout=60, headers={"Accept": "text/html"})
    again = requests.get(second.url + "/cases", timeout=60,
                         headers={"Accept": "text/html", "If-None-Match": page.headers["ETag"]})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "public, no-cache"
    assert again.status_code == 304
    # a write through the second makes the first's copy stale
    delete = requests.delete(second.url + "/graph-store", params={"graph": graph}, timeout=60,
                             headers={"Authorization": f"Bearer {token}"})
    assert delete.status_code == 204
    stale = requests.get(first.url + "/cases", timeout=60,
                         headers={"Accept": "text/html", "If-None-Match": page.headers["ETag"]})
    assert stale.status_code == 200
    assert requests.get(first.url + "/graph-store", params={"graph": graph}, timeout=30).status_code == 404


def test_a_rejected_write_leaves_the_server_as_it_was(remote: tuple[Oxigraph, list[App], str]) -> None:
    server, (first, _second), token = remote
    everything = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?s ?p ?o"
    before = server.query(everything).text
    bad_case = (Path(__file__).parent / "data" / "shapes" / "case-bad.ttl").read_bytes()  # 422
    for response in (
        requests.put(first.url + "/graph-store", params={"graph": GRAPHS + "cases/remote-bad"}, data=bad_case,
                     timeout=60, headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}),
        requests.put(first.url + "/graph-store", params={"graph": GRAPHS + "remote/x"}, data="<a> <b> ",
                     timeout=60, headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}),
        requests.post(first.url + "/update", data=f"INSERT DATA {{ GRAPH <{GRAPHS}meta> {{ <a:b> <a:c> 1 }} }}",
                      timeout=60, headers={"Content-Type": "application/sparql-update",
                                           "Authorization": f"Bearer {token}"}),
    ):
        assert 400 <= response.status_code < 500, response.text
    assert server.query(everything).text == before


def test_an_update_is_tried_on_a_copy_and_lands_whole(remote: tuple[Oxigraph, list[App], str]) -> None:
    server, (first, _second), token = remote
    update = (f"PREFIX g: <{GRAPHS}remote/> INSERT {{ GRAPH g:copied {{ ?s ?p ?o }} }} "
              f"WHERE {{ GRAPH g:public {{ ?s ?p ?o }} }}")
    response = requests.post(first.url + "/update", data=update, timeout=60,
                             headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    copied = server.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPHS}remote/copied> {{ ?s ?p ?o }} }}")
    assert copied.json()["results"]["bindings"][0]["n"]["value"] == "3"
    staging = server.query(f'SELECT ?g WHERE {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), "{GRAPHS}staging/")) }}')
    assert staging.json()["results"]["bindings"] == []


def test_a_runaway_query_gets_a_503_and_the_app_goes_on(remote: tuple[Oxigraph, list[App], str]) -> None:
    _server, (first, _second), _token = remote
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    response = requests.get(first.url + "/sparql", params={"query": runaway}, timeout=60)
    assert response.status_code == 503 and response.json()["error"] == "query_timeout", response.text
    assert requests.get(first.url + "/health", timeout=30).json()["status"] == "ok"


@pytest.mark.parametrize("value", ["http://127.0.0.1:1/query", "sparql+ftp://x/query", "sparql+http:///query"])
def test_a_malformed_store_setting_is_named(tmp_path: Path, value: str) -> None:
    with pytest.raises(StoreError, match="DRIEHOEK_STORE"):
        Driehoek(Settings(data_dir=tmp_path, store=value))


def test_an_unreachable_store_is_a_clear_503(tmp_path: Path) -> None:
    from driehoek.app import create_app

    service = Driehoek(Settings(data_dir=tmp_path, store=f"sparql+http://127.0.0.1:{_port()}/query"))
    client = create_app(service.settings, service).test_client()
    for path in ("/sparql?query=ASK%7B%7D", "/cases", "/health"):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 503, (path, response.status_code)
        assert "cannot be reached" in response.get_json()["message"]
    result = _cli(tmp_path, service.settings.store, "query", "ASK {}")
    assert result.returncode != 0 and b"cannot be reached" in result.stderr and b"Traceback" not in result.stderr
