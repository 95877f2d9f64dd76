"""Errors as responses: the one renderer, and `init_app`, the one place error handlers are registered.

Programs get the JSON body of the typed error (`DriehoekError.to_json`) with its status and headers
(Retry-After, WWW-Authenticate, ...); browsers get the site's error page in the page's language.
Two blueprints answer their own errors in their own way, and say so here, keyed on the blueprint
whose view raised the error:
- `sparql`: a browser gets the SPARQL editor with the error in it, not a bare error page;
- `graphs`: a failed SHACL gate answers Accept: text/turtle with the sh:ValidationReport itself.
Errors that do not come from a view's own code (routing, werkzeug's HTTP errors, bugs) are rendered
the common way whichever blueprint they pass through.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, current_app, render_template, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from .. import formats
from ..errors import DriehoekError, PayloadTooLarge, ValidationFailed
from . import graphs, sparql
from .context import wants_html

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Register every error handler of the app: typed errors, werkzeug's HTTP errors (unknown URL,
    wrong method, body too large, ...) and anything unexpected (logged; a 500 without a traceback)."""
    app.register_error_handler(DriehoekError, _typed)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)


def render_error(error: DriehoekError, blueprint: str | None = None) -> Response:
    """The one place errors become responses: JSON for programs, the site's error page (in the page's
    language) for browsers; `blueprint`, the one whose view raised `error`, picks its own way where it
    has one (see the module's docstring)."""
    if blueprint == "graphs" and isinstance(error, ValidationFailed) and graphs.prefers_turtle():
        response = Response(error.report.to_turtle(), error.status, content_type=formats.TURTLE.content_type)
    elif wants_html():
        body = sparql.editor_with_error(error) if blueprint == "sparql" else _error_page(error)
        response = Response(body, error.status, content_type=formats.HTML.content_type)
    else:
        response = Response(json.dumps(error.to_json(), ensure_ascii=False), error.status,
                            content_type=formats.JSON.content_type)
    response.vary.add("Accept")  # every error is negotiated: a cache must not give a browser's page to a program
    for key, value in error.headers.items():
        response.headers[key] = value
    return response


def _error_page(error: DriehoekError) -> str:
    """The error page: a short explanation by status in the page's language and a way on; when the
    page itself cannot be built (a broken template, say), a plain one that still says what happened."""
    try:
        return render_template("error.html", error=error, tombstone=getattr(error, "tombstone", None))
    except Exception:  # the error page must never fail in turn; the original error is what counts
        log.exception("the error page for %s could not be rendered", error.status)
        return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{error.status} {escape(error.code)}</title>"
                f"<main><h1>{error.status}: {escape(error.code)}</h1><p>{escape(error.message)}</p></main></html>")


def _typed(error: DriehoekError) -> Response:
    return render_error(error, request.blueprint)


def _http(error: HTTPException) -> Response:
    """werkzeug's errors as typed ones: 413 names the limit, 405 keeps its Allow header."""
    if error.code == 413:
        return render_error(PayloadTooLarge(f"the body is larger than {current_app.config['MAX_CONTENT_LENGTH']} bytes"))
    wrapped = DriehoekError(error.description or error.name)
    wrapped.status = error.code or 500
    wrapped.code = (error.name or "error").lower().replace(" ", "_")
    allow = error.get_response().headers.get("Allow") if error.code == 405 else None
    if allow:
        wrapped.headers["Allow"] = allow
    return render_error(wrapped)


def _unexpected(error: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return render_error(DriehoekError("internal error; it has been logged"))
