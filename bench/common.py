"""What the benchmarks share: data files and stores built once, servers started and stopped by pid,
timing, a bounded HTTP load generator, memory sampling, Markdown tables. Never part of the test run.

Everything built goes under a work directory (default /tmp/driehoek-bench, or DRIEHOEK_BENCH_DIR)
and is reused by later runs: the generated files are deterministic, the stores are rebuilt when
their file changes.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = Path(os.environ.get("DRIEHOEK_BENCH_DIR", "/tmp/driehoek-bench"))
RDFLIB_ENDPOINT_VENV = Path(os.environ.get("RDFLIB_ENDPOINT_VENV", "/tmp/rdflib-endpoint-venv"))
GRAPH = "https://w3id.org/driehoek/graph/bench"
SEED = 1
HOST = "127.0.0.1"  # loopback only


def log(message: str) -> None:
    """Progress on standard error; tables go to standard output."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def label(triples: int) -> str:
    """10000 -> 10k, 1000000 -> 1M."""
    if triples >= 1_000_000 and triples % 1_000_000 == 0:
        return f"{triples // 1_000_000}M"
    if triples >= 1_000 and triples % 1_000 == 0:
        return f"{triples // 1_000}k"
    return str(triples)


def dataset(triples: int, seed: int = SEED) -> Path:
    """The generated N-Triples file of that size (made once, deterministic)."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"gov-{label(triples)}-s{seed}.nt"
    if not path.exists():
        log(f"generating {path.name}")
        tmp = path.with_suffix(".tmp")
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--triples", str(triples),
                        "--seed", str(seed), "--out", str(tmp)], check=True)
        tmp.rename(path)
    return path


def oxigraph_binary() -> Path:
    """The Oxigraph server binary of the `bench` extra (PyPI `oxigraph`)."""
    binary = BIN / "oxigraph"
    if not binary.exists():
        sys.exit("the Oxigraph server binary is missing: .venv/bin/pip install oxigraph==0.5.13 (the bench extra)")
    return binary


def driehoek_store(triples: int, seed: int = SEED) -> Path:
    """A driehoek data directory holding the vocabulary (ontology, shapes, schemes, loaded through
    the gate like `init` does) plus the generated data (trusted load), with a published snapshot.
    The bundled register and cases are left out so that the store has the size asked for."""
    source = dataset(triples, seed)
    data_dir = WORK / f"var-{label(triples)}-s{seed}"
    stamp = data_dir / "bench-source"
    if stamp.exists() and stamp.read_text() == f"{source.name} {source.stat().st_mtime_ns}":
        return data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    log(f"building driehoek store {data_dir.name}")
    import pyoxigraph as ox

    from driehoek.config import Settings
    from driehoek.iris import graph_iri_for_path
    from driehoek.service import Driehoek, Source, bundled_sources

    service = Driehoek(Settings(data_dir=data_dir))
    try:
        vocabulary = [(Source.from_path(path), ox.NamedNode(graph_iri_for_path(service.settings.base_iri, name)))
                      for name, path in bundled_sources() if name in ("ontology", "shapes") or name.startswith("schemes/")]
        service.load(vocabulary, agent="bench", operation="init", publish=False)
        service.load_trusted(Source.from_path(source), ox.NamedNode(GRAPH), agent="bench")
    finally:
        service.close()
    stamp.write_text(f"{source.name} {source.stat().st_mtime_ns}")
    return data_dir


def oxigraph_copy(data_dir: Path) -> Path:
    """A copy of the driehoek store's newest snapshot, for `oxigraph serve-read-only`: the same
    RocksDB files, so both servers answer from exactly the same data."""
    snapshot = Path(data_dir / "snapshots" / (data_dir / "snapshots" / "CURRENT").read_text().strip())
    target = data_dir.parent / f"{data_dir.name}-oxigraph"
    stamp = target / "bench-snapshot"
    if stamp.exists() and stamp.read_text() == snapshot.name:
        return target
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(snapshot, target)
    stamp.write_text(snapshot.name)
    return target


def union_ntriples(data_dir: Path) -> Path:
    """Every triple the driehoek endpoint's default graph holds (the union of its public graphs),
    as one N-Triples file: what rdflib-endpoint serves."""
    target = data_dir.parent / f"{data_dir.name}-union.nt"
    if target.exists():
        return target
    import pyoxigraph as ox

    snapshot = data_dir / "snapshots" / (data_dir / "snapshots" / "CURRENT").read_text().strip()
    store = ox.Store.read_only(str(snapshot))
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in store}
    with open(target, "wb") as out:
        ox.serialize(triples, out, ox.RdfFormat.N_TRIPLES)
    return target


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# -- servers -------------------------------------------------------------------------------------


@dataclass
class Server:
    """A server process the benchmark started; stopped by its pid (and its children's pids)."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    path: str  # the query endpoint's path
    log_path: Path
    params: tuple[tuple[str, str], ...] = ()  # sent with every query (e.g. a protocol dataset)
    post: bool = False  # queries by POST: a long protocol dataset does not fit in Oxigraph's 8 kB of headers

    @property
    def url(self) -> str:
        """The query endpoint."""
        return f"http://{HOST}:{self.port}{self.path}"

    def tree(self) -> list[psutil.Process]:
        """The server and every process under it (driehoek's query workers)."""
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss(self) -> int:
        """Resident memory of the whole process tree, in bytes."""
        total = 0
        for proc in self.tree():
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s, to this server and the children it started."""
        children = self.tree()[1:]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for child in children:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass


def _wait_until_up(server: Server, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: see {server.log_path}:\n{server.log_path.read_text()[-2000:]}")
        try:
            status, _body = request(server, "ASK { }", timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{server.name} did not answer within {timeout:.0f} s; see {server.log_path}")


def start_driehoek(data_dir: Path, *, workers: int | None = None, threads: int | None = None,
                   env: dict[str, str] | None = None, name: str = "driehoek") -> Server:
    """`driehoek serve` on a free loopback port (`env`: extra variables, e.g. DRIEHOEK_STORE)."""
    port = free_port()
    env = {**os.environ, **(env or {}), "DRIEHOEK_DATA_DIR": str(data_dir), "DRIEHOEK_HOST": HOST,
           "DRIEHOEK_PORT": str(port)}
    if workers is not None:
        env["DRIEHOEK_QUERY_WORKERS"] = str(workers)
    if threads is not None:
        env["DRIEHOEK_THREADS"] = str(threads)
    log_path = WORK / f"{name}-serve.log"
    with open(log_path, "wb") as out:
        process = subprocess.Popen([str(BIN / "driehoek"), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, process, port, "/sparql", log_path)
    _wait_until_up(server)
    return server


def start_oxigraph(location: Path) -> Server:
    """`oxigraph serve-read-only --union-default-graph` (driehoek's default graph is the union too)."""
    port = free_port()
    log_path = WORK / "oxigraph-serve.log"
    with open(log_path, "wb") as out:
        process = subprocess.Popen([str(oxigraph_binary()), "serve-read-only", "--location", str(location),
                                    "--bind", f"{HOST}:{port}", "--union-default-graph"],
                                   stdout=out, stderr=subprocess.STDOUT)
    server = Server("oxigraph", process, port, "/query", log_path)
    _wait_until_up(server)
    return server


def start_oxigraph_server(location: Path, *, timeout_s: float | None = None, port: int | None = None,
                          name: str = "oxigraph-rw", union_default_graph: bool = False) -> Server:
    """`oxigraph serve` (read-write, no union default graph): a store for driehoek's remote backend.
    `timeout_s`: the engine's own time limit (`--timeout-s`); None leaves it out.
    `union_default_graph`: the server of a remote store's readers' copy (DRIEHOEK_PUBLIC_STORE)."""
    port = port or free_port()
    log_path = WORK / f"{name}.log"
    command = [str(oxigraph_binary()), "serve", "--location", str(location), "--bind", f"{HOST}:{port}"]
    if timeout_s:
        command += ["--timeout-s", f"{timeout_s:g}"]
    if union_default_graph:
        command.append("--union-default-graph")
    with open(log_path, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, process, port, "/query", log_path)
    _wait_until_up(server)
    return server


def start_rdflib_endpoint(ntriples: Path) -> Server:
    """rdflib-endpoint (its own venv) serving the file from an in-memory rdflib graph."""
    binary = RDFLIB_ENDPOINT_VENV / "bin" / "rdflib-endpoint"
    if not binary.exists():
        sys.exit(f"rdflib-endpoint is missing: python3 -m venv {RDFLIB_ENDPOINT_VENV} && "
                 f"{RDFLIB_ENDPOINT_VENV}/bin/pip install 'rdflib-endpoint[cli]' uvicorn")
    port = free_port()
    log_path = WORK / "rdflib-endpoint.log"
    with open(log_path, "wb") as out:
        process = subprocess.Popen([str(binary), "serve", "--host", HOST, "--port", str(port), str(ntriples)],
                                   stdout=out, stderr=subprocess.STDOUT)
    server = Server("rdflib-endpoint", process, port, "/", log_path)  # its CLI serves the endpoint at /
    _wait_until_up(server, timeout=600)
    return server


@contextmanager
def running(start: Callable[[], Server]) -> Iterator[Server]:
    """Start a server, yield it, always stop it."""
    server = start()
    try:
        yield server
    finally:
        server.stop()


# -- HTTP load -----------------------------------------------------------------------------------

ACCEPT = "application/sparql-results+json"


def request(server: Server, query: str, *, timeout: float = 120.0,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    """One GET of the SPARQL Protocol (a POST for a server marked `post`); (status, body)."""
    own = conn is None
    connection = conn or http.client.HTTPConnection(HOST, server.port, timeout=timeout)
    fields = urllib.parse.urlencode([("query", query), *server.params])
    try:
        if server.post:
            connection.request("POST", server.path, body=fields,
                               headers={"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"})
        else:
            connection.request("GET", f"{server.path}?{fields}", headers={"Accept": ACCEPT})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


def rows(body: bytes) -> int:
    """The number of solutions in a SPARQL JSON result."""
    return len(json.loads(body)["results"]["bindings"])


@dataclass
class LoadResult:
    """What a bounded load run measured."""

    latencies: list[float] = field(default_factory=list)  # seconds, per successful request
    errors: int = 0
    elapsed: float = 0.0

    @property
    def throughput(self) -> float:
        """Successful requests per second."""
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        """Latency percentile in seconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def load(server: Server, queries: Sequence[str], *, threads: int, seconds: float, max_requests: int,
         timeout: float = 120.0) -> LoadResult:
    """`threads` clients, each with one keep-alive connection, send the queries round-robin until
    `seconds` have passed or `max_requests` were sent in all (whichever comes first); a request
    already in flight finishes. Each client starts at a different query."""
    result = LoadResult()
    lock = threading.Lock()
    sent = [0]
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
        i = offset
        try:
            while time.monotonic() < deadline:
                with lock:
                    if sent[0] >= max_requests:
                        return
                    sent[0] += 1
                query = queries[i % len(queries)]
                i += 1
                start = time.perf_counter()
                try:
                    status, _body = request(server, query, conn=conn, timeout=timeout)
                except (OSError, http.client.HTTPException):
                    status = -1
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
                took = time.perf_counter() - start
                with lock:
                    if status == 200:
                        result.latencies.append(took)
                    else:
                        result.errors += 1
        finally:
            conn.close()

    workers = [threading.Thread(target=client, args=(n * 7,), daemon=True) for n in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + timeout + 5)
    result.elapsed = time.perf_counter() - start
    return result


class PeakMemory:
    """Samples a server's process-tree RSS every `interval` seconds in a thread; keeps the peak."""

    def __init__(self, server: Server, interval: float = 0.05) -> None:
        self.server, self.interval = server, interval
        self.peak = 0
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self.server.rss()
            self.samples.append(rss)
            self.peak = max(self.peak, rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


# -- reporting -----------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """The median (of the repeated runs)."""
    return statistics.median(values)


def spread(values: Sequence[float]) -> str:
    """Noise between runs: (max - min) / median, as a percentage."""
    if len(values) < 2:
        return "n/a"
    mid = statistics.median(values)
    return f"±{(max(values) - min(values)) / 2 / mid * 100:.0f}%" if mid else "n/a"


def table(header: Sequence[str], body: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in body]
    return "\n".join(lines)


def machine() -> str:
    """One line about the machine and the versions measured."""
    import pyoxigraph

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    oxigraph = subprocess.run([str(oxigraph_binary()), "--version"], capture_output=True, text=True).stdout.strip()
    load1, _5, _15 = os.getloadavg()
    return (f"{os.cpu_count()} cores ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}, {oxigraph}; "
            f"load average at start {load1:.1f}")


def disk_usage(path: Path) -> int:
    """Bytes under a directory (hard links counted once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                stat = os.lstat(os.path.join(root, name))
            except FileNotFoundError:
                continue
            key = (stat.st_dev, stat.st_ino)
            if key not in seen:
                seen.add(key)
                total += stat.st_size
    return total


def mib(value: float) -> str:
    """Bytes as MiB."""
    return f"{value / 2**20:.0f} MiB"
