"""The domain facade the CLI and the web share: load, validate, query, dump, back up.

Each method does the whole job for one user action — parse, run the SHACL gate with its context,
commit atomically with provenance, publish a snapshot — so the two front ends stay thin.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import re
import uuid
from datetime import datetime, timezone
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from . import formats, validation
from .config import Settings
from .errors import (BadRequest, DriehoekError, Forbidden, NotFound, PreconditionFailed, QueryTimeout,
                     StoreError, ValidationFailed)
from .iris import DCTERMS, DH, XSD, graph_iri_for_path, slugify
from .versions import VersionStore
from .store import (NESTED_FORMATS, Activity, CommitResult, GraphWrite, RawInput, parse, sha256_of,
                    storage_error)
from .store.backends import open_backend
from .store.layout import GraphLayout, withdrawn_graphs
from .store.view import View
from .tokens import Principal

Progress = Callable[[int], None]
CONTEXT = validation.CONTEXT_PREDICATES


@dataclass(frozen=True)
class Source:
    """One RDF input: a file on disk or bytes from a request."""

    name: str
    fmt: formats.Format
    path: Path | None = None
    data: bytes | None = None

    @classmethod
    def from_path(cls, path: Path, fmt: formats.Format | None = None) -> Source:
        """A file, its format from the suffix unless given; missing or empty files are refused."""
        if not path.is_file():
            raise BadRequest(f"{path}: no such file")
        if path.stat().st_size == 0:
            raise BadRequest(f"{path}: the file is empty")
        return cls(name=str(path), fmt=fmt or formats.rdf_by_path(path), path=path)

    def size(self) -> int:
        """Bytes on disk or in memory."""
        return self.path.stat().st_size if self.path else len(self.data or b"")

    def open(self) -> IO[bytes]:
        """A binary stream of the (decompressed) content."""
        if self.path is not None:
            if self.path.name.endswith(".gz"):
                return gzip.open(self.path, "rb")
            return open(self.path, "rb")
        return io.BytesIO(self.data or b"")

    def sha256(self) -> str:
        """SHA-256 of the bytes as given (compressed files hashed as stored)."""
        return sha256_of(self.path if self.path else (self.data or b""))


class _CountingReader(io.RawIOBase):
    """Wraps a binary stream and reports bytes read, for progress bars."""

    def __init__(self, inner: IO[bytes], progress: Progress | None) -> None:
        self.inner, self.progress = inner, progress

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.inner.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        chunk = self.inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        if self.progress and chunk:
            self.progress(len(chunk))
        return len(chunk)


@dataclass
class LoadOutcome:
    """What a load did: graphs written with their triple counts, and the gate's reports."""

    commit: CommitResult | None
    reports: list[validation.Report] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        """Warnings across all reports."""
        return sum(len(r.warnings) for r in self.reports)


_DOT_SEGMENT = re.compile(r"/\.\.?(?=[/?#]|$)")

# The child process of Driehoek._try_update: apply an update to a checkpoint, report a refusal on stdout.
_TRIAL_UPDATE = """
import json, resource, sys
from driehoek.sandbox import isolate_network
isolated = isolate_network()  # first, while single-threaded: no LOAD or SERVICE reaches any network
limit = int(sys.argv[3]) * 1024 * 1024
if limit > 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.setrecursionlimit(100_000)  # rdflib's parser recurses some 40 frames per bracket (at most 256 deep)
import pyoxigraph as ox
from driehoek.errors import BadRequest
from driehoek.sparql import inspect_update
update = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")

def engine_syntax(text):  # Oxigraph's own syntax error, for a text rdflib cannot read (only without network)
    try:
        ox.Store().update(text, base_iri=sys.argv[2])
    except SyntaxError:
        raise
    except Exception:
        pass

try:
    inspect_update(update, engine_syntax if isolated else None)
    store = ox.Store(sys.argv[1])
    store.update(update, base_iri=sys.argv[2])
    store.flush()
except BadRequest as err:
    print(json.dumps(["refused", err.message, err.details]))
    sys.exit(3)
except SyntaxError as err:
    print(json.dumps(["syntax", str(err.args[0]) if err.args else str(err)]))
    sys.exit(3)
except Exception as err:
    print(json.dumps(["failed", str(err)]))
    sys.exit(3)
"""


def bundled_sources() -> list[tuple[str, Path]]:
    """(graph-relative name, path) of the bundled ontology, schemes, shapes and data, load order."""
    root = Path(str(resources.files("driehoek")))
    found: list[tuple[str, Path]] = [("ontology", root / "ontology" / "driehoek.ttl"),
                                     ("shapes", root / "ontology" / "shapes.ttl")]
    found += [(f"schemes/{p.name}", p) for p in sorted((root / "ontology" / "schemes").glob("*.ttl"))]
    data = root / "data"
    # what a file points at must be loaded before it: organisations, then what relates them,
    # then cases (assessed by an organisation), then meetings (discussing cases) and the monitor
    # (and within organisations the register first: curated files refer to its organisations)
    order = ["organisations", "relations", "cases", "community", "monitor"]

    def rank(path: Path) -> tuple[int, bool, str]:
        top = path.relative_to(data).parts[0]
        return (order.index(top) if top in order else len(order), not path.name.startswith("roo."), str(path))

    files = [p for p in data.rglob("*") if p.is_file() and _is_rdf(p)]
    found += [(str(p.relative_to(data)), p) for p in sorted(files, key=rank)]
    return [(name, path) for name, path in found if path.is_file()]


def _is_rdf(path: Path) -> bool:
    try:
        formats.rdf_by_path(path)
        return True
    except formats.UnknownFormat:
        return False


class Driehoek:
    """driehoek's operations on one data directory."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.backend = open_backend(settings)  # a malformed DRIEHOEK_STORE fails here, clearly
        self.layout = GraphLayout(settings.base_iri)
        self._store: Any = None  # a SplitStore (embedded) or a RemoteStore

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def store(self) -> Any:
        """The writer's store, opened on first use (the embedded one takes the RocksDB lock; a
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

    # -- versions: every write keeps the previous version of the public graphs it changes -------

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

    # -- who may do what (DESIGN §4: roles and ownership) ----------------------------------------

    def system_graphs(self) -> tuple[str, ...]:
        """The ontology, shapes and schemes: loaded by `driehoek init`, read-only over HTTP."""
        base = self.settings.graph_base
        return (base + "ontology", base + "shapes")

    def is_system_graph(self, graph: str) -> bool:
        """True for the ontology, the shapes and the SKOS schemes."""
        return graph in self.system_graphs() or graph.startswith(self.settings.graph_base + "schemes/")

    def is_private(self, graph: ox.NamedNode | ox.DefaultGraph | str) -> bool:
        """True for graphs under {base}graph/private/."""
        value = graph if isinstance(graph, str) else graph.value if isinstance(graph, ox.NamedNode) else ""
        return self.layout.is_private(value)

    def owner_of(self, graph: ox.NamedNode) -> str | None:
        """The token that owns a private graph (None: no such graph)."""
        return self.store.owner(graph)  # type: ignore[no-any-return]

    def check_read(self, graph: ox.NamedNode | ox.DefaultGraph, principal: Principal | None) -> None:
        """404 for another steward's private graph (as if it did not exist); None is the command line."""
        if principal is None or principal.admin or not self.is_private(graph):
            return
        assert isinstance(graph, ox.NamedNode)
        owner = self.owner_of(graph)
        if owner != principal.name and (owner is not None or self.store.graph_exists(graph)):
            raise NotFound(f"no graph {graph.value}")  # another's, or one with no known owner: admins only

    def check_write(self, graph: ox.NamedNode | ox.DefaultGraph, principal: Principal | None) -> str | None:
        """Whether `principal` may write `graph` (403 or 404 otherwise); the owner a private graph gets."""
        if principal is None:
            return None
        value = graph.value if isinstance(graph, ox.NamedNode) else ""
        if value and self.is_system_graph(value):
            raise Forbidden(f"graph {value} is part of driehoek's model (ontology, shapes, schemes): it is "
                            "read-only over HTTP; change it in the repository and run `driehoek init`")
        if self.is_private(graph):
            self.check_read(graph, principal)
            assert isinstance(graph, ox.NamedNode)
            return self.owner_of(graph) or principal.name
        if not principal.may_write(value):
            raise Forbidden(f"token {principal.name!r} may write only graphs under "
                            + ", ".join(principal.scopes) + f"; not {value}")
        return None

    def visible_private_graphs(self, principal: Principal | None) -> list[str]:
        """The private graphs a writer may see: its own (all of them for an admin or the command line)."""
        if not hasattr(self.store, "private_graphs"):
            return []
        owner = None if principal is None or principal.admin else principal.name
        return self.store.private_graphs(owner)  # type: ignore[no-any-return]

    def default_graph_for(self, source_name: str) -> ox.NamedNode:
        """{base}graph/{file stem}: the graph a file goes to when none is given (never a reserved one:
        `load --trusted --replace meta.ttl` must not replace the metadata graph)."""
        stem = Path(source_name).name.split(".", 1)[0]
        slug = slugify(stem) or "upload"
        return self.graph_iri(self.settings.graph_base + slug)

    # -- the write path ------------------------------------------------------------------------

    def _context(self, exclude: set[str], private: Iterable[str] = ()) -> validation.ContextLookup | None:
        """What the gate may look up about the IRIs a write mentions: the public graphs, and of the
        private ones only those in `private` (a writer's own). An anonymous dry run learns nothing of
        private graphs, not even whether an IRI is typed in one."""
        if self._store is None and not self.backend.exists():
            return None  # a dry run without a store: no context, and no store created for it
        # withdrawn graphs are gone for the gate too (an anonymous dry run must not tell what they held)
        exclude = set(exclude) | set(self.withdrawn_graphs(self.store.raw))
        visible = [g for g in private if g not in exclude]

        def lookup(iri: ox.NamedNode) -> Iterator[ox.Quad]:
            # the store is looked up at call time, never captured: a traceback that keeps this
            # closure alive must not keep the RocksDB lock with it
            yield from self.store.context([iri], CONTEXT, exclude, visible)

        def many(iris: Iterable[ox.NamedNode]) -> list[ox.Quad]:  # one request for all, where that counts
            return self.store.context(iris, CONTEXT, exclude, visible)  # type: ignore[no-any-return]

        plain = {q.value for q in CONTEXT} | validation._direct_properties()
        # the metadata describes graphs, the system graphs the vocabulary: neither describes a resource
        skipped = set(exclude) | set(self.system_graphs())

        def described(iris: Iterable[ox.NamedNode]) -> set[ox.NamedNode]:
            # which of these nodes the same graphs describe with more than a type (a known case,
            # organisation, ...): a write that merely types one of those refers to it
            return self.store.described(iris, plain, skipped, visible)  # type: ignore[no-any-return]

        lookup.many = many  # type: ignore[attr-defined]
        lookup.described = described  # type: ignore[attr-defined]
        return lookup

    def _gate(self, quads: list[ox.Quad], exclude: set[str], source: str,
              private: Iterable[str] = ()) -> validation.Report:
        """Run the SHACL gate on quads with their context from the store: the public graphs minus
        `exclude`, plus the `private` graphs the writer may see (its own). pyshacl runs in the SHACL
        workers, within DRIEHOEK_VALIDATION_TIMEOUT and DRIEHOEK_VALIDATION_MEMORY."""
        if any(isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple) for q in quads):
            raise BadRequest(f"{source}: RDF-star quoted triples (<< ... >>) are not supported here; state the "
                             "triple itself, or describe it with a node of its own")
        return validation.validate(quads, self._context(exclude, private), source=source,
                                   pool=self.validation_pool())

    _shacl_pool: validation.ValidationPool | None = None  # started by the first gate, stopped by close()

    def validation_pool(self) -> validation.ValidationPool:
        """The SHACL worker processes (shacl_workers.py), shared by every write and dry run."""
        from .shacl_workers import ValidationPool, pool_size

        if self._shacl_pool is None:
            pool = ValidationPool(workers=pool_size(), timeout=self.settings.validation_timeout,
                                  memory_mib=self.settings.validation_memory)
            if self.__dict__.setdefault("_shacl_pool", pool) is not pool:  # another thread was first
                pool.close()
        assert self._shacl_pool is not None
        return self._shacl_pool

    def prepare(self, source: Source, target: ox.NamedNode | ox.DefaultGraph, *,
                validate: bool = True, progress: Progress | None = None, exclude: Iterable[str] = (),
                private: Iterable[str] | None = None) -> tuple[dict[str, list[ox.Quad]], validation.Report | None]:
        """Parse a source fully and run the gate; quads grouped by their graph IRI. `private`: the
        private graphs the gate may look into (None: all of them, for the command line)."""
        with source.open() as raw:
            stream = _CountingReader(raw, progress)
            by_graph: dict[str, list[ox.Quad]] = {}
            target_key = target.value if isinstance(target, ox.NamedNode) else ""
            data: IO[bytes] | bytes = io.BufferedReader(stream, 1 << 16)
            if source.fmt in NESTED_FORMATS:  # read whole, so parse() checks its nesting first
                data = data.read()
            for quad in parse(data, source.fmt, base_iri=self.settings.base_iri, source_name=source.name):
                graph = quad.graph_name
                key = graph.value if isinstance(graph, ox.NamedNode) else target_key
                by_graph.setdefault(key, []).append(quad)
        if not by_graph:
            raise BadRequest(f"{source.name}: contains no triples", source=source.name)
        report = None
        if validate:
            all_quads = [q for quads in by_graph.values() for q in quads]
            excluded = set(exclude) | set(by_graph)
            visible = self.visible_private_graphs(None) if private is None else private
            report = self._gate(all_quads, excluded, source.name, visible)
            if not report.conforms:
                raise ValidationFailed(
                    f"{source.name}: {len(report.violations)} SHACL violation(s); nothing was written",
                    report, source=source.name)
        return by_graph, report

    def load(self, sources: list[tuple[Source, ox.NamedNode | ox.DefaultGraph]], *, agent: str,
             mode: str = "create", operation: str = "load", validate: bool = True,
             progress: Progress | None = None, publish: bool = True) -> LoadOutcome:
        """Load sources into their graphs: all are validated first, then committed as one."""
        writes: list[GraphWrite] = []
        reports: list[validation.Report] = []
        names, digests = [], []
        targets = {t.value for _s, t in sources if isinstance(t, ox.NamedNode)}
        for source, target in sources:
            by_graph, report = self.prepare(source, target, validate=validate, progress=progress,
                                            exclude=targets if mode == "replace" else ())
            if report is not None:
                reports.append(report)
            for key, quads in by_graph.items():
                graph: ox.NamedNode | ox.DefaultGraph = (
                    self.graph_iri(key) if key else ox.DefaultGraph())
                writes.append(GraphWrite(graph, mode, quads))
            names.append(Path(source.name).name)
            digests.append(source.sha256())
        outcome = "skipped" if not validate else (
            "warnings" if any(r.warnings for r in reports) else "conforms")
        activity = Activity(operation, agent, ", ".join(names), ", ".join(digests), outcome)
        commit = self._commit(writes, activity)
        if mode == "merge":
            self.store.fix_merge_counts([w.graph for w in writes])
        if publish:
            self.store.publish_snapshot()
        return LoadOutcome(commit, reports)

    def load_trusted(self, source: Source, target: ox.NamedNode | ox.DefaultGraph, *, agent: str,
                     mode: str = "create", progress: Progress | None = None) -> LoadOutcome:
        """Stream a large trusted file into one graph with bounded memory; the gate is skipped."""
        with source.open() as raw:
            stream = io.BufferedReader(_CountingReader(raw, progress), 1 << 20)
            data: Iterable[ox.Quad] | RawInput
            if source.fmt.is_dataset:  # each quad is moved into the target graph, one by one
                data = parse(stream, source.fmt, base_iri=self.settings.base_iri, source_name=source.name)
            else:  # parsed and written by pyoxigraph's bulk loader (docs/benchmarks.md: 2.5x faster)
                direct = source.path is not None and progress is None and not source.path.name.endswith(".gz")
                data = RawInput(source.fmt, path=source.path if direct else None, stream=None if direct else stream,
                                base_iri=self.settings.base_iri, source_name=source.name)
            activity = Activity("bulk-load", agent, Path(source.name).name, source.sha256(), "skipped")
            commit = self._commit([GraphWrite(target, mode, data)], activity, bulk=True)
        self.store.publish_snapshot()
        return LoadOutcome(commit)

    def validate_sources(self, sources: list[Source], *, private: Iterable[str] | None = None) -> list[validation.Report]:
        """The gate as a dry run; nothing is written. Uses the store for context when one exists: the
        public graphs and the `private` ones given (None: all, for the command line; an anonymous
        request passes none, a steward its own)."""
        reports = []
        for source in sources:
            try:
                _q, report = self.prepare(source, ox.DefaultGraph(), validate=True,
                                          private=None if private is None else list(private))
            except ValidationFailed as err:
                report = err.report
            assert report is not None
            reports.append(report)
        return reports

    def init(self, *, agent: str = "driehoek init", progress: Callable[[str], None] | None = None) -> int:
        """Load the bundled ontology, shapes, schemes and data into an empty store; 0 if not empty."""
        if not self.store.is_empty():
            if not self.backend.published_ready():
                self.store.publish_snapshot()
            return 0
        sources = []
        for relative, path in bundled_sources():
            graph = ox.NamedNode(graph_iri_for_path(self.settings.base_iri, relative))
            sources.append((Source.from_path(path), graph))
        loaded = 0
        # one commit per source keeps memory low; each is atomic; a failure stops the init loudly
        for source, graph in sources:
            if progress:
                progress(source.name)
            result = self.load([(source, graph)], agent=agent, operation="init", publish=False)
            loaded += sum(result.commit.graphs.values()) if result.commit else 0
        self.store.publish_snapshot()
        return loaded

    # -- the stewards' write path (Graph Store Protocol, Update, withdrawal) -------------------

    def check_precondition(self, graph: ox.NamedNode | ox.DefaultGraph, if_match: str | None,
                           if_none_match: str | None = None) -> None:
        """If-Match / If-None-Match against the graph's current ETag (412 when they do not hold)."""
        exists = self.store.graph_exists(graph) and (
            isinstance(graph, ox.DefaultGraph) or self.store.etag(graph) != "" or self.store.triple_count(graph) > 0)
        current = self.store.etag(graph)
        if if_match is not None:
            wanted = [t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")]
            if not exists or ("*" not in wanted and current not in wanted):
                raise PreconditionFailed(
                    f"the graph has changed since you read it (its ETag is now \"{current}\"); "
                    "read it again and reapply your change", etag=current)
        if if_none_match is not None and exists:
            wanted = [t.strip().removeprefix("W/").strip('"') for t in if_none_match.split(",")]
            if "*" in wanted or current in wanted:
                raise PreconditionFailed("the graph already exists (If-None-Match)", etag=current)

    def write_graph(self, graph: ox.NamedNode | ox.DefaultGraph, source: Source, *, mode: str, agent: str,
                    operation: str, if_match: str | None = None, if_none_match: str | None = None,
                    principal: Principal | None = None) -> tuple[bool, LoadOutcome]:
        """PUT (mode=replace) or POST (mode=merge) one graph through the gate; (created, outcome).
        `principal`: the token writing (None: the command line, which may write anything)."""
        with self.store.lock():
            owner = self.check_write(graph, principal)
            self.check_precondition(graph, if_match, if_none_match)
            created = not self.store.graph_exists(graph) or (
                isinstance(graph, ox.NamedNode) and self.store.triple_count(graph) == 0
                and self.store.etag(graph) == "")
            by_graph, report = self.prepare(source, graph, validate=False)
            if set(by_graph) - {graph.value if isinstance(graph, ox.NamedNode) else ""}:
                raise BadRequest("a Graph Store request writes one graph: send triples (Turtle, N-Triples, "
                                 "JSON-LD, RDF/XML), or TriG/N-Quads to /graph-store without ?graph")
            quads = [q for qs in by_graph.values() for q in qs]
            check = quads
            if mode == "merge":
                check = quads + list(self.store.quads(graph))
            key = graph.value if isinstance(graph, ox.NamedNode) else ""
            report = self._gate(check, {key}, source.name, self.visible_private_graphs(principal))
            if not report.conforms:
                raise ValidationFailed(f"{source.name}: {len(report.violations)} SHACL violation(s); "
                                       "nothing was written", report)
            activity = Activity(operation, agent, source.name, source.sha256(), report.outcome)
            commit = self._commit([GraphWrite(graph, mode, quads, owner=owner)], activity)
            if mode == "merge":
                self.store.fix_merge_counts([graph])
            self.store.publish_snapshot()
        return created, LoadOutcome(commit, [report])

    def write_dataset(self, source: Source, *, agent: str, operation: str,
                      principal: Principal | None = None) -> LoadOutcome:
        """PUT a TriG/N-Quads body: each named graph in it is replaced, all at once, through the gate.
        A dataset-wide operation: it needs an admin token."""
        if principal is not None and not principal.admin:
            raise Forbidden("a Graph Store request without ?graph writes the whole dataset: that needs an admin "
                            "token; write each graph with ?graph=IRI instead")
        with self.store.lock():
            by_graph, _ = self.prepare(source, ox.DefaultGraph(), validate=False)
            writes, reports = [], []
            for key, quads in by_graph.items():
                graph: ox.NamedNode | ox.DefaultGraph = self.graph_iri(key) if key else ox.DefaultGraph()
                owner = self.check_write(graph, principal)
                report = self._gate(quads, set(by_graph), f"{source.name} <{key}>",
                                    self.visible_private_graphs(principal))
                if not report.conforms:
                    raise ValidationFailed(f"graph <{key or 'DEFAULT'}>: {len(report.violations)} SHACL "
                                           "violation(s); nothing was written", report)
                reports.append(report)
                writes.append(GraphWrite(graph, "replace", quads, owner=owner))
            outcome = "warnings" if any(r.warnings for r in reports) else "conforms"
            commit = self._commit(writes, Activity(operation, agent, source.name, source.sha256(), outcome))
            self.store.publish_snapshot()
        return LoadOutcome(commit, reports)

    def delete_graph(self, graph: ox.NamedNode | ox.DefaultGraph, *, agent: str,
                     if_match: str | None = None, principal: Principal | None = None) -> CommitResult:
        """DELETE one graph (404 if there is none, or if it is another steward's private graph)."""
        with self.store.lock():
            self.check_write(graph, principal)
            if isinstance(graph, ox.NamedNode) and not self.store.graph_exists(graph):
                raise NotFound(f"no graph {graph.value}")
            self.check_precondition(graph, if_match)
            commit = self._commit([GraphWrite(graph, "delete")], Activity("delete", agent, validation="skipped"))
            self.store.publish_snapshot()
        return commit

    def run_update(self, sparql: str, *, agent: str, principal: Principal | None = None) -> LoadOutcome:
        """A SPARQL Update, tried on a copy first; the graphs it changes pass the gate, then land.
        The copy holds the public graphs and the private graphs `principal` may see (its own), so an
        update can neither read nor change another steward's; every graph it changes is checked
        against the principal's rights (system graphs are read-only, scopes hold)."""
        from .sparql import check_update

        check_update(sparql)
        analysis = self.analyse_update(sparql)
        targets, wide, checked = set(analysis.targets), list(analysis.wide), analysis.error is None
        if analysis.error is None and validation.ALL_GRAPHS in targets and not wide:
            wide = ["a template writing GRAPH ?g (any graph)"]
        if wide and principal is not None and not principal.admin:
            raise Forbidden(f"{', '.join(wide)} acts on the whole dataset: that needs an admin token "
                            "(`driehoek token add NAME --admin`); name the graphs to change instead",
                            operations=wide)
        visible = self.visible_private_graphs(principal)
        with self.store.lock():
            trial_dir = self.settings.data_dir / "trial" / uuid.uuid4().hex
            trial: ox.Store | None = None
            try:
                try:
                    trial_dir.parent.mkdir(parents=True, exist_ok=True)
                except OSError as err:
                    raise storage_error(err, "nothing was written") from err
                self.store.trial_copy(trial_dir, sparql, targets, private_graphs=visible, mentioned=analysis.mentioned)
                self._try_update(trial_dir, sparql)
                if not checked and principal is not None and not principal.admin:
                    raise BadRequest("driehoek's update parser cannot read this update (syntax beyond SPARQL "
                                     "1.1?), so it cannot check what it does; write it in SPARQL 1.1")
                trial = ox.Store(str(trial_dir))
                writes, reports = self._update_writes(trial, targets, principal, visible)
                outcome = "warnings" if any(r.warnings for r in reports) else "conforms"
                digest = hashlib.sha256(sparql.encode()).hexdigest()
                commit = self._commit(writes, Activity("update", agent, "SPARQL Update", digest, outcome))
            finally:
                trial = None
                shutil.rmtree(trial_dir, ignore_errors=True)
            self.store.publish_snapshot()
        return LoadOutcome(commit, reports)

    def analyse_update(self, sparql: str) -> validation.UpdateAnalysis:
        """What an update may touch (graphs, dataset-wide operations, IRIs), read by rdflib's parser in a
        validation worker: about a millisecond per triple, under DRIEHOEK_VALIDATION_TIMEOUT and
        DRIEHOEK_VALIDATION_MEMORY, never in a server thread."""
        from .errors import PayloadTooLarge, ValidationTimeout
        from .shacl_workers import ValidationJob

        job = ValidationJob(b"", b"", "update", update=sparql, base_iri=self.settings.base_iri)
        try:
            (analysis,) = self.validation_pool().run([job])
        except ValidationTimeout as err:
            raise QueryTimeout(f"reading the update took longer than {self.settings.validation_timeout:g} s "
                               "(DRIEHOEK_VALIDATION_TIMEOUT); nothing was written. Send large data with the "
                               "Graph Store Protocol (PUT/POST /graph-store) instead",
                               timeout_seconds=self.settings.validation_timeout) from err
        except PayloadTooLarge as err:
            raise PayloadTooLarge("the update is too large to read within DRIEHOEK_VALIDATION_MEMORY; nothing was "
                                  "written. Send large data with the Graph Store Protocol instead") from err
        assert isinstance(analysis, validation.UpdateAnalysis)
        return analysis

    def _try_update(self, trial_dir: Path, sparql: str) -> None:
        """Run an update on the checkpoint in `trial_dir` in a child process, under the query time
        limit and memory cap: Oxigraph cannot cancel an update, and its parser and planner recurse (a
        long enough chain of UNIONs or ||s overflows the stack and kills the process running it). The
        child has no network (sandbox.isolate_network) and refuses LOAD and SERVICE by the parser's
        check (sparql.inspect_update) before it runs anything."""
        import logging
        import subprocess
        import sys

        from .store import syntax_error

        limit = self.settings.query_timeout
        args = [sys.executable, "-c", _TRIAL_UPDATE, str(trial_dir), self.settings.base_iri,
                str(self.settings.query_memory)]
        try:
            done = subprocess.run(args, input=sparql.encode("utf-8", "surrogatepass"), capture_output=True,
                                  timeout=limit)
        except subprocess.TimeoutExpired as err:
            raise QueryTimeout(f"the update was stopped after its time limit of {limit:g} s (DRIEHOEK_QUERY_TIMEOUT); "
                               "narrow its WHERE clause down and try again", timeout_seconds=limit) from err
        if done.stderr and not getattr(self, "_trial_stderr_logged", False):
            # e.g. sandbox's warning that the kernel allows no network isolation: said once per server
            logging.getLogger(__name__).warning("the trial update process said: %s",
                                                done.stderr.decode("utf-8", "replace").strip()[-2000:])
            self._trial_stderr_logged = True
        if done.returncode == 3:  # the update was refused: a message for the client
            kind, message, *rest = json.loads(done.stdout)
            if kind == "refused":  # the parser's check: LOAD, SERVICE, or a text it cannot read
                raise BadRequest(message, **(rest[0] if rest else {}))
            if kind == "syntax":
                raise syntax_error(SyntaxError(message), "update")
            if "No space left on device" in message:
                raise storage_error(message, "nothing was written")
            raise BadRequest(f"update failed: {message}")
        if done.returncode != 0:
            how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit code {done.returncode}"
            raise BadRequest(f"the update could not be tried: the process running it stopped ({how}); it is "
                             f"too long or complex to parse, or needs more than {self.settings.query_memory} MiB; "
                             "split it into smaller updates")

    def _update_writes(self, trial: ox.Store, targets: set[str], principal: Principal | None = None,
                       visible: Iterable[str] = ()) -> tuple[list[GraphWrite], list[validation.Report]]:
        """Compare the trial with the live store for the targeted graphs; validate the changed ones.
        Private graphs the writer may not see were never in the trial and are not compared."""
        seen = set(visible)
        if validation.ALL_GRAPHS in targets:
            names = {g.value for g in trial.named_graphs() if isinstance(g, ox.NamedNode)}
            names |= {g for g in self.store.named_graphs() if not self.is_private(g) or g in seen}
            names |= {validation.DEFAULT}
        else:
            names = set(targets)
        writes, reports = [], []
        for name in sorted(names):
            graph: ox.NamedNode | ox.DefaultGraph = ox.NamedNode(name) if name else ox.DefaultGraph()
            if isinstance(graph, ox.NamedNode) and (
                    name == self.store.meta_graph.value or name.startswith(self.store.staging_prefix)
                    or name in (self.store.provenance_graph.value, self.settings.graph_base + "pending")):
                if validation.ALL_GRAPHS in targets:
                    continue
                raise Forbidden(f"graph {name} is reserved for driehoek itself")
            after = set(trial.quads_for_pattern(None, None, None, graph))
            # a private graph the writer may not see was never in the trial: to it, it is empty (a DROP
            # SILENT of one must not tell whether it exists)
            hidden = self.is_private(graph) and name not in seen and principal is not None and not principal.admin
            before = set() if hidden else set(self.store.quads(graph))
            if after == before:
                continue
            if isinstance(graph, ox.NamedNode):
                self.graph_iri(name)  # 403 outside the writable namespaces
            owner = self.check_write(graph, principal)  # 403 system graphs and scopes, 404 others' private graphs
            if not after:
                writes.append(GraphWrite(graph, "delete"))
                continue
            report = self._gate(list(after), {name}, f"update of <{name or 'DEFAULT'}>", seen)
            if not report.conforms:
                raise ValidationFailed(f"the update leaves <{name or 'DEFAULT'}> with "
                                       f"{len(report.violations)} SHACL violation(s); nothing was written", report)
            reports.append(report)
            writes.append(GraphWrite(graph, "replace", list(after), owner=owner))
        return writes, reports

    def withdraw(self, graph: ox.NamedNode, *, reason: str, agent: str,
                 principal: Principal | None = None) -> CommitResult:
        """Withdraw a graph (a case): it leaves listings and every read path of anonymous readers
        (snapshots no longer hold it); its resources answer 410 Gone with who, when and why. The data
        is kept for the record, and stewards still read it through the Graph Store."""
        if not reason.strip():
            raise BadRequest("a withdrawal needs a reason")
        with self.store.lock():
            self.check_write(graph, principal)
            if not self.store.graph_exists(graph):
                raise NotFound(f"no graph {graph.value}")
            meta = str(self.store.meta_for(graph))
            now = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
            reason_literal = str(ox.Literal(reason))
            agent_literal = str(ox.Literal(agent))
            self.store.update_for(graph,
                f"INSERT DATA {{ GRAPH {meta} {{ {graph} <{DH}withdrawn> true ; "
                f"<{DH}withdrawalReason> {reason_literal} ; <{DH}withdrawnAt> \"{now}\"^^<{XSD}dateTime> ; "
                f"<{DH}withdrawnBy> {agent_literal} }} }}")
            commit = self._commit([], Activity("withdraw", agent, graph.value, validation="skipped"))
            self.store.publish_snapshot()
        return commit

    def withdrawn_graphs(self, store: ox.Store | None = None) -> list[str]:
        """Graphs withdrawn so far (from the metadata of the snapshot, or of `store`)."""
        return withdrawn_graphs(store if store is not None else self.snapshot(), self.layout.meta)

    # -- reading -------------------------------------------------------------------------------

    def snapshot(self) -> ox.Store:
        """The newest published snapshot, read-only (on a remote store: a view of its public graphs,
        which answers the same calls)."""
        return self.backend.snapshot(lambda: self.store)  # type: ignore[no-any-return]

    def view(self) -> View:
        """What readers see now, as one read-only View (with its withdrawn graphs)."""
        key, reader = self.published()
        return View(reader, key, self.layout)

    @property
    def reader(self) -> Any:
        """The embedded store's snapshot reader (tests and tools that look at snapshot files)."""
        return getattr(self.backend, "reader", None)

    def published(self) -> tuple[str, ox.Store]:
        """(key, store) of what readers see now; the key names that state for caches and ETags."""
        return self.backend.published(lambda: self.store)

    def health(self) -> dict[str, Any]:
        """Status, triple count and snapshot age, from the snapshot readers see."""
        return self.backend.health(lambda: self.store)

    def query_runner(self) -> Any:
        """What runs user queries (/sparql): worker processes on the snapshots, or the server itself."""
        return self.backend.query_runner(self.snapshot)

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


__all__ = ["Driehoek", "LoadOutcome", "Source", "bundled_sources", "DriehoekError"]
