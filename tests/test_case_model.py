"""Cases as comparable evidence (issue 19), through the real SHACL gate on the bundled store: the rater
model (several raters per criterion, one assessment per assessor per criterion, every rating names its
rater), the factor coding shape, and the case template for contributors (filled in it passes the gate;
left as it is it fails with messages that say what is missing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from driehoek import formats
from driehoek.config import Settings
from driehoek.service import Driehoek, Source
from driehoek.validation import Report

STATIC = Path(__file__).resolve().parents[1] / "src" / "driehoek" / "web" / "static"
TEMPLATES = {lang: STATIC / f"case-template.{lang}.ttl" for lang in ("nl", "en")}
EDITORS = "https://w3id.org/driehoek/id/organisation/driehoek-redactie"
REKENKAMER = "https://identifier.overheid.nl/tooi/id/oorg/oorg10229"  # Algemene Rekenkamer, in the register
UWV_PATH = "zbo/zb000117"
SCHEMA_END = "https://schema.org/endDate"

PREFIXES = """
@prefix dh:         <https://w3id.org/driehoek/def#> .
@prefix case:       <https://w3id.org/driehoek/id/case/> .
@prefix assessment: <https://w3id.org/driehoek/id/assessment/> .
@prefix criterion:  <https://w3id.org/driehoek/id/criterion/> .
@prefix rating:     <https://w3id.org/driehoek/def/rating/> .
@prefix status:     <https://w3id.org/driehoek/def/case-status/> .
@prefix factor:     <https://w3id.org/driehoek/def/factor/> .
@prefix presence:   <https://w3id.org/driehoek/def/factor-presence/> .
@prefix epistemic:  <https://w3id.org/driehoek/def/epistemic-status/> .
@prefix dcterms:    <http://purl.org/dc/terms/> .
@prefix xsd:        <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture(scope="module")
def gate(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driehoek]:
    """The service on a copy of the bundled store: its validate_sources is the gate a steward meets."""
    from . import backend
    target = tmp_path_factory.mktemp("case-model") / "var"
    backend.copy_data_dir(bundled_data_dir, target)
    service = Driehoek(backend.settings_for(target))
    yield service
    service.close()


def check(service: Driehoek, turtle: str) -> Report:
    [report] = service.validate_sources([Source("case.ttl", formats.TURTLE, data=turtle.encode())])
    return report


def violation_texts(report: Report) -> list[str]:
    return [r.messages.get("en", r.message) for r in report.violations]


def draft(body: str) -> str:
    """A withdrawn-free draft case with the given assessments and codings (drafts only warn about
    missing criteria, so that each test sees its own rule)."""
    return PREFIXES + """
case:model-test a dh:Case ;
    dcterms:title "Testcasus"@nl , "Test case"@en ;
    dh:status status:draft ;
    dcterms:source <https://example.org/source> ;
""" + body


def assessment(name: str, criterion: str, rating: str, assessor: str | None) -> str:
    by = f"dh:assessor <{assessor}> ;" if assessor else ""
    return f"""
assessment:{name} a dh:Assessment ;
    dh:criterion criterion:{criterion} ; dh:rating rating:{rating} ;
    dh:rationale "Onderbouwing."@nl ; dh:evidence <https://example.org/evidence> ;
    {by} dcterms:date "2026-01-10"^^xsd:date .
"""


# -- raters -----------------------------------------------------------------------------------------

def test_two_raters_on_one_criterion_are_accepted_and_may_contest(gate: Driehoek) -> None:
    turtle = draft("    dh:hasAssessment assessment:model-test-a , assessment:model-test-b .\n") + \
        assessment("model-test-a", "goede-organisatie", "success", EDITORS) + \
        assessment("model-test-b", "goede-organisatie", "precarious-success", REKENKAMER) + \
        "assessment:model-test-b dh:contests assessment:model-test-a .\n"
    report = check(gate, turtle)
    assert report.conforms, violation_texts(report)
    assert report.violations == []


def test_the_same_assessor_twice_on_one_criterion_is_refused(gate: Driehoek) -> None:
    turtle = draft("    dh:hasAssessment assessment:model-test-a , assessment:model-test-b .\n") + \
        assessment("model-test-a", "goede-organisatie", "success", EDITORS) + \
        assessment("model-test-b", "goede-organisatie", "failure", EDITORS)
    report = check(gate, turtle)
    assert not report.conforms
    twice = [r for r in report.violations if "same criterion of the same case twice" in r.messages["en"]]
    assert sorted(r.focus for r in twice) == ["https://w3id.org/driehoek/id/assessment/model-test-a",
                                              "https://w3id.org/driehoek/id/assessment/model-test-b"]
    assert all(r.messages["nl"] for r in twice)


def test_the_same_assessor_on_two_criteria_is_fine(gate: Driehoek) -> None:
    turtle = draft("    dh:hasAssessment assessment:model-test-a , assessment:model-test-b .\n") + \
        assessment("model-test-a", "goede-organisatie", "success", EDITORS) + \
        assessment("model-test-b", "duurzaamheid", "failure", EDITORS)
    assert check(gate, turtle).conforms


def test_a_rating_without_assessor_is_refused(gate: Driehoek) -> None:
    turtle = draft("    dh:hasAssessment assessment:model-test-a .\n") + \
        assessment("model-test-a", "goede-organisatie", "success", None)
    report = check(gate, turtle)
    assert not report.conforms
    assert any("names exactly one assessor" in text for text in violation_texts(report))


# -- factor codings ---------------------------------------------------------------------------------

def coding(factor: str, presence: str, evidence: bool = True) -> str:
    proof = "dh:evidence <https://example.org/evidence> ;" if evidence else ""
    return (f'[ a dh:FactorCoding ; dh:factor {factor} ; dh:presence {presence} ; '
            f'dh:rationale "Waarom."@nl ; {proof} dh:epistemicStatus epistemic:interpreted ]')


@pytest.mark.parametrize(("codings", "fragment"), [
    ([coding("factor:simple-rules", "presence:maybe")], "exactly one dh:presence from dhs:factor-presence"),
    ([coding("rating:success", "presence:present")], "exactly one factor (dh:factor) from dhs:factor"),
    ([coding("factor:ict-and-capacity", "presence:present", evidence=False)], "at least one piece of evidence"),
    ([coding("factor:ict-and-capacity", "presence:absent", evidence=False)], "at least one piece of evidence"),
    ([coding("factor:stable-funding", "presence:present"), coding("factor:stable-funding", "presence:absent")],
     "codes this factor more than once"),
], ids=["bad-presence", "factor-outside-scheme", "present-without-evidence", "absent-without-evidence",
        "duplicate"])
def test_a_bad_factor_coding_is_refused_with_a_message(gate: Driehoek, codings: list[str], fragment: str) -> None:
    report = check(gate, draft("    dh:factorCoding " + " , ".join(codings) + " .\n"))
    assert not report.conforms
    found = [r for r in report.violations if fragment in r.messages.get("en", "")]
    assert found, violation_texts(report)
    assert all(r.messages.get("nl") for r in found)


def test_good_codings_pass_and_unknown_needs_no_evidence(gate: Driehoek) -> None:
    codings = [coding("factor:simple-rules", "presence:present"), coding("factor:stable-funding", "presence:absent"),
               coding("factor:crisis-urgency", "presence:unknown", evidence=False)]
    report = check(gate, draft("    dh:factorCoding " + " , ".join(codings) + " .\n"))
    assert report.conforms, violation_texts(report)


def test_leaving_factors_out_is_no_violation(gate: Driehoek) -> None:
    report = check(gate, draft("    dh:factorCoding " + coding("factor:simple-rules", "presence:present") + " .\n"))
    assert report.conforms and report.violations == []


# -- the case template --------------------------------------------------------------------------------

FILLED = {
    "__SLUG__": "sjabloon-test", "__TITLE_NL__": "Sjabloontest", "__TITLE_EN__": "Template test",
    "__ABSTRACT_NL__": "Een ingevuld sjabloon.", "__ABSTRACT_EN__": "A filled-in template.",
    "__START_DATE__": "2020-01-01", '# schema:endDate "__END_DATE__"': 'schema:endDate "2021-12-31"',
    "__STATUS__": "draft",
    "__LEAD_IMPLEMENTER__": UWV_PATH, "__ASSESSOR__": "oorg/oorg10229", "__THEME__": "uitvoerbaarheid",
    "__COLLABORATION_NL__": "Samen aan tafel.", "__COLLABORATION_EN__": "Together at the table.",
    "https://__SOURCE__": "https://zoek.officielebekendmakingen.nl/kst-35387-2.html", "__TODAY__": "2026-12-01",
}
RATINGS = {"1": "resilient-success", "2": "conflicted-success", "3": "precarious-success", "4": "failure"}


def fill(text: str) -> str:
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
    for n, rating in RATINGS.items():
        text = text.replace(f"__RATING_{n}__", rating)
        text = text.replace(f"https://__EVIDENCE_{n}__", "https://zoek.officielebekendmakingen.nl/kst-35387-2.html")
        text = text.replace(f"__RATIONALE_{n}_NL__", "Onderbouwing.").replace(f"__RATIONALE_{n}_EN__", "Rationale.")
    for n in range(1, 11):
        presence = ("present", "absent", "unknown")[n % 3]
        text = text.replace(f"__PRESENCE_F{n}__", presence).replace(f"__RATIONALE_F{n}__", "Waarom.")
        text = text.replace(f"https://__EVIDENCE_F{n}__", "https://zoek.officielebekendmakingen.nl/kst-35510-2.html")
    return text


@pytest.mark.parametrize("lang", sorted(TEMPLATES))
def test_the_filled_in_template_passes_the_gate(gate: Driehoek, lang: str) -> None:
    text = fill(TEMPLATES[lang].read_text("utf-8"))
    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.TURTLE)
    left = [q for q in store if any("__" in str(term) for term in (q.subject, q.predicate, q.object))]
    assert left == []  # every placeholder was filled
    assert len(list(store.quads_for_pattern(None, ox.NamedNode(SCHEMA_END), None))) == 1
    report = check(gate, text)
    assert report.conforms, violation_texts(report)
    assert report.violations == []


@pytest.mark.parametrize("lang", sorted(TEMPLATES))
def test_the_template_as_it_stands_fails_with_clear_messages(gate: Driehoek, lang: str) -> None:
    report = check(gate, TEMPLATES[lang].read_text("utf-8"))
    assert not report.conforms
    texts = " | ".join(violation_texts(report))
    for fragment in ("dh:status from dhs:case-status", "rating (dh:rating) from dhs:rating",
                     "dh:presence from dhs:factor-presence", "known organisation"):
        assert fragment in texts, texts
    assert all(r.messages.get("nl") for r in report.violations)


@pytest.mark.parametrize("lang", sorted(TEMPLATES))
def test_the_template_has_comments_in_its_language_and_codes_every_factor(lang: str) -> None:
    text = TEMPLATES[lang].read_text("utf-8")
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    assert ("Vervang elke plaatshouder" in comments) == (lang == "nl")
    assert ("Replace every placeholder" in comments) == (lang == "en")
    assert all(f"__PRESENCE_F{n}__" in text for n in range(1, 11))


def test_the_template_is_downloadable(bundled: Settings) -> None:
    from driehoek.app import create_app
    client = create_app(bundled).test_client()
    for lang, path in TEMPLATES.items():
        response = client.get(f"/static/case-template.{lang}.ttl")
        assert response.status_code == 200
        assert response.data == path.read_bytes()
        response.close()
    cases = client.get("/cases", headers={"Accept": "text/html"})
    assert b'href="/static/case-template.nl.ttl"' in cases.data and b'href="/static/case-template.en.ttl"' in cases.data
