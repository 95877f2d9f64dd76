"""/queries: the named research queries from queries/, like Datasette's canned queries.

`/queries` lists them (HTML, or JSON on `Accept: application/json`); `/queries/{name}` runs one with
its parameters from the query string (`?org=...`) and shows an HTML table; `/queries/{name}.json` and
`.csv` (also `.tsv`, `.xml`) give every row in a SPARQL results format. The HTML table stops at
HTML_ROW_CAP rows and says so; the downloads are never capped.

Named queries are the server's own fixed queries: they run in-process on the newest snapshot
(DESIGN §3), on the union of its graphs minus the withdrawn ones; callers only choose parameter
values, each checked against its kind (queries.Param.term) before it is bound.
"""

from __future__ import annotations

import tempfile
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import formats, negotiation, pages, queries
from ..config import Settings
from ..errors import BadRequest, NotAcceptable, NotFound
from ..service import Driehoek
from .i18n import current_language

bp = Blueprint("named_queries", __name__, template_folder="templates")

HTML_ROW_CAP = 1000
# ?lang= is the page language (web/i18n.py); it doubles as the label language of queries with a
# `lang` parameter and is ignored by the others.
UI_PARAMS = ("lang",)
SUFFIXES = {f.name: f for f in formats.RESULTS_FORMATS}  # .json .csv .tsv .xml
SPOOL_IN_MEMORY = 1 << 20  # bytes of a download kept in memory before it spills to a temporary file
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


def _service() -> Driehoek:
    return current_app.extensions["driehoek"]


def _settings() -> Settings:
    return current_app.config["DRIEHOEK_SETTINGS"]


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
        response = Response(render_template("queries.html", research=groups[0], report=groups[1]),
                            content_type=formats.HTML.content_type)
    response.vary.add("Accept")
    return response


def _links(named: queries.NamedQuery, values: dict[str, str] | None = None) -> dict[str, str]:
    """Where a query's page and downloads are, with the given parameter values."""
    query = "?" + urllib.parse.urlencode(values) if values else ""
    return {"html": url_for(".show", name=named.name) + query,
            **{name: url_for(".show", name=f"{named.name}.{name}") + query for name in ("json", "csv")}}


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
    service = _service()
    store = service.snapshot()
    withdrawn = service.withdrawn_graphs(store)
    if fmt is formats.HTML:
        return _page(named, given, store, withdrawn)
    return _download(named, given, store, withdrawn, fmt)


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


def _download(named: queries.NamedQuery, given: dict[str, str], store: Any, withdrawn: list[str],
              fmt: formats.Format) -> Response:
    """Every row, serialised by pyoxigraph; spooled so that a large answer need not sit in memory."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    try:
        queries.serialize(named, store, given, fmt, spool, withdrawn=withdrawn, base_iri=_settings().base_iri)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise

    def chunks() -> Iterator[bytes]:
        with spool:
            while block := spool.read(1 << 16):
                yield block

    response = Response(chunks(), content_type=fmt.content_type)
    response.content_length = size
    response.call_on_close(spool.close)  # also when the body is never read (HEAD, a dropped client)
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


def _page(named: queries.NamedQuery, given: dict[str, str], store: Any, withdrawn: list[str]) -> Response:
    """The HTML page: the form, the first HTML_ROW_CAP rows, the query text and the downloads."""
    values = named.values(given)
    if "lang" in values and not given.get("lang"):
        values["lang"] = current_language()  # labels follow the page's language unless asked otherwise
    effective = {k: v for k, v in values.items() if v}
    base_iri = _settings().base_iri
    table = queries.run(named, store, effective, withdrawn=withdrawn, limit=HTML_ROW_CAP, base_iri=base_iri)
    columns = table.columns(hidden=named.param_names())
    rows = [[_shown(table, row, column, base_iri) for column in columns] for row in table.rows]
    inlined = named.with_values(effective)
    body = render_template(
        "named_query.html", query=named, values=values, columns=columns, rows=rows, table=table,
        cap=HTML_ROW_CAP, links=_links(named, effective), inlined=inlined,
        sparql_link="/sparql?" + urllib.parse.urlencode({"query": inlined}),
        result_formats=formats.RESULTS_FORMATS)
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
