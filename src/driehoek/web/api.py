"""Small JSON helpers: /health."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

bp = Blueprint("api", __name__)


@bp.get("/health")
def health() -> ResponseReturnValue:
    """Status, triple count and snapshot age."""
    body = current_app.extensions["driehoek"].health()
    response = jsonify(body)
    response.status_code = 200 if body["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
