"""Inputs built to exhaust the server: oversized bodies, deep nesting, entity expansion, regex
backtracking. Each gets a clear 4xx (JSON, never a 500 or a dropped connection), writes nothing, and
the server keeps answering.

Before the fixes in store.check_input, sparql.check_nesting and service._try_update, a 10,000-level
JSON-LD document sent to the public /validate killed the server process (a stack overflow in the
JSON-LD parser), an XML "billion laughs" made it expand 3 GB, a deeply nested update killed the
writer, and an 80 KB query of escaped quotes held a server thread for 40 s before it reached a
query worker. Wall times here are hang guards, not measurements.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from ..stewards import SEED_GRAPH, Steward, full_dump, make_data_dir, plain_turtle, running
from .conftest import GRAPHS, HANG_SECONDS

MAX_UPLOAD = 1024 * 1024
DEPTH = 10_000  # far past where the parsers used to crash (JSON-LD ~4,000, SPARQL ~3,000 on 8 MiB stacks)


@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("limits") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir, {"DRIEHOEK_MAX_UPLOAD": str(MAX_UPLOAD), "DRIEHOEK_QUERY_TIMEOUT": "20"}) as server:
        steward = Steward(server, token)
        yield steward
    # nothing any test here sent was written: the store holds the seed graph and metadata only
    dump = full_dump(data_dir).decode()
    assert "hardening-limits" not in dump


def alive(steward: Steward) -> None:
    """The server still answers reads, and its process is still the one we started."""
    assert steward.server.process.poll() is None, steward.server.output()
    assert requests.get(steward.url + "/health", timeout=30).json()["status"] == "ok"
    seed = steward.get(SEED_GRAPH)
    assert seed.status_code == 200 and b"example.org" in seed.content


def refused(response: requests.Response, status: int = 400, word: str = "") -> None:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["error"] and body["message"], body
    if word:
        assert word in body["message"], body["message"]


def timed(call, *args, **kwargs) -> requests.Response:
    """The call's response; a server that does not answer within the client's timeout (HANG_SECONDS
    where the call takes one) hangs, and fails the test. A guard against a hang, never a timing."""
    try:
        return call(*args, **kwargs)
    except requests.Timeout as err:
        pytest.fail(f"the server did not answer: {err}")


# -- deep nesting --------------------------------------------------------------------------------

def _jsonld(depth: int) -> str:
    return '{"@id": "http://example.org/x", "http://example.org/p": ' * depth + '"v"' + "}" * depth


def _rdfxml(depth: int) -> str:
    return ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
            '<rdf:Description rdf:about="http://example.org/x">' + "<e:p><rdf:Description>" * depth
            + "</rdf:Description></e:p>" * depth + "</rdf:Description></rdf:RDF>")


@pytest.mark.parametrize("media_type, body", [
    ("application/ld+json", _jsonld(DEPTH)),
    ("application/ld+json", "[" * DEPTH + "]" * DEPTH),
    ("application/ld+json", '{"@context": ' + '{"a": ' * DEPTH + '"v"' + "}" * DEPTH + "}"),
    ("application/rdf+xml", _rdfxml(DEPTH)),
], ids=["jsonld-objects", "jsonld-arrays", "jsonld-context", "rdfxml-elements"])
def test_deeply_nested_documents_are_400(steward: Steward, media_type: str, body: str) -> None:
    validate = timed(requests.post, steward.url + "/validate", data=body.encode(), timeout=HANG_SECONDS,
                     headers={"Content-Type": media_type})
    refused(validate, word="nested")
    put = timed(steward.put, GRAPHS + "hardening-limits", body, media_type)
    refused(put, word="nested")
    multipart = timed(requests.post, steward.url + "/graph-store", params={"graph": GRAPHS + "hardening-limits"},
                      files={"doc": ("deep", body.encode(), media_type)}, headers=steward.auth, timeout=HANG_SECONDS)
    refused(multipart, word="nested")
    alive(steward)


def test_nesting_within_the_limit_still_loads(steward: Steward) -> None:
    body = _jsonld(200)
    response = requests.post(steward.url + "/validate", data=body.encode(), timeout=60,
                             headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 200, response.text
    assert response.json()["conforms"] is True


SPARQL_NESTS = {
    "parentheses": "SELECT * WHERE { FILTER(" + "(" * DEPTH + "1" + ")" * DEPTH + ") }",
    "braces": "SELECT * WHERE " + "{ " * DEPTH + "}" * DEPTH,
    "subqueries": "SELECT * WHERE { " + "{ SELECT * WHERE " * DEPTH + "{}" + " }" * DEPTH + " }",
    "negations": "SELECT * WHERE { FILTER(" + "! " * DEPTH + "true) }",
    "quoted triples": "SELECT * WHERE { " + "<< " * DEPTH + "?s ?p ?o" + " >> ?p ?o" * DEPTH + " }",
    "function calls": "SELECT * WHERE { BIND(" + "STR(" * DEPTH + "1" + ")" * DEPTH + " AS ?x) }",
    "collections": "SELECT * WHERE { ?s ?p " + "( " * DEPTH + "?o" + " )" * DEPTH + " }",
    "blank node lists": "SELECT * WHERE { ?s ?p " + "[ ?p " * DEPTH + "?o" + " ]" * DEPTH + " }",
    "brackets inside an IRI-looking comparison": "SELECT * WHERE { FILTER(?a<STR" + "(" * DEPTH + "?b"
                                                  + ")" * DEPTH + ">1) }",
}


@pytest.mark.parametrize("name", list(SPARQL_NESTS))
def test_deeply_nested_queries_are_400(steward: Steward, name: str) -> None:
    query = SPARQL_NESTS[name]
    get = timed(requests.get, steward.url + "/sparql", params={"query": query}, timeout=HANG_SECONDS)
    refused(get, word="nested")
    post = timed(requests.post, steward.url + "/sparql", data=query.encode(), timeout=HANG_SECONDS,
                 headers={"Content-Type": "application/sparql-query"})
    refused(post, word="nested")
    alive(steward)


def test_deeply_nested_updates_are_400(steward: Steward) -> None:
    before = steward.get(SEED_GRAPH)
    for body in (
        f"INSERT {{ GRAPH <{GRAPHS}hardening-limits> {{ <http://e/a> <http://e/b> 1 }} }} WHERE "
        f"{{ FILTER({'(' * DEPTH}1{')' * DEPTH}) }}",
        f"DELETE WHERE {{ GRAPH <{SEED_GRAPH}> " + "{ " * DEPTH + "}" * DEPTH + " }",
    ):
        refused(timed(steward.update, body), word="nested")
    assert steward.get(SEED_GRAPH).headers["ETag"] == before.headers["ETag"]
    alive(steward)


@pytest.mark.slow
@pytest.mark.parametrize("operator", [" UNION ", " || "])
def test_long_flat_chains_do_not_take_the_server_down(steward: Steward, operator: str) -> None:
    """Not nesting, but the parser recurses all the same: 20,000 UNIONs (or ||s) overflow an 8 MiB
    stack. Queries run in worker processes (the worker dies, the pool replaces it: 503); an update
    is tried in a child process (400), so the server lives on either way."""
    parts = ["{}"] * 20_000 if operator == " UNION " else ["true"] * 20_000
    where = operator.join(parts) if operator == " UNION " else f"FILTER({operator.join(parts)})"
    query = requests.post(steward.url + "/sparql", data=f"SELECT * WHERE {{ {where} }}".encode(),
                          headers={"Content-Type": "application/sparql-query"}, timeout=300)
    assert query.status_code in (200, 400, 503), query.text
    update = steward.update(f"INSERT {{ GRAPH <{GRAPHS}hardening-limits> {{ <http://e/a> <http://e/b> 1 }} }} "
                            f"WHERE {{ {where} }}")
    assert update.status_code in (400, 503), update.text
    alive(steward)


# -- entity expansion and regex backtracking -----------------------------------------------------

def test_billion_laughs_is_refused(steward: Steward) -> None:
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">' for i in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{entities}]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
            '<rdf:Description rdf:about="http://example.org/x"><e:p>&l9;</e:p></rdf:Description></rdf:RDF>')
    for response in (
        timed(requests.post, steward.url + "/validate", data=body.encode(), timeout=HANG_SECONDS,
              headers={"Content-Type": "application/rdf+xml"}),
        timed(steward.put, GRAPHS + "hardening-limits", body, "application/rdf+xml"),
    ):
        refused(response, word="entities")
    alive(steward)


def test_entities_that_expand_a_little_still_load(steward: Steward) -> None:
    """Protégé writes namespaces as entities: that keeps working."""
    body = ('<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY ex "http://example.org/">]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
            + '<rdf:Description rdf:about="&ex;x"><e:p rdf:resource="&ex;y"/></rdf:Description>' * 100
            + "</rdf:RDF>")
    response = requests.post(steward.url + "/validate", data=body.encode(), timeout=60,
                             headers={"Content-Type": "application/rdf+xml"})
    assert response.status_code == 200, response.text


def test_escaped_quotes_do_not_stall_the_query_checks(steward: Steward) -> None:
    """A string opened and never closed, full of escaped quotes: the SERVICE / nesting checks used to
    rescan the rest of the line from every quote (400 KB: minutes of one server thread)."""
    query = 'SELECT * WHERE { FILTER("' + '\\"' * 200_000 + ") }"
    response = timed(requests.post, steward.url + "/sparql", data=query.encode(), timeout=HANG_SECONDS,
                     headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400, response.text
    update = timed(steward.update, 'INSERT DATA { <http://e/a> <http://e/b> "' + '\\"' * 200_000 + " }",
                   **{"using-graph-uri": GRAPHS + "x"})
    assert update.status_code == 400, update.text
    alive(steward)


# -- oversized bodies ----------------------------------------------------------------------------

def _big_turtle(size: int) -> bytes:
    line = plain_turtle("x" * 100).encode()
    return line * (size // len(line) + 1)


OVERSIZED = [
    ("PUT", "/graph-store", {"graph": GRAPHS + "hardening-limits"}, "text/turtle", True),
    ("POST", "/graph-store", {"graph": GRAPHS + "hardening-limits"}, "text/turtle", True),
    ("POST", "/graph-store", None, "text/turtle", True),
    ("PUT", "/graph-store", None, "application/n-quads", True),
    ("POST", "/validate", None, "text/turtle", False),
    ("POST", "/update", None, "application/sparql-update", True),
    ("POST", "/sparql", None, "application/sparql-query", False),
    ("POST", "/sparql", None, "application/x-www-form-urlencoded", False),
]


@pytest.mark.parametrize("method, path, params, content_type, token", OVERSIZED,
                         ids=[f"{m} {p} {c}" for m, p, _q, c, _t in OVERSIZED])
def test_bodies_over_the_limit_are_413(steward: Steward, method: str, path: str, params: dict | None,
                                       content_type: str, token: bool) -> None:
    headers = {"Content-Type": content_type, **(steward.auth if token else {})}
    body = _big_turtle(MAX_UPLOAD + 1)
    response = timed(requests.request, method, steward.url + path, params=params, data=body, headers=headers,
                     timeout=HANG_SECONDS)
    refused(response, 413)
    # without Content-Length (chunked): the same answer, not a 500
    chunked = timed(requests.request, method, steward.url + path, params=params, timeout=HANG_SECONDS,
                    data=iter([body[i:i + 65536] for i in range(0, len(body), 65536)]), headers=headers)
    assert chunked.status_code == 413, chunked.text[:300]
    alive(steward)


def test_a_body_at_the_limit_is_read(steward: Steward) -> None:
    body = _big_turtle(MAX_UPLOAD - 200)[: MAX_UPLOAD - 200]
    body = body[: body.rfind(b"\n") + 1]
    response = requests.post(steward.url + "/validate", data=body, headers={"Content-Type": "text/turtle"},
                             timeout=120)
    assert response.status_code == 200, response.text


def test_a_huge_chunked_body_does_not_take_the_server_down(steward: Steward) -> None:
    """64 x the limit, sent chunked (no Content-Length): refused, and the server stays up."""
    chunk = b"<http://example.org/s> <http://example.org/p> \"" + b"x" * 65000 + b"\" .\n"
    try:
        response = requests.put(steward.url + "/graph-store", params={"graph": GRAPHS + "hardening-limits"},
                                data=iter([chunk] * (64 * MAX_UPLOAD // len(chunk))), timeout=HANG_SECONDS,
                                headers={"Content-Type": "text/turtle", **steward.auth})
        assert response.status_code == 413, response.text[:300]
    except requests.ConnectionError:
        pass  # waitress may answer 413 and close while the client is still sending: refused all the same
    alive(steward)


def test_oversized_headers_and_query_strings_are_refused_cleanly(steward: Steward) -> None:
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 300_000
    response = requests.get(steward.url + "/sparql", params={"query": long_query}, timeout=HANG_SECONDS)
    assert 400 <= response.status_code < 500, response.status_code
    response = requests.get(steward.url + "/health", headers={"X-Big": "y" * 300_000}, timeout=HANG_SECONDS)
    assert 400 <= response.status_code < 500, response.status_code
    alive(steward)


def test_a_slow_or_broken_client_does_not_block_others(steward: Steward) -> None:
    """Connections that announce a body and never send it, or send half a request line, hold no
    thread the others need (waitress reads requests before a thread picks them up)."""
    sockets = []
    try:
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", steward.server.port), timeout=10)
            sock.sendall(b"PUT /graph-store?graph=x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc")
            sockets.append(sock)
        for _ in range(5):
            sock = socket.create_connection(("127.0.0.1", steward.server.port), timeout=10)
            sock.sendall(b"GET /spar")
            sockets.append(sock)
        alive(steward)
        response = requests.get(steward.url + "/sparql", params={"query": "ASK {}"}, timeout=30,
                                headers={"Accept": "application/sparql-results+json"})
        assert response.json()["boolean"] is True
    finally:
        for sock in sockets:
            sock.close()
