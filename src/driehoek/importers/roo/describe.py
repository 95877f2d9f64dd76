"""All triples about one organisation except its relations: types, corner, dates, names, identifiers,
description, tasks, homepage, zbo and Kaderwet facts, evaluations, legal bases and sources."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from .classification import (ORGANISATION_TYPE_BY_ID, ORGANISATION_TYPES, POLICY, TOOI_CLASS_BY_KIND,
                             TOOI_CLASS_BY_TYPE, _corners)
from .identities import _describe_identifiers
from .legal import _legal_basis
from .names import _current_name
from .records import _TOOI_IRI, _Org
from .report import _Conflicts
from .turtle import _Graph, _iri, _literal, _xsd_date
from .values import _date, _http_iri, _personal, _text


def _describe_minimal(tooi: str, label: str, cite: str, graph: _Graph) -> None:
    """Type, label, type concept, corner and source for a ministry the register only names."""
    for term in ("cv:PublicOrganisation", "org:Organization", "tooiont:Ministerie"):
        graph.add(tooi, "a", term)
    graph.add(tooi, "skos:prefLabel", _literal(label, lang="nl"))
    graph.add(tooi, "dh:organisationType", "orgtype:ministerie")
    graph.add(tooi, "dh:corner", f"corner:{POLICY}")
    graph.add(tooi, "dcterms:source", _iri(cite))


def _describe(
    org: _Org,
    orgs: Mapping[str, _Org],
    snapshot: str,
    founded: str | None,
    dissolved: str | None,
    graph: _Graph,
    legal_labels: dict[str, Counter[str]],
    notes: Counter[str],
    conflicts: _Conflicts,
) -> None:
    """All triples about one organisation except its relations."""
    record, s = org.record, org.iri
    kind = org.kind
    graph.add(s, "a", "org:Organization")
    graph.add(s, "a", "cv:PublicOrganisation")
    tooi_classes = {TOOI_CLASS_BY_TYPE[kind]} if kind in TOOI_CLASS_BY_TYPE else set()
    if (match := _TOOI_IRI.fullmatch(s)) and match.group(1) in TOOI_CLASS_BY_KIND:
        tooi_classes.add(TOOI_CLASS_BY_KIND[match.group(1)])
    for cls in tooi_classes:
        graph.add(s, "a", f"tooiont:{cls}")

    if kind not in ORGANISATION_TYPES and kind != "overig":
        notes["records of an unknown type (organisation type 'overig')"] += 1
    concept = ORGANISATION_TYPE_BY_ID.get(org.record_id) or ORGANISATION_TYPES.get(kind, "overig")
    graph.add(s, "dh:organisationType", f"orgtype:{concept}")
    for corner in _corners(org, orgs):
        graph.add(s, "dh:corner", f"corner:{corner}")

    if founded:
        graph.add(s, "schema:foundingDate", _xsd_date(founded))
    if dissolved:
        graph.add(s, "schema:dissolutionDate", _xsd_date(dissolved))

    names = org.names or []
    # The current name is the one the gate chose; for an organisation that ended, the one valid then.
    preferred = org.preferred or _current_name(names, dissolved or max(org.retrieved, default=snapshot))
    graph.add(s, "skos:prefLabel", _literal(preferred, lang="nl"))
    for abbreviation in sorted({n[1] for n in names if n[1] and n[1] != preferred}):
        graph.add(s, "skos:altLabel", _literal(abbreviation, lang="nl"))
    for value, abbreviation, start, end in names:
        node = [("a", "dh:Name"), ("dh:nameValue", _literal(value, lang="nl"))]
        if abbreviation:
            node.append(("dh:abbreviation", _literal(abbreviation)))
        if start:
            node.append(("schema:startDate", _xsd_date(start)))
        if end:
            node.append(("schema:endDate", _xsd_date(end)))
        graph.add_node(s, "dh:hasName", node)

    _describe_identifiers(org, graph, conflicts)

    description = record.get("description")
    text = description.get("text") if isinstance(description, dict) else None
    if isinstance(text, str) and text.strip() and not org.withhold_description:
        if _personal(text):
            notes["descriptions withheld: they carry contact details or names of people"] += 1
        else:
            graph.add(s, "dcterms:description", _literal(text.strip(), lang="nl"))
    tasks = _text(record.get("taken_en_bevoegdheden"))
    if tasks:
        if _personal(tasks):
            notes["tasks withheld: they carry contact details or names of people"] += 1
        else:
            graph.add(s, "dh:tasks", _literal(tasks, lang="nl"))

    contact = record.get("contact")
    website = contact.get("website") if isinstance(contact, dict) else None
    if website:
        homepage = _http_iri(website, notes)
        if homepage:
            graph.add(s, "foaf:homepage", _iri(homepage))
        else:
            notes["web addresses left out: not an http(s) address"] += 1

    if zbo_kind := _text(record.get("zbo_kind")):
        graph.add(s, "dh:zboKind", _literal(zbo_kind, lang="nl"))
    if legal_form := _text(record.get("legal_form")):
        graph.add(s, "dh:legalForm", _literal(legal_form, lang="nl"))
    kaderwet = record.get("kaderwet")
    for key, predicate in (("kaderwetZbo", "dh:kaderwetZboApplies"),
                           ("kaderwetAdviescollege", "dh:kaderwetAdviescollegesApplies")):
        block = kaderwet.get(key) if isinstance(kaderwet, dict) else None
        applies = _text(block.get("kaderwetVanToepassing")).casefold() if isinstance(block, dict) else ""
        if applies in ("ja", "nee"):
            graph.add(s, predicate, _literal("true" if applies == "ja" else "false", datatype="xsd:boolean"))
    for item in record.get("classifications") or []:
        if isinstance(item, dict) and _text(item.get("type")):
            graph.add(s, "dh:rooClassification", _literal(_text(item.get("type"))))
    for evaluation in record.get("evaluations") or []:
        if not isinstance(evaluation, dict):
            continue
        node = [("a", "dh:Evaluation")]
        if day := _date(evaluation.get("datum")):
            node.append(("dcterms:date", _xsd_date(day)))
        if number := _text(evaluation.get("kamerstuknummer")):
            node.append(("dh:kamerstuk", _literal(number)))
        if title := _text(evaluation.get("naam_rapport")):
            node.append(("dcterms:title", _literal(title, lang="nl")))
        link = _http_iri(evaluation.get("referentie"))
        if link:
            node.append(("dcterms:source", _iri(link)))
        if len(node) > 1 and link:
            graph.add_node(s, "dh:evaluation", node)

    for basis in record.get("wettelijke_grondslagen") or []:
        if not isinstance(basis, dict) or not basis.get("referentie"):
            continue
        target = _legal_basis(basis, graph, legal_labels, conflicts)
        if target is None:
            notes["legal bases left out: the reference is not an http(s) address"] += 1
            continue
        graph.add(s, "dh:legalBasis", _iri(target))

    for url in org.sources:
        graph.add(s, "dcterms:source", _iri(url))
