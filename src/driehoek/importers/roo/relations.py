"""Relations between organisations with their valid time: qualified dh:Relation nodes, one per period,
and the direct triples; the time test for succession and the parliament test for accountability."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from .records import _Org
from .turtle import _Graph, _iri, _xsd_date

# The two chambers of parliament. Their units (committees, the griffie) are not accountable to a
# ministry: see the relation_to_ministerie handling in _convert.
PARLIAMENT: frozenset[str] = frozenset({"org:tweede-kamer", "org:eerste-kamer"})


@dataclass
class _Relation:
    """A qualified relation before it gets its IRI: its periods and, per period, its sources."""

    kind: str
    source_org: _Org
    target_iri: str
    target_slug: str
    periods: dict[tuple[str | None, str | None], set[str]] = field(default_factory=lambda: defaultdict(set))
    # Periods whose start the importer derived by a rule (not stated by the source): interpreted.
    interpreted: set[tuple[str | None, str | None]] = field(default_factory=set)


# Direct property (docs/model.md) of each relation type the register feeds.
_DIRECT_PROPERTY: Mapping[str, str] = {
    "predecessor-of": "dh:predecessorOf",
    "accountable-to": "dh:accountableTo",
    "sub-organisation-of": "org:subOrganizationOf",
    "participates-in": "dh:participatesIn",
}


def _ended_before(successor_end: str | None, predecessor_start: str | None, predecessor_end: str | None) -> bool:
    """Whether a successor's dissolution comes before its predecessor's founding or dissolution (ISO dates;
    an unknown date contradicts nothing). A predecessor that still exists may have a successor that has
    ended since (a split: EZK and LNV 2017-2024); one that ended after its successor cannot."""
    if successor_end is None:
        return False
    return any(successor_end < d for d in (predecessor_start, predecessor_end) if d)


def _in_parliament(org: _Org, orgs: Mapping[str, _Org]) -> bool:
    """Whether the organisation is a unit of the Tweede or Eerste Kamer (by its parent chain)."""
    seen = {org.record_id}
    parent_id = org.parent_id
    while parent_id and parent_id not in seen:
        if parent_id in PARLIAMENT:
            return True
        seen.add(parent_id)
        parent = orgs.get(parent_id)
        parent_id = parent.parent_id if parent else None
    return False


def _write_relations(relations: Mapping[tuple[str, str, str], _Relation], base_iri: str, graph: _Graph) -> int:
    """Direct triples and qualified dh:Relation nodes; the number of nodes."""
    count = 0
    for (kind, subject, target), relation in relations.items():
        graph.add(subject, _DIRECT_PROPERTY[kind], _iri(target))
        base_slug = f"{relation.source_org.slug}-{kind}-{relation.target_slug}"
        periods = sorted(relation.periods, key=lambda p: (p[0] or "", p[1] or ""))
        starts = Counter(p[0] for p in periods)
        for index, period in enumerate(periods, start=1):
            # One node per period; the slug only grows a suffix when there is more than one.
            if len(periods) == 1:
                slug = base_slug
            elif period[0] and starts[period[0]] == 1:
                slug = f"{base_slug}-{period[0]}"
            else:
                slug = f"{base_slug}-{index}"
            node = f"{base_iri}id/relation/{slug}"
            graph.add(node, "a", "dh:Relation")
            graph.add(node, "dh:relationType", f"reltype:{kind}")
            graph.add(node, "dh:from", _iri(subject))
            graph.add(node, "dh:to", _iri(target))
            start, end = period
            if start:
                graph.add(node, "schema:startDate", _xsd_date(start))
            if end:
                graph.add(node, "schema:endDate", _xsd_date(end))
            for cite in relation.periods[period]:
                graph.add(node, "dcterms:source", _iri(cite))
            if period in relation.interpreted:
                graph.add(node, "dh:epistemicStatus", "epistemic:interpreted")
            count += 1
    return count
