"""Query worker processes: user SPARQL runs here, never in the server's threads (DESIGN §3).

pyoxigraph cannot cancel a query, so each user query runs in a separate process that opens the newest
snapshot read-only. The worker serialises the whole result into a spool file (disk, not memory);
the server streams that file only once the query has finished within its time limit. A worker past
its time limit is killed (SIGKILL) and replaced; a worker over its memory cap (RLIMIT_AS) dies and is
replaced. Either way the client gets a clear 503 and every other request carries on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from . import formats
from .errors import BadRequest, DriehoekError, NotAcceptable, QueryTimeout, ServiceUnavailable

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("spawn")  # never fork a threaded server holding RocksDB


@dataclass(frozen=True)
class QueryJob:
    """What a worker needs to run one query; plain data, sent over a pipe."""

    sparql: str
    spool: str
    formats: dict[str, str | None]  # result kind -> format name acceptable to the client, or None
    default_graphs: tuple[str, ...] | None = None  # None: the union of the public graphs
    named_graphs: tuple[str, ...] | None = None
    exclude_from_default: tuple[str, ...] = ()  # withdrawn graphs: left out of the default union
    substitutions: tuple[tuple[str, str, str, str], ...] = ()  # (var, kind, value, datatype/lang)
    base_iri: str | None = None  # resolves relative IRIs in the query (SPARQL Protocol: service-defined)


# Results up to this size come back over the pipe; larger ones through a spool file on disk. A
# lookup's few hundred bytes then cost no file to create, write, stat, read and unlink on both sides.
INLINE_RESULT_BYTES = 256 * 1024


@dataclass
class QueryOutcome:
    """A finished query: its kind, the format chosen and the result, in memory or spooled."""

    kind: str
    format: formats.Format
    path: Path
    size: int
    data: bytes | None = None  # a small result, sent back over the pipe (no spool file then)

    def stream(self, chunk: int = 1 << 16) -> Iterator[bytes]:
        """The result bytes; the spool file is removed once read (or abandoned)."""
        if self.data is not None:
            yield self.data
            return
        try:
            with open(self.path, "rb") as handle:
                while block := handle.read(chunk):
                    yield block
        finally:
            self.discard()

    def read(self) -> bytes:
        """The whole result (for small results and tests)."""
        return b"".join(self.stream())

    def discard(self) -> None:
        """Remove the spool file."""
        if self.data is not None:
            return  # there is none
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class _SpillingWriter:
    """Where a worker serialises a result: memory up to `limit` bytes, past that the spool file
    (so a huge result never sits in the worker's memory)."""

    def __init__(self, path: str, limit: int) -> None:
        self.path, self.limit = path, limit
        self.parts: list[bytes] = []
        self.size = 0
        self.file: Any = None

    def write(self, data: bytes) -> int:
        n = len(data)
        if self.file is None:
            if self.size + n <= self.limit:
                self.parts.append(bytes(data))
                self.size += n
                return n
            self.file = open(self.path, "wb")
            self.file.writelines(self.parts)
            self.parts = []
        self.file.write(data)
        self.size += n
        return n

    def flush(self) -> None:
        if self.file is not None:
            self.file.flush()

    def finish(self) -> bytes | None:
        """The result if it stayed in memory; None when it is in the spool file (closed now)."""
        if self.file is None:
            return b"".join(self.parts)
        self.file.close()
        return None

    def discard(self) -> None:
        """Drop what was written (the query failed while its result was being written)."""
        if self.file is not None:
            self.file.close()
            Path(self.path).unlink(missing_ok=True)
        self.parts = []


def _withdrawn(store: Any, meta_graph: str) -> frozenset[str]:
    """Graphs the snapshot's metadata marks as withdrawn: kept, but out of the default graph."""
    import pyoxigraph as ox

    predicate = ox.NamedNode("https://w3id.org/driehoek/def#withdrawn")
    return frozenset(q.subject.value for q in store.quads_for_pattern(None, predicate, None, ox.NamedNode(meta_graph))
                     if isinstance(q.subject, ox.NamedNode))


def _worker_main(conn: Connection, snapshot_root: str, memory_mib: int, meta_graph: str = "") -> None:
    """The worker loop: run jobs on the newest snapshot until the pipe closes."""
    import resource

    if memory_mib > 0:
        limit = memory_mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from .store import SnapshotReader

    reader = SnapshotReader(Path(snapshot_root))
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job: QueryJob = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("done", _run_job(reader, job, meta_graph)))
        except DriehoekError as err:
            conn.send(("error", (type(err).__name__, err.message, err.details)))
        except MemoryError:
            conn.send(("error", ("ServiceUnavailable", "the query needed more memory than a query may use "
                                 f"({memory_mib} MiB); narrow it down", {})))
        except Exception as err:  # a bug, not user input: report it without killing the worker
            log.exception("query worker failed")
            conn.send(("error", ("DriehoekError", f"query failed: {err}", {})))


def _run_job(reader: Any, job: QueryJob, meta_graph: str = "",
             inline_limit: int = INLINE_RESULT_BYTES) -> tuple[str, str, int, bytes | None]:
    import pyoxigraph as ox

    from . import sparql as sparql_module
    from .store import syntax_error

    store = reader.store()
    withdrawn = _withdrawn(store, meta_graph) if meta_graph else frozenset()
    if withdrawn and not job.exclude_from_default:
        job = QueryJob(**{**job.__dict__, "exclude_from_default": tuple(withdrawn)})
    kwargs: dict[str, Any] = {}
    if job.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) if g else ox.DefaultGraph() for g in job.default_graphs]
    elif sparql_module.has_dataset_clause(job.sparql):
        pass  # the query's own FROM / FROM NAMED decide (the snapshot holds public graphs only)
    elif job.exclude_from_default:
        hidden = set(job.exclude_from_default)
        kwargs["default_graph"] = [ox.DefaultGraph(), *(g for g in store.named_graphs()
                                                        if not (isinstance(g, ox.NamedNode) and g.value in hidden))]
    else:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.base_iri:
        kwargs["base_iri"] = job.base_iri
    if job.substitutions:
        kwargs["substitutions"] = {ox.Variable(name): _term(kind, value, extra)
                                   for name, kind, value, extra in job.substitutions}
    try:
        results = store.query(job.sparql, **kwargs)
    except SyntaxError as err:
        raise syntax_error(err, "query") from err
    except (OSError, RuntimeError) as err:  # pyoxigraph: RuntimeError for e.g. an unknown function
        raise BadRequest(f"query failed: {err}") from err
    kind = sparql_module.result_kind(results)
    name = job.formats.get(kind)
    if name is None:
        offered = ", ".join(f.media_type for f in sparql_module.offered_formats(kind))
        raise NotAcceptable(f"the query gives a {kind} result; it can be had as: {offered}")
    fmt = formats.by_name(name, sparql_module.offered_formats(kind))
    out = _SpillingWriter(job.spool, inline_limit)
    try:
        sparql_module.serialize(results, fmt, out)
    except SyntaxError as err:  # some errors only surface while iterating
        out.discard()
        raise syntax_error(err, "query") from err
    except (OSError, RuntimeError) as err:
        out.discard()
        raise BadRequest(f"query failed: {err}") from err
    except BaseException:
        out.discard()
        raise
    return kind, fmt.name, out.size, out.finish()


def _term(kind: str, value: str, extra: str) -> Any:
    import pyoxigraph as ox

    if kind == "iri":
        return ox.NamedNode(value)
    if kind == "lang":
        return ox.Literal(value, language=extra)
    return ox.Literal(value, datatype=ox.NamedNode(extra)) if extra else ox.Literal(value)


class _Worker:
    def __init__(self, snapshot_root: Path, memory_mib: int, meta_graph: str) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_worker_main, args=(child, str(snapshot_root), memory_mib, meta_graph),
                                        daemon=True, name="driehoek-query-worker")
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        if not self.ready:
            if not self.conn.poll(timeout):
                raise ServiceUnavailable("a query worker did not start in time")
            self.conn.recv()
            self.ready = True

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


HEAVY_AFTER = 1.0  # seconds after which a running query's worker gets the lowest CPU priority


def _deprioritise(worker: _Worker) -> bool:
    """Give a worker the lowest CPU priority (nice 19); True: the worker is retired after its query."""
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, 19)
    except (OSError, TypeError):  # gone already, or no pid
        pass
    return True


class QueryPool:
    """A fixed number of worker processes; a busy pool makes callers wait, then 503."""

    def __init__(self, snapshot_root: Path, spool_dir: Path, *, workers: int = 2, timeout: float = 30.0,
                 memory_mib: int = 2048, queue_wait: float | None = None, meta_graph: str = "") -> None:
        self.snapshot_root, self.spool_dir = Path(snapshot_root), Path(spool_dir)
        self.size, self.timeout, self.memory_mib = max(1, workers), timeout, memory_mib
        self.queue_wait = timeout if queue_wait is None else queue_wait
        self.meta_graph = meta_graph
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.spool_dir.iterdir():
            leftover.unlink(missing_ok=True)
        for _ in range(self.size):
            self._idle.put(_Worker(self.snapshot_root, self.memory_mib, self.meta_graph))
        self.killed = 0  # workers stopped at the time limit or lost, since start
        self._stand_ins = 0  # workers started in place of ones still busy with a heavy query

    def run(self, job_sparql: str, *, formats_by_kind: dict[str, formats.Format | None],
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            exclude_from_default: list[str] | None = None,
            substitutions: tuple[tuple[str, str, str, str], ...] = (), timeout: float | None = None,
            base_iri: str | None = None) -> QueryOutcome:
        """Run one query in a worker within the time limit; the result is spooled to disk."""
        if self._closed:
            raise ServiceUnavailable("the server is shutting down")
        limit = self.timeout if timeout is None else timeout
        try:
            worker = self._idle.get(timeout=self.queue_wait)
        except queue.Empty:
            raise ServiceUnavailable("all query workers are busy; try again shortly") from None
        spool = self.spool_dir / f"{uuid.uuid4().hex}.out"
        job = QueryJob(
            job_sparql, str(spool), {k: (f.name if f else None) for k, f in formats_by_kind.items()},
            tuple(default_graphs) if default_graphs is not None else None,
            tuple(named_graphs) if named_graphs is not None else None,
            tuple(exclude_from_default or ()), substitutions, base_iri,
        )
        started = time.monotonic()
        healthy = heavy = stood_in = False
        try:
            worker.wait_ready(max(limit, 30.0))
            worker.conn.send(job)
            if not worker.conn.poll(min(limit, HEAVY_AFTER)):
                # a heavy query: let every other request go first while it finishes or is stopped (with
                # 2 workers on 2 cores a runaway query raised the p99 of light ones 4x; see docs/reliability.md),
                # and have its stand-in start now, so that light queries keep every worker meanwhile
                heavy = _deprioritise(worker)
                stood_in = self._stand_in()
                if not worker.conn.poll(max(0.0, limit - HEAVY_AFTER)):
                    raise QueryTimeout(f"the query was stopped after its time limit of {limit:g} s; "
                                       "narrow it down (LIMIT, more specific patterns) and try again",
                                       timeout_seconds=limit)
            try:
                status, payload = worker.conn.recv()
            except (EOFError, OSError):
                raise ServiceUnavailable(
                    f"the query worker stopped (over its memory cap of {self.memory_mib} MiB, or the query is too "
                    "long to parse); narrow the query down and try again") from None
            healthy = True
            if status == "error":
                raise _rebuild_error(payload)
            kind, fmt_name, size, data = payload
            from .sparql import offered_formats

            return QueryOutcome(kind, formats.by_name(fmt_name, offered_formats(kind)), spool, size, data)
        except BaseException:
            spool.unlink(missing_ok=True)
            raise
        finally:
            if healthy and not heavy:
                self._idle.put(worker)
            else:  # stopped, lost, or reniced for good (only root may raise a priority again)
                if not healthy:
                    log.warning("replacing a query worker after %.1f s", time.monotonic() - started)
                    self.killed += 1
                threading.Thread(target=self._replace, args=(worker, not stood_in), daemon=True).start()

    def _stand_in(self) -> bool:
        """Start a worker in place of one busy with a heavy query, unless as many stand-ins as the
        pool has workers are out already (each may take DRIEHOEK_QUERY_MEMORY); True if started."""
        with self._lock:
            if self._closed or self._stand_ins >= self.size:
                return False
            self._stand_ins += 1
        threading.Thread(target=lambda: self._idle.put(_Worker(self.snapshot_root, self.memory_mib, self.meta_graph)),
                         daemon=True).start()
        return True

    def _replace(self, worker: _Worker, replace: bool = True) -> None:
        """Stop a worker; start its successor unless a stand-in took its place already."""
        worker.kill()
        if not replace:
            with self._lock:
                self._stand_ins -= 1
        elif not self._closed:
            self._idle.put(_Worker(self.snapshot_root, self.memory_mib, self.meta_graph))

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break


def _rebuild_error(payload: tuple[str, str, dict[str, Any]]) -> DriehoekError:
    from . import errors

    name, message, details = payload
    cls = getattr(errors, name, DriehoekError)
    if not (isinstance(cls, type) and issubclass(cls, DriehoekError)):
        cls = DriehoekError
    try:
        return cls(message, **details)
    except TypeError:
        return DriehoekError(message)
