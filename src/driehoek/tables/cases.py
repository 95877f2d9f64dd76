"""/cases and /criteria as tables: the per-snapshot case table with the latest rating per criterion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from .. import pages
from ..iris import DCTERMS, DH, SCHEMA
from ..pages import Labels, Link, Pages, pick, sort_key
from .table import Column, Paging, Table, paged, sort_items


@dataclass(frozen=True)
class CaseRecord:
    """A case's row data, from the per-snapshot case table."""

    iri: str
    titles: Labels
    abstracts: Labels
    status: str | None
    start: str | None
    end: str | None
    themes: tuple[str, ...]
    organisations: tuple[str, ...]
    ratings: dict[str, tuple[str, int]]  # criterion notation -> (rating IRI, rank), the latest assessment
    score: int


CASE_RATINGS = """
SELECT ?case ?notation ?rating ?rank ?date WHERE {
  ?case a dh:Case ; dh:hasAssessment ?assessment .
  ?assessment dh:criterion ?criterion ; dh:rating ?rating .
  ?criterion skos:notation ?notation .
  OPTIONAL { ?rating dh:rank ?rank }
  OPTIONAL { ?assessment dcterms:date ?date }
}"""


def case_table(reader: Pages) -> dict[str, CaseRecord]:
    """Every visible case with its titles, abstracts, status, period, themes, organisations and latest
    rating per criterion (built once per snapshot)."""
    def compute() -> dict[str, CaseRecord]:
        cases = sorted({q.subject.value for q in reader.quads(None, pages.A, ox.NamedNode(DH + "Case"))
                        if isinstance(q.subject, ox.NamedNode)})

        def texts(predicate: str) -> dict[str, Labels]:
            found: dict[str, Labels] = {}
            for quad in reader.quads(None, ox.NamedNode(predicate), None):
                if isinstance(quad.object, ox.Literal):
                    found.setdefault(quad.subject.value, {}).setdefault(quad.object.language or "", quad.object.value)
            return found

        def values(predicate: str) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for quad in reader.quads(None, ox.NamedNode(predicate), None):
                bucket = found.setdefault(quad.subject.value, [])
                if quad.object.value not in bucket:
                    bucket.append(quad.object.value)
            return found
        titles, abstracts = texts(DCTERMS + "title"), texts(DCTERMS + "abstract")
        status, themes = values(DH + "status"), values(DCTERMS + "subject")
        starts, ends = values(SCHEMA + "startDate"), values(SCHEMA + "endDate")
        involved = values(DH + "involvedOrganisation")
        involvements = values(DH + "involvement")
        involvement_org = values(DH + "organisation")
        latest: dict[str, dict[str, tuple[str, str, int]]] = {}
        for row in reader.select(CASE_RATINGS):
            notation = row["notation"].value
            when = row["date"].value if "date" in row else ""
            rank = pages._int(row["rank"].value) if "rank" in row else None
            per_case = latest.setdefault(row["case"].value, {})
            if notation not in per_case or when >= per_case[notation][0]:
                per_case[notation] = (when, row["rating"].value, rank or 0)
        table = {}
        for iri in cases:
            orgs = set(involved.get(iri, []))
            for node in involvements.get(iri, []):
                orgs.update(involvement_org.get(node, []))
            ratings = {k: (v[1], v[2]) for k, v in latest.get(iri, {}).items()}
            table[iri] = CaseRecord(
                iri, titles.get(iri, {}), abstracts.get(iri, {}), (status.get(iri) or [None])[0],
                min(starts[iri]) if iri in starts else None, max(ends[iri]) if iri in ends else None,
                tuple(sorted(themes.get(iri, []))), tuple(sorted(orgs)), ratings,
                sum(rank for _r, rank in ratings.values()))
        return table
    result: dict[str, CaseRecord] = reader.snapshot.cached("tables:cases", compute)
    return result


def criterion_notations(reader: Pages) -> list[dict[str, Any]]:
    """The criteria in notation order: notation, link."""
    return [{"notation": c["notation"], "link": c["link"]} for c in reader.criteria()]


def case_columns(criteria: list[dict[str, Any]]) -> tuple[Column, ...]:
    """The columns of /cases: one rank and one rating per criterion."""
    per_criterion = []
    for c in criteria:
        per_criterion.append(Column(f"criterion_{c['notation']}", {
            k: f"{c['notation']}. {v}" for k, v in c["link"].labels.items()}, "number"))
        per_criterion.append(Column(f"rating_{c['notation']}", {
            "nl": f"waardering {c['notation']}", "en": f"rating {c['notation']}"}, "link", sortable=False))
    return (
        Column("case", {"nl": "Succesverhaal", "en": "Case"}, "link"),
        Column("start", {"nl": "Begin", "en": "Start"}, "date"),
        Column("end", {"nl": "Einde", "en": "End"}, "date"),
        Column("status", {"nl": "Status", "en": "Status"}, "link"),
        *per_criterion,
        Column("score", {"nl": "Totaal", "en": "Total"}, "number"),
        Column("themes", {"nl": "Thema's", "en": "Themes"}, "links", sortable=False),
        Column("organisations", {"nl": "Organisaties", "en": "Organisations"}, "links", sortable=False),
    )


@dataclass(frozen=True)
class CaseFilters:
    """The filters of /cases."""

    status: str = ""  # slug of dh:status
    theme: str = ""  # slug of a theme
    organisation: str = ""  # IRI of an organisation involved
    criterion: str = ""  # notation
    rating: str = ""  # slug of the latest rating on `criterion`


def cases(reader: Pages, lang: str, filters: CaseFilters, paging: Paging) -> Table:
    """/cases as a table: published first, best overall rating first, then by title (unless sorted)."""
    criteria = criterion_notations(reader)
    columns = case_columns(criteria)
    records = list(case_table(reader).values())
    if filters.status:
        records = [r for r in records if r.status == reader.base + "def/case-status/" + filters.status]
    if filters.theme:
        records = [r for r in records if reader.base + "id/theme/" + filters.theme in r.themes]
    if filters.organisation:
        records = [r for r in records if filters.organisation in r.organisations]
    if filters.criterion:
        wanted = reader.base + "def/rating/" + filters.rating if filters.rating else None
        records = [r for r in records if filters.criterion in r.ratings
                   and (wanted is None or r.ratings[filters.criterion][0] == wanted)]

    def title(r: CaseRecord) -> str:
        return sort_key(pick(r.titles, r.iri, lang))
    published = reader.base + "def/case-status/published"
    records.sort(key=lambda r: (r.status != published, -r.score, title(r)))
    sort = paging.sort
    if sort is not None:
        label_of = lambda iri: sort_key(pick(reader.labels(iri), iri, lang))  # noqa: E731
        keys: dict[str, Callable[[CaseRecord], Any]] = {
            "case": title, "start": lambda r: r.start, "end": lambda r: r.end,
            "status": lambda r: label_of(r.status) if r.status else None, "score": lambda r: r.score,
        }
        for c in criteria:
            keys[f"criterion_{c['notation']}"] = (lambda n: lambda r: r.ratings[n][1] if n in r.ratings else None)(
                c["notation"])
        records = sort_items(sorted(records, key=title), keys[sort.key], sort.descending)

    def row(r: CaseRecord) -> dict[str, Any]:
        cells: dict[str, Any] = {
            "case": Link(r.iri, r.titles, reader.href(r.iri)), "start": r.start, "end": r.end,
            "status": reader.link(r.status) if r.status else None, "score": r.score,
            "status_key": r.status.rsplit("/", 1)[-1] if r.status else "",
            "themes": reader.links(ox.NamedNode(t) for t in r.themes),
            "organisations": reader.links(ox.NamedNode(o) for o in r.organisations),
        }
        for c in criteria:
            rating = r.ratings.get(c["notation"])
            cells[f"criterion_{c['notation']}"] = rating[1] if rating else None
            cells[f"rating_{c['notation']}"] = reader.link(rating[0]) if rating else None
        return cells
    return paged("cases", columns, records, paging, row, criteria=criteria)


def case_filter_choices(reader: Pages) -> dict[str, list[str]]:
    """The values /cases accepts for status, theme, criterion and rating."""
    records = case_table(reader).values()
    return {
        "status": sorted({r.status.rsplit("/", 1)[-1] for r in records if r.status}),
        "theme": sorted({t["link"].iri.rsplit("/", 1)[-1] for t in reader.themes()}),
        "criterion": [c["notation"] for c in reader.criteria()],
        "rating": [link.iri.rsplit("/", 1)[-1] for link in reader.rating_scale()],
    }


# -- the criteria table ------------------------------------------------------------------------------

def criteria(reader: Pages, lang: str, paging: Paging) -> Table:
    """/criteria as a table: one row per criterion, the number of cases whose latest assessment on it
    gives each rating (the count /cases?criterion=N&rating=R lists), and the cases not assessed on it."""
    scale = reader.rating_scale()
    records = list(case_table(reader).values())
    columns = [
        Column("criterion", {"nl": "Criterium", "en": "Criterion"}, "link", sortable=False),
        Column("notation", {"nl": "Nummer", "en": "Number"}, "text", sortable=False),
        Column("question", {"nl": "Vraag", "en": "Question"}, "text", sortable=False),
        Column("matches", {"nl": "Komt overeen met", "en": "Matches"}, "links", sortable=False),
    ]
    for rating in scale:
        columns.append(Column(rating.iri.rsplit("/", 1)[-1], rating.labels, "number", sortable=False))
    columns.append(Column("not_assessed", {"nl": "niet beoordeeld", "en": "not assessed"}, "number", sortable=False))

    def row(c: dict[str, Any]) -> dict[str, Any]:
        cells: dict[str, Any] = {"criterion": c["link"], "notation": c["notation"],
                                 "question": pick(c["definition"], "", lang), "matches": c["matches"],
                                 "definition": c["definition"]}
        for rating in scale:
            cells[rating.iri.rsplit("/", 1)[-1]] = sum(
                1 for r in records if c["notation"] in r.ratings and r.ratings[c["notation"]][0] == rating.iri)
        cells["not_assessed"] = sum(1 for r in records if c["notation"] not in r.ratings)
        return cells
    return paged("criteria", tuple(columns), reader.criteria(), paging, row, ratings=scale)
