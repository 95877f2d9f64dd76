"""Query text for a SPARQL 1.1 server: the protocol has no pre-bound variables and no base IRI, so a
remote store writes both into the query itself (store/remote_view.py and remote_queries.py send it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .errors import BadRequest
from .sparql import _SKIP

if TYPE_CHECKING:
    from .store.client import Skolem

_WHERE = re.compile(r"\bWHERE\s*\{|\{", re.IGNORECASE)
_BASE = re.compile(r"(?<![\w:?$])BASE\s*<([^<>\s]*)>", re.IGNORECASE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# one token of a query bind() reads: an `AS ?v` target, a clause keyword, a bracket or a bound variable
_BIND_TOKENS = r"(?i)(\bAS\s*[?$][\w\u00B7\u00C0-\uFFFD]+)|\b(SELECT|WHERE|GROUP\s+BY|ORDER\s+BY|HAVING|LIMIT|OFFSET|VALUES)\b|([{}()])|[?$]("


def bind(sparql: str, substitutions: dict[Any, Any], skolem: Skolem) -> str:
    """pyoxigraph's `substitutions` in standard SPARQL: each use of a bound variable becomes the term
    itself — in triple patterns and expressions, inside nested groups and subqueries alike (a VALUES
    block at the top would not reach a FILTER inside a UNION branch). Where a variable must stay a
    variable, it is given the term: `(term AS ?v)` in a projection; GROUP BY and ORDER BY leave it out
    (see _without_bound_conditions); a query projecting `*` gets a VALUES block so that the variable
    stays in its results."""
    terms = {getattr(k, "value", k): str(skolem.term(v)) for k, v in substitutions.items()}
    sparql = _without_bound_conditions(sparql, set(terms))
    code = _SKIP.sub(lambda m: " " * len(m.group()), sparql)  # strings, IRIs, comments: never touched
    tokens = re.compile(_BIND_TOKENS + "|".join(re.escape(name) for name in terms)
                        + r")(?![\w\u00B7\u0300-\u036F\u203F-\u2040])")
    parts, last = [], 0
    mode, depth, star_at = "body", 0, None
    braces, select_braces = 0, 0
    projected: list[tuple[str, int, int]] = []  # (name, brace depth of its SELECT, index in parts)
    for token in tokens.finditer(code):
        target, keyword, bracket, name = token.group(1), token.group(2), token.group(3), token.group(4)
        if target:  # BIND(... AS ?v), (... AS ?v): a variable being defined stays a variable
            continue
        if keyword:
            word = " ".join(keyword.upper().split())
            if word == "SELECT":
                mode, depth, select_braces = "projection", 0, braces
                if star_at is None and re.match(r"\s*(?:DISTINCT|REDUCED)?\s*\*", code[token.end():], re.I):
                    star_at = -1  # the outermost projection is *: a VALUES block goes into its WHERE
            elif word in ("GROUP BY", "ORDER BY"):
                mode, depth = "modifier", 0
            elif word == "WHERE" or mode == "modifier":
                mode = "body"
        elif bracket:
            if bracket == "(":
                depth += 1
            elif bracket == ")":
                depth -= 1
            else:
                if bracket == "{" and star_at == -1:
                    star_at = token.end()
                braces += 1 if bracket == "{" else -1
                mode = "body"
        elif name:
            term = terms[name]
            if mode == "projection" and depth == 0:
                projected.append((name, select_braces, len(parts) + 1))
                term = f"({term} AS ?{name})"
            elif mode == "modifier" and depth == 0:
                term = f"({term})"  # in a condition the parser could not read (_without_bound_conditions)
            parts += [sparql[last:token.start()], term]
            last = token.end()
    parts.append(sparql[last:])
    # a SELECT whose subquery already projects the variable (as the term) keeps it a plain variable:
    # `(term AS ?v)` there would assign a variable that is already in scope
    for name, level, index in projected:
        if any(other == name and deeper > level for other, deeper, _ in projected):
            parts[index] = f"?{name}"
    text = "".join(parts)
    if star_at is not None and star_at >= 0:
        names = " ".join("?" + name for name in terms)
        values = " ".join(terms.values())
        text = _insert_values(text, names, values)
    return text


_MODIFIER = re.compile(r"(?i)\b(GROUP|ORDER)\s+BY\b")
# the rdflib parse nodes that stand for their one `expr` when nothing else is in them: `(?v)`, `DESC(?v)`
_WRAPPERS = frozenset({"OrderCondition", "GroupAs", "ConditionalOrExpression", "ConditionalAndExpression",
                       "RelationalExpression", "AdditiveExpression", "MultiplicativeExpression"})


def _without_bound_conditions(sparql: str, names: set[str]) -> str:
    """The query without the GROUP BY and ORDER BY conditions that are one bound variable and nothing
    else (`?v`, `(?v)`, `DESC(?v)`): bound, it is a constant, and grouping or ordering by a constant
    changes nothing, whereas the constant written there would be read by Virtuoso as a column index
    ("SQ200: index of column in order by out of range"). Where nothing else is left, ORDER BY goes;
    GROUP BY becomes `GROUP BY ("")`, still one constant: without any GROUP BY, aggregates over no
    rows would give a row, and a query without aggregates a row per solution.

    The conditions are found by rdflib's SPARQL grammar (its GroupCondition and OrderCondition, read
    one by one after each GROUP BY / ORDER BY keyword); a condition it cannot read ends the clause."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser

    code = _SKIP.sub(lambda m: " " * len(m.group()), sparql)
    text = sparql.replace("\r", "\n")  # same positions; rdflib ends a comment at a line feed only
    cuts: list[tuple[int, int, str]] = []
    for keyword in _MODIFIER.finditer(code):
        group = keyword.group(1).upper() == "GROUP"
        condition = parser.GroupCondition if group else parser.OrderCondition
        found: list[tuple[int, int, bool]] = []  # (start, end, bound)
        loc = keyword.end()
        while True:
            try:
                end, tree = condition._parse(text, loc)
            except (ParseBaseException, RecursionError):
                break
            found.append((condition.preParse(text, loc), end, _bare_variable(tree) in names))
            loc = end
        bound = [(start, end) for start, end, is_bound in found if is_bound]
        if len(bound) == len(found) and bound:
            cuts.append((keyword.start(), found[-1][1], 'GROUP BY ("")' if group else ""))
        else:
            cuts += [(start, end, "") for start, end in bound]
    for start, end, replacement in reversed(cuts):
        sparql = sparql[:start] + replacement + sparql[end:]
    return sparql


def _bare_variable(tree: Any) -> str | None:
    """The name of the variable a parsed condition is, if it is one and nothing else."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    node = tree
    while True:
        if isinstance(node, Variable):
            return str(node)
        if isinstance(node, ParseResults) and len(node) == 1:
            node = node[0]
        elif isinstance(node, CompValue) and node.name in _WRAPPERS and set(dict.keys(node)) <= {"expr", "order"}:
            node = node.get("expr")
        else:
            return None


def _insert_values(text: str, names: str, values: str) -> str:
    """A VALUES block right after the first brace of the WHERE clause."""
    code = _SKIP.sub(lambda m: " " * len(m.group()), text)
    match = _WHERE.search(code)
    if match is None:
        raise BadRequest("the query has no WHERE clause to bind its parameters in")
    return f"{text[:match.end()]} VALUES ({names}) {{ ({values}) }} {text[match.end():]}"


def with_base(sparql: str, base_iri: str | None) -> str:
    """The query with a BASE for its relative IRIs (the protocol has no parameter for it); on its
    first line, so that error positions keep their line numbers."""
    if not base_iri or _BASE.search(_SKIP.sub(lambda m: m.group(1) or " ", sparql)):
        return sparql
    relative = any(m.group(1) and not _SCHEME.match(m.group(1)[1:-1]) for m in _SKIP.finditer(sparql))
    return f"BASE <{base_iri}> {sparql}" if relative else sparql
