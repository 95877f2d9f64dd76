"""The knowledge model: the SHACL shapes, the OWL vocabulary and the SKOS schemes in ontology/.

Every shape is tried on a graph that conforms and on one that breaks it (tests/data/shapes/); the
tests assert on the parsed validation report: focus node, path, severity, and a message in Dutch
and in English. The graphs hold, below a "context" comment, the rdf:type triples the SHACL gate
would add from the store for the IRIs they point at.
"""

from __future__ import annotations

import functools
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology"
SCHEMES = sorted((ONTOLOGY / "schemes").glob("*.ttl"))
DATA = Path(__file__).parent / "data" / "shapes"

DH = rdflib.Namespace("https://w3id.org/driehoek/def#")
DHSH = rdflib.Namespace("https://w3id.org/driehoek/def/shapes#")
DHS = "https://w3id.org/driehoek/def/"
ID = "https://w3id.org/driehoek/id/"

# The shapes assume no inference (see the header of ontology/shapes.ttl).
INFERENCE = "none"

PREFIXES = {
    "dh": str(DH),
    "case": ID + "case/",
    "assessment": ID + "assessment/",
    "organisation": ID + "organisation/",
    "relation": ID + "relation/",
    "event": ID + "event/",
    "monitor": ID + "monitor/",
    "criterion": ID + "criterion/",
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "cv": "http://data.europa.eu/m8g/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
}


def expand(curie: str | None) -> str | None:
    """'case:x' -> the full IRI; None and '_:' (any blank node) stay as they are."""
    if curie is None or curie == "_:":
        return curie
    prefix, local = curie.split(":", 1)
    return PREFIXES[prefix] + local


@dataclass(frozen=True)
class Finding:
    """One sh:result of a validation report, in plain strings."""

    focus: str  # an IRI, or "_:" for a blank node
    path: str | None  # the IRI of a predicate path; None for node-level results and complex paths
    severity: str  # "Violation", "Warning" or "Info"
    component: str  # e.g. "MinCountConstraintComponent"
    shape: rdflib.term.Node  # the sh:sourceShape
    messages: tuple[tuple[str, str], ...]  # (language, text)

    def message(self, lang: str) -> str:
        """The message in one language ('' if there is none)."""
        return next((text for language, text in self.messages if language == lang), "")

    @property
    def key(self) -> tuple[str, str | None, str]:
        """What identifies a finding in the expectations below."""
        return (self.focus, self.path, self.severity)


@functools.cache
def _shapes_and_ontology() -> tuple[rdflib.Graph, rdflib.Graph]:
    shapes = rdflib.Graph().parse(ONTOLOGY / "shapes.ttl")
    ontology = rdflib.Graph().parse(ONTOLOGY / "driehoek.ttl")
    for scheme in SCHEMES:
        ontology.parse(scheme)
    return shapes, ontology


@functools.cache
def _validate(turtle: str) -> tuple[Finding, ...]:
    """Run the shapes the way the SHACL gate does and return the report's results.

    Kept in one function so that it can become a call to driehoek.validation.validate.
    """
    shapes, ontology = _shapes_and_ontology()
    data = rdflib.Graph().parse(data=turtle, format="turtle")
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference=INFERENCE,
        abort_on_first=False, allow_warnings=True, advanced=True,
    )
    findings = []
    # sh:result only: the nested results of a failing sh:node sit under sh:detail.
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        findings.append(Finding(
            focus="_:" if isinstance(focus, rdflib.BNode) else str(focus),
            path=str(path) if isinstance(path, rdflib.URIRef) else None,
            severity=str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[1],
            component=str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[1],
            shape=report.value(result, SH.sourceShape),
            messages=tuple(sorted((m.language or "", str(m)) for m in report.objects(result, SH.resultMessage))),
        ))
    return tuple(findings)


def validate_file(name: str) -> tuple[Finding, ...]:
    """The findings for one graph in tests/data/shapes."""
    return _validate((DATA / name).read_text("utf-8"))


# ------------------------------------------------------------------------------------------------
# Conforming graphs
# ------------------------------------------------------------------------------------------------

CONFORMING = ["organisation-ok.ttl", "relation-ok.ttl", "case-published-ok.ttl", "community-ok.ttl",
              "case-model-ok.ttl"]


@pytest.mark.parametrize("name", CONFORMING)
def test_conforming_graph_has_no_findings(name: str) -> None:
    assert validate_file(name) == ()


# ------------------------------------------------------------------------------------------------
# Violating graphs: every finding expected, nothing else. (focus, path, severity, English fragment)
# ------------------------------------------------------------------------------------------------

V, W = "Violation", "Warning"

EXPECTED: dict[str, list[tuple[str, str | None, str, str]]] = {
    "organisation-bad.ttl": [
        ("organisation:without-name", "skos:prefLabel", V, "An organisation has a name"),
        ("organisation:name-without-language", "skos:prefLabel", V, "with a language tag"),
        ("organisation:two-dutch-names", "skos:prefLabel", V, "at most one per language"),
        ("organisation:no-source", "dcterms:source", V, "every fact carries its source"),
        ("organisation:source-as-text", "dcterms:source", V, "as an IRI"),
        ("organisation:public-without-type", "dh:organisationType", V, "A public organisation needs a type"),
        ("organisation:type-from-wrong-scheme", "dh:organisationType", V, "from dhs:organisation-type"),
        ("organisation:corner-from-wrong-scheme", "dh:corner", V, "a concept from dhs:corner"),
        ("organisation:two-roo-ids", "dh:rooId", V, "dh:rooId is one plain string"),
        ("organisation:homepage-as-text", None, V, "foaf:homepage and dh:legalBasis are IRIs"),
        ("organisation:founding-date-as-year", "schema:foundingDate", V, "an xsd:date"),
        ("organisation:founded-after-dissolution", "schema:foundingDate", V, "not after the dissolution date"),
        ("organisation:name-not-a-name", "dh:hasName", V, "points to a dh:Name"),
        ("organisation:accountable-to-unknown", None, V, "not a known organisation"),
    ],
    "name-bad.ttl": [
        ("organisation:name-without-language", "dh:nameValue", V, "language-tagged dh:nameValue"),
        ("organisation:name-without-value", "dh:nameValue", V, "exactly one language-tagged"),
        ("organisation:name-with-two-abbreviations", "dh:abbreviation", V, "at most one plain string"),
        ("organisation:name-ends-before-it-starts", "schema:startDate", V, "is after the end date"),
        ("organisation:name-with-datetime", "schema:startDate", V, "is one xsd:date"),
    ],
    "relation-bad.ttl": [
        ("relation:without-type", "dh:relationType", V, "exactly one dh:relationType"),
        ("relation:type-from-wrong-scheme", "dh:relationType", V, "from dhs:relation-type"),
        ("relation:without-from", "dh:from", V, "exactly one dh:from"),
        ("relation:to-unknown-organisation", "dh:to", V, "a known organisation"),
        ("relation:from-equals-to", "dh:from", V, "not the same as dh:to"),
        ("relation:without-source", "dcterms:source", V, "every fact carries its source"),
        ("relation:ends-before-it-starts", "schema:startDate", V, "is after the end date"),
        ("relation:start-as-text", "schema:startDate", V, "is one xsd:date"),
        ("relation:legal-basis-as-text", "dh:legalBasis", V, "dh:legalBasis is an IRI"),
        ("relation:without-direct-triple", None, V, "The direct triple is missing"),
        ("relation:supervision-without-kind", "dh:oversightKind", V, "exactly one dh:oversightKind"),
        ("relation:kind-on-accountability", None, V, "belongs only on a relation of type supervises"),
    ],
    "case-bad.ttl": [
        ("case:without-dutch-title", "dcterms:title", V, "A Dutch title"),
        ("case:without-english-title", "dcterms:title", W, "There is no English title"),
        ("case:title-without-language", "dcterms:title", V, "carries a language tag"),
        ("case:without-source", "dcterms:source", V, "every fact carries its source"),
        ("case:without-status", "dh:status", V, "exactly one dh:status"),
        ("case:status-from-wrong-scheme", "dh:status", V, "from dhs:case-status"),
        ("case:period-reversed", "schema:startDate", V, "is after the end date"),
        ("case:subject-not-a-theme", "dcterms:subject", V, "a theme from dhs:theme"),
        ("case:involves-unknown-organisation", "dh:involvedOrganisation", V, "a known organisation"),
        ("_:", "dh:organisation", V, "exactly one known organisation"),
        ("case:involvement-not-listed", None, V, "name each involved organisation both ways"),
        ("case:assessment-not-an-assessment", "dh:hasAssessment", V, "points to a dh:Assessment"),
        ("case:issued-as-text", "dcterms:issued", V, "one xsd:date"),
        ("case:withdrawn-without-reason", "dh:withdrawalReason", V, "states the reason"),
        ("case:withdrawn-without-date", "dh:withdrawnAt", W, "State when the case was withdrawn"),
    ],
    "case-status-bad.ttl": [
        ("case:published-without-durability", "dh:hasAssessment", V, "criterion 4, durability"),
        ("case:published-without-summary", "dcterms:abstract", W, "no Dutch summary"),
        ("case:draft-halfway", "dh:hasAssessment", W, "criterion 3, support and legitimacy"),
        ("case:draft-halfway", "dh:hasAssessment", W, "criterion 4, durability"),
    ],
    "assessment-bad.ttl": [
        ("assessment:without-criterion", "dh:criterion", V, "exactly one criterion"),
        ("assessment:criterion-from-wrong-scheme", "dh:criterion", V, "from dhs:criterion"),
        ("assessment:two-criteria", "dh:criterion", V, "exactly one criterion"),
        ("assessment:without-rating", "dh:rating", V, "exactly one rating"),
        ("assessment:rating-from-wrong-scheme", "dh:rating", V, "from dhs:rating"),
        ("assessment:without-rationale", "dh:rationale", V, "language-tagged rationale"),
        ("assessment:rationale-without-language", "dh:rationale", V, "language-tagged rationale"),
        ("assessment:without-evidence", "dh:evidence", V, "at least one piece of evidence"),
        ("assessment:evidence-as-text", "dh:evidence", V, "as an IRI"),
        ("assessment:assessed-by-a-person", "dh:assessor", V, "never a person"),
        ("assessment:date-with-time", "dcterms:date", V, "one xsd:date"),
        ("assessment:illustrative-as-text", "dh:illustrative", V, "one xsd:boolean"),
    ],
    "case-model-bad.ttl": [  # raters and factor codings (issue 19); more in tests/test_case_model.py
        ("assessment:twice-a", "dh:assessor", V, "assesses the same criterion of the same case twice"),
        ("assessment:twice-b", "dh:assessor", V, "assesses the same criterion of the same case twice"),
        ("assessment:without-assessor", "dh:assessor", V, "names exactly one assessor"),
        ("assessment:two-assessors", "dh:assessor", V, "names exactly one assessor"),
        ("assessment:undated", "dcterms:date", W, "State when the assessment was made"),
        ("assessment:status-from-wrong-scheme", "dh:epistemicStatus", V, "from dhs:epistemic-status"),
        ("assessment:contests-a-case", "dh:contests", V, "points to another assessment"),
        ("case:coding-not-a-coding", "dh:factorCoding", V, "points to a dh:FactorCoding"),
        ("_:", "dh:presence", V, "exactly one dh:presence from dhs:factor-presence"),
        ("_:", "dh:presence", V, "exactly one dh:presence from dhs:factor-presence"),
        ("_:", "dh:factor", V, "exactly one factor (dh:factor) from dhs:factor"),
        ("_:", "dh:factor", V, "exactly one factor (dh:factor) from dhs:factor"),
        ("_:", "dh:factor", V, "codes this factor more than once"),
        ("_:", "dh:factor", V, "codes this factor more than once"),
        ("_:", "dh:rationale", V, "language-tagged rationale"),
        ("_:", "dh:evidence", V, "is an IRI"),
        ("_:", "dh:epistemicStatus", V, "from dhs:epistemic-status"),
        ("_:", "dh:evidence", V, "names at least one piece of evidence"),
    ],
    "involvement-bad.ttl": [
        ("case:involvement-without-organisation", "dh:organisation", V, "exactly one known organisation"),
        ("case:involvement-of-a-case", "dh:organisation", V, "exactly one known organisation"),
        ("case:involvement-without-role", "dh:role", V, "exactly one dh:role"),
        ("case:involvement-role-from-wrong-scheme", "dh:role", V, "from dhs:case-role"),
        ("case:involvement-with-two-roles", "dh:role", V, "exactly one dh:role"),
    ],
    "community-bad.ttl": [
        ("event:without-type", "dh:meetingType", V, "exactly one dh:meetingType"),
        ("event:without-date", "schema:startDate", V, "A meeting has a date"),
        ("event:without-dutch-title", "dcterms:title", V, "A Dutch title"),
        ("event:discusses-unknown-case", "dh:discusses", V, "a known case"),
        ("event:organised-by-a-person", "schema:organizer", V, "never a person"),
        ("event:community-not-a-community", "dh:community", V, "one learning community"),
        ("event:subject-not-a-theme", "dcterms:subject", V, "a theme from dhs:theme"),
        ("monitor:without-year", "dh:year", V, "exactly one year"),
        ("monitor:year-as-integer", "dh:year", V, "xsd:gYear"),
        ("monitor:without-source", "dcterms:source", V, "every fact carries its source"),
        ("monitor:features-unknown-case", "dh:featuresCase", V, "a known case"),
        ("monitor:publisher-unknown", "dcterms:publisher", V, "a known organisation"),
        ("monitor:covers-a-case", "dh:coversOrganisation", V, "a known organisation"),
        ("monitor:issued-as-year", "dcterms:issued", V, "one xsd:date"),
    ],
}

ALL_EXPECTATIONS = [(name, *expectation) for name, expectations in EXPECTED.items() for expectation in expectations]


def _expected_key(focus: str, path: str | None, severity: str) -> tuple[str, str | None, str]:
    return (expand(focus) or "", expand(path), severity)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_violating_graph_yields_exactly_the_expected_findings(name: str) -> None:
    found = sorted(f.key for f in validate_file(name))
    expected = sorted(_expected_key(focus, path, severity) for focus, path, severity, _ in EXPECTED[name])
    assert found == expected


@pytest.mark.parametrize(
    ("name", "focus", "path", "severity", "fragment"), ALL_EXPECTATIONS,
    ids=[f"{name.removesuffix('.ttl')}:{focus.split(':')[-1] or 'bnode'}:{fragment[:24]}"
         for name, focus, _, _, fragment in ALL_EXPECTATIONS],
)
def test_finding_explains_itself_in_dutch_and_english(
    name: str, focus: str, path: str | None, severity: str, fragment: str
) -> None:
    key = _expected_key(focus, path, severity)
    findings = [f for f in validate_file(name) if f.key == key]
    assert findings, f"no {severity} on {focus} {path}"
    assert any(fragment in f.message("en") for f in findings), [f.message("en") for f in findings]
    assert all(f.message("nl") and f.message("en") for f in findings)
    assert {lang for f in findings for lang, _ in f.messages} == {"nl", "en"}


def test_every_targeted_shape_is_exercised_by_a_violating_graph() -> None:
    shapes, _ = _shapes_and_ontology()
    targeted = set(shapes.subjects(SH.target, None))
    assert len(targeted) >= 12
    reported = set()
    for name in EXPECTED:
        for finding in validate_file(name):
            reported.add(finding.shape)
            reported.update(shapes.subjects(SH.property, finding.shape))
    assert targeted - reported == set()


# ------------------------------------------------------------------------------------------------
# The rules that matter most, spelled out
# ------------------------------------------------------------------------------------------------

PUBLISHED_CASE = (DATA / "case-published-ok.ttl").read_text("utf-8")


def test_published_case_without_an_assessment_on_every_criterion_is_a_violation() -> None:
    without_durability = PUBLISHED_CASE.replace(" ,\n        assessment:voorbeeld-steun-en-legitimiteit , assessment:voorbeeld-duurzaamheid .",
                                                " ,\n        assessment:voorbeeld-steun-en-legitimiteit .")
    assert without_durability != PUBLISHED_CASE
    [finding] = _validate(without_durability)
    assert finding.focus == expand("case:voorbeeld")
    assert finding.severity == "Violation"
    assert finding.message("nl") == ("Een gepubliceerd succesverhaal mist een beoordeling op criterium 4, "
                                     "duurzaamheid.")


def test_draft_without_assessments_only_warns_once_per_criterion() -> None:
    draft = PUBLISHED_CASE.replace("dh:status status:published", "dh:status status:draft")
    draft = re.sub(r" ;\n    dh:hasAssessment [^.]*\.", " .", draft)
    assert "dh:hasAssessment" not in draft
    findings = _validate(draft)
    assert {f.severity for f in findings} == {"Warning"}
    assert sorted(f.message("en") for f in findings) == [
        f"No assessment on criterion {label}, yet: needed before publishing."
        for label in ("1, contribution to society", "2, well organised", "3, support and legitimacy", "4, durability")
    ]


def test_case_without_source_is_a_violation() -> None:
    without_source = PUBLISHED_CASE.replace("    dcterms:source <https://example.org/sources/voorbeeld> ;\n", "")
    assert without_source != PUBLISHED_CASE
    [finding] = _validate(without_source)
    assert (finding.path, finding.severity) == (str(DCTERMS.source), "Violation")


def test_nodes_the_gate_adds_as_context_are_not_validated_as_descriptions() -> None:
    # Only rdf:type (and skos:inScheme) from the store: no label, no source, no type concept.
    context_only = """
        @prefix org: <http://www.w3.org/ns/org#> . @prefix cv: <http://data.europa.eu/m8g/> .
        @prefix dh: <https://w3id.org/driehoek/def#> .
        <https://identifier.overheid.nl/tooi/id/zbo/zb000117> a org:Organization , cv:PublicOrganisation .
        <https://w3id.org/driehoek/id/case/elders> a dh:Case .
        <https://w3id.org/driehoek/id/assessment/elders> a dh:Assessment .
    """
    assert _validate(context_only) == ()


def test_direct_relation_triples_do_not_make_an_organisation_described() -> None:
    # relation-ok.ttl states "<inspectie> dh:supervises <uitvoerder>" for organisations it only
    # refers to; dh:supervises is not a description of the inspectorate.
    assert validate_file("relation-ok.ttl") == ()
    described = (DATA / "relation-ok.ttl").read_text("utf-8") + (
        "\norganisation:voorbeeld-inspectie dcterms:description \"Een inspectie.\"@nl .\n")
    assert {f.path for f in _validate(described)} == {str(SKOS.prefLabel), str(DCTERMS.source),
                                                      str(DH.organisationType)}


def test_sh_class_follows_subclass_chains_in_the_ontology() -> None:
    # community-ok.ttl refers to an organisation typed only dh:LearningCommunity and one typed only
    # cv:PublicOrganisation; both are org:Organization through rdfs:subClassOf in driehoek.ttl.
    assert validate_file("community-ok.ttl") == ()
    untyped = (DATA / "community-ok.ttl").read_text("utf-8").replace(
        "organisation:leergemeenschap-uitvoering a dh:LearningCommunity .", "")
    [finding] = _validate(untyped)
    assert (finding.path, finding.component) == (str(DH.community), "ClassConstraintComponent")


def test_warnings_alone_let_the_graph_conform() -> None:
    shapes, ontology = _shapes_and_ontology()
    only_warning = PUBLISHED_CASE.replace(' , "Example case"@en', "")
    data = rdflib.Graph().parse(data=only_warning, format="turtle")
    conforms, _report, _text = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology,
                                                inference=INFERENCE, allow_warnings=True, advanced=True)
    assert conforms is True
    assert [f.severity for f in _validate(only_warning)] == ["Warning"]


@pytest.mark.slow
def test_the_roo_import_conforms() -> None:
    roo = ROOT / "data" / "organisations" / "roo.ttl.gz"
    if not roo.exists():
        pytest.skip("data/organisations/roo.ttl.gz has not been generated")
    findings = _validate(gzip.decompress(roo.read_bytes()).decode("utf-8"))
    assert [f for f in findings if f.severity == "Violation"] == []


# ------------------------------------------------------------------------------------------------
# The Turtle files
# ------------------------------------------------------------------------------------------------

TURTLE_FILES = [ONTOLOGY / "driehoek.ttl", ONTOLOGY / "shapes.ttl", *SCHEMES, *sorted(DATA.glob("*.ttl"))]


@pytest.mark.parametrize("path", TURTLE_FILES, ids=[p.name for p in TURTLE_FILES])
def test_turtle_parses_with_pyoxigraph(path: Path) -> None:
    assert list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


def _graph(*paths: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path)
    return graph


def _languages(graph: rdflib.Graph, subject: rdflib.term.Node, predicate: rdflib.URIRef) -> list[str]:
    return sorted(o.language or "" for o in graph.objects(subject, predicate) if isinstance(o, rdflib.Literal))


# ------------------------------------------------------------------------------------------------
# The vocabulary
# ------------------------------------------------------------------------------------------------

VOCABULARY = _graph(ONTOLOGY / "driehoek.ttl")
TERMS = sorted(
    s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    for s in VOCABULARY.subjects(RDF.type, kind) if str(s).startswith(str(DH))
)


def test_ontology_describes_itself() -> None:
    ontology = rdflib.URIRef("https://w3id.org/driehoek/def")
    assert (ontology, RDF.type, OWL.Ontology) in VOCABULARY
    assert VOCABULARY.value(ontology, OWL.versionInfo) is not None
    assert _languages(VOCABULARY, ontology, DCTERMS.title) == ["en", "nl"]
    assert _languages(VOCABULARY, ontology, DCTERMS.description) == ["en", "nl"]
    assert VOCABULARY.value(ontology, DCTERMS.license) == rdflib.URIRef("http://spdx.org/licenses/EUPL-1.2")
    assert VOCABULARY.value(ontology, DCTERMS.created).datatype == rdflib.XSD.date


@pytest.mark.parametrize("term", TERMS, ids=[t.split("#")[1] for t in TERMS])
def test_every_class_and_property_has_label_and_comment_in_dutch_and_english(term: rdflib.URIRef) -> None:
    assert _languages(VOCABULARY, term, RDFS.label) == ["en", "nl"]
    assert _languages(VOCABULARY, term, RDFS.comment) == ["en", "nl"]


def test_every_dh_term_in_use_is_declared() -> None:
    # docs/model.md is the contract: a term is declared in driehoek.ttl before anything uses it.
    declared = {str(t).split("#")[1] for t in VOCABULARY.subjects() if str(t).startswith(str(DH))}
    texts = [ROOT / "docs" / "model.md", ONTOLOGY / "shapes.ttl", *SCHEMES, *DATA.glob("*.ttl"),
             *(ROOT / "data").rglob("*.ttl"), *(ROOT / "queries").glob("*.rq"), *(ROOT / "src").rglob("*.py")]
    pattern = re.compile(r'\bdh:([A-Za-z0-9]+)|\{DH\}([A-Za-z0-9]+)|DH \+ "([A-Za-z0-9]+)"')
    used = {name for path in texts for match in pattern.findall(path.read_text("utf-8")) for name in match if name}
    assert used - declared == set()
    assert len(TERMS) >= 45


def test_every_property_has_a_domain_or_says_why_not() -> None:
    no_domain = sorted(str(t).split("#")[1] for t in TERMS
                       if (t, RDF.type, OWL.Class) not in VOCABULARY and VOCABULARY.value(t, RDFS.domain) is None)
    # epistemicStatus: on relations, assessments, codings, meetings; legalBasis: on organisations and
    # relations; withdrawal and tombstone terms: on cases and graphs;
    # version: on a remote store's private metadata graph itself.
    assert no_domain == ["epistemicStatus", "legalBasis", "version", "withdrawalReason", "withdrawn", "withdrawnAt", "withdrawnBy"]


# ------------------------------------------------------------------------------------------------
# The schemes
# ------------------------------------------------------------------------------------------------

SCHEME_GRAPH = _graph(*SCHEMES, ONTOLOGY / "driehoek.ttl")
CONCEPTS = sorted(SCHEME_GRAPH.subjects(RDF.type, SKOS.Concept))


def test_the_schemes_of_the_contract_exist() -> None:
    schemes = {str(s).removeprefix(DHS) for s in SCHEME_GRAPH.subjects(RDF.type, SKOS.ConceptScheme)}
    assert schemes >= {"criterion", "rating", "corner", "relation-type", "organisation-type", "theme",
                       "case-status", "case-role", "meeting-type"}
    for scheme in SCHEME_GRAPH.subjects(RDF.type, SKOS.ConceptScheme):
        assert _languages(SCHEME_GRAPH, scheme, SKOS.prefLabel) == ["en", "nl"], scheme


@pytest.mark.parametrize("concept", CONCEPTS, ids=[c.split("/")[-1].split("#")[-1] for c in CONCEPTS])
def test_every_concept_has_labels_a_definition_and_a_scheme(concept: rdflib.URIRef) -> None:
    assert _languages(SCHEME_GRAPH, concept, SKOS.prefLabel) == ["en", "nl"]
    assert _languages(SCHEME_GRAPH, concept, SKOS.definition) == ["en", "nl"]
    [scheme] = SCHEME_GRAPH.objects(concept, SKOS.inScheme)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in SCHEME_GRAPH
    # The shapes see skos:inScheme only because pyshacl copies named individuals from ont_graph.
    assert (concept, RDF.type, OWL.NamedIndividual) in SCHEME_GRAPH


def _scheme(slug: str) -> list[rdflib.URIRef]:
    return sorted(SCHEME_GRAPH.subjects(SKOS.inScheme, rdflib.URIRef(DHS + slug)))


# The four criteria as the background text words them (shared/background).
CRITERIA = {
    "1": ("maatschappelijke-bijdrage", "ProgrammaticSuccess",
          "Dragen de plannen en praktijken bij aan de aanpak van maatschappelijke problemen?"),
    "2": ("goede-organisatie", "ProcessSuccess",
          "Is het goed georganiseerd? Zijn de processen op orde en loopt het soepel?"),
    "3": ("steun-en-legitimiteit", "PoliticalSuccess",
          "Is er steun voor? Is het legitiem, is er politieke steun en steun vanuit de Tweede Kamer?"),
    "4": ("duurzaamheid", "Endurance",
          "Is het duurzaam? Is het stabiel en succesvol ook voor de langere termijn?"),
}


@pytest.mark.parametrize("notation", sorted(CRITERIA))
def test_criterion_quotes_the_question_and_matches_a_framework_dimension(notation: str) -> None:
    slug, dimension, question = CRITERIA[notation]
    criterion = rdflib.URIRef(ID + "criterion/" + slug)
    assert criterion in _scheme("criterion")
    assert str(SCHEME_GRAPH.value(criterion, SKOS.notation)) == notation
    definitions = {o.language: str(o) for o in SCHEME_GRAPH.objects(criterion, SKOS.definition)}
    assert definitions["nl"] == question
    assert definitions["en"].endswith("?")
    assert SCHEME_GRAPH.value(criterion, SKOS.closeMatch) == DH[dimension]
    assert SCHEME_GRAPH.value(DH[dimension], DCTERMS.source) is not None


def test_ratings_run_from_success_to_failure() -> None:
    ranked = sorted(_scheme("rating"), key=lambda c: -int(SCHEME_GRAPH.value(c, DH.rank)))
    assert [str(c).rsplit("/", 1)[1] for c in ranked] == [
        "success", "resilient-success", "conflicted-success", "precarious-success", "failure"]
    assert [int(SCHEME_GRAPH.value(c, DH.rank)) for c in ranked] == [5, 4, 3, 2, 1]


def test_relation_types_name_their_direct_property() -> None:
    direct = {SCHEME_GRAPH.value(c, DH.directProperty) for c in _scheme("relation-type")}
    assert None not in direct and len(direct) == 8
    for prop in direct:
        assert (prop, RDF.type, OWL.ObjectProperty) in VOCABULARY or str(prop).startswith("http://www.w3.org/ns/org#")


def test_the_described_instances_target_excludes_exactly_the_direct_properties() -> None:
    # dhsh:DescribedInstancesOf spells the direct properties out (a negated property path is
    # cheap, a lookup in the schemes per triple is not); this keeps it in step with the scheme.
    shapes, _ = _shapes_and_ontology()
    select = str(shapes.value(DHSH.DescribedInstancesOf, SH.select))
    negated = re.search(r"!\((.*?)\)", select, re.S).group(1)
    namespaces = {"rdf": str(RDF), "skos": str(SKOS), "dh": str(DH), "org": "http://www.w3.org/ns/org#"}
    excluded = {namespaces[p] + local for p, local in re.findall(r"(\w+):(\w+)", negated)}
    direct = {str(SCHEME_GRAPH.value(c, DH.directProperty)) for c in _scheme("relation-type")}
    assert excluded == direct | {str(RDF.type), str(SKOS.inScheme)}


def test_organisation_types_carry_the_register_codes() -> None:
    codes = {str(SCHEME_GRAPH.value(c, SKOS.notation)) for c in _scheme("organisation-type")
             if SCHEME_GRAPH.value(c, SKOS.notation) is not None}
    assert codes == {"ministerie", "agentschap", "zbo", "inspectie", "hoge-college", "adviescollege", "gemeente",
                     "provincie", "waterschap", "gemeenschappelijke-regeling", "organisatieonderdeel", "rwt",
                     "rechterlijke-instantie", "politie", "caribisch-openbaar-lichaam"}
    assert len(_scheme("organisation-type")) == 17


def test_themes_are_a_dozen() -> None:
    assert 10 <= len(_scheme("theme")) <= 12


# ------------------------------------------------------------------------------------------------
# docs/model.md
# ------------------------------------------------------------------------------------------------

MODEL_QUERIES = re.findall(r"```sparql\n(.*?)```", (ROOT / "docs" / "model.md").read_text("utf-8"), re.S)


def test_model_md_has_the_common_questions() -> None:
    assert 6 <= len(MODEL_QUERIES) <= 8


@pytest.mark.parametrize("query", MODEL_QUERIES, ids=[f"q{i + 1}" for i in range(len(MODEL_QUERIES))])
def test_model_md_query_runs(query: str) -> None:
    store = ox.Store()
    store.load(input=(DATA / "case-published-ok.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
    for scheme in SCHEMES:
        store.load(path=str(scheme), format=ox.RdfFormat.TURTLE)
    assert isinstance(list(store.query(query)), list)
