"""The bundled shapes, ontology and schemes, read once per process: parsed by rdflib for pyshacl,
and read with pyoxigraph for what the server needs of them (direct properties, targeted classes)."""

from __future__ import annotations

import functools
from importlib import resources

import pyoxigraph as ox
import rdflib

from ..iris import DH

# The shapes assume no inference by pyshacl: the ontology and the schemes are mixed into the data
# graph (ont_graph), and sh:class follows rdfs:subClassOf chains that are present there.
INFERENCE = "none"


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
