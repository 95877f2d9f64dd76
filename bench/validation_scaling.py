"""How the SHACL gate's cost grows with the store: validate one case-sized upload against stores of
10k and 1M triples (and, as the reference, pyshacl on the whole graph at each size).

    .venv/bin/python bench/validation_scaling.py [--sizes 10000 1000000] [--runs 7] [--full-max 100000]

Prints a Markdown table for docs/benchmarks.md. Never part of the test run.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from driehoek import formats, validation
from driehoek.config import Settings
from driehoek.service import Driehoek, Source

ROOT = Path(__file__).resolve().parents[1]


def filler(path: Path, triples: int) -> None:
    """Organisation-like triples that point at each other, so context lookups have work to do."""
    with open(path, "w") as out:
        for i in range(triples // 4):
            s = f"<https://w3id.org/driehoek/id/organisation/bench-{i}>"
            out.write(f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/org#Organization> .\n")
            out.write(f'{s} <http://www.w3.org/2004/02/skos/core#prefLabel> "Organisatie {i}"@nl .\n')
            out.write(f"{s} <http://www.w3.org/ns/org#subOrganizationOf> <https://w3id.org/driehoek/id/organisation/bench-{i // 10}> .\n")
            out.write(f"{s} <http://purl.org/dc/terms/source> <https://example.org/source/{i}> .\n")


def case_upload() -> Path:
    cases = sorted((ROOT / "data" / "cases").glob("*.ttl"))
    if not cases:
        sys.exit("no case in data/cases to use as the upload")
    return cases[0]


def measure(service: Driehoek, upload: Path, runs: int) -> float:
    source = Source.from_path(upload)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        service.prepare(source, ox.NamedNode("https://w3id.org/driehoek/graph/bench-upload"))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def full_graph(service: Driehoek, upload: Path) -> float:
    quads = list(service.store.quads()) + list(ox.parse(path=str(upload), format=ox.RdfFormat.TURTLE))
    start = time.perf_counter()
    validation.validate(quads, None)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--full-max", type=int, default=100_000, help="largest store to validate whole")
    args = parser.parse_args()
    upload = case_upload()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            data_dir = Path(tmp) / f"var-{size}"
            service = Driehoek(Settings(data_dir=data_dir))
            service.init()
            fill = Path(tmp) / f"filler-{size}.nt"
            filler(fill, max(0, size - len(service.store)))
            service.load_trusted(Source.from_path(fill, formats.NTRIPLES),
                                 ox.NamedNode("https://w3id.org/driehoek/graph/bench-filler"), agent="bench")
            total = len(service.store)
            gate = measure(service, upload, args.runs)
            whole = full_graph(service, upload) if total <= args.full_max else None
            rows.append((total, gate, whole))
            service.close()
    base = rows[0][1]
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"upload: {upload.name}, median of {args.runs} runs")
    print("| store size (quads) | gate on one case (median) | ratio to smallest | pyshacl on whole graph |")
    print("|---|---|---|---|")
    for total, gate, whole in rows:
        whole_text = f"{whole:.2f} s" if whole is not None else "not run (too slow)"
        print(f"| {total:,} | {gate * 1000:.0f} ms | {gate / base:.2f}x | {whole_text} |")


if __name__ == "__main__":
    main()
