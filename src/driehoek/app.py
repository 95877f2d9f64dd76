"""create_app(settings): the Flask application factory."""

from __future__ import annotations

from flask import Flask

from .config import Settings
from .service import Driehoek
from .web import (api, browse, caching, context, contribute, crosswalk, errors, graphs, i18n, ldes, memento,
                  named_queries, releases, resources, slots, sparql)
from .web import report as report_web
from .web.errors import render_error

__all__ = ["create_app", "render_error"]  # render_error, web/errors.py's, is imported from here by tests/test_error_pages.py


def create_app(settings: Settings | None = None, service: Driehoek | None = None) -> Flask:
    """Build the WSGI application around one Driehoek service (the writer of its data dir)."""
    settings = settings or Settings.from_env()
    # the pages' templates and assets live with their blueprints in web/ (url_for("static") works)
    app = Flask(__name__, static_folder="web/static", template_folder="web/templates")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    service = service or Driehoek(settings)
    pool = service.query_runner(settings)  # worker processes on the snapshots, or the SPARQL server itself
    context.init_app(app, settings, service, pool)
    i18n.init_app(app)
    caching.init_app(app)
    slots.init_app(app)  # after caching: a 304 takes no page slot
    for blueprint in (api.bp, sparql.bp, graphs.bp, named_queries.bp, resources.bp, browse.bp, report_web.bp,
                      releases.bp, memento.bp, ldes.bp, crosswalk.bp, contribute.bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    return app
