"""The two backends as the service sees them: how the writer's store is opened, what readers read,
how user queries run, how a store is restored. `open_backend` picks one from the settings, once; the
service never asks which one it has.

- EmbeddedBackend: the embedded stores in DRIEHOEK_DATA_DIR (SplitStore); readers read the newest
  published snapshot (never the writer's store, which one process holds), user queries run in
  killable worker processes on it.
- RemoteBackend: a SPARQL 1.1 server (DRIEHOEK_STORE); readers read its public view (or the readers'
  copy, DRIEHOEK_PUBLIC_STORE), user queries run on the server under a client-side deadline.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..config import Settings
from ..errors import BadRequest, Conflict, StoreError
from .embedded import SnapshotReader
from .records import parse
from .split import SplitStore

# what restore reads a dump through: (format is a dataset format, the byte stream, the source's name)
DumpOpener = Callable[[Path], tuple[Any, IO[bytes], str]]


class EmbeddedBackend:
    """The embedded stores on disk and their published snapshots."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reader = SnapshotReader(settings.data_dir / "snapshots")

    def open(self) -> SplitStore:
        """The writer's store (takes the RocksDB lock: one process)."""
        return SplitStore(self.settings.data_dir, self.settings.base_iri)

    def exists(self) -> bool:
        """Whether there is a store to ask at all (a dry run before any write creates none)."""
        return self.settings.store_dir.exists()

    def published_ready(self) -> bool:
        """Whether readers have something to read (a snapshot has been published)."""
        return self.reader.directory.current() is not None

    def snapshot(self, store: Callable[[], Any]) -> Any:
        """The newest published snapshot, read-only."""
        return self.reader.store()

    def published(self, store: Callable[[], Any]) -> tuple[str, Any]:
        """(key, snapshot) of what readers see now; the key names that state for caches and ETags."""
        before = None
        for _attempt in range(3):
            before = self.reader.directory.current()
            snapshot = self.reader.store()
            if self.reader.path == before:
                break  # the store we hold is the snapshot `before` names: the ETag will not lie
        return (before.name if before is not None else ""), snapshot

    def health(self, store: Callable[[], Any]) -> dict[str, Any]:
        """Status, triple count and snapshot age, from the snapshot readers see."""
        path = self.reader.directory.current()
        if path is None:
            return {"status": "starting", "triples": 0, "snapshot_age_seconds": None}
        snapshot = self.reader.store()
        age = time.time() - int(path.name) / 1e9
        return {"status": "ok", "triples": len(snapshot), "graphs": sum(1 for _ in snapshot.named_graphs()),
                "snapshot_age_seconds": round(age, 3)}

    def query_runner(self, snapshot: Callable[[], Any], settings: Settings) -> Any:
        """User queries: worker processes on the snapshots, killed at their time or memory limit (the
        limits of `settings`: an app's may differ from the service's)."""
        from ..workers import QueryPool

        return QueryPool(settings.data_dir / "snapshots", settings.data_dir / "spool", workers=settings.query_workers,
                         timeout=settings.query_timeout, memory_mib=settings.query_memory,
                         meta_graph=settings.graph_base + "meta", max_heavy=settings.query_heavy or None)

    def backup_refused(self, err: StoreError) -> StoreError:
        """What to say when the store cannot be backed up because a server holds it."""
        return StoreError("the store is in use by a running server; stop it, or copy its newest "
                          f"snapshot in {self.settings.data_dir / 'snapshots'} (public graphs only)")

    def restore(self, source: Path, opened: bool, store: Callable[[], Any], open_dump: DumpOpener) -> int:
        """A backup directory or an N-Quads/TriG dump into a new data directory."""
        if opened:
            raise Conflict("close the store before restoring")
        target = self.settings.store_dir
        if target.exists() and any(target.iterdir()):
            raise Conflict(f"{target} is not empty; restore into a new data directory "
                           "(DRIEHOEK_DATA_DIR) or move the old store away first")
        if source.is_dir():
            if (source / "store").is_dir():  # a backup of both stores (see SplitStore.backup)
                shutil.copytree(source / "store", target, dirs_exist_ok=True)
                if (source / "private").is_dir():
                    shutil.copytree(source / "private", self.settings.data_dir / "private", dirs_exist_ok=True)
            else:  # an older driehoek's one store: opening it moves its private graphs apart
                shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            fmt, stream, name = open_dump(source)
            with stream:
                store().restore_quads(parse(stream, fmt, base_iri=self.settings.base_iri, source_name=name))
        store().publish_snapshot()
        return len(store())


class RemoteBackend:
    """A SPARQL 1.1 server, and what readers see of it."""

    def __init__(self, settings: Settings) -> None:
        from .client import Endpoints

        self.settings = settings
        Endpoints.from_settings(settings)  # a malformed DRIEHOEK_STORE fails here, clearly
        if settings.public_store:
            Endpoints.from_url(settings.public_store, setting="DRIEHOEK_PUBLIC_STORE")

    def open(self) -> Any:
        """The writer's store: a client of the server (reached per request)."""
        from .remote import RemoteStore

        return RemoteStore(self.settings)

    def exists(self) -> bool:
        return True

    def published_ready(self) -> bool:
        return True  # readers read the server (or its copy, levelled when the store opens)

    def snapshot(self, store: Callable[[], Any]) -> Any:
        """A view of the public graphs, which answers the calls a snapshot does."""
        return store().public_view()

    def published(self, store: Callable[[], Any]) -> tuple[str, Any]:
        view = store().public_view()
        return view.key, view

    def health(self, store: Callable[[], Any]) -> dict[str, Any]:
        key, view = self.published(store)
        return {"status": "ok", "triples": len(view), "graphs": len(view.graph_names()),
                "snapshot_age_seconds": round(time.time() - int(key) / 1e9, 3) if int(key) else None,
                "store": "remote"}

    def query_runner(self, snapshot: Callable[[], Any], settings: Settings) -> Any:
        """User queries run on the server, under a client-side deadline (`settings`'s)."""
        from .remote_queries import RemoteQueryRunner

        return RemoteQueryRunner(snapshot, settings.data_dir / "spool", workers=settings.query_workers,
                                 timeout=settings.query_timeout)

    def backup_refused(self, err: StoreError) -> StoreError:
        return err  # its own message says what to do instead

    def restore(self, source: Path, opened: bool, store: Callable[[], Any], open_dump: DumpOpener) -> int:
        """A dump file into an empty server (a backup directory is the embedded store's)."""
        if source.is_dir():
            raise BadRequest(f"{source}: a remote store is restored from an N-Quads/TriG dump, not from an "
                             "embedded store's backup directory")
        if not store().is_empty():
            raise Conflict("the remote store is not empty; restore into an empty one")
        fmt, stream, name = open_dump(source)
        with stream:
            store().raw.bulk_extend(parse(stream, fmt, base_iri=self.settings.base_iri, source_name=name))
        # a new version (bumped by every update on a remote store): an operation that changes nothing
        # (an empty INSERT DATA would do too, but Virtuoso refuses it as a syntax error)
        store().update(f"DROP SILENT GRAPH <{store().staging_prefix}restore-none>")
        store().publish_snapshot()
        return len(store())


Backend = EmbeddedBackend | RemoteBackend


def open_backend(settings: Settings) -> Backend:
    """The backend the settings name: a SPARQL 1.1 server (DRIEHOEK_STORE), else the embedded stores."""
    return RemoteBackend(settings) if settings.store else EmbeddedBackend(settings)
