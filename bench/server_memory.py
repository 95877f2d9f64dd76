"""Peak memory of the driehoek server at 1M triples under a query load: the resident set of its whole
process tree (the server and its query worker processes, summed, sampled every 50 ms with psutil),
side by side with `oxigraph serve-read-only` on a copy of the same snapshot under the same load.

    .venv/bin/python bench/server_memory.py [--triples 1000000] [--seconds 60] [--threads 8] [--runs 2]

The load: `--threads` clients sending light and heavy queries (those of bench/sparql_endpoint.py)
round-robin for `--seconds`. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from common import (PeakMemory, Server, driehoek_store, label, load, log, machine, median, mib, oxigraph_copy,
                    running, spread, start_driehoek, start_oxigraph, table)
from sparql_endpoint import HEAVY, light_queries

TARGET_MIB = 300


def measure(start: Callable[[], Server], queries: list[str], threads: int, seconds: float) -> dict[str, float]:
    """Idle RSS after start, peak RSS under the load, the requests served, per-process peaks."""
    with running(start) as server:
        time.sleep(1)
        idle = server.rss()
        with PeakMemory(server) as sampler:
            result = load(server, queries, threads=threads, seconds=seconds, max_requests=10**7, timeout=300)
            processes = len(server.tree())
        return {"idle": idle, "peak": sampler.peak, "requests": len(result.latencies), "errors": result.errors,
                "processes": processes}


def run(triples: int, seconds: float, threads: int, runs: int) -> str:
    """All runs, then the Markdown section."""
    data_dir = driehoek_store(triples)
    copy = oxigraph_copy(data_dir)
    # heavy queries weighted as one in four requests: a public endpoint mostly answers lookups
    light = light_queries(triples)
    queries = [q for i, lq in enumerate(light) for q in ([lq] + ([list(HEAVY.values())[i % len(HEAVY)]] if i % 3 == 0 else []))]
    starters = {"driehoek": lambda: start_driehoek(data_dir), "oxigraph": lambda: start_oxigraph(copy)}
    results: dict[str, list[dict[str, float]]] = {"driehoek": [], "oxigraph": []}
    for r in range(runs):
        for name in (("driehoek", "oxigraph") if r % 2 == 0 else ("oxigraph", "driehoek")):
            log(f"run {r + 1}: {name} under load")
            results[name].append(measure(starters[name], queries, threads, seconds))
            log(f"  peak {mib(results[name][-1]['peak'])}")
    body = []
    for name in ("driehoek", "oxigraph"):
        peaks = [m["peak"] for m in results[name]]
        body.append([name if name == "driehoek" else "oxigraph serve-read-only (reference)",
                     mib(median([m["idle"] for m in results[name]])), f"{mib(median(peaks))} ({spread(peaks)})",
                     f"{median([m['processes'] for m in results[name]]):.0f}",
                     f"{median([m['requests'] for m in results[name]]):.0f}",
                     f"{sum(m['errors'] for m in results[name]):.0f}"])
    peak = median([m["peak"] for m in results["driehoek"]])
    ratio = peak / median([m["peak"] for m in results["oxigraph"]])
    return "\n".join([
        f"Resident memory (RSS summed over the process tree) serving {label(triples)} generated triples, "
        f"{threads} clients, {seconds:g} s of mixed queries (three lookups to one heavy query), "
        f"median of {runs} runs (± half the spread).",
        f"Machine: {machine()}.",
        "",
        table(["server", "idle after start", "peak under load", "processes", "requests served", "errors"], body),
        "",
        f"driehoek's peak is {ratio:.1f}x Oxigraph server's. Target under {TARGET_MIB} MB: "
        f"{'met' if peak < TARGET_MIB * 1e6 else 'NOT met'} ({peak / 1e6:.0f} MB).",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    print(run(args.triples, args.seconds, args.threads, args.runs))


if __name__ == "__main__":
    main()
