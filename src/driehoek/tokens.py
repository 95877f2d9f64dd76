"""Bearer tokens for writers: shown once, stored only as a salted hash.

A token looks like `dh_<id>_<secret>`: the id finds the record, the secret is checked against its
scrypt hash with a constant-time compare. The file `tokens.json` in the data directory holds
name, id, salt, hash, created, revoked, role and scopes — never a secret.

A token is a steward's (the default) or an admin's. A steward's token may carry scopes: the graph IRI
prefixes it may write (none: every writable graph). Records written before roles existed have neither
key and load as stewards without scopes, so existing tokens keep working.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from .errors import BadRequest, NotFound, Unauthorized

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_lock = threading.Lock()

STEWARD, ADMIN = "steward", "admin"
SCOPE_SCHEMES = ("http", "https", "urn")


@dataclass(frozen=True)
class TokenRecord:
    """What is stored about a token."""

    name: str
    id: str
    salt: str
    hash: str
    created: str
    revoked: str | None = None
    role: str = STEWARD
    scopes: tuple[str, ...] | list[str] = ()

    def __post_init__(self) -> None:
        # tokens.json holds scopes as a JSON list: keep a tuple, so that records stay hashable
        object.__setattr__(self, "scopes", tuple(self.scopes))


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for: its name, its role and the graph prefixes it may write."""

    name: str
    role: str = STEWARD
    scopes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "scopes", tuple(self.scopes))  # str.startswith takes a tuple only

    @property
    def admin(self) -> bool:
        """True for an admin token (dataset-wide operations, every graph)."""
        return self.role == ADMIN

    def may_write(self, graph_iri: str) -> bool:
        """Whether this token may write GRAPH_IRI: an admin always, a steward within its scopes
        (a steward without scopes: every writable graph)."""
        return self.admin or not self.scopes or graph_iri.startswith(self.scopes)


def check_scope(scope: str) -> str:
    """SCOPE if it is an absolute http, https or urn IRI (a graph IRI prefix); BadRequest otherwise."""
    try:
        ox.NamedNode(scope)
    except ValueError as err:
        raise BadRequest(f"scope {scope!r} is not an absolute IRI: {err}") from err
    parts = urlsplit(scope)
    # the scheme as written: graph IRIs are compared by prefix, so "HTTP://" would never match
    scheme = scope.partition(":")[0]
    if scheme not in SCOPE_SCHEMES:
        raise BadRequest(f"scope {scope!r}: use an http, https or urn IRI prefix (a graph IRI such as "
                         "https://example.org/graph/)")
    if scheme in ("http", "https") and not parts.netloc:
        raise BadRequest(f"scope {scope!r} names no host: use a prefix such as https://example.org/graph/")
    if scheme == "urn" and not parts.path:
        raise BadRequest(f"scope {scope!r} names no namespace: use a prefix such as urn:example:")
    return scope


def _hash(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT).hex()


class TokenStore:
    """The tokens of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "tokens.json"
        self._cache: tuple[float, dict[str, TokenRecord]] | None = None

    def _load(self) -> dict[str, TokenRecord]:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return {}
        if self._cache and self._cache[0] == mtime:
            return self._cache[1]
        records = {r["id"]: TokenRecord(**r) for r in json.loads(self.path.read_text("utf-8"))}
        self._cache = (mtime, records)
        return records

    def _save(self, records: dict[str, TokenRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps([asdict(r) for r in records.values()], indent=2), "utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def add(self, name: str, *, admin: bool = False, scopes: Iterable[str] = ()) -> str:
        """Create a token for NAME (a steward's, or an admin's) and return it; it cannot be shown again.

        SCOPES are the graph IRI prefixes a steward's token may write (none: every writable graph)."""
        if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise BadRequest(f"token name {name!r}: use letters, digits, '-', '_' or '.'")
        checked = tuple(dict.fromkeys(check_scope(scope) for scope in scopes))
        if admin and checked:
            raise BadRequest("an admin token writes every graph: give it no scopes, or make a steward's token")
        with _lock:
            records = self._load()
            if any(r.name == name and r.revoked is None for r in records.values()):
                raise BadRequest(f"a token named {name!r} exists; revoke it first or pick another name")
            token_id, secret, salt = secrets.token_hex(6), secrets.token_urlsafe(32), secrets.token_bytes(16)
            records[token_id] = TokenRecord(name, token_id, salt.hex(), _hash(secret, salt),
                                            datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                            role=ADMIN if admin else STEWARD, scopes=checked)
            self._save(records)
        return f"dh_{token_id}_{secret}"

    def list(self) -> list[TokenRecord]:
        """All tokens, revoked ones included."""
        return sorted(self._load().values(), key=lambda r: r.created)

    def revoke(self, name: str) -> int:
        """Revoke the active tokens named NAME; how many."""
        with _lock:
            records = self._load()
            hits = [r for r in records.values() if r.name == name and r.revoked is None]
            if not hits:
                raise NotFound(f"no active token named {name!r}")
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            for record in hits:
                records[record.id] = TokenRecord(**{**asdict(record), "revoked": now})
            self._save(records)
        return len(hits)

    def verify(self, token: str | None) -> str:
        """The token's name if it is valid and active; Unauthorized otherwise."""
        return self.principal(token).name

    def principal(self, token: str | None) -> Principal:
        """Who the token speaks for if it is valid and active; Unauthorized otherwise."""
        if not token:
            raise Unauthorized("this needs a bearer token: Authorization: Bearer <token> "
                               "(a steward gets one from `driehoek token add NAME`)")
        parts = token.split("_", 2)
        record = self._load().get(parts[1]) if len(parts) == 3 and parts[0] == "dh" else None
        # hash even for unknown ids, so timing does not tell which ids exist
        salt = bytes.fromhex(record.salt) if record else b"\0" * 16
        computed = _hash(parts[2] if len(parts) == 3 else token, salt)
        if record is None or record.revoked or not hmac.compare_digest(computed, record.hash):
            raise Unauthorized("invalid or revoked token")
        return Principal(record.name, record.role, tuple(record.scopes))
