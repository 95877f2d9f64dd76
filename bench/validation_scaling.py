"""How the SHACL gate's cost grows with the store: one case-sized upload (a generated case with its
four assessments, pointing at organisations in the store) validated with its context from stores of
10k, 100k and 1M generated triples; and, as the reference, pyshacl on the whole graph at 10k and 100k.

    .venv/bin/python bench/validation_scaling.py [--sizes 10000 100000 1000000] [--runs 9] [--full-max 100000]

Two figures per store: the gate alone (`Driehoek.prepare`: parse, context lookups, pyshacl) and the
whole write a steward's PUT does (`Driehoek.write_graph`: the gate, the atomic commit with provenance,
a new snapshot). Medians of `--runs` after one warm-up; the whole benchmark is repeated `--rounds`
times and the table shows the median of the rounds' medians. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

from common import SEED, WORK, driehoek_store, label, log, machine, median, spread, table
from generate import Generator

UPLOAD_GRAPH = "https://w3id.org/driehoek/graph/bench-case-upload"


def case_upload(triples: int, path: Path) -> Path:
    """A new case (number far past the generated ones) for the store of that size, as N-Triples."""
    generator = Generator(triples, SEED)
    with open(path, "w", encoding="utf-8") as out:
        for s, p, o in generator.case(10_000_000):
            out.write(f"{s} <{p}> {o} .\n")
    return path


def private_copy(data_dir: Path) -> Path:
    """A copy of the benchmark store that this benchmark may write to."""
    target = WORK / f"{data_dir.name}-gate"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(data_dir, target, ignore=shutil.ignore_patterns("spool", "trial"))
    return target


def measure(triples: int, runs: int, full: bool) -> dict[str, object]:
    """Gate and whole-write medians on one store size; full-graph pyshacl if asked."""
    from driehoek import validation
    from driehoek.config import Settings
    from driehoek.service import Driehoek, Source

    data_dir = private_copy(driehoek_store(triples))
    upload = case_upload(triples, WORK / f"case-upload-{label(triples)}.nt")
    service = Driehoek(Settings(data_dir=data_dir))
    try:
        size = len(service.store)
        source = Source.from_path(upload)
        graph = ox.NamedNode(UPLOAD_GRAPH)
        _q, report = service.prepare(source, graph)
        assert report is not None and report.conforms, report.to_text() if report else "no report"
        gate = []
        for _ in range(runs):
            start = time.perf_counter()
            service.prepare(source, graph)
            gate.append(time.perf_counter() - start)
        write = []
        service.write_graph(graph, source, mode="replace", agent="bench", operation="put")  # warm-up
        for _ in range(runs):
            start = time.perf_counter()
            service.write_graph(graph, source, mode="replace", agent="bench", operation="put")
            write.append(time.perf_counter() - start)
        whole = None
        if full:
            quads = [q for q in service.store.quads() if q.graph_name != ox.NamedNode(UPLOAD_GRAPH)]
            quads += list(ox.parse(path=str(upload), format=ox.RdfFormat.N_TRIPLES))
            start = time.perf_counter()
            # one pyshacl run over everything, as a gate without context lookups would have to do
            validation.validate(quads, None, chunk_triples=len(quads) + 1)
            whole = time.perf_counter() - start
    finally:
        service.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"size": size, "gate": statistics.median(gate), "write": statistics.median(write), "whole": whole,
            "gate_p90": sorted(gate)[int(0.9 * (len(gate) - 1))]}


def run(sizes: list[int], runs: int, rounds: int, full_max: int) -> str:
    """All rounds, then the Markdown section."""
    results: dict[int, list[dict[str, object]]] = {n: [] for n in sizes}
    for r in range(rounds):
        for n in (sizes if r % 2 == 0 else list(reversed(sizes))):
            log(f"round {r + 1}: gate on a store of {label(n)}")
            results[n].append(measure(n, runs, full=n <= full_max))
    body = []
    base_gate = median([float(m["gate"]) for m in results[sizes[0]]])  # type: ignore[arg-type]
    ratios = {}
    for n in sizes:
        gates = [float(m["gate"]) for m in results[n]]  # type: ignore[arg-type]
        writes = [float(m["write"]) for m in results[n]]  # type: ignore[arg-type]
        wholes = [float(m["whole"]) for m in results[n] if m["whole"] is not None]  # type: ignore[arg-type]
        gate = median(gates)
        ratios[n] = gate / base_gate
        whole = f"{median(wholes):.1f} s ({spread(wholes)}); gate is {median(wholes) / gate:.0f}x faster" if wholes \
            else "not run (too slow)"
        body.append([f"{label(n)} (+ vocabulary: {results[n][0]['size']:,} quads)", f"{gate * 1000:.0f} ms ({spread(gates)})",
                     f"{ratios[n]:.2f}x", f"{median(writes) * 1000:.0f} ms ({spread(writes)})", whole])
    worst = max(ratios.values())
    return "\n".join([
        f"One generated case (4 assessments, 2-4 organisations from the store; about 75 triples) through "
        f"the gate with its store context. Median of {runs} runs after a warm-up, then the median of "
        f"{rounds} rounds (± half the spread between rounds).",
        f"Machine: {machine()}.",
        "",
        table(["store", "gate (prepare) p50", "vs smallest", "whole PUT (gate + commit + snapshot) p50",
               "reference: pyshacl on the whole graph"], body),
        "",
        f"Target: 1M no more than 1.5x of 10k: {'met' if ratios[sizes[-1]] <= 1.5 else 'NOT met'} "
        f"({ratios[sizes[-1]]:.2f}x; worst size {worst:.2f}x).",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--full-max", type=int, default=100_000, help="largest store to validate whole")
    args = parser.parse_args()
    print(run(args.sizes, args.runs, args.rounds, args.full_max))


if __name__ == "__main__":
    main()
