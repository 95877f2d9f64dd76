"""Bearer tokens on the web: who is writing, and a brake on clients that guess tokens.

Every write calls `require_principal()` (or `require_token()`, its name) before it reads the request
body, so an unauthenticated client learns nothing about the body's validity and costs the server no
parsing. Failed attempts (a token that does not verify) are counted per client address in a sliding
window; past the limit the client's failures get 429 Too Many Requests with Retry-After instead of 401,
until old failures leave the window. A valid token is never refused, whatever its address did: the
brake slows guessing, it locks nobody out (behind a proxy it would otherwise lock out everyone). A
missing Authorization header is not counted: it is a client that has not tried yet, not a guess.

The client address is the peer's (`request.remote_addr`) unless the peer is one of
DRIEHOEK_TRUSTED_PROXIES: then it is the rightmost `X-Forwarded-For` entry that is not itself a trusted
proxy, the address the outermost trusted proxy saw. Any other peer's `X-Forwarded-For` is ignored, so
a client cannot make up a fresh address per guess, nor spend someone else's failures.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app, request

from ..errors import TooManyRequests, Unauthorized
from ..tokens import Principal, TokenStore
from .context import get_settings

MAX_FAILURES = 10  # failed token checks a client address may make ...
WINDOW_SECONDS = 60.0  # ... within this many seconds
MAX_CLIENTS = 10_000  # past this many addresses with failures, the limiter forgets the stale ones

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NEEDS_TOKEN = ("this needs a bearer token: Authorization: Bearer <token> "
                "(a steward gets one from `driehoek token add NAME`)")


class FailureLimiter:
    """Counts failed attempts per client in a sliding window (in memory, per server process)."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client, deque(maxlen=self.limit))
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if failures:
            self._failures[client] = failures
        else:
            self._failures.pop(client, None)
        return failures

    def _refusal(self, failures: deque[float], now: float) -> TooManyRequests:
        # the deque keeps the newest `limit` failures: the oldest of them leaving the window ends the wait
        retry_after = max(1, math.ceil(failures[0] + self.window - now))
        return TooManyRequests(
            f"too many failed token checks from this address (at least {self.limit} in the last "
            f"{self.window:g} s); try again in {retry_after} s", retry_after=retry_after)

    def check(self, client: str) -> None:
        """TooManyRequests when the client is over the limit."""
        now = self.clock()
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) >= self.limit:
                raise self._refusal(failures, now)

    def fail(self, client: str) -> None:
        """Record one failed attempt; TooManyRequests when the client was already at the limit."""
        now = self.clock()
        with self._lock:
            failures = self._recent(client, now)
            over = len(failures) >= self.limit
            failures.append(now)
            self._failures[client] = failures
            if len(self._failures) > MAX_CLIENTS:
                for stale in [c for c, times in self._failures.items() if times[-1] <= now - self.window]:
                    del self._failures[stale]
            if over:
                raise self._refusal(failures, now)


# -- client addresses ---------------------------------------------------------------------------

def proxy_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """DRIEHOEK_TRUSTED_PROXIES as networks (an address is a network of one); ValueError on a bad one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as err:
            raise ValueError(f"DRIEHOEK_TRUSTED_PROXIES: {entry!r} is not an IP address or network") from err
    return tuple(networks)


def parse_address(text: str | None) -> Address | None:
    """An IP address as a peer or an X-Forwarded-For entry gives it (a port and IPv6 brackets
    allowed, an IPv4-mapped IPv6 address unwrapped), None when it is not one."""
    text = (text or "").strip()
    if text.startswith("["):  # [2001:db8::1]:8080
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 192.0.2.1:8080
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address | None, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in proxies)


def is_trusted_proxy(peer: str | None, proxies: tuple[Network, ...]) -> bool:
    """Whether PEER (a connection's address) is one of the trusted proxies."""
    return _trusted(parse_address(peer), proxies)


def client_of(peer: str | None, forwarded_for: Iterable[str], proxies: tuple[Network, ...]) -> str:
    """The client's address: PEER, or behind trusted PROXIES the rightmost X-Forwarded-For entry
    that is not a trusted proxy itself (FORWARDED_FOR: the header's values, each comma-separated)."""
    hop = parse_address(peer)
    if not _trusted(hop, proxies):
        return str(hop) if hop is not None else (peer or "unknown")
    entries = [entry for value in forwarded_for for entry in value.split(",")]
    for entry in reversed(entries):
        address = parse_address(entry)
        if address is None:
            # not an address, although a trusted proxy passed it on: count it against that proxy,
            # never as a fresh client of its own
            break
        hop = address
        if not _trusted(address, proxies):
            break
    return str(hop)


def _app_once(key: str, make: Callable[[Any], Any]) -> Any:
    """An object the app makes once from its settings and keeps in its extensions."""
    found = current_app.extensions.get(key)
    if found is None:
        found = current_app.extensions[key] = make(get_settings())
    return found


def _proxies() -> tuple[Network, ...]:
    """The app's trusted proxies, parsed once."""
    return _app_once("driehoek.trusted_proxies", lambda settings: proxy_networks(settings.trusted_proxies))  # type: ignore[no-any-return]


def client_address() -> str:
    """The address of the client making this request (see the module's docstring)."""
    return client_of(request.remote_addr, request.headers.getlist("X-Forwarded-For"), _proxies())


# -- tokens -------------------------------------------------------------------------------------

def _tokens() -> TokenStore:
    """The app's TokenStore, made once (it caches tokens.json until the file changes)."""
    return _app_once("driehoek.tokens", lambda settings: TokenStore(settings.data_dir))  # type: ignore[no-any-return]


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


def require_principal() -> Principal:
    """Who the caller's valid token speaks for; 401 without one or with an invalid one (429 instead
    once its address has failed too often). A valid token always passes."""
    token = bearer_token()
    if token is None:
        raise Unauthorized(_NEEDS_TOKEN)
    return principal_of(token)


def principal_of(token: str) -> Principal:
    """Who TOKEN speaks for (a token however it came: the Authorization header, or a password field
    of a steward's form); 401 when it does not verify, counted against the client's address (429
    past the limit). A valid token always passes."""
    try:
        return _tokens().principal(token)
    except Unauthorized:
        _limiter().fail(client_address())  # 429 past the limit
        raise


def optional_principal() -> Principal | None:
    """Who the caller's token speaks for when an Authorization header is sent (checked as strictly),
    else None."""
    if request.headers.get("Authorization") is None:
        return None
    return require_principal()


def require_token() -> str:
    """The name of the caller's valid token; 401 without one, 429 after too many failures."""
    return require_principal().name


def optional_token() -> str | None:
    """The caller's token name when an Authorization header is sent (checked as strictly), else None."""
    principal = optional_principal()
    return principal.name if principal is not None else None
