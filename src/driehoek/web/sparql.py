"""/sparql: the SPARQL 1.1 Protocol (being written; see issue 4)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sparql", __name__)
