"""Heavy queries never starve light ones, and a stopped worker is gone when its 503 is sent (issue 14,
points 10 and 11).

The query pool has a lane for heavy queries (workers.QueryPool): a query past HEAVY_AFTER leaves its
worker to a stand-in, at most `max_heavy` heavy queries run at once, and one that turns heavy beyond
that is stopped at once with 503 + Retry-After. These tests check the guarantees, not how fast: a
light ASK gets its answer while 4 or 8 runaways are in flight, and a worker that was stopped is no
longer a process when the caller hears about it. Waits are deadlines, never assertions on time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from driehoek import formats
from driehoek.errors import QueryTimeout, ServiceUnavailable
from driehoek.workers import QueryPool

from .conftest import Server
from .stewards import make_data_dir

pytestmark = pytest.mark.embedded_only("the embedded store's query pool: a remote store runs queries on its server")

JSON = {"boolean": formats.RESULTS_JSON, "solutions": formats.RESULTS_JSON, "graph": None}
DEADLINE = 120.0  # a guard against hangs, not a timing


def runaway(n: int) -> str:
    """A cross product of eight patterns: over the ~16 seed triples, 16^8 rows to count (minutes)."""
    patterns = " . ".join(f"?s{n}_{i} ?p{i} ?o{i}" for i in range(8))
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ {patterns} }}"


LIGHT = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fairness") / "var"
    make_data_dir(root)
    return root


def _pool(data_dir: Path, tmp_path: Path, **options: float) -> QueryPool:
    return QueryPool(data_dir / "snapshots", tmp_path / "spool", **options)  # type: ignore[arg-type]


def _pids(pool: QueryPool) -> set[int]:
    return {worker.process.pid for worker in list(pool._idle.queue)}


def _gone(pid: int) -> bool:
    """True when no process has this pid any more (a zombie still has one: it was never reaped)."""
    return not psutil.pid_exists(pid)


def _wait_until(condition: object, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not condition():  # type: ignore[operator]
        if time.monotonic() >= end:  # a guard against a hang, not a timing: the condition must hold
            pytest.fail("the condition never held")
        time.sleep(0.02)


def test_a_worker_stopped_at_the_time_limit_is_gone_before_the_503(data_dir: Path, tmp_path: Path) -> None:
    pool = _pool(data_dir, tmp_path, workers=1, timeout=2)
    try:
        (pid,) = _pids(pool)
        with pytest.raises(QueryTimeout) as raised:
            pool.run(runaway(0), formats_by_kind=JSON)
        assert _gone(pid), "the runaway's worker was still a process when its 503 was raised"
        assert int(raised.value.headers["Retry-After"]) > 0
        assert pool.run(LIGHT, formats_by_kind=JSON).read() == b'{"head":{},"boolean":true}'
    finally:
        pool.close()


def test_a_query_that_turns_heavy_beyond_the_cap_is_stopped_at_once(data_dir: Path, tmp_path: Path) -> None:
    pool = _pool(data_dir, tmp_path, workers=1, timeout=6, max_heavy=1)
    first: dict[str, BaseException] = {}

    def run_first() -> None:
        try:
            pool.run(runaway(1), formats_by_kind=JSON)
        except BaseException as err:  # noqa: BLE001 (kept for the assertion below)
            first["error"] = err

    thread = threading.Thread(target=run_first)
    try:
        thread.start()
        _wait_until(lambda: pool._heavy == 1)  # the first runaway is in the heavy lane
        _wait_until(lambda: len(_pids(pool)) == 1)  # and its stand-in is ready
        (second,) = _pids(pool)
        with pytest.raises(ServiceUnavailable) as raised:
            pool.run(runaway(2), formats_by_kind=JSON)
        assert "too many long-running queries" in raised.value.message
        assert int(raised.value.headers["Retry-After"]) > 0
        assert _gone(second)
        # the lane for light queries is still there
        assert pool.run(LIGHT, formats_by_kind=JSON).read() == b'{"head":{},"boolean":true}'
    finally:
        thread.join(DEADLINE)
        pool.close()
    assert isinstance(first["error"], QueryTimeout)


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[Server]:
    # a few seconds: runaways end within the test; a light query may wait that long for a worker. More
    # server threads than runaways: the light query must meet them in the query pool, not in waitress
    srv = Server(data_dir, {"DRIEHOEK_QUERY_TIMEOUT": "15", "DRIEHOEK_QUERY_WORKERS": "2", "DRIEHOEK_THREADS": "16"})
    yield srv
    srv.stop()


@pytest.mark.parametrize("runaways", [4, 8])
def test_a_light_query_gets_its_answer_with_runaways_in_flight(server: Server, runaways: int) -> None:
    statuses: list[int] = []

    def send(n: int) -> None:
        response = requests.get(server.url + "/sparql", params={"query": runaway(n)}, timeout=DEADLINE)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(runaways)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)  # let them reach the server first (not an assertion: a later light query only waits less)
    try:
        response = requests.get(server.url + "/sparql", params={"query": LIGHT}, timeout=DEADLINE,
                                headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, response.text
        assert response.json()["boolean"] is True
    finally:
        for thread in threads:
            thread.join(DEADLINE)
    # every runaway was stopped with a clear 503 (time limit, or too many long-running queries)
    assert sorted(statuses) == [503] * runaways


def test_a_runaway_sent_again_while_the_heavy_lane_is_full_takes_no_worker(data_dir: Path, tmp_path: Path) -> None:
    """A query that ran long is remembered: sent again while the heavy lane is full, it gets its 503 at
    once, before it takes a normal-lane worker that light queries need (runaways resent in a loop held
    those workers 0.25-1 s each)."""
    pool = _pool(data_dir, tmp_path, workers=1, timeout=15, max_heavy=1)
    outcome: dict[str, BaseException] = {}

    def first() -> None:
        try:
            pool.run(runaway(1), formats_by_kind=JSON)
        except BaseException as err:  # noqa: BLE001 (stopped by close() below)
            outcome["first"] = err

    thread = threading.Thread(target=first, daemon=True)
    thread.start()
    try:
        _wait_until(lambda: pool._heavy == 1)  # the first run went long: it holds the heavy lane
        _wait_until(lambda: pool._idle.qsize() == 1)  # its stand-in is ready in the normal lane
        refused_before, stand_in = pool.refused_heavy, _pids(pool)
        with pytest.raises(ServiceUnavailable, match="long-running"):
            pool.run(runaway(1), formats_by_kind=JSON)
        assert pool.refused_heavy == refused_before + 1
        assert _pids(pool) == stand_in  # the same worker waits in the normal lane: none was taken and stopped
        assert pool.run(LIGHT, formats_by_kind=JSON).read() == b'{"head":{},"boolean":true}'
    finally:
        pool.close()
        thread.join(DEADLINE)
