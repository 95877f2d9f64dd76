"""/org?{kind}={value} (issue 18, point 4): an organisation dereferenced by any identifier the register
gives it, checked against the register's YAML records (/work/shared/data/roo/organisaties), read here."""

from __future__ import annotations

import functools

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from driehoek.app import create_app

from . import backend
from .conftest import BASE, ROOT, Cli

ROO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "roo" / "organisaties"
ROO_TTL = ROOT / "data" / "organisations" / "roo.ttl.gz"
TOOI = "https://identifier.overheid.nl/tooi/id/"
# the parameter for each identifier of a register record
PARAMETERS = {"oin": "oin", "kvk": "kvk", "rsin": "rsin", "roo_id": "roo", "tooi": "tooi", "owms": "owms"}

pytestmark = pytest.mark.skipif(not ROO.is_dir(), reason=f"the register's YAML is not at {ROO}")


def _record(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROO / name).read_text("utf-8"))


@functools.cache
def _all_records() -> list[dict[str, Any]]:
    """Every record's identifiers (read once: the register has thousands of records)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    records = (yaml.load(p.read_text("utf-8"), Loader=loader) for p in sorted(ROO.rglob("*.yaml")))
    return [{"identifiers": r.get("identifiers") or {}} for r in records]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """The app on a store holding the ROO import alone (loaded as is: the crosswalk reads nothing else)."""
    target = tmp_path_factory.mktemp("crosswalk") / "var"
    result = Cli(target)("load", "--trusted", "--graph", BASE + "graph/organisations/roo", ROO_TTL)
    assert result.exit_code == 0, result.output
    app: Flask = create_app(backend.settings_for(target))
    yield app.test_client()
    app.extensions["driehoek"].close()
    app.extensions["driehoek.pool"].close()


def _path(tooi: str) -> str:
    return "/org/" + tooi.rsplit("/", 1)[-1]


@pytest.mark.parametrize("name", ["zbo/uwv.yaml", "zbo/svb.yaml", "provincies/dr.yaml", "gemeenten/delft.yaml"])
def test_every_identifier_of_a_record_leads_to_its_page(client: FlaskClient, name: str) -> None:
    record = _record(name)
    identifiers = record["identifiers"]
    tooi = identifiers["tooi"]
    tried = 0
    for key, parameter in PARAMETERS.items():
        value = identifiers.get(key)
        if not isinstance(value, str):  # absent, or read by YAML as a number (it would have lost its zeros)
            continue
        sharing = [r for r in _all_records() if str(r["identifiers"].get(key)) == value]
        response = client.get("/org", query_string={parameter: value})
        tried += 1
        if len(sharing) > 1:  # the register gives the number to other records too (Delft's to an rwt)
            assert response.status_code == 300, (name, key)
            choices = response.get_json()["organisations"]
            assert len(choices) == len(sharing) and _path(tooi) in [o["url"] for o in choices], (name, key)
            continue
        assert response.status_code == 303, (name, key, response.status_code, response.get_data(as_text=True))
        assert response.headers["Location"] == _path(tooi), (name, key)
    assert tried >= 4, name
    # the code alone does too
    assert client.get("/org", query_string={"tooi": tooi.rsplit("/", 1)[-1]}).headers["Location"] == _path(tooi)


def test_a_shared_kvk_number_lists_the_organisations(client: FlaskClient) -> None:
    # VWS and its inspectorate IGJ share one registration in the trade register
    kvk = "52511170"
    expected = sorted(r["identifiers"]["tooi"] for r in _all_records()
                      if str((r.get("identifiers") or {}).get("kvk")) == kvk)
    assert len(expected) == 2
    response = client.get(f"/org?kvk={kvk}")
    assert response.status_code == 300
    body = response.get_json()
    assert sorted(o["iri"] for o in body["organisations"]) == expected
    assert sorted(o["url"] for o in body["organisations"]) == sorted(_path(t) for t in expected)
    assert all(o["label"] for o in body["organisations"])
    assert body["identifier"] == {"kind": "kvk", "value": kvk}


def test_a_retired_tooi_iri_of_a_merged_ministry_moves_permanently(client: FlaskClient) -> None:
    retired = _record("ministeries/economische-zaken-2026.yaml")["identifiers"]
    canonical = _record("ministeries/ezk.yaml")["identifiers"]
    # the register holds two records of the one ministry: the same trade-register and OIN numbers
    assert retired["kvk"] == canonical["kvk"] and retired["oin"] == canonical["oin"]
    for value in (retired["tooi"], retired["tooi"].rsplit("/", 1)[-1]):
        response = client.get("/org", query_string={"tooi": value})
        assert response.status_code == 301, value
        assert response.headers["Location"] == _path(canonical["tooi"])
    assert client.get("/org", query_string={"tooi": canonical["tooi"]}).status_code == 303


def test_an_owms_term_with_either_scheme(client: FlaskClient) -> None:
    owms = _record("provincies/dr.yaml")["identifiers"]["owms"]
    assert owms.startswith("http://")
    for value in (owms, owms.replace("http://", "https://", 1)):
        response = client.get("/org", query_string={"owms": value})
        assert (response.status_code, response.headers["Location"]) == (303, "/org/pv22")


@pytest.mark.parametrize("query", ["oin=00000009999999999999", "kvk=99999999", "rsin=999999999", "roo=999999999",
                                   f"tooi={TOOI}ministerie/mnre9999", "tooi=zz9999",
                                   "owms=http://standaarden.overheid.nl/owms/terms/Nergenshuizen"])
def test_unknown_is_404(client: FlaskClient, query: str) -> None:
    response = client.get("/org?" + query)
    assert response.status_code == 404, query
    assert "no organisation" in response.get_json()["message"]


@pytest.mark.parametrize("query", ["oin=123", "oin=0000000100321436900X", "kvk=1234567", "kvk=abcdefgh", "rsin=12",
                                   "roo=12a", "tooi=Not A Code", "tooi=https://example.org/x",
                                   "owms=http://example.org/term", "owms=", "kvk=52811150&oin=00000001003214369000",
                                   "", "name=UWV", "kvk=52811150&kvk=52811151"])
def test_malformed_is_400(client: FlaskClient, query: str) -> None:
    response = client.get("/org?" + query)
    assert response.status_code == 400, query
    assert response.get_json()["message"]
