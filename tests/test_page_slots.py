"""Fairness (issue 14, point 10): named queries run in the query workers under the query time limit,
and page work never holds every server thread (web/slots.py).

Nothing here measures time: a page is held inside its slot on purpose (Gate) until the test lets it
go, and every wait is a deadline. bench/fairness.py measures the latencies."""

from __future__ import annotations

import dataclasses
import io
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import waitress
from waitress import wasyncore
from flask import Flask

from driehoek import formats, queries
from driehoek.app import create_app
from driehoek.config import Settings
from driehoek.service import Driehoek
from driehoek.web import browse, slots

from .test_named_queries import Page

DEADLINE = 30.0  # seconds any one wait may take before the test fails
# Each of these takes a page slot (one per kind of endpoint in slots.COUNTED) ...
COUNTED = ["/queries/supervisors.csv", "/queries/supervisors", "/criteria", "/doc/case/digid", "/org/zb000117",
           "/def", "/changes", "/.well-known/void", "/monitor/2024.json",
           "/graph-store?graph=https://w3id.org/driehoek/graph/ontology"]
# ... and these never do.
FREE = ["/health", "/static/driehoek.css", "/queries", "/sparql?query=ASK%7B%7D"]

MakeApp = Callable[..., Flask]
# Why the tests with an in-process waitress server run on the embedded store only (the limiter does not
# depend on the store): on a remote store the /sparql runner leaves pyoxigraph result objects made in
# a server thread to the garbage collector, which may free them on another thread; pyo3 refuses that
# ("unsendable") and pytest reports it for whichever test runs then. A server in a process of its own
# (as in every other test) hides it; /sparql alone shows it, without a named query or a page slot.
SERVED_ON_REMOTE = ("an in-process server: the remote /sparql runner's result objects are freed on other threads "
                    "(pyo3 'unsendable'), which pytest reports as unraisable")


@pytest.fixture
def make_app(bundled: Settings) -> Iterator[MakeApp]:
    """Apps on a copy of the bundled store, with settings changed for the app only (the service
    keeps the defaults: on a remote store its own requests use the query time limit too)."""
    made: list[tuple[Flask, Driehoek]] = []

    def make(**changes: Any) -> Flask:
        service = Driehoek(bundled)
        service.store.publish_snapshot()
        app = create_app(dataclasses.replace(bundled, **changes), service)
        made.append((app, service))
        return app

    yield make
    for app, service in made:
        app.extensions["driehoek.pool"].close()
        service.close()


class Served:
    """The app on a real waitress server with `threads` threads, in this process (so that a test can
    hold a request where it likes); loopback only."""

    def __init__(self, app: Flask, threads: int) -> None:
        self.map: dict[int, Any] = {}
        self.server = waitress.create_server(app, map=self.map, host="127.0.0.1", port=0, threads=threads)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """The threads first (each wakes the loop when it is done), then every socket; the loop ends."""
        self.server.task_dispatcher.shutdown(timeout=DEADLINE)
        wasyncore.close_all(self.map)
        self.thread.join(DEADLINE)


class Gate:
    """Holds every browsing page inside its page slot until opened: page work made slow on purpose."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered, self.opened = threading.Event(), threading.Event()
        original = browse.current_snapshot

        def held() -> Any:
            self.entered.set()
            assert self.opened.wait(DEADLINE), "the test never opened the gate"
            return original()

        monkeypatch.setattr(browse, "current_snapshot", held)


class Background:
    """One GET in a thread of its own."""

    def __init__(self, url: str) -> None:
        self.response: requests.Response | None = None
        self.thread = threading.Thread(target=self._get, args=(url,), daemon=True)
        self.thread.start()

    def _get(self, url: str) -> None:
        self.response = requests.get(url, headers={"Accept": "text/html"}, timeout=2 * DEADLINE)

    def result(self) -> requests.Response:
        self.thread.join(2 * DEADLINE)
        assert self.response is not None, "the request did not come back"
        return self.response


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() >= deadline:  # a guard against a hang, not a timing
            pytest.fail(f"never happened: {what}")
        time.sleep(0.01)


def is_busy(response: requests.Response) -> bool:
    """503 with Retry-After and driehoek's JSON error."""
    return (response.status_code == 503 and int(response.headers["Retry-After"]) > 0
            and response.json()["error"] == "unavailable")


# -- named queries in the query workers ------------------------------------------------------------------

def test_a_named_query_download_past_the_time_limit_is_a_503(make_app: MakeApp) -> None:
    # relations-changed-over-time takes hundreds of milliseconds on the bundled data; the limit is 1 ms
    client = make_app(query_timeout=0.001, query_workers=1).test_client()
    response = client.get("/queries/relations-changed-over-time.csv")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    error = response.get_json()
    assert error["error"] == "query_timeout" and error["timeout_seconds"] == 0.001
    assert "relations-changed-over-time" in error["message"]


def test_a_named_query_page_past_the_time_limit_is_a_503_page(make_app: MakeApp) -> None:
    client = make_app(query_timeout=0.001, query_workers=1).test_client()
    response = client.get("/queries/relations-changed-over-time", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert response.content_type.startswith("text/html")
    assert int(response.headers["Retry-After"]) > 0
    assert Page(response.get_data(as_text=True)).by_class["status-code"][0].endswith("503 · query_timeout")


def test_a_download_runs_in_the_workers_and_is_what_pyoxigraph_writes(
        make_app: MakeApp, bundled: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each download is one query in the pool, and its spooled result is streamed as it is: the same
    bytes as serialising in-process."""
    app = make_app(query_workers=1)
    service, client, pool = app.extensions["driehoek"], app.test_client(), app.extensions["driehoek.pool"]
    sent: list[str] = []
    run = pool.run
    monkeypatch.setattr(pool, "run", lambda sparql, **kwargs: sent.append(sparql) or run(sparql, **kwargs))
    named = queries.get("supervisors-on-date")
    params = {"date": "2010-01-01", "lang": "en"}
    store = service.snapshot()
    for fmt in formats.RESULTS_FORMATS:
        expected = io.BytesIO()
        queries.serialize(named, store, params, fmt, expected, withdrawn=service.withdrawn_graphs(store),
                          base_iri=bundled.base_iri)
        response = client.get(f"/queries/{named.name}.{fmt.name}", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_data() == expected.getvalue(), fmt.name
    assert sent == [named.text] * len(formats.RESULTS_FORMATS)


# -- page slots --------------------------------------------------------------------------------------------

def test_the_slots_leave_threads_for_everything_else() -> None:
    def sized(**values: int) -> tuple[int, int]:
        made = slots.for_settings(Settings(**values))
        return made.size, made.waiting

    assert sized(threads=8) == (6, 1)  # DRIEHOEK_PAGE_THREADS=0: threads minus 2; one may wait
    assert sized(threads=2) == (1, 0)
    assert sized(threads=1) == (1, 0)  # at least one
    assert sized(threads=16, page_threads=4) == (4, 11)
    assert sized(threads=4, page_threads=4) == (4, 0)


@pytest.mark.embedded_only(SERVED_ON_REMOTE)
def test_a_held_page_slot_leaves_health_and_refuses_more_page_work(
        make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two threads, one page slot: while a page holds it, every other page, named query, document,
    feed and report gets 503 at once, and /health, static files, the query list and /sparql answer."""
    app = make_app(threads=2, page_threads=1, query_workers=1)
    gate = Gate(monkeypatch)
    server = Served(app, threads=2)
    try:
        held = Background(server.url + "/themes")
        assert gate.entered.wait(DEADLINE)
        for path in COUNTED:
            response = requests.get(server.url + path, timeout=DEADLINE)
            assert is_busy(response), (path, response.status_code, response.text[:300])
        for path in FREE:
            response = requests.get(server.url + path, timeout=DEADLINE)
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
        browser = requests.get(server.url + "/cases", headers={"Accept": "text/html"}, timeout=DEADLINE)
        assert browser.status_code == 503 and int(browser.headers["Retry-After"]) > 0
        assert browser.headers["Content-Type"].startswith("text/html")
        gate.opened.set()
        assert held.result().status_code == 200
        wait_until(lambda: app.extensions[slots.EXTENSION].in_use == 0, "the slot is given back")
        assert requests.get(server.url + COUNTED[0], timeout=DEADLINE).status_code == 200
    finally:
        gate.opened.set()
        server.close()


@pytest.mark.embedded_only(SERVED_ON_REMOTE)
def test_a_second_page_waits_for_the_slot_and_a_third_is_refused(
        make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three threads, one page slot: one request may wait for it (a thread stays free), the next is
    refused at once, /health answers meanwhile, and the waiting one is served once the slot is free."""
    app = make_app(threads=3, page_threads=1, query_workers=1)
    page_slots = app.extensions[slots.EXTENSION]
    page_slots.wait = 2 * DEADLINE  # long enough that only the held page decides
    gate = Gate(monkeypatch)
    server = Served(app, threads=3)
    try:
        held = Background(server.url + "/themes")
        assert gate.entered.wait(DEADLINE)
        waiting = Background(server.url + "/criteria")
        wait_until(lambda: page_slots.queued == 1, "the second page waits for the slot")
        assert is_busy(requests.get(server.url + "/events", timeout=DEADLINE))
        assert requests.get(server.url + "/health", timeout=DEADLINE).status_code == 200
        assert waiting.thread.is_alive()  # still waiting: the slot is held
        gate.opened.set()
        assert held.result().status_code == 200
        assert waiting.result().status_code == 200
        assert page_slots.refused == 1
    finally:
        gate.opened.set()
        server.close()


@pytest.mark.embedded_only(SERVED_ON_REMOTE)
def test_a_page_that_waits_too_long_for_a_slot_is_a_503(make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(threads=3, page_threads=1, query_workers=1)
    app.extensions[slots.EXTENSION].wait = 0.01
    gate = Gate(monkeypatch)
    server = Served(app, threads=3)
    try:
        held = Background(server.url + "/themes")
        assert gate.entered.wait(DEADLINE)
        assert is_busy(requests.get(server.url + "/criteria", timeout=DEADLINE))
        gate.opened.set()
        assert held.result().status_code == 200
    finally:
        gate.opened.set()
        server.close()


@pytest.mark.embedded_only(SERVED_ON_REMOTE)
def test_named_queries_use_all_workers_but_one_and_queue_briefly(
        make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two query workers: one named query runs at once (the other worker stays for /sparql), two
    more wait their turn, the next is refused at once; all of them answer once the first is done."""
    app = make_app(query_workers=2)
    lane = app.extensions[slots.NAMED_QUERY_LANE]
    lane.wait = 2 * DEADLINE  # long enough that only the held query decides
    pool = app.extensions["driehoek.pool"]
    entered, opened = threading.Event(), threading.Event()
    run = pool.run

    def held_run(sparql: str, **kwargs: Any) -> Any:
        if sparql == queries.get("supervisors").text:
            entered.set()
            assert opened.wait(DEADLINE), "the test never let the named query run"
        return run(sparql, **kwargs)

    monkeypatch.setattr(pool, "run", held_run)
    server = Served(app, threads=8)
    try:
        first = Background(server.url + "/queries/supervisors.csv")
        assert entered.wait(DEADLINE)
        waiting = [Background(server.url + "/queries/supervisors.json") for _ in range(2)]
        wait_until(lambda: lane.queued == 2, "two named queries wait their turn")
        refused = requests.get(server.url + "/queries/supervisors.csv", timeout=DEADLINE)
        assert is_busy(refused) and "named queries" in refused.json()["message"]
        light = requests.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=DEADLINE)
        assert light.status_code == 200
        opened.set()
        assert [b.result().status_code for b in (first, *waiting)] == [200, 200, 200]
    finally:
        opened.set()
        server.close()
