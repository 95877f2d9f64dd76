"""The stewards' page /contribute: the rules as the shapes define them (the expected set computed here
from ontology/shapes.ttl with rdflib, independently of the page's own reading), the gate's report in
the page per resource and field in nl and en (checked against the report the service itself gives for
the same text), escaping of what was pasted, submitting a private draft with a token (and refusing
without a good one, writing nothing), and the anonymous size limit. A Flask test client on a copy of
the bundled store, so the gate has the register and the schemes for context."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from driehoek import formats, shape_rules
from driehoek.app import create_app
from driehoek.service import Driehoek, Source

from . import backend
from .conftest import ROOT, Cli
from .site import Element, headings_in_order, parse_html
from .stewards import case_turtle

BASE = "https://w3id.org/driehoek/"
SHAPES = ROOT / "ontology" / "shapes.ttl"
ANONYMOUS_MAX = 4000  # bytes an anonymous check may send in these tests
PREFIXES = """@prefix dh: <https://w3id.org/driehoek/def#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix status: <https://w3id.org/driehoek/def/case-status/> .
"""
CASE = BASE + "id/case/kapot"
ASSESSMENT = BASE + "id/assessment/kapot-1"
# A published case without a source and with one assessment of four, which itself has no rating, no
# evidence, no assessor, and a date that is no date.
BROKEN = PREFIXES + f"""
<{CASE}> a dh:Case ;
    dcterms:title "Kapot verhaal"@nl , "Broken case"@en ;
    dh:status status:published ;
    dh:hasAssessment <{ASSESSMENT}> .
<{ASSESSMENT}> a dh:Assessment ;
    dh:criterion <{BASE}id/criterion/duurzaamheid> ;
    dh:rationale "Het loopt al jaren."@nl ;
    dcterms:date "gisteren" .
"""
HOSTILE_VALUE = "<script>alert('value')</script>"
HOSTILE = PREFIXES + f"""# </textarea><script>alert('textarea')</script>
<{BASE}id/case/hostile> a dh:Case ;
    dcterms:title "<img src=x onerror=alert(1)>"@nl , "Hostile"@en ;
    dcterms:source <https://example.org/hostile> ;
    dh:status status:draft ;
    dcterms:issued "{HOSTILE_VALUE}" .
"""


@dataclass
class App:
    """An app on a copy of the bundled store, with a steward's token and a second steward's."""

    app: Flask
    service: Driehoek
    token: str
    other: str

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def post(self, lang: str = "nl", peer: str = "127.0.0.1", file: tuple[bytes, str] | None = None,
             **fields: str) -> TestResponse:
        """The form as a browser sends it: multipart, an empty file part when no file is chosen."""
        data: dict[str, object] = {"format": "turtle", "action": "check", "token": "", "slug": "", **fields}
        content, name = file or (b"", "")
        data["file"] = (io.BytesIO(content), name)
        return self.client.post("/contribute", data=data, content_type="multipart/form-data",
                                headers={"Accept": "text/html", "Accept-Language": lang},
                                environ_base={"REMOTE_ADDR": peer})

    def graph(self, graph: str, token: str | None) -> TestResponse:
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.get("/graph-store", query_string={"graph": graph},
                               headers={"Accept": "application/n-triples", **auth})


@pytest.fixture(scope="module")
def app(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    data_dir = tmp_path_factory.mktemp("contribute") / "var"
    backend.copy_data_dir(bundled_data_dir, data_dir)
    cli = Cli(data_dir)
    token, other = (cli("token", "add", name).stdout.strip() for name in ("steward-a", "steward-b"))
    settings = backend.settings_for(data_dir, validate_anonymous_max=ANONYMOUS_MAX, validate_anonymous_rate=1000)
    service = Driehoek(settings)
    application = create_app(settings, service)
    try:
        yield App(application, service, token, other)
    finally:
        application.extensions["driehoek.pool"].close()
        service.close()


def page_of(response: TestResponse) -> Element:
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return parse_html(response.get_data(as_text=True))


def textarea(document: Element) -> str:
    """The text field's content as a browser reads it (one newline right after the tag is dropped)."""
    element = document.find("textarea", id="data")
    text = "".join(c for c in element.children if isinstance(c, str))
    return text[1:] if text.startswith("\n") else text


# -- the page ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, title", [("nl", "Succesverhaal aanleveren"), ("en", "Contribute a case")])
def test_the_page_in_both_languages_and_linked_from_home(app: App, lang: str, title: str) -> None:
    response = app.client.get("/contribute", headers={"Accept": "text/html", "Accept-Language": lang})
    assert response.status_code == 200
    document = page_of(response)
    assert document.find("html").attrs["lang"] == lang
    assert document.find("h1").text() == title
    assert headings_in_order(document)
    form = document.find("form", class_="contribute-form")
    assert (form.attrs["method"], form.attrs["enctype"]) == ("post", "multipart/form-data")
    assert form.attrs["action"].split("#")[0] == "/contribute"
    assert document.find("input", id="token").attrs["type"] == "password"
    assert document.find("input", id="file").attrs["type"] == "file"
    options = {o.attrs["value"]: "selected" in o.attrs for o in document.find("select", id="format").find_all("option")}
    assert options == {"turtle": True, "ntriples": False, "jsonld": False, "rdfxml": False}
    assert not document.find_all("script")  # works without JavaScript
    home = page_of(app.client.get("/", headers={"Accept": "text/html", "Accept-Language": lang}))
    links = [a for a in home.find_all("a") if a.attrs.get("href") == "/contribute"]
    assert [a.text() for a in links] == [title]


def test_the_template_is_linked_where_it_exists(app: App) -> None:
    document = page_of(app.client.get("/contribute", headers={"Accept": "text/html"}))
    section = document.find("section", id="template")
    static = ROOT / "src" / "driehoek" / "web" / "static"
    expected = {f"/static/{name}" for name in ("case-template.nl.ttl", "case-template.en.ttl") if (static / name).is_file()}
    links = {a.attrs["href"] for a in section.find_all("a") if a.attrs["href"].startswith("/static/")}
    assert links == expected
    for href in links:
        with app.client.get(href) as response:
            assert response.status_code == 200


# -- the rules, from the shapes ---------------------------------------------------------------------

REQUIRED_OF_A_PUBLISHED_CASE = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX dh: <https://w3id.org/driehoek/def#>
PREFIX dhsh: <https://w3id.org/driehoek/def/shapes#>
SELECT ?path ?message WHERE {
    { ?shape sh:target [ a dhsh:DescribedInstancesOf ; dhsh:class dh:Case ] }
    UNION { ?shape sh:target [ a dhsh:CasesWithStatus ;
                               dhsh:status <https://w3id.org/driehoek/def/case-status/published> ] }
    ?shape sh:property ?property .
    ?property sh:path ?path ; sh:message ?message .
    { ?property sh:minCount ?n } UNION { ?property sh:qualifiedMinCount ?n }
    FILTER (?n >= 1 && lang(?message) = ?lang)
    FILTER NOT EXISTS { ?property sh:severity ?severity FILTER (?severity != sh:Violation) }
}
"""


def _path(graph: rdflib.Graph, path: rdflib.term.Node) -> str:
    if isinstance(path, rdflib.URIRef):
        return str(path)
    return " ".join(str(step) for step in rdflib.collection.Collection(graph, path))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_rules_list_every_required_property_of_a_published_case_with_its_message(app: App, lang: str) -> None:
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    expected = {(_path(shapes, row.path), str(row.message))
                for row in shapes.query(REQUIRED_OF_A_PUBLISHED_CASE, initBindings={"lang": rdflib.Literal(lang)})}
    assert len(expected) >= 7  # Dutch title, source, status, an assessment on each of the four criteria

    document = page_of(app.client.get("/contribute", headers={"Accept": "text/html", "Accept-Language": lang}))
    found = set()
    for key in ("rules-case", "rules-case-published"):
        section = document.find("section", id=key)
        for row in section.find("tbody").find_all("tr"):
            if row.attrs["data-required"] == "true":
                found.add((row.attrs["data-path"], row.find("td", class_="message").text()))
    assert found == {(path, " ".join(message.split())) for path, message in expected}
    # each status the shapes name gets its own group, and a draft's four missing assessments are warnings
    draft = document.find("section", id="rules-case-draft")
    assert draft.attrs["data-status"] == BASE + "def/case-status/draft"
    assert [r.attrs["data-required"] for r in draft.find("tbody").find_all("tr")] == ["false"] * 4


def test_the_rules_of_what_travels_with_a_case_have_their_counts_and_values(app: App) -> None:
    document = page_of(app.client.get("/contribute", headers={"Accept": "text/html", "Accept-Language": "en"}))
    groups = {s.attrs["data-class"] for s in document.find("section", id="rules").find_all("section", class_="rules")}
    assert {BASE + "def#Case", BASE + "def#Assessment", BASE + "def#Involvement"} <= groups
    rows = {r.attrs["data-path"]: r for r in document.find("section", id="rules-involvement").find_all("tr")
            if "data-path" in r.attrs}
    role = rows[BASE + "def#role"]
    assert (role.find("td", class_="min").text(), role.find("td", class_="max").text()) == ("1", "1")
    assert "dhs:case-role" in role.find("td", class_="values").text()
    assert role.find("td", class_="message").text() == "A dh:Involvement has exactly one dh:role from dhs:case-role."


# -- checking a case in the page -------------------------------------------------------------------

def _expected_rows(app: App, text: str, lang: str) -> dict[str, set[tuple[str, str, str, str]]]:
    """(severity, path, value, message in LANG) per focus node, from the service's own dry run."""
    report = app.service.validate_sources([Source("pasted text", formats.TURTLE, data=text.encode())], private=[])[0]
    rows: dict[str, set[tuple[str, str, str, str]]] = {}
    for r in report.results:
        path = "" if (r.path or "").startswith("_:") else shape_rules.short(r.path or "")
        rows.setdefault(r.focus, set()).add((r.severity, path, r.value or "", r.messages.get(lang, r.message)))
    return rows


def _page_rows(document: Element) -> dict[str, set[tuple[str, str, str, str]]]:
    rows: dict[str, set[tuple[str, str, str, str]]] = {}
    for section in document.find("section", id="outcome").find_all("section", class_="resource"):
        for tr in section.find("tbody").find_all("tr"):
            severity = tr.attrs["class"].removeprefix("sev-")
            path = tr.find("td", class_="path").find_all("code")
            value = tr.find("td", class_="value").find_all("code")
            rows.setdefault(section.attrs["data-focus"], set()).add(
                (severity, path[0].text() if path else "", value[0].text() if value else "",
                 tr.find("td", class_="message").text()))
    return rows


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_broken_case_gives_the_report_per_resource_and_field(app: App, lang: str) -> None:
    response = app.post(lang, data=BROKEN)

    assert response.status_code == 200  # a dry run that finds violations is an answer, as on /validate
    document = page_of(response)
    expected = _expected_rows(app, BROKEN, lang)
    assert set(expected) == {CASE, ASSESSMENT}
    page_rows = _page_rows(document)
    normalised = {focus: {(s, p, v, " ".join(m.split())) for s, p, v, m in rows} for focus, rows in expected.items()}
    assert page_rows == normalised
    # the ones a steward must fix, in the page's language
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    source_message = " ".join(next(
        str(m) for m in shapes.objects(rdflib.URIRef(BASE + "def/shapes#SourceRequired"), rdflib.SH.message)
        if m.language == lang).split())
    assert ("violation", "dcterms:source", "", source_message) in page_rows[CASE]
    assert any(p == "dcterms:date" and v == "gisteren" for _s, p, v, _m in page_rows[ASSESSMENT])
    assert sum(1 for s, p, _v, _m in page_rows[CASE] if s == "violation" and p == "dh:hasAssessment") == 3
    verdict = document.find("p", class_="verdict")
    assert "verdict-bad" in verdict.attrs["class"]
    violations = sum(1 for rows in expected.values() for row in rows if row[0] == "violation")
    assert verdict.find("span", class_="counts-line").text().startswith(f"{violations} ")
    assert textarea(document) == BROKEN


def test_an_uploaded_file_is_checked_and_shown_for_editing(app: App) -> None:
    response = app.post("en", file=(BROKEN.encode(), "kapot.ttl"))
    document = page_of(response)
    assert set(_page_rows(document)) == {CASE, ASSESSMENT}
    assert textarea(document) == BROKEN


def test_a_valid_draft_passes(app: App) -> None:
    text = case_turtle("geldig-concept", "Geldig concept")
    document = page_of(app.post("en", data=text))
    verdict = document.find("p", class_="verdict")
    assert "verdict-ok" in verdict.attrs["class"]
    expected = _expected_rows(app, text, "en")
    assert all(row[0] == "warning" for rows in expected.values() for row in rows)
    assert _page_rows(document) == {f: {(s, p, v, " ".join(m.split())) for s, p, v, m in rows}
                                    for f, rows in expected.items()}


def test_a_syntax_error_says_where(app: App) -> None:
    response = app.post("en", data=PREFIXES + "<a> <b> .\n")
    assert response.status_code == 400
    problem = page_of(response).find("div", class_="problem")
    assert problem.attrs["data-status"] == "400"
    assert "Line 5" in problem.text()


def test_pasted_script_and_a_hostile_literal_are_escaped(app: App) -> None:
    response = app.post("en", data=HOSTILE)
    body = response.get_data(as_text=True)
    document = parse_html(body)
    assert not document.find_all("script")
    assert not [e for e in document.iter() if any(k.startswith("on") for k in e.attrs)]
    assert not document.find_all("img", src="x")
    assert textarea(document) == HOSTILE  # the text field holds the text as it was pasted
    values = [tr.find("td", class_="value").text() for tr in document.find("section", id="outcome").find_all("tr")
              if tr.attrs.get("data-path") == "http://purl.org/dc/terms/issued"]
    assert values == [HOSTILE_VALUE]


# -- the anonymous limits -----------------------------------------------------------------------------

def test_the_anonymous_size_limit_applies_and_a_token_lifts_it(app: App) -> None:
    big = case_turtle("groot", "Groot") + "".join(f"# padding line {i:05d} .........................\n"
                                                  for i in range(ANONYMOUS_MAX // 40))
    assert len(big.encode()) > ANONYMOUS_MAX

    refused = app.post("en", data=big, peer="10.9.0.1")

    assert refused.status_code == 413
    document = page_of(refused)
    problem = document.find("div", class_="problem")
    assert f"at most {ANONYMOUS_MAX} bytes" in problem.text()
    assert not document.find_all("section", class_="resource")
    assert textarea(document) == big
    steward = app.post("en", data=big, peer="10.9.0.1", token=app.token)
    assert steward.status_code == 200
    assert "verdict-ok" in page_of(steward).find("p", class_="verdict").attrs["class"]


# -- submitting a private draft ---------------------------------------------------------------------

def test_submit_with_a_token_creates_the_private_draft(app: App) -> None:
    text = case_turtle("concept-via-formulier", "Concept via het formulier")
    graph = BASE + "graph/private/drafts/concept-via-formulier"

    response = app.post("nl", data=text, action="submit", token=app.token)

    assert response.status_code == 201, response.get_data(as_text=True)[-2000:]
    body = response.get_data(as_text=True)
    assert app.token not in body  # never echoed back
    document = parse_html(body)
    assert document.find("input", id="token").attrs.get("value") is None
    assert document.find("code", class_="graph").text() == graph
    own = app.graph(graph, app.token)
    assert own.status_code == 200
    expected = {str(t) for t in rdflib.Graph().parse(data=text, format="turtle").serialize(format="nt").splitlines() if t}
    read = {line for line in own.get_data(as_text=True).splitlines() if line}
    assert len(read) == len(expected)
    assert app.graph(graph, None).status_code == 401  # private: no reading without a token
    assert app.graph(graph, app.other).status_code == 404  # another steward: as if there were none
    page = app.client.get("/doc/case/concept-via-formulier", headers={"Accept": "text/html"})
    assert page.status_code == 404  # not a public page
    # submitted again, the draft is replaced (200) and stays the steward's own
    again = app.post("nl", data=text.replace("Concept via het formulier", "Tweede versie"), action="submit",
                     token=app.token)
    assert again.status_code == 200
    assert "Tweede versie" in app.graph(graph, app.token).get_data(as_text=True)


def test_a_broken_case_is_not_submitted(app: App) -> None:
    response = app.post("en", data=BROKEN, action="submit", token=app.token)
    assert response.status_code == 422
    document = page_of(response)
    assert set(_page_rows(document)) == {CASE, ASSESSMENT}
    assert app.graph(BASE + "graph/private/drafts/kapot", app.token).status_code == 404


def test_submit_with_a_bad_token_or_none_refuses_and_writes_nothing(app: App) -> None:
    text = case_turtle("nooit-geschreven", "Nooit geschreven")
    graph = BASE + "graph/private/drafts/nooit-geschreven"

    wrong = app.post("en", data=text, action="submit", token="dh_nope_wrong", peer="10.8.0.1")
    missing = app.post("en", data=text, action="submit", peer="10.8.0.2")

    for response in (wrong, missing):
        assert response.status_code == 401
        problem = page_of(response).find("div", class_="problem")
        assert "token" in problem.text().lower()
        assert "dh_nope_wrong" not in response.get_data(as_text=True)
    assert app.graph(graph, app.token).status_code == 404


def test_wrong_tokens_meet_the_failure_limiter(app: App) -> None:
    statuses = [app.post("en", data=case_turtle("x"), action="submit", token=f"dh_bad_{n}", peer="10.7.0.1").status_code
                for n in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    limited = app.post("en", data=case_turtle("x"), action="submit", token="dh_bad_again", peer="10.7.0.1")
    assert int(limited.headers["Retry-After"]) > 0
    # a good token from the same address still passes
    assert app.post("en", data=case_turtle("x"), action="check", token=app.token, peer="10.7.0.1").status_code == 200


def test_an_unknown_action_or_format_is_a_clear_400(app: App) -> None:
    for fields in ({"action": "publish"}, {"format": "trig"}):
        response = app.post("en", data=case_turtle("x"), **fields)
        assert response.status_code == 400
        assert page_of(response).find("div", class_="problem").attrs["data-status"] == "400"


def test_validate_in_a_browser_leads_to_the_page(app: App) -> None:
    browser = app.client.get("/validate", headers={"Accept": "text/html"})
    assert (browser.status_code, browser.headers["Location"]) == (303, "/contribute")
    program = app.client.get("/validate", headers={"Accept": "application/json"})
    assert program.status_code == 405
    assert program.get_json()["error"] == "method_not_allowed"
    assert "POST" in program.headers["Allow"]
