"""The test harness's store backend (tests/backend.py): every data directory of a test run on
`--store=oxigraph` has a live Oxigraph server of its own; on the embedded backend there is none."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from driehoek.config import Settings

from . import backend
from .conftest import DATA, Cli

remote = pytest.mark.skipif(backend.name() != backend.OXIGRAPH, reason="checks the oxigraph backend (--store=oxigraph); the virtuoso one: tests/test_virtuoso.py")
embedded = pytest.mark.skipif(backend.is_remote(), reason="checks the embedded backend (the default)")
GRAPH = "https://w3id.org/driehoek/graph/plain"


def _endpoint(settings: Settings) -> str:
    assert settings.store.startswith("sparql+http://127.0.0.1:") and settings.store.endswith("/query")
    return settings.store.removeprefix("sparql+")


def _ask(query_url: str, sparql: str) -> bool:
    response = requests.get(query_url, params={"query": sparql}, headers={"Accept": "application/sparql-results+json"},
                            timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def _insert(query_url: str, value: str) -> None:
    update_url = query_url.removesuffix("/query") + "/update"
    response = requests.post(update_url, data=f'INSERT DATA {{ <http://example.org/s> <http://example.org/p> "{value}" }}',
                             headers={"Content-Type": "application/sparql-update"}, timeout=30)
    assert response.status_code // 100 == 2, response.text


@embedded
def test_the_embedded_backend_has_no_store_url(settings: Settings, tmp_path: Path) -> None:
    assert backend.name() == backend.EMBEDDED
    assert settings.store == ""
    # the remote settings a test run may carry are cleared for an embedded data directory
    assert backend.env_for(tmp_path / "other") == {"DRIEHOEK_DATA_DIR": str(tmp_path / "other"), "DRIEHOEK_STORE": "",
                                                    "DRIEHOEK_STORE_UPDATE": "", "DRIEHOEK_STORE_GRAPH_STORE": "",
                                                    "DRIEHOEK_PUBLIC_STORE": ""}


@remote
def test_a_data_dir_has_a_live_oxigraph_server(settings: Settings) -> None:
    assert backend.name() == backend.OXIGRAPH
    query_url = _endpoint(settings)
    assert requests.get(query_url, params={"query": "ASK {}"}, timeout=10).status_code == 200
    server = backend.server_for(settings.data_dir)
    assert server.running() and server.query_url == query_url
    assert requests.get(query_url, params={"query": "ASK {}"}, timeout=10).headers["Server"].startswith("Oxigraph/")
    # the store lives outside the data directory, which the tests inspect
    assert settings.data_dir.resolve() not in server.location.resolve().parents
    assert backend.settings_for(settings.data_dir).store == settings.store  # one server per data directory
    assert backend.env_for(settings.data_dir)["DRIEHOEK_STORE"] == settings.store


@remote
def test_different_data_dirs_get_different_servers(store_backend: str, tmp_path: Path) -> None:
    first, second = backend.settings_for(tmp_path / "a"), backend.settings_for(tmp_path / "b")
    assert first.store != second.store
    _insert(_endpoint(first), "only in a")
    assert _ask(_endpoint(first), 'ASK { ?s ?p "only in a" }') is True
    assert _ask(_endpoint(second), 'ASK { ?s ?p "only in a" }') is False


@remote
def test_a_copied_data_dir_gets_a_copy_of_the_store(store_backend: str, tmp_path: Path) -> None:
    source = backend.settings_for(tmp_path / "source")
    source.data_dir.mkdir()
    _insert(_endpoint(source), "before the copy")
    backend.copy_data_dir(source.data_dir, tmp_path / "copy")
    copy = backend.settings_for(tmp_path / "copy")
    assert copy.store != source.store
    assert _ask(_endpoint(copy), 'ASK { ?s ?p "before the copy" }') is True
    _insert(_endpoint(copy), "only in the copy")
    source = backend.settings_for(source.data_dir)  # the source's server restarts on its own location
    assert _ask(_endpoint(source), 'ASK { ?s ?p "before the copy" }') is True
    assert _ask(_endpoint(source), 'ASK { ?s ?p "only in the copy" }') is False


@remote
def test_the_cli_writes_to_the_data_dirs_server_not_to_an_embedded_store(cli: Cli, settings: Settings) -> None:
    result = cli("load", DATA / "foundation" / "plain.ttl")
    assert result.exit_code == 0, result.output
    assert _ask(_endpoint(settings), f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}") is True
    assert not (settings.data_dir / "store").exists()


@remote
def test_a_test_s_own_servers_stop_when_it_ends(store_backend: str, tmp_path: Path) -> None:
    # the autouse fixture releases them after the test; here: a release stops the server
    settings = backend.settings_for(tmp_path / "var")
    server = backend.server_for(settings.data_dir)
    backend.release_under(tmp_path)
    assert not server.running() and not server.location.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(_endpoint(settings), params={"query": "ASK {}"}, timeout=5)


@pytest.mark.embedded_only("checks that the marker skips on the oxigraph backend")
def test_embedded_only_tests_do_not_run_on_a_remote_store(store_backend: str) -> None:
    assert store_backend == backend.EMBEDDED and not backend.is_remote()
