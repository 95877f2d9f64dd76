"""The curated relation files in data/relations: well formed, sourced, consistent, and saying true things.

- supervision.ttl: who supervises whom (toezicht);
- politics.ttl:    ministries accountable to parliament (both chambers);
- steering.ttl:    the eigenaar-opdrachtgever-opdrachtnemer (owner-principal-agent) model.

Every line is a direct triple and a qualified dh:Relation node (docs/model.md); the tests check both halves
agree, that every node carries a source, that every organisation is one the register knows, that the files
pass the SHACL gate, and that the corners of the triangle -- which come from the ROO import, not from these
files -- put the supervisors in toezicht and parliament and the ministries in politiek-en-beleid.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
RELATIONS = ROOT / "data" / "relations"
FILES = ("supervision", "politics", "steering")
ROO_TTL = ROOT / "data" / "organisations" / "roo.ttl.gz"
ROO_YAML = Path(__file__).resolve().parents[1].parent / "shared/data/roo/organisaties"

DH = "https://w3id.org/driehoek/def#"
RT = "https://w3id.org/driehoek/def/relation-type/"
CORNER = "https://w3id.org/driehoek/def/corner/"
REL = "https://w3id.org/driehoek/id/relation/"
TOOI = "https://identifier.overheid.nl/tooi/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
ORG_ORGANIZATION = ox.NamedNode("http://www.w3.org/ns/org#Organization")

# relation type (concept slug) -> direct property, as in docs/model.md
DIRECT = {
    "supervises": DH + "supervises",
    "accountable-to": DH + "accountableTo",
    "owner-of": DH + "ownerOf",
    "principal-of": DH + "principalOf",
    "agent-of": DH + "agentOf",
}
PROPERTY_TYPE = {prop: slug for slug, prop in DIRECT.items()}
CORNERS = {CORNER + c for c in ("politiek-en-beleid", "uitvoering", "toezicht")}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PREFIX = f"""PREFIX dh: <{DH}> PREFIX rt: <{RT}> PREFIX corner: <{CORNER}> PREFIX rel: <{REL}>
PREFIX schema: <{SCHEMA}> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX dcterms: <{DCTERMS}>
PREFIX rdf: <{RDF}> PREFIX rdfs: <{RDFS}>
"""


def org(path: str) -> ox.NamedNode:
    return ox.NamedNode(TOOI + path)


UWV, SVB = org("zbo/zb000117"), org("zbo/zb000143")
NLA, IBTD, IJENV, IGJ = org("oorg/oorg12349"), org("oorg/oorg12353"), org("oorg/oorg12351"), org("oorg/oorg12354")
AP, ILT, NZA, AR = org("zbo/zb000215"), org("oorg/oorg10006"), org("zbo/zb000158"), org("oorg/oorg10229")
BELASTINGDIENST, TOESLAGEN, DOUANE = org("oorg/oorg12368"), org("oorg/oorg12369"), org("oorg/oorg12370")
IND, COA, DJI, LVNL, GI = org("oorg/oorg10222"), org("zbo/zb000210"), org("oorg/oorg10114"), org("zbo/zb000168"), org("zbo/zb000308")
TK, EK = org("oorg/oorg10002"), org("oorg/oorg10001")
SZW, VWS, OCW, IENW = org("ministerie/mnre1073"), org("ministerie/mnre1025"), org("ministerie/mnre1109"), org("ministerie/mnre1130")
DUO, RWS = org("oorg/oorg10148"), org("oorg/oorg10004")
CURRENT_MINISTRIES = [org("ministerie/" + c) for c in (
    "mnre1010", "mnre1013", "mnre1034", "mnre1018", "mnre1045", "mnre1090",
    "mnre1130", "mnre1058", "mnre1153", "mnre1109", "mnre1073", "mnre1025")]
ENDED_MINISTRIES = [org("ministerie/" + c) for c in ("mnre1162", "mnre1182", "mnre1171")]


# --- loading -------------------------------------------------------------------------------------

def path(name: str) -> Path:
    return RELATIONS / f"{name}.ttl"


@lru_cache(maxsize=None)
def triples(name: str) -> tuple[ox.Triple, ...]:
    return tuple(ox.parse(path=str(path(name)), format=ox.RdfFormat.TURTLE))


@lru_cache(maxsize=1)
def store() -> ox.Store:
    """All three files, each in its own named graph, as they are loaded in driehoek."""
    s = ox.Store()
    for name in FILES:
        s.load(path=str(path(name)), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode(f"https://w3id.org/driehoek/graph/relations/{name}"))
    return s


def select(query: str) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
    result = store().query(PREFIX + query, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in result]


def ask(query: str) -> bool:
    return bool(store().query(PREFIX + query, use_default_graph_as_union=True))


def objects(name: str, subject, predicate: str) -> list:
    return [t.object for t in triples(name) if t.subject == subject and t.predicate.value == predicate]


def relation_nodes(name: str) -> list:
    return [t.subject for t in triples(name)
            if t.predicate.value == RDF + "type" and t.object == ox.NamedNode(DH + "Relation")]


@lru_cache(maxsize=1)
def register_iris() -> frozenset[str]:
    """The TOOI IRIs of the register: from the committed roo.ttl.gz if present, else from the YAML records."""
    if ROO_TTL.exists():
        with gzip.open(ROO_TTL, "rb") as fh:
            parsed = list(ox.parse(fh, format=ox.RdfFormat.TURTLE))
        typed = {t.subject.value for t in parsed
                 if t.predicate.value == RDF + "type" and t.object == ORG_ORGANIZATION}
        return frozenset(typed or {t.subject.value for t in parsed if isinstance(t.subject, ox.NamedNode)})
    if ROO_YAML.is_dir():
        tooi = re.compile(r"^identifiers:\n(?:[ \t]+.*\n)*?[ \t]+tooi:[ \t]*['\"]?(https://identifier\.overheid\.nl/tooi/id/[^\s'\"]+)",
                          re.MULTILINE)
        found = set()
        for record in ROO_YAML.glob("*/*.yaml"):
            match = tooi.search(record.read_text(encoding="utf-8"))
            if match:
                found.add(match.group(1))
        return frozenset(found)
    pytest.skip(f"no register to check against: neither {ROO_TTL} nor {ROO_YAML} exists")


# --- well formed -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", FILES)
def test_file_parses_and_is_not_empty(name: str) -> None:
    assert path(name).exists(), f"{path(name)} is missing"
    assert len(triples(name)) > 50
    text = path(name).read_text(encoding="utf-8")
    assert text.startswith("#"), "header comment first: what, sources, licence"
    assert "CC0" in text and "@prefix dh:" in text


@pytest.mark.parametrize("name", FILES)
def test_every_relation_node_is_complete(name: str) -> None:
    nodes = relation_nodes(name)
    assert nodes, f"{name}: no dh:Relation nodes"
    for node in nodes:
        for prop in ("relationType", "from", "to"):
            values = objects(name, node, DH + prop)
            assert len(values) == 1, f"{node}: needs exactly one dh:{prop}, has {values}"
        rtype = objects(name, node, DH + "relationType")[0].value
        assert rtype.startswith(RT) and rtype[len(RT):] in DIRECT, f"{node}: unknown relation type {rtype}"
        assert objects(name, node, DCTERMS + "source"), f"{node}: no dcterms:source"
        langs = {o.language for o in objects(name, node, RDFS + "label")}
        assert {"nl", "en"} <= langs, f"{node}: needs a label in Dutch and English"


@pytest.mark.parametrize("name", FILES)
def test_relation_iris_are_minted_slugs(name: str) -> None:
    for node in relation_nodes(name):
        assert isinstance(node, ox.NamedNode) and node.value.startswith(REL), node
        assert SLUG.match(node.value[len(REL):]), f"{node}: slug must be lower-case ASCII words joined by '-'"


def test_relation_iris_are_not_reused_across_files() -> None:
    counts = Counter(n.value for name in FILES for n in set(relation_nodes(name)))
    assert not [iri for iri, n in counts.items() if n > 1]


@pytest.mark.parametrize("name", FILES)
def test_direct_triples_and_qualified_nodes_match(name: str) -> None:
    qualified = set()
    for node in relation_nodes(name):
        slug = objects(name, node, DH + "relationType")[0].value[len(RT):]
        qualified.add((objects(name, node, DH + "from")[0].value, DIRECT[slug],
                       objects(name, node, DH + "to")[0].value))
    direct = {(t.subject.value, t.predicate.value, t.object.value) for t in triples(name)
              if t.predicate.value in PROPERTY_TYPE}
    assert direct - qualified == set(), "direct triples without a qualified node"
    assert qualified - direct == set(), "qualified nodes without their direct triple"


@pytest.mark.parametrize("name", FILES)
def test_sources_are_public_web_addresses(name: str) -> None:
    sources = [t.object for t in triples(name) if t.predicate.value == DCTERMS + "source"]
    assert sources
    for source in sources:
        assert isinstance(source, ox.NamedNode), f"source must be an IRI: {source}"
        assert re.match(r"^https?://[a-z0-9.-]+\.[a-z]{2,}/", source.value), source
        assert not re.search(r"example\.(org|com|net)|localhost|w3id\.org/driehoek", source.value), source


LAW = re.compile(r"^https://wetten\.overheid\.nl/(BWBR\d{7})$")
PROVISION = re.compile(r"^https://wetten\.overheid\.nl/jci1\.3:c:(BWBR\d{7})&artikel=([0-9a-z:.]+)$")


@pytest.mark.parametrize("name", FILES)
def test_legal_bases_are_laws_or_articles_on_wetten_overheid_nl_with_their_title(name: str) -> None:
    """A legal basis is a whole law (labelled with its title) or an article of one, described as a
    dh:LegalProvision whose BWB id and article number are the ones in its IRI and whose law is its IRI's law."""
    bases = {t.object for t in triples(name) if t.predicate.value == DH + "legalBasis"}
    assert bases
    for basis in bases:
        labels = objects(name, basis, RDFS + "label")
        assert any(label.language == "nl" for label in labels), f"{basis}: needs rdfs:label (opschrift)@nl"
        law, provision = LAW.match(basis.value), PROVISION.match(basis.value)
        assert law or provision, basis
        if provision:
            bwb, article = provision.groups()
            assert ox.NamedNode(DH + "LegalProvision") in objects(name, basis, RDF + "type"), basis
            assert [o.value for o in objects(name, basis, DH + "bwbId")] == [bwb], basis
            assert [o.value for o in objects(name, basis, DH + "article")] == [article], basis
            part_of = objects(name, basis, DCTERMS + "isPartOf")
            assert [o.value for o in part_of] == [f"https://wetten.overheid.nl/{bwb}"], basis
            assert any(label.language == "nl" for label in objects(name, part_of[0], RDFS + "label")), part_of


EPISTEMIC = "https://w3id.org/driehoek/def/epistemic-status/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@pytest.mark.parametrize("name", FILES)
def test_every_relation_has_a_start_and_a_source(name: str) -> None:
    for node in relation_nodes(name):
        assert len(objects(name, node, SCHEMA + "startDate")) == 1, f"{node}: needs exactly one schema:startDate"
        assert len(objects(name, node, SCHEMA + "endDate")) <= 1, node
        assert objects(name, node, DCTERMS + "source"), f"{node}: no dcterms:source"


@pytest.mark.parametrize("name", FILES)
def test_derived_dates_and_readings_are_marked_interpreted(name: str) -> None:
    """A date derived by a rule carries a note naming the rule, and the line is marked interpreted; so is
    every line whose comment in the file says it is a reading (INTERPRETATION) of its source."""
    text = path(name).read_text(encoding="utf-8")
    read_as_interpretation, comments = set(), []
    for line in text.splitlines():
        if line.startswith("# ---") or not line.strip():
            comments = [] if not line.strip() else comments
        elif line.startswith("#"):
            comments.append(line)
        elif line.startswith("rel:"):
            if any("INTERPRETATION" in c for c in comments):
                read_as_interpretation.add(REL + line.split()[0][len("rel:"):])
            comments = []
    statuses = {EPISTEMIC + s for s in ("sourced", "interpreted", "illustrative", "invented-example")}
    for node in relation_nodes(name):
        status = [o.value for o in objects(name, node, DH + "epistemicStatus")]
        assert len(status) <= 1 and set(status) <= statuses, node
        if node.value in read_as_interpretation:
            assert status == [EPISTEMIC + "interpreted"], f"{node}: its comment calls it an interpretation"
        notes = [o for o in objects(name, node, SKOS + "editorialNote")]
        if any(re.match(r"^Rule [234]:", n.value) for n in notes):
            assert status == [EPISTEMIC + "interpreted"], f"{node}: a derived date makes the line interpreted"
        start = objects(name, node, SCHEMA + "startDate")
        if start and start[0].value == "2026-05-19":
            assert any(n.value.startswith("Rule 4:") for n in notes), f"{node}: 'known since' must say so"


@pytest.mark.parametrize("name", FILES)
def test_dates_are_dates_and_in_order(name: str) -> None:
    for node in relation_nodes(name):
        start = objects(name, node, SCHEMA + "startDate")
        end = objects(name, node, SCHEMA + "endDate")
        for value in start + end:
            assert value.datatype == XSD_DATE and re.match(r"^\d{4}-\d{2}-\d{2}$", value.value), f"{node}: {value}"
            assert value.value != "1900-01-01", f"{node}: 1900-01-01 means 'unknown' in the register"
        if start and end:
            assert start[0].value <= end[0].value, node


@pytest.mark.parametrize("name", FILES)
def test_every_organisation_is_typed_and_nothing_else_is_said_about_it(name: str) -> None:
    """The file types each organisation it refers to (so the gate can check dh:from / dh:to on the file alone)
    and leaves the rest -- names, types, corners, sources -- to the ROO import."""
    typed = {t.subject for t in triples(name) if t.predicate.value == RDF + "type" and t.object == ORG_ORGANIZATION}
    referred = {o for node in relation_nodes(name) for p in ("from", "to") for o in objects(name, node, DH + p)}
    assert referred == typed
    about = {t.predicate.value for t in triples(name) if t.subject in typed}
    assert about <= {RDF + "type", *PROPERTY_TYPE}, f"say nothing but the direct triples about organisations: {about}"


def test_every_organisation_is_in_the_register() -> None:
    known = register_iris()
    used = set()
    for name in FILES:
        for t in triples(name):
            if t.predicate.value in PROPERTY_TYPE:             # direct triples: both ends
                used |= {t.subject.value, t.object.value}
            elif t.predicate.value in (DH + "from", DH + "to"):
                used.add(t.object.value)
            elif t.predicate.value == RDF + "type" and t.object == ORG_ORGANIZATION:
                used.add(t.subject.value)
    assert used and all(iri.startswith((TOOI, "https://w3id.org/driehoek/id/organisation/")) for iri in used)
    unknown = sorted(used - known)
    assert not unknown, f"organisations not in the register: {unknown}"


def test_no_personal_data() -> None:
    for name in FILES:
        for t in triples(name):
            assert t.object.value not in ("http://xmlns.com/foaf/0.1/Person", SCHEMA + "Person"), t
            assert not t.object.value.startswith("mailto:"), t
            if isinstance(t.object, ox.Literal):
                assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", t.object.value), t


# --- supervision: true facts -------------------------------------------------------------------------

def supervises(supervisor: ox.NamedNode, supervised: ox.NamedNode) -> bool:
    return ask(f"ASK {{ {supervisor} dh:supervises {supervised} . ?r a dh:Relation ; dh:relationType rt:supervises ; "
               f"dh:from {supervisor} ; dh:to {supervised} ; dcterms:source ?s }}")


def supervisors_on(supervised: ox.NamedNode, date: str) -> set[ox.NamedNode]:
    """'Who supervised X on date D' as docs/model.md defines it; a relation without a start date counts as
    already in force (its start is unknown, not in the future)."""
    rows = select(f"""SELECT DISTINCT ?who WHERE {{
        ?r a dh:Relation ; dh:relationType rt:supervises ; dh:to {supervised} ; dh:from ?who .
        OPTIONAL {{ ?r schema:startDate ?start }} OPTIONAL {{ ?r schema:endDate ?end }}
        FILTER ((!BOUND(?start) || ?start <= "{date}"^^xsd:date) && (!BOUND(?end) || ?end >= "{date}"^^xsd:date))
    }}""")
    return {row["who"] for row in rows}


def test_at_least_forty_supervision_lines_by_many_supervisors() -> None:
    rows = select("SELECT ?r ?who WHERE { GRAPH ?g { ?r a dh:Relation ; dh:relationType rt:supervises ; dh:from ?who } }")
    assert len(rows) >= 40
    assert len({row["who"] for row in rows}) >= 10


def test_the_labour_inspectorate_supervises_the_suwi_chain() -> None:
    for supervised in (UWV, SVB):
        assert supervises(NLA, supervised)
    assert ask(f"""ASK {{ ?r dh:from {NLA} ; dh:to {UWV} ; dh:legalBasis <https://wetten.overheid.nl/BWBR0013060> ;
                         schema:startDate "2012-01-01"^^xsd:date }}""")


def test_ibtd_supervises_tax_benefits_and_customs_since_2022() -> None:
    for supervised in (BELASTINGDIENST, TOESLAGEN, DOUANE):
        assert supervises(IBTD, supervised)
        assert ask(f'ASK {{ ?r dh:from {IBTD} ; dh:to {supervised} ; schema:startDate "2022-01-01"^^xsd:date }}')
    assert IBTD not in supervisors_on(BELASTINGDIENST, "2021-06-30")
    assert IBTD in supervisors_on(BELASTINGDIENST, "2023-01-01")


def test_justice_inspectorate_supervises_the_immigration_and_sanctions_chains() -> None:
    for supervised in (IND, COA, DJI, GI):
        assert supervises(IJENV, supervised)
    # certified youth institutions: the two inspectorates together, under the Jeugdwet
    assert supervises(IGJ, GI)
    assert len(select(f"SELECT ?r WHERE {{ ?r dh:to {GI} ; dh:legalBasis <https://wetten.overheid.nl/BWBR0034925> }}")) == 2


def test_other_well_known_lines() -> None:
    assert supervises(ILT, LVNL)
    assert supervises(AP, UWV) and supervises(AP, BELASTINGDIENST)
    assert ask(f'ASK {{ ?r dh:from {AP} ; dh:to {UWV} ; dh:legalBasis ?b ; schema:startDate "2018-05-25"^^xsd:date . '
               f'?b dh:bwbId "BWBR0040940" ; dh:article "6" }}')
    assert supervises(NZA, org("zbo/zb000118"))            # the Wlz-uitvoerders
    for ministry in CURRENT_MINISTRIES:
        assert supervises(AR, ministry)


def test_who_supervised_uwv_depends_on_the_date() -> None:
    assert {NLA, AP, AR} <= supervisors_on(UWV, "2024-01-01")
    assert AP not in supervisors_on(UWV, "2015-06-01")        # GDPR supervision starts 2018-05-25
    assert NLA not in supervisors_on(UWV, "2011-06-01")       # Inspectie SZW starts 2012-01-01


# --- politics -----------------------------------------------------------------------------------

def test_every_current_ministry_is_accountable_to_parliament_under_the_constitution() -> None:
    for ministry in CURRENT_MINISTRIES:
        for chamber in (TK, EK):
            assert ask(f"""ASK {{ {ministry} dh:accountableTo {chamber} .
                ?r dh:relationType rt:accountable-to ; dh:from {ministry} ; dh:to {chamber} ;
                   dh:legalBasis ?b1, ?b2 ; dcterms:source ?s ; schema:startDate ?start .
                ?b1 dh:bwbId "BWBR0001840" ; dh:article "42" . ?b2 dh:bwbId "BWBR0001840" ; dh:article "68" .
                FILTER (?start >= "1983-02-17"^^xsd:date) }}"""), (ministry, chamber)


def test_ended_ministries_were_accountable_only_while_they_existed() -> None:
    for ministry in ENDED_MINISTRIES:
        rows = select(f"SELECT ?start ?end WHERE {{ ?r dh:from {ministry} ; dh:to {TK} ; "
                      f"schema:startDate ?start ; schema:endDate ?end }}")
        assert [(r["start"].value, r["end"].value) for r in rows] == [("2024-07-02", "2026-02-23")]


# --- steering -----------------------------------------------------------------------------------

def test_owner_principal_agent_for_at_least_five_organisations() -> None:
    rows = select("""SELECT DISTINCT ?agent WHERE {
        ?owner dh:ownerOf ?agent . ?principal dh:principalOf ?agent . ?agent dh:agentOf ?principal }""")
    agents = {row["agent"] for row in rows}
    assert len(agents) >= 5
    assert {UWV, SVB, DUO, RWS} <= agents


def test_szw_owns_and_commissions_uwv_and_svb_also_works_for_vws() -> None:
    assert ask(f"ASK {{ {SZW} dh:ownerOf {UWV} ; dh:principalOf {UWV} . {UWV} dh:agentOf {SZW} }}")
    assert ask(f"ASK {{ {VWS} dh:principalOf {SVB} . {SVB} dh:agentOf {VWS} }}")
    assert not ask(f"ASK {{ {VWS} dh:ownerOf {SVB} }}")
    assert ask(f"ASK {{ {OCW} dh:ownerOf {DUO} }} ") and ask(f"ASK {{ {IENW} dh:principalOf {RWS} }}")


def test_agent_of_mirrors_principal_of() -> None:
    principal = {(r["p"], r["a"]) for r in select("SELECT ?p ?a WHERE { ?p dh:principalOf ?a }")}
    agent = {(r["p"], r["a"]) for r in select("SELECT ?p ?a WHERE { ?a dh:agentOf ?p }")}
    assert principal == agent


# --- with the ROO import: corners of the triangle, the SHACL gate ---------------------------------------

@lru_cache(maxsize=1)
def roo_store() -> ox.Store:
    """The committed ROO import with the ontology and schemes: the store these files are loaded into."""
    if not ROO_TTL.exists():
        pytest.skip(f"{ROO_TTL} (the ROO import) is not there yet")
    s = ox.Store()
    with gzip.open(ROO_TTL, "rb") as fh:
        s.load(fh, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("https://w3id.org/driehoek/graph/roo"))
    for ttl in [ROOT / "ontology" / "driehoek.ttl", *sorted((ROOT / "ontology" / "schemes").glob("*.ttl"))]:
        s.load(path=str(ttl), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f"urn:test:{ttl.name}"))
    return s


def corners(organisation: ox.NamedNode) -> set[str]:
    return {q.object.value[len(CORNER):]
            for q in roo_store().quads_for_pattern(organisation, ox.NamedNode(DH + "corner"), None, None)}


def test_supervisors_are_in_the_toezicht_corner() -> None:
    for body in (AP, org("zbo/zb000217"), org("zbo/zb000218"), org("zbo/zb000194"), NZA, org("zbo/zb000182"),
                 AR, org("oorg/oorg10221"), NLA, IBTD, IJENV, IGJ, ILT):
        assert "toezicht" in corners(body), body
    supervisors = {row["who"] for row in select("SELECT DISTINCT ?who WHERE { ?who dh:supervises ?x }")}
    # (an organisation the import gives no corner at all is the importer's to settle, not a wrong corner)
    outside = {s for s in supervisors if corners(s) and "toezicht" not in corners(s)}
    assert outside <= {org("zbo/zb000149")}, "only the RDW (an implementer that also supervises the APK) is outside"


def test_parliament_and_ministries_are_in_the_politics_corner() -> None:
    for organisation in (TK, EK, *CURRENT_MINISTRIES, *ENDED_MINISTRIES):
        assert "politiek-en-beleid" in corners(organisation), organisation


@pytest.mark.parametrize("name", FILES)
def test_the_file_passes_the_shacl_gate(name: str) -> None:
    from driehoek import validation

    context_store = roo_store()

    def context(iri: ox.NamedNode):
        for predicate in validation.CONTEXT_PREDICATES:
            yield from context_store.quads_for_pattern(iri, predicate, None, None)

    quads = [ox.Quad(t.subject, t.predicate, t.object) for t in triples(name)]
    report = validation.validate(quads, context, source=f"{name}.ttl")
    assert report.conforms, report.to_text()
    assert not report.warnings, report.to_text()


# --- supervision typed and covering (issue 15, point 5) ----------------------------------------------

OVERSIGHT_SCHEME = ROOT / "ontology" / "schemes" / "oversight-kinds.ttl"
MONITOR = ROOT / "data" / "monitor" / "staat-van-de-uitvoering.ttl"


def test_every_supervision_line_has_exactly_one_kind_from_the_scheme() -> None:
    scheme = list(ox.parse(path=str(OVERSIGHT_SCHEME), format=ox.RdfFormat.TURTLE))
    kinds = {t.subject.value for t in scheme if t.predicate.value == SKOS + "inScheme"
             and t.object.value == "https://w3id.org/driehoek/def/oversight-kind"}
    assert len(kinds) >= 10
    used = Counter()
    for node in relation_nodes("supervision"):
        values = [o.value for o in objects("supervision", node, DH + "oversightKind")]
        assert len(values) == 1 and values[0] in kinds, f"{node}: {values}"
        used[values[0]] += 1
    assert len(used) >= 8, "the lines are spread over the kinds, not one flat relation"
    for name in ("politics", "steering"):
        assert not [t for t in triples(name) if t.predicate.value == DH + "oversightKind"]


def test_audit_complaints_and_privacy_are_kinds_of_their_own() -> None:
    kind = {row["who"].value: {row["k"].value} for row in []}
    rows = select("SELECT ?who ?k WHERE { ?r dh:relationType rt:supervises ; dh:from ?who ; dh:oversightKind ?k }")
    for row in rows:
        kind.setdefault(row["who"].value, set()).add(row["k"].value.rsplit("/", 1)[1])
    assert kind[AR.value] == {"financial-audit"}
    assert kind[org("oorg/oorg10221").value] == {"complaints"}
    assert kind[AP.value] == {"privacy"}


def test_every_implementer_of_the_monitor_has_a_supervisor() -> None:
    monitor = list(ox.parse(path=str(MONITOR), format=ox.RdfFormat.TURTLE))
    covered = {t.object for t in monitor if t.predicate.value == DH + "coversOrganisation"}
    assert covered
    missing = [o for o in covered if not ask(f"ASK {{ ?r dh:relationType rt:supervises ; dh:to {o} ; dcterms:source ?s }}")]
    assert not missing, f"implementing organisations of the Staat van de Uitvoering without a supervisor: {missing}"


def register_supervisors() -> dict[str, str]:
    """The register's inspectorates (type inspectie) and the supervisors among its zbo's, hoge colleges,
    advisory bodies and rwt's: every organisation the ROO import puts in the toezicht corner, except courts
    and organisation units (they supervise as part of their parent). IRI -> name."""
    rows = roo_store().query("""PREFIX dh: <https://w3id.org/driehoek/def#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX ot: <https://w3id.org/driehoek/def/organisation-type/> PREFIX schema: <https://schema.org/>
        SELECT ?o ?n WHERE { ?o dh:corner <https://w3id.org/driehoek/def/corner/toezicht> ; dh:organisationType ?t ;
                                 skos:prefLabel ?n FILTER (lang(?n) = "nl")
            FILTER (?t NOT IN (ot:rechterlijke-macht, ot:organisatieonderdeel))
            FILTER NOT EXISTS { ?o schema:dissolutionDate ?d FILTER (?d < "2026-05-19"^^<http://www.w3.org/2001/XMLSchema#date>) } }""",
        use_default_graph_as_union=True)
    found = {row["o"].value: row["n"].value for row in rows}
    if ROO_YAML.is_dir():                          # every record in the register's inspecties folder, too
        tooi = re.compile(r"^\s+tooi:\s*['\"]?(https://identifier\.overheid\.nl/tooi/id/\S+?)['\"]?$", re.MULTILINE)
        for record in (ROO_YAML / "inspecties").glob("*.yaml"):
            match = tooi.search(record.read_text(encoding="utf-8"))
            if match:
                found.setdefault(match.group(1), record.stem)
    return found


# Supervisors whose only supervisees lie outside the register: the countries Curaçao and Sint Maarten (the
# Cft CSM), and pets' owners (the animal-welfare inspection service, a private foundation).
OUTSIDE_THE_REGISTER = {"https://identifier.overheid.nl/tooi/id/oorg/oorg10161",
                        "https://w3id.org/driehoek/id/organisation/stichting-landelijke-inspectiedienst-dierenwelzijn"}


def test_every_supervisor_in_the_register_has_a_sourced_line() -> None:
    supervisors = register_supervisors()
    assert len(supervisors) >= 30
    in_lines = {row["o"].value for row in select(
        "SELECT DISTINCT ?o WHERE { ?r dh:relationType rt:supervises ; dcterms:source ?s . { ?r dh:from ?o } UNION { ?r dh:to ?o } }")}
    missing = sorted(name for iri, name in supervisors.items() if iri not in in_lines and iri not in OUTSIDE_THE_REGISTER)
    assert not missing, f"supervisors without any sourced supervision line: {missing}"


def test_the_named_query_supervision_by_kind_counts_what_the_file_holds() -> None:
    """queries/supervision-by-kind.rq on the relation files and the schemes: its counts per kind are the
    ones counted directly from the triples."""
    s = ox.Store()
    for name in FILES:
        s.load(path=str(path(name)), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f"urn:test:{name}"))
    s.load(path=str(OVERSIGHT_SCHEME), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:test:kinds"))
    text = (ROOT / "queries" / "supervision-by-kind.rq").read_text(encoding="utf-8")
    rows = list(s.query(text, use_default_graph_as_union=True, substitutions={ox.Variable("lang"): ox.Literal("en")}))
    by_kind = {row["kind"].value: (int(row["lines"].value), int(row["withArticle"].value)) for row in rows}
    expected: dict[str, list[int]] = {}
    provisions = {t.subject for t in triples("supervision") if t.object == ox.NamedNode(DH + "LegalProvision")}
    for node in relation_nodes("supervision"):
        kind = objects("supervision", node, DH + "oversightKind")[0].value
        counts = expected.setdefault(kind, [0, 0])
        counts[0] += 1
        counts[1] += any(b in provisions for b in objects("supervision", node, DH + "legalBasis"))
    assert by_kind == {k: tuple(v) for k, v in expected.items()}
    assert sum(lines for lines, _ in by_kind.values()) == len(relation_nodes("supervision"))
