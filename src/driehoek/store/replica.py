"""The readers' copy of a remote store, on a server of its own (DRIEHOEK_PUBLIC_STORE).

The remote store's server holds everything: public and private graphs, the private metadata and
provenance, staging graphs of writes under way, withdrawn graphs. Readers there must name their
dataset graph by graph, which costs an engine like Oxigraph up to 10x on a query over the whole
data (docs/benchmarks.md). The public copy holds what the embedded store's published snapshot
holds and nothing else — the public graphs that are not withdrawn, the public metadata (with the
subjects of withdrawn graphs as `dh:heldSubject`, so pages can answer 410) — so that:

- readers query it with the engine's own union default graph (`oxigraph serve --union-default-graph`),
  no protocol dataset;
- no byte of a private graph, a staged write or a withdrawn graph is ever on the server readers use.

After every write (`publish`, under the writer lock) the copy is brought level with the store: the
graphs whose ETag differs are copied, the graphs gone or withdrawn are dropped, the metadata graph is
replaced. A small change is one SPARQL Update request, so readers see it whole; a large one (the
first copy of a big store) goes in batches, the metadata last, so that an interrupted copy is redone
by the next publish. Which graphs differ is read from the data on both servers, never remembered,
so a copy left behind by a kill is levelled on the next start.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..iris import DH
from .layout import withdrawn_graphs

if TYPE_CHECKING:
    from .client import Client
    from .remote import RemoteStore
    from .remote_view import RemoteDataset

log = logging.getLogger(__name__)

ONE_REQUEST = 50_000  # quads up to which a change goes as one update request (readers see it whole)
_ETAG, _HELD = ox.NamedNode(DH + "etag"), ox.NamedNode(DH + "heldSubject")


class PublicCopy:
    """The readers' copy of `store` on the server `client` speaks to."""

    def __init__(self, store: RemoteStore, client: Client) -> None:
        self.store, self.client = store, client
        self.version = ""  # the store's version the copy was last levelled with
        self._native: bool | None = None  # whether the server's default graph is the union of its graphs

    # -- levelling ----------------------------------------------------------------------------------

    def publish(self) -> None:
        """Bring the copy level with the store (call under the writer lock, after a write)."""
        store = self.store
        version = store.version()
        meta = list(store._db.quads_for_pattern(None, None, None, store.meta_graph))
        etags = {q.subject.value: q.object.value for q in meta if q.predicate == _ETAG and isinstance(q.subject, ox.NamedNode)}
        withdrawn = set(withdrawn_graphs(store._db, store.meta_graph))
        graphs = [g for g in self._public_graphs() if g not in withdrawn]
        meta += self._held(withdrawn)
        copied = self._copied()
        held_meta = set(self._quads(self.store.meta_graph.value))
        # a graph without a record (driehoek's default graph, mostly empty) is compared by content
        stale = [g for g in graphs if (copied.get(g) != etags[g] if g in etags
                                       else set(self._source(g)) != set(self._quads(g, skolemised=True)))]
        gone = [g for g in self._graphs_here() if g not in graphs and g != store.meta_graph.value]
        if stale or gone or held_meta != set(meta):
            self._write(stale, gone, meta)
            log.info("public copy levelled: %d graph(s) copied, %d dropped", len(stale), len(gone))
        self.version = version

    def _public_graphs(self) -> list[str]:
        """The store's graphs readers may see, driehoek's default graph included."""
        store = self.store
        named = [g for g in store.named_graphs() if not g.startswith(store.private_prefix)]
        default = store._db.default_iri
        return [default, *named] if default not in named else named

    def _held(self, withdrawn: Iterable[str]) -> list[ox.Quad]:
        """The subjects each withdrawn graph held, for the metadata (as the embedded snapshot keeps)."""
        found = []
        for graph in sorted(withdrawn):
            rows = self.store.client.query(
                f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}", None, None)
            found += [ox.Quad(ox.NamedNode(graph), _HELD, row["s"], self.store.meta_graph) for row in rows]
        return found

    def _copied(self) -> dict[str, str]:
        """The ETag of each graph as the copy's metadata records it."""
        rows = self.client.query(f"SELECT ?g ?e WHERE {{ GRAPH <{self.store.meta_graph.value}> {{ ?g <{DH}etag> ?e }} }}",
                                 None, None)
        return {row["g"].value: row["e"].value for row in rows if isinstance(row["g"], ox.NamedNode)}

    def _graphs_here(self) -> list[str]:
        from .remote_view import list_graphs

        default = self.store._db.default_iri
        return [default, *list_graphs(self.client, self.store.graph_base, public=True)]

    def _quads(self, graph: str, *, skolemised: bool = False) -> Iterator[ox.Quad]:
        """A graph of the copy, as quads in that graph (blank nodes as read, or as stored)."""
        node = ox.NamedNode(graph)
        rows = self.client.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", None, None)
        quads = (ox.Quad(row["s"], row["p"], row["o"], node) for row in rows)
        return (self.client.skolem.quad(q, node) for q in quads) if skolemised else quads

    def _source(self, graph: str) -> list[ox.Quad]:
        """A graph of the store, skolemised as stored, in the graph of the same name."""
        node, skolem = ox.NamedNode(graph), self.store.client.skolem
        local = self.store._db.local(graph)
        return [skolem.quad(q, node) for q in self.store._db.quads_for_pattern(None, None, None, local)]

    def _write(self, stale: list[str], gone: list[str], meta: list[ox.Quad]) -> None:
        meta_iri = self.store.meta_graph.value
        skolem = self.store.client.skolem
        meta = [skolem.quad(q, ox.NamedNode(meta_iri)) for q in meta]
        contents = {graph: self._source(graph) for graph in stale}
        if sum(len(quads) for quads in contents.values()) <= ONE_REQUEST:
            ops = [f"DROP SILENT GRAPH <{g}>" for g in (*gone, *stale, meta_iri)]
            ops += [_insert(g, quads) for g, quads in (*contents.items(), (meta_iri, meta)) if quads]
            self.client.update(" ;\n".join(ops))
            return
        # large: graph by graph in batches, the metadata last (an interruption leaves old ETags there,
        # so the next publish copies those graphs again)
        for graph in (*gone, *stale):
            self.client.update(f"DROP SILENT GRAPH <{graph}>")
        for graph, quads in contents.items():
            for start in range(0, len(quads), ONE_REQUEST):
                self.client.upload(graph, quads[start:start + ONE_REQUEST])
        self.client.update(f"DROP SILENT GRAPH <{meta_iri}> ;\n{_insert(meta_iri, meta)}")

    # -- reading ------------------------------------------------------------------------------------

    def view(self, key: str) -> RemoteDataset:
        """The readers' view of the copy: no protocol dataset where the server's default graph is the
        union of its graphs (else the graphs listed, as on the store itself)."""
        from .remote_view import RemoteDataset, list_graphs

        graphs = list_graphs(self.client, self.store.graph_base, public=True)
        return RemoteDataset(self.client, self.store.graph_base, public=True, graphs=graphs, key=key,
                             native=self.native())

    def native(self) -> bool:
        """Whether the server's default graph is the union of its graphs, and it holds no graph but
        driehoek's: asked of the data (a triple of a named graph found without GRAPH), once known."""
        if self._native is None:
            rows = list(self.client.query("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", None, None))
            if not rows:
                return False  # nothing to tell by yet: list the graphs (there are none)
            row = rows[0]
            probe = f"ASK {{ {self.client.skolem.term(row['s'])} {row['p']} {self.client.skolem.term(row['o'])} }}"
            foreign = f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} {_not_driehoeks(self.client)} }}"
            self._native = bool(self.client.query(probe, None, None)) and not bool(self.client.query(foreign, None, None))
            if not self._native:
                log.warning("DRIEHOEK_PUBLIC_STORE: the server's default graph is not the union of only driehoek's "
                            "graphs (start Oxigraph with --union-default-graph); readers' queries list the graphs")
        return self._native


def _not_driehoeks(client: Client) -> str:
    """A FILTER keeping ?g to graphs outside driehoek's namespaces."""
    tests = " || ".join(f"STRSTARTS(STR(?g), {ox.Literal(ns)})" for ns in client.namespaces)
    return f"FILTER (!({tests}))" if tests else "FILTER (false)"


def _insert(graph: str, quads: list[ox.Quad]) -> str:
    """INSERT DATA of quads into one graph (their triples in N-Triples, valid SPARQL data)."""
    buffer = io.BytesIO()
    ox.serialize((q.triple for q in quads), buffer, ox.RdfFormat.N_TRIPLES)
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{buffer.getvalue().decode('utf-8')}\n}} }}"


__all__ = ["PublicCopy"]
