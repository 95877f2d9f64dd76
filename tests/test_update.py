"""/update and /validate over real HTTP, and the protocol's update dataset (using-graph-uri)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import rdflib
import requests
from rdflib.namespace import SH

from driehoek.errors import BadRequest
from driehoek.graphstore import apply_update_dataset

from .stewards import (BASE, CASE_GRAPH, GRAPHS, INVALID_CASE, Steward, case_turtle, make_data_dir, plain_turtle,
                       running, triples)

CASE = BASE + "id/case/test-case"
DCTERMS = "http://purl.org/dc/terms/"


@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("update") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir, {"DRIEHOEK_GRAPH_NAMESPACES": "http://example.org/ours/"}) as server:
        yield Steward(server, token)


def test_a_direct_update_changes_the_graph(steward: Steward) -> None:
    graph = GRAPHS + "update/direct"
    response = steward.update(f'INSERT DATA {{ GRAPH <{graph}> {{ {plain_turtle("u")} }} }}')
    assert response.status_code == 200, response.text
    assert graph in response.json()["graphs"]
    assert triples(steward.get(graph).content) == triples(plain_turtle("u").encode())


def test_a_form_update_changes_the_graph(steward: Steward) -> None:
    graph = GRAPHS + "update/form"
    response = requests.post(steward.url + "/update", timeout=60, headers=steward.auth,
                             data={"update": f'INSERT DATA {{ GRAPH <{graph}> {{ {plain_turtle("f")} }} }}'})
    assert response.status_code == 200, response.text
    assert triples(steward.get(graph).content) == triples(plain_turtle("f").encode())


def test_an_update_that_breaks_a_shape_is_422_and_changes_nothing(steward: Steward) -> None:
    assert steward.put(CASE_GRAPH, case_turtle()).status_code == 201
    before = steward.get(CASE_GRAPH)
    drop_titles = f"DELETE WHERE {{ GRAPH <{CASE_GRAPH}> {{ <{CASE}> <{DCTERMS}title> ?title }} }}"
    response = steward.update(drop_titles)
    assert response.status_code == 422
    assert response.json()["report"]["violations"] >= 1
    as_turtle = requests.post(steward.url + "/update", data=drop_titles.encode(), timeout=60, headers={
        "Content-Type": "application/sparql-update", "Accept": "text/turtle", **steward.auth})
    assert as_turtle.status_code == 422
    report = rdflib.Graph().parse(data=as_turtle.text, format="turtle")
    assert (None, SH.conforms, rdflib.Literal(False)) in report
    after = steward.get(CASE_GRAPH)
    assert (after.content, after.headers["ETag"]) == (before.content, before.headers["ETag"])


def test_an_update_outside_the_writable_namespaces_is_403(steward: Steward) -> None:
    response = steward.update(f"INSERT DATA {{ GRAPH <http://example.org/theirs> {{ {plain_turtle('x')} }} }}")
    assert response.status_code == 403
    configured = steward.update(f"INSERT DATA {{ GRAPH <http://example.org/ours/g> {{ {plain_turtle('x')} }} }}")
    assert configured.status_code == 200, configured.text


@pytest.mark.parametrize("sparql", ["LOAD <http://example.org/data.ttl>",
                                    "INSERT { ?s ?p ?o } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"])
def test_updates_that_fetch_urls_are_refused(steward: Steward, sparql: str) -> None:
    assert steward.update(sparql).status_code == 400


def test_a_syntax_error_is_400(steward: Steward) -> None:
    response = steward.update("INSERT DATA { <a:b> <a:c> ")
    assert response.status_code == 400
    assert response.json()["error"] == "syntax_error"


def test_update_protocol_errors(steward: Steward) -> None:
    url = steward.url + "/update"
    assert requests.get(url, params={"update": "CLEAR ALL"}, timeout=30).status_code == 405
    assert requests.post(url, data=b"CLEAR ALL", timeout=30, headers={
        "Content-Type": "text/plain", **steward.auth}).status_code == 415
    assert requests.post(url, data=b"update=CLEAR%20ALL", timeout=30, headers=steward.auth).status_code == 415
    two = requests.post(url, data={"update": ["CLEAR NAMED", "CLEAR DEFAULT"]}, timeout=30, headers=steward.auth)
    assert two.status_code == 400
    utf16 = requests.post(url, data="CLEAR ALL".encode("utf-16"), timeout=30, headers={
        "Content-Type": "application/sparql-update; charset=UTF-16", **steward.auth})
    assert utf16.status_code == 415
    both = steward.update("WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                          **{"using-named-graph-uri": "http://example.org/people"})
    assert both.status_code == 400
    assert steward.get(GRAPHS + "seed").status_code == 200  # none of it ran


def test_using_graph_uri_sets_the_where_dataset(steward: Steward) -> None:
    source, target = GRAPHS + "update/using-source", GRAPHS + "update/using-target"
    assert steward.put(source, plain_turtle("from source")).status_code == 201
    response = steward.update(f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}",
                              **{"using-graph-uri": source})
    assert response.status_code == 200, response.text
    assert triples(steward.get(target).content) == triples(plain_turtle("from source").encode())


# -- the rewrite behind using-graph-uri, as a function ---------------------------------------------

def test_apply_update_dataset_adds_using_before_each_top_level_where() -> None:
    sparql = ('PREFIX ex: <http://example.org/> CLEAR ALL ; INSERT { ex:a ex:b "WHERE {" } '
              'WHERE { { SELECT ?x WHERE { ?x ?y ?z } } } ; DELETE WHERE { ?a ?b ?c } ; '
              'DELETE { ?s ex:where ?o } WHERE { ?s ?p ?o } # WHERE in a comment')
    rewritten = apply_update_dataset(sparql, ["http://example.org/g1"], ["http://example.org/n1"])
    clause = "USING <http://example.org/g1> USING NAMED <http://example.org/n1> "
    assert rewritten.count(clause) == 2
    assert "DELETE WHERE { ?a" in rewritten  # DELETE WHERE has no USING
    assert f'"WHERE {{" }} {clause}WHERE {{ {{ SELECT ?x WHERE' in rewritten
    assert apply_update_dataset(sparql, [], []) == sparql


@pytest.mark.parametrize("sparql", ["WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                    "INSERT { ?s ?p ?o } USING <http://example.org/g> WHERE { ?s ?p ?o }"])
def test_apply_update_dataset_refuses_using_and_with_in_the_update(sparql: str) -> None:
    with pytest.raises(BadRequest):
        apply_update_dataset(sparql, ["http://example.org/x"], [])


# -- /validate: the gate as a dry run ------------------------------------------------------------------

def test_validate_reports_without_storing(steward: Steward) -> None:
    url = steward.url + "/validate"
    stored = requests.get(steward.url + "/health", timeout=30).json()["triples"]
    bad = requests.post(url, data=INVALID_CASE.encode(), headers={"Content-Type": "text/turtle"}, timeout=60)
    assert bad.status_code == 200
    assert bad.json()["conforms"] is False and bad.json()["violations"] >= 1
    good = requests.post(url, data=case_turtle("dry-run").encode(), headers={"Content-Type": "text/turtle"}, timeout=60)
    assert good.status_code == 200
    assert good.json()["conforms"] is True and good.json()["warnings"] == 4
    turtle = requests.post(url, data=INVALID_CASE.encode(), timeout=60,
                           headers={"Content-Type": "text/turtle", "Accept": "text/turtle"})
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    assert (None, SH.conforms, rdflib.Literal(False)) in rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert requests.post(url, data=b"<a:b> <a:c> .", headers={"Content-Type": "text/turtle"}, timeout=30).status_code == 400
    assert requests.post(url, data=b"x", headers={"Content-Type": "text/plain"}, timeout=30).status_code == 415
    assert requests.get(steward.url + "/health", timeout=30).json()["triples"] == stored  # nothing stored
