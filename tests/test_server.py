"""The real server: `driehoek serve` under waitress, over real HTTP."""

from __future__ import annotations

import requests

from .conftest import Server


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
