"""History of an organisation for its page: its predecessors and successors, from the qualified
predecessor-of relations (with the day and kind of the change and their epistemic status) and from
the register's direct dh:predecessor / dh:successor triples that no qualified relation covers.

Valid time in driehoek (docs/model.md, "History and valid time"): a relation holds on a day D when
its start is on or before D (no start: since before the record) and its end on or after D (the end
day is included; no end: still in force).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from .pages.model import Link, RelationRow


def holds_on(start: str | None, end: str | None, day: str) -> bool:
    """True if a period with these ISO dates (None: open) includes `day`, both ends included."""
    return (start is None or start <= day) and (end is None or day <= end)


def held_on(relations: Iterable[RelationRow], day: str,
            lifetime: Callable[[str], tuple[str | None, str | None]],
            names_on: Callable[[str, str], list[str]]) -> list[RelationRow]:
    """The relations of an organisation that held on `day`, by the rule of the named queries
    accountable-to-on-date and supervisors-on-date: a qualified relation (a node with its own dates;
    a bare direct triple says nothing about when) whose period includes the day, with another
    organisation that existed on it (founded on or before the day, dissolved on or after it). The
    caller has checked that the organisation itself existed. The other organisation keeps the
    name(s) it had on the day where its names are dated."""
    held: list[RelationRow] = []
    for row in relations:
        if row.node is None or not holds_on(row.start, row.end, day) or not holds_on(*lifetime(row.other.iri), day):
            continue
        names = names_on(row.other.iri, day)
        if names:
            row = replace(row, other=Link(row.other.iri, {"nl": " / ".join(names)}, row.other.href))
        held.append(row)
    return held


def names_on(names: Iterable[tuple[str, str | None, str | None]], day: str) -> list[str]:
    """The names (value, start, end) valid on `day`, as accountable-to-on-date takes them: only dated
    names count (an undated name says nothing about the day); several where records overlap."""
    return sorted({value for value, start, end in names
                   if value and (start or end) and holds_on(start, end, day)})


def predecessors_and_successors(relations: Iterable[RelationRow], register: Iterable[tuple[str, Link]],
                                predecessor_type: Link) -> tuple[list[RelationRow], list[RelationRow]]:
    """(predecessors, successors) of an organisation, oldest change first: the predecessor-of rows of
    its relations, then a row without dates for each register triple naming another organisation."""
    predecessors: list[RelationRow] = []
    successors: list[RelationRow] = []
    for row in relations:
        if row.role == "successor-of":  # the other organisation is the predecessor
            predecessors.append(row)
        elif row.role == "predecessor-of":
            successors.append(row)
    known = {("predecessor", r.other.iri) for r in predecessors} | {("successor", r.other.iri) for r in successors}
    for kind, other in register:
        if (kind, other.iri) in known:
            continue
        known.add((kind, other.iri))
        target = predecessors if kind == "predecessor" else successors
        role, direction = ("successor-of", "in") if kind == "predecessor" else ("predecessor-of", "out")
        target.append(RelationRow(None, predecessor_type, role, direction, other, None, None))
    for rows in (predecessors, successors):
        rows.sort(key=lambda r: (r.start or "", r.other.iri))
    return predecessors, successors
