"""The ROO register (Register Overheidsorganisaties, as YAML records) -> deterministic Turtle.

The register lives in ``shared/data/roo/organisaties``: one YAML file per organisation, one folder per
type (see its SOURCE.md). This module reads those records and writes the organisations, their names,
legal bases and relations in the driehoek model (docs/model.md). It never imports flask; the CLI
command ``driehoek import-roo`` calls :func:`import_roo`.

Choices a reader would ask about:

- Only whitelisted fields are read. Contact details, persons, council seats and the like are never
  touched, and a description that contains contact details or names of office holders is withheld.
- Records whose only sources are ABD news items (appointments of named civil servants) are not
  register records: they are skipped, and ABD news links are never cited.
- The output is byte-for-byte reproducible: subjects, predicates and objects are sorted, name
  nodes are nested ``[ ]`` blocks, the header carries no paths or clock time, gzip has mtime 0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import os
import re
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

DEFAULT_BASE_IRI = "https://w3id.org/driehoek/"

# The vocabulary and the concept schemes never move with the base IRI (docs/model.md); only
# instances (organisations without TOOI, relations) are minted under it.
DH = "https://w3id.org/driehoek/def#"
DHS = "https://w3id.org/driehoek/def/"
TOOI_ID = "https://identifier.overheid.nl/tooi/id/"

PREFIXES: tuple[tuple[str, str], ...] = (
    ("corner", DHS + "corner/"),
    ("cv", "http://data.europa.eu/m8g/"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("dh", DH),
    ("epistemic", DHS + "epistemic-status/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("org", "http://www.w3.org/ns/org#"),
    ("orgtype", DHS + "organisation-type/"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("reltype", DHS + "relation-type/"),
    ("schema", "https://schema.org/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("tooiont", "https://identifier.overheid.nl/tooi/def/ont/"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
)

# The register's `type` -> dhs:organisation-type concept (docs/model.md lists the concepts; the
# scheme carries the register code as skos:notation, and a test keeps this table equal to it).
ORGANISATION_TYPES: Mapping[str, str] = {
    "ministerie": "ministerie",
    "agentschap": "agentschap",
    "zbo": "zbo",
    "rwt": "rechtspersoon-met-wettelijke-taak",
    "hoge-college": "hoog-college-van-staat",
    "gemeente": "gemeente",
    "provincie": "provincie",
    "waterschap": "waterschap",
    "gemeenschappelijke-regeling": "gemeenschappelijke-regeling",
    "adviescollege": "adviescollege",
    "inspectie": "inspectie",
    "rechterlijke-instantie": "rechterlijke-macht",
    "politie": "politie-en-om",
    "openbaar-ministerie": "politie-en-om",
    "caribisch-openbaar-lichaam": "caribisch-openbaar-lichaam",
    "organisatieonderdeel": "organisatieonderdeel",
}
# The register files both chambers of parliament under "hoge-college"; the scheme has "parlement"
# for exactly these two (the shapes allow one type per organisation, so it replaces the other).
ORGANISATION_TYPE_BY_ID: Mapping[str, str] = {
    "org:tweede-kamer": "parlement",
    "org:eerste-kamer": "parlement",
}

POLICY, IMPLEMENTATION, SUPERVISION = "politiek-en-beleid", "uitvoering", "toezicht"

# Corners of the triangle by register type. Organisatieonderdelen are not here: a unit works in
# the corner of the organisation it belongs to (a ministry's directorate makes policy, an
# inspectorate's unit supervises), so they inherit it from their parent chain.
CORNERS_BY_TYPE: Mapping[str, tuple[str, ...]] = {
    "ministerie": (POLICY,),
    "adviescollege": (POLICY,),
    "agentschap": (IMPLEMENTATION,),
    "zbo": (IMPLEMENTATION,),
    "rwt": (IMPLEMENTATION,),
    "politie": (IMPLEMENTATION,),
    "openbaar-ministerie": (IMPLEMENTATION,),
    # Joint arrangements of municipalities exist to carry out shared tasks.
    "gemeenschappelijke-regeling": (IMPLEMENTATION,),
    "inspectie": (SUPERVISION,),
    # Courts review what government does; of the three corners that external check is toezicht.
    "rechterlijke-instantie": (SUPERVISION,),
    # Decentral governments both decide policy (their councils) and carry it out.
    "gemeente": (POLICY, IMPLEMENTATION),
    "provincie": (POLICY, IMPLEMENTATION),
    "waterschap": (POLICY, IMPLEMENTATION),
    "caribisch-openbaar-lichaam": (POLICY, IMPLEMENTATION),
    # The hoge colleges differ in kind; see CORNERS_BY_ID. Any new one defaults to policy.
    "hoge-college": (POLICY,),
}
# Decided per record where the type says too little.
CORNERS_BY_ID: Mapping[str, tuple[str, ...]] = {
    # Hoge colleges: the audit offices and the ombudsman check government ...
    "org:hoge-college-ar": (SUPERVISION,),
    "org:hoge-college-nationale-ombudsman": (SUPERVISION,),
    "org:rekenkamer-zeeland": (SUPERVISION,),
    # ... parliament and the Council of State (adviser on all legislation) sit in politics and policy,
    "org:tweede-kamer": (POLICY,),
    "org:eerste-kamer": (POLICY,),
    "org:hoge-college-rvs": (POLICY,),
    # the King's cabinet supports his constitutional role in government,
    "org:kabinet-kvdk": (POLICY,),
    # and the chancellery runs the system of royal decorations.
    "org:hoge-college-kanselarij-der-nederlandse-orden": (IMPLEMENTATION,),
    # Statutory supervisors that the register files as zbo, rwt or adviescollege: their own
    # register description says they are a toezichthouder (or their name does, for CTIVD and
    # the Cft's); NZa and CvdM have no description but supervise by law (Wmg, Mediawet 2008).
    "org:adviescollege-ap": (SUPERVISION,),
    "org:zbo-acm": (SUPERVISION,),
    "org:zbo-afm": (SUPERVISION,),
    "org:zbo-dnb": (SUPERVISION,),
    "org:zbo-ksa": (SUPERVISION,),
    "org:zbo-nza": (SUPERVISION,),
    "org:zbo-cvdm": (SUPERVISION,),
    "org:zbo-bft": (SUPERVISION,),
    "org:zbo-cvta": (SUPERVISION,),
    "org:zbo-atkm": (SUPERVISION,),
    "org:zbo-cokz": (SUPERVISION,),
    "org:zbo-skal-biocontrole": (SUPERVISION,),
    "org:zbo-tlokb": (SUPERVISION,),
    "org:commissie-van-toezicht-op-de-inlichtingen-en-veiligheidsdiensten": (SUPERVISION,),
    "org:commissie-college-financieel-toezicht-bonaire-sint-eustatius-en-saba": (SUPERVISION,),
    "org:commissie-college-financieel-toezicht-curacao-en-sint-maarten": (SUPERVISION,),
    "org:stichting-landelijke-inspectiedienst-dierenwelzijn": (SUPERVISION,),
}

# Organisatieonderdelen that are themselves an implementing service (an agentschap or uitvoerings-
# dienst of a ministry) work in uitvoering, not in the policy corner of the ministry they hang under.
# The register has no field that says so for units: their records carry no subtype, kaderwet,
# zbo_kind or agentschap flag (classification is always "organisatieonderdeel"). So this is a
# curated list, by record id, of units that are publicly known as the ministries' implementing
# services (IND, CJIB, DUO, RVO, Belastingdienst, Douane, Toeslagen, Rijkswaterstaat, RvIG, ...).
# Their own sub-units inherit it through the parent chain. The type stays what the register says.
# Many of these records cite only ABD news items and are skipped; they are listed so that a later
# snapshot with a register page for them is classified the same way.
IMPLEMENTING_UNITS: frozenset[str] = frozenset(
    {
        "org:agentschap-ind-min-jenv",  # Immigratie- en Naturalisatiedienst
        "org:agentschap-nfi-min-jenv",  # Nederlands Forensisch Instituut
        "org:agentschap-rivm-min-vws",  # Rijksinstituut voor Volksgezondheid en Milieu
        "org:agentschap-rvig-min-bzk",  # Rijksdienst voor Identiteitsgegevens
        "org:onderdeel-cjib-min-jenv",  # Centraal Justitieel Incassobureau
        "org:onderdeel-dtv-min-jenv",  # Dienst Terugkeer en Vertrek
        "org:onderdeel-justitiele-informatiedienst-min-jenv",
        "org:onderdeel-duo-min-ocw",  # Dienst Uitvoering Onderwijs
        "org:onderdeel-rijksdienst-voor-het-cultureel-erfgoed-min-ocw",
        "org:onderdeel-rvo-min-ez",  # Rijksdienst voor Ondernemend Nederland, under three ministries
        "org:onderdeel-rvo-min-ezk",
        "org:onderdeel-rvo-min-lvvn",
        "org:onderdeel-dictu-min-ezk",  # Dienst ICT Uitvoering
        "org:onderdeel-dus-i-min-vws",  # Dienst Uitvoering Subsidies aan Instellingen
        "org:onderdeel-dg-belastingdienst-min-fin",  # Belastingdienst
        "org:dg-belastingdienst-min-financien",
        "org:douane-min-fin",  # Douane
        "org:onderdeel-dg-douane",
        "org:onderdeel-dgtsl",  # Toeslagen
        "org:onderdeel-dg-toeslagen-min-fin",
        "org:onderdeel-dienst-toeslagen-min-fin",
        "org:onderdeel-uht-dienst-toeslagen-min-fin",
        "org:onderdeel-rijkswaterstaat-corporate-dienst-min-ienw",  # Rijkswaterstaat units filed under the SG
        "org:onderdeel-rijkswaterstaat-midden-nederland-min-ienw",
        "org:onderdeel-rwaterstaat-west-nederland-zuid-min-ienw",
        "org:onderdeel-bestuursstaf-rws",
        "org:onderdeel-rvb-min-bzk",  # Rijksvastgoedbedrijf
        "org:onderdeel-rvb-min-bzk-vro",
        "org:onderdeel-rcn-min-bzk",  # Rijksdienst Caribisch Nederland
        "org:onderdeel-ubr-min-bzk",  # Uitvoeringsorganisatie Bedrijfsvoering Rijk
        "org:onderdeel-rijksschoonmaakorganisatie-min-szw",
    }
)

# The two chambers of parliament. Their units (committees, the griffie) are not accountable to a
# ministry: see the relation_to_ministerie handling in _convert.
PARLIAMENT: frozenset[str] = frozenset({"org:tweede-kamer", "org:eerste-kamer"})

# Territorial governments end only by a legal reorganisation (herindeling, merger), which the
# register records by closing the name history and, mostly, naming a successor.
TERRITORIAL_TYPES: frozenset[str] = frozenset({"gemeente", "provincie", "waterschap", "caribisch-openbaar-lichaam"})

# A record the register files as a zbo while its own description says it is a department of another
# organisation ('Het departement ... is een organisatieonderdeel van het Centraal Bureau voor de
# Statistiek (CBS).'): five CBS departments. The named organisation is the parent.
_UNIT_OF = re.compile(r"\bis een organisatieonderdeel van (?:het |de )?(?P<parent>[^()]+?)\s*(?:\(|\.|$)")

# TOOI classes, only those the TOOI ontology defines. The kind in a TOOI identifier
# (.../tooi/id/{kind}/{code}) names the TOOI register, and each register holds one class.
TOOI_CLASS_BY_KIND: Mapping[str, str] = {
    "ministerie": "Ministerie",
    "gemeente": "Gemeente",
    "provincie": "Provincie",
    "waterschap": "Waterschap",
    "zbo": "Zbo",
    "so": "Samenwerkingsorganisatie",
    "col": "CaribischOpenbaarLichaam",
    "oorg": "Overheidsorganisatie",
}
# The register type alone is enough for these, TOOI identifier or not (e.g. former municipalities);
# the same pairs as rdfs:seeAlso in ontology/schemes/organisation-types.ttl (a test keeps them equal).
TOOI_CLASS_BY_TYPE: Mapping[str, str] = {
    "ministerie": "Ministerie",
    "gemeente": "Gemeente",
    "provincie": "Provincie",
    "waterschap": "Waterschap",
    "zbo": "Zbo",
    "gemeenschappelijke-regeling": "Samenwerkingsorganisatie",
    "caribisch-openbaar-lichaam": "CaribischOpenbaarLichaam",
}

# The register writes 1900-01-01 where the date is unknown.
UNKNOWN_DATE = "1900-01-01"
REGISTER_SOURCE = "roo"
# ABD news items announce appointments of named civil servants: not a source about an organisation.
UNCITABLE_SOURCES = frozenset({"abd_nieuws"})

_RECORD_ID = re.compile(r"org:([a-z0-9]+(?:-[a-z0-9]+)*)")
_TOOI_IRI = re.compile(re.escape(TOOI_ID) + r"([a-z]+)/([A-Za-z0-9_]+)")
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


class RooImportError(ValueError):
    """The register cannot be read: a missing directory, unreadable YAML or an invalid record."""


@dataclass(frozen=True)
class SkippedRecord:
    """A record the importer left out, and why."""

    file: str
    reason: str


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


@dataclass
class _Graph:
    """Subjects with their (predicate, object) pairs, as Turtle terms, plus nested name nodes."""

    subjects: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    # Nested [ ] nodes per subject: (the predicate that links them, the node's pairs).
    nested: dict[str, set[tuple[str, tuple[tuple[str, str], ...]]]] = field(default_factory=lambda: defaultdict(set))

    def add(self, subject: str, predicate: str, obj: str) -> None:
        """Add one triple (terms already in Turtle syntax)."""
        self.subjects[subject].add((predicate, obj))

    def add_node(self, subject: str, predicate: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Add a nested node (a [ ] block) linked from `subject` by `predicate`."""
        self.nested[subject].add((predicate, tuple(sorted(pairs, key=_predicate_order))))

    def triple_count(self) -> int:
        """Triples in the graph, counting each nested node's own triples and its link."""
        flat = sum(len(pairs) for pairs in self.subjects.values())
        return flat + sum(len(node) + 1 for nodes in self.nested.values() for _, node in nodes)


@dataclass
class _Relation:
    """A qualified relation before it gets its IRI: its periods and, per period, its sources."""

    kind: str
    source_org: _Org
    target_iri: str
    target_slug: str
    periods: dict[tuple[str | None, str | None], set[str]] = field(default_factory=lambda: defaultdict(set))
    # Periods whose start the importer derived by a rule (not stated by the source): interpreted.
    interpreted: set[tuple[str | None, str | None]] = field(default_factory=set)


# Direct property (docs/model.md) of each relation type the register feeds.
_DIRECT_PROPERTY: Mapping[str, str] = {
    "predecessor-of": "dh:predecessorOf",
    "accountable-to": "dh:accountableTo",
    "sub-organisation-of": "org:subOrganizationOf",
    "participates-in": "dh:participatesIn",
}


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


# --- reading -------------------------------------------------------------------------------------


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


# --- small value helpers -------------------------------------------------------------------------


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


# --- Turtle terms --------------------------------------------------------------------------------

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')


def _literal(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    """A Turtle string literal, escaped, with a language tag or a datatype."""
    body = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(0), f"\\u{ord(m.group(0)):04X}"), value)
    if lang:
        return f'"{body}"@{lang}'
    if datatype:
        return f'"{body}"^^{datatype}'
    return f'"{body}"'


def _iri(value: str) -> str:
    """An IRI term; callers pass only IRIs that passed validation."""
    return f"<{value}>"


def _xsd_date(value: str) -> str:
    """An xsd:date literal."""
    return _literal(value, datatype="xsd:date")


# --- the quality gate ------------------------------------------------------------------------------
#
# The register is not taken unchecked. Each kind of inconsistency below is detected over every record,
# counted, and resolved by a stated rule, by a curated correction (data/organisations/roo-corrections.yaml,
# each with its source), or by leaving the doubtful fact out. Never by sort order. docs/data-quality.md
# lists the rules and the corrections.

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


def _type_rules(orgs: Mapping[str, _Org], conflicts: _Conflicts) -> None:
    """A record typed adviescollege whose TOOI identifier is a zbo code and which names its kind of zbo
    is a zbo (two register fields against one). An inspectorate that is also a zbo stays an inspectorate:
    the type that says what it does in the triangle."""
    for org in orgs.values():
        tooi = _tooi(org.record) or ""
        if "/tooi/id/zbo/" in tooi and org.kind not in ("zbo", "organisatieonderdeel"):
            if org.kind == "adviescollege" and _text(org.record.get("zbo_kind")):
                org.kind = "zbo"
            conflicts.add("type-contradicts-tooi", "rule")


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


# --- conversion ----------------------------------------------------------------------------------


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


def _ended_before(successor_end: str | None, predecessor_start: str | None, predecessor_end: str | None) -> bool:
    """Whether a successor's dissolution comes before its predecessor's founding or dissolution (ISO dates;
    an unknown date contradicts nothing). A predecessor that still exists may have a successor that has
    ended since (a split: EZK and LNV 2017-2024); one that ended after its successor cannot."""
    if successor_end is None:
        return False
    return any(successor_end < d for d in (predecessor_start, predecessor_end) if d)


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


def _describe_minimal(tooi: str, label: str, cite: str, graph: _Graph) -> None:
    """Type, label, type concept, corner and source for a ministry the register only names."""
    for term in ("cv:PublicOrganisation", "org:Organization", "tooiont:Ministerie"):
        graph.add(tooi, "a", term)
    graph.add(tooi, "skos:prefLabel", _literal(label, lang="nl"))
    graph.add(tooi, "dh:organisationType", "orgtype:ministerie")
    graph.add(tooi, "dh:corner", f"corner:{POLICY}")
    graph.add(tooi, "dcterms:source", _iri(cite))


def _corners(org: _Org, orgs: Mapping[str, _Org]) -> tuple[str, ...]:
    """The corners of the triangle the organisation works in."""
    seen: set[str] = set()
    current: _Org | None = org
    # An organisatieonderdeel works in its parent's corner; walk up until something decides.
    while current is not None and current.record_id not in seen:
        seen.add(current.record_id)
        if current.corners is not None:  # a curated correction
            return current.corners
        if current.record_id in CORNERS_BY_ID:
            return CORNERS_BY_ID[current.record_id]
        if current.kind == "overig":  # no type that tells (an umbrella association): no corner stated
            return ()
        if current.record_id in IMPLEMENTING_UNITS:
            return (IMPLEMENTATION,)
        if current.kind in CORNERS_BY_TYPE:
            return CORNERS_BY_TYPE[current.kind]
        current = orgs.get(current.parent_id) if current.parent_id else None
    return (IMPLEMENTATION,)  # a unit with no known parent: most units carry out work


def _past(end: str | None, snapshot: str, notes: Counter[str]) -> str | None:
    """An end date, unless it lies after the day the register was read."""
    if end is not None and end > snapshot:
        # Not a fact yet: a plan or an error (the Raad van State 'ends' on 2030-11-29).
        notes["end dates after the day the register was read left out"] += 1
        return None
    return end


def _current_name(names: list[tuple[str, str | None, str | None, str | None]], on: str) -> str:
    """The name valid on date `on` (the latest such); else the name that ended last."""

    def valid_on(n: tuple[str, str | None, str | None, str | None]) -> bool:
        return (n[2] is None or n[2] <= on) and (n[3] is None or n[3] >= on)

    # Some name histories in the register are scrambled (a ministry dissolved in 2010 with a name
    # "from 2017"), so 'the entry without an end date' is not enough: ask what held on that day.
    best = max(names, key=lambda n: (valid_on(n), n[3] is None, n[3] or "", n[2] or "", n[0]))
    return best[0]


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


_BWB = re.compile(r"BWB[RV]\d{7}")
_ARTICLE_IN_HEADING = re.compile(r",?\s+artikel\s+(?P<article>[0-9][0-9A-Za-z.:]*?)(?=[,\s]|$)")


def _legal_basis(
    basis: Mapping[str, Any], graph: _Graph, legal_labels: dict[str, Counter[str]], conflicts: _Conflicts
) -> str | None:
    """The IRI a legal basis points to: a dh:LegalProvision (the law plus article) where the link or the
    heading names one article of a law on wetten.overheid.nl, the law's page where it names none, and
    the link as given for anything else. Describes the provision; collects the labels."""
    link = _http_iri(basis.get("referentie"))
    if link is None:
        return None
    heading = _text(basis.get("opschrift"))
    match = re.fullmatch(r"https?://(?:www\.)?wetten\.overheid\.nl/(?P<path>[^?#]*)", link)
    bwb = None
    article_in_link = None
    if match:
        path = match.group("path")
        if path.startswith("jci1.3:c:"):
            parts = path.removeprefix("jci1.3:c:").split("&")
            bwb = parts[0] if _BWB.fullmatch(parts[0]) else None
            params = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
            article_in_link = unquote(params.get("artikel", "")) or None
        else:
            first = path.split("/", 1)[0]
            bwb = first if _BWB.fullmatch(first) else None
    if bwb is None:
        if heading:
            legal_labels[link][heading] += 1
        return link
    law = f"https://wetten.overheid.nl/{bwb}"
    found = _ARTICLE_IN_HEADING.search(heading)
    article_in_heading = found.group("article").rstrip(".") if found else None
    law_label = heading[: found.start()].strip() if found else heading
    if law_label:
        legal_labels[law][law_label] += 1
    article = article_in_link or article_in_heading
    if article_in_link and article_in_heading and article_in_link != article_in_heading:
        conflicts.add("article-disagrees", "left out")
        article = None
    provision = f"https://wetten.overheid.nl/jci1.3:c:{bwb}&artikel={article}" if article else None
    if provision is None or _http_iri(provision) != provision:
        return law
    graph.add(provision, "a", "dh:LegalProvision")
    graph.add(provision, "dh:bwbId", _literal(bwb))
    graph.add(provision, "dh:article", _literal(article))
    graph.add(provision, "dcterms:isPartOf", _iri(law))
    label = heading if found else (f"{heading}, artikel {article}" if heading else f"{bwb}, artikel {article}")
    legal_labels[provision][label] += 1
    return provision


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


def _in_parliament(org: _Org, orgs: Mapping[str, _Org]) -> bool:
    """Whether the organisation is a unit of the Tweede or Eerste Kamer (by its parent chain)."""
    seen = {org.record_id}
    parent_id = org.parent_id
    while parent_id and parent_id not in seen:
        if parent_id in PARLIAMENT:
            return True
        seen.add(parent_id)
        parent = orgs.get(parent_id)
        parent_id = parent.parent_id if parent else None
    return False


def _write_relations(relations: Mapping[tuple[str, str, str], _Relation], base_iri: str, graph: _Graph) -> int:
    """Direct triples and qualified dh:Relation nodes; the number of nodes."""
    count = 0
    for (kind, subject, target), relation in relations.items():
        graph.add(subject, _DIRECT_PROPERTY[kind], _iri(target))
        base_slug = f"{relation.source_org.slug}-{kind}-{relation.target_slug}"
        periods = sorted(relation.periods, key=lambda p: (p[0] or "", p[1] or ""))
        starts = Counter(p[0] for p in periods)
        for index, period in enumerate(periods, start=1):
            # One node per period; the slug only grows a suffix when there is more than one.
            if len(periods) == 1:
                slug = base_slug
            elif period[0] and starts[period[0]] == 1:
                slug = f"{base_slug}-{period[0]}"
            else:
                slug = f"{base_slug}-{index}"
            node = f"{base_iri}id/relation/{slug}"
            graph.add(node, "a", "dh:Relation")
            graph.add(node, "dh:relationType", f"reltype:{kind}")
            graph.add(node, "dh:from", _iri(subject))
            graph.add(node, "dh:to", _iri(target))
            start, end = period
            if start:
                graph.add(node, "schema:startDate", _xsd_date(start))
            if end:
                graph.add(node, "schema:endDate", _xsd_date(end))
            for cite in relation.periods[period]:
                graph.add(node, "dcterms:source", _iri(cite))
            if period in relation.interpreted:
                graph.add(node, "dh:epistemicStatus", "epistemic:interpreted")
            count += 1
    return count


# --- serialisation -------------------------------------------------------------------------------


_NESTED_LINKS = frozenset({"dh:hasName", "dh:evaluation"})


def _predicate_order(pair: tuple[str, str]) -> tuple[int, str, str]:
    """rdf:type first (as Turtle readers expect), then predicates and objects alphabetically."""
    return (0 if pair[0] == "a" else 1, pair[0], pair[1])


def _header(organisations: int, relations: int, snapshot: str) -> str:
    """The comment block on top of the file: what it is, where it comes from, how to rebuild it."""
    return (
        "# Dutch government organisations and their relations, from the Register Overheidsorganisaties\n"
        "# (ROO, https://organisaties.overheid.nl/, licence CC0 1.0) as YAML records of the public\n"
        f"# dataset \"polder\" (CC0 1.0), records retrieved up to {snapshot}.\n"
        f"# {organisations} organisations, {relations} qualified relations; model: docs/model.md.\n"
        "# Generated by `driehoek import-roo`: do not edit by hand, re-run the importer instead.\n"
    )


def _serialise(graph: _Graph, header: str) -> str:
    """Turtle text: prefixes, then organisations, relations and laws, each block sorted."""
    out = [header, "\n"]
    out += [f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in PREFIXES]
    subjects = set(graph.subjects) | set(graph.nested)

    def section(title: str, members: Iterable[str]) -> None:
        out.append(f"\n# --- {title} ---\n")
        for subject in sorted(members):
            out.append("\n" + _subject_block(subject, graph))

    organisations = {s for s in subjects if ("a", "org:Organization") in graph.subjects[s]}
    relations = {s for s in subjects if ("a", "dh:Relation") in graph.subjects[s]}
    section("organisations", organisations)
    section("qualified relations", relations)
    section("legal bases (laws and articles on wetten.overheid.nl and elsewhere)", subjects - organisations - relations)
    return "".join(out)


def _subject_block(subject: str, graph: _Graph) -> str:
    """One subject with all its predicates and objects, pretty-printed, objects grouped per predicate."""
    objects: dict[str, list[str]] = defaultdict(list)
    for predicate, obj in sorted(graph.subjects.get(subject, ()), key=_predicate_order):
        objects[predicate].append(obj)
    for link, node in sorted(graph.nested.get(subject, ())):
        inner = " ;\n".join(f"        {p} {o}" for p, o in node)
        objects[link].append(f"[\n{inner}\n    ]")
    lines = []
    for predicate in sorted(objects, key=lambda p: (p != "a", p)):
        separator = ", " if predicate == "a" or predicate in _NESTED_LINKS else " ,\n        "
        lines.append(f"    {predicate} " + separator.join(objects[predicate]))
    return f"<{subject}>\n" + " ;\n".join(lines) + " .\n"
