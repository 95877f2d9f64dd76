"""The SHACL gate: every write is checked against ontology/shapes.ttl before it lands.

This module owns the rdflib/pyshacl bridge. It validates an incoming graph together with the small
context it needs from the store — the rdf:type and skos:inScheme of every IRI the upload points at
but does not describe — so the cost grows with the upload, not with the store.

The context is gathered here, in the caller's process; the rest (the rdflib graph, pyshacl, and the
check that every literal's lexical form fits its XSD datatype) runs in `validate_payload`, which the
service runs in a worker process with time and memory limits (shacl_workers.py).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH, SKOS

from .errors import PayloadTooLarge
from .iris import DH

if TYPE_CHECKING:
    from .shacl_workers import ValidationJob, ValidationOutcome, ValidationPool

# The shapes assume no inference by pyshacl: the ontology and the schemes are mixed into the data
# graph (ont_graph), and sh:class follows rdfs:subClassOf chains that are present there.
INFERENCE = "none"

CONTEXT_PREDICATES = (ox.NamedNode(str(RDF.type)), ox.NamedNode(str(SKOS.inScheme)))
SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


class _IllTypedLiteralsReported(logging.Filter):
    """rdflib logs a traceback for every literal whose lexical form it cannot convert; the gate
    reports those as violations, so the log need not (one upload could write thousands of them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_IllTypedLiteralsReported())

# Finds rdf:type / skos:inScheme of an IRI in the store, leaving out the graphs being replaced.
# It may have an attribute `described(iris) -> set of iris`: those of `iris` that the store (the same
# graphs) describes with more than a type, so that a node an upload merely types can be told a
# reference to something known from something new (see _unknown_to_store).
ContextLookup = Callable[[ox.NamedNode], Iterable[ox.Quad]]
# Finds an IRI's description (its triples and the blank nodes under them) in the other graphs.
DescribeLookup = Callable[[ox.NamedNode], Iterable[ox.Quad]]


@dataclass(frozen=True)
class Result:
    """One SHACL validation result, in plain strings."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    messages: dict[str, str]
    shape: str | None
    constraint: str | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "severity": self.severity, "focus": self.focus, "path": self.path, "value": self.value,
            "message": self.message, "messages": self.messages, "shape": self.shape,
            "constraint": self.constraint,
        }


@dataclass
class Report:
    """The gate's verdict on one upload: violations block it, warnings do not."""

    results: list[Result] = field(default_factory=list)
    graph: rdflib.Graph | None = None  # the sh:ValidationReport as RDF (built from `serialised` when asked for)
    source: str = "input"
    serialised: list[str] = field(default_factory=list)  # the workers' reports as N-Triples, one per chunk

    @property
    def violations(self) -> list[Result]:
        """Results that block the write."""
        return [r for r in self.results if r.severity == "violation"]

    @property
    def warnings(self) -> list[Result]:
        """Results worth reading that do not block the write."""
        return [r for r in self.results if r.severity != "violation"]

    @property
    def conforms(self) -> bool:
        """True when nothing blocks the write (warnings allowed)."""
        return not self.violations

    @property
    def outcome(self) -> str:
        """conforms | warnings | violations, for provenance."""
        if self.violations:
            return "violations"
        return "warnings" if self.results else "conforms"

    def to_json(self) -> dict[str, Any]:
        """{"conforms", "violations", "warnings", "results": [...]}."""
        return {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "results": [r.to_json() for r in self.results],
        }

    def report_graph(self) -> rdflib.Graph:
        """The sh:ValidationReport as RDF: the chunks' reports in one graph, sh:conforms for all of them."""
        if self.graph is None:
            self.graph = _merged_reports(self.serialised, self.conforms) if self.serialised else _empty_report()
        return self.graph

    def to_turtle(self) -> str:
        """The sh:ValidationReport in Turtle."""
        return self.report_graph().serialize(format="turtle")

    def to_text(self) -> str:
        """A report a person can act on: one paragraph per result, violations first."""
        if not self.results:
            return f"{self.source}: conforms to the shapes\n"
        lines = [f"{self.source}: {len(self.violations)} violation(s), {len(self.warnings)} warning(s)"]
        for r in sorted(self.results, key=lambda r: (r.severity != "violation", r.focus)):
            where = f" {r.path}" if r.path else ""
            value = f" (value: {r.value})" if r.value is not None else ""
            lines.append(f"  {r.severity.upper()}: <{r.focus}>{where}{value}\n    {r.message}")
        return "\n".join(lines) + "\n"


def _empty_report() -> rdflib.Graph:
    graph = rdflib.Graph()
    node = rdflib.BNode()
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, rdflib.Literal(True)))
    return graph


def _merged_reports(parts: list[str], conforms: bool) -> rdflib.Graph:
    """The workers' reports (N-Triples) in one graph; each report's sh:conforms is the verdict on all."""
    graph = rdflib.Graph()
    for part in parts:
        graph.parse(data=part, format="nt")  # blank nodes are the document's own: chunks do not clash
    if len(parts) > 1:
        graph.remove((None, SH.conforms, None))
        for node in graph.subjects(RDF.type, SH.ValidationReport):
            graph.add((node, SH.conforms, rdflib.Literal(conforms)))
    return graph


@functools.cache
def _shapes_and_ontology() -> tuple[rdflib.Graph, rdflib.Graph]:
    """The bundled shapes and (ontology + schemes), parsed once per process."""
    root = resources.files("driehoek") / "ontology"
    shapes = rdflib.Graph()
    shapes.parse(data=(root / "shapes.ttl").read_text("utf-8"), format="turtle")
    ontology = rdflib.Graph()
    ontology.parse(data=(root / "driehoek.ttl").read_text("utf-8"), format="turtle")
    schemes = root / "schemes"
    if schemes.is_dir():
        for item in sorted(schemes.iterdir(), key=lambda p: p.name):
            if item.name.endswith(".ttl"):
                ontology.parse(data=item.read_text("utf-8"), format="turtle")
    return shapes, ontology


@functools.cache
def _direct_properties() -> frozenset[str]:
    """The direct relation properties (dh:directProperty of the relation types in the schemes); read
    with pyoxigraph, as the chunking runs in the server, which keeps the rdflib graphs to the workers."""
    root = resources.files("driehoek") / "ontology"
    files = [root / "driehoek.ttl"]
    if (root / "schemes").is_dir():
        files += sorted((p for p in (root / "schemes").iterdir() if p.name.endswith(".ttl")), key=lambda p: p.name)
    predicate = DH + "directProperty"
    return frozenset(q.object.value for item in files
                     for q in ox.parse(input=item.read_bytes(), format=ox.RdfFormat.TURTLE)
                     if q.predicate.value == predicate and isinstance(q.object, ox.NamedNode))


SHAPES_NS = "https://w3id.org/driehoek/def/shapes#"
# Added, for the gate only, to a node the upload merely types and the store does not describe: it
# makes the node "described" (dhsh:DescribedInstancesOf in shapes.ttl), so its class's shapes apply.
UNKNOWN_TO_STORE = ox.NamedNode(SHAPES_NS + "unknownToStore")


@functools.cache
def _described_classes() -> frozenset[str]:
    """The classes whose described instances the shapes target (dhsh:class), with every subclass the
    ontology and the schemes declare, read with pyoxigraph (see _direct_properties)."""
    root = resources.files("driehoek") / "ontology"
    target = SHAPES_NS + "class"
    classes = {q.object.value for q in ox.parse(input=(root / "shapes.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
               if q.predicate.value == target and isinstance(q.object, ox.NamedNode)}
    files = [root / "driehoek.ttl"]
    if (root / "schemes").is_dir():
        files += sorted((p for p in (root / "schemes").iterdir() if p.name.endswith(".ttl")), key=lambda p: p.name)
    sub_class_of = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
    below: dict[str, set[str]] = {}
    for item in files:
        for q in ox.parse(input=item.read_bytes(), format=ox.RdfFormat.TURTLE):
            if q.predicate.value == sub_class_of and isinstance(q.object, ox.NamedNode) \
                    and isinstance(q.subject, ox.NamedNode):
                below.setdefault(q.object.value, set()).add(q.subject.value)
    todo = list(classes)
    while todo:
        for sub in below.get(todo.pop(), ()):
            if sub not in classes:
                classes.add(sub)
                todo.append(sub)
    return frozenset(classes)


def merely_typed(triples: Iterable[ox.Quad]) -> set[ox.NamedNode]:
    """IRIs the triples type with a class the shapes target, and say nothing else about (only
    rdf:type, skos:inScheme or a direct relation triple): references, if the store describes them."""
    rdf_type = str(RDF.type)
    plain = {rdf_type, str(SKOS.inScheme)} | _direct_properties()
    classes = _described_classes()
    typed: set[ox.NamedNode] = set()
    described: set[Any] = set()
    for quad in triples:
        if quad.predicate.value == rdf_type:
            if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.NamedNode) \
                    and quad.object.value in classes:
                typed.add(quad.subject)
        elif quad.predicate.value not in plain:
            described.add(quad.subject)
    return typed - described


def _unknown_to_store(triples: list[ox.Quad], context: ContextLookup | None) -> list[ox.Quad]:
    """A marker for each node the upload merely types and the store does not describe either: such a
    node is new, and must meet its class's shapes (a bare `<x> a dh:Case` is not a case). Without a
    store to ask (a dry run before any data is loaded) the node stays a reference."""
    described = getattr(context, "described", None)
    if described is None:
        return []
    bare = merely_typed(triples)
    if not bare:
        return []
    known = described(bare)
    return [ox.Quad(node, UNKNOWN_TO_STORE, ox.Literal(True)) for node in sorted(bare - known, key=str)]


_pyshacl_lock = threading.Lock()  # pyshacl mutates shared graphs while validating


def to_rdflib_term(term: Any) -> rdflib.term.Node:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


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


# What the shapes of a resource look into: a chunk of a large upload keeps these with their resource.
PARTS = frozenset({"https://w3id.org/driehoek/def#hasAssessment", "https://w3id.org/driehoek/def#involvement"})
CHUNK_TRIPLES = 15_000  # uploads larger than this are validated in chunks, in parallel


def validate(quads: Iterable[ox.Quad], context: ContextLookup | None = None, *,
             source: str = "input", describe: DescribeLookup | None = None,
             chunk_triples: int = CHUNK_TRIPLES, progress: Callable[[int], None] | None = None,
             pool: ValidationPool | None = None) -> Report:
    """Validate triples (graph names ignored) with the context they need from the store.

    The context: for every IRI the upload points at without typing it, its rdf:type and
    skos:inScheme — from the store (leaving out the graphs being replaced). It grows with the
    upload, not with the store.

    A large upload (the whole register) is cut into chunks of whole resources (each named subject
    with its blank nodes); a chunk gets the same type context for what it points at elsewhere in
    the upload. Chunks run in parallel processes. A case and its assessments travel in one (small)
    upload and are never cut apart.

    With a `pool` (the service always passes one) pyshacl runs in its worker processes, under their
    time and memory limits; without one, a small upload is validated in this process and a large one
    in worker processes started for this call, without limits (tests, benchmarks, library use).
    """
    triples = list(quads)
    triples += _unknown_to_store(triples, context)
    if len(triples) <= chunk_triples:
        job = _job(triples, _with_context(triples, context, describe, None), source)
        if pool is None:
            outcomes = [validate_payload(job.upload, job.context, source)]
        else:
            outcomes = pool.run([job])
        if progress:
            progress(len(triples))
        return _report(outcomes, source)
    return _validate_in_chunks(triples, context, describe, source, chunk_triples, progress, pool)


def _job(triples: list[ox.Quad], context: list[ox.Quad], source: str) -> ValidationJob:
    """What a worker needs, serialised: the upload as N-Quads (pyoxigraph writes those fastest, graph
    names and all) and its context as N-Triples. Blank node labels are kept on both sides, so a blank
    node the context shares with the upload stays one node."""
    from .shacl_workers import ValidationJob

    upload = ox.serialize(triples, format=ox.RdfFormat.N_QUADS) or b""
    extra = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in context],
                         format=ox.RdfFormat.N_TRIPLES) or b""
    return ValidationJob(upload, extra, source, len(triples))


def _report(outcomes: list[ValidationOutcome], source: str) -> Report:
    """One report from the workers' outcomes (a chunked upload's results merged, duplicates dropped)."""
    if len(outcomes) == 1:
        results, serialised = outcomes[0]
        return Report(results=results, source=source, serialised=[serialised])
    unique = {(r.severity, r.focus, r.path, r.value, r.message): r for results, _s in outcomes for r in results}
    merged = sorted(unique.values(), key=lambda r: (r.severity != "violation", r.focus, r.path or "", r.message))
    return Report(results=merged, source=source, serialised=[s for _r, s in outcomes])


def _with_context(triples: list[ox.Quad], context: ContextLookup | None, describe: DescribeLookup | None,
                  upload: _UploadIndex | None) -> list[ox.Quad]:
    """The context of the triples: rdf:type / skos:inScheme of every IRI they point at without
    typing it (from the rest of the upload, else from the store). See shapes.ttl's header: such
    context-only nodes are referred to, never validated as if described here."""
    typed: set[ox.NamedNode] = set()
    referenced: set[ox.NamedNode] = set()
    rdf_type = str(RDF.type)
    for quad in triples:
        if isinstance(quad.subject, ox.NamedNode) and quad.predicate.value == rdf_type:
            typed.add(quad.subject)
        if isinstance(quad.object, ox.NamedNode) and quad.predicate.value != rdf_type:
            referenced.add(quad.object)
    missing = referenced - typed
    extra: list[ox.Quad] = []
    if upload is not None:
        here = {q.subject for q in triples}
        direct = _direct_properties()
        for iri in missing & upload.subjects:
            extra.extend(upload.context(iri))
            # statements of that resource about this chunk's resources (e.g. the direct triple
            # <from> dh:supervises <to> that a relation node in this chunk must be accompanied by)
            extra.extend(q for q in upload.by_subject.get(iri, ()) if q.predicate.value in direct
                         and (q.object in here or q.object in referenced))
        missing -= upload.subjects
    if context is not None:
        many = getattr(context, "many", None)  # one request for all of them, where lookups are remote
        if many is not None:
            extra.extend(many(missing))
        else:
            for iri in missing:
                extra.extend(context(iri))
    if describe is not None:
        for iri in {q.subject for q in triples if isinstance(q.subject, ox.NamedNode)} - typed:
            extra.extend(describe(iri))
    return extra


class _UploadIndex:
    """The upload's resources by subject, with the blank nodes under each."""

    def __init__(self, triples: list[ox.Quad]) -> None:
        self.by_subject: dict[Any, list[ox.Quad]] = {}
        for quad in triples:
            self.by_subject.setdefault(quad.subject, []).append(quad)
        self.subjects = {s for s in self.by_subject if isinstance(s, ox.NamedNode)}

    def context(self, node: ox.NamedNode) -> list[ox.Quad]:
        """The node's rdf:type and skos:inScheme triples in the upload."""
        wanted = {p.value for p in CONTEXT_PREDICATES}
        return [q for q in self.by_subject.get(node, ()) if q.predicate.value in wanted]

    def describe(self, node: Any) -> list[ox.Quad]:
        """The node's triples and those of the blank nodes it leads to, and of the parts the shapes
        look into through it (a case's assessments and involvements), wherever they are written."""
        out, todo, seen = [], [node], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for quad in self.by_subject.get(current, ()):
                out.append(quad)
                if isinstance(quad.object, ox.BlankNode) or (
                        quad.predicate.value in PARTS and quad.object in self.by_subject):
                    todo.append(quad.object)
        return out

    def chunks(self, size: int) -> Iterator[list[ox.Quad]]:
        """Whole resources (named subjects with their blank nodes), about `size` triples at a time."""
        chunk: list[ox.Quad] = []
        emitted: set[Any] = set()
        named = [s for s in self.by_subject if isinstance(s, ox.NamedNode)]
        # blank nodes travel with the named subject above them; free-standing ones come last
        for subject in [*named, *(s for s in self.by_subject if not isinstance(s, ox.NamedNode))]:
            if subject in emitted:
                continue
            described = self.describe(subject)
            emitted.update(q.subject for q in described)
            chunk.extend(described)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _validate_in_chunks(triples: list[ox.Quad], context: ContextLookup | None, describe: DescribeLookup | None,
                        source: str, size: int, progress: Callable[[int], None] | None,
                        pool: ValidationPool | None) -> Report:
    from .shacl_workers import ValidationPool, pool_size

    upload = _UploadIndex(triples)
    # built as workers become free: a chunk's context is looked up just before it is sent
    jobs = (_job(chunk, _with_context(chunk, context, describe, upload), source) for chunk in upload.chunks(size))
    done = (lambda job: progress(job.triples)) if progress else None
    if pool is not None:
        return _report(pool.run(jobs, done=done), source)
    own = ValidationPool(workers=pool_size(), timeout=None, memory_mib=0, warm=0)
    try:
        return _report(own.run(jobs, done=done), source)
    finally:
        own.close()


def prepare_worker() -> None:
    """Load once, in a validation worker, what every job needs: pyshacl, the shapes, the ontology."""
    import warnings

    import pyshacl  # noqa: F401  (slow to import: once per worker, not per write)

    # rdflib warns of "maybe"^^xsd:boolean as it converts it; the gate reports it as a violation
    warnings.filterwarnings("ignore", message="Parsing weird boolean", category=UserWarning)
    _shapes_and_ontology()
    _run_pyshacl(rdflib.Graph())  # pyshacl's own lazy imports and caches


def validate_payload(upload: bytes, context: bytes, source: str) -> ValidationOutcome:
    """The gate's own work, run in a worker: the upload (N-Quads, graph names ignored) and its context
    (N-Triples) in one rdflib graph, pyshacl's verdict on it plus a violation for every ill-typed
    literal of the upload; the results and the report (N-Triples) out."""
    data = rdflib.Graph()
    ill_typed: list[tuple[rdflib.term.Node, rdflib.term.Node, ox.Literal]] = []
    try:
        for quad in ox.parse(input=upload, format=ox.RdfFormat.N_QUADS):
            triple = (to_rdflib_term(quad.subject), to_rdflib_term(quad.predicate), to_rdflib_term(quad.object))
            if isinstance(quad.object, ox.Literal) and is_ill_typed(quad.object, triple[2]):
                ill_typed.append((triple[0], triple[1], quad.object))
            data.add(triple)
        for quad in ox.parse(input=context, format=ox.RdfFormat.N_TRIPLES):
            data.add((to_rdflib_term(quad.subject), to_rdflib_term(quad.predicate), to_rdflib_term(quad.object)))
    except MemoryError as err:  # a literal near 16 MiB that escaping (\" for ") took past pyoxigraph's buffer
        if "buffer maximal size" not in str(err):
            raise
        raise PayloadTooLarge(f"{source}: a literal is too long to validate (over 16 MiB as N-Triples); split the "
                              "value, or link to it instead", source=source) from err
    try:
        graph = _run_pyshacl(data)
    except (TypeError, ValueError):
        if not ill_typed:
            raise
        # pyshacl compares values (sh:lessThanOrEquals on two ill-typed dates) and fails on literals
        # that have no value: judge the rest without them; each is reported as a violation below
        for subject, predicate, value in ill_typed:
            data.remove((subject, predicate, to_rdflib_term(value)))
        graph = _run_pyshacl(data)
    del data
    if ill_typed:
        _add_ill_typed(graph, ill_typed)
    return _results(graph), graph.serialize(format="nt")


def _run_pyshacl(data: rdflib.Graph) -> rdflib.Graph:
    """pyshacl's sh:ValidationReport on the data graph."""
    import pyshacl  # imported lazily: it is slow to import and only writes need it

    shapes, ontology = _shapes_and_ontology()
    with _pyshacl_lock:
        _conforms, results_graph, _text = pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=ontology, inference=INFERENCE,
            advanced=True, allow_warnings=True, abort_on_first=False,
        )
    return results_graph


def _results(graph: rdflib.Graph) -> list[Result]:
    results = []
    # the report's own results; nested sh:detail results (of a failing sh:node) only explain them
    for node in graph.objects(None, SH.result):
        messages: dict[str, str] = {}
        for message in graph.objects(node, SH.resultMessage):
            lang = getattr(message, "language", None) or "und"
            messages.setdefault(lang, str(message))
        text = messages.get("en") or messages.get("und") or next(iter(messages.values()), "")
        results.append(Result(
            severity=SEVERITIES.get(graph.value(node, SH.resultSeverity), "violation"),
            focus=_text(graph.value(node, SH.focusNode)) or "",
            path=_text(graph.value(node, SH.resultPath)),
            value=_text(graph.value(node, SH.value)),
            message=text,
            messages=messages,
            shape=_text(graph.value(node, SH.sourceShape)),
            constraint=_text(graph.value(node, SH.sourceConstraintComponent)),
        ))
    results.sort(key=lambda r: (r.severity != "violation", r.focus, r.path or "", r.message))
    return results


def _text(term: rdflib.term.Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


def report_json(report: Report) -> str:
    """The report as a JSON document."""
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2)


__all__ = ["DH", "Report", "Result", "validate", "report_json", "INFERENCE"]


def _translate_update(sparql: str, base_iri: str | None) -> Any:
    """rdflib's algebra of a SPARQL Update; ValueError when it does not parse."""
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        return translateUpdate(parseUpdate(sparql), base=base_iri)
    except Exception as err:  # rdflib raises pyparsing errors of several kinds
        raise ValueError(str(err)) from err


ALL_GRAPHS = "*"  # an update that may touch any graph (GRAPH ?g templates, CLEAR ALL, ...)
DEFAULT = ""  # the default graph


def mentioned_iris(sparql: str, base_iri: str | None = None, translated: Any = None) -> set[str]:
    """Every IRI a SPARQL Update names (prefixes expanded, relative IRIs resolved): a superset of the
    graphs it names in GRAPH, WITH, USING and the graph management operations."""
    update = translated if translated is not None else _translate_update(sparql, base_iri)
    found: set[str] = set()
    seen: set[int] = set()

    def walk(node: Any) -> None:
        if isinstance(node, rdflib.URIRef):
            found.add(str(node))
        elif id(node) in seen:
            return
        elif isinstance(node, dict):
            seen.add(id(node))
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, (list, tuple, set, frozenset)):
            seen.add(id(node))
            for value in node:
                walk(value)

    walk(list(getattr(update, "algebra", ())))
    return found


def update_targets(sparql: str, base_iri: str | None = None, translated: Any = None) -> set[str]:
    """The graphs a SPARQL Update may change: IRIs, DEFAULT ("") or ALL_GRAPHS ("*").

    `base_iri` resolves relative graph IRIs as the store will (<graph/x> is {base}graph/x)."""
    update = translated if translated is not None else _translate_update(sparql, base_iri)
    targets: set[str] = set()

    def part(node: Any, key: str) -> Any:
        # rdflib's CompValue.get(key) returns the key itself when it is absent (a str, truthy)
        return node[key] if key in node else None

    def graph(value: Any) -> str:
        if value in ("DEFAULT", None):
            return DEFAULT
        if value in ("ALL", "NAMED") or isinstance(value, rdflib.Variable):
            return ALL_GRAPHS
        return str(value)

    # an empty update (a prologue, a comment or nothing at all) is valid SPARQL: rdflib returns []
    for op in getattr(update, "algebra", ()):
        name = op.name
        if name in ("InsertData", "DeleteData"):
            targets.update(graph(g) for g in part(op, "quads") or {})
            if part(op, "triples"):
                targets.add(DEFAULT)
        elif name == "Modify":
            default = graph(part(op, "withClause"))
            for clause in (part(op, "delete"), part(op, "insert")):
                if not clause:
                    continue
                targets.update(graph(g) for g in part(clause, "quads") or {})
                if part(clause, "triples"):
                    targets.add(default)
        elif name in ("DeleteWhere",):
            targets.update(graph(g) for g in part(op, "quads") or {})
            if part(op, "triples"):
                targets.add(DEFAULT)
        elif name in ("Clear", "Drop", "Create", "Load"):
            targets.add(graph(part(op, "graphiri")))
        elif name in ("Add", "Move", "Copy"):
            source, target = op["graph"]
            targets.add(graph(target))
            if name == "Move":
                targets.add(graph(source))
        else:
            targets.add(ALL_GRAPHS)
    for target in targets - {DEFAULT, ALL_GRAPHS}:
        try:
            ox.NamedNode(target)
        except ValueError:  # a graph rdflib could not resolve: compare every graph instead
            return {ALL_GRAPHS}
    return targets


def dataset_wide_operations(sparql: str, base_iri: str | None = None, translated: Any = None) -> list[str]:
    """The operations of a SPARQL Update that act on the whole dataset (CLEAR/DROP ALL, NAMED or
    DEFAULT), as written, e.g. ["DROP ALL"]: they need an admin token. ValueError if it does not parse."""
    update = translated if translated is not None else _translate_update(sparql, base_iri)
    found = []
    for op in getattr(update, "algebra", ()):
        if op.name in ("Clear", "Drop"):
            target = op["graphiri"] if "graphiri" in op else None
            if target in ("ALL", "NAMED", "DEFAULT"):
                found.append(f"{op.name.upper()} {target}")
    return found


@dataclass(frozen=True)
class UpdateAnalysis:
    """What a SPARQL Update may touch, read by rdflib's parser (see analyse_update)."""

    targets: frozenset[str]  # as update_targets
    wide: tuple[str, ...]  # as dataset_wide_operations
    mentioned: frozenset[str]  # as mentioned_iris
    error: str | None = None  # rdflib could not read it: targets is {ALL_GRAPHS}, the rest empty


def analyse_update(sparql: str, base_iri: str | None = None) -> UpdateAnalysis:
    """update_targets, dataset_wide_operations and mentioned_iris from one parse. Meant for a
    validation worker (single-threaded, killable): rdflib's parser takes about a millisecond per
    triple, too long for a server thread. The order of triples in patterns does not matter here and
    rdflib's reordering of them is quadratic, so this process skips it while it translates."""
    from rdflib.plugins.sparql import algebra

    original = algebra.reorderTriples
    algebra.reorderTriples = list  # type: ignore[assignment]
    try:
        update = _translate_update(sparql, base_iri)
        return UpdateAnalysis(frozenset(update_targets(sparql, base_iri, update)),
                              tuple(dataset_wide_operations(sparql, base_iri, update)),
                              frozenset(mentioned_iris(sparql, base_iri, update)))
    except ValueError as err:
        return UpdateAnalysis(frozenset({ALL_GRAPHS}), (), frozenset(), str(err))
    finally:
        algebra.reorderTriples = original
