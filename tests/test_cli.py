"""The command line: loads are all-or-nothing, errors are one clear line, exit codes 0/1/2."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import backend
from .conftest import DATA, Cli, canonical

FOUNDATION = DATA / "foundation"
GRAPH = "https://w3id.org/driehoek/graph/"


def test_load_puts_a_file_in_its_own_graph(cli: Cli) -> None:
    result = cli("load", FOUNDATION / "plain.ttl")
    assert result.exit_code == 0, result.output
    assert f"loaded 3 triples into <{GRAPH}plain>" in result.stdout
    assert f"<http://example.org/b> <http://example.org/name> \"B\" <{GRAPH}plain> .".encode() in cli.dump()


def test_load_records_provenance(cli: Cli) -> None:
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    rows = cli("query", f"""SELECT ?source ?hash ?count ?outcome WHERE {{ GRAPH <{GRAPH}meta> {{
        ?act <http://www.w3.org/ns/prov#generated> <{GRAPH}plain> ;
             <https://w3id.org/driehoek/def#sourceName> ?source ; <https://w3id.org/driehoek/def#sha256> ?hash ;
             <https://w3id.org/driehoek/def#validation> ?outcome .
        <{GRAPH}plain> <https://w3id.org/driehoek/def#tripleCount> ?count }} }}""", "--format", "csv")
    assert rows.exit_code == 0, rows.output
    lines = rows.stdout.strip().splitlines()
    import hashlib

    digest = hashlib.sha256((FOUNDATION / "plain.ttl").read_bytes()).hexdigest()
    assert lines[1].split(",") == ["plain.ttl", digest, "3", "conforms"]


def test_load_refuses_an_existing_graph_unless_replace(cli: Cli) -> None:
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    before = cli.dump()
    again = cli("load", FOUNDATION / "plain.ttl")
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    assert cli.dump() == before
    assert cli("load", "--replace", FOUNDATION / "plain.ttl").exit_code == 0


def test_syntax_error_names_file_line_and_column_and_writes_nothing(cli: Cli) -> None:
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    before = cli.dump()
    result = cli("load", FOUNDATION / "broken.ttl")
    assert result.exit_code == 1
    assert f"{FOUNDATION / 'broken.ttl'}:7:" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli.dump() == before


def test_shape_violation_prints_the_report_and_writes_nothing(cli: Cli) -> None:
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    before = cli.dump()
    result = cli("load", FOUNDATION / "invalid-case.ttl")
    assert result.exit_code == 1
    assert "VIOLATION" in result.stderr
    assert "https://w3id.org/driehoek/id/case/invalid-example" in result.stderr
    assert "nothing was written" in result.stderr
    assert cli.dump() == before


def test_one_bad_file_among_several_writes_none_of_them(cli: Cli, tmp_path: Path) -> None:
    good = tmp_path / "good.ttl"
    good.write_text('<http://example.org/x> <http://example.org/p> "1" .\n')
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    before = cli.dump()
    assert cli("load", good, FOUNDATION / "invalid-case.ttl").exit_code == 1
    assert cli.dump() == before


@pytest.mark.parametrize(("name", "code", "message"), [
    ("notes.txt", 2, "unknown RDF file extension '.txt'"),
    ("empty.ttl", 1, "the file is empty"),
    ("missing.ttl", 1, "no such file"),
])
def test_bad_files_get_one_clear_line(cli: Cli, name: str, code: int, message: str) -> None:
    result = cli("load", FOUNDATION / name)
    assert result.exit_code == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_graph_outside_the_namespace_is_a_usage_error(cli: Cli) -> None:
    result = cli("load", "--graph", "http://elsewhere.example/g", FOUNDATION / "plain.ttl")
    assert result.exit_code == 2
    assert "outside the writable namespaces" in result.stderr


def test_validate_is_a_dry_run(cli: Cli) -> None:
    good = cli("validate", FOUNDATION / "plain.ttl")
    assert good.exit_code == 0 and "conforms" in good.stdout
    bad = cli("validate", "--report", "json", FOUNDATION / "invalid-case.ttl")
    assert bad.exit_code == 1
    import json

    report = json.loads(bad.stdout)
    assert report["conforms"] is False and report["violations"] >= 1
    assert {"focus", "path", "value", "message", "severity", "shape"} <= set(report["results"][0])
    turtle = cli("validate", "--report", "turtle", FOUNDATION / "invalid-case.ttl")
    import rdflib

    graph = rdflib.Graph().parse(data=turtle.stdout, format="turtle")
    assert (None, rdflib.RDF.type, rdflib.SH.ValidationReport) in graph
    assert b"invalid-example" not in cli.dump()


def test_dump_then_restore_gives_an_isomorphic_dataset(cli: Cli, tmp_path: Path) -> None:
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    blank = tmp_path / "blank.ttl"
    blank.write_text('<http://example.org/s> <http://example.org/p> [ <http://example.org/q> "x"@nl ] .\n')
    assert cli("load", blank).exit_code == 0
    dump_file = tmp_path / "all.nq"
    assert cli("dump", "--out", dump_file).exit_code == 0
    other = Cli(tmp_path / "restored")
    result = other("restore", dump_file)
    assert result.exit_code == 0, result.output
    assert canonical(other("dump").stdout_bytes) == canonical(dump_file.read_bytes())


@pytest.mark.embedded_only("a backup is a RocksDB checkpoint directory; a remote store is backed up with "
                           "the engine's own tools (see test_backup_of_a_remote_store_names_the_way_out)")
def test_backup_then_restore_round_trips(cli: Cli, tmp_path: Path) -> None:
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    assert cli("backup", tmp_path / "bk").exit_code == 0
    other = Cli(tmp_path / "restored")
    assert other("restore", tmp_path / "bk").exit_code == 0
    assert other.dump() == cli.dump()
    refused = other("restore", tmp_path / "bk")
    assert refused.exit_code == 1 and "not empty" in refused.stderr


@pytest.mark.skipif(not backend.is_remote(), reason="the refusal is the remote store's (--store=oxigraph)")
def test_backup_of_a_remote_store_names_the_way_out(cli: Cli, tmp_path: Path) -> None:
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    result = cli("backup", tmp_path / "bk")
    assert result.exit_code == 1
    assert "oxigraph backup" in result.stderr and "driehoek dump" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "bk").exists()


def test_query_reads_public_graphs_only(cli: Cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.ttl"
    secret.write_text('<http://example.org/person> <http://example.org/email> "someone@example.org" .\n')
    assert cli("load", "--graph", GRAPH + "private/people", secret).exit_code == 0
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    everything = cli("query", "SELECT ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    assert everything.exit_code == 0
    assert "someone@example.org" not in everything.stdout
    assert '"B"' in everything.stdout
    named = cli("query", f"SELECT * FROM <{GRAPH}private/people> WHERE {{ ?s ?p ?o }}")
    assert "someone@example.org" not in named.stdout


def test_query_refuses_service(cli: Cli) -> None:
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    result = cli("query", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert result.exit_code == 1
    assert "SERVICE" in result.stderr


def test_query_syntax_error_is_one_line(cli: Cli) -> None:
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    result = cli("query", "SELECT * WHERE { ?s ?p }")
    assert result.exit_code == 1
    assert "query" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_query_from_a_file(cli: Cli, tmp_path: Path) -> None:
    assert cli("load", FOUNDATION / "plain.ttl").exit_code == 0
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { <http://example.org/a> <http://example.org/knows> <http://example.org/c> }")
    result = cli("query", f"@{rq}", "--format", "json")
    assert result.exit_code == 0
    import json

    assert json.loads(result.stdout)["boolean"] is True


def test_help_lists_every_command() -> None:
    from click.testing import CliRunner

    from driehoek.cli import main

    result = CliRunner().invoke(main, ["--help"])
    for command in ("serve", "init", "load", "validate", "query", "dump", "backup", "restore", "import-roo"):
        assert command in result.output
    assert "DRIEHOEK_DATA_DIR" in result.output
