"""The listings and the home page: organisations, cases, criteria, themes, meetings, monitor editions,
counts, and search over per-snapshot name indexes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox

from ..iris import DCTERMS, DH, ORG, SCHEMA, SKOS
from .case import CasePages
from .labels import Labels, pick, sort_key
from .model import IndexEntry, Link, Page
from .reader import Term, _int, _n
from .roles import CORNERS

PAGE_SIZE = 50
SEARCH_KINDS = ("organisation", "case", "theme", "event")


class ListingPages(CasePages):
    """The listings; a case's row reads its assessments as the case page does."""

    def organisations(self, lang: str, *, type_slug: str = "", corner: str = "", ministry: str = "",
                      text: str = "", page: int = 1, size: int = PAGE_SIZE) -> Page:
        """Organisations by name, filtered by type, corner, ministry and a text in their names."""
        index = self.organisation_index()
        patterns = []
        bindings: dict[str, Term] = {}
        if type_slug:
            patterns.append("?org dh:organisationType ?type .")
            bindings["type"] = _n(self.base + "def/organisation-type/" + type_slug)
        if corner:
            patterns.append("?org dh:corner ?corner .")
            bindings["corner"] = _n(self.base + "def/corner/" + corner)
        if ministry:
            # agencies and zbo's account to the ministry; its units (and theirs) are part of it
            patterns.append("?org (dh:accountableTo|org:subOrganizationOf)+ ?ministry .")
            bindings["ministry"] = _n(ministry)
        if patterns:
            rows = self.select("SELECT DISTINCT ?org WHERE { " + " ".join(patterns) + " }", **bindings)
            chosen = {row["org"].value for row in rows}
            entries = [e for e in index if e.iri in chosen]
        else:
            entries = list(index)
        needle = " ".join(text.split()).casefold()
        if needle:
            entries = [e for e in entries if needle in e.haystack]
        entries.sort(key=lambda e: e.sort_en if lang == "en" else e.sort_nl)
        return _page(entries, page, size, lambda e: self._organisation_row(e.iri))

    def organisation_index(self) -> list[IndexEntry]:
        """Every organisation with its names, for listing and searching (built once per snapshot)."""
        def compute() -> list[IndexEntry]:
            names: dict[str, Labels] = {}
            alts: dict[str, set[str]] = {}
            for row in self.select(ORGANISATION_NAMES):
                iri = row["org"].value
                if not isinstance(row["org"], ox.NamedNode):
                    continue
                labels = names.setdefault(iri, {})
                if isinstance(row.get("name"), ox.Literal):
                    labels.setdefault(row["name"].language or "", row["name"].value)
                if isinstance(row.get("alt"), ox.Literal):
                    alts.setdefault(iri, set()).add(row["alt"].value)
            return [_entry(iri, labels, alts.get(iri, ())) for iri, labels in names.items()]
        index: list[IndexEntry] = self.snapshot.cached("organisation-index", compute)
        return index

    def _organisation_row(self, iri: str) -> dict[str, Any]:
        node = _n(iri)
        org_type = self.first(node, DH + "organisationType")
        accountable = self.objects(node, DH + "accountableTo") or self.objects(node, ORG + "subOrganizationOf")
        return {
            "link": self.link(iri),
            "alt": sorted({t.value for t in self.objects(node, SKOS + "altLabel") if isinstance(t, ox.Literal)}),
            "type": self.link(org_type.value) if isinstance(org_type, ox.NamedNode) else None,
            "corners": self.links(self.objects(node, DH + "corner")),
            "parent": self.links(accountable)[:2],
            "dissolved": self.first_text(node, SCHEMA + "dissolutionDate"),
        }

    def facets(self) -> dict[str, list[dict[str, Any]]]:
        """The filter choices of the organisation listing: types and corners with counts, ministries."""
        def compute() -> dict[str, list[dict[str, Any]]]:
            types = [{"slug": r["type"].value.rsplit("/", 1)[-1], "link": self.link(r["type"].value),
                      "count": _int(r["n"].value) or 0}
                     for r in self.select("SELECT ?type (COUNT(DISTINCT ?org) AS ?n) WHERE { "
                                          "?org dh:organisationType ?type } GROUP BY ?type")]
            corners = [{"slug": r["corner"].value.rsplit("/", 1)[-1], "link": self.link(r["corner"].value),
                        "count": _int(r["n"].value) or 0}
                       for r in self.select("SELECT ?corner (COUNT(DISTINCT ?org) AS ?n) WHERE { "
                                            "?org dh:corner ?corner } GROUP BY ?corner")]
            ministries = []
            for row in self.select(MINISTRIES, type=_n(self.base + "def/organisation-type/ministerie")):
                ministries.append({"iri": row["org"].value, "link": self.link(row["org"].value),
                                   "dissolved": row["dissolved"].value if "dissolved" in row else None})
            types.sort(key=lambda t: sort_key(pick(t["link"].labels, t["slug"])))
            corners.sort(key=lambda c: CORNERS.index(c["slug"]) if c["slug"] in CORNERS else 9)
            ministries.sort(key=lambda m: (m["dissolved"] is not None, sort_key(pick(m["link"].labels, m["iri"]))))
            return {"types": types, "corners": corners, "ministries": ministries}
        facets: dict[str, list[dict[str, Any]]] = self.snapshot.cached("facets", compute)
        return facets

    def cases(self, lang: str = "nl", page: int = 1, size: int = PAGE_SIZE) -> Page:
        """Cases, published first, best overall rating first, with their period, status, themes and
        their rating on each criterion (the latest assessment)."""
        entries = sorted(self.case_index(), key=lambda e: (e.status != "published", -e.score,
                                                           e.sort_en if lang == "en" else e.sort_nl))
        return _page(entries, page, size, lambda e: self._case_row(e.iri))

    def case_index(self) -> list[IndexEntry]:
        """Every visible case with its titles, status and overall score (built once per snapshot)."""
        def compute() -> list[IndexEntry]:
            titles: dict[str, Labels] = {}
            for row in self.select("SELECT ?case ?title WHERE { ?case a dh:Case . OPTIONAL { ?case dcterms:title ?title } }"):
                labels = titles.setdefault(row["case"].value, {})
                if isinstance(row.get("title"), ox.Literal):
                    labels.setdefault(row["title"].language or "", row["title"].value)
            status = {row["case"].value: row["status"].value.rsplit("/", 1)[-1]
                      for row in self.select("SELECT ?case ?status WHERE { ?case a dh:Case ; dh:status ?status }")}
            ranks = {link.iri: 5 - i for i, link in enumerate(self.rating_scale())}
            latest: dict[tuple[str, str], tuple[str, int]] = {}
            for row in self.select(CASE_RATINGS):
                key = (row["case"].value, row["criterion"].value)
                when = row["date"].value if "date" in row else ""
                if key not in latest or when >= latest[key][0]:
                    latest[key] = (when, ranks.get(row["rating"].value, 0))
            scores: dict[str, int] = {}
            for (case, _criterion), (_when, rank) in latest.items():
                scores[case] = scores.get(case, 0) + rank
            return [_entry(iri, labels, status=status.get(iri, ""), score=scores.get(iri, 0))
                    for iri, labels in titles.items()]
        index: list[IndexEntry] = self.snapshot.cached("case-index", compute)
        return index

    def _case_row(self, iri: str) -> dict[str, Any]:
        node = _n(iri)
        status = self.first(node, DH + "status")
        ratings: dict[str, tuple[Link, int | None]] = {}
        for row in sorted((self._assessment(a) for a in self.objects(node, DH + "hasAssessment")
                           if isinstance(a, ox.NamedNode)), key=lambda a: a.date or ""):
            if row.rating is not None:
                ratings[row.notation] = (row.rating, row.rank)  # by date: the latest wins
        return {
            "link": self.link(iri), "start": self.first_text(node, SCHEMA + "startDate"),
            "end": self.first_text(node, SCHEMA + "endDate"),
            "status": self.link(status.value) if isinstance(status, ox.NamedNode) else None,
            "status_key": status.value.rsplit("/", 1)[-1] if isinstance(status, ox.NamedNode) else "",
            "ratings": ratings, "score": sum(rank or 0 for _link, rank in ratings.values()),
            "themes": self.links(self.objects(node, DCTERMS + "subject")),
        }

    def criteria(self) -> list[dict[str, Any]]:
        """The four criteria with their questions and how many assessments give each rating."""
        def compute() -> list[dict[str, Any]]:
            counts: dict[str, dict[str, int]] = {}
            for row in self.select(CRITERIA):
                counts.setdefault(row["criterion"].value, {})[row["rating"].value] = _int(row["n"].value) or 0
            result = []
            for criterion in self.subjects(SKOS + "inScheme", _n(self.base + "def/criterion")):
                if isinstance(criterion, ox.NamedNode):
                    result.append({"link": self.link(criterion.value),
                                   "notation": self.first_text(criterion, SKOS + "notation") or "",
                                   "definition": self.texts(criterion, SKOS + "definition"),
                                   "matches": self.links(self.objects(criterion, SKOS + "closeMatch")),
                                   "ratings": counts.get(criterion.value, {})})
            return sorted(result, key=lambda c: c["notation"])
        criteria: list[dict[str, Any]] = self.snapshot.cached("criteria", compute)
        return criteria

    def themes(self) -> list[dict[str, Any]]:
        """The themes with the number of cases and meetings on each (built once per snapshot)."""
        def compute() -> list[dict[str, Any]]:
            counts: dict[tuple[str, str], int] = {}
            for row in self.select(THEME_COUNTS):
                counts[(row["theme"].value, row["type"].value)] = _int(row["n"].value) or 0
            themes = []
            for theme in self.subjects(SKOS + "inScheme", _n(self.base + "def/theme")):
                if isinstance(theme, ox.NamedNode):
                    themes.append({"link": self.link(theme.value), "definition": self.texts(theme, SKOS + "definition"),
                                   "cases": counts.get((theme.value, DH + "Case"), 0),
                                   "events": counts.get((theme.value, DH + "Meeting"), 0)})
            return sorted(themes, key=lambda t: sort_key(pick(t["link"].labels, t["link"].iri)))
        themes: list[dict[str, Any]] = self.snapshot.cached("themes", compute)
        return themes

    def events(self, lang: str = "nl", page: int = 1, size: int = PAGE_SIZE) -> Page:
        """The meetings of the learning community, newest first."""
        entries = sorted(self.event_index(), key=lambda e: (e.date, e.sort_en if lang == "en" else e.sort_nl),
                         reverse=True)
        return _page(entries, page, size, lambda e: self._event_row(e.iri))

    def event_index(self) -> list[IndexEntry]:
        """Every visible meeting with its titles and date (built once per snapshot)."""
        def compute() -> list[IndexEntry]:
            titles: dict[str, Labels] = {}
            dates: dict[str, str] = {}
            for row in self.select("SELECT ?event ?date ?title WHERE { ?event a dh:Meeting . "
                                   "OPTIONAL { ?event schema:startDate ?date } OPTIONAL { ?event dcterms:title ?title } }"):
                iri = row["event"].value
                labels = titles.setdefault(iri, {})
                if isinstance(row.get("title"), ox.Literal):
                    labels.setdefault(row["title"].language or "", row["title"].value)
                if "date" in row:
                    dates[iri] = row["date"].value
            return [_entry(iri, labels, date=dates.get(iri, "")) for iri, labels in titles.items()]
        index: list[IndexEntry] = self.snapshot.cached("event-index", compute)
        return index

    def theme_index(self) -> list[IndexEntry]:
        """The themes by name, for search."""
        return [_entry(t["link"].iri, t["link"].labels) for t in self.themes()]

    def _event_row(self, iri: str) -> dict[str, Any]:
        node = _n(iri)
        kind = self.first(node, DH + "meetingType")
        return {
            "link": self.link(iri), "date": self.first_text(node, SCHEMA + "startDate"),
            "type": self.link(kind.value) if isinstance(kind, ox.NamedNode) else None,
            "themes": self.links(self.objects(node, DCTERMS + "subject")),
            "cases": self.links(self.objects(node, DH + "discusses")),
            "organisers": self.links(self.objects(node, SCHEMA + "organizer")),
            "status": self.epistemic_status(node),
        }

    def monitor_editions(self) -> list[dict[str, Any]]:
        """The editions of the Staat van de Uitvoering, newest first."""
        rows = self.select("SELECT DISTINCT ?edition WHERE { ?edition a dh:MonitorEdition }")
        editions = []
        for row in rows:
            node = row["edition"]
            if not isinstance(node, ox.NamedNode):
                continue
            publisher = self.first(node, DCTERMS + "publisher")
            editions.append({
                "link": self.link(node.value), "year": self.first_text(node, DH + "year"),
                "issued": self.first_text(node, DCTERMS + "issued"),
                "publisher": self.link(publisher.value) if isinstance(publisher, ox.NamedNode) else None,
                "cases": self.links(self.objects(node, DH + "featuresCase")),
                "organisations": len(self.objects(node, DH + "coversOrganisation")),
                "descriptions": self.texts(node, DCTERMS + "description"),
            })
        return sorted(editions, key=lambda e: e["year"] or "", reverse=True)

    def counts(self) -> dict[str, int]:
        """How much there is, for the home page."""
        def compute() -> dict[str, int]:
            row = self.select(COUNTS.format(published=_n(self.base + "def/case-status/published"),
                                            themes=_n(self.base + "def/theme"),
                                            criteria=_n(self.base + "def/criterion")))
            values = row[0] if row else {}
            return {k: _int(v.value) or 0 for k, v in values.items()}
        counts: dict[str, int] = self.snapshot.cached("counts", compute)
        return counts

    def search(self, text: str, limit: int = 50) -> dict[str, list[Link]]:
        """Organisations, cases, themes and events whose name contains `text` (any case). Searched
        in per-snapshot name indexes: a substring test over every title in SPARQL is a full scan."""
        needle = " ".join(text.split()).casefold()
        found: dict[str, list[Link]] = {kind: [] for kind in SEARCH_KINDS}
        if not needle:
            return found
        indexes = {"organisation": self.organisation_index(), "case": self.case_index(),
                   "theme": self.theme_index(), "event": self.event_index()}
        for kind, index in indexes.items():
            ranked = []
            for entry in index:
                if needle in entry.haystack:
                    names = entry.haystack.split("\n")
                    # exact names and abbreviations first, then names that start with the text
                    rank = 0 if needle in names else 1 if any(n.startswith(needle) for n in names) else 2
                    ranked.append((rank, entry.sort_nl, entry.iri))
            found[kind] = [self.link(iri) for _rank, _key, iri in sorted(ranked)[:limit]]
        return found


MINISTRIES = """
SELECT DISTINCT ?org ?dissolved WHERE {
  ?org dh:organisationType ?type .
  OPTIONAL { ?org schema:dissolutionDate ?dissolved }
}"""

CASE_RATINGS = """
SELECT ?case ?criterion ?rating ?date WHERE {
  ?case dh:hasAssessment ?assessment .
  ?assessment dh:criterion ?criterion ; dh:rating ?rating .
  OPTIONAL { ?assessment dcterms:date ?date }
}"""

CRITERIA = """
SELECT ?criterion ?rating (COUNT(*) AS ?n) WHERE {
  ?assessment dh:criterion ?criterion ; dh:rating ?rating .
}
GROUP BY ?criterion ?rating"""

THEME_COUNTS = """
SELECT ?theme ?type (COUNT(DISTINCT ?item) AS ?n) WHERE {
  VALUES ?type { dh:Case dh:Meeting }
  ?item dcterms:subject ?theme ; a ?type .
}
GROUP BY ?theme ?type"""

# {published}, {themes}, {criteria}: IRIs from the base IRI, filled in with str(NamedNode)
COUNTS = """
SELECT * WHERE {{
  {{ SELECT (COUNT(DISTINCT ?o) AS ?organisations) WHERE {{ ?o a org:Organization }} }}
  {{ SELECT (COUNT(DISTINCT ?r) AS ?relations) WHERE {{ ?r a dh:Relation }} }}
  {{ SELECT (COUNT(DISTINCT ?c) AS ?cases) WHERE {{ ?c a dh:Case }} }}
  {{ SELECT (COUNT(DISTINCT ?c) AS ?published) WHERE {{ ?c a dh:Case ; dh:status {published} }} }}
  {{ SELECT (COUNT(DISTINCT ?a) AS ?assessments) WHERE {{ ?a a dh:Assessment }} }}
  {{ SELECT (COUNT(DISTINCT ?t) AS ?themes) WHERE {{ ?t skos:inScheme {themes} }} }}
  {{ SELECT (COUNT(DISTINCT ?e) AS ?events) WHERE {{ ?e a dh:Meeting }} }}
  {{ SELECT (COUNT(DISTINCT ?m) AS ?editions) WHERE {{ ?m a dh:MonitorEdition }} }}
  {{ SELECT (COUNT(DISTINCT ?k) AS ?criteria) WHERE {{ ?k skos:inScheme {criteria} }} }}
}}"""

ORGANISATION_NAMES = """
SELECT DISTINCT ?org ?name ?alt WHERE {
  ?org a org:Organization .
  OPTIONAL { ?org skos:prefLabel ?name }
  OPTIONAL { ?org skos:altLabel ?alt }
}"""


def _entry(iri: str, labels: Labels, alts: Iterable[str] = (), **extra: Any) -> IndexEntry:
    """An index entry: names case-folded for search, sort keys per language."""
    alt_labels = tuple(sorted(alts))
    every = [*labels.values(), *alt_labels]
    return IndexEntry(iri, labels, alt_labels, "\n".join(every).casefold(),
                      sort_key(pick(labels, iri, "nl")), sort_key(pick(labels, iri, "en")), **extra)


def _page(entries: list[IndexEntry], page: int, size: int, row: Callable[[IndexEntry], Any]) -> Page:
    """One page of sorted entries, the rows built for that page only."""
    total = len(entries)
    page = max(1, min(page, max(1, -(-total // size))))
    return Page([row(e) for e in entries[(page - 1) * size: page * size]], total, page, size)
