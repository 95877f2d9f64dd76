"""Conditional GETs for the listing pages and named-query results, so that a reverse proxy (or a
browser) can keep them: `ETag` from the store's state, `Cache-Control: public, no-cache` (keep it,
ask before reuse), and a 304 answered before anything is rendered.

The ETag names what a response depends on: the published state of the store (the snapshot's name,
or a remote store's version), the URL with its query string, the language, and the code rendering
it. It is the same in every app server process running the same code on the same store, so several
stateless `driehoek serve` processes behind a load balancer hand out interchangeable ETags.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, g, request

from .context import get_service
from .i18n import current_language

CACHED_ENDPOINTS = frozenset({
    "browse.home", "browse.organisations", "browse.cases", "browse.criteria", "browse.themes", "browse.events",
    "browse.monitor", "browse.search", "named_queries.index", "named_queries.show",
    "browse.patterns_page", "browse.patterns_data", "browse.organisation_relations",
})


def _code_version() -> str:
    """A digest of the templates and the package version: pages change when either does."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    try:
        digest.update(version("driehoek").encode())
    except PackageNotFoundError:
        pass
    root = Path(__file__).resolve().parent
    for path in sorted((root / "templates").rglob("*")) + sorted(root.parent.rglob("*.py")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


def init_app(app: Flask) -> None:
    """Answer If-None-Match before rendering; add the validators after."""

    @app.before_request
    def _not_modified() -> Response | None:
        if request.method not in ("GET", "HEAD") or request.endpoint not in CACHED_ENDPOINTS \
                or "Authorization" in request.headers:
            return None
        key, _store = get_service().published()
        state = f"{key}|{request.full_path}|{current_language()}|{request.accept_mimetypes}|{CODE_VERSION}"
        g.etag = hashlib.sha256(state.encode()).hexdigest()[:32]
        if g.etag in request.if_none_match:
            response = Response(status=304)
            _validators(response)
            return response
        return None

    @app.after_request
    def _add_validators(response: Response) -> Response:
        if "etag" in g and response.status_code == 200:
            _validators(response)
        return response


def _validators(response: Response) -> None:
    response.set_etag(g.etag)
    response.headers.setdefault("Cache-Control", "public, no-cache")
    response.vary.update(("Accept", "Accept-Language", "Cookie"))
