"""The store backend the tests run against: the embedded store (default) or a real Oxigraph server.

Chosen with `pytest --store=embedded|oxigraph` (or DRIEHOEK_TEST_STORE, so that tools started as
subprocesses agree with the test run that started them). On the oxigraph backend every data
directory a test makes gets its own `oxigraph serve` process, started lazily on a free loopback port
the first time something asks for the data directory's store, with its RocksDB location in a temp
directory of its own (never inside the data directory: tests look into data directories). Every
construction site in the tests goes through `settings_for`, `env_for` or `copy_data_dir`, so a
Settings, a Driehoek, the CLI and `driehoek serve` all see the same store for one data directory.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import requests

from driehoek.config import Settings

EMBEDDED, OXIGRAPH = "embedded", "oxigraph"
CHOICES = (EMBEDDED, OXIGRAPH)
ENV = "DRIEHOEK_TEST_STORE"
# The engine's own time limit. driehoek enforces DRIEHOEK_QUERY_TIMEOUT on the client side; this one
# makes sure a query driehoek gave up on does not keep a core busy for the rest of the run.
ENGINE_TIMEOUT_S = 30
READY_TIMEOUT_S = 60.0

_choice = os.environ.get(ENV) or EMBEDDED


def configure(choice: str | None) -> None:
    """Select the backend for this process and for every subprocess it starts."""
    global _choice
    choice = choice or os.environ.get(ENV) or EMBEDDED
    if choice not in CHOICES:
        raise ValueError(f"unknown store backend {choice!r}: use one of {', '.join(CHOICES)}")
    _choice = choice
    os.environ[ENV] = choice


def name() -> str:
    """The backend under test: 'embedded' or 'oxigraph'."""
    return _choice


def is_remote() -> bool:
    """True when the tests run against a SPARQL 1.1 server rather than the embedded store."""
    return _choice == OXIGRAPH


def oxigraph_binary() -> Path:
    """The `oxigraph` command of PyPI's `oxigraph` package, next to this interpreter or on PATH."""
    import sys

    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return beside
    found = shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the oxigraph backend needs the `oxigraph` command (pip install oxigraph)")
    return Path(found)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class OxigraphServer:
    """One `oxigraph serve` on a location of its own; stopped and restarted on the same location."""

    location: Path
    timeout_s: int = ENGINE_TIMEOUT_S
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    @property
    def log_path(self) -> Path:
        return self.location.with_name(self.location.name + ".log")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the server (a few tries: a free port can be taken between asking and binding)."""
        self.location.mkdir(parents=True, exist_ok=True)
        for _attempt in range(5):
            self.port = _free_port()
            self.log = open(self.log_path, "ab")
            self.process = subprocess.Popen(
                [str(oxigraph_binary()), "serve", "--location", str(self.location),
                 "--bind", f"127.0.0.1:{self.port}", "--timeout-s", str(self.timeout_s)],
                stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            )
            if self._wait_ready():
                return
            self.stop()
        raise RuntimeError(f"oxigraph serve did not start on {self.location}: {self._log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self.running():
                return False
            try:
                if requests.get(self.query_url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Stop the process; the location stays, consistent, for a restart or a copy."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""


_root: Path | None = None
_servers: dict[Path, OxigraphServer] = {}


def _key(data_dir: Path) -> Path:
    return Path(data_dir).resolve()


def _new_location() -> Path:
    global _root
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix="driehoek-oxigraph-"))
    return Path(tempfile.mkdtemp(dir=_root)) / "store"


def server_for(data_dir: Path) -> OxigraphServer:
    """The Oxigraph server of a data directory (oxigraph backend only), started if it is not running."""
    if not is_remote():
        raise RuntimeError("server_for() is for the oxigraph backend")
    key = _key(data_dir)
    server = _servers.get(key)
    if server is None:
        server = _servers[key] = OxigraphServer(_new_location())
    if not server.running():
        server.start()
    return server


def store_url(data_dir: Path) -> str:
    """The DRIEHOEK_STORE value for a data directory: "" on the embedded backend."""
    if not is_remote():
        return ""
    return "sparql+" + server_for(data_dir).query_url


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    """Settings on `data_dir` with the store of the backend under test."""
    return Settings(data_dir=Path(data_dir), **{"store": store_url(data_dir), **overrides})


def env_for(data_dir: Path) -> dict[str, str]:
    """The environment that points `driehoek` (CLI or server) at `data_dir` and its store.

    DRIEHOEK_STORE is always set, empty on the embedded backend, so that a DRIEHOEK_STORE in the
    environment of the test run itself cannot redirect a test to some other store."""
    return {"DRIEHOEK_DATA_DIR": str(data_dir), "DRIEHOEK_STORE": store_url(data_dir)}


def copy_data_dir(source: Path, target: Path) -> None:
    """Copy a data directory and, on the oxigraph backend, its store: the copy gets a server of its
    own on a copy of the source's location (the source's server is stopped first, so the RocksDB
    files are copied at rest; it restarts when next asked for)."""
    if source.exists() or not is_remote():
        shutil.copytree(source, target)
    else:  # a remote store's data directory holds only tokens and spool files: maybe nothing yet
        target.mkdir(parents=True, exist_ok=True)
    if not is_remote():
        return
    origin = _servers.get(_key(source))
    if origin is None:  # the source never had a store: the copy starts empty too
        return
    origin.stop()
    location = _new_location()
    shutil.copytree(origin.location, location)
    _servers[_key(target)] = OxigraphServer(location, origin.timeout_s)


def release(data_dir: Path) -> None:
    """Stop a data directory's server and remove its store (after the test that owned it)."""
    server = _servers.pop(_key(data_dir), None)
    if server is not None:
        server.stop()
        shutil.rmtree(server.location.parent, ignore_errors=True)


def release_under(directory: Path) -> None:
    """Release every data directory inside `directory` (a finished test's tmp_path)."""
    root = _key(directory)
    for key in [k for k in _servers if k == root or root in k.parents]:
        release(key)


def live_servers() -> dict[Path, OxigraphServer]:
    """Data directory -> its running server (for the harness's own tests)."""
    return {k: s for k, s in _servers.items() if s.running()}


def shutdown() -> None:
    """Stop every server and remove every location (session end, and atexit as a backstop)."""
    global _root
    for server in list(_servers.values()):
        server.stop()
    _servers.clear()
    if _root is not None:
        shutil.rmtree(_root, ignore_errors=True)
        _root = None


atexit.register(shutdown)
