"""Shared fixtures: a fresh data directory per test, the bundled store built once per session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner, Result

from driehoek.cli import main
from driehoek.config import Settings
from driehoek.service import Driehoek

from . import backend

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
BASE = "https://w3id.org/driehoek/"


# -- the store backend under test (tests/backend.py) ----------------------------------------------

def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--store", choices=backend.CHOICES, default=None,
                     help="the store the suite runs against: the embedded store (default), or a real "
                          "`oxigraph serve` or Virtuoso (`virtuoso-t`) per data directory; also "
                          f"${backend.ENV}")


def pytest_configure(config: pytest.Config) -> None:
    backend.configure(config.getoption("store"))
    config.addinivalue_line("markers", "not_on_virtuoso(why): checks a guarantee Virtuoso cannot give; skipped "
                                       "with --store=virtuoso (docs/deploy.md lists each)")
    if backend.is_remote():
        import signal
        import threading

        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            # `timeout pytest ...` ends the run with SIGTERM: end it as an interrupt, so that the
            # servers the run started are stopped (pytest_unconfigure) rather than left behind
            def _interrupt(signum: int, frame: object) -> None:
                raise KeyboardInterrupt(f"signal {signum}")

            signal.signal(signal.SIGTERM, _interrupt)


def pytest_report_header(config: pytest.Config) -> str:
    return f"driehoek store backend: {backend.name()}"


# The fixtures that open a store or a server on the backend under test (`backend.settings_for`,
# `env_for`, `copy_data_dir`, or a `Server`/`Cli` on such a data directory). Matched by name against
# each test's fixture closure (`item.fixturenames`: the fixtures it asks for and those they ask for),
# so a module's own fixture that reaches a store through one of conftest's needs no entry here; the
# entries after conftest's are module fixtures that make a data directory themselves (tests/stewards.py's
# `make_data_dir`, `start_site`, a `Server` of their own). A name listed here that opens nothing in
# some module costs that module a rerun on the remote passes, nothing more; a store fixture missing
# here fails its test on every pass (_check_store_use), never silently.
STORE_FIXTURES = frozenset({
    # conftest.py
    "settings", "service", "cli", "bundled_data_dir", "bundled", "server", "store_backend",
    # module and package fixtures
    "steward", "site", "inproc", "loaded", "live", "app", "client", "data_dir", "big_data_dir", "limits",
    "gate", "released", "pool", "proxied", "w3c", "w3c_server",
})


def uses_a_store(item: pytest.Item) -> bool:
    """True when the test opens a store or server on the backend under test (one of STORE_FIXTURES)."""
    return not STORE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a remote store, deselect the tests that open no store (they ran on the embedded pass, and
    run the same on every backend) and skip those of the embedded store's own machinery, saying why;
    on Virtuoso, also skip the tests of a guarantee that engine cannot give (docs/deploy.md lists them)."""
    if not backend.is_remote():
        return
    storeless = [item for item in items if not uses_a_store(item)]
    if storeless:
        config.hook.pytest_deselected(items=storeless)
        items[:] = [item for item in items if uses_a_store(item)]
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"driehoek: {len(storeless)} tests deselected on {backend.name()}: they open no store "
                                "or server (none of conftest.STORE_FIXTURES), so they run the same on every "
                                "backend and the embedded pass runs them")
    for item in items:
        if backend.is_virtuoso():
            marker = item.get_closest_marker("not_on_virtuoso")
            if marker is not None:
                why = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
                assert why, f"{item.nodeid}: @pytest.mark.not_on_virtuoso needs a reason"
                item.add_marker(pytest.mark.skip(reason=f"not on Virtuoso: {why}"))
                continue
        marker = item.get_closest_marker("embedded_only")
        if marker is not None:
            why = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            assert why, f"{item.nodeid}: @pytest.mark.embedded_only needs a reason"
            item.add_marker(pytest.mark.skip(reason=f"embedded store only: {why}"))


def pytest_unconfigure(config: pytest.Config) -> None:
    backend.shutdown()


_STORE_REQUESTS_BEFORE = pytest.StashKey[int]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Note how often a store was asked for before this test's fixtures are set up."""
    item.stash[_STORE_REQUESTS_BEFORE] = backend.store_requests()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A teardown error for a test that reached a store although it asks for none of STORE_FIXTURES:
    the remote passes would deselect it and so never run it on the backend it touches."""
    result = yield
    _check_store_use(item)
    return result


def _check_store_use(item: pytest.Item) -> None:
    before = item.stash.get(_STORE_REQUESTS_BEFORE, None)
    if before is not None and backend.store_requests() > before and not uses_a_store(item):
        pytest.fail(
            f"{item.nodeid} opened a store on the backend under test but asks for none of conftest.STORE_FIXTURES, "
            "so the remote passes deselect it: ask for `store_backend`, or list the fixture that opens it", pytrace=False)


@pytest.fixture
def store_backend() -> str:
    """The store backend under test ('embedded', 'oxigraph' or 'virtuoso'), for a test that opens a
    store in its own body: asking for it keeps the test in the remote passes (STORE_FIXTURES)."""
    return backend.name()


@pytest.fixture(autouse=True)
def _release_test_stores(request: pytest.FixtureRequest) -> Iterator[None]:
    """On the oxigraph backend, stop the servers of a test's own data directories when it ends
    (module and session data directories keep theirs until the end of the run)."""
    own = request.getfixturevalue("tmp_path") if backend.is_remote() and "tmp_path" in request.fixturenames else None
    yield
    if own is not None:
        backend.release_under(own)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh, empty data directory."""
    return backend.settings_for(tmp_path / "var")


@pytest.fixture
def service(settings: Settings) -> Iterator[Driehoek]:
    """A Driehoek service on an empty store."""
    svc = Driehoek(settings)
    yield svc
    svc.close()


class Cli:
    """Runs `driehoek` in-process with click's CliRunner on one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.runner = CliRunner()

    def __call__(self, *args: str | Path, input: bytes | None = None) -> Result:
        return self.runner.invoke(main, ["--data-dir", str(self.data_dir), *map(str, args)], input=input,
                                  env=backend.env_for(self.data_dir), catch_exceptions=False)

    def dump(self) -> bytes:
        """The whole dataset as N-Quads, sorted (blank nodes aside, a stable comparison)."""
        result = self("dump")
        assert result.exit_code == 0, result.output
        return b"\n".join(sorted(result.stdout_bytes.splitlines()))


@pytest.fixture
def cli(settings: Settings) -> Cli:
    """`driehoek --data-dir <fresh>`."""
    return Cli(settings.data_dir)


# The bundled store, built once per run before the first test (pytest_collection_finish) when a
# collected test needs it: its build runs the gate over all bundled data (~200k triples), which takes
# minutes on a busy 2-core machine; built inside the first test's fixture setup it counted against that
# test's 300 s timeout, and a timeout there failed every test that uses the bundled store.
_BUNDLED: dict[str, Path | Exception] = {}


def _build_bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory initialised with all bundled data through the gate (`driehoek init`)."""
    data_dir = tmp_path_factory.mktemp("bundled") / "var"
    # a request deadline of 15 minutes, not 30 s: on a remote store one request moves the 190,000
    # triples of the register onto its graph (and levels the readers' copy), which took longer than
    # 30 s on a busy machine; the build is the fixture, not what a test checks (the limit itself is
    # tested in test_query_fairness and test_remote)
    svc = Driehoek(backend.settings_for(data_dir, query_timeout=900))
    try:
        svc.init()
    finally:
        svc.close()
    return data_dir


def pytest_collection_finish(session: pytest.Session) -> None:
    """Build the bundled store now, outside every test's timeout, if a collected test uses it."""
    if "dir" in _BUNDLED or session.config.option.collectonly or not any(
            "bundled_data_dir" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    started = time.monotonic()
    try:  # the object the tmp_path_factory fixture returns (same base directory, same retention)
        _BUNDLED["dir"] = _build_bundled(session.config._tmp_path_factory)  # type: ignore[attr-defined]
    except Exception as err:  # raised again by the fixture, so each test that needs it errors with it
        _BUNDLED["dir"] = err
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"driehoek: the bundled store built through the gate in {time.monotonic() - started:.0f} s "
                            "(before the first test, outside the per-test timeout)")


@pytest.fixture(scope="session")
def bundled_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory initialised once with all bundled data (the gate runs on all of it)."""
    built = _BUNDLED.get("dir")
    if built is None:  # not built before the tests (a plugin added the fixture late): build it here
        built = _BUNDLED["dir"] = _build_bundled(tmp_path_factory)
    if isinstance(built, Exception):
        raise built
    return built


@pytest.fixture
def bundled(bundled_data_dir: Path, tmp_path: Path) -> Settings:
    """Settings on a private copy of the bundled store (cheap: copied, never re-validated)."""
    target = tmp_path / "var"
    backend.copy_data_dir(bundled_data_dir, target)
    return backend.settings_for(target)


def canonical(nquads: bytes) -> set[str]:
    """A dataset's quads with blank nodes canonically renamed, for isomorphism checks."""
    dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real `driehoek serve` process (waitress) on a free loopback port."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, **backend.env_for(data_dir), **(env or {})}
        self.log = open(data_dir.parent / f"server-{self.port}.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "driehoek.cli", "serve", "--port", str(self.port)],
            env=environment, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.output()}")
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not become ready: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def server(bundled: Settings) -> Iterator[Server]:
    """A real server on a copy of the bundled store."""
    srv = Server(bundled.data_dir)
    yield srv
    srv.stop()
