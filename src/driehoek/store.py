"""The only module that touches pyoxigraph's Store: open, write a graph atomically, query, dump,
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

import errno
import hashlib
import itertools
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from . import formats
from .errors import BadRequest, Conflict, InsufficientStorage, StoreError, SyntaxErrorInInput
from .iris import DCTERMS, DH, PROV, RDF_TYPE, XSD

log = logging.getLogger(__name__)

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
GraphName = ox.NamedNode | ox.DefaultGraph

SNAPSHOTS_KEPT = 3  # besides any still young enough to have a query running on them


@dataclass(frozen=True)
class Activity:
    """Who writes what, from where: becomes a prov:Activity in the metadata graph."""

    operation: str  # load, put, post, delete, update, withdraw, init
    agent: str  # token name, or "cli:<user>"
    source_name: str = ""
    sha256: str = ""
    validation: str = "skipped"  # conforms | warnings | skipped
    id: str = field(default_factory=lambda: f"urn:uuid:{uuid.uuid4()}")
    # (case IRI, status before or "" for a new case, status after or "" for a removed one): the steps of
    # the draft -> reviewed -> published flow this write makes, recorded with the activity (who, when)
    status_changes: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class RawInput:
    """A serialised graph for pyoxigraph's bulk loader, which parses and writes it in Rust: a
    trusted bulk load never turns its millions of triples into Python objects one by one."""

    fmt: formats.Format  # a graph format (the triples all go into the graph written)
    path: Path | None = None  # read by pyoxigraph itself (fastest) ...
    stream: IO[bytes] | None = None  # ... or through Python (gzip, progress bars)
    base_iri: str | None = None
    source_name: str = "input"


@dataclass
class GraphWrite:
    """One graph's part of a commit: replace, merge into, or delete a graph."""

    graph: GraphName
    mode: str  # "create" (must not exist), "replace", "merge", "delete"
    quads: Iterable[ox.Quad] | RawInput = ()
    staged: ox.NamedNode | None = None
    triples: int = 0
    owner: str | None = None  # a private graph's owner (a token name), recorded with the graph


@dataclass(frozen=True)
class GraphInfo:
    """What the metadata graph knows about one named graph."""

    iri: str
    triples: int
    modified: str
    etag: str
    withdrawn: bool = False


@dataclass(frozen=True)
class CommitResult:
    """The outcome of one atomic write."""

    activity: str
    graphs: dict[str, int]  # graph IRI -> triple count after the write
    etags: dict[str, str]


def parse(
    source: bytes | str | IO[bytes] | Path,
    fmt: formats.Format,
    *,
    base_iri: str | None = None,
    source_name: str = "input",
) -> Iterator[ox.Quad]:
    """Parse RDF lazily; a syntax error becomes SyntaxErrorInInput naming source, line and column."""
    if fmt.rdf is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    # blank nodes get fresh ids: `_:b0` in two uploads (or in an upload and the store) are different nodes
    kwargs: dict[str, Any] = {"format": fmt.rdf, "base_iri": base_iri, "rename_blank_nodes": True}
    if isinstance(source, Path):
        kwargs["path"] = str(source)
    else:
        kwargs["input"] = source
    if isinstance(source, (bytes, str)):
        check_input(source.encode() if isinstance(source, str) else source, fmt, source_name)
    # JSON-LD: never let a document make us fetch a remote @context
    try:
        iterator = ox.parse(**kwargs)
        while True:
            try:
                quad = next(iterator)
            except StopIteration:
                return
            if isinstance(quad.subject, ox.Triple) or isinstance(quad.object, ox.Triple):
                raise SyntaxErrorInInput(f"{source_name}: RDF-star quoted triples (<< ... >>) are not supported "
                                         "here; state the triple itself, or describe it with a node of its own",
                                         source=source_name)
            yield quad
    except SyntaxError as err:
        raise syntax_error(err, source_name) from err
    except (UnicodeDecodeError, ValueError) as err:
        raise SyntaxErrorInInput(f"{source_name}: {err}", source=source_name) from err
    except OSError as err:
        # pyoxigraph reports e.g. a JSON-LD remote context it refuses to load as OSError
        raise SyntaxErrorInInput(f"{source_name}: {err}", source=source_name) from err
    except MemoryError as err:
        raise token_too_large(err, source_name) from err


def token_too_large(err: MemoryError, source_name: str) -> Exception:
    """pyoxigraph holds one token (a literal, an IRI) in a buffer of at most 16 MiB: "Reached the
    buffer maximal size of 16777216" is the input's fault (413); any other MemoryError is the machine's."""
    if "buffer maximal size" not in str(err):
        return err
    from .errors import PayloadTooLarge

    return PayloadTooLarge(f"{source_name}: a single literal or IRI may be at most 16 MiB (16777216 bytes); "
                           "this input has a longer one. Split the value, or link to it instead",
                           source=source_name, limit=16777216)


# Parsers recurse. pyoxigraph's JSON-LD parser overflows the stack at ~4,000 levels of nesting on an
# 8 MiB thread stack (~1,000 on 2 MiB), which kills the whole process; its RDF/XML parser slows down
# quadratically with element depth (40,000 levels: 30 s). Real documents nest a few dozen levels.
MAX_NESTING = 256
# RDF/XML may declare internal entities; nested ones expand exponentially ("billion laughs").
MAX_ENTITY_EXPANSION = 32 * 1024 * 1024  # bytes of entity text a document may expand to
NESTED_FORMATS = (formats.JSONLD, formats.RDFXML)  # what check_input looks at (parsed from bytes)

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 / -1 as signed bytes
# Comments, CDATA and processing instructions (up to the end of the input when unterminated, so a
# scan stays linear), or a tag: (closing slash, first letter, self-closing slash).
_XML_TOKEN = re.compile(rb"<!--(?:.*?-->|.*)|<!\[CDATA\[(?:.*?\]\]>|.*)|<\?(?:.*?\?>|.*)"
                        rb"|<(/?)([^\s/>!?<])[^<>]*?(/?)>", re.DOTALL)
_ENTITY_DECL = re.compile(rb"""<!ENTITY\s+([^\s%>]+)\s+(?:"([^"]*)"|'([^']*)')""")
_ENTITY_REF = re.compile(rb"&([^\s&;#<>\"']+);")


def check_input(data: bytes, fmt: formats.Format, source_name: str = "input") -> None:
    """Refuse a JSON-LD or RDF/XML document that would make its parser exhaust the stack, the CPU or
    the memory: nested deeper than MAX_NESTING, or with XML entities expanding past
    MAX_ENTITY_EXPANSION. Cheap: a document with few brackets or tags is not scanned at all."""
    if fmt is formats.JSONLD and data.count(b"[") + data.count(b"{") > MAX_NESTING:
        steps = _JSON_STRING.sub(b"", data).translate(_BRACKET_STEP, _NOT_BRACKET)
        depth = max(itertools.accumulate(memoryview(steps).cast("b")), default=0)
    elif fmt is formats.RDFXML:
        if b"<!ENTITY" in data and _entity_expansion(data) > MAX_ENTITY_EXPANSION:
            raise BadRequest(f"{source_name}: its XML entities expand to more than {MAX_ENTITY_EXPANSION} "
                             "bytes; write the values out instead", source=source_name)
        if data.count(b"<") <= MAX_NESTING:
            return
        steps = (-1 if close else 0 if empty else 1 for close, name, empty in _XML_TOKEN.findall(data) if name)
        depth = max(itertools.accumulate(steps), default=0)
    else:
        return
    if depth > MAX_NESTING:
        raise BadRequest(f"{source_name}: nested {depth} levels deep; driehoek reads at most {MAX_NESTING}",
                         source=source_name, limit=MAX_NESTING)


def _entity_expansion(data: bytes) -> float:
    """How many bytes the entity references in an XML document expand to (inf for a cycle)."""
    values = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ENTITY_DECL.finditer(data)}
    sizes: dict[bytes, float] = {}

    def size(name: bytes, seen: frozenset[bytes]) -> float:
        if name not in sizes:
            if name in seen:
                return float("inf")
            value = values[name]
            sizes[name] = len(value) + sum(size(ref.group(1), seen | {name}) - len(ref.group())
                                           for ref in _ENTITY_REF.finditer(value) if ref.group(1) in values)
        return sizes[name]

    try:
        return sum(size(ref.group(1), frozenset()) for ref in _ENTITY_REF.finditer(data) if ref.group(1) in values)
    except RecursionError:  # a chain of thousands of entities
        return float("inf")


def storage_error(err: OSError | str, what: str) -> StoreError:
    """A failed disk write as a typed error (507 when the disk is full, never a traceback); `what`
    says what became of the request, e.g. "nothing was written"."""
    text = str(err)
    if (isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)) or \
            "No space left on device" in text or "Disk quota exceeded" in text:
        return InsufficientStorage(f"the disk holding the store is full; {what}. Free some space and try "
                                   "again (reads go on meanwhile)", reason="disk full")
    return StoreError(f"the store could not write to disk ({text}); {what}")


def syntax_error(err: SyntaxError, source_name: str) -> SyntaxErrorInInput:
    """A pyoxigraph SyntaxError as our typed error, with line and column when it gives them."""
    message = str(err.args[0]) if err.args else str(err)
    details: dict[str, Any] = {"source": source_name}
    position = err.args[1] if len(err.args) > 1 and isinstance(err.args[1], tuple) else None
    in_text = re.search(r"(?:error at|line) (\d+)[:, ]+(?:column )?(\d+)", message)
    if position and len(position) >= 3 and position[1] is not None:
        details["line"], details["column"] = position[1], position[2]
    elif err.lineno is not None:
        details["line"], details["column"] = err.lineno, err.offset
    elif in_text:  # SPARQL errors carry the position in the text only: "error at 2:16: ..."
        details["line"], details["column"] = int(in_text.group(1)), int(in_text.group(2))
    where = f":{details['line']}:{details['column']}" if "line" in details else ""
    return SyntaxErrorInInput(f"{source_name}{where}: {message}", **details)


def _lit(value: Any, datatype: str | None = None) -> ox.Literal:
    if datatype:
        return ox.Literal(str(value), datatype=ox.NamedNode(datatype))
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    return ox.Literal(str(value))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sparql_term(term: Term | ox.DefaultGraph) -> str:
    return str(term)


class EmbeddedStore:
    """The embedded pyoxigraph store on disk, owned by exactly one process (the writer)."""

    def __init__(self, data_dir: Path, base_iri: str, *, directory: str = "store",
                 keeps_provenance: bool = True) -> None:
        self.data_dir = Path(data_dir)
        # False on the public store of a SplitStore: agent names go to the private store instead
        self.keeps_provenance = keeps_provenance
        self.base_iri = base_iri
        self.graph_base = base_iri + "graph/"
        self.meta_graph = ox.NamedNode(self.graph_base + "meta")
        self.private_prefix = self.graph_base + "private/"
        self.provenance_graph = ox.NamedNode(self.private_prefix + "provenance")
        # the records of private graphs, on a backend that cannot scrub them from what readers see
        self.private_meta_graph = ox.NamedNode(self.private_prefix + "meta")
        self.staging_prefix = self.graph_base + "staging/"
        # writes prepared here that wait for the public store's commit (SplitStore's two-phase commit)
        self.pending_graph = ox.NamedNode(self.graph_base + "pending")
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

    # -- housekeeping -------------------------------------------------------------------------

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

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for the few domain modules that query the live state."""
        return self._store

    def is_empty(self) -> bool:
        """True when nothing but metadata has ever been written."""
        return not any(True for _ in self._store.quads_for_pattern(None, None, None, None))

    def __len__(self) -> int:
        return len(self._store)

    # -- writing ------------------------------------------------------------------------------

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

    def _staged(self, writes: list[GraphWrite], then: Callable[[list[ox.NamedNode]], None], *, bulk: bool = False,
                progress: Callable[[int], None] | None = None) -> None:
        """Stage every write into a staging graph of its own, check that the ones that create a graph
        may, then call `then` with the staging graphs; on any failure drop what was staged."""
        staged: list[ox.NamedNode] = []
        try:
            for write in writes:
                if write.mode == "delete":
                    continue
                write.staged = ox.NamedNode(self.staging_prefix + uuid.uuid4().hex)
                staged.append(write.staged)
                write.triples = self._stage(write.staged, write.quads, bulk=bulk, progress=progress)
            for write in writes:
                if write.mode == "create" and self.graph_exists(write.graph):
                    raise Conflict(f"graph {_name(write.graph)} already exists; replace it "
                                   "explicitly (--replace, or PUT)", graph=_name(write.graph))
            then(staged)
        except BaseException as err:
            for graph in staged:
                try:
                    self._store.remove_graph(graph)
                except OSError:  # disk full: `open` drops leftover staging graphs
                    log.warning("could not drop %s now; it goes when the store next opens", graph.value)
            if isinstance(err, OSError):
                raise self._failed(err, "nothing was written") from err
            raise

    # -- the private side of a two-phase commit (SplitStore) ------------------------------------

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

    # -- reading the live store (writer side) ---------------------------------------------------

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

    def quads(self, graph: GraphName | None = None) -> Iterator[ox.Quad]:
        """All quads, or one graph's."""
        return self._store.quads_for_pattern(None, None, None, graph)

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

    # -- dump, backup, snapshots ----------------------------------------------------------------

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


def _name(graph: GraphName) -> str:
    return graph.value if isinstance(graph, ox.NamedNode) else "DEFAULT"


def _graph_subject(graph: GraphName, graph_base: str) -> str:
    """The metadata subject standing for a graph; the default graph gets a fixed IRI."""
    if isinstance(graph, ox.NamedNode):
        return str(graph)
    return f"<{graph_base}default>"


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

    def quads(self, graph: GraphName | None = None) -> Iterator[ox.Quad]:
        """All quads of both stores, or one graph's."""
        if graph is None:
            return itertools.chain(self.public.quads(), self.private.quads())
        return self.for_graph(graph).quads(graph)

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs holding data, in both stores."""
        return sorted({*self.public.named_graphs(), *(g for g in self.private.named_graphs()
                                                      if g not in (self.private.provenance_graph.value,
                                                                   self.private.pending_graph.value))})

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


def sha256_of(path_or_bytes: Path | bytes) -> str:
    """SHA-256 of a file (streamed) or of bytes."""
    digest = hashlib.sha256()
    if isinstance(path_or_bytes, bytes):
        digest.update(path_or_bytes)
    else:
        with open(path_or_bytes, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


__all__ = ["Activity", "CommitResult", "EmbeddedStore", "SplitStore", "GraphInfo", "GraphWrite", "RawInput", "SnapshotReader",
           "parse", "sha256_of", "RDF_TYPE"]
