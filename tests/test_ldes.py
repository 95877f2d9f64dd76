"""/ldes (issue 18, point 3): the change feed as a Linked Data Event Stream, over real HTTP.

One server, one history of writes (creates, a replace, a merge, a delete, an update of two graphs, a
graph with blank nodes, a withdrawn case, a private graph, enough small graphs to fill a page), then:
the stream's shape checked against the AS2 change feed it is built from, the members' content against
what was written, private and withdrawn content looked for and never found, and the real LDES client
(npm ldes-client, installed by scripts/ensure-ldes-client) replicating the stream into N-Quads that
must equal the public dump graph by graph.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from driehoek.ldes import PAGE_SIZE

from .stewards import BASE, GRAPHS, SEED_GRAPH, Steward, case_turtle, make_data_dir, plain_turtle, running

LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
DH = "https://w3id.org/driehoek/def#"
AS_DELETE = "https://www.w3.org/ns/activitystreams#Delete"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CLIENT = Path(__file__).resolve().parent / "ldes_client"

REPLACED = GRAPHS + "ldes/replaced"
DELETED = GRAPHS + "ldes/deleted"
BLANKS = GRAPHS + "ldes/blanks"
WITHDRAWN = GRAPHS + "cases/ldes-withdrawn"
PRIVATE = GRAPHS + "private/ldes"
UPDATED = (GRAPHS + "ldes/update-a", GRAPHS + "ldes/update-b")
PRIVATE_CANARY = "ldes-private-canary-51c0"
WITHDRAWN_CANARY = "ldes-withdrawn-canary-7e2f"
FILLERS = PAGE_SIZE  # enough writes for more than one page


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("ldes") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        s = Steward(server, token)
        assert s.put(REPLACED, plain_turtle("first")).status_code == 201
        assert s.put(REPLACED, plain_turtle("second")).status_code == 204
        assert s.post(REPLACED, '<http://example.org/thing> <http://example.org/also> "merged" .').status_code == 204
        assert s.put(DELETED, plain_turtle("to be deleted")).status_code == 201
        assert s.delete(DELETED).status_code == 204
        assert s.put(BLANKS, '<http://example.org/b> <http://example.org/has> [ <http://example.org/v> "1" ; '
                             '<http://example.org/w> [ <http://example.org/v> "2" ] ] .').status_code == 201
        update = s.update("INSERT DATA { " + " ".join(f"GRAPH <{g}> {{ {plain_turtle(g)} }}" for g in UPDATED) + " }")
        assert update.status_code == 200, update.text
        assert s.put(WITHDRAWN, case_turtle("ldes-withdrawn", WITHDRAWN_CANARY)).status_code in (200, 201)
        assert s.put(WITHDRAWN, case_turtle("ldes-withdrawn", WITHDRAWN_CANARY + " 2")).status_code in (200, 204)
        withdrawal = requests.post(s.url + "/withdraw", data={"graph": WITHDRAWN, "reason": "test"}, headers=s.auth,
                                   timeout=60)
        assert withdrawal.status_code == 200, withdrawal.text
        assert s.put(PRIVATE, f'<http://example.org/p> <http://example.org/q> "{PRIVATE_CANARY}" .').status_code == 201
        for number in range(FILLERS):
            assert s.put(GRAPHS + f"ldes/filler-{number}", plain_turtle(str(number))).status_code == 201
        yield s


def _get(url: str, accept: str = "application/trig") -> requests.Response:
    response = requests.get(url, headers={"Accept": accept}, timeout=120)
    assert response.status_code == 200, response.text
    return response


def _dataset(response: requests.Response) -> ox.Dataset:
    media = response.headers["Content-Type"].split(";")[0]
    fmt = {"application/trig": ox.RdfFormat.TRIG, "application/n-quads": ox.RdfFormat.N_QUADS,
           "application/ld+json": ox.RdfFormat.JSON_LD, "text/turtle": ox.RdfFormat.TURTLE,
           "application/n-triples": ox.RdfFormat.N_TRIPLES}[media]
    return ox.Dataset(ox.parse(response.content, format=fmt))


def _objects(data: ox.Dataset, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list:
    return [q.object for q in data.quads_for_subject(subject) if q.predicate == _n(predicate)
            and isinstance(q.graph_name, ox.DefaultGraph)]


def _changes(url: str) -> list[dict]:
    """Every item of the AS2 change feed (/changes), oldest first: what the stream is built from."""
    items, page = [], 1
    while True:
        body = requests.get(url + "/changes", params={"page": page}, timeout=60).json()
        items += body["orderedItems"]
        if "next" not in body:
            return list(reversed(items))
        page += 1


def _pages(url: str) -> list[tuple[str, ox.Dataset, requests.Response]]:
    """The pages the view links to, in order of their relation's value."""
    view = _dataset(_get(url + "/ldes"))
    relations = _objects(view, _n(url + "/ldes/view"), TREE + "relation")
    targets = sorted((_objects(view, r, TREE + "value")[0].value, _objects(view, r, TREE + "node")[0].value)
                     for r in relations)
    out = []
    for _value, target in targets:
        response = _get(target)
        out.append((target, _dataset(response), response))
    return out


def _members(url: str, data: ox.Dataset) -> list[ox.NamedNode]:
    return [q.object for q in data.quads_for_subject(_n(url + "/ldes")) if q.predicate == _n(TREE + "member")]


def test_the_stream_and_its_view(steward: Steward) -> None:
    url = steward.url
    data = _dataset(_get(url + "/ldes", "text/turtle"))
    stream = _n(url + "/ldes")
    assert _objects(data, stream, RDF_TYPE) == [_n(LDES + "EventStream")]
    assert _objects(data, stream, LDES + "timestampPath") == [_n(PROV + "generatedAtTime")]
    assert _objects(data, stream, LDES + "versionOfPath") == [_n(DCTERMS + "isVersionOf")]
    assert _objects(data, stream, TREE + "view") == [_n(url + "/ldes/view")]
    relations = _objects(data, _n(url + "/ldes/view"), TREE + "relation")
    total = len(_changes(url))
    assert len(relations) == math.ceil(total / PAGE_SIZE) >= 2  # one per page, and the fixture fills more than one
    for relation in relations:
        assert _objects(data, relation, RDF_TYPE) == [_n(TREE + "GreaterThanOrEqualToRelation")]
        assert _objects(data, relation, TREE + "path") == [_n(PROV + "generatedAtTime")]
    assert _get(url + "/ldes/view").content == _get(url + "/ldes").content  # the view node is dereferenceable


def test_pages_hold_every_change_by_time(steward: Steward) -> None:
    url = steward.url
    changes = _changes(url)
    seen: list[tuple[str, str]] = []
    spans: list[tuple[str, str]] = []
    view = _dataset(_get(url + "/ldes"))
    starts = {_objects(view, r, TREE + "node")[0].value: _objects(view, r, TREE + "value")[0].value
              for r in _objects(view, _n(url + "/ldes/view"), TREE + "relation")}
    for number, (target, data, _response) in enumerate(_pages(url), start=1):
        assert target == f"{url}/ldes/{number}"
        members = _members(url, data)
        assert 0 < len(members) <= PAGE_SIZE
        times = []
        for member in members:
            graphs = _objects(data, member, DCTERMS + "isVersionOf")
            stamps = _objects(data, member, PROV + "generatedAtTime")
            assert len(graphs) == 1 and len(stamps) == 1, member
            assert stamps[0].datatype == _n("http://www.w3.org/2001/XMLSchema#dateTime")
            times.append(stamps[0].value)
            seen.append((graphs[0].value, stamps[0].value))
        spans.append((min(times), max(times)))
        assert starts[target] == min(times)  # the view's relation: every member of the page is >= its value
        nexts = _objects(data, _n(target), TREE + "relation")
        if number < len(starts):
            assert len(nexts) == 1 and _objects(data, nexts[0], TREE + "node") == [_n(f"{url}/ldes/{number + 1}")]
            assert _objects(data, nexts[0], TREE + "value")[0].value >= max(times)
        else:
            assert nexts == []
    assert sorted(seen) == sorted((c["object"], c["published"]) for c in changes)
    assert all(before[1] <= after[0] for before, after in zip(spans, spans[1:]))  # oldest first across pages


def _member_content(url: str, graph: str) -> list[tuple[ox.NamedNode, ox.Dataset]]:
    found = []
    for _target, data, _response in _pages(url):
        for member in _members(url, data):
            if _objects(data, member, DCTERMS + "isVersionOf") == [_n(graph)]:
                found.append((member, data))
    return sorted(found, key=lambda found: _objects(found[1], found[0], PROV + "generatedAtTime")[0].value)


def _content(data: ox.Dataset, member: ox.NamedNode) -> set[str]:
    return {str(ox.Triple(q.subject, q.predicate, q.object)) for q in data.quads_for_graph_name(member)}


def test_members_carry_each_version_of_a_graph(steward: Steward) -> None:
    versions = _member_content(steward.url, REPLACED)
    assert len(versions) == 3  # put, put, post
    thing, value, also = "<http://example.org/thing>", "<http://example.org/value>", "<http://example.org/also>"
    assert [_content(d, m) for m, d in versions] == [
        {f'{thing} {value} "first"'},  # from the version store
        {f'{thing} {value} "second"'},  # from the version store
        {f'{thing} {value} "second"', f'{thing} {also} "merged"'},  # the graph now, as the merge left it
    ]
    assert all(_objects(d, m, RDF_TYPE) == [_n(DH + "StreamedGraphVersion")] for m, d in versions)


def test_a_deletion_is_a_delete_member(steward: Steward) -> None:
    (created, data_a), (deleted, data_b) = _member_content(steward.url, DELETED)
    assert _content(data_a, created) == {'<http://example.org/thing> <http://example.org/value> "to be deleted"'}
    assert _objects(data_b, deleted, RDF_TYPE) == [_n(AS_DELETE)]
    assert _content(data_b, deleted) == set()


def test_private_and_withdrawn_content_never_appear(steward: Steward) -> None:
    url = steward.url
    for accept in ("application/trig", "application/n-quads", "application/ld+json", "text/turtle"):
        for target in [url + "/ldes"] + [t for t, _d, _r in _pages(url)]:
            body = _get(target, accept).text
            assert PRIVATE_CANARY not in body and WITHDRAWN_CANARY not in body, (target, accept)
            assert PRIVATE not in body, (target, accept)
    withdrawn = _member_content(url, WITHDRAWN)
    assert len(withdrawn) == 3  # two writes and the withdrawal
    for member, data in withdrawn[:2]:
        assert _content(data, member) == set()
        assert [o.value for o in _objects(data, member, DH + "contentOmitted")] == ["withdrawn"]
    member, data = withdrawn[2]
    assert _objects(data, member, RDF_TYPE) == [_n(AS_DELETE)]
    assert _objects(data, member, DH + "withdrawn") == [ox.Literal(True)]


def test_formats_and_what_each_carries(steward: Steward) -> None:
    url = steward.url
    (member, _data), *_rest = _member_content(url, BLANKS)
    for accept in ("application/trig", "application/n-quads", "application/ld+json"):
        data = _dataset(_get(url + "/ldes/1", accept))
        assert len(_content(data, member)) == 4, accept  # the graph with its two blank nodes
    turtle = _get(url + "/ldes/1", "text/turtle")
    data = _dataset(turtle)
    assert _members(url, data) and not any(True for q in data if isinstance(q.graph_name, ox.NamedNode))
    assert _objects(data, _n(url + "/ldes/1"), "http://www.w3.org/2000/01/rdf-schema#comment")
    assert _get(url + "/ldes/1?format=nquads", "text/turtle").headers["Content-Type"].startswith("application/n-quads")


def test_full_pages_are_immutable_and_the_newest_is_not(steward: Steward) -> None:
    url = steward.url
    pages = _pages(url)
    first, last = pages[0][2], pages[-1][2]
    assert "immutable" in first.headers["Cache-Control"]
    assert "immutable" not in last.headers["Cache-Control"] and "no-cache" in last.headers["Cache-Control"]
    assert requests.get(url + "/ldes/1", headers={"Accept": "application/trig", "If-None-Match": first.headers["ETag"]},
                        timeout=60).status_code == 304
    assert steward.put(GRAPHS + "ldes/after", plain_turtle("after")).status_code == 201
    again = _get(url + "/ldes/1")
    assert (again.content, again.headers["ETag"]) == (first.content, first.headers["ETag"])


@pytest.mark.parametrize("path", ["/ldes/0", "/ldes/abc", "/ldes/-1", "/ldes/1.5", "/ldes/01", "/ldes?page=2",
                                  "/ldes/1?format=xml", "/ldes?format=html", "/ldes/view?since=2020"])
def test_bad_parameters_are_400(steward: Steward, path: str) -> None:
    response = requests.get(steward.url + path, timeout=60)
    assert response.status_code == 400, (path, response.status_code, response.text)
    assert response.json()["message"]


def test_no_such_page_is_404_and_an_unoffered_type_406(steward: Steward) -> None:
    assert requests.get(steward.url + "/ldes/9999", timeout=60).status_code == 404
    assert requests.get(steward.url + "/ldes", headers={"Accept": "text/csv"}, timeout=60).status_code == 406


# -- the real client ------------------------------------------------------------------------------

def _per_graph(nquads: bytes) -> dict[str, set[str]]:
    """Quads by graph, blank nodes canonically renamed within each graph."""
    graphs: dict[str, list[ox.Quad]] = {}
    for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        graphs.setdefault(quad.graph_name.value, []).append(quad)
    out = {}
    for name, quads in graphs.items():
        dataset = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        out[name] = {str(q) for q in dataset}
    return out


@pytest.mark.slow
def test_the_real_ldes_client_replicates_the_public_dump(steward: Steward, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (CLIENT / "node_modules" / "ldes-client").is_dir():
        pytest.skip("the LDES client is not installed: run scripts/ensure-ldes-client (make test does)")
    out = tmp_path / "replica.nq"
    result = subprocess.run([node, str(CLIENT / "replicate.mjs"), steward.url + "/ldes", str(out)], cwd=CLIENT,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["members"] == len(_changes(steward.url))
    assert summary["deletes"] == 2 and summary["omitted"] == 2  # the delete and the withdrawal; its 2 versions
    replica = _per_graph(out.read_bytes())
    dump = _per_graph(requests.get(steward.url + "/dump.nq", timeout=120).content)
    dump.pop(BASE + "graph/meta")  # the provenance the members are built from, not itself a member
    assert sorted(replica) == sorted(dump)
    assert SEED_GRAPH in replica and BLANKS in replica and DELETED not in replica and WITHDRAWN not in replica
    for graph, quads in dump.items():
        assert replica[graph] == quads, graph
