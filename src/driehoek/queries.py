"""The named research queries in queries/: one .rq each, with header lines

    # title: Triangle of an organisation
    # title-nl: De driehoek rond een organisatie
    # description: its ministry, its supervisors and the bodies it works with
    # description-nl: het ministerie, de toezichthouders en de organisaties waarmee zij werkt
    # param: org iri https://identifier.overheid.nl/tooi/id/zbo/zb000117

A `param` line names a variable that callers may bind (iri, string, date or integer) and a default.
Values are bound with pyoxigraph's `substitutions`, which binds a variable only where the query
projects it: every parameter is therefore in the SELECT clause of its query.

Over HTTP a named query runs in a query worker like any /sparql query, under the same time limit
(`worker_substitutions` binds its parameters there, `read_table` reads its answer back for the HTML
table): one of them can take long on a large store, and downloads of it once held every server
thread. The CLI and the report run them in-process (`execute`, `run`, `serialize`). Either way the
caller's part is limited to parameter values, each checked by `Param.term`, and the default graph is
the union of the snapshot's graphs minus the withdrawn ones, as for /sparql.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import IO, Any

import pyoxigraph as ox

from . import formats
from .errors import BadRequest, NotFound
from .store import syntax_error

_HEADER = re.compile(r"^#\s*(title-nl|title|description-nl|description|param)\s*:\s*(.*)$")
PARAM_KINDS = ("iri", "string", "date", "integer")
XSD = "http://www.w3.org/2001/XMLSchema#"
_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_STRING = 200  # a parameter is a name, a code or a language tag, never a document


@dataclass(frozen=True)
class Param:
    """A variable of a named query that a caller may bind."""

    name: str
    kind: str
    default: str | None

    def term(self, raw: str) -> ox.NamedNode | ox.Literal:
        """Turn a caller's string into the RDF term for this parameter, or refuse it clearly."""
        try:
            if self.kind == "iri":
                if not _IRI.match(raw):
                    raise ValueError("not an absolute IRI")
                return ox.NamedNode(raw)
            if self.kind == "date":
                if not _DATE.fullmatch(raw):
                    raise ValueError("not a date YYYY-MM-DD")
                datetime.date.fromisoformat(raw)  # refuses 2024-13-45
                return ox.Literal(raw, datatype=ox.NamedNode(XSD + "date"))
            if self.kind == "integer":
                if not _INTEGER.fullmatch(raw):
                    raise ValueError("not an integer")
                return ox.Literal(str(int(raw)), datatype=ox.NamedNode(XSD + "integer"))
            if len(raw) > MAX_STRING:
                raise ValueError(f"longer than {MAX_STRING} characters")
            return ox.Literal(raw)
        except ValueError as err:
            raise BadRequest(f"parameter {self.name}={raw!r}: {err}", parameter=self.name) from err

    def to_json(self) -> dict[str, Any]:
        """The parameter as listed by /queries."""
        return {"name": self.name, "kind": self.kind, "default": self.default}


@dataclass(frozen=True)
class NamedQuery:
    """A query from queries/, its metadata and parameters."""

    name: str
    title: str
    description: str
    text: str
    params: tuple[Param, ...]
    title_nl: str = ""
    description_nl: str = ""

    def title_in(self, lang: str) -> str:
        """The title in `lang` (nl or en), falling back to the other one."""
        return (self.title_nl or self.title) if lang == "nl" else (self.title or self.title_nl)

    def description_in(self, lang: str) -> str:
        """The description in `lang` (nl or en), falling back to the other one."""
        if lang == "nl":
            return self.description_nl or self.description
        return self.description or self.description_nl

    def param_names(self) -> list[str]:
        """The names of the parameters, in header order."""
        return [p.name for p in self.params]

    def values(self, given: dict[str, str]) -> dict[str, str]:
        """Each parameter's effective value as text: the given one, else the default ('' if neither)."""
        return {p.name: given.get(p.name) or p.default or "" for p in self.params}

    def substitutions(self, given: dict[str, str]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Bindings for pyoxigraph's `substitutions`: given values, else defaults."""
        unknown = set(given) - {p.name for p in self.params}
        if unknown:
            raise BadRequest(f"query {self.name} has no parameter(s) {', '.join(sorted(unknown))}; "
                             f"it takes: {', '.join(p.name for p in self.params) or 'none'}",
                             parameters=self.param_names())
        bound = {}
        for param in self.params:
            raw = given.get(param.name) or param.default  # an empty form field means the default
            if raw not in (None, ""):
                bound[ox.Variable(param.name)] = param.term(raw)
        return bound

    def with_values(self, given: dict[str, str]) -> str:
        """The query text with the parameters bound, as the remote store sends it: each use of a
        parameter becomes its value, in nested groups too (a VALUES block at the start of the WHERE
        clause would not reach a FILTER inside a UNION branch, and the query would answer nothing):
        a query that gives the same rows anywhere, e.g. pasted into a SPARQL editor."""
        from .sparql_bind import bind
        from .store.client import Skolem

        bound = self.substitutions(given)
        if not bound:
            return self.text
        return bind(self.text, bound, Skolem(""))  # parameters are never blank nodes

    def to_json(self) -> dict[str, Any]:
        """The query as listed by /queries."""
        return {"name": self.name, "title": {"en": self.title, "nl": self.title_nl},
                "description": {"en": self.description, "nl": self.description_nl},
                "params": [p.to_json() for p in self.params]}


def parse_query_file(name: str, text: str) -> NamedQuery:
    """Read the header lines of one .rq file."""
    meta: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            continue
        key, value = match.groups()
        if key == "param":
            parts = value.split(None, 2)
            if len(parts) < 2 or parts[1] not in PARAM_KINDS:
                raise ValueError(f"{name}.rq: bad param line {line!r}; '# param: NAME KIND [DEFAULT]'")
            params.append(Param(parts[0], parts[1], parts[2] if len(parts) > 2 else None))
        else:
            meta.setdefault(key, value)
    if "title" not in meta:
        raise ValueError(f"{name}.rq: missing '# title:' header")
    return NamedQuery(name, meta["title"], meta.get("description", ""), text, tuple(params),
                      meta.get("title-nl", ""), meta.get("description-nl", ""))


@functools.cache
def all_queries() -> dict[str, NamedQuery]:
    """Every named query bundled in queries/, by name."""
    root = resources.files("driehoek") / "queries"
    found = {}
    if root.is_dir():
        for item in sorted(root.iterdir(), key=lambda p: p.name):
            if item.name.endswith(".rq"):
                name = item.name[:-3]
                found[name] = parse_query_file(name, item.read_text("utf-8"))
    return found


def get(name: str) -> NamedQuery:
    """One named query, or NotFound listing the ones there are."""
    try:
        return all_queries()[name]
    except KeyError:
        raise NotFound(f"no named query {name!r}; see /queries or `driehoek query --list`") from None


# -- running -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One value of a result row, typed for templates: an IRI, a blank node or a literal."""

    kind: str  # "iri", "bnode", "literal" or "triple"
    value: str
    language: str = ""
    datatype: str = ""

    @classmethod
    def from_term(cls, term: Any) -> Cell:
        """The cell for a pyoxigraph term."""
        if isinstance(term, ox.NamedNode):
            return cls("iri", term.value)
        if isinstance(term, ox.BlankNode):
            return cls("bnode", term.value)
        if isinstance(term, ox.Literal):
            return cls("literal", term.value, term.language or "", term.datatype.value)
        return cls("triple", str(term))


@dataclass(frozen=True)
class Column:
    """A column of the HTML table: a variable, shown by the text of its `…Label` partner if it has one."""

    name: str
    label_variable: str | None = None


@dataclass
class Table:
    """A named query's answer for HTML: variables, rows of cells (None where unbound), and whether
    rows were left out at the cap."""

    variables: list[str]
    rows: list[list[Cell | None]] = field(default_factory=list)
    truncated: bool = False
    limit: int | None = None

    def columns(self, hidden: Iterable[str] = ()) -> list[Column]:
        """Columns to show: parameters left out (the form shows them); a variable `x` with a partner
        `xLabel` becomes one column that shows the label and links to x."""
        hide = set(hidden)
        names = set(self.variables)
        shown = []
        for name in self.variables:
            if name in hide:
                continue
            if name.endswith("Label") and name[: -len("Label")] in names and name[: -len("Label")] not in hide:
                continue  # shown with its partner
            partner = name + "Label"
            shown.append(Column(name, partner if partner in names else None))
        return shown

    def cell(self, row: list[Cell | None], variable: str) -> Cell | None:
        """The value of `variable` in `row`."""
        return row[self.variables.index(variable)]


def dataset(store: ox.Store, withdrawn: Iterable[str] = ()) -> dict[str, Any]:
    """Query options for a default graph that is the union of the store's graphs (a snapshot holds
    public graphs only) minus the withdrawn ones.

    With nothing withdrawn this is Oxigraph's union default graph. An explicit list of graphs gives
    the same answers (except that the union repeats a triple stated in two graphs, which the queries
    absorb with DISTINCT) but runs 10 to 30 times slower on the bundled data (13,381 relations counted
    in 0.24 s as the union, 5.2 s as a list of 32 graphs), so it is used only when needed.
    """
    hidden = set(withdrawn)
    if not hidden:
        return {"use_default_graph_as_union": True}
    return {"default_graph": [ox.DefaultGraph(), *(g for g in store.named_graphs()
                                                   if isinstance(g, ox.NamedNode) and g.value not in hidden)]}


def execute(named: NamedQuery, store: ox.Store, params: dict[str, str], *, withdrawn: Iterable[str] = (),
            base_iri: str | None = None) -> ox.QuerySolutions:
    """Run a named query with its parameters bound; the solutions are read lazily."""
    substitutions = named.substitutions(params)
    kwargs: dict[str, Any] = dataset(store, withdrawn)
    if substitutions:
        kwargs["substitutions"] = substitutions
    if base_iri:
        kwargs["base_iri"] = base_iri
    try:
        results = store.query(named.text, **kwargs)
    except SyntaxError as err:
        raise syntax_error(err, f"{named.name}.rq") from err
    except (OSError, RuntimeError) as err:
        raise BadRequest(f"query {named.name} failed: {err}") from err
    if not isinstance(results, ox.QuerySolutions):
        raise BadRequest(f"query {named.name} is not a SELECT query")
    return results


def run(named: NamedQuery, store: ox.Store, params: dict[str, str], *, withdrawn: Iterable[str] = (),
        limit: int | None = None, base_iri: str | None = None) -> Table:
    """Run a named query and collect typed rows, at most `limit` of them (None: all)."""
    results = execute(named, store, params, withdrawn=withdrawn, base_iri=base_iri)
    try:
        return _table(results, limit)
    except (OSError, RuntimeError) as err:  # some errors surface only while iterating
        raise BadRequest(f"query {named.name} failed: {err}") from err


def read_table(named: NamedQuery, results: IO[bytes], *, limit: int | None = None) -> Table:
    """The typed rows of a named query's answer in SPARQL results JSON (as a query worker writes it),
    at most `limit` of them (None: all); the rest of the answer is not read."""
    try:
        solutions = ox.parse_query_results(results, ox.QueryResultsFormat.JSON)
        if not isinstance(solutions, ox.QuerySolutions):
            raise BadRequest(f"query {named.name} is not a SELECT query")
        return _table(solutions, limit)
    except (SyntaxError, OSError) as err:
        raise BadRequest(f"the answer of query {named.name} cannot be read: {err}") from err


def _table(results: ox.QuerySolutions, limit: int | None) -> Table:
    variables = [v.value for v in results.variables]
    table = Table(variables, limit=limit)
    for solution in results:
        if limit is not None and len(table.rows) >= limit:
            table.truncated = True
            break
        table.rows.append([None if solution[v] is None else Cell.from_term(solution[v]) for v in variables])
    return table


def worker_substitutions(named: NamedQuery, params: dict[str, str]) -> tuple[tuple[str, str, str, str], ...]:
    """The parameters bound as a query worker takes them (workers.QueryJob.substitutions):
    (variable, kind, value, datatype or language) with kind "iri", "lang" or "literal"."""
    bound = []
    for variable, term in named.substitutions(params).items():
        if isinstance(term, ox.NamedNode):
            bound.append((variable.value, "iri", term.value, ""))
        elif term.language:
            bound.append((variable.value, "lang", term.value, term.language))
        else:
            bound.append((variable.value, "literal", term.value, term.datatype.value))
    return tuple(bound)


def serialize(named: NamedQuery, store: ox.Store, params: dict[str, str], fmt: formats.Format,
              output: IO[bytes], *, withdrawn: Iterable[str] = (), base_iri: str | None = None) -> None:
    """Write every row of a named query's answer in a SPARQL results format (JSON, CSV, ...)."""
    if fmt.results is None:
        raise ValueError(f"{fmt.name} is not a SPARQL results format")
    results = execute(named, store, params, withdrawn=withdrawn, base_iri=base_iri)
    try:
        results.serialize(output, fmt.results)
    except (OSError, RuntimeError) as err:
        raise BadRequest(f"query {named.name} failed: {err}") from err
