"""What the service reads and answers: an RDF input (Source), a load's outcome, the bundled data."""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any


from .. import formats, validation
from ..errors import (BadRequest)
from ..store import (CommitResult, sha256_of)

Progress = Callable[[int], None]
CONTEXT = validation.CONTEXT_PREDICATES

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Source:
    """One RDF input: a file on disk or bytes from a request."""

    name: str
    fmt: formats.Format
    path: Path | None = None
    data: bytes | None = None

    @classmethod
    def from_path(cls, path: Path, fmt: formats.Format | None = None) -> Source:
        """A file, its format from the suffix unless given; missing or empty files are refused."""
        if not path.is_file():
            raise BadRequest(f"{path}: no such file")
        if path.stat().st_size == 0:
            raise BadRequest(f"{path}: the file is empty")
        return cls(name=str(path), fmt=fmt or formats.rdf_by_path(path), path=path)

    def size(self) -> int:
        """Bytes on disk or in memory."""
        return self.path.stat().st_size if self.path else len(self.data or b"")

    def open(self) -> IO[bytes]:
        """A binary stream of the (decompressed) content."""
        if self.path is not None:
            if self.path.name.endswith(".gz"):
                return gzip.open(self.path, "rb")
            return open(self.path, "rb")
        return io.BytesIO(self.data or b"")

    def sha256(self) -> str:
        """SHA-256 of the bytes as given (compressed files hashed as stored)."""
        return sha256_of(self.path if self.path else (self.data or b""))

class _CountingReader(io.RawIOBase):
    """Wraps a binary stream and reports bytes read, for progress bars."""

    def __init__(self, inner: IO[bytes], progress: Progress | None) -> None:
        self.inner, self.progress = inner, progress

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.inner.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        chunk = self.inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        if self.progress and chunk:
            self.progress(len(chunk))
        return len(chunk)

@dataclass
class LoadOutcome:
    """What a load did: graphs written with their triple counts, and the gate's reports."""

    commit: CommitResult | None
    reports: list[validation.Report] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        """Warnings across all reports."""
        return sum(len(r.warnings) for r in self.reports)

_DOT_SEGMENT = re.compile(r"/\.\.?(?=[/?#]|$)")

# The child process of Driehoek._try_update: apply an update to a checkpoint, report a refusal on stdout.
_TRIAL_UPDATE = """
import json, resource, sys
from driehoek.sandbox import isolate_network
isolated = isolate_network()  # first, while single-threaded: no LOAD or SERVICE reaches any network
limit = int(sys.argv[3]) * 1024 * 1024
if limit > 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.setrecursionlimit(100_000)  # rdflib's parser recurses some 40 frames per bracket (at most 256 deep)
import pyoxigraph as ox
from driehoek.errors import BadRequest
from driehoek.sparql import inspect_update
update = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")

def engine_syntax(text):  # Oxigraph's own syntax error, for a text rdflib cannot read (only without network)
    try:
        ox.Store().update(text, base_iri=sys.argv[2])
    except SyntaxError:
        raise
    except Exception:
        pass

try:
    inspect_update(update, engine_syntax if isolated else None)
    store = ox.Store(sys.argv[1])
    store.update(update, base_iri=sys.argv[2])
    store.flush()
except BadRequest as err:
    print(json.dumps(["refused", err.message, err.details]))
    sys.exit(3)
except SyntaxError as err:
    print(json.dumps(["syntax", str(err.args[0]) if err.args else str(err)]))
    sys.exit(3)
except Exception as err:
    print(json.dumps(["failed", str(err)]))
    sys.exit(3)
"""

def bundled_sources() -> list[tuple[str, Path]]:
    """(graph-relative name, path) of the bundled ontology, schemes, shapes and data, load order."""
    root = Path(str(resources.files("driehoek")))
    found: list[tuple[str, Path]] = [("ontology", root / "ontology" / "driehoek.ttl"),
                                     ("shapes", root / "ontology" / "shapes.ttl")]
    found += [(f"schemes/{p.name}", p) for p in sorted((root / "ontology" / "schemes").glob("*.ttl"))]
    data = root / "data"
    # what a file points at must be loaded before it: organisations, then what relates them,
    # then cases (assessed by an organisation), then meetings (discussing cases) and the monitor
    # (and within organisations the register first: curated files refer to its organisations)
    order = ["organisations", "relations", "cases", "community", "monitor"]

    def rank(path: Path) -> tuple[int, bool, str]:
        top = path.relative_to(data).parts[0]
        return (order.index(top) if top in order else len(order), not path.name.startswith("roo."), str(path))

    files = [p for p in data.rglob("*") if p.is_file() and _is_rdf(p)]
    found += [(str(p.relative_to(data)), p) for p in sorted(files, key=rank)]
    return [(name, path) for name, path in found if path.is_file()]

def _is_rdf(path: Path) -> bool:
    try:
        formats.rdf_by_path(path)
        return True
    except formats.UnknownFormat:
        return False
