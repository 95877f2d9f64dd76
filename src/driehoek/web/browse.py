"""The browsing UI: home, organisations (filters, search, pages), cases, criteria, themes, meetings,
monitor editions, search. Views parse the request, ask the pages package, render a template.

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

from .. import formats, negotiation, pages, patterns, queries, tables
from ..errors import BadRequest, DriehoekError, NotAcceptable, NotFound
from .context import current_snapshot
from .i18n import LANGUAGES, current_language
from .named_queries import editor_link

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

    def sparql_behind() -> str | None:
        """The editor with the named query behind a list page (None for pages without one)."""
        name = SPARQL_BEHIND.get(request.endpoint or "")
        if name is None:
            return None
        return editor_link(queries.get(name), {"lang": lang})

    return {"chosen": chosen, "date_text": date_text, "url_with": url_with, "languages": LANGUAGES,
            "number": number, "wrap": lambda text, width: textwrap.wrap(text, width),
            "role_labels": pages.ROLE_LABELS, "named_examples": lambda: named_examples(lang),
            "sparql_behind": sparql_behind}


# The named query behind each list page ("the SPARQL behind this page", issue 16.1); the resource
# pages pass their own (web/resources.render_resource).
SPARQL_BEHIND = {
    "browse.organisations": "organisations-by-corner-and-type", "browse.cases": "case-ratings-side-by-side",
    "browse.criteria": "cases-by-criterion-and-rating", "browse.themes": "cases-per-theme",
    "browse.events": "meetings-and-cases", "browse.monitor": "monitor-editions",
}


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


# -- pages ----------------------------------------------------------------------------------------

@bp.get("/")
def home() -> ResponseReturnValue:
    """What driehoek is, how much it holds, and the ways in."""
    reader = current_snapshot().pages()
    cases = [c for c in reader.cases(current_language(), size=6).items if c["status_key"] == "published"][:3]
    return render_template("home.html", counts=reader.counts(), cases=cases, facets=reader.facets())


@bp.get("/organisations")
@bp.get("/organisations.<any(csv, json):suffix>")
def organisations(suffix: str | None = None) -> ResponseReturnValue:
    """Organisations: filter by type, corner, ministry, "current only" and a text in their names;
    sortable; fifty to a page; the same rows as CSV (all of them) and JSON (paged)."""
    fmt = _table_format(suffix)
    reader = current_snapshot().pages()
    facets = reader.facets()
    type_slug = _choice("type", [t["slug"] for t in facets["types"]])
    corner = _choice("corner", [c["slug"] for c in facets["corners"]])
    ministries = {m["iri"].rsplit("/", 1)[-1]: m["iri"] for m in facets["ministries"]}
    ministry_code = _choice("ministry", list(ministries))
    text = _text()
    current = _flag("current")
    filters = tables.OrganisationFilters(type_slug, corner, ministries.get(ministry_code, ""), text, current)
    table = tables.organisations(reader, current_language(), filters, _paging(fmt, tables.ORGANISATION_COLUMNS))
    return _table_response(table, fmt, "organisations.html", listing=table, facets=facets, type_slug=type_slug,
                           corner=corner, ministry=ministry_code, q=text, current=current)


@bp.get("/cases")
@bp.get("/cases.<any(csv, json):suffix>")
def cases(suffix: str | None = None) -> ResponseReturnValue:
    """The success stories with their four ratings; filter by status, theme, organisation and a
    criterion's rating; sortable; CSV and JSON."""
    fmt = _table_format(suffix)
    reader = current_snapshot().pages()
    choices = tables.case_filter_choices(reader)
    organisation = request.args.get("organisation", "").strip()
    organisation_iri = ""
    if organisation:
        organisation_iri = (organisation if organisation.startswith(("http://", "https://"))
                            else reader.organisation_iri(organisation) or "")
        if not organisation_iri or reader.status(organisation_iri) == "missing":
            raise BadRequest(f"unknown organisation {organisation[:80]!r}: give a TOOI code (zb000117) or an IRI",
                             parameter="organisation")
    filters = tables.CaseFilters(_choice("status", choices["status"]), _choice("theme", choices["theme"]),
                                 organisation_iri, _choice("criterion", choices["criterion"]),
                                 _choice("rating", choices["rating"]))
    if filters.rating and not filters.criterion:
        raise BadRequest("rating needs a criterion (criterion=1..4)", parameter="rating")
    columns = tables.case_columns(tables.criterion_notations(reader))
    table = tables.cases(reader, current_language(), filters, _paging(fmt, columns))
    return _table_response(table, fmt, "cases.html", listing=table, criteria=reader.criteria(), filters=filters,
                           organisation=reader.link(organisation_iri) if organisation_iri else None)


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
@bp.get("/criteria.<any(csv, json):suffix>")
def criteria(suffix: str | None = None) -> ResponseReturnValue:
    """The four criteria, their questions, and how many cases have each rating on each (a count links
    to those cases); CSV and JSON."""
    fmt = _table_format(suffix)
    reader = current_snapshot().pages()
    table = tables.criteria(reader, current_language(), _paging(fmt, (), default_size=None))
    return _table_response(table, fmt, "criteria.html", table=table, criteria=table.rows,
                           ratings=reader.rating_scale())


@bp.get("/org/<code>/relations")
@bp.get("/org/<code>/relations.<any(csv, json):suffix>")
def organisation_relations(code: str, suffix: str | None = None) -> ResponseReturnValue:
    """Every relation of an organisation, filtered by type and date, sorted, paged; CSV and JSON."""
    fmt = _table_format(suffix)
    reader = current_snapshot().pages()
    iri = reader.organisation_iri(code)
    if iri is None or reader.status(iri) != "ok":
        raise NotFound(f"no organisation with the code {code[:80]!r}")
    types = sorted(t.value.rsplit("/", 1)[-1]
                   for t in reader.subjects(pages.SKOS + "inScheme", pages._n(reader.base + "def/relation-type")))
    filters = tables.RelationFilters(_choice("type", types), tables.parse_date(request.args.get("on", ""), "on"),
                                     _flag("current"))
    table = tables.relations(reader, iri, current_language(), filters, _paging(fmt, tables.RELATION_COLUMNS))
    return _table_response(table, fmt, "relations.html", listing=table, organisation=reader.link(iri), code=code,
                           filters=filters)


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
@bp.get("/search.<any(csv, json):suffix>")
def search(suffix: str | None = None) -> ResponseReturnValue:
    """Organisations (current and former names, abbreviations), cases (titles, abstracts, the
    organisations involved), themes and meetings, with type, status and dates; paged, every hit counted."""
    fmt = _table_format(suffix)
    text = _text()
    kind = _choice("type", list(tables.SEARCH_KINDS))
    reader = current_snapshot().pages()
    table = tables.search(reader, text, current_language(), _paging(fmt, tables.SEARCH_COLUMNS), kind)
    return _table_response(table, fmt, "search.html", listing=table, q=text, kind=kind,
                           total=sum(table.extra["kinds"].values()))


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

# -- tables: one listing as HTML, CSV or JSON ---------------------------------------------------------

TABLE_FORMATS = (formats.HTML, formats.JSON, tables.CSV)


def _table_format(suffix: str | None) -> formats.Format:
    """HTML, JSON or CSV: the URL's suffix (.csv, .json), else ?format=, else the Accept header."""
    names = [n for n in request.args.getlist("format") if n.strip()]
    by_name = negotiation.by_format_names(names, TABLE_FORMATS) if names else None
    if names and by_name is None:
        raise BadRequest(f"unknown format {names[0][:40]!r}; use one of html, json, csv", parameter="format")
    if suffix:
        chosen = formats.by_name(suffix, TABLE_FORMATS)
        if by_name is not None and by_name is not chosen:
            raise BadRequest(f"the URL ends in .{suffix} but format={names[0]!r}", parameter="format")
        return chosen
    if by_name is not None:
        return by_name
    best = negotiation.best_by_accept(request.accept_mimetypes, TABLE_FORMATS)
    if best is None:
        raise NotAcceptable("this table is available as " + ", ".join(f.media_type for f in TABLE_FORMATS))
    return best


def _paging(fmt: formats.Format, columns: tuple[tables.Column, ...],
            default_size: int | None = tables.PAGE_SIZE) -> tables.Paging:
    """?sort=, ?page=, ?size=; a CSV has every row unless ?size= asks for pages."""
    return tables.parse_paging(request.args, columns, default_size=None if fmt is tables.CSV else default_size)


def _flag(name: str) -> bool:
    value = request.args.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise BadRequest(f"{name} is on or off (1 or 0), not {value[:40]!r}", parameter=name)


def data_links(path: str) -> dict[str, str]:
    """Where this table's CSV (every row, as filtered and sorted) and JSON (this page) are."""
    stem = path.rsplit(".", 1)[0] if path.endswith((".csv", ".json")) else path
    args = {k: v for k, v in request.args.items() if k not in ("format", "lang") and v}
    whole = {k: v for k, v in args.items() if k not in ("page", "size")}
    return {"csv": stem + ".csv" + ("?" + urllib.parse.urlencode(whole) if whole else ""),
            "json": stem + ".json" + ("?" + urllib.parse.urlencode(args) if args else "")}


def sort_link(table: tables.Table, key: str) -> dict[str, str]:
    """A column header's sort link and its aria-sort: ascending first, then descending."""
    current = table.sort
    descending = current is not None and current.key == key and not current.descending
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    args["sort"] = ("-" if descending else "") + key
    state = "none"
    if current is not None and current.key == key:
        state = "descending" if current.descending else "ascending"
    return {"href": request.path + "?" + urllib.parse.urlencode(args), "aria": state}


def _table_response(built: tables.Table, fmt: formats.Format, template: str, **context: Any) -> Response:
    """The table as JSON, as CSV (a download), or as its HTML page with links to both."""
    lang = current_language()
    if fmt is formats.JSON:
        document = tables.to_json(built, lang, lambda n: tables.page_url(request.path, request.args, n))
        response = Response(json.dumps(document, ensure_ascii=False, indent=1), content_type=fmt.content_type)
        response.headers["Content-Disposition"] = f'inline; filename="{tables.filename(built, ".json")}"'
    elif fmt is tables.CSV:
        response = Response(tables.to_csv(built, lang), content_type=fmt.content_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{tables.filename(built, ".csv")}"'
        response.headers["X-Total-Count"] = str(built.total)
        if built.size is not None and built.page < built.pages:
            response.headers["Link"] = f'<{tables.page_url(request.path, request.args, built.page + 1)}>; rel="next"'
    else:
        links = data_links(request.path)
        response = Response(render_template(template, data=links, sort_link=lambda key: sort_link(built, key),
                                            **context), content_type=fmt.content_type)
        response.headers["Link"] = (f'<{links["csv"]}>; rel="alternate"; type="text/csv", '
                                    f'<{links["json"]}>; rel="alternate"; type="application/json"')
    response.vary.add("Accept")
    return response

