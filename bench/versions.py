"""What keeping resource versions costs: bytes on disk per kept version, against the graph's own size.

    .venv/bin/python bench/versions.py            # graphs of 1k, 10k and 100k triples, 10 rewrites each
    .venv/bin/python bench/versions.py --quick    # 1k and 10k, 5 rewrites

Every write of a public graph keeps its previous content in DATA_DIR/versions (src/driehoek/versions.py).
For each graph size this loads a graph, rewrites it N times with 1 % of its triples changed (as a steward
fixing a file does: a whole-graph PUT), and reports the growth of the version store per rewrite, per kept
triple, and as a ratio to the graph's N-Quads size, gzipped N-Quads size, and to the growth of the main
store over the same writes (the reference: the store that must hold the graph anyway). Also the time
of a rewrite with versions, as a ratio to the time without (versions switched off by monkeypatching
the keep step out), median of the rewrites. Never part of the test run.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from driehoek.config import Settings  # noqa: E402
from driehoek.service import Driehoek, Source  # noqa: E402

GRAPH = ox.NamedNode("https://w3id.org/driehoek/graph/bench/versions")


def graph_text(size: int, round_: int) -> bytes:
    """`size` triples, 1 % of which change with each round."""
    lines = []
    for i in range(size):
        changed = round_ if i % 100 == 0 else 0
        lines.append(f'<http://example.org/r/{i}> <http://example.org/value> "value {i} version {changed}" .\n')
    return "".join(lines).encode()


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def run(size: int, rewrites: int, keep: bool) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="driehoek-versions-"))
    original = Driehoek._commit
    try:
        if not keep:  # the reference: the same writes without keeping versions
            def plain(self: Driehoek, writes: list, activity: object, **options: object) -> object:
                return self.store.commit(writes, activity, **options)
            Driehoek._commit = plain  # type: ignore[method-assign]
        settings = Settings(data_dir=work / "var")
        service = Driehoek(settings)
        source = work / "graph.nt"
        source.write_bytes(graph_text(size, 0))
        service.write_graph(GRAPH, Source.from_path(source), mode="replace", agent="bench", operation="put")
        service.store.raw.flush()
        service.store.raw.optimize()
        store_before, versions_before = du(work / "var" / "store"), du(work / "var" / "versions")
        times = []
        for round_ in range(1, rewrites + 1):
            source.write_bytes(graph_text(size, round_))
            start = time.perf_counter()
            service.write_graph(GRAPH, Source.from_path(source), mode="replace", agent="bench", operation="put")
            times.append(time.perf_counter() - start)
        service.store.raw.flush()
        service.store.raw.optimize()  # both stores compacted: the steady state, not the write-ahead log
        if service.versions.exists():
            service.versions.store.optimize()
        service.close()
        nquads = len(graph_text(size, 0))
        return {"versions": (du(work / "var" / "versions") - versions_before) / rewrites,
                "store": (du(work / "var" / "store") - store_before) / rewrites,
                "nquads": nquads, "gzip": len(gzip.compress(graph_text(size, 0))),
                "time": statistics.median(times)}
    finally:
        Driehoek._commit = original  # type: ignore[method-assign]
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes, rewrites = ([1_000, 10_000], 5) if args.quick else ([1_000, 10_000, 100_000], 10)
    print("| triples | version store per rewrite | per kept triple | vs N-Quads | vs gzip N-Quads | "
          "main store growth per rewrite | rewrite time with / without versions |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        with_versions = run(size, rewrites, keep=True)
        without = run(size, rewrites, keep=False)
        kb = with_versions["versions"] / 1024
        print(f"| {size:,} | {kb:,.0f} KiB | {with_versions['versions'] / size:.0f} B | "
              f"{with_versions['versions'] / with_versions['nquads']:.2f}x | "
              f"{with_versions['versions'] / with_versions['gzip']:.1f}x | "
              f"{with_versions['store'] / 1024:,.0f} KiB | "
              f"{with_versions['time'] / without['time']:.2f}x ({with_versions['time'] * 1000:.0f} / "
              f"{without['time'] * 1000:.0f} ms) |", flush=True)


if __name__ == "__main__":
    main()
