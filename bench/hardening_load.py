"""Does a runaway query raise anybody else's latency? (issue 8: "p99 under a runaway <= 2x baseline")

    .venv/bin/python bench/hardening_load.py                    # 4 readers + 1 writer, 60 s per phase
    .venv/bin/python bench/hardening_load.py --readers 8 --seconds 120 --workers 2 --workers 4

One server on loopback (tests/hardening/loadgen.py's versioned graphs and a 30,000-triple filler
graph), DRIEHOEK_QUERY_TIMEOUT=10. Each phase runs the same load — readers reading graphs through the
Graph Store, light SPARQL queries and /health, one writer rewriting graphs — first alone (the
baseline), then beside a client that sends a cross product over the whole store again and again
(each one runs until the time limit stops it with 503). Prints a Markdown table per worker count:
p50 and p99 per kind of request in both phases, and their ratio. Every read is also checked for torn
graphs, as in the test; errors are counted (the runaway's own 503s are not errors).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import Cli, Server  # noqa: E402
from tests.hardening import loadgen  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
TIMEOUT = 10
KINDS = ("graph", "pair", "ask", "health", "write put", "write trig", "write update")


def filler(data_dir: Path, triples: int = 30_000) -> None:
    path = data_dir.parent / "filler.nt"
    with open(path, "w") as out:
        for i in range(triples):
            out.write(f'<http://example.org/f{i // 10}> <http://example.org/p{i % 10}> "{i}" .\n')
    result = Cli(data_dir).runner.invoke(  # the CLI in-process, as the tests do
        __import__("driehoek.cli", fromlist=["main"]).main,
        ["--data-dir", str(data_dir), "load", "--trusted", "--graph", loadgen.GRAPHS + "load/filler", str(path)])
    assert result.exit_code == 0, result.output


def runaway_client(url: str, counts: dict[str, int]):
    def run(stop: threading.Event) -> None:
        session = requests.Session()
        while not stop.is_set():
            response = session.get(url + "/sparql", params={"query": RUNAWAY}, timeout=TIMEOUT + 60,
                                   headers={"Accept": "application/sparql-results+json"})
            counts[str(response.status_code)] = counts.get(str(response.status_code), 0) + 1
    return run


def phase(url: str, token: str, readers: int, seconds: float, runaway: bool) -> tuple[loadgen.Result, dict[str, int]]:
    counts: dict[str, int] = {}
    result = loadgen.run(url, token, readers, seconds, also=runaway_client(url, counts) if runaway else None)
    return result, counts


def measure(workers: int, readers: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="hardening-load-") as tmp:
        data_dir = Path(tmp) / "var"
        token = loadgen.prepare(data_dir)
        filler(data_dir)
        server = Server(data_dir, {"DRIEHOEK_QUERY_TIMEOUT": str(TIMEOUT), "DRIEHOEK_QUERY_WORKERS": str(workers),
                                   "DRIEHOEK_THREADS": "16"})
        try:
            loadgen.run(server.url, token, readers, 5)  # warm-up: caches, workers, page cache
            base, _ = phase(server.url, token, readers, seconds, runaway=False)
            loaded, runaways = phase(server.url, token, readers, seconds, runaway=True)
            alive = requests.get(server.url + "/health", timeout=30).status_code == 200
        finally:
            server.stop()
    rows = {}
    for kind in KINDS:
        b50, b99, r50, r99 = base.p(kind, .5), base.p(kind, .99), loaded.p(kind, .5), loaded.p(kind, .99)
        rows[kind] = {"n": [len(base.latencies.get(kind, [])), len(loaded.latencies.get(kind, []))],
                      "baseline_ms": [round(1000 * b50, 1), round(1000 * b99, 1)],
                      "runaway_ms": [round(1000 * r50, 1), round(1000 * r99, 1)], "p99_ratio": round(r99 / b99, 2)}
    return {"workers": workers, "readers": readers, "seconds": seconds, "rows": rows,
            "errors": [len(base.errors), len(loaded.errors)], "torn": [len(base.torn), len(loaded.torn)],
            "error_samples": (base.errors + loaded.errors)[:5], "runaway_answers": runaways, "alive_after": alive}


def markdown(figures: dict) -> str:
    lines = [f"**{figures['readers']} readers + 1 writer, {figures['seconds']:.0f} s per phase, "
             f"DRIEHOEK_QUERY_WORKERS={figures['workers']}, runaway answers: {figures['runaway_answers']}, "
             f"errors {figures['errors'][0]} / {figures['errors'][1]}, torn reads {figures['torn'][0]} / "
             f"{figures['torn'][1]}, server alive after: {figures['alive_after']}**", "",
             "| request | n (base / runaway) | p50 base | p99 base | p50 runaway | p99 runaway | p99 ratio |",
             "|---|---|---|---|---|---|---|"]
    for kind, row in figures["rows"].items():
        lines.append(f"| {kind} | {row['n'][0]} / {row['n'][1]} | {row['baseline_ms'][0]} ms | {row['baseline_ms'][1]} ms "
                     f"| {row['runaway_ms'][0]} ms | {row['runaway_ms'][1]} ms | {row['p99_ratio']}x |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, action="append", help="DRIEHOEK_QUERY_WORKERS (repeatable; default 2)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"_{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}_\n")
    everything = []
    for workers in args.workers or [2]:
        figures = measure(workers, args.readers, args.seconds)
        everything.append(figures)
        print(markdown(figures) + "\n", flush=True)
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
