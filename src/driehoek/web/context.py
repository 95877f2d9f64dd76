"""What every part of the web layer reads from the app it runs in: the service, its settings, the
query runner, the newest snapshot as pages read it, and whether the client is a browser.

`init_app` puts the first three on the app (the factory, app.py, calls it); the blueprints and
web/errors.py read them here, so that no module of the web layer needs app.py.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request

from .. import pages
from ..config import Settings
from ..service import Driehoek

SERVICE = "driehoek"  # app.extensions keys (tests reach the pool by its key to close it)
POOL = "driehoek.pool"
SETTINGS = "DRIEHOEK_SETTINGS"  # app.config key
SNAPSHOT_HOLDER = "driehoek.pages"


def init_app(app: Flask, settings: Settings, service: Driehoek, pool: Any) -> None:
    """Give the app its settings, its service (the writer of the data dir) and the runner of user
    queries (worker processes, or the remote SPARQL server)."""
    app.config[SETTINGS] = settings
    app.extensions[SERVICE] = service
    app.extensions[POOL] = pool


def get_service() -> Driehoek:
    """The service of the app handling this request."""
    return current_app.extensions[SERVICE]  # type: ignore[no-any-return]


def get_settings() -> Settings:
    """The settings of the app handling this request."""
    return current_app.config[SETTINGS]  # type: ignore[no-any-return]


def get_pool() -> Any:
    """The runner of user queries (workers.QueryPool or remote.RemoteQueryRunner)."""
    return current_app.extensions[POOL]


def current_snapshot() -> pages.Snapshot:
    """The newest snapshot as pages read it (its caches are shared by every request on it)."""
    service = get_service()
    view = service.view()
    holder: dict[str, pages.Snapshot] = current_app.extensions.setdefault(SNAPSHOT_HOLDER, {})
    snapshot = holder.get("current")
    if snapshot is None or snapshot.key != view.key or snapshot.store is not view.reader:
        snapshot = pages.Snapshot(view.reader, key=view.key, base_iri=get_settings().base_iri,
                                  withdrawn=view.withdrawn, modified=pages.snapshot_time(view.key))
        holder["current"] = snapshot
    return snapshot


def wants_html() -> bool:
    """True when the client prefers HTML to JSON (a browser)."""
    accept = request.accept_mimetypes
    return accept.best_match(["application/json", "text/html"]) == "text/html" and \
        accept["text/html"] > accept["application/json"]
