"""Running SPARQL safely: what a user query may do, and how its results are serialised.

No flask here: the web's /sparql view and the CLI's `query` both call these functions.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import IO, Any, NamedTuple

import pyoxigraph as ox

from . import formats
from .errors import BadRequest, NotAcceptable

# Tokens that can hide a bracket without being one: comments, strings, IRIs (for check_nesting, and
# remote.py's rewriting of the server's own queries; never for deciding what a user query may do). A
# string without its closing quote runs to the end of the line (or text): the parser refuses it anyway,
# and a pattern that must find the quote would rescan the rest of the line from every quote.
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


def _code_only(sparql: str) -> str:
    """The text with strings, IRIs and comments blanked (a heuristic for remote.py; never a check)."""
    return _SKIP.sub(" ", sparql)


def check_nesting(sparql: str) -> None:
    """Refuse a query or update nested deeper than MAX_NESTING (brackets, braces, quoted triples,
    negations in a row) before a parser recurses into it. A cheap over-estimate, not a parse: an
    escaped name may make it count a bracket too many, never one too few for a parser that recurses."""
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
    """The cheap check of a query where it arrives (a server thread): its nesting depth. The parser's
    check, inspect_query, runs where the query runs, in a process that can be stopped: rdflib takes
    some 40-120 ms for a 2-4 kB query, too long to hold a server thread (and the GIL) for."""
    check_nesting(sparql)


def check_update(sparql: str) -> None:
    """The cheap check of an update where it arrives: its nesting depth. The parser's check,
    inspect_update, runs in the child process that tries the update (no network, a time limit)."""
    check_nesting(sparql)


# -- what a query or update may do: decided by a SPARQL parser (rdflib's), never by a regex ---------
#
# SERVICE (queries and updates) and LOAD (updates) are the only ways SPARQL makes an engine fetch a URL.
# Oxigraph reads a keyword only where its letters stand in the text, in upper or lower case ASCII
# (\u0053ERVICE and the like are refused outside strings and IRIs; checked on pyoxigraph 0.5.13). So a
# text without the letters "service" anywhere cannot ask for SERVICE, one without "load" not for LOAD,
# and one without "from" names no dataset: such a text needs no parse (most queries; this keeps the
# check cheap). Every other text is parsed, and one the parser cannot read is refused (fail closed).


class QueryShape(NamedTuple):
    """What driehoek decides on in a query, as the parser read it."""

    default_graphs: tuple[str, ...] | None = None  # FROM IRIs, resolved; None: no dataset clause at all
    named_graphs: tuple[str, ...] = ()  # FROM NAMED IRIs

    @property
    def has_dataset(self) -> bool:
        """True if the query names its own dataset (FROM / FROM NAMED)."""
        return self.default_graphs is not None


NO_DATASET = QueryShape()
SyntaxCheck = Callable[[str], None]  # raises the engine's own syntax error for a text, if it has one


def needs_inspection(sparql: str) -> bool:
    """False when the text can neither name a dataset nor reach the network: no parse is needed."""
    lowered = sparql.lower()
    return "service" in lowered or "from" in lowered


def inspect_query(sparql: str, base_iri: str | None = None, syntax_check: SyntaxCheck | None = None) -> QueryShape:
    """The parser's check of a query: 400 for SERVICE (it would make the engine fetch a URL a stranger
    chooses) and for a text the parser cannot read; otherwise the query's dataset clauses.

    `syntax_check` may raise the engine's own syntax error for a text the parser refuses (a better
    message for a plain mistake); pass it only where evaluating the text cannot reach any network.
    """
    check_nesting(sparql)
    if not needs_inspection(sparql):
        return NO_DATASET
    tree = _parse(sparql, "query", syntax_check)
    if _contains(tree, "ServiceGraphPattern"):
        raise _network_refusal("SERVICE", "query")
    return _dataset(tree, base_iri)


def inspect_update(sparql: str, syntax_check: SyntaxCheck | None = None) -> None:
    """The parser's check of an update: 400 for LOAD and SERVICE (both fetch URLs) and for a text the
    parser cannot read."""
    check_nesting(sparql)
    lowered = sparql.lower()
    if "service" not in lowered and "load" not in lowered:
        return
    tree = _parse(sparql, "update", syntax_check)
    for name, feature in (("Load", "LOAD"), ("ServiceGraphPattern", "SERVICE")):
        if _contains(tree, name):
            raise _network_refusal(feature, "update")


def has_dataset_clause(sparql: str) -> bool:
    """True if the query names its own dataset (FROM / FROM NAMED), as the parser reads it."""
    return inspect_query(sparql).has_dataset


def _network_refusal(feature: str, kind: str) -> BadRequest:
    if kind == "query":
        return BadRequest("SERVICE (federated query) is disabled on this endpoint: it would make the server "
                          "fetch URLs; query the remote endpoint yourself", feature=feature)
    return BadRequest(f"{feature} is disabled in updates: it would make the server fetch URLs; send the data "
                      "in the request instead", feature=feature)


def _parse(sparql: str, kind: str, syntax_check: SyntaxCheck | None = None) -> Any:
    """rdflib's parse tree of a query or update; 400 when rdflib cannot read it.

    Two differences between rdflib and Oxigraph would each let a SERVICE pass unseen (found by trying):
    rdflib's parseQuery/parseUpdate first expand \\u escapes in the whole text, so `"a\\u0022 # ..."`
    closes a string early and hides the rest of the line in a comment: the grammar is called directly
    instead, and rdflib then refuses such an escape in a string or IRI. And rdflib ends a comment at a
    line feed only, Oxigraph at a carriage return too: CRs are read as line feeds (same length, same
    positions; a CR is whitespace or ends a comment in both, and may stand raw only in long strings).
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser

    grammar = parser.Query if kind == "query" else parser.UpdateUnit
    try:
        return grammar.parse_string(sparql.replace("\r", "\n"), parse_all=True)
    except (ParseBaseException, RecursionError, ValueError) as err:
        if syntax_check is not None:
            syntax_check(sparql)  # the engine's own syntax error, when it has one
        what = "it is nested too deeply for that parser" if isinstance(err, RecursionError) else str(err)
        raise BadRequest(f"the {kind} cannot be checked: it mentions SERVICE, LOAD or FROM, so it is read with a "
                         f"SPARQL 1.1 parser before it runs, and that parser cannot read it ({what}); write it in "
                         "plain SPARQL 1.1 (no \\u escapes, no SPARQL 1.2 syntax) and try again",
                         parser_error=what) from err


def _contains(tree: Any, name: str) -> bool:
    """True if a node of this kind is anywhere in an rdflib parse tree (walked without recursion: the
    tree is as deep as the query is nested)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == name:
                return True
            stack.extend(node.values())
        elif isinstance(node, (ParseResults, list, tuple)):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return False


def _dataset(tree: Any, base_iri: str | None) -> QueryShape:
    """The FROM / FROM NAMED IRIs of a parsed query, prefixed names expanded, relative IRIs resolved."""
    from rdflib.plugins.sparql.algebra import translatePrologue

    prologue, query = tree[0], tree[1]
    clauses = dict.get(query, "datasetClause")  # CompValue.get answers the key itself for a missing key
    if not clauses:
        return NO_DATASET
    try:
        resolved = translatePrologue(prologue, base_iri)
        default = tuple(str(resolved.absolutize(dict.get(c, "default"))) for c in clauses if "default" in c)
        named = tuple(str(resolved.absolutize(dict.get(c, "named"))) for c in clauses if "named" in c)
    except Exception as err:  # rdflib raises a bare Exception for an undeclared prefix
        raise BadRequest(f"the query's dataset cannot be read: {err}") from err
    return QueryShape(default, named)


def update_dataset_positions(sparql: str) -> list[int]:
    """Where USING clauses go to apply the Update protocol's dataset (using-graph-uri): the position of
    the WHERE keyword of each DELETE/INSERT ... WHERE operation, as the parser finds them.

    400 when the update has a USING or WITH clause of its own (the protocol forbids combining the two)
    or cannot be parsed. rdflib's own grammar elements are driven operation by operation, so that their
    end positions are known; none of them is changed (the comment rule added is rdflib's own object).
    """
    from pyparsing import Keyword, Literal, Optional, ParseBaseException, ZeroOrMore
    from rdflib.plugins.sparql import parser

    _parse(sparql, "update")  # the whole text is an update, or 400
    text = sparql.replace("\r", "\n")
    comment = parser.UpdateUnit.ignoreExprs[0]
    head = (Optional(Keyword("WITH", caseless=True) + parser.iri)
            + (parser.DeleteClause + Optional(parser.InsertClause) | parser.InsertClause)
            + ZeroOrMore(parser.UsingClause)).ignore(comment)
    where = Keyword("WHERE", caseless=True).ignore(comment)
    separator = Literal(";").ignore(comment)
    positions: list[int] = []
    loc = 0
    try:
        while True:
            loc, _ = parser.Prologue._parse(text, loc)
            try:
                end, tokens = parser.Update1._parse(text, loc)
            except ParseBaseException:
                return positions  # only blanks and comments are left: the full parse above says so
            operation = tokens[0]
            if operation.name == "Modify":
                if "withClause" in operation or "using" in operation:
                    keyword = "WITH" if "withClause" in operation else "USING"
                    raise BadRequest(f"the update has a {keyword} clause and the request gives using-graph-uri or "
                                     "using-named-graph-uri; the SPARQL Protocol allows only one of the two")
                positions.append(where.preParse(text, head._parse(text, loc)[0]))  # at the W of WHERE
            try:
                loc, _ = separator._parse(text, end)
            except ParseBaseException:
                return positions
    except RecursionError as err:
        raise BadRequest("the update is nested too deeply to apply using-graph-uri to it") from err


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

    # in-process: the parser's check is all that keeps SERVICE off the network here (a local user's query)
    shape = inspect_query(sparql)
    store = service.view()
    # the public graphs minus withdrawn ones, as on /sparql; a query's own FROM decides otherwise
    scope = {} if shape.has_dataset else dataset(store.reader, store.withdrawn)
    try:
        results = store.query(sparql, substitutions=substitutions or None, **scope)
    except SyntaxError as err:
        from .store import syntax_error

        raise syntax_error(err, "query") from err
    kind = result_kind(results)
    serialize(results, pick_format(kind, format_name), output)
    output.flush()
