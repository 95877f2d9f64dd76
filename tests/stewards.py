"""Helpers for the write-path tests: a small data directory, a token, and a steward's requests.

The data directory holds one tiny seed graph (loaded with --trusted) and no bundled data, so that
`driehoek serve` starts in seconds and the tests know every graph in the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import requests

from .conftest import BASE, DATA, Cli, Server

GRAPHS = BASE + "graph/"
CASE_GRAPH = GRAPHS + "cases/test-case"
SEED_GRAPH = GRAPHS + "seed"
TOKEN_NAME = "steward-jansen"  # must never show up in anything public


def case_turtle(slug: str = "test-case", title: str = "Testverhaal") -> str:
    """A draft case that passes the gate (with warnings: a draft has no assessments yet)."""
    return f"""
@prefix dh: <https://w3id.org/driehoek/def#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{BASE}id/case/{slug}> a dh:Case ;
    dcterms:title "{title}"@nl , "{title} (en)"@en ;
    dcterms:source <https://example.org/sources/{slug}> ;
    dh:status <{BASE}def/case-status/draft> .
"""


# A published case with no title, no source and no assessments: the gate refuses it.
INVALID_CASE = (DATA / "foundation" / "invalid-case.ttl").read_text("utf-8")

# Triples no shape targets: they pass the gate without warnings (PUT answers 204).
def plain_turtle(value: str) -> str:
    """Untargeted triples whose content depends on `value`."""
    return f'<http://example.org/thing> <http://example.org/value> "{value}" .\n'


def make_data_dir(data_dir: Path, *, admin: bool = False) -> str:
    """A data directory with the seed graph and one steward token (an admin's if asked); returns the token."""
    cli = Cli(data_dir)
    result = cli("load", "--trusted", "--graph", SEED_GRAPH, DATA / "foundation" / "plain.ttl")
    assert result.exit_code == 0, result.output
    token = cli("token", "add", TOKEN_NAME, *(["--admin"] if admin else []))
    assert token.exit_code == 0, token.output
    return token.stdout.strip()


def add_token(data_dir: Path, name: str, *options: str) -> str:
    """Another token for a data directory (`--admin`, `--scope PREFIX`), also while a server runs."""
    result = Cli(data_dir)("token", "add", name, *options)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


class Steward:
    """A client with a token for one server."""

    def __init__(self, server: Server, token: str) -> None:
        self.server, self.token = server, token
        self.url = server.url

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def put(self, graph: str, body: str | bytes, content_type: str = "text/turtle",
            **headers: str) -> requests.Response:
        return requests.put(self.url + "/graph-store", params={"graph": graph}, data=_bytes(body),
                            headers={"Content-Type": content_type, **self.auth, **headers}, timeout=120)

    def post(self, graph: str | None, body: str | bytes, content_type: str = "text/turtle",
             **headers: str) -> requests.Response:
        params = {"graph": graph} if graph else None
        return requests.post(self.url + "/graph-store", params=params, data=_bytes(body),
                             headers={"Content-Type": content_type, **self.auth, **headers}, timeout=120)

    def delete(self, graph: str, **headers: str) -> requests.Response:
        return requests.delete(self.url + "/graph-store", params={"graph": graph},
                               headers={**self.auth, **headers}, timeout=60)

    def get(self, graph: str, *, token: bool = False, accept: str = "application/n-triples",
            **headers: str) -> requests.Response:
        auth = self.auth if token else {}
        return requests.get(self.url + "/graph-store", params={"graph": graph},
                            headers={"Accept": accept, **auth, **headers}, timeout=60)

    def update(self, sparql: str, **params: str) -> requests.Response:
        return requests.post(self.url + "/update", params=params or None, data=sparql.encode(),
                             headers={"Content-Type": "application/sparql-update", **self.auth}, timeout=120)

    def changes(self, page: int | None = 1) -> dict:
        response = requests.get(self.url + "/changes", params={"page": page} if page else None, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()


def _bytes(body: str | bytes) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def triples(body: bytes, media_type: str = "application/n-triples") -> set[str]:
    """The triples of a response body, as canonical N-Triples lines (blank nodes renamed canonically)."""
    fmt = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE}[media_type]
    dataset = ox.Dataset(ox.parse(body, format=fmt))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


@contextmanager
def running(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """A server on `data_dir` for the length of a with-block."""
    server = Server(data_dir, env)
    try:
        yield server
    finally:
        server.stop()


def full_dump(data_dir: Path) -> bytes:
    """`driehoek dump` of a data directory (the server must be stopped), lines sorted."""
    return Cli(data_dir).dump()
