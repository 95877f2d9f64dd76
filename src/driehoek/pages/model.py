"""The view models: everything a page shows, as plain data (the web layer picks a format and renders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .labels import Labels

if TYPE_CHECKING:  # the laid-out diagram of the organisation page
    from ..triangle import Triangle


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
