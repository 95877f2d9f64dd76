"""One test per bug the hardening work found and fixed, so that each stays fixed (docs/reliability.md
lists them). The hostile-input guards have their own tests in test_limits.py, the leak of a withdrawn
private graph's name in test_leaks.py, disk full in test_faults.py, the CLI's graph names in
test_traversal.py."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from driehoek import validation
from .. import backend
from driehoek.service import Driehoek

from ..stewards import Steward, make_data_dir, plain_turtle, running, triples
from .conftest import BASE, GRAPHS, HANG_SECONDS, InProcess

TIMEOUT = 3


@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("regressions") / "var"
    token = make_data_dir(data_dir)
    big = data_dir.parent / "big.nt"  # enough triples for a cross product to outlast the time limit
    big.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(3000)))
    from ..conftest import Cli

    assert Cli(data_dir)("load", "--trusted", "--graph", GRAPHS + "big", big).exit_code == 0
    with running(data_dir, {"DRIEHOEK_QUERY_TIMEOUT": str(TIMEOUT)}) as server:
        yield Steward(server, token)


# -- SPARQL Update: which graphs an update changes ---------------------------------------------

@pytest.mark.parametrize("update, targets", [
    # rdflib's CompValue.get(key) returns the key itself when absent: this was {"withClause"}, a 500
    ("INSERT { <http://e/s> <http://e/p> 1 } WHERE {}", {""}),
    ("DELETE { ?s ?p ?o } INSERT { <http://e/s> <http://e/p> 1 } WHERE { ?s ?p ?o }", {""}),
    ("WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", {"http://e/g"}),
    # relative graph IRIs: the store resolves them against the base, so must the gate
    ("INSERT DATA { GRAPH <graph/rel> { <http://e/s> <http://e/p> 1 } }", {BASE + "graph/rel"}),
    ("BASE <http://x/> INSERT DATA { GRAPH <g> { <http://e/s> <http://e/p> 1 } }", {"http://x/g"}),
    # an empty update is valid SPARQL (rdflib returns a list, not an Update)
    ("", set()), ("# nothing", set()), ("PREFIX e: <http://e/>", set()),
])
def test_update_targets(update: str, targets: set[str]) -> None:
    assert validation.update_targets(update, BASE) == targets


@pytest.mark.parametrize("update, graph, expected", [
    ('INSERT { <http://example.org/s> <http://example.org/p> "default" } WHERE {}', None,
     '<http://example.org/s> <http://example.org/p> "default" .\n'),
    ('INSERT DATA { GRAPH <graph/regressions/rel> { <http://example.org/s> <http://example.org/p> "rel" } }',
     GRAPHS + "regressions/rel", '<http://example.org/s> <http://example.org/p> "rel" .\n'),
])
def test_updates_that_were_500s_land(steward: Steward, update: str, graph: str | None, expected: str) -> None:
    response = steward.update(update)
    assert response.status_code == 200, response.text
    params = {"graph": graph} if graph else {"default": ""}
    read = requests.get(steward.url + "/graph-store", params=params, headers={"Accept": "application/n-triples"},
                        timeout=60)
    assert triples(expected.encode()) <= triples(read.content)


@pytest.mark.parametrize("update", ["", "# a comment only", "PREFIX e: <http://example.org/>"])
def test_an_empty_update_is_not_a_500(steward: Steward, update: str) -> None:
    assert steward.update(update).status_code == 200


def test_a_runaway_update_is_stopped_and_frees_the_writer(steward: Steward) -> None:
    """An update's WHERE clause used to run in the writer itself, unbounded, holding the writer
    lock: now it is tried in a child process under DRIEHOEK_QUERY_TIMEOUT."""
    runaway = (f"INSERT {{ GRAPH <{GRAPHS}regressions/x> {{ <http://example.org/a> <http://example.org/n> ?n }} }} "
               "WHERE { { SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?p ?b } GRAPH ?h { ?c ?q ?d } "
               "GRAPH ?i { ?e ?r ?f } } } }")  # (an update's WHERE reads the default graph unless told)
    results: dict[str, requests.Response] = {}
    thread = threading.Thread(target=lambda: results.setdefault("update", steward.update(runaway)))
    thread.start()
    time.sleep(0.5)
    put = steward.put(GRAPHS + "regressions/after-runaway", plain_turtle("waited"))  # waits for the lock
    thread.join(HANG_SECONDS)
    response = results["update"]
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "query_timeout" and "Retry-After" in response.headers
    assert put.status_code == 201, put.text
    assert steward.get(GRAPHS + "regressions/x").status_code == 404


# -- Graph Store: JSON-LD bodies ----------------------------------------------------------------

def test_jsonld_can_be_put_and_posted_to_a_graph(steward: Steward) -> None:
    """JSON-LD counted as a dataset format (pyoxigraph's supports_datasets), so PUT ?graph= was 415."""
    document = {"@context": {"ex": "http://example.org/"}, "@id": "ex:s", "ex:p": "json-ld"}
    graph = GRAPHS + "regressions/jsonld"
    assert steward.put(graph, json.dumps(document), "application/ld+json").status_code == 201
    assert steward.post(graph, json.dumps({**document, "ex:p": "more"}), "application/ld+json").status_code == 204
    assert triples(steward.get(graph).content) == triples(
        b'<http://example.org/s> <http://example.org/p> "json-ld" .\n<http://example.org/s> <http://example.org/p> "more" .\n')
    created = steward.post(None, json.dumps(document), "application/ld+json")
    assert created.status_code == 201 and created.headers["Location"].startswith(GRAPHS)
    # quads for another graph in a one-graph request are refused, not written somewhere
    named = {"@context": {"ex": "http://example.org/"}, "@id": "ex:g", "@graph": [{"@id": "ex:s", "ex:p": "x"}]}
    assert steward.put(graph, json.dumps(named), "application/ld+json").status_code == 400
    multipart = requests.post(steward.url + "/graph-store", params={"graph": graph}, headers=steward.auth, timeout=60,
                              files={"a": ("a.jsonld", json.dumps(document).encode(), "application/ld+json")})
    assert multipart.status_code == 204, multipart.text


# -- query workers: heavy queries yield the CPU ---------------------------------------------------

@pytest.mark.embedded_only("query worker processes run the embedded store's queries")
def test_a_heavy_query_runs_at_the_lowest_priority_and_its_worker_is_retired(steward: Steward) -> None:
    server = psutil.Process(steward.server.process.pid)

    def workers() -> list[psutil.Process]:
        found = []
        for process in server.children():
            try:
                command = " ".join(process.cmdline())
                if "spawn_main" in command and process.status() != psutil.STATUS_ZOMBIE:
                    found.append(process)
            except psutil.Error:  # a retired worker on its way out
                continue
        return found

    def nice(process: psutil.Process) -> int | None:
        try:
            return process.nice()
        except psutil.Error:
            return None

    before = {p.pid for p in workers()}
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
    results: dict[str, requests.Response] = {}
    thread = threading.Thread(target=lambda: results.setdefault("q", requests.get(
        steward.url + "/sparql", params={"query": query}, timeout=HANG_SECONDS)))
    thread.start()
    time.sleep(1.8)  # past the 1 s after which a query counts as heavy
    niced = [nice(p) for p in workers() if p.pid in before]
    light = requests.get(steward.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=HANG_SECONDS,
                         headers={"Accept": "application/sparql-results+json"})
    thread.join(HANG_SECONDS)
    assert 19 in niced, niced
    assert light.json()["boolean"] is True  # the other worker answered meanwhile
    assert results["q"].status_code == 503
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (len(workers()) != 2 or any(nice(p) != 0 for p in workers())):
        time.sleep(0.2)
    assert len(workers()) == 2 and all(nice(p) == 0 for p in workers()), [(p.pid, nice(p)) for p in workers()]


# -- restarts ----------------------------------------------------------------------------------

@pytest.mark.embedded_only("a trial checkpoint is a RocksDB checkpoint of the embedded store")
def test_a_trial_checkpoint_left_by_a_kill_is_removed_on_open(tmp_path: Path, store_backend: str) -> None:
    data_dir = tmp_path / "var"
    make_data_dir(data_dir)
    leftover = data_dir / "trial" / "0123abcd"
    leftover.mkdir(parents=True)
    (leftover / "CURRENT").write_text("MANIFEST-000001\n")
    service = Driehoek(backend.settings_for(data_dir))
    try:
        service.store  # noqa: B018  (opening the store is the point)
        assert not (data_dir / "trial").exists()
    finally:
        service.close()


def test_a_refused_write_in_process_leaves_the_store_as_it_was(inproc: InProcess) -> None:
    """The property the fuzz tests check on every refused write, once by hand for each kind."""
    before, snapshot = inproc.dump(), inproc.snapshot_name()
    for method, path, params, content_type, body in (
        ("PUT", "/graph-store", {"graph": GRAPHS + "meta"}, "text/turtle", b"<http://e/a> <http://e/b> 1 ."),
        ("PUT", "/graph-store", {"graph": GRAPHS + "x"}, "text/turtle", b"<http://e/a> <http://e/b> "),
        ("PUT", "/graph-store", {}, "application/trig", b"<" + GRAPHS.encode() + b"ok> { <http://e/a> <http://e/b> 1 } "
                                                      b"<" + GRAPHS.encode() + b"meta> { <http://e/a> <http://e/b> 1 }"),
        ("POST", "/update", {}, "application/sparql-update",
         f"INSERT DATA {{ GRAPH <{GRAPHS}ok2> {{ <http://e/a> <http://e/b> 1 }} }} ; CLEAR GRAPH <{GRAPHS}meta>".encode()),
        ("POST", "/withdraw", {}, "application/x-www-form-urlencoded", b"graph=" + GRAPHS.encode() + b"nothing&reason=x"),
    ):
        response = inproc.request(method, path, query_string=params, data=body,
                                  headers={**inproc.auth, "Content-Type": content_type})
        assert 400 <= response.status_code < 500, (method, path, response.get_data(as_text=True))
        assert inproc.dump() == before and inproc.snapshot_name() == snapshot, (method, path)
