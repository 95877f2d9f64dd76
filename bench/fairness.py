"""Fairness (issue 14, point 10): do runaway queries or named-query downloads starve light requests?

    .venv/bin/python bench/fairness.py            # 60 s per phase (about 6 min with the pauses)
    .venv/bin/python bench/fairness.py --quick    # 15 s per phase

One `driehoek serve` on loopback with its default threads (8), query workers (2) and page threads
(0: threads minus 2), on the bundled data (made once with `driehoek init` under the bench work
directory, DRIEHOEK_BENCH_DIR), with DRIEHOEK_QUERY_TIMEOUT=--timeout. Each phase runs for a bounded
time with light SPARQL clients (a lookup each, 20 a second at most per client) and one /health client
(20 a second at most) beside:

- nothing (the baseline);
- 4, then 8 clients that each send a runaway query (a cross product over the whole store, stopped by
  the time limit with a 503) again and again, at once after every answer;
- 8 clients that each download the largest named query, `relations-changed-over-time.csv`, again
  and again (after a 503 they wait as long as Retry-After says, at most 5 s, as a polite client would).

Prints a Markdown table: per phase and kind of request, how many answered 200, how many did not
(503, or no answer within the client's own 60 s), and the p50, p95 and max latency of the 200s;
and whether the targets hold (light p95 < 1 s and /health p95 < 0.2 s with runaways; /health p95 <
0.2 s with the downloads; and no light request or /health refused).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
UWV = "https://identifier.overheid.nl/tooi/id/zbo/zb000117"
LIGHT = [
    f"ASK {{ <{UWV}> ?p ?o }}",
    f"SELECT ?label WHERE {{ <{UWV}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }}",
    "SELECT ?case WHERE { ?case a <https://w3id.org/driehoek/def#Case> } LIMIT 10",
]
DOWNLOAD = "/queries/relations-changed-over-time.csv"
LIGHT_CLIENTS = 2
PAUSE = 0.05  # seconds a light or /health client waits between requests
CLIENT_TIMEOUT = 60.0  # seconds a light or /health client waits for one answer
TARGETS = {"light": 1.0, "health": 0.2}  # p95, seconds
PHASES = ("baseline", "4 runaways", "8 runaways", "8 downloads")


@dataclass
class Samples:
    """Latencies of the requests that answered 200, and how the others ended."""

    latencies: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: str, took: float) -> None:
        with self.lock:
            if status == "200":
                self.latencies.append(took)
            else:
                self.failures[status] = self.failures.get(status, 0) + 1

    def percentile(self, q: float) -> float:
        """Nearest rank; NaN without samples."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def timed_get(session: requests.Session, url: str, *, timeout: float, **kwargs: object) -> tuple[str, float, int]:
    """(status or 'timeout'/'error', seconds, Retry-After) of one GET, its whole body read."""
    started = time.perf_counter()
    try:
        response = session.get(url, timeout=timeout, **kwargs)  # type: ignore[arg-type]
        response.content  # noqa: B018 - read the whole body: a download counts until its last byte
        took = time.perf_counter() - started
        status = str(response.status_code)
        if response.status_code != 200 and response.headers.get("Content-Type", "").startswith("application/json"):
            status += " " + str(response.json().get("error", ""))  # e.g. 503 query_timeout, 503 unavailable
        return status, took, int(response.headers.get("Retry-After", 0))
    except requests.Timeout:
        return "timeout", time.perf_counter() - started, 0
    except requests.RequestException:
        return "error", time.perf_counter() - started, 0


Load = Callable[[threading.Event, Samples], list[threading.Thread]]  # (stop, its samples) -> its clients


def phase(url: str, seconds: float, load: Load) -> dict[str, Samples]:
    """Light clients and a /health client beside `load` for `seconds`; every client stops by itself
    once its request in flight is answered (or given up)."""
    samples = {"light": Samples(), "health": Samples(), "load": Samples()}
    stop = threading.Event()

    def light(offset: int) -> None:
        with requests.Session() as session:
            i = offset
            while not stop.is_set():
                status, took, _ = timed_get(session, url + "/sparql", timeout=CLIENT_TIMEOUT,
                                            params={"query": LIGHT[i % len(LIGHT)]},
                                            headers={"Accept": "application/sparql-results+json"})
                samples["light"].add(status, took)
                i += 1
                stop.wait(PAUSE)

    def health() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                status, took, _ = timed_get(session, url + "/health", timeout=CLIENT_TIMEOUT)
                samples["health"].add(status, took)
                stop.wait(PAUSE)

    threads = [threading.Thread(target=light, args=(n,), daemon=True) for n in range(LIGHT_CLIENTS)]
    threads.append(threading.Thread(target=health, daemon=True))
    threads += load(stop, samples["load"])
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(CLIENT_TIMEOUT + 120)
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a client did not stop")
    return samples


def runaways(url: str, count: int, timeout: float) -> Load:
    """`count` clients sending the runaway query again and again, at once after each answer."""
    def start(stop: threading.Event, samples: Samples) -> list[threading.Thread]:
        def client() -> None:
            with requests.Session() as session:
                while not stop.is_set():
                    status, took, _ = timed_get(session, url + "/sparql", timeout=timeout + 120,
                                                params={"query": RUNAWAY},
                                                headers={"Accept": "application/sparql-results+json"})
                    samples.add(status, took)
        return [threading.Thread(target=client, daemon=True) for _ in range(count)]
    return start


def downloads(url: str, count: int, timeout: float) -> Load:
    """`count` clients downloading the largest named query again and again (after a 503, Retry-After)."""
    def start(stop: threading.Event, samples: Samples) -> list[threading.Thread]:
        def client() -> None:
            with requests.Session() as session:
                while not stop.is_set():
                    status, took, retry = timed_get(session, url + DOWNLOAD, timeout=timeout + 120)
                    samples.add(status, took)
                    if status != "200":
                        stop.wait(min(retry, 5) or 0.5)
        return [threading.Thread(target=client, daemon=True) for _ in range(count)]
    return start


def nothing(stop: threading.Event, samples: Samples) -> list[threading.Thread]:
    """No load: the baseline."""
    return []


def bundled_data_dir() -> Path:
    """A data directory with the bundled data, made once with `driehoek init` (about a minute)."""
    data_dir = common.WORK / "var-bundled"
    stamp = data_dir / "bench-initialised"
    if not stamp.exists():
        common.log(f"initialising {data_dir} with the bundled data")
        subprocess.run([str(common.BIN / "driehoek"), "--data-dir", str(data_dir), "init"], check=True,
                       env={**os.environ, "DRIEHOEK_VALIDATION_TIMEOUT": "3600"}, stdout=subprocess.DEVNULL)
        stamp.write_text("init\n")
    return data_dir


def ms(seconds: float) -> str:
    """Seconds as whole milliseconds; a dash for no samples."""
    return "–" if seconds != seconds else f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="15 s per phase instead of 60 s")
    parser.add_argument("--seconds", type=float, help="seconds per phase (overrides --quick)")
    parser.add_argument("--timeout", type=float, default=10.0, help="DRIEHOEK_QUERY_TIMEOUT of the server")
    parser.add_argument("--threads", type=int, help="DRIEHOEK_THREADS of the server (default: its default, 8)")
    parser.add_argument("--only", action="append", choices=PHASES, help="run this phase only (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    seconds = args.seconds or (15.0 if args.quick else 60.0)
    data_dir = bundled_data_dir()
    threads = f", DRIEHOEK_THREADS={args.threads}" if args.threads else ""
    print(f"_{common.machine()}; {time.strftime('%Y-%m-%d')}; {seconds:g} s per phase, "
          f"DRIEHOEK_QUERY_TIMEOUT={args.timeout:g}{threads}_\n")
    server = common.start_driehoek(data_dir, threads=args.threads, env={"DRIEHOEK_QUERY_TIMEOUT": f"{args.timeout:g}"},
                                   name="fairness")
    url = f"http://{common.HOST}:{server.port}"
    phases = [
        ("baseline", "–", nothing),
        ("4 runaways", "runaway", runaways(url, 4, args.timeout)),
        ("8 runaways", "runaway", runaways(url, 8, args.timeout)),
        ("8 downloads", "download", downloads(url, 8, args.timeout)),
    ]
    phases = [p for p in phases if not args.only or p[0] in args.only]
    figures = []
    try:
        requests.get(url + DOWNLOAD, timeout=120)  # warm-up: the page cache, both workers
        for name, load_kind, load in phases:
            common.log(f"phase {name}")
            samples = phase(url, seconds, load)
            for kind, sample in samples.items():
                if kind == "load" and load_kind == "–":
                    continue
                figures.append({
                    "phase": name, "kind": load_kind if kind == "load" else kind, "ok": len(sample.latencies),
                    "failed": dict(sample.failures), "p50": sample.percentile(50), "p95": sample.percentile(95),
                    "max": max(sample.latencies, default=float("nan")),
                    "target": TARGETS.get(kind) if name != "baseline" and kind in TARGETS else None,
                })
            time.sleep(2)  # let replaced workers start before the next phase
        alive = requests.get(url + "/health", timeout=60).status_code == 200
    finally:
        server.stop()
    rows = []
    for f in figures:
        target = f["target"]
        if target is None or (f["phase"] == "8 downloads" and f["kind"] == "light"):
            verdict = ""
        else:
            met = f["p95"] < target and not f["failed"]
            verdict = f"{'met' if met else 'MISSED'} (p95 < {target * 1000:.0f} ms)"
        failed = ", ".join(f"{n} × {status}" for status, n in sorted(f["failed"].items())) or "0"
        rows.append([f["phase"], f["kind"], f["ok"], failed, ms(f["p50"]), ms(f["p95"]), ms(f["max"]), verdict])
    print(common.table(["phase", "requests", "200", "not 200", "p50", "p95", "max", "target"], rows))
    print(f"\nserver answered /health after the run: {alive}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
