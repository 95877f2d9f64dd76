"""The store backend the tests run against: the embedded store (default), a real Oxigraph server or
a real Virtuoso Open Source 7.

Chosen with `pytest --store=embedded|oxigraph|virtuoso` (or DRIEHOEK_TEST_STORE, so that tools started as
subprocesses agree with the test run that started them). On the oxigraph backend every data
directory a test makes gets its own `oxigraph serve` process, started lazily on a free loopback port
the first time something asks for the data directory's store, with its RocksDB location in a temp
directory of its own (never inside the data directory: tests look into data directories). Every
construction site in the tests goes through `settings_for`, `env_for` or `copy_data_dir`, so a
Settings, a Driehoek, the CLI and `driehoek serve` all see the same store for one data directory.

On the virtuoso backend each data directory gets a `virtuoso-t` of its own in the same way (a database
directory with a generated virtuoso.ini, an HTTP port and an SQL port on loopback). Virtuoso takes
seconds to start where Oxigraph takes milliseconds, so the harness makes one empty database per run
(a template, with the grant below) and starts each server on a copy of it; and when a test's data
directory is released its server is emptied (every graph but Virtuoso's own system graphs dropped)
and kept running for the next data directory, a few at most. The server is reached as driehoek
would reach it in production: SPARQL at /sparql, updates at /sparql too (the `SPARQL` account, which
anonymous HTTP requests run as, is granted SPARQL_UPDATE: every port is bound to 127.0.0.1 and the
database is thrown away), the Graph Store Protocol at /sparql-graph-crud.
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

EMBEDDED, OXIGRAPH, VIRTUOSO = "embedded", "oxigraph", "virtuoso"
CHOICES = (EMBEDDED, OXIGRAPH, VIRTUOSO)
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
    """The backend under test: 'embedded', 'oxigraph' or 'virtuoso'."""
    return _choice


def is_remote() -> bool:
    """True when the tests run against a SPARQL 1.1 server rather than the embedded store."""
    return _choice in (OXIGRAPH, VIRTUOSO)


def is_virtuoso() -> bool:
    """True when the tests run against Virtuoso Open Source (see the engine's exceptions in docs/deploy.md)."""
    return _choice == VIRTUOSO


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


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test run that started it dies, even by SIGKILL
    (Linux's PR_SET_PDEATHSIG), so that no server outlives the run."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


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
    union: bool = False  # --union-default-graph: the readers' copy (DRIEHOEK_PUBLIC_STORE)

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def store_settings(self) -> dict[str, str]:
        """The Settings fields that point driehoek at this server (update and graph store derived)."""
        return {"store": "sparql+" + self.query_url, "store_update": "", "store_graph_store": ""}

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
                 "--bind", f"127.0.0.1:{self.port}", "--timeout-s", str(self.timeout_s),
                 *(["--union-default-graph"] if self.union else [])],
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



def virtuoso_binary() -> Path:
    """Debian's `virtuoso-t` (package virtuoso-opensource-7-bin; scripts/ensure-virtuoso installs it)."""
    found = shutil.which("virtuoso-t")
    if found is None:
        raise RuntimeError("the virtuoso backend needs `virtuoso-t` (./scripts/ensure-virtuoso, or "
                           "apt-get install virtuoso-opensource-7-bin)")
    return Path(found)


# Virtuoso's own graphs in a new database: its RDF-view metadata and two small ones it makes at
# start-up. They are kept when a server is emptied for reuse (driehoek never reads them: it reads
# only graphs in its own namespaces).
VIRTUOSO_SYSTEM_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                          "http://localuriqaserver/sparql")
VIRTUOSO_DBA_PASSWORD = "dba"  # the default of a new database: loopback only, thrown away after the run
VIRTUOSO_IDLE_KEPT = 3  # emptied servers kept running for the next data directories

_VIRTUOSO_INI = """\
; generated by tests/backend.py for one test server: loopback ports, a database of its own
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
DisableUnixSocket        = 1
MaxClientConnections     = 10
CheckpointInterval       = 60
NumberOfBuffers          = 20000
MaxDirtyBuffers          = 15000
ThreadsPerQuery          = 2
AsyncQueueMaxThreads     = 4
DirsAllowed              = {dir}
MaxSortedTopRows         = 1000000
ThreadCleanupInterval    = 1
ResourcesCleanupInterval = 1

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}
MaxClientConnections = 8
ServerThreads        = 8
EnabledDavVSP        = 0
HTTPProxyEnabled     = 0

[SPARQL]
; no ResultSetMaxRows: Virtuoso would cut longer results off without saying so
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = {timeout_s}
"""


@dataclass
class VirtuosoServer:
    """One `virtuoso-t +foreground` on a database directory of its own; stopped and restarted there."""

    location: Path
    timeout_s: int = ENGINE_TIMEOUT_S
    port: int = 0
    sql_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base_url + "/sparql"

    @property
    def graph_store_url(self) -> str:
        return self.base_url + "/sparql-graph-crud"

    def store_settings(self) -> dict[str, str]:
        """The Settings fields that point driehoek at this server: the update endpoint is the query
        endpoint itself (DRIEHOEK_STORE_UPDATE), the graph store Virtuoso's /sparql-graph-crud."""
        return {"store": "sparql+" + self.query_url, "store_update": self.query_url,
                "store_graph_store": self.graph_store_url}

    @property
    def log_path(self) -> Path:
        return self.location.with_name(self.location.name + ".log")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the server on its directory (new ports each time: the ini is written anew)."""
        self.location.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            self.port, self.sql_port = _free_port(), _free_port()
            (self.location / "virtuoso.ini").write_text(_VIRTUOSO_INI.format(
                dir=self.location, sql_port=self.sql_port, http_port=self.port, timeout_s=self.timeout_s))
            (self.location / "virtuoso.lck").unlink(missing_ok=True)  # left by a killed server
            self.log = open(self.log_path, "ab")
            self.process = subprocess.Popen(
                [str(virtuoso_binary()), "+foreground", "+configfile", str(self.location / "virtuoso.ini")],
                cwd=self.location, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal reaches pytest, which stops it cleanly
                preexec_fn=_die_with_parent,
            )
            if self._wait_ready():
                return
            self.stop()
        raise RuntimeError(f"virtuoso-t did not start on {self.location}: {self._log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self.running():
                return False
            try:
                response = requests.get(self.query_url, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
                                        headers={"Accept": "application/sparql-results+xml"}, timeout=5)
                if response.status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return False

    def sql(self, statement: str) -> str:
        """One SQL statement through isql-vt as the DBA (the harness's own setup only)."""
        isql = shutil.which("isql-vt") or "isql-vt"
        done = subprocess.run([isql, str(self.sql_port), "dba", VIRTUOSO_DBA_PASSWORD, f"exec={statement}"],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        output = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql-vt {statement!r} failed: {output[-2000:]}")
        return output

    def empty(self) -> None:
        """Drop every graph but Virtuoso's own: the server is as good as new for another data directory."""
        def ask(sparql: str, key: str) -> requests.Response:
            response = requests.post(self.query_url, data={key: sparql}, timeout=120,
                                     headers={"Accept": "application/sparql-results+xml"})
            response.raise_for_status()
            return response

        listed = ask("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", "query")  # fast on Virtuoso
        import xml.etree.ElementTree as ET

        ns = "{http://www.w3.org/2005/sparql-results#}"
        graphs = {uri.text for uri in ET.fromstring(listed.content).iter(ns + "uri") if uri.text}
        drops = [f"DROP SILENT GRAPH <{g}>" for g in sorted(graphs - set(VIRTUOSO_SYSTEM_GRAPHS))]
        if drops:
            ask(" ;\n".join(drops), "update")

    def stop(self) -> None:
        """Stop the process with a checkpoint first (so that a copy of the directory needs no roll
        forward); the directory stays, consistent, for a restart or a copy."""
        if self.process is not None:
            if self.process.poll() is None:
                try:
                    self.sql("checkpoint")
                except (RuntimeError, OSError, subprocess.TimeoutExpired):
                    pass  # the transaction log is replayed at the next start instead
                self.process.terminate()
                try:
                    self.process.wait(30)
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


@dataclass
class OxigraphPair:
    """The oxigraph backend's store as driehoek is deployed on Oxigraph (docs/deploy.md): the store's
    server, and beside it the server of the readers' copy (`--union-default-graph`,
    DRIEHOEK_PUBLIC_STORE), in one directory (`store/`, `public/`) so that a copy copies both."""

    location: Path
    timeout_s: int = ENGINE_TIMEOUT_S

    def __post_init__(self) -> None:
        self.store = OxigraphServer(self.location / "store", self.timeout_s)
        self.public = OxigraphServer(self.location / "public", self.timeout_s, union=True)

    @property
    def query_url(self) -> str:
        return self.store.query_url

    def store_settings(self) -> dict[str, str]:
        """The store's settings, and the readers' copy's."""
        return {**self.store.store_settings(), "public_store": "sparql+" + self.public.query_url}

    def running(self) -> bool:
        return self.store.running() and self.public.running()

    def start(self) -> None:
        """Start both servers (each one that is not running)."""
        for server in (self.store, self.public):
            if not server.running():
                server.start()

    def stop(self) -> None:
        """Stop both servers; their locations stay."""
        self.store.stop()
        self.public.stop()


Server = OxigraphPair | VirtuosoServer

_root: Path | None = None
_servers: dict[Path, Server] = {}
_idle: list[VirtuosoServer] = []  # emptied Virtuoso servers, running, waiting for a data directory
_template: Path | None = None  # a new Virtuoso database with the grants, copied for each server
# How often a data directory's store was asked for or copied, on every backend (the embedded one
# too): conftest.py checks that a test which asks for none of its store fixtures never did, since the
# remote passes deselect such a test as one that runs the same on every backend.
_store_requests = 0


def _key(data_dir: Path) -> Path:
    return Path(data_dir).resolve()


def _new_location() -> Path:
    global _root
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix=f"driehoek-{_choice}-"))
    return Path(tempfile.mkdtemp(dir=_root)) / "store"


def _virtuoso_template() -> Path:
    """A new Virtuoso database, made once per run: started, granted, checkpointed and stopped."""
    global _template
    if _template is None:
        server = VirtuosoServer(_new_location())
        server.start()
        try:
            # anonymous HTTP requests run as the SQL account SPARQL: let them update (loopback only)
            server.sql('GRANT SPARQL_UPDATE TO "SPARQL"')
        finally:
            server.stop()
        _template = server.location
    return _template


def _new_server() -> Server:
    if _choice == OXIGRAPH:
        return OxigraphPair(_new_location())
    if _idle:
        return _idle.pop()
    location = _new_location()
    shutil.copytree(_virtuoso_template(), location)
    return VirtuosoServer(location)


def server_for(data_dir: Path) -> Server:
    """The server of a data directory (remote backends only), started if it is not running."""
    if not is_remote():
        raise RuntimeError("server_for() is for the remote backends (oxigraph, virtuoso)")
    key = _key(data_dir)
    server = _servers.get(key)
    if server is None:
        server = _servers[key] = _new_server()
    if not server.running():
        server.start()
    return server


def store_requests() -> int:
    """How many times, so far in this run, a data directory's store was asked for or copied."""
    return _store_requests


def store_settings(data_dir: Path) -> dict[str, str]:
    """The Settings fields that name a data directory's store: all empty on the embedded backend."""
    global _store_requests
    _store_requests += 1
    if not is_remote():
        return {"store": "", "store_update": "", "store_graph_store": "", "public_store": ""}
    return {"public_store": "", **server_for(data_dir).store_settings()}


def store_url(data_dir: Path) -> str:
    """The DRIEHOEK_STORE value for a data directory: "" on the embedded backend."""
    return store_settings(data_dir)["store"]


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    """Settings on `data_dir` with the store of the backend under test."""
    return Settings(data_dir=Path(data_dir), **{**store_settings(data_dir), **overrides})


def env_for(data_dir: Path) -> dict[str, str]:
    """The environment that points `driehoek` (CLI or server) at `data_dir` and its store.

    DRIEHOEK_STORE (and its update and graph store endpoints) are always set, empty on the embedded
    backend, so that a DRIEHOEK_STORE in the environment of the test run itself cannot redirect a test
    to some other store."""
    return {"DRIEHOEK_DATA_DIR": str(data_dir),
            **{f"DRIEHOEK_{name.upper()}": value for name, value in store_settings(data_dir).items()}}


def copy_data_dir(source: Path, target: Path) -> None:
    """Copy a data directory and, on a remote backend, its store: the copy gets a server of its own
    on a copy of the source's location (the source's server is stopped first, so the database files
    are copied at rest; it restarts when next asked for)."""
    global _store_requests
    _store_requests += 1
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
    _servers[_key(target)] = type(origin)(location, origin.timeout_s)


def release(data_dir: Path) -> None:
    """Stop a data directory's server and remove its store (after the test that owned it). A running
    Virtuoso server is emptied and kept for the next data directory instead (a few of them)."""
    server = _servers.pop(_key(data_dir), None)
    if server is None:
        return
    if isinstance(server, VirtuosoServer) and server.running() and len(_idle) < VIRTUOSO_IDLE_KEPT:
        try:
            server.empty()
        except (requests.RequestException, OSError):
            pass
        else:
            _idle.append(server)
            return
    server.stop()
    shutil.rmtree(server.location.parent, ignore_errors=True)


def release_under(directory: Path) -> None:
    """Release every data directory inside `directory` (a finished test's tmp_path)."""
    root = _key(directory)
    for key in [k for k in _servers if k == root or root in k.parents]:
        release(key)


def live_servers() -> dict[Path, Server]:
    """Data directory -> its running server (for the harness's own tests)."""
    return {k: s for k, s in _servers.items() if s.running()}


def shutdown() -> None:
    """Stop every server and remove every location (session end, and atexit as a backstop)."""
    global _root, _template
    for server in [*_servers.values(), *_idle]:
        server.stop()
    _servers.clear()
    _idle.clear()
    _template = None
    if _root is not None:
        shutil.rmtree(_root, ignore_errors=True)
        _root = None


atexit.register(shutdown)
