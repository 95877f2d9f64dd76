"""What stands in front of the app: reverse proxies and waitress itself.

- The failed-token brake counts per client address. `X-Forwarded-For` names the client only when the
  peer is one of DRIEHOEK_TRUSTED_PROXIES (then: its rightmost entry that is not a trusted proxy);
  from any other peer it is ignored, so nobody spoofs their way out of the count or into another's.
- Waitress answers some requests before the app sees them (a body or headers over its limits, a
  request it cannot parse): those answers are JSON in the app's shape, never plain text, never a 500.
"""

from __future__ import annotations

import http.client
import itertools
import json
import select
import socket
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from driehoek.app import create_app
from driehoek.service import Driehoek
from driehoek.web.auth import MAX_FAILURES, FailureLimiter

from . import backend
from .conftest import Server
from .hardening.conftest import client_from
from .stewards import GRAPHS, make_data_dir, plain_turtle, running

PROXY = "10.0.0.1"
PROXY_NETWORK = "192.168.0.0/16"  # a second tier of proxies, named as a network
MAX_UPLOAD = 65536  # the real server's DRIEHOEK_MAX_UPLOAD: small, so oversized bodies stay small


def _guess(n: int) -> str:
    return f"dh_{n:012x}_{'A' * 43}"


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """The app behind trusted proxies, and a steward's token."""
    data_dir = tmp_path_factory.mktemp("proxies") / "var"
    token = make_data_dir(data_dir)
    settings = backend.settings_for(data_dir, trusted_proxies=(PROXY, PROXY_NETWORK))
    service = Driehoek(settings)
    service.store.publish_snapshot()
    app = create_app(settings, service)
    yield app, token
    app.extensions["driehoek.pool"].close()
    service.close()


@pytest.fixture
def app(proxied: tuple[Flask, str]) -> Flask:
    """The proxied app with a fresh limiter."""
    application = proxied[0]
    application.extensions["driehoek.auth_failures"] = FailureLimiter()
    return application


def _put(app: Flask, token: str, peer: str, forwarded_for: str | None = None) -> int:
    """A write with TOKEN from PEER (sending X-Forwarded-For if given); the status."""
    headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    response = app.test_client().put("/graph-store", query_string={"graph": GRAPHS + "proxies"},
                                     data=plain_turtle(str(time.time())), headers=headers,
                                     environ_base={"REMOTE_ADDR": peer})
    if response.status_code in (401, 429):
        assert response.get_json()["error"] in ("unauthorized", "too_many_requests")
    return response.status_code


def _exhaust(app: Flask, peer: str, forwarded_for: str | None = None) -> None:
    """MAX_FAILURES guesses from one client: its next guess gets 429."""
    statuses = [_put(app, _guess(n), peer, forwarded_for) for n in range(MAX_FAILURES)]
    assert statuses == [401] * MAX_FAILURES, statuses


def test_behind_a_trusted_proxy_each_forwarded_client_counts_on_its_own(app: Flask) -> None:
    _exhaust(app, PROXY, "198.51.100.1")
    assert _put(app, _guess(99), PROXY, "198.51.100.1") == 429
    assert _put(app, _guess(99), PROXY, "198.51.100.2") == 401  # another client behind the same proxy
    assert _put(app, _guess(99), PROXY) == 401  # the proxy's own requests: the proxy
    # the client's own address, however the proxy writes it, and through a second trusted tier
    assert _put(app, _guess(99), PROXY, "::ffff:198.51.100.1") == 429
    assert _put(app, _guess(99), PROXY, "198.51.100.1:50123") == 429
    assert _put(app, _guess(99), PROXY, "198.51.100.1, 192.168.4.4") == 429


def test_the_rightmost_untrusted_entry_is_the_client(app: Flask) -> None:
    """What a client writes into X-Forwarded-For itself stands left of what the proxies append: a
    fresh made-up address per guess does not make a fresh client."""
    for n in range(MAX_FAILURES):
        assert _put(app, _guess(n), PROXY, f"203.0.113.{n}, 198.51.100.7") == 401
    assert _put(app, _guess(99), PROXY, "203.0.113.99, 198.51.100.7") == 429
    assert _put(app, _guess(99), PROXY, "198.51.100.7, 203.0.113.99") == 401  # 203.0.113.99 is the client


def test_forwarded_for_from_an_untrusted_peer_is_ignored(app: Flask) -> None:
    """A peer that is not a trusted proxy is the client, whatever it forwards: it neither escapes its
    own count nor charges another's."""
    for n in range(MAX_FAILURES):
        assert _put(app, _guess(n), "192.0.2.9", f"198.51.100.{n}") == 401
    assert _put(app, _guess(99), "192.0.2.9", "198.51.100.99") == 429
    # the same client reaching the server through the trusted proxy is the same client
    assert _put(app, _guess(99), PROXY, "192.0.2.9") == 429
    # and nobody can charge 192.0.2.9's failures to 198.51.100.3, or spend them
    assert _put(app, _guess(99), PROXY, "198.51.100.3") == 401


def test_a_valid_token_passes_behind_a_proxy_over_the_limit(app: Flask, proxied: tuple[Flask, str]) -> None:
    _exhaust(app, PROXY, "198.51.100.1")
    _exhaust(app, "192.0.2.9")
    assert _put(app, proxied[1], PROXY, "198.51.100.1") in (201, 204)
    assert _put(app, proxied[1], "192.0.2.9") in (201, 204)


# -- a real waitress server -----------------------------------------------------------------------

REAL_PROXY = "127.0.0.21"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """`driehoek serve` behind a trusted proxy at 127.0.0.21, with a small DRIEHOEK_MAX_UPLOAD."""
    data_dir = tmp_path_factory.mktemp("waitress") / "var"
    token = make_data_dir(data_dir)
    env = {"DRIEHOEK_TRUSTED_PROXIES": REAL_PROXY, "DRIEHOEK_MAX_UPLOAD": str(MAX_UPLOAD)}
    with running(data_dir, env) as srv:
        yield srv, token


def test_waitress_passes_forwarded_for_from_the_trusted_proxy_only(server: tuple[Server, str]) -> None:
    srv, token = server
    proxy, stranger = client_from(REAL_PROXY), client_from("127.0.0.22")

    def put(session: Any, token: str, forwarded_for: str) -> int:
        return session.put(srv.url + "/graph-store", params={"graph": GRAPHS + "proxies"}, timeout=60,
                           data=plain_turtle(str(time.time())).encode(),
                           headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}",
                                    "X-Forwarded-For": forwarded_for}).status_code

    assert [put(proxy, _guess(n), "198.51.100.1") for n in range(MAX_FAILURES + 1)] == [401] * MAX_FAILURES + [429]
    assert put(proxy, _guess(99), "198.51.100.2") == 401  # another client behind the proxy
    assert put(proxy, token, "198.51.100.1") in (201, 204)  # the valid token of the client over the limit
    # from a peer that is not a trusted proxy the header is ignored: it counts as itself
    assert [put(stranger, _guess(n), f"198.51.100.{n + 10}") for n in range(MAX_FAILURES + 1)] == \
        [401] * MAX_FAILURES + [429]
    assert put(proxy, _guess(99), "127.0.0.22") == 429
    assert put(stranger, token, "198.51.100.1") in (201, 204)


def _exchange(port: int, head: bytes, body: Iterable[bytes] = ()) -> tuple[int, str, dict[str, Any]]:
    """Send HEAD and then BODY's pieces on a raw connection until the server answers (it may answer,
    and close, before the request is all sent); the status, Content-Type and JSON body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        for part in itertools.chain((head[i:i + 65536] for i in range(0, len(head), 65536)), body):
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
        response = http.client.HTTPResponse(sock)
        response.begin()
        data = response.read()
        return response.status, response.getheader("Content-Type", ""), json.loads(data)


def _head(method: str, token: str, **headers: str) -> bytes:
    lines = [f"{method} /graph-store?graph={GRAPHS}proxies HTTP/1.1", "Host: 127.0.0.1",
             "Content-Type: text/turtle", f"Authorization: Bearer {token}",
             *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _chunks(size: int, piece: int = 16384) -> Iterator[bytes]:
    """A Turtle body of SIZE bytes (triples, then a comment to fill up) in chunked encoding."""
    line = plain_turtle("x" * 64).encode()
    count = size // len(line) - 1
    data = line * count + b"#" * (size - count * len(line) - 1) + b"\n"
    assert len(data) == size
    for start in range(0, size, piece):
        chunk = data[start:start + piece]
        yield f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    yield b"0\r\n\r\n"


def _is_payload_too_large(answer: tuple[int, str, dict[str, Any]]) -> None:
    status, content_type, body = answer
    assert status == 413, answer
    assert content_type.startswith("application/json")
    assert body["error"] == "payload_too_large"
    assert body["message"] == f"the body is larger than {MAX_UPLOAD} bytes"


def test_an_oversized_body_is_a_json_413(server: tuple[Server, str]) -> None:
    """Just over DRIEHOEK_MAX_UPLOAD the app refuses the body, far over it waitress does (without
    reading it): the same JSON 413 either way."""
    srv, token = server
    for size in (MAX_UPLOAD + 1, 4 * MAX_UPLOAD, (1 << 20) + MAX_UPLOAD + 1, 4 << 20):
        head = _head("PUT", token, Content_Length=str(size))
        body = (b"x" * min(65536, size - start) for start in range(0, size, 65536))
        _is_payload_too_large(_exchange(srv.port, head, body))


def test_a_chunked_body_up_to_the_limit_is_read_and_over_it_is_a_json_413(server: tuple[Server, str]) -> None:
    """Waitress counts a chunked body with its framing: a body of DRIEHOEK_MAX_UPLOAD bytes still
    reaches the app; past it the app, and far past it waitress, answer the same JSON 413."""
    srv, token = server
    head = _head("PUT", token, Transfer_Encoding="chunked", Connection="close")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=60) as sock:
        sock.sendall(head + b"".join(_chunks(MAX_UPLOAD)))
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status in (201, 204), response.read()
    for size in (MAX_UPLOAD + 1, 4 * MAX_UPLOAD, 4 << 20):
        _is_payload_too_large(_exchange(srv.port, _head("PUT", token, Transfer_Encoding="chunked"), _chunks(size)))


def test_headers_over_waitress_limit_are_a_json_431(server: tuple[Server, str]) -> None:
    srv, token = server
    status, content_type, body = _exchange(srv.port, _head("GET", token, X_Padding="p" * (300 * 1024)))
    assert status == 431
    assert content_type.startswith("application/json")
    assert body["error"] == "request_header_fields_too_large" and body["message"]


@pytest.mark.parametrize("request_bytes", [
    b"PUT /graph-store HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
], ids=["bad-chunk", "two-lengths", "bad-header-name", "negative-length"])
def test_a_malformed_request_is_a_json_400(server: tuple[Server, str], request_bytes: bytes) -> None:
    srv, _ = server
    status, content_type, body = _exchange(srv.port, request_bytes)
    assert status == 400
    assert content_type.startswith("application/json")
    assert body["error"] == "bad_request" and body["message"]
