"""/sparql on a remote store: user queries run on the server under a deadline (RemoteQueryRunner)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .. import formats
from ..errors import BadRequest, NotAcceptable, ServiceUnavailable
from ..sparql_bind import bind, with_base
from .client import without_dataset_clauses
from .remote_view import RemoteDataset

log = logging.getLogger(__name__)

class RemoteQueryRunner:
    """/sparql on a remote store: the QueryPool's interface. The query runs on the server under a
    client-side deadline; results are read back, blank nodes restored, and written in the client's
    format. A semaphore keeps at most `workers` queries in flight from this app server."""

    def __init__(self, view: Callable[[], RemoteDataset], spool_dir: Path, *, workers: int = 2,
                 timeout: float = 30.0, queue_wait: float | None = None, memory_mib: int = 2048) -> None:
        self.view, self.spool_dir, self.timeout = view, Path(spool_dir), timeout
        self.size = max(1, workers)
        self.queue_wait = timeout if queue_wait is None else queue_wait
        self.memory_mib = memory_mib
        self._slots = threading.BoundedSemaphore(self.size)
        self.killed = 0
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self._inspector: Any = None  # a QueryPool of inspect-only workers, started on first need
        self._inspector_lock = threading.Lock()

    def _inspect(self, sparql: str, limit: float) -> Any:
        """The parser's check of the text as it goes to the server (sparql.inspect_query): the server
        would fetch what a SERVICE names. The parse runs in a worker process without network, under the
        time limit (rdflib holds the GIL for up to a tenth of a second per 4 kB); a text that can
        neither reach the network nor name a dataset needs no parse and no process."""
        from ..sparql import NO_DATASET, needs_inspection
        from ..workers import QueryPool

        if not needs_inspection(sparql):
            return NO_DATASET
        with self._inspector_lock:
            if self._inspector is None:
                self._inspector = QueryPool(None, self.spool_dir, workers=self.size, timeout=self.timeout,
                                            memory_mib=self.memory_mib, queue_wait=self.queue_wait)
        return self._inspector.inspect(sparql, timeout=limit)

    def run(self, job_sparql: str, *, formats_by_kind: dict[str, formats.Format | None],
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            exclude_from_default: list[str] | None = None,
            substitutions: tuple[tuple[str, str, str, str], ...] = (), timeout: float | None = None,
            base_iri: str | None = None, trusted: bool = False) -> Any:
        """Run one query on the server within the time limit (`trusted`: as QueryPool.run; unused here)."""
        from .. import sparql as sparql_module
        from ..workers import QueryOutcome, SpillingWriter, job_term
        from .layout import withdrawn_graphs
        from .records import syntax_error

        limit = self.timeout if timeout is None else timeout
        if not self._slots.acquire(timeout=self.queue_wait):
            raise ServiceUnavailable("all query slots are busy; try again shortly")
        spool = self.spool_dir / f"{uuid.uuid4().hex}.out"
        try:
            view = self.view()
            sparql = job_sparql
            if substitutions:
                sparql = bind(sparql, {name: job_term(kind, value, extra) for name, kind, value, extra in substitutions},
                              view.skolem)
            sparql = with_base(sparql, base_iri)
            shape = self._inspect(sparql, limit)  # 400 for SERVICE: nothing a stranger names is fetched
            if shape.has_dataset:
                stripped = without_dataset_clauses(sparql)
                if self._inspect(stripped, limit).has_dataset:  # the parser finds a clause the blanking missed
                    raise BadRequest("driehoek cannot pass this query's FROM / FROM NAMED on to the store; "
                                     "name the dataset with default-graph-uri and named-graph-uri instead")
            if default_graphs is None and named_graphs is None and shape.has_dataset:
                # the query's FROM / FROM NAMED as the parser read them; view.dataset keeps the public ones
                default_graphs, named_graphs = list(shape.default_graphs), list(shape.named_graphs)
                for iri in (*default_graphs, *named_graphs):
                    try:
                        ox.NamedNode(iri)
                    except ValueError as err:
                        raise BadRequest(f"the query's dataset names {iri!r}, which is not an absolute IRI") from err
            hidden = set(exclude_from_default or ()) | set(withdrawn_graphs(view, view.graph_base + "meta"))
            try:
                default, named = view.dataset(
                    sparql, base_iri,
                    default_graph=[ox.NamedNode(g) if g else ox.DefaultGraph() for g in default_graphs]
                    if default_graphs is not None else None,
                    named_graphs=[ox.NamedNode(g) for g in named_graphs] if named_graphs is not None else None,
                    exclude=hidden)
                if default_graphs is None and named_graphs is not None:
                    default = [g for g in [view.default_iri, *view.graph_names()] if g not in hidden]
                results = view.client.query(stripped if shape.has_dataset else sparql, default, named, timeout=limit)
            except SyntaxError as err:
                raise syntax_error(err, "query") from err
            kind = sparql_module.result_kind(results)
            fmt = formats_by_kind.get(kind)
            if fmt is None:
                offered = ", ".join(f.media_type for f in sparql_module.offered_formats(kind))
                raise NotAcceptable(f"the query gives a {kind} result; it can be had as: {offered}")
            out = SpillingWriter(str(spool), 256 * 1024)
            try:
                sparql_module.serialize(results, fmt, out)
            except (SyntaxError, OSError, RuntimeError) as err:
                out.discard()
                raise BadRequest(f"query failed: {err}") from err
            return QueryOutcome(kind, fmt, spool, out.size, out.finish())
        except BaseException:
            spool.unlink(missing_ok=True)
            raise
        finally:
            self._slots.release()

    def close(self) -> None:
        """Stop the inspecting workers (no query runs between requests)."""
        with self._inspector_lock:
            if self._inspector is not None:
                self._inspector.close()
