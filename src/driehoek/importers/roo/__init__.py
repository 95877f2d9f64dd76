"""The ROO register (Register Overheidsorganisaties, as YAML records) -> deterministic Turtle.

The register lives in ``shared/data/roo/organisaties``: one YAML file per organisation, one folder per
type (see its SOURCE.md). This module reads those records and writes the organisations, their names,
legal bases and relations in the driehoek model (docs/model.md). It never imports flask; the CLI
command ``driehoek import-roo`` calls :func:`import_roo`.

Choices a reader would ask about:

- Only whitelisted fields are read. Contact details, persons, council seats and the like are never
  touched, and a description that contains contact details or names of office holders is withheld.
- Records whose only sources are ABD news items (appointments of named civil servants) are not
  register records: they are skipped, and ABD news links are never cited.
- The output is byte-for-byte reproducible: subjects, predicates and objects are sorted, name
  nodes are nested ``[ ]`` blocks, the header carries no paths or clock time, gzip has mtime 0.

The package, by concern: ``records`` (reading and admitting records), ``values`` (clean text, dates,
IRIs), ``vocabulary`` and ``classification`` (IRIs, types, TOOI classes, corners), ``report`` (the
conflicts counted and the summary), ``corrections``, ``names`` (names over time), ``identities``
(merged duplicates, the identifier crosswalk), ``dates`` (founding and dissolution), ``relations``
(relations with their valid time, succession), ``legal`` (legal bases), ``describe`` (one
organisation's triples), ``turtle`` (writing Turtle) and ``conversion`` (the import that runs them).
The modules share their underscore helpers with each other; the names below are the interface.
"""

from __future__ import annotations

from .classification import (CORNERS_BY_ID, CORNERS_BY_TYPE, IMPLEMENTATION, IMPLEMENTING_UNITS,
                             ORGANISATION_TYPE_BY_ID, ORGANISATION_TYPES, POLICY, SUPERVISION, TOOI_CLASS_BY_KIND,
                             TOOI_CLASS_BY_TYPE)
from .conversion import convert, import_roo
from .corrections import CORRECTABLE_FIELDS, Correction, load_corrections
from .dates import TERRITORIAL_TYPES
from .names import Name
from .records import RooImportError, SkippedRecord
from .relations import PARLIAMENT
from .report import CONFLICT_KINDS, ImportSummary
from .vocabulary import DEFAULT_BASE_IRI, DH, DHS, PREFIXES, REGISTER_SOURCE, TOOI_ID, UNCITABLE_SOURCES, UNKNOWN_DATE

__all__ = [
    # the import
    "convert", "import_roo", "ImportSummary", "SkippedRecord", "RooImportError",
    # the quality gate
    "CONFLICT_KINDS", "Correction", "CORRECTABLE_FIELDS", "load_corrections",
    # the tables the import maps the register with
    "ORGANISATION_TYPES", "ORGANISATION_TYPE_BY_ID", "TOOI_CLASS_BY_KIND", "TOOI_CLASS_BY_TYPE",
    "POLICY", "IMPLEMENTATION", "SUPERVISION", "CORNERS_BY_TYPE", "CORNERS_BY_ID", "IMPLEMENTING_UNITS",
    "PARLIAMENT", "TERRITORIAL_TYPES", "Name",
    # IRIs and the register's conventions
    "DEFAULT_BASE_IRI", "DH", "DHS", "TOOI_ID", "PREFIXES", "UNKNOWN_DATE", "REGISTER_SOURCE", "UNCITABLE_SOURCES",
]
