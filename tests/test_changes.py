"""/changes (Activity Streams 2.0) and withdrawal, over real HTTP; the feed's paging as a function."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from driehoek import formats
from driehoek.changes import ChangeFeed
from driehoek.service import Driehoek, Source
from driehoek.store import SnapshotReader
from driehoek.workers import QueryJob, _run_job

from . import backend
from .conftest import Server
from .stewards import BASE, GRAPHS, TOKEN_NAME, Steward, case_turtle, make_data_dir, plain_turtle, running

AS = "https://www.w3.org/ns/activitystreams"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("changes") / "var"


@pytest.fixture(scope="module")
def steward(data_dir: Path) -> Iterator[Steward]:
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        yield Steward(server, token)


def _newest(steward: Steward) -> dict:
    return steward.changes()["orderedItems"][0]


def test_a_put_shows_at_once_with_its_graph(steward: Steward) -> None:
    graph = GRAPHS + "changes/one"
    assert steward.put(graph, plain_turtle("1")).status_code == 201
    created = _newest(steward)
    assert (created["type"], created["object"]) == ("Create", graph)
    assert created["published"].endswith("Z")

    assert steward.put(graph, plain_turtle("2")).status_code == 204
    updated = _newest(steward)
    assert (updated["type"], updated["object"]) == ("Update", graph)
    assert updated["published"] >= created["published"] and updated["id"] != created["id"]

    assert steward.post(graph, plain_turtle("3")).status_code == 204
    assert (_newest(steward)["type"], _newest(steward)["object"]) == ("Update", graph)

    assert steward.delete(graph).status_code == 204
    assert (_newest(steward)["type"], _newest(steward)["object"]) == ("Delete", graph)

    assert steward.put(graph, plain_turtle("4")).status_code == 201
    assert _newest(steward)["type"] == "Create"  # after a delete, the graph is new again


def test_an_update_shows_for_each_graph_it_changed(steward: Steward) -> None:
    a, b = GRAPHS + "changes/update-a", GRAPHS + "changes/update-b"
    response = steward.update(f"INSERT DATA {{ GRAPH <{a}> {{ {plain_turtle('a')} }} GRAPH <{b}> {{ {plain_turtle('b')} }} }}")
    assert response.status_code == 200, response.text
    newest = steward.changes()["orderedItems"][:2]
    assert {(i["type"], i["object"]) for i in newest} == {("Create", a), ("Create", b)}
    assert len({i["id"] for i in newest}) == 2


def test_the_collection_and_its_pages(steward: Steward) -> None:
    response = requests.get(steward.url + "/changes", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/activity+json"
    collection = response.json()
    assert AS in collection["@context"]
    assert collection["type"] == "OrderedCollection"
    assert collection["id"] == steward.url + "/changes"
    assert collection["totalItems"] >= 1
    first = collection["first"]
    assert first["type"] == "OrderedCollectionPage" and first["id"] == steward.url + "/changes?page=1"
    assert first["orderedItems"] == steward.changes(1)["orderedItems"]
    assert "prev" not in first
    published = [item["published"] for item in first["orderedItems"]]
    assert published == sorted(published, reverse=True)  # newest first

    as_ld = requests.get(steward.url + "/changes", headers={"Accept": "application/ld+json"}, timeout=30)
    assert as_ld.headers["Content-Type"].startswith("application/ld+json")
    assert 'profile="https://www.w3.org/ns/activitystreams"' in as_ld.headers["Content-Type"]

    again = requests.get(steward.url + "/changes", headers={"If-None-Match": response.headers["ETag"]}, timeout=30)
    assert again.status_code == 304

    assert requests.get(steward.url + "/changes?page=0", timeout=30).status_code == 404
    assert requests.get(steward.url + "/changes?page=999", timeout=30).status_code == 404
    assert requests.get(steward.url + "/changes?page=x", timeout=30).status_code == 400


def test_private_graphs_and_agents_stay_out_of_the_feed(steward: Steward) -> None:
    private = GRAPHS + "private/members"
    assert steward.put(private, plain_turtle("member")).status_code == 201
    response = requests.get(steward.url + "/changes?page=1", timeout=30)
    assert private not in response.text
    assert "private/" not in response.text
    assert TOKEN_NAME not in response.text


def _ask_default_graph(server: Server, data_dir: Path, sparql: str) -> bool:
    """ASK over the public default graph: through /sparql when it is there, else the way its workers do."""
    response = requests.post(server.url + "/sparql", data=sparql.encode(), timeout=60, headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    if response.status_code not in (404, 405):
        assert response.status_code == 200, response.text
        return response.json()["boolean"]
    spool = data_dir.parent / "ask.json"
    job = QueryJob(sparql, str(spool), {"boolean": "json"})
    _run_job(SnapshotReader(data_dir / "snapshots"), job, GRAPHS + "meta")
    return json.loads(spool.read_text())["boolean"]


def test_withdrawal_leaves_the_default_graph_and_shows_in_the_feed(steward: Steward, data_dir: Path) -> None:
    graph = GRAPHS + "cases/to-withdraw"
    case = BASE + "id/case/to-withdraw"
    assert steward.put(graph, case_turtle("to-withdraw")).status_code == 201
    ask = f"ASK {{ <{case}> ?p ?o }}"
    assert _ask_default_graph(steward.server, data_dir, ask) is True

    response = requests.post(steward.url + "/withdraw", data={"graph": graph, "reason": "dubbel ingevoerd"},
                             headers=steward.auth, timeout=60)
    assert response.status_code == 200, response.text
    assert response.json()["withdrawn"] is True

    assert _ask_default_graph(steward.server, data_dir, ask) is False
    gone = steward.get(graph)
    assert gone.status_code == 410
    assert gone.json()["reason"] == "dubbel ingevoerd"
    assert steward.get(graph, token=True).status_code == 200  # kept for the record
    item = _newest(steward)
    assert (item["type"], item["object"]) == ("Delete", graph)
    assert "withdrawn" in item["summary"]


def test_withdrawal_needs_a_token_a_reason_and_a_graph(steward: Steward) -> None:
    url = steward.url + "/withdraw"
    graph = GRAPHS + "cases/kept"
    assert steward.put(graph, case_turtle("kept")).status_code == 201
    assert requests.post(url, data={"graph": graph, "reason": "x"}, timeout=30).status_code == 401
    assert requests.post(url, data={"graph": graph}, headers=steward.auth, timeout=30).status_code == 400
    assert requests.post(url, data={"graph": GRAPHS + "cases/none", "reason": "x"}, headers=steward.auth,
                         timeout=30).status_code == 404
    assert requests.post(url, data={"graph": "http://example.org/x", "reason": "x"}, headers=steward.auth,
                         timeout=30).status_code == 403
    assert steward.get(graph).status_code == 200


# -- paging, as a function on a real store ---------------------------------------------------------------

def test_pages_link_to_each_other(store_backend: str, tmp_path: Path) -> None:
    service = Driehoek(backend.settings_for(tmp_path / "var"))
    try:
        for n in range(5):
            source = Source(f"g{n}.ttl", formats.TURTLE, data=plain_turtle(str(n)).encode())
            service.write_graph(ox.NamedNode(f"{GRAPHS}paging/{n}"), source, mode="replace", agent=TOKEN_NAME,
                                operation="put")
        feed = ChangeFeed(GRAPHS, page_size=2)
        items = feed.items(service.snapshot())
        assert [i["object"] for i in items] == [f"{GRAPHS}paging/{n}" for n in reversed(range(5))]
        endpoint = "http://driehoek.test/changes"
        assert feed.collection(items, endpoint)["last"] == endpoint + "?page=3"
        first, middle, last = (feed.page(items, n, endpoint) for n in (1, 2, 3))
        assert (first.get("prev"), first["next"]) == (None, endpoint + "?page=2")
        assert (middle["prev"], middle["next"]) == (endpoint + "?page=1", endpoint + "?page=3")
        assert (last["prev"], last.get("next")) == (endpoint + "?page=2", None)
        assert [len(p["orderedItems"]) for p in (first, middle, last)] == [2, 2, 1]
        assert {p["totalItems"] for p in (first, middle, last)} == {5}
        assert last["startIndex"] == 4
        with pytest.raises(IndexError):
            feed.page(items, 4, endpoint)
        assert TOKEN_NAME not in json.dumps(items)
    finally:
        service.close()
