"""Public and private graphs in two embedded stores, committed as one (SplitStore)."""

from __future__ import annotations

import itertools
import logging
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .. import formats
from ..errors import Conflict
from ..iris import DH, PROV
from .embedded import EmbeddedStore
from .records import Activity, CommitResult, GraphName, GraphWrite

log = logging.getLogger(__name__)


class SplitStore:
    """The embedded dataset as two stores: public graphs in `store/`, private graphs (and every record
    about them: metadata, owners, the agents of all writes) in `private/`. Snapshots, which anonymous
    readers open, are checkpoints of the public store alone, so no file they read ever held a private
    byte, not even a deleted one (a checkpoint with deletions keeps the bytes in its .sst files).

    It answers the same calls as EmbeddedStore, routing each by graph. A write that touches both
    stores commits in two phases: the private part is staged and its commit kept as pending in the
    private store, the public part commits (one transaction, which records the activity), then the
    pending part is finished. After a kill, `settle` finishes a pending part whose activity the public
    store knows, and drops it otherwise: every write lands whole or not at all."""

    def __init__(self, data_dir: Path, base_iri: str) -> None:
        self.public = EmbeddedStore(data_dir, base_iri, keeps_provenance=False)
        try:
            self.private = EmbeddedStore(data_dir, base_iri, directory="private")
        except BaseException:
            self.public.close()
            raise
        self.private._lock = self.public._lock  # one writer lock over both
        for name in ("data_dir", "base_iri", "graph_base", "meta_graph", "private_prefix", "provenance_graph",
                     "private_meta_graph", "staging_prefix", "path", "snapshots"):
            setattr(self, name, getattr(self.public, name))
        with self.public.lock():
            self._move_private_graphs()
            self.settle()

    # -- routing ----------------------------------------------------------------------------------

    def is_private(self, graph: GraphName | str | None) -> bool:
        """True for graphs under {base}graph/private/."""
        value = graph if isinstance(graph, str) else graph.value if isinstance(graph, ox.NamedNode) else ""
        return value.startswith(self.private_prefix)

    def for_graph(self, graph: GraphName | str | None) -> EmbeddedStore:
        """The store that holds a graph."""
        return self.private if self.is_private(graph) else self.public

    @property
    def raw(self) -> ox.Store:
        """The public store's pyoxigraph store (private graphs are never in it)."""
        return self.public.raw

    def lock(self) -> threading.RLock:
        """The writer lock over both stores."""
        return self.public.lock()

    def close(self) -> None:
        """Flush and release both stores."""
        self.public.close()
        self.private.close()

    def is_empty(self) -> bool:
        """True when neither store holds anything."""
        return self.public.is_empty() and self.private.is_empty()

    def __len__(self) -> int:
        return len(self.public) + len(self.private)

    # -- writing ------------------------------------------------------------------------------------

    def commit(self, writes: list[GraphWrite], activity: Activity, *, bulk: bool = False,
               progress: Callable[[int], None] | None = None) -> CommitResult:
        """Apply all writes as one: the public part in one transaction, the private part (and the agent's
        name) prepared before it and finished after it."""
        public = [w for w in writes if not self.is_private(w.graph)]
        private = [w for w in writes if self.is_private(w.graph)]
        with self.lock():
            # a private part left pending (its finish failed, e.g. on a full disk) lands before anything
            # else is written: finishing it later could undo a newer write of the same graph
            if self.private.pending():
                self.settle()
            if not public and (private or self.is_private(activity.source_name)):
                return self.private.commit(private, activity)  # private only: one transaction there
            self.private.prepare(private, activity)
            try:
                result = self.public.commit(public, activity, bulk=bulk, progress=progress)
            except BaseException:
                self.private.abort(activity.id)
                raise
            done = self.private.finish(activity.id, [w.graph for w in private])
        return CommitResult(activity.id, {**result.graphs, **done.graphs}, {**result.etags, **done.etags})

    def settle(self) -> None:
        """Finish or drop the private parts a kill left pending (see the class docstring)."""
        for activity_id in self.private.pending():
            known = any(True for _ in self.public.raw.quads_for_pattern(
                ox.NamedNode(activity_id), None, None, self.public.meta_graph))
            if known:
                log.warning("finishing the private part of %s, left pending by an interrupted write", activity_id)
                self.private.finish(activity_id)
            else:
                log.warning("dropping the private part of %s, left pending by an interrupted write", activity_id)
                self.private.abort(activity_id)

    def _private_records(self, meta: Iterable[ox.Quad]) -> set[ox.Quad]:
        """Of an older driehoek's metadata (one graph for everything), the quads that are private: the
        records of private graphs, and of the activities that wrote or withdrew them (their source
        names and hashes); of an activity that also wrote public graphs, only its links to private ones."""
        quads = list(meta)
        links = (PROV + "generated", PROV + "invalidated")
        touched: dict[str, set[bool]] = {}
        for quad in quads:
            if quad.predicate.value in links and isinstance(quad.object, ox.NamedNode):
                touched.setdefault(str(quad.subject), set()).add(self.is_private(quad.object))
            elif quad.predicate.value == DH + "sourceName" and self.is_private(quad.object.value):
                touched.setdefault(str(quad.subject), set()).add(True)  # a withdrawal names its graph here
        private_activities = {a for a, kinds in touched.items() if kinds == {True}}
        return {q for q in quads
                if (isinstance(q.subject, ox.NamedNode) and self.is_private(q.subject))
                or str(q.subject) in private_activities
                or (q.predicate.value in links and isinstance(q.object, ox.NamedNode) and self.is_private(q.object))}

    def _move_private_graphs(self) -> None:
        """Move what an older driehoek kept of private graphs in the one store (their quads, their
        records, the activities that wrote them) into the private store, then compact the public
        store anew so that its files (and later snapshots) keep none of their bytes."""
        public = self.public.raw
        moved = [g for g in public.named_graphs() if isinstance(g, ox.NamedNode) and self.is_private(g)]
        meta = self.public.meta_graph
        records = self._private_records(public.quads_for_pattern(None, None, None, meta))
        if not moved and not records:
            return
        for graph in moved:
            self.private.raw.extend(public.quads_for_pattern(None, None, None, graph))
        self.private.raw.extend(ox.Quad(q.subject, q.predicate, q.object, self.private.meta_graph) for q in records)
        for quad in records:
            public.remove(quad)
        for graph in moved:
            public.remove_graph(graph)
        self.private.raw.flush()
        public.flush()
        del public
        self.public.rebuild()  # its files keep no string of what moved
        log.warning("moved %d private graph(s) and %d record(s) into the private store", len(moved), len(records))

    def fix_merge_counts(self, graphs: Iterable[GraphName]) -> None:
        """After a merge the exact count is only known by counting; record it (in each graph's store)."""
        for graph in graphs:
            self.for_graph(graph).fix_merge_counts([graph])

    def update_for(self, graph: GraphName, sparql: str) -> None:
        """Run a SPARQL Update on the store holding `graph` (callers own validation and provenance)."""
        self.for_graph(graph).update(sparql)

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update on the public store."""
        self.public.update(sparql)

    def meta_for(self, graph: GraphName) -> ox.NamedNode:
        """The metadata graph holding a graph's records (in the graph's own store)."""
        return self.for_graph(graph).meta_graph

    def graph_ref(self, graph: GraphName) -> str:
        """A graph as the target of SPARQL Update operations: `GRAPH <g>` or `DEFAULT`."""
        return self.public.graph_ref(graph)

    # -- reading the live stores ----------------------------------------------------------------------

    def graph_exists(self, graph: GraphName) -> bool:
        """True if the graph has quads or a metadata record."""
        return self.for_graph(graph).graph_exists(graph)

    def triple_count(self, graph: GraphName, exact: bool = False) -> int:
        """Triples in a graph."""
        return self.for_graph(graph).triple_count(graph, exact)

    def etag(self, graph: str | GraphName) -> str:
        """The graph's current ETag."""
        return self.for_graph(graph).etag(graph)

    def quads(self, graph: GraphName | None = None, predicate: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """All quads of both stores, or one graph's (with one predicate, if given)."""
        if graph is None:
            return itertools.chain(self.public.quads(None, predicate), self.private.quads(None, predicate))
        return self.for_graph(graph).quads(graph, predicate)

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs holding data, in both stores."""
        return sorted({*self.public.named_graphs(), *(g for g in self.private.named_graphs()
                                                      if g not in (self.private.provenance_graph.value,
                                                                   self.private.pending_graph.value))})

    def context(self, iris: Iterable[ox.NamedNode], predicates: Iterable[ox.NamedNode],
                exclude: set[str], visible: Iterable[str] = ()) -> list[ox.Quad]:
        """The quads with these subjects and predicates, outside the `exclude` graphs and of the
        private graphs only the `visible` ones: the SHACL gate's context."""
        found: list[ox.Quad] = []
        for iri in iris:
            for predicate in predicates:
                found += [q for q in self.public.raw.quads_for_pattern(iri, predicate, None, None)
                          if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in exclude)]
                for name in visible:  # the public store never holds a private graph
                    found += self.private.raw.quads_for_pattern(iri, predicate, None, ox.NamedNode(name))
        return found

    def described(self, iris: Iterable[ox.NamedNode], plain: Iterable[str], exclude: set[str],
                  visible: Iterable[str] = ()) -> set[ox.NamedNode]:
        """Those of `iris` that a named graph outside `exclude` and the metadata (of the private graphs
        only the `visible` ones) describes with a predicate not in `plain`: the SHACL gate's test of
        whether a merely typed node is known."""
        plain, skipped = set(plain), set(exclude) | {self.meta_graph.value, self.private_meta_graph.value}
        found = set()
        for iri in iris:
            quads = itertools.chain(self.public.raw.quads_for_pattern(iri, None, None, None), *(
                self.private.raw.quads_for_pattern(iri, None, None, ox.NamedNode(name)) for name in visible))
            if any(q.predicate.value not in plain and isinstance(q.graph_name, ox.NamedNode)
                   and q.graph_name.value not in skipped for q in quads):
                found.add(iri)
        return found

    def owner(self, graph: ox.NamedNode) -> str | None:
        """Who owns a private graph (None: no record of it)."""
        return self.private.owner(graph)

    def private_graphs(self, owner: str | None = None) -> list[str]:
        """Private graphs holding data (of one owner, or all)."""
        return self.private.private_graphs(owner)

    def query(self, sparql: str, **kwargs: Any) -> Any:
        """A query on the live public store."""
        return self.public.query(sparql, **kwargs)

    # -- dump, backup, snapshots ------------------------------------------------------------------------

    def dump(self, output: IO[bytes] | Path, fmt: formats.Format = formats.NQUADS,
             graph: GraphName | None = None) -> None:
        """Serialise both stores (the stewards' full dump) or one graph."""
        if graph is not None or not fmt.is_dataset:
            self.for_graph(graph).dump(output, fmt, graph)
            return
        if isinstance(output, Path):
            with open(output, "wb") as handle:
                self.dump(handle, fmt)
            return
        self.public.dump(output, fmt)
        # the private store's records go under {base}graph/private/meta, so a restore puts them back there
        meta, renamed = self.private.meta_graph, self.private_meta_graph
        quads = (ox.Quad(q.subject, q.predicate, q.object, renamed if q.graph_name == meta else q.graph_name)
                 for q in self.private.quads() if q.graph_name != self.private.pending_graph)
        assert fmt.rdf is not None
        ox.serialize(quads, output, fmt.rdf)

    def restore_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Bulk-load a dump into the empty stores, each quad into its store (the inverse of `dump`; a
        dump of an older driehoek's one store is split as opening such a store would)."""
        meta: list[ox.Quad] = []  # the public metadata graph: small, sorted out at the end

        def set_meta_aside(found: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
            for quad in found:
                if quad.graph_name == self.public.meta_graph:
                    meta.append(quad)
                else:
                    yield quad

        quads = set_meta_aside(quads)
        batches: dict[bool, list[ox.Quad]] = {False: [], True: []}
        for quad in quads:
            private = quad.graph_name == self.private_meta_graph or self.is_private(quad.graph_name)
            if quad.graph_name == self.private_meta_graph:
                quad = ox.Quad(quad.subject, quad.predicate, quad.object, self.private.meta_graph)
            batch = batches[private]
            batch.append(quad)
            if len(batch) >= 50_000:
                (self.private if private else self.public).raw.bulk_extend(batch)
                batch.clear()
        for private, batch in batches.items():
            (self.private if private else self.public).raw.bulk_extend(batch)
        records = self._private_records(meta)
        self.private.raw.extend(ox.Quad(q.subject, q.predicate, q.object, self.private.meta_graph) for q in records)
        self.public.raw.extend(q for q in meta if q not in records)
        self.public.raw.flush()
        self.private.raw.flush()

    def backup(self, target: Path) -> None:
        """A consistent backup: `target/store` and `target/private`, taken under the writer lock."""
        if target.exists():
            raise Conflict(f"{target} already exists; a backup goes into a new directory")
        with self.lock():
            try:
                target.mkdir(parents=True)
                self.public.backup(target / "store")
                self.private.backup(target / "private")
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise

    def trial_copy(self, target: Path, sparql: str, targets: set[str], private_graphs: Iterable[str] = (),
                   mentioned: Iterable[str] = ()) -> None:
        """A copy to try an update on: a checkpoint of the public store, plus the private graphs the
        writer may see (its own), so the update can neither read nor touch anyone else's."""
        self.public.backup(target)
        wanted = list(private_graphs)
        if wanted:
            copy = ox.Store(str(target))
            try:
                for name in wanted:
                    copy.extend(self.private.quads(ox.NamedNode(name)))
                copy.flush()
            finally:
                del copy

    def publish_snapshot(self) -> Path:
        """Checkpoint the public store for readers."""
        return self.public.publish_snapshot()
