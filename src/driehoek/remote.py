"""driehoek on a SPARQL 1.1 server (DRIEHOEK_STORE): the same store interface as the embedded
store, spoken over the standard protocols, so that everything above store.py runs unchanged.

How the embedded store's guarantees carry over (docs/deploy.md says it for operators):

- Atomic writes. New quads go into a staging graph (Graph Store Protocol POST, or INSERT DATA where
  the engine has no graph store); then one SPARQL Update request moves them onto their target and
  records provenance. Engines run one update request as one transaction (Oxigraph, Fuseki, GraphDB),
  so a graph is old or new, also when driehoek is killed half-way; staging graphs left behind are
  dropped once they are an hour old.
- Private graphs. Readers never see the store as it is: every public query names its dataset with
  the protocol's `default-graph-uri` / `named-graph-uri`, listing the public graphs only, so no
  `GRAPH ?g`, `FROM` or `FROM NAMED` reaches a private graph. The records of private graphs live in
  a private metadata graph (the embedded store scrubs them from its snapshots instead).
- The default graph. A protocol dataset cannot name the store's own default graph, so driehoek's
  default graph is the named graph `{base}graph/default` on the server; the adapter translates.
- Blank nodes. SPARQL cannot point at a blank node from one query to the next, so blank nodes are
  stored skolemised (RDF 1.1 §3.5) as `{base}.well-known/genid/{id}` and read back as blank nodes.
- Time limits. Every request has a client-side deadline (DRIEHOEK_QUERY_TIMEOUT); set the engine's
  own limit too (`oxigraph serve --timeout-s`), so that it stops work nobody waits for any more.
- Snapshots. There are none: a reader sees the store as of each query. Pages and feeds key their
  caches on a version the metadata graph carries, bumped by every write.
- Engines differ (proven on Oxigraph server and Virtuoso Open Source 7); the adapter tolerates the
  differences by testing for them, never by the engine's name: results come in the first of TSV, JSON
  and XML that renders a probe query's IRI, language tag and boolean faithfully (Virtuoso's TSV writes
  IRIs as strings, its JSON true as 1); an ASK answered as a one-column table (Virtuoso's
  `__ASK_RETVAL`) is read as the boolean it is; graphs are listed with `GRAPH ?g { }` and, where the
  engine answers that with an unbound row, with `GRAPH ?g { ?s ?p ?o }`; an answer the engine marks as
  cut off at its time limit (Virtuoso's "anytime" results, `X-SQL-State: S1TAT`) is a timeout, not a
  result; and driehoek reads only the graphs in its own namespaces ({base}graph/ and
  DRIEHOEK_GRAPH_NAMESPACES), so a server's own graphs (Virtuoso's system graphs) are never listed,
  dumped, copied or dropped.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
import requests

from . import formats
from .config import Settings
from .errors import (BadRequest, DriehoekError, NotAcceptable, QueryTimeout, ServiceUnavailable, StoreError)
from .iris import DH
from .replica import PublicCopy
from .sparql_bind import _BASE, bind, with_base
from .store import (Activity, CommitResult, EmbeddedStore, GraphName, GraphWrite, RawInput, parse, storage_error)

log = logging.getLogger(__name__)

EMPTY_GRAPH = "urn:driehoek:no-graph"  # names an empty dataset part: never a graph on the server
STAGING_MAX_AGE = 3600.0  # seconds after which a staging graph is a leftover of a killed write
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
    from .sparql import _SKIP

    code = _SKIP.sub(lambda m: m.group(1) or " " * len(m.group()), sparql)  # same length, IRIs kept
    text = sparql
    for match in _FROM.finditer(code):
        start, end = match.span()
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def dataset_clauses(sparql: str, base_iri: str | None) -> tuple[list[str], list[str]]:
    """The IRIs of a query's FROM and FROM NAMED clauses (relative ones resolved, prefixes expanded)."""
    from .sparql import _SKIP

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


class RemoteDataset:
    """The server's dataset as pyoxigraph's Store would show it — the part of it driehoek reads.

    `public=False`: the writer's view, every graph. `public=True`: what readers see; the graph list
    is fixed when the view is made (once per version of the store) and only public graphs are in it.
    """

    def __init__(self, client: Client, graph_base: str, *, public: bool, graphs: list[str] | None = None,
                 key: str = "", bump: Callable[[], str] | None = None, withdrawn: Iterable[str] = (),
                 native: bool = False) -> None:
        self.client, self.graph_base, self.public, self.key = client, graph_base, public, key
        # native: the server holds the reader's dataset and nothing else (the public copy, replica.py),
        # and its default graph is the union of its graphs: a query needs no protocol dataset
        self.native = native
        # withdrawn graphs: still read by pages (a resource in one answers 410), never by a query's dataset
        self.withdrawn = frozenset(withdrawn)
        self.default_iri = graph_base + "default"  # driehoek's default graph, on the server
        self._graphs = graphs
        self._bump = bump
        self.skolem = client.skolem
        # a reader's view never changes (a write makes a new one): what a subject says is fetched once
        self._subjects: OrderedDict[str, list[ox.Quad]] = OrderedDict()
        self._subjects_lock = threading.Lock()

    # -- graphs ---------------------------------------------------------------------------------

    def graph_names(self) -> list[str]:
        """The named graphs (driehoek's), in scope for this view."""
        if self._graphs is not None:
            return self._graphs
        return list_graphs(self.client, self.graph_base, public=self.public)

    def remote(self, graph: Any) -> str:
        """The server's name for a graph."""
        return self.default_iri if graph is None or isinstance(graph, ox.DefaultGraph) else graph.value

    def local(self, iri: str) -> Any:
        """driehoek's name for a graph on the server."""
        return ox.DefaultGraph() if iri == self.default_iri else ox.NamedNode(iri)

    def in_scope(self, iri: str) -> bool:
        return iri == self.default_iri or iri in set(self.graph_names())

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        return iter([ox.NamedNode(g) for g in self.graph_names()])

    def contains_named_graph(self, graph: Any) -> bool:
        iri = self.remote(graph)
        if self.public and not self.in_scope(iri):
            return False
        results = self.client.query(f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}", *self._dataset([iri]))
        return bool(results)

    def _dataset(self, named: list[str]) -> tuple[list[str] | None, list[str] | None]:
        """Protocol dataset for a query that reads `named` through GRAPH; None: the server's own."""
        if not self.public or self.native:
            return None, None
        return [EMPTY_GRAPH], named

    # -- reading --------------------------------------------------------------------------------

    def _describe(self, subject: Any) -> list[ox.Quad]:
        """Every quad with this subject in the view's graphs (cached for a reader's view: pages ask
        for a resource's label, type and links one pattern at a time)."""
        key = str(subject)
        with self._subjects_lock:
            if key in self._subjects:
                self._subjects.move_to_end(key)
                return self._subjects[key]
        default, named = self._dataset([self.default_iri, *self.graph_names()])
        results = self.client.query(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {self.skolem.term(subject)} ?p ?o }} }}",
                                    default, named)
        found = [ox.Quad(subject, row["p"], row["o"], self.local(row["g"].value)) for row in results]
        with self._subjects_lock:
            self._subjects[key] = found
            while len(self._subjects) > SUBJECTS_CACHED:
                self._subjects.popitem(last=False)
        return found

    def quads_for_pattern(self, subject: Any, predicate: Any, obj: Any, graph: Any = None) -> Iterator[ox.Quad]:
        if self.public and subject is not None:
            wanted = None if graph is None else self.local(self.remote(graph))
            return iter([q for q in self._describe(subject)
                         if (predicate is None or q.predicate == predicate) and (obj is None or q.object == obj)
                         and (wanted is None or q.graph_name == wanted)])
        terms = [("?s", subject), ("?p", predicate), ("?o", obj)]
        pattern = " ".join(str(self.skolem.term(t)) if t is not None else v for v, t in terms)
        if graph is None:
            named = [self.default_iri, *self.graph_names()] if self.public else None
            text = f"SELECT * WHERE {{ GRAPH ?g {{ {pattern} }} {'' if self.public else self.client.graph_filter()} }}"
            default, named = self._dataset(named) if self.public else (None, None)
        else:
            iri = self.remote(graph)
            if self.public and not self.in_scope(iri):
                return iter(())
            text = f"SELECT * WHERE {{ GRAPH <{iri}> {{ {pattern} }} }}"
            default, named = self._dataset([iri])
        results = self.client.query(text, default, named)  # asked now: errors surface here, not later
        fixed = None if graph is None else self.local(self.remote(graph))
        staging = self.graph_base + "staging/"

        def quads() -> Iterator[ox.Quad]:  # built one by one: a whole graph's dump stays bytes until read
            for row in results:
                g = row["g"] if fixed is None else None
                if g is not None and g.value.startswith(staging):
                    continue
                yield ox.Quad(subject if subject is not None else row["s"],
                              predicate if predicate is not None else row["p"],
                              obj if obj is not None else row["o"],
                              self.local(g.value) if g is not None else fixed)
        return quads()

    def query(self, sparql: str, *, base_iri: str | None = None, use_default_graph_as_union: bool = False,
              default_graph: Iterable[Any] | None = None, named_graphs: Iterable[Any] | None = None,
              substitutions: dict[Any, Any] | None = None) -> Any:
        """pyoxigraph's Store.query on the server: the dataset goes by the protocol."""
        if substitutions:
            sparql = bind(sparql, substitutions, self.skolem)
        sparql = with_base(sparql, base_iri)
        default, named = self.dataset(sparql, base_iri, use_default_graph_as_union, default_graph, named_graphs)
        return self.client.query(sparql, default, named)

    def dataset(self, sparql: str, base_iri: str | None, union: bool = False,
                default_graph: Iterable[Any] | None = None, named_graphs: Iterable[Any] | None = None,
                exclude: Iterable[str] = ()) -> tuple[list[str] | None, list[str] | None]:
        """The protocol dataset for a query, as pyoxigraph's options would have made it."""
        graphs = [g for g in self.graph_names() if g not in self.withdrawn]
        scope = set(graphs) | {self.default_iri}
        hidden = set(exclude) & scope  # a graph this server does not hold is hidden already
        if self.native and not hidden and default_graph is None and named_graphs is None and (
                union or not _has_dataset_clause(sparql)):
            return None, None  # the server's own dataset is the reader's: its union default graph
        if union:
            default = [self.default_iri, *(g for g in graphs if g not in hidden)]
            return default, list(graphs)
        if default_graph is not None or named_graphs is not None:
            default = [self.remote(g) for g in default_graph] if default_graph is not None else [self.default_iri]
            named = [self.remote(g) for g in named_graphs] if named_graphs is not None else list(graphs)
        else:
            from .sparql import has_dataset_clause

            if not has_dataset_clause(sparql):
                if not self.public:
                    return None, None  # the writer's own queries name their graphs
                return [self.default_iri, *(g for g in graphs if g not in hidden)], list(graphs)
            default, named = dataset_clauses(sparql, base_iri)
        return [g for g in default if g in scope], [g for g in named if g in scope and g != self.default_iri]

    def __len__(self) -> int:
        default, named = self._dataset([self.default_iri, *self.graph_names()])
        scope = "" if self.public else self.client.graph_filter()
        results = self.client.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {scope} }}", default, named)
        return int(next(iter(results))["n"].value)

    def dump(self, output: IO[bytes] | str, *, format: ox.RdfFormat, from_graph: Any = None) -> None:  # noqa: A002
        """Serialise the dataset, or one graph, as pyoxigraph's Store.dump does."""
        quads = self.quads_for_pattern(None, None, None, from_graph)
        if from_graph is not None or not format.supports_datasets:
            data: Iterable[Any] = (q.triple for q in quads)
        else:
            data = quads
        if isinstance(output, str):
            with open(output, "wb") as handle:
                ox.serialize(data, handle, format)
        else:
            ox.serialize(data, output, format)

    # -- writing (the writer's view only) ----------------------------------------------------------

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        if self.public:
            raise StoreError("a reader's view of the store is read-only")
        sparql = with_base(sparql, base_iri)
        if self._bump is not None:
            sparql += " ;\n" + self._bump()
        self.client.update(sparql)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads, grouped by graph, in batches."""
        batches: dict[str, list[ox.Quad]] = {}
        for quad in quads:
            graph = self.remote(quad.graph_name)
            batch = batches.setdefault(graph, [])
            batch.append(quad)
            if len(batch) >= UPLOAD_BATCH:
                self.client.upload(graph, [self.skolem.quad(q, ox.DefaultGraph()) for q in batch])
                batch.clear()
        for graph, batch in batches.items():
            if batch:
                self.client.upload(graph, [self.skolem.quad(q, ox.DefaultGraph()) for q in batch])

    bulk_extend = extend

    def add(self, quad: ox.Quad) -> None:
        self.update(f"INSERT DATA {{ GRAPH <{self.remote(quad.graph_name)}> {{ {self.skolem.quad(quad, ox.DefaultGraph())} }} }}")

    def remove(self, quad: ox.Quad) -> None:
        self.update(f"DELETE DATA {{ GRAPH <{self.remote(quad.graph_name)}> {{ {self.skolem.quad(quad, ox.DefaultGraph())} }} }}")

    def remove_graph(self, graph: Any) -> None:
        self.update(f"DROP SILENT GRAPH <{self.remote(graph)}>")

    def flush(self) -> None:
        """Nothing to do: the server has committed each request when it answers."""


def _has_dataset_clause(sparql: str) -> bool:
    from .sparql import has_dataset_clause

    return has_dataset_clause(sparql)


def list_graphs(client: Client, graph_base: str, *, public: bool) -> list[str]:
    """The server's named graphs that driehoek reads (sorted): in its namespaces, without staging
    graphs and without driehoek's default graph; without private graphs for a public view."""
    hidden = (graph_base + "staging/", graph_base + "private/") if public else (graph_base + "staging/",)
    return [g for g in client.graph_iris() if not g.startswith(hidden) and g != graph_base + "default"]


class RemoteStore(EmbeddedStore):
    """The writer's store on a SPARQL 1.1 server: EmbeddedStore's write path over the protocols."""

    def __init__(self, settings: Settings) -> None:  # noqa: D107 (no super: there is no RocksDB here)
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self.base_iri = settings.base_iri
        self.graph_base = self.base_iri + "graph/"
        self.meta_graph = ox.NamedNode(self.graph_base + "meta")
        self.private_prefix = self.graph_base + "private/"
        self.provenance_graph = ox.NamedNode(self.private_prefix + "provenance")
        self.private_meta_graph = ox.NamedNode(self.private_prefix + "meta")
        self.staging_prefix = self.graph_base + "staging/"
        self.pending_graph = ox.NamedNode(self.graph_base + "pending")  # unused here: one dataset, one transaction
        self.keeps_provenance = True
        self.endpoints = Endpoints.from_settings(settings)
        self.client = Client(self.endpoints, timeout=settings.query_timeout, skolem=Skolem(self.base_iri),
                             namespaces=(self.graph_base, *settings.graph_namespaces))
        self._lock = threading.RLock()
        self._view: RemoteDataset | None = None
        self._view_lock = threading.Lock()
        self._db = RemoteDataset(self.client, self.graph_base, public=False, bump=self._version_update)  # type: ignore[assignment]
        self._recover()
        self.public_copy: PublicCopy | None = None
        if settings.public_store:
            copy = Endpoints.from_url(settings.public_store, setting="DRIEHOEK_PUBLIC_STORE")
            self.public_copy = PublicCopy(self, Client(copy, timeout=settings.query_timeout, skolem=self.client.skolem,
                                                       namespaces=self.client.namespaces))
            self.publish_snapshot()

    # -- housekeeping ------------------------------------------------------------------------------

    def _open(self) -> None:
        """Nothing to open: the server is reached per request."""

    def _recover(self) -> None:
        """Drop staging graphs that killed writes left (an hour old: another app server's write may
        be staging right now)."""
        now = time.time_ns()
        for graph in list_graphs(self.client, self.graph_base, public=False) + self._staging_graphs():
            if not graph.startswith(self.staging_prefix):
                continue
            stamp = graph[len(self.staging_prefix):].split("-", 1)[0]
            if stamp.isdigit() and now - int(stamp) < STAGING_MAX_AGE * 1e9:
                continue
            log.warning("dropping %s, left by an interrupted write", graph)
            self.client.update(f"DROP SILENT GRAPH <{graph}>")  # no reader ever saw it: no new version

    def _staging_graphs(self) -> list[str]:
        return [g for g in self.client.graph_iris() if g.startswith(self.staging_prefix)]

    def close(self) -> None:
        """Nothing to release."""

    @property
    def _store(self) -> Any:
        return self._db

    def _failed(self, err: OSError, what: str) -> StoreError:
        return storage_error(err, what)

    def is_empty(self) -> bool:
        return not bool(self.client.query(f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} {self.client.graph_filter()} }}", None, None))

    def __len__(self) -> int:
        """Quads in the store, without the adapter's own bookkeeping (the version triple)."""
        meta = self.private_meta_graph.value
        version = bool(self.client.query(f"ASK {{ GRAPH <{meta}> {{ <{meta}> <{DH}version> ?v }} }}", None, None))
        return len(self._db) - int(version)

    # -- the differences in the write path ------------------------------------------------------------

    def meta_for(self, graph: GraphName) -> ox.NamedNode:
        """Records of private graphs go to the private metadata graph: no snapshot scrubs them here."""
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(self.private_prefix):
            return self.private_meta_graph
        return self.meta_graph

    def graph_ref(self, graph: GraphName) -> str:
        return f"GRAPH <{self._db.remote(graph)}>"

    def _commit_update(self, writes: list[GraphWrite], activity: Activity) -> str:
        """The embedded store's commit update, with its status-change nodes skolemised: blank nodes are
        stored as skolem IRIs here like every other (and an engine may refuse blank nodes in INSERT
        DATA: Virtuoso 7 does, "not allowed in a constant clause")."""
        text = super()._commit_update(writes, activity)
        stamp = uuid.uuid4().hex
        for index in reversed(range(len(activity.status_changes))):  # change10 before change1
            for after in (" ", "\n"):
                text = text.replace(f"_:change{index}{after}", f"<{self.client.skolem.prefix}{stamp}-change{index}>{after}")
        return text

    def commit(self, writes: list[GraphWrite], activity: Activity, *, bulk: bool = False,
               progress: Callable[[int], None] | None = None) -> CommitResult:
        # no in-place bulk path: a bulk load is staged like any write (one MOVE makes it visible)
        for write in writes:
            if isinstance(write.quads, RawInput):
                write.quads = _parse_raw(write.quads)
        with self._lock:
            staged: list[ox.NamedNode] = []
            try:
                for write in writes:
                    if write.mode == "delete":
                        continue
                    write.staged = ox.NamedNode(f"{self.staging_prefix}{time.time_ns()}-{uuid.uuid4().hex}")
                    staged.append(write.staged)
                    write.triples = self._stage(write.staged, write.quads, bulk=bulk, progress=progress)
                from .errors import Conflict
                from .store import _name

                for write in writes:
                    if write.mode == "create" and self.graph_exists(write.graph):
                        raise Conflict(f"graph {_name(write.graph)} already exists; replace it "
                                       "explicitly (--replace, or PUT)", graph=_name(write.graph))
                self._db.update(self._commit_update(writes, activity))
            except BaseException:
                for graph in staged:
                    try:
                        self.client.update(f"DROP SILENT GRAPH <{graph.value}>")
                    except DriehoekError:
                        log.warning("could not drop %s now; it goes when it is an hour old", graph.value)
                raise
            from .store import _name

            graphs = {_name(w.graph): self.triple_count(w.graph) for w in writes}
            return CommitResult(activity.id, graphs, {g: self.etag(g) for g in graphs})

    def _stage(self, staging: ox.NamedNode, quads: Iterable[ox.Quad] | RawInput, *, bulk: bool,
               progress: Callable[[int], None] | None) -> int:
        batch: list[ox.Quad] = []
        count = 0
        for quad in quads if not isinstance(quads, RawInput) else _parse_raw(quads):
            batch.append(self.client.skolem.quad(quad, ox.DefaultGraph()))
            if len(batch) >= UPLOAD_BATCH:
                self.client.upload(staging.value, batch)
                count += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            self.client.upload(staging.value, batch)
            count += len(batch)
            if progress:
                progress(len(batch))
        return self.triple_count(staging) if count else 0

    def triple_count(self, graph: GraphName, exact: bool = False) -> int:
        results = self.client.query(f"SELECT (COUNT(*) AS ?c) WHERE {{ GRAPH <{self._db.remote(graph)}> {{ ?s ?p ?o }} }}",
                                    None, None)
        return int(next(iter(results))["c"].value)

    def graph_exists(self, graph: GraphName) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return True
        return bool(self.client.query(
            f"ASK {{ {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }} UNION "
            f"{{ GRAPH <{self.meta_for(graph).value}> {{ <{graph.value}> ?p ?o }} }} }}", None, None))

    def context(self, iris: Iterable[ox.NamedNode], predicates: Iterable[ox.NamedNode],
                exclude: set[str]) -> list[ox.Quad]:
        """The quads with these subjects and predicates, outside the `exclude` graphs: the SHACL
        gate's context, a few requests for a whole upload instead of one per IRI."""
        wanted, found = sorted(iris, key=str), []
        values_p = " ".join(str(p) for p in predicates)
        for start in range(0, len(wanted), 500):
            values_s = " ".join(str(self.client.skolem.term(i)) for i in wanted[start:start + 500])
            results = self.client.query(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values_s} }} VALUES ?p {{ {values_p} }} "
                                        f"GRAPH ?g {{ ?s ?p ?o }} {self.client.graph_filter()} }}", None, None)
            for row in results:
                graph = row["g"].value
                if graph in exclude or graph.startswith(self.staging_prefix):
                    continue
                found.append(ox.Quad(row["s"], row["p"], row["o"], self._db.local(graph)))
        return found

    def described(self, iris: Iterable[ox.NamedNode], plain: Iterable[str], exclude: set[str]) -> set[ox.NamedNode]:
        """Those of `iris` that some graph outside `exclude` (and the metadata) describes with a
        predicate not in `plain`: the SHACL gate's test of whether a merely typed node is known."""
        wanted, found = sorted(iris, key=str), set()
        skipped = set(exclude) | {self.meta_graph.value, self.private_meta_graph.value}
        values_p = ", ".join(f"<{p}>" for p in sorted(plain))
        for start in range(0, len(wanted), 500):
            values_s = " ".join(str(self.client.skolem.term(i)) for i in wanted[start:start + 500])
            results = self.client.query(f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {values_s} }} "
                                        f"GRAPH ?g {{ ?s ?p ?o }} FILTER (?p NOT IN ({values_p})) "
                                        f"{self.client.graph_filter()} }}", None, None)
            for row in results:
                graph = self._db.local(row["g"].value)
                if not isinstance(graph, ox.NamedNode) or graph.value in skipped \
                        or graph.value.startswith(self.staging_prefix):
                    continue
                found.add(row["s"])
        return found

    def named_graphs(self) -> list[str]:
        return [g for g in list_graphs(self.client, self.graph_base, public=False)
                if g not in (self.meta_graph.value, self.private_meta_graph.value)]

    def query(self, sparql: str, **kwargs: Any) -> Any:
        from .store import syntax_error

        try:
            return self._db.query(sparql, **kwargs)
        except SyntaxError as err:
            raise syntax_error(err, "query") from err

    def dump(self, output: IO[bytes] | Path, fmt: formats.Format = formats.NQUADS,
             graph: GraphName | None = None) -> None:
        if fmt.rdf is None:
            raise ValueError(f"{fmt.name} is not an RDF format")
        if graph is None and not fmt.is_dataset:
            graph = ox.DefaultGraph()
        version = ox.NamedNode(DH + "version")
        quads = (q for q in self._db.quads_for_pattern(None, None, None, graph)
                 if not (q.predicate == version and q.graph_name == self.private_meta_graph))
        data: Iterable[Any] = quads if graph is None else (q.triple for q in quads)
        if isinstance(output, Path):
            with open(output, "wb") as handle:
                ox.serialize(data, handle, fmt.rdf)
        else:
            ox.serialize(data, output, fmt.rdf)

    def backup(self, target: Path) -> None:
        raise StoreError("a store on a SPARQL server is backed up with the server's own tools (for Oxigraph: "
                         "`oxigraph backup`); `driehoek dump` writes every graph as N-Quads")

    def trial_copy(self, target: Path, sparql: str, targets: set[str], private_graphs: Iterable[str] = (),
                   mentioned: Iterable[str] = ()) -> None:
        """A server cannot be checkpointed: the update is tried on a local copy of the graphs it can
        touch — the default graph, the graphs it names, and every graph when it names one with a
        variable (GRAPH ?g) or changes them all (CLEAR ALL)."""
        from . import validation
        from .sparql import _code_only

        # private graphs: only those the writer may see (its own), so an update can neither read nor
        # change another steward's
        seen = set(private_graphs)
        everything = [self._db.default_iri, *(g for g in self.named_graphs()
                                              if not g.startswith(self.private_prefix) or g in seen)]
        if validation.ALL_GRAPHS in targets or re.search(r"(?<![\w:?$])GRAPH\s*[?$]", _code_only(sparql), re.I):
            wanted = everything
        else:
            named = set(mentioned) | targets  # validation.analyse_update, read in a validation worker
            wanted = [g for g in everything if g in named or g == everything[0]]
        copy = ox.Store(str(target))
        try:
            for iri in wanted:
                graph = self._db.local(iri)
                copy.bulk_extend(list(self._db.quads_for_pattern(None, None, None, graph)))
            copy.flush()
        finally:
            del copy

    # -- what readers see ----------------------------------------------------------------------------

    def _version_update(self) -> str:
        """Appended to every write: the version pages and feeds key their caches on (bookkeeping in
        the private metadata graph: no reader's dataset and no dump holds it)."""
        meta = self.private_meta_graph.value
        return (f"DELETE WHERE {{ GRAPH <{meta}> {{ <{meta}> <{DH}version> ?v }} }} ;\n"
                f"INSERT DATA {{ GRAPH <{meta}> {{ <{meta}> <{DH}version> \"{time.time_ns():020d}\" }} }}")

    def version(self) -> str:
        """The store's version: the time of the newest write, as a snapshot name would be."""
        meta = self.private_meta_graph.value
        results = self.client.query(f"SELECT ?v WHERE {{ GRAPH <{meta}> {{ <{meta}> <{DH}version> ?v }} }}",
                                    None, None)
        values = sorted(row["v"].value for row in results)
        return values[-1] if values else f"{0:020d}"

    def publish_snapshot(self) -> None:  # type: ignore[override]
        """Level the readers' copy with the store, where there is one (DRIEHOEK_PUBLIC_STORE); else
        readers query this server, through the public graphs listed: nothing to publish."""
        if self.public_copy is not None:
            with self._lock:
                self.public_copy.publish()

    def public_view(self) -> RemoteDataset:
        """What readers see now: a view of the public graphs, one object per version of the store
        (so per-version caches keyed on the object, like the changes feed's, keep working)."""
        if self.public_copy is not None:
            with self._view_lock:
                version = self.public_copy.version  # what the copy holds, not what the store holds now
                if self._view is None or self._view.key != version:
                    self._view = self.public_copy.view(version)
                return self._view
        version = self.version()
        with self._view_lock:
            if self._view is None or self._view.key != version:
                graphs = list_graphs(self.client, self.graph_base, public=True)
                withdrawn = [row["g"].value for row in self.client.query(
                    f"SELECT ?g WHERE {{ GRAPH <{self.meta_graph.value}> {{ ?g <{DH}withdrawn> true }} }}", None, None)
                    if isinstance(row["g"], ox.NamedNode)]
                self._view = RemoteDataset(self.client, self.graph_base, public=True, graphs=graphs, key=version,
                                           withdrawn=withdrawn)
            return self._view


def _parse_raw(raw: RawInput) -> Iterator[ox.Quad]:
    source: Any = raw.path if raw.path is not None else raw.stream
    return parse(source, raw.fmt, base_iri=raw.base_iri, source_name=raw.source_name)


# -- user queries on /sparql ----------------------------------------------------------------------

class RemoteQueryRunner:
    """/sparql on a remote store: the QueryPool's interface. The query runs on the server under a
    client-side deadline; results are read back, blank nodes restored, and written in the client's
    format. A semaphore keeps at most `workers` queries in flight from this app server."""

    def __init__(self, view: Callable[[], RemoteDataset], spool_dir: Path, *, workers: int = 2,
                 timeout: float = 30.0, queue_wait: float | None = None, memory_mib: int = 2048) -> None:
        self.view, self.spool_dir, self.timeout = view, Path(spool_dir), timeout
        self.size = max(1, workers)
        self.queue_wait = timeout if queue_wait is None else queue_wait
        self.memory_mib = memory_mib
        self._slots = threading.BoundedSemaphore(self.size)
        self.killed = 0
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self._inspector: Any = None  # a QueryPool of inspect-only workers, started on first need
        self._inspector_lock = threading.Lock()

    def _inspect(self, sparql: str, limit: float) -> Any:
        """The parser's check of the text as it goes to the server (sparql.inspect_query): the server
        would fetch what a SERVICE names. The parse runs in a worker process without network, under the
        time limit (rdflib holds the GIL for up to a tenth of a second per 4 kB); a text that can
        neither reach the network nor name a dataset needs no parse and no process."""
        from .sparql import NO_DATASET, needs_inspection
        from .workers import QueryPool

        if not needs_inspection(sparql):
            return NO_DATASET
        with self._inspector_lock:
            if self._inspector is None:
                self._inspector = QueryPool(None, self.spool_dir, workers=self.size, timeout=self.timeout,
                                            memory_mib=self.memory_mib, queue_wait=self.queue_wait)
        return self._inspector.inspect(sparql, timeout=limit)

    def run(self, job_sparql: str, *, formats_by_kind: dict[str, formats.Format | None],
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            exclude_from_default: list[str] | None = None,
            substitutions: tuple[tuple[str, str, str, str], ...] = (), timeout: float | None = None,
            base_iri: str | None = None, trusted: bool = False) -> Any:
        """Run one query on the server within the time limit (`trusted`: as QueryPool.run; unused here)."""
        from . import sparql as sparql_module
        from .store import syntax_error
        from .workers import QueryOutcome, _SpillingWriter, _term, _withdrawn

        limit = self.timeout if timeout is None else timeout
        if not self._slots.acquire(timeout=self.queue_wait):
            raise ServiceUnavailable("all query slots are busy; try again shortly")
        spool = self.spool_dir / f"{uuid.uuid4().hex}.out"
        try:
            view = self.view()
            sparql = job_sparql
            if substitutions:
                sparql = bind(sparql, {name: _term(kind, value, extra) for name, kind, value, extra in substitutions},
                              view.skolem)
            sparql = with_base(sparql, base_iri)
            shape = self._inspect(sparql, limit)  # 400 for SERVICE: nothing a stranger names is fetched
            if shape.has_dataset:
                stripped = without_dataset_clauses(sparql)
                if self._inspect(stripped, limit).has_dataset:  # the parser finds a clause the blanking missed
                    raise BadRequest("driehoek cannot pass this query's FROM / FROM NAMED on to the store; "
                                     "name the dataset with default-graph-uri and named-graph-uri instead")
            if default_graphs is None and named_graphs is None and shape.has_dataset:
                # the query's FROM / FROM NAMED as the parser read them; view.dataset keeps the public ones
                default_graphs, named_graphs = list(shape.default_graphs), list(shape.named_graphs)
                for iri in (*default_graphs, *named_graphs):
                    try:
                        ox.NamedNode(iri)
                    except ValueError as err:
                        raise BadRequest(f"the query's dataset names {iri!r}, which is not an absolute IRI") from err
            hidden = set(exclude_from_default or ()) | set(_withdrawn(view, view.graph_base + "meta"))
            try:
                default, named = view.dataset(
                    sparql, base_iri,
                    default_graph=[ox.NamedNode(g) if g else ox.DefaultGraph() for g in default_graphs]
                    if default_graphs is not None else None,
                    named_graphs=[ox.NamedNode(g) for g in named_graphs] if named_graphs is not None else None,
                    exclude=hidden)
                if default_graphs is None and named_graphs is not None:
                    default = [g for g in [view.default_iri, *view.graph_names()] if g not in hidden]
                results = view.client.query(stripped if shape.has_dataset else sparql, default, named, timeout=limit)
            except SyntaxError as err:
                raise syntax_error(err, "query") from err
            kind = sparql_module.result_kind(results)
            fmt = formats_by_kind.get(kind)
            if fmt is None:
                offered = ", ".join(f.media_type for f in sparql_module.offered_formats(kind))
                raise NotAcceptable(f"the query gives a {kind} result; it can be had as: {offered}")
            out = _SpillingWriter(str(spool), 256 * 1024)
            try:
                sparql_module.serialize(results, fmt, out)
            except (SyntaxError, OSError, RuntimeError) as err:
                out.discard()
                raise BadRequest(f"query failed: {err}") from err
            return QueryOutcome(kind, fmt, spool, out.size, out.finish())
        except BaseException:
            spool.unlink(missing_ok=True)
            raise
        finally:
            self._slots.release()

    def close(self) -> None:
        """Stop the inspecting workers (no query runs between requests)."""
        with self._inspector_lock:
            if self._inspector is not None:
                self._inspector.close()


__all__ = ["Endpoints", "RemoteDataset", "RemoteQueryRunner", "RemoteStore", "Skolem", "dataset_clauses"]
