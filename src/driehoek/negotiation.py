"""Choosing a format: `?format=` first, then the Accept header with its q-values.

Matching is werkzeug's (`MIMEAccept.best_match`), never a string compare, so wildcards, q-values
and specificity follow RFC 9110. No flask here: callers pass `request.accept_mimetypes`, tests pass
`werkzeug.http.parse_accept_header(value, MIMEAccept)`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from werkzeug.datastructures import MIMEAccept

from . import formats
from .errors import BadRequest
from .formats import Format

# The three shapes a SPARQL query result can take, and what each can be serialised to, best first.
KINDS = ("boolean", "solutions", "graph")
OFFERED: dict[str, tuple[Format, ...]] = {
    "boolean": formats.RESULTS_FORMATS,
    "solutions": formats.RESULTS_FORMATS,
    "graph": formats.GRAPH_FORMATS,
}

# What clients put in ?format= for a graph result when they think in result formats: SPARQLWrapper
# sends format=xml for a CONSTRUCT it wants as RDF/XML, format=n3 for Turtle-or-N3 (Turtle is N3).
_GRAPH_SYNONYMS = {"xml": "rdfxml", "json": "jsonld", "json-ld": "jsonld", "n3": "turtle", "rdf+xml": "rdfxml"}


def _candidates(offered: Sequence[Format]) -> dict[str, Format]:
    """Media types to offer werkzeug, in preference order, each mapped back to its format.

    Aliases come after every primary type so that a wildcard picks a primary type. Textual types
    are offered with `; charset=utf-8` too: werkzeug matches parameters exactly, and a client asking
    for `text/csv; charset=utf-8` must get it (one asking for another charset must not).
    """
    table: dict[str, Format] = {}
    for fmt in offered:
        table.setdefault(fmt.media_type, fmt)
    for fmt in offered:
        for alias in fmt.aliases:
            table.setdefault(alias, fmt)
    for media_type, fmt in list(table.items()):
        if fmt.content_type != fmt.media_type:
            table.setdefault(f"{media_type}; charset=utf-8", fmt)
    return table


def best_by_accept(accept: MIMEAccept, offered: Sequence[Format]) -> Format | None:
    """The offered format the Accept header likes best; the first offered when there is no header."""
    if not accept:
        return offered[0] if offered else None
    table = _candidates(offered)
    match = accept.best_match(list(table))
    return table[match] if match is not None else None


def by_format_names(names: Sequence[str], offered: Sequence[Format], kind: str = "") -> Format | None:
    """The first of `names` (short name, suffix or media type) that is an offered format, if any."""
    for name in names:
        wanted = name.strip().lower()
        if kind == "graph":
            wanted = _GRAPH_SYNONYMS.get(wanted, wanted)
        try:
            return formats.by_name(wanted, tuple(offered))
        except formats.UnknownFormat:
            continue
    return None


def choose(accept: MIMEAccept, format_names: Sequence[str], offered: Sequence[Format],
           kind: str = "") -> Format | None:
    """`?format=` when given (it overrides Accept), else the Accept header."""
    names = [n for n in format_names if n.strip()]
    if names:
        return by_format_names(names, offered, kind)
    return best_by_accept(accept, offered)


def formats_by_kind(accept: MIMEAccept, format_names: Sequence[str] = ()) -> dict[str, Format | None]:
    """For each result kind, the best acceptable format, or None when the client accepts none.

    A `?format=` that names no format at all is a mistake worth saying (400); one that names a
    format for another kind of result only makes that kind unacceptable (406 if the query has it).
    """
    chosen = {kind: choose(accept, format_names, OFFERED[kind], kind) for kind in KINDS}
    names = [n for n in format_names if n.strip()]
    if names and all(f is None for f in chosen.values()):
        known = sorted({f.name for offered in OFFERED.values() for f in offered})
        raise BadRequest(f"unknown format {', '.join(map(repr, names))}; use one of {', '.join(known)}",
                         parameter="format")
    return chosen


def not_acceptable_message(kind: str) -> str:
    """What to tell a client whose Accept / ?format= allows nothing for this kind of result."""
    offered = OFFERED[kind]
    what = {"boolean": "an ASK query gives a boolean", "solutions": "a SELECT query gives solutions",
            "graph": "a CONSTRUCT or DESCRIBE query gives a graph"}[kind]
    return (f"{what}, which can be had as: {', '.join(f.media_type for f in offered)} "
            f"(Accept header, or ?format= {', '.join(f.name for f in offered)})")


# The prologue (BASE, PREFIX, comments) is all that may precede the query form keyword.
_IRIREF = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_PROLOGUE = re.compile(rf"\s+|#[^\n]*|BASE\s*{_IRIREF}|PREFIX\s*[^\s:#]*:\s*{_IRIREF}", re.IGNORECASE)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE"
                   r"|INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)(?![\w:-])", re.IGNORECASE)
_KIND_OF_FORM = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def query_form(sparql: str) -> str | None:
    """'solutions', 'boolean', 'graph' or 'update' from the first keyword after the prologue.

    None when the text does not start like any SPARQL operation (the parser then says why).
    Knowing the form before running lets /sparql answer 406 without spending a worker on it.
    """
    position = 1 if sparql.startswith("\ufeff") else 0
    while (match := _PROLOGUE.match(sparql, position)) and match.end() > position:
        position = match.end()
    form = _FORM.match(sparql, position)
    if form is None:
        return None
    return _KIND_OF_FORM.get(form.group(1).upper(), "update")
