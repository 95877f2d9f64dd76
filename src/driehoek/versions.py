"""Resource versions: every write keeps the previous version of each public graph it changes, so that a
resource can answer as it was at a time (Memento, RFC 7089; web/memento.py serves it). (history.py is
something else: an organisation's predecessors and successors for its page.)

The versions live in a store of their own, ``{data_dir}/versions`` (embedded, whatever the main store
is). A version is a named graph ``{base}graph/version/{id}`` holding a graph's content as it was,
with, in the history store's default graph::

    <{base}graph/version/{id}> dh:versionOf <graph> ;
        dh:validFrom "…"^^xsd:dateTime ;   # when that content was written (the graph's dcterms:modified)
        dh:validUntil "…"^^xsd:dateTime .  # when the write that replaced or deleted it committed

Only previous versions are kept: a graph's current content is in the main store, valid since its
dcterms:modified. A graph that was never changed after it was loaded has no version here and costs
nothing. Private graphs are never kept here (they are not public, and have no public history).

The dataset as it was at time T is therefore, per graph: the version whose interval holds T, or the
current content when the graph's last write was at or before T. `as_of` builds, for one resource,
the quads of that dataset that its description needs.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .iris import DCTERMS, DH, RDF_TYPE, XSD

DATETIME = ox.NamedNode(XSD + "dateTime")
VERSION_OF = ox.NamedNode(DH + "versionOf")
VALID_FROM = ox.NamedNode(DH + "validFrom")
VALID_UNTIL = ox.NamedNode(DH + "validUntil")
MODIFIED = ox.NamedNode(DCTERMS + "modified")
RELATION_SIDES = (ox.NamedNode(DH + "from"), ox.NamedNode(DH + "to"))
LEGAL_BASIS = DH + "legalBasis"


def parse_time(value: str) -> datetime:
    """An xsd:dateTime (or an ISO date) as an aware datetime in UTC."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def format_time(moment: datetime) -> str:
    """The canonical form of a version time: UTC, seconds, a Z (also the ?version= of a memento)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Version:
    """One kept content of a graph and the interval it was valid in."""

    graph: str
    node: ox.NamedNode
    valid_from: datetime | None
    valid_until: datetime


class VersionStore:
    """The version store of one data directory (opened on first use; the writer's only)."""

    def __init__(self, data_dir: Path, base_iri: str) -> None:
        self.path = data_dir / "versions"
        self.base_iri = base_iri
        self.version_base = base_iri + "graph/version/"
        self._store: ox.Store | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> ox.Store:
        with self._lock:
            if self._store is None:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
            return self._store

    def exists(self) -> bool:
        return self._store is not None or self.path.is_dir()

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.flush()
                self._store = None

    # -- writing: called by the writer, under its lock, just before a commit ------------------------

    def keep(self, graph: ox.NamedNode, quads: Iterable[ox.Quad], valid_from: str | None) -> ox.NamedNode | None:
        """Keep `quads` (the graph's content before a write) as a version, valid until now for the time
        being (close_interval sets the exact end once the write has committed); None when the graph
        was empty or new and there is nothing to keep."""
        node = ox.NamedNode(self.version_base + uuid.uuid4().hex)
        kept = [ox.Quad(q.subject, q.predicate, q.object, node) for q in quads]
        if not kept:
            return None
        now = datetime.now(timezone.utc)
        meta = [ox.Quad(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(DH + "GraphVersion"), ox.DefaultGraph()),
                ox.Quad(node, VERSION_OF, graph, ox.DefaultGraph()),
                ox.Quad(node, VALID_UNTIL, ox.Literal(now.isoformat(), datatype=DATETIME), ox.DefaultGraph())]
        if valid_from:
            meta.append(ox.Quad(node, VALID_FROM, ox.Literal(parse_time(valid_from).isoformat(), datatype=DATETIME),
                                ox.DefaultGraph()))
        self.store.extend(kept + meta)  # one transaction: a version is there whole or not at all
        return node

    def close_interval(self, node: ox.NamedNode, until: str | None) -> None:
        """Set the version's end to the time its successor was written (the graph's new dcterms:modified;
        None for a deleted graph: the end stays the moment before the write)."""
        if until:
            self.store.update(f"DELETE WHERE {{ {node} {VALID_UNTIL} ?t }} ; INSERT DATA {{ {node} {VALID_UNTIL} "
                              f"{ox.Literal(parse_time(until).isoformat(), datatype=DATETIME)} }}")
        self.store.flush()

    def discard(self, node: ox.NamedNode) -> None:
        """Forget a version kept for a write that then failed."""
        self.store.update(f"DROP SILENT GRAPH {node} ; DELETE WHERE {{ {node} ?p ?o }}")

    # -- reading ------------------------------------------------------------------------------------

    def versions(self, graphs: Iterable[str] | None = None) -> list[Version]:
        """The kept versions (of `graphs`, or all), oldest first."""
        if not self.exists():
            return []
        wanted = set(graphs) if graphs is not None else None
        found = []
        for quad in self.store.quads_for_pattern(None, VERSION_OF, None, ox.DefaultGraph()):
            graph = quad.object.value
            if wanted is not None and graph not in wanted:
                continue
            node = quad.subject
            until = next(self.store.quads_for_pattern(node, VALID_UNTIL, None, ox.DefaultGraph()), None)
            start = next(self.store.quads_for_pattern(node, VALID_FROM, None, ox.DefaultGraph()), None)
            if until is None:
                continue
            found.append(Version(graph, node, parse_time(start.object.value) if start else None,
                                 parse_time(until.object.value)))
        return sorted(found, key=lambda v: (v.valid_until, v.graph))

    def graphs_mentioning(self, iri: ox.NamedNode) -> set[str]:
        """The graphs some kept version of which says something about `iri` (as subject, or as a
        relation's dh:from / dh:to)."""
        if not self.exists():
            return set()
        nodes = {q.graph_name for q in self.store.quads_for_pattern(iri, None, None, None)}
        for side in RELATION_SIDES:
            nodes |= {q.graph_name for q in self.store.quads_for_pattern(None, side, iri, None)}
        graphs = set()
        for node in nodes:
            if isinstance(node, ox.NamedNode):
                graphs |= {q.object.value for q in self.store.quads_for_pattern(node, VERSION_OF, None, ox.DefaultGraph())}
        return graphs

    def size(self) -> int:
        """Bytes on disk (for the benchmark and /health)."""
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file()) if self.path.is_dir() else 0


@dataclass(frozen=True)
class Source:
    """Where one graph's content at a time comes from: a kept version, or the live graph."""

    graph: str
    store: Any  # ox.Store-like: quads_for_pattern(s, p, o, g)
    graph_node: ox.NamedNode
    since: datetime | None


def sources_at(history: "VersionStore", live: Any, modified: dict[str, datetime | None], graphs: Iterable[str],
               moment: datetime) -> list[Source]:
    """For each graph, where its content at `moment` is: the kept version whose interval holds the
    moment, else the live graph when its last write was at or before it, else nothing (the graph did
    not exist yet, or was deleted)."""
    by_graph: dict[str, list[Version]] = {}
    for version in history.versions(graphs):
        by_graph.setdefault(version.graph, []).append(version)
    found = []
    for graph in graphs:
        kept = [v for v in by_graph.get(graph, []) if (v.valid_from is None or v.valid_from <= moment) and moment < v.valid_until]
        if kept:
            found.append(Source(graph, history.store, kept[-1].node, kept[-1].valid_from))
            continue
        since = modified.get(graph)
        later_versions = [v for v in by_graph.get(graph, []) if v.valid_until > moment]
        if graph in modified and (since is None or since <= moment) and not later_versions:
            found.append(Source(graph, live, ox.NamedNode(graph), since))
    return found


def description(iri: ox.NamedNode, sources: list[Source]) -> Iterator[ox.Triple]:
    """The resource's description from `sources` (as pages.Pages.describe builds it today: its own
    triples and blank nodes, the relations it takes part in with their legal bases)."""
    seen_triples: set[str] = set()
    for source in sources:
        def quads(s: Any, p: Any, o: Any, source: Source = source) -> Iterator[ox.Quad]:
            return source.store.quads_for_pattern(s, p, o, source.graph_node)

        todo: list[Any] = [iri]
        for side in RELATION_SIDES:
            todo += [q.subject for q in quads(None, side, iri) if isinstance(q.subject, ox.NamedNode)]
        for quad in quads(None, None, iri):
            if quad.predicate.value.startswith(DH) or quad.predicate.value == "http://www.w3.org/ns/org#subOrganizationOf":
                if isinstance(quad.subject, ox.NamedNode) and quad.predicate not in RELATION_SIDES:
                    triple = ox.Triple(quad.subject, quad.predicate, quad.object)
                    if str(triple) not in seen_triples:
                        seen_triples.add(str(triple))
                        yield triple
        done: set[str] = set()
        while todo:
            subject = todo.pop()
            if str(subject) in done:
                continue
            done.add(str(subject))
            for quad in quads(subject, None, None):
                triple = ox.Triple(quad.subject, quad.predicate, quad.object)
                if str(triple) not in seen_triples:
                    seen_triples.add(str(triple))
                    yield triple
                if isinstance(quad.object, ox.BlankNode) or (
                        quad.predicate.value == LEGAL_BASIS and isinstance(quad.object, ox.NamedNode)):
                    todo.append(quad.object)
