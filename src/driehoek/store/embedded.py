"""The embedded backend: pyoxigraph's Store on disk: open, write a graph atomically, query, dump,
back up, and publish read-only snapshots for query isolation (DESIGN §3).

How a write stays all-or-nothing, also when the process is killed half-way:
the new quads first go into a private staging graph (`{base}graph/staging/{uuid}`); then one SPARQL
Update — a single transaction — moves each staging graph onto its target and records provenance in
the metadata graph. A kill before that transaction leaves only staging graphs, which `open` drops;
a kill after it leaves the complete new state. Readers never see the live store: after each commit
the writer publishes a snapshot (a RocksDB checkpoint, hard links, milliseconds) with the private and
staging graphs removed, and queries run on the newest snapshot.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .. import formats
from ..errors import Conflict, InsufficientStorage, StoreError, SyntaxErrorInInput
from ..iris import DH, PROV, XSD
from .base import WritePath
from .records import (
    Activity,
    CommitResult,
    GraphName,
    GraphWrite,
    RawInput,
    _name,
    _now,
    storage_error,
    syntax_error,
    token_too_large,
)

log = logging.getLogger(__name__)

SNAPSHOTS_KEPT = 3  # besides any still young enough to have a query running on them


class EmbeddedStore(WritePath):
    """The embedded pyoxigraph store on disk, owned by exactly one process (the writer)."""

    def __init__(self, data_dir: Path, base_iri: str, *, directory: str = "store",
                 keeps_provenance: bool = True) -> None:
        self.data_dir = Path(data_dir)
        # False on the public store of a SplitStore: agent names go to the private store instead
        self.keeps_provenance = keeps_provenance
        self._layout(base_iri)  # the system graphs (GraphLayout)
        self.path = self.data_dir / directory
        self.snapshots = SnapshotDirectory(self.data_dir / "snapshots")
        self._lock = threading.RLock()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._db: ox.Store | None = None
        self._finish_rebuild()
        self._open()

    def _finish_rebuild(self) -> None:
        """After a kill during `rebuild`: the fresh store was complete before any rename, so take it
        if the old one has already been moved aside, else keep the old one; drop the leftovers."""
        fresh, old = self.path.with_name(self.path.name + ".rebuild"), self.path.with_name(self.path.name + ".old")
        if not self.path.exists() and old.exists():
            os.rename(fresh if fresh.exists() else old, self.path)
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)

    def _open(self) -> None:
        """Open the RocksDB store (one process only) and drop what interrupted writes left."""
        try:
            self._db = ox.Store(str(self.path))
        except OSError as err:
            if "lock" in str(err).lower():
                raise StoreError(
                    f"the store in {self.path} is in use by another process (is `driehoek serve` "
                    "running?); write through the HTTP API or stop that process first"
                ) from err
            if isinstance(storage_error(err, ""), InsufficientStorage):
                raise storage_error(err, f"the store in {self.path} cannot be opened") from err
            raise StoreError(f"cannot open the store in {self.path}: {err}") from err
        try:
            self._recover()
        except OSError as err:
            self._db = None
            raise storage_error(err, "nothing was written") from err

    @property
    def _store(self) -> ox.Store:
        """The live store, reopened after a failed disk write: RocksDB refuses every later write
        until it is reopened, also once space has been freed."""
        if self._db is None:
            with self._lock:
                if self._db is None:
                    self._open()
        assert self._db is not None
        return self._db

    def _failed(self, err: OSError, what: str) -> StoreError:
        """A failed disk write: let go of the store (the next use reopens it) and say what happened."""
        self._db = None
        return storage_error(err, what)

    def _recover(self) -> None:
        """Drop staging graphs left by a write that was killed before it committed."""
        awaited = {q.object for q in self._store.quads_for_pattern(None, ox.NamedNode(DH + "pendingStaged"), None,
                                                                   self.pending_graph)}
        leftovers = [g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)
                     and g.value.startswith(self.staging_prefix) and g not in awaited]
        for graph in leftovers:
            log.warning("dropping %s, left by an interrupted write", graph.value)
            self._store.remove_graph(graph)
        loading = ox.NamedNode(DH + "loadingSince")
        for quad in list(self._store.quads_for_pattern(None, loading, None, self.meta_graph)):
            log.warning("dropping %s, left half-loaded by an interrupted bulk load", quad.subject)
            self._store.remove_graph(quad.subject)
            self._store.remove(quad)
            leftovers.append(quad.subject)
        if leftovers:
            self._store.flush()

    def rebuild(self) -> None:
        """Write every quad into a fresh store and put it in this one's place. Deleting quads leaves
        their strings behind (Oxigraph keeps a string's bytes until the store is rewritten), so this is
        how a store loses every byte of what was removed from it. Costs a bulk load of the store."""
        with self._lock:
            fresh_path = self.path.with_name(self.path.name + ".rebuild")
            shutil.rmtree(fresh_path, ignore_errors=True)
            fresh = ox.Store(str(fresh_path))
            fresh.bulk_extend(self._store.quads_for_pattern(None, None, None, None))
            fresh.flush()
            del fresh
            self._db = None  # releases the RocksDB lock
            old_path = self.path.with_name(self.path.name + ".old")
            os.rename(self.path, old_path)
            os.rename(fresh_path, self.path)
            shutil.rmtree(old_path, ignore_errors=True)
            self._open()

    def close(self) -> None:
        """Flush and release the store (the RocksDB lock goes with the object)."""
        with self._lock:
            if self._db is not None:
                try:
                    self._db.flush()
                except OSError as err:  # disk full: the write-ahead log still has every commit
                    log.warning("could not flush the store on close: %s", err)
                self._db = None

    def is_empty(self) -> bool:
        """True when nothing but metadata has ever been written."""
        return not any(True for _ in self._store.quads_for_pattern(None, None, None, None))

    def __len__(self) -> int:
        return len(self._store)

    def commit(self, writes: list[GraphWrite], activity: Activity, *, bulk: bool = False,
               progress: Callable[[int], None] | None = None) -> CommitResult:
        """Apply all writes as one transaction; either every graph is new or every graph is old."""
        with self._lock:
            if bulk and len(writes) == 1 and writes[0].mode == "create" and isinstance(writes[0].graph, ox.NamedNode):
                return self._bulk_create(writes[0], activity, progress)
            self._staged(writes, lambda _staged: self._store.update(self._commit_update(writes, activity)),
                         bulk=bulk, progress=progress)
            try:
                self._store.flush()
            except OSError as err:
                raise self._failed(err, "the change is committed but may not be flushed to disk") from err
            graphs = {_name(w.graph): self.triple_count(w.graph) for w in writes}
            etags = {g: self.etag(g) for g in graphs}
            return CommitResult(activity.id, graphs, etags)

    def _bulk_create(self, write: GraphWrite, activity: Activity,
                     progress: Callable[[int], None] | None) -> CommitResult:
        """A new graph from a huge input, written in place with bounded memory: a marker in the
        metadata says the graph is being loaded; the commit removes it. A kill in between leaves
        the marker, and `open` drops the half-written graph (so: complete or absent)."""
        graph = write.graph
        assert isinstance(graph, ox.NamedNode)
        if self.graph_exists(graph):
            raise Conflict(f"graph {graph.value} already exists; replace it explicitly (--replace, or PUT)",
                           graph=graph.value)
        marker = ox.Quad(graph, ox.NamedNode(DH + "loadingSince"),
                         ox.Literal(_now(), datatype=ox.NamedNode(XSD + "dateTime")), self.meta_graph)
        try:
            self._store.add(marker)
            self._store.flush()
        except OSError as err:
            raise self._failed(err, "nothing was written") from err
        try:
            write.triples = self._stage(graph, write.quads, bulk=True, progress=progress)
            write.mode = "loaded"
            self._store.update(self._commit_update([write], activity)
                               + f" ;\nDELETE WHERE {{ GRAPH {self.meta_graph} {{ {graph} <{DH}loadingSince> ?t }} }}")
        except BaseException as err:
            try:
                self._store.remove_graph(graph)
                self._store.remove(marker)
            except OSError:  # disk full: the marker makes `open` drop the graph
                log.warning("could not drop the half-loaded %s now; it goes when the store next opens", graph.value)
            if isinstance(err, OSError):
                raise self._failed(err, "nothing was written") from err
            raise
        self._store.flush()
        return CommitResult(activity.id, {graph.value: write.triples}, {graph.value: self.etag(graph)})

    def _stage(self, staging: ox.NamedNode, quads: Iterable[ox.Quad] | RawInput, *, bulk: bool,
               progress: Callable[[int], None] | None) -> int:
        """Write quads into a staging graph; bulk mode keeps memory bounded for huge files."""
        if isinstance(quads, RawInput):
            self._bulk_load(staging, quads)
            return self.triple_count(staging)
        batch: list[ox.Quad] = []
        size = 50_000 if bulk else 1_000_000_000
        for quad in quads:
            batch.append(ox.Quad(quad.subject, quad.predicate, quad.object, staging))
            if len(batch) >= size:
                self._store.bulk_extend(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            (self._store.bulk_extend if bulk else self._store.extend)(batch)
            if progress:
                progress(len(batch))
        return self.triple_count(staging)

    def _bulk_load(self, graph: ox.NamedNode, raw: RawInput) -> None:
        """pyoxigraph's bulk loader into one graph (blank nodes get fresh ids, as in `parse`); not
        atomic by itself: callers write into a staging graph or behind a loading marker."""
        if raw.fmt.rdf is None or raw.fmt.is_dataset:
            raise ValueError(f"{raw.fmt.name} is not a graph format")
        kwargs: dict[str, Any] = {"format": raw.fmt.rdf, "base_iri": raw.base_iri, "to_graph": graph}
        if raw.path is not None:
            kwargs["path"] = str(raw.path)
        else:
            kwargs["input"] = raw.stream
        try:
            self._store.bulk_load(**kwargs)
        except SyntaxError as err:
            raise syntax_error(err, raw.source_name) from err
        except (UnicodeDecodeError, ValueError, OSError) as err:  # as in `parse`
            raise SyntaxErrorInInput(f"{raw.source_name}: {err}", source=raw.source_name) from err
        except MemoryError as err:
            raise token_too_large(err, raw.source_name) from err

    def dump(self, output: IO[bytes] | Path, fmt: formats.Format = formats.NQUADS,
             graph: GraphName | None = None) -> None:
        """Serialise the dataset (or one graph) to a binary stream or file."""
        if fmt.rdf is None:
            raise ValueError(f"{fmt.name} is not an RDF format")
        kwargs: dict[str, Any] = {"format": fmt.rdf}
        if graph is not None or not fmt.is_dataset:
            kwargs["from_graph"] = graph if graph is not None else ox.DefaultGraph()
        self._store.dump(str(output) if isinstance(output, Path) else output, **kwargs)

    def backup(self, target: Path) -> None:
        """A consistent checkpoint of the whole store into a new directory."""
        if target.exists():
            raise Conflict(f"{target} already exists; a backup goes into a new directory")
        with self._lock:
            try:
                self._store.flush()
                self._store.backup(str(target))
            except OSError as err:
                shutil.rmtree(target, ignore_errors=True)
                raise self._failed(err, f"no backup was written to {target}") from err

    def trial_copy(self, target: Path, sparql: str, targets: set[str], private_graphs: Iterable[str] = (),
                   mentioned: Iterable[str] = ()) -> None:
        """A copy of the store to try an update on (`targets`: the graphs it may change, from
        validation.update_targets): here a checkpoint of everything, which costs milliseconds (one
        store holds no private graph of anyone else's: SplitStore keeps them apart)."""
        self.backup(target)

    def publish_snapshot(self) -> Path:
        """Checkpoint the store for readers, without private and staging graphs."""
        with self._lock:
            try:
                return self.snapshots.publish(self._store, self._hidden_graph, self._scrub_metadata,
                                              meta_graph=self.meta_graph)
            except OSError as err:
                raise self._failed(err, "the change is stored, but readers see it only after the next "
                                        "write that can be published") from err

    def _scrub_metadata(self) -> str:
        """The update that removes from a snapshot's metadata every trace of the hidden graphs:
        their records, and the activities that wrote or withdrew them (source names, hashes)."""
        meta, hidden = str(self.meta_graph), f'STRSTARTS(STR(?g), "{self.private_prefix}") || ' \
                                              f'STRSTARTS(STR(?g), "{self.staging_prefix}")'
        return (
            # a withdrawal names its graph in dh:sourceName (a literal)
            f"DELETE {{ GRAPH {meta} {{ ?a ?p ?o }} }} WHERE {{ GRAPH {meta} {{ "
            f"?a <{PROV}generated>|<{PROV}invalidated>|<{DH}sourceName> ?g . ?a ?p ?o }} FILTER({hidden}) }} ;\n"
            f"DELETE {{ GRAPH {meta} {{ ?g ?p ?o }} }} WHERE {{ GRAPH {meta} {{ ?g ?p ?o }} "
            f"FILTER(isIRI(?g) && ({hidden})) }}"
        )

    def _hidden_graph(self, graph: ox.NamedNode | ox.BlankNode) -> bool:
        return isinstance(graph, ox.NamedNode) and graph.value.startswith(
            (self.private_prefix, self.staging_prefix))



def drop_withdrawn(copy: ox.Store, meta_graph: ox.NamedNode) -> None:
    """Remove withdrawn graphs from a snapshot: gone for its readers on every path (/sparql with GRAPH,
    FROM or default-graph-uri included). Their subjects stay listed in the metadata (dh:heldSubject),
    so a page for one of them can still answer 410 Gone with who, when and why."""
    withdrawn = [q.subject for q in copy.quads_for_pattern(None, ox.NamedNode(DH + "withdrawn"), None, meta_graph)
                 if isinstance(q.subject, ox.NamedNode)]
    for graph in withdrawn:
        subjects = {q.subject for q in copy.quads_for_pattern(None, None, None, graph)
                    if isinstance(q.subject, ox.NamedNode)}
        copy.extend(ox.Quad(graph, ox.NamedNode(DH + "heldSubject"), subject, meta_graph) for subject in subjects)
        copy.remove_graph(graph)

class SnapshotDirectory:
    """Published read-only checkpoints: `CURRENT` names the newest; old ones are pruned."""

    def __init__(self, root: Path, keep_seconds: float = 600.0) -> None:
        self.root = Path(root)
        self.keep_seconds = keep_seconds

    def publish(self, store: ox.Store, hidden: Callable[[Any], bool],
                scrub: Callable[[], str] | None = None, *, meta_graph: ox.NamedNode | None = None) -> Path:
        """Checkpoint `store`, drop hidden graphs (and the metadata about them) and withdrawn graphs
        from the copy, and make it current."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}"
        tmp = self.root / f"{name}.tmp"
        try:
            store.flush()
            store.backup(str(tmp))
            copy = ox.Store(str(tmp))
            for graph in list(copy.named_graphs()):
                if hidden(graph):
                    copy.remove_graph(graph)
            if scrub is not None:
                copy.update(scrub())
            if meta_graph is not None:
                drop_withdrawn(copy, meta_graph)
            copy.flush()
            del copy
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)  # a half-made snapshot only takes space
            raise
        final = self.root / name
        os.rename(tmp, final)
        pointer = self.root / "CURRENT.tmp"
        pointer.write_text(name)
        os.replace(pointer, self.root / "CURRENT")
        self.prune()
        return final

    def current(self) -> Path | None:
        """The newest published snapshot, if any."""
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        return path if path.is_dir() else None

    def prune(self) -> None:
        """Remove old snapshots no query can still be reading (kept for `keep_seconds`)."""
        current = self.current()
        names = sorted(p for p in self.root.iterdir() if p.is_dir())
        old = [p for p in names if p != current][: max(0, len(names) - SNAPSHOTS_KEPT)]
        horizon = time.time() - self.keep_seconds
        for path in old:
            if path.name.endswith(".tmp") or path.stat().st_mtime < horizon:
                shutil.rmtree(path, ignore_errors=True)

class SnapshotReader:
    """Opens the newest snapshot read-only and reopens it when a newer one is published."""

    def __init__(self, root: Path) -> None:
        self.directory = SnapshotDirectory(root)
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._store: ox.Store | None = None

    def store(self) -> ox.Store:
        """The read-only store of the newest snapshot."""
        path = self.directory.current()
        if path is None:
            raise StoreError("no snapshot has been published yet; run `driehoek init`")
        with self._lock:
            if path != self._path or self._store is None:
                self._store = ox.Store.read_only(str(path))
                self._path = path
            return self._store

    @property
    def path(self) -> Path | None:
        """The snapshot last opened."""
        return self._path
