"""The rules a case must follow, read from the SHACL shapes themselves (ontology/shapes.ttl), for the
stewards' page: per class (a case, and the nodes that travel with it: its involvements, assessments,
factor codings) and per case status, each property with its counts, what its values must be, its
severity and its message in Dutch and English.

Nothing here is a copy of the rules: the page shows what the gate checks, because both read the same
file. Read with pyoxigraph; parsed once per process (the shapes are bundled, read-only over HTTP).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources

import pyoxigraph as ox

from .iris import DH, PREFIXES

SH = "http://www.w3.org/ns/shacl#"
SHAPES_NS = "https://w3id.org/driehoek/def/shapes#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
CASE = DH + "Case"
# Prefixes for showing the shapes' IRIs short; the vocabulary's own first, then the shapes file's.
SHORT: dict[str, str] = {
    **PREFIXES, "dhs": "https://w3id.org/driehoek/def/", "criterion": "https://w3id.org/driehoek/id/criterion/",
    "sh": SH,
}
# Constraint parameters shown as what a value must be, in this order (the template words each kind).
VALUE_PARAMETERS = ("class", "datatype", "nodeKind", "node", "hasValue", "in", "languageIn", "uniqueLang",
                    "equals", "disjoint", "lessThan", "lessThanOrEquals", "pattern", "minLength", "maxLength",
                    "minInclusive", "maxInclusive", "minExclusive", "maxExclusive")
# Node-level parameters a shape may carry besides its properties (a rule about the node as a whole).
NODE_PARAMETERS = ("or", "and", "xone", "not", "in", "class", "nodeKind", "closed")

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def short(iri: str) -> str:
    """An IRI as a prefixed name where a known prefix fits (the longest), else the IRI."""
    best = ""
    for prefix, namespace in SHORT.items():
        if iri.startswith(namespace) and len(namespace) > len(SHORT.get(best, "")):
            local = iri[len(namespace):]
            if local and "/" not in local and "#" not in local:
                best = prefix
    return f"{best}:{iri[len(SHORT[best]):]}" if best else iri


@dataclass(frozen=True)
class Constraint:
    """One thing a value must be: KIND (a SHACL parameter's local name) and its value, shown short."""

    kind: str
    value: str = ""


@dataclass(frozen=True)
class Rule:
    """One property shape (or a node-level constraint, with an empty path) of a group."""

    path: str  # shown: "dcterms:title", "dh:involvement / dh:organisation"; "" for a node-level rule
    path_iris: tuple[str, ...]  # the path's steps as IRIs (empty for a node-level rule)
    min_count: int | None
    max_count: int | None
    qualified: bool  # the counts are qualified: they count only values meeting `constraints`
    constraints: tuple[Constraint, ...]
    severity: str  # violation | warning | info
    messages: dict[str, str]
    selected: bool = False  # the shape applies only to the nodes its SPARQL target selects

    @property
    def required(self) -> bool:
        """True when every node the group covers is refused without this property (min count >= 1,
        severity violation, not only on nodes a query selects)."""
        return self.severity == "violation" and bool(self.min_count) and not self.selected

    def message(self, lang: str) -> str:
        """The message in LANG, else the other language, else any."""
        return self.messages.get(lang) or self.messages.get("en") or self.messages.get("nl") or \
            next(iter(self.messages.values()), "")


@dataclass
class RuleGroup:
    """The rules for one class, or for a case with one status on top of every case's rules."""

    key: str  # a stable id for the page: "case", "case-published", "assessment", ...
    cls: str
    labels: dict[str, str]  # the class's (or the status's) rdfs:label / skos:prefLabel by language
    status: str | None = None
    rules: list[Rule] = field(default_factory=list)


class _Graph:
    """The shapes, ontology and schemes as an index subject -> predicate -> objects."""

    def __init__(self, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        self.index: dict[Term, dict[str, list[Term]]] = {}
        for t in triples:
            self.index.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def objects(self, subject: Term, predicate: str) -> list[Term]:
        return self.index.get(subject, {}).get(predicate, [])

    def one(self, subject: Term, predicate: str) -> Term | None:
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def subjects(self, predicate: str, obj: Term | None = None) -> Iterator[Term]:
        for subject, predicates in self.index.items():
            values = predicates.get(predicate)
            if values and (obj is None or obj in values):
                yield subject

    def items(self, head: Term | None) -> list[Term]:
        """The members of an RDF list."""
        members: list[Term] = []
        seen: set[Term] = set()
        while head is not None and head != ox.NamedNode(RDF + "nil") and head not in seen:
            seen.add(head)
            first = self.one(head, RDF + "first")
            if first is not None:
                members.append(first)
            head = self.one(head, RDF + "rest")
        return members

    def labels(self, subject: Term) -> dict[str, str]:
        found: dict[str, str] = {}
        for predicate in (SKOS + "prefLabel", RDFS + "label"):
            for label in self.objects(subject, predicate):
                if isinstance(label, ox.Literal):
                    found.setdefault(label.language or "", label.value)
        return found


def _ontology_files() -> list[bytes]:
    root = resources.files("driehoek") / "ontology"
    files = [root / "shapes.ttl", root / "driehoek.ttl"]
    if (root / "schemes").is_dir():
        files += sorted((p for p in (root / "schemes").iterdir() if p.name.endswith(".ttl")), key=lambda p: p.name)
    return [f.read_bytes() for f in files]


@functools.cache
def case_rules() -> tuple[RuleGroup, ...]:
    """The groups of rules for a case and what travels with it, parsed once per process."""
    triples: list[ox.Quad] = []
    for data in _ontology_files():
        triples.extend(ox.parse(data, format=ox.RdfFormat.TURTLE))
    return tuple(rule_groups(_Graph(triples)))


def rule_groups(graph: _Graph) -> list[RuleGroup]:
    """Every case shape's rules, grouped: every case; a case with each status (as the shapes target
    them, dhsh:CasesWithStatus); then each dh: class a case's properties point to (sh:class), which
    travels in the case's upload (its involvements, assessments, factor codings), in the order found."""
    by_class: dict[str, list[Term]] = {}
    by_status: dict[str, list[Term]] = {}
    sparql_targeted: list[Term] = []
    for shape in graph.subjects(RDF + "type", ox.NamedNode(SH + "NodeShape")):
        for target in graph.objects(shape, SH + "target"):
            kinds = {t.value for t in graph.objects(target, RDF + "type") if isinstance(t, ox.NamedNode)}
            cls = graph.one(target, SHAPES_NS + "class")
            status = graph.one(target, SHAPES_NS + "status")
            if SHAPES_NS + "DescribedInstancesOf" in kinds and isinstance(cls, ox.NamedNode):
                by_class.setdefault(cls.value, []).append(shape)
            elif SHAPES_NS + "CasesWithStatus" in kinds and isinstance(status, ox.NamedNode):
                by_status.setdefault(status.value, []).append(shape)
            elif SH + "SPARQLTarget" in kinds:
                sparql_targeted.append(shape)
        for cls in graph.objects(shape, SH + "targetClass"):
            if isinstance(cls, ox.NamedNode):
                by_class.setdefault(cls.value, []).append(shape)
    # A shape with a SPARQL target belongs to the class its query selects ?this from: the query is
    # parsed (never matched as text) and its triple patterns read: ?this a C, ?this p ?o (the domain
    # of p), ?s p ?this (the range of p), in the order the query gives them.
    prefixes = _declared_prefixes(graph)
    for shape in sparql_targeted:
        for target in graph.objects(shape, SH + "target"):
            select = graph.one(target, SH + "select")
            if not isinstance(select, ox.Literal):
                continue
            for cls in _selected_classes(graph, select.value, prefixes):
                if shape not in by_class.get(cls, []):
                    by_class.setdefault(cls, []).append(shape)
                break

    groups = [RuleGroup("case", CASE, graph.labels(ox.NamedNode(CASE)))]
    statuses = sorted(by_status, key=_status_order)
    groups += [RuleGroup("case-" + status.rsplit("/", 1)[-1], CASE, graph.labels(ox.NamedNode(status)), status)
               for status in statuses]
    classes = [CASE]
    for group in groups:
        shapes = by_class.get(group.cls, []) if group.status is None else by_status[group.status]
        group.rules = [rule for shape in shapes for rule in _rules(graph, shape, shape in sparql_targeted)]
    # the dh: classes a case points to, and those they point to, each once
    todo = [g for g in groups]
    while todo:
        group = todo.pop(0)
        for rule in group.rules:
            for c in rule.constraints:
                iri = _expand(c.value)
                if c.kind == "class" and iri.startswith(DH) and iri not in classes and iri in by_class:
                    classes.append(iri)
                    new = RuleGroup(_slug(iri), iri, graph.labels(ox.NamedNode(iri)))
                    new.rules = [r for shape in by_class[iri] for r in _rules(graph, shape, shape in sparql_targeted)]
                    groups.append(new)
                    todo.append(new)
    return groups


def _declared_prefixes(graph: _Graph) -> dict[str, str]:
    """The prefixes the shapes declare for their SPARQL (sh:declare)."""
    found = {}
    for declarations in graph.subjects(SH + "declare"):
        for declaration in graph.objects(declarations, SH + "declare"):
            prefix, namespace = graph.one(declaration, SH + "prefix"), graph.one(declaration, SH + "namespace")
            if isinstance(prefix, ox.Literal) and isinstance(namespace, ox.Literal):
                found[prefix.value] = namespace.value
    return found


def _selected_classes(graph: _Graph, select: str, prefixes: dict[str, str]) -> list[str]:
    """The classes a SPARQL target's ?this is an instance of, as its triple patterns say (rdf:type,
    or the domain or range of a property it is the subject or object of); [] when they say none."""
    from rdflib import URIRef, Variable
    from rdflib.plugins.sparql import prepareQuery

    try:
        query = prepareQuery(select, initNs=prefixes)
    except Exception:  # rdflib raises pyparsing errors of several kinds; such a shape is left out
        return []
    this = Variable("this")
    found: list[str] = []

    def add(term: Term | None) -> None:
        if isinstance(term, ox.NamedNode) and term.value not in found:
            found.append(term.value)

    def walk(node: object) -> None:
        if isinstance(node, dict):
            # rdflib's CompValue.get(key) gives the key itself when it is absent: test membership
            for triple in node["triples"] if "triples" in node else ():
                if not isinstance(triple, tuple) or len(triple) != 3:
                    continue
                s, p, o = triple
                if not isinstance(p, URIRef):
                    continue
                if s == this and str(p) == RDF + "type" and isinstance(o, URIRef):
                    add(ox.NamedNode(str(o)))
                elif s == this:
                    add(graph.one(ox.NamedNode(str(p)), RDFS + "domain"))
                elif o == this:
                    add(graph.one(ox.NamedNode(str(p)), RDFS + "range"))
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(query.algebra)
    return found


def _status_order(status: str) -> tuple[int, str]:
    # draft, then published, then the rest: the order a case goes through
    name = status.rsplit("/", 1)[-1]
    return ({"draft": 0, "published": 1}.get(name, 2), name)


def _slug(iri: str) -> str:
    local = iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return "".join("-" + ch.lower() if ch.isupper() and i else ch.lower() for i, ch in enumerate(local))


def _expand(value: str) -> str:
    prefix, colon, local = value.partition(":")
    if colon and prefix in SHORT:
        return SHORT[prefix] + local
    return value


def _path_steps(graph: _Graph, path: Term | None) -> list[str]:
    """The IRIs of a predicate path or a sequence path; [] for other paths."""
    if isinstance(path, ox.NamedNode):
        return [path.value]
    if isinstance(path, ox.BlankNode):
        steps = graph.items(path)
        if steps and all(isinstance(s, ox.NamedNode) for s in steps):
            return [s.value for s in steps]  # type: ignore[union-attr]
    return []


def _count(graph: _Graph, node: Term, name: str) -> int | None:
    value = graph.one(node, SH + name)
    if isinstance(value, ox.Literal):
        try:
            return int(value.value)
        except ValueError:
            return None
    return None


def _messages(graph: _Graph, node: Term) -> dict[str, str]:
    return {m.language or "": m.value for m in graph.objects(node, SH + "message") if isinstance(m, ox.Literal)}


def _severity(graph: _Graph, node: Term) -> str:
    value = graph.one(node, SH + "severity")
    name = value.value.rsplit("#", 1)[-1] if isinstance(value, ox.NamedNode) else "Violation"
    return {"Violation": "violation", "Warning": "warning", "Info": "info"}.get(name, "violation")


def _show(graph: _Graph, term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return short(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    return ""


def _constraints(graph: _Graph, node: Term, parameters: Iterable[str]) -> list[Constraint]:
    """What a shape (or a qualified value shape) asks of a value, parameter by parameter."""
    found = []
    for name in parameters:
        for value in graph.objects(node, SH + name):
            if name == "node":
                found.extend(_node_constraint(graph, value))
            elif name in ("in", "languageIn", "or", "and", "xone"):
                members = graph.items(value)
                if name in ("in", "languageIn"):
                    found.append(Constraint(name, ", ".join(_show(graph, m) for m in members)))
                else:
                    found.append(Constraint(name, " | ".join(_describe(graph, m) for m in members)))
            elif name == "not":
                found.append(Constraint(name, _describe(graph, value)))
            else:
                found.append(Constraint(name, _show(graph, value)))
    # a nested property shape (a qualified value shape on an assessment's criterion, say)
    for prop in graph.objects(node, SH + "property"):
        steps = _path_steps(graph, graph.one(prop, SH + "path"))
        for c in _constraints(graph, prop, VALUE_PARAMETERS):
            relation = "=" if c.kind == "hasValue" else c.kind
            found.append(Constraint("property", f"{' / '.join(short(s) for s in steps)} {relation} {c.value}".strip()))
    return found


def _node_constraint(graph: _Graph, shape: Term) -> list[Constraint]:
    """sh:node: a shape that asks for membership of a concept scheme reads as "from scheme X"."""
    found = []
    for prop in graph.objects(shape, SH + "property"):
        steps = _path_steps(graph, graph.one(prop, SH + "path"))
        scheme = graph.one(prop, SH + "hasValue")
        if steps == [SKOS + "inScheme"] and isinstance(scheme, ox.NamedNode):
            found.append(Constraint("scheme", short(scheme.value)))
    if not found and isinstance(shape, ox.NamedNode):
        found.append(Constraint("node", short(shape.value)))
    return found


def _describe(graph: _Graph, node: Term) -> str:
    """A member of sh:or / sh:and / sh:not in a few words: its path and what it asks."""
    steps = _path_steps(graph, graph.one(node, SH + "path"))
    parts = [" / ".join(short(s) for s in steps)] if steps else []
    for name in ("minCount", "maxCount"):
        count = _count(graph, node, name)
        if count is not None:
            parts.append(f"{name} {count}")
    parts += [f"{c.kind} {c.value}" for c in _constraints(graph, node, VALUE_PARAMETERS)]
    return " ".join(parts)


def _rules(graph: _Graph, shape: Term, selected: bool) -> list[Rule]:
    rules = []
    for prop in graph.objects(shape, SH + "property"):
        steps = _path_steps(graph, graph.one(prop, SH + "path"))
        qualified_shape = graph.one(prop, SH + "qualifiedValueShape")
        if qualified_shape is not None:
            min_count = _count(graph, prop, "qualifiedMinCount")
            max_count = _count(graph, prop, "qualifiedMaxCount")
            constraints = _constraints(graph, qualified_shape, VALUE_PARAMETERS)
        else:
            min_count, max_count = _count(graph, prop, "minCount"), _count(graph, prop, "maxCount")
            constraints = _constraints(graph, prop, VALUE_PARAMETERS)
        rules.append(Rule(" / ".join(short(s) for s in steps), tuple(steps), min_count, max_count,
                          qualified_shape is not None, tuple(constraints), _severity(graph, prop),
                          _messages(graph, prop), selected))
    node_level = _constraints(graph, shape, NODE_PARAMETERS) if _messages(graph, shape) else []
    node_level = [c for c in node_level if c.kind != "property"]
    if node_level:
        rules.append(Rule("", (), None, None, False, tuple(node_level), _severity(graph, shape),
                          _messages(graph, shape), selected))
    return rules
