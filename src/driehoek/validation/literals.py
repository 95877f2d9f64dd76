"""Ill-typed literals ("abc"^^xsd:date): found in the upload and reported as violations."""

from __future__ import annotations

import logging
import re

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH


class _IllTypedLiteralsReported(logging.Filter):
    """rdflib logs a traceback for every literal whose lexical form it cannot convert; the gate
    reports those as violations, so the log need not (one upload could write thousands of them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_IllTypedLiteralsReported())


XSD_NS = "http://www.w3.org/2001/XMLSchema#"
_TIMEZONE = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YEAR = r"-?([1-9][0-9]{3,}|0[0-9]{3})"
_INTEGER = r"[+-]?[0-9]+"
_DOUBLE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN"
# XSD lexical spaces that rdflib checks too generously (Python's int() takes "1_000" and "١٢",
# float() takes "nan" and "infinity") or not at all (the Gregorian fragments). Values (a 13th month,
# a byte of 300) are still rdflib's to judge.
LEXICAL_FORMS = {XSD_NS + name: re.compile(pattern) for name, pattern in {
    "boolean": "true|false|1|0",
    "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    "double": _DOUBLE, "float": _DOUBLE,
    **dict.fromkeys(["integer", "long", "int", "short", "byte", "nonNegativeInteger", "positiveInteger",
                     "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
                     "unsignedByte"], _INTEGER),
    "gYear": _YEAR + _TIMEZONE,
    "gYearMonth": _YEAR + "-(0[1-9]|1[0-2])" + _TIMEZONE,
    "gMonth": "--(0[1-9]|1[0-2])" + _TIMEZONE,
    "gMonthDay": "--(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])" + _TIMEZONE,
    "gDay": "---(0[1-9]|[12][0-9]|3[01])" + _TIMEZONE,
}.items()}


def is_ill_typed(literal: ox.Literal, converted: rdflib.term.Node | None = None) -> bool:
    """True when the literal's lexical form is not one of its XSD datatype ("abc"^^xsd:date);
    `converted`, if given, is the literal as rdflib has it already."""
    if literal.language:
        return False
    datatype = literal.datatype.value
    pattern = LEXICAL_FORMS.get(datatype)
    # these types collapse whitespace: " 5 "^^xsd:integer is 5
    if pattern is not None and not pattern.fullmatch(literal.value.strip(" \t\r\n")):
        return True
    if not datatype.startswith(XSD_NS):
        return False
    # the value (a 13th month, a byte of 300): rdflib's conversion tells, once the form is right
    if not isinstance(converted, rdflib.Literal):
        converted = rdflib.Literal(literal.value, datatype=rdflib.URIRef(datatype))
    return converted.ill_typed is True


def _short(datatype: str) -> str:
    return "xsd:" + datatype[len(XSD_NS):] if datatype.startswith(XSD_NS) else f"<{datatype}>"


def _add_ill_typed(graph: rdflib.Graph, found: list[tuple[rdflib.term.Node, rdflib.term.Node, ox.Literal]]) -> None:
    """A violation in the report for each ill-typed literal, naming the value, its datatype and where it is."""
    report = graph.value(None, RDF.type, SH.ValidationReport, any=True)
    if report is None:
        report = rdflib.BNode()
        graph.add((report, RDF.type, SH.ValidationReport))
    for subject, predicate, value in found:
        lexical = value.value
        literal = rdflib.Literal(lexical, datatype=rdflib.URIRef(value.datatype.value), normalize=False)
        shown = lexical if len(lexical) <= 80 else lexical[:77] + "..."
        datatype = _short(value.datatype.value)
        where = f"_:{subject}" if isinstance(subject, rdflib.BNode) else f"<{subject}>"
        node = rdflib.BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.resultSeverity, SH.Violation))
        graph.add((node, SH.focusNode, subject))
        graph.add((node, SH.resultPath, predicate))
        graph.add((node, SH.value, literal))
        graph.add((node, SH.sourceConstraintComponent, SH.DatatypeConstraintComponent))
        graph.add((node, SH.resultMessage, rdflib.Literal(
            f'"{shown}" is not a valid {datatype}: {where} <{predicate}> has a value its datatype does not allow',
            lang="en")))
        graph.add((node, SH.resultMessage, rdflib.Literal(
            f'"{shown}" is geen geldige {datatype}: {where} <{predicate}> heeft een waarde die het datatype '
            "niet toestaat", lang="nl")))
    graph.set((report, SH.conforms, rdflib.Literal(False)))
