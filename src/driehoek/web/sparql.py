"""/sparql: the SPARQL 1.1 Protocol query operation (https://www.w3.org/TR/sparql11-protocol/).

GET ?query=, POST form-encoded (query=) and POST direct (application/sparql-query); the dataset by
`default-graph-uri` / `named-graph-uri`; the result format by `?format=` or Accept. The query runs
in a worker process of the QueryPool (time limit, memory cap; DESIGN §3) and its spooled result is
streamed back. Without a query: the query editor for browsers, a service description otherwise.

A browser (an Accept header that prefers text/html to every results format, or `?format=html`) that
sends a query gets the editor with the query in it and its answer rendered in the page: the first
rows, each IRI with its label and prefixed name (result_view.py). So `/sparql?query=...` is a
permalink, and the page works without JavaScript (the editor's form is a GET to /sparql). An error
is shown in that page, in the page's language, with its status (400 with line and column, 503).
"""

from __future__ import annotations

import functools
import io
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

# pyoxigraph here only checks graph IRIs exactly as the worker will read them and serialises the
# small service description graph; queries never run in this module.
import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .. import formats, negotiation, result_view
from .. import sparql as sparql_domain
from ..config import Settings
from ..errors import BadRequest, DriehoekError, NotAcceptable, UnsupportedMediaType
from ..iris import RDF_TYPE, SD
from . import slots
from .context import current_snapshot, get_pool, get_service, get_settings
from .i18n import current_language

bp = Blueprint("sparql", __name__, template_folder="templates")

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
METHODS = "GET, HEAD, POST, OPTIONS"
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")

# W3C's IRIs for formats, for sd:resultFormat.
FORMATS_NS = "http://www.w3.org/ns/formats/"
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML", "nquads": "N-Quads", "trig": "TriG",
}

EXAMPLE_QUERY = """\
# The classes used in the public graphs, most instances first.
SELECT ?class (COUNT(?instance) AS ?instances)
WHERE { ?instance a ?class }
GROUP BY ?class
ORDER BY DESC(?instances)
LIMIT 25
"""


@dataclass(frozen=True)
class ProtocolRequest:
    """What a /sparql request asks for, read and checked, before anything runs."""

    query: str | None
    default_graphs: list[str] | None  # None: the union of the public graphs
    named_graphs: list[str] | None  # None: every public named graph
    format_names: list[str]


@bp.after_request
def _cors_and_vary(response: Response) -> Response:
    """Reads are public: any origin may query (no credentials are involved, so `*` is safe)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "Content-Length, Retry-After"
    response.vary.add("Accept")
    return response


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint() -> ResponseReturnValue:
    """The SPARQL 1.1 Protocol query operation."""
    if request.method == "OPTIONS":
        return _preflight()
    operation = read_request()
    if operation.query is None:
        if request.method == "POST":
            raise BadRequest("no query: send it as the `query` form field or as an application/sparql-query "
                             "body", parameter="query")
        return _describe(operation.format_names)
    if wants_editor(operation):
        return _editor_page(operation)
    return _run(operation)


def read_request() -> ProtocolRequest:
    """Parse GET, form POST or direct POST into one ProtocolRequest, refusing what the protocol does."""
    params = _decode_pairs(request.query_string, "the URL's query string")
    queries = _values(params, "query")
    if request.method == "POST":
        media_type = request.mimetype  # parsed by werkzeug: lower-case, parameters split off
        if media_type == FORM:
            params += _decode_pairs(request.get_data(), "the form body")
            queries = _values(params, "query")
        elif media_type == DIRECT:
            queries.append(_utf8_body())
        elif media_type == UPDATE:
            raise _update_here()
        else:
            given = f"Content-Type {media_type}" if media_type else "no Content-Type"
            raise UnsupportedMediaType(f"a POST to /sparql takes {FORM} (query=...) or {DIRECT} (the query "
                                       f"as the body); got {given}", accepted=[FORM, DIRECT])
    updates = [name for name in UPDATE_PARAMS if _values(params, name)]
    if updates and queries:
        raise BadRequest("the request has both a query and an update; send one operation per request "
                         "(queries to /sparql, updates to /update)", endpoint="/update")
    if updates:
        raise _update_here()
    if len(queries) > 1:
        raise BadRequest(f"the request has {len(queries)} queries; send exactly one", parameter="query")
    query = queries[0] if queries else None
    if query is not None and not query.strip():
        raise BadRequest("the query is empty", parameter="query")
    default_graphs = _graph_iris(params, "default-graph-uri")
    named_graphs = _graph_iris(params, "named-graph-uri")
    if default_graphs is not None or named_graphs is not None:
        # a protocol dataset replaces the query's own; the part it leaves out is empty (§2.1.4)
        default_graphs, named_graphs = default_graphs or [], named_graphs or []
    return ProtocolRequest(query, default_graphs, named_graphs, _values(params, "format"))


def _decode_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Form-encoded pairs, strictly UTF-8 (werkzeug would silently replace bad bytes)."""
    try:
        return urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8",
                                      errors="strict")
    except UnicodeDecodeError as err:
        raise BadRequest(f"{where} is not UTF-8 (byte {err.start}); the SPARQL Protocol requires "
                         "percent-encoded UTF-8") from err
    except ValueError as err:
        raise BadRequest(f"{where} cannot be read: {err}") from err


def _values(params: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in params if key == name]


def _utf8_body() -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8", "us-ascii"):
        raise BadRequest(f"the query body must be UTF-8, not {charset}", charset=charset)
    try:
        return request.get_data().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise BadRequest(f"the query body is not UTF-8 (byte {err.start})") from err


def _update_here() -> BadRequest:
    return BadRequest("this is the query endpoint; send SPARQL Update to /update (POST, with a bearer token)",
                      endpoint="/update")


def _graph_iris(params: list[tuple[str, str]], name: str) -> list[str] | None:
    """The IRIs given for a dataset parameter (None if absent), private graphs left out."""
    values = _values(params, name)
    if not values:
        return None
    layout = get_service().layout
    iris = []
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError as err:
            raise BadRequest(f"{name}={value!r} is not an absolute IRI: {err}", parameter=name) from err
        # Snapshots hold no private graph anyway; leaving them out here keeps that true by two means.
        if not layout.is_hidden(value):
            iris.append(value)
    return iris


def _run(operation: ProtocolRequest) -> Response:
    """Check the query, settle the format, run it in a worker, stream the spooled result."""
    assert operation.query is not None
    sparql_domain.check_query(operation.query)
    kind = negotiation.query_form(operation.query)
    if kind == "update":
        raise _update_here()
    by_kind = _formats_by_kind(request.headers.get("Accept", ""), tuple(operation.format_names))
    if kind is not None and by_kind[kind] is None:
        raise NotAcceptable(negotiation.not_acceptable_message(kind))
    settings: Settings = get_settings()
    outcome = get_pool().run(
        operation.query, formats_by_kind=by_kind,
        default_graphs=operation.default_graphs, named_graphs=operation.named_graphs,
        # relative IRIs mean driehoek's own, whatever host serves it: <id/case/x> is {base}id/case/x
        base_iri=settings.base_iri,
    )
    body = outcome.data if outcome.data is not None else outcome.stream()  # small results: no file
    response = Response(body, content_type=outcome.format.content_type)
    response.content_length = outcome.size
    response.call_on_close(outcome.discard)  # also when the body is never read (HEAD, a dropped client)
    return response


@functools.lru_cache(maxsize=256)
def _negotiated(accept: str, format_names: tuple[str, ...]) -> dict[str, formats.Format | None]:
    return negotiation.formats_by_kind(parse_accept_header(accept, MIMEAccept), format_names)


def _formats_by_kind(accept: str, format_names: tuple[str, ...]) -> dict[str, formats.Format | None]:
    """negotiation.formats_by_kind for this Accept header and ?format=, remembered: clients send the
    same few headers again and again, and matching one costs 0.2-0.6 ms (a light query's budget)."""
    return dict(_negotiated(accept, format_names))


# What the editor's page asks a worker for: results it reads back (result_view.read_answer).
EDITOR_FORMATS: dict[str, formats.Format | None] = {
    "solutions": formats.RESULTS_JSON, "boolean": formats.RESULTS_JSON, "graph": formats.NTRIPLES}
# The downloads the page offers for each kind of answer.
_TABLES = (formats.RESULTS_CSV, formats.RESULTS_TSV, formats.RESULTS_JSON, formats.RESULTS_XML)
DOWNLOADS = {"solutions": _TABLES, "boolean": _TABLES,
             "graph": (formats.TURTLE, formats.JSONLD, formats.NTRIPLES, formats.RDFXML)}


def wants_editor(operation: ProtocolRequest) -> bool:
    """True for `?format=html`, or when no ?format= is given and the Accept header prefers text/html
    to every format this query's answer can have (a browser). werkzeug decides; with no Accept header,
    or `*/*`, the first results format wins, as before."""
    names = [n.strip().lower() for n in operation.format_names if n.strip()]
    if names:
        return names[0] in (formats.HTML.name, formats.HTML.media_type)
    if not request.accept_mimetypes:
        return False
    kind = negotiation.query_form(operation.query or "")
    offered = negotiation.OFFERED.get(kind or "solutions", formats.RESULTS_FORMATS)
    return negotiation.best_by_accept(request.accept_mimetypes, (*offered, formats.HTML)) is formats.HTML


def _editor_page(operation: ProtocolRequest) -> Response:
    """The editor with the query in it and its answer (or its error) rendered in the page."""
    assert operation.query is not None
    settings: Settings = get_settings()
    lang = current_language()
    answer: result_view.ResultView | None = None
    error: DriehoekError | None = None
    started = time.perf_counter()
    try:
        answer = _answer_for_page(operation, settings, lang)
    except DriehoekError as err:
        error = err
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    body = _render_editor(operation.query, answer=answer, error=error, elapsed_ms=elapsed_ms)
    response = Response(body, status=error.status if error else 200, content_type=formats.HTML.content_type)
    if error is not None:
        for key, value in error.headers.items():
            response.headers[key] = value
    return response


def _answer_for_page(operation: ProtocolRequest, settings: Settings, lang: str) -> result_view.ResultView:
    """Run the query in a worker as any other (time limit, memory cap), read its first rows back, and
    look their labels up while holding a page slot (that part works in this process)."""
    assert operation.query is not None
    sparql_domain.check_query(operation.query)
    if negotiation.query_form(operation.query) == "update":
        raise _update_here()
    outcome = get_pool().run(
        operation.query, formats_by_kind=EDITOR_FORMATS,
        default_graphs=operation.default_graphs, named_graphs=operation.named_graphs,
        base_iri=settings.base_iri)
    try:
        with io.BytesIO(outcome.data) if outcome.data is not None else open(outcome.path, "rb") as stream:
            read = result_view.read_answer(outcome.kind, stream)
    finally:
        outcome.discard()
    with current_app.extensions[slots.EXTENSION].held():
        return result_view.view(read, current_snapshot().pages(), settings.base_iri, lang)


def editor_with_error(error: DriehoekError) -> str:
    """The editor's page for a request the protocol refuses before anything runs (web/errors.py shows
    it to a browser instead of a bare error page): the query asked for, and the error in the page."""
    return _render_editor(request.args.get("query", ""), error=error)


def _render_editor(query: str, *, answer: result_view.ResultView | None = None,
                   error: DriehoekError | None = None, elapsed_ms: int | None = None) -> str:
    """The editor's page: the form with `query`, and the answer or the error when there is one."""
    settings: Settings = get_settings()
    lang = current_language()
    endpoint = url_for(".endpoint")
    downloads = []
    if answer is not None:
        downloads = [(fmt, endpoint + "?" + urllib.parse.urlencode({"query": query, "format": fmt.name}))
                     for fmt in DOWNLOADS[answer.kind]]
    return render_template(
        "sparql.html", endpoint=endpoint, query=query, example=EXAMPLE_QUERY, base_iri=settings.base_iri,
        result_formats=formats.RESULTS_FORMATS, graph_formats=formats.GRAPH_FORMATS,
        answer=answer, error=error, elapsed_ms=elapsed_ms, downloads=downloads,
        permalink=endpoint + "?" + urllib.parse.urlencode({"query": query}),
        completions=result_view.completions(current_snapshot().pages(), lang))


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Allow"] = METHODS
    response.headers["Access-Control-Allow-Methods"] = METHODS
    # No credentials ever go with `*`, so whatever headers a client wants to send are harmless.
    response.headers["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", "Accept, Content-Type")
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _describe(format_names: list[str]) -> ResponseReturnValue:
    """No query: the editor for browsers, else the SPARQL service description in a graph format."""
    offered = (*formats.GRAPH_FORMATS, formats.HTML)
    chosen = negotiation.choose(request.accept_mimetypes, format_names, offered, "graph")
    if chosen is None:
        raise NotAcceptable("without a query /sparql gives its service description, as: "
                            + ", ".join(f.media_type for f in offered))
    endpoint_iri = url_for(".endpoint", _external=True)
    if chosen is formats.HTML:
        return _render_editor(EXAMPLE_QUERY)
    graphs = (g.value for g in get_service().snapshot().named_graphs()
              if isinstance(g, ox.NamedNode))
    triples = service_description(endpoint_iri, sorted(graphs))
    assert chosen.rdf is not None
    if chosen.is_dataset:
        body = ox.serialize((ox.Quad(t.subject, t.predicate, t.object) for t in triples), format=chosen.rdf)
    else:
        body = ox.serialize(triples, format=chosen.rdf, prefixes={"sd": SD, "formats": FORMATS_NS})
    return Response(body, content_type=chosen.content_type)



def service_description(endpoint_iri: str, named_graphs: Iterable[str]) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of this endpoint (https://www.w3.org/TR/sparql11-service-description/)."""
    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(SD + local)

    a = ox.NamedNode(RDF_TYPE)
    service = ox.NamedNode(endpoint_iri)
    dataset, default_graph = ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        # the default graph is the union of the public named graphs
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        *(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + _FORMAT_IRIS[fmt.name]))
          for fmt in (*formats.RESULTS_FORMATS, *formats.GRAPH_FORMATS)),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, a, sd("Graph")),
    ]
    for iri in named_graphs:
        node = ox.BlankNode()
        triples += [ox.Triple(dataset, sd("namedGraph"), node), ox.Triple(node, a, sd("NamedGraph")),
                    ox.Triple(node, sd("name"), ox.NamedNode(iri))]
    return triples
