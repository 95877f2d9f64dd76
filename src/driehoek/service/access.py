"""Who may do what (DESIGN §4: roles and ownership): the Driehoek service's checks."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .. import validation
from ..errors import (Forbidden, NotFound)
from ..iris import slugify
from ..tokens import Principal

CONTEXT = validation.CONTEXT_PREDICATES

CONTEXT = validation.CONTEXT_PREDICATES


class Access:
    """Who may do what (DESIGN §4: roles and ownership): the Driehoek service's checks."""

    def system_graphs(self) -> tuple[str, ...]:
        """The ontology, shapes and schemes: loaded by `driehoek init`, read-only over HTTP."""
        base = self.settings.graph_base
        return (base + "ontology", base + "shapes")

    def is_system_graph(self, graph: str) -> bool:
        """True for the ontology, the shapes and the SKOS schemes."""
        return graph in self.system_graphs() or graph.startswith(self.settings.graph_base + "schemes/")

    def is_private(self, graph: ox.NamedNode | ox.DefaultGraph | str) -> bool:
        """True for graphs under {base}graph/private/."""
        value = graph if isinstance(graph, str) else graph.value if isinstance(graph, ox.NamedNode) else ""
        return self.layout.is_private(value)

    def owner_of(self, graph: ox.NamedNode) -> str | None:
        """The token that owns a private graph (None: no such graph)."""
        return self.store.owner(graph)  # type: ignore[no-any-return]

    def check_read(self, graph: ox.NamedNode | ox.DefaultGraph, principal: Principal | None) -> None:
        """404 for another steward's private graph (as if it did not exist); None is the command line."""
        if principal is None or principal.admin or not self.is_private(graph):
            return
        assert isinstance(graph, ox.NamedNode)
        owner = self.owner_of(graph)
        if owner != principal.name and (owner is not None or self.store.graph_exists(graph)):
            raise NotFound(f"no graph {graph.value}")  # another's, or one with no known owner: admins only

    def check_write(self, graph: ox.NamedNode | ox.DefaultGraph, principal: Principal | None) -> str | None:
        """Whether `principal` may write `graph` (403 or 404 otherwise); the owner a private graph gets."""
        if principal is None:
            return None
        value = graph.value if isinstance(graph, ox.NamedNode) else ""
        if value and self.is_system_graph(value):
            raise Forbidden(f"graph {value} is part of driehoek's model (ontology, shapes, schemes): it is "
                            "read-only over HTTP; change it in the repository and run `driehoek init`")
        if self.is_private(graph):
            self.check_read(graph, principal)
            assert isinstance(graph, ox.NamedNode)
            return self.owner_of(graph) or principal.name
        if not principal.may_write(value):
            raise Forbidden(f"token {principal.name!r} may write only graphs under "
                            + ", ".join(principal.scopes) + f"; not {value}")
        return None

    def visible_private_graphs(self, principal: Principal | None) -> list[str]:
        """The private graphs a writer may see: its own (all of them for an admin or the command line)."""
        if not hasattr(self.store, "private_graphs"):
            return []
        owner = None if principal is None or principal.admin else principal.name
        return self.store.private_graphs(owner)  # type: ignore[no-any-return]

    def default_graph_for(self, source_name: str) -> ox.NamedNode:
        """{base}graph/{file stem}: the graph a file goes to when none is given (never a reserved one:
        `load --trusted --replace meta.ttl` must not replace the metadata graph)."""
        stem = Path(source_name).name.split(".", 1)[0]
        slug = slugify(stem) or "upload"
        return self.graph_iri(self.settings.graph_base + slug)
