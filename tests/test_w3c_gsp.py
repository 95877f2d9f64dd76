"""The W3C SPARQL 1.1 Graph Store Protocol tests, and the update tests of the SPARQL 1.1 Protocol
suite, as real HTTP against `driehoek serve`, every request with an admin's bearer token (the suites clear the whole dataset).

The GSP manifests are vendored in tests/w3c/gsp/ (licence in its README); the Protocol manifest in
tests/w3c/protocol/ (read from ../shared/w3c/protocol/ when the vendored copy is missing).
Paths are mapped: `/gsp` to `/graph-store`; the Protocol suite's `/sparql/` to `/update` for the
update requests and to `/sparql` for the queries that check their effect. driehoek identifies graphs
indirectly (`?graph=IRI`), so the tests that require direct identification are skipped with that reason.
The test graphs live outside driehoek's base IRI, so the server runs with DRIEHOEK_GRAPH_NAMESPACES
naming their hosts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import rdflib
import requests
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import Namespace

from driehoek.store import SnapshotReader
from driehoek.workers import QueryJob, _run_job

from .conftest import Server
from .stewards import GRAPHS, Steward, make_data_dir, running

HERE = Path(__file__).resolve().parent / "w3c"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "w3c"
GSP_FILES = ("manifest.ttl", "manifest-direct.ttl", "manifest-indirect.ttl")
PROTOCOL = HERE / "protocol" / "manifest.ttl"
if not PROTOCOL.is_file():
    PROTOCOL = SHARED / "protocol" / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
STATUS = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
TEST_NAMESPACES = "http://www.example/,http://kasei.us/,http://example.org/"


@dataclass(frozen=True)
class Call:
    """One ht:Request and what the manifest expects of its response."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[str]  # hts local names: OK, Created, StatusCode2xx, ...
    location_variable: str | None
    content_type: str | None
    body_turtle: str | None
    boolean: bool | None


@dataclass(frozen=True)
class W3CTest:
    """One test: a name, what it requires, its requests in order."""

    suite: str
    name: str
    title: str
    requires: frozenset[str]
    calls: tuple[Call, ...]


def _headers(graph: rdflib.Graph, node: rdflib.term.Node | None) -> dict[str, str]:
    if node is None:
        return {}
    return {str(graph.value(h, HT.fieldName)).lower(): str(graph.value(h, HT.fieldValue))
            for h in Collection(graph, node)}


def _call(graph: rdflib.Graph, node: rdflib.term.Node) -> Call:
    body_node = graph.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    expected_body = graph.value(response, HT.body)
    location = graph.value(response, MF.expectedLocation)
    boolean = graph.value(response, MF.expectedBoolean)
    return Call(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=_headers(graph, graph.value(node, HT.headers)),
        body=body,
        statuses=frozenset(str(s).rsplit("#", 1)[1] for s in graph.objects(response, MF.expectedStatus)),
        location_variable=str(location) if location is not None else None,
        content_type=_headers(graph, graph.value(response, HT.headers)).get("content-type"),
        body_turtle=str(graph.value(expected_body, CNT.chars)) if expected_body is not None else None,
        boolean=bool(boolean.toPython()) if boolean is not None else None,
    )


def read_tests(path: Path, suite: str) -> list[W3CTest]:
    """The entries of a manifest (following mf:include), in manifest order."""
    graph = rdflib.Graph()
    graph.parse(path, format="turtle", publicID=path.as_uri())
    tests: list[W3CTest] = []
    for manifest in graph.subjects(rdflib.RDF.type, MF.Manifest):
        included = graph.value(manifest, MF.include)
        if included is not None:
            for child in Collection(graph, included):
                tests += read_tests(path.parent / Path(str(child)).name, suite)
        entries = graph.value(manifest, MF.entries)
        for entry in Collection(graph, entries) if entries is not None else []:
            action = graph.value(entry, MF.action)
            tests.append(W3CTest(
                suite=suite, name=str(entry).rsplit("#", 1)[1], title=str(graph.value(entry, MF.name)),
                requires=frozenset(str(r).rsplit("#", 1)[1] for r in graph.objects(entry, MF.requires)),
                calls=tuple(_call(graph, n) for n in Collection(graph, graph.value(action, HT.requests))),
            ))
    return tests


GSP_TESTS = read_tests(HERE / "gsp" / "manifest.ttl", "gsp")
UPDATE_TESTS = [t for t in read_tests(PROTOCOL, "protocol") if "update" in t.name]
ALL_TESTS = GSP_TESTS + UPDATE_TESTS


def test_the_suites_are_complete() -> None:
    assert len(GSP_TESTS) == 13  # 4 direct, 9 indirect
    assert sum("DirectGraphIdentification" in t.requires for t in GSP_TESTS) == 4
    assert len(UPDATE_TESTS) == 14


@pytest.mark.parametrize("name", GSP_FILES)
def test_the_vendored_gsp_manifests_match_the_shared_ones(name: str) -> None:
    shared = SHARED / "gsp" / name
    if not shared.is_file():
        pytest.skip(f"no shared copy at {shared} to compare the vendored one with")
    assert (HERE / "gsp" / name).read_bytes() == shared.read_bytes()


# -- running a test --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def w3c(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Steward, Path]]:
    data_dir = tmp_path_factory.mktemp("w3c") / "var"
    # the W3C suites clear the whole dataset between tests (CLEAR ALL, DROP ALL): an admin's token
    token = make_data_dir(data_dir, admin=True)
    with running(data_dir, {"DRIEHOEK_GRAPH_NAMESPACES": TEST_NAMESPACES}) as server:
        yield Steward(server, token), data_dir


def _is_query(call: Call) -> bool:
    query_string = urlsplit(call.path).query
    return call.headers.get("content-type", "").startswith("application/sparql-query") or "query=" in query_string


def _url(server: Server, test: W3CTest, call: Call, variables: dict[str, str]) -> str:
    path = call.path
    for name, value in variables.items():
        path = path.replace(name, value)
    if test.suite == "gsp":
        assert path.startswith("/gsp")
        return server.url + "/graph-store" + path.removeprefix("/gsp")
    assert path.startswith("/sparql/")
    rest = path.removeprefix("/sparql/")
    return server.url + ("/sparql" if _is_query(call) else "/update") + rest


def _status_matches(status: int, expected: frozenset[str]) -> bool:
    for name in expected:
        if name.startswith("StatusCode") and status // 100 == int(name[len("StatusCode")]):
            return True
        if STATUS.get(name) == status:
            return True
    return False


def _cleanup(steward: Steward, test: W3CTest) -> None:
    """Delete the graphs a GSP test names, so that each test starts from the state it expects."""
    for call in test.calls:
        query = parse_qs(urlsplit(call.path).query, keep_blank_values=True)
        for graph in query.get("graph", []):
            if "$" not in graph:
                requests.delete(steward.url + "/graph-store", params={"graph": graph}, headers=steward.auth,
                                timeout=60)
    requests.delete(steward.url + "/graph-store?default", headers=steward.auth, timeout=60)


def _boolean(response: requests.Response) -> bool:
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type:
        return bool(response.json()["boolean"])
    match = re.search(rb"<boolean>\s*(true|false)\s*</boolean>", response.content)
    assert match, f"no boolean result in {content_type}: {response.text[:200]}"
    return match.group(1) == b"true"


def _ask_on_snapshot(data_dir: Path, sparql: str) -> bool:
    """What /sparql's workers would answer, for when the /sparql endpoint is not there."""
    spool = data_dir.parent / "w3c-ask.json"
    _run_job(SnapshotReader(data_dir / "snapshots"), QueryJob(sparql, str(spool), {"boolean": "json"}), GRAPHS + "meta")
    return bool(json.loads(spool.read_text())["boolean"])


@pytest.mark.parametrize("test", ALL_TESTS, ids=[f"{t.suite}:{t.name}" for t in ALL_TESTS])
def test_w3c(w3c: tuple[Steward, Path], test: W3CTest) -> None:
    if "DirectGraphIdentification" in test.requires:
        pytest.skip("requires direct graph identification; driehoek identifies graphs indirectly (?graph=IRI)")
    steward, data_dir = w3c
    if test.suite == "gsp":
        _cleanup(steward, test)
    variables: dict[str, str] = {}
    for number, call in enumerate(test.calls, 1):
        where = f"{test.name}, request {number} ({call.method} {call.path})"
        headers = dict(call.headers)
        headers.update(steward.auth)
        body = call.body
        if body is not None:
            for name, value in variables.items():
                body = body.replace(name.encode(), value.encode())
        if _is_query(call) and test.suite == "protocol":
            headers.setdefault("accept", "application/sparql-results+json")
        url = _url(steward.server, test, call, variables)
        response = requests.request(call.method, url, data=body, headers=headers, timeout=120)
        if test.suite == "protocol" and _is_query(call) and response.status_code in (404, 405):
            # /sparql is another part of driehoek: if it is not there, ask the snapshot its workers read
            assert call.body is not None and call.boolean is not None
            assert _ask_on_snapshot(data_dir, call.body.decode()) is call.boolean, where
            continue
        assert _status_matches(response.status_code, call.statuses), (
            f"{where}: got {response.status_code}, expected {sorted(call.statuses)}: {response.text[:300]}")
        if call.location_variable:
            assert response.headers.get("Location"), f"{where}: no Location header"
            variables[call.location_variable] = response.headers["Location"]
        if call.content_type:
            got = response.headers.get("Content-Type", "").replace(" ", "").lower()
            assert got == call.content_type.replace(" ", "").lower(), f"{where}: Content-Type {got}"
        if call.body_turtle is not None:
            expected = rdflib.Graph().parse(data=call.body_turtle, format="turtle")
            actual = rdflib.Graph().parse(data=response.content, format="turtle")
            assert isomorphic(expected, actual), f"{where}: got\n{response.text}"
        if call.boolean is not None:
            assert _boolean(response) is call.boolean, where
