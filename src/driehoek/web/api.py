"""Small machine-facing endpoints: /health, /.well-known/void and the public dump."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from .. import formats, negotiation, release, void
from ..errors import NotAcceptable
from .context import get_pool, get_service

bp = Blueprint("api", __name__)


@bp.get("/health")
def health() -> ResponseReturnValue:
    """Status, triple count and snapshot age."""
    body = get_service().health()
    isolated = getattr(get_pool(), "network_isolated", None)
    if isolated is not None:  # the query workers run without network (docs/security.md)
        body["query_network_isolation"] = bool(isolated)
    response = jsonify(body)
    response.status_code = 200 if body["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/.well-known/void")
def void_description() -> ResponseReturnValue:
    """The VoID/DCAT description of the public dataset, in any graph format (Turtle by default)."""
    service = get_service()
    fmt = negotiation.choose(request.accept_mimetypes, request.args.getlist("format"),
                             formats.GRAPH_FORMATS, "graph")
    if fmt is None:
        raise NotAcceptable("the dataset description can be had as: "
                            + ", ".join(f.media_type for f in formats.GRAPH_FORMATS))
    view = service.view()
    triples = void.describe(service.settings.base_iri, request.host_url, view.reader, view.withdrawn,
                            release.list_releases(service.settings.data_dir))
    body = void.serialize(triples, fmt)
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/dump.nq")
def public_dump() -> ResponseReturnValue:
    """All public graphs of the newest snapshot as N-Quads (never a private graph)."""
    service = get_service()
    view = service.view()
    spool = tempfile.TemporaryFile()  # on disk, not in memory: the dump can be large
    void.dump_public(view.reader, spool, view.withdrawn)
    size = spool.tell()
    spool.seek(0)

    def stream() -> Iterator[bytes]:
        with spool:
            while block := spool.read(1 << 16):
                yield block

    response = Response(stream(), content_type=formats.NQUADS.content_type)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = 'attachment; filename="driehoek.nq"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
