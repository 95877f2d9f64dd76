"""create_app(settings): the Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from . import formats
from .config import Settings
from .errors import DriehoekError, PayloadTooLarge
from .service import Driehoek
from .workers import QueryPool

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, service: Driehoek | None = None) -> Flask:
    """Build the WSGI application around one Driehoek service (the writer of its data dir)."""
    settings = settings or Settings.from_env()
    # the pages' templates and assets live with their blueprints in web/ (url_for("static") works)
    app = Flask(__name__, static_folder="web/static", template_folder="web/templates")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload
    app.config["DRIEHOEK_SETTINGS"] = settings
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    service = app.extensions["driehoek"] = service or Driehoek(settings)
    if service.remote:  # user queries run on the SPARQL server, under a client-side deadline
        from .remote import RemoteQueryRunner

        app.extensions["driehoek.pool"] = RemoteQueryRunner(
            service.snapshot, settings.data_dir / "spool", workers=settings.query_workers,
            timeout=settings.query_timeout)
    else:
        app.extensions["driehoek.pool"] = QueryPool(
            settings.data_dir / "snapshots", settings.data_dir / "spool", workers=settings.query_workers,
            timeout=settings.query_timeout, memory_mib=settings.query_memory,
            meta_graph=settings.graph_base + "meta", max_heavy=settings.query_heavy or None,
        )

    from .web import api, graphs, i18n, sparql
    from .web import report as report_web

    i18n.init_app(app)
    from .web import caching

    caching.init_app(app)
    from .web import slots

    slots.init_app(app)  # after caching: a 304 takes no page slot

    app.register_blueprint(api.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(graphs.bp)
    from .web import named_queries
    app.register_blueprint(named_queries.bp)
    from .web import browse, resources

    app.register_blueprint(resources.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(report_web.bp)
    from .web import releases

    app.register_blueprint(releases.bp)
    from .web import memento

    app.register_blueprint(memento.bp)
    from .web import crosswalk, ldes

    app.register_blueprint(ldes.bp)
    app.register_blueprint(crosswalk.bp)
    from .web import contribute

    app.register_blueprint(contribute.bp)
    _register_error_handlers(app)
    return app


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]


def render_error(error: DriehoekError) -> Response:
    """The one place errors become responses: JSON for programs, the site's error page (in the
    page's language) for browsers."""
    import json

    if _wants_html():
        response = Response(_error_page(error), error.status, content_type=formats.HTML.content_type)
        response.vary.add("Accept")
    else:
        response = Response(json.dumps(error.to_json(), ensure_ascii=False), error.status,
                            content_type=formats.JSON.content_type)
    for key, value in error.headers.items():
        response.headers[key] = value
    return response


def _error_page(error: DriehoekError) -> str:
    """The error page: a short explanation by status in the page's language and a way on; when the
    page itself cannot be built (a broken template, say), a plain one that still says what happened."""
    from flask import render_template
    from markupsafe import escape

    try:
        return render_template("error.html", error=error, tombstone=getattr(error, "tombstone", None))
    except Exception:  # the error page must never fail in turn; the original error is what counts
        log.exception("the error page for %s could not be rendered", error.status)
        return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{error.status} {escape(error.code)}</title>"
                f"<main><h1>{error.status}: {escape(error.code)}</h1><p>{escape(error.message)}</p></main></html>")


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DriehoekError)
    def _driehoek(error: DriehoekError) -> Response:
        return render_error(error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        if error.code == 413:
            return render_error(PayloadTooLarge(f"the body is larger than {app.config['MAX_CONTENT_LENGTH']} bytes"))
        wrapped = DriehoekError(error.description or error.name)
        wrapped.status = error.code or 500
        wrapped.code = (error.name or "error").lower().replace(" ", "_")
        response = render_error(wrapped)
        if error.code == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        wrapped = DriehoekError("internal error; it has been logged")
        return render_error(wrapped)
