"""The browsing UI: home, organisations (filters, search, pages), cases, criteria, themes, meetings,
monitor editions, search. Views parse the request, ask pages.py, render a template.

Also the site-wide guard rails of HTML: a Content-Security-Policy on every HTML response (no inline
script or style anywhere; scripts and styles come from /static only) and `nosniff`.
"""

from __future__ import annotations

import json
import textwrap
import urllib.parse
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from .. import formats, pages, patterns, queries
from ..errors import BadRequest, DriehoekError, NotFound
from .i18n import LANGUAGES, current_language
from .resources import current_snapshot, render_error_page

bp = Blueprint("browse", __name__)

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")
MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}
MAX_QUERY = 200  # characters of a search text


@bp.after_app_request
def _security_headers(response: Response) -> Response:
    """Every HTML page, whoever renders it: a strict CSP (scripts and styles from /static only)."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    """Helpers for every template: names in the chosen language with their language tag, dates,
    the URL of this page in the other language, the named queries."""
    lang = current_language()

    def chosen(labels: dict[str, str] | None, fallback: str = "") -> dict[str, str]:
        text, tag = pages.pick_lang(labels, lang)
        return {"text": text or fallback, "lang": tag if text else ""}

    def date_text(value: str | None) -> str:
        if not value:
            return ""
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
        if lang == "en":
            return f"{day.day} {MONTHS['en'][day.month - 1]} {day.year}"
        return f"{day.day} {MONTHS['nl'][day.month - 1]} {day.year}"

    def url_with(**changes: Any) -> str:
        args = {k: v for k, v in request.args.items(multi=False)}
        args.update({k: v for k, v in changes.items()})
        args = {k: v for k, v in args.items() if v not in (None, "")}
        return request.path + ("?" + urllib.parse.urlencode(args) if args else "")

    def number(value: int) -> str:
        grouped = f"{value:,}"
        return grouped.replace(",", ".") if lang == "nl" else grouped

    return {"chosen": chosen, "date_text": date_text, "url_with": url_with, "languages": LANGUAGES,
            "number": number, "wrap": lambda text, width: textwrap.wrap(text, width),
            "role_labels": pages.ROLE_LABELS, "named_examples": lambda: named_examples(lang)}


def named_examples(lang: str) -> list[dict[str, str]]:
    """The named queries as examples for the SPARQL editor: title, and the text with the default
    parameter values bound, so that each runs as it stands."""
    examples = []
    for query in queries.all_queries().values():
        try:
            text = query.with_values({})
        except (ValueError, DriehoekError):
            text = query.text
        examples.append({"name": query.name, "title": query.title_in(lang), "text": text})
    return sorted(examples, key=lambda e: pages.sort_key(e["title"]))


@bp.errorhandler(DriehoekError)
def _error(error: DriehoekError) -> ResponseReturnValue:
    return render_error_page(error)


@bp.app_errorhandler(404)
def _no_route(error: HTTPException) -> ResponseReturnValue:
    """A URL no route knows: the site's 404 page for browsers, the usual JSON error otherwise."""
    return render_error_page(NotFound(error.description or "not found"))


# -- pages ----------------------------------------------------------------------------------------

@bp.get("/")
def home() -> ResponseReturnValue:
    """What driehoek is, how much it holds, and the ways in."""
    reader = current_snapshot().pages()
    cases = [c for c in reader.cases(current_language(), size=6).items if c["status_key"] == "published"][:3]
    return render_template("home.html", counts=reader.counts(), cases=cases, facets=reader.facets())


@bp.get("/organisations")
def organisations() -> ResponseReturnValue:
    """Organisations: filter by type, corner and ministry, search in names, fifty to a page."""
    reader = current_snapshot().pages()
    facets = reader.facets()
    type_slug = _choice("type", [t["slug"] for t in facets["types"]])
    corner = _choice("corner", [c["slug"] for c in facets["corners"]])
    ministries = {m["iri"].rsplit("/", 1)[-1]: m["iri"] for m in facets["ministries"]}
    ministry_code = _choice("ministry", list(ministries))
    text = _text()
    listing = reader.organisations(current_language(), type_slug=type_slug, corner=corner,
                                   ministry=ministries.get(ministry_code, ""), text=text, page=_page())
    return render_template("organisations.html", listing=listing, facets=facets, type_slug=type_slug,
                           corner=corner, ministry=ministry_code, q=text)


@bp.get("/cases")
def cases() -> ResponseReturnValue:
    """The success stories with their four ratings."""
    reader = current_snapshot().pages()
    listing = reader.cases(current_language(), page=_page())
    return render_template("cases.html", listing=listing, criteria=reader.criteria())


@bp.get("/patterns")
def patterns_page() -> ResponseReturnValue:
    """Cases as comparable evidence: the matrix cases x factors x ratings, the counts of factors with
    high and low ratings per criterion, agreement between raters, and the caveat of a small n."""
    snapshot = current_snapshot()
    built = _patterns(snapshot)
    return render_template(
        "patterns.html", p=built, caveat=patterns.CAVEAT, rule=patterns.RULE, query_names=patterns.QUERIES,
        agreement_labels=patterns.AGREEMENT_LABELS, level_labels=patterns.LEVEL_LABELS,
        presence_labels=patterns.PRESENCE_LABELS, criterion_labels={c.iri: c.labels for c in built.criteria},
        factor_by_iri={f.iri: f for f in built.factors},
        case_href=lambda iri: pages.local_path(iri, snapshot.base_iri) or iri)


@bp.get("/patterns.<suffix>")
def patterns_data(suffix: str) -> ResponseReturnValue:
    """The patterns as JSON (everything, with the caveat) or CSV (?table=matrix|counts|agreement)."""
    built = _patterns(current_snapshot())
    if suffix == "json":
        body = json.dumps(built.to_json(), ensure_ascii=False, indent=1)
        response = Response(body, content_type=formats.JSON.content_type)
    elif suffix == "csv":
        table = _choice("table", list(patterns.TABLES)) or "matrix"
        response = Response(built.to_csv(table), content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'inline; filename="patterns-{table}.csv"'
    else:
        raise NotFound(f"no /patterns.{suffix}; there are /patterns.json and /patterns.csv")
    response.headers["Link"] = '</patterns>; rel="alternate"; type="text/html"'
    return response


def _patterns(snapshot: pages.Snapshot) -> patterns.Patterns:
    built: patterns.Patterns = snapshot.cached("patterns", lambda: patterns.build(snapshot.store, snapshot.dataset))
    return built


@bp.get("/criteria")
def criteria() -> ResponseReturnValue:
    """The four criteria, their questions, and how the cases score on each."""
    reader = current_snapshot().pages()
    return render_template("criteria.html", criteria=reader.criteria(), ratings=reader.rating_scale())


@bp.get("/themes")
def themes() -> ResponseReturnValue:
    """The themes of the learning community."""
    reader = current_snapshot().pages()
    return render_template("themes.html", themes=reader.themes())


@bp.get("/events")
def events() -> ResponseReturnValue:
    """The meetings of the learning community."""
    reader = current_snapshot().pages()
    return render_template("events.html", listing=reader.events(current_language(), page=_page()))


@bp.get("/monitor")
def monitor() -> ResponseReturnValue:
    """The editions of the Staat van de Uitvoering; each year's report is at /monitor/{year}."""
    reader = current_snapshot().pages()
    return render_template("monitor.html", editions=reader.monitor_editions())


@bp.get("/search")
def search() -> ResponseReturnValue:
    """Names of organisations, cases, themes and meetings that contain the text."""
    text = _text()
    reader = current_snapshot().pages()
    results = reader.search(text) if text else {kind: [] for kind in pages.SEARCH_KINDS}
    return render_template("search.html", q=text, results=results,
                           total=sum(len(v) for v in results.values()))


# -- request parsing ------------------------------------------------------------------------------

def _choice(name: str, allowed: list[str]) -> str:
    value = request.args.get(name, "").strip()
    if value and value not in allowed:
        raise BadRequest(f"unknown {name} {value!r}; choose one of: {', '.join(sorted(allowed))}", parameter=name)
    return value


def _text() -> str:
    text = " ".join(request.args.get("q", "").split())
    if len(text) > MAX_QUERY:
        raise BadRequest(f"the search text is longer than {MAX_QUERY} characters", parameter="q")
    return text


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1
