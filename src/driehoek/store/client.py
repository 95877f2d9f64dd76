"""SPARQL 1.1 Protocol, Update and Graph Store Protocol over HTTP (the remote backend's wire):
endpoints, blank nodes as skolem IRIs, results in the format the server writes faithfully, errors typed."""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
import requests

from ..config import Settings
from ..errors import BadRequest, QueryTimeout, ServiceUnavailable, StoreError
from ..sparql_bind import _BASE
from .records import storage_error

log = logging.getLogger(__name__)

EMPTY_GRAPH = "urn:driehoek:no-graph"  # names an empty dataset part: never a graph on the server

UPLOAD_BATCH = 100_000  # quads per Graph Store request while staging

SUBJECTS_CACHED = 20_000  # resources a reader's view keeps what they say of (pages ask again and again)

_RESULTS_ACCEPT = ("text/tab-separated-values, application/sparql-results+json;q=0.9, "
                   "application/sparql-results+xml;q=0.8, application/n-triples;q=0.7, text/turtle;q=0.6")

# The same preferences with XML first: for an engine whose TSV is not faithful (the probe)
_RESULTS_ACCEPT_XML = ("application/sparql-results+xml, application/sparql-results+json;q=0.5, "
                       "application/n-triples;q=0.7, text/turtle;q=0.6")

# A probe of how faithfully the server writes TSV: an IRI and a language-tagged string (a boolean
# cannot be probed: Virtuoso turns a boolean constant into the integer 1 in every format)
_PROBE = 'SELECT ?i ?l WHERE { VALUES (?i ?l) { (<urn:driehoek:probe> "probe"@nl) } }'

_PROBE_ROW = (ox.NamedNode("urn:driehoek:probe"), ox.Literal("probe", language="nl"))

_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.6"

_ASK_COLUMN = "__ASK_RETVAL"  # Virtuoso 7 answers an ASK as a table of this one column: 1 row for true

_RESULT_FORMATS = {
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
}

_GRAPH_FORMATS = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE,
                  "text/plain": ox.RdfFormat.N_TRIPLES}

@dataclass(frozen=True)
class Endpoints:
    """Where the server answers: queries, updates and (optionally) the Graph Store Protocol."""

    query: str
    update: str
    graph_store: str | None

    @classmethod
    def from_settings(cls, settings: Settings) -> Endpoints:
        """`sparql+http://host:port/path` names the query endpoint. A path ending in /query is read as
        the Oxigraph server layout (/update, /store); other engines name theirs in
        DRIEHOEK_STORE_UPDATE and DRIEHOEK_STORE_GRAPH_STORE."""
        return cls.from_url(settings.store, settings.store_update, settings.store_graph_store)

    @classmethod
    def from_url(cls, value: str, update: str | None = None, graph_store: str | None = None, *,
                 setting: str = "DRIEHOEK_STORE") -> Endpoints:
        """The endpoints of a `sparql+http://host:port/path` value (see from_settings)."""
        scheme, _, rest = value.partition("+")
        if scheme != "sparql" or not rest.startswith(("http://", "https://")):
            raise StoreError(f"{setting}={value!r}: expected sparql+http://host:port/path (the query "
                             "endpoint of a SPARQL 1.1 server), or nothing for the embedded store")
        parts = urlsplit(rest)
        if not parts.netloc:
            raise StoreError(f"{setting}={value!r}: the URL has no host")
        update, graph_store = update or None, graph_store or None
        if parts.path.rstrip("/").endswith("/query"):
            root = parts.path.rstrip("/")[: -len("/query")]
            update = update or urlunsplit(parts._replace(path=root + "/update"))
            graph_store = graph_store or urlunsplit(parts._replace(path=root + "/store"))
        return cls(rest, update or rest, graph_store)

class Skolem:
    """Blank nodes to IRIs and back (RDF 1.1 §3.5), on terms and on serialised results."""

    def __init__(self, base_iri: str) -> None:
        self.prefix = base_iri + ".well-known/genid/"
        escaped = re.escape(self.prefix.encode())
        self._angle = re.compile(rb"<" + escaped + rb"([^>]*)>")  # N-Triples, Turtle, TSV
        self._json = re.compile(rb'\{\s*"type"\s*:\s*"uri"\s*,\s*"value"\s*:\s*"' + escaped + rb'([^"]*)"')
        self._json_reversed = re.compile(rb'"value"\s*:\s*"' + escaped + rb'([^"]*)"(\s*,\s*"type"\s*:\s*)"uri"')
        self._xml = re.compile(rb"<uri>" + escaped + rb"([^<]*)</uri>")

    def term(self, term: Any) -> Any:
        """A term as stored on the server."""
        if isinstance(term, ox.BlankNode):
            return ox.NamedNode(self.prefix + term.value)
        if isinstance(term, ox.Triple):
            return ox.Triple(self.term(term.subject), term.predicate, self.term(term.object))
        return term

    def quad(self, quad: ox.Quad, graph: Any) -> ox.Quad:
        """A quad as stored on the server, in `graph`."""
        return ox.Quad(self.term(quad.subject), quad.predicate, self.term(quad.object), graph)

    def unmap(self, data: bytes) -> bytes:
        """Serialised results as readers see them: skolem IRIs back to blank nodes."""
        if self.prefix.encode() not in data:
            return data
        data = self._angle.sub(rb"_:\1", data)
        data = self._json.sub(rb'{"type":"bnode","value":"\1"', data)
        data = self._json_reversed.sub(rb'"value":"\1"\2"bnode"', data)
        return self._xml.sub(rb"<bnode>\1</bnode>", data)

class _Triples:
    """A CONSTRUCT or DESCRIBE result read from the server (what sparql.serialize needs of one)."""

    def __init__(self, data: bytes, fmt: ox.RdfFormat) -> None:
        self._triples = [q.triple for q in ox.parse(data, format=fmt)]

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self._triples)

    def serialize(self, output: IO[bytes], format: ox.RdfFormat) -> None:  # noqa: A002 (pyoxigraph's name)
        ox.serialize(self._triples, output, format)

class _NotAcceptable(StoreError):
    """The server has none of the formats a query was asked in (retried with graph formats)."""

class Client:
    """HTTP to the server: one session per thread, a deadline on every request, errors typed."""

    def __init__(self, endpoints: Endpoints, *, timeout: float, skolem: Skolem,
                 namespaces: tuple[str, ...] = ()) -> None:
        self.endpoints, self.timeout, self.skolem = endpoints, timeout, skolem
        # the graphs that are driehoek's ({base}graph/ and DRIEHOEK_GRAPH_NAMESPACES): a server may hold
        # others (Virtuoso keeps its own system graphs in the same quad store), which driehoek never reads
        self.namespaces = tuple(namespaces)
        self._local = threading.local()
        self._accept: str | None = None  # chosen by the probe, on the first query
        self._accept_lock = threading.Lock()
        self._graph_pattern = ""  # "" while GRAPH ?g { } lists the graphs; else "?s ?p ?o"

    def owns(self, graph: str) -> bool:
        """Whether a graph on the server is one of driehoek's (in its namespaces)."""
        return not self.namespaces or graph.startswith(self.namespaces)

    def graph_filter(self, variable: str = "?g") -> str:
        """A FILTER keeping `variable` to driehoek's graphs (empty when no namespaces are set)."""
        if not self.namespaces:
            return ""
        tests = " || ".join(f"STRSTARTS(STR({variable}), {_string(ns)})" for ns in self.namespaces)
        return f"FILTER ({tests})"

    def graph_iris(self) -> list[str]:
        """Every named graph the server lists that is driehoek's. `GRAPH ?g { }` lists empty graphs
        too, where the engine supports it; an engine that answers it with one unbound row instead
        (Virtuoso) is asked for the graphs that hold a triple."""
        if self._graph_pattern:  # GROUP BY, not DISTINCT: Virtuoso answers it from an index (0.03 s
            # where DISTINCT took 14 s on the bundled data)
            rows = list(self.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", None, None))
        else:
            rows = list(self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", None, None))
            if any(row["g"] is None for row in rows):
                self._graph_pattern = "?s ?p ?o"
                return self.graph_iris()
        return sorted(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode) and self.owns(row["g"].value))

    @property
    def accept(self) -> str:
        """The Accept header for queries: TSV first (the fastest to read) where the server writes it
        faithfully, else XML, the format engines have written longest (Virtuoso's TSV writes IRIs and
        tagged strings as plain strings, its JSON a stored true as "1"): by a probe query on first use."""
        if self._accept is None:
            with self._accept_lock:
                if self._accept is None:
                    self._accept = self._probe_accept()
        return self._accept

    def _probe_accept(self) -> str:
        for accept in (_RESULTS_ACCEPT, _RESULTS_ACCEPT_XML):
            response = self.request("POST", self.endpoints.query, what="query", data={"query": _PROBE},
                                    headers={"Accept": accept})
            try:
                rows = list(self.parse(response.headers.get("Content-Type", ""), response.content))
            except (SyntaxError, StoreError, ValueError):
                continue
            if len(rows) == 1 and tuple(rows[0]) == _PROBE_ROW:
                return accept
            log.info("the store's answer as %s is not faithful; asking for another results format",
                     response.headers.get("Content-Type", "?"))
        return _RESULTS_ACCEPT_XML

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # never through a proxy a stranger's environment names
        return session

    def request(self, method: str, url: str, *, what: str, timeout: float | None = None,
                stream: bool = False, **kwargs: Any) -> requests.Response:
        """One request; a refused or timed-out one becomes a typed error naming the server."""
        limit = self.timeout if timeout is None else timeout
        try:
            response = self.session.request(method, url, timeout=(min(limit, 10.0), limit), stream=stream,
                                            allow_redirects=False, **kwargs)
        except requests.Timeout as err:
            raise QueryTimeout(f"the {what} was stopped after its time limit of {limit:g} s "
                               "(DRIEHOEK_QUERY_TIMEOUT); narrow it down and try again", timeout_seconds=limit) from err
        except requests.RequestException as err:
            log.warning("the store at %s cannot be reached: %s", url, err)  # the address for operators only
            raise ServiceUnavailable(f"the store cannot be reached ({type(err).__name__}); try again shortly") from err
        if response.status_code >= 400:
            self.fail(response, what)
        return response

    def fail(self, response: requests.Response, what: str) -> None:
        """Raise the error a failed response stands for."""
        text = response.text.strip()[:2000]
        if response.status_code == 406 and what == "query" and response.request.headers.get("Accept") != _GRAPH_ACCEPT:
            raise _NotAcceptable(text)
        if response.status_code == 400:
            raise SyntaxError(text or f"the store refused the {what}")
        if response.status_code in (408, 503, 504) or re.search(r"time ?out|timed out", text, re.IGNORECASE):
            raise QueryTimeout(f"the store stopped the {what} at its own time limit; narrow it down and try again",
                               timeout_seconds=self.timeout)
        if "No space left on device" in text:
            raise storage_error(text, "nothing was written")
        # a 5xx that blames the query itself is a 400, as the embedded store says it; any other 5xx is the
        # engine failing (a crash, Virtuoso's SQL compiler on a valid query: "37000 ... SQ156"). Blamed, as
        # the engines answer: an SQLSTATE of class 22 (data exception: a function given the wrong type) or
        # 42 (an undefined function) in Virtuoso's "Virtuoso 42001 Error SR185: Undefined procedure ...",
        # or Oxigraph's "The custom function <...> is not supported"
        if what == "query" and response.status_code >= 500 and re.search(
                r"^\w+ (?:22|42)[0-9A-Z]{3} Error \w+:|\bfunction\b.{0,300}\bis not supported\b", text):
            raise BadRequest(f"query failed: {text[:300]}")
        log.warning("the store at %s answered %s to a %s: %s", response.url, response.status_code, what, text[:300])
        raise StoreError(f"the store answered {response.status_code} to a {what}: {text[:300]}")

    def query(self, sparql: str, default: list[str] | None, named: list[str] | None,
              timeout: float | None = None) -> Any:
        """A query with an explicit dataset (None: the server's own); pyoxigraph result objects."""
        form = _form(sparql, default, named, "query")
        try:
            response = self.request("POST", self.endpoints.query, what="query", timeout=timeout, data=form,
                                    headers={"Accept": self.accept})
        except _NotAcceptable:
            # a CONSTRUCT or DESCRIBE asked with results formats first: an engine that picks the first
            # type it is offered (Virtuoso) refuses; asked again for graph formats only
            response = self.request("POST", self.endpoints.query, what="query", timeout=timeout, data=form,
                                    headers={"Accept": _GRAPH_ACCEPT})
        if response.headers.get("X-SQL-State", "").strip().upper() == "S1TAT":
            # Virtuoso's "anytime" answer: what it found before its time limit, marked only in a header
            raise QueryTimeout("the store stopped the query at its own time limit; narrow it down and try again",
                               timeout_seconds=self.timeout)
        return self.parse(response.headers.get("Content-Type", ""), self.skolem.unmap(response.content))

    def parse(self, content_type: str, data: bytes) -> Any:
        """Results as pyoxigraph objects, by their media type."""
        media = content_type.split(";")[0].strip().lower()
        if media in _RESULT_FORMATS:
            results = ox.parse_query_results(data, format=_RESULT_FORMATS[media])
            if isinstance(results, ox.QuerySolutions) and [v.value for v in results.variables] == [_ASK_COLUMN]:
                # an ASK answered as a table (Virtuoso 7): one row with 1 for true, none for false
                answer = any(isinstance(row[0], ox.Literal) and row[0].value not in ("0", "false") for row in results)
                return ox.parse_query_results(b'{"head":{},"boolean":' + (b"true" if answer else b"false") + b"}",
                                              format=ox.QueryResultsFormat.JSON)
            return results
        if media in _GRAPH_FORMATS:
            return _Triples(data, _GRAPH_FORMATS[media])
        raise StoreError(f"the store answered a query with {media or 'no media type'}, which driehoek cannot read")

    def update(self, sparql: str) -> None:
        """One SPARQL Update request: one transaction on the server."""
        self.request("POST", self.endpoints.update, what="update", data={"update": sparql},
                     headers={"Accept": "*/*"})

    def upload(self, graph: str, quads: Iterable[ox.Quad]) -> None:
        """Add triples to a graph: Graph Store POST (N-Triples), or INSERT DATA without a graph store."""
        buffer = io.BytesIO()
        ox.serialize((q.triple for q in quads), buffer, ox.RdfFormat.N_TRIPLES)
        if self.endpoints.graph_store:
            self.request("POST", self.endpoints.graph_store, what="upload", params={"graph": graph},
                         data=buffer.getvalue(), headers={"Content-Type": "application/n-triples"})
        else:
            body = buffer.getvalue().decode("utf-8")
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")

def _string(value: str) -> str:
    """A SPARQL string literal (pyoxigraph's N-Triples escaping)."""
    return str(ox.Literal(value))

def _form(sparql: str, default: list[str] | None, named: list[str] | None, key: str) -> list[tuple[str, str]]:
    form = [(key, sparql)]
    if default is not None:
        form += [("default-graph-uri", g) for g in (default or [EMPTY_GRAPH])]
        form += [("named-graph-uri", g) for g in (named or [EMPTY_GRAPH])]
    return form

_FROM = re.compile(r"(?<![\w:?$])FROM\s+(NAMED\s+)?(<[^<>\s]*>|[\w.-]*:[\w.%-]*)", re.IGNORECASE)

_PREFIX = re.compile(r"(?<![\w:?$])PREFIX\s+([\w.-]*):\s*<([^<>\s]*)>", re.IGNORECASE)

def without_dataset_clauses(sparql: str) -> str:
    """The query with its FROM and FROM NAMED clauses blanked out: the protocol's default-graph-uri and
    named-graph-uri carry its dataset instead (what it names that readers may see). The protocol says
    its dataset wins over the text's; an engine that lets the text win (Virtuoso 7) would otherwise
    read a graph driehoek left out. The caller checks with the parser that no clause is left."""
    from ..sparql import _SKIP

    code = _SKIP.sub(lambda m: m.group(1) or " " * len(m.group()), sparql)  # same length, IRIs kept
    text = sparql
    for match in _FROM.finditer(code):
        start, end = match.span()
        text = text[:start] + " " * (end - start) + text[end:]
    return text

def dataset_clauses(sparql: str, base_iri: str | None) -> tuple[list[str], list[str]]:
    """The IRIs of a query's FROM and FROM NAMED clauses (relative ones resolved, prefixes expanded)."""
    from ..sparql import _SKIP

    code = _SKIP.sub(lambda m: m.group(1) or " ", sparql)
    prefixes = {m.group(1): m.group(2) for m in _PREFIX.finditer(code)}
    base = next((m.group(1) for m in _BASE.finditer(code)), base_iri or "")
    default: list[str] = []
    named: list[str] = []
    for match in _FROM.finditer(code):
        token = match.group(2)
        if token.startswith("<"):
            iri = token[1:-1]
            if base and not re.match(r"[A-Za-z][\w+.-]*:", iri):
                from urllib.parse import urljoin

                iri = urljoin(base, iri)
        else:
            prefix, _, local = token.partition(":")
            if prefix not in prefixes:
                raise SyntaxError(f"the prefix {prefix}: is not declared")
            iri = prefixes[prefix] + local
        (named if match.group(1) else default).append(iri)
    return default, named
