"""What driehoek knows, and how sure it is (issue 15, points 4 and 6), over the whole bundled store:
every relation has a source, every epistemic status is a concept of its scheme, what is not a sourced
fact says so in the data, and the documented filter keeps exactly the sourced facts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from driehoek.service import Driehoek

from . import backend

PREFIXES = """PREFIX dh: <https://w3id.org/driehoek/def#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX epistemic: <https://w3id.org/driehoek/def/epistemic-status/>
"""
SCHEME = "https://w3id.org/driehoek/def/epistemic-status"


@pytest.fixture(scope="module")
def store(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ox.Store]:
    target = tmp_path_factory.mktemp("epistemic") / "var"
    backend.copy_data_dir(bundled_data_dir, target)
    service = Driehoek(backend.settings_for(target))
    try:
        yield service.snapshot()
    finally:
        service.close()


def _count(store: ox.Store, where: str) -> int:
    rows = list(store.query(PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", use_default_graph_as_union=True))
    return int(rows[0]["n"].value)


def test_no_relation_without_a_source(store: ox.Store) -> None:
    assert _count(store, "?r a dh:Relation") > 10_000  # the register's and the curated ones
    assert _count(store, "?r a dh:Relation FILTER NOT EXISTS { ?r dcterms:source ?s }") == 0


def test_every_epistemic_status_is_a_concept_of_its_scheme(store: ox.Store) -> None:
    used = {row["s"].value for row in store.query(PREFIXES + "SELECT DISTINCT ?s WHERE { ?x dh:epistemicStatus ?s }",
                                                  use_default_graph_as_union=True)}
    concepts = {row["c"].value for row in store.query(
        PREFIXES + f"SELECT ?c WHERE {{ ?c skos:inScheme <{SCHEME}> }}", use_default_graph_as_union=True)}
    assert used and used <= concepts
    # each kind of non-fact the data holds is marked: interpreted lines, illustrative ratings, invented meetings
    assert {SCHEME + "/" + s for s in ("interpreted", "illustrative", "invented-example")} <= used


def test_what_is_not_a_sourced_fact_says_so(store: ox.Store) -> None:
    # the editors' own ratings are illustrative in the data, not only in a comment
    assert _count(store, "?a a dh:Assessment ; dh:illustrative true "
                         "FILTER NOT EXISTS { ?a dh:epistemicStatus epistemic:illustrative }") == 0
    # meetings whose description says they are invented examples are marked as such
    assert _count(store, '?m a dh:Meeting ; dcterms:description ?d FILTER (CONTAINS(STR(?d), "ILLUSTRATIVE EXAMPLE")) '
                         "FILTER NOT EXISTS { ?m dh:epistemicStatus epistemic:invented-example }") == 0
    # factor codings are readings of their evidence
    assert _count(store, "?c a dh:FactorCoding FILTER NOT EXISTS { ?c dh:epistemicStatus ?s }") == 0


def test_the_documented_filter_keeps_exactly_the_sourced_relations(store: ox.Store) -> None:
    all_relations = _count(store, "?r a dh:Relation")
    marked = _count(store, "?r a dh:Relation ; dh:epistemicStatus ?s FILTER (?s != epistemic:sourced)")
    kept = _count(store, "?r a dh:Relation FILTER NOT EXISTS { ?r dh:epistemicStatus ?s FILTER (?s != epistemic:sourced) }")
    assert marked > 0 and kept > 0
    assert kept + marked == all_relations
