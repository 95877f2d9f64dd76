"""An organisation's relations as a table (/org/{code}/relations): filtered by type and day, sorted,
paged, the rows kept for the last organisations asked for."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyoxigraph as ox

from .. import pages
from ..pages import Link, Pages, pick, sort_key
from .table import Column, Paging, Table, paged, sort_items

RELATION_COLUMNS = (
    Column("other", {"nl": "Organisatie", "en": "Organisation"}, "link"),
    Column("role", {"nl": "Rol", "en": "Role"}, "text"),
    Column("type", {"nl": "Soort relatie", "en": "Relation type"}, "link"),
    Column("direction", {"nl": "Richting", "en": "Direction"}, "text", sortable=False),
    Column("start", {"nl": "Sinds", "en": "Since"}, "date"),
    Column("end", {"nl": "Tot", "en": "Until"}, "date"),
    Column("legal_bases", {"nl": "Wettelijke grondslag", "en": "Legal basis"}, "links", sortable=False),
    Column("sources", {"nl": "Bron", "en": "Source"}, "links", sortable=False),
    Column("relation", {"nl": "Relatie", "en": "Relation"}, "link", sortable=False),
)


@dataclass(frozen=True)
class RelationFilters:
    """The filters of /org/<code>/relations."""

    type_slug: str = ""
    on: str = ""  # an ISO date: the relations that held on it
    current: bool = False


def relation_types_of(rows: list[pages.RelationRow]) -> list[tuple[str, Link, int]]:
    """The relation types among rows with their counts: (slug, link, count)."""
    counts: dict[str, tuple[Link, int]] = {}
    for row in rows:
        slug = row.type.iri.rsplit("/", 1)[-1]
        link, n = counts.get(slug, (row.type, 0))
        counts[slug] = (link, n + 1)
    return sorted(((s, link, n) for s, (link, n) in counts.items()), key=lambda t: -t[2])


def relations(reader: Pages, iri: str, lang: str, filters: RelationFilters, paging: Paging,
              today: str | None = None) -> Table:
    """Every relation of an organisation (the rows its page summarises), filtered by type and date,
    sorted, one page or all; legal bases and sources filled in for the rows of the page."""
    today = today or date.today().isoformat()
    every = _relation_rows(reader, iri)
    rows = every
    if filters.type_slug:
        rows = [r for r in rows if r.type.iri.rsplit("/", 1)[-1] == filters.type_slug]
    if filters.on:
        rows = [r for r in rows if r.current(filters.on)]
    if filters.current:
        rows = [r for r in rows if r.current(today)]
    sort = paging.sort
    if sort is not None:
        keys: dict[str, Callable[[pages.RelationRow], Any]] = {
            "other": lambda r: sort_key(pick(r.other.labels, r.other.iri, lang)),
            "role": lambda r: pick(pages.ROLE_LABELS.get(r.role), r.role, lang),
            "type": lambda r: sort_key(pick(r.type.labels, r.type.iri, lang)),
            "start": lambda r: r.start, "end": lambda r: r.end,
        }
        rows = sort_items(rows, keys[sort.key], sort.descending)
    table = paged("relations-" + iri.rsplit("/", 1)[-1], RELATION_COLUMNS, rows, paging, lambda r: r,
                  types=relation_types_of(every), every=len(every), today=today)
    details = _relation_details(reader, [r.node.iri for r in table.rows if r.node is not None])
    built = []
    for r in table.rows:
        legal, sources = details.get(r.node.iri, ((), ())) if r.node else ((), ())
        built.append({
            "other": r.other, "role": pick(pages.ROLE_LABELS.get(r.role), r.role, lang), "role_key": r.role,
            "type": r.type, "direction": r.direction, "start": r.start, "end": r.end,
            "legal_bases": list(r.legal_bases or legal), "sources": list(r.sources or sources),
            "relation": r.node, "current": r.current(today),
        })
    table.rows = built
    return table


_RELATIONS_KEPT = 64  # organisations whose relation rows are kept: paging, sorting and CSV reuse them
_relation_cache: OrderedDict[tuple[int, str, str], list[pages.RelationRow]] = OrderedDict()
_relation_lock = threading.Lock()


def _relation_rows(reader: Pages, iri: str) -> list[pages.RelationRow]:
    """The organisation's relations as its page lists them (Pages.relations), kept for the last
    _RELATIONS_KEPT organisations of a snapshot: the next page, another sort or the CSV of the same
    organisation is list work, not the relations query again (BZK: 1,104 rows)."""
    key = (id(reader.snapshot), reader.snapshot.key, iri)
    with _relation_lock:
        if key in _relation_cache:
            _relation_cache.move_to_end(key)
            return _relation_cache[key]
    rows = reader.relations(iri)
    with _relation_lock:
        _relation_cache[key] = rows
        while len(_relation_cache) > _RELATIONS_KEPT:
            _relation_cache.popitem(last=False)
    return rows


def _relation_details(reader: Pages, nodes: list[str]) -> dict[str, tuple[list[Link], list[Link]]]:
    """Legal bases and sources of these relation nodes (one query for a page's rows)."""
    if not nodes:
        return {}
    found: dict[str, tuple[set[str], set[str]]] = {}
    query = pages.RELATION_DETAILS.replace("?RELATIONS", " ".join(str(ox.NamedNode(n)) for n in nodes))
    for row in reader.select(query):
        legal, sources = found.setdefault(row["relation"].value, (set(), set()))
        if "legal" in row:
            legal.add(row["legal"].value)
        if "source" in row:
            sources.add(row["source"].value)
    return {k: (reader.links(ox.NamedNode(v) for v in legal), reader.links(ox.NamedNode(v) for v in sources))
            for k, (legal, sources) in found.items()}
