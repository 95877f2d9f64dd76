"""Query worker processes: user SPARQL runs here, never in the server's threads (DESIGN §3).

pyoxigraph cannot cancel a query, so each user query runs in a separate process that opens the newest
snapshot read-only. The worker serialises the whole result into a spool file (disk, not memory);
the server streams that file only once the query has finished within its time limit. A worker past
its time limit is killed (SIGKILL) and replaced; a worker over its memory cap (RLIMIT_AS) dies and is
replaced. Either way the client gets a clear 503 and every other request carries on. Heavy queries
get a lane of their own (QueryPool), so that they never starve light ones.

Before anything runs, a worker checks the query with the SPARQL parser (sparql.inspect_query: 400 for
SERVICE), and it has no network in the first place (sandbox.isolate_network, where the kernel allows).
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from . import formats
from .errors import BadRequest, DriehoekError, NotAcceptable, QueryTimeout, ServiceUnavailable, rebuild_error

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


class SpillingWriter:
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


@dataclass(frozen=True)
class InspectJob:
    """Only the parser's check of a query (sparql.inspect_query), for a store that runs queries elsewhere."""

    sparql: str
    base_iri: str | None = None


def _worker_main(conn: Connection, snapshot_root: str, memory_mib: int, meta_graph: str = "",
                 isolate: bool = True) -> None:
    """The worker loop: run jobs on the newest snapshot (or only inspect queries, with no snapshot)
    until the pipe closes."""
    import resource
    import sys

    from . import sandbox

    # first, while this process has one thread (RocksDB starts more): no user query reaches a network
    isolated = sandbox.isolate_network() if isolate else False
    if memory_mib > 0:
        limit = memory_mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.setrecursionlimit(100_000)  # rdflib's parser recurses some 40 frames per bracket (at most 256 deep)
    from .store import SnapshotReader

    reader = SnapshotReader(Path(snapshot_root)) if snapshot_root else None
    conn.send(("ready", os.getpid(), isolated))
    while True:
        try:
            job: QueryJob | InspectJob = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if isinstance(job, InspectJob):
                conn.send(("done", _inspect(job.sparql, job.base_iri)))
            else:
                conn.send(("done", _run_job(reader, job, meta_graph)))
        except DriehoekError as err:
            conn.send(("error", (type(err).__name__, err.message, err.details)))
        except MemoryError:
            conn.send(("error", ("ServiceUnavailable", "the query needed more memory than a query may use "
                                 f"({memory_mib} MiB); narrow it down", {})))
        except Exception as err:  # a bug, not user input: report it without killing the worker
            log.exception("query worker failed")
            conn.send(("error", ("DriehoekError", f"query failed: {err}", {})))


@functools.lru_cache(maxsize=64)
def _inspect(sparql: str, base_iri: str | None) -> Any:
    """sparql.inspect_query, remembered per text (a named query's text is the same every time; its
    parameters are bound as values). Where this process has no network, a text rdflib cannot read is
    tried on an empty in-memory store for Oxigraph's own syntax error, the clearer message."""
    from . import sandbox
    from . import sparql as sparql_module

    return sparql_module.inspect_query(sparql, base_iri, _engine_syntax(base_iri) if sandbox.is_isolated() else None)


def _engine_syntax(base_iri: str | None) -> Any:
    def check(text: str) -> None:
        import pyoxigraph as ox

        from .store import syntax_error

        try:
            ox.Store().query(text, base_iri=base_iri)  # lazy for SELECT/CONSTRUCT; an empty store for ASK
        except SyntaxError as err:
            raise syntax_error(err, "query") from err
        except Exception:  # noqa: S110 (not a syntax error: the parser's refusal stands)
            pass
    return check


def _run_job(reader: Any, job: QueryJob, meta_graph: str = "",
             inline_limit: int = INLINE_RESULT_BYTES) -> tuple[str, str, int, bytes | None]:
    import pyoxigraph as ox

    from . import sparql as sparql_module
    from .store import syntax_error
    from .store.layout import withdrawn_graphs

    shape = _inspect(job.sparql, job.base_iri)  # 400 for SERVICE, before anything runs
    store = reader.store()
    withdrawn = frozenset(withdrawn_graphs(store, meta_graph)) if meta_graph else frozenset()
    if withdrawn and not job.exclude_from_default:
        job = QueryJob(**{**job.__dict__, "exclude_from_default": tuple(withdrawn)})
    kwargs: dict[str, Any] = {}
    if job.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) if g else ox.DefaultGraph() for g in job.default_graphs]
    elif shape.has_dataset:
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
        kwargs["substitutions"] = {ox.Variable(name): job_term(kind, value, extra)
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
    out = SpillingWriter(job.spool, inline_limit)
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


def job_term(kind: str, value: str, extra: str) -> Any:
    import pyoxigraph as ox

    if kind == "iri":
        return ox.NamedNode(value)
    if kind == "lang":
        return ox.Literal(value, language=extra)
    return ox.Literal(value, datatype=ox.NamedNode(extra)) if extra else ox.Literal(value)


class _Worker:
    def __init__(self, snapshot_root: Path | None, memory_mib: int, meta_graph: str, isolate: bool = True) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_worker_main, args=(child, str(snapshot_root or ""), memory_mib, meta_graph, isolate),
            daemon=True, name="driehoek-query-worker")
        self.process.start()
        child.close()
        self.ready = False
        self.isolated: bool | None = None  # known once ready

    def wait_ready(self, timeout: float) -> None:
        if not self.ready:
            try:
                if not self.conn.poll(timeout):
                    raise ServiceUnavailable("a query worker did not start in time; try again shortly")
                _ready, _pid, self.isolated = self.conn.recv()
            except (EOFError, OSError):
                raise ServiceUnavailable("a query worker did not start; try again shortly") from None
            self.ready = True

    def kill(self) -> None:
        """Stop the process and wait until it is gone (its memory with it)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


HEAVY_AFTER = 1.0  # seconds after which a running query is heavy: it leaves its worker to a stand-in
HEAVY_AFTER_UNDER_PRESSURE = 0.25  # the same while the heavy lane is full and other queries wait
_POLL = 0.05  # how often a waiting request looks at the pressure (a finished query is seen at once)


def _deprioritise(worker: _Worker) -> None:
    """Give a worker the lowest CPU priority (nice 19), for good: only root could raise it again."""
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, 19)
    except (OSError, TypeError):  # gone already, or no pid
        pass


KNOWN_HEAVY_SECONDS = 600.0  # how long a query that ran long counts as long-running when sent again
KNOWN_HEAVY_KEPT = 4096  # how many such queries are remembered (a hash each)


def _job_key(job: QueryJob) -> str:
    """What makes a query the same query again: its text, dataset, parameters and base."""
    import hashlib

    return hashlib.sha256(repr((job.sparql, job.default_graphs, job.named_graphs, job.exclude_from_default,
                                job.substitutions, job.base_iri)).encode("utf-8", "surrogatepass")).hexdigest()


class QueryPool:
    """Worker processes in two lanes, so that heavy queries never starve light ones.

    The normal lane has `workers` processes; every query starts there, and a caller waits for a free
    one (up to `queue_wait`, then 503). A query still running after HEAVY_AFTER seconds is heavy: its
    process moves to the heavy lane at the lowest CPU priority and a stand-in takes its place in the
    normal lane, so the normal lane never has fewer than `workers` processes for light queries. At most
    `max_heavy` heavy queries run at once; a query that turns heavy beyond that is stopped at once (503
    with Retry-After), and while the heavy lane is full and others wait, a query is judged heavy after
    HEAVY_AFTER_UNDER_PRESSURE already. A heavy query runs on to the time limit (503 then).

    Memory is bounded by the process count: at most `workers + max_heavy` processes, each capped at
    `memory_mib` (RLIMIT_AS), so (DRIEHOEK_QUERY_WORKERS + max_heavy) x DRIEHOEK_QUERY_MEMORY; max_heavy
    defaults to the number of workers (2 + 2 processes x 2 GiB by default, as before this design).

    Every stop is synchronous: the process is killed and reaped before the caller's 503 is raised; only
    the start of a successor happens in the background. With `snapshot_root=None` the workers hold no
    snapshot and only inspect queries (`inspect`), for a store that runs the queries elsewhere. Workers
    have no network where the kernel allows (sandbox.isolate_network); `network_isolated` says so.
    """

    def __init__(self, snapshot_root: Path | None, spool_dir: Path, *, workers: int = 2, timeout: float = 30.0,
                 memory_mib: int = 2048, queue_wait: float | None = None, meta_graph: str = "",
                 max_heavy: int | None = None) -> None:
        self.snapshot_root = Path(snapshot_root) if snapshot_root is not None else None
        self.spool_dir = Path(spool_dir)
        self.size, self.timeout, self.memory_mib = max(1, workers), timeout, memory_mib
        self.max_heavy = self.size if max_heavy is None else max(0, max_heavy)
        self.queue_wait = timeout if queue_wait is None else queue_wait
        self.meta_graph = meta_graph
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._heavy = 0  # heavy queries running now (each in a process of its own, outside the normal lane)
        self._waiting = 0  # callers waiting for a normal-lane worker
        self.killed = 0  # workers stopped at the time limit or lost, since start
        self.refused_heavy = 0  # queries stopped because the heavy lane was full, since start
        # queries (text and dataset) that ran long lately: sent again, they go to the heavy lane at once,
        # or get their 503 at once when it is full, without first holding a normal-lane worker
        self._known_heavy: OrderedDict[str, float] = OrderedDict()
        self.network_isolated: bool | None = None  # False once a worker could not be cut off the network
        if self.snapshot_root is not None:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            for leftover in self.spool_dir.iterdir():
                leftover.unlink(missing_ok=True)
        for _ in range(self.size):
            self._idle.put(self._new_worker())

    def _new_worker(self) -> _Worker:
        return _Worker(self.snapshot_root, self.memory_mib, self.meta_graph)

    def run(self, job_sparql: str, *, formats_by_kind: dict[str, formats.Format | None],
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            exclude_from_default: list[str] | None = None,
            substitutions: tuple[tuple[str, str, str, str], ...] = (), timeout: float | None = None,
            base_iri: str | None = None, trusted: bool = False) -> QueryOutcome:
        """Run one query in a worker within the time limit; the result comes back in memory or spooled.
        `trusted`: one of driehoek's own named queries, which callers bound by a lane of their own: it
        runs to its time limit in the normal lane at normal priority (a long one is expected work, not a
        runaway to push aside), and is neither remembered as long-running nor refused as one."""
        if self.snapshot_root is None:
            raise ServiceUnavailable("this pool only inspects queries")
        spool = self.spool_dir / f"{uuid.uuid4().hex}.out"
        job = QueryJob(
            job_sparql, str(spool), {k: (f.name if f else None) for k, f in formats_by_kind.items()},
            tuple(default_graphs) if default_graphs is not None else None,
            tuple(named_graphs) if named_graphs is not None else None,
            tuple(exclude_from_default or ()), substitutions, base_iri,
        )
        try:
            kind, fmt_name, size, data = self._call(job, self.timeout if timeout is None else timeout, trusted=trusted)
        except BaseException:
            spool.unlink(missing_ok=True)
            raise
        from .sparql import offered_formats

        return QueryOutcome(kind, formats.by_name(fmt_name, offered_formats(kind)), spool, size, data)

    def inspect(self, sparql: str, *, base_iri: str | None = None, timeout: float | None = None) -> Any:
        """sparql.inspect_query in a worker (no network, a time limit): a sparql.QueryShape, or its 400."""
        return self._call(InspectJob(sparql, base_iri), self.timeout if timeout is None else timeout)

    def _call(self, job: QueryJob | InspectJob, limit: float, *, trusted: bool = False) -> Any:
        """Send a job to a normal-lane worker and wait for its answer within `limit` seconds."""
        if self._closed:
            raise ServiceUnavailable("the server is shutting down")
        key = _job_key(job) if isinstance(job, QueryJob) and not trusted else None
        known_heavy = key is not None and self._seen_heavy(key)
        if known_heavy:
            with self._lock:
                full = self._heavy >= self.max_heavy
                if full:
                    self.refused_heavy += 1
            if full:  # a runaway sent again: refused before it takes a worker light queries need
                raise self._heavy_lane_full()
        worker = self._acquire()
        started = time.monotonic()
        healthy = heavy = False
        try:
            worker.wait_ready(max(limit, 30.0))
            self._note_isolation(worker)
            started = time.monotonic()  # a worker's start is not the query's time
            worker.conn.send(job)
            if trusted:
                if not worker.conn.poll(limit):
                    raise self._timeout(limit)
            elif known_heavy or not self._wait_light(worker, started, limit):
                if key is not None:
                    self._remember_heavy(key)
                if time.monotonic() - started >= limit:
                    raise self._timeout(limit)
                heavy = self._enter_heavy_lane(worker)  # or 503 at once: the heavy lane is full
                if not worker.conn.poll(max(0.0, limit - (time.monotonic() - started))):
                    raise self._timeout(limit)
            try:
                status, payload = worker.conn.recv()
            except (EOFError, OSError):
                raise ServiceUnavailable(
                    f"the query worker stopped (over its memory cap of {self.memory_mib} MiB, or the query is too "
                    "long to parse); narrow the query down and try again") from None
            healthy = True
            if status == "error":
                raise rebuild_error(payload)
            return payload
        finally:
            self._release(worker, started, healthy=healthy, heavy=heavy)

    def _acquire(self) -> _Worker:
        with self._lock:
            self._waiting += 1
        try:
            return self._idle.get(timeout=self.queue_wait)
        except queue.Empty:
            raise ServiceUnavailable("all query workers are busy; try again shortly") from None
        finally:
            with self._lock:
                self._waiting -= 1

    def _wait_light(self, worker: _Worker, started: float, limit: float) -> bool:
        """Wait while the query counts as light; True once its answer is there, False when it is heavy
        (or at its time limit)."""
        while True:
            elapsed = time.monotonic() - started
            patience = min(limit, self._patience())
            if elapsed >= patience:
                return worker.conn.poll(0)
            if worker.conn.poll(min(_POLL, patience - elapsed)):
                return True

    def _patience(self) -> float:
        """How long a query may hold a normal-lane worker before it counts as heavy."""
        with self._lock:
            pressed = self._heavy >= self.max_heavy and self._waiting > 0
        return HEAVY_AFTER_UNDER_PRESSURE if pressed else HEAVY_AFTER

    def _enter_heavy_lane(self, worker: _Worker) -> bool:
        """Move a heavy query's worker to the heavy lane and start its stand-in; 503 when the heavy
        lane is full (the caller's finally stops the worker)."""
        with self._lock:
            full = self._closed or self._heavy >= self.max_heavy
            if not full:
                self._heavy += 1
            else:
                self.refused_heavy += 1
        if full:
            raise self._heavy_lane_full()
        # let every other request go first while it finishes or is stopped (with 2 workers on 2 cores a
        # runaway query raised the p99 of light ones 4x; see docs/reliability.md)
        _deprioritise(worker)
        self._start_in_background()  # the stand-in: the normal lane keeps its size
        return True

    def _heavy_lane_full(self) -> ServiceUnavailable:
        return ServiceUnavailable("too many long-running queries; try again shortly (a query that runs over "
                                  f"{HEAVY_AFTER:g} s is long-running; at most {self.max_heavy} run at once)",
                                  max_long_running=self.max_heavy)

    def _seen_heavy(self, key: str) -> bool:
        with self._lock:
            seen = self._known_heavy.get(key)
            if seen is not None and time.monotonic() - seen > KNOWN_HEAVY_SECONDS:
                del self._known_heavy[key]
                seen = None
            return seen is not None

    def _remember_heavy(self, key: str) -> None:
        with self._lock:
            self._known_heavy[key] = time.monotonic()
            self._known_heavy.move_to_end(key)
            while len(self._known_heavy) > KNOWN_HEAVY_KEPT:
                self._known_heavy.popitem(last=False)

    def _release(self, worker: _Worker, started: float, *, healthy: bool, heavy: bool) -> None:
        """After a job: a healthy light worker goes back to the lane; any other is stopped now (killed
        and reaped) and, if it was in the normal lane, a successor starts in the background."""
        if healthy and not heavy and not self._closed:
            self._idle.put(worker)
            return
        if not healthy:
            log.warning("stopping a query worker after %.1f s", time.monotonic() - started)
            self.killed += 1
        worker.kill()  # synchronous: the worker and its memory are gone before the caller answers
        if heavy:
            with self._lock:
                self._heavy -= 1  # its stand-in took its place in the normal lane already
        elif not healthy:
            self._start_in_background()  # its successor in the normal lane

    def _start_in_background(self) -> None:
        if self._closed:
            return

        def start() -> None:
            worker = self._new_worker()
            try:
                worker.wait_ready(60.0)  # a caller waiting for a worker gets one that can start at once
            except (ServiceUnavailable, EOFError, OSError):
                log.warning("a query worker did not start; the next request starts one")
            if self._closed:
                worker.kill()
            else:
                self._idle.put(worker)
        threading.Thread(target=start, daemon=True, name="driehoek-worker-start").start()

    def _note_isolation(self, worker: _Worker) -> None:
        if worker.isolated is False and self.network_isolated is not False:
            log.warning("query workers run without network isolation: the kernel allows no network namespace")
        if worker.isolated is not None:
            self.network_isolated = worker.isolated and self.network_isolated is not False

    @staticmethod
    def _timeout(limit: float) -> QueryTimeout:
        return QueryTimeout(f"the query was stopped after its time limit of {limit:g} s; narrow it down "
                            "(LIMIT, more specific patterns) and try again", timeout_seconds=limit)

    def close(self) -> None:
        """Stop every idle worker; busy ones are stopped as their queries end."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
