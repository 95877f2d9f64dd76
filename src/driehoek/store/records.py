"""What a write is made of, and the errors reading input can raise: the records every backend
shares (Activity, GraphWrite, RawInput, CommitResult), parsing with its limits, and the small term
helpers the write path's SPARQL is built with."""

from __future__ import annotations

import errno
import hashlib
import itertools
import logging
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .. import formats
from ..errors import BadRequest, InsufficientStorage, StoreError, SyntaxErrorInInput
from ..iris import XSD

log = logging.getLogger(__name__)

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

GraphName = ox.NamedNode | ox.DefaultGraph

@dataclass(frozen=True)
class Activity:
    """Who writes what, from where: becomes a prov:Activity in the metadata graph."""

    operation: str  # load, put, post, delete, update, withdraw, init
    agent: str  # token name, or "cli:<user>"
    source_name: str = ""
    sha256: str = ""
    validation: str = "skipped"  # conforms | warnings | skipped
    id: str = field(default_factory=lambda: f"urn:uuid:{uuid.uuid4()}")
    # (case IRI, status before or "" for a new case, status after or "" for a removed one): the steps of
    # the draft -> reviewed -> published flow this write makes, recorded with the activity (who, when)
    status_changes: tuple[tuple[str, str, str], ...] = ()

@dataclass(frozen=True)
class RawInput:
    """A serialised graph for pyoxigraph's bulk loader, which parses and writes it in Rust: a
    trusted bulk load never turns its millions of triples into Python objects one by one."""

    fmt: formats.Format  # a graph format (the triples all go into the graph written)
    path: Path | None = None  # read by pyoxigraph itself (fastest) ...
    stream: IO[bytes] | None = None  # ... or through Python (gzip, progress bars)
    base_iri: str | None = None
    source_name: str = "input"

@dataclass
class GraphWrite:
    """One graph's part of a commit: replace, merge into, or delete a graph."""

    graph: GraphName
    mode: str  # "create" (must not exist), "replace", "merge", "delete"
    quads: Iterable[ox.Quad] | RawInput = ()
    staged: ox.NamedNode | None = None
    triples: int = 0
    owner: str | None = None  # a private graph's owner (a token name), recorded with the graph

@dataclass(frozen=True)
class GraphInfo:
    """What the metadata graph knows about one named graph."""

    iri: str
    triples: int
    modified: str
    etag: str
    withdrawn: bool = False

@dataclass(frozen=True)
class CommitResult:
    """The outcome of one atomic write."""

    activity: str
    graphs: dict[str, int]  # graph IRI -> triple count after the write
    etags: dict[str, str]

def parse(
    source: bytes | str | IO[bytes] | Path,
    fmt: formats.Format,
    *,
    base_iri: str | None = None,
    source_name: str = "input",
) -> Iterator[ox.Quad]:
    """Parse RDF lazily; a syntax error becomes SyntaxErrorInInput naming source, line and column."""
    if fmt.rdf is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    # blank nodes get fresh ids: `_:b0` in two uploads (or in an upload and the store) are different nodes
    kwargs: dict[str, Any] = {"format": fmt.rdf, "base_iri": base_iri, "rename_blank_nodes": True}
    if isinstance(source, Path):
        kwargs["path"] = str(source)
    else:
        kwargs["input"] = source
    if isinstance(source, (bytes, str)):
        check_input(source.encode() if isinstance(source, str) else source, fmt, source_name)
    # JSON-LD: never let a document make us fetch a remote @context
    try:
        iterator = ox.parse(**kwargs)
        while True:
            try:
                quad = next(iterator)
            except StopIteration:
                return
            if isinstance(quad.subject, ox.Triple) or isinstance(quad.object, ox.Triple):
                raise SyntaxErrorInInput(f"{source_name}: RDF-star quoted triples (<< ... >>) are not supported "
                                         "here; state the triple itself, or describe it with a node of its own",
                                         source=source_name)
            yield quad
    except SyntaxError as err:
        raise syntax_error(err, source_name) from err
    except (UnicodeDecodeError, ValueError) as err:
        raise SyntaxErrorInInput(f"{source_name}: {err}", source=source_name) from err
    except OSError as err:
        # pyoxigraph reports e.g. a JSON-LD remote context it refuses to load as OSError
        raise SyntaxErrorInInput(f"{source_name}: {err}", source=source_name) from err
    except MemoryError as err:
        raise token_too_large(err, source_name) from err

def token_too_large(err: MemoryError, source_name: str) -> Exception:
    """pyoxigraph holds one token (a literal, an IRI) in a buffer of at most 16 MiB: "Reached the
    buffer maximal size of 16777216" is the input's fault (413); any other MemoryError is the machine's."""
    if "buffer maximal size" not in str(err):
        return err
    from ..errors import PayloadTooLarge

    return PayloadTooLarge(f"{source_name}: a single literal or IRI may be at most 16 MiB (16777216 bytes); "
                           "this input has a longer one. Split the value, or link to it instead",
                           source=source_name, limit=16777216)

# Parsers recurse. pyoxigraph's JSON-LD parser overflows the stack at ~4,000 levels of nesting on an
# 8 MiB thread stack (~1,000 on 2 MiB), which kills the whole process; its RDF/XML parser slows down
# quadratically with element depth (40,000 levels: 30 s). Real documents nest a few dozen levels.
MAX_NESTING = 256

# RDF/XML may declare internal entities; nested ones expand exponentially ("billion laughs").
MAX_ENTITY_EXPANSION = 32 * 1024 * 1024  # bytes of entity text a document may expand to

NESTED_FORMATS = (formats.JSONLD, formats.RDFXML)  # what check_input looks at (parsed from bytes)

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)

_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")

_BRACKET_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 / -1 as signed bytes

# Comments, CDATA and processing instructions (up to the end of the input when unterminated, so a
# scan stays linear), or a tag: (closing slash, first letter, self-closing slash).
_XML_TOKEN = re.compile(rb"<!--(?:.*?-->|.*)|<!\[CDATA\[(?:.*?\]\]>|.*)|<\?(?:.*?\?>|.*)"
                        rb"|<(/?)([^\s/>!?<])[^<>]*?(/?)>", re.DOTALL)

_ENTITY_DECL = re.compile(rb"""<!ENTITY\s+([^\s%>]+)\s+(?:"([^"]*)"|'([^']*)')""")

_ENTITY_REF = re.compile(rb"&([^\s&;#<>\"']+);")

def check_input(data: bytes, fmt: formats.Format, source_name: str = "input") -> None:
    """Refuse a JSON-LD or RDF/XML document that would make its parser exhaust the stack, the CPU or
    the memory: nested deeper than MAX_NESTING, or with XML entities expanding past
    MAX_ENTITY_EXPANSION. Cheap: a document with few brackets or tags is not scanned at all."""
    if fmt is formats.JSONLD and data.count(b"[") + data.count(b"{") > MAX_NESTING:
        steps = _JSON_STRING.sub(b"", data).translate(_BRACKET_STEP, _NOT_BRACKET)
        depth = max(itertools.accumulate(memoryview(steps).cast("b")), default=0)
    elif fmt is formats.RDFXML:
        if b"<!ENTITY" in data and _entity_expansion(data) > MAX_ENTITY_EXPANSION:
            raise BadRequest(f"{source_name}: its XML entities expand to more than {MAX_ENTITY_EXPANSION} "
                             "bytes; write the values out instead", source=source_name)
        if data.count(b"<") <= MAX_NESTING:
            return
        steps = (-1 if close else 0 if empty else 1 for close, name, empty in _XML_TOKEN.findall(data) if name)
        depth = max(itertools.accumulate(steps), default=0)
    else:
        return
    if depth > MAX_NESTING:
        raise BadRequest(f"{source_name}: nested {depth} levels deep; driehoek reads at most {MAX_NESTING}",
                         source=source_name, limit=MAX_NESTING)

def _entity_expansion(data: bytes) -> float:
    """How many bytes the entity references in an XML document expand to (inf for a cycle)."""
    values = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ENTITY_DECL.finditer(data)}
    sizes: dict[bytes, float] = {}

    def size(name: bytes, seen: frozenset[bytes]) -> float:
        if name not in sizes:
            if name in seen:
                return float("inf")
            value = values[name]
            sizes[name] = len(value) + sum(size(ref.group(1), seen | {name}) - len(ref.group())
                                           for ref in _ENTITY_REF.finditer(value) if ref.group(1) in values)
        return sizes[name]

    try:
        return sum(size(ref.group(1), frozenset()) for ref in _ENTITY_REF.finditer(data) if ref.group(1) in values)
    except RecursionError:  # a chain of thousands of entities
        return float("inf")

def storage_error(err: OSError | str, what: str) -> StoreError:
    """A failed disk write as a typed error (507 when the disk is full, never a traceback); `what`
    says what became of the request, e.g. "nothing was written"."""
    text = str(err)
    if (isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)) or \
            "No space left on device" in text or "Disk quota exceeded" in text:
        return InsufficientStorage(f"the disk holding the store is full; {what}. Free some space and try "
                                   "again (reads go on meanwhile)", reason="disk full")
    return StoreError(f"the store could not write to disk ({text}); {what}")

def syntax_error(err: SyntaxError, source_name: str) -> SyntaxErrorInInput:
    """A pyoxigraph SyntaxError as our typed error, with line and column when it gives them."""
    message = str(err.args[0]) if err.args else str(err)
    details: dict[str, Any] = {"source": source_name}
    position = err.args[1] if len(err.args) > 1 and isinstance(err.args[1], tuple) else None
    in_text = re.search(r"(?:error at|line) (\d+)[:, ]+(?:column )?(\d+)", message)
    if position and len(position) >= 3 and position[1] is not None:
        details["line"], details["column"] = position[1], position[2]
    elif err.lineno is not None:
        details["line"], details["column"] = err.lineno, err.offset
    elif in_text:  # SPARQL errors carry the position in the text only: "error at 2:16: ..."
        details["line"], details["column"] = int(in_text.group(1)), int(in_text.group(2))
    where = f":{details['line']}:{details['column']}" if "line" in details else ""
    return SyntaxErrorInInput(f"{source_name}{where}: {message}", **details)

def _lit(value: Any, datatype: str | None = None) -> ox.Literal:
    if datatype:
        return ox.Literal(str(value), datatype=ox.NamedNode(datatype))
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    return ox.Literal(str(value))

def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

def _sparql_term(term: Term | ox.DefaultGraph) -> str:
    return str(term)

def _name(graph: GraphName) -> str:
    return graph.value if isinstance(graph, ox.NamedNode) else "DEFAULT"

def _graph_subject(graph: GraphName, graph_base: str) -> str:
    """The metadata subject standing for a graph; the default graph gets a fixed IRI."""
    if isinstance(graph, ox.NamedNode):
        return str(graph)
    return f"<{graph_base}default>"

def sha256_of(path_or_bytes: Path | bytes) -> str:
    """SHA-256 of a file (streamed) or of bytes."""
    digest = hashlib.sha256()
    if isinstance(path_or_bytes, bytes):
        digest.update(path_or_bytes)
    else:
        with open(path_or_bytes, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
