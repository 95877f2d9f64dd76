"""Running SPARQL safely: what a user query may do, and how its results are serialised.

No flask here: the web's /sparql view and the CLI's `query` both call these functions.
"""

from __future__ import annotations

import itertools
import re
from typing import IO, Any

import pyoxigraph as ox

from . import formats
from .errors import BadRequest, NotAcceptable

# Tokens that can hide the word SERVICE or LOAD without being it: comments, strings, IRIs. A string
# without its closing quote runs to the end of the line (or text): the parser refuses it anyway, and a
# pattern that must find the quote would rescan the rest of the line from every quote (quadratic time).
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:""")?'
    r"|'''(?:[^'\\]|\\.|'(?!''))*(?:''')?"
    r'|"(?:[^"\\\n]|\\.)*"?'
    r"|'(?:[^'\\\n]|\\.)*'?"
    r"|(<[^<>\"{}|^`\\\s]*>)"  # group 1: an IRI
    r"|#[^\n]*",
)
# The parser and the query planner recurse: some 3,000 nested brackets, or negations in a row,
# overflow an 8 MiB thread stack and kill the process running them (for an update, the server).
# Real queries nest a few dozen levels.
MAX_NESTING = 256
_NEGATIONS = re.compile(r"(?:!(?!=)\s*){%d}" % (MAX_NESTING + 1))
_FORBIDDEN_QUERY = re.compile(r"(?<![\w:?$])SERVICE(?![\w:])", re.IGNORECASE)
_FORBIDDEN_UPDATE = re.compile(r"(?<![\w:?$])(SERVICE|LOAD)(?![\w:])", re.IGNORECASE)


def _code_only(sparql: str) -> str:
    return _SKIP.sub(" ", sparql)


_DATASET_CLAUSE = re.compile(r"(?<![\w:?$])FROM(?![\w:])", re.IGNORECASE)


def has_dataset_clause(sparql: str) -> bool:
    """True if the query names its own dataset (FROM / FROM NAMED)."""
    return bool(_DATASET_CLAUSE.search(_code_only(sparql)))


def check_nesting(sparql: str) -> None:
    """Refuse a query or update nested deeper than MAX_NESTING (brackets, braces, quoted triples,
    negations in a row) before a parser recurses into it."""
    if sum(sparql.count(c) for c in "([{<!") <= MAX_NESTING:
        return  # most queries: too few brackets to matter
    # strings and comments go; IRIs stay (they cannot hold braces, and a bracket in one only counts extra)
    code = _SKIP.sub(r"\1", sparql)
    code = code.replace("<<", "(").replace(">>", ")")
    steps = code.encode("utf-8", "replace").translate(_BRACKET_STEP, _NOT_BRACKET)
    depth = max(itertools.accumulate(memoryview(steps).cast("b")), default=0)
    if depth > MAX_NESTING or _NEGATIONS.search(code):
        raise BadRequest(f"the query is nested more than {MAX_NESTING} levels deep (brackets, braces or "
                         "negations); simplify it", limit=MAX_NESTING)


_NOT_BRACKET = bytes(b for b in range(256) if b not in b"([{)]}")
_BRACKET_STEP = bytes.maketrans(b"([{)]}", b"\x01\x01\x01\xff\xff\xff")  # +1 / -1 as signed bytes


def check_query(sparql: str) -> None:
    """Refuse federated queries (SERVICE would make the server fetch URLs a stranger chooses) and
    queries nested too deeply to parse safely."""
    check_nesting(sparql)
    if _FORBIDDEN_QUERY.search(_code_only(sparql)):
        raise BadRequest("SERVICE (federated query) is disabled on this endpoint: it would make the "
                         "server fetch URLs; query the remote endpoint yourself", feature="SERVICE")


def check_update(sparql: str) -> None:
    """Refuse LOAD and SERVICE in updates (both fetch URLs) and updates nested too deeply."""
    check_nesting(sparql)
    match = _FORBIDDEN_UPDATE.search(_code_only(sparql))
    if match:
        raise BadRequest(f"{match.group(1).upper()} is disabled in updates: it would make the server "
                         "fetch URLs; send the data in the request instead", feature=match.group(1).upper())


def result_kind(results: Any) -> str:
    """'boolean', 'solutions' or 'graph'."""
    if isinstance(results, ox.QueryBoolean):
        return "boolean"
    if isinstance(results, ox.QuerySolutions):
        return "solutions"
    return "graph"


def offered_formats(kind: str) -> tuple[formats.Format, ...]:
    """The formats a result of this kind can be serialised to, best first."""
    return formats.RESULTS_FORMATS if kind in ("boolean", "solutions") else formats.GRAPH_FORMATS


def serialize(results: Any, fmt: formats.Format, output: IO[bytes]) -> None:
    """Write results in `fmt` (one of offered_formats(result_kind(results)))."""
    kind = result_kind(results)
    if kind == "graph":
        assert fmt.rdf is not None
        triples = results
        if fmt.is_dataset:
            # a CONSTRUCT result is a graph: in TriG/N-Quads it is the default graph
            ox.serialize((ox.Quad(t.subject, t.predicate, t.object) for t in triples), output, fmt.rdf)
        else:
            results.serialize(output, fmt.rdf)
        return
    assert fmt.results is not None
    results.serialize(output, fmt.results)


def pick_format(kind: str, name: str | None) -> formats.Format:
    """A format by name for a result kind, or the kind's default."""
    offered = offered_formats(kind)
    if not name:
        return formats.RESULTS_TSV if kind != "graph" else formats.TURTLE
    try:
        return formats.by_name(name, offered)
    except formats.UnknownFormat as err:
        raise NotAcceptable(str(err)) from err


def run_local_query(service: Any, sparql: str, substitutions: dict[Any, Any], format_name: str | None,
                    output: IO[bytes]) -> None:
    """Run a query in-process on the newest snapshot's public graphs (CLI use)."""
    from .queries import dataset

    check_query(sparql)
    store = service.snapshot()
    # the public graphs minus withdrawn ones, as on /sparql; a query's own FROM decides otherwise
    scope = {} if has_dataset_clause(sparql) else dataset(store, service.withdrawn_graphs(store))
    try:
        results = store.query(sparql, substitutions=substitutions or None, **scope)
    except SyntaxError as err:
        from .store import syntax_error

        raise syntax_error(err, "query") from err
    kind = result_kind(results)
    serialize(results, pick_format(kind, format_name), output)
    output.flush()
