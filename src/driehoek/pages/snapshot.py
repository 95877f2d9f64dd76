"""One published snapshot as pages read it, and `Pages`, the reader of one request, which brings the
page types together."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

import pyoxigraph as ox

from ..store.layout import GraphLayout
from .lists import ListingPages
from .organisation import OrganisationPages
from .vocabulary import VocabularyPages


class Snapshot:
    """One published snapshot as pages read it: the store, the withdrawn graphs and small caches
    (facets, counts, the TOOI code index) that live as long as the snapshot."""

    def __init__(self, store: ox.Store, *, key: str, base_iri: str, withdrawn: Iterable[str] = (),
                 modified: datetime | None = None) -> None:
        self.store = store
        self.key = key
        self.base_iri = base_iri
        self.withdrawn = frozenset(withdrawn)
        self.modified = modified or datetime.now(timezone.utc)
        self.meta_graph = GraphLayout(base_iri).meta.value
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.kept_relations: OrderedDict[tuple[str, str | None], Any] = OrderedDict()  # Pages.relations
        self.relations_lock = threading.Lock()
        if self.withdrawn:
            graphs = [g for g in store.named_graphs()
                      if not (isinstance(g, ox.NamedNode) and g.value in self.withdrawn)]
            self.dataset: dict[str, Any] = {"default_graph": [ox.DefaultGraph(), *graphs]}
        else:
            self.dataset = {"use_default_graph_as_union": True}

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """A value computed once per snapshot."""
        if key in self._cache:
            return self._cache[key]
        value = compute()
        with self._lock:
            self._cache.setdefault(key, value)
        return self._cache[key]

    def pages(self) -> Pages:
        """A reader for one request."""
        return Pages(self)


class Pages(OrganisationPages, ListingPages, VocabularyPages):
    """The fixed queries of the pages, on one snapshot. Cheap to create: one per request."""


def snapshot_time(name: str) -> datetime:
    """When a snapshot was published, from its directory name (nanoseconds since the epoch)."""
    try:
        return datetime.fromtimestamp(int(name) / 1e9, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return datetime.now(timezone.utc)
