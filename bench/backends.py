"""The same /sparql and page benchmarks on both store backends (issue 10): driehoek on its embedded
store and driehoek on an Oxigraph server (DRIEHOEK_STORE=sparql+http://.../query), holding the same
data, side by side, with the raw Oxigraph server as the reference.

    .venv/bin/python bench/backends.py [--triples 100000 1000000] [--threads 1 4 8] [--seconds 10]
                                       [--runs 2] [--repeat 5] [--page-requests 40] [--engine-timeout S]

The data, per size: the bundled data (`driehoek init`, through the gate) plus that many generated
triples (bench/generate.py, seed 1) loaded with `driehoek load --trusted` into one graph; the same
two commands build both stores, the second with DRIEHOEK_STORE pointing at an `oxigraph serve`. Each
is built once under the work directory and reused (the build times are kept and reported).

Four servers run at once and take turns, cell by cell (see bench/sparql_endpoint.py):
- **reference**: `oxigraph serve-read-only --union-default-graph` on a copy of the embedded store's
  snapshot (what bench/sparql_endpoint.py compares with);
- **Oxigraph + driehoek's dataset**: the Oxigraph server that holds the remote backend's data, asked
  the same queries directly with the protocol dataset driehoek sends (the public graphs listed as
  `default-graph-uri` / `named-graph-uri`): what the engine alone costs for a remote /sparql request;
- **embedded**: `driehoek serve` on its embedded store;
- **remote**: `driehoek serve` with DRIEHOEK_STORE on that Oxigraph server.
The answers are checked first: the same rows (blank-node labels aside) from every server.

Pages (home, the organisation list, two organisation pages, a case page): one client, each request a
full render, the two driehoek servers taking turns; the first request after start-up is reported on
its own. For the remote backend the HTTP requests driehoek sends to the Oxigraph server per page are
counted in-process (the same code, a Flask test client, `Client.request` counted).

Prints a Markdown section for docs/benchmarks.md. Never part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import requests

from common import (BIN, GRAPH, HOST, ROOT, WORK, Server, dataset, label, load, log, machine, median, oxigraph_copy,
                    request, running, spread, start_driehoek, start_oxigraph, start_oxigraph_server, table)
from pages import percentile
from sparql_endpoint import HEAVY, light_queries

PAGES = [
    ("home", "/"),
    ("organisation list", "/organisations"),
    ("organisation page, UWV (8 relations)", "/org/zb000117"),
    ("organisation page, BZK (1,104 relations)", "/org/mnre1034"),
    ("case page, DigiD", "/doc/case/digid"),
]
BUILD_TIMEOUT = 3600  # seconds: DRIEHOEK_QUERY_TIMEOUT for building the remote store (see remote_store)
HTML = {"Accept": "text/html", "Accept-Language": "nl"}
SKOLEM = "https://w3id.org/driehoek/.well-known/genid/"  # blank nodes as the remote backend stores them
NAMES = {"reference": "Oxigraph (reference)", "oxigraph-dataset": "Oxigraph + driehoek's dataset",
         "embedded": "driehoek, embedded", "remote": "driehoek, remote"}


# -- the two stores ---------------------------------------------------------------------------------


def cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> float:
    """Run the driehoek CLI on a data directory; seconds it took."""
    start = time.perf_counter()
    subprocess.run([str(BIN / "driehoek"), "--data-dir", str(data_dir), *args], check=True,
                   env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def build(directory: Path, source: Path, make: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Build a store once (`make` returns its timings); reuse it while the source file is the same."""
    stamp = directory / "bench-built.json"
    key = f"{source.name} {source.stat().st_mtime_ns}"
    if stamp.exists():
        built = json.loads(stamp.read_text())
        if built.get("source") == key:
            return dict(built["seconds"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    seconds = make()
    stamp.write_text(json.dumps({"source": key, "seconds": seconds}))
    return seconds


def embedded_store(triples: int) -> tuple[Path, dict[str, float]]:
    """`driehoek init` + `driehoek load --trusted` of the generated file, on the embedded store."""
    source = dataset(triples)
    directory = WORK / f"backends-embedded-{label(triples)}"

    def make() -> dict[str, float]:
        log(f"building the embedded store {directory.name}")
        return {"init": cli(directory / "var", "init"),
                "load": cli(directory / "var", "load", "--trusted", "--graph", GRAPH, str(source))}

    return directory / "var", build(directory, source, make)


def remote_store(triples: int) -> tuple[Path, Path, dict[str, float]]:
    """The same two commands with DRIEHOEK_STORE on an `oxigraph serve` (started for the build and
    stopped after it); (data dir, Oxigraph location, timings)."""
    source = dataset(triples)
    directory = WORK / f"backends-remote-{label(triples)}"

    def make() -> dict[str, float]:
        log(f"building the remote store {directory.name} (driehoek init and load on an Oxigraph server)")
        with running(lambda: start_oxigraph_server(directory / "oxigraph", name="oxigraph-build")) as server:
            # the commit of a large load is one SPARQL Update that runs for minutes at 1M triples;
            # under the default client-side limit (30 s) the CLI gives up while the server goes on
            env = {"DRIEHOEK_STORE": f"sparql+{server.url}", "DRIEHOEK_QUERY_TIMEOUT": str(BUILD_TIMEOUT)}
            return {"init": cli(directory / "var", "init", env=env),
                    "load": cli(directory / "var", "load", "--trusted", "--graph", GRAPH, str(source), env=env)}

    seconds = build(directory, source, make)
    return directory / "var", directory / "oxigraph", seconds


# -- answers ------------------------------------------------------------------------------------------


def answer(server: Server, query: str) -> Any:
    """A comparable form of a JSON result: the sorted rows, blank-node labels blanked out and the
    Oxigraph server's skolem IRIs read as blank nodes (or the number of rows, for a LIMIT without
    ORDER BY: which rows is up to the engine)."""
    status, body = request(server, query)
    if status != 200:
        return f"HTTP {status}: {body[:300]!r}"
    result = json.loads(body)
    if "boolean" in result:
        return result["boolean"]
    bindings = [{k: ("bnode", "_:") if v["type"] == "bnode" or v["value"].startswith(SKOLEM) else
                 (v["type"], v["value"], v.get("xml:lang"), v.get("datatype"))
                 for k, v in row.items()} for row in result["results"]["bindings"]]
    upper = query.upper()
    if "LIMIT" in upper and "ORDER BY" not in upper:
        return f"{len(bindings)} rows"
    return sorted(json.dumps(row, sort_keys=True) for row in bindings)


def compare_answers(servers: dict[str, Server], queries: list[str]) -> list[str]:
    """Each query on every server; a line for each query whose answers differ."""
    differences = []
    for query in queries:
        answers = {name: answer(server, query) for name, server in servers.items()}
        if any(a != answers["reference"] for a in answers.values()):
            counts = {name: len(a) if isinstance(a, list) else a for name, a in answers.items()}
            differences.append(f"{' '.join(query.split())[-120:]}: {counts}")
    return differences


def heavy_alone(servers: dict[str, Server], repeat: int, timeout: float) -> dict[str, dict[str, list[float]]]:
    """Each heavy query alone (one client), the servers taking turns, `repeat` times: server ->
    query -> seconds per successful run (an error, such as driehoek's 503 at its time limit, is
    logged and left out; bench/sparql_endpoint.py's version stops instead)."""
    times: dict[str, dict[str, list[float]]] = {name: {query: [] for query in HEAVY} for name in servers}
    for query_name, query in HEAVY.items():
        for server in servers.values():
            request(server, query, timeout=timeout)  # warm the caches once
        for n in range(repeat):
            for name in (list(servers) if n % 2 == 0 else list(reversed(servers))):
                start = time.perf_counter()
                status, body = request(servers[name], query, timeout=timeout)
                if status == 200:
                    times[name][query_name].append(time.perf_counter() - start)
                else:
                    log(f"{name}: HTTP {status} on {query_name}: {body[:200]!r}")
    return times


Cell = tuple[float, float, float, int, int]  # p50 s, p99 s, requests/s, errors, requests answered


def grid_turns(servers: dict[str, Server], classes: dict[str, list[str]], threads: list[int], seconds: float,
               runs: int, timeout: float) -> dict[str, dict[tuple[str, int], list[Cell]]]:
    """bench/sparql_endpoint.py's paired grid, keeping how many requests each cell answered (a
    heavy cell on a slow server answers a handful: its p50 and p99 are then a few samples)."""
    out: dict[str, dict[tuple[str, int], list[Cell]]] = {name: {} for name in servers}
    for cls, queries in classes.items():
        for server in servers.values():
            for query in queries[:3]:
                request(server, query, timeout=timeout)
        for n in threads:
            for run in range(runs):
                for name in (list(servers) if run % 2 == 0 else list(reversed(servers))):
                    result = load(servers[name], queries, threads=n, seconds=seconds, max_requests=1_000_000,
                                  timeout=timeout)
                    log(f"{name} {cls} x{n} run {run + 1}: {result.throughput:.1f} req/s, "
                        f"p50 {ms(result.percentile(50))} ms, {len(result.latencies)} answered, {result.errors} errors")
                    out[name].setdefault((cls, n), []).append((result.percentile(50), result.percentile(99),
                                                               result.throughput, result.errors, len(result.latencies)))
    return out


def named_query_rows(servers: dict[str, Server]) -> list[str]:
    """Named queries (/queries/NAME, default parameters, CSV) whose number of rows differs between
    the backends (which rows, beyond the count, may differ where a LIMIT cuts through ties)."""
    from driehoek import queries

    differences = []
    for name in sorted(queries.all_queries()):
        counts = {}
        for label_, server in servers.items():
            response = requests.get(f"http://{HOST}:{server.port}/queries/{name}", headers={"Accept": "text/csv"},
                                    timeout=300)
            counts[label_] = (response.status_code, response.text.count("\n") - 1)  # CSV rows, header left out
        if len(set(counts.values())) != 1:
            differences.append(f"/queries/{name}: " + ", ".join(f"{k} HTTP {s}, {n} rows" for k, (s, n) in counts.items()))
    return differences


# -- round trips to the store, counted in-process ------------------------------------------------------


@contextmanager
def counted_store_requests() -> Iterator[dict[str, float]]:
    """Count the HTTP requests the remote backend sends (and the seconds spent waiting on them)."""
    from driehoek import remote

    original = remote.Client.request
    counter = {"requests": 0, "seconds": 0.0}

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            counter["requests"] += 1
            counter["seconds"] += time.perf_counter() - start

    remote.Client.request = counting  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        remote.Client.request = original  # type: ignore[method-assign]


def round_trips(data_dir: Path, store_url: str, paths: list[str], repeat: int = 5) -> dict[str, tuple[int, int, float, float]]:
    """path -> (requests to the store on a fresh app server's first request, on a repeated request,
    median seconds waiting on the store per repeated request, median seconds per repeated request),
    measured with the Flask test client on a fresh app per path."""
    from driehoek.app import create_app
    from driehoek.config import Settings

    found = {}
    with counted_store_requests() as counter:
        for path in paths:
            app = create_app(Settings(data_dir=data_dir, store=store_url))
            client = app.test_client()
            headers = HTML if not path.startswith("/sparql") else {"Accept": "application/sparql-results+json"}
            counter.update(requests=0, seconds=0.0)
            assert client.get(path, headers=headers).status_code == 200, path
            first = int(counter["requests"])
            counts, waits, totals = [], [], []
            for _ in range(repeat):
                counter.update(requests=0, seconds=0.0)
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                totals.append(time.perf_counter() - start)
                assert response.status_code == 200, path
                counts.append(int(counter["requests"]))
                waits.append(counter["seconds"])
            app.extensions["driehoek"].close()
            found[path] = (first, int(median(counts)), median(waits), median(totals))
    return found


# -- pages --------------------------------------------------------------------------------------------


def page_times(servers: dict[str, Server], requests_per_turn: int, turns: int) -> dict[str, dict[str, list[float]]]:
    """server -> path -> seconds per full GET; the servers take turns per page."""
    times: dict[str, dict[str, list[float]]] = {name: {} for name in servers}
    sessions = {name: requests.Session() for name in servers}
    for _what, path in PAGES:
        for name in servers:  # warm-up: what a reader who came before left in the caches
            for _ in range(3):
                assert sessions[name].get(f"http://{HOST}:{servers[name].port}{path}", headers=HTML,
                                          timeout=120).status_code == 200
        for turn in range(turns):
            for name in (list(servers) if turn % 2 == 0 else list(reversed(servers))):
                url = f"http://{HOST}:{servers[name].port}{path}"
                for _ in range(requests_per_turn):
                    start = time.perf_counter()
                    response = sessions[name].get(url, headers=HTML, timeout=120)
                    response.content  # noqa: B018 (the whole body is part of the time)
                    times[name].setdefault(path, []).append(time.perf_counter() - start)
                    assert response.status_code == 200, (name, path, response.status_code)
        log(f"{path}: " + ", ".join(f"{n} p50 {ms(median(times[n][path]))}" for n in servers))
    return times


def first_requests(server: Server) -> dict[str, float]:
    """Each page once, in order, right after the server started: seconds."""
    found = {}
    for _what, path in PAGES:
        start = time.perf_counter()
        response = requests.get(f"http://{HOST}:{server.port}{path}", headers=HTML, timeout=300)
        found[path] = time.perf_counter() - start
        assert response.status_code == 200, (server.name, path, response.status_code)
    return found


def same_pages(servers: dict[str, Server]) -> list[str]:
    """Pages whose HTML differs between the backends (beyond blank-node order: sizes compared)."""
    differences = []
    for _what, path in PAGES:
        bodies = {name: requests.get(f"http://{HOST}:{s.port}{path}", headers=HTML, timeout=300).content
                  for name, s in servers.items()}
        if len({len(b) for b in bodies.values()}) != 1:
            differences.append(f"{path}: " + ", ".join(f"{n} {len(b):,} bytes" for n, b in bodies.items()))
    return differences


# -- the run ------------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    """Milliseconds, with sensible precision."""
    return f"{seconds * 1000:.1f}" if seconds < 0.1 else f"{seconds * 1000:.0f}"


def protocol_dataset(data_dir: Path, store_url: str, query: str) -> list[tuple[str, str]]:
    """The protocol dataset driehoek's remote backend sends with a /sparql query (its own code)."""
    from driehoek.config import Settings
    from driehoek.remote import RemoteStore

    view = RemoteStore(Settings(data_dir=data_dir, store=store_url)).public_view()
    default, named = view.dataset(query, None)
    assert default is not None and named is not None
    return [*(("default-graph-uri", g) for g in default), *(("named-graph-uri", g) for g in named)]


def measure(triples: int, args: argparse.Namespace) -> str:
    """Build both stores of one size, run every benchmark on them, return the Markdown."""
    embedded_dir, embedded_build = embedded_store(triples)
    remote_dir, location, remote_build = remote_store(triples)
    light = light_queries(triples)
    classes = {"light": light, "heavy": list(HEAVY.values())}
    with ExitStack() as stack:
        backing = stack.enter_context(running(lambda: start_oxigraph_server(
            location, timeout_s=args.engine_timeout, name="oxigraph-backing")))
        store_url = f"sparql+{backing.url}"
        dataset_params = tuple(protocol_dataset(remote_dir, store_url, light[0]))
        direct = Server("oxigraph-dataset", backing.process, backing.port, "/query", backing.log_path, dataset_params)
        servers = {
            "reference": stack.enter_context(running(lambda: start_oxigraph(oxigraph_copy(embedded_dir)))),
            "oxigraph-dataset": direct,
            "embedded": stack.enter_context(running(lambda: start_driehoek(embedded_dir, name="driehoek-embedded"))),
            "remote": stack.enter_context(running(lambda: start_driehoek(
                remote_dir, env={"DRIEHOEK_STORE": store_url}, name="driehoek-remote"))),
        }
        drivers = {"embedded": servers["embedded"], "remote": servers["remote"]}
        log("first request per page after start-up")
        first = {name: first_requests(server) for name, server in drivers.items()}
        page_differences = same_pages(drivers)
        named_differences = named_query_rows(drivers)
        log("checking that every server gives the same answers")
        differences = compare_answers(servers, light[:9] + list(HEAVY.values()))
        log("store requests per page and per /sparql request (remote backend, in-process)")
        sparql_path = "/sparql?" + requests.compat.urlencode({"query": light[0]})
        trips = round_trips(remote_dir, store_url, [p for _w, p in PAGES] + [sparql_path])
        log("pages, taking turns")
        pages = page_times(drivers, args.page_requests, args.runs)
        log("heavy queries alone, taking turns")
        heavy = heavy_alone(servers, args.repeat, 300)
        log("concurrent clients, taking turns")
        grid = grid_turns(servers, classes, args.threads, args.seconds, args.runs, 300)
        public_graphs = sum(1 for key, _ in dataset_params if key == "named-graph-uri")

    return report(triples, args, embedded_build, remote_build, first, page_differences + named_differences,
                  differences, trips,
                  sparql_path, pages, heavy, grid, public_graphs, len(light))


def report(triples: int, args: argparse.Namespace, embedded_build: dict[str, float], remote_build: dict[str, float],
           first: dict[str, dict[str, float]], page_differences: list[str], differences: list[str],
           trips: dict[str, tuple[int, int, float, float]], sparql_path: str,
           pages: dict[str, dict[str, list[float]]], heavy: dict[str, dict[str, list[float]]],
           grid: dict[str, dict[tuple[str, int], list[Cell]]],
           public_graphs: int, light_count: int) -> str:
    """The Markdown for one size."""
    size = f"the bundled data + {label(triples)} generated triples"
    build_rows = [[step, f"{embedded_build[step]:.1f} s", f"{remote_build[step]:.1f} s",
                   f"{remote_build[step] / embedded_build[step]:.1f}x"] for step in ("init", "load")]

    page_rows = []
    for what, path in PAGES:
        e, r = pages["embedded"][path], pages["remote"][path]
        first_count, count, wait, total = trips[path]
        page_rows.append([what, f"`{path}`", f"{ms(median(e))} / {ms(percentile(e, 0.99))}",
                          f"{ms(median(r))} / {ms(percentile(r, 0.99))}", f"{median(r) / median(e):.1f}x",
                          f"{percentile(r, 0.99) / percentile(e, 0.99):.1f}x",
                          f"{ms(first['embedded'][path])} / {ms(first['remote'][path])}",
                          f"{first_count} / {count}", f"{ms(wait)} of {ms(total)}"])
    first_count, count, wait, total = trips[sparql_path]

    heavy_rows = []
    for query in HEAVY:
        t = {name: median(heavy[name][query]) if heavy[name][query] else float("nan") for name in heavy}
        heavy_rows.append([query, *(f"{ms(t[n])} ({spread(heavy[n][query])})"
                                    + (f", {args.repeat - len(heavy[n][query])} failed" if len(heavy[n][query]) < args.repeat else "")
                                    for n in NAMES),
                           f"{t['oxigraph-dataset'] / t['reference']:.2f}x", f"{t['embedded'] / t['reference']:.2f}x",
                           f"{t['remote'] / t['reference']:.2f}x", f"{t['remote'] / t['embedded']:.2f}x"])

    def cell(name: str, key: tuple[str, int], index: int) -> float:
        return median([r[index] for r in grid[name][key]])

    grid_rows = []
    for key in grid["reference"]:
        cls, clients = key
        ref = [cell("reference", key, i) for i in range(3)]
        for name in NAMES:
            p50, p99, rate = (cell(name, key, i) for i in range(3))
            errors = sum(r[3] for r in grid[name][key])
            ratios = ["–", "–", "–"] if name == "reference" else [
                f"{p50 / ref[0]:.1f}x", f"{p99 / ref[1]:.1f}x", f"{rate / ref[2]:.2f}x"]
            answered = sum(r[4] for r in grid[name][key])
            grid_rows.append([cls, clients, NAMES[name], ms(p50), ms(p99),
                              f"{rate:.1f} ({spread([r[2] for r in grid[name][key]])})", *ratios, answered, errors])
    summary_rows = []
    for key in grid["reference"]:
        e = [cell("embedded", key, i) for i in range(3)]
        r = [cell("remote", key, i) for i in range(3)]
        summary_rows.append([key[0], key[1], f"{r[0] / e[0]:.1f}x", f"{r[1] / e[1]:.1f}x", f"{r[2] / e[2]:.2f}x"])

    engine = (f"`--timeout-s {args.engine_timeout:g}`" if args.engine_timeout else
              "no `--timeout-s` (driehoek's client-side limit, DRIEHOEK_QUERY_TIMEOUT 30 s, applies)")
    checks = ("every server gave the same rows for the " + str(9 + len(HEAVY)) + " queries checked"
              if not differences else "answers differ:\n\n" + "\n".join(f"- {d}" for d in differences))
    page_check = ("both backends render each page with the same number of bytes and give each named query "
                  "(/queries/NAME) the same number of rows" if not page_differences
                  else "pages or named queries differ: " + "; ".join(page_differences))
    return "\n".join([
        f"#### {size}",
        "",
        f"Machine: {machine()}. Oxigraph server for the remote backend: {engine}; driehoek serve with its "
        f"defaults (8 threads, 2 query workers or, remote, 2 queries in flight). The remote backend's "
        f"public dataset: {public_graphs} named graphs, sent with every query. Checks: {checks}; {page_check}.",
        "",
        "Building the stores (the same commands; remote: with DRIEHOEK_STORE):",
        "",
        table(["command", "embedded", "remote", "remote / embedded"],
              [[f"`driehoek {row[0]}" + (" --trusted`" if row[0] == "load" else "`"), *row[1:]] for row in build_rows]),
        "",
        f"Pages (one client; {args.runs} turns of {args.page_requests} requests per page and backend, "
        "after 3 warm-up requests; ms, p50 / p99). Store requests: the HTTP requests the remote backend "
        "sends to Oxigraph for one page, on a fresh app server's first request / on a repeated one, and "
        "the time spent waiting on them in a repeated request (in-process, Flask test client):",
        "",
        table(["page", "path", "embedded", "remote", "p50 remote / embedded", "p99 remote / embedded",
               "first request after start-up, embedded / remote", "store requests, first / repeated",
               "waiting on the store, ms (repeated)"], page_rows),
        "",
        f"A light `/sparql` request on the remote backend sends {count} requests to Oxigraph "
        f"({first_count} on a fresh app server's first request), waiting {ms(wait)} ms of its {ms(total)} ms.",
        "",
        f"`/sparql`, heavy queries alone (one client; median of {args.repeat} turns each, after one warm-up; "
        "ms and ± between turns):",
        "",
        table(["query", *NAMES.values(), "Oxigraph + dataset / reference", "embedded / reference",
               "remote / reference", "remote / embedded"], heavy_rows),
        "",
        f"`/sparql`, concurrent clients ({args.seconds:g} s per cell, {args.runs} turns; light = {light_count} "
        "lookups by IRI, LIMIT pages and names over time; heavy = the four above; ms; ratios to the "
        "reference: latency >1x is slower, throughput <1x is slower):",
        "",
        table(["class", "clients", "server", "p50", "p99", "req/s (±)", "p50 vs reference", "p99 vs reference",
               "req/s vs reference", "answered", "errors"], grid_rows),
        "",
        "The remote backend against the embedded one (same cells):",
        "",
        table(["class", "clients", "p50 remote / embedded", "p99 remote / embedded",
               "throughput remote / embedded"], summary_rows),
    ])


def code_version() -> str:
    """Which driehoek the figures are for: where it was imported from and the commit."""
    import driehoek

    source = Path(driehoek.__file__).resolve().parent
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "src"], capture_output=True,
                           text=True).stdout.strip()
    if source == ROOT / "src" / "driehoek":
        return f"driehoek from {source}, commit {head}" + (" with uncommitted changes in src/" if dirty else "")
    return f"driehoek from {source} (repository at commit {head})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[100_000],
                        help="generated triples on top of the bundled data, one run per size")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--seconds", type=float, default=10.0, help="per /sparql cell")
    parser.add_argument("--runs", type=int, default=2, help="turns per cell and per page")
    parser.add_argument("--repeat", type=int, default=5, help="heavy queries alone: turns per query")
    parser.add_argument("--page-requests", type=int, default=40, help="per page, backend and turn")
    parser.add_argument("--engine-timeout", type=float, default=0,
                        help="`oxigraph serve --timeout-s` for the remote backend's server (0: left out)")
    args = parser.parse_args()
    command = " ".join([".venv/bin/python bench/backends.py", *sys.argv[1:]])
    print(f"Command: `{command}`. Code: {code_version()}.\n", flush=True)
    for triples in args.triples:  # each size as soon as it is measured: a later failure keeps it
        print(measure(triples, args) + "\n", flush=True)


if __name__ == "__main__":
    main()
