"""The pyshacl bridge, run in a validation worker: the upload and its context as one rdflib graph,
pyshacl's report on it, and a violation for each ill-typed literal."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import rdflib

from ..errors import PayloadTooLarge
from .literals import _add_ill_typed, is_ill_typed
from .results import _results
from .shapes import INFERENCE, _shapes_and_ontology

if TYPE_CHECKING:
    from ..shacl_workers import ValidationOutcome


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
