"""The case page: its story, the organisations and their roles, and its assessments."""

from __future__ import annotations

import pyoxigraph as ox

from .. import patterns
from ..iris import DCTERMS, DH, SCHEMA, SKOS
from .labels import pick, sort_key
from .model import AssessmentRow, CaseView, Link
from .reader import _int, _n
from .resource import ResourcePages


class CasePages(ResourcePages):
    """A case and its assessments, and the rating scale they use."""

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


def _role_order(role: Link | None) -> int:
    order = ("lead-implementer", "implementer", "policy-owner", "supervisor", "partner")
    slug = role.iri.rsplit("/", 1)[-1] if role else ""
    return order.index(slug) if slug in order else len(order)
