"""Checks on the curated Turtle: cases, the learning community and the monitor editions.

Each file under data/cases, data/community and data/monitor is parsed on its own (it becomes its own
named graph) and checked against the naming contract in docs/model.md:

- at least twenty cases, one per file, named after the file, at least four of them counter-cases
  (two or more editorial ratings of precarious success or failure), across levels of government;
- every case codes every factor of ontology/schemes/factors.ttl once, with evidence unless unknown;
- every assessment has an assessor and an epistemic status; raters other than the editors are
  in the register or minted with a source; every case file passes the SHACL gate;
- a published case has exactly one assessment per criterion, with a rating from the scheme;
- every case and every assessment carries sources; assessors are organisations, never people;
- every organisation IRI is in the government organisations register (TOOI) or is minted under
  id/organisation/ and described in data/community;
- people-facing text is in Dutch and English;
- no e-mail address and no name of the researchers from the background text appears anywhere.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
REGISTER_YAML = SHARED / "data/roo/organisaties"
REGISTER_TTL = DATA / "organisations/roo.ttl.gz"
BACKGROUND = SHARED / "background/samen-werken-aan-betere-uitvoering.txt"

BASE = "https://w3id.org/driehoek/"
DH = BASE + "def#"
ID = BASE + "id/"
TOOI = "https://identifier.overheid.nl/tooi/id/"
ORG_PREFIX = ID + "organisation/"

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")


def dh(local: str) -> ox.NamedNode:
    return ox.NamedNode(DH + local)


def dct(local: str) -> ox.NamedNode:
    return ox.NamedNode("http://purl.org/dc/terms/" + local)


def schema(local: str) -> ox.NamedNode:
    return ox.NamedNode("https://schema.org/" + local)


SKOS_PREFLABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
SKOS_INSCHEME = ox.NamedNode("http://www.w3.org/2004/02/skos/core#inScheme")
EPISTEMIC = BASE + "def/epistemic-status/"
ORG_ORGANIZATION = ox.NamedNode("http://www.w3.org/ns/org#Organization")

CRITERIA = {ID + "criterion/" + c for c in (
    "maatschappelijke-bijdrage", "goede-organisatie", "steun-en-legitimiteit", "duurzaamheid")}
RATINGS = {BASE + "def/rating/" + r for r in (
    "success", "resilient-success", "conflicted-success", "precarious-success", "failure")}
ROLES = {BASE + "def/case-role/" + r for r in (
    "lead-implementer", "implementer", "policy-owner", "supervisor", "partner")}
STATUSES = {BASE + "def/case-status/" + s for s in ("draft", "published", "withdrawn")}
MEETING_TYPES = {BASE + "def/meeting-type/" + m for m in ("workshop", "webinar", "conference")}
PUBLISHED = BASE + "def/case-status/published"
EDITORIAL_TEAM = ORG_PREFIX + "driehoek-redactie"

CASE_FILES = sorted((DATA / "cases").glob("*.ttl"))
COMMUNITY_FILES = sorted((DATA / "community").glob("*.ttl"))
MONITOR_FILES = sorted((DATA / "monitor").glob("*.ttl"))
ALL_FILES = CASE_FILES + COMMUNITY_FILES + MONITOR_FILES

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@lru_cache(maxsize=None)
def load(path: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def objects(store: ox.Store, s, p) -> list:
    return [q.object for q in store.quads_for_pattern(s, p, None)]


def one(store: ox.Store, s, p):
    values = objects(store, s, p)
    assert len(values) == 1, f"{s} needs exactly one {p}, has {len(values)}"
    return values[0]


def subjects_of_type(store: ox.Store, cls: ox.NamedNode) -> list:
    return [q.subject for q in store.quads_for_pattern(None, RDF_TYPE, cls)]


def assert_nl_en(store: ox.Store, s, p) -> None:
    langs = {o.language for o in objects(store, s, p) if isinstance(o, ox.Literal)}
    assert {"nl", "en"} <= langs, f"{s} {p.value}: needs @nl and @en, has {sorted(langs)}"


def assert_date(term, what: str) -> None:
    assert isinstance(term, ox.Literal) and term.datatype == XSD_DATE, f"{what}: {term} is not an xsd:date"


def iris(store: ox.Store) -> set[str]:
    found = set()
    for q in store:
        for term in (q.subject, q.object):
            if isinstance(term, ox.NamedNode):
                found.add(term.value)
    return found


@lru_cache(maxsize=None)
def register_iris() -> frozenset[str]:
    """TOOI IRIs of the register: the generated roo.ttl.gz when present, else the YAML folder."""
    if REGISTER_TTL.exists():
        with gzip.open(REGISTER_TTL, "rb") as f:
            store = ox.Store()
            store.load(f.read(), format=ox.RdfFormat.TURTLE)
        return frozenset(
            q.subject.value for q in store
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(TOOI))
    if REGISTER_YAML.is_dir():
        found = set()
        pattern = re.compile(r"^\s*tooi:\s*['\"]?(\S+?)['\"]?\s*$", re.M)
        for path in REGISTER_YAML.glob("*/*.yaml"):
            found.update(pattern.findall(path.read_text(encoding="utf-8")))
        return frozenset(found)
    pytest.skip(f"no organisation register: neither {REGISTER_TTL} nor {REGISTER_YAML} exists")


def background_names() -> list[str]:
    """The researchers' names, read from the background text so they are not copied here."""
    if not BACKGROUND.exists():
        return []
    text = BACKGROUND.read_text(encoding="utf-8")
    names: list[str] = []
    team = re.search(r"bestaat uit (.+?), twee studenten", text)
    if team:
        names += [n.strip() for n in re.split(r",| en ", team.group(1)) if n.strip()]
    contact = re.search(r"contact op met ([^:]+):", text)
    if contact:
        names.append(contact.group(1).strip())
    variants = set()
    for name in names:
        for form in (name, name.replace("’", "'"), name.replace("'", "’")):
            variants.add(form)
            parts = form.split(" ", 1)
            if len(parts) == 2 and len(parts[1]) > 3:
                variants.add(parts[1])  # the surname, e.g. with its prefix
    return sorted(variants)


def community_organisations() -> set[str]:
    found = set()
    for path in [*COMMUNITY_FILES, DATA / "organisations" / "driehoek.ttl"]:
        store = load(path)
        for s in subjects_of_type(store, ORG_ORGANIZATION):
            if isinstance(s, ox.NamedNode) and objects(store, s, SKOS_PREFLABEL):
                found.add(s.value)
    return found


# ------------------------------------------------------------------------------------ parsing

def test_curated_files_exist():
    assert CASE_FILES, "data/cases holds no Turtle"
    assert COMMUNITY_FILES, "data/community holds no Turtle"
    assert MONITOR_FILES, "data/monitor holds no Turtle"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_file_parses_and_has_header_comment(path: Path):
    assert len(load(path)) > 0
    assert path.read_text(encoding="utf-8").startswith("#"), f"{path.name}: needs a header comment"


# -------------------------------------------------------------------------------------- cases

def test_one_case_per_file():
    slugs = []
    for path in CASE_FILES:
        cases = subjects_of_type(load(path), dh("Case"))
        assert len(cases) == 1, f"{path.name}: one dh:Case per file, found {len(cases)}"
        assert cases[0].value == ID + "case/" + path.stem, f"{path.name}: case IRI must match the file name"
        slugs.append(path.stem)


def test_cases_spread_over_the_years():
    years = set()
    for path in CASE_FILES:
        store = load(path)
        case = subjects_of_type(store, dh("Case"))[0]
        issued = one(store, case, dct("issued"))
        assert_date(issued, f"{path.name} dcterms:issued")
        years.add(issued.value[:4])
    assert {"2023", "2024", "2025", "2026"} <= years, f"issued years: {sorted(years)}"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_content(path: Path):
    store = load(path)
    case = subjects_of_type(store, dh("Case"))[0]
    for p in (dct("title"), dct("abstract"), dh("triangleCollaboration")):
        assert_nl_en(store, case, p)
    assert one(store, case, dh("status")).value in STATUSES
    assert_date(one(store, case, schema("startDate")), "schema:startDate")
    for end in objects(store, case, schema("endDate")):
        assert_date(end, "schema:endDate")
    assert objects(store, case, dct("source")), f"{path.stem}: no dcterms:source"
    themes = objects(store, case, dct("subject"))
    assert themes and all(t.value.startswith(ID + "theme/") for t in themes)

    direct = {o.value for o in objects(store, case, dh("involvedOrganisation"))}
    involved = set()
    for node in objects(store, case, dh("involvement")):
        assert dh("Involvement") in objects(store, node, RDF_TYPE)
        involved.add(one(store, node, dh("organisation")).value)
        assert one(store, node, dh("role")).value in ROLES
    assert involved and involved == direct, f"{path.stem}: dh:involvement and dh:involvedOrganisation differ"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_assessments(path: Path):
    """One editorial assessment per criterion (illustrative); other raters add their own, never replace it."""
    store = load(path)
    case = subjects_of_type(store, dh("Case"))[0]
    editorial_per_criterion: dict[str, int] = {}
    for a in objects(store, case, dh("hasAssessment")):
        assert dh("Assessment") in objects(store, a, RDF_TYPE)
        criterion = one(store, a, dh("criterion")).value
        assert criterion in CRITERIA
        slug = criterion.rsplit("/", 1)[1]
        assert one(store, a, dh("rating")).value in RATINGS
        assert_nl_en(store, a, dh("rationale"))
        assert objects(store, a, dh("evidence")), f"{a.value}: no dh:evidence"
        assert_date(one(store, a, dct("date")), f"{a.value} dcterms:date")
        illustrative = one(store, a, dh("illustrative"))
        assert illustrative.datatype == XSD_BOOLEAN
        status = one(store, a, dh("epistemicStatus")).value
        assessor = one(store, a, dh("assessor")).value
        if assessor == EDITORIAL_TEAM:
            assert a.value == f"{ID}assessment/{path.stem}-{slug}", f"unexpected assessment IRI {a.value}"
            assert illustrative.value == "true" and status == EPISTEMIC + "illustrative", a.value
            editorial_per_criterion[criterion] = editorial_per_criterion.get(criterion, 0) + 1
        else:
            assert a.value.startswith(f"{ID}assessment/{path.stem}-{slug}-"), f"unexpected assessment IRI {a.value}"
            assert illustrative.value == "false" and status == EPISTEMIC + "interpreted", a.value
    if one(store, case, dh("status")).value == PUBLISHED:
        assert editorial_per_criterion == {c: 1 for c in CRITERIA}, f"{path.stem}: {editorial_per_criterion}"


# ------------------------------------------------------------- cases as comparable evidence (issue 19)

def factor_scheme() -> set[str]:
    """The factors, read from the scheme file (skos:inScheme dhs:factor)."""
    store = load(ROOT / "ontology/schemes/factors.ttl")
    return {q.subject.value for q in store.quads_for_pattern(None, SKOS_INSCHEME, ox.NamedNode(BASE + "def/factor"))}


def presence_scheme() -> set[str]:
    store = load(ROOT / "ontology/schemes/factor-presence.ttl")
    return {q.subject.value for q in store.quads_for_pattern(
        None, SKOS_INSCHEME, ox.NamedNode(BASE + "def/factor-presence"))}


def rating_ranks() -> dict[str, int]:
    store = load(ROOT / "ontology/schemes/ratings.ttl")
    return {q.subject.value: int(q.object.value) for q in store.quads_for_pattern(None, dh("rank"), None)}


def editorial_ranks(path: Path) -> list[int]:
    store = load(path)
    ranks = rating_ranks()
    case = subjects_of_type(store, dh("Case"))[0]
    return [ranks[one(store, a, dh("rating")).value] for a in objects(store, case, dh("hasAssessment"))
            if one(store, a, dh("assessor")).value == EDITORIAL_TEAM]


def is_counter_case(path: Path) -> bool:
    """A counter-case: at least two of the editorial ratings are precarious success or failure (rank <= 2)."""
    return sum(1 for r in editorial_ranks(path) if r <= 2) >= 2


def test_at_least_twenty_cases():
    assert len(CASE_FILES) >= 20, f"only {len(CASE_FILES)} cases"


def test_counter_cases_rated_honestly():
    counter = [p.stem for p in CASE_FILES if is_counter_case(p)]
    assert len(counter) >= 4, f"counter-cases: {counter}"
    failures = [p.stem for p in CASE_FILES if min(editorial_ranks(p)) == 1]
    assert failures, "no case is rated failure on any criterion"


def test_levels_of_government_covered():
    """From the involved organisations' types in the register: municipal, provincial, water board, zbo, national."""
    types: dict[str, str] = {}
    for path in sorted(REGISTER_YAML.glob("*/*.yaml")) if REGISTER_YAML.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        tooi = re.search(r"^identifiers:\n(?:  .*\n)*?  tooi:\s*(\S+)\s*$", text, re.M)  # its own, not its ministry's
        kind = re.search(r"^type:\s*(\S+)\s*$", text, re.M)
        if tooi and kind and path.parent.name != "organisatieonderdelen":
            types[tooi.group(1)] = kind.group(1)
    if not types:
        pytest.skip(f"no register at {REGISTER_YAML}")
    found = set()
    for path in CASE_FILES:
        store = load(path)
        case = subjects_of_type(store, dh("Case"))[0]
        found |= {types.get(o.value) for o in objects(store, case, dh("involvedOrganisation"))}
    assert {"ministerie", "gemeente", "provincie", "waterschap", "zbo"} <= found, sorted(t for t in found if t)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_every_factor_coded_once_with_evidence(path: Path):
    store = load(path)
    case = subjects_of_type(store, dh("Case"))[0]
    factors, presences = factor_scheme(), presence_scheme()
    assert len(factors) >= 10 and len(presences) == 3
    seen: list[str] = []
    for node in objects(store, case, dh("factorCoding")):
        assert dh("FactorCoding") in objects(store, node, RDF_TYPE)
        factor = one(store, node, dh("factor")).value
        presence = one(store, node, dh("presence")).value
        assert factor in factors and presence in presences, (factor, presence)
        seen.append(factor)
        assert_nl_en(store, node, dh("rationale"))
        assert one(store, node, dh("epistemicStatus")).value == EPISTEMIC + "interpreted"
        evidence = objects(store, node, dh("evidence"))
        if presence.endswith("/unknown"):
            assert not evidence, f"{path.stem} {factor}: unknown is coded without evidence"
        else:
            assert evidence and all(isinstance(e, ox.NamedNode) for e in evidence), f"{path.stem} {factor}: no evidence"
    assert sorted(seen) == sorted(factors), f"{path.stem}: coded {sorted(seen)}"


def test_non_editorial_raters_are_described_with_a_source():
    """No invented raters: every assessor other than the editors is in the register or minted with a source."""
    register = register_iris()
    minted = ox.Store()
    minted.load(path=str(DATA / "organisations/driehoek.ttl"), format=ox.RdfFormat.TURTLE)
    raters = set()
    for path in CASE_FILES:
        store = load(path)
        raters |= {q.object.value for q in store.quads_for_pattern(None, dh("assessor"), None)}
    raters.discard(EDITORIAL_TEAM)
    assert raters, "no second raters at all"
    for rater in raters:
        if rater.startswith(TOOI):
            assert rater in register, rater
        else:
            node = ox.NamedNode(rater)
            assert objects(minted, node, SKOS_PREFLABEL), f"{rater}: not described"
            assert objects(minted, node, dct("source")), f"{rater}: no source"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_file_passes_the_gate(path: Path):
    """The SHACL gate, with the register and driehoek's own organisations as the store it would load into."""
    from driehoek import validation

    context = gate_context()
    report = validation.validate(list(load(path)), context=context, source=path.name)
    assert report.conforms, report.to_text()


@lru_cache(maxsize=None)
def _context_store() -> ox.Store:
    if not REGISTER_TTL.exists():
        pytest.skip(f"no {REGISTER_TTL}")
    store = ox.Store()
    with gzip.open(REGISTER_TTL, "rb") as f:
        store.bulk_load(f.read(), format=ox.RdfFormat.TURTLE)
    store.load(path=str(DATA / "organisations/driehoek.ttl"), format=ox.RdfFormat.TURTLE)
    return store


def gate_context():
    store = _context_store()

    def lookup(iri):
        return [q for p in (RDF_TYPE, SKOS_INSCHEME) for q in store.quads_for_pattern(iri, p, None)]
    return lookup


def test_schemes_know_the_concepts_used():
    """Themes, roles and ratings used must exist in the SKOS schemes, once those are in ontology/."""
    schemes = ROOT / "ontology/schemes"
    if not schemes.is_dir():
        pytest.skip("ontology/schemes is not there yet")
    known = set()
    for path in schemes.glob("*.ttl"):
        known |= {q.subject.value for q in load(path) if isinstance(q.subject, ox.NamedNode)}
    used = set()
    for path in ALL_FILES:
        used |= {i for i in iris(load(path)) if i.startswith((ID + "theme/", BASE + "def/"))}
    used = {i for i in used if not i.startswith(DH)}
    assert not used - known, f"concepts missing from the schemes: {sorted(used - known)}"


# --------------------------------------------------------------------------- organisations

def test_organisations_exist():
    register = register_iris()
    minted = community_organisations()
    assert EDITORIAL_TEAM in minted, "the editorial team must be described in data/organisations/driehoek.ttl"
    for path in ALL_FILES:
        for iri in iris(load(path)):
            if iri.startswith(TOOI):
                assert iri in register, f"{path.name}: {iri} is not in the register"
            elif iri.startswith(ORG_PREFIX):
                assert iri in minted, f"{path.name}: {iri} is minted but described neither in data/community nor data/organisations"


# ------------------------------------------------------------------------ community, monitor

def test_learning_community_and_meetings():
    communities, meetings = [], []
    for path in COMMUNITY_FILES:
        store = load(path)
        for c in subjects_of_type(store, dh("LearningCommunity")):
            communities.append(c)
            assert_nl_en(store, c, SKOS_PREFLABEL)
            assert objects(store, c, dct("source"))
        for org in subjects_of_type(store, ORG_ORGANIZATION):
            assert_nl_en(store, org, SKOS_PREFLABEL)
        for m in subjects_of_type(store, dh("Meeting")):
            meetings.append(m)
            assert_nl_en(store, m, dct("title"))
            assert_nl_en(store, m, dct("description"))
            assert one(store, m, dh("meetingType")).value in MEETING_TYPES
            assert_date(one(store, m, schema("startDate")), f"{m.value} schema:startDate")
            assert objects(store, m, schema("organizer")), f"{m.value}: no organiser"
            assert objects(store, m, dct("source")), f"{m.value}: no source"
            for c in objects(store, m, dh("discusses")):
                assert (DATA / "cases" / (c.value.rsplit("/", 1)[1] + ".ttl")).exists(), c.value
    assert communities, "no dh:LearningCommunity"
    assert 4 <= len(meetings) <= 6, f"{len(meetings)} meetings"


def test_monitor_editions():
    editions = {}
    for path in MONITOR_FILES:
        store = load(path)
        for e in subjects_of_type(store, dh("MonitorEdition")):
            assert_nl_en(store, e, dct("title"))
            assert objects(store, e, dct("publisher"))
            assert objects(store, e, dct("source"))
            assert objects(store, e, dh("coversOrganisation"))
            for c in objects(store, e, dh("featuresCase")):
                assert (DATA / "cases" / (c.value.rsplit("/", 1)[1] + ".ttl")).exists(), c.value
            issued = one(store, e, dct("issued"))
            assert_date(issued, f"{e.value} dcterms:issued")
            editions[e.value] = issued.value
    assert editions.get(ID + "monitor/staat-van-de-uitvoering-2023") == "2023-01-18"
    assert editions.get(ID + "monitor/staat-van-de-uitvoering-2024") == "2024-09-09"


# ------------------------------------------------------------------------------ personal data

@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_personal_data(path: Path):
    store = load(path)
    for q in store:
        if isinstance(q.object, ox.Literal):
            assert not EMAIL.search(q.object.value), f"{path.name}: e-mail address in {q.object.value!r}"
        for term in (q.subject, q.object):
            if isinstance(term, ox.NamedNode):
                assert not term.value.startswith("mailto:"), f"{path.name}: {term.value}"
    text = path.read_text(encoding="utf-8")
    for name in background_names():
        assert name not in text, f"{path.name}: contains a name from the background text"


def test_background_names_are_found():
    """Guard the guard: the name check must actually find the names it looks for."""
    if not BACKGROUND.exists():
        pytest.skip(f"{BACKGROUND} is not there")
    assert len(background_names()) >= 3
