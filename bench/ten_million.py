"""10M triples on this machine: generate, `driehoek load --trusted` (vs `oxigraph load` on the same
file), disk used, then `driehoek serve`: time to answer, query latencies, memory under a short load.

    .venv/bin/python bench/ten_million.py [--triples 10000000] [--runs 1] [--no-oxigraph] [--seconds 30]

The load is timed as in bench/bulk_load.py; the store it leaves is then served. Peak memory of the
load is the command's process tree (sampled every 50 ms). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import threading
import time

import psutil

from common import (BIN, GRAPH, WORK, PeakMemory, Server, dataset, disk_usage, label, load, log, machine, median, mib,
                    oxigraph_binary, oxigraph_copy, request, rows, running, spread, start_driehoek, start_oxigraph, table)
from sparql_endpoint import HEAVY, light_queries


def timed_with_peak_rss(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (process tree) of one command that must succeed."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    root = psutil.Process(process.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                total = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
                peak = max(peak, total)
            except psutil.Error:
                pass
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _out, err = process.communicate()
    stop.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {err.decode()[-2000:]}")
    return time.perf_counter() - start, peak


def best_of_two(server: Server, query: str, timeout: float) -> str:
    """The faster of two runs of a query, with its row count, or how it was refused."""
    took = []
    for _ in range(2):
        t = time.perf_counter()
        status, body = request(server, query, timeout=timeout)
        took.append(time.perf_counter() - t)
        if status == 503:
            return f"stopped at the time limit after {took[-1]:.0f} s (503)"
        if status != 200:
            raise RuntimeError(f"{server.name}: {status} {body[:300]!r}")
    return f"{min(took):.1f} s ({rows(body)} rows)"


def run(triples: int, runs: int, with_oxigraph: bool, seconds: float, skip_load: bool = False) -> str:
    """Load (runs times), serve the last driehoek store, and return the Markdown section."""
    source = dataset(triples)
    data_dir = WORK / f"var-{label(triples)}-load"
    loads: dict[str, list[tuple[float, int, int]]] = {"driehoek": [], "oxigraph": []}
    for r in range(runs if not (skip_load and (data_dir / "store").exists()) else 0):
        tools = ["driehoek", "oxigraph"] if with_oxigraph else ["driehoek"]
        for tool in (tools if r % 2 == 0 else list(reversed(tools))):
            target = data_dir if tool == "driehoek" else WORK / f"var-{label(triples)}-oxigraph-load"
            shutil.rmtree(target, ignore_errors=True)
            if tool == "driehoek":
                args = [str(BIN / "driehoek"), "--data-dir", str(target), "load", "--trusted", "--graph", GRAPH, str(source)]
            else:
                args = [str(oxigraph_binary()), "load", "--location", str(target), "--file", str(source), "--graph", GRAPH]
            log(f"run {r + 1}: {tool} load of {label(triples)}")
            seconds_taken, peak = timed_with_peak_rss(args)
            loads[tool].append((seconds_taken, peak, disk_usage(target)))
            log(f"  {seconds_taken:.0f} s, peak RSS {mib(peak)}, disk {mib(loads[tool][-1][2])}")
            if tool == "oxigraph":
                shutil.rmtree(target, ignore_errors=True)
    body = []
    for tool in loads:
        if not loads[tool]:
            continue
        times = [x[0] for x in loads[tool]]
        body.append([f"{tool} load" + (" --trusted" if tool == "driehoek" else " (reference)"),
                     f"{median(times):.0f} s ({spread(times)})", f"{triples / median(times):,.0f}",
                     mib(median([x[1] for x in loads[tool]])), mib(median([x[2] for x in loads[tool]]))])
    ratio = ""
    if loads["oxigraph"]:
        ratio = (f" Throughput vs oxigraph load: "
                 f"{median([x[0] for x in loads['oxigraph']]) / median([x[0] for x in loads['driehoek']]):.2f}x.")

    log("serving the driehoek store")
    start = time.perf_counter()
    timeout = 600.0
    heavy: dict[str, dict[str, str]] = {name: {} for name in HEAVY}
    with running(lambda: start_driehoek(data_dir)) as server:
        up = time.perf_counter() - start
        light = light_queries(triples)
        for name, query in HEAVY.items():
            heavy[name]["driehoek"] = best_of_two(server, query, timeout)
        with PeakMemory(server) as sampler:
            result = load(server, light, threads=4, seconds=seconds, max_requests=10**7, timeout=timeout)
        serving = [["start-up to first answer (store opened, snapshot published, workers spawned)", f"{up:.1f} s"],
                   [f"light queries, 4 clients, {seconds:g} s", f"p50 {result.percentile(50) * 1000:.1f} ms, "
                    f"p99 {result.percentile(99) * 1000:.1f} ms, {result.throughput:.0f} req/s, {result.errors} errors"],
                   ["peak RSS of the server's process tree under that load", mib(sampler.peak)],
                   ["on disk (store + snapshots, hard links counted once)", mib(disk_usage(data_dir))]]
    if with_oxigraph:
        log("the same heavy queries on oxigraph serve-read-only")
        with running(lambda: start_oxigraph(oxigraph_copy(data_dir))) as server:
            for name, query in HEAVY.items():
                heavy[name]["oxigraph"] = best_of_two(server, query, timeout)
    timings = [[name, heavy[name]["driehoek"], heavy[name].get("oxigraph", "not run")] for name in HEAVY]
    return "\n".join([
        f"{triples:,} generated triples ({source.name}, {mib(source.stat().st_size)} of N-Triples); "
        f"median of {runs} load run(s).",
        f"Machine: {machine()}.",
        "",
        table(["load", "wall time", "triples/s", "peak RSS", "on disk after"], body),
        "",
        ratio.strip(),
        "",
        "Serving that store with `driehoek serve` (defaults):",
        "",
        table(["what", "measured"], serving),
        "",
        "Heavy queries at 10M (one client, best of 2; driehoek stops a user query at DRIEHOEK_QUERY_TIMEOUT, "
        "30 s by default, with a 503):",
        "",
        table(["query", "driehoek", "oxigraph serve-read-only"], timings),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-oxigraph", action="store_true", help="skip the oxigraph load reference")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--skip-load", action="store_true", help="serve the store a previous run loaded")
    args = parser.parse_args()
    print(run(args.triples, args.runs, not args.no_oxigraph, args.seconds, args.skip_load))


if __name__ == "__main__":
    main()
