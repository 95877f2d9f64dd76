"""Reading a snapshot: the primitives every page type builds on, and labels and links.

Two kinds of reads:
- pattern lookups (`Store.quads_for_pattern`) for one resource's own triples and for labels: they
  are index lookups, microseconds each;
- SPARQL (`Store.query`) where a join, a filter or a sort does the work: listings, search, the
  relations of an organisation, counts. Each call is timed in `Pages.stats` (bench/pages.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..iris import DH, EPISTEMIC, PREFIXES, RDF_TYPE, curie, local_path
from .labels import LABEL_PREDICATES, TERM_LABELS, Labels, pick, sort_key
from .model import Link

if TYPE_CHECKING:
    from .snapshot import Snapshot

Term = ox.NamedNode | ox.BlankNode | ox.Literal

_WHERE = re.compile(r"WHERE\s*\{", re.IGNORECASE)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


A = _n(RDF_TYPE)

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


@dataclass
class Stats:
    """Time spent in the store, for the benchmark."""

    queries: int = 0
    query_seconds: float = 0.0
    lookups: int = 0
    statements: list[str] = field(default_factory=list)  # the SPARQL run, as sent to the store


class Reader:
    """The reading primitives, labels and links on one snapshot; the page types build on them."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.store = snapshot.store
        self.base = snapshot.base_iri
        self.withdrawn = snapshot.withdrawn
        self.stats = Stats()
        self._labels: dict[str, Labels] = {}
        self._corners: dict[str, set[str]] = {}

    # -- reading primitives --------------------------------------------------------------------

    def select(self, sparql: str, **bindings: Term) -> list[dict[str, Term]]:
        """Run a SELECT on the public, not withdrawn, graphs; rows as {variable: term}."""
        start = time.perf_counter()
        if bindings:
            # A VALUES block, not `substitutions`: Oxigraph plans a substituted variable as unbound
            # (an organisation's relations: 320 ms instead of 0.6 ms). Terms print as N-Triples,
            # escaped by pyoxigraph, so a user's search text cannot leave its string literal.
            names = " ".join("?" + k for k in bindings)
            terms = " ".join(str(v) for v in bindings.values())
            sparql = _WHERE.sub(lambda m: f"{m.group(0)} VALUES ({names}) {{ ({terms}) }} ", sparql, count=1)
        text = SPARQL_PREFIXES + sparql
        self.stats.statements.append(text)
        results = self.store.query(text, base_iri=self.base, **self.snapshot.dataset)
        names = [v.value for v in results.variables]
        rows = []
        for solution in results:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        self.stats.queries += 1
        self.stats.query_seconds += time.perf_counter() - start
        return rows

    def quads(self, subject: Any = None, predicate: Any = None, obj: Any = None) -> Iterator[ox.Quad]:
        """Quads matching a pattern in the visible graphs."""
        self.stats.lookups += 1
        for quad in self.store.quads_for_pattern(subject, predicate, obj, None):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value in self.withdrawn:
                continue
            yield quad

    def objects(self, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list[Term]:
        """Distinct objects of (subject, predicate), in a stable order."""
        seen: dict[str, Term] = {}
        for quad in self.quads(subject, _n(predicate), None):
            seen.setdefault(str(quad.object), quad.object)
        return [seen[k] for k in sorted(seen)]

    def subjects(self, predicate: str, obj: Term) -> list[ox.NamedNode | ox.BlankNode]:
        """Distinct subjects of (predicate, object)."""
        seen: dict[str, Any] = {}
        for quad in self.quads(None, _n(predicate), obj):
            seen.setdefault(str(quad.subject), quad.subject)
        return [seen[k] for k in sorted(seen)]

    def texts(self, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> Labels:
        """Literal values of (subject, predicate) by language."""
        found: Labels = {}
        for term in self.objects(subject, predicate):
            if isinstance(term, ox.Literal):
                found.setdefault(term.language or "", term.value)
        return found

    def first(self, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> Term | None:
        """One object of (subject, predicate), if any."""
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def first_text(self, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> str | None:
        """The lexical value of one object of (subject, predicate)."""
        term = self.first(subject, predicate)
        return term.value if isinstance(term, (ox.Literal, ox.NamedNode)) else None

    # -- labels and links ----------------------------------------------------------------------

    def labels(self, iri: str) -> Labels:
        """A resource's name by language, from the first label property it has."""
        if iri in self._labels:
            return self._labels[iri]
        found: Labels = {}
        if iri in TERM_LABELS:
            found = dict(TERM_LABELS[iri])
        else:
            node = _n(iri)
            for predicate in LABEL_PREDICATES:
                for quad in self.quads(node, predicate, None):
                    if isinstance(quad.object, ox.Literal):
                        found.setdefault(quad.object.language or "", quad.object.value)
                if found:
                    break
        self._labels[iri] = found
        return found

    def href(self, iri: str) -> str | None:
        """Where a browser goes for an IRI: driehoek's own page, the IRI itself (http/https), or nowhere."""
        return local_path(iri, self.base) or (iri if iri.startswith(("http://", "https://")) else None)

    def link(self, iri: str) -> Link:
        """A Link with labels (a CURIE or the local name when there is no label)."""
        labels = self.labels(iri)
        if not labels:
            short = curie(iri)
            if short != iri:
                labels = {"": short}
        return Link(iri, labels, self.href(iri))

    def links(self, terms: Iterable[Term]) -> list[Link]:
        """Links for the IRIs among terms, sorted by name."""
        found = [self.link(t.value) for t in terms if isinstance(t, ox.NamedNode)]
        return sorted(found, key=lambda link: sort_key(pick(link.labels, link.iri)))

    def epistemic_status(self, node: ox.NamedNode | ox.BlankNode) -> Link | None:
        """The node's dh:epistemicStatus when it is not a plain sourced fact, else None."""
        status = self.first(node, DH + "epistemicStatus")
        if not isinstance(status, ox.NamedNode) or status.value == EPISTEMIC + "sourced":
            return None
        return self.link(status.value)


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None
