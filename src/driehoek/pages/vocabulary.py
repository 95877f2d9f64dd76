"""The /def page: the classes, properties and concept schemes of the vocabulary."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from ..iris import DCTERMS, DH, ONTOLOGY, OWL, RDF_TYPE, RDFS, SKOS, anchor_for
from .labels import pick, sort_key
from .reader import Reader, _int, _n


class VocabularyPages(Reader):
    """The vocabulary as a page."""

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
