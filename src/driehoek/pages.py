"""The fixed queries behind driehoek's pages and resource documents, run in-process on a snapshot.

Everything a page shows comes from here as plain data (view models): the web layer picks a format
and renders; it never holds SPARQL (STYLE rule 2). Reads see the public graphs of one snapshot
minus the withdrawn ones — the same dataset a user's SPARQL query sees — so a page and a query
never disagree. No flask here.

Two kinds of reads:
- pattern lookups (`Store.quads_for_pattern`) for one resource's own triples and for labels: they
  are index lookups, microseconds each;
- SPARQL (`Store.query`) where a join, a filter or a sort does the work: listings, search, the
  relations of an organisation, counts. Each call is timed in `Pages.stats` (bench/pages.py).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import pyoxigraph as ox

from . import history, patterns
from .triangle import Edge, Node, Triangle  # noqa: F401  (view types of the organisation page)
from . import triangle as triangle_layout
from .iris import DCTERMS, DH, KINDS, PROV, RDF_TYPE, TOOI_ORG_PREFIX, XSD

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
OWL = "http://www.w3.org/2002/07/owl#"
CV = "http://data.europa.eu/m8g/"
TOOIONT = "https://identifier.overheid.nl/tooi/def/ont/"
VANN = "http://purl.org/vocab/vann/"
EPISTEMIC = "https://w3id.org/driehoek/def/epistemic-status/"  # concepts of dh:epistemicStatus
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
ONTOLOGY = DH.rstrip("#")  # the ontology's own IRI: https://w3id.org/driehoek/def

# Prefixes for CURIEs on pages and for Turtle / RDF/XML output.
PREFIXES: dict[str, str] = {
    "dh": DH, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS,
    "prov": PROV, "schema": SCHEMA, "foaf": FOAF, "org": ORG, "cv": CV, "tooiont": TOOIONT,
    "vann": VANN, "skosxl": SKOSXL,
}

Labels = dict[str, str]  # language tag ("" for none) -> text
Term = ox.NamedNode | ox.BlankNode | ox.Literal

CORNERS = ("politiek-en-beleid", "uitvoering", "toezicht")
PAGE_SIZE = 50
RELATIONS_SHOWN = 40  # rows of an organisation's relations table; all of them: /org/{code}/relations (paged)
RELATIONS_KEPT = 64  # organisations (and days) whose relation rows a snapshot keeps (Pages.relations)
INCOMING_SHOWN = 100  # links to a resource shown on its generic page
SEARCH_KINDS = ("organisation", "case", "theme", "event")

_WHERE = re.compile(r"WHERE\s*\{", re.IGNORECASE)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CODE = re.compile(r"[a-z0-9_]{1,64}")
# TOOI's kinds of organisation identifiers, tried before the (lazily built) index of all codes
_TOOI_KINDS = ("zbo", "ministerie", "oorg", "gemeente", "provincie", "waterschap", "so", "col")


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


A = _n(RDF_TYPE)
LABEL_PREDICATES = tuple(_n(p) for p in (SKOS + "prefLabel", DCTERMS + "title", RDFS + "label",
                                         SCHEMA + "name", FOAF + "name"))
ORGANISATION_CLASSES = frozenset({ORG + "Organization", CV + "PublicOrganisation", DH + "LearningCommunity"})

# Names of the common outside terms, so that pages speak Dutch and English; the driehoek terms
# carry their own rdfs:label in the ontology.
TERM_LABELS: dict[str, Labels] = {
    RDF_TYPE: {"nl": "soort", "en": "type"},
    SKOS + "prefLabel": {"nl": "naam", "en": "name"},
    SKOS + "altLabel": {"nl": "andere naam", "en": "other name"},
    SKOS + "definition": {"nl": "definitie", "en": "definition"},
    SKOS + "notation": {"nl": "code", "en": "notation"},
    SKOS + "inScheme": {"nl": "in begrippenlijst", "en": "in scheme"},
    SKOS + "topConceptOf": {"nl": "topbegrip van", "en": "top concept of"},
    SKOS + "closeMatch": {"nl": "komt overeen met", "en": "close match"},
    SKOS + "Concept": {"nl": "begrip", "en": "concept"},
    SKOS + "ConceptScheme": {"nl": "begrippenlijst", "en": "concept scheme"},
    DCTERMS + "title": {"nl": "titel", "en": "title"},
    DCTERMS + "abstract": {"nl": "samenvatting", "en": "summary"},
    DCTERMS + "description": {"nl": "omschrijving", "en": "description"},
    DCTERMS + "source": {"nl": "bron", "en": "source"},
    DCTERMS + "subject": {"nl": "thema", "en": "theme"},
    DCTERMS + "issued": {"nl": "gepubliceerd", "en": "issued"},
    DCTERMS + "date": {"nl": "datum", "en": "date"},
    DCTERMS + "publisher": {"nl": "uitgever", "en": "publisher"},
    DCTERMS + "relation": {"nl": "verband met", "en": "related to"},
    DCTERMS + "modified": {"nl": "gewijzigd", "en": "modified"},
    DCTERMS + "created": {"nl": "gemaakt", "en": "created"},
    DCTERMS + "license": {"nl": "licentie", "en": "licence"},
    DCTERMS + "bibliographicCitation": {"nl": "bronvermelding", "en": "citation"},
    RDFS + "label": {"nl": "label", "en": "label"},
    RDFS + "comment": {"nl": "toelichting", "en": "comment"},
    RDFS + "seeAlso": {"nl": "zie ook", "en": "see also"},
    RDFS + "subClassOf": {"nl": "is een soort", "en": "subclass of"},
    RDFS + "subPropertyOf": {"nl": "is een vorm van", "en": "subproperty of"},
    RDFS + "domain": {"nl": "domein", "en": "domain"},
    RDFS + "range": {"nl": "bereik", "en": "range"},
    FOAF + "homepage": {"nl": "website", "en": "website"},
    SCHEMA + "startDate": {"nl": "begindatum", "en": "start date"},
    SCHEMA + "endDate": {"nl": "einddatum", "en": "end date"},
    SCHEMA + "foundingDate": {"nl": "opgericht", "en": "founded"},
    SCHEMA + "dissolutionDate": {"nl": "opgeheven", "en": "dissolved"},
    SCHEMA + "organizer": {"nl": "organisator", "en": "organiser"},
    SCHEMA + "Event": {"nl": "evenement", "en": "event"},
    ORG + "Organization": {"nl": "organisatie", "en": "organisation"},
    ORG + "subOrganizationOf": {"nl": "onderdeel van", "en": "part of"},
    ORG + "linkedTo": {"nl": "verbonden met", "en": "linked to"},
    CV + "PublicOrganisation": {"nl": "overheidsorganisatie", "en": "public organisation"},
    OWL + "Class": {"nl": "klasse", "en": "class"},
    OWL + "ObjectProperty": {"nl": "relatie-eigenschap", "en": "object property"},
    OWL + "DatatypeProperty": {"nl": "waarde-eigenschap", "en": "datatype property"},
    OWL + "NamedIndividual": {"nl": "benoemd individu", "en": "named individual"},
    OWL + "equivalentProperty": {"nl": "gelijk aan", "en": "equivalent property"},
    OWL + "inverseOf": {"nl": "omgekeerde van", "en": "inverse of"},
}

# The three corners, in the order the diagram draws them, with the key the templates use.
CORNER_KEYS = {"politiek-en-beleid": "politics", "uitvoering": "implementation", "toezicht": "supervision"}

# How an organisation relates to another in its triangle: (relation type slug, direction) ->
# (role key, the corner the other party is drawn in, or None for "its own corner", priority).
# "out": the organisation is dh:from; "in": it is dh:to.
ROLES: dict[tuple[str, str], tuple[str, str | None, int]] = {
    ("accountable-to", "out"): ("accountable-to", "politics", 0),
    ("owner-of", "in"): ("owner", "politics", 1),
    ("principal-of", "in"): ("principal", "politics", 2),
    ("agent-of", "out"): ("agent-for", "politics", 3),
    ("supervises", "in"): ("supervised-by", "supervision", 4),
    ("sub-organisation-of", "out"): ("part-of", None, 5),
    ("supervises", "out"): ("supervises", None, 6),
    ("accountable-to", "in"): ("accountable-body", None, 7),
    ("owner-of", "out"): ("owns", None, 8),
    ("principal-of", "out"): ("principal-for", None, 9),
    ("agent-of", "in"): ("agent", None, 10),
    ("sub-organisation-of", "in"): ("has-part", None, 11),
    ("participates-in", "out"): ("participates-in", None, 12),
    ("participates-in", "in"): ("participant", None, 13),
    ("predecessor-of", "out"): ("predecessor-of", None, 14),
    ("predecessor-of", "in"): ("successor-of", None, 15),
}
# A relation in words from the organisation's side, read as "[the organisation] ... [the other]": it
# states the direction ("staat onder toezicht van" on the incoming side of a supervision relation).
ROLE_LABELS: dict[str, Labels] = {
    "accountable-to": {"nl": "legt verantwoording af aan", "en": "is accountable to"},
    "owner": {"nl": "heeft als eigenaar", "en": "is owned by"},
    "principal": {"nl": "heeft als opdrachtgever", "en": "is commissioned by"},
    "agent-for": {"nl": "voert opdrachten uit voor", "en": "works as an agent for"},
    "supervised-by": {"nl": "staat onder toezicht van", "en": "is supervised by"},
    "part-of": {"nl": "is onderdeel van", "en": "is part of"},
    "supervises": {"nl": "houdt toezicht op", "en": "supervises"},
    "accountable-body": {"nl": "ontvangt verantwoording van", "en": "holds to account"},
    "owns": {"nl": "is eigenaar van", "en": "owns"},
    "principal-for": {"nl": "is opdrachtgever van", "en": "commissions"},
    "agent": {"nl": "heeft als opdrachtnemer", "en": "has as its agent"},
    "has-part": {"nl": "heeft als onderdeel", "en": "has as a part"},
    "participates-in": {"nl": "neemt deel aan", "en": "takes part in"},
    "participant": {"nl": "heeft als deelnemer", "en": "has as a participant"},
    "predecessor-of": {"nl": "is opgevolgd door", "en": "was succeeded by"},
    "successor-of": {"nl": "is de opvolger van", "en": "succeeded"},
    "linked": {"nl": "is verbonden met", "en": "is linked to"},
}
# The other party's role in words, from its side, read as "[the other] ...": the captions of the
# triangle's boxes and its list ("Autoriteit Persoonsgegevens houdt toezicht").
PARTY_LABELS: dict[str, Labels] = {
    "accountable-to": {"nl": "ontvangt verantwoording", "en": "holds it to account"},
    "owner": {"nl": "eigenaar", "en": "owner"},
    "principal": {"nl": "opdrachtgever", "en": "principal"},
    "agent-for": {"nl": "geeft opdrachten", "en": "commissions it"},
    "supervised-by": {"nl": "houdt toezicht", "en": "supervises it"},
    "part-of": {"nl": "overkoepelende organisatie", "en": "parent organisation"},
    "supervises": {"nl": "staat onder toezicht", "en": "supervised by it"},
    "accountable-body": {"nl": "legt verantwoording af", "en": "accountable to it"},
    "owns": {"nl": "in eigendom", "en": "owned by it"},
    "principal-for": {"nl": "krijgt opdrachten", "en": "commissioned by it"},
    "agent": {"nl": "opdrachtnemer", "en": "its agent"},
    "has-part": {"nl": "onderdeel", "en": "its part"},
    "participates-in": {"nl": "verband waaraan het deelneemt", "en": "it takes part in this"},
    "participant": {"nl": "deelnemer", "en": "participant"},
    "predecessor-of": {"nl": "opvolger", "en": "successor"},
    "successor-of": {"nl": "voorganger", "en": "predecessor"},
    "linked": {"nl": "verbonden", "en": "linked"},
}
# role key -> (relation type slug, direction): a role's line style and arrow in the triangle
ROLE_RELATIONS: dict[str, tuple[str, str]] = {key: (slug, direction) for (slug, direction), (key, _c, _p) in ROLES.items()}
# Relation types by the direct property that states them (the model's direct triples).
DIRECT_PROPERTIES = {
    DH + "accountableTo": "accountable-to", DH + "supervises": "supervises",
    ORG + "subOrganizationOf": "sub-organisation-of", DH + "participatesIn": "participates-in",
    DH + "ownerOf": "owner-of", DH + "principalOf": "principal-of", DH + "agentOf": "agent-of",
    DH + "predecessorOf": "predecessor-of",
}

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


# -- view models --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Link:
    """A resource as a page shows it: its IRI, labels, and where a browser goes (None: nowhere)."""

    iri: str
    labels: Labels
    href: str | None

    @property
    def local(self) -> bool:
        """True when the link stays inside driehoek."""
        return bool(self.href) and self.href.startswith("/")


@dataclass(frozen=True)
class Value:
    """One object of a triple, ready to show: a literal, a link, or a blank node's own triples."""

    text: str = ""
    lang: str = ""
    datatype: str = ""
    link: Link | None = None
    nested: tuple[Property, ...] = ()


@dataclass(frozen=True)
class Property:
    """A predicate and its values (or, for incoming links, its subjects)."""

    predicate: Link
    values: tuple[Value, ...]


@dataclass
class Resource:
    """What the generic page shows about any resource."""

    iri: str
    labels: Labels
    kind: str  # "organisation", "case", ... or "" for anything else
    types: list[Link]
    properties: list[Property]
    incoming: list[Property]
    incoming_total: int
    descriptions: Labels = field(default_factory=dict)


@dataclass(frozen=True)
class RelationRow:
    """One relation of an organisation, with its dates: a row of the timeline."""

    node: Link | None  # the qualified dh:Relation, None when only the direct triple is known
    type: Link
    role: str  # a key of ROLE_LABELS
    direction: str  # "out" (the organisation is dh:from) or "in"
    other: Link
    start: str | None
    end: str | None
    legal_bases: tuple[Link, ...] = ()
    sources: tuple[Link, ...] = ()
    status: Link | None = None  # dh:epistemicStatus, where the relation is not a plain sourced fact
    change_kind: Link | None = None  # dh:changeKind of a predecessor-of relation

    def current(self, today: str) -> bool:
        """True if the relation holds on `today` (ISO date)."""
        return (self.start is None or self.start <= today) and (self.end is None or self.end >= today)


@dataclass(frozen=True)
class Party:
    """Another organisation in the triangle diagram of an organisation."""

    link: Link
    roles: tuple[str, ...]  # keys of ROLE_LABELS, most telling first
    corner: str  # politics | implementation | supervision

    @property
    def role(self) -> str:
        """The most telling role."""
        return self.roles[0]


@dataclass
class OrganisationView:
    """Everything the organisation page shows."""

    resource: Resource
    code: str | None
    alt_labels: list[str]
    descriptions: Labels
    org_type: Link | None
    corners: list[Link]
    corner_keys: list[str]
    homepage: Link | None
    founded: str | None
    dissolved: str | None
    legal_bases: list[Link]
    sources: list[Link]
    names: list[dict[str, Any]]
    relations: list[RelationRow]
    relations_total: int
    parties: list[Party]
    cases: list[tuple[Link, Link | None]]
    monitors: list[Link]
    events: list[Link]
    triangle: Triangle
    predecessors: list[RelationRow] = field(default_factory=list)
    successors: list[RelationRow] = field(default_factory=list)
    # the page for one day (?on=YYYY-MM-DD): the relations and names as they were on it
    on: str | None = None
    existed: bool = True  # the organisation existed on `on` (founded on or before it, not dissolved before it)
    names_on: list[str] = field(default_factory=list)  # its name(s) valid on `on`, where its names are dated


@dataclass(frozen=True)
class AssessmentRow:
    """One assessment of a case on one criterion."""

    iri: str
    criterion: Link
    notation: str
    rating: Link | None
    rank: int | None
    rationale: Labels
    evidence: tuple[Link, ...]
    assessor: Link | None
    date: str | None
    illustrative: bool
    status: Link | None = None  # dh:epistemicStatus: illustrative (the editors), interpreted (a body's verdict)
    contests: tuple[str, ...] = ()  # IRIs of the assessments this one contests (dh:contests)


@dataclass
class CaseView:
    """Everything the case page shows."""

    resource: Resource
    titles: Labels
    abstracts: Labels
    collaboration: Labels
    start: str | None
    end: str | None
    issued: str | None
    status: Link | None
    status_key: str
    withdrawal_reason: Labels
    withdrawn_at: str | None
    involvements: list[tuple[Link, Link | None]]
    themes: list[Link]
    sources: list[Link]
    assessments: list[AssessmentRow]
    chart: list[AssessmentRow]  # the latest assessment per criterion, in criterion order
    ratings: list[Link]  # the rating scale, best first (for the chart's axis)
    events: list[Link]
    monitors: list[Link]
    codings: list[Any] = field(default_factory=list)  # patterns.CodingRow, in factor order
    agreement: dict[str, Any] = field(default_factory=dict)  # criterion IRI -> patterns.CriterionAgreement


@dataclass(frozen=True)
class Tombstone:
    """Who withdrew a resource's graph, when and why (from the metadata graph)."""

    iri: str
    graph: str
    reason: str
    when: str
    who: str


@dataclass(frozen=True)
class IndexEntry:
    """An organisation in the per-snapshot name index."""

    iri: str
    labels: Labels
    alt_labels: tuple[str, ...]
    haystack: str  # every name, case-folded, one per line
    sort_nl: str
    sort_en: str
    status: str = ""  # cases: the status slug
    score: int = 0  # cases: the sum of the latest rank on each criterion
    date: str = ""  # meetings: the date


@dataclass
class Stats:
    """Time spent in the store, for the benchmark."""

    queries: int = 0
    query_seconds: float = 0.0
    lookups: int = 0
    statements: list[str] = field(default_factory=list)  # the SPARQL run, as sent to the store


@dataclass
class Page:
    """One page of a listing."""

    items: list[Any]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        """Number of pages."""
        return max(1, -(-self.total // self.size))


# -- the snapshot and its per-snapshot caches ----------------------------------------------------

class Snapshot:
    """One published snapshot as pages read it: the store, the withdrawn graphs and small caches
    (facets, counts, the TOOI code index) that live as long as the snapshot."""

    def __init__(self, store: ox.Store, *, key: str, base_iri: str, withdrawn: Iterable[str] = (),
                 modified: datetime | None = None) -> None:
        self.store = store
        self.key = key
        self.base_iri = base_iri
        self.withdrawn = frozenset(withdrawn)
        self.modified = modified or datetime.now(timezone.utc)
        self.meta_graph = base_iri + "graph/meta"
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.kept_relations: OrderedDict[tuple[str, str | None], Any] = OrderedDict()  # Pages.relations
        self.relations_lock = threading.Lock()
        if self.withdrawn:
            graphs = [g for g in store.named_graphs()
                      if not (isinstance(g, ox.NamedNode) and g.value in self.withdrawn)]
            self.dataset: dict[str, Any] = {"default_graph": [ox.DefaultGraph(), *graphs]}
        else:
            self.dataset = {"use_default_graph_as_union": True}

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """A value computed once per snapshot."""
        if key in self._cache:
            return self._cache[key]
        value = compute()
        with self._lock:
            self._cache.setdefault(key, value)
        return self._cache[key]

    def pages(self) -> Pages:
        """A reader for one request."""
        return Pages(self)


class Pages:
    """The fixed queries of the pages, on one snapshot. Cheap to create: one per request."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.store = snapshot.store
        self.base = snapshot.base_iri
        self.withdrawn = snapshot.withdrawn
        self.stats = Stats()
        self._labels: dict[str, Labels] = {}
        self._corners: dict[str, set[str]] = {}

    # -- reading primitives --------------------------------------------------------------------

    def select(self, sparql: str, **bindings: Term) -> list[dict[str, Term]]:
        """Run a SELECT on the public, not withdrawn, graphs; rows as {variable: term}."""
        start = time.perf_counter()
        if bindings:
            # A VALUES block, not `substitutions`: Oxigraph plans a substituted variable as unbound
            # (an organisation's relations: 320 ms instead of 0.6 ms). Terms print as N-Triples,
            # escaped by pyoxigraph, so a user's search text cannot leave its string literal.
            names = " ".join("?" + k for k in bindings)
            terms = " ".join(str(v) for v in bindings.values())
            sparql = _WHERE.sub(lambda m: f"{m.group(0)} VALUES ({names}) {{ ({terms}) }} ", sparql, count=1)
        text = SPARQL_PREFIXES + sparql
        self.stats.statements.append(text)
        results = self.store.query(text, base_iri=self.base, **self.snapshot.dataset)
        names = [v.value for v in results.variables]
        rows = []
        for solution in results:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        self.stats.queries += 1
        self.stats.query_seconds += time.perf_counter() - start
        return rows

    def quads(self, subject: Any = None, predicate: Any = None, obj: Any = None) -> Iterator[ox.Quad]:
        """Quads matching a pattern in the visible graphs."""
        self.stats.lookups += 1
        for quad in self.store.quads_for_pattern(subject, predicate, obj, None):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value in self.withdrawn:
                continue
            yield quad

    def objects(self, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list[Term]:
        """Distinct objects of (subject, predicate), in a stable order."""
        seen: dict[str, Term] = {}
        for quad in self.quads(subject, _n(predicate), None):
            seen.setdefault(str(quad.object), quad.object)
        return [seen[k] for k in sorted(seen)]

    def subjects(self, predicate: str, obj: Term) -> list[ox.NamedNode | ox.BlankNode]:
        """Distinct subjects of (predicate, object)."""
        seen: dict[str, Any] = {}
        for quad in self.quads(None, _n(predicate), obj):
            seen.setdefault(str(quad.subject), quad.subject)
        return [seen[k] for k in sorted(seen)]

    def texts(self, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> Labels:
        """Literal values of (subject, predicate) by language."""
        found: Labels = {}
        for term in self.objects(subject, predicate):
            if isinstance(term, ox.Literal):
                found.setdefault(term.language or "", term.value)
        return found

    def first(self, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> Term | None:
        """One object of (subject, predicate), if any."""
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def first_text(self, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> str | None:
        """The lexical value of one object of (subject, predicate)."""
        term = self.first(subject, predicate)
        return term.value if isinstance(term, (ox.Literal, ox.NamedNode)) else None

    # -- labels and links ----------------------------------------------------------------------

    def labels(self, iri: str) -> Labels:
        """A resource's name by language, from the first label property it has."""
        if iri in self._labels:
            return self._labels[iri]
        found: Labels = {}
        if iri in TERM_LABELS:
            found = dict(TERM_LABELS[iri])
        else:
            node = _n(iri)
            for predicate in LABEL_PREDICATES:
                for quad in self.quads(node, predicate, None):
                    if isinstance(quad.object, ox.Literal):
                        found.setdefault(quad.object.language or "", quad.object.value)
                if found:
                    break
        self._labels[iri] = found
        return found

    def href(self, iri: str) -> str | None:
        """Where a browser goes for an IRI: driehoek's own page, the IRI itself (http/https), or nowhere."""
        return local_path(iri, self.base) or (iri if iri.startswith(("http://", "https://")) else None)

    def link(self, iri: str) -> Link:
        """A Link with labels (a CURIE or the local name when there is no label)."""
        labels = self.labels(iri)
        if not labels:
            short = curie(iri)
            if short != iri:
                labels = {"": short}
        return Link(iri, labels, self.href(iri))

    def links(self, terms: Iterable[Term]) -> list[Link]:
        """Links for the IRIs among terms, sorted by name."""
        found = [self.link(t.value) for t in terms if isinstance(t, ox.NamedNode)]
        return sorted(found, key=lambda link: sort_key(pick(link.labels, link.iri)))

    # -- one resource --------------------------------------------------------------------------

    def status(self, iri: str) -> str:
        """"ok" if the resource has triples in a visible graph, "withdrawn" if only in withdrawn
        graphs, else "missing"."""
        node = _n(iri)
        for quad in self.store.quads_for_pattern(node, None, None, None):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value in self.withdrawn:
                continue  # a snapshot made before withdrawn graphs were dropped from snapshots
            return "ok"
        return "withdrawn" if self._withdrawn_graphs_of(node) else "missing"

    def _withdrawn_graphs_of(self, node: ox.NamedNode) -> list[str]:
        """The withdrawn graphs that held `node` (snapshots keep their subjects as dh:heldSubject)."""
        held = {q.subject.value for q in self.store.quads_for_pattern(None, _n(DH + "heldSubject"), node,
                                                                       _n(self.snapshot.meta_graph))
                if isinstance(q.subject, ox.NamedNode)}
        held |= {q.graph_name.value for q in self.store.quads_for_pattern(node, None, None, None)
                 if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in self.withdrawn}
        return sorted(held & self.withdrawn)

    def kind(self, iri: str) -> str:
        """organisation, case, ... (see resource_kind) from the resource's types and IRI."""
        types = {t.value for t in self.objects(_n(iri), RDF_TYPE) if isinstance(t, ox.NamedNode)}
        return resource_kind(iri, self.base, types)

    def tombstone(self, iri: str) -> Tombstone:
        """Who withdrew the graph that held the resource, when and why."""
        graphs = self._withdrawn_graphs_of(_n(iri))
        graph = graphs[0] if graphs else ""
        meta = _n(self.snapshot.meta_graph)

        def meta_value(predicate: str) -> str:
            for quad in self.store.quads_for_pattern(_n(graph), _n(DH + predicate), None, meta):
                return quad.object.value
            return ""
        return Tombstone(iri, graph, meta_value("withdrawalReason"), meta_value("withdrawnAt"),
                         meta_value("withdrawnBy"))

    def describe(self, iri: str) -> list[ox.Triple]:
        """What the resource's page tells, as RDF: its concise bounded description (its triples, and
        those of the blank nodes it reaches), and the relations between organisations it takes part
        in on either side — the direct triples that point at it and every qualified dh:Relation node
        with it as dh:from or dh:to, with their dates, legal bases and sources — from the visible
        graphs, each triple once."""
        triples: dict[str, ox.Triple] = {}
        node = _n(iri)
        todo: list[ox.NamedNode | ox.BlankNode] = [node]
        for side in (DH + "from", DH + "to"):
            todo += [q.subject for q in self.quads(None, _n(side), node) if isinstance(q.subject, ox.NamedNode)]
        for predicate in DIRECT_PROPERTIES:
            for quad in self.quads(None, _n(predicate), node):
                triple = ox.Triple(quad.subject, quad.predicate, quad.object)
                triples.setdefault(str(triple), triple)
        seen: set[str] = set()
        while todo:
            subject = todo.pop()
            if str(subject) in seen:
                continue
            seen.add(str(subject))
            for quad in self.quads(subject, None, None):
                triple = ox.Triple(quad.subject, quad.predicate, quad.object)
                triples.setdefault(str(triple), triple)
                if isinstance(quad.object, ox.BlankNode) or (
                        quad.predicate.value == DH + "legalBasis" and isinstance(quad.object, ox.NamedNode)):
                    todo.append(quad.object)  # a legal basis: its label, law and article come along
        return [triples[k] for k in sorted(triples)]

    def ontology(self) -> list[ox.Triple]:
        """The vocabulary: the triples of the ontology graph."""
        graph = _n(self.base + "graph/ontology")
        if graph.value in self.withdrawn:
            return []
        found = {str(q): ox.Triple(q.subject, q.predicate, q.object)
                 for q in self.store.quads_for_pattern(None, None, None, graph)}
        return [found[k] for k in sorted(found)]

    def resource(self, iri: str, incoming: bool = True) -> Resource:
        """The generic view of any resource: labels, types, properties, and what links to it."""
        node = _n(iri)
        by_predicate: dict[str, list[Term]] = {}
        for quad in self.quads(node, None, None):
            values = by_predicate.setdefault(quad.predicate.value, [])
            if quad.object not in values:
                values.append(quad.object)
        types = self.links(by_predicate.get(RDF_TYPE, []))
        properties = self._properties(by_predicate, skip={RDF_TYPE}, depth=0)
        incoming_by: dict[str, list[ox.NamedNode]] = {}
        total = 0
        for quad in self.quads(None, None, node) if incoming else ():
            subject = quad.subject
            if not isinstance(subject, ox.NamedNode) or quad.predicate.value == RDF_TYPE:
                continue
            bucket = incoming_by.setdefault(quad.predicate.value, [])
            if subject in bucket:
                continue
            total += 1
            if total <= INCOMING_SHOWN:
                bucket.append(subject)
        incoming = [Property(self.link(p), tuple(Value(link=link) for link in self.links(subjects)))
                    for p, subjects in sorted(incoming_by.items()) if subjects]
        kind = resource_kind(iri, self.base, {t.iri for t in types})
        descriptions = {}
        for predicate in (DCTERMS + "abstract", DCTERMS + "description", SKOS + "definition", RDFS + "comment"):
            descriptions = self.texts(node, predicate)
            if descriptions:
                break
        return Resource(iri, self.labels(iri), kind, types, properties, incoming, total, descriptions)

    def _properties(self, by_predicate: dict[str, list[Term]], skip: set[str], depth: int) -> list[Property]:
        rows = []
        for predicate, terms in by_predicate.items():
            if predicate in skip:
                continue
            values = []
            for term in terms:
                if isinstance(term, ox.Literal):
                    values.append(Value(text=term.value, lang=term.language or "",
                                        datatype=term.datatype.value if term.datatype else ""))
                elif isinstance(term, ox.NamedNode):
                    values.append(Value(link=self.link(term.value)))
                elif depth < 3:
                    nested: dict[str, list[Term]] = {}
                    for quad in self.quads(term, None, None):
                        nested.setdefault(quad.predicate.value, []).append(quad.object)
                    values.append(Value(nested=tuple(self._properties(nested, set(), depth + 1))))
            values.sort(key=lambda v: (v.link is not None, v.lang != "nl", v.lang, v.text,
                                       sort_key(pick(v.link.labels, v.link.iri)) if v.link else ""))
            rows.append(Property(self.link(predicate), tuple(values)))
        rows.sort(key=lambda p: _predicate_order(p.predicate.iri))
        return rows

    # -- organisations -------------------------------------------------------------------------

    def organisation_iri(self, code: str) -> str | None:
        """The TOOI IRI of the organisation whose identifier ends in `code`, if there is one."""
        if not _CODE.fullmatch(code):
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
            triangle=Triangle(0, 0, {}, "", [], [], {}),
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
        result.sort(key=lambda r: (not r.current(today), _role_priority(r.role), r.start or "",
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

    # -- cases ---------------------------------------------------------------------------------

    def case(self, iri: str) -> CaseView:
        """The case page: its story, the organisations and their roles, and its four assessments."""
        node = _n(iri)
        resource = self.resource(iri, incoming=False)
        status = self.first(node, DH + "status")
        involvements = []
        for inv in self.objects(node, DH + "involvement"):
            if isinstance(inv, ox.BlankNode | ox.NamedNode):
                org = self.first(inv, DH + "organisation")
                role = self.first(inv, DH + "role")
                if isinstance(org, ox.NamedNode):
                    involvements.append((self.link(org.value),
                                         self.link(role.value) if isinstance(role, ox.NamedNode) else None))
        involved = {o.iri for o, _r in involvements}
        for org in self.objects(node, DH + "involvedOrganisation"):
            if isinstance(org, ox.NamedNode) and org.value not in involved:
                involvements.append((self.link(org.value), None))
        involvements.sort(key=lambda pair: (_role_order(pair[1]), sort_key(pick(pair[0].labels, pair[0].iri))))
        assessments = [self._assessment(a) for a in self.objects(node, DH + "hasAssessment")
                       if isinstance(a, ox.NamedNode)]
        assessments.sort(key=lambda a: (a.notation, a.date or ""))
        latest: dict[str, AssessmentRow] = {}
        for row in assessments:
            latest[row.criterion.iri] = row  # sorted by date: the last one wins
        return CaseView(
            resource=resource, titles=self.texts(node, DCTERMS + "title"),
            abstracts=self.texts(node, DCTERMS + "abstract"),
            collaboration=self.texts(node, DH + "triangleCollaboration"),
            start=self.first_text(node, SCHEMA + "startDate"), end=self.first_text(node, SCHEMA + "endDate"),
            issued=self.first_text(node, DCTERMS + "issued"),
            status=self.link(status.value) if isinstance(status, ox.NamedNode) else None,
            status_key=status.value.rsplit("/", 1)[-1] if isinstance(status, ox.NamedNode) else "",
            withdrawal_reason=self.texts(node, DH + "withdrawalReason"),
            withdrawn_at=self.first_text(node, DH + "withdrawnAt"),
            involvements=involvements, themes=self.links(self.objects(node, DCTERMS + "subject")),
            sources=self.links(self.objects(node, DCTERMS + "source")),
            assessments=assessments, chart=sorted(latest.values(), key=lambda a: a.notation),
            ratings=self.rating_scale(),
            events=self.links(self.subjects(DH + "discusses", node)),
            monitors=self.links(self.subjects(DH + "featuresCase", node)),
            codings=patterns.case_codings(self, node),
            agreement=patterns.agreement_of_case(self.store, self.snapshot.dataset, iri),
        )

    def _assessment(self, node: ox.NamedNode) -> AssessmentRow:
        criterion = self.first(node, DH + "criterion")
        rating = self.first(node, DH + "rating")
        assessor = self.first(node, DH + "assessor")
        rank = self.first(rating, DH + "rank") if isinstance(rating, ox.NamedNode) else None
        notation = self.first_text(criterion, SKOS + "notation") if isinstance(criterion, ox.NamedNode) else None
        illustrative = self.first_text(node, DH + "illustrative")
        return AssessmentRow(
            iri=node.value,
            criterion=self.link(criterion.value) if isinstance(criterion, ox.NamedNode) else self.link(node.value),
            notation=notation or "9",
            rating=self.link(rating.value) if isinstance(rating, ox.NamedNode) else None,
            rank=_int(rank.value) if isinstance(rank, ox.Literal) else None,
            rationale=self.texts(node, DH + "rationale"),
            evidence=tuple(self.links(self.objects(node, DH + "evidence"))),
            assessor=self.link(assessor.value) if isinstance(assessor, ox.NamedNode) else None,
            date=self.first_text(node, DCTERMS + "date"),
            illustrative=illustrative in ("true", "1"), status=self.epistemic_status(node),
            contests=tuple(c.value for c in self.objects(node, DH + "contests") if isinstance(c, ox.NamedNode)))

    def rating_scale(self) -> list[Link]:
        """McConnell's spectrum, best (rank 5) first."""
        def compute() -> list[tuple[int, str]]:
            # in the rating scheme: other schemes rank their concepts too (epistemic statuses)
            rows = self.select("SELECT DISTINCT ?rating ?rank WHERE { ?rating dh:rank ?rank ; skos:inScheme ?scheme }",
                               scheme=_n(self.base + "def/rating"))
            return sorted(((_int(r["rank"].value) or 0, r["rating"].value) for r in rows), reverse=True)
        return [self.link(iri) for _rank, iri in self.snapshot.cached("rating-scale", compute)]

    # -- listings ------------------------------------------------------------------------------

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

    def epistemic_status(self, node: ox.NamedNode | ox.BlankNode) -> Link | None:
        """The node's dh:epistemicStatus when it is not a plain sourced fact, else None."""
        status = self.first(node, DH + "epistemicStatus")
        if not isinstance(status, ox.NamedNode) or status.value == EPISTEMIC + "sourced":
            return None
        return self.link(status.value)

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

    # -- the vocabulary ------------------------------------------------------------------------

    def vocabulary(self) -> dict[str, Any]:
        """Classes, properties and concept schemes of the vocabulary, for /def."""
        ontology = _n(ONTOLOGY)

        def terms(of_types: tuple[str, ...]) -> list[dict[str, Any]]:
            items: dict[str, dict[str, Any]] = {}
            for cls in of_types:
                for subject in self.subjects(RDF_TYPE, _n(cls)):
                    if not isinstance(subject, ox.NamedNode) or not subject.value.startswith(DH):
                        continue
                    items.setdefault(subject.value, self._term(subject, cls))
            return sorted(items.values(), key=lambda t: t["name"].casefold())

        schemes = []
        for scheme in self.subjects(RDF_TYPE, _n(SKOS + "ConceptScheme")):
            if not isinstance(scheme, ox.NamedNode):
                continue
            concepts = [self._concept(c) for c in self.subjects(SKOS + "inScheme", scheme) if isinstance(c, ox.NamedNode)]
            concepts.sort(key=lambda c: (c["rank"], c["notation"], sort_key(pick(c["link"].labels, c["link"].iri))))
            schemes.append({"link": self.link(scheme.value), "definition": self.texts(scheme, SKOS + "definition"),
                            "concepts": concepts, "anchor": anchor_for(scheme.value)})
        schemes.sort(key=lambda s: sort_key(pick(s["link"].labels, s["link"].iri)))
        return {
            "iri": ONTOLOGY, "titles": self.texts(ontology, DCTERMS + "title"),
            "descriptions": self.texts(ontology, DCTERMS + "description"),
            "version": self.first_text(ontology, OWL + "versionInfo"),
            "license": self.links(self.objects(ontology, DCTERMS + "license")),
            "classes": terms((OWL + "Class",)),
            "properties": terms((OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty")),
            "schemes": schemes,
        }

    def _term(self, subject: ox.NamedNode, cls: str) -> dict[str, Any]:
        return {
            "iri": subject.value, "name": subject.value[len(DH):], "kind": self.link(cls),
            "labels": self.texts(subject, RDFS + "label"), "comments": self.texts(subject, RDFS + "comment"),
            "parents": self.links(self.objects(subject, RDFS + "subClassOf") + self.objects(subject, RDFS + "subPropertyOf")),
            "domain": self.links(self.objects(subject, RDFS + "domain")),
            "range": self.links(self.objects(subject, RDFS + "range")),
        }

    def _concept(self, concept: ox.NamedNode) -> dict[str, Any]:
        rank = self.first(concept, DH + "rank")
        return {"link": self.link(concept.value), "definition": self.texts(concept, SKOS + "definition"),
                "notation": self.first_text(concept, SKOS + "notation") or "",
                "rank": -(_int(rank.value) or 0) if isinstance(rank, ox.Literal) else 0}


# -- the fixed SPARQL queries ---------------------------------------------------------------------

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

ORGANISATION_NAMES = """
SELECT DISTINCT ?org ?name ?alt WHERE {
  ?org a org:Organization .
  OPTIONAL { ?org skos:prefLabel ?name }
  OPTIONAL { ?org skos:altLabel ?alt }
}"""

def _role_priority(role: str) -> int:
    for (_slug, _direction), (key, _corner, priority) in ROLES.items():
        if key == role:
            return priority
    return 99


# -- helpers --------------------------------------------------------------------------------------

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


def local_path(iri: str, base_iri: str) -> str | None:
    """driehoek's own page for an IRI, if it has one: /doc/..., /org/..., /def..."""
    if iri.startswith(base_iri + "id/"):
        rest = iri[len(base_iri) + 3:]
        kind, _, slug = rest.partition("/")
        if kind in KINDS and _SLUG.fullmatch(slug):
            return f"/doc/{kind}/{slug}"
        return None
    if iri.startswith(TOOI_ORG_PREFIX):
        code = iri.rsplit("/", 1)[-1]
        return f"/org/{code}" if _CODE.fullmatch(code) else None
    if iri == ONTOLOGY:
        return "/def"
    if iri.startswith(DH):
        local = iri[len(DH):]
        return f"/def#{local}" if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", local) else "/def"
    if iri.startswith(base_iri + "def/"):
        rest = iri[len(base_iri) + 4:]
        parts = rest.split("/")
        if 1 <= len(parts) <= 2 and all(_SLUG.fullmatch(p) for p in parts):
            return "/def/" + rest
    return None


def iri_for_path(kind: str, slug: str, base_iri: str) -> str | None:
    """The IRI a /id or /doc path is about, or None for a path no IRI can have."""
    if kind not in KINDS or not _SLUG.fullmatch(slug):
        return None
    return f"{base_iri}id/{kind}/{slug}"


def concept_iri(path: str, base_iri: str) -> str | None:
    """The IRI of a /def/{scheme}[/{slug}] path (concept schemes and their concepts)."""
    parts = path.split("/")
    if not 1 <= len(parts) <= 2 or not all(_SLUG.fullmatch(p) for p in parts):
        return None
    return base_iri + "def/" + path


def resource_kind(iri: str, base_iri: str, types: set[str]) -> str:
    """organisation, case, ... for a resource, from its types (organisations) or its IRI."""
    if types & ORGANISATION_CLASSES:
        return "organisation"
    if DH + "Case" in types:
        return "case"
    if iri.startswith(base_iri + "id/"):
        kind = iri[len(base_iri) + 3:].split("/", 1)[0]
        return kind if kind in KINDS else ""
    if SKOS + "Concept" in types:
        return "concept"
    return ""


def curie(iri: str) -> str:
    """dh:Case for https://w3id.org/driehoek/def#Case; the IRI itself when no prefix fits."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", local or "-"):
                return f"{prefix}:{local}"
    return iri


def anchor_for(iri: str) -> str:
    """A fragment id for an IRI on the /def page."""
    if iri.startswith(DH):
        return iri[len(DH):]
    return "scheme-" + re.sub(r"[^a-z0-9-]+", "-", iri.rstrip("/").rsplit("/", 1)[-1].lower())


def pick(labels: Labels | None, fallback: str = "", lang: str = "nl") -> str:
    """A label in `lang`, else the other language, else any, else the fallback."""
    if not labels:
        return fallback
    for key in (lang, "nl" if lang == "en" else "en", ""):
        if labels.get(key):
            return labels[key]
    return next(iter(labels.values()), fallback)


def pick_lang(labels: Labels | None, lang: str) -> tuple[str, str]:
    """(text, its language) as `pick` chooses it; the language is "" when unknown."""
    if not labels:
        return "", ""
    for key in (lang, "nl" if lang == "en" else "en", ""):
        if labels.get(key):
            return labels[key], key
    key, text = next(iter(labels.items()))
    return text, key


def sort_key(text: str) -> str:
    """Sort names as people expect: ignoring case and accents ("Ério" next to "Erik")."""
    folded = text.casefold()
    return unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode() or folded


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _role_order(role: Link | None) -> int:
    order = ("lead-implementer", "implementer", "policy-owner", "supervisor", "partner")
    slug = role.iri.rsplit("/", 1)[-1] if role else ""
    return order.index(slug) if slug in order else len(order)


_PREDICATE_ORDER = [SKOS + "prefLabel", DCTERMS + "title", SKOS + "altLabel", DCTERMS + "abstract",
                    DCTERMS + "description", SKOS + "definition", RDFS + "label", RDFS + "comment"]


def _predicate_order(iri: str) -> tuple[int, str]:
    return (_PREDICATE_ORDER.index(iri) if iri in _PREDICATE_ORDER else len(_PREDICATE_ORDER), curie(iri))


def snapshot_time(name: str) -> datetime:
    """When a snapshot was published, from its directory name (nanoseconds since the epoch)."""
    try:
        return datetime.fromtimestamp(int(name) / 1e9, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return datetime.now(timezone.utc)


__all__ = ["Link", "Pages", "Snapshot", "Resource", "OrganisationView", "CaseView", "Tombstone", "PREFIXES",
           "local_path", "iri_for_path", "concept_iri", "pick", "pick_lang", "curie", "snapshot_time"]
