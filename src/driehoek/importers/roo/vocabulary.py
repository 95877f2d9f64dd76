"""The IRIs and prefixes the importer writes with, and the register's own conventions (unknown dates,
which sources it cites)."""

from __future__ import annotations

DEFAULT_BASE_IRI = "https://w3id.org/driehoek/"

# The vocabulary and the concept schemes never move with the base IRI (docs/model.md); only
# instances (organisations without TOOI, relations) are minted under it.
DH = "https://w3id.org/driehoek/def#"
DHS = "https://w3id.org/driehoek/def/"
TOOI_ID = "https://identifier.overheid.nl/tooi/id/"

PREFIXES: tuple[tuple[str, str], ...] = (
    ("corner", DHS + "corner/"),
    ("cv", "http://data.europa.eu/m8g/"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("dh", DH),
    ("epistemic", DHS + "epistemic-status/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("org", "http://www.w3.org/ns/org#"),
    ("orgtype", DHS + "organisation-type/"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("reltype", DHS + "relation-type/"),
    ("schema", "https://schema.org/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("tooiont", "https://identifier.overheid.nl/tooi/def/ont/"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
)

# The register writes 1900-01-01 where the date is unknown.
UNKNOWN_DATE = "1900-01-01"
REGISTER_SOURCE = "roo"
# ABD news items announce appointments of named civil servants: not a source about an organisation.
UNCITABLE_SOURCES = frozenset({"abd_nieuws"})
