"""/org?{kind}={value}: an organisation dereferenced by any identifier the register gives it.

    /org?oin=00000001003214369000   the OIN (Logius; identifies the organisation in Digikoppeling)
    /org?kvk=52813150               the KvK number (the trade register: a legal person, possibly wider)
    /org?rsin=003166946             the RSIN (the legal person the organisation belongs to)
    /org?roo=10621                  the ROO number (the register record)
    /org?tooi=mnre1045              a TOOI IRI or its code (also a retired one of a merged record)
    /org?owms=http://standaarden.overheid.nl/owms/terms/minez   the OWMS term

One match: 303 See Other to the organisation's page (/org/{code}, or /doc/organisation/{slug}); a
retired TOOI IRI of a merged duplicate: 301 Moved Permanently to the surviving node. Several (a KvK
number shared by the parts of one legal person): 300 Multiple Choices with the list. Unknown: 404;
malformed: 400. The index is built once per snapshot from the dh: identifier properties the ROO import
writes (docs/linking.md), never by a query per request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from .. import pages
from ..errors import BadRequest, NotFound
from ..iris import DH, TOOI_ORG_PREFIX
from .context import current_snapshot

bp = Blueprint("crosswalk", __name__)

OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
OWMS_PREFIXES = ("http://standaarden.overheid.nl/owms/terms/", "https://standaarden.overheid.nl/owms/terms/")
_TOOI_CODE = re.compile(r"[a-z0-9_]{1,64}")


@dataclass(frozen=True)
class Kind:
    """One kind of identifier: its parameter, the property that holds it, and how to read a value."""

    parameter: str
    predicate: str
    what: str
    normalise: Callable[[str], str | None]  # the value as stored, or None when it is malformed


def _digits(length: str) -> Callable[[str], str | None]:
    pattern = re.compile(rf"[0-9]{{{length}}}")
    return lambda value: value if pattern.fullmatch(value) else None


def _oin(value: str) -> str | None:
    # 20 characters; the register has a few that start with a letter (I0000003525111700000)
    value = value.upper()
    return value if re.fullmatch(r"[0-9A-Z][0-9]{19}", value) else None


def _tooi(value: str) -> str | None:
    if value.startswith(TOOI_ORG_PREFIX):
        return value if _TOOI_CODE.fullmatch(value.rsplit("/", 1)[-1]) and value.count("/") == 6 else None
    return value if _TOOI_CODE.fullmatch(value) else None


def _owms(value: str) -> str | None:
    if not value.startswith(OWMS_PREFIXES) or not re.fullmatch(r"[^\s<>\"{}|\\^`]+", value):
        return None
    return value if value.rsplit("/", 1)[-1] else None


KINDS = (
    Kind("oin", DH + "oin", "an OIN is 20 characters, digits (a few start with a capital letter)", _oin),
    Kind("kvk", DH + "kvkNumber", "a KvK number is 8 digits", _digits("8")),
    Kind("rsin", DH + "rsin", "an RSIN is 9 digits", _digits("9")),
    Kind("roo", DH + "rooId", "a ROO number is 1 to 12 digits", _digits("1,12")),
    Kind("tooi", DH + "tooiIdentifier",
         f"a TOOI identifier is an IRI {TOOI_ORG_PREFIX}{{kind}}/{{code}} or its code (lower-case letters, digits, _)",
         _tooi),
    Kind("owms", DH + "owmsTerm", f"an OWMS term is an IRI under {OWMS_PREFIXES[0]}", _owms),
)
BY_PARAMETER = {k.parameter: k for k in KINDS}


@dataclass
class Crosswalk:
    """For each kind of identifier, value -> the organisations that have it; which TOOI IRIs are retired."""

    index: dict[str, dict[str, set[str]]] = field(default_factory=lambda: {k.parameter: {} for k in KINDS})
    retired: set[str] = field(default_factory=set)  # TOOI IRIs that only name a merged record
    labels: dict[str, str] = field(default_factory=dict)

    def add(self, parameter: str, value: str, organisation: str) -> None:
        self.index[parameter].setdefault(value, set()).add(organisation)

    def find(self, parameter: str, value: str) -> set[str]:
        """The organisations that have `value` (as stored) for this kind of identifier."""
        table = self.index[parameter]
        if parameter == "owms" and value not in table:  # the register writes a few with https
            other = value.replace("https://", "http://", 1) if value.startswith("https:") else \
                value.replace("http://", "https://", 1)
            return set(table.get(other, ()))
        return set(table.get(value, ()))


def build(store: ox.Store, withdrawn: frozenset[str]) -> Crosswalk:
    """The crosswalk of one snapshot: every organisation's identifiers (not in withdrawn graphs)."""
    crosswalk = Crosswalk()

    def quads(predicate: str):  # type: ignore[no-untyped-def]
        for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
            if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value in withdrawn:
                continue
            if isinstance(quad.subject, ox.NamedNode):
                yield quad

    subjects: set[str] = set()
    for kind in KINDS:
        for quad in quads(kind.predicate):
            organisation = quad.subject.value
            subjects.add(organisation)
            value = quad.object.value
            crosswalk.add(kind.parameter, value, organisation)
            if kind.parameter == "tooi":
                crosswalk.add("tooi", value.rsplit("/", 1)[-1], organisation)
    # an organisation whose own IRI is a TOOI IRI is found by it even without dh:tooiIdentifier
    for organisation in list(subjects):
        if organisation.startswith(TOOI_ORG_PREFIX):
            crosswalk.add("tooi", organisation, organisation)
            crosswalk.add("tooi", organisation.rsplit("/", 1)[-1], organisation)
    for quad in quads(OWL_SAME_AS):
        other = quad.object.value if isinstance(quad.object, ox.NamedNode) else ""
        if other.startswith(TOOI_ORG_PREFIX) and quad.subject.value in subjects:
            crosswalk.add("tooi", other, quad.subject.value)
            crosswalk.add("tooi", other.rsplit("/", 1)[-1], quad.subject.value)
    # retired: a TOOI IRI an organisation carries that is not itself an organisation's node
    for value in crosswalk.index["tooi"]:
        if value.startswith(TOOI_ORG_PREFIX) and value not in subjects:
            crosswalk.retired.add(value)
    for organisation in subjects:
        for quad in store.quads_for_pattern(ox.NamedNode(organisation), ox.NamedNode(SKOS_PREF_LABEL), None, None):
            if isinstance(quad.object, ox.Literal):
                crosswalk.labels.setdefault(organisation, quad.object.value)
                break
    return crosswalk


def _crosswalk() -> tuple[Crosswalk, str]:
    snapshot = current_snapshot()
    return snapshot.cached("crosswalk", lambda: build(snapshot.store, snapshot.withdrawn)), snapshot.base_iri


def _request() -> tuple[Kind, str, str]:
    """(kind, value as given, value as stored) from the query string; 400 when it is not one identifier."""
    unknown = sorted(set(request.args) - set(BY_PARAMETER))
    given = [p for p in BY_PARAMETER if p in request.args]
    choices = ", ".join(f"?{p}=" for p in BY_PARAMETER)
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(unknown)}: give one identifier, one of {choices}")
    if len(given) != 1 or len(request.args.getlist(given[0])) != 1:
        raise BadRequest(f"give exactly one identifier, one of {choices} (e.g. /org?oin=00000001003214369000)")
    kind = BY_PARAMETER[given[0]]
    raw = request.args[kind.parameter].strip()
    value = kind.normalise(raw) if raw else None
    if value is None:
        raise BadRequest(f"?{kind.parameter}={raw!r} is malformed: {kind.what}", parameter=kind.parameter)
    return kind, raw, value


def _path(iri: str, base_iri: str) -> str:
    return pages.local_path(iri, base_iri) or iri


@bp.route("/org", methods=["GET", "HEAD"])
def resolve() -> ResponseReturnValue:
    """Redirect an identifier to the organisation it identifies (303; 301 for a retired TOOI IRI)."""
    kind, raw, value = _request()
    crosswalk, base_iri = _crosswalk()
    found = crosswalk.find(kind.parameter, value)
    if not found:
        raise NotFound(f"no organisation has the {kind.parameter} identifier {raw!r}", parameter=kind.parameter)
    if len(found) > 1:
        choices = sorted(found)
        response = jsonify({
            "identifier": {"kind": kind.parameter, "value": value},
            "message": f"{len(choices)} organisations share the {kind.parameter} identifier {value!r}: choose one",
            "organisations": [{"iri": iri, "url": _path(iri, base_iri), "label": crosswalk.labels.get(iri, "")}
                              for iri in choices]})
        response.status_code = 300
        response.headers["Link"] = ", ".join(f'<{_path(iri, base_iri)}>; rel="alternate"' for iri in choices)
        response.headers["Cache-Control"] = "public, no-cache"
        return response
    target = next(iter(found))
    # a retired TOOI IRI (or the code of one) names a merged record: it moved for good
    retired = kind.parameter == "tooi" and (
        value in crosswalk.retired if value.startswith(TOOI_ORG_PREFIX) else not target.endswith("/" + value))
    response: Response = redirect(_path(target, base_iri), 301 if retired else 303)
    response.headers["Cache-Control"] = "public, no-cache"
    response.headers["Link"] = f'<{target}>; rel="canonical"'
    return response


__all__ = ["bp", "build", "Crosswalk", "KINDS"]
