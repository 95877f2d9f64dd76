"""The reader's dataset (View): one published state of the public graphs, read-only, with the set of
withdrawn graphs known. Pages, named queries, the report, VoID, the public dump, LDES and releases
read one View, so none of them can be handed a store without its withdrawn set (or the wrong one)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from .layout import GraphLayout, withdrawn_graphs


class View:
    """What readers see now: `reader` (a published snapshot, or a remote store's public view) under
    `key` (the name of that state, for caches and ETags). Withdrawn graphs stay readable here (their
    pages answer 410 with who, when and why) and are out of every query's dataset."""

    def __init__(self, reader: Any, key: str, layout: GraphLayout) -> None:
        self.reader, self.key, self.layout = reader, key, layout

    @cached_property
    def withdrawn(self) -> frozenset[str]:
        """The graphs withdrawn in this state (read once: a View never changes)."""
        return frozenset(withdrawn_graphs(self.reader, self.layout.meta))

    # read-only: what readers call on a snapshot, and nothing that writes
    def quads_for_pattern(self, *args: Any, **kwargs: Any) -> Any:
        return self.reader.quads_for_pattern(*args, **kwargs)

    def query(self, *args: Any, **kwargs: Any) -> Any:
        return self.reader.query(*args, **kwargs)

    def named_graphs(self) -> Any:
        return self.reader.named_graphs()

    def contains_named_graph(self, graph: Any) -> bool:
        return bool(self.reader.contains_named_graph(graph))

    def dump(self, *args: Any, **kwargs: Any) -> Any:
        return self.reader.dump(*args, **kwargs)

    def __len__(self) -> int:
        return len(self.reader)


__all__ = ["View"]
