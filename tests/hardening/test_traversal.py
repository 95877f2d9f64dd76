"""Path traversal: no URL reaches a file outside what the server means to serve, and no file
argument of the CLI makes it write, read or hang where it should not.

Over HTTP the paths go out byte for byte (a raw socket: requests would normalise dot segments) to
every route that takes a path: /doc, /id, /org, /def, /queries, /monitor, /static. What must never
come back: /etc/passwd, the project's pyproject.toml, the tokens file, RocksDB's files.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import Cli
from ..stewards import SEED_GRAPH, Steward, make_data_dir, running
from .conftest import GRAPHS, HANG_SECONDS

MARKERS = (b"root:x:0:0", b"[build-system]", b'"salt"', b"SST", b"rocksdb", b"MANIFEST", b"PRIVATE KEY")
DOTS = ["..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "..%2f..", "..%5c..", "%252e%252e", "..;", "..%00", "...."]
TARGETS = ["etc/passwd", "pyproject.toml", "var/tokens.json", "tokens.json", "store/CURRENT", "snapshots/CURRENT"]


def _paths() -> list[str]:
    paths = []
    for prefix in ("/doc/case/", "/doc/", "/id/case/", "/org/", "/def/", "/queries/", "/monitor/", "/static/", "/"):
        for dots in DOTS:
            for target in TARGETS[:3]:
                sep = "/" if not dots.endswith("%2f..") else "%2f"
                paths.append(prefix + "/".join([dots] * 6) + sep + target)
    paths += ["/static//etc/passwd", "/static/%2fetc%2fpasswd", "//etc/passwd", "/doc/case/digid/../../../../etc/passwd",
              "/doc/case/digid.ttl%00.html", "/doc/case/..", "/org/..", "/queries/..%2f..%2fpyproject.toml",
              "/queries/../queries/../../pyproject.toml.json", "/def/..%2f..%2f..%2fpyproject.toml",
              "/monitor/2024/../../../etc/passwd", "/static/../../../var/tokens.json", "/static/..\\..\\pyproject.toml",
              "/doc/case/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/doc/case/\\..\\..\\etc\\passwd",
              "/graph-store?graph=file:///etc/passwd", "/graph-store?graph=" + GRAPHS + "../../../../etc/passwd"]
    return paths


PATHS = _paths()


@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("traversal") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        yield Steward(server, token)


def _raw_get(port: int, path: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=HANG_SECONDS) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_no_path_reaches_a_file_outside_what_is_served(steward: Steward) -> None:
    assert len(PATHS) > 250
    print(f"{len(PATHS)} paths")
    for path in PATHS:
        answer = _raw_get(steward.server.port, path)
        status = answer.split(b"\r\n", 1)[0]
        assert b" 500 " not in status, (path, answer[:500])
        for marker in MARKERS:
            assert marker not in answer, (path, marker, answer[:500])
        if b" 200 " in status:  # only what the routes serve: a resource, a page or a static asset
            assert not path.startswith("/static") or path.count("/") <= 2, (path, answer[:300])
    assert steward.server.process.poll() is None


def test_static_files_are_served_and_nothing_beside_them(steward: Steward) -> None:
    css = _raw_get(steward.server.port, "/static/driehoek.css")
    assert b" 200 " in css.split(b"\r\n", 1)[0]
    for name in ("../app.py", "..%2fapp.py", "../../driehoek/app.py", "%2e%2e/app.py", "templates/base.html",
                 "../templates/base.html", "../../../pyproject.toml"):
        answer = _raw_get(steward.server.port, "/static/" + name)
        assert b" 200 " not in answer.split(b"\r\n", 1)[0], name
        assert b"create_app" not in answer and b"{%" not in answer


# -- the command line ------------------------------------------------------------------------------

def test_cli_graph_names_never_come_from_a_path(tmp_path: Path, store_backend: str) -> None:
    """The default graph of a file is minted from its name as a slug: no dots, slashes or private/."""
    data_dir = tmp_path / "var"
    make_data_dir(data_dir)
    cli = Cli(data_dir)
    odd = tmp_path / "a" / "b"
    odd.mkdir(parents=True)
    names = ["..ttl", "...ttl", "private.ttl", "meta.ttl", "%2e%2e.ttl", "x y..z.ttl", "ÿ.ttl", "staging.ttl"]
    for name in names:
        path = odd / name
        path.write_text('<http://example.org/s> <http://example.org/p> "o" .\n')
        relative = os.path.relpath(path, Path.cwd())
        result = cli("load", "--trusted", relative)
        if result.exit_code == 0:
            graph = result.stdout.split("<", 1)[1].split(">", 1)[0]
            assert graph.startswith(GRAPHS) and ".." not in graph and "/private/" not in graph, graph
            assert graph != GRAPHS + "meta" and not graph.startswith(GRAPHS + "staging/"), graph
        else:
            assert result.exit_code in (1, 2), result.output
    before = cli.dump()
    meta = odd / "meta.ttl"  # used to replace the metadata graph: every record of every write gone
    for args in (("load", "--trusted", "--replace", meta), ("load", "--replace", meta)):
        result = cli(*args)
        assert result.exit_code == 2 and "reserved" in result.output, result.output
    assert cli.dump() == before


@pytest.mark.parametrize("graph", [GRAPHS + "meta", GRAPHS + "staging/x", GRAPHS + "private/provenance",
                                   "http://example.org/outside", GRAPHS + "../../x", "not an iri", "file:///etc/passwd"])
def test_cli_refuses_graphs_it_may_not_write(tmp_path: Path, graph: str, store_backend: str) -> None:
    data_dir = tmp_path / "var"
    make_data_dir(data_dir)
    cli = Cli(data_dir)
    source = tmp_path / "x.ttl"
    source.write_text('<http://example.org/s> <http://example.org/p> "o" .\n')
    before = cli.dump()
    result = cli("load", "--graph", graph, source)
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    assert cli.dump() == before


def test_cli_file_arguments_that_are_not_files(tmp_path: Path, store_backend: str) -> None:
    """Devices, FIFOs, directories and /proc files are refused at once: nothing hangs reading them,
    nothing is written, no file's content is echoed back."""
    data_dir = tmp_path / "var"
    make_data_dir(data_dir)
    cli = Cli(data_dir)
    fifo = tmp_path / "fifo.ttl"
    os.mkfifo(fifo)
    directory = tmp_path / "dir.ttl"
    directory.mkdir()
    before = cli.dump()
    cases = [("load", "--format", "turtle", "/dev/zero"), ("load", fifo), ("load", directory),
             ("load", "--format", "turtle", "/proc/self/environ"), ("validate", "--format", "turtle", "/dev/urandom"),
             ("load", "--format", "turtle", "/etc/passwd"), ("validate", "--format", "turtle", "/etc/passwd"),
             ("load", tmp_path / "missing.ttl"), ("restore", "/etc/passwd"), ("query", "@/etc/passwd"),
             ("query", "@" + str(fifo)), ("query", "@" + str(directory))]
    for args in cases:
        command = [sys.executable, "-m", "driehoek.cli", "--data-dir", str(data_dir), *map(str, args)]
        done = subprocess.run(command, capture_output=True, timeout=HANG_SECONDS, stdin=subprocess.DEVNULL)
        output = done.stdout + done.stderr
        assert done.returncode in (1, 2), (args, done.returncode, output[-1000:])
        assert b"Traceback" not in output, (args, output[-2000:])
        assert b"root:x:0:0" not in output, args
    assert cli.dump() == before


def test_cli_output_arguments_do_not_clobber(tmp_path: Path, store_backend: str) -> None:
    data_dir = tmp_path / "var"
    make_data_dir(data_dir)
    cli = Cli(data_dir)
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "keep.txt").write_text("keep")
    backup = cli("backup", existing)
    assert backup.exit_code == 1 and (existing / "keep.txt").read_text() == "keep"
    dump_to_dir = subprocess.run([sys.executable, "-m", "driehoek.cli", "--data-dir", str(data_dir), "dump", "--out",
                                  str(existing)], capture_output=True, timeout=HANG_SECONDS)
    assert dump_to_dir.returncode in (1, 2), dump_to_dir.stderr
    assert (existing / "keep.txt").read_text() == "keep"
    restore = cli("restore", existing)  # into a data directory that already holds a store
    assert restore.exit_code == 1
    assert SEED_GRAPH.encode() in cli.dump()


@pytest.mark.parametrize("graph", [GRAPHS + "x/../private/members", GRAPHS + "./private/members", GRAPHS + "..",
                                   GRAPHS + "a/./b"])
def test_graph_names_with_dot_segments_are_refused(steward: Steward, graph: str) -> None:
    """{base}graph/x/../private/y is a private graph to anyone who resolves it, but a public one to a
    prefix check: such names are refused for writes, so nothing personal lands in one by mistake."""
    put = steward.put(graph, '<http://example.org/s> <http://example.org/p> "personal" .')
    assert put.status_code == 403, put.text
    update = steward.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/s> <http://example.org/p> 1 }} }}')
    assert update.status_code == 403, update.text
    assert steward.get(graph).status_code == 404
