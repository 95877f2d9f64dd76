"""The yearly report on the web: /monitor/<year> as an HTML page, and .json, .csv and .pdf next to it.

The listing of monitor editions, /monitor itself, belongs to browse.py. A year with nothing to
report (no case, meeting, monitor edition or triangle change) is a 404.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from .. import formats, negotiation, report
from ..errors import NotAcceptable
from .context import get_service, get_settings
from .i18n import current_language

bp = Blueprint("report", __name__, template_folder="templates")

# /monitor/<year> answers these by Accept; the suffixed URLs name one directly.
OFFERED = (formats.HTML, formats.JSON, report.CSV, report.PDF)


def _report(year: int) -> report.Report:
    return report.report_for_year(get_service(), year)


def _base_iri() -> str:
    return str(get_settings().base_iri)


def _filename(year: int, suffix: str) -> str:
    return f"staat-van-de-uitvoering-{year}{suffix}"


def _alternates(year: int, lang: str) -> dict[str, str]:
    return {"pdf": f"/monitor/{year}.pdf?lang={lang}", "json": f"/monitor/{year}.json", "csv": f"/monitor/{year}.csv"}


def _link_header(year: int, lang: str) -> str:
    types = {"pdf": report.PDF.media_type, "json": formats.JSON.media_type, "csv": report.CSV.media_type}
    return ", ".join(f'<{href}>; rel="alternate"; type="{types[name]}"'
                     for name, href in _alternates(year, lang).items())


@bp.get("/monitor/<int:year>")
def page(year: int) -> ResponseReturnValue:
    """The report in the reader's language; JSON, CSV or PDF when the Accept header prefers one."""
    chosen = negotiation.best_by_accept(request.accept_mimetypes, OFFERED)
    if chosen is None:
        raise NotAcceptable("the report is available as " + ", ".join(f.media_type for f in OFFERED))
    if chosen is not formats.HTML:
        response = {formats.JSON: as_json, report.CSV: as_csv, report.PDF: as_pdf}[chosen](year)
    else:
        lang = current_language()
        built = _report(year)
        links = report.Links(_base_iri(), "")
        body = report.render_html(built, lang, links, part="body", appendix=False,
                                  alternates=_alternates(year, lang))
        response = Response(render_template("report_page.html", title=built.title(lang), body=Markup(body),
                                            alternates=_alternates(year, lang)),
                            content_type=formats.HTML.content_type)
        response.headers["Link"] = _link_header(year, lang)
    response.vary.add("Accept")
    return response


@bp.get("/monitor/report.css")
def stylesheet() -> Response:
    """The report's CSS (screen and print), the same the standalone report carries inline."""
    response = Response(report.report_css(), content_type="text/css; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/monitor/<int:year>.json")
def as_json(year: int) -> Response:
    """Every figure of the report with the rows of its named query, as one JSON document."""
    body = json.dumps(_report(year).to_json(), ensure_ascii=False, indent=1)
    response = Response(body, content_type=formats.JSON.content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{_filename(year, ".json")}"'
    return response


@bp.get("/monitor/<int:year>.csv")
def as_csv(year: int) -> Response:
    """The report's data in long format: figure,query,row,column,value."""
    response = Response(_report(year).to_csv(), content_type=report.CSV.content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{_filename(year, ".csv")}"'
    return response


@bp.get("/monitor/<int:year>.pdf")
def as_pdf(year: int) -> Response:
    """The report printed by WeasyPrint, in the reader's language, links pointing at this server."""
    lang = current_language()
    pdf = report.render_pdf(_report(year), lang, report.Links(_base_iri(), request.host_url))
    response = Response(pdf, content_type=report.PDF.content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{_filename(year, f"-{lang}.pdf")}"'
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response
