"""The fixed queries behind driehoek's pages and resource documents, run in-process on a snapshot.

Everything a page shows comes from here as plain data (view models): the web layer picks a format
and renders; it never holds SPARQL (STYLE rule 2). Reads see the public graphs of one snapshot
minus the withdrawn ones — the same dataset a user's SPARQL query sees — so a page and a query
never disagree. No flask here.

One module per concern; `Pages` (snapshot.py) is the one reader a request holds, made of the page types:

- model.py: the view models; labels.py: names by language, picked and sorted; roles.py: the corners
  and the roles of relations (these three import nothing that builds pages, so that history.py and
  triangle.py can use them);
- reader.py: the reading primitives, labels and links; resource.py: any resource's page, its RDF
  description and tombstone; organisation.py, case.py, lists.py (listings, counts, search),
  vocabulary.py (/def): the page types;
- snapshot.py: one published snapshot with its per-snapshot caches, and `Pages`.

The IRI helpers (local_path, curie, ...) and the namespaces live in iris.py; the names are also
re-exported here, where callers have always found them.
"""

from __future__ import annotations

from ..iris import (CV, DCTERMS, DH, EPISTEMIC, FOAF, KINDS, ONTOLOGY, ORG, ORGANISATION_CLASSES, OWL, PREFIXES,
                    PROV, RDF, RDF_TYPE, RDFS, SCHEMA, SKOS, SKOSXL, TOOI_ORG_PREFIX, TOOIONT, VANN, XSD,
                    anchor_for, concept_iri, curie, iri_for_path, local_path, resource_kind)
from .case import CasePages
from .labels import LABEL_PREDICATES, TERM_LABELS, Labels, pick, pick_lang, sort_key
from .lists import (CASE_RATINGS, COUNTS, CRITERIA, MINISTRIES, ORGANISATION_NAMES, PAGE_SIZE, SEARCH_KINDS,
                    THEME_COUNTS, ListingPages)
from .model import (AssessmentRow, CaseView, IndexEntry, Link, OrganisationView, Page, Party, Property, RelationRow,
                    Resource, Tombstone, Value)
from .organisation import (ORGANISATION_CASE_COUNTS, ORGANISATION_RELATION_COUNTS, ORGANISATION_RELATIONS,
                           RELATION_DETAILS, RELATIONS_KEPT, RELATIONS_SHOWN, OrganisationPages)
from .reader import SPARQL_PREFIXES, A, Reader, Stats, Term
from .reader import _int, _n  # noqa: F401  (private, but web/browse.py reaches for pages._n)
from .resource import INCOMING_SHOWN, ResourcePages
from .roles import (CORNER_KEYS, CORNERS, DIRECT_PROPERTIES, PARTY_LABELS, ROLE_LABELS, ROLE_RELATIONS, ROLES,
                    role_priority)
from .snapshot import Pages, Snapshot, snapshot_time
from .vocabulary import VocabularyPages

__all__ = [
    # the reader and its parts
    "Pages", "Snapshot", "snapshot_time", "Reader", "ResourcePages", "OrganisationPages", "CasePages",
    "ListingPages", "VocabularyPages", "Stats", "Term", "A", "SPARQL_PREFIXES",
    # view models
    "Link", "Value", "Property", "Resource", "RelationRow", "Party", "OrganisationView", "AssessmentRow",
    "CaseView", "Tombstone", "IndexEntry", "Page",
    # names, corners and roles
    "Labels", "LABEL_PREDICATES", "TERM_LABELS", "pick", "pick_lang", "sort_key",
    "CORNERS", "CORNER_KEYS", "ROLES", "ROLE_LABELS", "PARTY_LABELS", "ROLE_RELATIONS", "DIRECT_PROPERTIES",
    "role_priority",
    # sizes
    "PAGE_SIZE", "RELATIONS_SHOWN", "RELATIONS_KEPT", "INCOMING_SHOWN", "SEARCH_KINDS",
    # the fixed queries
    "ORGANISATION_RELATIONS", "RELATION_DETAILS", "ORGANISATION_CASE_COUNTS", "ORGANISATION_RELATION_COUNTS",
    "MINISTRIES", "CASE_RATINGS", "CRITERIA", "THEME_COUNTS", "COUNTS", "ORGANISATION_NAMES",
    # from iris.py: namespaces and IRI helpers
    "DH", "DCTERMS", "PROV", "RDF", "RDF_TYPE", "RDFS", "XSD", "SKOS", "SKOSXL", "ORG", "SCHEMA", "FOAF", "OWL",
    "CV", "TOOIONT", "VANN", "EPISTEMIC", "ONTOLOGY", "PREFIXES", "KINDS", "TOOI_ORG_PREFIX",
    "ORGANISATION_CLASSES", "local_path", "iri_for_path", "concept_iri", "resource_kind", "curie", "anchor_for",
]
