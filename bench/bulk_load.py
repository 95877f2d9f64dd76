"""Trusted bulk load: `driehoek load --trusted` vs `oxigraph load`, on the same N-Triples file.

    .venv/bin/python bench/bulk_load.py [--triples 1000000] [--runs 3]

Both are the command line a user runs, timed from start to exit, into a fresh directory, one graph:
driehoek's includes its provenance record, the snapshot it publishes and Python's start-up. Runs
alternate between the two tools so that a busy machine slows both alike. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time

from common import (BIN, GRAPH, WORK, dataset, disk_usage, label, log, machine, median, mib, oxigraph_binary,
                    spread, table)


def timed(args: list[str]) -> float:
    """Wall-clock seconds of one command (which must succeed)."""
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run(triples: int, runs: int) -> str:
    """Measure and return the Markdown section."""
    source = dataset(triples)
    lines = sum(1 for _ in open(source, "rb"))
    times: dict[str, list[float]] = {"driehoek": [], "oxigraph": []}
    sizes: dict[str, int] = {}
    for n in range(runs):
        for tool in (("driehoek", "oxigraph") if n % 2 == 0 else ("oxigraph", "driehoek")):
            target = WORK / f"load-{tool}"
            shutil.rmtree(target, ignore_errors=True)
            if tool == "driehoek":
                args = [str(BIN / "driehoek"), "--data-dir", str(target), "load", "--trusted", "--graph", GRAPH,
                        str(source)]
            else:
                args = [str(oxigraph_binary()), "load", "--location", str(target), "--file", str(source),
                        "--graph", GRAPH]
            seconds = timed(args)
            times[tool].append(seconds)
            sizes[tool] = disk_usage(target)
            log(f"{tool} load {label(triples)} run {n + 1}: {seconds:.1f} s")
            shutil.rmtree(target, ignore_errors=True)
    d, o = median(times["driehoek"]), median(times["oxigraph"])
    body = [
        ["driehoek load --trusted", f"{d:.1f} s ({spread(times['driehoek'])})", f"{lines / d:,.0f}",
         f"{o / d:.2f}x", mib(sizes["driehoek"])],
        ["oxigraph load (reference)", f"{o:.1f} s ({spread(times['oxigraph'])})", f"{lines / o:,.0f}", "1.00x",
         mib(sizes["oxigraph"])],
    ]
    return "\n".join([
        f"Bulk load of {lines:,} triples ({source.name}, {mib(source.stat().st_size)}), median of {runs} runs "
        "(± half the spread between runs).",
        f"Machine: {machine()}.",
        "",
        table(["tool", "wall time", "triples/s", "throughput vs oxigraph", "on disk after"], body),
        "",
        f"Target: at least 0.8x oxigraph load's throughput: {'met' if o / d >= 0.8 else 'NOT met'} ({o / d:.2f}x).",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(run(args.triples, args.runs))


if __name__ == "__main__":
    main()
