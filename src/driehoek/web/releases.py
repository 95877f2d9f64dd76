"""Citable releases on the web: /releases (the list), /release/{version} (its DCAT description as a
page or RDF) and /release/{version}/{file} (the frozen files, never changed). See release.py."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request, send_file
from flask.typing import ResponseReturnValue

from .. import formats, negotiation, release
from ..errors import NotAcceptable, NotFound
from .context import get_settings, wants_html
from .resources import serialize

bp = Blueprint("releases", __name__)
OFFERED = (*formats.GRAPH_FORMATS, formats.HTML)


def _data_dir():  # type: ignore[no-untyped-def]
    return get_settings().data_dir


def _base() -> str:
    return str(get_settings().base_iri)


@bp.get("/releases")
def releases() -> ResponseReturnValue:
    """Every release, newest first: a page for browsers, JSON for programs."""
    found = release.list_releases(_data_dir())
    if wants_html():
        return render_template("releases.html", releases=found, base=_base())
    return jsonify({"releases": [{"version": r.version, "issued": r.issued, "iri": r.iri(_base()),
                                  "triples": r.triples, "graphs": r.graphs,
                                  "files": {n: {**f, "url": f"/release/{r.version}/{n}"} for n, f in r.files.items()}}
                                 for r in found]})


@bp.get("/release/<version>")
def release_page(version: str) -> ResponseReturnValue:
    """One release: its description (DCAT) as a page or in any graph format."""
    found = release.find_release(_data_dir(), version)
    fmt = negotiation.choose(request.accept_mimetypes, request.args.getlist("format"), OFFERED, "graph")
    if fmt is None:
        raise NotAcceptable("a release's description can be had as: " + ", ".join(f.media_type for f in OFFERED))
    if fmt is formats.HTML:
        citation = {"cff": (found.directory / "CITATION.cff").read_text("utf-8"),
                    "bib": (found.directory / f"driehoek-{found.version}.bib").read_text("utf-8")}
        body = render_template("release.html", release=found, base=_base(), citation=citation)
    else:
        body = serialize(release.dcat(found, _base()), fmt)
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/release/<version>/<name>")
def release_file(version: str, name: str) -> ResponseReturnValue:
    """A file of a release, byte for byte as it was written; its SHA-256 is the ETag."""
    found = release.find_release(_data_dir(), version)
    names = {*found.files, "SHA256SUMS", "release.ttl", "release.json", "CITATION.cff", f"driehoek-{found.version}.bib"}
    if name not in names:
        raise NotFound(f"release {found.version} has no file {name!r}; it has: {', '.join(sorted(names))}")
    info = found.files.get(name)
    media = info["mediaType"] if info else {"release.ttl": "text/turtle", "release.json": "application/json"}.get(
        name, "text/plain; charset=utf-8")
    response = send_file(found.directory / name, mimetype="application/gzip" if name.endswith(".gz") else media,
                         as_attachment=name.endswith(".gz"), download_name=name, conditional=True, etag=False)
    if info:
        response.set_etag(info["sha256"])
        response.make_conditional(request)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
