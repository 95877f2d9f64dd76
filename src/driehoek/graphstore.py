"""The Graph Store and Update protocols' domain side: reading one graph for a client, combining a
multipart upload, and applying the protocol's update dataset (using-graph-uri) to an update.

No flask here: web/graphs.py parses the request and calls these; the writes themselves are the
service's (Driehoek.write_graph, write_dataset, delete_graph, run_update, withdraw).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from . import formats
from .errors import BadRequest, Gone, NotFound, Unauthorized, UnsupportedMediaType
from .iris import DH
from .service import Driehoek, Source
from .tokens import Principal
from .store import parse

GraphName = ox.NamedNode | ox.DefaultGraph
DEFAULT_GRAPH = ox.DefaultGraph()


def graph_name(value: str) -> ox.NamedNode:
    """A graph IRI from a request parameter; 400 when it is not an absolute IRI."""
    try:
        return ox.NamedNode(value)
    except ValueError as err:
        raise BadRequest(f"graph={value!r} is not an absolute IRI: {err}") from err


def names_graphs(fmt: formats.Format) -> bool:
    """TriG and N-Quads: formats made to carry named graphs. JSON-LD can carry them too, but a JSON-LD
    body of a one-graph request is that graph's triples (quads for other graphs are refused later)."""
    return fmt.is_dataset and fmt is not formats.JSONLD


def named_iri(graph: GraphName) -> str | None:
    """The IRI of a named graph; None for the default graph."""
    return graph.value if isinstance(graph, ox.NamedNode) else None


def label(graph: GraphName) -> str:
    """The graph's IRI, or DEFAULT."""
    return graph.value if isinstance(graph, ox.NamedNode) else "DEFAULT"


@dataclass(frozen=True)
class GraphContent:
    """One graph as a client reads it: its triples and the ETag of exactly this state."""

    graph: GraphName
    triples: list[ox.Triple]
    etag: str

    def serialize(self, fmt: formats.Format) -> bytes:
        """The graph in `fmt`; in TriG/N-Quads the triples are the default graph of the document."""
        assert fmt.rdf is not None
        if fmt.is_dataset:
            return ox.serialize((ox.Quad(t.subject, t.predicate, t.object) for t in self.triples), format=fmt.rdf)
        return ox.serialize(self.triples, format=fmt.rdf)


def is_private(service: Driehoek, graph: GraphName) -> bool:
    """True for graphs under {base}graph/private/: never shown without a token."""
    return isinstance(graph, ox.NamedNode) and service.layout.is_private(graph.value)


def read_graph(service: Driehoek, graph: GraphName, *, principal: Principal | None) -> GraphContent:
    """A graph for a Graph Store GET: public graphs from the newest snapshot; private graphs only for
    their owner (another steward gets 404, as if there were none; an admin reads every one); withdrawn
    graphs (410 for anyone without a token) as they stand in the live store."""
    if is_private(service, graph):
        if principal is None:
            raise Unauthorized("this graph is private: reading it needs a bearer token")
        service.check_read(graph, principal)
        store = service.store
        with store.lock():
            if not store.graph_exists(graph) or not any(True for _ in store.quads(graph)):
                raise NotFound(f"no graph {label(graph)}")
            triples = [q.triple for q in store.quads(graph)]
            return GraphContent(graph, triples, store.etag(graph) or _content_etag(triples))
    view = service.view()
    snapshot, meta = view.reader, service.layout.meta
    if isinstance(graph, ox.NamedNode) and graph.value in view.withdrawn:
        if principal is None:
            raise Gone(f"graph {graph.value} has been withdrawn", graph=graph.value,
                       **_tombstone(snapshot, meta, graph))
        store = service.store  # snapshots no longer hold it: stewards read the kept data
        with store.lock():
            triples = [q.triple for q in store.quads(graph)]
            return GraphContent(graph, triples, store.etag(graph) or _content_etag(triples))
    if isinstance(graph, ox.NamedNode) and not snapshot.contains_named_graph(graph):
        raise NotFound(f"no graph {graph.value}")
    triples = [q.triple for q in snapshot.quads_for_pattern(None, None, None, graph)]
    subject = graph if isinstance(graph, ox.NamedNode) else ox.NamedNode(service.layout.default)
    etag = next((q.object.value for q in snapshot.quads_for_pattern(subject, ox.NamedNode(DH + "etag"), None, meta)),
                "")
    return GraphContent(graph, triples, etag or _content_etag(triples))


def _content_etag(triples: Iterable[ox.Triple]) -> str:
    """An ETag for a graph without a metadata record (never written through driehoek)."""
    digest = hashlib.sha256("\n".join(sorted(str(t) for t in triples)).encode())
    return "c" + digest.hexdigest()[:31]


def _tombstone(store: ox.Store, meta: ox.NamedNode, graph: ox.NamedNode) -> dict[str, str]:
    """When and why a graph was withdrawn (who is left to the resource pages)."""
    found = {}
    for key, local in (("reason", "withdrawalReason"), ("withdrawn_at", "withdrawnAt")):
        for quad in store.quads_for_pattern(graph, ox.NamedNode(DH + local), None, meta):
            found[key] = quad.object.value
    return found


def combine_documents(parts: list[tuple[str, bytes, formats.Format]], base_iri: str) -> Source:
    """Several RDF documents (the parts of a multipart/form-data POST) as one N-Triples source; their
    blank nodes stay apart. Dataset formats are refused: a part is one graph's triples."""
    if not parts:
        raise BadRequest("the multipart body has no parts; send each RDF document as a file part")
    lines: list[str] = []
    for name, data, fmt in parts:
        if names_graphs(fmt):
            raise UnsupportedMediaType(f"part {name!r} is {fmt.media_type}: the parts of a Graph Store "
                                       "request are triples (Turtle, N-Triples, JSON-LD, RDF/XML)")
        for quad in parse(data, fmt, base_iri=base_iri, source_name=name):
            lines.append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
    names = ", ".join(name for name, _data, _fmt in parts)
    return Source(name=f"multipart ({names})", fmt=formats.NTRIPLES, data="".join(lines).encode())


# -- the update dataset of the SPARQL 1.1 Protocol (using-graph-uri, using-named-graph-uri) ------------

def apply_update_dataset(sparql: str, using: list[str], using_named: list[str]) -> str:
    """The update with the protocol's dataset as USING / USING NAMED clauses on each DELETE/INSERT ...
    WHERE operation, placed where the SPARQL parser finds those operations (sparql.update_dataset_positions).
    The protocol forbids combining the parameters with USING or WITH: 400 then."""
    from .sparql import update_dataset_positions

    if not using and not using_named:
        return sparql
    for iri in (*using, *using_named):
        graph_name(iri)  # 400 on anything that is not an absolute IRI
    clause = " ".join([*(f"USING <{g}>" for g in using), *(f"USING NAMED <{g}>" for g in using_named)]) + " "
    for position in reversed(update_dataset_positions(sparql)):  # each at the WHERE of its operation
        gap = "" if position == 0 or sparql[position - 1].isspace() else " "
        sparql = sparql[:position] + gap + clause + sparql[position:]
    return sparql


__all__ = ["DEFAULT_GRAPH", "GraphContent", "apply_update_dataset", "combine_documents", "graph_name",
           "is_private", "named_iri", "names_graphs", "label", "read_graph"]
