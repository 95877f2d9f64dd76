"""How a query worker hands a result back: small ones over the pipe, large ones through a spool file
that is removed once read; the remembered negotiation of /sparql answers like the real one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox
import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from driehoek import formats, negotiation
from driehoek.errors import BadRequest
from driehoek.service import Driehoek, Source
from driehoek.store import SnapshotReader
from driehoek.web import sparql as sparql_web
from driehoek.workers import INLINE_RESULT_BYTES, QueryJob, QueryPool, _run_job

from . import backend

ROWS = 6_000  # about 100 bytes of JSON each: past INLINE_RESULT_BYTES
# The query pool, its workers and SnapshotReader read the embedded store's RocksDB snapshots.
WORKERS_ONLY = pytest.mark.embedded_only("query worker processes reading RocksDB snapshots")
JSON_ONLY = {"solutions": formats.RESULTS_JSON, "boolean": formats.RESULTS_JSON, "graph": formats.TURTLE}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("results")
    source = root / "rows.nt"
    source.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "value number {i}" .\n'
                              for i in range(ROWS)))
    service = Driehoek(backend.settings_for(root / "var"))
    try:
        service.load_trusted(Source.from_path(source), ox.NamedNode("https://w3id.org/driehoek/graph/rows"),
                             agent="test")
    finally:
        service.close()
    return root / "var"


@pytest.fixture(scope="module")
def pool(data_dir: Path) -> Iterator[QueryPool]:
    pool = QueryPool(data_dir / "snapshots", data_dir / "spool", workers=1, timeout=60)
    yield pool
    pool.close()


@WORKERS_ONLY
def test_a_small_result_comes_back_without_a_spool_file(pool: QueryPool, data_dir: Path) -> None:
    outcome = pool.run('SELECT ?o WHERE { <http://example.org/s7> ?p ?o }', formats_by_kind=JSON_ONLY)
    assert outcome.data is not None
    assert not outcome.path.exists()
    assert list((data_dir / "spool").iterdir()) == []
    body = outcome.read()
    assert len(body) == outcome.size
    assert json.loads(body)["results"]["bindings"] == [{"o": {"type": "literal", "value": "value number 7"}}]


@WORKERS_ONLY
def test_a_large_result_is_spooled_streamed_whole_and_removed(pool: QueryPool) -> None:
    outcome = pool.run("SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }", formats_by_kind=JSON_ONLY)
    assert outcome.data is None
    assert outcome.path.exists() and outcome.size > INLINE_RESULT_BYTES
    body = outcome.read()
    assert len(body) == outcome.size
    assert len(json.loads(body)["results"]["bindings"]) == ROWS
    assert not outcome.path.exists()


@WORKERS_ONLY
@pytest.mark.parametrize("limit", [0, 1_000, 10**9])
def test_inline_and_spooled_results_are_the_same_bytes(data_dir: Path, tmp_path: Path, limit: int) -> None:
    reader = SnapshotReader(data_dir / "snapshots")
    spool = tmp_path / "result.out"
    job = QueryJob("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 50", str(spool), {"solutions": "csv"})
    _kind, _fmt, size, data = _run_job(reader, job, inline_limit=limit)
    body = data if data is not None else spool.read_bytes()
    assert (data is None) == (size > limit)
    expected = reader.store().query(job.sparql, use_default_graph_as_union=True).serialize(
        format=ox.QueryResultsFormat.CSV)
    assert body == expected and size == len(expected)


@WORKERS_ONLY
@pytest.mark.parametrize("written", [10, 5_000])
def test_a_query_failing_while_written_leaves_no_spool_file(data_dir: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch, written: int) -> None:
    from driehoek import sparql as sparql_domain

    def fail_half_way(_results: object, _fmt: object, output: IO[bytes]) -> None:
        output.write(b"x" * written)  # some errors only surface while the rows are produced
        raise RuntimeError("evaluation failed")

    monkeypatch.setattr(sparql_domain, "serialize", fail_half_way)
    spool = tmp_path / "result.out"
    job = QueryJob("SELECT ?s WHERE { ?s ?p ?o }", str(spool), {"solutions": "json"})
    with pytest.raises(BadRequest):
        _run_job(SnapshotReader(data_dir / "snapshots"), job, inline_limit=1_000)
    assert not spool.exists()


@pytest.mark.parametrize("accept", ["", "*/*", "application/sparql-results+json", "text/csv;q=0.9, text/tab-separated-values",
                                    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "image/png"])
@pytest.mark.parametrize("names", [(), ("csv",), ("turtle",)])
def test_remembered_negotiation_answers_like_negotiation(accept: str, names: tuple[str, ...]) -> None:
    expected = negotiation.formats_by_kind(parse_accept_header(accept, MIMEAccept), names)
    assert sparql_web._formats_by_kind(accept, names) == expected
    again = sparql_web._formats_by_kind(accept, names)
    again["solutions"] = None  # a caller changing its copy changes nothing remembered
    assert sparql_web._formats_by_kind(accept, names) == expected


def test_remembered_negotiation_still_refuses_unknown_formats() -> None:
    for _ in range(2):
        with pytest.raises(BadRequest):
            sparql_web._formats_by_kind("*/*", ("no-such-format",))
