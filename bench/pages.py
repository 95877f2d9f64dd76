"""An organisation page on a store of about 1M triples: server time per request, next to the
in-process time of building its view and the raw `Store.query` calls that view makes.

    .venv/bin/python bench/pages.py [--filler 830000] [--runs 50] [--work /tmp/driehoek-bench]

The store is the bundled data (`driehoek init`: the register's 5,799 organisations, relations,
cases) plus synthetic filler from bench/generate.py loaded with `driehoek load --trusted`, so the
pages' indexes hold a million triples. Both are built once under the work directory and reused.

Three figures per page:
- **HTTP**: `requests` against a real `driehoek serve` (waitress) on loopback, one client, each
  request a full render (no validators sent), after a warm-up; median and p95 over `--runs`.
- **view**: the same page's view model built in this process on the same snapshot (pages.py).
- **Store.query**: the SPARQL statements that view runs, re-run alone on the store (results read).
Prints a Markdown section for docs/benchmarks.md. Never part of the test run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import requests

from driehoek import pages
from driehoek.config import Settings
from driehoek.service import Driehoek

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/driehoek/"
FILLER_GRAPH = BASE + "graph/bench-filler"
# (what, path, IRI or None): the page a researcher opens most, the largest organisation page
# (the ministry with 1,100 relations), the same organisation as Turtle, and a case
PAGES = [
    ("organisation page, UWV (8 relations)", "/org/zb000117", "https://identifier.overheid.nl/tooi/id/zbo/zb000117"),
    ("organisation page, BZK (1,104 relations)", "/org/mnre1034",
     "https://identifier.overheid.nl/tooi/id/ministerie/mnre1034"),
    ("organisation as Turtle, UWV", "/org/zb000117.ttl", None),
    ("case page, DigiD", "/doc/case/digid", None),
    # the tables (tables.py): BZK's relations as a paged table and as one CSV of every row
    ("relations table, BZK, page 1 of 50 rows", "/org/mnre1034/relations", None),
    ("relations table, BZK, page 12, sorted by start", "/org/mnre1034/relations?sort=-start&page=12", None),
    ("relations of BZK as CSV (every row)", "/org/mnre1034/relations.csv", None),
    ("organisations, current only, sorted by relations", "/organisations?current=1&sort=-relations", None),
    ("organisations as CSV (every row)", "/organisations.csv", None),
    ("search, \"uwv\"", "/search?q=uwv", None),
]


def log(message: str) -> None:
    """Progress on standard error."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(*args: str, env: dict[str, str] | None = None) -> None:
    """Run the driehoek CLI, quietly; fail loudly."""
    subprocess.run([sys.executable, "-m", "driehoek.cli", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def build_store(work: Path, filler: int) -> Path:
    """The bundled data plus `filler` synthetic triples, built once."""
    data_dir = work / f"pages-var-{filler}"
    marker = data_dir / "BUILT"
    if marker.exists():
        return data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"pages-filler-{filler}.nt"
    if not source.exists():
        log(f"generating {filler:,} filler triples")
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--triples", str(filler),
                        "--seed", "7", "--out", str(source)], check=True)
    log("driehoek init (the bundled data, through the gate)")
    run("--data-dir", str(data_dir), "init")
    log("driehoek load --trusted (the filler)")
    run("--data-dir", str(data_dir), "load", "--trusted", "--graph", FILLER_GRAPH, str(source))
    marker.write_text("ok\n")
    return data_dir


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    """Median / p95 in milliseconds."""
    return f"{statistics.median(values) * 1000:.1f} / {percentile(values, 0.95) * 1000:.1f}"


def http_times(url: str, runs: int) -> tuple[list[float], int]:
    """Seconds per full GET of the page, after a warm-up; and the size of its body in bytes."""
    session = requests.Session()
    headers = {"Accept": "text/html", "Accept-Language": "nl"}
    for _ in range(5):
        assert session.get(url, headers=headers, timeout=60).status_code == 200
    times = []
    size = 0
    for _ in range(runs):
        start = time.perf_counter()
        response = session.get(url, headers=headers, timeout=60)
        size = len(response.content)  # the whole body is part of the time
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return times, size


def view_times(snapshot: pages.Snapshot, iri: str, runs: int) -> tuple[list[float], list[float], list[str]]:
    """Build the view `runs` times: total seconds, seconds inside Store.query, the statements."""
    snapshot.pages().organisation(iri)  # warm the per-snapshot caches, as the server's are
    totals, in_store = [], []
    statements: list[str] = []
    for _ in range(runs):
        reader = snapshot.pages()
        start = time.perf_counter()
        reader.organisation(iri)
        totals.append(time.perf_counter() - start)
        in_store.append(reader.stats.query_seconds)
        statements = reader.stats.statements
    return totals, in_store, statements


def raw_query_times(snapshot: pages.Snapshot, statements: list[str], runs: int) -> list[float]:
    """The statements alone, straight on the store, results read: the floor under the view."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for text in statements:
            for _row in snapshot.store.query(text, base_iri=BASE, **snapshot.dataset):
                pass
        times.append(time.perf_counter() - start)
    return times


def machine() -> str:
    """What the figures were taken on."""
    cpus = os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.machine()}, {cpus} CPUs, Python {platform.python_version()}, pyoxigraph "
            f"{ox.__version__ if hasattr(ox, '__version__') else '0.5'}; load average {load:.1f} at the start")


def main() -> None:
    """Build the store, measure each page, print the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filler", type=int, default=830_000, help="synthetic triples on top of the bundled data")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("DRIEHOEK_BENCH_DIR", "/tmp/driehoek-bench")))
    args = parser.parse_args()
    header = machine()
    data_dir = build_store(args.work, args.filler)
    service = Driehoek(Settings(data_dir=data_dir))
    store = service.snapshot()
    total_triples = len(store)
    snapshot = pages.Snapshot(store, key="bench", base_iri=BASE, withdrawn=service.withdrawn_graphs(store))

    port = free_port()
    env = {**os.environ, "DRIEHOEK_DATA_DIR": str(data_dir)}
    server = subprocess.Popen([sys.executable, "-m", "driehoek.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if requests.get(url + "/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("the server did not start")
            time.sleep(0.3)
        rows = []
        for what, path, iri in PAGES:
            log(f"{what}: {args.runs} requests")
            http, size = http_times(url + path, args.runs)
            view = store_part = raw = None
            queries = ""
            if iri:
                totals, in_store, statements = view_times(snapshot, iri, args.runs)
                raw_times = raw_query_times(snapshot, statements, args.runs)
                view, store_part, raw = ms(totals), ms(in_store), ms(raw_times)
                queries = str(len(statements))
            rows.append((what, f"`{path}`", f"{size / 1000:,.1f}", ms(http), view or "–", store_part or "–",
                         queries or "–", raw or "–"))
    finally:
        server.terminate()
        server.wait(30)
    lines = [
        f"A store of {total_triples:,} triples: the bundled data (`driehoek init`) plus {args.filler:,} synthetic "
        f"triples from `bench/generate.py` (seed 7) loaded with `driehoek load --trusted`. One client, "
        f"{args.runs} requests per page after 5 warm-up requests, each a full render; times in ms, "
        "median / p95.",
        f"Machine: {header}.",
        "",
        "| page | path | kB | HTTP (waitress, loopback) | view built in-process | of which in `Store.query` "
        "| SPARQL statements | the same statements, raw |",
        "|---|---|---|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        "Reproduce: `.venv/bin/python bench/pages.py` (builds its store once under /tmp/driehoek-bench).",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
