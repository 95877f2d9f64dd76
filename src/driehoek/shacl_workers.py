"""SHACL validation worker processes: pyshacl runs here, never in the server's threads (issue 14 §3).

pyshacl cannot be interrupted and its memory grows with the data (10^6 chained blank nodes took ~6 GB
and ~140 s in the server, whose memory then stayed grown). So the gate serialises what it validates
(the upload and its context from the store, as N-Quads) and a worker process does the rest: it builds
the rdflib graph, runs pyshacl and sends back the results and the report as N-Triples.

Each worker is forked from a forkserver (never from the threaded server holding RocksDB), caps
its own address space (RLIMIT_AS, DRIEHOEK_VALIDATION_MEMORY), has no network where the kernel allows
it, and imports pyshacl and parses the shapes once, so a write pays only for its own data. A
validation past DRIEHOEK_VALIDATION_TIMEOUT has its workers killed (SIGKILL, then joined) before the
caller gets a 503; a worker that runs out of memory (MemoryError, or killed by the kernel) gives a 413.
The time limit holds for each pyshacl run: a whole upload, or one chunk of a large one (up to
validation.CHUNK_TRIPLES triples of whole resources; the register's 170,000 triples are a dozen chunks,
each a few seconds, so `driehoek init` keeps working with the default limit, while one runaway
resource, such as a million chained blank nodes, is stopped).
Either way nothing is written and the worker is replaced. A worker that grew large on a big upload is
retired after it, so the memory goes back to the system.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from .errors import DriehoekError, PayloadTooLarge, ServiceUnavailable, ValidationTimeout, rebuild_error

if TYPE_CHECKING:
    from .validation import Result

log = logging.getLogger(__name__)

# Never fork the threaded server holding RocksDB: workers are forked from a forkserver, a fresh
# single-threaded interpreter that has imported rdflib and pyshacl once (a worker starts in some 25 ms
# instead of 1 s), and that is the workers' parent, so they are no children of the server's that
# anything might take for its query workers.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["driehoek.validation"])

STARTUP_SECONDS = 60.0  # a worker imports pyshacl and parses the shapes: ~1 s on an idle machine
RETIRE_GROWTH_MIB = 128  # a worker whose peak memory grew this much past its start is replaced after its job


@dataclass(frozen=True)
class ValidationJob:
    """One pyshacl run: plain data, sent over a pipe."""

    upload: bytes  # N-Quads (graph names ignored): the triples under validation
    context: bytes  # N-Triples: what the store (or the rest of the upload) says about what they point at
    source: str  # how reports name the input
    triples: int = 0  # the upload's size, for progress
    update: str | None = None  # instead of a validation: a SPARQL Update to analyse (validation.analyse_update)
    base_iri: str | None = None  # for the update's relative IRIs


# (results, the sh:ValidationReport as N-Triples)
ValidationOutcome = tuple[list["Result"], str]


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _worker_main(conn: Connection, memory_mib: int) -> None:
    """The worker loop: validate jobs until the pipe closes; leave after running out of memory."""
    import resource

    if memory_mib > 0:
        limit = memory_mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:  # no network for code that reads user input, where the kernel lets us (sandbox.py)
        from .sandbox import isolate_network

        isolate_network()
    except ImportError:
        pass
    from . import validation

    validation.prepare_worker()
    started = _peak_rss_mib()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job: ValidationJob = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if job.update is not None:  # rdflib's update parser: seconds on a large update, so here
                outcome = validation.analyse_update(job.update, job.base_iri)  # type: ignore[assignment]
            else:
                outcome = validation.validate_payload(job.upload, job.context, job.source)
        except MemoryError:
            outcome = None
        except DriehoekError as err:  # about the input: the caller raises it again
            conn.send(("error", (type(err).__name__, err.message, err.details)))
            continue
        except Exception as err:  # a bug, not user input: report it without a traceback to the user
            log.exception("validation worker failed")
            conn.send(("error", ("DriehoekError", f"{job.source}: validation failed: {type(err).__name__}", {})))
            continue
        if outcome is None:  # outside the except block, so the data graph is freed before we answer
            conn.send(("memory", None))
            return  # a process that hit its cap may be left fragmented: start afresh
        conn.send(("done", (outcome, _peak_rss_mib() - started > RETIRE_GROWTH_MIB)))


class _Worker:
    """One worker process and our end of its pipe."""

    def __init__(self, memory_mib: int) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_worker_main, args=(child, memory_mib), daemon=True,
                                        name="driehoek-validation-worker")
        self.process.start()
        child.close()
        self.ready = False

    @property
    def pid(self) -> int | None:
        """The worker's process id."""
        return self.process.pid

    def wait_ready(self, timeout: float) -> bool:
        """True once the worker has pyshacl and the shapes loaded; False if it is not there in time."""
        if not self.ready:
            try:
                if not self.conn.poll(max(0.0, timeout)):
                    return False
                self.conn.recv()
            except (EOFError, OSError):
                return False
            self.ready = True
        return True

    def kill(self) -> None:
        """Stop the process and wait until it is gone (synchronous: no runaway survives the caller)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()

    def retire(self) -> None:
        """Let an idle worker leave on its own (it returns when its pipe closes), else kill it."""
        self.conn.close()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class ValidationPool:
    """Up to `workers` validation processes, started when first needed and kept warm between writes.

    `run` sends jobs to as many workers as are free (a large upload's chunks run in parallel), each
    under the time limit. Workers are shared by all requests; a request that finds none free waits
    for one for as long as the time limit, then gets a 503.
    """

    def __init__(self, *, workers: int = 2, timeout: float | None = 60.0, memory_mib: int = 2048,
                 warm: int = 1) -> None:
        self.size = max(1, workers)
        self.timeout = timeout if timeout and timeout > 0 else None
        self.memory_mib = max(0, memory_mib)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers = 0  # started and not yet stopped, busy or idle
        self._closed = False
        self.killed = 0  # workers stopped at the time limit or lost, since start
        for _ in range(min(warm, self.size)):
            self._start()

    # -- workers --------------------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._closed or self._workers >= self.size:
                return
            self._workers += 1
        self._idle.put(_Worker(self.memory_mib))

    def _acquire(self, *, block: bool, wait: float | None = None) -> _Worker | None:
        """An idle worker (one is started if the pool is not full); without `block`, only one free
        now; with it, the first freed within `wait` seconds (None: however long it takes)."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        self._start()
        try:
            if not block:
                return self._idle.get_nowait()
            return self._idle.get(timeout=None if wait is None else max(0.0, wait))
        except queue.Empty:
            return None

    def _release(self, worker: _Worker, *, retire: bool = False) -> None:
        if retire or self._closed:
            self._stop(worker, killed=False)
        else:
            self._idle.put(worker)

    def _stop(self, worker: _Worker, *, killed: bool) -> None:
        """Stop a worker now; start its successor (it gets ready while nobody waits for it)."""
        if killed:
            worker.kill()
        else:
            worker.retire()
        with self._lock:
            self._workers -= 1
            self.killed += killed
        if not self._closed:
            self._start()

    @property
    def pids(self) -> list[int]:
        """The process ids of the idle workers (for tests and `driehoek` diagnostics)."""
        with self._idle.mutex:
            return [w.pid for w in self._idle.queue if w.pid is not None]

    # -- jobs -----------------------------------------------------------------------------------

    def run(self, jobs: Iterable[ValidationJob], *,
            done: Callable[[ValidationJob], None] | None = None) -> list[ValidationOutcome]:
        """Run every job, in parallel where workers are free; outcomes in the order they finish.

        Each job (a whole small upload, or one chunk of a large one) has the time limit: past it,
        every worker still busy with these jobs is killed and waited for before ValidationTimeout
        is raised. A worker over its memory cap gives PayloadTooLarge. Jobs are taken from `jobs`
        only as workers come free, so a large upload's chunks are built as they are needed."""
        if self._closed:
            raise ServiceUnavailable("the server is shutting down")
        pending = iter(jobs)
        running: dict[Any, tuple[_Worker, ValidationJob, float | None]] = {}  # conn -> worker, job, deadline
        outcomes: list[ValidationOutcome] = []
        try:
            job = next(pending, None)
            while job is not None or running:
                while job is not None and len(running) < self.size:  # as many jobs out as workers are free
                    worker = self._acquire(block=not running, wait=self.timeout)
                    if worker is None:
                        if running:
                            break
                        raise ServiceUnavailable("all validation workers are busy; nothing was written, try "
                                                 "again shortly")
                    # with jobs of ours running, a worker still starting is not waited for here
                    if not worker.wait_ready(0.0 if running else STARTUP_SECONDS):
                        if running and worker.process.is_alive():
                            self._idle.put(worker)
                            break
                        self._stop(worker, killed=True)
                        if running:
                            break
                        raise ServiceUnavailable("a validation worker did not start (see the server's log; is "
                                                 f"DRIEHOEK_VALIDATION_MEMORY of {self.memory_mib} MiB too small?); "
                                                 "nothing was written")
                    try:
                        worker.conn.send(job)
                    except OSError:  # it died while idle (killed from outside): replace it, try again
                        self._stop(worker, killed=True)
                        continue
                    deadline = None if self.timeout is None else time.monotonic() + self.timeout
                    running[worker.conn] = (worker, job, deadline)
                    job = next(pending, None)
                deadlines = [d for _w, _j, d in running.values() if d is not None]
                remaining = min(deadlines) - time.monotonic() if deadlines else None
                if remaining is not None and remaining <= 0:
                    raise self._timeout()
                if job is not None and len(running) < self.size:  # look again soon for a worker come ready
                    remaining = 0.25 if remaining is None else min(remaining, 0.25)
                for conn in wait(list(running), timeout=remaining):
                    worker, finished, _deadline = running.pop(conn)
                    try:
                        status, payload = worker.conn.recv()
                    except (EOFError, OSError):  # it died: RLIMIT_AS in C code, or the kernel's OOM killer
                        self._stop(worker, killed=True)
                        raise self._too_large(finished) from None
                    if status == "memory":
                        self._stop(worker, killed=True)
                        raise self._too_large(finished)
                    if status == "error":
                        self._release(worker)
                        raise rebuild_error(payload)
                    outcome, grown = payload
                    self._release(worker, retire=grown)
                    outcomes.append(outcome)
                    if done is not None:
                        done(finished)
        finally:
            for worker, _job, _deadline in running.values():  # stopped at the limit, or another job failed
                self._stop(worker, killed=True)
        return outcomes

    def _timeout(self) -> ValidationTimeout:
        assert self.timeout is not None
        return ValidationTimeout(f"the validation was stopped after its time limit of {self.timeout:g} s "
                                 "(DRIEHOEK_VALIDATION_TIMEOUT); nothing was written. Split the data into "
                                 "smaller uploads, or its largest resource into smaller ones, and try again",
                                 timeout_seconds=self.timeout)

    def _too_large(self, job: ValidationJob) -> PayloadTooLarge:
        return PayloadTooLarge(f"{job.source}: the data needs more memory to validate than a validation may use "
                               f"({self.memory_mib} MiB, DRIEHOEK_VALIDATION_MEMORY); nothing was written. "
                               "Split it into smaller uploads", source=job.source)

    def close(self) -> None:
        """Stop every worker (busy ones are stopped by their callers as they finish)."""
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            worker.kill()
            with self._lock:
                self._workers -= 1


def pool_size() -> int:
    """Workers for one server: as many as the chunks of a large upload may use (up to 4 cores)."""
    return max(1, min(os.cpu_count() or 1, 4))
