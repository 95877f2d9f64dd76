"""Page slots: at most DRIEHOEK_PAGE_THREADS requests build pages or run named queries at once, so
that page work never holds every server thread and `/health` (and the rest) always finds one.

Waitress serves each request in one of DRIEHOEK_THREADS threads; a request that waits (for a page
query on the snapshot, for a query worker) keeps its thread meanwhile. Eight clients downloading a
large named query used to take all eight threads, and `/health` waited 20 s behind them (issue 14).
So the requests of the endpoints in COUNTED first take a slot. One that finds none waits for one at
most WAIT seconds, and only while few enough others wait that a thread stays free (`waiting`);
otherwise it gets 503 with Retry-After at once, in the same JSON or HTML shape as every other error.

What counts is every anonymous read that works in the server process on the snapshot and may take
long: the browsing pages, /doc, /org and /def, a named query (which waits for a query worker while it
holds its slot), the yearly report (its named queries run in-process, and the PDF too), /changes,
VoID, the public dump and Graph Store reads. What does not count is what takes no time or is bounded
elsewhere: /health; static files; /sparql, whose queries run in the query workers; the list of
named queries and the /id redirects, made from memory; writes and /validate, which need a token or
have limits of their own.

Named queries run in the query workers, beside /sparql. So that a crowd of downloads cannot take
every worker from light queries either, they have a lane of their own (`for_pool`): all but one
worker at most, and a short line; a request beyond that line gets 503 at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g, request

from ..config import Settings
from ..errors import ServiceUnavailable

EXTENSION = "driehoek.page_slots"
NAMED_QUERY_LANE = "driehoek.named_query_lane"
NAMED_QUERY_WAITING = 2  # named queries that may wait for a worker: the next ones in line, not a crowd
WAIT = 2.0  # seconds a request may wait for a slot: a burst of page requests queues rather than fails
RETRY_AFTER = 2  # seconds a refused client is asked to wait
COUNTED = frozenset({
    "browse.home", "browse.organisations", "browse.cases", "browse.criteria", "browse.themes", "browse.events",
    "browse.monitor", "browse.search", "browse.patterns_page", "browse.patterns_data", "browse.organisation_relations",
    "resources.document", "resources.organisation", "resources.concept", "resources.vocabulary",
    "named_queries.show",
    "report.page", "report.as_json", "report.as_csv", "report.as_pdf",
    "graphs.changes", "graphs.get_graph",
    "api.void_description", "api.public_dump",
})


class Slots:
    """A counting limiter with a bounded wait: `size` requests at once, `waiting` more may wait up
    to `wait` seconds for a slot, the rest are refused at once (503; `busy` says with what)."""

    def __init__(self, size: int, *, waiting: int = 0, wait: float = WAIT,
                 busy: str = "the server is busy with other pages and queries") -> None:
        self.size, self.waiting, self.wait, self.busy = max(1, size), max(0, waiting), wait, busy
        self.in_use = 0  # slots held now
        self.queued = 0  # requests waiting for a slot now
        self.refused = 0  # requests refused since start
        self._free = threading.Condition()

    def acquire(self) -> None:
        """Take a slot, waiting briefly if allowed; ServiceUnavailable if none comes."""
        with self._free:
            if self.in_use < self.size:
                self.in_use += 1
                return
            if self.queued < self.waiting:
                self.queued += 1
                try:
                    got = self._free.wait_for(lambda: self.in_use < self.size, timeout=self.wait)
                finally:
                    self.queued -= 1
                if got:
                    self.in_use += 1
                    return
            self.refused += 1
        raise ServiceUnavailable(f"{self.busy} ({self.size} at once); try again in a moment",
                                 retry_after=RETRY_AFTER)

    def release(self) -> None:
        """Give a slot back and wake one waiting request."""
        with self._free:
            self.in_use -= 1
            self._free.notify()

    @contextmanager
    def held(self) -> Iterator[None]:
        """A slot for the length of a `with` block."""
        self.acquire()
        try:
            yield
        finally:
            self.release()


def for_settings(settings: Settings) -> Slots:
    """The slots for these settings: DRIEHOEK_PAGE_THREADS (0: DRIEHOEK_THREADS minus 2, at least 1);
    requests may wait for one only while at least one thread stays free for everything else."""
    size = settings.page_threads or max(1, settings.threads - 2)
    return Slots(size, waiting=settings.threads - size - 1)


def for_pool(pool: Any) -> Slots:
    """The named-query lane: named queries share the query workers with /sparql, and all but one of
    the workers (at least one) may run named queries at once, so that a light /sparql query finds a
    worker while downloads queue. A few more may wait as long as the pool lets any query wait for a
    worker (holding their page slot meanwhile); the rest are refused at once."""
    return Slots(max(1, pool.size - 1), waiting=NAMED_QUERY_WAITING, wait=pool.queue_wait,
                 busy="the query workers that named queries may use are busy")


def named_query_lane() -> Slots:
    """The app's named-query lane."""
    return current_app.extensions[NAMED_QUERY_LANE]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    """Take a slot before a counted request is handled and give it back when the request ends.

    Register after caching.init_app: a request answered 304 from its ETag never takes a slot. The
    slot is given back when the response is returned, before a body is streamed: what streams then
    (a named query's result, the dump) is already spooled, and waitress buffers it."""
    slots = app.extensions[EXTENSION] = for_settings(app.config["DRIEHOEK_SETTINGS"])
    app.extensions[NAMED_QUERY_LANE] = for_pool(app.extensions["driehoek.pool"])

    @app.before_request
    def _take_slot() -> None:
        if request.endpoint in COUNTED:
            slots.acquire()
            g.page_slot = True

    @app.teardown_request
    def _give_back(_error: BaseException | None) -> None:
        if g.pop("page_slot", False):
            slots.release()


__all__ = ["COUNTED", "EXTENSION", "NAMED_QUERY_LANE", "Slots", "for_pool", "for_settings", "init_app",
           "named_query_lane"]
