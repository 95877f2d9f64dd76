"""The register conflicts the import counts, and the summary of one import.

The register is not taken unchecked. Each kind of inconsistency in CONFLICT_KINDS is detected over every
record, counted, and resolved by a stated rule, by a curated correction (data/organisations/roo-corrections.yaml,
each with its source), or by leaving the doubtful fact out. Never by sort order. docs/data-quality.md
lists the rules and the corrections.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .records import SkippedRecord


@dataclass(frozen=True)
class ImportSummary:
    """What one import read and wrote."""

    records_read: int
    organisations: int
    relations: int
    triples: int
    skipped: tuple[SkippedRecord, ...] = ()
    unresolved_references: tuple[str, ...] = ()
    notes: tuple[tuple[str, int], ...] = ()
    # Per kind of register conflict: (kind, found, resolved by rule, by correction, left out).
    conflicts: tuple[tuple[str, int, int, int, int], ...] = ()
    # Corrections whose register value no longer matches the register (not applied).
    stale_corrections: tuple[str, ...] = ()
    output: Path | None = None

    def __str__(self) -> str:
        """One line: what was written, and how much was left out."""
        return (
            f"{self.organisations} organisations, {self.relations} qualified relations, {self.triples} triples "
            f"from {self.records_read} records ({len(self.skipped)} skipped, "
            f"{len(self.unresolved_references)} unresolved references)"
        )

    def report(self) -> str:
        """A few lines for a person: counts, then every skipped record and unresolved reference."""
        lines = [
            f"{self.records_read} records read: {self.organisations} organisations, "
            f"{self.relations} qualified relations, {self.triples} triples"
            + (f" written to {self.output}" if self.output else ""),
        ]
        lines += [f"  {count} {what}" for what, count in self.notes]
        if self.conflicts:
            lines.append("register conflicts (found / resolved by rule / by correction / left out):")
            lines += [f"  {f:5d} {r:5d} {c:5d} {o:5d}  {kind}" for kind, f, r, c, o in self.conflicts]
        lines += [f"  stale correction (not applied): {s}" for s in self.stale_corrections]
        lines += [f"  skipped {s.file}: {s.reason}" for s in self.skipped]
        lines += [f"  unresolved: {ref}" for ref in self.unresolved_references]
        return "\n".join(lines)


CONFLICT_KINDS: Mapping[str, str] = {
    "several-current-names": "several current names for one record",
    "name-of-another-organisation": "name entries of another organisation under this record's abbreviation",
    "abbreviation-misfit": "abbreviations that do not fit the name they are given for",
    "abbreviation-in-name": "abbreviations written into the name ('Naam (AFK)')",
    "type-contradicts-tooi": "register type contradicts the TOOI identifier (a zbo code)",
    "type-unsupported": "register type contradicted by the record or the law",
    "corner": "corner of the triangle wrongly inherited",
    "description-of-another": "description of another organisation",
    "parent": "parent of another kind of body",
    "future-end": "end dates after the day the register was read",
    "end-before-start": "end dates before the start date",
    "name-after-end": "names starting after the organisation ended",
    "start-dates-disagree": "the register's two start dates disagree",
    "duplicate-body": "one body under several identifiers (merged: one node)",
    "shared-roo-id": "one ROO id on several records",
    "placeholder-identifier": "placeholder identifiers (OWMS 'XXXXX')",
    "succession-loop": "predecessor and successor of each other",
    "succession-self": "predecessor links to the same body",
    "succession-out-of-time": "successors that ended before their predecessor began or ended",
    "parent-loop": "parent loops",
    "article-disagrees": "article in the link and in the heading disagree",
}
_HOW = {"rule": 1, "correction": 2, "left out": 3}


class _Conflicts:
    """Counts per kind of conflict: found, resolved by rule, by correction, left out."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {kind: [0, 0, 0, 0] for kind in CONFLICT_KINDS}

    def add(self, kind: str, how: str, n: int = 1) -> None:
        """Count `n` conflicts of `kind`, resolved `how` (rule, correction or left out)."""
        counts = self.counts[kind]
        counts[0] += n
        counts[_HOW[how]] += n

    def rows(self) -> tuple[tuple[str, int, int, int, int], ...]:
        """One row per kind, in the order of CONFLICT_KINDS (kinds never found included: zero is a finding)."""
        return tuple((CONFLICT_KINDS[k], *c) for k, c in self.counts.items())
