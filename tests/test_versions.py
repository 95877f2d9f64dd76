"""Resource versions (issue 18, point 2): every write keeps the graph's previous version, and a resource
answers as it was at a time through Memento (RFC 7089): TimeGate, TimeMap, mementos at ?version=.

Version times have a resolution of one second, so the test waits for the next second between writes
(to tell the versions apart, not to measure anything)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
import rdflib
import requests

from .stewards import BASE, GRAPHS, Steward, case_turtle, make_data_dir, running

CASE_GRAPH = GRAPHS + "cases/versioned"
PATH = "/doc/case/versioned"
TITLES = ["Eerste", "Tweede", "Derde"]
TITLE = rdflib.URIRef("http://purl.org/dc/terms/title")
CASE = rdflib.URIRef(BASE + "id/case/versioned")
CANARY = "private-version-canary-9d2e"


def _next_second() -> None:
    """Wait until the wall clock is in a new second (version times are kept to the second)."""
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.05)


def _title(response: requests.Response) -> str:
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    return next((str(t) for t in graph.objects(CASE, TITLE) if getattr(t, "language", None) == "nl"), "")


def _timemap(url: str, **headers: str) -> list[dict]:
    response = requests.get(url + "/timemap" + PATH, headers={"Accept": "application/json", **headers}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["mementos"]


@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("versions") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        steward = Steward(server, token)
        for title in TITLES:
            _next_second()
            assert steward.put(CASE_GRAPH, case_turtle("versioned", title)).status_code in (200, 201, 204)
        _next_second()
        assert steward.put(GRAPHS + "private/versions", f'<http://example.org/p> <http://example.org/q> "{CANARY}" .'
                           ).status_code == 201
        assert steward.put(GRAPHS + "private/versions", '<http://example.org/p> <http://example.org/q> "b" .'
                           ).status_code in (200, 204)
        yield steward


def test_every_version_of_a_resource_answers_as_it_was(steward: Steward) -> None:
    mementos = _timemap(steward.url)
    assert len(mementos) == len(TITLES)
    seen = []
    for memento in mementos:
        response = requests.get(steward.url + memento["uri"], headers={"Accept": "text/turtle"}, timeout=60)
        assert response.status_code == 200, response.text
        assert parsedate_to_datetime(response.headers["Memento-Datetime"]).strftime("%Y-%m-%dT%H:%M:%SZ") == \
            memento["datetime"]
        assert 'rel="original"' in response.headers["Link"] and 'rel="timemap"' in response.headers["Link"]
        seen.append(_title(response))
    assert seen == TITLES
    assert _title(requests.get(steward.url + PATH + ".ttl", timeout=60)) == TITLES[-1]  # now: the newest


def test_the_resource_is_its_own_timegate(steward: Steward) -> None:
    mementos = _timemap(steward.url)
    second = parsedate_to_datetime(
        requests.get(steward.url + mementos[1]["uri"], headers={"Accept": "text/turtle"}, timeout=60).headers[
            "Memento-Datetime"])
    response = requests.get(steward.url + PATH, allow_redirects=False, timeout=60, headers={
        "Accept": "text/turtle", "Accept-Datetime": format_datetime(second, usegmt=True)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("?version=" + mementos[1]["datetime"])
    assert "Accept-Datetime" in response.headers["Vary"]
    assert _title(requests.get(steward.url + response.headers["Location"], headers={"Accept": "text/turtle"},
                               timeout=60)) == TITLES[1]
    current = requests.get(steward.url + PATH, headers={"Accept": "text/turtle"}, timeout=60)
    assert 'rel="timegate"' in current.headers["Link"] and f'</timemap{PATH}>; rel="timemap"' in current.headers["Link"]


def test_times_before_the_first_version_and_bad_times(steward: Steward) -> None:
    early = requests.get(steward.url + PATH, headers={"Accept-Datetime": "Thu, 01 Jan 2004 00:00:00 GMT"}, timeout=60)
    assert early.status_code == 404
    for headers, params in (({"Accept-Datetime": "yesterday"}, None), ({}, {"version": "not-a-time"})):
        response = requests.get(steward.url + PATH, headers=headers, params=params, timeout=60)
        assert response.status_code == 400, response.text


def test_a_deleted_graph_keeps_its_history(steward: Steward) -> None:
    graph = GRAPHS + "cases/deleted-later"
    _next_second()
    assert steward.put(graph, case_turtle("deleted-later", "Verdwenen")).status_code == 201
    _next_second()
    assert steward.delete(graph).status_code in (200, 204)
    path = "/doc/case/deleted-later"
    assert requests.get(steward.url + path + ".ttl", timeout=60).status_code == 404
    mementos = requests.get(steward.url + "/timemap" + path, headers={"Accept": "application/json"}, timeout=60)
    assert mementos.status_code == 200
    first = mementos.json()["mementos"][0]
    old = requests.get(steward.url + first["uri"], headers={"Accept": "text/turtle"}, timeout=60)
    assert old.status_code == 200
    assert "Verdwenen" in old.text


def test_a_withdrawn_resources_history_is_for_stewards_only(steward: Steward) -> None:
    graph = GRAPHS + "cases/withdrawn-history"
    _next_second()
    assert steward.put(graph, case_turtle("withdrawn-history", "Eerst")).status_code == 201
    _next_second()
    assert steward.put(graph, case_turtle("withdrawn-history", "Daarna")).status_code in (200, 204)
    withdrawn = requests.post(steward.url + "/withdraw", data={"graph": graph, "reason": "test"},
                              headers=steward.auth, timeout=60)
    assert withdrawn.status_code in (200, 204), withdrawn.text
    path = "/doc/case/withdrawn-history"
    mementos = requests.get(steward.url + "/timemap" + path, headers={"Accept": "application/json", **steward.auth},
                            timeout=60).json()["mementos"]
    assert len(mementos) >= 2
    anonymous = requests.get(steward.url + mementos[0]["uri"], headers={"Accept": "text/turtle"}, timeout=60)
    assert anonymous.status_code == 410
    with_token = requests.get(steward.url + mementos[0]["uri"], headers={"Accept": "text/turtle", **steward.auth},
                              timeout=60)
    assert with_token.status_code == 200 and "Eerst" in with_token.text


def test_private_graphs_have_no_versions(steward: Steward) -> None:
    versions = Path(steward.server.data_dir) / "versions"
    assert versions.is_dir()  # public graphs were rewritten: their previous versions are kept there
    for item in versions.rglob("*"):
        if item.is_file():
            assert CANARY.encode() not in item.read_bytes()


def test_a_memento_page_says_what_it_shows(steward: Steward) -> None:
    first = _timemap(steward.url)[0]
    page = requests.get(steward.url + first["uri"], headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and TITLES[0] in page.text
    assert first["datetime"] in page.text and f"/timemap{PATH}" in page.text
