"""Names on pages: labels by language, the names of common outside terms, and how names are picked
and sorted. Plain data and functions: the view models, the triangle and the tables use them."""

from __future__ import annotations

import unicodedata

import pyoxigraph as ox

from ..iris import CV, DCTERMS, FOAF, ORG, OWL, RDF_TYPE, RDFS, SCHEMA, SKOS

Labels = dict[str, str]  # language tag ("" for none) -> text

LABEL_PREDICATES = tuple(ox.NamedNode(p) for p in (SKOS + "prefLabel", DCTERMS + "title", RDFS + "label",
                                                 SCHEMA + "name", FOAF + "name"))

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
