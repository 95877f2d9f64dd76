"""Minting IRIs, mapping IRIs <-> local paths (driehoek's own pages), and the namespaces with their CURIEs."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

KINDS = ("case", "organisation", "criterion", "theme", "event", "monitor", "relation", "assessment")
TOOI_ORG_PREFIX = "https://identifier.overheid.nl/tooi/id/"

DH = "https://w3id.org/driehoek/def#"  # the vocabulary never moves with DRIEHOEK_BASE_IRI
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
SD = "http://www.w3.org/ns/sparql-service-description#"
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

ORGANISATION_CLASSES = frozenset({ORG + "Organization", CV + "PublicOrganisation", DH + "LearningCommunity"})

_SLUG_WORD = re.compile(r"[a-z0-9]+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TOOI_CODE = re.compile(r"[a-z0-9_]{1,64}")  # the last segment of a TOOI organisation IRI


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by '-': 'Garage de Bedoeling (SVB)' -> 'garage-de-bedoeling-svb'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(_SLUG_WORD.findall(ascii_text))


def is_slug(text: str) -> bool:
    """True if text is already a valid slug."""
    return bool(text) and slugify(text) == text


def graph_iri_for_path(base_iri: str, relative: str) -> str:
    """The named graph of a bundled file: data/cases/now.ttl -> {base}graph/cases/now."""
    path = PurePosixPath(relative)
    name = path.name
    for suffix in (".gz",):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    stem = name.rsplit(".", 1)[0]
    parts = [slugify(p) for p in (*path.parent.parts, stem) if p not in ("", ".")]
    return base_iri + "graph/" + "/".join(p for p in parts if p)


def instance_iri(base_iri: str, kind: str, slug: str) -> str:
    """{base}id/{kind}/{slug}, checking both parts."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    if not is_slug(slug):
        raise ValueError(f"not a slug: {slug!r} (lower-case ASCII words joined by '-')")
    return f"{base_iri}id/{kind}/{slug}"


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
        return f"/org/{code}" if TOOI_CODE.fullmatch(code) else None
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
