"""Minting IRIs and mapping IRIs <-> local paths."""

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

_SLUG_WORD = re.compile(r"[a-z0-9]+")


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
