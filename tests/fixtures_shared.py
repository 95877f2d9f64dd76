"""The page and view tests' web access without a server: Flask's test client on a data directory,
called the way the tests call `requests` (so that a test moved off real HTTP keeps its assertions).

What runs in-process is what `driehoek serve` runs (server.run): the same Driehoek service on the same
data directory, a snapshot published before the first request, the app from `create_app(settings,
service)`. What it leaves out is waitress in front of the app (its own 400/413/431 answers, the
`Server` header, proxy headers from untrusted peers) and the sockets: the tests of those keep a real
server (test_server.py, test_proxies.py, hardening/, the protocol and write-path suites).
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers
from werkzeug.test import TestResponse

from driehoek import pages
from driehoek.app import create_app
from driehoek.service import Driehoek

from . import backend
from .conftest import Server
from .site import snapshot_of


class Reply:
    """A test-client response with the attributes the tests read from a `requests.Response`."""

    def __init__(self, response: TestResponse) -> None:
        self._response = response
        self.status_code: int = response.status_code
        self.headers: Headers = response.headers
        self.content: bytes = response.get_data()

    @property
    def text(self) -> str:
        """The body decoded with the charset the response names (UTF-8 when it names none)."""
        return self.content.decode(self._response.mimetype_params.get("charset", "utf-8"), errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON (a ValueError when it is not JSON, as with requests)."""
        return jsonlib.loads(self.content)


class Browser:
    """GET and HEAD through one test client; with cookies only when asked (a requests.Session)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, path: str, headers: Mapping[str, str] | None = None,
            params: Mapping[str, str] | None = None) -> Reply:
        """GET `path` (redirects not followed, like `requests.get(..., allow_redirects=False)`)."""
        query = {"query_string": dict(params)} if params else {}  # werkzeug refuses both it and a ?query
        return Reply(self.client.get(path, headers=dict(headers or {}), **query))

    def head(self, path: str, headers: Mapping[str, str] | None = None) -> Reply:
        return Reply(self.client.head(path, headers=dict(headers or {})))


class InProcessSite:
    """The app of `driehoek serve` on one data directory, reached through Flask's test client."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.settings = backend.settings_for(data_dir)
        self.service = Driehoek(self.settings)
        self.service.init()  # as server.run does: a no-op on a copied store, which is never empty
        self.service.store.publish_snapshot()  # as server.run does before it serves
        self.app = create_app(self.settings, self.service)
        # no cookies between calls: each `get` is a new client, like a plain requests.get
        self._plain = Browser(self.app.test_client(use_cookies=False))

    def get(self, path: str, headers: Mapping[str, str] | None = None,
            params: Mapping[str, str] | None = None) -> Reply:
        """One GET without cookies."""
        return self._plain.get(path, headers, params)

    def head(self, path: str, headers: Mapping[str, str] | None = None) -> Reply:
        """One HEAD without cookies."""
        return self._plain.head(path, headers)

    def snapshot(self) -> pages.Snapshot:
        """The app's newest snapshot, read-only, as the pages see it (through the app's own service:
        a second one on the same embedded store would find it locked)."""
        return snapshot_of(self.service)

    def session(self) -> Browser:
        """A client that keeps the cookies it is given, like a requests.Session."""
        return Browser(self.app.test_client(use_cookies=True))

    def close(self) -> None:
        """Stop the query workers and release the store, as server.run does when it stops."""
        self.app.extensions["driehoek.pool"].close()
        self.service.close()


def copy_of_bundled(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A data directory of its own holding a copy of the bundled store (copied, never re-validated)."""
    data_dir = tmp_path_factory.mktemp(name) / "var"
    backend.copy_data_dir(bundled_data_dir, data_dir)
    return data_dir


def shared_server(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Server]:
    """A real server on a copy of the bundled store, for a module's read-only tests (use it in a
    module-scoped fixture: `yield from shared_server(...)`); stopped when the module ends."""
    server = Server(copy_of_bundled(bundled_data_dir, tmp_path_factory, name))
    try:
        yield server
    finally:
        server.stop()


def shared_site(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[InProcessSite]:
    """The app in-process on a copy of the bundled store, for a module's read-only page and view tests."""
    site = InProcessSite(copy_of_bundled(bundled_data_dir, tmp_path_factory, name))
    try:
        yield site
    finally:
        site.close()
