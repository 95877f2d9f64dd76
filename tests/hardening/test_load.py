"""Load on loopback: N readers and a writer for a bounded time, zero errors, no torn reads.

Each write replaces a graph with a new version whose every triple carries the version number (two
graphs at once for a TriG PUT); each read checks that what it got is one whole version. The fast
subset runs 4 readers for 8 s; the slow one 8 readers for 60 s. The p99 figures under a runaway
query are bench/hardening_load.py's, not a test's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..conftest import Server
from ..stewards import running
from . import loadgen

SIZES = [pytest.param((4, 8.0), id="fast-4x8s"), pytest.param((8, 60.0), id="slow-8x60s", marks=pytest.mark.slow)]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    data_dir = tmp_path_factory.mktemp("load") / "var"
    token = loadgen.prepare(data_dir)
    with running(data_dir, {"DRIEHOEK_THREADS": "16"}) as server:
        yield server, token


@pytest.mark.parametrize("size", SIZES)
def test_readers_never_see_a_half_written_graph(loaded: tuple[Server, str], size: tuple[int, float]) -> None:
    server, token = loaded
    readers, seconds = size
    result = loadgen.run(server.url, token, readers, seconds, min_writes=3)
    summary = (f"{readers} readers x {result.seconds:.0f} s: {result.reads} reads, {result.writes} writes, "
               f"{len(result.versions_seen)} versions seen, read p99 {1000 * result.p('graph', 0.99):.0f} ms")
    print(summary)
    assert result.errors == [], result.errors[:10]
    assert result.torn == [], result.torn[:10]
    assert result.writes >= 3 and result.reads >= 10 * readers, summary
    assert len(result.versions_seen) >= 2, "the readers never saw a write land"
    assert server.process.poll() is None
