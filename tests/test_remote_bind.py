"""A remote store gets named-query parameters written into the query (remote.bind), since the SPARQL
Protocol has no pre-bound variables. Every named query must give the same rows that way as with
pyoxigraph's `substitutions` on the embedded store — checked here on the bundled data, in memory."""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import pytest

from driehoek import queries
from driehoek.iris import graph_iri_for_path
from driehoek.remote import Skolem, bind
from driehoek.service import bundled_sources

BASE = "https://w3id.org/driehoek/"
SKOLEM = Skolem(BASE)
PARAMETRISED = [name for name in queries.all_queries() if queries.get(name).params]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for relative, path in bundled_sources():
        graph = ox.NamedNode(graph_iri_for_path(BASE, relative))
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                store.bulk_load(handle, format=ox.RdfFormat.TURTLE, to_graph=graph)
        else:
            store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)
    # the provenance of one status step, as a write records it (store.py), for case-status-history:
    # files carry no provenance, and a query that answers nothing proves nothing here
    store.load(f"""@prefix dh: <https://w3id.org/driehoek/def#> . @prefix prov: <http://www.w3.org/ns/prov#> .
        <urn:uuid:bind-test> a prov:Activity ; prov:endedAtTime "2026-12-04T10:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> ;
            dh:statusChange [ dh:case <{BASE}id/case/digid> ; dh:toStatus <{BASE}def/case-status/published> ] .""",
               format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(BASE + "graph/meta"))
    return store


def _cell(term: object) -> str:
    """A cell as text; a GROUP_CONCAT list ("a; b") in sorted order, since SPARQL leaves the order of
    its parts to the engine (two plans of one query may join them differently)."""
    if isinstance(term, ox.Literal) and "; " in term.value:
        return str(ox.Literal("; ".join(sorted(term.value.split("; "))), language=term.language)
                   if term.language else ox.Literal("; ".join(sorted(term.value.split("; ")))))
    return str(term)


def _rows(results: ox.QuerySolutions) -> list[tuple[str, ...]]:
    names = [v.value for v in results.variables]
    return sorted(tuple(_cell(row[name]) for name in names) for row in results)


def test_there_are_parametrised_queries() -> None:
    assert len(PARAMETRISED) >= 15


@pytest.mark.parametrize("name", PARAMETRISED)
def test_a_bound_query_gives_the_rows_of_a_substituted_one(store: ox.Store, name: str) -> None:
    named = queries.get(name)
    substitutions = named.substitutions({})
    expected = _rows(store.query(named.text, substitutions=substitutions, use_default_graph_as_union=True))
    bound = store.query(bind(named.text, substitutions, SKOLEM), use_default_graph_as_union=True)
    assert _rows(bound) == expected
    assert expected, f"{name} has no rows on the bundled data with its defaults: the comparison proves little"


@pytest.mark.parametrize("query, expected", [
    # a FILTER inside a UNION branch sees the value (a VALUES block at the top would not reach it)
    ('SELECT ?x WHERE { { BIND(1 AS ?x) FILTER(?x = ?v) } UNION { BIND(2 AS ?x) } }', {("1",), ("2",)}),
    # a subquery that projects the variable: the outer SELECT keeps it a plain variable
    ('SELECT ?v ?n WHERE { { SELECT ?v (COUNT(*) AS ?n) WHERE { VALUES ?y { 1 2 } } GROUP BY ?v } }', {("1", "2")}),
    # projected, grouped and ordered by: the value, under its name
    ('SELECT ?v (COUNT(*) AS ?n) WHERE { VALUES ?y { 1 2 } } GROUP BY ?v ORDER BY ?v', {("1", "2")}),
    # SELECT *: the variable stays in the results
    ('SELECT * WHERE { BIND(?v + 1 AS ?w) }', {("1", "2")}),  # ?v, then ?w
    # a variable defined with AS, and names that only start like it, are left alone
    ('SELECT ?vv WHERE { BIND(?v AS ?vv) }', {("1",)}),
    # strings, IRIs and comments keep their text
    ('SELECT ?s WHERE { BIND(CONCAT("?v", STR(<http://e/?v>)) AS ?s) } # ?v', {("?vhttp://e/?v",)}),
])
def test_bind_where_a_values_block_would_not_do(query: str, expected: set[tuple[str, ...]]) -> None:
    store = ox.Store()
    text = bind(query, {ox.Variable("v"): ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))},
                SKOLEM)
    results = store.query(text)
    names = [v.value for v in results.variables]
    assert {tuple(row[n].value for n in names if row[n] is not None) for row in results} == expected, text


def _condition_literals(sparql: str) -> list[object]:
    """The literals in the GROUP BY and ORDER BY conditions of a query, as rdflib's parser reads them."""
    from rdflib import Literal
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    found, stack, inside = [], [(parseQuery(sparql), False)], ("GroupClause", "OrderClause")
    while stack:
        node, in_clause = stack.pop()
        if isinstance(node, Literal) and in_clause:
            found.append(node)
        elif isinstance(node, CompValue):
            stack += [(child, in_clause or node.name in inside) for child in node.values()]
        elif isinstance(node, (list, tuple)):
            stack += [(child, in_clause) for child in node]
    return found


@pytest.mark.parametrize("query", [
    "SELECT ?y ?v WHERE { VALUES ?y { 1 2 } } GROUP BY ?y ?v ORDER BY DESC(?v) ?y",
    "SELECT ?v (COUNT(*) AS ?n) WHERE { VALUES ?y { 1 2 } } GROUP BY (?v) ORDER BY ASC(?v)",
    # the bound variable alone: still one group (without GROUP BY, a row per solution)
    "SELECT ?v WHERE { VALUES ?y { 1 2 } } GROUP BY ?v",
    # ... and no rows give no group (without GROUP BY, a row of aggregates over nothing)
    "SELECT ?v (COUNT(*) AS ?n) WHERE { VALUES ?y { } } GROUP BY ?v",
    # in a subquery, around a comment, before LIMIT
    "SELECT ?v ?y WHERE { { SELECT ?y ?v WHERE { VALUES ?y { 2 1 } } GROUP BY ?y # ?v\n ?v ORDER BY ?v ?y LIMIT 1 } }",
])
def test_a_bound_variable_leaves_group_by_and_order_by(query: str) -> None:
    """Grouping or ordering by a bound variable is by a constant, which changes nothing; written as the
    constant it would be a column index to Virtuoso ("SQ200: index of column in order by out of range")."""
    value = {ox.Variable("v"): ox.Literal("2024", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))}
    text = bind(query, value, SKOLEM)
    store = ox.Store()
    assert _rows(store.query(text)) == _rows(store.query(query, substitutions=value)), text
    assert all(literal.value == "" for literal in _condition_literals(text)), text  # GROUP BY ("") at most
