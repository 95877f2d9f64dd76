"""negotiation.py on its own: Accept and ?format= to a format per result kind, and the query form."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from driehoek import formats
from driehoek.errors import BadRequest
from driehoek.negotiation import formats_by_kind, query_form


def accept(value: str | None) -> MIMEAccept:
    return parse_accept_header(value, MIMEAccept)


@pytest.mark.parametrize("header, solutions, graph", [
    (None, formats.RESULTS_JSON, formats.TURTLE),
    ("*/*", formats.RESULTS_JSON, formats.TURTLE),
    ("text/*", formats.RESULTS_CSV, formats.TURTLE),
    ("application/json", formats.RESULTS_JSON, None),
    ("text/turtle", None, formats.TURTLE),
    ("application/sparql-results+xml, application/rdf+xml", formats.RESULTS_XML, formats.RDFXML),
    ("text/csv;q=0.2, text/tab-separated-values;q=0.7, text/turtle;q=0.1, application/n-triples",
     formats.RESULTS_TSV, formats.NTRIPLES),
    ("text/turtle; charset=utf-8", None, formats.TURTLE),
    ("text/turtle; charset=iso-8859-1", None, None),
    ("*/*;q=0", None, None),
])
def test_accept_header(header: str | None, solutions: formats.Format | None, graph: formats.Format | None) -> None:
    chosen = formats_by_kind(accept(header))
    assert (chosen["solutions"], chosen["boolean"], chosen["graph"]) == (solutions, solutions, graph)


@pytest.mark.parametrize("names, solutions, graph", [
    (["csv"], formats.RESULTS_CSV, None),
    (["turtle"], None, formats.TURTLE),
    (["json"], formats.RESULTS_JSON, formats.JSONLD),
    (["xml"], formats.RESULTS_XML, formats.RDFXML),
    (["tsv", "text/tab-separated-values"], formats.RESULTS_TSV, None),  # SPARQLWrapper sends both
    (["json-ld", "application/ld+json"], None, formats.JSONLD),
    (["", "srx"], formats.RESULTS_XML, None),
])
def test_format_parameter_overrides_accept(names: list[str], solutions: formats.Format | None,
                                           graph: formats.Format | None) -> None:
    chosen = formats_by_kind(accept("application/sparql-results+json, text/turtle"), names)
    assert (chosen["solutions"], chosen["graph"]) == (solutions, graph)


def test_a_format_nobody_knows_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="yaml"):
        formats_by_kind(accept(None), ["yaml"])


@pytest.mark.parametrize("text, form", [
    ("SELECT * {}", "solutions"),
    ("ask {}", "boolean"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "graph"),
    ("DESCRIBE <x>", "graph"),
    ("\ufeff# a comment with SELECT in it\nBASE <http://example.org/>\nPREFIX ask: <a#>\n"
     "PREFIX : <b>\nprefix\tselect:<c>\nCONSTRUCT { ?s ask:x ?o } WHERE { ?s select:y ?o }", "graph"),
    ("PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }", "update"),
    ("CLEAR ALL", "update"),
    ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "update"),
    ("SELECT* {}", "solutions"),
    ("ASK{}", "boolean"),
    ("selection", None),
    ("{ ?s ?p ?o }", None),
    ("", None),
    ("PREFIX ex <http://example.org/> SELECT * {}", None),
])
def test_query_form(text: str, form: str | None) -> None:
    assert query_form(text) == form
