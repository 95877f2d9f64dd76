"""/sparql latency and throughput: driehoek `serve` vs `oxigraph serve-read-only` on the same store
(a copy of driehoek's snapshot: the same RocksDB files) and the same queries, and vs rdflib-endpoint
on a smaller store (rdflib keeps the graph in Python objects and is slow: 100k triples).

    .venv/bin/python bench/sparql_endpoint.py [--triples 1000000] [--threads 1 4 8] [--seconds 10] [--runs 3]
    .venv/bin/python bench/sparql_endpoint.py --rdflib [--rdflib-triples 100000] [--seconds 10] [--runs 3]

Each cell: `threads` clients with keep-alive connections send a class of queries round-robin for a
bounded number of seconds (and requests); latency p50/p99 per request and throughput in requests per
second. Both servers run at once and take turns cell by cell, so that a busy machine slows both
alike. The clients run on the same machine as the servers (2 cores here): the ratios are fair, the
absolute figures a floor.
"""

from __future__ import annotations

import argparse
import sys

from common import (LoadResult, Server, driehoek_store, label, load, log, machine, median, oxigraph_copy, request, rows,
                    running, spread, start_driehoek, start_oxigraph, start_rdflib_endpoint, table, union_ntriples)
from generate import TOOI, Generator

PREFIXES = """PREFIX dh: <https://w3id.org/driehoek/def#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX cv: <http://data.europa.eu/m8g/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX rt: <https://w3id.org/driehoek/def/relation-type/>
"""


def org_iris(triples: int, count: int) -> list[str]:
    """IRIs of generated organisations spread over the whole store (TOOI-like ones)."""
    generator = Generator(triples, 1)
    step = max(1, generator.organisations // count)
    found = [generator.org_iri(i) for i in range(0, generator.organisations, step)]
    return [iri for iri in found if iri.startswith(TOOI)][:count]


def light_queries(triples: int) -> list[str]:
    """Lookups a browser or a script sends all day: one resource by IRI, a small page of a list,
    an organisation's names over time."""
    queries = []
    for iri in org_iris(triples, 30):
        queries.append(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
        queries.append(PREFIXES + "SELECT ?org ?name WHERE { ?org a cv:PublicOrganisation ; "
                       f"skos:prefLabel ?name . FILTER(lang(?name) = \"nl\") }} LIMIT 10 OFFSET {len(queries) % 50}")
        queries.append(PREFIXES + "SELECT ?name ?since ?until WHERE { "
                       f"<{iri}> dh:hasName ?n . ?n dh:nameValue ?name . OPTIONAL {{ ?n schema:startDate ?since }} "
                       "OPTIONAL { ?n schema:endDate ?until } } ORDER BY ?since")
    return queries


HEAVY = {
    "count by type": "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)",
    "join over relations": PREFIXES + """SELECT ?relationType ?fromType ?toType (COUNT(*) AS ?n) WHERE {
  ?r dh:relationType ?relationType ; dh:from ?from ; dh:to ?to .
  ?from dh:organisationType ?fromType . ?to dh:organisationType ?toType .
} GROUP BY ?relationType ?fromType ?toType ORDER BY DESC(?n)""",
    "order by": PREFIXES + """SELECT ?a ?date ?rating WHERE {
  ?a a dh:Assessment ; dcterms:date ?date ; dh:rating ?rating .
} ORDER BY DESC(?date) ?a LIMIT 100""",
    "cases scored": PREFIXES + """SELECT ?case (SUM(?rank) AS ?score) (COUNT(?a) AS ?assessments) WHERE {
  ?case a dh:Case ; dh:hasAssessment ?a . ?a dh:rating ?rating .
  VALUES (?rating ?rank) { (<https://w3id.org/driehoek/def/rating/success> 5)
    (<https://w3id.org/driehoek/def/rating/resilient-success> 4) (<https://w3id.org/driehoek/def/rating/conflicted-success> 3)
    (<https://w3id.org/driehoek/def/rating/precarious-success> 2) (<https://w3id.org/driehoek/def/rating/failure> 1) }
} GROUP BY ?case ORDER BY DESC(?score) ?case LIMIT 50""",
}


def check_same_answers(servers: list[Server], queries: list[str]) -> None:
    """Every server gives the same number of rows for each query (else the comparison is void)."""
    for query in queries:
        counts = {}
        for server in servers:
            status, body = request(server, query)
            if status != 200:
                sys.exit(f"{server.name} answered {status} to:\n{query}\n{body[:500]!r}")
            counts[server.name] = rows(body)
        if len(set(counts.values())) != 1:
            sys.exit(f"different answers {counts} to:\n{query}")


def paired_heavy(servers: dict[str, Server], repeat: int, timeout: float) -> dict[str, dict[str, list[float]]]:
    """Each heavy query alone (one client), the two servers taking turns, `repeat` times each:
    server -> query -> seconds per run. Taking turns puts both under the same background load."""
    times: dict[str, dict[str, list[float]]] = {name: {} for name in servers}
    for query_name, query in HEAVY.items():
        for server in servers.values():
            request(server, query, timeout=timeout)  # warm the caches once
        for n in range(repeat):
            order = list(servers) if n % 2 == 0 else list(reversed(servers))
            for name in order:
                result = load(servers[name], [query], threads=1, seconds=timeout, max_requests=1, timeout=timeout)
                if result.errors:
                    sys.exit(f"{name}: error on {query_name}")
                times[name].setdefault(query_name, []).extend(result.latencies)
    return times


def paired_grid(servers: dict[str, Server], classes: dict[str, list[str]], threads: list[int], seconds: float,
                runs: int, timeout: float) -> dict[str, dict[tuple[str, int], list[tuple[float, float, float, int]]]]:
    """server -> (class, clients) -> [(p50 s, p99 s, requests/s, errors)] per run; for each cell the
    servers take turns, `runs` times."""
    out: dict[str, dict[tuple[str, int], list[tuple[float, float, float, int]]]] = {name: {} for name in servers}
    for cls, queries in classes.items():
        for server in servers.values():
            for query in queries[:3]:
                request(server, query, timeout=timeout)
        for n in threads:
            for run in range(runs):
                order = list(servers) if run % 2 == 0 else list(reversed(servers))
                for name in order:
                    result = load(servers[name], queries, threads=n, seconds=seconds, max_requests=1_000_000,
                                  timeout=timeout)
                    log(f"{name} {cls} x{n} run {run + 1}: {result.throughput:.1f} req/s, "
                        f"p50 {ms(result.percentile(50))}, {result.errors} errors")
                    out[name].setdefault((cls, n), []).append(
                        (result.percentile(50), result.percentile(99), result.throughput, result.errors))
    return out


def ms(seconds: float) -> str:
    """Milliseconds, with sensible precision."""
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def versus_oxigraph(triples: int, threads: list[int], seconds: float, runs: int, repeat: int,
                    server_threads: int | None = None) -> str:
    """driehoek vs Oxigraph server on the same store, both running, taking turns."""
    data_dir = driehoek_store(triples)
    copy = oxigraph_copy(data_dir)
    light = light_queries(triples)
    classes = {"light": light, "heavy": list(HEAVY.values())}
    with running(lambda: start_driehoek(data_dir, threads=server_threads)) as d, \
            running(lambda: start_oxigraph(copy)) as o:
        servers = {"driehoek": d, "oxigraph": o}
        check_same_answers([d, o], light[:6] + list(HEAVY.values()))
        log("heavy queries alone, taking turns")
        heavy = paired_heavy(servers, repeat, 300)
        log("concurrent clients, taking turns")
        grid = paired_grid(servers, classes, threads, seconds, runs, 300)

    heavy_rows, heavy_ratios = [], []
    for query in HEAVY:
        d_times, o_times = heavy["driehoek"][query], heavy["oxigraph"][query]
        ratio = median(d_times) / median(o_times)
        heavy_ratios.append(ratio)
        heavy_rows.append([query, f"{ms(median(d_times))} ({spread(d_times)})", f"{ms(median(o_times))} ({spread(o_times)})",
                           f"{ratio:.2f}x", "met" if ratio <= 1.1 else "NOT met"])

    def cell(name: str, key: tuple[str, int], index: int) -> float:
        return median([r[index] for r in grid[name][key]])

    grid_rows, light_ratios = [], []
    for cls in classes:
        for n in threads:
            key = (cls, n)
            d_tp, o_tp = cell("driehoek", key, 2), cell("oxigraph", key, 2)
            if cls == "light":
                light_ratios.append(d_tp / o_tp)
            errors = sum(r[3] for name in grid for r in grid[name][key])
            d_runs = [r[2] for r in grid["driehoek"][key]]
            grid_rows.append([cls, n, ms(cell("driehoek", key, 0)), ms(cell("oxigraph", key, 0)),
                              ms(cell("driehoek", key, 1)), ms(cell("oxigraph", key, 1)),
                              f"{d_tp:.1f} ({spread(d_runs)})", f"{o_tp:.1f} ({spread([r[2] for r in grid['oxigraph'][key]])})",
                              f"{d_tp / o_tp:.2f}x", errors])
    threads_note = f"{server_threads} threads" if server_threads else "8 threads (default)"
    return "\n".join([
        f"/sparql on {label(triples)} generated triples (+ the vocabulary): driehoek serve ({threads_note}, "
        f"2 query workers) vs oxigraph serve-read-only --union-default-graph on a copy of the same snapshot. "
        f"Both run at once and take turns, so that both see the same background load; ± is half the "
        f"spread between turns.",
        f"Machine: {machine()}.",
        "",
        f"Heavy queries alone (one client; median of {repeat} turns each, after one warm-up):",
        "",
        table(["query", "driehoek", "oxigraph", "time ratio", "within 1.1x"], heavy_rows),
        "",
        f"Concurrent clients ({seconds:g} s per cell, {runs} turns; light = {len(light)} lookups by IRI, LIMIT "
        "pages and names over time of one organisation; heavy = the four above):",
        "",
        table(["class", "clients", "p50 driehoek", "p50 oxigraph", "p99 driehoek", "p99 oxigraph",
               "req/s driehoek", "req/s oxigraph", "throughput ratio", "errors"], grid_rows),
        "",
        f"Targets: heavy within 1.1x of Oxigraph server's time: {'met' if max(heavy_ratios) <= 1.1 else 'NOT met'} "
        f"(worst {max(heavy_ratios):.2f}x); light at least 0.7x its throughput: "
        f"{'met' if min(light_ratios) >= 0.7 else 'NOT met'} (worst {min(light_ratios):.2f}x).",
    ])


def versus_rdflib(triples: int, seconds: float, runs: int, timeout: float) -> str:
    """driehoek vs rdflib-endpoint, one client, on the smaller store; both running, taking turns."""
    data_dir = driehoek_store(triples)
    union = union_ntriples(data_dir)
    light = light_queries(triples)
    classes = {"light": light, **{name: [query] for name, query in HEAVY.items()}}
    results: dict[str, dict[str, list[LoadResult]]] = {"driehoek": {}, "rdflib-endpoint": {}}
    with running(lambda: start_driehoek(data_dir)) as d, running(lambda: start_rdflib_endpoint(union)) as r:
        servers = {"driehoek": d, "rdflib-endpoint": r}
        check_same_answers([d, r], light[:6] + list(HEAVY.values()))
        for cls, queries in classes.items():
            for run in range(runs):
                for name in (list(servers) if run % 2 == 0 else list(reversed(servers))):
                    result = load(servers[name], queries, threads=1, seconds=seconds, max_requests=100_000,
                                  timeout=timeout)
                    log(f"{name} {cls} run {run + 1}: {result.throughput:.2f} req/s, p50 {ms(result.percentile(50))}, "
                        f"{result.errors} errors")
                    results[name].setdefault(cls, []).append(result)
    body, ratios = [], []
    for cls in classes:
        d_p50 = median([x.percentile(50) for x in results["driehoek"][cls]])
        r_p50 = median([x.percentile(50) for x in results["rdflib-endpoint"][cls]])
        d_tp = median([x.throughput for x in results["driehoek"][cls]])
        r_tp = median([x.throughput for x in results["rdflib-endpoint"][cls]])
        ratio = d_tp / r_tp if r_tp else float("inf")
        ratios.append(ratio)
        body.append([cls, ms(d_p50), ms(r_p50), f"{d_tp:.1f}", f"{r_tp:.2f}", f"{ratio:.1f}x",
                     "met" if ratio >= 20 else "NOT met"])
    return "\n".join([
        f"/sparql on {label(triples)} generated triples: driehoek serve vs rdflib-endpoint "
        f"{rdflib_endpoint_version()} (rdflib in-memory graph on FastAPI/uvicorn) serving the same triples; "
        f"one client, {seconds:g} s per row and turn, {runs} turns each, both running and taking turns. "
        f"rdflib holds the graph in Python objects: this comparison uses {label(triples)}, not 1M.",
        f"Machine: {machine()}.",
        "",
        table(["queries", "p50 driehoek", "p50 rdflib-endpoint", "req/s driehoek", "req/s rdflib-endpoint",
               "driehoek faster by", "at least 20x"], body),
        "",
        f"Target: at least 20x rdflib-endpoint: {'met' if min(ratios) >= 20 else 'NOT met'} "
        f"(from {min(ratios):.1f}x to {max(ratios):.1f}x).",
    ])


def rdflib_endpoint_version() -> str:
    """The version of rdflib-endpoint in its own venv."""
    import subprocess

    from common import RDFLIB_ENDPOINT_VENV

    out = subprocess.run([str(RDFLIB_ENDPOINT_VENV / "bin" / "python"), "-c",
                          "import importlib.metadata as m; print(m.version('rdflib-endpoint'), m.version('rdflib'))"],
                         capture_output=True, text=True).stdout.split()
    return f"{out[0]} (rdflib {out[1]})" if len(out) == 2 else "(version unknown)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--seconds", type=float, default=10.0, help="per cell")
    parser.add_argument("--runs", type=int, default=3, help="turns per cell")
    parser.add_argument("--repeat", type=int, default=7, help="heavy queries alone: turns per query")
    parser.add_argument("--rdflib", action="store_true", help="compare with rdflib-endpoint instead")
    parser.add_argument("--rdflib-triples", type=int, default=100_000)
    parser.add_argument("--server-threads", type=int, help="DRIEHOEK_THREADS for driehoek serve")
    args = parser.parse_args()
    if args.rdflib:
        print(versus_rdflib(args.rdflib_triples, args.seconds, args.runs, 600))
    else:
        print(versus_oxigraph(args.triples, args.threads, args.seconds, args.runs, args.repeat, args.server_threads))


if __name__ == "__main__":
    main()
