"""The organisation page: who it is, its corner, its relations over time and its triangle."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pyoxigraph as ox

# modules, not names: both import this package's view models and labels
from .. import history
from .. import triangle as triangle_layout
from ..iris import CV, DCTERMS, DH, FOAF, ORG, RDF_TYPE, SCHEMA, SKOS, TOOI_CODE, TOOI_ORG_PREFIX
from .labels import Labels, pick, sort_key
from .model import Link, OrganisationView, Party, RelationRow
from .reader import A, _n
from .resource import ResourcePages
from .roles import CORNER_KEYS, DIRECT_PROPERTIES, PARTY_LABELS, ROLE_RELATIONS, ROLES, role_priority

RELATIONS_SHOWN = 40  # rows of an organisation's relations table; all of them: /org/{code}/relations (paged)
RELATIONS_KEPT = 64  # organisations (and days) whose relation rows a snapshot keeps (Pages.relations)
# TOOI's kinds of organisation identifiers, tried before the (lazily built) index of all codes
_TOOI_KINDS = ("zbo", "ministerie", "oorg", "gemeente", "provincie", "waterschap", "so", "col")


class OrganisationPages(ResourcePages):
    """The organisation page and an organisation's relations."""

    def organisation_iri(self, code: str) -> str | None:
        """The TOOI IRI of the organisation whose identifier ends in `code`, if there is one."""
        if not TOOI_CODE.fullmatch(code):
            return None
        for kind in _TOOI_KINDS:
            iri = f"{TOOI_ORG_PREFIX}{kind}/{code}"
            if self.status(iri) != "missing":
                return iri
        return self.snapshot.cached("tooi-codes", self._tooi_codes).get(code)

    def _tooi_codes(self) -> dict[str, str]:
        codes: dict[str, str] = {}
        for cls in (ORG + "Organization", CV + "PublicOrganisation"):
            for quad in self.store.quads_for_pattern(None, A, _n(cls), None):
                iri = quad.subject.value if isinstance(quad.subject, ox.NamedNode) else ""
                if iri.startswith(TOOI_ORG_PREFIX):
                    codes.setdefault(iri.rsplit("/", 1)[-1], iri)
        return codes

    def organisation(self, iri: str, today: str | None = None, on: str | None = None) -> OrganisationView:
        """The organisation page: who it is, its corner, its relations over time, its triangle.

        With `on` (an ISO date) the relations and the triangle are those that held on that day, by the
        rule of the named queries accountable-to-on-date and supervisors-on-date (history.holds_on):
        a qualified relation whose period includes the day, between two organisations that both
        existed on it; the other organisations' names are those valid on the day where they are dated.
        """
        today = on or today or date.today().isoformat()
        node = _n(iri)
        resource = self.resource(iri, incoming=False)
        corners = self.links(self.objects(node, DH + "corner"))
        corner_keys = [CORNER_KEYS[c.iri.rsplit("/", 1)[-1]] for c in corners
                       if c.iri.rsplit("/", 1)[-1] in CORNER_KEYS]
        org_type = self.first(node, DH + "organisationType")
        homepage = self.first(node, FOAF + "homepage")
        names = []
        for name in self.objects(node, DH + "hasName"):
            if isinstance(name, ox.BlankNode | ox.NamedNode):
                names.append({"value": self.texts(name, DH + "nameValue"),
                              "abbreviation": self.first_text(name, DH + "abbreviation"),
                              "start": self.first_text(name, SCHEMA + "startDate"),
                              "end": self.first_text(name, SCHEMA + "endDate")})
        names.sort(key=lambda n: (n["start"] or "", n["end"] or ""))
        founded = self.first_text(node, SCHEMA + "foundingDate")
        dissolved = self.first_text(node, SCHEMA + "dissolutionDate")
        existed = on is None or history.holds_on(founded, dissolved, on)
        relations = self.relations(iri, on=on) if existed else []
        parties = self._parties(relations, today)
        cases = self._cases_of(node)
        code = iri.rsplit("/", 1)[-1] if iri.startswith(TOOI_ORG_PREFIX) else None
        view = OrganisationView(
            resource=resource, code=code,
            alt_labels=sorted({t.value for t in self.objects(node, SKOS + "altLabel") if isinstance(t, ox.Literal)}),
            descriptions=self.texts(node, DCTERMS + "description"),
            org_type=self.link(org_type.value) if isinstance(org_type, ox.NamedNode) else None,
            corners=corners, corner_keys=corner_keys,
            homepage=self.link(homepage.value) if isinstance(homepage, ox.NamedNode) else None,
            founded=founded, dissolved=dissolved,
            legal_bases=self.links(self.objects(node, DH + "legalBasis")),
            sources=self.links(self.objects(node, DCTERMS + "source")),
            names=names, relations=relations[:RELATIONS_SHOWN], relations_total=len(relations),
            parties=parties, cases=cases,
            monitors=self.links(self.subjects(DH + "coversOrganisation", node)),
            events=self.links(self.subjects(SCHEMA + "organizer", node)),
            triangle=triangle_layout.Triangle(0, 0, {}, "", [], [], {}),
            on=on, existed=existed,
            names_on=history.names_on([(n["value"].get("nl") or next(iter(n["value"].values()), ""), n["start"], n["end"])
                                       for n in names], on) if on else [],
        )
        name = pick(view.resource.labels, view.resource.iri)
        short = self._short_name(iri)
        if on and view.names_on:
            name = short = " / ".join(view.names_on)
        more = f"/org/{code}/relations" if code and not on else "#relations"
        # on a date, a box names the other organisation as the list does: by its name(s) of that day
        then = {p.link.iri: " / ".join(self._names_on(p.link.iri, on)) for p in parties} if on else {}
        view.triangle = triangle_layout.layout(
            name=name, short_name=short, corner_keys=corner_keys, parties=parties,
            party_short_name=lambda other: then.get(other) or self._short_name(other), captions=PARTY_LABELS,
            relation_of=ROLE_RELATIONS, weight=self.weight, more_href=more)
        view.predecessors, view.successors = history.predecessors_and_successors(
            self.relations(iri) if on else relations, self._register_history(node),
            self.link(self.base + "def/relation-type/predecessor-of"))
        return view

    def weight(self, iri: str) -> tuple[int, int]:
        """(cases, relations) an organisation takes part in: which boxes the triangle shows first."""
        return self.snapshot.cached("organisation-weights", self._weights).get(iri, (0, 0))

    def _weights(self) -> dict[str, tuple[int, int]]:
        cases = {row["org"].value: int(row["n"].value) for row in self.select(ORGANISATION_CASE_COUNTS)}
        relations = {row["org"].value: int(row["n"].value) for row in self.select(ORGANISATION_RELATION_COUNTS)}
        return {iri: (cases.get(iri, 0), relations.get(iri, 0)) for iri in cases.keys() | relations.keys()}

    def _register_history(self, node: ox.NamedNode) -> list[tuple[str, Link]]:
        """("predecessor" | "successor", other) from the direct dh:predecessor / dh:successor triples,
        which the register states without a qualified relation."""
        return [(kind, self.link(term.value))
                for kind, predicate in (("predecessor", DH + "predecessor"), ("successor", DH + "successor"))
                for term in self.objects(node, predicate) if isinstance(term, ox.NamedNode)]

    def _cases_of(self, node: ox.NamedNode) -> list[tuple[Link, Link | None]]:
        """The cases an organisation takes part in, with its role. Index lookups from the
        organisation outwards: as SPARQL (a UNION with a NOT EXISTS) Oxigraph started from the
        cases, 9 s on a store of a million triples."""
        found: dict[str, Link | None] = {}
        for involvement in self.subjects(DH + "organisation", node):
            role = self.first(involvement, DH + "role")
            for case in self.subjects(DH + "involvement", involvement):
                if isinstance(case, ox.NamedNode) and (found.get(case.value) is None):
                    found[case.value] = self.link(role.value) if isinstance(role, ox.NamedNode) else None
        for case in self.subjects(DH + "involvedOrganisation", node):
            if isinstance(case, ox.NamedNode):
                found.setdefault(case.value, None)
        cases = [(self.link(iri), role) for iri, role in found.items()
                 if any(t.value == DH + "Case" for t in self.objects(_n(iri), RDF_TYPE))]
        return sorted(cases, key=lambda pair: sort_key(pick(pair[0].labels, pair[0].iri)))

    def relations(self, iri: str, *, on: str | None = None) -> list[RelationRow]:
        """relations_of, kept for the last RELATIONS_KEPT organisations (and days) of the snapshot: a
        ministry has 1,100 relations, and the next view of its page, table or CSV reuses them. What
        building them notes on the way (corners and names of the other organisations) comes along."""
        key = (iri, on)
        kept = self.snapshot.kept_relations
        with self.snapshot.relations_lock:
            hit = kept.get(key)
            if hit is not None:
                kept.move_to_end(key)
        if hit is None:
            before_corners, before_labels = {k: set(v) for k, v in self._corners.items()}, dict(self._labels)
            rows = self.relations_of(iri, on=on)
            corners = {k: set(v) for k, v in self._corners.items() if k not in before_corners or v != before_corners[k]}
            labels = {k: v for k, v in self._labels.items() if k not in before_labels}
            hit = (rows, corners, labels)
            with self.snapshot.relations_lock:
                kept[key] = hit
                while len(kept) > RELATIONS_KEPT:
                    kept.popitem(last=False)
        rows, corners, labels = hit
        for other, found in corners.items():
            self._corners.setdefault(other, set()).update(found)
        for other, names in labels.items():
            self._labels.setdefault(other, names)
        return list(rows)

    def relations_of(self, iri: str, *, on: str | None = None) -> list[RelationRow]:
        """All relations of an organisation: the qualified ones with their dates, and direct triples
        no qualified relation covers; current first, then by kind, date and name. Legal bases and
        sources are filled in for the first RELATIONS_SHOWN rows (the ones a page shows).

        With `on` (an ISO date): only the qualified relations that held on that day with another
        organisation that existed on it (history.held_on), named as they were on the day."""
        node = _n(iri)
        result: list[RelationRow] = []
        covered: set[tuple[str, str, str]] = set()
        rows: dict[str, dict[str, Any]] = {}
        names: dict[str, Labels] = {}
        # no DISTINCT: deduplicating here is cheaper than in the store (a ministry has 1,100 rows)
        for row in self.select(ORGANISATION_RELATIONS, org=node):
            rows.setdefault(row["relation"].value, row)
            other = row["other"].value
            corners = self._corners.setdefault(other, set())
            if "corner" in row:
                corners.add(row["corner"].value.rsplit("/", 1)[-1])
            if isinstance(row.get("name"), ox.Literal):
                names.setdefault(other, {}).setdefault(row["name"].language or "", row["name"].value)
        for other, labels in names.items():
            self._labels.setdefault(other, labels)
        for key, row in rows.items():
            type_iri = row["type"].value
            slug, direction, other = type_iri.rsplit("/", 1)[-1], row["direction"].value, row["other"].value
            covered.add((slug, direction, other))
            result.append(RelationRow(
                node=Link(key, {}, self.href(key)), type=self.link(type_iri),
                role=ROLES.get((slug, direction), ("linked", None, 99))[0], direction=direction,
                other=self.link(other), start=row["start"].value if "start" in row else None,
                end=row["end"].value if "end" in row else None,
                status=self.link(row["status"].value) if isinstance(row.get("status"), ox.NamedNode) else None,
                change_kind=self.link(row["kind"].value) if isinstance(row.get("kind"), ox.NamedNode) else None))
        types = self.snapshot.cached("relation-types", self._relation_types)
        for predicate, slug in DIRECT_PROPERTIES.items() if on is None else ():  # undated: no day to test
            for direction, quads in (("out", self.quads(node, _n(predicate), None)),
                                     ("in", self.quads(None, _n(predicate), node))):
                for quad in quads:
                    other = quad.object if direction == "out" else quad.subject
                    if not isinstance(other, ox.NamedNode) or (slug, direction, other.value) in covered:
                        continue
                    covered.add((slug, direction, other.value))
                    type_iri = types.get(slug, self.base + "def/relation-type/" + slug)
                    result.append(RelationRow(None, self.link(type_iri), ROLES[(slug, direction)][0], direction,
                                              self.link(other.value), None, None))
        if on is not None:
            result = history.held_on(result, on, self._lifetime, self._names_on)
        today = on or date.today().isoformat()
        result.sort(key=lambda r: (not r.current(today), role_priority(r.role), r.start or "",
                                   sort_key(pick(r.other.labels, r.other.iri))))
        shown = [r for r in result[:RELATIONS_SHOWN] if r.node is not None]
        if shown:
            details: dict[str, tuple[set[str], set[str]]] = {}
            for row in self.select(RELATION_DETAILS.replace("?RELATIONS", " ".join(str(_n(r.node.iri))
                                                                                 for r in shown if r.node))):
                legal, sources = details.setdefault(row["relation"].value, (set(), set()))
                if "legal" in row:
                    legal.add(row["legal"].value)
                if "source" in row:
                    sources.add(row["source"].value)
            for i, row in enumerate(result[:RELATIONS_SHOWN]):
                if row.node is not None and row.node.iri in details:
                    legal, sources = details[row.node.iri]
                    result[i] = dataclasses.replace(row, legal_bases=tuple(self.links(_n(v) for v in legal)),
                                                    sources=tuple(self.links(_n(v) for v in sources)))
        return result

    def _lifetime(self, iri: str) -> tuple[str | None, str | None]:
        """(founded, dissolved) of an organisation, ISO dates or None."""
        node = _n(iri)
        return self.first_text(node, SCHEMA + "foundingDate"), self.first_text(node, SCHEMA + "dissolutionDate")

    def _names_on(self, iri: str, day: str) -> list[str]:
        """The names of an organisation valid on `day`, where its names are dated (else none)."""
        names = []
        for name in self.objects(_n(iri), DH + "hasName"):
            if isinstance(name, ox.BlankNode | ox.NamedNode):
                value = self.texts(name, DH + "nameValue")
                names.append((value.get("nl") or next(iter(value.values()), ""),
                              self.first_text(name, SCHEMA + "startDate"), self.first_text(name, SCHEMA + "endDate")))
        return history.names_on(names, day)

    def _relation_types(self) -> dict[str, str]:
        return {row["type"].value.rsplit("/", 1)[-1]: row["type"].value
                for row in self.select("SELECT DISTINCT ?type WHERE { ?type dh:directProperty ?p }")}

    def _parties(self, relations: list[RelationRow], today: str) -> list[Party]:
        """The other organisations of the current relations, each once with all its roles, in the
        corner it is drawn in."""
        parties: dict[str, Party] = {}
        for row in relations:
            if not row.current(today) or row.role in ("predecessor-of", "successor-of", "linked"):
                continue
            known = parties.get(row.other.iri)
            if known is not None:
                if row.role not in known.roles:
                    parties[row.other.iri] = dataclasses.replace(known, roles=(*known.roles, row.role))
                continue
            fixed = ROLES.get((row.type.iri.rsplit("/", 1)[-1], row.direction), ("", None, 99))[1]
            corner = fixed or self._corner_of(row.other.iri)
            parties[row.other.iri] = Party(row.other, (row.role,), corner)
        return list(parties.values())

    def _corner_of(self, iri: str) -> str:
        keys = self._corners.get(iri)
        if keys is None:
            keys = {t.value.rsplit("/", 1)[-1] for t in self.objects(_n(iri), DH + "corner")}
        if "toezicht" in keys:
            return "supervision"
        if "uitvoering" in keys:
            return "implementation"
        if "politiek-en-beleid" in keys:
            return "politics"
        return "implementation"

    def _short_name(self, iri: str) -> str:
        labels = self.labels(iri)
        name = labels.get("nl") or next(iter(labels.values()), "") or iri.rsplit("/", 1)[-1]
        if len(name) > 30:
            alts = [t.value for t in self.objects(_n(iri), SKOS + "altLabel") if isinstance(t, ox.Literal)]
            if alts:
                return min(alts, key=len)
        return name


ORGANISATION_RELATIONS = """
SELECT ?relation ?type ?direction ?other ?start ?end ?status ?kind ?name ?corner WHERE {
  { ?relation dh:from ?org ; dh:to ?other . BIND("out" AS ?direction) }
  UNION
  { ?relation dh:to ?org ; dh:from ?other . BIND("in" AS ?direction) }
  ?relation dh:relationType ?type .
  OPTIONAL { ?relation schema:startDate ?start }
  OPTIONAL { ?relation schema:endDate ?end }
  OPTIONAL { ?relation dh:epistemicStatus ?status }
  OPTIONAL { ?relation dh:changeKind ?kind }
  OPTIONAL { ?other skos:prefLabel ?name }
  OPTIONAL { ?other dh:corner ?corner }
}"""

# ?RELATIONS: the relation IRIs, written out by the caller
RELATION_DETAILS = """
SELECT DISTINCT ?relation ?legal ?source WHERE {
  VALUES ?relation { ?RELATIONS }
  OPTIONAL { ?relation dh:legalBasis ?legal }
  OPTIONAL { ?relation dcterms:source ?source }
}"""

# what weighs an organisation in the triangle's sample: the cases and the relations it takes part in
ORGANISATION_CASE_COUNTS = """
SELECT ?org (COUNT(DISTINCT ?case) AS ?n) WHERE {
  ?case a dh:Case .
  { ?case dh:involvedOrganisation ?org } UNION { ?case dh:involvement/dh:organisation ?org }
}
GROUP BY ?org"""

ORGANISATION_RELATION_COUNTS = """
SELECT ?org (COUNT(?relation) AS ?n) WHERE {
  { ?relation dh:from ?org } UNION { ?relation dh:to ?org }
}
GROUP BY ?org"""
