"""The change feed: every committed write as an Activity Streams 2.0 activity, newest first.

Built from the prov:Activity records in the metadata graph of the newest snapshot (store.py writes
them in the same transaction as the data, so the feed never shows a change readers cannot see yet).
Each activity becomes one item per graph it touched: Create (the graph did not exist before),
Update, or Delete (deleted, or withdrawn). Agent names live in the private provenance graph and
never appear here; private and staging graphs are left out.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import pyoxigraph as ox

from .iris import DH, PROV
from .store.layout import GraphLayout

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
PAGE_SIZE = 50

CHANGES_QUERY = f"""
PREFIX prov: <{PROV}>
PREFIX dh: <{DH}>
SELECT ?meta ?activity ?operation ?time ?graph ?effect WHERE {{
  GRAPH ?meta {{
    ?activity a prov:Activity ; dh:operation ?operation ; prov:endedAtTime ?time .
    {{ ?activity prov:generated ?graph BIND("generated" AS ?effect) }}
    UNION {{ ?activity prov:invalidated ?graph BIND("invalidated" AS ?effect) }}
    UNION {{ ?activity dh:operation "withdraw" ; dh:sourceName ?name
             BIND(IRI(?name) AS ?graph) BIND("withdrawn" AS ?effect) }}
  }}
}}
"""


def change_items(store: ox.Store, graph_base: str) -> list[dict[str, Any]]:
    """All changes as AS2 activities, newest first."""
    layout = GraphLayout.of_graph_base(graph_base)
    rows: dict[tuple[str, str, str], set[str]] = {}  # (time, activity, graph) -> effects
    operations: dict[str, str] = {}
    results = store.query(CHANGES_QUERY, substitutions={ox.Variable("meta"): layout.meta})
    for row in results:
        graph = row["graph"]
        if not isinstance(graph, ox.NamedNode) or layout.is_hidden(graph.value):
            continue
        activity = row["activity"].value
        operations[activity] = row["operation"].value
        rows.setdefault((row["time"].value, activity, graph.value), set()).add(row["effect"].value)
    per_activity: dict[str, int] = {}
    for _time, activity, _graph in rows:
        per_activity[activity] = per_activity.get(activity, 0) + 1
    # walk oldest first: whether a write created or updated a graph depends on what came before
    live: set[str] = set()
    seen: dict[str, int] = {}
    items: list[dict[str, Any]] = []
    for (time, activity, graph), effects in sorted(rows.items()):
        item: dict[str, Any] = {"published": time, "object": graph}
        if "invalidated" in effects:
            item["type"] = "Delete"
            live.discard(graph)
        elif "withdrawn" in effects:
            item["type"] = "Delete"
            item["summary"] = "withdrawn: the graph left listings and the default query graph"
        else:
            item["type"] = "Update" if graph in live else "Create"
            live.add(graph)
        if per_activity[activity] == 1:
            item["id"] = activity
        else:
            seen[activity] = seen.get(activity, 0) + 1
            item["id"] = f"{activity}#{seen[activity]}"
        item["driehoek:operation"] = operations[activity]
        items.append({"id": item.pop("id"), "type": item.pop("type"), **item})
    items.reverse()
    return items


class ChangeFeed:
    """The feed's items, recomputed only when a new snapshot is published."""

    def __init__(self, graph_base: str, page_size: int = PAGE_SIZE) -> None:
        self.graph_base, self.page_size = graph_base, page_size
        self._lock = threading.Lock()
        self._store: ox.Store | None = None  # the snapshot the cached items come from
        self._items: list[dict[str, Any]] = []

    def items(self, store: ox.Store) -> list[dict[str, Any]]:
        """The items of the snapshot `store` (a new snapshot is a new Store object)."""
        with self._lock:
            if store is not self._store:
                self._items = change_items(store, self.graph_base)
                self._store = store
            return self._items

    def pages(self, total: int) -> int:
        """How many pages `total` items fill (at least one, possibly empty)."""
        return max(1, math.ceil(total / self.page_size))

    def collection(self, items: list[dict[str, Any]], endpoint: str) -> dict[str, Any]:
        """The OrderedCollection, with its first page embedded."""
        last = self.pages(len(items))
        first = self.page(items, 1, endpoint)
        del first["@context"]
        return {"@context": _context(), "id": endpoint, "type": "OrderedCollection",
                "summary": "Changes to the driehoek knowledge graph, newest first",
                "totalItems": len(items), "first": first, "last": f"{endpoint}?page={last}"}

    def page(self, items: list[dict[str, Any]], number: int, endpoint: str) -> dict[str, Any]:
        """OrderedCollectionPage `number` (from 1); IndexError past the last page."""
        last = self.pages(len(items))
        if not 1 <= number <= last:
            raise IndexError(number)
        start = (number - 1) * self.page_size
        page: dict[str, Any] = {
            "@context": _context(), "id": f"{endpoint}?page={number}", "type": "OrderedCollectionPage",
            "partOf": endpoint, "totalItems": len(items), "startIndex": start,
            "orderedItems": items[start:start + self.page_size],
        }
        if number > 1:
            page["prev"] = f"{endpoint}?page={number - 1}"
        if number < last:
            page["next"] = f"{endpoint}?page={number + 1}"
        return page


def _context() -> list[Any]:
    return [AS_CONTEXT, {"driehoek": DH}]


__all__ = ["AS_CONTEXT", "ChangeFeed", "PAGE_SIZE", "change_items"]
