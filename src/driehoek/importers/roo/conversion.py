"""The import itself: read the records, run the quality gate, describe every organisation, collect
relations and succession, and write the Turtle (reproducibly)."""

from __future__ import annotations

import dataclasses
import gzip
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from .classification import _type_rules
from .corrections import Correction, _apply_corrections, load_corrections
from .dates import _dates, _past
from .describe import _describe, _describe_minimal
from .identities import _merge_duplicates, _shared_roo_ids
from .names import _gate_names
from .records import (_TOOI_IRI, RooImportError, SkippedRecord, _admit, _identifiers, _minimal_org, _Org,
                      _read_records)
from .relations import _ended_before, _in_parliament, _Relation, _write_relations
from .report import ImportSummary, _Conflicts
from .turtle import _Graph, _header, _iri, _literal, _serialise
from .values import _date, _http_iri, _text
from .vocabulary import DEFAULT_BASE_IRI, UNKNOWN_DATE

# A record the register files as a zbo while its own description says it is a department of another
# organisation ('Het departement ... is een organisatieonderdeel van het Centraal Bureau voor de
# Statistiek (CBS).'): five CBS departments. The named organisation is the parent.
_UNIT_OF = re.compile(r"\bis een organisatieonderdeel van (?:het |de )?(?P<parent>[^()]+?)\s*(?:\(|\.|$)")


def convert(
    directory: Path,
    base_iri: str = DEFAULT_BASE_IRI,
    progress: Callable[[int, int], None] | None = None,
    corrections: Path | None = None,
) -> str:
    """Turtle for every record under `directory` (the register's organisaties/ folder), with the
    curated corrections in `corrections` (a YAML file) applied."""
    text, _ = _convert(directory, base_iri, progress, load_corrections(corrections))
    return text


def import_roo(
    directory: Path,
    out: Path,
    base_iri: str = DEFAULT_BASE_IRI,
    progress: Callable[[int, int], None] | None = None,
    corrections: Path | None = None,
) -> ImportSummary:
    """Convert the register and write it to `out` (gzip when it ends in .gz, reproducibly)."""
    text, summary = _convert(directory, base_iri, progress, load_corrections(corrections))
    data = text.encode("utf-8")
    if out.suffix == ".gz":
        # mtime=0 and an empty file name in the header: the same input gives the same bytes.
        data = gzip.compress(data, compresslevel=9, mtime=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and rename, so a failed run never leaves half a file behind.
    handle, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    # mkstemp makes the file private; the output is public data, readable like any other file.
    mode = out.stat().st_mode & 0o777 if out.exists() else 0o644
    try:
        with os.fdopen(handle, "wb") as tmp:
            tmp.write(data)
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return dataclasses.replace(summary, output=out)


def _convert(
    directory: Path,
    base_iri: str,
    progress: Callable[[int, int], None] | None,
    corrections: tuple[Correction, ...] = (),
) -> tuple[str, ImportSummary]:
    """Read, map and serialise; the text and what happened."""
    if not base_iri.endswith("/") or _http_iri(base_iri) != base_iri:
        raise RooImportError(f"base IRI must be an http(s) IRI ending in '/': {base_iri!r}")
    records = _read_records(directory, progress)
    notes: Counter[str] = Counter()
    skipped: list[SkippedRecord] = []
    orgs: dict[str, _Org] = {}
    taken: set[str] = set()
    for name, record in records:
        org = _admit(name, record, base_iri, notes, skipped)
        if org is None:
            continue
        if org.iri in taken:
            # Two records with one TOOI identifier would merge into one subject with two names:
            # the first (in path order) keeps it, the other is told apart by a minted IRI.
            org.iri = f"{base_iri}id/organisation/{org.slug}"
            notes["records sharing a TOOI identifier with an earlier one (given a minted IRI)"] += 1
        taken.add(org.iri)
        orgs[org.record_id] = org

    # Departments the register files as zbo ("is een organisatieonderdeel van het CBS" in their own
    # description) are units: typed organisatieonderdeel, part of the organisation named (when it is
    # among the records under exactly that name), and so in its corner. Their own register page,
    # cited for every fact about them, carries that sentence.
    by_name: dict[str, set[str]] = defaultdict(set)
    for other in orgs.values():
        if other.kind != "organisatieonderdeel":
            for entry in other.record.get("names") or []:
                if isinstance(entry, dict) and _text(entry.get("value")):
                    by_name[_text(entry.get("value")).casefold()].add(other.record_id)
    for org in orgs.values():
        description = org.record.get("description")
        text = _text(description.get("text")) if isinstance(description, dict) else ""
        match = _UNIT_OF.search(text) if org.kind == "zbo" and not org.parent_id else None
        if match:
            org.kind = "organisatieonderdeel"
            notes["records filed as zbo whose description says they are a unit (typed organisatieonderdeel)"] += 1
            parents = by_name.get(match.group("parent").casefold(), set()) - {org.record_id}
            if len(parents) == 1:
                org.parent_id = next(iter(parents))

    # The quality gate: corrections first (they say what the register gets wrong), then the rules.
    conflicts = _Conflicts()
    applicable, stale = _apply_corrections(orgs, corrections, conflicts)
    _type_rules(orgs, conflicts)
    retired = _merge_duplicates(orgs, conflicts)
    _shared_roo_ids(orgs, conflicts)
    for org in orgs.values():
        # A parent chain that returns to where it started says nothing about who is part of whom.
        seen, parent_id = {org.record_id}, org.parent_id
        while parent_id and parent_id in orgs and parent_id not in seen:
            seen.add(parent_id)
            parent_id = orgs[parent_id].parent_id
        if parent_id == org.record_id:
            org.parent_id = None
            conflicts.add("parent-loop", "left out")

    by_tooi = {o.iri: o for o in orgs.values() if _TOOI_IRI.fullmatch(o.iri)}
    by_tooi.update({r.iri: o for o in orgs.values() for r in o.merged})
    by_roo_id = {roo_id: o for o in orgs.values()
                 if o.keep_roo_id and (roo_id := _text(_identifiers(o.record).get("roo_id")))}
    graph = _Graph()
    legal_labels: dict[str, Counter[str]] = defaultdict(Counter)
    relations: dict[tuple[str, str, str], _Relation] = {}
    unresolved: list[str] = []
    minimal: dict[str, tuple[str, str]] = {}  # TOOI IRI of a ministry not in the register -> (label, source)

    # The day the register was read: names are 'current' as of then (never the clock: reproducible).
    snapshot = max((d for o in orgs.values() for d in o.retrieved), default=UNKNOWN_DATE)
    # Who carries which current name: a name another record carries as its own is that record's.
    owners: dict[str, set[str]] = defaultdict(set)
    for org in orgs.values():
        for entry in org.record.get("names") or []:
            if isinstance(entry, dict) and _text(entry.get("value")) and not entry.get("valid_until"):
                owners[_text(entry.get("value"))].add(org.record_id)
    founded: dict[str, str] = {}
    dissolved: dict[str, str] = {}
    for org in list(orgs.values()):
        start, end = _dates(org, snapshot, conflicts, notes)
        _gate_names(org, snapshot, end, owners, applicable, conflicts)
        for other in org.merged:
            # The names a merged record carried are names of this body in their period.
            _gate_names(other, snapshot, None, owners, applicable, conflicts)
            org.names = sorted(set(org.names or []) | set(other.names or []),
                               key=lambda n: (n[0], n[1] or "", n[2] or "", n[3] or ""))
            org.sources = tuple(sorted(set(org.sources) | set(other.sources)))
        if not org.names and not org.preferred:
            skipped.append(SkippedRecord(org.file, "no name that holds (the register's names conflict)"))
            del orgs[org.record_id]
            continue
        if start:
            founded[org.iri] = start
        if end:
            dissolved[org.iri] = end
    for org in orgs.values():
        _describe(org, orgs, snapshot, founded.get(org.iri), dissolved.get(org.iri), graph, legal_labels,
                  notes, conflicts)
    by_tooi = {o.iri: o for o in orgs.values() if _TOOI_IRI.fullmatch(o.iri)}
    by_tooi.update({r.iri: o for o in orgs.values() for r in o.merged})
    by_roo_id = {roo_id: o for o in orgs.values()
                 if o.keep_roo_id and (roo_id := _text(_identifiers(o.record).get("roo_id")))}

    def relate(
        kind: str, source: _Org, target: _Org, start: str | None, end: str | None, cite: tuple[str, ...]
    ) -> None:
        """Collect one qualified relation (and so its direct triple)."""
        if end is None:
            # A relation cannot outlast either side: without an end date of its own it ends when the
            # first of the two is dissolved, so questions 'on date D' do not count it afterwards.
            # (The date is that side's schema:dissolutionDate, from the same register records.)
            ends = [d for d in (dissolved.get(source.iri), dissolved.get(target.iri)) if d]
            if ends and (start is None or min(ends) >= start):
                end = min(ends)
                notes["relations given the dissolution date of one side as their end date"] += 1
            elif ends:
                notes["relations starting after one side was dissolved (left without an end date)"] += 1
        derived = False
        if start is None and kind != "predecessor-of":
            # Rule: a relation the register gives without a date of its own cannot have begun before
            # both sides existed; its start is the later of their founding dates (when both are known),
            # marked interpreted on the relation node.
            both = [founded.get(source.iri), founded.get(target.iri)]
            if all(both) and (end is None or max(both) <= end):  # type: ignore[type-var]
                start, derived = max(both), True  # type: ignore[type-var]
        key = (kind, source.iri, target.iri)
        relation = relations.setdefault(key, _Relation(kind, source, target.iri, target.slug))
        relation.periods[(start, end)].update(cite)
        if derived:
            relation.interpreted.add((start, end))

    succession: dict[tuple[str, str], set[str]] = defaultdict(set)
    for org in orgs.values():
        record = org.record
        cite = org.sources
        parent_id = org.parent_id
        if parent_id:
            parent = orgs.get(parent_id)
            if parent is None or parent is org:
                unresolved.append(f"{org.record_id} parent_id -> {parent_id}")
            else:
                relate("sub-organisation-of", org, parent, None, None, cite)

        ministry = record.get("relation_to_ministerie")
        if isinstance(ministry, dict) and ministry:
            tooi = _http_iri(ministry.get("tooi"))
            target = by_tooi.get(tooi or "") or by_roo_id.get(_text(ministry.get("roo_id")))
            if target is None and tooi and _TOOI_IRI.fullmatch(tooi) and _text(ministry.get("naam")):
                # A ministry the register only names: describe it minimally so no link dangles.
                minimal.setdefault(tooi, (_text(ministry.get("naam")), cite[0]))
                target = _minimal_org(tooi, minimal[tooi][0], minimal[tooi][1])
            if target is not None and target is not org and _in_parliament(org, orgs):
                # A unit of parliament (an Eerste Kamer committee) names in relation_to_ministerie the
                # ministry whose policy it scrutinises: parliament holds that ministry to account, not
                # the other way round. So no accountable-to; only the neutral org:linkedTo (the
                # super-property of all relation properties), sourced by the committee's register page.
                graph.add(org.iri, "org:linkedTo", _iri(target.iri))
                notes["ministries named by units of parliament linked neutrally (org:linkedTo), not accountable-to"] += 1
            elif target is not None and target is not org:
                relate("accountable-to", org, target, None, None, cite)
            else:
                unresolved.append(f"{org.record_id} relation_to_ministerie -> {_text(ministry.get('naam'))}")

        joint = record.get("hoort_bij_gemeenschappelijke_regeling")
        if isinstance(joint, dict) and joint:
            target = by_roo_id.get(_text(joint.get("roo_id")))
            if target is org:
                notes["references of a record to itself left out"] += 1
            elif target is None:
                unresolved.append(f"{org.record_id} hoort_bij_gemeenschappelijke_regeling -> {_text(joint.get('naam'))}")
            else:
                relate("participates-in", org, target, None, None, cite)

        # A joint arrangement lists who takes part, and since when: the participants' side of it.
        gr_meta = record.get("gr_meta")
        participants = gr_meta.get("deelnemende_organisaties") if isinstance(gr_meta, dict) else None
        for participant in participants if isinstance(participants, list) else ():
            if not isinstance(participant, dict):
                continue
            member = by_tooi.get(_http_iri(participant.get("tooi")) or "") or by_roo_id.get(
                _text(participant.get("roo_id"))
            )
            if member is None:
                unresolved.append(f"{org.record_id} deelnemende_organisaties -> {_text(participant.get('naam'))}")
            elif member is org:
                notes["references of a record to itself left out"] += 1
            else:
                start = _date(participant.get("toetredings_datum"), org.retrieved)
                end = _past(_date(participant.get("uittredings_datum"), org.retrieved), snapshot, notes)
                relate("participates-in", member, org, start, end, cite)

        for merged in [org, *org.merged]:
            for field_name in ("predecessor_id", "successor_id"):
                value = merged.record.get(field_name)
                for other_id in value if isinstance(value, list) else [value] if value else []:
                    other = orgs.get(retired.get(str(other_id), str(other_id)))
                    if other is None:
                        unresolved.append(f"{merged.record_id} {field_name} -> {other_id}")
                    elif other is org:
                        conflicts.add("succession-self", "rule")  # one body after the merge of duplicates
                    elif field_name == "predecessor_id":
                        succession[(other.record_id, org.record_id)].update(merged.sources)
                    else:
                        succession[(org.record_id, other.record_id)].update(merged.sources)

    # The register's predecessor and successor links as dated, sourced predecessor-of relations. Two
    # bodies each other's predecessor contradict each other: both links are left out. So is a link whose
    # successor was gone before the predecessor began or ended: it had nothing to succeed (the register's
    # EL&I record, 2010-2012, lists LNV, 2017-2024, as a predecessor).
    for (before_id, after_id), cite in sorted(succession.items()):
        if (after_id, before_id) in succession:
            conflicts.add("succession-loop", "left out")
            continue
        before, after = orgs[before_id], orgs[after_id]
        if _ended_before(dissolved.get(after.iri), founded.get(before.iri), dissolved.get(before.iri)):
            conflicts.add("succession-out-of-time", "left out")
            continue
        graph.add(after.iri, "dh:predecessor", _iri(before.iri))
        graph.add(before.iri, "dh:successor", _iri(after.iri))
        # The succession took place when the predecessor ended, else when the successor began: the
        # register states neither for the link itself, so the date is interpreted.
        when = dissolved.get(before.iri) or founded.get(after.iri)
        relation = relations.setdefault(("predecessor-of", before.iri, after.iri),
                                        _Relation("predecessor-of", before, after.iri, after.slug))
        relation.periods[(when, None)].update(cite)
        if when:
            relation.interpreted.add((when, None))

    for tooi, (label, cite) in minimal.items():
        _describe_minimal(tooi, label, cite, graph)
    notes["ministries described minimally (named but not in the register)"] += len(minimal)

    relation_count = _write_relations(relations, base_iri, graph)
    for law, labels in legal_labels.items():
        # One label per law IRI: the opschrift most records use (ties: the first alphabetically).
        label = min(labels.items(), key=lambda item: (-item[1], item[0]))[0]
        graph.add(law, "rdfs:label", _literal(label, lang="nl"))

    organisation_count = len(orgs) + len(minimal)
    text = _serialise(graph, _header(organisation_count, relation_count, snapshot))
    summary = ImportSummary(
        records_read=len(records),
        organisations=organisation_count,
        relations=relation_count,
        triples=graph.triple_count(),
        skipped=tuple(skipped),
        unresolved_references=tuple(sorted(set(unresolved))),
        notes=tuple(sorted((what, n) for what, n in notes.items() if n)),
        conflicts=conflicts.rows(),
        stale_corrections=tuple(stale),
    )
    return text, summary
