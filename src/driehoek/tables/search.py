"""Search as a table: the per-snapshot search index, the hits ranked, one page of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pyoxigraph as ox

from ..iris import DH
from ..pages import Labels, Link, Pages, pick, sort_key
from .cases import case_table
from .organisations import organisation_table
from .table import Column, Paging, Table, paged

SEARCH_KINDS = ("organisation", "case", "theme", "event")


@dataclass(frozen=True)
class SearchEntry:
    """One thing search can find: its names (with what each is), its type, status and dates."""

    iri: str
    kind: str
    labels: Labels
    names: tuple[tuple[str, str], ...]  # (case-folded text, what it is: name | former-name | abbreviation | title)
    long_texts: tuple[str, ...]  # abstracts, definitions: matched, ranked after names
    type: str | None  # organisation type / meeting type IRI
    status: str | None  # case status IRI; None for organisations (see dissolved)
    start: str | None
    end: str | None  # dissolution date of an organisation, end of a case
    organisations: tuple[str, ...] = ()  # cases: the organisations involved
    sort: str = ""


@dataclass(frozen=True)
class Hit:
    """A search result: the entry, why it was found (and through which organisation)."""

    entry: SearchEntry
    rank: int
    reason: str  # name | abbreviation | former-name | title | text | involves
    via: str | None = None  # the organisation whose name matched, for "case involving UWV"


SEARCH_COLUMNS = (
    Column("kind", {"nl": "Soort", "en": "Kind"}, "text", sortable=False),
    Column("name", {"nl": "Naam", "en": "Name"}, "link", sortable=False),
    Column("type", {"nl": "Type", "en": "Type"}, "link", sortable=False),
    Column("status", {"nl": "Status", "en": "Status"}, "text", sortable=False),
    Column("start", {"nl": "Begin", "en": "Start"}, "date", sortable=False),
    Column("end", {"nl": "Einde", "en": "End"}, "date", sortable=False),
    Column("found_in", {"nl": "Gevonden in", "en": "Found in"}, "text", sortable=False),
    Column("via", {"nl": "Via", "en": "Via"}, "link", sortable=False),
)

REASONS: dict[str, Labels] = {
    "name": {"nl": "naam", "en": "name"}, "abbreviation": {"nl": "afkorting", "en": "abbreviation"},
    "former-name": {"nl": "vroegere naam", "en": "former name"}, "title": {"nl": "titel", "en": "title"},
    "text": {"nl": "samenvatting of omschrijving", "en": "summary or description"},
    "involves": {"nl": "betrokken organisatie", "en": "organisation involved"},
}
KIND_LABELS: dict[str, Labels] = {
    "organisation": {"nl": "organisatie", "en": "organisation"}, "case": {"nl": "succesverhaal", "en": "case"},
    "theme": {"nl": "thema", "en": "theme"}, "event": {"nl": "bijeenkomst", "en": "meeting"},
}

NAME_NODES = """
SELECT ?org ?value ?abbreviation ?end WHERE {
  ?org dh:hasName ?name .
  OPTIONAL { ?name dh:nameValue ?value }
  OPTIONAL { ?name dh:abbreviation ?abbreviation }
  OPTIONAL { ?name schema:endDate ?end }
}"""


def search_index(reader: Pages) -> list[SearchEntry]:
    """Everything search looks in, built once per snapshot: organisations with current and former
    names and abbreviations, cases with titles and abstracts, themes, meetings."""
    def compute() -> list[SearchEntry]:
        entries: list[SearchEntry] = []
        orgs = organisation_table(reader)
        former: dict[str, list[tuple[str, str]]] = {}
        for row in reader.select(NAME_NODES):
            names = former.setdefault(row["org"].value, [])
            what = "former-name" if "end" in row else "name"
            if isinstance(row.get("value"), ox.Literal):
                names.append((row["value"].value.casefold(), what))
            if isinstance(row.get("abbreviation"), ox.Literal):
                names.append((row["abbreviation"].value.casefold(), "abbreviation" if what == "name" else what))
        for entry in reader.organisation_index():
            record = orgs.get(entry.iri)
            names_of = [(v.casefold(), "name") for v in entry.labels.values()]
            names_of += [(a.casefold(), "abbreviation") for a in entry.alt_labels]
            known = {n for n, _w in names_of}
            names_of += [(n, w) for n, w in former.get(entry.iri, []) if n not in known]
            entries.append(SearchEntry(
                entry.iri, "organisation", entry.labels, tuple(dict.fromkeys(names_of)), (),
                record.type if record else None, None, record.founded if record else None,
                record.dissolved if record else None, sort=entry.sort_nl))
        for record in case_table(reader).values():
            entries.append(SearchEntry(
                record.iri, "case", record.titles, tuple((t.casefold(), "title") for t in record.titles.values()),
                tuple(a.casefold() for a in record.abstracts.values()), None, record.status, record.start,
                record.end, record.organisations, sort=sort_key(pick(record.titles, record.iri))))
        for theme in reader.themes():
            link = theme["link"]
            entries.append(SearchEntry(
                link.iri, "theme", link.labels, tuple((t.casefold(), "name") for t in link.labels.values()),
                tuple(d.casefold() for d in theme["definition"].values()), None, None, None, None,
                sort=sort_key(pick(link.labels, link.iri))))
        meeting_types = {q.subject.value: q.object.value for q in reader.quads(None, ox.NamedNode(DH + "meetingType"), None)}
        for entry in reader.event_index():
            entries.append(SearchEntry(
                entry.iri, "event", entry.labels, tuple((t.casefold(), "title") for t in entry.labels.values()),
                (), meeting_types.get(entry.iri), None, entry.date or None, None, sort=entry.sort_nl))
        return entries
    result: list[SearchEntry] = reader.snapshot.cached("tables:search", compute)
    return result


def search_hits(reader: Pages, text: str) -> list[Hit]:
    """Every match, best first within each kind: exact names, then names that start with the text,
    then names that contain it, then longer texts; cases also when an organisation they involve
    matches by name or abbreviation ("case involving UWV")."""
    needle = " ".join(text.split()).casefold()
    if not needle:
        return []
    index = search_index(reader)
    hits: dict[str, Hit] = {}
    matched_orgs: dict[str, int] = {}
    for entry in index:
        best: Hit | None = None
        for name, what in entry.names:
            if needle in name:
                rank = 0 if name == needle else 1 if name.startswith(needle) else 2
                rank = rank * 2 + (1 if what == "former-name" else 0)
                if best is None or rank < best.rank:
                    best = Hit(entry, rank, what)
        if best is None and any(needle in t for t in entry.long_texts):
            best = Hit(entry, 10, "text")
        if best is not None:
            hits[entry.iri] = best
            if entry.kind == "organisation" and best.reason in ("name", "abbreviation") and best.rank <= 2:
                matched_orgs[entry.iri] = best.rank
    if matched_orgs:
        # a case UWV is in, for "uwv": listed as found through the organisation, after the cases
        # whose title has the text and before those that only mention it in their summary
        for entry in index:
            if entry.kind != "case" or (entry.iri in hits and hits[entry.iri].reason != "text"):
                continue
            via = [o for o in entry.organisations if o in matched_orgs]
            if via:
                org = min(via, key=lambda o: (matched_orgs[o], o))
                hits[entry.iri] = Hit(entry, 6 + matched_orgs[org], "involves", org)
    order = {k: i for i, k in enumerate(SEARCH_KINDS)}
    return sorted(hits.values(), key=lambda h: (order[h.entry.kind], h.rank, h.entry.sort, h.entry.iri))


def search(reader: Pages, text: str, lang: str, paging: Paging, kind: str = "",
           today: str | None = None) -> Table:
    """Search results as a table: paged, with the total per kind in `extra["kinds"]`."""
    today = today or date.today().isoformat()
    hits = search_hits(reader, text)
    kinds = {k: 0 for k in SEARCH_KINDS}
    for hit in hits:
        kinds[hit.entry.kind] += 1
    if kind:
        hits = [h for h in hits if h.entry.kind == kind]

    def row(hit: Hit) -> dict[str, Any]:
        e = hit.entry
        if e.kind == "organisation":
            current = e.end is None or e.end > today
            status_key = "current" if current else "dissolved"
            status = {"current": {"nl": "bestaat", "en": "current"},
                      "dissolved": {"nl": "opgeheven", "en": "dissolved"}}[status_key]
            status_text = pick(status, "", lang)
        elif e.status:
            status_key = e.status.rsplit("/", 1)[-1]
            status_text = pick(reader.labels(e.status), status_key, lang)
        else:
            status_key, status_text = "", None
        return {
            "kind": e.kind, "kind_label": KIND_LABELS[e.kind], "name": Link(e.iri, e.labels, reader.href(e.iri)),
            "type": reader.link(e.type) if e.type else None, "status": status_text, "status_key": status_key,
            "start": e.start, "end": e.end, "found_in": pick(REASONS[hit.reason], hit.reason, lang),
            "reason": hit.reason, "via": reader.link(hit.via) if hit.via else None,
        }
    return paged("search", SEARCH_COLUMNS, hits, paging, row, kinds=kinds, kind=kind, q=text)
