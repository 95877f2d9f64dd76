"""Ill-typed literals (issue 14 §8): a literal whose lexical form is not one of its XSD datatype
("abc"^^xsd:date, "1.5"^^xsd:integer) is a violation of the gate on every write path, named by value,
datatype, subject and predicate; the well-typed forms of those datatypes stay accepted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from driehoek.app import create_app
from driehoek.service import Driehoek

from . import backend
from .conftest import Cli
from .stewards import GRAPHS, make_data_dir

XSD = "http://www.w3.org/2001/XMLSchema#"
THING = "http://example.org/thing"
VALUE = "http://example.org/value"

ILL_TYPED = [
    ("abc", "date"),
    ("2020-13-01", "date"),
    ("1.5", "integer"),
    ("1_000", "integer"),  # Python's int() takes it; XSD does not
    ("300", "byte"),
    ("maybe", "boolean"),
    ("nan", "double"),  # XSD's is NaN
    ("20x0", "gYear"),
    ("2020-1", "gYearMonth"),
]
WELL_TYPED = [
    ("2020-05-01T12:00:00+02:00", "dateTime"),
    ("2020-05-01T12:00:00Z", "dateTime"),
    ("2020-05-01", "date"),
    ("2020", "gYear"),
    ("-0044", "gYear"),
    ("2020-05", "gYearMonth"),
    ("1.50", "decimal"),
    (".5", "decimal"),
    ("-5", "integer"),
    (" 7 ", "integer"),  # whitespace collapses
    ("1e5", "double"),
    ("INF", "double"),
    ("true", "boolean"),
    ("0", "boolean"),
    ("P1Y2M", "duration"),
]


def typed(lexical: str, datatype: str, predicate: str = VALUE) -> str:
    escaped = lexical.replace("\\", "\\\\").replace('"', '\\"')
    return f'<{THING}> <{predicate}> "{escaped}"^^<{XSD}{datatype}> .\n'


def well_typed() -> str:
    return "".join(typed(lexical, datatype, f"{VALUE}/{n}") for n, (lexical, datatype) in enumerate(WELL_TYPED)) \
        + f'<{THING}> <{VALUE}/text> "tekst"@nl .\n'


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    data_dir = tmp_path_factory.mktemp("ill-typed") / "var"
    token = make_data_dir(data_dir)
    settings = backend.settings_for(data_dir)
    service = Driehoek(settings)
    service.store.publish_snapshot()
    application = create_app(settings, service)
    yield application, token
    application.extensions["driehoek.pool"].close()
    service.close()


def _client(app: tuple[Flask, str]) -> tuple[FlaskClient, dict[str, str]]:
    return app[0].test_client(), {"Authorization": f"Bearer {app[1]}"}


def _named(result: dict, lexical: str, datatype: str, predicate: str = VALUE) -> bool:
    """The violation names the value, the datatype, the subject and the predicate."""
    message = result["message"]
    return (result["severity"] == "violation" and result["value"] == lexical and result["focus"] == THING
            and result["path"] == predicate and f'"{lexical}"' in message and f"xsd:{datatype}" in message
            and THING in message and predicate in message)


@pytest.mark.parametrize("lexical, datatype", ILL_TYPED, ids=[f"{d}-{v}" for v, d in ILL_TYPED])
def test_a_put_with_an_ill_typed_literal_is_422_naming_it(app: tuple[Flask, str], lexical: str,
                                                          datatype: str) -> None:
    client, auth = _client(app)
    graph = GRAPHS + "ill-typed/put"
    response = client.put("/graph-store", query_string={"graph": graph}, data=typed(lexical, datatype),
                          headers={"Content-Type": "text/turtle", **auth})
    assert response.status_code == 422, response.text
    body = response.get_json()
    assert body["error"] == "shacl_violation"
    assert any(_named(r, lexical, datatype) for r in body["report"]["results"]), body["report"]["results"]
    missing = client.get("/graph-store", query_string={"graph": graph}, headers=auth)
    assert missing.status_code == 404


def test_well_typed_forms_pass_and_only_the_ill_typed_literal_is_named(app: tuple[Flask, str]) -> None:
    client, auth = _client(app)
    graph = GRAPHS + "ill-typed/mixed"
    mixed = client.put("/graph-store", query_string={"graph": graph}, data=well_typed() + typed("abc", "date"),
                       headers={"Content-Type": "text/turtle", **auth})
    assert mixed.status_code == 422, mixed.text
    results = mixed.get_json()["report"]["results"]
    assert len(results) == 1 and _named(results[0], "abc", "date"), results
    accepted = client.put("/graph-store", query_string={"graph": graph}, data=well_typed(),
                          headers={"Content-Type": "text/turtle", **auth})
    assert accepted.status_code == 201, accepted.text


def test_a_dry_run_reports_an_ill_typed_literal(app: tuple[Flask, str]) -> None:
    """/validate answers 200 with the report, as for any violation (README): conforms false."""
    client, _auth = _client(app)
    response = client.post("/validate", data=typed("abc", "date"), headers={"Content-Type": "text/turtle"})
    assert response.status_code == 200, response.text
    report = response.get_json()
    assert report["conforms"] is False
    assert any(_named(r, "abc", "date") for r in report["results"]), report["results"]


def test_an_update_with_an_ill_typed_literal_is_422(app: tuple[Flask, str]) -> None:
    client, auth = _client(app)
    graph = GRAPHS + "ill-typed/update"
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ {typed("1.5", "integer")} }} }}'
    response = client.post("/update", data=update, headers={"Content-Type": "application/sparql-update", **auth})
    assert response.status_code == 422, response.text
    assert any(_named(r, "1.5", "integer") for r in response.get_json()["report"]["results"])
    assert client.get("/graph-store", query_string={"graph": graph}, headers=auth).status_code == 404


def test_the_cli_refuses_an_ill_typed_literal(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "ill-typed.ttl"
    data.write_text(typed("maybe", "boolean"))
    dry_run = cli("validate", data)
    assert dry_run.exit_code == 1
    assert '"maybe" is not a valid xsd:boolean' in dry_run.stdout
    load = cli("load", data)
    assert load.exit_code == 1 and "nothing was written" in load.stderr


def test_ill_typed_dates_that_a_shape_compares_are_reported_not_a_crash() -> None:
    """pyshacl compares a case's start and end dates (sh:lessThanOrEquals) and raised TypeError on an
    ill-typed one next to a valid one; the gate reports the literal instead, and still judges the rest."""
    import pyoxigraph as ox

    from driehoek import validation

    case = """
@prefix dh: <https://w3id.org/driehoek/def#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/driehoek/id/case/dates> a dh:Case ;
    dcterms:title "T"@nl , "T"@en ;
    dcterms:source <https://example.org/s> ;
    schema:startDate "abc"^^xsd:date ;
    schema:endDate "2021-01-01"^^xsd:date ;
    dh:status <https://w3id.org/driehoek/def/case-status/published> .
"""
    report = validation.validate(ox.parse(input=case.encode(), format=ox.RdfFormat.TURTLE), source="dates.ttl")
    messages = [r.message for r in report.results if r.severity == "violation"]
    assert sum("is not a valid xsd:date" in m for m in messages) == 1
    # the published case is still judged on the rest: no abstract, no assessments
    assert len(messages) > 1
