"""The generic page of any resource, its RDF description, and whether it is there, withdrawn or missing."""

from __future__ import annotations

import pyoxigraph as ox

from ..iris import DCTERMS, DH, RDF_TYPE, RDFS, SKOS, curie, resource_kind
from .labels import pick, sort_key
from .model import Property, Resource, Tombstone, Value
from .reader import Reader, Term, _n
from .roles import DIRECT_PROPERTIES

INCOMING_SHOWN = 100  # links to a resource shown on its generic page


class ResourcePages(Reader):
    """One resource: its status, kind, tombstone, description and generic view."""

    def status(self, iri: str) -> str:
        """"ok" if the resource has triples in a visible graph, "withdrawn" if only in withdrawn
        graphs, else "missing"."""
        node = _n(iri)
        for quad in self.store.quads_for_pattern(node, None, None, None):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value in self.withdrawn:
                continue  # a snapshot made before withdrawn graphs were dropped from snapshots
            return "ok"
        return "withdrawn" if self._withdrawn_graphs_of(node) else "missing"

    def _withdrawn_graphs_of(self, node: ox.NamedNode) -> list[str]:
        """The withdrawn graphs that held `node` (snapshots keep their subjects as dh:heldSubject)."""
        held = {q.subject.value for q in self.store.quads_for_pattern(None, _n(DH + "heldSubject"), node,
                                                                       _n(self.snapshot.meta_graph))
                if isinstance(q.subject, ox.NamedNode)}
        held |= {q.graph_name.value for q in self.store.quads_for_pattern(node, None, None, None)
                 if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in self.withdrawn}
        return sorted(held & self.withdrawn)

    def kind(self, iri: str) -> str:
        """organisation, case, ... (see resource_kind) from the resource's types and IRI."""
        types = {t.value for t in self.objects(_n(iri), RDF_TYPE) if isinstance(t, ox.NamedNode)}
        return resource_kind(iri, self.base, types)

    def tombstone(self, iri: str) -> Tombstone:
        """Who withdrew the graph that held the resource, when and why."""
        graphs = self._withdrawn_graphs_of(_n(iri))
        graph = graphs[0] if graphs else ""
        meta = _n(self.snapshot.meta_graph)

        def meta_value(predicate: str) -> str:
            for quad in self.store.quads_for_pattern(_n(graph), _n(DH + predicate), None, meta):
                return quad.object.value
            return ""
        return Tombstone(iri, graph, meta_value("withdrawalReason"), meta_value("withdrawnAt"),
                         meta_value("withdrawnBy"))

    def describe(self, iri: str) -> list[ox.Triple]:
        """What the resource's page tells, as RDF: its concise bounded description (its triples, and
        those of the blank nodes it reaches), and the relations between organisations it takes part
        in on either side — the direct triples that point at it and every qualified dh:Relation node
        with it as dh:from or dh:to, with their dates, legal bases and sources — from the visible
        graphs, each triple once."""
        triples: dict[str, ox.Triple] = {}
        node = _n(iri)
        todo: list[ox.NamedNode | ox.BlankNode] = [node]
        for side in (DH + "from", DH + "to"):
            todo += [q.subject for q in self.quads(None, _n(side), node) if isinstance(q.subject, ox.NamedNode)]
        for predicate in DIRECT_PROPERTIES:
            for quad in self.quads(None, _n(predicate), node):
                triple = ox.Triple(quad.subject, quad.predicate, quad.object)
                triples.setdefault(str(triple), triple)
        seen: set[str] = set()
        while todo:
            subject = todo.pop()
            if str(subject) in seen:
                continue
            seen.add(str(subject))
            for quad in self.quads(subject, None, None):
                triple = ox.Triple(quad.subject, quad.predicate, quad.object)
                triples.setdefault(str(triple), triple)
                if isinstance(quad.object, ox.BlankNode) or (
                        quad.predicate.value == DH + "legalBasis" and isinstance(quad.object, ox.NamedNode)):
                    todo.append(quad.object)  # a legal basis: its label, law and article come along
        return [triples[k] for k in sorted(triples)]

    def ontology(self) -> list[ox.Triple]:
        """The vocabulary: the triples of the ontology graph."""
        graph = _n(self.base + "graph/ontology")
        if graph.value in self.withdrawn:
            return []
        found = {str(q): ox.Triple(q.subject, q.predicate, q.object)
                 for q in self.store.quads_for_pattern(None, None, None, graph)}
        return [found[k] for k in sorted(found)]

    def resource(self, iri: str, incoming: bool = True) -> Resource:
        """The generic view of any resource: labels, types, properties, and what links to it."""
        node = _n(iri)
        by_predicate: dict[str, list[Term]] = {}
        for quad in self.quads(node, None, None):
            values = by_predicate.setdefault(quad.predicate.value, [])
            if quad.object not in values:
                values.append(quad.object)
        types = self.links(by_predicate.get(RDF_TYPE, []))
        properties = self._properties(by_predicate, skip={RDF_TYPE}, depth=0)
        incoming_by: dict[str, list[ox.NamedNode]] = {}
        total = 0
        for quad in self.quads(None, None, node) if incoming else ():
            subject = quad.subject
            if not isinstance(subject, ox.NamedNode) or quad.predicate.value == RDF_TYPE:
                continue
            bucket = incoming_by.setdefault(quad.predicate.value, [])
            if subject in bucket:
                continue
            total += 1
            if total <= INCOMING_SHOWN:
                bucket.append(subject)
        incoming = [Property(self.link(p), tuple(Value(link=link) for link in self.links(subjects)))
                    for p, subjects in sorted(incoming_by.items()) if subjects]
        kind = resource_kind(iri, self.base, {t.iri for t in types})
        descriptions = {}
        for predicate in (DCTERMS + "abstract", DCTERMS + "description", SKOS + "definition", RDFS + "comment"):
            descriptions = self.texts(node, predicate)
            if descriptions:
                break
        return Resource(iri, self.labels(iri), kind, types, properties, incoming, total, descriptions)

    def _properties(self, by_predicate: dict[str, list[Term]], skip: set[str], depth: int) -> list[Property]:
        rows = []
        for predicate, terms in by_predicate.items():
            if predicate in skip:
                continue
            values = []
            for term in terms:
                if isinstance(term, ox.Literal):
                    values.append(Value(text=term.value, lang=term.language or "",
                                        datatype=term.datatype.value if term.datatype else ""))
                elif isinstance(term, ox.NamedNode):
                    values.append(Value(link=self.link(term.value)))
                elif depth < 3:
                    nested: dict[str, list[Term]] = {}
                    for quad in self.quads(term, None, None):
                        nested.setdefault(quad.predicate.value, []).append(quad.object)
                    values.append(Value(nested=tuple(self._properties(nested, set(), depth + 1))))
            values.sort(key=lambda v: (v.link is not None, v.lang != "nl", v.lang, v.text,
                                       sort_key(pick(v.link.labels, v.link.iri)) if v.link else ""))
            rows.append(Property(self.link(predicate), tuple(values)))
        rows.sort(key=lambda p: _predicate_order(p.predicate.iri))
        return rows


_PREDICATE_ORDER = [SKOS + "prefLabel", DCTERMS + "title", SKOS + "altLabel", DCTERMS + "abstract",
                    DCTERMS + "description", SKOS + "definition", RDFS + "label", RDFS + "comment"]


def _predicate_order(iri: str) -> tuple[int, str]:
    return (_PREDICATE_ORDER.index(iri) if iri in _PREDICATE_ORDER else len(_PREDICATE_ORDER), curie(iri))
