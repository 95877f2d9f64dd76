"""An organisation's founding and dissolution dates: those the register states and that hold."""

from __future__ import annotations

from collections import Counter

from .records import _Org
from .report import _Conflicts
from .values import _date, _text

# Territorial governments end only by a legal reorganisation (herindeling, merger), which the
# register records by closing the name history and, mostly, naming a successor.
TERRITORIAL_TYPES: frozenset[str] = frozenset({"gemeente", "provincie", "waterschap", "caribisch-openbaar-lichaam"})


def _past(end: str | None, snapshot: str, notes: Counter[str]) -> str | None:
    """An end date, unless it lies after the day the register was read."""
    if end is not None and end > snapshot:
        # Not a fact yet: a plan or an error (the Raad van State 'ends' on 2030-11-29).
        notes["end dates after the day the register was read left out"] += 1
        return None
    return end


def _dates(org: _Org, snapshot: str, conflicts: _Conflicts, notes: Counter[str]) -> tuple[str | None, str | None]:
    """The founding and dissolution dates the register states and that hold (see the rules)."""
    record = org.record
    from_record = _date(record.get("valid_from"), org.retrieved)
    # <startDatum> of the register itself: the date the register gives for the organisation's start.
    from_register = _date(record.get("roo_start_datum"), org.retrieved)
    founded = from_record or from_register
    if from_record and from_register and from_record != from_register:
        conflicts.add("start-dates-disagree", "left out")
        founded = None
    raw_end = _date(record.get("valid_until"), org.retrieved)
    dissolved = _past(raw_end, snapshot, notes)
    if raw_end and dissolved is None:
        conflicts.add("future-end", "left out")
    if dissolved and not _dissolution(org):
        notes["record end dates of territorial governments that still exist left out (not a dissolution)"] += 1
        dissolved = None
    if founded and dissolved and dissolved < founded:
        conflicts.add("end-before-start", "left out")
        founded = dissolved = None
    return founded, dissolved


def _dissolution(org: _Org) -> bool:
    """Whether the record's own valid_until marks the end of the organisation.

    A record-level valid_until is not always a dissolution: the register also closes a record when
    the record itself changes. Provincie Fryslân (2021-12-01), Groningen (2023-03-28), Utrecht
    (2024-02-04) and Overijssel (2025-04-06), and Hoogheemraadschap Hollands Noorderkwartier
    (2026-05-10), carry such a date while their only name is still open (no valid_until), no
    successor follows, and the register verified the record after that date: they plainly exist.
    A territorial government (gemeente, provincie, waterschap, openbaar lichaam) ends only by a
    legal reorganisation, which the register records by ending its name and mostly by naming a
    successor; so for these types the date counts as a dissolution only when the record names a
    successor or every name entry has ended. Other types keep the register's date: for them an
    open name without a successor is common for real ends (rwt's and joint arrangements that left
    the register, ministries split by a new cabinet), and nothing in the record tells these apart.
    """
    record = org.record
    if org.kind not in TERRITORIAL_TYPES or record.get("successor_id"):
        return True
    names = [n for n in record.get("names") or [] if isinstance(n, dict) and _text(n.get("value"))]
    return all(_date(n.get("valid_until")) for n in names)
