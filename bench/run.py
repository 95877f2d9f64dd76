"""Run every benchmark, or one, and print their Markdown sections (the figures of docs/benchmarks.md).

    .venv/bin/python bench/run.py                  # all of them: about an hour on 2 cores
    .venv/bin/python bench/run.py --only bulk-load # or: gate sparql rdflib overhead memory pages 10m backends
    .venv/bin/python bench/run.py --list

Each benchmark is its own script in bench/ (run it directly for its options); this runs them one
after the other, never at the same time, so that they do not measure each other.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS: dict[str, tuple[str, list[str], str]] = {
    "bulk-load": ("bulk_load.py", [], "Trusted bulk load vs oxigraph load (1M triples)"),
    "gate": ("validation_scaling.py", [], "Validated upload of one case across store sizes"),
    "sparql": ("sparql_endpoint.py", [], "/sparql vs Oxigraph server (1M triples)"),
    "rdflib": ("sparql_endpoint.py", ["--rdflib"], "/sparql vs rdflib-endpoint (100k triples)"),
    "overhead": ("sparql_overhead.py", [], "Where a light /sparql request's CPU goes, and the stack's floor"),
    "memory": ("server_memory.py", [], "Server memory under load (1M triples)"),
    "pages": ("pages.py", [], "Pages: an organisation page on a million triples"),
    "10m": ("ten_million.py", [], "10M triples: load and serve"),
    "backends": ("backends.py", [], "Embedded store and a remote Oxigraph server (100k)"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append", help="run this one (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    args = parser.parse_args()
    if args.list:
        for name, (script, extra, title) in BENCHMARKS.items():
            print(f"{name:10} {title}: .venv/bin/python bench/{script} {' '.join(extra)}".rstrip())
        return
    failed = []
    for name in args.only or list(BENCHMARKS):
        script, extra, title = BENCHMARKS[name]
        command = [sys.executable, str(HERE / script), *extra]
        print(f"## {title}\n\n`.venv/bin/python bench/{script} {' '.join(extra)}`".rstrip("` ") + "`\n", flush=True)
        start = time.monotonic()
        result = subprocess.run(command, cwd=HERE, stdout=subprocess.PIPE, text=True)
        print(result.stdout.rstrip() + "\n", flush=True)
        print(f"_({time.monotonic() - start:.0f} s)_\n", flush=True)
        if result.returncode != 0:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
