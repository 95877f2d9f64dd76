"""The SHACL gate's bounds (issue 14 §3, §8): pyshacl runs in worker processes with a time limit and
a memory cap; anonymous dry runs have a size limit and a rate per client address; one overlong token
(pyoxigraph's 16 MiB buffer) is a 413. Each limit answers with JSON, writes nothing, and the service
carries on. The limits here are small so the tests stay short; no test asserts a duration.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import psutil
import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from driehoek import formats, validation
from driehoek.app import create_app
from driehoek.errors import PayloadTooLarge
from driehoek.service import Driehoek
from driehoek.store import parse

from . import backend
from .stewards import GRAPHS, make_data_dir, plain_turtle

SHAPES_DATA = Path(__file__).parent / "data" / "shapes"
CHAIN_GRAPH = GRAPHS + "bounds/chain"
# the apps below open their stores in a helper (_app), not through a conftest fixture: the remote passes keep this module
pytestmark = pytest.mark.usefixtures("store_backend")


def chain(length: int) -> bytes:
    """A named node and a chain of `length` blank nodes under it: one resource, so one chunk, and
    pyshacl's time and memory grow with it (10^6 of them took ~6 GB and ~140 s in the server)."""
    links = "".join(f"_:b{i} <http://example.org/next> _:b{i + 1} .\n" for i in range(length))
    return ("<http://example.org/root> <http://example.org/next> _:b0 .\n" + links).encode()


@dataclasses.dataclass
class App:
    """An app on its own data directory, a steward's token, and its service."""

    app: Flask
    token: str
    service: Driehoek

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def put(self, graph: str, body: bytes | str, content_type: str = "text/turtle"):  # type: ignore[no-untyped-def]
        return self.client.put("/graph-store", query_string={"graph": graph}, data=body,
                               headers={"Content-Type": content_type, **self.auth})

    def exists(self, graph: str) -> bool:
        response = self.client.get("/graph-store", query_string={"graph": graph},
                                   headers={"Accept": "application/n-triples", **self.auth})
        assert response.status_code in (200, 404), response.text
        return response.status_code == 200


def _app(tmp_path_factory: pytest.TempPathFactory, name: str, **limits: object) -> Iterator[App]:
    data_dir = tmp_path_factory.mktemp(name) / "var"
    token = make_data_dir(data_dir)
    settings = backend.settings_for(data_dir, **limits)
    service = Driehoek(settings)
    service.store.publish_snapshot()
    app = create_app(settings, service)
    try:
        yield App(app, token, service)
    finally:
        app.extensions["driehoek.pool"].close()
        service.close()


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """Validations may take 2 s (a chain of 100,000 blank nodes takes ~10 s)."""
    yield from _app(tmp_path_factory, "bounds-time", validation_timeout=2.0)


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """Validation workers may use 200 MiB of address space (an idle one: ~75 MiB)."""
    yield from _app(tmp_path_factory, "bounds-memory", validation_memory=200)


@pytest.fixture(scope="module")
def anonymous(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """Anonymous dry runs: at most 1,000 bytes, 3 a minute per client address."""
    yield from _app(tmp_path_factory, "bounds-anonymous", validate_anonymous_max=1000, validate_anonymous_rate=3)


# -- the time limit ----------------------------------------------------------------------------------

def test_a_validation_past_its_time_limit_is_503_and_its_worker_is_gone(timed: App) -> None:
    assert timed.put(GRAPHS + "bounds/warm", plain_turtle("warm")).status_code == 201  # a worker is ready
    pool = timed.service.validation_pool()
    before = set(pool.pids)
    assert before

    response = timed.put(CHAIN_GRAPH, chain(100_000), "application/n-triples")

    assert response.status_code == 503, response.text
    body = response.get_json()
    assert body["error"] == "validation_timeout"
    assert "stopped" in body["message"] and "nothing was written" in body["message"]
    assert int(response.headers["Retry-After"]) > 0
    gone = before - set(pool.pids)
    assert gone, "the worker that ran out of time is still in the pool"
    assert not any(psutil.pid_exists(pid) for pid in gone), "the stopped worker is still running"
    assert not timed.exists(CHAIN_GRAPH)
    # its successor takes the next write
    assert timed.put(GRAPHS + "bounds/after-timeout", plain_turtle("after")).status_code == 201


# -- the memory cap ----------------------------------------------------------------------------------

def test_a_validation_over_its_memory_cap_is_413_and_writes_nothing(capped: App) -> None:
    response = capped.put(CHAIN_GRAPH, chain(100_000), "application/n-triples")

    assert response.status_code == 413, response.text
    body = response.get_json()
    assert body["error"] == "payload_too_large"
    assert "200 MiB" in body["message"] and "split" in body["message"].lower()
    assert "nothing was written" in body["message"]
    assert not capped.exists(CHAIN_GRAPH)
    assert capped.put(GRAPHS + "bounds/after-memory", plain_turtle("after")).status_code == 201


def test_the_workers_give_the_results_the_callers_process_gives(capped: App) -> None:
    """Moving pyshacl into the workers changes no verdict (the shapes graph's blank nodes, which
    name some shapes and paths, are labelled afresh in every process)."""
    pool = capped.service.validation_pool()

    def named(term: str | None) -> str | None:
        return None if (term or "").startswith("_:") else term

    def comparable(report: validation.Report) -> list[str]:
        return sorted(repr((r.severity, r.focus, named(r.path), r.value, r.message, sorted(r.messages.items()),
                            r.constraint, named(r.shape))) for r in report.results)

    for path in sorted(SHAPES_DATA.glob("*.ttl")):
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        here = validation.validate(quads, source=path.name)
        there = validation.validate(quads, source=path.name, pool=pool)
        assert comparable(there) == comparable(here), path.name
        assert there.conforms == here.conforms


# -- anonymous dry runs ---------------------------------------------------------------------------

def _dry_run(app: App, body: bytes | str, peer: str, token: bool = False):  # type: ignore[no-untyped-def]
    return app.client.post("/validate", data=body, environ_base={"REMOTE_ADDR": peer},
                           headers={"Content-Type": "text/turtle", **(app.auth if token else {})})


def test_an_anonymous_dry_run_over_the_size_limit_is_413_and_a_steward_may_send_more(anonymous: App) -> None:
    body = "".join(plain_turtle(f"value {i}") for i in range(40))
    assert len(body.encode()) > 1000

    refused = _dry_run(anonymous, body, "10.1.0.1")

    assert refused.status_code == 413, refused.text
    message = refused.get_json()["message"]
    assert "1000 bytes" in message and "DRIEHOEK_MAX_UPLOAD" in message and "token" in message
    steward = _dry_run(anonymous, body, "10.1.0.1", token=True)
    assert steward.status_code == 200, steward.text
    assert steward.get_json()["conforms"] is True
    small = _dry_run(anonymous, plain_turtle("small"), "10.1.0.1")
    assert small.status_code == 200, small.text


def test_anonymous_dry_runs_are_limited_per_client_address(anonymous: App) -> None:
    for n in range(3):
        assert _dry_run(anonymous, plain_turtle(f"run {n}"), "10.2.0.1").status_code == 200

    refused = _dry_run(anonymous, plain_turtle("one more"), "10.2.0.1")

    assert refused.status_code == 429, refused.text
    assert refused.get_json()["error"] == "too_many_requests"
    assert "DRIEHOEK_VALIDATE_ANONYMOUS_RATE" in refused.get_json()["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert _dry_run(anonymous, plain_turtle("elsewhere"), "10.2.0.2").status_code == 200
    assert _dry_run(anonymous, plain_turtle("steward"), "10.2.0.1", token=True).status_code == 200


# -- one overlong token ------------------------------------------------------------------------------

LONG = 17_000_000  # past pyoxigraph's 16 MiB (16,777,216 bytes) token buffer


@pytest.mark.parametrize("content_type, body", [
    ("application/n-triples", b'<http://example.org/a> <http://example.org/b> "' + b"x" * LONG + b'" .\n'),
    ("text/turtle", b'<http://example.org/a> <http://example.org/b> "' + b"x" * LONG + b'" .\n'),
    ("text/turtle", b"<http://example.org/a> <http://example.org/b> <http://example.org/" + b"x" * LONG + b"> .\n"),
], ids=["n-triples literal", "turtle literal", "turtle IRI"])
def test_a_token_over_16_mib_is_413_json(anonymous: App, content_type: str, body: bytes) -> None:
    graph = GRAPHS + "bounds/long"
    put = anonymous.put(graph, body, content_type)
    assert put.status_code == 413, put.text[:500]
    assert put.is_json and "16 MiB" in put.get_json()["message"]
    dry_run = anonymous.client.post("/validate", data=body, headers={"Content-Type": content_type, **anonymous.auth})
    assert dry_run.status_code == 413 and "16 MiB" in dry_run.get_json()["message"]
    assert not anonymous.exists(graph)


def test_parse_names_the_token_limit() -> None:
    body = b'<http://example.org/a> <http://example.org/b> "' + b"x" * LONG + b'" .\n'
    with pytest.raises(PayloadTooLarge, match="16 MiB"):
        list(parse(body, formats.NTRIPLES, source_name="long.nt"))
