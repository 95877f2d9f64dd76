"""Where a light /sparql request's time goes: CPU milliseconds per request in each process (driehoek's
server, its query workers, the client) next to Oxigraph server's, and the floor set by the stack
driehoek is built on: an empty Flask view on waitress, and the same view plus one round trip through
a pipe to a worker process (what every user query costs, DESIGN §3). Then the CPU time of each heavy
query in driehoek, in pyoxigraph alone and in Oxigraph server.

    .venv/bin/python bench/sparql_overhead.py [--triples 1000000] [--seconds 8] [--clients 1 4] [--runs 2]

CPU time comes from psutil (user + system) before and after a bounded load of light queries (those of
bench/sparql_endpoint.py; the floors answer a canned 10-row JSON result). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import psutil

from common import (HOST, WORK, Server, driehoek_store, free_port, label, load, machine, median, oxigraph_copy,
                    running, start_driehoek, start_oxigraph, table)
from sparql_endpoint import HEAVY, light_queries

FLOOR_APP = '''
import multiprocessing, queue, sys
from flask import Flask, Response
import waitress

BODY = (b'{"head":{"vars":["p","o"]},"results":{"bindings":['
        + b",".join([b'{"p":{"type":"uri","value":"http://example.org/p"},"o":{"type":"literal","value":"v"}}'] * 10)
        + b"]}}")


def worker(conn):
    while True:
        try:
            conn.recv()
        except EOFError:
            return
        conn.send(("done", BODY))


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = Flask(__name__)
    idle = queue.Queue()
    if mode == "pipe":
        context = multiprocessing.get_context("spawn")
        for _ in range(2):
            parent, child = context.Pipe()
            context.Process(target=worker, args=(child,), daemon=True).start()
            idle.put(parent)

    @app.route("/sparql")
    def sparql():
        body = BODY
        if mode == "pipe":
            conn = idle.get()
            try:
                conn.send(("job", "SELECT ..."))
                _status, body = conn.recv()
            finally:
                idle.put(conn)
        return Response(body, content_type="application/sparql-results+json")

    waitress.serve(app, host=host, port=port, threads=8, _quiet=True)


if __name__ == "__main__":
    main()
'''


def start_floor(mode: str) -> Server:
    """The floor app (an empty view, or one with a pipe round trip) on waitress."""
    script = WORK / "floor_app.py"
    script.write_text(FLOOR_APP)
    port = free_port()
    log_path = WORK / f"floor-{mode}.log"
    with open(log_path, "wb") as out:
        process = subprocess.Popen([sys.executable, str(script), mode, HOST, str(port)], stdout=out,
                                   stderr=subprocess.STDOUT)
    server = Server(f"flask+waitress ({mode})", process, port, "/sparql", log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            import http.client

            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/sparql")
            connection.getresponse().read()
            connection.close()
            return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the floor app did not start; see {log_path}")


def cpu_per_request(server: Server, queries: list[str], clients: int, seconds: float) -> dict[str, float]:
    """CPU ms per request: the server's main process, its other processes, and this client."""
    me = psutil.Process()

    def times() -> dict[int, float]:
        out = {}
        for proc in server.tree():
            try:
                cpu = proc.cpu_times()
                out[proc.pid] = cpu.user + cpu.system
            except psutil.NoSuchProcess:
                pass
        return out

    load(server, queries, threads=clients, seconds=1, max_requests=10**6)  # warm up
    before, mine = times(), me.cpu_times()
    result = load(server, queries, threads=clients, seconds=seconds, max_requests=10**7)
    after, mine_after = times(), me.cpu_times()
    n = max(1, len(result.latencies))
    main = server.process.pid
    return {
        "throughput": result.throughput,
        "p50": result.percentile(50),
        "server": (after.get(main, 0) - before.get(main, 0)) / n * 1000,
        "workers": sum(after[p] - before.get(p, 0) for p in after if p != main) / n * 1000,
        "client": ((mine_after.user + mine_after.system) - (mine.user + mine.system)) / n * 1000,
    }


def heavy_cpu(triples: int, turns: int) -> str:
    """CPU seconds per heavy query: driehoek (server + worker), Oxigraph server, and pyoxigraph run
    in this process on the same snapshot (the engine driehoek's workers use, without driehoek)."""
    import resource

    import pyoxigraph as ox

    data_dir = driehoek_store(triples)
    snapshot = data_dir / "snapshots" / (data_dir / "snapshots" / "CURRENT").read_text().strip()
    local = ox.Store.read_only(str(snapshot))

    def tree_cpu(server: Server) -> float:
        total = 0.0
        for proc in server.tree():
            try:
                cpu = proc.cpu_times()
                total += cpu.user + cpu.system
            except psutil.NoSuchProcess:
                pass
        return total

    def own_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    body = []
    with running(lambda: start_driehoek(data_dir)) as d, running(lambda: start_oxigraph(oxigraph_copy(data_dir))) as o:
        for name, query in HEAVY.items():
            cpu: dict[str, list[float]] = {"driehoek": [], "oxigraph": [], "pyoxigraph": []}
            for server in (d, o):
                load(server, [query], threads=1, seconds=300, max_requests=1, timeout=300)  # warm up
            for turn in range(turns):
                for server in ((d, o) if turn % 2 == 0 else (o, d)):
                    before = tree_cpu(server)
                    load(server, [query], threads=1, seconds=300, max_requests=1, timeout=300)
                    cpu[server.name].append(tree_cpu(server) - before)
                before = own_cpu()
                local.query(query, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
                cpu["pyoxigraph"].append(own_cpu() - before)
            dc, oc, pc = (median(cpu[k]) for k in ("driehoek", "oxigraph", "pyoxigraph"))
            body.append([name, f"{dc * 1000:.0f} ms", f"{pc * 1000:.0f} ms", f"{oc * 1000:.0f} ms",
                         f"{dc / pc:.2f}x", f"{pc / oc:.2f}x", f"{dc / oc:.2f}x"])
    return "\n".join([
        f"CPU time per heavy query on {label(triples)} triples (median of {turns} turns; CPU time, unlike wall "
        "time, hardly depends on what else the machine runs):",
        "",
        table(["query", "driehoek (server + worker)", "pyoxigraph in-process", "oxigraph server",
               "driehoek / pyoxigraph", "pyoxigraph / oxigraph", "driehoek / oxigraph"], body),
    ])


def run(triples: int, seconds: float, clients: list[int], runs: int) -> str:
    """Measure every server, `runs` times, and return the Markdown section."""
    data_dir = driehoek_store(triples)
    copy = oxigraph_copy(data_dir)
    light = light_queries(triples)
    starters = {
        "driehoek serve": lambda: start_driehoek(data_dir),
        "oxigraph serve-read-only": lambda: start_oxigraph(copy),
        "floor: empty Flask view on waitress": lambda: start_floor("plain"),
        "floor: Flask view + pipe round trip to a worker process": lambda: start_floor("pipe"),
    }
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    for r in range(runs):
        for name in (list(starters) if r % 2 == 0 else list(reversed(starters))):
            with running(starters[name]) as server:
                for n in clients:
                    results.setdefault((name, n), []).append(cpu_per_request(server, light, n, seconds))
    body = []
    for (name, n), measured in results.items():
        def m(key: str) -> float:
            return median([x[key] for x in measured])

        body.append([name, n, f"{m('throughput'):.0f}", f"{m('p50') * 1000:.2f} ms", f"{m('server'):.2f}",
                     f"{m('workers'):.2f}" if m("workers") > 0.005 else "-", f"{m('client'):.2f}"])
    return "\n".join([
        f"CPU per light request on {label(triples)} triples, {seconds:g} s per cell, median of {runs} runs.",
        f"Machine: {machine()}.",
        "",
        table(["server", "clients", "req/s", "p50", "CPU ms/request: main process",
               "other processes (workers)", "client"], body),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--turns", type=int, default=5, help="heavy queries: turns per query")
    args = parser.parse_args()
    print(run(args.triples, args.seconds, args.clients, args.runs))
    print()
    print(heavy_cpu(args.triples, args.turns))


if __name__ == "__main__":
    main()
