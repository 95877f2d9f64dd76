"""A large upload is validated in chunks of whole resources; a case must travel with the assessments
and involvements its shapes look into, wherever in the file they are written (the benchmark
generator's 100k file was rejected when its chunks cut cases from their assessments)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from driehoek import validation

ROOT = Path(__file__).resolve().parents[1]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CASES = sorted((ROOT / "data" / "cases").glob("*.ttl"))


@pytest.fixture(scope="module")
def context() -> validation.ContextLookup:
    """Types and schemes from the bundled ontology, schemes and organisations, in memory."""
    store = ox.Store()
    for path in [ROOT / "ontology" / "driehoek.ttl", *sorted((ROOT / "ontology" / "schemes").glob("*.ttl")),
                 *sorted((ROOT / "data" / "organisations").glob("*.ttl"))]:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    _load_gz(store, ROOT / "data" / "organisations" / "roo.ttl.gz")

    def lookup(iri: ox.NamedNode) -> Iterator[ox.Quad]:
        for predicate in validation.CONTEXT_PREDICATES:
            yield from store.quads_for_pattern(iri, predicate, None, None)
    return lookup


def _load_gz(store: ox.Store, path: Path) -> None:
    import gzip

    with gzip.open(path, "rb") as handle:
        store.bulk_load(handle, format=ox.RdfFormat.TURTLE)


def _cases_parts_first() -> list[ox.Quad]:
    """Every bundled case, its parts (assessments, involvements, blank nodes) written before it."""
    quads = [q for path in CASES for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    case_type = "https://w3id.org/driehoek/def#Case"
    cases = {q.subject for q in quads if q.predicate.value == RDF_TYPE and q.object.value == case_type}
    assert len(cases) == len(CASES)
    return [q for q in quads if q.subject not in cases] + [q for q in quads if q.subject in cases]


def test_chunks_keep_a_case_with_its_assessments(context: validation.ContextLookup) -> None:
    quads = _cases_parts_first()
    whole = validation.validate(quads, context, source="cases")
    assert whole.conforms, [str(r) for r in whole.violations][:5]
    chunked = validation.validate(quads, context, source="cases", chunk_triples=40)  # a chunk per case or two
    assert chunked.conforms, [str(r) for r in chunked.violations][:5]
    assert len(chunked.warnings) == len(whole.warnings)


def test_chunks_still_find_what_is_wrong(context: validation.ContextLookup) -> None:
    """Chunking loses no violation: a case without its assessments is still refused."""
    quads = [q for q in _cases_parts_first() if q.predicate.value != "https://w3id.org/driehoek/def#criterion"]
    whole = validation.validate(quads, context, source="cases")
    chunked = validation.validate(quads, context, source="cases", chunk_triples=40)
    assert not whole.conforms and not chunked.conforms
    assert {(r.focus, r.path, r.message) for r in chunked.violations} == \
        {(r.focus, r.path, r.message) for r in whole.violations}
