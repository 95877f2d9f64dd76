"""The write path every backend shares: a write is staged, then made visible in one SPARQL Update
with its provenance; the private side of a two-phase commit; the writer-side reads of records.

The backends (embedded.py, remote.py) are peers: each gives `_store` (a pyoxigraph Store, or the
protocol adapter that answers the same calls), `_lock`, `_failed`, `_stage` and `commit`."""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from ..errors import Conflict
from ..iris import DCTERMS, DH, PROV, XSD
from .layout import GraphLayout
from .records import (
    Activity,
    CommitResult,
    GraphName,
    GraphWrite,
    _graph_subject,
    _lit,
    _name,
    _now,
    _sparql_term,
    syntax_error,
)

log = logging.getLogger(__name__)


class WritePath:
    """What embedded and remote stores share: the commit update, staging, two-phase commit, records."""

    _lock: threading.RLock
    keeps_provenance: bool = True

    def _layout(self, base_iri: str) -> None:
        """The system graphs' names, from the one GraphLayout."""
        self.layout = layout = GraphLayout(base_iri)
        self.base_iri = base_iri
        self.graph_base = layout.graph_base
        self.meta_graph = layout.meta
        self.private_prefix = layout.private_prefix
        self.provenance_graph = layout.provenance
        self.private_meta_graph = layout.private_meta
        self.staging_prefix = layout.staging_prefix
        self.pending_graph = layout.pending

    @property
    def _store(self) -> Any:
        raise NotImplementedError

    def _failed(self, err: OSError, what: str) -> Exception:
        raise NotImplementedError

    def _stage(self, staging: ox.NamedNode, quads: Any, *, bulk: bool,
               progress: Callable[[int], None] | None) -> int:
        raise NotImplementedError

    def _staging_graph(self) -> ox.NamedNode:
        """A new staging graph's name."""
        return ox.NamedNode(self.staging_prefix + uuid.uuid4().hex)

    def _drop_staged(self, graph: ox.NamedNode) -> None:
        """Drop a staging graph of a write that failed; a leftover goes when the store next opens."""
        try:
            self._store.remove_graph(graph)
        except OSError:  # disk full: `open` drops leftover staging graphs
            log.warning("could not drop %s now; it goes when the store next opens", graph.value)

    def _staged(self, writes: list[GraphWrite], then: Callable[[list[ox.NamedNode]], None], *, bulk: bool = False,
                progress: Callable[[int], None] | None = None) -> None:
        """Stage every write into a staging graph of its own, check that the ones that create a graph
        may, then call `then` with the staging graphs; on any failure drop what was staged."""
        staged: list[ox.NamedNode] = []
        try:
            for write in writes:
                if write.mode == "delete":
                    continue
                write.staged = self._staging_graph()
                staged.append(write.staged)
                write.triples = self._stage(write.staged, write.quads, bulk=bulk, progress=progress)
            for write in writes:
                if write.mode == "create" and self.graph_exists(write.graph):
                    raise Conflict(f"graph {_name(write.graph)} already exists; replace it "
                                   "explicitly (--replace, or PUT)", graph=_name(write.graph))
            then(staged)
        except BaseException as err:
            for graph in staged:
                self._drop_staged(graph)
            if isinstance(err, OSError):
                raise self._failed(err, "nothing was written") from err
            raise

    def prepare(self, writes: list[GraphWrite], activity: Activity) -> None:
        """Stage writes and keep the update that commits them as *pending*: `finish` runs it once the
        public store's part of the same write has committed, `abort` drops it. A kill in between leaves
        the pending record (and its staging graphs, which `open` keeps); SplitStore.settle decides."""
        act = ox.NamedNode(activity.id)

        def keep_pending(staged: list[ox.NamedNode]) -> None:
            marker = [ox.Quad(act, ox.NamedNode(DH + "pendingUpdate"),
                              ox.Literal(self._commit_update(writes, activity)), self.pending_graph)]
            marker += [ox.Quad(act, ox.NamedNode(DH + "pendingStaged"), graph, self.pending_graph) for graph in staged]
            self._store.extend(marker)
            self._store.flush()

        with self._lock:
            self._staged(writes, keep_pending)

    def pending(self) -> list[str]:
        """Activities prepared here whose commit is not finished or aborted yet."""
        return sorted({q.subject.value for q in self._store.quads_for_pattern(
            None, ox.NamedNode(DH + "pendingUpdate"), None, self.pending_graph) if isinstance(q.subject, ox.NamedNode)})

    def finish(self, activity_id: str, graphs: Iterable[GraphName] = ()) -> CommitResult:
        """Commit a prepared write: its update and the removal of the pending record, one transaction."""
        act = ox.NamedNode(activity_id)
        with self._lock:
            texts = [q.object.value for q in self._store.quads_for_pattern(
                act, ox.NamedNode(DH + "pendingUpdate"), None, self.pending_graph)]
            if texts:
                try:
                    self._store.update(texts[0] + f" ;\nDELETE WHERE {{ GRAPH {self.pending_graph} {{ {act} ?p ?o }} }}")
                    self._store.flush()
                except OSError as err:
                    raise self._failed(err, "the change is committed but may not be flushed to disk") from err
            counts = {_name(g): self.triple_count(g) for g in graphs}
            return CommitResult(activity_id, counts, {g: self.etag(g) for g in counts})

    def abort(self, activity_id: str) -> None:
        """Drop a prepared write: its staging graphs and its pending record."""
        act = ox.NamedNode(activity_id)
        with self._lock:
            for quad in list(self._store.quads_for_pattern(act, None, None, self.pending_graph)):
                if quad.predicate.value == DH + "pendingStaged" and isinstance(quad.object, ox.NamedNode):
                    self._store.remove_graph(quad.object)
                self._store.remove(quad)
            self._store.flush()

    def _commit_update(self, writes: list[GraphWrite], activity: Activity) -> str:
        """The single SPARQL Update that makes a write visible, with its provenance."""
        act = f"<{activity.id}>"
        now = f'"{_now()}"^^<{XSD}dateTime>'
        ops: list[str] = []
        # the activity is recorded where its graphs' records go: a write of private graphs only
        # leaves no trace in the public metadata graph
        homes = {self.meta_for(w.graph) for w in writes}
        home = self.meta_graph
        if (writes and self.meta_graph not in homes) or (
                not writes and activity.source_name.startswith(self.private_prefix)):  # a withdrawal
            home = self.meta_for(ox.NamedNode(self.private_prefix))
        lines: dict[str, list[str]] = {str(home): [
            f"{act} a <{PROV}Activity> ; <{DH}operation> {_sparql_term(_lit(activity.operation))} ;"
            f" <{PROV}endedAtTime> {now} ; <{DH}validation> {_sparql_term(_lit(activity.validation))} .",
        ]}
        meta_lines = lines[str(home)]
        if activity.source_name:
            meta_lines.append(f"{act} <{DH}sourceName> {_sparql_term(_lit(activity.source_name))} .")
        if activity.sha256:
            meta_lines.append(f"{act} <{DH}sha256> {_sparql_term(_lit(activity.sha256))} .")
        for index, (case, before_status, after_status) in enumerate(activity.status_changes):
            change = f"_:change{index}"
            meta_lines.append(f"{act} <{DH}statusChange> {change} . {change} <{DH}case> <{case}> .")
            if before_status:
                meta_lines.append(f"{change} <{DH}fromStatus> <{before_status}> .")
            if after_status:
                meta_lines.append(f"{change} <{DH}toStatus> <{after_status}> .")
        for write in writes:
            meta = str(self.meta_for(write.graph))
            meta_lines = lines.setdefault(meta, [])
            target = self.graph_ref(write.graph)
            target_iri = _graph_subject(write.graph, self.graph_base)
            # a bulk-created graph was empty before: no need to count what was just written
            before = 0 if write.mode == "loaded" else self.triple_count(write.graph)
            if write.mode == "delete":
                ops.append(f"DROP SILENT {target}")
                after = 0
            elif write.mode == "loaded":
                after = write.triples  # written in place by _bulk_create
            elif write.mode == "merge":
                ops.append(f"ADD SILENT GRAPH {_sparql_term(write.staged)} TO {target}")
                ops.append(f"DROP SILENT GRAPH {_sparql_term(write.staged)}")
                after = -1  # computed below, after the fact
            else:
                ops.append(f"MOVE SILENT GRAPH {_sparql_term(write.staged)} TO {target}")
                after = write.triples
            ops.append(f"DELETE WHERE {{ GRAPH {meta} {{ {target_iri} <{DH}tripleCount> ?c ;"
                       f" <{DCTERMS}modified> ?m ; <{DH}etag> ?e ; <{PROV}wasGeneratedBy> ?a }} }}")
            if write.owner is not None or write.mode == "delete":
                ops.append(f"DELETE WHERE {{ GRAPH {meta} {{ {target_iri} <{DH}owner> ?owner }} }}")
                if write.mode != "delete":
                    meta_lines.append(f"{target_iri} <{DH}owner> {_sparql_term(_lit(write.owner))} .")
            meta_lines.append(f"{act} <{PROV}generated> {target_iri} ; <{DH}tripleCountBefore> {before} .")
            if write.mode != "delete":
                etag = hashlib.sha256(f"{activity.id}|{target_iri}".encode()).hexdigest()[:32]
                count = after if after >= 0 else before + write.triples  # upper bound for merge
                meta_lines.append(
                    f"{target_iri} a <{DH}LoadedGraph> ; <{DH}tripleCount> {count} ;"
                    f" <{DCTERMS}modified> {now} ; <{DH}etag> \"{etag}\" ;"
                    f" <{PROV}wasGeneratedBy> {act} ."
                )
            else:
                ops.append(f"DELETE WHERE {{ GRAPH {meta} {{ {target_iri} a ?t }} }}")
                meta_lines.append(f"{act} <{PROV}invalidated> {target_iri} .")  # /changes: a Delete
        ops += ["INSERT DATA { GRAPH " + meta + " {\n" + "\n".join(found) + "\n} }"
                for meta, found in lines.items() if found]
        if self.keeps_provenance:
            ops.append(f"INSERT DATA {{ GRAPH {_sparql_term(self.provenance_graph)} {{ {act} <{DH}agentName>"
                       f" {_sparql_term(_lit(activity.agent))} }} }}")
        return " ;\n".join(ops)

    def fix_merge_counts(self, graphs: Iterable[GraphName]) -> None:
        """After a merge the exact count is only known by counting; record it."""
        with self._lock:
            for graph in graphs:
                subject = _graph_subject(graph, self.graph_base)
                meta = _sparql_term(self.meta_for(graph))
                count = self.triple_count(graph, exact=True)
                try:
                    self._store.update(
                        f"DELETE {{ GRAPH {meta} {{ {subject} <{DH}tripleCount> ?c }} }}"
                        f" INSERT {{ GRAPH {meta} {{ {subject} <{DH}tripleCount> {count} }} }}"
                        f" WHERE {{ GRAPH {meta} {{ {subject} <{DH}tripleCount> ?c }} }}"
                    )
                except OSError as err:
                    raise self._failed(err, "the merge is stored; its triple count is not") from err

    def update_for(self, graph: GraphName, sparql: str) -> None:
        """Run a SPARQL Update on the store that holds `graph` (here: the one store)."""
        self.update(sparql)

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update on the live store (callers own validation and provenance)."""
        with self._lock:
            try:
                self._store.update(sparql)
            except SyntaxError as err:
                raise syntax_error(err, "update") from err
            except OSError as err:
                raise self._failed(err, "nothing was written") from err

    def meta_for(self, graph: GraphName) -> ox.NamedNode:
        """The metadata graph holding a graph's records. Embedded: always the one metadata graph
        (published snapshots leave out what it says about private graphs)."""
        return self.meta_graph

    def graph_ref(self, graph: GraphName) -> str:
        """A graph as the target of SPARQL Update operations: `GRAPH <g>` or `DEFAULT`."""
        return f"GRAPH {graph}" if isinstance(graph, ox.NamedNode) else "DEFAULT"

    def lock(self) -> threading.RLock:
        """The writer lock: hold it to read-modify-write consistently."""
        return self._lock

    def graph_exists(self, graph: GraphName) -> bool:
        """True if the graph has quads or a metadata record."""
        if isinstance(graph, ox.DefaultGraph):
            return True
        if self._store.contains_named_graph(graph):
            return True
        return any(True for _ in self._store.quads_for_pattern(graph, None, None, self.meta_for(graph)))

    def triple_count(self, graph: GraphName, exact: bool = False) -> int:
        """Triples in a graph (counted by Oxigraph: 20x faster than iterating quads in Python)."""
        pattern = f"{self.graph_ref(graph)} {{ ?s ?p ?o }}" if isinstance(graph, ox.NamedNode) else "?s ?p ?o"
        solutions = self._store.query(f"SELECT (COUNT(*) AS ?c) WHERE {{ {pattern} }}")
        return int(next(iter(solutions))["c"].value)

    def etag(self, graph: str | GraphName) -> str:
        """The graph's current ETag (changes with every committed write to it)."""
        if isinstance(graph, str):  # commit results name the default graph "DEFAULT"
            node: GraphName = ox.DefaultGraph() if graph == "DEFAULT" else ox.NamedNode(graph)
        else:
            node = graph
        subject = node if isinstance(node, ox.NamedNode) else ox.NamedNode(self.graph_base + "default")
        for quad in self._store.quads_for_pattern(subject, ox.NamedNode(DH + "etag"), None, self.meta_for(node)):
            return quad.object.value
        return ""

    def quads(self, graph: GraphName | None = None, predicate: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """All quads, or one graph's (with one predicate, if given)."""
        return self._store.quads_for_pattern(None, predicate, None, graph)

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs holding data (metadata and staging excluded)."""
        return sorted(g.value for g in self._store.named_graphs()
                      if isinstance(g, ox.NamedNode) and g not in (self.meta_graph, self.private_meta_graph)
                      and not g.value.startswith(self.staging_prefix))

    def owner(self, graph: ox.NamedNode) -> str | None:
        """Who owns a private graph: the token recorded with it, else the agent of the write that made
        it (graphs written before owners were recorded); None when there is no record of it."""
        meta = self.meta_for(graph)
        for quad in self._store.quads_for_pattern(graph, ox.NamedNode(DH + "owner"), None, meta):
            return quad.object.value  # type: ignore[no-any-return]
        for quad in self._store.quads_for_pattern(graph, ox.NamedNode(PROV + "wasGeneratedBy"), None, meta):
            for agent in self._store.quads_for_pattern(quad.object, ox.NamedNode(DH + "agentName"), None,
                                                       self.provenance_graph):
                return agent.object.value  # type: ignore[no-any-return]
        return None

    def private_graphs(self, owner: str | None = None) -> list[str]:
        """Private graphs holding data (of one owner, or all)."""
        graphs = [g for g in self.named_graphs() if g.startswith(self.private_prefix)
                  and g not in (self.provenance_graph.value, self.private_meta_graph.value, self.pending_graph.value)]
        return [g for g in graphs if owner is None or self.owner(ox.NamedNode(g)) == owner]

    def query(self, sparql: str, **kwargs: Any) -> Any:
        """A query on the live store (writer-side reads: validation context, CLI)."""
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as err:
            raise syntax_error(err, "query") from err

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for the few domain modules that query the live state."""
        return self._store

