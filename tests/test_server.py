"""The real server: `driehoek serve` under waitress, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .conftest import Server
from .fixtures_shared import shared_server


@pytest.fixture(scope="module")
def server(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server on a copy of the bundled store for this module: its tests only read."""
    yield from shared_server(bundled_data_dir, tmp_path_factory, "server")


def test_health_reports_the_triple_count(server: Server) -> None:
    response = requests.get(server.url + "/health", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["triples"] > 10_000  # the bundled register alone is far larger
    assert body["snapshot_age_seconds"] >= 0
    assert response.headers["Server"] == "driehoek"


def test_unknown_path_is_a_json_404(server: Server) -> None:
    response = requests.get(server.url + "/no/such/thing", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_unknown_path_is_an_html_404_for_browsers(server: Server) -> None:
    response = requests.get(server.url + "/no/such/<thing>", headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<thing>" not in response.text
