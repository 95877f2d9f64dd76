"""A case is a whole case: a node an upload only types is a reference to something the store already
describes, never a new case, organisation or relation without its required facts (issue 19, point 5).

Real server, real HTTP: each refused write is checked to have left the graph exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import requests

from driehoek import validation

from .stewards import BASE, GRAPHS, Steward, add_token, case_turtle, make_data_dir, running

DH = "https://w3id.org/driehoek/def#"
ORG = "http://www.w3.org/ns/org#"
CASE = BASE + "id/case/whole"
PREFIXES = f"@prefix dh: <{DH}> .\n@prefix org: <{ORG}> .\n"


@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("whole-case") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        yield Steward(server, token)


def _messages(response: requests.Response) -> str:
    return " ".join(r["message"] for r in response.json()["report"]["results"])


def _unchanged(steward: Steward, graph: str, before: requests.Response) -> None:
    after = steward.get(graph)
    assert after.status_code == before.status_code
    assert after.content == before.content


@pytest.mark.parametrize(("slug", "turtle", "about"), [
    ("case", f"<{BASE}id/case/bare> a dh:Case .", "title"),
    ("organisation", f"<{BASE}id/organisation/bare> a org:Organization .", "name"),
    ("relation", f"<{BASE}id/relation/bare> a dh:Relation .", "source"),
    ("assessment", f"<{BASE}id/assessment/bare> a dh:Assessment .", "criterion"),
])
def test_a_new_node_with_only_a_type_must_meet_its_shapes(steward: Steward, slug: str, turtle: str,
                                                         about: str) -> None:
    graph = GRAPHS + f"bare/{slug}"
    before = steward.get(graph)
    response = steward.put(graph, PREFIXES + turtle)
    assert response.status_code == 422, response.text
    report = response.json()["report"]
    assert report["violations"] >= 1
    focus = turtle.split(">")[0].removeprefix("<")
    assert {r["focus"] for r in report["results"]} == {focus}
    assert about in _messages(response).lower()
    _unchanged(steward, graph, before)


def test_a_case_the_store_describes_may_be_referred_to_by_its_type(steward: Steward) -> None:
    case_graph = GRAPHS + "cases/whole"
    assert steward.put(case_graph, case_turtle("whole", "Heel verhaal")).status_code == 201
    # another graph types the case it points at: a reference to a known case, accepted as before
    response = steward.put(GRAPHS + "refers/whole", PREFIXES + f"<{CASE}> a dh:Case .")
    assert response.status_code in (201, 204), response.text


def test_replacing_a_case_by_its_bare_type_is_refused(steward: Steward) -> None:
    """The description being replaced does not count: after the PUT the case would be a bare type."""
    case_graph = GRAPHS + "cases/replaced"
    assert steward.put(case_graph, case_turtle("replaced", "Vervangen")).status_code == 201
    before = steward.get(case_graph)
    response = steward.put(case_graph, PREFIXES + f"<{BASE}id/case/replaced> a dh:Case .")
    assert response.status_code == 422, response.text
    assert "title" in _messages(response).lower()
    _unchanged(steward, case_graph, before)


def test_an_update_inserting_a_bare_case_is_refused(steward: Steward) -> None:
    graph = GRAPHS + "bare/update"
    before = steward.get(graph)
    response = steward.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <{BASE}id/case/by-update> a <{DH}Case> }} }}")
    assert response.status_code == 422, response.text
    _unchanged(steward, graph, before)


def test_an_anonymous_dry_run_of_a_bare_case_does_not_conform(steward: Steward) -> None:
    response = requests.post(steward.url + "/validate", data=(PREFIXES + f"<{BASE}id/case/dry> a dh:Case .").encode(),
                             headers={"Content-Type": "text/turtle"}, timeout=120)
    assert response.status_code == 200, response.text
    assert response.json()["conforms"] is False


def test_another_stewards_private_case_is_not_known_to_the_gate(steward: Steward) -> None:
    """A private graph's case is no reference for a steward who cannot see it: otherwise the verdict
    on a bare type would tell whether someone's private graph describes that IRI."""
    secret = BASE + "id/case/secret"
    assert steward.put(GRAPHS + "private/whole", case_turtle("secret", "Geheim")).status_code == 201
    other = Steward(steward.server, add_token(steward.server.data_dir, "steward-other"))
    response = other.put(GRAPHS + "refers/secret", PREFIXES + f"<{secret}> a dh:Case .")
    assert response.status_code == 422, response.text
    # the owner sees its own private graph: for the owner the type is a reference
    response = steward.put(GRAPHS + "refers/secret-own", PREFIXES + f"<{secret}> a dh:Case .")
    assert response.status_code in (201, 204), response.text


def test_merely_typed_sees_only_types_and_direct_relations() -> None:
    def quad(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
        return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o)

    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    a, b, c, d = (ox.NamedNode(f"http://example.org/{x}") for x in "abcd")
    triples = [
        quad(a.value, rdf_type, ox.NamedNode(DH + "Case")),  # typed only: merely typed
        quad(b.value, rdf_type, ox.NamedNode(ORG + "Organization")),  # typed and supervising: still only a reference
        quad(b.value, DH + "supervises", a),
        quad(c.value, rdf_type, ox.NamedNode(DH + "Case")),  # typed and titled: described here
        quad(c.value, "http://purl.org/dc/terms/title", ox.Literal("t")),
        quad(d.value, rdf_type, ox.NamedNode("http://example.org/Other")),  # no shape targets it
    ]
    assert validation.merely_typed(triples) == {a, b}
    # cv:PublicOrganisation is a subclass of org:Organization in the ontology: its instances count too
    sub = [quad(d.value, rdf_type, ox.NamedNode("http://data.europa.eu/m8g/PublicOrganisation"))]
    assert validation.merely_typed(sub) == {d}
