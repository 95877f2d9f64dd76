"""driehoek on a SPARQL 1.1 server (DRIEHOEK_STORE): the same store interface as the embedded
store, spoken over the standard protocols, so that everything above store.py runs unchanged.

How the embedded store's guarantees carry over (docs/deploy.md says it for operators):

- Atomic writes. New quads go into a staging graph (Graph Store Protocol POST, or INSERT DATA where
  the engine has no graph store); then one SPARQL Update request moves them onto their target and
  records provenance. Engines run one update request as one transaction (Oxigraph, Fuseki, GraphDB),
  so a graph is old or new, also when driehoek is killed half-way; staging graphs left behind are
  dropped once they are an hour old.
- Private graphs. Readers never see the store as it is: every public query names its dataset with
  the protocol's `default-graph-uri` / `named-graph-uri`, listing the public graphs only, so no
  `GRAPH ?g`, `FROM` or `FROM NAMED` reaches a private graph. The records of private graphs live in
  a private metadata graph (the embedded store scrubs them from its snapshots instead).
- The default graph. A protocol dataset cannot name the store's own default graph, so driehoek's
  default graph is the named graph `{base}graph/default` on the server; the adapter translates.
- Blank nodes. SPARQL cannot point at a blank node from one query to the next, so blank nodes are
  stored skolemised (RDF 1.1 §3.5) as `{base}.well-known/genid/{id}` and read back as blank nodes.
- Time limits. Every request has a client-side deadline (DRIEHOEK_QUERY_TIMEOUT); set the engine's
  own limit too (`oxigraph serve --timeout-s`), so that it stops work nobody waits for any more.
- Snapshots. There are none: a reader sees the store as of each query. Pages and feeds key their
  caches on a version the metadata graph carries, bumped by every write.
- Engines differ (proven on Oxigraph server and Virtuoso Open Source 7); the adapter tolerates the
  differences by testing for them, never by the engine's name: results come in the first of TSV, JSON
  and XML that renders a probe query's IRI, language tag and boolean faithfully (Virtuoso's TSV writes
  IRIs as strings, its JSON true as 1); an ASK answered as a one-column table (Virtuoso's
  `__ASK_RETVAL`) is read as the boolean it is; graphs are listed with `GRAPH ?g { }` and, where the
  engine answers that with an unbound row, with `GRAPH ?g { ?s ?p ?o }`; an answer the engine marks as
  cut off at its time limit (Virtuoso's "anytime" results, `X-SQL-State: S1TAT`) is a timeout, not a
  result; and driehoek reads only the graphs in its own namespaces ({base}graph/ and
  DRIEHOEK_GRAPH_NAMESPACES), so a server's own graphs (Virtuoso's system graphs) are never listed,
  dumped, copied or dropped.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .. import formats
from ..config import Settings
from ..errors import DriehoekError, StoreError
from ..iris import DH
from .base import WritePath
from .client import UPLOAD_BATCH, Client, Endpoints, Skolem
from .records import (
    Activity,
    _name,
    CommitResult,
    GraphName,
    GraphWrite,
    RawInput,
    parse,
    storage_error,
)
from .remote_view import RemoteDataset, list_graphs
from .layout import withdrawn_graphs
from .replica import PublicCopy

log = logging.getLogger(__name__)

STAGING_MAX_AGE = 3600.0  # seconds after which a staging graph is a leftover of a killed write

class RemoteStore(WritePath):
    """The writer's store on a SPARQL 1.1 server: EmbeddedStore's write path over the protocols."""

    def __init__(self, settings: Settings) -> None:  # noqa: D107
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self._layout(settings.base_iri)
        self.keeps_provenance = True
        self.endpoints = Endpoints.from_settings(settings)
        self.client = Client(self.endpoints, timeout=settings.query_timeout, skolem=Skolem(self.base_iri),
                             namespaces=(self.graph_base, *settings.graph_namespaces))
        self._lock = threading.RLock()
        self._view: RemoteDataset | None = None
        self._view_lock = threading.Lock()
        self._db = RemoteDataset(self.client, self.graph_base, public=False, bump=self._version_update)  # type: ignore[assignment]
        self._recover()
        self.public_copy: PublicCopy | None = None
        if settings.public_store:
            copy = Endpoints.from_url(settings.public_store, setting="DRIEHOEK_PUBLIC_STORE")
            self.public_copy = PublicCopy(self, Client(copy, timeout=settings.query_timeout, skolem=self.client.skolem,
                                                       namespaces=self.client.namespaces))
            self.publish_snapshot()

    # -- housekeeping ------------------------------------------------------------------------------

    def _open(self) -> None:
        """Nothing to open: the server is reached per request."""

    def _recover(self) -> None:
        """Drop staging graphs that killed writes left (an hour old: another app server's write may
        be staging right now)."""
        now = time.time_ns()
        for graph in list_graphs(self.client, self.graph_base, public=False) + self._staging_graphs():
            if not graph.startswith(self.staging_prefix):
                continue
            stamp = graph[len(self.staging_prefix):].split("-", 1)[0]
            if stamp.isdigit() and now - int(stamp) < STAGING_MAX_AGE * 1e9:
                continue
            log.warning("dropping %s, left by an interrupted write", graph)
            self.client.update(f"DROP SILENT GRAPH <{graph}>")  # no reader ever saw it: no new version

    def _staging_graphs(self) -> list[str]:
        return [g for g in self.client.graph_iris() if g.startswith(self.staging_prefix)]

    def close(self) -> None:
        """Nothing to release."""

    @property
    def _store(self) -> Any:
        return self._db

    def _failed(self, err: OSError, what: str) -> StoreError:
        return storage_error(err, what)

    def is_empty(self) -> bool:
        return not bool(self.client.query(f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} {self.client.graph_filter()} }}", None, None))

    def __len__(self) -> int:
        """Quads in the store, without the adapter's own bookkeeping (the version triple)."""
        meta = self.private_meta_graph.value
        version = bool(self.client.query(f"ASK {{ GRAPH <{meta}> {{ <{meta}> <{DH}version> ?v }} }}", None, None))
        return len(self._db) - int(version)

    # -- the differences in the write path ------------------------------------------------------------

    def meta_for(self, graph: GraphName) -> ox.NamedNode:
        """Records of private graphs go to the private metadata graph: no snapshot scrubs them here."""
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(self.private_prefix):
            return self.private_meta_graph
        return self.meta_graph

    def graph_ref(self, graph: GraphName) -> str:
        return f"GRAPH <{self._db.remote(graph)}>"

    def _commit_update(self, writes: list[GraphWrite], activity: Activity) -> str:
        """The embedded store's commit update, with its status-change nodes skolemised: blank nodes are
        stored as skolem IRIs here like every other (and an engine may refuse blank nodes in INSERT
        DATA: Virtuoso 7 does, "not allowed in a constant clause")."""
        text = super()._commit_update(writes, activity)
        stamp = uuid.uuid4().hex
        for index in reversed(range(len(activity.status_changes))):  # change10 before change1
            for after in (" ", "\n"):
                text = text.replace(f"_:change{index}{after}", f"<{self.client.skolem.prefix}{stamp}-change{index}>{after}")
        return text

    def commit(self, writes: list[GraphWrite], activity: Activity, *, bulk: bool = False,
               progress: Callable[[int], None] | None = None) -> CommitResult:
        # no in-place bulk path: a bulk load is staged like any write (one MOVE makes it visible)
        for write in writes:
            if isinstance(write.quads, RawInput):
                write.quads = _parse_raw(write.quads)
        with self._lock:
            self._staged(writes, lambda _staged: self._db.update(self._commit_update(writes, activity)),
                         bulk=bulk, progress=progress)
            graphs = {_name(w.graph): self.triple_count(w.graph) for w in writes}
            return CommitResult(activity.id, graphs, {g: self.etag(g) for g in graphs})

    def _staging_graph(self) -> ox.NamedNode:
        """A new staging graph's name, with its time: another app server's leftover is dropped once it
        is an hour old (`_recover`)."""
        return ox.NamedNode(f"{self.staging_prefix}{time.time_ns()}-{uuid.uuid4().hex}")

    def _drop_staged(self, graph: ox.NamedNode) -> None:
        """Drop a staging graph of a write that failed; a leftover goes when it is an hour old."""
        try:
            self.client.update(f"DROP SILENT GRAPH <{graph.value}>")
        except DriehoekError:
            log.warning("could not drop %s now; it goes when it is an hour old", graph.value)

    def _stage(self, staging: ox.NamedNode, quads: Iterable[ox.Quad] | RawInput, *, bulk: bool,
               progress: Callable[[int], None] | None) -> int:
        batch: list[ox.Quad] = []
        count = 0
        for quad in quads if not isinstance(quads, RawInput) else _parse_raw(quads):
            batch.append(self.client.skolem.quad(quad, ox.DefaultGraph()))
            if len(batch) >= UPLOAD_BATCH:
                self.client.upload(staging.value, batch)
                count += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            self.client.upload(staging.value, batch)
            count += len(batch)
            if progress:
                progress(len(batch))
        return self.triple_count(staging) if count else 0

    def triple_count(self, graph: GraphName, exact: bool = False) -> int:
        results = self.client.query(f"SELECT (COUNT(*) AS ?c) WHERE {{ GRAPH <{self._db.remote(graph)}> {{ ?s ?p ?o }} }}",
                                    None, None)
        return int(next(iter(results))["c"].value)

    def graph_exists(self, graph: GraphName) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return True
        return bool(self.client.query(
            f"ASK {{ {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }} UNION "
            f"{{ GRAPH <{self.meta_for(graph).value}> {{ <{graph.value}> ?p ?o }} }} }}", None, None))

    def context(self, iris: Iterable[ox.NamedNode], predicates: Iterable[ox.NamedNode],
                exclude: set[str], visible: Iterable[str] = ()) -> list[ox.Quad]:
        """The quads with these subjects and predicates, outside the `exclude` graphs and of the
        private graphs only the `visible` ones: the SHACL gate's context, a few requests for a whole
        upload instead of one per IRI."""
        exclude = set(exclude) | (set(self.private_graphs()) - set(visible))
        wanted, found = sorted(iris, key=str), []
        values_p = " ".join(str(p) for p in predicates)
        for start in range(0, len(wanted), 500):
            values_s = " ".join(str(self.client.skolem.term(i)) for i in wanted[start:start + 500])
            results = self.client.query(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values_s} }} VALUES ?p {{ {values_p} }} "
                                        f"GRAPH ?g {{ ?s ?p ?o }} {self.client.graph_filter()} }}", None, None)
            for row in results:
                graph = row["g"].value
                if graph in exclude or graph.startswith(self.staging_prefix):
                    continue
                found.append(ox.Quad(row["s"], row["p"], row["o"], self._db.local(graph)))
        return found

    def described(self, iris: Iterable[ox.NamedNode], plain: Iterable[str], exclude: set[str],
                  visible: Iterable[str] = ()) -> set[ox.NamedNode]:
        """Those of `iris` that some graph outside `exclude` (and the metadata; of the private graphs
        only the `visible` ones) describes with a predicate not in `plain`: the SHACL gate's test of
        whether a merely typed node is known."""
        exclude = set(exclude) | (set(self.private_graphs()) - set(visible))
        wanted, found = sorted(iris, key=str), set()
        skipped = set(exclude) | {self.meta_graph.value, self.private_meta_graph.value}
        values_p = ", ".join(f"<{p}>" for p in sorted(plain))
        for start in range(0, len(wanted), 500):
            values_s = " ".join(str(self.client.skolem.term(i)) for i in wanted[start:start + 500])
            results = self.client.query(f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {values_s} }} "
                                        f"GRAPH ?g {{ ?s ?p ?o }} FILTER (?p NOT IN ({values_p})) "
                                        f"{self.client.graph_filter()} }}", None, None)
            for row in results:
                graph = self._db.local(row["g"].value)
                if not isinstance(graph, ox.NamedNode) or graph.value in skipped \
                        or graph.value.startswith(self.staging_prefix):
                    continue
                found.add(row["s"])
        return found

    def named_graphs(self) -> list[str]:
        return [g for g in list_graphs(self.client, self.graph_base, public=False)
                if g not in (self.meta_graph.value, self.private_meta_graph.value)]

    def query(self, sparql: str, **kwargs: Any) -> Any:
        from .records import syntax_error

        try:
            return self._db.query(sparql, **kwargs)
        except SyntaxError as err:
            raise syntax_error(err, "query") from err

    def dump(self, output: IO[bytes] | Path, fmt: formats.Format = formats.NQUADS,
             graph: GraphName | None = None) -> None:
        if fmt.rdf is None:
            raise ValueError(f"{fmt.name} is not an RDF format")
        if graph is None and not fmt.is_dataset:
            graph = ox.DefaultGraph()
        version = ox.NamedNode(DH + "version")
        quads = (q for q in self._db.quads_for_pattern(None, None, None, graph)
                 if not (q.predicate == version and q.graph_name == self.private_meta_graph))
        data: Iterable[Any] = quads if graph is None else (q.triple for q in quads)
        if isinstance(output, Path):
            with open(output, "wb") as handle:
                ox.serialize(data, handle, fmt.rdf)
        else:
            ox.serialize(data, output, fmt.rdf)

    def backup(self, target: Path) -> None:
        raise StoreError("a store on a SPARQL server is backed up with the server's own tools (for Oxigraph: "
                         "`oxigraph backup`); `driehoek dump` writes every graph as N-Quads")

    def trial_copy(self, target: Path, sparql: str, targets: set[str], private_graphs: Iterable[str] = (),
                   mentioned: Iterable[str] = ()) -> None:
        """A server cannot be checkpointed: the update is tried on a local copy of the graphs it can
        touch — the default graph, the graphs it names, and every graph when it names one with a
        variable (GRAPH ?g) or changes them all (CLEAR ALL)."""
        from .. import validation
        from ..sparql import _code_only

        # private graphs: only those the writer may see (its own), so an update can neither read nor
        # change another steward's
        seen = set(private_graphs)
        everything = [self._db.default_iri, *(g for g in self.named_graphs()
                                              if not g.startswith(self.private_prefix) or g in seen)]
        if validation.ALL_GRAPHS in targets or re.search(r"(?<![\w:?$])GRAPH\s*[?$]", _code_only(sparql), re.I):
            wanted = everything
        else:
            named = set(mentioned) | targets  # validation.analyse_update, read in a validation worker
            wanted = [g for g in everything if g in named or g == everything[0]]
        copy = ox.Store(str(target))
        try:
            for iri in wanted:
                graph = self._db.local(iri)
                copy.bulk_extend(list(self._db.quads_for_pattern(None, None, None, graph)))
            copy.flush()
        finally:
            del copy

    # -- what readers see ----------------------------------------------------------------------------

    def _version_update(self) -> str:
        """Appended to every write: the version pages and feeds key their caches on (bookkeeping in
        the private metadata graph: no reader's dataset and no dump holds it)."""
        meta = self.private_meta_graph.value
        return (f"DELETE WHERE {{ GRAPH <{meta}> {{ <{meta}> <{DH}version> ?v }} }} ;\n"
                f"INSERT DATA {{ GRAPH <{meta}> {{ <{meta}> <{DH}version> \"{time.time_ns():020d}\" }} }}")

    def version(self) -> str:
        """The store's version: the time of the newest write, as a snapshot name would be."""
        meta = self.private_meta_graph.value
        results = self.client.query(f"SELECT ?v WHERE {{ GRAPH <{meta}> {{ <{meta}> <{DH}version> ?v }} }}",
                                    None, None)
        values = sorted(row["v"].value for row in results)
        return values[-1] if values else f"{0:020d}"

    def publish_snapshot(self) -> None:  # type: ignore[override]
        """Level the readers' copy with the store, where there is one (DRIEHOEK_PUBLIC_STORE); else
        readers query this server, through the public graphs listed: nothing to publish."""
        if self.public_copy is not None:
            with self._lock:
                self.public_copy.publish()

    def public_view(self) -> RemoteDataset:
        """What readers see now: a view of the public graphs, one object per version of the store
        (so per-version caches keyed on the object, like the changes feed's, keep working)."""
        if self.public_copy is not None:
            with self._view_lock:
                version = self.public_copy.version  # what the copy holds, not what the store holds now
                if self._view is None or self._view.key != version:
                    self._view = self.public_copy.view(version)
                return self._view
        version = self.version()
        with self._view_lock:
            if self._view is None or self._view.key != version:
                graphs = list_graphs(self.client, self.graph_base, public=True)
                withdrawn = withdrawn_graphs(self._db, self.meta_graph)
                self._view = RemoteDataset(self.client, self.graph_base, public=True, graphs=graphs, key=version,
                                           withdrawn=withdrawn)
            return self._view

def _parse_raw(raw: RawInput) -> Iterator[ox.Quad]:
    source: Any = raw.path if raw.path is not None else raw.stream
    return parse(source, raw.fmt, base_iri=raw.base_iri, source_name=raw.source_name)
