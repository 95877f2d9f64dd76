"""Bearer tokens for writers: shown once, stored only as a salted hash.

A token looks like `dh_<id>_<secret>`: the id finds the record, the secret is checked against its
scrypt hash with a constant-time compare. The file `tokens.json` in the data directory holds
name, id, salt, hash, created and revoked — never a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import BadRequest, NotFound, Unauthorized

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_lock = threading.Lock()


@dataclass(frozen=True)
class TokenRecord:
    """What is stored about a token."""

    name: str
    id: str
    salt: str
    hash: str
    created: str
    revoked: str | None = None


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

    def add(self, name: str) -> str:
        """Create a token for NAME and return it; it cannot be shown again."""
        if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise BadRequest(f"token name {name!r}: use letters, digits, '-', '_' or '.'")
        with _lock:
            records = self._load()
            if any(r.name == name and r.revoked is None for r in records.values()):
                raise BadRequest(f"a token named {name!r} exists; revoke it first or pick another name")
            token_id, secret, salt = secrets.token_hex(6), secrets.token_urlsafe(32), secrets.token_bytes(16)
            records[token_id] = TokenRecord(name, token_id, salt.hex(), _hash(secret, salt),
                                            datetime.now(timezone.utc).isoformat(timespec="seconds"))
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
        return record.name
