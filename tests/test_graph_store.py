"""/graph-store over real HTTP: tokens, the SHACL gate, ETags and If-Match, limits, private graphs."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.namespace import SH

from .conftest import Server
from .stewards import (CASE_GRAPH, add_token, GRAPHS, INVALID_CASE, SEED_GRAPH, TOKEN_NAME, Steward, case_turtle, full_dump,
                       make_data_dir, plain_turtle, running, triples)

OUTSIDE = "http://example.org/not-ours"


@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    """One server for the tests that do not need a store of their own; each uses its own graphs."""
    data_dir = tmp_path_factory.mktemp("graph-store") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        yield Steward(server, token)


# -- no token, bad token -------------------------------------------------------------------------------

WRITES = [
    ("PUT", "/graph-store", {"graph": GRAPHS + "auth-test"}, "text/turtle", plain_turtle("x")),
    ("PUT", "/graph-store", {"default": ""}, "text/turtle", plain_turtle("x")),
    ("PUT", "/graph-store", None, "application/trig", "<" + GRAPHS + "auth-test> { " + plain_turtle("x") + " }"),
    ("POST", "/graph-store", {"graph": GRAPHS + "auth-test"}, "text/turtle", plain_turtle("x")),
    ("POST", "/graph-store", None, "text/turtle", plain_turtle("x")),
    ("DELETE", "/graph-store", {"graph": SEED_GRAPH}, None, ""),
    ("POST", "/update", None, "application/sparql-update", f"DROP GRAPH <{SEED_GRAPH}>"),
    ("POST", "/update", None, "application/x-www-form-urlencoded", f"update=DROP%20GRAPH%20%3C{SEED_GRAPH}%3E"),
    ("POST", "/withdraw", None, "application/x-www-form-urlencoded", f"graph={SEED_GRAPH}&reason=test"),
]
WRITE_IDS = [f"{m} {p} {'&'.join(q or {})} {c}" for m, p, q, c, _b in WRITES]


def _send(url: str, method: str, path: str, params: dict | None, content_type: str | None, body: str,
          headers: dict[str, str]) -> requests.Response:
    all_headers = {**({"Content-Type": content_type} if content_type else {}), **headers}
    return requests.request(method, url + path, params=params, data=body.encode(), headers=all_headers, timeout=60)


@pytest.mark.parametrize(("method", "path", "params", "content_type", "body"), WRITES, ids=WRITE_IDS)
def test_every_write_without_a_token_is_401(steward: Steward, method: str, path: str, params: dict | None,
                                            content_type: str | None, body: str) -> None:
    before = steward.get(SEED_GRAPH)
    response = _send(steward.url, method, path, params, content_type, body, {})
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"] == "unauthorized"
    after = steward.get(SEED_GRAPH)
    assert (after.status_code, after.content, after.headers["ETag"]) == (200, before.content, before.headers["ETag"])
    assert steward.get(GRAPHS + "auth-test").status_code == 404


@pytest.mark.parametrize(("method", "path", "params", "content_type", "body"), WRITES, ids=WRITE_IDS)
def test_every_write_with_a_bad_token_is_401(steward: Steward, method: str, path: str, params: dict | None,
                                             content_type: str | None, body: str) -> None:
    bad = steward.token[:-4] + ("AAAA" if not steward.token.endswith("AAAA") else "BBBB")
    response = _send(steward.url, method, path, params, content_type, body, {"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert steward.get(SEED_GRAPH).status_code == 200
    assert steward.get(GRAPHS + "auth-test").status_code == 404


def test_another_auth_scheme_is_401(steward: Steward) -> None:
    response = requests.put(steward.url + "/graph-store", params={"graph": GRAPHS + "auth-test"},
                            data=plain_turtle("x"), timeout=30,
                            headers={"Content-Type": "text/turtle", "Authorization": "Basic c3Rld2FyZDp4"})
    assert response.status_code == 401


# -- reading and writing ---------------------------------------------------------------------------

def test_put_creates_then_replaces_with_etags(steward: Steward) -> None:
    graph = GRAPHS + "roundtrip"
    created = steward.put(graph, plain_turtle("one"))
    assert created.status_code == 201, created.text
    assert created.json()["graph"] == graph and created.json()["triples"] == 1
    first_etag = created.headers["ETag"]

    read = steward.get(graph)
    assert read.status_code == 200
    assert read.headers["Content-Type"] == "application/n-triples"
    assert read.headers["ETag"] == first_etag
    assert triples(read.content) == triples(plain_turtle("one").encode())

    assert steward.get(graph, **{"If-None-Match": first_etag}).status_code == 304

    replaced = steward.put(graph, plain_turtle("two"))
    assert replaced.status_code == 204
    assert replaced.content == b""
    assert replaced.headers["ETag"] != first_etag
    assert triples(steward.get(graph).content) == triples(plain_turtle("two").encode())


def test_get_negotiates_the_format(steward: Steward) -> None:
    graph = GRAPHS + "formats"
    assert steward.put(graph, plain_turtle("f")).status_code == 201
    turtle = steward.get(graph, accept="text/turtle")
    assert turtle.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert triples(turtle.content, "text/turtle") == triples(plain_turtle("f").encode())
    jsonld = steward.get(graph, accept="application/ld+json")
    assert jsonld.headers["Content-Type"].startswith("application/ld+json")
    assert steward.get(graph, accept="image/png").status_code == 406
    head = requests.head(steward.url + "/graph-store", params={"graph": graph}, timeout=30)
    assert head.status_code == 200 and head.headers["ETag"] and head.content == b""


def test_a_write_with_warnings_lands_and_returns_the_report(steward: Steward) -> None:
    response = steward.put(GRAPHS + "cases/with-warnings", case_turtle("with-warnings"))
    assert response.status_code == 201, response.text
    assert int(response.headers["Driehoek-Warnings"]) == 4  # a draft case has no assessments yet
    report = response.json()["report"]
    assert report["conforms"] is True and report["warnings"] == 4
    again = steward.put(GRAPHS + "cases/with-warnings", case_turtle("with-warnings", "Ander verhaal"))
    assert again.status_code == 200  # replaced, with warnings: a 204 could not carry them
    assert again.headers["Driehoek-Warnings"] == "4"


def test_post_merges_and_keeps_blank_nodes_apart(steward: Steward) -> None:
    graph = GRAPHS + "merged"
    body = '_:b0 <http://example.org/p> "same text" .\n'
    assert steward.post(graph, body, "application/n-triples").status_code == 201
    assert steward.post(graph, body, "application/n-triples").status_code == 204
    # two uploads, two blank nodes: labels in a document never merge with nodes already stored
    assert len(steward.get(graph).content.splitlines()) == 2


def test_post_without_graph_creates_one(steward: Steward) -> None:
    response = steward.post(None, plain_turtle("new"))
    assert response.status_code == 201, response.text
    location = response.headers["Location"]
    assert location.startswith(GRAPHS) and location == response.json()["graph"]
    assert triples(steward.get(location).content) == triples(plain_turtle("new").encode())


def test_delete(steward: Steward) -> None:
    graph = GRAPHS + "to-delete"
    assert steward.put(graph, plain_turtle("d")).status_code == 201
    assert steward.delete(graph).status_code == 204
    assert steward.get(graph).status_code == 404
    assert steward.delete(graph).status_code == 404


def test_a_dataset_body_writes_several_graphs(steward: Steward) -> None:
    a, b = GRAPHS + "dataset/a", GRAPHS + "dataset/b"
    body = f"<{a}> {{ {plain_turtle('a')} }}\n<{b}> {{ {plain_turtle('b')} }}\n"
    # a whole-dataset PUT is a dataset-wide operation: a steward's token is refused, an admin's lands
    refused = requests.put(steward.url + "/graph-store", data=body.encode(), timeout=60,
                           headers={"Content-Type": "application/trig", **steward.auth})
    assert refused.status_code == 403 and "admin" in refused.json()["message"]
    admin = add_token(steward.server.data_dir, "dataset-admin", "--admin")
    response = requests.put(steward.url + "/graph-store", data=body.encode(), timeout=60,
                            headers={"Content-Type": "application/trig", "Authorization": f"Bearer {admin}"})
    assert response.status_code == 200, response.text
    assert set(response.json()["graphs"]) == {a, b}
    assert triples(steward.get(a).content) == triples(plain_turtle("a").encode())
    assert triples(steward.get(b).content) == triples(plain_turtle("b").encode())
    # with ?graph a dataset makes no sense
    assert steward.put(a, body, "application/trig").status_code == 415


def test_unknown_graph_is_404_and_head_too(steward: Steward) -> None:
    assert steward.get(GRAPHS + "no-such-graph").status_code == 404
    head = requests.head(steward.url + "/graph-store", params={"graph": GRAPHS + "no-such-graph"}, timeout=30)
    assert head.status_code == 404


@pytest.mark.parametrize("query", ["", "?graph=a&default", f"?graph={GRAPHS}a&graph={GRAPHS}b", "?graph=not%20an%20iri"])
def test_graph_identification_errors_are_400(steward: Steward, query: str) -> None:
    assert requests.get(steward.url + "/graph-store" + query, timeout=30).status_code == 400
    put = requests.put(steward.url + "/graph-store" + query, data=plain_turtle("x").encode(), timeout=30,
                       headers={"Content-Type": "text/turtle", **steward.auth})
    assert put.status_code == 400


def test_the_default_graph(steward: Steward) -> None:
    response = requests.put(steward.url + "/graph-store?default", data=plain_turtle("default").encode(), timeout=60,
                            headers={"Content-Type": "text/turtle", **steward.auth})
    assert response.status_code in (200, 204), response.text
    read = requests.get(steward.url + "/graph-store?default", headers={"Accept": "application/n-triples"}, timeout=30)
    assert read.status_code == 200 and read.headers["ETag"]
    assert triples(read.content) == triples(plain_turtle("default").encode())


def test_a_syntax_error_is_400_with_line_and_column(steward: Steward) -> None:
    response = steward.put(GRAPHS + "broken", "@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "syntax_error" and body["line"] == 2
    assert steward.get(GRAPHS + "broken").status_code == 404


def test_an_empty_body_is_400(steward: Steward) -> None:
    response = steward.put(GRAPHS + "empty", b"")
    assert response.status_code == 400
    assert "DELETE" in response.json()["message"]


# -- media types, namespaces, limits ------------------------------------------------------------------

def test_unsupported_media_type_is_415(steward: Steward) -> None:
    response = steward.put(GRAPHS + "media", plain_turtle("x"), content_type="text/plain")
    assert response.status_code == 415
    assert "text/turtle" in response.json()["message"]


def test_missing_content_type_is_415(steward: Steward) -> None:
    response = requests.put(steward.url + "/graph-store", params={"graph": GRAPHS + "media"},
                            data=plain_turtle("x").encode(), headers=steward.auth, timeout=30)
    assert response.status_code == 415
    assert "no Content-Type" in response.json()["message"]


@pytest.mark.parametrize("graph", [OUTSIDE, GRAPHS + "meta", GRAPHS + "staging/x"])
def test_a_graph_outside_the_writable_namespaces_is_403(steward: Steward, graph: str) -> None:
    response = steward.put(graph, plain_turtle("x"))
    assert response.status_code == 403
    assert steward.delete(graph).status_code == 403


@pytest.fixture(scope="module")
def limits(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    """A server with a tiny upload limit, and its own failure counter for the rate limit."""
    data_dir = tmp_path_factory.mktemp("limits") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir, {"DRIEHOEK_MAX_UPLOAD": "2000"}) as server:
        yield Steward(server, token)


def test_a_body_over_max_upload_is_413(limits: Steward) -> None:
    body = "".join(plain_turtle(f"value {i}") for i in range(60))
    assert len(body) > 2000
    response = limits.put(GRAPHS + "too-large", body)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert limits.get(GRAPHS + "too-large").status_code == 404
    assert limits.put(GRAPHS + "small", plain_turtle("small")).status_code == 201


def test_guessing_tokens_is_stopped_with_429(limits: Steward) -> None:
    bad = {"Authorization": "Bearer dh_000000000000_guess", "Content-Type": "text/turtle"}
    url = limits.url + "/graph-store?graph=" + GRAPHS + "guess"
    statuses = [requests.put(url, data=b"<a:b> <a:c> <a:d> .", headers=bad, timeout=30).status_code
                for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert 1 <= int(requests.put(url, data=b"<a:b> <a:c> <a:d> .", headers=bad, timeout=30).headers["Retry-After"]) <= 60
    # no lockout: a valid token from the same address is never refused by the limiter
    assert limits.put(GRAPHS + "guess", plain_turtle("x")).status_code == 201


# -- private graphs ---------------------------------------------------------------------------------

def test_a_private_graph_needs_a_token_to_read(steward: Steward) -> None:
    graph = GRAPHS + "private/assessors"
    secret = '<http://example.org/assessor> <http://xmlns.com/foaf/0.1/mbox> <mailto:a@example.org> .\n'
    assert steward.put(graph, secret, "application/n-triples").status_code == 201
    anonymous = steward.get(graph)
    assert anonymous.status_code == 401
    assert b"mailto" not in anonymous.content
    # a private graph that does not exist gets the same answer: its existence is not revealed
    assert steward.get(GRAPHS + "private/no-such-graph").status_code == 401
    with_token = steward.get(graph, token=True)
    assert with_token.status_code == 200
    assert with_token.headers["ETag"]
    assert triples(with_token.content) == triples(secret.encode())
    assert "no-store" in with_token.headers["Cache-Control"]


# -- the SHACL gate: 422 and nothing written ---------------------------------------------------------

def test_a_write_that_breaks_a_shape_is_422_and_changes_nothing(store_backend: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        steward = Steward(server, token)
        assert steward.put(CASE_GRAPH, case_turtle()).status_code == 201
    before = full_dump(data_dir)
    with running(data_dir) as server:
        steward = Steward(server, token)
        read_before = steward.get(CASE_GRAPH)

        rejected = steward.put(CASE_GRAPH, INVALID_CASE)
        assert rejected.status_code == 422
        body = rejected.json()
        assert body["error"] == "shacl_violation"
        assert body["report"]["conforms"] is False and body["report"]["violations"] >= 1
        focus = {r["focus"] for r in body["report"]["results"] if r["severity"] == "violation"}
        assert focus == {"https://w3id.org/driehoek/id/case/invalid-example"}

        as_turtle = steward.put(CASE_GRAPH, INVALID_CASE, Accept="text/turtle")
        assert as_turtle.status_code == 422
        assert as_turtle.headers["Content-Type"].startswith("text/turtle")
        report = rdflib.Graph().parse(data=as_turtle.text, format="turtle")
        assert (None, SH.conforms, rdflib.Literal(False)) in report

        merged = steward.post(CASE_GRAPH, INVALID_CASE)  # a merge is checked on the merged result
        assert merged.status_code == 422
        created = steward.post(None, INVALID_CASE)
        assert created.status_code == 422

        read_after = steward.get(CASE_GRAPH)
        assert (read_after.content, read_after.headers["ETag"]) == (read_before.content, read_before.headers["ETag"])
    assert full_dump(data_dir) == before


# -- If-Match: no lost updates --------------------------------------------------------------------------

def test_if_match_mismatch_is_412(steward: Steward) -> None:
    graph = GRAPHS + "conditional"
    assert steward.put(graph, plain_turtle("v1")).status_code == 201
    stale = '"0123456789abcdef0123456789abcdef"'
    response = steward.put(graph, plain_turtle("v2"), **{"If-Match": stale})
    assert response.status_code == 412
    assert response.json()["etag"]
    assert steward.delete(graph, **{"If-Match": stale}).status_code == 412
    assert steward.put(graph, plain_turtle("v2"), **{"If-None-Match": "*"}).status_code == 412
    assert steward.put(GRAPHS + "conditional-new", plain_turtle("v1"), **{"If-None-Match": "*"}).status_code == 201
    current = steward.get(graph).headers["ETag"]
    assert steward.put(graph, plain_turtle("v2"), **{"If-Match": current}).status_code == 204


def test_two_writers_racing_with_if_match_lose_no_update(steward: Steward) -> None:
    graph = GRAPHS + "race"
    assert steward.put(graph, plain_turtle("start")).status_code == 201
    for round_ in range(5):
        etag = steward.get(graph).headers["ETag"]
        barrier = threading.Barrier(2)
        results: dict[str, requests.Response] = {}

        def write(name: str) -> None:
            barrier.wait()
            results[name] = steward.put(graph, plain_turtle(f"{name} {round_}"), **{"If-Match": etag})

        threads = [threading.Thread(target=write, args=(name,)) for name in ("alice", "bob")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(r.status_code for r in results.values())
        assert statuses == [204, 412], statuses
        winner = next(name for name, r in results.items() if r.status_code == 204)
        final = steward.get(graph)
        assert triples(final.content) == triples(plain_turtle(f"{winner} {round_}").encode())
        assert final.headers["ETag"] == results[winner].headers["ETag"]


# -- the changes are public, the agents are not ----------------------------------------------------

def test_no_agent_name_is_ever_public(steward: Steward) -> None:
    assert steward.put(GRAPHS + "agent-check", plain_turtle("a")).status_code == 201
    feed = requests.get(steward.url + "/changes", timeout=30)
    meta = steward.get(GRAPHS + "meta")
    assert meta.status_code == 200
    assert TOKEN_NAME not in feed.text
    assert TOKEN_NAME.encode() not in meta.content
    assert steward.get(GRAPHS + "private/provenance", token=True).status_code == 404  # a steward's token: no
    admin = add_token(steward.server.data_dir, "provenance-admin", "--admin")
    provenance = requests.get(steward.url + "/graph-store", params={"graph": GRAPHS + "private/provenance"},
                              headers={"Accept": "application/n-triples", "Authorization": f"Bearer {admin}"}, timeout=60)
    assert TOKEN_NAME.encode() in provenance.content  # recorded, for admins only


# -- a server killed in the middle of a PUT ---------------------------------------------------------

def _version(number: int, size: int) -> bytes:
    return "".join(f'<http://example.org/item/{i}> <http://example.org/value> "version {number} item {i} '
                   f'{"x" * 40}" .\n' for i in range(size)).encode()


@pytest.mark.slow
def test_a_server_killed_mid_put_leaves_the_graph_old_or_new(store_backend: str, tmp_path: Path) -> None:
    size = 20_000  # about 2 MB of N-Triples a request
    data_dir = tmp_path / "var"
    token = make_data_dir(data_dir)
    graph = GRAPHS + "big"
    versions = {n: _version(n, size) for n in range(4)}
    rng = random.Random()
    interrupted = 0
    server = Server(data_dir)
    try:
        assert Steward(server, token).put(graph, versions[0], "application/n-triples").status_code == 201
        for round_ in range(3):
            stop = threading.Event()
            outcomes: list[str] = []

            def writer(steward: Steward) -> None:
                number = 1
                while not stop.is_set():
                    try:
                        response = steward.put(graph, versions[number % 4], "application/n-triples")
                        outcomes.append(str(response.status_code))
                    except requests.RequestException as err:
                        # refused: the kill came between two requests; anything else cut one short
                        outcomes.append("refused" if "refused" in str(err).lower() else "cut")
                        return
                    number += 1

            thread = threading.Thread(target=writer, args=(Steward(server, token),))
            thread.start()
            time.sleep(rng.uniform(1.0, 8.0))
            server.process.kill()  # SIGKILL: no cleanup, no flush
            server.process.wait()
            server.log.close()
            stop.set()
            thread.join(60)
            interrupted += outcomes.count("cut")
            assert all(o in ("204", "cut", "refused") for o in outcomes), outcomes

            server = Server(data_dir)  # restart: the store opens and drops what a killed write left
            read = Steward(server, token).get(graph)
            assert read.status_code == 200
            lines = read.content.splitlines()
            found = {line.split(b'"version ', 1)[1].split(b" ", 1)[0] for line in lines}
            assert len(found) == 1 and len(lines) == size, (round_, found, len(lines))
    finally:
        server.stop()
    assert interrupted >= 1, "no kill landed during a request"
