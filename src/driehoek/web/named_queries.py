"""/queries: the named research queries from queries/, like Datasette's canned queries.

`/queries` lists them (HTML, or JSON on `Accept: application/json`); `/queries/{name}` runs one with
its parameters from the query string (`?org=...`) and shows an HTML table; `/queries/{name}.json` and
`.csv` (also `.tsv`, `.xml`) give every row in a SPARQL results format. The HTML table stops at
HTML_ROW_CAP rows and says so; the downloads are never capped.

Named queries are the server's own fixed queries, but one of them can still take long on a large
store: each runs in the query worker pool like a /sparql query (DESIGN §3), under the same time limit
(DRIEHOEK_QUERY_TIMEOUT: past it, 503 with Retry-After), on the union of the snapshot's graphs minus
the withdrawn ones. A download streams the worker's spooled result as it is; the HTML page reads the
first rows of a JSON result back into its table. Callers only choose parameter values, each checked
against its kind (queries.Param.term) before it is bound. A request holds a page slot while it
waits for its answer, so that named queries never hold every server thread, and at most all but one
of the query workers run named queries at once, so that they never starve light /sparql queries
(web/slots.py).
"""

from __future__ import annotations

import io
import urllib.parse
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import formats, negotiation, pages, queries
from ..errors import BadRequest, NotAcceptable, NotFound, QueryTimeout
from ..workers import QueryOutcome
from . import slots
from .context import get_pool, get_settings
from .i18n import current_language

bp = Blueprint("named_queries", __name__, template_folder="templates")

HTML_ROW_CAP = 1000
# ?lang= is the page language (web/i18n.py); it doubles as the label language of queries with a
# `lang` parameter and is ignored by the others.
UI_PARAMS = ("lang",)
SUFFIXES = {f.name: f for f in formats.RESULTS_FORMATS}  # .json .csv .tsv .xml
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"



# -- the list -----------------------------------------------------------------------------------------

@bp.get("/queries")
def index() -> ResponseReturnValue:
    """Every named query: an HTML list for people, JSON for programs."""
    chosen = negotiation.best_by_accept(request.accept_mimetypes, (formats.HTML, formats.JSON))
    if chosen is None:
        raise NotAcceptable("/queries is available as text/html or application/json")
    listed = list(queries.all_queries().values())
    if chosen is formats.JSON:
        body = {"queries": [{**q.to_json(), "links": _links(q)} for q in listed]}
        response = jsonify(body)
    else:
        # the research queries first, then those behind the yearly report
        groups = [[q for q in listed if not q.name.startswith("report-")],
                  [q for q in listed if q.name.startswith("report-")]]
        editor = {q.name: editor_link(q, {}) for q in listed}
        response = Response(render_template("queries.html", research=groups[0], report=groups[1], editor=editor),
                            content_type=formats.HTML.content_type)
    response.vary.add("Accept")
    return response


def _links(named: queries.NamedQuery, values: dict[str, str] | None = None) -> dict[str, str]:
    """Where a query's page, downloads and its text in the SPARQL editor are, with the given
    parameter values (the editor gets them bound in the text; defaults where none is given)."""
    query = "?" + urllib.parse.urlencode(values) if values else ""
    return {"html": url_for(".show", name=named.name) + query,
            **{name: url_for(".show", name=f"{named.name}.{name}") + query for name in ("json", "csv")},
            "editor": editor_link(named, values or {})}


def editor_link(named: queries.NamedQuery, values: dict[str, str]) -> str:
    """/sparql?query=... with the query's text, its parameters bound by a VALUES block (given values,
    else defaults): a browser opens it in the editor and runs it there."""
    try:
        text = named.with_values(values)
    except ValueError:  # no group pattern to bind in: the text as it is, parameters unbound
        text = named.text
    return url_for("sparql.endpoint") + "?" + urllib.parse.urlencode({"query": text})


# -- one query ----------------------------------------------------------------------------------------

@bp.get("/queries/<name>")
def show(name: str) -> ResponseReturnValue:
    """Run one named query: an HTML table, or all rows as SPARQL results (by suffix or Accept)."""
    base, dot, suffix = name.rpartition(".")
    fmt: formats.Format | None
    if dot:
        fmt = SUFFIXES.get(suffix)
        if fmt is None:
            raise NotFound(f"no format .{suffix} for named queries; use .json, .csv, .tsv or .xml")
        named = queries.get(base)
    else:
        named = queries.get(name)
        fmt = negotiation.best_by_accept(request.accept_mimetypes, (formats.HTML, *formats.RESULTS_FORMATS))
        if fmt is None:
            raise NotAcceptable("a named query is available as text/html or as SPARQL results: "
                                + ", ".join(f.media_type for f in formats.RESULTS_FORMATS))
    given = _given(named)
    if fmt is formats.HTML:
        return _page(named, given)
    return _download(named, given, fmt)


def _given(named: queries.NamedQuery) -> dict[str, str]:
    """The parameter values in the query string; each checked now, so that errors come before work."""
    given: dict[str, str] = {}
    takes = set(named.param_names())
    for key in request.args:
        values = request.args.getlist(key)
        if key in UI_PARAMS and key not in takes:
            continue
        if len(values) > 1:
            raise BadRequest(f"parameter {key} is given {len(values)} times; give it once", parameter=key)
        given[key] = values[0]
    named.substitutions(given)  # 400 for an unknown parameter or a value of the wrong kind
    return given


def _run(named: queries.NamedQuery, params: dict[str, str], fmt: formats.Format) -> QueryOutcome:
    """Run a named query in a query worker within DRIEHOEK_QUERY_TIMEOUT; its result is spooled."""
    pool = get_pool()
    try:
        with slots.named_query_lane().held():  # never every worker: light /sparql queries keep one
            return pool.run(named.text, formats_by_kind={"solutions": fmt},
                            substitutions=queries.worker_substitutions(named, params),
                            base_iri=get_settings().base_iri, trusted=True)
    except QueryTimeout as err:
        raise QueryTimeout(f"the named query {named.name} was stopped after its time limit of "
                           f"{pool.timeout:g} s; try narrower parameters, or again later",
                           timeout_seconds=pool.timeout) from err


def _download(named: queries.NamedQuery, given: dict[str, str], fmt: formats.Format) -> Response:
    """Every row, serialised by pyoxigraph in a query worker, streamed from its spool."""
    outcome = _run(named, given, fmt)
    response = Response(outcome.data if outcome.data is not None else outcome.stream(),
                        content_type=fmt.content_type)
    response.content_length = outcome.size
    response.call_on_close(outcome.discard)  # also when the body is never read (HEAD, a dropped client)
    if fmt is formats.RESULTS_CSV or fmt is formats.RESULTS_TSV:
        response.headers["Content-Disposition"] = f'inline; filename="{named.name}{fmt.suffix}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    return response


@dataclass(frozen=True)
class Shown:
    """One table cell as the template shows it."""

    text: str
    href: str | None = None
    lang: str = ""
    date: bool = False
    external: bool = False


def _page(named: queries.NamedQuery, given: dict[str, str]) -> Response:
    """The HTML page: the form, the first HTML_ROW_CAP rows, the query text and the downloads."""
    values = named.values(given)
    if "lang" in values and not given.get("lang"):
        values["lang"] = current_language()  # labels follow the page's language unless asked otherwise
    effective = {k: v for k, v in values.items() if v}
    base_iri = get_settings().base_iri
    outcome = _run(named, effective, formats.RESULTS_JSON)
    try:
        with io.BytesIO(outcome.data) if outcome.data is not None else open(outcome.path, "rb") as answer:
            table = queries.read_table(named, answer, limit=HTML_ROW_CAP)
    finally:
        outcome.discard()
    columns = table.columns(hidden=named.param_names())
    rows = [[_shown(table, row, column, base_iri) for column in columns] for row in table.rows]
    inlined = named.with_values(effective)
    body = render_template(
        "named_query.html", query=named, values=values, columns=columns, rows=rows, table=table,
        cap=HTML_ROW_CAP, links=_links(named, effective), inlined=inlined,
        sparql_link=editor_link(named, effective))
    response = Response(body, content_type=formats.HTML.content_type)
    response.vary.add("Accept")
    return response


def _shown(table: queries.Table, row: list[queries.Cell | None], column: queries.Column, base_iri: str) -> Shown | None:
    """A cell for the template: labels link to their resource, IRIs to driehoek's page for them."""
    cell = table.cell(row, column.name)
    if column.label_variable is not None:
        label = table.cell(row, column.label_variable)
        if cell is not None and cell.kind == "iri":
            href, external = _href(cell.value, base_iri)
            return Shown(label.value if label else cell.value, href=href, external=external,
                         lang=label.language if label else "")
        cell = label if cell is None else cell
    if cell is None:
        return None
    if cell.kind == "iri":
        href, external = _href(cell.value, base_iri)
        return Shown(cell.value, href=href, external=external)
    if cell.kind == "literal":
        return Shown(cell.value, lang=cell.language, date=cell.datatype == XSD_DATE)
    return Shown(cell.value)


def _href(iri: str, base_iri: str) -> tuple[str | None, bool]:
    """driehoek's page for an IRI (TOOI organisations at /org/{code}, {base}id/... at /doc/...),
    else the IRI itself when it is a web address; never a javascript: or data: link."""
    local = pages.local_path(iri, base_iri)
    if local:
        return local, False
    if urllib.parse.urlsplit(iri).scheme in ("http", "https"):
        return iri, True
    return None, False


__all__ = ["bp", "HTML_ROW_CAP"]
