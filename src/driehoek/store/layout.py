"""Where driehoek keeps what in a dataset: the one owner of every system graph's IRI."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pyoxigraph as ox

from ..iris import DH


@dataclass(frozen=True)
class GraphLayout:
    """The system graphs under `{base}graph/`: the public metadata, the private prefix (with the
    private metadata and the agents of every write), staging graphs of writes under way, the pending
    private parts of two-phase commits, and the name driehoek's default graph goes by where a
    protocol cannot name a default graph (a remote store)."""

    base_iri: str

    @classmethod
    def of_graph_base(cls, graph_base: str) -> GraphLayout:
        """The layout whose graphs live under `graph_base` ({base}graph/)."""
        return cls(graph_base.removesuffix("graph/"))

    @cached_property
    def graph_base(self) -> str:
        return self.base_iri + "graph/"

    @cached_property
    def meta(self) -> ox.NamedNode:
        """The public metadata graph: records of public graphs and the activities that wrote them."""
        return ox.NamedNode(self.graph_base + "meta")

    @cached_property
    def private_prefix(self) -> str:
        return self.graph_base + "private/"

    @cached_property
    def private_meta(self) -> ox.NamedNode:
        """The records of private graphs, where a backend cannot scrub them from what readers see."""
        return ox.NamedNode(self.private_prefix + "meta")

    @cached_property
    def provenance(self) -> ox.NamedNode:
        """Who wrote what: the token names of the agents (private)."""
        return ox.NamedNode(self.private_prefix + "provenance")

    @cached_property
    def staging_prefix(self) -> str:
        return self.graph_base + "staging/"

    @cached_property
    def pending(self) -> ox.NamedNode:
        """Writes prepared in the private store that wait for the public store's commit."""
        return ox.NamedNode(self.graph_base + "pending")

    @cached_property
    def default(self) -> str:
        """driehoek's default graph, where it must be named (on a SPARQL server; in the metadata)."""
        return self.graph_base + "default"

    def is_private(self, iri: str) -> bool:
        """True for graphs under {base}graph/private/."""
        return iri.startswith(self.private_prefix)

    def is_hidden(self, iri: str) -> bool:
        """True for the graphs no reader ever sees: private and staging graphs."""
        return iri.startswith((self.private_prefix, self.staging_prefix))


WITHDRAWN = ox.NamedNode(DH + "withdrawn")


def withdrawn_graphs(reader: Any, meta: ox.NamedNode | str) -> list[str]:
    """The graphs the metadata graph `meta` of `reader` (a snapshot, a remote view, the live store)
    marks withdrawn: the one place that reads the withdrawn set."""
    graph = meta if isinstance(meta, ox.NamedNode) else ox.NamedNode(meta)
    return sorted({q.subject.value for q in reader.quads_for_pattern(None, WITHDRAWN, None, graph)
                   if isinstance(q.subject, ox.NamedNode)})
