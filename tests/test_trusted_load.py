"""`load --trusted`: pyoxigraph's bulk loader writes the graph; the result is what a parse would give,
all or nothing, with its provenance (bench/bulk_load.py measures the speed)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox

from .conftest import Cli

GRAPH = "https://w3id.org/driehoek/graph/trusted"
DH = "https://w3id.org/driehoek/def#"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _triples(n: int) -> list[str]:
    return [f'<http://example.org/s{i}> <http://example.org/p> "wáárde {i}"@nl .' for i in range(n)]


def _graph(cli: Cli, graph: str = GRAPH) -> set[ox.Quad]:
    result = cli("dump")
    assert result.exit_code == 0, result.output
    return {q for q in ox.parse(result.stdout_bytes, format=ox.RdfFormat.N_QUADS)
            if q.graph_name == ox.NamedNode(graph)}


def _recorded_count(cli: Cli, graph: str = GRAPH) -> int:
    rows = cli("query", f"SELECT ?c WHERE {{ GRAPH <https://w3id.org/driehoek/graph/meta> {{ <{graph}> <{DH}tripleCount> ?c }} }}",
               "--format", "csv")
    assert rows.exit_code == 0, rows.output
    return int(rows.stdout.strip().splitlines()[1])


def test_trusted_load_writes_every_triple_and_records_the_count(cli: Cli, tmp_path: Path) -> None:
    source = _write(tmp_path / "big.nt", _triples(2_500))
    result = cli("load", "--trusted", "--graph", GRAPH, source)
    assert result.exit_code == 0, result.output
    assert f"loaded 2500 triples into <{GRAPH}>" in result.stdout
    expected = {ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(GRAPH))
                for t in ox.parse(path=str(source), format=ox.RdfFormat.N_TRIPLES)}
    assert _graph(cli) == expected
    assert _recorded_count(cli) == 2_500


def test_trusted_load_of_a_gzipped_file(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "big.nt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("".join(line + "\n" for line in _triples(300)))
    assert cli("load", "--trusted", "--graph", GRAPH, path).exit_code == 0
    assert len(_graph(cli)) == 300
    assert _recorded_count(cli) == 300


def test_trusted_loads_keep_blank_nodes_apart(cli: Cli, tmp_path: Path) -> None:
    source = _write(tmp_path / "b.nt", ['_:b0 <http://example.org/p> "1" .'])
    assert cli("load", "--trusted", "--graph", GRAPH, source).exit_code == 0
    assert cli("load", "--trusted", "--graph", GRAPH + "-2", source).exit_code == 0
    first, second = _graph(cli), _graph(cli, GRAPH + "-2")
    assert {q.subject for q in first}.isdisjoint({q.subject for q in second})


def test_trusted_syntax_error_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    assert cli("load", "--trusted", "--graph", GRAPH + "-other", _write(tmp_path / "ok.nt", _triples(3))).exit_code == 0
    before = cli.dump()
    broken = _write(tmp_path / "broken.nt", [*_triples(2_000), "<http://example.org/s> <http://example.org/p> oops ."])
    result = cli("load", "--trusted", "--graph", GRAPH, broken)
    assert result.exit_code == 1
    assert str(broken) in result.stderr and "2001" in result.stderr  # the line of the error
    assert "Traceback" not in result.output
    assert cli.dump() == before


def test_trusted_replace(cli: Cli, tmp_path: Path) -> None:
    assert cli("load", "--trusted", "--graph", GRAPH, _write(tmp_path / "a.nt", _triples(10))).exit_code == 0
    assert cli("load", "--trusted", "--graph", GRAPH, _write(tmp_path / "b.nt", _triples(4))).exit_code == 1
    assert cli("load", "--trusted", "--replace", "--graph", GRAPH, tmp_path / "b.nt").exit_code == 0
    assert len(_graph(cli)) == 4
    assert _recorded_count(cli) == 4


def test_trusted_nquads_still_go_into_the_graph_given(cli: Cli, tmp_path: Path) -> None:
    source = _write(tmp_path / "d.nq", ['<http://example.org/s> <http://example.org/p> "1" <http://example.org/g> .',
                                        '<http://example.org/s> <http://example.org/p> "2" .'])
    assert cli("load", "--trusted", "--graph", GRAPH, source).exit_code == 0
    assert len(_graph(cli)) == 2
