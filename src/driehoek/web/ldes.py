"""/ldes: the change feed as a Linked Data Event Stream (ldes.py builds it; docs/linking.md shows its use).

- /ldes and /ldes/view: the stream's description and its root node (tree:view), with a
  tree:GreaterThanOrEqualToRelation on prov:generatedAtTime to every page; mutable (no-cache).
- /ldes/{n}: page n, oldest members first. A full page never gets another member: it is served as
  immutable; the newest page grows and is served no-cache.

Formats by Accept or ?format=: TriG (the default), N-Quads, JSON-LD (these carry each member's content
as a named graph), Turtle and N-Triples (the stream and the members' metadata only).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from .. import formats, ldes, negotiation
from ..errors import BadRequest, NotAcceptable, NotFound
from .context import get_service

bp = Blueprint("ldes", __name__)
# Dataset formats first: only they carry the members' content.
OFFERED = (formats.TRIG, formats.NQUADS, formats.JSONLD, formats.TURTLE, formats.NTRIPLES)
IMMUTABLE = "public, max-age=86400, immutable"


def _stream() -> ldes.EventStream:
    stream = current_app.extensions.get("driehoek.ldes")
    if stream is None:
        stream = current_app.extensions["driehoek.ldes"] = ldes.EventStream(
            get_service().settings.graph_base)
    return stream  # type: ignore[no-any-return]


def _members() -> list[ldes.Member]:
    service = get_service()
    view = service.view()
    return _stream().members(view.reader, service.versions, set(view.withdrawn))


def _format() -> formats.Format:
    names = [n for n in request.args.getlist("format") if n.strip()]
    fmt = negotiation.choose(request.accept_mimetypes, names, OFFERED, "graph")
    if fmt is None and names:
        raise BadRequest(f"unknown format {', '.join(map(repr, names))} for the event stream; use one of "
                         + ", ".join(f.name for f in OFFERED), parameter="format")
    if fmt is None:
        raise NotAcceptable("the event stream can be had as: " + ", ".join(f.media_type for f in OFFERED))
    return fmt


def _check_parameters() -> None:
    unknown = sorted(set(request.args) - {"format"})
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(unknown)}: the event stream takes only ?format= "
                         "(pages are /ldes/1, /ldes/2, ...)")


def _respond(body: bytes, fmt: formats.Format, cache_control: str, urls: ldes.Urls) -> Response:
    response = Response(body, content_type=fmt.content_type)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.vary.add("Accept")
    response.headers["Cache-Control"] = cache_control
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Link"] = f'<{urls.stream}>; rel="collection"'
    return response.make_conditional(request)


@bp.get("/ldes")
@bp.get("/ldes/view")
def view() -> ResponseReturnValue:
    """The stream and its root node, with a relation to every page."""
    _check_parameters()
    fmt = _format()
    urls = ldes.Urls(request.host_url)
    assert fmt.rdf is not None
    body = ldes.serialize(ldes.view(_members(), _stream(), urls), fmt.rdf)
    return _respond(body, fmt, "no-cache", urls)


@bp.get("/ldes/<number>")
def page(number: str) -> ResponseReturnValue:
    """Page `number`: immutable once full, no-cache while it is the newest."""
    _check_parameters()
    if not number.isascii() or not number.isdigit() or number.startswith("0"):
        raise BadRequest(f"/ldes/{number}: a page is a whole number from 1 (/ldes/1), or /ldes/view")
    fmt = _format()
    members, stream, urls = _members(), _stream(), ldes.Urls(request.host_url)
    index = int(number)
    try:
        quads = list(ldes.page(members, index, stream, urls, with_content=fmt.is_dataset))
    except IndexError as err:
        raise NotFound(f"no page {index}: the stream has {stream.pages(len(members))} page(s)") from err
    assert fmt.rdf is not None
    body = ldes.serialize(quads, fmt.rdf)
    full = stream.is_full(index, len(members))
    return _respond(body, fmt, IMMUTABLE if full else "no-cache", urls)


__all__ = ["bp"]
