"""Dereferenceable IRIs: /id/{kind}/{slug} (303), /doc/{kind}/{slug}[.suffix], /org/{code}[.suffix],
/def[.suffix] and /def/{scheme}[/{concept}][.suffix].

A document is negotiated by suffix first, then `?format=`, then Accept (HTML for browsers, Turtle
for `*/*`). Every representation carries an ETag (the snapshot, the IRI, the format and, for HTML,
the language and the running server) and Last-Modified (when the snapshot was published), answers 304 to If-None-Match /
If-Modified-Since, and links to its alternates and to the IRI it is about. The path, never the
Host header, says which IRI is meant: /id/case/x is about {base}id/case/x wherever driehoek runs.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from datetime import date, datetime, timezone
from email.utils import format_datetime
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.http import is_resource_modified

from .. import formats, negotiation, pages, queries, release
from ..errors import BadRequest, Gone, NotAcceptable, NotFound
from . import memento
from .caching import CODE_VERSION
from .context import current_snapshot, get_settings
from .i18n import current_language
from .named_queries import editor_link

bp = Blueprint("resources", __name__)

# What a resource can be had as, by Accept: Turtle first, so that `*/*` (curl) gets RDF; browsers
# ask for text/html explicitly and get the page.
OFFERED: tuple[formats.Format, ...] = (*formats.GRAPH_FORMATS, formats.HTML)
SUFFIXES: dict[str, formats.Format] = {fmt.suffix: fmt for fmt in OFFERED}
# The alternates a Link header and a page point to, in the order people look for them.
ALTERNATES: tuple[formats.Format, ...] = (formats.HTML, formats.TURTLE, formats.JSONLD, formats.NTRIPLES,
                                          formats.RDFXML)
# Pages change when the server's code does: the same code gives the same ETags in every process.
RENDERER = CODE_VERSION
RELEASE_SNAPSHOTS = "driehoek.pages.releases"  # app.extensions key: the release being viewed


def split_suffix(name: str) -> tuple[str, formats.Format | None]:
    """("digid", TURTLE) for "digid.ttl"; ("digid", None) without a suffix; NotFound for an unknown one."""
    stem, dot, suffix = name.partition(".")
    if not dot:
        return name, None
    fmt = SUFFIXES.get("." + suffix)
    if fmt is None:
        raise NotFound(f"no representation {name!r}; use one of " + ", ".join(SUFFIXES))
    return stem, fmt


# -- /id: 303 See Other ---------------------------------------------------------------------------

@bp.route("/id/<kind>/<slug>", methods=["GET", "HEAD"])
def identifier(kind: str, slug: str) -> ResponseReturnValue:
    """The IRI of a thing, not a document: 303 See Other to the document about it."""
    if pages.iri_for_path(kind, slug, get_settings().base_iri) is None:
        raise NotFound(f"no resource /id/{kind}/{slug}: a kind is one of case, organisation, criterion, "
                       "theme, event, monitor, relation, assessment, and a slug lower-case words joined by '-'")
    target = f"/doc/{kind}/{slug}"
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, 303)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.vary.add("Accept")
    return response


# -- /doc and /org: the documents -----------------------------------------------------------------

@bp.route("/doc/<kind>/<name>", methods=["GET", "HEAD"])
def document(kind: str, name: str) -> ResponseReturnValue:
    """The document about {base}id/{kind}/{slug}, in the negotiated format."""
    slug, fmt = split_suffix(name)
    iri = pages.iri_for_path(kind, slug, get_settings().base_iri)
    if iri is None:
        raise NotFound(f"no resource /doc/{kind}/{name}")
    return serve(iri, fmt, f"/doc/{kind}/{slug}")


@bp.route("/org/<name>", methods=["GET", "HEAD"])
def organisation(name: str) -> ResponseReturnValue:
    """The document about an organisation identified by its TOOI IRI (/org/zb000117 is UWV)."""
    code, fmt = split_suffix(name)
    reader = reading_snapshot().pages()
    iri = reader.organisation_iri(code)
    if iri is None:
        raise NotFound(f"no organisation with the TOOI code {code!r}")
    return serve(iri, fmt, f"/org/{code}", reader)


@bp.route("/def/<path:rest>", methods=["GET", "HEAD"])
def concept(rest: str) -> ResponseReturnValue:
    """A concept scheme or concept of the vocabulary: /def/rating, /def/rating/success."""
    head, _, last = rest.rpartition("/")
    last, fmt = split_suffix(last)
    path = f"{head}/{last}" if head else last
    iri = pages.concept_iri(path, get_settings().base_iri)
    if iri is None:
        raise NotFound(f"no term /def/{rest}")
    return serve(iri, fmt, f"/def/{path}")


def reading_snapshot() -> pages.Snapshot:
    """What this request reads: the release named by `?release=VERSION` (the resource as it was in
    that release, read from the release's frozen dataset), else the newest snapshot."""
    version = request.args.get("release")
    if version is None:
        return current_snapshot()
    found = release.find_release(get_settings().data_dir, version)
    holder: dict[str, pages.Snapshot] = current_app.extensions.setdefault(RELEASE_SNAPSHOTS, {})
    key = f"release:{found.version}:{found.files[found.dump.name]['sha256']}"
    snapshot = holder.get(found.version)
    if snapshot is None or snapshot.key != key:
        issued = datetime.fromisoformat(found.issued).replace(tzinfo=timezone.utc)
        snapshot = pages.Snapshot(release.release_store(found), key=key, base_iri=get_settings().base_iri,
                                  modified=issued)
        holder.clear()  # one release view at a time: a release's store lives in memory
        holder[found.version] = snapshot
    return snapshot


def serve(iri: str, fmt: formats.Format | None, path: str, reader: pages.Pages | None = None) -> Response:
    """One resource in one format, with validators, alternates and the 404/410 rules."""
    if "version" in request.args or ("Accept-Datetime" in request.headers and "release" not in request.args):
        return serve_memento(iri, fmt, path)
    snapshot = reading_snapshot()
    reader = reader if reader is not None and reader.snapshot is snapshot else snapshot.pages()
    state = reader.status(iri)
    if state == "missing" and "release" in request.args:
        raise NotFound(f"{iri} is not in release {request.args['release']}", iri=iri)
    if state == "missing":
        raise NotFound(f"no resource {iri}", iri=iri)
    if state == "withdrawn":
        raise gone(reader.tombstone(iri))
    fmt = fmt or negotiate()
    response = conditional(snapshot, iri, fmt, path)
    if response.status_code == 304:
        return response
    if fmt is formats.HTML:
        body = render_resource(reader, iri, path)
    else:
        body = serialize(reader.describe(iri), fmt)
    response.set_data(body)
    return response


def serve_memento(iri: str, fmt: formats.Format | None, path: str) -> Response:
    """The resource as it was at a time (web/memento.py): the TimeGate's redirect, or a memento."""
    with_withdrawn = memento.steward()
    snapshot = current_snapshot()
    state = snapshot.pages().status(iri)
    if state == "withdrawn" and not with_withdrawn:
        raise gone(snapshot.pages().tombstone(iri))  # its history is for stewards only
    if "version" not in request.args:
        return memento.timegate(iri, path, with_withdrawn)
    moment = memento.parse_version(request.args["version"])
    point = memento.memento_for(iri, moment, with_withdrawn)
    if point is None:
        raise NotFound(f"{iri} has no version at or before {request.args['version']}", iri=iri)
    # a version time names its whole second: what was written within it counts
    triples = memento.at(iri, point.replace(microsecond=999999), with_withdrawn)
    if not triples:
        raise NotFound(f"{iri} did not exist at {request.args['version']}", iri=iri)
    fmt = fmt or negotiate()
    if fmt is formats.HTML:
        key = f"memento:{iri}:{point.isoformat()}"
        body: Any = render_resource(memento.memento_reader(triples, get_settings().base_iri, snapshot, key), iri, path)
    else:
        body = serialize(triples, fmt)
    response = Response(body, content_type=fmt.content_type)
    response.headers["Memento-Datetime"] = format_datetime(point, usegmt=True)
    response.headers["Link"] = ", ".join([*memento.links(iri, path, memento.moments(iri, with_withdrawn)),
                                          *link_header(iri, path).split(", ")[1:]])
    response.headers["Cache-Control"] = "private, no-cache" if state == "withdrawn" else "public, max-age=3600"
    response.vary.update(("Accept", "Accept-Language", "Authorization"))
    return response


def negotiate() -> formats.Format:
    """The format by `?format=` or Accept, or 406."""
    chosen = negotiation.choose(request.accept_mimetypes, request.args.getlist("format"), OFFERED, "graph")
    if chosen is None:
        raise NotAcceptable("a resource can be had as: " + ", ".join(f.media_type for f in OFFERED)
                            + " (Accept header, ?format=, or a suffix: " + ", ".join(SUFFIXES) + ")")
    return chosen


def conditional(snapshot: pages.Snapshot, iri: str, fmt: formats.Format, path: str) -> Response:
    """An empty response carrying the validators and links; 304 when the client's copy is current."""
    # a page also depends on the language and on the templates of the running server
    page = f"{current_language()}|{RENDERER}|{request.args.get('on', '')}" if fmt is formats.HTML else ""
    etag = hashlib.sha256(f"{snapshot.key}|{iri}|{fmt.name}|{page}".encode()).hexdigest()[:32]
    response = Response(content_type=fmt.content_type)
    response.set_etag(etag)
    response.last_modified = snapshot.modified.replace(microsecond=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Link"] = link_header(iri, path)
    response.vary.update(("Accept", "Accept-Language", "Cookie"))
    if path.startswith(("/doc/", "/org/")):  # a resource is its own TimeGate (Memento, web/memento.py)
        response.headers["Link"] += (f', <{path}>; rel="timegate", <{memento_timemap(path)}>; rel="timemap"; '
                                     'type="application/link-format"')
        response.vary.add("Accept-Datetime")
    version = request.args.get("release")
    location = path + fmt.suffix + (f"?release={version}" if version is not None else "")
    if request.path != path + fmt.suffix:
        response.headers["Content-Location"] = location
    if version is not None:  # a release never changes: its representation may be kept
        response.headers["Cache-Control"] = "public, max-age=86400"
        response.headers["Link"] += f', <{get_settings().base_iri}release/{version}>; rel="collection"'
    if not is_resource_modified(request.environ, etag=etag, last_modified=response.last_modified):
        response.status_code = 304
        response.headers.pop("Content-Type", None)
        return response
    return response


def memento_timemap(path: str) -> str:
    return "/timemap" + path


def link_header(iri: str, path: str) -> str:
    """RFC 8288 links: the IRI the document is about (canonical) and each alternate format."""
    links = [f'<{iri}>; rel="canonical"']
    links += [f'<{path}{fmt.suffix}>; rel="alternate"; type="{fmt.media_type}"' for fmt in ALTERNATES]
    return ", ".join(links)


def alternates(path: str) -> list[tuple[formats.Format, str]]:
    """(format, href) of each alternate, for the page's <link rel=alternate> and download links."""
    return [(fmt, path + fmt.suffix) for fmt in ALTERNATES if fmt is not formats.HTML]


def serialize(triples: list[ox.Triple], fmt: formats.Format) -> bytes:
    """Triples in an RDF format (as the default graph for TriG / N-Quads)."""
    assert fmt.rdf is not None
    if fmt.is_dataset:
        return ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples], format=fmt.rdf)
    prefixes = pages.PREFIXES if fmt in (formats.TURTLE, formats.RDFXML) else None
    if prefixes is not None:
        used = {str(term.value) for t in triples for term in (t.predicate, t.object, t.subject)
                if isinstance(term, ox.NamedNode)}
        prefixes = {p: ns for p, ns in prefixes.items() if any(u.startswith(ns) for u in used)}
        if fmt is formats.RDFXML:  # RDF/XML needs the namespace of every predicate declared anyway
            prefixes = pages.PREFIXES
    return ox.serialize(triples, format=fmt.rdf, prefixes=prefixes)


def render_resource(reader: pages.Pages, iri: str, path: str) -> str:
    """The HTML page of a resource: the organisation page, the case page, or the generic one."""
    common: dict[str, Any] = {"iri": iri, "path": path, "alternates": alternates(path)}
    viewing = request.args.get("release")
    common["memento"] = request.args.get("version")
    releases = release.list_releases(get_settings().data_dir)
    cited = next((r for r in releases if r.version == viewing), None) if viewing else (releases[0] if releases else None)
    common["citation"] = {"iri": iri, "path": path, "viewing": viewing, "release": cited}
    kind = reader.kind(iri)
    common["sparql_link"] = sparql_behind(kind, iri)
    if kind == "organisation":
        return render_template("organisation.html", org=reader.organisation(iri, on=day_asked()),
                               party_labels=pages.PARTY_LABELS, **common)
    if kind == "case":
        return render_template("case.html", case=reader.case(iri), **common)
    return render_template("resource.html", resource=reader.resource(iri), **common)


def day_asked() -> str | None:
    """The day of `?on=YYYY-MM-DD` (an organisation page as it was on that day), None without one;
    400 for anything but a calendar date (an empty field of the page's date form means today)."""
    value = request.args.get("on", "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as err:
        raise BadRequest(f"on={value!r} is not a date: give YYYY-MM-DD, e.g. ?on=2013-04-01") from err
    if day.isoformat() != value:  # fromisoformat also takes 20130401 and week dates
        raise BadRequest(f"on={value!r} is not a date: give YYYY-MM-DD, e.g. ?on=2013-04-01")
    return value


def sparql_behind(kind: str | None, iri: str) -> str:
    """The editor with the query behind a resource page: an organisation's relations both ways (the
    named query triangle-of-organisation), else the resource's description (DESCRIBE)."""
    if kind == "organisation":
        return editor_link(queries.get("triangle-of-organisation"), {"org": iri, "lang": current_language()})
    return "/sparql?" + urllib.parse.urlencode({"query": f"DESCRIBE <{iri}>"})


def gone(tombstone: pages.Tombstone) -> Gone:
    """410 Gone with who, when and why."""
    error = Gone(f"{tombstone.iri} was withdrawn" + (f" on {tombstone.when}" if tombstone.when else "")
                 + (f": {tombstone.reason}" if tombstone.reason else ""),
                 iri=tombstone.iri, graph=tombstone.graph, reason=tombstone.reason,
                 withdrawn_at=tombstone.when, withdrawn_by=tombstone.who)
    error.tombstone = tombstone  # type: ignore[attr-defined]
    return error


# -- /def: the vocabulary -------------------------------------------------------------------------

@bp.route("/def", methods=["GET", "HEAD"])
@bp.route("/def.<suffix>", methods=["GET", "HEAD"])
def vocabulary(suffix: str = "") -> ResponseReturnValue:
    """The vocabulary: classes and properties with their labels and comments, and the concept
    schemes, as a page; the ontology graph as RDF."""
    fmt = split_suffix("def." + suffix)[1] if suffix else None
    fmt = fmt or negotiate()
    snapshot = current_snapshot()
    reader = snapshot.pages()
    if not reader.ontology():
        raise NotFound("the vocabulary is not loaded (no ontology graph)")
    response = conditional(snapshot, pages.ONTOLOGY, fmt, "/def")
    if response.status_code == 304:
        return response
    if fmt is formats.HTML:
        body = render_template("def.html", vocab=reader.vocabulary(), iri=pages.ONTOLOGY, path="/def",
                               alternates=alternates("/def"))
    else:
        body = serialize(reader.ontology(), fmt)
    response.set_data(body)
    return response


__all__ = ["bp", "serve", "split_suffix"]
