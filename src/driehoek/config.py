"""Settings: one frozen dataclass, its defaults and help texts, read once from the environment."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "DRIEHOEK_"


def _setting(default: Any, help: str) -> Any:
    """A dataclass field carrying its help text, so docs and CLI come from one table."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Everything driehoek can be configured with; each field is also a DRIEHOEK_* variable."""

    data_dir: Path = _setting(Path("./var"), "where the store, snapshots and tokens live")
    base_iri: str = _setting("https://w3id.org/driehoek/", "base of minted IRIs")
    host: str = _setting("127.0.0.1", "where `serve` listens: host")
    port: int = _setting(8000, "where `serve` listens: port")
    threads: int = _setting(8, "server threads")
    query_timeout: float = _setting(30.0, "seconds a user query may run")
    query_memory: int = _setting(2048, "MiB a query worker may use")
    query_workers: int = _setting(2, "query worker processes that run user SPARQL queries")
    query_heavy: int = _setting(0, "long-running queries (past 1 s) that may run at once beside them; one "
                                   "more is stopped with 503 (0: as many as DRIEHOEK_QUERY_WORKERS)")
    max_upload: int = _setting(33554432, "bytes a request body may have")
    validation_timeout: float = _setting(60.0, "seconds the SHACL gate may take on one upload, or on one "
                                               "chunk of a large one (past it: 503, nothing written)")
    validation_memory: int = _setting(2048, "MiB a SHACL validation worker may use (past it: 413, nothing "
                                            "written)")
    validate_anonymous_max: int = _setting(1048576, "bytes an anonymous /validate dry run may send (stewards: "
                                                    "DRIEHOEK_MAX_UPLOAD)")
    validate_anonymous_rate: int = _setting(30, "anonymous /validate dry runs one client address may make a "
                                                "minute")
    trusted_proxies: tuple[str, ...] = _setting(
        (), "addresses of reverse proxies, comma-separated, whose X-Forwarded-For names the client (empty: "
            "the client is the peer address)"
    )
    page_threads: int = _setting(0, "server threads that may build pages and run named queries at once "
                                    "(0: DRIEHOEK_THREADS minus 2, so /health and light requests always "
                                    "find a thread)")
    graph_namespaces: tuple[str, ...] = _setting(
        (), "extra IRI prefixes, comma-separated, that writes may name as graphs besides {base}graph/"
    )
    store: str = _setting("", "a SPARQL 1.1 server to use as the store instead of the embedded one: "
                               "sparql+http://host:port/path of its query endpoint (docs/deploy.md)")
    store_update: str = _setting("", "that server's update endpoint, when it is not the query endpoint's "
                                      ".../query with /update (Oxigraph's layout)")
    store_graph_store: str = _setting("", "that server's Graph Store Protocol endpoint (default: .../store "
                                           "beside .../query; without one, writes use INSERT DATA)")
    public_store: str = _setting("", "a second SPARQL 1.1 server (sparql+http://host:port/path of its query "
                                      "endpoint) that holds the readers' copy of a remote store: its public, "
                                      "not withdrawn graphs and nothing else, queried with the engine's "
                                      "union default graph (docs/deploy.md)")

    def __post_init__(self) -> None:
        if not self.base_iri.endswith(("/", "#")):
            raise ValueError(f"DRIEHOEK_BASE_IRI must end with '/' or '#', got {self.base_iri!r}")
        if self.query_timeout <= 0:
            raise ValueError("DRIEHOEK_QUERY_TIMEOUT must be positive")

    @property
    def store_dir(self) -> Path:
        """The embedded store's directory."""
        return self.data_dir / "store"

    @property
    def store_label(self) -> str:
        """The store as messages name it: its directory, or the server's query endpoint."""
        return self.store.partition("+")[2] or self.store if self.store else str(self.store_dir)

    @property
    def graph_base(self) -> str:
        """The prefix of driehoek's own named graphs."""
        return self.base_iri + "graph/"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read DRIEHOEK_* variables; explicit keyword overrides win over the environment."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(env_name(f.name))
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def env_name(field_name: str) -> str:
    """The environment variable of a setting: data_dir -> DRIEHOEK_DATA_DIR."""
    return ENV_PREFIX + field_name.upper()


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting, for the README and `--help`."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = f.default
        if isinstance(default, tuple):
            default = ",".join(default)
        rows.append((env_name(f.name), str(default), f.metadata["help"]))
    return rows


def _coerce(name: str, type_: Any, raw: str) -> Any:
    kind = str(type_)
    try:
        if kind == "Path":
            return Path(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as err:
        raise ValueError(f"{env_name(name)}={raw!r} is not a valid {kind}") from err
    return raw
