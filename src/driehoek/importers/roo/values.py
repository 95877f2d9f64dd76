"""Small value helpers: clean text, dates that hold, http(s) IRIs from URLs in the wild, and the test
for free text that carries personal details."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from .vocabulary import UNKNOWN_DATE

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# RFC 3987 (IRI) grammar for http(s), strict enough that every Turtle parser accepts the result.
_UCS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    "\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd\U00040000-\U0004fffd"
    "\U00050000-\U0005fffd\U00060000-\U0006fffd\U00070000-\U0007fffd\U00080000-\U0008fffd"
    "\U00090000-\U0009fffd\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd"
    "\U000d0000-\U000dfffd\U000e1000-\U000efffd"
)
_PCT = "%[0-9A-Fa-f]{2}"
_IPCHAR = rf"(?:[A-Za-z0-9\-._~{_UCS}!$&'()*+,;=:@]|{_PCT})"
_HOST = rf"(?:[A-Za-z0-9\-._~{_UCS}!$&'()*+,;=]|{_PCT})+"
_HTTP_IRI = re.compile(
    rf"https?://{_HOST}(?::[0-9]*)?(?:/{_IPCHAR}*)*(?:\?(?:{_IPCHAR}|[/?])*)?(?:#(?:{_IPCHAR}|[/?])*)?"
)
# Characters a URL in the wild may carry that an IRI may not: percent-encode them (after the host).
_IRI_UNSAFE = re.compile(r"""[\x00-\x20"<>\\^`{|}\[\]\x7f]|%(?![0-9A-Fa-f]{2})""")
_BARE_HOST = re.compile(r"www\.[A-Za-z0-9\-.]+\.[A-Za-z]{2,}(?:/\S*)?")

# Descriptions are free text; some carry contact details or names of office holders.
_PERSONAL = re.compile(
    r"""[\w.+-]+@[\w-]+\.[\w.-]+                                  # an e-mail address
    | (?:\+31|\b0\d{1,3})[\s()\u2013-]*\d[\d\s\u2013-]{6,}\d       # a telephone number
    | \b(?:tel|fax)\b\s*[.:]?\s*[0+(]                             # 'Tel. 070 ...'
    | \b(?:mw|mevr|dhr|drs|ir|dr|mr|prof|ing)\.\s*(?:[A-Z]|mr|drs|dr)  # 'mw. drs. A. Jansen'
    | \b(?:de\ heer|mevrouw)\b
    | \b(?:voorzitter|vice-voorzitter|directeur|hoofd|secretaris|mt-lid|lid
          |managementassistent|contactpersoon)(?:-lid)?\s*:       # 'Voorzitter: ...'
    """,
    re.IGNORECASE | re.VERBOSE,
)
# An office followed by a capitalised name: 'burgemeester Jan de Vries', 'directeur, Mark van der Jagt'.
_OFFICE_HOLDER = re.compile(
    r"\b(?i:burgemeester|wethouders?|gemeentesecretaris|griffier|directeur|voorzitter|dijkgraaf|secretaris"
    r"|bestuurder|commissaris|minister|staatssecretaris)[,:]?\s+[A-ZÀ-Þ][\wà-ÿ'-]+\s+"
    r"(?:[A-ZÀ-Þ][\wà-ÿ'-]+|van|de|der|den|ten|ter)\b"
)


def _text(value: Any) -> str:
    """A scalar as clean one-line text ('' for missing)."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return " ".join(str(value).split())


def _date(value: Any, retrieved: frozenset[str] = frozenset()) -> str | None:
    """A valid xsd:date string, or None for unknown, odd or artefact dates."""
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        return None
    value = value.strip()
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return None
    # 1900-01-01 means unknown; a date equal to the day the record was retrieved is an artefact of
    # the conversion (records created from news items get it as their start), not a real date.
    if value == UNKNOWN_DATE or value in retrieved:
        return None
    return value


def _http_iri(value: Any, repairs: Counter[str] | None = None) -> str | None:
    """A valid http(s) IRI from a URL in the wild, or None when it cannot be one."""
    url = _text(value)
    if not url:
        return None
    if _BARE_HOST.fullmatch(url):
        # 'www.haarlem.nl': a web address without its scheme; http redirects wherever it must.
        url = "http://" + url
        if repairs is not None:
            repairs["web addresses without http:// completed"] += 1
    match = re.match(r"(?i)(https?)://([^/?#]*)(.*)", url, re.DOTALL)
    if not match:
        return None
    scheme, authority, rest = match.groups()
    if "@" in authority:  # user info in a URL is never an organisation's address
        return None
    rest = _IRI_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), rest)
    iri = f"{scheme.lower()}://{authority}{rest}"
    return iri if _HTTP_IRI.fullmatch(iri) else None


def _personal(text: str) -> bool:
    """True if free text looks like it carries contact details or names of office holders."""
    return _PERSONAL.search(text) is not None or _OFFICE_HOLDER.search(text) is not None
