"""The same /sparql, named-query and page benchmarks on both store backends (issues 10 and 17):
driehoek on its embedded store, driehoek on an Oxigraph server (DRIEHOEK_STORE=sparql+http://.../query)
without and with a readers' copy (DRIEHOEK_PUBLIC_STORE), holding the same data, side by side, with
the raw Oxigraph server as the reference.

    .venv/bin/python bench/backends.py [--triples 100000 1000000] [--threads 1 4 8] [--seconds 10]
                                       [--runs 2] [--repeat 5] [--page-requests 40] [--named 3]
                                       [--query-timeout S] [--engine-timeout S]

The data, per size: the bundled data (`driehoek init`, through the gate) plus that many generated
triples (bench/generate.py, seed 1) loaded with `driehoek load --trusted` into one graph; the same
two commands build both stores, the second with DRIEHOEK_STORE pointing at an `oxigraph serve`. Each
is built once under the work directory and reused (the build times are kept and reported).

Five servers run at once and take turns, cell by cell (see bench/sparql_endpoint.py):
- **reference**: `oxigraph serve-read-only --union-default-graph` on a copy of the embedded store's
  snapshot (what bench/sparql_endpoint.py compares with);
- **Oxigraph + driehoek's dataset**: the Oxigraph server that holds the remote backend's data, asked
  the same queries directly with the protocol dataset driehoek sends (the public graphs listed as
  `default-graph-uri` / `named-graph-uri`): what the engine alone costs for a remote /sparql request;
- **embedded**: `driehoek serve` on its embedded store;
- **remote** (before issue 17): `driehoek serve` with DRIEHOEK_STORE on that Oxigraph server; readers'
  queries go there with the public graphs listed;
- **remote + copy** (after): `driehoek serve` with DRIEHOEK_STORE on the same Oxigraph server and
  DRIEHOEK_PUBLIC_STORE on a second one, `oxigraph serve --union-default-graph`, started empty for
  each run: driehoek levels its copy of the public graphs when it starts (timed), and readers'
  queries go there without a protocol dataset.
The answers are checked first: the same rows (blank-node labels aside) from every server, for the
/sparql queries and for every named query.

Named queries (queries/*.rq): driehoek's `/queries/NAME.json` on the three driehoek servers, and the
same text with its parameters bound (`NamedQuery.with_values`) sent to the reference, to the store's
server with driehoek's dataset and to the copy's server as it is; each alone, the servers taking
turns. Timed: `relations-changed-over-time` from 1900 (the issue's 16k-row query) and the slowest
others on the remote backend (before).

Pages (home, the organisation list, two organisation pages, a case page): one client, each request a
full render, the two driehoek servers taking turns; the first request after start-up is reported on
its own. For the remote backend the HTTP requests driehoek sends to the Oxigraph server per page are
counted in-process (the same code, a Flask test client, `Client.request` counted).

Prints a Markdown section for docs/benchmarks.md. Never part of the test run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests

from common import (BIN, GRAPH, HOST, ROOT, WORK, Server, dataset, label, load, log, machine, median, oxigraph_copy,
                    request, running, spread, start_driehoek, start_oxigraph, start_oxigraph_server, table)
from pages import percentile
from sparql_endpoint import HEAVY, light_queries

if TYPE_CHECKING:
    from driehoek.queries import NamedQuery

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
         "embedded": "driehoek, embedded", "remote": "driehoek, remote (before)",
         "copy": "driehoek, remote + copy (after)"}
DRIVERS = ("embedded", "remote", "copy")  # the driehoek servers
COPY_DIRECT = "copy-direct"  # the copy's Oxigraph server asked directly (named queries only)
NAMED_SERVERS = ("reference", "oxigraph-dataset", COPY_DIRECT, "embedded", "remote", "copy")
NAMED_NAMES = {**NAMES, COPY_DIRECT: "the copy's Oxigraph, directly"}
ISSUE_QUERY = ("relations-changed-over-time", {"since": "1900-01-01"})  # issue 17's 16k-row named query
NAMED_TIMEOUT = 900  # seconds: a client-side bound only; driehoek's own limit (503) comes first
RESULTS_JSON = "application/sparql-results+json"



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


def copy_store(triples: int) -> tuple[Path, Path]:
    """A fresh data directory and an empty Oxigraph location for the readers' copy: driehoek levels
    the copy itself when it starts (timed by `measure`)."""
    directory = WORK / f"backends-copy-{label(triples)}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory / "var", directory / "oxigraph"


# -- answers ------------------------------------------------------------------------------------------


def concat_columns(query: str) -> dict[str, str]:
    """The columns a GROUP_CONCAT makes, with its separator: the order it joins its parts in is the
    engine's choice (SPARQL leaves it open), so those are compared as sorted parts. Read from the
    query's algebra (rdflib): `Extend(?column := ?__agg_n__)` of an `Aggregate_GroupConcat`."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    separators: dict[str, str] = {}
    extends: list[CompValue] = []

    def walk(node: Any) -> None:
        if isinstance(node, CompValue):
            if node.name == "Aggregate_GroupConcat":
                separators[str(node.res)] = str(node.get("separator") or " ")
            elif node.name == "Extend":
                extends.append(node)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(prepareQuery(query).algebra)
    return {str(e.var): separators[str(e.expr)] for e in extends if str(e.expr) in separators}


def comparable(status: int, body: bytes, query: str) -> Any:
    """A comparable form of a JSON result: the sorted rows, blank-node labels blanked out, the
    Oxigraph server's skolem IRIs read as blank nodes and GROUP_CONCAT parts sorted (or the number
    of rows, for a LIMIT without ORDER BY: which rows is up to the engine)."""
    if status != 200:
        return f"HTTP {status}: {body[:300]!r}"
    result = json.loads(body)
    if "boolean" in result:
        return result["boolean"]
    concat = concat_columns(query)

    def value(column: str, term: dict[str, str]) -> str:
        if column not in concat:
            return term["value"]
        return concat[column].join(sorted(term["value"].split(concat[column])))

    bindings = [{k: ("bnode", "_:") if v["type"] == "bnode" or v["value"].startswith(SKOLEM) else
                 (v["type"], value(k, v), v.get("xml:lang"), v.get("datatype"))
                 for k, v in row.items()} for row in result["results"]["bindings"]]
    upper = query.upper()
    if "LIMIT" in upper and "ORDER BY" not in upper:
        return f"{len(bindings)} rows"
    return sorted(json.dumps(row, sort_keys=True) for row in bindings)


def answer(server: Server, query: str) -> Any:
    """A /sparql query's answer from one server, in comparable form."""
    return comparable(*request(server, query), query)


def differs(what: str, answers: dict[str, Any]) -> list[str]:
    """A line naming `what` and each server's number of rows, if any answer differs from the reference's."""
    if all(a == answers["reference"] for a in answers.values()):
        return []
    counts = {name: len(a) if isinstance(a, list) else a for name, a in answers.items()}
    return [f"{what}: {counts}"]


def compare_answers(servers: dict[str, Server], queries: list[str]) -> list[str]:
    """Each query on every server; a line for each query whose answers differ."""
    differences = []
    for query in queries:
        differences += differs(' '.join(query.split())[-120:], {name: answer(s, query) for name, s in servers.items()})
    return differences


Task = Callable[[str, Server], tuple[int, bytes]]  # one request to one server (by its name): status, body


def alone(servers: dict[str, Server], tasks: dict[str, Task], repeat: int) -> dict[str, dict[str, list[float]]]:
    """Each task alone (one client), the servers taking turns, `repeat` times, after one warm-up
    each: server -> task -> seconds per successful run (an error, such as driehoek's 503 at its time
    limit, is logged and left out; bench/sparql_endpoint.py's version stops instead)."""
    times: dict[str, dict[str, list[float]]] = {name: {task: [] for task in tasks} for name in servers}
    for task_name, task in tasks.items():
        for name, server in servers.items():
            task(name, server)  # warm the caches once
        for n in range(repeat):
            for name in (list(servers) if n % 2 == 0 else list(reversed(servers))):
                start = time.perf_counter()
                status, body = task(name, servers[name])
                if status == 200:
                    times[name][task_name].append(time.perf_counter() - start)
                else:
                    log(f"{name}: HTTP {status} on {task_name}: {body[:200]!r}")
    return times


def heavy_alone(servers: dict[str, Server], repeat: int, timeout: float) -> dict[str, dict[str, list[float]]]:
    """The heavy /sparql queries alone: server -> query -> seconds per successful run."""
    tasks: dict[str, Task] = {name: lambda _n, server, q=query: request(server, q, timeout=timeout)
                              for name, query in HEAVY.items()}
    return alone(servers, tasks, repeat)


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


# -- named queries ------------------------------------------------------------------------------------


def named_targets() -> dict[str, tuple[NamedQuery, dict[str, str]]]:
    """Every named query with its default parameters, and the issue's 16k-row one: label -> (query,
    parameters)."""
    from driehoek import queries

    targets = {name: (named, {}) for name, named in sorted(queries.all_queries().items())}
    name, params = ISSUE_QUERY
    targets[f"{name}?{urlencode(params)}"] = (queries.get(name), params)
    return targets


def bound_text(named: NamedQuery, params: dict[str, str]) -> str:
    """A named query as driehoek's remote backend sends it: each use of a parameter replaced by its
    term (sparql_bind.bind). Not `NamedQuery.with_values`: its VALUES block at the top does not
    reach a FILTER inside a UNION branch (relations-changed-over-time gives no rows with it)."""
    from driehoek.config import Settings
    from driehoek.remote import Skolem, bind

    return bind(named.text, named.substitutions(params), Skolem(Settings.base_iri))


def named_request(name: str, server: Server, named: NamedQuery, params: dict[str, str],
                  timeout: float = NAMED_TIMEOUT) -> tuple[int, bytes]:
    """One named query on one server: a driehoek server's own route (`/queries/NAME.json`); to an
    Oxigraph server the text driehoek's remote backend sends, by the SPARQL Protocol (with the
    server's protocol dataset, if it has one)."""
    if name in DRIVERS:
        response = requests.get(f"http://{HOST}:{server.port}/queries/{named.name}.json", params=params,
                                headers={"Accept": RESULTS_JSON}, timeout=timeout)
    else:
        response = requests.post(server.url, data=[("query", bound_text(named, params)), *server.params],
                                 headers={"Accept": RESULTS_JSON}, timeout=timeout)
    return response.status_code, response.content


def check_named(servers: dict[str, Server], targets: dict[str, tuple[NamedQuery, dict[str, str]]]
                ) -> tuple[list[str], dict[str, int], dict[str, dict[str, float]]]:
    """Each named query once on every server: a line for each whose answers differ, the reference's
    number of rows per query, and the seconds each took (server -> query -> seconds; one cold run)."""
    differences, rows_found = [], {}
    seconds: dict[str, dict[str, float]] = {name: {} for name in servers}
    for target, (named, params) in targets.items():
        answers = {}
        for name, server in servers.items():
            start = time.perf_counter()
            status, body = named_request(name, server, named, params)
            seconds[name][target] = time.perf_counter() - start
            answers[name] = comparable(status, body, named.text)
        differences += differs(f"/queries/{target}", answers)
        reference = answers["reference"]
        rows_found[target] = len(reference) if isinstance(reference, list) else -1
        log(f"/queries/{target}: {rows_found[target]} rows, " + ", ".join(f"{n} {ms(s[target])} ms" for n, s in seconds.items()))
    return differences, rows_found, seconds


def slowest(seconds: dict[str, float], count: int) -> list[str]:
    """The issue's query and the `count` slowest others (by the seconds given)."""
    issue = f"{ISSUE_QUERY[0]}?{urlencode(ISSUE_QUERY[1])}"
    others = sorted((t for t in seconds if t != issue), key=lambda t: -seconds[t])
    return [issue, *others[:count]]


def named_alone(servers: dict[str, Server], targets: dict[str, tuple[NamedQuery, dict[str, str]]],
                repeat: int) -> dict[str, dict[str, list[float]]]:
    """The named queries alone, the servers taking turns: server -> query -> seconds per run."""
    tasks: dict[str, Task] = {target: lambda name, server, t=target: named_request(name, server, *targets[t])
                              for target in targets}
    return alone(servers, tasks, repeat)


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


def round_trips(data_dir: Path, store_url: str, paths: list[str], repeat: int = 5,
                public_store: str = "") -> dict[str, tuple[int, int, float, float]]:
    """path -> (requests to the store (and its copy) on a fresh app server's first request, on a
    repeated request, median seconds waiting on them per repeated request, median seconds per
    repeated request), measured with the Flask test client on a fresh app per path."""
    from driehoek.app import create_app
    from driehoek.config import Settings

    found = {}
    with counted_store_requests() as counter:
        for path in paths:
            app = create_app(Settings(data_dir=data_dir, store=store_url, public_store=public_store))
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


def copy_is_native(data_dir: Path, store_url: str, copy_url: str) -> bool:
    """Whether driehoek queries the copy with the engine's union default graph (else it would list
    the graphs there too, and the 'after' column would measure nothing new)."""
    from driehoek.config import Settings
    from driehoek.remote import RemoteStore

    store = RemoteStore(Settings(data_dir=data_dir, store=store_url, public_store=copy_url))
    try:
        return store.public_copy is not None and store.public_copy.native()
    finally:
        store.close()


def started(stack: ExitStack, start: Callable[[], Server]) -> tuple[Server, float]:
    """A server started under `stack`, and the seconds until it answered its first query."""
    begin = time.perf_counter()
    server = stack.enter_context(running(start))
    return server, time.perf_counter() - begin


@dataclass
class Measured:
    """Everything one size's run measured, for the report."""

    embedded_build: dict[str, float]
    remote_build: dict[str, float]
    startup: dict[str, float]  # driehoek server -> seconds to its first answer
    copy_quads: int
    first: dict[str, dict[str, float]]
    page_differences: list[str]
    differences: list[str]
    named_differences: list[str]
    named_rows: dict[str, int]
    named_once: dict[str, dict[str, float]]
    named: dict[str, dict[str, list[float]]]
    trips: dict[str, dict[str, tuple[int, int, float, float]]]  # remote / copy -> path -> counts
    sparql_path: str
    pages: dict[str, dict[str, list[float]]]
    heavy: dict[str, dict[str, list[float]]]
    grid: dict[str, dict[tuple[str, int], list[Cell]]]
    public_graphs: int
    light_count: int


def measure(triples: int, args: argparse.Namespace) -> str:
    """Build both stores of one size, run every benchmark on them, return the Markdown."""
    embedded_dir, embedded_build = embedded_store(triples)
    remote_dir, location, remote_build = remote_store(triples)
    copy_dir, copy_location = copy_store(triples)
    light = light_queries(triples)
    classes = {"light": light, "heavy": list(HEAVY.values())}
    limit = {"DRIEHOEK_QUERY_TIMEOUT": f"{args.query_timeout:g}"} if args.query_timeout else {}
    with ExitStack() as stack:
        backing = stack.enter_context(running(lambda: start_oxigraph_server(
            location, timeout_s=args.engine_timeout, name="oxigraph-backing")))
        copy_server = stack.enter_context(running(lambda: start_oxigraph_server(
            copy_location, timeout_s=args.engine_timeout, name="oxigraph-copy", union_default_graph=True)))
        store_url, copy_url = f"sparql+{backing.url}", f"sparql+{copy_server.url}"
        dataset_params = tuple(protocol_dataset(remote_dir, store_url, light[0]))
        direct = Server("oxigraph-dataset", backing.process, backing.port, "/query", backing.log_path, dataset_params,
                        post=True)
        servers = {
            "reference": stack.enter_context(running(lambda: start_oxigraph(oxigraph_copy(embedded_dir)))),
            "oxigraph-dataset": direct,
            "embedded": stack.enter_context(running(lambda: start_driehoek(embedded_dir, env=limit,
                                                                           name="driehoek-embedded"))),
        }
        startup = {}
        servers["remote"], startup["remote"] = started(stack, lambda: start_driehoek(
            remote_dir, env={**limit, "DRIEHOEK_STORE": store_url}, name="driehoek-remote"))
        log("starting driehoek with the readers' copy on an empty server: it levels the copy first")
        servers["copy"], startup["copy"] = started(stack, lambda: start_driehoek(
            copy_dir, env={**limit, "DRIEHOEK_STORE": store_url, "DRIEHOEK_PUBLIC_STORE": copy_url},
            name="driehoek-copy"))
        if not copy_is_native(copy_dir, store_url, copy_url):
            sys.exit(f"driehoek does not query the copy ({copy_server.url}) with its union default graph")
        _status, body = request(copy_server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        copy_quads = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
        drivers = {name: servers[name] for name in DRIVERS}
        log("first request per page after start-up")
        first = {name: first_requests(server) for name, server in drivers.items()}
        page_differences = same_pages(drivers)
        log("checking that every server gives the same answers")
        differences = compare_answers(servers, light[:9] + list(HEAVY.values()))
        engines = {**servers, COPY_DIRECT: copy_server}
        named_servers = {name: engines[name] for name in NAMED_SERVERS}
        targets = named_targets()
        named_differences, named_rows, named_once = check_named(named_servers, targets)
        log("named queries alone, taking turns")
        chosen = slowest(named_once["remote"], args.named)
        named = named_alone(named_servers, {t: targets[t] for t in chosen}, args.repeat)
        log("store requests per page and per /sparql request (remote backend, in-process)")
        sparql_path = "/sparql?" + requests.compat.urlencode({"query": light[0]})
        paths = [p for _w, p in PAGES] + [sparql_path]
        trips = {"remote": round_trips(remote_dir, store_url, paths),
                 "copy": round_trips(copy_dir, store_url, paths, public_store=copy_url)}
        log("pages, taking turns")
        pages = page_times(drivers, args.page_requests, args.runs)
        log("heavy queries alone, taking turns")
        heavy = heavy_alone(servers, args.repeat, 300)
        log("concurrent clients, taking turns")
        grid = grid_turns(servers, classes, args.threads, args.seconds, args.runs, 300)
        public_graphs = sum(1 for key, _ in dataset_params if key == "named-graph-uri")

    return report(triples, args, Measured(
        embedded_build, remote_build, startup, copy_quads, first, page_differences, differences, named_differences,
        named_rows, named_once, named, trips, sparql_path, pages, heavy, grid, public_graphs, len(light)))


def ratio(a: float, b: float, digits: int = 2) -> str:
    """a / b as '1.23x' (n/a where either is missing)."""
    return f"{a / b:.{digits}f}x" if not (math.isnan(a) or math.isnan(b)) and b else "n/a"


def timed(values: list[float], repeat: int) -> str:
    """A median in ms with its spread, and how many runs failed."""
    if not values:
        return "all failed"
    failed = f", {repeat - len(values)} failed" if len(values) < repeat else ""
    return f"{ms(median(values))} ({spread(values)}){failed}"


def named_section(m: Measured, args: argparse.Namespace) -> list[str]:
    """The named queries: the check, the totals of one cold run each, the slowest alone."""
    t = {name: {q: median(v) if v else float("nan") for q, v in m.named[name].items()} for name in m.named}
    rows = [[f"`{q}`", f"{m.named_rows[q]:,}", *(timed(m.named[n][q], args.repeat) for n in NAMED_SERVERS),
             ratio(t["copy"][q], t["reference"][q]), ratio(t["remote"][q], t["reference"][q]),
             ratio(t["copy"][q], t[COPY_DIRECT][q]), ratio(t["oxigraph-dataset"][q], t["reference"][q])]
            for q in m.named["reference"]]
    totals = {n: sum(m.named_once[n].values()) for n in NAMED_SERVERS}
    check = (f"every server gave the same rows for each of the {len(m.named_rows)} named queries" if not m.named_differences
             else "answers differ:\n\n" + "\n".join(f"- {d}" for d in m.named_differences))
    return [
        (f"Named queries over the public default graph. Check: {check}. One cold run of each, seconds in all: "
         + ", ".join(f"{NAMED_NAMES[n]} {totals[n]:.1f} s" for n in NAMED_SERVERS)
         + f" (after / reference {ratio(totals['copy'], totals['reference'])}, before / reference "
           f"{ratio(totals['remote'], totals['reference'])})."),
        "",
        (f"The issue's query and the {args.named} slowest others on the remote backend (before), each alone "
         f"(one client; median of {args.repeat} turns after one warm-up; ms and ± between turns; driehoek: "
         "`/queries/NAME.json`, Oxigraph: the text driehoek's remote backend sends, parameters bound):"),
        "",
        table(["query", "rows", *(NAMED_NAMES[n] for n in NAMED_SERVERS), "after / reference", "before / reference",
               "after / copy's server", "Oxigraph + dataset / reference"], rows),
    ]


def report(triples: int, args: argparse.Namespace, m: Measured) -> str:
    """The Markdown for one size."""
    size = f"the bundled data + {label(triples)} generated triples"
    build_rows = [[f"`driehoek {step}" + (" --trusted`" if step == "load" else "`"), f"{m.embedded_build[step]:.1f} s",
                   f"{m.remote_build[step]:.1f} s", ratio(m.remote_build[step], m.embedded_build[step], 1)]
                  for step in ("init", "load")]

    page_rows = []
    for what, path in PAGES:
        p = {name: m.pages[name][path] for name in DRIVERS}
        (r_first, r_count, r_wait, _r_total), (c_first, c_count, c_wait, _c_total) = m.trips["remote"][path], m.trips["copy"][path]
        page_rows.append([what, f"`{path}`", *(f"{ms(median(p[n]))} / {ms(percentile(p[n], 0.99))}" for n in DRIVERS),
                          ratio(median(p["remote"]), median(p["embedded"]), 1), ratio(median(p["copy"]), median(p["embedded"]), 1),
                          " / ".join(ms(m.first[n][path]) for n in DRIVERS),
                          f"{r_first} / {r_count}", f"{c_first} / {c_count}", f"{ms(r_wait)} / {ms(c_wait)}"])
    trips = {name: m.trips[name][m.sparql_path] for name in ("remote", "copy")}

    heavy_rows = []
    for query in HEAVY:
        t = {name: median(m.heavy[name][query]) if m.heavy[name][query] else float("nan") for name in m.heavy}
        heavy_rows.append([query, *(timed(m.heavy[n][query], args.repeat) for n in NAMES),
                           ratio(t["oxigraph-dataset"], t["reference"]), ratio(t["embedded"], t["reference"]),
                           ratio(t["remote"], t["reference"]), ratio(t["copy"], t["reference"])])

    def cell(name: str, key: tuple[str, int], index: int) -> float:
        return median([r[index] for r in m.grid[name][key]])

    grid_rows = []
    for key in m.grid["reference"]:
        cls, clients = key
        ref = [cell("reference", key, i) for i in range(3)]
        for name in NAMES:
            p50, p99, rate = (cell(name, key, i) for i in range(3))
            ratios = ["–", "–", "–"] if name == "reference" else [
                ratio(p50, ref[0], 1), ratio(p99, ref[1], 1), ratio(rate, ref[2])]
            grid_rows.append([cls, clients, NAMES[name], ms(p50), ms(p99),
                              f"{rate:.1f} ({spread([r[2] for r in m.grid[name][key]])})", *ratios,
                              sum(r[4] for r in m.grid[name][key]), sum(r[3] for r in m.grid[name][key])])
    summary_rows = []
    for key in m.grid["reference"]:
        c = {name: [cell(name, key, i) for i in range(3)] for name in ("reference", "embedded", "remote", "copy")}
        summary_rows.append([key[0], key[1], ratio(c["remote"][0], c["reference"][0], 1), ratio(c["copy"][0], c["reference"][0], 1),
                             ratio(c["remote"][2], c["embedded"][2]), ratio(c["copy"][2], c["embedded"][2]),
                             ratio(c["copy"][2], c["remote"][2])])

    driehoek_limit = f"{args.query_timeout:g} s" if args.query_timeout else "its default"
    engine = (f"`--timeout-s {args.engine_timeout:g}`" if args.engine_timeout else
              f"no `--timeout-s` (driehoek's own limit, DRIEHOEK_QUERY_TIMEOUT {driehoek_limit}, applies)")
    checks = ("every server gave the same rows for the " + str(9 + len(HEAVY)) + " /sparql queries checked"
              if not m.differences else "answers differ:\n\n" + "\n".join(f"- {d}" for d in m.differences))
    page_check = ("the three driehoek servers render each page with the same number of bytes" if not m.page_differences
                  else "pages differ: " + "; ".join(m.page_differences))
    return "\n".join([
        f"#### {size}",
        "",
        f"Machine: {machine()}. Oxigraph servers for the remote backend and its copy: {engine}; driehoek serve "
        f"with its defaults (8 threads, 2 query workers or, remote, 2 queries in flight). Before: the public "
        f"dataset of {m.public_graphs} named graphs sent with every query; after: the copy, {m.copy_quads:,} quads, "
        f"queried with its union default graph. Checks: {checks}; {page_check}.",
        "",
        "Building the stores (the same commands; remote: with DRIEHOEK_STORE):",
        "",
        table(["command", "embedded", "remote", "remote / embedded"], build_rows),
        "",
        f"`driehoek serve` start-up to its first answer: remote {m.startup['remote']:.1f} s; remote + copy, its "
        f"copy's server empty, {m.startup['copy']:.1f} s (driehoek levels the copy, {m.copy_quads:,} quads, "
        "before it answers).",
        "",
        *named_section(m, args),
        "",
        f"Pages (one client; {args.runs} turns of {args.page_requests} requests per page and server, "
        "after 3 warm-up requests; ms, p50 / p99). Store requests: the HTTP requests driehoek sends to "
        "Oxigraph for one page, on a fresh app server's first request / on a repeated one, and the time "
        "spent waiting on them in a repeated request (in-process, Flask test client):",
        "",
        table(["page", "path", "embedded", "remote (before)", "remote + copy (after)", "p50 before / embedded",
               "p50 after / embedded", "first request after start-up, embedded / before / after",
               "store requests before, first / repeated", "store requests after, first / repeated",
               "waiting on the store, ms, before / after (repeated)"], page_rows),
        "",
        f"A light `/sparql` request sends {trips['remote'][1]} requests to Oxigraph before "
        f"({trips['remote'][0]} on a fresh app server's first request), waiting {ms(trips['remote'][2])} ms of its "
        f"{ms(trips['remote'][3])} ms; after, {trips['copy'][1]} ({trips['copy'][0]}), waiting "
        f"{ms(trips['copy'][2])} ms of {ms(trips['copy'][3])} ms.",
        "",
        f"`/sparql`, heavy queries alone (one client; median of {args.repeat} turns each, after one warm-up; "
        "ms and ± between turns):",
        "",
        table(["query", *NAMES.values(), "Oxigraph + dataset / reference", "embedded / reference",
               "before / reference", "after / reference"], heavy_rows),
        "",
        f"`/sparql`, concurrent clients ({args.seconds:g} s per cell, {args.runs} turns; light = {m.light_count} "
        "lookups by IRI, LIMIT pages and names over time; heavy = the four above; ms; ratios to the "
        "reference: latency >1x is slower, throughput <1x is slower):",
        "",
        table(["class", "clients", "server", "p50", "p99", "req/s (±)", "p50 vs reference", "p99 vs reference",
               "req/s vs reference", "answered", "errors"], grid_rows),
        "",
        "The remote backend before and after (same cells):",
        "",
        table(["class", "clients", "p50 before / reference", "p50 after / reference", "throughput before / embedded",
               "throughput after / embedded", "throughput after / before"], summary_rows),
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
    parser.add_argument("--named", type=int, default=3,
                        help="named queries timed alone besides the issue's: the slowest on the remote backend")
    parser.add_argument("--query-timeout", type=float, default=0,
                        help="DRIEHOEK_QUERY_TIMEOUT for the driehoek servers (0: driehoek's default, 30 s); "
                             "raise it to time the slowest named queries on the remote backend before the copy")
    parser.add_argument("--engine-timeout", type=float, default=0,
                        help="`oxigraph serve --timeout-s` for the remote backend's server (0: left out)")
    args = parser.parse_args()
    command = " ".join([".venv/bin/python bench/backends.py", *sys.argv[1:]])
    print(f"Command: `{command}`. Code: {code_version()}.\n", flush=True)
    for triples in args.triples:  # each size as soon as it is measured: a later failure keeps it
        print(measure(triples, args) + "\n", flush=True)


if __name__ == "__main__":
    main()
