"""Token roles and scopes: `driehoek token add NAME [--admin] [--scope PREFIX]...`, what the store keeps,
and who a token speaks for on the web (`require_principal()`). Tokens made before roles existed keep
working, as stewards without scopes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from driehoek.app import create_app
from driehoek.config import Settings
from driehoek.errors import BadRequest, Unauthorized
from driehoek.service import Driehoek
from driehoek.tokens import Principal, TokenStore
from driehoek.web.auth import optional_principal, optional_token, require_principal, require_token

from .conftest import Cli

GRAPHS = "https://w3id.org/driehoek/graph/"
BZK = GRAPHS + "bzk/"


def _listing(cli: Cli) -> dict[str, list[str]]:
    """`token list` as name -> [id, role, created, state, scopes]."""
    result = cli("token", "list")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert all(len(row) == 6 for row in rows), rows
    return {row[0]: row[1:] for row in rows}


def test_the_cli_stores_and_lists_roles_and_scopes(cli: Cli) -> None:
    admin = cli("token", "add", "beheer", "--admin")
    scoped = cli("token", "add", "steward-bzk", "--scope", BZK, "--scope", "urn:x-bzk:")
    plain = cli("token", "add", "steward")
    for result in (admin, scoped, plain):
        assert result.exit_code == 0, result.output
        assert len(result.stdout.splitlines()) == 1 and result.stdout.startswith("dh_")  # the token alone

    listing = _listing(cli)
    assert [listing[name][1] for name in ("beheer", "steward-bzk", "steward")] == ["admin", "steward", "steward"]
    assert listing["steward-bzk"][4] == f"{BZK} urn:x-bzk:"
    assert listing["steward"][4] == listing["beheer"][4] == "all graphs"
    assert all(row[3] == "active" for row in listing.values())

    store = TokenStore(cli.data_dir)
    assert store.principal(admin.stdout.strip()) == Principal("beheer", "admin", ())
    assert store.principal(scoped.stdout.strip()) == Principal("steward-bzk", "steward", (BZK, "urn:x-bzk:"))
    assert store.verify(scoped.stdout.strip()) == "steward-bzk"  # verify still gives the name

    assert cli("token", "revoke", "steward-bzk").exit_code == 0
    assert _listing(cli)["steward-bzk"][3] != "active"
    with pytest.raises(Unauthorized):
        store.principal(scoped.stdout.strip())


@pytest.mark.parametrize("scope", ["graph/bzk/", "bzk", "https://", "http:", "urn:", "mailto:steward@example.org",
                                   "HTTPS://example.org/", "https://example.org/a b", "https://example.org/<x>", ""])
def test_a_scope_must_be_an_absolute_graph_iri_prefix(cli: Cli, scope: str) -> None:
    result = cli("token", "add", "steward-bzk", "--scope", BZK, "--scope", scope)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # no token printed ...
    assert "steward-bzk" not in _listing(cli)  # ... and none stored
    with pytest.raises(BadRequest):
        TokenStore(cli.data_dir).add("steward-bzk", scopes=[scope])


def test_an_admin_token_takes_no_scopes(cli: Cli) -> None:
    result = cli("token", "add", "beheer", "--admin", "--scope", BZK)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and _listing(cli) == {}


def test_records_from_before_roles_load_as_stewards_without_scopes(tmp_path: Path) -> None:
    token = TokenStore(tmp_path).add("steward-oud")
    path = tmp_path / "tokens.json"
    records = json.loads(path.read_text("utf-8"))
    # the record as the store wrote it before roles existed
    old = [{key: record[key] for key in ("name", "id", "salt", "hash", "created", "revoked")} for record in records]
    path.write_text(json.dumps(old, indent=2), "utf-8")

    store = TokenStore(tmp_path)
    assert store.principal(token) == Principal("steward-oud", "steward", ())
    assert store.principal(token).may_write(GRAPHS + "anything")
    assert not store.principal(token).admin
    assert [(r.name, r.role, r.scopes) for r in store.list()] == [("steward-oud", "steward", ())]


def test_may_write_follows_role_and_scopes() -> None:
    scoped = Principal("steward-bzk", "steward", (BZK, "urn:x-bzk:"))
    assert scoped.may_write(BZK + "cases") and scoped.may_write("urn:x-bzk:1")
    assert not scoped.may_write(GRAPHS + "bzk")  # a prefix of the scope is not inside it
    assert not scoped.may_write(GRAPHS + "minfin/cases")
    assert Principal("steward").may_write(GRAPHS + "minfin/cases")
    admin = Principal("beheer", "admin")
    assert admin.admin and admin.may_write(GRAPHS + "minfin/cases")


# -- on the web ---------------------------------------------------------------------------------

@pytest.fixture
def app(settings: Settings, service: Driehoek) -> Iterator[Flask]:
    application = create_app(settings, service)
    yield application
    application.extensions["driehoek.pool"].close()


def test_require_principal_gives_role_and_scopes(app: Flask, settings: Settings) -> None:
    tokens = TokenStore(settings.data_dir)
    admin, scoped = tokens.add("beheer", admin=True), tokens.add("steward-bzk", scopes=[BZK])
    with app.test_request_context(headers={"Authorization": f"Bearer {admin}"}):
        assert require_principal() == Principal("beheer", "admin", ())
        assert optional_principal() == Principal("beheer", "admin", ())
        assert require_token() == optional_token() == "beheer"
    with app.test_request_context(headers={"Authorization": f"Bearer {scoped}"}):
        principal = require_principal()
        assert principal == Principal("steward-bzk", "steward", (BZK,))
        assert principal.may_write(BZK + "x") and not principal.may_write(GRAPHS + "x")
    with app.test_request_context():
        assert optional_principal() is None and optional_token() is None
        with pytest.raises(Unauthorized):
            require_principal()
    with app.test_request_context(headers={"Authorization": f"Bearer {scoped}x"}):
        with pytest.raises(Unauthorized):
            optional_principal()
