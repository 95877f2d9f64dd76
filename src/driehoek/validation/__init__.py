"""The SHACL gate: every write is checked against ontology/shapes.ttl before it lands.

This module owns the rdflib/pyshacl bridge. It validates an incoming graph together with the small
context it needs from the store — the rdf:type and skos:inScheme of every IRI the upload points at
but does not describe — so the cost grows with the upload, not with the store.

The context is gathered here, in the caller's process; the rest (the rdflib graph, pyshacl, and the
check that every literal's lexical form fits its XSD datatype) runs in `validate_payload`, which the
service runs in a worker process with time and memory limits (shacl_workers.py).

One module per concern: shapes.py (the shapes, ontology and schemes, read once per process),
context.py (the upload's context, merely-typed nodes), chunks.py (`validate`: whole or in chunks),
bridge.py (rdflib and pyshacl, in the worker), literals.py (ill-typed literals), results.py (`Result`,
`Report`) and update.py (what a SPARQL Update may touch). The names callers use are re-exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..iris import DH
from .bridge import prepare_worker, to_rdflib_term, validate_payload
from .chunks import CHUNK_TRIPLES, validate
from .context import CONTEXT_PREDICATES, PARTS, UNKNOWN_TO_STORE, ContextLookup, DescribeLookup, merely_typed
from .literals import LEXICAL_FORMS, XSD_NS, is_ill_typed
from .results import SEVERITIES, Report, Result, report_json
from .shapes import INFERENCE, SHAPES_NS
from .shapes import _direct_properties  # noqa: F401  (private, but service/gate.py asks for the direct properties)
from .update import (ALL_GRAPHS, DEFAULT, UpdateAnalysis, analyse_update, dataset_wide_operations, mentioned_iris,
                     update_targets)

if TYPE_CHECKING:
    from ..shacl_workers import ValidationPool  # noqa: F401  (service/gate.py annotates with validation.ValidationPool)

__all__ = ["DH", "Report", "Result", "validate", "report_json", "INFERENCE",
           # the parts, for the service, the workers and the tests
           "CONTEXT_PREDICATES", "ContextLookup", "DescribeLookup", "PARTS", "UNKNOWN_TO_STORE", "merely_typed",
           "CHUNK_TRIPLES", "SHAPES_NS", "SEVERITIES", "XSD_NS", "LEXICAL_FORMS", "is_ill_typed",
           "to_rdflib_term", "prepare_worker", "validate_payload",
           "ALL_GRAPHS", "DEFAULT", "UpdateAnalysis", "analyse_update", "update_targets", "dataset_wide_operations",
           "mentioned_iris"]
