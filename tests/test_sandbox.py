"""No network for the processes that evaluate user input (issue 14, point 1: defence in depth).

sandbox.isolate_network() moves a process into a network namespace of its own. Behind the parser's
check (tests/hardening/test_ssrf.py), it is what keeps a SERVICE or LOAD the parser missed off the
network. Checked where it matters: in a plain child (as root, and as an unprivileged user through a
user namespace), in real query workers (code that runs inside the worker while it unpickles its job),
and in the trial-update child with the parser's check switched off, so that only the sandbox stands
between a LOAD and a listener on 127.0.0.1. The listener must see no connection at all.
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from driehoek.workers import InspectJob, QueryPool

# Light imports only: a query worker imports this module to unpickle ConnectProbe (the service and the
# test data helpers are imported where used).

SPAWN = multiprocessing.get_context("spawn")


class Listener:
    """A TCP listener on a free loopback port that records every connection it accepts."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections: list[tuple[str, int]] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, address = self.socket.accept()
            except OSError:
                return  # closed
            self.connections.append(address)
            connection.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def _connect(port: int) -> str:
    """'connected', or the errno name of the failed connect()."""
    with socket.socket() as sock:
        sock.settimeout(5)
        try:
            sock.connect(("127.0.0.1", port))
        except OSError as err:
            return errno.errorcode.get(err.errno or 0, str(err))
        return "connected"


def _isolated_child(port: int, drop_to_uid: int | None, answers: multiprocessing.Queue) -> None:
    """In a spawned child: optionally become an unprivileged user, isolate, try to connect."""
    from driehoek import sandbox

    if drop_to_uid is not None:
        os.setgid(drop_to_uid)
        os.setuid(drop_to_uid)
    isolated = sandbox.isolate_network()
    answers.put((isolated, _connect(port)))


@pytest.mark.parametrize("user", ["this user", "unprivileged"])
def test_an_isolated_process_cannot_connect_anywhere(listener: Listener, user: str) -> None:
    if user == "unprivileged" and os.geteuid() != 0:
        pytest.skip("becoming another user needs root; this run is unprivileged already")
    assert _connect(listener.port) == "connected"  # the listener works for us (and counts this one)
    answers = SPAWN.Queue()
    child = SPAWN.Process(target=_isolated_child,
                          args=(listener.port, 65534 if user == "unprivileged" else None, answers))
    child.start()
    isolated, outcome = answers.get(timeout=60)
    child.join(30)
    assert isolated, "this kernel lets neither root nor a user namespace make a network namespace"
    assert outcome == "ENETUNREACH"
    assert len(listener.connections) == 1  # our own check above, nothing from the child


# -- a real query worker ------------------------------------------------------------------------

def _probe_connect(port: int) -> InspectJob:
    """Runs inside the worker as it unpickles its job: the outcome comes back as the job's FROM IRI."""
    return InspectJob(f"ASK FROM <urn:probe:{_connect(port)}> {{}}")


class ConnectProbe:
    """A job whose unpickling (in the worker process, by the worker's own loop) tries to connect."""

    def __init__(self, port: int) -> None:
        self.port = port

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return _probe_connect, (self.port,)


@pytest.fixture(params=["inspect-only", "snapshot"])
def pool(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QueryPool]:
    from . import backend
    from .stewards import make_data_dir

    if request.param == "inspect-only":  # the workers a remote store's runner uses
        found = QueryPool(None, tmp_path / "spool", workers=1, timeout=60)
    else:
        if backend.is_remote():
            pytest.skip("embedded store only: query workers on snapshots")
        make_data_dir(tmp_path / "var")
        found = QueryPool(tmp_path / "var" / "snapshots", tmp_path / "spool", workers=1, timeout=60)
    yield found
    found.close()


def test_a_query_worker_cannot_open_a_socket(pool: QueryPool, listener: Listener) -> None:
    worker = list(pool._idle.queue)[0]
    worker.wait_ready(60)
    assert os.readlink(f"/proc/{worker.process.pid}/ns/net") != os.readlink("/proc/self/ns/net")
    shape = pool._call(ConnectProbe(listener.port), 60)  # type: ignore[arg-type]
    assert shape.default_graphs == ("urn:probe:ENETUNREACH",)
    assert listener.connections == []
    assert pool.network_isolated is True


# -- the trial-update child ------------------------------------------------------------------------

def test_the_trial_update_child_has_no_network(tmp_path: Path, listener: Listener) -> None:
    from driehoek.service import _TRIAL_UPDATE

    # the parser's check switched off: only the sandbox stands between this LOAD and the listener
    without_check = "import driehoek.sparql\ndriehoek.sparql.inspect_update = lambda *args: None\n"
    done = subprocess.run(
        [sys.executable, "-c", without_check + _TRIAL_UPDATE, str(tmp_path / "trial"), "https://w3id.org/driehoek/",
         "0"],
        input=f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>".encode(), capture_output=True, timeout=120)
    assert done.returncode == 3, done.stderr.decode()
    kind, message, *_rest = json.loads(done.stdout)
    assert kind == "failed", message
    assert listener.connections == []
