"""Curated corrections of the register (data/organisations/roo-corrections.yaml): reading them, and
applying those whose register value still matches the register."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .classification import IMPLEMENTATION, ORGANISATION_TYPES, POLICY, SUPERVISION
from .records import RooImportError, _Org
from .report import _Conflicts
from .values import _http_iri, _text


@dataclass(frozen=True)
class Correction:
    """One curated correction of one field of one register record."""

    record: str
    field: str
    register: Any
    corrected: Any
    why: str
    source: str


CORRECTABLE_FIELDS = frozenset({"name", "type", "description", "corner", "parent"})


def load_corrections(path: Path | None) -> tuple[Correction, ...]:
    """The curated corrections in `path` (YAML, see data/organisations/roo-corrections.yaml)."""
    if path is None:
        return ()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as err:
        raise RooImportError(f"{path}: unreadable corrections file: {' '.join(str(err).split())}") from err
    entries = data.get("corrections") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise RooImportError(f"{path}: expected a mapping with a list 'corrections'")
    result = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: correction {number}"
        if not isinstance(entry, dict):
            raise RooImportError(f"{where}: not a mapping")
        missing = [k for k in ("record", "field", "register", "corrected", "why", "source") if k not in entry]
        if missing:
            raise RooImportError(f"{where}: missing {', '.join(missing)}")
        if entry["field"] not in CORRECTABLE_FIELDS:
            raise RooImportError(f"{where}: field {entry['field']!r} is not one of {sorted(CORRECTABLE_FIELDS)}")
        source = _http_iri(entry["source"])
        if source is None or source != _text(entry["source"]):
            raise RooImportError(f"{where}: source must be an http(s) URL, got {entry['source']!r}")
        if not _text(entry["why"]):
            raise RooImportError(f"{where}: 'why' is empty")
        corrected = entry["corrected"]
        if entry["field"] == "type" and corrected not in ORGANISATION_TYPES and corrected != "overig":
            raise RooImportError(f"{where}: unknown type {corrected!r}")
        if entry["field"] == "corner" and (
            not isinstance(corrected, list) or not set(corrected) <= {POLICY, IMPLEMENTATION, SUPERVISION}
        ):
            raise RooImportError(f"{where}: corner must be a list of {POLICY}, {IMPLEMENTATION}, {SUPERVISION}")
        register = entry["register"]
        if isinstance(register, list):
            register = sorted(_text(v) for v in register)
        result.append(Correction(_text(entry["record"]), entry["field"], register, corrected, _text(entry["why"]), source))
    return tuple(result)


def _apply_corrections(
    orgs: Mapping[str, _Org], corrections: tuple[Correction, ...], conflicts: _Conflicts
) -> tuple[dict[tuple[str, str], Correction], list[str]]:
    """Apply type, description, corner and parent corrections; name corrections are applied by
    _gate_names. A correction whose register value no longer matches the register is not applied."""
    applicable: dict[tuple[str, str], Correction] = {}
    stale: list[str] = []
    for correction in corrections:
        org = orgs.get(correction.record)
        if org is None:
            stale.append(f"{correction.record} {correction.field}: no such record in the register")
            continue
        record = org.record
        if correction.field == "name":
            actual: Any = sorted({_text(n.get("value")) for n in record.get("names") or []
                                  if isinstance(n, dict) and not n.get("valid_until")})
        elif correction.field == "type":
            actual = _text(record.get("type"))
        elif correction.field == "description":
            description = record.get("description")
            actual = _text(description.get("text")) if isinstance(description, dict) else ""
            actual = actual[: len(_text(correction.register))]  # the register value may quote the start only
        elif correction.field == "parent":
            actual = _text(record.get("parent_id")) or None
        else:  # corner: the register has no such field
            actual = None
        expected = correction.register if not isinstance(correction.register, str) else _text(correction.register)
        if actual != expected:
            stale.append(f"{correction.record} {correction.field}: the register now says {actual!r}")
            continue
        applicable[(correction.record, correction.field)] = correction
        if correction.field == "type":
            org.kind = correction.corrected
            conflicts.add("type-unsupported", "correction")
        elif correction.field == "description":
            org.withhold_description = True
            conflicts.add("description-of-another", "correction")
        elif correction.field == "corner":
            org.corners = tuple(correction.corrected)
            conflicts.add("corner", "correction")
        elif correction.field == "parent":
            org.parent_id = correction.corrected or None
            conflicts.add("parent", "correction")
    return applicable, stale
