"""The domain facade the CLI and the web share: load, validate, query, dump, back up.

Each method does the whole job for one user action — parse, run the SHACL gate with its context,
commit atomically with provenance, publish a snapshot — so the two front ends stay thin.
"""

from __future__ import annotations

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
from .errors import (BadRequest, Conflict, DriehoekError, Forbidden, NotFound, PreconditionFailed, QueryTimeout,
                     StoreError, ValidationFailed)
from .iris import DH, XSD, graph_iri_for_path, slugify
from .store import (NESTED_FORMATS, Activity, CommitResult, EmbeddedStore, GraphWrite, RawInput, SnapshotReader,
                    parse, sha256_of, storage_error)

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
limit = int(sys.argv[3]) * 1024 * 1024
if limit > 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import pyoxigraph as ox
store = ox.Store(sys.argv[1])
try:
    store.update(sys.stdin.buffer.read().decode("utf-8", "surrogatepass"), base_iri=sys.argv[2])
    store.flush()
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
    order = ["organisations", "relations", "cases", "community", "monitor"]

    def rank(path: Path) -> tuple[int, str]:
        top = path.relative_to(data).parts[0]
        return (order.index(top) if top in order else len(order), str(path))

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
        self.remote = bool(settings.store)
        if self.remote:
            from .remote import Endpoints

            Endpoints.from_settings(settings)  # a malformed DRIEHOEK_STORE fails here, clearly
        self._store: EmbeddedStore | None = None
        self.reader = SnapshotReader(settings.data_dir / "snapshots")

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def store(self) -> EmbeddedStore:
        """The writer's store, opened on first use (the embedded one takes the RocksDB lock; a
        remote one is reached per request)."""
        if self._store is None:
            if self.remote:
                from .remote import RemoteStore

                self._store = RemoteStore(self.settings)
            else:
                self._store = EmbeddedStore(self.settings.data_dir, self.settings.base_iri)
            # we hold the lock, so no update is being tried: a trial checkpoint here was left by a kill
            shutil.rmtree(self.settings.data_dir / "trial", ignore_errors=True)
        return self._store

    def close(self) -> None:
        """Release the store."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def graph_iri(self, value: str) -> ox.NamedNode:
        """Check that a graph IRI is one writes may name: under {base}graph/ or a configured prefix."""
        allowed = (self.settings.graph_base, *self.settings.graph_namespaces)
        if not value.startswith(allowed):
            raise Forbidden(f"graph {value} is outside the writable namespaces: " + ", ".join(allowed))
        if _DOT_SEGMENT.search(value):  # {base}graph/x/../private/y is private/y to anyone resolving it
            raise Forbidden(f"graph {value} has '.' or '..' segments; name it without them")
        if value.startswith((self.store.staging_prefix, self.store.meta_graph.value)) or value in (
                self.store.provenance_graph.value, self.store.private_meta_graph.value,
                self.settings.graph_base + "default"):
            raise Forbidden(f"graph {value} is reserved for driehoek itself")
        return ox.NamedNode(value)

    def default_graph_for(self, source_name: str) -> ox.NamedNode:
        """{base}graph/{file stem}: the graph a file goes to when none is given (never a reserved one:
        `load --trusted --replace meta.ttl` must not replace the metadata graph)."""
        stem = Path(source_name).name.split(".", 1)[0]
        slug = slugify(stem) or "upload"
        return self.graph_iri(self.settings.graph_base + slug)

    # -- the write path ------------------------------------------------------------------------

    def _context(self, exclude: set[str]) -> validation.ContextLookup | None:
        if self._store is None and not self.remote and not self.settings.store_dir.exists():
            return None  # a dry run without a store: no context, and no store created for it

        def lookup(iri: ox.NamedNode) -> Iterator[ox.Quad]:
            # the store is looked up at call time, never captured: a traceback that keeps this
            # closure alive must not keep the RocksDB lock with it
            for predicate in validation.CONTEXT_PREDICATES:
                for quad in self.store.raw.quads_for_pattern(iri, predicate, None, None):
                    graph = quad.graph_name
                    if isinstance(graph, ox.NamedNode) and graph.value in exclude:
                        continue
                    yield quad

        if self.remote:
            lookup.many = lambda iris: self.store.context(iris, CONTEXT, exclude)  # type: ignore[attr-defined]
        return lookup

    def _gate(self, quads: list[ox.Quad], exclude: set[str], source: str) -> validation.Report:
        """Run the SHACL gate on quads with their context from the store (minus `exclude` graphs)."""
        return validation.validate(quads, self._context(exclude), source=source)

    def prepare(self, source: Source, target: ox.NamedNode | ox.DefaultGraph, *,
                validate: bool = True, progress: Progress | None = None,
                exclude: Iterable[str] = ()) -> tuple[dict[str, list[ox.Quad]], validation.Report | None]:
        """Parse a source fully and run the gate; quads grouped by their graph IRI."""
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
            report = self._gate(all_quads, excluded, source.name)
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
        commit = self.store.commit(writes, activity)
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
            commit = self.store.commit([GraphWrite(target, mode, data)], activity, bulk=True)
        self.store.publish_snapshot()
        return LoadOutcome(commit)

    def validate_sources(self, sources: list[Source]) -> list[validation.Report]:
        """The gate as a dry run; nothing is written. Uses the store for context when one exists."""
        reports = []
        for source in sources:
            try:
                _q, report = self.prepare(source, ox.DefaultGraph(), validate=True)
            except ValidationFailed as err:
                report = err.report
            assert report is not None
            reports.append(report)
        return reports

    def init(self, *, agent: str = "driehoek init", progress: Callable[[str], None] | None = None) -> int:
        """Load the bundled ontology, shapes, schemes and data into an empty store; 0 if not empty."""
        if not self.store.is_empty():
            if not self.remote and self.reader.directory.current() is None:
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
                    operation: str, if_match: str | None = None,
                    if_none_match: str | None = None) -> tuple[bool, LoadOutcome]:
        """PUT (mode=replace) or POST (mode=merge) one graph through the gate; (created, outcome)."""
        with self.store.lock():
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
            report = self._gate(check, {key}, source.name)
            if not report.conforms:
                raise ValidationFailed(f"{source.name}: {len(report.violations)} SHACL violation(s); "
                                       "nothing was written", report)
            activity = Activity(operation, agent, source.name, source.sha256(), report.outcome)
            commit = self.store.commit([GraphWrite(graph, mode, quads)], activity)
            if mode == "merge":
                self.store.fix_merge_counts([graph])
            self.store.publish_snapshot()
        return created, LoadOutcome(commit, [report])

    def write_dataset(self, source: Source, *, agent: str, operation: str) -> LoadOutcome:
        """POST a TriG/N-Quads body: each named graph in it is replaced, all at once, through the gate."""
        with self.store.lock():
            by_graph, _ = self.prepare(source, ox.DefaultGraph(), validate=False)
            writes, reports = [], []
            for key, quads in by_graph.items():
                graph: ox.NamedNode | ox.DefaultGraph = self.graph_iri(key) if key else ox.DefaultGraph()
                report = self._gate(quads, set(by_graph), f"{source.name} <{key}>")
                if not report.conforms:
                    raise ValidationFailed(f"graph <{key or 'DEFAULT'}>: {len(report.violations)} SHACL "
                                           "violation(s); nothing was written", report)
                reports.append(report)
                writes.append(GraphWrite(graph, "replace", quads))
            outcome = "warnings" if any(r.warnings for r in reports) else "conforms"
            commit = self.store.commit(writes, Activity(operation, agent, source.name, source.sha256(), outcome))
            self.store.publish_snapshot()
        return LoadOutcome(commit, reports)

    def delete_graph(self, graph: ox.NamedNode | ox.DefaultGraph, *, agent: str,
                     if_match: str | None = None) -> CommitResult:
        """DELETE one graph (404 if there is none)."""
        with self.store.lock():
            if isinstance(graph, ox.NamedNode) and not self.store.graph_exists(graph):
                raise NotFound(f"no graph {graph.value}")
            self.check_precondition(graph, if_match)
            commit = self.store.commit([GraphWrite(graph, "delete")], Activity("delete", agent, validation="skipped"))
            self.store.publish_snapshot()
        return commit

    def run_update(self, sparql: str, *, agent: str) -> LoadOutcome:
        """A SPARQL Update, tried on a checkpoint first; the graphs it changes pass the gate, then land."""
        from .sparql import check_update

        check_update(sparql)
        try:
            targets = validation.update_targets(sparql, self.settings.base_iri)
        except ValueError:
            targets = {validation.ALL_GRAPHS}  # let Oxigraph's parser give the precise error below
        with self.store.lock():
            trial_dir = self.settings.data_dir / "trial" / uuid.uuid4().hex
            trial: ox.Store | None = None
            try:
                try:
                    trial_dir.parent.mkdir(parents=True, exist_ok=True)
                except OSError as err:
                    raise storage_error(err, "nothing was written") from err
                self.store.trial_copy(trial_dir, sparql, targets)
                self._try_update(trial_dir, sparql)
                trial = ox.Store(str(trial_dir))
                writes, reports = self._update_writes(trial, targets)
                outcome = "warnings" if any(r.warnings for r in reports) else "conforms"
                digest = hashlib.sha256(sparql.encode()).hexdigest()
                commit = self.store.commit(writes, Activity("update", agent, "SPARQL Update", digest, outcome))
            finally:
                trial = None
                shutil.rmtree(trial_dir, ignore_errors=True)
            self.store.publish_snapshot()
        return LoadOutcome(commit, reports)

    def _try_update(self, trial_dir: Path, sparql: str) -> None:
        """Run an update on the checkpoint in `trial_dir` in a child process, under the query time
        limit and memory cap: Oxigraph cannot cancel an update, and its parser and planner recurse (a
        long enough chain of UNIONs or ||s overflows the stack and kills the process running it)."""
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
        if done.returncode == 3:  # the update was refused: a message for the client
            kind, message = json.loads(done.stdout)
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

    def _update_writes(self, trial: ox.Store, targets: set[str]) -> tuple[list[GraphWrite], list[validation.Report]]:
        """Compare the trial with the live store for the targeted graphs; validate the changed ones."""
        if validation.ALL_GRAPHS in targets:
            names = {g.value for g in trial.named_graphs() if isinstance(g, ox.NamedNode)}
            names |= {g for g in self.store.named_graphs()}
            names |= {validation.DEFAULT}
        else:
            names = set(targets)
        writes, reports = [], []
        for name in sorted(names):
            graph: ox.NamedNode | ox.DefaultGraph = ox.NamedNode(name) if name else ox.DefaultGraph()
            if isinstance(graph, ox.NamedNode) and (
                    name == self.store.meta_graph.value or name.startswith(self.store.staging_prefix)
                    or name == self.store.provenance_graph.value):
                if validation.ALL_GRAPHS in targets:
                    continue
                raise Forbidden(f"graph {name} is reserved for driehoek itself")
            after = set(trial.quads_for_pattern(None, None, None, graph))
            before = set(self.store.quads(graph))
            if after == before:
                continue
            if isinstance(graph, ox.NamedNode):
                self.graph_iri(name)  # 403 outside the writable namespaces
            if not after:
                writes.append(GraphWrite(graph, "delete"))
                continue
            report = self._gate(list(after), {name}, f"update of <{name or 'DEFAULT'}>")
            if not report.conforms:
                raise ValidationFailed(f"the update leaves <{name or 'DEFAULT'}> with "
                                       f"{len(report.violations)} SHACL violation(s); nothing was written", report)
            reports.append(report)
            writes.append(GraphWrite(graph, "replace", list(after)))
        return writes, reports

    def withdraw(self, graph: ox.NamedNode, *, reason: str, agent: str) -> CommitResult:
        """Withdraw a graph (a case): it leaves listings and the default query graph; its
        resources answer 410 Gone with who, when and why. The data is kept for the record."""
        if not reason.strip():
            raise BadRequest("a withdrawal needs a reason")
        with self.store.lock():
            if not self.store.graph_exists(graph):
                raise NotFound(f"no graph {graph.value}")
            meta = str(self.store.meta_for(graph))
            now = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
            reason_literal = str(ox.Literal(reason))
            agent_literal = str(ox.Literal(agent))
            self.store.update(
                f"INSERT DATA {{ GRAPH {meta} {{ {graph} <{DH}withdrawn> true ; "
                f"<{DH}withdrawalReason> {reason_literal} ; <{DH}withdrawnAt> \"{now}\"^^<{XSD}dateTime> ; "
                f"<{DH}withdrawnBy> {agent_literal} }} }}")
            commit = self.store.commit([], Activity("withdraw", agent, graph.value, validation="skipped"))
            self.store.publish_snapshot()
        return commit

    def withdrawn_graphs(self, store: ox.Store | None = None) -> list[str]:
        """Graphs withdrawn so far (from the metadata of the snapshot, or of `store`)."""
        target = store or self.snapshot()
        meta = ox.NamedNode(self.settings.graph_base + "meta")
        return sorted(q.subject.value for q in target.quads_for_pattern(
            None, ox.NamedNode(DH + "withdrawn"), None, meta) if isinstance(q.subject, ox.NamedNode))

    # -- reading -------------------------------------------------------------------------------

    def snapshot(self) -> ox.Store:
        """The newest published snapshot, read-only (on a remote store: a view of its public graphs,
        which answers the same calls)."""
        if self.remote:
            return self.store.public_view()  # type: ignore[attr-defined, no-any-return]
        return self.reader.store()

    def published(self) -> tuple[str, ox.Store]:
        """(key, store) of what readers see now; the key names that state for caches and ETags."""
        if self.remote:
            view = self.store.public_view()  # type: ignore[attr-defined]
            return view.key, view
        before = None
        for _attempt in range(3):
            before = self.reader.directory.current()
            store = self.reader.store()
            if self.reader.path == before:
                break  # the store we hold is the snapshot `before` names: the ETag will not lie
        return (before.name if before is not None else ""), store

    def health(self) -> dict[str, Any]:
        """Status, triple count and snapshot age, from the snapshot readers see."""
        import time

        if self.remote:
            key, view = self.published()
            return {"status": "ok", "triples": len(view), "graphs": len(view.graph_names()),  # type: ignore[attr-defined]
                    "snapshot_age_seconds": round(time.time() - int(key) / 1e9, 3) if int(key) else None,
                    "store": "remote"}
        path = self.reader.directory.current()
        if path is None:
            return {"status": "starting", "triples": 0, "snapshot_age_seconds": None}
        store = self.reader.store()
        age = time.time() - int(path.name) / 1e9
        return {"status": "ok", "triples": len(store), "graphs": sum(1 for _ in store.named_graphs()),
                "snapshot_age_seconds": round(age, 3)}

    def dump(self, output: IO[bytes] | Path, fmt: formats.Format = formats.NQUADS,
             graph: str | None = None) -> None:
        """Dump everything (this is the stewards' full dump, private graphs included)."""
        node = ox.NamedNode(graph) if graph else None
        self.store.dump(output, fmt, node)

    def backup(self, target: Path) -> None:
        """A consistent backup directory; from the newest snapshot when the store is busy."""
        try:
            self.store.backup(target)
        except StoreError:
            if self.remote:
                raise  # its own message says what to do instead
            raise StoreError("the store is in use by a running server; stop it, or copy its newest "
                             f"snapshot in {self.settings.data_dir / 'snapshots'} (public graphs only)")

    def restore(self, source: Path, *, agent: str, progress: Progress | None = None) -> int:
        """Replace the whole store with a backup directory or a dump file (N-Quads / TriG)."""
        if self.remote:
            return self._restore_remote(source, progress)
        if self._store is not None:
            raise Conflict("close the store before restoring")
        target = self.settings.store_dir
        if target.exists() and any(target.iterdir()):
            raise Conflict(f"{target} is not empty; restore into a new data directory "
                           "(DRIEHOEK_DATA_DIR) or move the old store away first")
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
            self.store.publish_snapshot()
            return len(self.store)
        src = Source.from_path(source)
        if not src.fmt.is_dataset:
            raise BadRequest(f"{source}: restore takes a backup directory or an N-Quads/TriG dump")
        with src.open() as raw:
            stream = io.BufferedReader(_CountingReader(raw, progress), 1 << 20)
            quads = parse(stream, src.fmt, base_iri=self.settings.base_iri, source_name=src.name)
            self.store.raw.bulk_extend(quads)
        self.store.raw.flush()
        self.store.publish_snapshot()
        return len(self.store)

    def _restore_remote(self, source: Path, progress: Progress | None) -> int:
        """A dump file into an empty remote store (a backup directory is the embedded store's)."""
        if source.is_dir():
            raise BadRequest(f"{source}: a remote store is restored from an N-Quads/TriG dump, not from an "
                             "embedded store's backup directory")
        if not self.store.is_empty():
            raise Conflict("the remote store is not empty; restore into an empty one")
        src = Source.from_path(source)
        if not src.fmt.is_dataset:
            raise BadRequest(f"{source}: restore takes a backup directory or an N-Quads/TriG dump")
        with src.open() as raw:
            stream = io.BufferedReader(_CountingReader(raw, progress), 1 << 20)
            self.store.raw.bulk_extend(parse(stream, src.fmt, base_iri=self.settings.base_iri, source_name=src.name))
        self.store.update(f"INSERT DATA {{ GRAPH <{self.settings.graph_base}meta> {{ }} }}")  # a new version
        return len(self.store)


__all__ = ["Driehoek", "LoadOutcome", "Source", "bundled_sources", "DriehoekError"]
