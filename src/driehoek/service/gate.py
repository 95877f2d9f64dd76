"""The write path through the SHACL gate: its context from the store, loads, dry runs, init."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from .. import validation
from ..errors import (BadRequest, ValidationFailed)
from ..iris import graph_iri_for_path
from ..store import (NESTED_FORMATS, Activity, GraphWrite, RawInput, parse)

CONTEXT = validation.CONTEXT_PREDICATES
from .sources import LoadOutcome, Progress, Source, _CountingReader, bundled_sources

CONTEXT = validation.CONTEXT_PREDICATES


class Gate:
    """The write path through the SHACL gate: its context from the store, loads, dry runs, init."""

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
        from ..shacl_workers import ValidationPool, pool_size

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
