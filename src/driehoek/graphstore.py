"""The Graph Store and Update protocols' domain side: reading one graph for a client, combining a
multipart upload, and applying the protocol's update dataset (using-graph-uri) to an update.

No flask here: web/graphs.py parses the request and calls these; the writes themselves are the
service's (Driehoek.write_graph, write_dataset, delete_graph, run_update, withdraw).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from . import formats
from .errors import BadRequest, Gone, NotFound, Unauthorized, UnsupportedMediaType
from .iris import DH
from .service import Driehoek, Source
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
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(service.settings.graph_base + "private/")


def read_graph(service: Driehoek, graph: GraphName, *, steward: bool) -> GraphContent:
    """A graph for a Graph Store GET: public graphs from the newest snapshot; private graphs (only for
    a steward) and withdrawn graphs (410 for anyone else) as they stand."""
    if is_private(service, graph):
        if not steward:
            raise Unauthorized("this graph is private: reading it needs a bearer token")
        store = service.store
        with store.lock():
            if not store.raw.contains_named_graph(graph):
                raise NotFound(f"no graph {label(graph)}")
            triples = [q.triple for q in store.quads(graph)]
            return GraphContent(graph, triples, store.etag(graph) or _content_etag(triples))
    snapshot = service.snapshot()
    meta = ox.NamedNode(service.settings.graph_base + "meta")
    if isinstance(graph, ox.NamedNode):
        if not snapshot.contains_named_graph(graph):
            raise NotFound(f"no graph {graph.value}")
        if not steward and _withdrawn(snapshot, meta, graph):
            raise Gone(f"graph {graph.value} has been withdrawn", graph=graph.value,
                       **_tombstone(snapshot, meta, graph))
    triples = [q.triple for q in snapshot.quads_for_pattern(None, None, None, graph)]
    subject = graph if isinstance(graph, ox.NamedNode) else ox.NamedNode(service.settings.graph_base + "default")
    etag = next((q.object.value for q in snapshot.quads_for_pattern(subject, ox.NamedNode(DH + "etag"), None, meta)),
                "")
    return GraphContent(graph, triples, etag or _content_etag(triples))


def _content_etag(triples: Iterable[ox.Triple]) -> str:
    """An ETag for a graph without a metadata record (never written through driehoek)."""
    digest = hashlib.sha256("\n".join(sorted(str(t) for t in triples)).encode())
    return "c" + digest.hexdigest()[:31]


def _withdrawn(store: ox.Store, meta: ox.NamedNode, graph: ox.NamedNode) -> bool:
    return any(True for _ in store.quads_for_pattern(graph, ox.NamedNode(DH + "withdrawn"), None, meta))


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

# Text that can contain keywords and braces without being them: strings, IRIs, comments. An unclosed
# string runs to the end of its line (as in sparql._SKIP: linear time, the parser refuses it anyway).
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:""")?'
    r"|'''(?:[^'\\]|\\.|'(?!''))*(?:''')?"
    r'|"(?:[^"\\\n]|\\.)*"?'
    r"|'(?:[^'\\\n]|\\.)*'?"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)
_STRUCTURE = re.compile(r"[{}]|(?<![\w:?$])(USING|WITH|WHERE|DELETE)(?![\w:-])", re.IGNORECASE)


def apply_update_dataset(sparql: str, using: list[str], using_named: list[str]) -> str:
    """The update with the protocol's dataset as USING / USING NAMED clauses on each DELETE/INSERT ...
    WHERE operation. The protocol forbids combining the parameters with USING or WITH: 400 then."""
    if not using and not using_named:
        return sparql
    for iri in (*using, *using_named):
        graph_name(iri)  # 400 on anything that is not an absolute IRI
    clause = " ".join([*(f"USING <{g}>" for g in using), *(f"USING NAMED <{g}>" for g in using_named)]) + " "
    # blank out strings, IRIs and comments, keeping offsets, so only the update's own syntax is seen
    masked = _OPAQUE.sub(lambda m: " " * len(m.group()), sparql)
    inserts: list[int] = []
    depth = 0
    previous: re.Match[str] | None = None
    for match in _STRUCTURE.finditer(masked):
        token = match.group()
        if token == "{":
            depth += 1
            continue
        if token == "}":
            depth -= 1
            continue
        if depth:
            continue  # a WHERE inside a pattern belongs to a subquery
        keyword = token.upper()
        if keyword in ("USING", "WITH"):
            raise BadRequest(f"the update has a {keyword} clause and the request gives using-graph-uri or "
                             "using-named-graph-uri; the SPARQL Protocol allows only one of the two")
        if keyword == "WHERE" and not (previous is not None and previous.group().upper() == "DELETE"
                                       and not masked[previous.end():match.start()].strip()):
            inserts.append(match.start())
        previous = match
    for position in reversed(inserts):
        sparql = sparql[:position] + clause + sparql[position:]
    return sparql


__all__ = ["DEFAULT_GRAPH", "GraphContent", "apply_update_dataset", "combine_documents", "graph_name",
           "is_private", "named_iri", "names_graphs", "label", "read_graph"]
