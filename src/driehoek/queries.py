"""The named research queries in queries/: one .rq each, with header lines

    # title: Triangle of an organisation
    # description: its ministry, its supervisors and the bodies it works with
    # param: org iri https://identifier.overheid.nl/tooi/id/zbo/zb000117

A `param` line names a variable that callers may bind (iri, string, date or integer) and a default.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

import pyoxigraph as ox

from .errors import BadRequest, NotFound

_HEADER = re.compile(r"^#\s*(title|description|param)\s*:\s*(.*)$")
PARAM_KINDS = ("iri", "string", "date", "integer")


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
                if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*$", raw):
                    raise ValueError("not an absolute IRI")
                return ox.NamedNode(raw)
            if self.kind == "date":
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                    raise ValueError("not a date YYYY-MM-DD")
                return ox.Literal(raw, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
            if self.kind == "integer":
                int(raw)
                return ox.Literal(raw, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
            return ox.Literal(raw)
        except ValueError as err:
            raise BadRequest(f"parameter {self.name}={raw!r}: {err}", parameter=self.name) from err


@dataclass(frozen=True)
class NamedQuery:
    """A query from queries/, its metadata and parameters."""

    name: str
    title: str
    description: str
    text: str
    params: tuple[Param, ...]

    def substitutions(self, given: dict[str, str]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Bindings for pyoxigraph's `substitutions`: given values, else defaults."""
        unknown = set(given) - {p.name for p in self.params}
        if unknown:
            raise BadRequest(f"query {self.name} has no parameter(s) {', '.join(sorted(unknown))}; "
                             f"it takes: {', '.join(p.name for p in self.params) or 'none'}")
        bound = {}
        for param in self.params:
            raw = given.get(param.name, param.default)
            if raw not in (None, ""):
                bound[ox.Variable(param.name)] = param.term(raw)
        return bound


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
    return NamedQuery(name, meta["title"], meta.get("description", ""), text, tuple(params))


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
