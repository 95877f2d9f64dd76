"""Bearer tokens on the web: who is writing, and a brake on clients that guess tokens.

Every write calls `require_token()` before it reads the request body, so an unauthenticated client
learns nothing about the body's validity and costs the server no parsing. Failed attempts (a token that
does not verify) are counted per client address in a sliding window; past the limit the client gets
429 Too Many Requests with Retry-After, even with a valid token, until old failures leave the window.
A missing Authorization header is not counted: it is a client that has not tried yet, not a guess.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from flask import current_app, request

from ..errors import TooManyRequests, Unauthorized
from ..tokens import TokenStore

MAX_FAILURES = 10  # failed token checks a client address may make ...
WINDOW_SECONDS = 60.0  # ... within this many seconds


class FailureLimiter:
    """Counts failed attempts per client in a sliding window (in memory, per server process)."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if failures:
            self._failures[client] = failures
        else:
            self._failures.pop(client, None)
        return failures

    def check(self, client: str) -> None:
        """TooManyRequests when the client is over the limit."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) >= self.limit:
                retry_after = max(1, math.ceil(failures[0] + self.window - now))
                raise TooManyRequests(
                    f"too many failed token checks from this address ({len(failures)} in the last "
                    f"{self.window:g} s); try again in {retry_after} s", retry_after=retry_after)

    def fail(self, client: str) -> None:
        """Record one failed attempt."""
        now = time.monotonic()
        with self._lock:
            self._recent(client, now)
            self._failures.setdefault(client, deque()).append(now)


def _tokens() -> TokenStore:
    """The app's TokenStore, made once (it caches tokens.json until the file changes)."""
    store = current_app.extensions.get("driehoek.tokens")
    if store is None:
        store = TokenStore(current_app.config["DRIEHOEK_SETTINGS"].data_dir)
        current_app.extensions["driehoek.tokens"] = store
    return store


def _limiter() -> FailureLimiter:
    return current_app.extensions.setdefault("driehoek.auth_failures", FailureLimiter())


def bearer_token() -> str | None:
    """The token in `Authorization: Bearer <token>`, None without the header; 401 for another scheme."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use Authorization: Bearer <token> (a steward gets one from `driehoek token add NAME`)")
    return token.strip()


def require_token() -> str:
    """The name of the caller's valid token; 401 without one, 429 after too many failures."""
    client = request.remote_addr or "unknown"
    token = bearer_token()
    if token is None:
        raise Unauthorized("this needs a bearer token: Authorization: Bearer <token> "
                           "(a steward gets one from `driehoek token add NAME`)")
    limiter = _limiter()
    limiter.check(client)
    try:
        return _tokens().verify(token)
    except Unauthorized:
        limiter.fail(client)
        raise


def optional_token() -> str | None:
    """The caller's token name when an Authorization header is sent (checked as strictly), else None."""
    if request.headers.get("Authorization") is None:
        return None
    return require_token()
