"""Validating an upload: whole when it is small, else in chunks of whole resources, in parallel."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .bridge import validate_payload
from .context import ContextLookup, DescribeLookup, _unknown_to_store, _UploadIndex, _with_context
from .results import Report

if TYPE_CHECKING:
    from ..shacl_workers import ValidationJob, ValidationOutcome, ValidationPool


CHUNK_TRIPLES = 15_000  # uploads larger than this are validated in chunks, in parallel


def validate(quads: Iterable[ox.Quad], context: ContextLookup | None = None, *,
             source: str = "input", describe: DescribeLookup | None = None,
             chunk_triples: int = CHUNK_TRIPLES, progress: Callable[[int], None] | None = None,
             pool: ValidationPool | None = None) -> Report:
    """Validate triples (graph names ignored) with the context they need from the store.

    The context: for every IRI the upload points at without typing it, its rdf:type and
    skos:inScheme — from the store (leaving out the graphs being replaced). It grows with the
    upload, not with the store.

    A large upload (the whole register) is cut into chunks of whole resources (each named subject
    with its blank nodes); a chunk gets the same type context for what it points at elsewhere in
    the upload. Chunks run in parallel processes. A case and its assessments travel in one (small)
    upload and are never cut apart.

    With a `pool` (the service always passes one) pyshacl runs in its worker processes, under their
    time and memory limits; without one, a small upload is validated in this process and a large one
    in worker processes started for this call, without limits (tests, benchmarks, library use).
    """
    triples = list(quads)
    triples += _unknown_to_store(triples, context)
    if len(triples) <= chunk_triples:
        job = _job(triples, _with_context(triples, context, describe, None), source)
        if pool is None:
            outcomes = [validate_payload(job.upload, job.context, source)]
        else:
            outcomes = pool.run([job])
        if progress:
            progress(len(triples))
        return _report(outcomes, source)
    return _validate_in_chunks(triples, context, describe, source, chunk_triples, progress, pool)


def _job(triples: list[ox.Quad], context: list[ox.Quad], source: str) -> ValidationJob:
    """What a worker needs, serialised: the upload as N-Quads (pyoxigraph writes those fastest, graph
    names and all) and its context as N-Triples. Blank node labels are kept on both sides, so a blank
    node the context shares with the upload stays one node."""
    from ..shacl_workers import ValidationJob

    upload = ox.serialize(triples, format=ox.RdfFormat.N_QUADS) or b""
    extra = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in context],
                         format=ox.RdfFormat.N_TRIPLES) or b""
    return ValidationJob(upload, extra, source, len(triples))


def _report(outcomes: list[ValidationOutcome], source: str) -> Report:
    """One report from the workers' outcomes (a chunked upload's results merged, duplicates dropped)."""
    if len(outcomes) == 1:
        results, serialised = outcomes[0]
        return Report(results=results, source=source, serialised=[serialised])
    unique = {(r.severity, r.focus, r.path, r.value, r.message): r for results, _s in outcomes for r in results}
    merged = sorted(unique.values(), key=lambda r: (r.severity != "violation", r.focus, r.path or "", r.message))
    return Report(results=merged, source=source, serialised=[s for _r, s in outcomes])


def _validate_in_chunks(triples: list[ox.Quad], context: ContextLookup | None, describe: DescribeLookup | None,
                        source: str, size: int, progress: Callable[[int], None] | None,
                        pool: ValidationPool | None) -> Report:
    from ..shacl_workers import ValidationPool, pool_size

    upload = _UploadIndex(triples)
    # built as workers become free: a chunk's context is looked up just before it is sent
    jobs = (_job(chunk, _with_context(chunk, context, describe, upload), source) for chunk in upload.chunks(size))
    done = (lambda job: progress(job.triples)) if progress else None
    if pool is not None:
        return _report(pool.run(jobs, done=done), source)
    own = ValidationPool(workers=pool_size(), timeout=None, memory_mib=0, warm=0)
    try:
        return _report(own.run(jobs, done=done), source)
    finally:
        own.close()
