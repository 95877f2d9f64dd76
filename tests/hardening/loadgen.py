"""Load on loopback: N readers and one writer against a real server for a bounded time.

The writer keeps rewriting versioned graphs — PUT of V, a TriG PUT of A and B together, an update of
U — where every triple of version v carries "v". The readers read them back through the Graph Store
and SPARQL and check each graph is whole and all one version (and A and B the same version, read in
one query, since they were written in one transaction). Used by tests/hardening/test_load.py (fast
and slow sizes) and bench/hardening_load.py (the p99 figures with and without a runaway query).
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from ..conftest import Cli
from ..stewards import make_data_dir

GRAPHS = "https://w3id.org/driehoek/graph/"
V, A, B, U = (GRAPHS + "load/" + name for name in ("v", "a", "b", "u"))
VERSION = "http://example.org/version"
TRIPLES = 200


def content(graph: str, version: int, triples: int = TRIPLES) -> str:
    name = graph.rsplit("/", 1)[1]
    return "".join(f'<http://example.org/{name}/s{i}> <{VERSION}> "{version}" .\n' for i in range(triples))


def prepare(data_dir: Path) -> str:
    """A data directory with version 0 of every graph; returns an admin's token (the writers' mix
    includes a TriG PUT of several graphs at once, a dataset-wide operation)."""
    token = make_data_dir(data_dir, admin=True)
    cli = Cli(data_dir)
    for graph in (V, A, B, U):
        path = data_dir.parent / f"{graph.rsplit('/', 1)[1]}-0.nt"
        path.write_text(content(graph, 0))
        result = cli("load", "--trusted", "--graph", graph, path)
        assert result.exit_code == 0, result.output
    return token


@dataclass
class Result:
    """What a load run saw: counts, every error and torn read, latencies per kind of request."""

    seconds: float = 0.0
    reads: int = 0
    writes: int = 0
    errors: list[str] = field(default_factory=list)
    torn: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    versions_seen: set[int] = field(default_factory=set)

    def p(self, kind: str, q: float) -> float:
        values = sorted(self.latencies.get(kind, []))
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))]


VERSIONS_QUERY = (f"SELECT ?g ?v (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ <{A}> <{B}> }} GRAPH ?g {{ ?s <{VERSION}> ?v }} }} "
                  "GROUP BY ?g ?v")


def _check_graph(body: str, graph: str, result: Result) -> None:
    versions: dict[str, int] = defaultdict(int)
    for line in body.splitlines():
        if line.strip():
            versions[line.rsplit('"', 2)[1]] += 1
    if len(versions) != 1 or next(iter(versions.values())) != TRIPLES:
        result.torn.append(f"{graph}: {dict(versions)}")
    else:
        result.versions_seen.add(int(next(iter(versions))))


def _check_pair(rows: list[dict], result: Result) -> None:
    seen = {(r["g"]["value"], r["v"]["value"], int(r["n"]["value"])) for r in rows}
    graphs = {g for g, _v, _n in seen}
    versions = {v for _g, v, _n in seen}
    if graphs != {A, B} or len(versions) != 1 or any(n != TRIPLES for _g, _v, n in seen):
        result.torn.append(f"A and B in one query: {sorted(seen)}")


def reader(url: str, stop: threading.Event, result: Result, lock: threading.Lock, seed: int) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    while not stop.is_set():
        kind = rng.choice(["graph", "graph", "pair", "ask", "health"])
        started = time.monotonic()
        try:
            if kind == "graph":
                graph = rng.choice([V, A, B, U])
                response = session.get(url + "/graph-store", params={"graph": graph}, timeout=60,
                                       headers={"Accept": "application/n-triples"})
            elif kind == "pair":
                response = session.get(url + "/sparql", params={"query": VERSIONS_QUERY}, timeout=60,
                                       headers={"Accept": "application/sparql-results+json"})
            elif kind == "ask":
                response = session.get(url + "/sparql", params={"query": f"ASK {{ GRAPH <{V}> {{ ?s ?p ?o }} }}"},
                                       timeout=60, headers={"Accept": "application/sparql-results+json"})
            else:
                response = session.get(url + "/health", timeout=60)
            elapsed = time.monotonic() - started
        except requests.RequestException as err:
            with lock:
                result.errors.append(f"{kind}: {err!r}")
            continue
        with lock:
            result.reads += 1
            result.latencies[kind].append(elapsed)
            if response.status_code != 200:
                result.errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
                continue
            if kind == "graph":
                _check_graph(response.text, graph, result)
            elif kind == "pair":
                _check_pair(response.json()["results"]["bindings"], result)
            elif kind == "ask" and response.json()["boolean"] is not True:
                result.torn.append("graph V missing")


def writer(url: str, token: str, stop: threading.Event, result: Result, lock: threading.Lock,
           pause: float = 0.0) -> None:
    session = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    version = 0
    while not stop.is_set():
        version += 1
        kind = ("put", "trig", "update")[version % 3]
        started = time.monotonic()
        try:
            if kind == "put":
                response = session.put(url + "/graph-store", params={"graph": V}, data=content(V, version).encode(),
                                       headers={**auth, "Content-Type": "application/n-triples"}, timeout=120)
            elif kind == "trig":
                body = f"<{A}> {{\n{content(A, version)}}}\n<{B}> {{\n{content(B, version)}}}\n"
                response = session.put(url + "/graph-store", data=body.encode(), timeout=120,
                                       headers={**auth, "Content-Type": "application/trig"})
            else:
                lines = content(U, version).replace("\n", " ")
                response = session.post(url + "/update", data=f"DROP GRAPH <{U}> ; INSERT DATA {{ GRAPH <{U}> {{ {lines} }} }}"
                                        .encode(), headers={**auth, "Content-Type": "application/sparql-update"},
                                        timeout=120)
        except requests.RequestException as err:
            with lock:
                result.errors.append(f"write {kind}: {err!r}")
            continue
        with lock:
            result.writes += 1
            result.latencies["write " + kind].append(time.monotonic() - started)
            if response.status_code not in (200, 201, 204):
                result.errors.append(f"write {kind}: {response.status_code} {response.text[:200]}")
        if pause:
            stop.wait(pause)


def run(url: str, token: str, readers: int, seconds: float, *, write: bool = True,
        also: Callable[[threading.Event], None] | None = None, min_writes: int = 0,
        deadline: float = 300.0) -> Result:
    """`readers` readers and (if `write`) one writer for `seconds`, and on until the writer has done
    `min_writes` writes (a busy machine makes writes slow; `deadline` seconds at most in all); `also`
    runs beside them."""
    result, lock, stop = Result(), threading.Lock(), threading.Event()
    threads = [threading.Thread(target=reader, args=(url, stop, result, lock, n), daemon=True) for n in range(readers)]
    if write:
        threads.append(threading.Thread(target=writer, args=(url, token, stop, result, lock), daemon=True))
    if also is not None:
        threads.append(threading.Thread(target=also, args=(stop,), daemon=True))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    while result.writes < min_writes and time.monotonic() - started < deadline:
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(180)
    result.seconds = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a load thread did not stop"
    return result
