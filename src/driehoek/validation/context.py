"""What the gate sees besides the upload: the types of what it points at (from the rest of the
upload, else from the store), and which of the nodes it merely types are new to the store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF, SKOS

from .shapes import SHAPES_NS, _described_classes, _direct_properties

CONTEXT_PREDICATES = (ox.NamedNode(str(RDF.type)), ox.NamedNode(str(SKOS.inScheme)))


# Finds rdf:type / skos:inScheme of an IRI in the store, leaving out the graphs being replaced.
# It may have an attribute `described(iris) -> set of iris`: those of `iris` that the store (the same
# graphs) describes with more than a type, so that a node an upload merely types can be told a
# reference to something known from something new (see _unknown_to_store).
ContextLookup = Callable[[ox.NamedNode], Iterable[ox.Quad]]
# Finds an IRI's description (its triples and the blank nodes under them) in the other graphs.
DescribeLookup = Callable[[ox.NamedNode], Iterable[ox.Quad]]


# Added, for the gate only, to a node the upload merely types and the store does not describe: it
# makes the node "described" (dhsh:DescribedInstancesOf in shapes.ttl), so its class's shapes apply.
UNKNOWN_TO_STORE = ox.NamedNode(SHAPES_NS + "unknownToStore")


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


# What the shapes of a resource look into: a chunk of a large upload keeps these with their resource.
PARTS = frozenset({"https://w3id.org/driehoek/def#hasAssessment", "https://w3id.org/driehoek/def#involvement"})


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
