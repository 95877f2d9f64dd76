"""The draft -> reviewed -> published flow (issue 19, point 6): a reviewed case must be as complete as a
published one, and every step is recorded with the write that made it, in the provenance (when, in the
public metadata graph; who, in the private provenance), and answered by a named query."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from .conftest import DATA
from .stewards import BASE, GRAPHS, Steward, case_turtle, make_data_dir, running

GRAPH = GRAPHS + "cases/voorbeeld"
CASE = BASE + "id/case/voorbeeld"
STATUS = BASE + "def/case-status/"
FIXTURE = (DATA / "shapes" / "case-published-ok.ttl").read_text("utf-8")


def _with_status(status: str) -> str:
    assert "dh:status status:published" in FIXTURE
    return FIXTURE.replace("dh:status status:published", f"dh:status status:{status}")


@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("case-flow") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        steward = Steward(server, token)
        # the organisations the case points at must be known to the store (a bare type is a reference)
        organisations = "".join(
            f'<{BASE}id/organisation/{slug}> a <http://www.w3.org/ns/org#Organization> ; '
            f'<http://www.w3.org/2004/02/skos/core#prefLabel> "{slug}"@nl ; '
            '<https://w3id.org/driehoek/def#organisationType> <https://w3id.org/driehoek/def/organisation-type/overig> ; '
            '<https://w3id.org/driehoek/def#corner> <https://w3id.org/driehoek/def/corner/uitvoering> ; '
            '<http://purl.org/dc/terms/source> <https://example.org/sources/test> .\n'
            for slug in ("voorbeeld-uitvoerder", "voorbeeld-ministerie", "driehoek-redactie"))
        assert steward.put(GRAPHS + "organisations/voorbeeld", organisations).status_code == 201
        yield steward


def _history(steward: Steward) -> list[dict]:
    response = requests.get(steward.url + "/queries/case-status-history.json", params={"case": CASE, "lang": "en"},
                            timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def test_each_step_of_the_flow_is_recorded_and_a_reviewed_case_is_complete(steward: Steward) -> None:
    assert steward.put(GRAPH, _with_status("draft")).status_code == 201
    # a reviewed case must be whole: the case without its assessments is refused, and nothing is recorded
    incomplete = case_turtle("voorbeeld", "Voorbeeldcasus").replace("case-status/draft", "case-status/reviewed")
    refused = steward.put(GRAPH, incomplete)
    assert refused.status_code == 422, refused.text
    assert steward.put(GRAPH, _with_status("reviewed")).status_code in (200, 204)
    assert steward.put(GRAPH, _with_status("published")).status_code in (200, 204)
    rows = _history(steward)
    steps = [(row.get("from", {}).get("value", ""), row.get("to", {}).get("value", "")) for row in rows]
    assert steps == [("", STATUS + "draft"), (STATUS + "draft", STATUS + "reviewed"),
                     (STATUS + "reviewed", STATUS + "published")]
    times = [row["when"]["value"] for row in rows]
    assert times == sorted(times)


def test_a_write_that_keeps_the_status_records_no_step(steward: Steward) -> None:
    before = len(_history(steward))
    assert steward.put(GRAPH, _with_status("published").replace("Voorbeeldcasus", "Voorbeeldcasus, herzien")
                       ).status_code in (200, 204)
    assert len(_history(steward)) == before


def test_the_reviewer_is_recorded_privately(steward: Steward) -> None:
    """Who made a step is the token's name, kept in the private provenance: never public."""
    dump = requests.get(steward.url + "/dump.nq", timeout=60).text
    assert "statusChange" in dump
    assert "steward-jansen" not in dump
