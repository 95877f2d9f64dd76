"""/organisations as a table: the per-snapshot organisation table, its filters and sorts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyoxigraph as ox

from .. import pages
from ..iris import DH, ORG, SCHEMA, TOOI_ORG_PREFIX
from ..pages import Labels, Link, Pages, pick, sort_key
from .cases import case_table
from .table import Column, Paging, Table, paged, sort_items


@dataclass(frozen=True)
class OrgRecord:
    """An organisation's row data, from the per-snapshot organisation table."""

    iri: str
    labels: Labels
    alt: tuple[str, ...]
    type: str | None
    corners: tuple[str, ...]
    parents: tuple[str, ...]
    founded: str | None
    dissolved: str | None
    cases: int
    relations: int

    def current(self, today: str) -> bool:
        """Still existing on `today`: no dissolution date, or one after it."""
        return self.dissolved is None or self.dissolved > today


ORGANISATION_COLUMNS = (
    Column("organisation", {"nl": "Naam", "en": "Name"}, "link"),
    Column("abbreviations", {"nl": "Afkorting", "en": "Abbreviation"}, "texts", sortable=False),
    Column("type", {"nl": "Soort", "en": "Type"}, "link"),
    Column("corners", {"nl": "Hoek", "en": "Corner"}, "links"),
    Column("reports_to", {"nl": "Valt onder", "en": "Reports to"}, "links"),
    Column("founded", {"nl": "Opgericht", "en": "Founded"}, "date"),
    Column("dissolved", {"nl": "Opgeheven", "en": "Dissolved"}, "date"),
    Column("cases", {"nl": "Succesverhalen", "en": "Cases"}, "number"),
    Column("relations", {"nl": "Relaties", "en": "Relations"}, "number"),
)


def organisation_table(reader: Pages) -> dict[str, OrgRecord]:
    """Every organisation with what its row shows, built once per snapshot from index lookups."""
    def compute() -> dict[str, OrgRecord]:
        def values(predicate: str) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for quad in reader.quads(None, ox.NamedNode(predicate), None):
                if isinstance(quad.subject, ox.NamedNode):
                    bucket = found.setdefault(quad.subject.value, [])
                    if quad.object.value not in bucket:
                        bucket.append(quad.object.value)
            return found
        types = values(DH + "organisationType")
        corners = values(DH + "corner")
        accountable = values(DH + "accountableTo")
        parts = values(ORG + "subOrganizationOf")
        founded = values(SCHEMA + "foundingDate")
        dissolved = values(SCHEMA + "dissolutionDate")
        cases: dict[str, int] = {}
        for record in case_table(reader).values():
            for org in record.organisations:
                cases[org] = cases.get(org, 0) + 1
        relations = relation_counts(reader)
        table = {}
        for entry in reader.organisation_index():
            iri = entry.iri
            table[iri] = OrgRecord(
                iri, entry.labels, entry.alt_labels, (types.get(iri) or [None])[0],
                tuple(sorted(corners.get(iri, []), key=_corner_order)),
                tuple(sorted(accountable.get(iri) or parts.get(iri) or [])),
                min(founded[iri]) if iri in founded else None, min(dissolved[iri]) if iri in dissolved else None,
                cases.get(iri, 0), relations.get(iri, 0))
        return table
    result: dict[str, OrgRecord] = reader.snapshot.cached("tables:organisations", compute)
    return result


def _corner_order(iri: str) -> int:
    slug = iri.rsplit("/", 1)[-1]
    return pages.CORNERS.index(slug) if slug in pages.CORNERS else 9


def relation_counts(reader: Pages) -> dict[str, int]:
    """Relations per organisation as its relations table counts them: every qualified dh:Relation
    with a type, and every direct triple that no qualified relation of its type covers."""
    nodes: dict[str, dict[str, str]] = {}
    for predicate in ("from", "to", "relationType"):
        for quad in reader.quads(None, ox.NamedNode(DH + predicate), None):
            if isinstance(quad.object, ox.NamedNode):
                nodes.setdefault(str(quad.subject), {}).setdefault(predicate, quad.object.value)
    counts: dict[str, int] = {}
    covered: set[tuple[str, str, str]] = set()
    for node in nodes.values():
        if len(node) < 3 or node["from"] == node["to"]:
            continue
        covered.add((node["relationType"].rsplit("/", 1)[-1], node["from"], node["to"]))
        for org in (node["from"], node["to"]):
            counts[org] = counts.get(org, 0) + 1
    for predicate, slug in pages.DIRECT_PROPERTIES.items():
        seen: set[tuple[str, str]] = set()
        for quad in reader.quads(None, ox.NamedNode(predicate), None):
            if not isinstance(quad.object, ox.NamedNode) or not isinstance(quad.subject, ox.NamedNode):
                continue
            pair = (quad.subject.value, quad.object.value)
            if pair in seen or (slug, *pair) in covered:
                continue
            seen.add(pair)
            for org in pair:
                counts[org] = counts.get(org, 0) + 1
    return counts


@dataclass(frozen=True)
class OrganisationFilters:
    """The filters of /organisations."""

    type_slug: str = ""
    corner: str = ""
    ministry: str = ""  # the ministry's IRI
    text: str = ""
    current: bool = False


def organisations(reader: Pages, lang: str, filters: OrganisationFilters, paging: Paging,
                  today: str | None = None) -> Table:
    """/organisations as a table: filtered, sorted (by name unless asked), one page or all."""
    today = today or date.today().isoformat()
    table = organisation_table(reader)
    records = list(table.values())
    if filters.type_slug:
        wanted = reader.base + "def/organisation-type/" + filters.type_slug
        records = [r for r in records if r.type == wanted]
    if filters.corner:
        wanted = reader.base + "def/corner/" + filters.corner
        records = [r for r in records if wanted in r.corners]
    if filters.ministry:
        # agencies and zbo's account to the ministry; its units (and theirs) are part of it
        rows = reader.select("SELECT DISTINCT ?org WHERE { ?org (dh:accountableTo|org:subOrganizationOf)+ ?ministry }",
                             ministry=ox.NamedNode(filters.ministry))
        chosen = {row["org"].value for row in rows}
        records = [r for r in records if r.iri in chosen]
    if filters.current:
        records = [r for r in records if r.current(today)]
    needle = " ".join(filters.text.split()).casefold()
    if needle:
        haystacks = {e.iri: e.haystack for e in reader.organisation_index()}
        records = [r for r in records if needle in haystacks.get(r.iri, "")]

    def name(r: OrgRecord) -> str:
        return sort_key(pick(r.labels, r.iri, lang))
    records.sort(key=name)
    sort = paging.sort
    if sort is not None and sort.key != "organisation":
        label_of = lambda iri: sort_key(pick(reader.labels(iri), iri, lang))  # noqa: E731
        keys: dict[str, Callable[[OrgRecord], Any]] = {
            "type": lambda r: label_of(r.type) if r.type else None,
            "corners": lambda r: tuple(_corner_order(c) for c in r.corners) or None,
            "reports_to": lambda r: tuple(label_of(p) for p in r.parents) or None,
            "founded": lambda r: r.founded, "dissolved": lambda r: r.dissolved,
            "cases": lambda r: r.cases, "relations": lambda r: r.relations,
        }
        records = sort_items(records, keys[sort.key], sort.descending)
    elif sort is not None and sort.descending:
        records.reverse()

    def row(r: OrgRecord) -> dict[str, Any]:
        return {
            "organisation": Link(r.iri, r.labels, reader.href(r.iri)), "abbreviations": list(r.alt),
            "type": reader.link(r.type) if r.type else None,
            "corners": [reader.link(c) for c in r.corners], "reports_to": [reader.link(p) for p in r.parents],
            "founded": r.founded, "dissolved": r.dissolved, "cases": r.cases, "relations": r.relations,
            "code": r.iri.rsplit("/", 1)[-1] if r.iri.startswith(TOOI_ORG_PREFIX) else None,
            "current": r.current(today),
        }
    return paged("organisations", ORGANISATION_COLUMNS, records, paging, row, today=today)
