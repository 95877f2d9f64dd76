"""Reading the register: its YAML records, the checks every record must pass, and the records admitted
as organisations on their way to RDF."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .values import _date, _http_iri, _text
from .vocabulary import REGISTER_SOURCE, TOOI_ID, UNCITABLE_SOURCES

_RECORD_ID = re.compile(r"org:([a-z0-9]+(?:-[a-z0-9]+)*)")
_TOOI_IRI = re.compile(re.escape(TOOI_ID) + r"([a-z]+)/([A-Za-z0-9_]+)")


class RooImportError(ValueError):
    """The register cannot be read: a missing directory, unreadable YAML or an invalid record."""


@dataclass(frozen=True)
class SkippedRecord:
    """A record the importer left out, and why."""

    file: str
    reason: str


@dataclass
class _Org:
    """One register record on its way to RDF."""

    record_id: str
    slug: str
    iri: str
    file: str
    record: Mapping[str, Any]
    sources: tuple[str, ...]
    retrieved: frozenset[str]
    # The register type, except for records that say they are a unit of another organisation.
    kind: str = ""
    # The record id of the organisation this one is part of (parent_id, or the one its description names).
    parent_id: str | None = None
    # Set by the quality gate (see _gate): the name entries kept, the current name chosen, and what
    # else the gate or a correction decided about this record.
    names: list[tuple[str, str | None, str | None, str | None]] | None = None
    preferred: str | None = None
    corners: tuple[str, ...] | None = None
    withhold_description: bool = False
    keep_roo_id: bool = True
    # Records of the same body merged into this one (their IRIs are kept as identifiers).
    merged: list[_Org] = field(default_factory=list)


def _read_records(
    directory: Path, progress: Callable[[int, int], None] | None
) -> list[tuple[str, dict[str, Any]]]:
    """(path relative to `directory`, record) for every YAML file, in path order."""
    if not directory.is_dir():
        raise RooImportError(f"ROO register directory not found: {directory}")
    files = sorted(
        (p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()),
        key=lambda p: p.relative_to(directory).as_posix(),
    )
    if not files:
        raise RooImportError(f"no YAML records under {directory} (expected the register's organisaties/ folder)")
    # Safe loading only (no arbitrary objects); libyaml when present: several times faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    records: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, str] = {}
    for done, path in enumerate(files, start=1):
        name = path.relative_to(directory).as_posix()
        try:
            record = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader, see above
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as err:
            detail = " ".join(str(err).split())
            raise RooImportError(f"{path}: unreadable YAML: {detail}") from err
        if not isinstance(record, dict):
            raise RooImportError(f"{path}: not a register record (expected a mapping, got {type(record).__name__})")
        record_id = record.get("id")
        if not record_id:
            raise RooImportError(f"{path}: record without id")
        if not isinstance(record_id, str) or not _RECORD_ID.fullmatch(record_id):
            raise RooImportError(f"{path}: invalid id {record_id!r} (expected org:lower-case-words)")
        if record_id in seen:
            raise RooImportError(f"{path}: id {record_id} is also used by {seen[record_id]}")
        seen[record_id] = name
        records.append((name, record))
        if progress is not None:
            progress(done, len(files))
    return records


def _identifiers(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """The record's identifiers block (empty when absent)."""
    value = record.get("identifiers")
    return value if isinstance(value, dict) else {}


def _tooi(record: Mapping[str, Any]) -> str | None:
    """The record's TOOI IRI when it is a well-formed one."""
    value = _http_iri(_identifiers(record).get("tooi"))
    return value if value and _TOOI_IRI.fullmatch(value) else None


def _admit(
    name: str, record: dict[str, Any], base_iri: str, notes: Counter[str], skipped: list[SkippedRecord]
) -> _Org | None:
    """The record as an organisation to describe, or None (and a reason) when it is left out."""
    sources_value = record.get("sources")
    sources = [s for s in sources_value if isinstance(s, dict)] if isinstance(sources_value, list) else []
    if sources and all(s.get("id") in UNCITABLE_SOURCES for s in sources):
        skipped.append(SkippedRecord(name, "not in the register: only source is an ABD news item about a person"))
        return None
    # Cite the register page when there is one; otherwise whatever else the record names
    # (TOOI, Wikidata, the Rekenkamer's list of rwt's), never the news items.
    register = [s for s in sources if s.get("id") == REGISTER_SOURCE]
    citable = register or [s for s in sources if s.get("id") not in UNCITABLE_SOURCES]
    urls = sorted({iri for s in citable if (iri := _http_iri(s.get("url")))})
    if not urls:
        skipped.append(SkippedRecord(name, "no source URL to cite"))
        return None
    names = record.get("names")
    if not isinstance(names, list) or not any(isinstance(n, dict) and _text(n.get("value")) for n in names):
        skipped.append(SkippedRecord(name, "no name"))
        return None
    if not register:
        notes["organisations not (or no longer) in the register, cited by their other sources"] += 1
    record_id = record["id"]
    slug = record_id.removeprefix("org:")
    iri = _tooi(record) or f"{base_iri}id/organisation/{slug}"
    retrieved = frozenset(d for s in sources if (d := _date(s.get("retrieved"))))
    parent_id = _text(record.get("parent_id")) or None
    return _Org(record_id, slug, iri, name, record, tuple(urls), retrieved, _text(record.get("type")), parent_id)


def _minimal_org(tooi: str, label: str, cite: str) -> _Org:
    """A stand-in for a ministry known only by the TOOI IRI and name another record gives."""
    match = _TOOI_IRI.fullmatch(tooi)
    slug = match.group(2).lower().replace("_", "-") if match else "ministerie"
    record = {"id": f"org:{slug}", "type": "ministerie", "names": [{"value": label}]}
    return _Org(f"org:{slug}", slug, tooi, "", record, (cite,), frozenset(), "ministerie")
