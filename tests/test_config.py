"""Settings: defaults, the environment, and the README documenting every one."""

from __future__ import annotations

from pathlib import Path

import pytest

from driehoek.config import Settings, describe

from .conftest import ROOT


def test_defaults_match_the_design() -> None:
    settings = Settings()
    assert settings.data_dir == Path("./var")
    assert settings.base_iri == "https://w3id.org/driehoek/"
    assert (settings.host, settings.port, settings.threads) == ("127.0.0.1", 8000, 8)
    assert (settings.query_timeout, settings.query_memory, settings.max_upload) == (30, 2048, 33554432)


def test_environment_is_read_and_coerced() -> None:
    settings = Settings.from_env({"DRIEHOEK_PORT": "9001", "DRIEHOEK_QUERY_TIMEOUT": "2.5",
                                  "DRIEHOEK_GRAPH_NAMESPACES": "http://a.example/g/, http://b.example/",
                                  "DRIEHOEK_DATA_DIR": "/tmp/x"})
    assert settings.port == 9001 and settings.query_timeout == 2.5
    assert settings.graph_namespaces == ("http://a.example/g/", "http://b.example/")
    assert settings.data_dir == Path("/tmp/x")


def test_overrides_beat_the_environment() -> None:
    assert Settings.from_env({"DRIEHOEK_PORT": "9001"}, port=9002).port == 9002


@pytest.mark.parametrize(("env", "message"), [
    ({"DRIEHOEK_PORT": "eighty"}, "DRIEHOEK_PORT"),
    ({"DRIEHOEK_BASE_IRI": "https://example.org/no-slash"}, "must end with"),
])
def test_bad_values_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_readme_lists_every_setting_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, default, _help in describe():
        assert f"`{name}`" in readme, f"{name} is not documented in the README"
        if default:
            assert default in readme, f"the default of {name} ({default}) is not in the README"


def test_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```", 2)[1]
    assert "make serve" in first_block and "make test" in first_block
