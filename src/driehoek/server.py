"""`driehoek serve`: initialise on first run, then serve the app with waitress.

Two things stand between a connection and the app here. Waitress answers some requests by itself,
before the app sees them (a body over its limit, headers over theirs, a request it cannot parse): those
answers are JSON in the app's shape too (`{"error": ..., "message": ...}`). And proxy headers
(`X-Forwarded-For` and friends) reach the app only from a peer in DRIEHOEK_TRUSTED_PROXIES; the app
decides which client they name (web/auth.py).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

from waitress.channel import HTTPChannel
from waitress.proxy_headers import PROXY_HEADERS
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask
from waitress.utilities import Error as WaitressError
from waitress.utilities import RequestEntityTooLarge

from . import formats
from .config import Settings
from .errors import BadRequest, DriehoekError, PayloadTooLarge
from .service import Driehoek
from .web.auth import Network, is_trusted_proxy, proxy_networks

log = logging.getLogger("driehoek")

# waitress counts a chunked body with its chunk framing: the margin lets a chunked body of up to
# DRIEHOEK_MAX_UPLOAD bytes reach the app (which then checks the body itself)
CHUNK_FRAMING_MARGIN = 1 << 20

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def body_limit(settings: Settings) -> int:
    """The body size waitress refuses by itself (413), without buffering the rest: a little over
    DRIEHOEK_MAX_UPLOAD, past which the app refuses a body with the same 413."""
    return settings.max_upload + CHUNK_FRAMING_MARGIN


def waitress_error(error: WaitressError, max_upload: int) -> DriehoekError:
    """One of waitress's own error answers as driehoek's error (status, code and message)."""
    if isinstance(error, RequestEntityTooLarge):
        return PayloadTooLarge(f"the body is larger than {max_upload} bytes")
    detail = str(error.body).strip()
    wrapped = DriehoekError(f"{error.reason.lower()}: {detail}" if detail else error.reason.lower())
    # the same status and a code made the way app.py makes one from a werkzeug HTTPException
    wrapped.status, wrapped.code = error.code, error.reason.lower().replace(" ", "_")
    return wrapped


def json_error_channel(max_upload: int) -> type[HTTPChannel]:
    """A waitress channel whose own error answers (400, 413, 431, 501, 500) are driehoek's JSON."""

    class JsonErrorTask(ErrorTask):
        def execute(self) -> None:
            error = waitress_error(self.request.error, max_upload)
            body = json.dumps(error.to_json(), ensure_ascii=False).encode("utf-8")
            self.status = f"{error.status} {self.request.error.reason}"
            self.response_headers.append(("Content-Type", formats.JSON.content_type))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class JsonErrorChannel(HTTPChannel):
        error_task_class = JsonErrorTask

    return JsonErrorChannel


def proxy_headers_only_from(app: WsgiApp, proxies: tuple[Network, ...]) -> WsgiApp:
    """APP, with proxy headers removed from every request whose peer is not a trusted proxy (waitress
    trusts at most one proxy address; DRIEHOEK_TRUSTED_PROXIES may name several, and networks)."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not is_trusted_proxy(environ.get("REMOTE_ADDR"), proxies):
            for header in PROXY_HEADERS:
                environ.pop("HTTP_" + header, None)
        return app(environ, start_response)

    return wsgi


def run(settings: Settings) -> None:
    """Open (and on first run initialise) the store, publish a snapshot, and serve until stopped."""
    import waitress

    from .app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    try:
        proxies = proxy_networks(settings.trusted_proxies)
    except ValueError as err:
        raise BadRequest(str(err)) from err
    service = Driehoek(settings)
    loaded = service.init(progress=lambda name: log.info("loading %s", name))
    if loaded:
        log.info("initialised %s with %d triples", settings.store_label, loaded)
    service.store.publish_snapshot()
    app = create_app(settings, service)
    try:
        listeners: dict[int, Any] = {}
        # waitress buffers a body (to temporary files) before the app sees it, by default up to 1 GB;
        # here a little over DRIEHOEK_MAX_UPLOAD, so that nobody fills a disk with one request
        server = waitress.create_server(
            proxy_headers_only_from(app, proxies), map=listeners, host=settings.host, port=settings.port,
            threads=settings.threads, ident="driehoek", clear_untrusted_proxy_headers=False,
            max_request_body_size=body_limit(settings))
        channel = json_error_channel(settings.max_upload)
        for listener in listeners.values():  # one per address the host resolves to
            if isinstance(listener, BaseWSGIServer):
                listener.channel_class = channel
        log.info("driehoek serving http://%s:%d/ (data in %s)", settings.host, settings.port, settings.data_dir)
        server.run()
    finally:
        app.extensions["driehoek.pool"].close()
        service.close()
