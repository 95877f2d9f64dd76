"""The server's dataset as pyoxigraph's Store would show it (RemoteDataset): the writer's view, and
the readers' view (the public graphs listed, or a readers' copy's own union default graph)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import pyoxigraph as ox

from ..errors import BadRequest, StoreError
from ..sparql_bind import bind, with_base
from .client import EMPTY_GRAPH, SUBJECTS_CACHED, UPLOAD_BATCH, Client, dataset_clauses, without_dataset_clauses

log = logging.getLogger(__name__)

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
        if self.public and _has_dataset_clause(sparql):
            # the protocol's dataset carries what the query's FROM / FROM NAMED may read; an engine that
            # lets the text win (Virtuoso 7) would otherwise read a graph left out (a private one)
            stripped = without_dataset_clauses(sparql)
            if _has_dataset_clause(stripped):  # the parser finds a clause the blanking missed
                raise BadRequest("driehoek cannot pass this query's FROM / FROM NAMED on to the store; "
                                 "name the dataset with default-graph-uri and named-graph-uri instead")
            sparql = stripped
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
            from ..sparql import has_dataset_clause

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
    from ..sparql import has_dataset_clause

    return has_dataset_clause(sparql)

def list_graphs(client: Client, graph_base: str, *, public: bool) -> list[str]:
    """The server's named graphs that driehoek reads (sorted): in its namespaces, without staging
    graphs and without driehoek's default graph; without private graphs for a public view."""
    hidden = (graph_base + "staging/", graph_base + "private/") if public else (graph_base + "staging/",)
    return [g for g in client.graph_iris() if not g.startswith(hidden) and g != graph_base + "default"]
