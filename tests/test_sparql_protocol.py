"""The W3C SPARQL 1.1 Protocol test suite (query tests), as real HTTP against `driehoek serve`.

The manifest and its data are vendored in tests/w3c/protocol/ (see tests/w3c/protocol/README.md for the
licence) so that CI never skips; a separate test checks the copy against the shared one when present.
Every request of every query test is sent as the manifest spells it (method, path, headers, body in
its declared encoding), with the manifest's `/sparql/` path mapped to driehoek's `/sparql`.
The update tests run with a token in tests/test_w3c_gsp.py and are skipped here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS, Namespace

from . import backend
from .conftest import Server

VENDORED = Path(__file__).resolve().parent / "w3c" / "protocol"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "w3c" / "protocol"
VENDORED_FILES = ("manifest.ttl", "data1.nt", "data2.nt", "data3.nt")

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
STATUS_CLASSES = {HTS[f"StatusCode{n}xx"]: n for n in range(1, 6)}


@dataclass(frozen=True)
class HttpRequest:
    """One ht:Request of a test and the response the manifest expects."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    status_classes: frozenset[int]  # 2 for 2xx, ...
    expected_format: str | None  # "boolean", "tabular" or "RDF"
    expected_boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    """One mf:ProtocolTest: its requests, in order, and the graphs it needs loaded."""

    name: str
    title: str
    requests: tuple[HttpRequest, ...]
    graph_data: tuple[tuple[str, Path], ...]  # (graph IRI, N-Triples file)

    @property
    def is_update(self) -> bool:
        """The manifest's update tests (update_*, bad_update_*, bad_multiple_updates) are about /update."""
        return "update" in self.name


def read_manifest(path: Path) -> list[ProtocolTest]:
    """The manifest's entries, in manifest order."""
    graph = Graph()
    graph.parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(graph.subjects(MF.entries, None))
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        calls = tuple(_request(graph, node) for node in Collection(graph, graph.value(action, HT.requests)))
        graph_data = tuple(
            (str(graph.value(node, RDFS.label)), Path(str(graph.value(node, UT.graph)).removeprefix("file://")))
            for node in graph.objects(entry, UT.graphData))
        name = str(entry).rsplit("#", 1)[1]
        tests.append(ProtocolTest(name, str(graph.value(entry, MF.name)), calls, graph_data))
    return tests


def _request(graph: Graph, node: URIRef) -> HttpRequest:
    headers = {}
    if (header_list := graph.value(node, HT.headers)) is not None:
        for header in Collection(graph, header_list):
            headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
    body = None
    if (content := graph.value(node, HT.body)) is not None:
        encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(content, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    boolean = graph.value(response, MF.expectedBoolean)
    fmt = graph.value(response, MF.expectedFormat)
    return HttpRequest(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        status_classes=frozenset(STATUS_CLASSES[s] for s in graph.objects(response, MF.expectedStatus)),
        expected_format=str(fmt) if fmt is not None else None,
        expected_boolean=bool(boolean.toPython()) if boolean is not None else None,
    )


TESTS = read_manifest(VENDORED / "manifest.ttl")


def endpoint_path(manifest_path: str) -> str:
    """The manifest's `/sparql/...` as driehoek's `/sparql...`."""
    assert manifest_path.startswith("/sparql/"), manifest_path
    return "/sparql" + manifest_path.removeprefix("/sparql/")


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on a fresh store holding every graph the manifest's tests name, loaded with the CLI."""
    data_dir = tmp_path_factory.mktemp("w3c-protocol") / "var"
    graphs = dict(pair for test in TESTS for pair in test.graph_data)
    # the suite's graph IRIs lie outside {base}graph/: allow exactly those
    env = {**os.environ, **backend.env_for(data_dir), "DRIEHOEK_GRAPH_NAMESPACES": ",".join(sorted(graphs))}
    for iri, path in sorted(graphs.items()):
        # --trusted: the suite's foaf:Document triples are test data, not driehoek's model
        subprocess.run([sys.executable, "-m", "driehoek.cli", "--data-dir", str(data_dir), "load", "--trusted",
                        "--graph", iri, str(path)], env=env, check=True, capture_output=True)
    server = Server(data_dir, {"DRIEHOEK_GRAPH_NAMESPACES": env["DRIEHOEK_GRAPH_NAMESPACES"]})
    yield server
    server.stop()


def test_the_manifest_has_the_suite() -> None:
    # guards the parser above: a silent zero would make every test below vacuous
    assert len(TESTS) == 34
    assert sum(not t.is_update for t in TESTS) == 20
    assert all(r.status_classes for t in TESTS for r in t.requests)


def test_vendored_manifest_matches_the_shared_copy() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"no shared copy of the W3C protocol suite at {SHARED} to compare the vendored one with")
    for name in VENDORED_FILES:
        assert (VENDORED / name).read_bytes() == (SHARED / name).read_bytes(), name


# the update tests are skipped before the module's server is set up for them
UPDATE_SKIP = pytest.mark.skip(reason="SPARQL Update protocol test: run with a token in tests/test_w3c_gsp.py")


@pytest.mark.parametrize("test", [pytest.param(t, id=t.name, marks=[UPDATE_SKIP] if t.is_update else [])
                                  for t in TESTS])
def test_w3c_protocol(test: ProtocolTest, w3c_server: Server) -> None:
    server = w3c_server
    for call in test.requests:
        response = requests.request(call.method, server.url + endpoint_path(call.path), headers=call.headers,
                                    data=call.body, timeout=60, allow_redirects=False)
        assert response.status_code // 100 in call.status_classes, (
            f"{test.title}: {response.status_code} {response.text[:500]}")
        if call.expected_format is not None:
            result = parse_result(response)
            assert _format_of(result) == call.expected_format, response.headers["Content-Type"]
        if call.expected_boolean is not None:
            assert bool(parse_result(response)) is call.expected_boolean


def parse_result(response: requests.Response) -> ox.QueryBoolean | ox.QuerySolutions | list[ox.Triple]:
    """The body parsed by its Content-Type: SPARQL results or an RDF graph."""
    media_type = response.headers["Content-Type"].split(";")[0].strip()
    results_format = ox.QueryResultsFormat.from_media_type(media_type)
    if results_format is not None:
        return ox.parse_query_results(response.content, format=results_format)
    rdf_format = ox.RdfFormat.from_media_type(media_type)
    assert rdf_format is not None, f"neither SPARQL results nor RDF: {media_type}"
    return [q.triple for q in ox.parse(response.content, format=rdf_format)]


def _format_of(result: ox.QueryBoolean | ox.QuerySolutions | list[ox.Triple]) -> str:
    if isinstance(result, ox.QueryBoolean):
        return "boolean"
    return "tabular" if isinstance(result, ox.QuerySolutions) else "RDF"
