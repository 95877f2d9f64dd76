"""Identities: duplicate records of one body merged into one node, a ROO id kept by the one record it
belongs to, and the identifier crosswalk (ROO id, TOOI, OIN, KvK, RSIN, OWMS)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from .names import _name_key
from .records import _TOOI_IRI, _identifiers, _Org, _tooi
from .report import _Conflicts
from .turtle import _Graph, _iri, _literal
from .values import _date, _http_iri, _text


def _merge_duplicates(orgs: dict[str, _Org], conflicts: _Conflicts) -> dict[str, str]:
    """Merge historical-version records of a ministry (TOOI code hv_..., no ROO id) into the live
    ministry record that carries the same name in an overlapping period: one body, one node. Returns
    retired record id -> surviving record id."""
    live = [o for o in orgs.values() if o.kind == "ministerie" and _text(_identifiers(o.record).get("roo_id"))]

    def periods(org: _Org) -> list[tuple[str, str, str]]:
        result = []
        for n in org.record.get("names") or []:
            if isinstance(n, dict) and _text(n.get("value")):
                start = _date(n.get("valid_from")) or "0000-00-00"
                end = _date(n.get("valid_until")) or "9999-99-99"
                result.append((_name_key(_text(n.get("value")), None), start, end))
        return result

    retired: dict[str, str] = {}
    for org in list(orgs.values()):
        match = _TOOI_IRI.fullmatch(org.iri)
        if org.kind != "ministerie" or not match or not match.group(2).startswith("hv_"):
            continue
        if _text(_identifiers(org.record).get("roo_id")):
            continue
        mine = periods(org)
        hosts = [o for o in live if any(k == key and s <= end and start <= e
                                         for k, s, e in mine for key, start, end in periods(o))]
        if len(hosts) == 1:
            hosts[0].merged.append(org)
            retired[org.record_id] = hosts[0].record_id
            conflicts.add("duplicate-body", "rule")
    for record_id in retired:
        del orgs[record_id]
    return retired


def _shared_roo_ids(orgs: Mapping[str, _Org], conflicts: _Conflicts) -> None:
    """A ROO id on several records belongs to the record that cites that id's register page and no
    other; on the others (and when none or several qualify) it is left out."""
    by_roo_id: dict[str, list[_Org]] = defaultdict(list)
    for org in orgs.values():
        if roo_id := _text(_identifiers(org.record).get("roo_id")):
            by_roo_id[roo_id].append(org)
    for roo_id, holders in by_roo_id.items():
        if len(holders) < 2:
            continue
        pages = {o.record_id: {u.split("/")[3] for u in o.sources if u.startswith("https://organisaties.overheid.nl/")}
                 for o in holders}
        owners = [o for o in holders if pages[o.record_id] == {roo_id}]
        for org in holders:
            if len(owners) == 1 and org is owners[0]:
                conflicts.add("shared-roo-id", "rule")
            else:
                org.keep_roo_id = False
                conflicts.add("shared-roo-id", "left out")


def _describe_identifiers(org: _Org, graph: _Graph, conflicts: _Conflicts) -> None:
    """The identifier crosswalk: ROO id, TOOI (own and of merged records), OIN, KvK, RSIN, OWMS."""
    s = org.iri
    identifiers = _identifiers(org.record)
    roo_id = _text(identifiers.get("roo_id"))
    if roo_id and org.keep_roo_id:
        graph.add(s, "dh:rooId", _literal(roo_id))
    for record in [org.record, *(m.record for m in org.merged)]:
        if tooi := _tooi(record):
            graph.add(s, "dh:tooiIdentifier", _iri(tooi))
        ids = _identifiers(record)
        for key, predicate in (("oin", "dh:oin"), ("kvk", "dh:kvkNumber"), ("rsin", "dh:rsin")):
            if value := _text(ids.get(key)):
                graph.add(s, predicate, _literal(value))
        owms = _http_iri(ids.get("owms"))
        if owms and owms.rsplit("/", 1)[-1].strip("X") == "":
            conflicts.add("placeholder-identifier", "left out")
        elif owms:
            graph.add(s, "dh:owmsTerm", _iri(owms))
    for other in org.merged:
        # The retired IRI stays findable: the same body, known by that identifier too.
        graph.add(s, "owl:sameAs", _iri(other.iri))
