"""The store: one write path, peer backends, and the readers' view (docs/architecture.md).

- `records`: what a write is made of (Activity, GraphWrite, RawInput, CommitResult), parsing and its
  limits, the errors reading input raises.
- `layout`: GraphLayout, the one owner of every system graph's IRI; `withdrawn_graphs`, the one
  reader of the withdrawn set.
- `base`: WritePath, the write path both backends share (staging, the commit update with its
  provenance, two-phase commit, records).
- `embedded`: EmbeddedStore (pyoxigraph on RocksDB, read-only snapshots for readers); `split`:
  SplitStore, public and private graphs in two embedded stores committed as one.
- `client`, `remote_view`, `remote`, `remote_queries`, `replica`: the remote backend on a SPARQL 1.1
  server — the protocol client, the dataset as pyoxigraph would show it, RemoteStore, user queries,
  and the readers' copy on a server of its own.

The embedded and remote stores are peers over WritePath; neither subclasses the other.
`backends.open_backend` picks one from the settings.
"""

from __future__ import annotations

from .embedded import (
    SNAPSHOTS_KEPT,
    EmbeddedStore,
    SnapshotDirectory,
    SnapshotReader,
    drop_withdrawn,
)
from .layout import GraphLayout, withdrawn_graphs
from .records import (
    MAX_ENTITY_EXPANSION,
    MAX_NESTING,
    NESTED_FORMATS,
    Activity,
    CommitResult,
    GraphInfo,
    GraphName,
    GraphWrite,
    RawInput,
    Term,
    _graph_subject,
    _lit,
    _name,
    _now,
    _sparql_term,
    check_input,
    parse,
    sha256_of,
    storage_error,
    syntax_error,
    token_too_large,
)
from .split import SplitStore


__all__ = ["MAX_ENTITY_EXPANSION", "MAX_NESTING", "NESTED_FORMATS", "SNAPSHOTS_KEPT", "Activity", "CommitResult",
           "EmbeddedStore", "GraphInfo", "GraphLayout", "GraphName", "GraphWrite", "RawInput", "SnapshotDirectory",
           "SnapshotReader", "SplitStore", "Term", "_graph_subject", "_lit", "_name", "_now", "_sparql_term",
           "check_input", "drop_withdrawn", "parse", "sha256_of", "storage_error", "syntax_error",
           "token_too_large", "withdrawn_graphs"]
