"""`driehoek serve`: initialise on first run, then serve the app with waitress."""

from __future__ import annotations

import logging
import sys

from .config import Settings
from .service import Driehoek

log = logging.getLogger("driehoek")


def run(settings: Settings) -> None:
    """Open (and on first run initialise) the store, publish a snapshot, and serve until stopped."""
    import waitress

    from .app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    service = Driehoek(settings)
    loaded = service.init(progress=lambda name: log.info("loading %s", name))
    if loaded:
        log.info("initialised %s with %d triples", settings.store_label, loaded)
    service.store.publish_snapshot()
    app = create_app(settings, service)
    log.info("driehoek serving http://%s:%d/ (data in %s)", settings.host, settings.port, settings.data_dir)
    try:
        # waitress buffers a body (to temporary files) before the app sees it, by default up to 1 GB:
        # the app answers 413 (JSON) past DRIEHOEK_MAX_UPLOAD, waitress itself (plain text) past twice
        # that, and at least 1 MiB past it, so that nobody fills a disk with one request
        body_limit = max(2 * settings.max_upload, settings.max_upload + (1 << 20))
        waitress.serve(app, host=settings.host, port=settings.port, threads=settings.threads,
                       ident="driehoek", clear_untrusted_proxy_headers=True, max_request_body_size=body_limit)
    finally:
        app.extensions["driehoek.pool"].close()
        service.close()
