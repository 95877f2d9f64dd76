"""What a SPARQL Update may touch, read by rdflib's parser: the graphs it may change, the
dataset-wide operations it holds, every IRI it names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
import rdflib


def _translate_update(sparql: str, base_iri: str | None) -> Any:
    """rdflib's algebra of a SPARQL Update; ValueError when it does not parse."""
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        return translateUpdate(parseUpdate(sparql), base=base_iri)
    except Exception as err:  # rdflib raises pyparsing errors of several kinds
        raise ValueError(str(err)) from err


ALL_GRAPHS = "*"  # an update that may touch any graph (GRAPH ?g templates, CLEAR ALL, ...)
DEFAULT = ""  # the default graph


def mentioned_iris(sparql: str, base_iri: str | None = None, translated: Any = None) -> set[str]:
    """Every IRI a SPARQL Update names (prefixes expanded, relative IRIs resolved): a superset of the
    graphs it names in GRAPH, WITH, USING and the graph management operations."""
    update = translated if translated is not None else _translate_update(sparql, base_iri)
    found: set[str] = set()
    seen: set[int] = set()

    def walk(node: Any) -> None:
        if isinstance(node, rdflib.URIRef):
            found.add(str(node))
        elif id(node) in seen:
            return
        elif isinstance(node, dict):
            seen.add(id(node))
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, (list, tuple, set, frozenset)):
            seen.add(id(node))
            for value in node:
                walk(value)

    walk(list(getattr(update, "algebra", ())))
    return found


def update_targets(sparql: str, base_iri: str | None = None, translated: Any = None) -> set[str]:
    """The graphs a SPARQL Update may change: IRIs, DEFAULT ("") or ALL_GRAPHS ("*").

    `base_iri` resolves relative graph IRIs as the store will (<graph/x> is {base}graph/x)."""
    update = translated if translated is not None else _translate_update(sparql, base_iri)
    targets: set[str] = set()

    def part(node: Any, key: str) -> Any:
        # rdflib's CompValue.get(key) returns the key itself when it is absent (a str, truthy)
        return node[key] if key in node else None

    def graph(value: Any) -> str:
        if value in ("DEFAULT", None):
            return DEFAULT
        if value in ("ALL", "NAMED") or isinstance(value, rdflib.Variable):
            return ALL_GRAPHS
        return str(value)

    # an empty update (a prologue, a comment or nothing at all) is valid SPARQL: rdflib returns []
    for op in getattr(update, "algebra", ()):
        name = op.name
        if name in ("InsertData", "DeleteData"):
            targets.update(graph(g) for g in part(op, "quads") or {})
            if part(op, "triples"):
                targets.add(DEFAULT)
        elif name == "Modify":
            default = graph(part(op, "withClause"))
            for clause in (part(op, "delete"), part(op, "insert")):
                if not clause:
                    continue
                targets.update(graph(g) for g in part(clause, "quads") or {})
                if part(clause, "triples"):
                    targets.add(default)
        elif name in ("DeleteWhere",):
            targets.update(graph(g) for g in part(op, "quads") or {})
            if part(op, "triples"):
                targets.add(DEFAULT)
        elif name in ("Clear", "Drop", "Create", "Load"):
            targets.add(graph(part(op, "graphiri")))
        elif name in ("Add", "Move", "Copy"):
            source, target = op["graph"]
            targets.add(graph(target))
            if name == "Move":
                targets.add(graph(source))
        else:
            targets.add(ALL_GRAPHS)
    for target in targets - {DEFAULT, ALL_GRAPHS}:
        try:
            ox.NamedNode(target)
        except ValueError:  # a graph rdflib could not resolve: compare every graph instead
            return {ALL_GRAPHS}
    return targets


def dataset_wide_operations(sparql: str, base_iri: str | None = None, translated: Any = None) -> list[str]:
    """The operations of a SPARQL Update that act on the whole dataset (CLEAR/DROP ALL, NAMED or
    DEFAULT), as written, e.g. ["DROP ALL"]: they need an admin token. ValueError if it does not parse."""
    update = translated if translated is not None else _translate_update(sparql, base_iri)
    found = []
    for op in getattr(update, "algebra", ()):
        if op.name in ("Clear", "Drop"):
            target = op["graphiri"] if "graphiri" in op else None
            if target in ("ALL", "NAMED", "DEFAULT"):
                found.append(f"{op.name.upper()} {target}")
    return found


@dataclass(frozen=True)
class UpdateAnalysis:
    """What a SPARQL Update may touch, read by rdflib's parser (see analyse_update)."""

    targets: frozenset[str]  # as update_targets
    wide: tuple[str, ...]  # as dataset_wide_operations
    mentioned: frozenset[str]  # as mentioned_iris
    error: str | None = None  # rdflib could not read it: targets is {ALL_GRAPHS}, the rest empty


def analyse_update(sparql: str, base_iri: str | None = None) -> UpdateAnalysis:
    """update_targets, dataset_wide_operations and mentioned_iris from one parse. Meant for a
    validation worker (single-threaded, killable): rdflib's parser takes about a millisecond per
    triple, too long for a server thread. The order of triples in patterns does not matter here and
    rdflib's reordering of them is quadratic, so this process skips it while it translates."""
    from rdflib.plugins.sparql import algebra

    original = algebra.reorderTriples
    algebra.reorderTriples = list  # type: ignore[assignment]
    try:
        update = _translate_update(sparql, base_iri)
        return UpdateAnalysis(frozenset(update_targets(sparql, base_iri, update)),
                              tuple(dataset_wide_operations(sparql, base_iri, update)),
                              frozenset(mentioned_iris(sparql, base_iri, update)))
    except ValueError as err:
        return UpdateAnalysis(frozenset({ALL_GRAPHS}), (), frozenset(), str(err))
    finally:
        algebra.reorderTriples = original
