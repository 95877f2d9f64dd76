"""The stewards' write path over HTTP: /graph-store (SPARQL 1.1 Graph Store HTTP Protocol, indirect
identification), /update, /validate, /withdraw, and the change feed /changes.

Every write asks for a bearer token before it reads the body, then hands the body to the service,
which runs the SHACL gate and commits atomically. Responses to writes:
- 201 Created (a new graph), with a JSON body describing it; POST without ?graph also sends Location;
- 204 No Content (an existing graph replaced, merged or deleted) when the gate had nothing to say;
- 200 OK with the same JSON body when the write landed with warnings (a 204 cannot carry them).
Any write that lands with warnings also carries `Driehoek-Warnings: <count>`. A read or write of one
graph answers with the graph's ETag; If-Match / If-None-Match are honoured (412, or 304 on a GET).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from .. import formats, graphstore, negotiation
from ..changes import ChangeFeed
from ..errors import BadRequest, NotAcceptable, NotFound, UnsupportedMediaType
from ..service import LoadOutcome, Source
from ..tokens import Principal
from ..validation import Report
from .auth import optional_principal, require_principal
from .context import get_service
from .dry_runs import admit_anonymous, check_anonymous_size

bp = Blueprint("graphs", __name__)

# What a Graph Store request body may be: one graph's triples, or (without ?graph) a dataset.
BODY_FORMATS = formats.GRAPH_FORMATS
ACTIVITY_JSON = "application/activity+json"
ACTIVITY_LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
UTF8 = ("utf-8", "utf8", "us-ascii")



# -- reading the request ------------------------------------------------------------------------------

def _target(*, required: bool) -> graphstore.GraphName | None:
    """The graph the request names: ?graph=IRI or ?default, exactly one (None if neither and allowed)."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if len(graphs) > 1:
        raise BadRequest("name one graph: ?graph= is given more than once")
    if graphs and default:
        raise BadRequest("name one graph: ?graph=IRI or ?default, not both")
    if default:
        if request.args["default"]:
            raise BadRequest("?default takes no value")
        return graphstore.DEFAULT_GRAPH
    if graphs:
        if not graphs[0]:
            raise BadRequest("?graph= needs an IRI")
        return graphstore.graph_name(graphs[0])
    if required:
        raise BadRequest("name the graph: ?graph=IRI or ?default")
    return None


def _writable(graph: graphstore.GraphName, principal: Principal) -> graphstore.GraphName:
    """403 for a named graph outside the writable namespaces, a system graph or outside the token's
    scopes, 404 for another steward's private graph: checked before the body is read."""
    named = graphstore.named_iri(graph)
    checked = get_service().graph_iri(named) if named else graph
    get_service().check_write(checked, principal)
    return checked


def _check_charset(what: str) -> None:
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.lower() not in UTF8:
        raise UnsupportedMediaType(f"{what} must be UTF-8, not {charset}")


def _body_format() -> formats.Format:
    """The body's RDF format from Content-Type: 415 when it is missing or not one we read."""
    if not request.mimetype:
        raise UnsupportedMediaType("the request has no Content-Type; say what the body is: "
                                   + ", ".join(f.media_type for f in BODY_FORMATS))
    try:
        fmt = formats.rdf_by_media_type(request.mimetype)
    except formats.UnknownFormat as err:
        raise UnsupportedMediaType(f"{request.mimetype} is not a format driehoek reads here; use one of "
                                   + ", ".join(f.media_type for f in BODY_FORMATS)) from err
    if fmt not in BODY_FORMATS:
        raise UnsupportedMediaType(f"{fmt.media_type} is not accepted here; use one of "
                                   + ", ".join(f.media_type for f in BODY_FORMATS))
    _check_charset("an RDF body")
    return fmt


def _body_source() -> Source:
    """The request body as an RDF source (one document, or the parts of a multipart/form-data body)."""
    if request.mimetype == "multipart/form-data":
        return _multipart_source()
    fmt = _body_format()
    data = request.get_data(cache=False)  # 413 past DRIEHOEK_MAX_UPLOAD
    if not data.strip():
        raise BadRequest("the body is empty; send the graph's triples (to remove a graph, DELETE it)")
    return Source(name="request body", fmt=fmt, data=data)


def _multipart_source() -> Source:
    """multipart/form-data: each file part an RDF document, its format from its Content-Type."""
    if request.form:
        raise BadRequest("send each RDF document as a file part (with a filename and a Content-Type), "
                         f"not as a form field ({', '.join(request.form)})")
    parts = []
    for name, part in request.files.items(multi=True):
        label = part.filename or name
        try:
            if part.mimetype:
                fmt = formats.rdf_by_media_type(part.mimetype)
            else:
                fmt = formats.rdf_by_path(part.filename or name)
        except formats.UnknownFormat as err:
            raise UnsupportedMediaType(f"part {label!r}: {err}") from err
        parts.append((label, part.read(), fmt))
    return graphstore.combine_documents(parts, get_service().settings.base_iri)


def _conditions() -> tuple[str | None, str | None]:
    return request.headers.get("If-Match"), request.headers.get("If-None-Match")


def prefers_turtle() -> bool:
    """True when the client prefers Turtle to JSON (for a validation report: the sh:ValidationReport
    itself, here and on a failed write, web/errors.py)."""
    best = request.accept_mimetypes.best_match([formats.JSON.media_type, formats.TURTLE.media_type])
    return best == formats.TURTLE.media_type and (
        request.accept_mimetypes[formats.TURTLE.media_type] > request.accept_mimetypes[formats.JSON.media_type])


# -- responses -------------------------------------------------------------------------------------

def _merged_report(reports: list[Report]) -> dict[str, Any]:
    """Several gate reports (one per graph of a dataset) as one JSON report."""
    results = [result.to_json() for report in reports for result in report.results]
    violations = sum(len(r.violations) for r in reports)
    return {"conforms": violations == 0, "violations": violations,
            "warnings": sum(len(r.warnings) for r in reports), "results": results}


def _written(graph: graphstore.GraphName, created: bool, outcome: LoadOutcome,
             location: str | None = None) -> Response:
    """The answer to a graph write: 201 (new), 204 (replaced), or 200 when there are warnings."""
    commit = outcome.commit
    assert commit is not None
    key = graphstore.label(graph)
    etag = commit.etags.get(key, "")
    if created or outcome.warnings:
        response = jsonify({"graph": key, "created": created, "triples": commit.graphs.get(key, 0),
                            "etag": etag, "activity": commit.activity, "report": _merged_report(outcome.reports)})
        response.status_code = 201 if created else 200
    else:
        response = Response(status=204)
    if etag:
        response.set_etag(etag)
    if outcome.warnings:
        response.headers["Driehoek-Warnings"] = str(outcome.warnings)
    if location:
        response.headers["Location"] = location
    return response


def _dataset_written(outcome: LoadOutcome) -> Response:
    """The answer to a TriG/N-Quads write: 200 with each graph's triple count and ETag."""
    commit = outcome.commit
    assert commit is not None
    response = jsonify({"graphs": {g: {"triples": n, "etag": commit.etags.get(g, "")} for g, n in commit.graphs.items()},
                        "activity": commit.activity, "report": _merged_report(outcome.reports)})
    if outcome.warnings:
        response.headers["Driehoek-Warnings"] = str(outcome.warnings)
    return response


# -- /graph-store ------------------------------------------------------------------------------------

@bp.get("/graph-store")
def get_graph() -> ResponseReturnValue:
    """GET/HEAD one graph (format by Accept or ?format=); private graphs need a token. ETag, 304."""
    graph = _target(required=True)
    assert graph is not None
    principal = optional_principal()
    fmt = negotiation.choose(request.accept_mimetypes, request.args.getlist("format"), formats.GRAPH_FORMATS, "graph")
    if fmt is None:
        raise NotAcceptable("a graph can be had as: " + ", ".join(f.media_type for f in formats.GRAPH_FORMATS)
                            + " (Accept header, or ?format=)")
    content = graphstore.read_graph(get_service(), graph, principal=principal)
    private = graphstore.is_private(get_service(), graph)
    if request.if_none_match.contains_weak(content.etag):
        response = Response(status=304)
    else:
        response = Response(content.serialize(fmt), 200, content_type=fmt.content_type)
    response.set_etag(content.etag)
    response.headers["Vary"] = "Accept, Authorization"
    response.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    return response


@bp.put("/graph-store")
def put_graph() -> ResponseReturnValue:
    """Replace one graph (201 new, 204 replaced), or with a TriG/N-Quads body and no ?graph, each graph
    the body names."""
    principal = require_principal()
    agent = principal.name
    target = _target(required=False)
    service = get_service()
    if target is None:
        source = _body_source()
        if not source.fmt.is_dataset:
            raise BadRequest("name the graph: ?graph=IRI or ?default (or send TriG/N-Quads to replace "
                             "each graph the body names)")
        if any(_conditions()):
            raise BadRequest("If-Match / If-None-Match name one graph's state; use them with ?graph=")
        return _dataset_written(service.write_dataset(source, agent=agent, operation="put", principal=principal))
    graph = _writable(target, principal)
    source = _body_source()
    if graphstore.names_graphs(source.fmt):
        raise UnsupportedMediaType(f"{source.fmt.media_type} holds several graphs: send it to /graph-store "
                                   "without ?graph, or send this graph's triples (Turtle, N-Triples, ...)")
    if_match, if_none_match = _conditions()
    created, outcome = service.write_graph(graph, source, mode="replace", agent=agent, operation="put",
                                           if_match=if_match, if_none_match=if_none_match, principal=principal)
    return _written(graph, created, outcome)


@bp.post("/graph-store")
def post_graph() -> ResponseReturnValue:
    """Merge into one graph (201 new, 204 merged); without ?graph, create a new graph (201 + Location)."""
    principal = require_principal()
    agent = principal.name
    target = _target(required=False)
    service = get_service()
    if target is None:
        source = _body_source()
        if graphstore.names_graphs(source.fmt):
            raise UnsupportedMediaType(f"{source.fmt.media_type} names its own graphs and replaces them "
                                       "whole: send it with PUT /graph-store")
        graph = service.graph_iri(f"{service.settings.graph_base}{uuid.uuid4()}")
        _created, outcome = service.write_graph(graph, source, mode="replace", agent=agent, operation="post",
                                                if_none_match="*", principal=principal)
        return _written(graph, True, outcome, location=graph.value)
    graph = _writable(target, principal)
    source = _body_source()
    if graphstore.names_graphs(source.fmt):
        raise UnsupportedMediaType(f"{source.fmt.media_type} holds several graphs: send it with PUT "
                                   "/graph-store without ?graph, or send this graph's triples")
    if_match, if_none_match = _conditions()
    created, outcome = service.write_graph(graph, source, mode="merge", agent=agent, operation="post",
                                           if_match=if_match, if_none_match=if_none_match, principal=principal)
    return _written(graph, created, outcome)


@bp.delete("/graph-store")
def delete_graph() -> ResponseReturnValue:
    """Delete one graph (204; 404 if there is none)."""
    principal = require_principal()
    target = _target(required=True)
    assert target is not None
    graph = _writable(target, principal)
    get_service().delete_graph(graph, agent=principal.name, if_match=request.headers.get("If-Match"),
                            principal=principal)
    return Response(status=204)


# -- /update, /validate, /withdraw -------------------------------------------------------------------

def _update_request() -> tuple[str, list[str], list[str]]:
    """(update text, using-graph-uri, using-named-graph-uri) from a form or a direct POST."""
    using = request.args.getlist("using-graph-uri")
    using_named = request.args.getlist("using-named-graph-uri")
    if request.mimetype == "application/x-www-form-urlencoded":
        _check_charset("the form")
        updates = request.form.getlist("update")
        if len(updates) != 1:
            raise BadRequest(f"send exactly one update= parameter (got {len(updates)})")
        return (updates[0], using + request.form.getlist("using-graph-uri"),
                using_named + request.form.getlist("using-named-graph-uri"))
    if request.mimetype == "application/sparql-update":
        _check_charset("an update")
        try:
            return request.get_data(cache=False).decode("utf-8"), using, using_named
        except UnicodeDecodeError as err:
            raise BadRequest(f"the update is not valid UTF-8: {err}") from err
    if not request.mimetype:
        raise UnsupportedMediaType("the request has no Content-Type; send application/sparql-update, "
                                   "or a form (application/x-www-form-urlencoded) with update=")
    raise UnsupportedMediaType(f"{request.mimetype} is not an update; send application/sparql-update, "
                               "or a form (application/x-www-form-urlencoded) with update=")


@bp.post("/update")
def update() -> ResponseReturnValue:
    """SPARQL 1.1 Update: tried first, the graphs it changes pass the gate, then it lands (200)."""
    principal = require_principal()
    sparql, using, using_named = _update_request()
    sparql = graphstore.apply_update_dataset(sparql, using, using_named)
    outcome = get_service().run_update(sparql, agent=principal.name, principal=principal)
    commit = outcome.commit
    assert commit is not None
    response = jsonify({"graphs": {g: {"triples": n, "etag": commit.etags.get(g, "")} for g, n in commit.graphs.items()},
                        "activity": commit.activity, "report": _merged_report(outcome.reports)})
    if outcome.warnings:
        response.headers["Driehoek-Warnings"] = str(outcome.warnings)
    return response


@bp.post("/validate")
def validate() -> ResponseReturnValue:
    """The SHACL gate as a dry run: 200 with the report (conforms true or false); nothing is stored.
    Without a token, within DRIEHOEK_VALIDATE_ANONYMOUS_MAX bytes and DRIEHOEK_VALIDATE_ANONYMOUS_RATE
    runs a minute per client address."""
    principal = optional_principal()
    if principal is None:
        admit_anonymous()  # the rate per client address, and Content-Length, before the body is read
    source = _body_source()
    if principal is None:  # a chunked body has no Content-Length
        check_anonymous_size(source.size())
    # the gate's context: the public graphs; a steward's own private graphs only with its token
    visible = get_service().visible_private_graphs(principal) if principal is not None else []
    report = get_service().validate_sources([source], private=visible)[0]
    if prefers_turtle():
        return Response(report.to_turtle(), 200, content_type=formats.TURTLE.content_type)
    return jsonify(report.to_json())


@bp.post("/withdraw")
def withdraw() -> ResponseReturnValue:
    """Withdraw a graph (form graph=IRI&reason=...): it leaves listings and the default query graph,
    its data is kept, its resources answer 410 Gone."""
    principal = require_principal()
    agent = principal.name
    values = request.form.getlist("graph") or request.args.getlist("graph")
    if len(values) != 1 or not values[0]:
        raise BadRequest("name one graph to withdraw: graph=IRI")
    reason = request.form.get("reason") or request.args.get("reason") or ""
    service = get_service()
    graph = service.graph_iri(graphstore.graph_name(values[0]).value)
    commit = service.withdraw(graph, reason=reason, agent=agent, principal=principal)
    return jsonify({"graph": graph.value, "withdrawn": True, "reason": reason, "activity": commit.activity})


# -- /changes ----------------------------------------------------------------------------------------

def _feed() -> ChangeFeed:
    feed = current_app.extensions.get("driehoek.changes")
    if feed is None:
        feed = ChangeFeed(get_service().settings.graph_base)
        current_app.extensions["driehoek.changes"] = feed
    return feed


@bp.get("/changes")
def changes() -> ResponseReturnValue:
    """The change feed: an Activity Streams 2.0 OrderedCollection, newest first, paged (?page=N)."""
    feed = _feed()
    items = feed.items(get_service().snapshot())
    endpoint = url_for("graphs.changes", _external=True)
    page = request.args.get("page")
    if page is None:
        body = feed.collection(items, endpoint)
    else:
        try:
            number = int(page)
        except ValueError as err:
            raise BadRequest(f"page={page!r}: a page number is a whole number from 1") from err
        try:
            body = feed.page(items, number, endpoint)
        except IndexError as err:
            raise NotFound(f"no page {number}: the feed has {feed.pages(len(items))} page(s)") from err
    best = request.accept_mimetypes.best_match([ACTIVITY_JSON, formats.JSONLD.media_type], default=ACTIVITY_JSON)
    content_type = ACTIVITY_LD_JSON if best == formats.JSONLD.media_type else ACTIVITY_JSON
    response = jsonify(body)
    response.content_type = content_type
    newest = items[0]["id"] if items else ""
    response.set_etag(hashlib.sha256(f"{len(items)} {newest} {page}".encode()).hexdigest()[:32])
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)
