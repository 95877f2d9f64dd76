"""Fuzzing with hypothesis: Turtle, JSON-LD, SPARQL queries and updates, HTTP parameters and headers
against every endpoint. No 500, no hang, no partial write.

The writes run in-process (Flask's test client on a real service and query pool) so that the whole
live store — private, metadata and staging graphs included — can be dumped before and after each
request: a refused write must leave it exactly as it was and publish no snapshot; an accepted PUT
must leave the graph holding exactly the triples sent. Headers and raw requests also go to a real
server over loopback. The fast subset (`make test`) tries EXAMPLES["fast"] inputs per test, the
slow one (`pytest -m slow`) EXAMPLES["slow"]; DRIEHOEK_FUZZ_FAST / DRIEHOEK_FUZZ_SLOW change them.
"""

from __future__ import annotations

import json
import os
import socket
import string
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import canonical
from ..stewards import Steward, make_data_dir, running
from .conftest import BASE, EXAMPLES, GRAPHS, PRIVATE_GRAPH, SEED_GRAPH, SIZES, Canary, InProcess, is_json_error

WRITE_METHODS = {"PUT", "POST", "DELETE"}
RESERVED = [GRAPHS + "meta", GRAPHS + "staging/x", GRAPHS + "private/provenance", "http://example.org/outside"]
TARGETS = [GRAPHS + "fuzz/a", GRAPHS + "fuzz/b", SEED_GRAPH, PRIVATE_GRAPH, *RESERVED]


TRIED: dict[str, int] = {}  # inputs tried per test (printed with -s, for docs/reliability.md)


def current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0].rsplit("::", 1)[-1]


def fuzz_settings(size: str, **extra: Any) -> settings:
    """Bounded runs: a fixed number of inputs; the fast subset is derandomised (the same inputs in
    every CI run), the slow one explores. Hang guards live in InProcess.request."""
    return settings(max_examples=EXAMPLES[size], deadline=None, database=None, derandomize=size == "fast",
                    suppress_health_check=list(HealthCheck), **extra)


def check(response: Any) -> None:
    """What every answer must be: never a 500; an error is driehoek's JSON (or small HTML page);
    a 503 only for a query stopped at its time limit, with Retry-After."""
    status = response.status_code
    assert status != 500, response.get_data(as_text=True)[:2000]
    assert status < 500 or status in (503, 507), status
    if status == 503:
        assert "Retry-After" in response.headers
    if status >= 400 and response.get_data() and \
            response.headers.get("Content-Type", "").startswith(("application/json", "text/html")):
        assert is_json_error(response), response.get_data(as_text=True)[:500]


def refused_write_changed_nothing(env: InProcess, before: set[str], snapshot: str | None, response: Any) -> None:
    if response.status_code >= 400:
        assert env.dump() == before, f"a refused write ({response.status_code}) changed the store"
        assert env.snapshot_name() == snapshot, "a refused write published a snapshot"


# -- strategies ----------------------------------------------------------------------------------

SAFE = string.ascii_letters + string.digits + "-_.~"
iri_tail = st.text(SAFE, max_size=12)
iris = st.one_of(
    st.sampled_from(["<http://example.org/a>", "<http://example.org/b>", "ex:c", "<>", "<#frag>", "<relative/x>",
                     f"<{BASE}id/case/fuzz>", "<urn:x:y>", "<mailto:a@example.org>", "a", "_:b0", "[]"]),
    iri_tail.map(lambda tail: f"<http://example.org/{tail}>"),
)


def _turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


objects = st.one_of(
    iris,
    st.text(max_size=30).map(_turtle_string),
    st.tuples(st.text(max_size=20).map(_turtle_string), st.sampled_from(["@nl", "@en", "@x-y", "@", "@12"])).map("".join),
    st.tuples(st.text(max_size=10).map(_turtle_string),
              st.sampled_from(["^^xsd:integer", "^^xsd:date", "^^<http://example.org/dt>", "^^xsd:boolean"])).map("".join),
    st.integers().map(str), st.floats(allow_nan=False).map(repr), st.sampled_from(["true", "false", "( )", "( 1 2 )"]),
    st.text(max_size=15),  # raw text: usually a syntax error
)
triples = st.tuples(iris, iris, objects).map(lambda t: f"{t[0]} {t[1]} {t[2]} .")
PREFIXES = "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"


@st.composite
def mutated(draw: Any, text: st.SearchStrategy[str]) -> str:
    """A document, sometimes broken: a slice cut, a character inserted, the end chopped off."""
    value = draw(text)
    kind = draw(st.sampled_from(["keep", "keep", "cut", "insert", "truncate"]))
    if not value or kind == "keep":
        return value
    at = draw(st.integers(0, len(value) - 1))
    if kind == "cut":
        return value[:at] + value[at + draw(st.integers(1, 10)):]
    if kind == "insert":
        return value[:at] + draw(st.sampled_from(list("<>\"'{}[]().;,@#\\\n\x00é\ufeff"))) + value[at:]
    return value[:at]


turtle_documents = st.one_of(
    mutated(st.lists(triples, max_size=6).map(lambda ts: PREFIXES + "\n".join(ts))),
    st.text(max_size=200),
)

JSONLD_KEYS = ["@id", "@type", "@value", "@language", "@list", "@set", "@graph", "@reverse", "@index", "@base",
               "@vocab", "@context", "@container", "@nest", "@included", "@json", "@direction", "@import",
               "http://example.org/p", "ex:p", "name", "p", ""]
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                         st.text(max_size=20), iri_tail.map(lambda t: f"http://example.org/{t}"),
                         st.sampled_from(["ex:", "_:b", "@id", "@vocab", "http://example.org/"]))
json_values = st.recursive(json_scalars, lambda children: st.one_of(
    st.lists(children, max_size=4),
    st.dictionaries(st.sampled_from(JSONLD_KEYS) | st.text(max_size=8), children, max_size=5)), max_leaves=25)


def jsonld_documents(canary: Canary) -> st.SearchStrategy[str]:
    contexts = st.sampled_from([{"ex": "http://example.org/"}, {"@vocab": "http://example.org/"},
                                f"{canary.url}/context.jsonld", [f"{canary.url}/a.jsonld"],
                                {"@import": f"{canary.url}/import.jsonld"}, {"name": {"@id": "ex:name"}}])
    nodes = st.fixed_dictionaries({"@id": iri_tail.map(lambda t: f"http://example.org/{t}")},
                                  optional={"@context": contexts, "http://example.org/p": json_values,
                                            "@type": st.sampled_from(["ex:T", "http://example.org/T", "@json"]),
                                            "name": json_values, "@graph": st.lists(json_values, max_size=3)})
    return st.one_of(mutated(st.one_of(nodes, json_values, st.lists(nodes, max_size=3)).map(json.dumps)),
                     st.text(max_size=100))


SPARQL_TOKENS = ["SELECT", "*", "WHERE", "{", "}", "(", ")", "[", "]", ".", ";", ",", "?s", "?p", "?o", "$x", "a",
                 "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "?g", "BIND", "AS", "VALUES", "UNDEF", "ASK",
                 "CONSTRUCT", "DESCRIBE", "FROM", "NAMED", "LIMIT", "1", "OFFSET", "ORDER", "BY", "DESC", "GROUP",
                 "COUNT", "SUM", "DISTINCT", "REDUCED", "REGEX", "STR", "LANG", "IRI", "BNODE", "NOW", "RAND",
                 "CONCAT", "SUBSTR", "&&", "||", "!", "=", "!=", "<", ">", "+", "-", "/", "|", "^", "?", "*",
                 '"x"', "'y'", '"""z"""', '"a"@nl', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>',
                 "<http://example.org/a>", "ex:a", "PREFIX", "ex:", "BASE", "#", "\n", "EXISTS", "NOT", "IN",
                 "SERVICE", "SILENT", "<<", ">>", "TRIPLE", "LOAD", "INSERT", "DATA", "DELETE", "WITH", "USING"]


def sparql_queries(canary: Canary) -> st.SearchStrategy[str]:
    soup = st.lists(st.sampled_from(SPARQL_TOKENS + [f"<{canary.url}/sparql>", f"<{GRAPHS}private/x>",
                                                     f"<{PRIVATE_GRAPH}>"]), max_size=30).map(" ".join)
    patterns = st.lists(st.sampled_from([
        "?s ?p ?o .", "GRAPH ?g { ?s ?p ?o }", f"GRAPH <{PRIVATE_GRAPH}> {{ ?s ?p ?o }}",
        "OPTIONAL { ?s a ?t }", "FILTER(isIRI(?s))", "FILTER(CONTAINS(STR(?o), \"a\"))", "BIND(STR(?s) AS ?x)",
        "{ ?s ?p ?o } UNION { ?o ?p ?s }", "MINUS { ?s a ?t }", "VALUES ?s { <http://example.org/a> }",
        "?s <http://example.org/knows>+ ?o .", "?s (<http://example.org/knows>|^<http://example.org/knows>)* ?o .",
        f"SERVICE <{canary.url}/sparql> {{ ?s ?p ?o }}", "FILTER(?o > 1 && ?o < \"x\")",
    ]), max_size=4).map(" ".join)
    forms = st.sampled_from(["SELECT * WHERE {{ {} }} LIMIT 10", "SELECT (COUNT(*) AS ?n) WHERE {{ {} }}",
                             "ASK {{ {} }}", "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {} }} LIMIT 10",
                             "DESCRIBE ?s WHERE {{ {} }} LIMIT 3", f"SELECT * FROM <{PRIVATE_GRAPH}> WHERE {{{{ {{}} }}}}",
                             f"SELECT * FROM NAMED <{PRIVATE_GRAPH}> WHERE {{{{ {{}} }}}} LIMIT 5"])
    return st.one_of(st.tuples(forms, patterns).map(lambda fp: fp[0].format(fp[1])), mutated(soup), st.text(max_size=60))


def sparql_updates(canary: Canary) -> st.SearchStrategy[str]:
    graph = st.sampled_from([f"<{g}>" for g in TARGETS] + ["<relative>", "<graph/fuzz/rel>", "DEFAULT"])
    data = st.lists(triples, max_size=3).map(lambda ts: " ".join(t for t in ts))
    ops = st.one_of(
        st.tuples(graph, data).map(lambda gd: f"INSERT DATA {{ GRAPH {gd[0]} {{ {gd[1]} }} }}"),
        data.map(lambda d: f"INSERT DATA {{ {d} }}"),
        data.map(lambda d: f"DELETE DATA {{ {d} }}"),
        graph.map(lambda g: f"DELETE WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}"),
        graph.map(lambda g: f"CLEAR SILENT GRAPH {g}"),
        graph.map(lambda g: f"DROP GRAPH {g}"),
        st.tuples(graph, graph).map(lambda gg: f"COPY {gg[0]} TO {gg[1]}"),
        st.tuples(graph, graph).map(lambda gg: f"MOVE SILENT {gg[0]} TO {gg[1]}"),
        st.just("INSERT { ?s <http://example.org/seen> true } WHERE { ?s ?p ?o }"),
        st.just("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }"),
        st.just(f"LOAD <{canary.url}/data.ttl>"),
        st.just(f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{canary.url}/q> {{ ?s ?p ?o }} }}"),
        st.sampled_from(["CLEAR ALL", "CLEAR NAMED", "DROP DEFAULT", "CREATE GRAPH <http://example.org/g>"]),
    )
    return st.one_of(mutated(st.lists(ops, min_size=1, max_size=3).map(" ;\n".join)),
                     st.lists(st.sampled_from(SPARQL_TOKENS), max_size=20).map(" ".join))


# -- the fuzz tests ------------------------------------------------------------------------------

MEDIA_TYPES = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
               "application/trig", "application/n-quads", "text/n3", "text/plain", ""]


def _expected_triples(body: bytes, media_type: str) -> set[str]:
    fmt = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
           "application/ld+json": ox.RdfFormat.JSON_LD}[media_type]
    # through an in-memory Oxigraph store: it keeps the value, not the lexical form, of numbers, booleans
    # and dates ("0.0"^^xsd:decimal comes back as "0"; oxigraph/oxigraph#526), and so does driehoek's
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt, base_iri=BASE))
    return canonical(ox.serialize(store, format=ox.RdfFormat.N_QUADS))


def _graph_now(env: InProcess, graph: str) -> set[str]:
    response = env.request("GET", "/graph-store", query_string={"graph": graph},
                           headers={"Accept": "application/n-triples", **env.auth})
    assert response.status_code == 200, response.get_data(as_text=True)
    return canonical(response.get_data())


def _write_document(env: InProcess, method: str, graph: str | None, media_type: str, body: bytes) -> Any:
    before, snapshot = env.dump(), env.snapshot_name()
    params = {"graph": graph} if graph else {}
    headers = {**env.auth, **({"Content-Type": media_type} if media_type else {})}
    response = env.request(method, "/graph-store", query_string=params, data=body, headers=headers)
    check(response)
    refused_write_changed_nothing(env, before, snapshot, response)
    if method == "PUT" and graph and response.status_code in (200, 201, 204) and media_type in (
            "text/turtle", "application/n-triples", "application/ld+json"):
        assert _graph_now(env, graph) == _expected_triples(body, media_type), "the graph is not what was PUT"
    return response


@pytest.mark.parametrize("size", SIZES)
def test_fuzz_turtle_writes(inproc: InProcess, size: str) -> None:
    @fuzz_settings(size)
    @given(document=turtle_documents, method=st.sampled_from(["PUT", "POST"]),
           graph=st.sampled_from(TARGETS + [None]), media_type=st.sampled_from(MEDIA_TYPES[:2] + MEDIA_TYPES[6:]))
    def run(document: str, method: str, graph: str | None, media_type: str) -> None:
        TRIED[current_test()] = TRIED.get(current_test(), 0) + 1
        _write_document(inproc, method, graph, media_type, document.encode("utf-8", "surrogatepass"))

    run()
    print(f"{current_test()}: {TRIED.get(current_test(), 0)} inputs")


@pytest.mark.parametrize("size", SIZES)
def test_fuzz_jsonld_writes(inproc: InProcess, canary: Canary, size: str) -> None:
    @fuzz_settings(size)
    @given(document=jsonld_documents(canary), method=st.sampled_from(["PUT", "POST"]),
           graph=st.sampled_from(TARGETS[:4]), validate=st.booleans())
    def run(document: str, method: str, graph: str, validate: bool) -> None:
        TRIED[current_test()] = TRIED.get(current_test(), 0) + 1
        body = document.encode("utf-8", "surrogatepass")
        if validate:  # the public dry run parses the same way
            response = inproc.request("POST", "/validate", data=body, headers={"Content-Type": "application/ld+json"})
            check(response)
        else:
            _write_document(inproc, method, graph, "application/ld+json", body)

    run()
    print(f"{current_test()}: {TRIED.get(current_test(), 0)} inputs")
    assert canary.hits == []


@pytest.mark.parametrize("size", SIZES)
def test_fuzz_binary_bodies(inproc: InProcess, size: str) -> None:
    @fuzz_settings(size)
    @given(body=st.binary(max_size=300), media_type=st.sampled_from(MEDIA_TYPES),
           charset=st.sampled_from(["", "; charset=utf-8", "; charset=latin-1", "; charset=utf-16", ";;;"]))
    def run(body: bytes, media_type: str, charset: str) -> None:
        TRIED[current_test()] = TRIED.get(current_test(), 0) + 1
        content_type = media_type + charset if media_type else charset.lstrip("; ")
        _write_document(inproc, "PUT", GRAPHS + "fuzz/a", content_type, body)
        check(inproc.request("POST", "/validate", data=body, headers={"Content-Type": content_type}))

    run()
    print(f"{current_test()}: {TRIED.get(current_test(), 0)} inputs")


@pytest.mark.parametrize("size", SIZES)
def test_fuzz_sparql_queries(inproc: InProcess, canary: Canary, size: str) -> None:
    @fuzz_settings(size)
    @given(query=sparql_queries(canary), how=st.sampled_from(["get", "form", "direct"]),
           accept=st.sampled_from(["", "application/sparql-results+json", "text/csv", "text/turtle", "*/*",
                                   "application/ld+json", "image/png", "text/html"]),
           dataset=st.sampled_from([{}, {"default-graph-uri": PRIVATE_GRAPH}, {"named-graph-uri": PRIVATE_GRAPH},
                                    {"default-graph-uri": SEED_GRAPH}, {"default-graph-uri": "not an iri"}]))
    def run(query: str, how: str, accept: str, dataset: dict[str, str]) -> None:
        TRIED[current_test()] = TRIED.get(current_test(), 0) + 1
        headers = {"Accept": accept} if accept else {}
        if how == "get":
            response = inproc.request("GET", "/sparql", query_string={"query": query, **dataset}, headers=headers)
        elif how == "form":
            response = inproc.request("POST", "/sparql", data={"query": query, **dataset}, headers=headers)
        else:
            response = inproc.request("POST", "/sparql", query_string=dataset, data=query.encode("utf-8", "surrogatepass"),
                                      headers={**headers, "Content-Type": "application/sparql-query"})
        check(response)
        assert "geheim7f3a9c" not in response.get_data(as_text=True), "a private graph leaked into a result"

    run()
    print(f"{current_test()}: {TRIED.get(current_test(), 0)} inputs")
    assert canary.hits == []


@pytest.mark.parametrize("size", SIZES)
def test_fuzz_sparql_updates(inproc: InProcess, canary: Canary, size: str) -> None:
    @fuzz_settings(size)
    @given(update=sparql_updates(canary), form=st.booleans(),
           using=st.sampled_from([{}, {"using-graph-uri": SEED_GRAPH}, {"using-named-graph-uri": PRIVATE_GRAPH},
                                  {"using-graph-uri": "::"}]))
    def run(update: str, form: bool, using: dict[str, str]) -> None:
        TRIED[current_test()] = TRIED.get(current_test(), 0) + 1
        before, snapshot = inproc.dump(), inproc.snapshot_name()
        if form:
            response = inproc.request("POST", "/update", data={"update": update, **using}, headers=inproc.auth)
        else:
            response = inproc.request("POST", "/update", query_string=using, data=update.encode("utf-8", "surrogatepass"),
                                      headers={**inproc.auth, "Content-Type": "application/sparql-update"})
        check(response)
        refused_write_changed_nothing(inproc, before, snapshot, response)
        meta = inproc.request("GET", "/graph-store", query_string={"graph": GRAPHS + "meta"},
                              headers={"Accept": "application/n-triples"})
        assert meta.status_code == 200  # the metadata graph is never broken by an update

    run()
    print(f"{current_test()}: {TRIED.get(current_test(), 0)} inputs")
    assert canary.hits == []


# -- every endpoint: parameters and headers ------------------------------------------------------

PARAM_NAMES = ["graph", "default", "query", "update", "format", "page", "lang", "q", "text", "type", "corner",
               "ministry", "default-graph-uri", "named-graph-uri", "using-graph-uri", "reason", "year", "name", "x"]
PARAM_VALUES = st.one_of(st.sampled_from(["", "1", "-1", "0", "99999999999999999999", "nl", "en", "json", "csv",
                                          "turtle", "*/*", SEED_GRAPH, PRIVATE_GRAPH, GRAPHS + "meta", "ASK {}",
                                          "SELECT * { ?s ?p ?o }", "../../etc/passwd", "<script>alert(1)</script>",
                                          "%00", "\x00", "é", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")]),
                         st.text(max_size=20))
HEADER_VALUE = st.text(st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\x7f"), max_size=40)
HEADERS = st.dictionaries(st.sampled_from(["Accept", "Accept-Language", "Accept-Encoding", "Content-Type", "If-Match",
                                           "If-None-Match", "If-Modified-Since", "Range", "Cookie", "Origin",
                                           "Authorization", "X-Forwarded-For", "X-Forwarded-Host", "Content-Encoding",
                                           "Access-Control-Request-Method", "Access-Control-Request-Headers"]),
                          st.one_of(HEADER_VALUE, st.sampled_from(["text/html", "*/*", "application/json", "nl;q=0.5,en",
                                                                   "Bearer dh_x_y", "Bearer ", "Basic Zm9vOmJhcg==",
                                                                   "W/\"x\", *", "bytes=0-10", "lang=en", "gzip",
                                                                   "text/turtle;q=0", "*/*;q=-1", "lang=zz"])),
                          max_size=4)
PATHS = st.one_of(
    st.sampled_from(["/", "/health", "/sparql", "/graph-store", "/update", "/validate", "/withdraw", "/changes",
                     "/queries", "/def", "/def.ttl", "/organisations", "/cases", "/criteria", "/themes", "/events",
                     "/monitor", "/search", "/monitor/2024", "/monitor/2023.json", "/monitor/2024.csv",
                     "/id/case/digid", "/doc/case/digid", "/doc/case/digid.ttl", "/org/zb000117", "/static/driehoek.css",
                     "/.well-known/void", "/nonexistent"]),
    st.tuples(st.sampled_from(["/id", "/doc", "/org", "/queries", "/def", "/monitor", "/static", "/doc/case"]),
              st.text(SAFE + "%/.:@é<>", max_size=25)).map(lambda ps: ps[0] + "/" + ps[1]),
)


@pytest.mark.parametrize("size", SIZES)
def test_fuzz_every_endpoint(inproc: InProcess, size: str) -> None:
    @fuzz_settings(size)
    @given(method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]), path=PATHS,
           params=st.lists(st.tuples(st.sampled_from(PARAM_NAMES), PARAM_VALUES), max_size=4),
           headers=HEADERS, body=st.one_of(st.just(b""), st.binary(max_size=100), st.sampled_from(
               [b"update=CLEAR%20ALL", b"graph=x&reason=y", b"query=ASK%20%7B%7D", b"<a> <b> <c> ."])),
           authorised=st.booleans())
    def run(method: str, path: str, params: list[tuple[str, str]], headers: dict[str, str], body: bytes,
            authorised: bool) -> None:
        TRIED[current_test()] = TRIED.get(current_test(), 0) + 1
        if authorised:
            headers = {**headers, **inproc.auth}
        before, snapshot = inproc.dump(), inproc.snapshot_name()
        response = inproc.request(method, path, query_string=params, headers=headers, data=body)
        check(response)
        if method in WRITE_METHODS or path in ("/update", "/withdraw"):
            refused_write_changed_nothing(inproc, before, snapshot, response)

    run()
    print(f"{current_test()}: {TRIED.get(current_test(), 0)} inputs")


# -- raw requests to a real server ----------------------------------------------------------------

@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("fuzz-http") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        yield Steward(server, token)


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("size", SIZES)
def test_fuzz_raw_requests(steward: Steward, size: str) -> None:
    """Bytes on the wire that requests would never send: odd request lines, header bytes, chunking."""
    line_parts = st.sampled_from([b"GET", b"POST", b"PUT", b"get", b"\x00", b"GET GET", b"CONNECT", b"TRACE"])
    targets = st.sampled_from([b"/sparql?query=ASK%20%7B%7D", b"/graph-store?graph=%ZZ", b"*", b"http://x/health",
                               b"/doc/case/%2e%2e/%2e%2e/etc/passwd", b"/static/../../pyproject.toml",
                               b"//health", b"/health?" + b"a=1&" * 200, b"/\xff\xfe", b"/sparql?query=%C0%AF"])
    header_lines = st.lists(st.sampled_from([
        b"Host: x", b"Content-Length: 5", b"Content-Length: -1", b"Content-Length: 99999999999999999999",
        b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked", b"Content-Type: text/turtle",
        b"Accept: \xff\xfe", b"Authorization: Bearer \x00", b"X: " + b"y" * 1000, b"Expect: 100-continue",
        b"Connection: keep-alive", b"Content-Type: application/sparql-query; charset=utf-16", b": empty name",
    ]), max_size=5)
    bodies = st.sampled_from([b"", b"ASK {}", b"5\r\nhello\r\n0\r\n\r\n", b"zz\r\n", b"\x00" * 10])

    @fuzz_settings(size)
    @given(method=line_parts, target=targets, version=st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/9.9", b""]),
           headers=header_lines, body=bodies)
    def run(method: bytes, target: bytes, version: bytes, headers: list[bytes], body: bytes) -> None:
        TRIED[current_test()] = TRIED.get(current_test(), 0) + 1
        request = method + b" " + target + b" " + version + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + body
        answer = _raw(steward.server.port, request)
        status_line = answer.split(b"\r\n", 1)[0]
        assert b" 500 " not in status_line, answer[:1000]
        assert b"root:x:0:0" not in answer and b"[build-system]" not in answer
        assert steward.server.process.poll() is None

    run()
    print(f"{current_test()}: {TRIED.get(current_test(), 0)} inputs")
    assert requests.get(steward.url + "/health", timeout=30).status_code == 200
