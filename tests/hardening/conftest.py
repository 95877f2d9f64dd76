"""Fixtures for the hardening tests (issue 8): servers with hostile and private data, an in-process
app whose live store can be dumped between requests, and a loopback canary that must never be called.

Every loop in these tests is bounded in count and time; all traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import requests

from driehoek.app import create_app
from driehoek.config import Settings
from driehoek.service import Driehoek

from .. import backend
from ..conftest import BASE, Cli, Server, canonical
from ..stewards import SEED_GRAPH, make_data_dir

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
GRAPHS = BASE + "graph/"
SECRET = "geheim7f3a9c"  # in every private literal and IRI: it must never come out of a public read path
SECRET_WORD = "zwijgplicht"  # in every private literal too: what a search for private data looks for
PRIVATE_GRAPH = f"{GRAPHS}private/members-{SECRET}"
HOSTILE_GRAPH = GRAPHS + "cases/hardening-hostile"
HOSTILE_CASE = BASE + "id/case/hardening-hostile"
SCRIPT = "<script>alert(1)</script>"
HANG_SECONDS = 60.0  # a guard against hangs, not a performance check

# How many inputs the fuzz tests try: the fast subset runs in `make test`, the slow one with -m slow.
EXAMPLES = {"fast": int(os.environ.get("DRIEHOEK_FUZZ_FAST", "25")),
            "slow": int(os.environ.get("DRIEHOEK_FUZZ_SLOW", "400"))}
SIZES = [pytest.param("fast", id="fast"), pytest.param("slow", id="slow", marks=pytest.mark.slow)]


# -- a canary: a loopback listener that records every connection -------------------------------

class Canary:
    """An HTTP listener on a free loopback port; `hits` records every request it gets. SSRF tests
    point remote contexts, SERVICE, LOAD and XML entities here and assert it stays silent."""

    def __init__(self) -> None:
        hits: list[str] = []
        self.hits = hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                hits.append(f"{self.command} {self.path}")
                body = b'{"@context": {"name": "http://xmlns.com/foaf/0.1/name"}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args: Any) -> None:
                pass

        class Listener(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

            def verify_request(self, request: Any, client_address: Any) -> bool:
                hits.append(f"connection from {client_address[0]}")  # even one that sends nothing
                return True

        self.server = Listener(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="package")
def canary() -> Iterator[Canary]:
    listener = Canary()
    yield listener
    listener.close()


def client_from(address: str) -> requests.Session:
    """A requests session whose connections come from another loopback address (127.0.0.0/8 is all
    loopback): a client of its own for the per-address limit on failed token checks."""

    class Adapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs["source_address"] = (address, 0)
            super().init_poolmanager(*args, **kwargs)

    session = requests.Session()
    session.mount("http://", Adapter())
    return session


# -- data ------------------------------------------------------------------------------------

def private_turtle() -> str:
    """Personal data in a private graph, some of it about public resources (so a page or a query
    that read the live store instead of the public snapshot would show it)."""
    return f"""
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<{BASE}id/case/digid> dcterms:title "{SECRET} zwijgplicht DigiD"@nl ; foaf:maker <urn:x-{SECRET}:person> .
<{HOSTILE_CASE}> dcterms:title "{SECRET} zwijgplicht"@nl .
<https://identifier.overheid.nl/tooi/id/zbo/zb000117> skos:prefLabel "{SECRET} zwijgplicht UWV"@nl .
<urn:x-{SECRET}:person> foaf:name "Jan {SECRET} zwijgplicht" ; foaf:mbox <mailto:{SECRET}@example.org> .
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


# -- a server on the bundled data with hostile and private additions -----------------------------

@dataclass
class Site:
    """A running server and what the tests know about it."""

    server: Server
    data_dir: Path
    token: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="package")
def site(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The bundled store plus a hostile case (script in every literal) and a private graph holding
    SECRET, with a steward token; one server for the read-path tests."""
    root = tmp_path_factory.mktemp("hardening-site")
    data_dir = root / "var"
    backend.copy_data_dir(bundled_data_dir, data_dir)
    cli = Cli(data_dir)
    result = cli("load", "--graph", HOSTILE_GRAPH, DATA / "hostile-case.ttl")
    assert result.exit_code == 0, result.output
    result = cli("load", "--trusted", "--graph", PRIVATE_GRAPH, write(root / "private.ttl", private_turtle()))
    assert result.exit_code == 0, result.output
    token = cli("token", "add", "hardening-steward")
    assert token.exit_code == 0, token.output
    server = Server(data_dir)
    yield Site(server, data_dir, token.stdout.strip())
    server.stop()


# -- an in-process app whose live store can be compared before and after a request --------------

@dataclass
class InProcess:
    """The Flask app on a small store, with the service at hand (its live store can be dumped)."""

    settings: Settings
    service: Driehoek
    app: Any
    token: str
    client: Any = field(init=False)

    def __post_init__(self) -> None:
        self.client = self.app.test_client()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def dump(self) -> set[str]:
        """Every quad of the live store (private, metadata and staging graphs included)."""
        out = io.BytesIO()
        self.service.store.dump(out)
        return canonical(out.getvalue())

    def snapshot_name(self) -> str | None:
        """What readers see, by name: the newest snapshot, or a remote store's version."""
        return self.service.published()[0] or None

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request (a hang is stopped by the suite's per-test time-out, not by a clock here)."""
        response = self.client.open(path, method=method, **kwargs)
        response.get_data()  # streamed bodies run to the end here (and are kept for the test)
        response.close()  # a static file's handle, a spool file's clean-up
        return response


def in_process(data_dir: Path, **settings: Any) -> InProcess:
    """A small data directory (seed graph, private graph, token) and the app on it."""
    token = make_data_dir(data_dir)
    cli = Cli(data_dir)
    result = cli("load", "--trusted", "--graph", PRIVATE_GRAPH, write(data_dir.parent / "private.ttl", private_turtle()))
    assert result.exit_code == 0, result.output
    config = backend.settings_for(data_dir, **settings)
    service = Driehoek(config)
    service.store.publish_snapshot()
    return InProcess(config, service, create_app(config, service), token)


def close(env: InProcess) -> None:
    env.app.extensions["driehoek.pool"].close()
    env.service.close()


@pytest.fixture(scope="module")
def inproc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    env = in_process(tmp_path_factory.mktemp("inproc") / "var", query_timeout=20.0)
    yield env
    close(env)


def is_json_error(response: Any) -> bool:
    """An error answer in driehoek's shape: JSON with `error` and `message` (or a small HTML page)."""
    content_type = response.headers.get("Content-Type", "")
    if content_type.startswith("text/html"):
        return True
    try:
        body = json.loads(response.get_data() if hasattr(response, "get_data") else response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and "error" in body and "message" in body


__all__ = ["BASE", "Canary", "client_from", "SECRET_WORD", "EXAMPLES", "GRAPHS", "HANG_SECONDS", "HOSTILE_CASE", "HOSTILE_GRAPH", "InProcess",
           "PRIVATE_GRAPH", "SCRIPT", "SECRET", "SEED_GRAPH", "SIZES", "Site", "close", "in_process",
           "is_json_error", "ox", "write"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` (and so .ci/run) runs plain `pytest`: the long hardening runs (marked slow) are
    skipped there and run with `pytest -m slow tests/hardening`."""
    if "slow" in (config.getoption("markexpr") or "") and "not slow" not in config.getoption("markexpr"):
        return
    skip = pytest.mark.skip(reason="a long hardening run: pytest -m slow tests/hardening")
    for item in items:
        if item.get_closest_marker("slow") is not None and HERE in Path(str(item.fspath)).parents:
            item.add_marker(skip)
