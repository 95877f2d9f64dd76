"""The domain facade the CLI and the web share: load, validate, query, dump, back up.

Each method does the whole job for one user action — parse, run the SHACL gate with its context,
commit atomically with provenance, publish a snapshot — so the two front ends stay thin.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .. import formats, validation
from ..config import Settings
from ..errors import BadRequest, DriehoekError, Forbidden, StoreError
from ..iris import DCTERMS, DH
from ..store import Activity, CommitResult, GraphWrite
from ..store.backends import open_backend
from ..store.layout import GraphLayout
from ..store.protocol import Store
from ..store.view import View
from ..versions import VersionStore
from .access import Access
from .gate import Gate
from .sources import _DOT_SEGMENT, _TRIAL_UPDATE, LoadOutcome, Progress, Source, _CountingReader, bundled_sources
from .stewards import Stewards

CONTEXT = validation.CONTEXT_PREDICATES


class Driehoek(Access, Gate, Stewards):
    """driehoek's operations on one data directory: the facade over its parts (access.py: who may do
    what; gate.py: the write path through the SHACL gate; stewards.py: the Graph Store Protocol, Update,
    withdrawal); here the store, versions, what readers see, dump, backup and restore."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.backend = open_backend(settings)  # a malformed DRIEHOEK_STORE fails here, clearly
        self.layout = GraphLayout(settings.base_iri)
        self._store: Store | None = None  # a SplitStore (embedded) or a RemoteStore

    @property
    def store(self) -> Store:
        """The writer's store (the store protocol, store/protocol.py), opened on first use (the embedded one takes the RocksDB lock; a
        remote one is reached per request)."""
        if self._store is None:
            self._store = self.backend.open()
            # we hold the lock, so no update is being tried: a trial checkpoint here was left by a kill
            shutil.rmtree(self.settings.data_dir / "trial", ignore_errors=True)
        return self._store

    def close(self) -> None:
        """Release the store and stop the SHACL workers."""
        pool = self.__dict__.pop("_shacl_pool", None)
        if pool is not None:
            pool.close()
        versions = self.__dict__.pop("_versions", None)
        if versions is not None:
            versions.close()
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def versions(self) -> VersionStore:
        """The store of previous graph versions (versions.py), opened on first use."""
        if self.__dict__.get("_versions") is None:
            self.__dict__["_versions"] = VersionStore(self.settings.data_dir, self.settings.base_iri)
        return self.__dict__["_versions"]  # type: ignore[no-any-return]

    def graph_modified(self, graph: ox.NamedNode) -> str | None:
        """The graph's dcterms:modified in its metadata record (when its content was last written)."""
        meta = self.store.meta_for(graph)
        for quad in self.store.raw.quads_for_pattern(graph, ox.NamedNode(DCTERMS + "modified"), None, meta):
            return str(quad.object.value)
        return None

    def _commit(self, writes: list[GraphWrite], activity: Activity, **options: Any) -> CommitResult:
        """Commit through the store, keeping first, under the writer lock, the current content of every
        public graph the writes change as a version (versions.py); a failed commit keeps nothing."""
        with self.store.lock():
            changes = self._status_changes(writes)
            if changes:
                activity = dataclasses.replace(activity, status_changes=changes)
            kept: list[tuple[ox.NamedNode, ox.NamedNode]] = []
            try:
                for write in writes:
                    graph = write.graph
                    if not isinstance(graph, ox.NamedNode) or write.mode in ("create", "loaded") \
                            or self.is_private(graph) or self.is_system_graph(graph.value):
                        continue
                    node = self.versions.keep(graph, self.store.raw.quads_for_pattern(None, None, None, graph),
                                              self.graph_modified(graph))
                    if node is not None:
                        kept.append((graph, node))
                result = self.store.commit(writes, activity, **options)
            except BaseException:
                for _graph, node in kept:
                    self.versions.discard(node)
                raise
            for graph, node in kept:  # valid until the new content's own time: no gap between the two
                self.versions.close_interval(node, self.graph_modified(graph))
            return result

    def _status_changes(self, writes: list[GraphWrite]) -> tuple[tuple[str, str, str], ...]:
        """The case status changes these writes make (draft -> reviewed -> published -> withdrawn): for
        each case whose dh:status in a written graph differs before and after. Writes whose new content
        is not at hand as quads (bulk loads of generated data) are not looked into."""
        status = ox.NamedNode(DH + "status")
        changes = []
        for write in writes:
            graph = write.graph
            if not isinstance(graph, ox.NamedNode) or write.mode == "loaded":
                continue
            before = {q.subject.value: q.object.value for q in self.store.quads(graph, status)
                      if isinstance(q.subject, ox.NamedNode)}
            if write.mode == "delete":
                after: dict[str, str] = {}
            elif isinstance(write.quads, list):
                after = {q.subject.value: q.object.value for q in write.quads
                         if q.predicate == status and isinstance(q.subject, ox.NamedNode)}
                if write.mode == "merge":
                    after = {**before, **after}
            else:
                continue
            for case in sorted(set(before) | set(after)):
                if before.get(case) != after.get(case):
                    changes.append((case, before.get(case, ""), after.get(case, "")))
        return tuple(changes)

    def graph_iri(self, value: str) -> ox.NamedNode:
        """Check that a graph IRI is one writes may name: under {base}graph/ or a configured prefix."""
        allowed = (self.settings.graph_base, *self.settings.graph_namespaces)
        if not value.startswith(allowed):
            raise Forbidden(f"graph {value} is outside the writable namespaces: " + ", ".join(allowed))
        if _DOT_SEGMENT.search(value):  # {base}graph/x/../private/y is private/y to anyone resolving it
            raise Forbidden(f"graph {value} has '.' or '..' segments; name it without them")
        if value.startswith((self.store.staging_prefix, self.store.meta_graph.value)) or value in (
                self.store.provenance_graph.value, self.store.private_meta_graph.value,
                self.settings.graph_base + "default", self.settings.graph_base + "pending"):
            raise Forbidden(f"graph {value} is reserved for driehoek itself")
        return ox.NamedNode(value)

    def snapshot(self) -> ox.Store:
        """The newest published snapshot, read-only (on a remote store: a view of its public graphs,
        which answers the same calls)."""
        return self.backend.snapshot(lambda: self.store)  # type: ignore[no-any-return]

    def view(self) -> View:
        """What readers see now, as one read-only View (with its withdrawn graphs)."""
        key, reader = self.published()
        return View(reader, key, self.layout)

    def published(self) -> tuple[str, ox.Store]:
        """(key, store) of what readers see now; the key names that state for caches and ETags."""
        return self.backend.published(lambda: self.store)

    def health(self) -> dict[str, Any]:
        """Status, triple count and snapshot age, from the snapshot readers see."""
        return self.backend.health(lambda: self.store)

    def query_runner(self, settings: Settings | None = None) -> Any:
        """What runs user queries (/sparql): worker processes on the snapshots, or the server itself,
        with the limits of `settings` (an app's; by default the service's)."""
        return self.backend.query_runner(self.snapshot, settings or self.settings)

    def dump(self, output: IO[bytes] | Path, fmt: formats.Format = formats.NQUADS,
             graph: str | None = None) -> None:
        """Dump everything (this is the stewards' full dump, private graphs included)."""
        node = ox.NamedNode(graph) if graph else None
        self.store.dump(output, fmt, node)

    def backup(self, target: Path) -> None:
        """A consistent backup directory; from the newest snapshot when the store is busy."""
        try:
            self.store.backup(target)
        except StoreError as err:
            raise self.backend.backup_refused(err) from err

    def restore(self, source: Path, *, agent: str, progress: Progress | None = None) -> int:
        """Replace the whole store with a backup directory or a dump file (N-Quads / TriG)."""

        def open_dump(path: Path) -> tuple[formats.Format, IO[bytes], str]:
            src = Source.from_path(path)
            if not src.fmt.is_dataset:
                raise BadRequest(f"{path}: restore takes a backup directory or an N-Quads/TriG dump")
            return src.fmt, io.BufferedReader(_CountingReader(src.open(), progress), 1 << 20), src.name

        return self.backend.restore(source, self._store is not None, lambda: self.store, open_dump)


__all__ = ["_TRIAL_UPDATE", "CONTEXT", "Driehoek", "DriehoekError", "LoadOutcome", "Progress", "Source", "bundled_sources"]
