"""Names over time: which of a record's name entries hold, which abbreviation fits which name, and
which name is current."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from .corrections import Correction
from .records import _identifiers, _Org
from .report import _Conflicts
from .values import _date, _text


def _fold(value: str) -> str:
    """Letters and digits only, case- and accent-folded."""
    return "".join(c for c in unicodedata.normalize("NFKD", value.casefold()) if c.isalnum())


def _subsequence(short: str, long: str) -> bool:
    """Whether the characters of `short` occur in `long` in order."""
    rest = iter(long)
    return all(c in rest for c in short)


def _abbreviation_fits(abbreviation: str, name: str) -> bool:
    """Whether an abbreviation can be one of the name: its letters in the name in order (or, with the
    fields swapped, the other way round), or a word of four letters or more it shares with the name."""
    a, n = _fold(abbreviation), _fold(name)
    if not a or not n or _subsequence(a, n) or _subsequence(n, a):
        return True
    return any(len(w) >= 4 and w in n for w in (_fold(part) for part in re.split(r"[\s/()\-]+", abbreviation)))


_NAME_PREFIXES = ("gemeenschappelijkeregeling", "ministerievan")


def _name_key(value: str, abbreviation: str | None) -> str:
    """A name reduced to what tells names apart: no case, accents, punctuation or '&' for 'en'."""
    key = _fold(value.replace("&", " en "))
    if abbreviation and key.startswith(_fold(abbreviation)) and len(key) > len(_fold(abbreviation)):
        key = key[len(_fold(abbreviation)):]  # 'SAB Stichting Afvalstoffen ...'
    for prefix in _NAME_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix):]
    return key


def _variants(a: str, b: str) -> bool:
    """Whether two name keys are ways of writing one name: equal, one the other with a descriptive
    prefix ('Gemeenschappelijke regeling RegIT' and 'RegIT'), or differing in a letter or two."""
    if a == b or a.endswith(b) or b.endswith(a):
        return True
    import difflib

    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.93


def _owms_name(record: Mapping[str, Any]) -> str:
    """The name an OWMS term spells out (standaarden.overheid.nl/owms/terms/Veiligheidsregio_Fryslan)."""
    owms = _text(_identifiers(record).get("owms"))
    return _fold(unquote(owms.rsplit("/", 1)[-1]).replace("_", " ")) if "/owms/terms/" in owms else ""


_PAREN_ABBREVIATION = re.compile(r"(?P<name>.+?)\s*\((?P<abbr>[^()]{2,12})\)")

Name = tuple[str, str | None, str | None, str | None]


def _gate_names(
    org: _Org,
    snapshot: str,
    dissolved: str | None,
    owners: Mapping[str, set[str]],
    corrections: Mapping[tuple[str, str], Correction],
    conflicts: _Conflicts,
) -> None:
    """Check the record's names and keep only those that hold; choose the current one (see the rules)."""
    entries: list[Name] = []
    for entry in org.record.get("names") or []:
        if not isinstance(entry, dict) or not _text(entry.get("value")):
            continue
        value, abbreviation = _text(entry.get("value")), _text(entry.get("abbr")) or None
        start = _date(entry.get("valid_from"), org.retrieved)
        end = _date(entry.get("valid_until"), org.retrieved)
        if end is not None and end > snapshot:
            conflicts.add("future-end", "left out")  # a plan or an error: the end is not stated
            end = None
        if start and end and end < start:
            conflicts.add("end-before-start", "left out")
            start = end = None
        if dissolved and start and start > dissolved:
            conflicts.add("name-after-end", "left out")  # ministry histories: a name 'from 2017' of a body gone in 2010
            continue
        match = _PAREN_ABBREVIATION.fullmatch(value)
        if match and not abbreviation and _abbreviation_fits(match.group("abbr"), match.group("name")):
            conflicts.add("abbreviation-in-name", "rule")
            value, abbreviation = match.group("name"), match.group("abbr")
        entries.append((value, abbreviation, start, end))

    # A name entry whose abbreviation does not fit it, where another entry of the record carries the same
    # abbreviation and fits it, is another organisation's name (the source merged records by
    # abbreviation): left out. An abbreviation that fits none of its names is left out alone.
    kept: list[Name] = []
    for value, abbreviation, start, end in entries:
        if abbreviation and not _abbreviation_fits(abbreviation, value):
            owned = any(a == abbreviation and _abbreviation_fits(a, v) for v, a, _, _ in entries)
            if owned:
                conflicts.add("name-of-another-organisation", "rule")
                continue
            conflicts.add("abbreviation-misfit", "left out")
            abbreviation = None
        kept.append((value, abbreviation, start, end))

    current = [n for n in kept if n[3] is None] if not dissolved else []
    groups: list[list[Name]] = []
    for name in current:
        key = _name_key(name[0], name[1])
        for group in groups:
            if any(_variants(key, _name_key(other[0], other[1])) for other in group):
                group.append(name)
                break
        else:
            groups.append([name])
    label: str | None = None
    if len(groups) > 1:
        correction = corrections.get((org.record_id, "name"))
        owms = _owms_name(org.record)
        # A name is another record's when exactly one other record carries it as its current name
        # (a generic name such as 'Informatievoorziening', carried by many, identifies nobody).
        others = [g for g in groups if not any(len(owners.get(n[0], set()) - {org.record_id}) == 1 for n in g)]
        if correction is not None:
            chosen = [g for g in groups if any(n[0] == correction.corrected for n in g)]
            conflicts.add("several-current-names", "correction")
        elif 0 < len(others) == 1 and len(others) < len(groups):
            # The other names are another record's own current name: they are that organisation's.
            chosen = others
            conflicts.add("several-current-names", "rule")
        elif owms and len(by_owms := [g for g in groups if any(_fold(n[0]) == owms for n in g)]) == 1:
            # The record's OWMS term spells out one of the names.
            chosen = by_owms
            conflicts.add("several-current-names", "rule")
        else:
            # Nothing tells which name is right: none is stated. The abbreviation all of them share
            # is the one thing they agree on, and labels the node.
            chosen = []
            shared = {n[1] for g in groups for n in g}
            label = next(iter(shared)) if len(shared) == 1 and None not in shared else None
            conflicts.add("several-current-names", "left out")
        dropped = {n for g in groups if g not in chosen for n in g}
        kept = [n for n in kept if n not in dropped]
        groups = chosen
    elif len(groups) == 1 and len({n[0] for n in groups[0]}) > 1:
        conflicts.add("several-current-names", "rule")  # ways of writing one name
    if groups:
        # Variants of one name: the fullest form is the name ('Gemeenschappelijke regeling Eemkracht').
        label = max(groups[0], key=lambda n: (len(n[0]), n[0]))[0]
    org.names = sorted(set(kept), key=lambda n: (n[0], n[1] or "", n[2] or "", n[3] or ""))
    org.preferred = label


def _current_name(names: list[tuple[str, str | None, str | None, str | None]], on: str) -> str:
    """The name valid on date `on` (the latest such); else the name that ended last."""

    def valid_on(n: tuple[str, str | None, str | None, str | None]) -> bool:
        return (n[2] is None or n[2] <= on) and (n[3] is None or n[3] >= on)

    # Some name histories in the register are scrambled (a ministry dissolved in 2010 with a name
    # "from 2017"), so 'the entry without an end date' is not enough: ask what held on that day.
    best = max(names, key=lambda n: (valid_on(n), n[3] is None, n[3] or "", n[2] or "", n[0]))
    return best[0]
