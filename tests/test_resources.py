"""Dereferenceable IRIs, as a client sees them over HTTP: /id (303), /doc and /org in every format,
validators and 304, links, HEAD, 404 and 410, /def."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests

from .site import BASE, DIGID, UWV, Site, canonical, parse_html, start_site

RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
SUFFIXES = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".nt": "application/n-triples",
            ".rdf": "application/rdf+xml"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# (path, IRI): a case, an organisation by TOOI code (blank nodes: its names), a minted organisation,
# an assessment, a relation, a concept
RESOURCES = [
    ("/doc/case/digid", DIGID),
    ("/org/zb000117", UWV),
    ("/doc/organisation/driehoek-redactie", BASE + "id/organisation/driehoek-redactie"),
    ("/doc/assessment/digid-duurzaamheid", BASE + "id/assessment/digid-duurzaamheid"),
    ("/doc/relation/autoriteit-persoonsgegevens-supervises-uwv",
     BASE + "id/relation/autoriteit-persoonsgegevens-supervises-uwv"),
    ("/def/rating/success", BASE + "def/rating/success"),
]


@pytest.fixture(scope="module")
def site(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server on a copy of the bundled store, shared by the read-only tests of this module."""
    running = start_site(bundled_data_dir, tmp_path_factory.mktemp("resources"))
    yield running
    running.server.stop()


def get(site: Site, path: str, accept: str | None = None, **headers: str) -> requests.Response:
    if accept is not None:
        headers["Accept"] = accept
    return requests.get(site.url + path, headers=headers, allow_redirects=False, timeout=30)


def parsed(response: requests.Response, fmt: ox.RdfFormat) -> set[str]:
    """The body's triples, canonicalised. RDF/XML goes through rdflib: a second parser."""
    if fmt is ox.RdfFormat.RDF_XML:
        graph = rdflib.Graph().parse(data=response.content, format="xml")
        nt = graph.serialize(format="nt", encoding="utf-8")
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]
    else:
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(io.BytesIO(response.content), format=fmt)]
    return canonical(triples)


# -- every format, by Accept and by suffix, gives back the resource's description -----------------

@pytest.mark.parametrize("path,iri", RESOURCES)
@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_accept_gives_the_format_and_the_same_triples(site: Site, path: str, iri: str, media_type: str) -> None:
    response = get(site, path, media_type)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    expected = canonical(site.snapshot().pages().describe(iri))
    assert expected  # the resource has triples at all
    assert parsed(response, RDF_TYPES[media_type]) == expected


@pytest.mark.parametrize("suffix,media_type", list(SUFFIXES.items()))
def test_suffix_gives_the_format_whatever_accept_says(site: Site, suffix: str, media_type: str) -> None:
    response = get(site, "/doc/case/digid" + suffix, BROWSER)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert parsed(response, RDF_TYPES[media_type]) == canonical(site.snapshot().pages().describe(DIGID))
    assert "Content-Location" not in response.headers  # the URL already names the representation


def test_the_description_holds_what_the_model_says(site: Site) -> None:
    graph = rdflib.Graph().parse(data=get(site, "/org/zb000117.ttl").content, format="turtle")
    uwv = rdflib.URIRef(UWV)
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    assert (uwv, skos.prefLabel, rdflib.Literal("Uitvoeringsinstituut Werknemersverzekeringen", lang="nl")) in graph
    assert (uwv, skos.altLabel, rdflib.Literal("UWV", lang="nl")) in graph
    names = list(graph.objects(uwv, rdflib.URIRef("https://w3id.org/driehoek/def#hasName")))
    assert names and all(isinstance(n, rdflib.BNode) for n in names)
    assert all(list(graph.predicate_objects(n)) for n in names)  # blank nodes come with their triples


def test_the_description_holds_the_relations_the_page_shows(site: Site) -> None:
    """A linking system reading /org/{code}.ttl gets what the page tells: the relations on both sides,
    incoming supervision included, with their dates, legal bases and sources (issue 16, point 6)."""
    dh = rdflib.Namespace("https://w3id.org/driehoek/def#")
    graph = rdflib.Graph().parse(data=get(site, "/org/zb000117.ttl").content, format="turtle")
    uwv = rdflib.URIRef(UWV)
    # what the store holds about UWV's relations, read from the public dataset, not from the page
    store = site.snapshot().pages()
    nodes = {q.subject.value for side in ("from", "to")
             for q in store.quads(None, ox.NamedNode(str(dh[side])), ox.NamedNode(UWV))}
    assert any(store.quads(ox.NamedNode(n), ox.NamedNode(str(dh.relationType)),
                           ox.NamedNode("https://w3id.org/driehoek/def/relation-type/supervises")) for n in nodes)
    for iri in nodes:
        expected = {(rdflib.URIRef(iri), rdflib.URIRef(q.predicate.value)) for q in store.quads(ox.NamedNode(iri))}
        assert expected <= set(graph.subject_predicates(None)) | {
            (s, p) for s, p, _ in graph.triples((rdflib.URIRef(iri), None, None))}
        for prop in ("startDate", "endDate"):
            for q in store.quads(ox.NamedNode(iri), ox.NamedNode("https://schema.org/" + prop)):
                assert (rdflib.URIRef(iri), rdflib.URIRef(q.predicate.value), rdflib.Literal(
                    q.object.value, datatype=rdflib.URIRef(q.object.datatype.value))) in graph
        assert list(graph.objects(rdflib.URIRef(iri), rdflib.URIRef("http://purl.org/dc/terms/source")))
    supervisors = {q.subject.value for q in store.quads(None, ox.NamedNode(str(dh.supervises)), ox.NamedNode(UWV))}
    assert supervisors
    assert supervisors == {str(s) for s in graph.subjects(dh.supervises, uwv)}


@pytest.mark.parametrize("accept", ["*/*", None])
def test_programs_get_turtle_by_default(site: Site, accept: str | None) -> None:
    response = get(site, "/doc/case/digid", accept) if accept else requests.get(
        site.url + "/doc/case/digid", headers={"Accept": ""}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert response.headers["Content-Location"] == "/doc/case/digid.ttl"


@pytest.mark.parametrize("accept", [BROWSER, "text/html"])
def test_browsers_get_the_page(site: Site, accept: str) -> None:
    response = get(site, "/doc/case/digid", accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = parse_html(response.text)
    assert page.find("h1").text().startswith("DigiD")
    alternates = {link.attrs["type"]: link.attrs["href"] for link in page.find_all("link", rel="alternate")}
    assert alternates["text/turtle"] == "/doc/case/digid.ttl"
    assert alternates["application/ld+json"] == "/doc/case/digid.jsonld"
    assert get(site, "/doc/case/digid.html").headers["Content-Type"] == "text/html; charset=utf-8"


def test_format_parameter_and_not_acceptable(site: Site) -> None:
    assert get(site, "/doc/case/digid?format=ntriples", BROWSER).headers["Content-Type"].startswith(
        "application/n-triples")
    response = get(site, "/doc/case/digid", "image/png")
    assert response.status_code == 406
    assert response.json()["error"] == "not_acceptable"


# -- /id answers 303 ------------------------------------------------------------------------------

@pytest.mark.parametrize("accept", ["text/turtle", BROWSER])
def test_id_is_303_to_doc(site: Site, accept: str) -> None:
    response = get(site, "/id/case/digid", accept)
    assert response.status_code == 303
    assert response.headers["Location"] == "/doc/case/digid"
    followed = requests.get(site.url + "/id/case/digid", headers={"Accept": "text/turtle"}, timeout=30)
    assert followed.status_code == 200 and followed.url.endswith("/doc/case/digid")
    assert parsed(followed, ox.RdfFormat.TURTLE) == canonical(site.snapshot().pages().describe(DIGID))


def test_any_host_means_the_base_iri(site: Site) -> None:
    response = get(site, "/doc/case/digid.nt", Host="driehoek.example.org")
    assert response.status_code == 200
    assert f"<{DIGID}>" in response.text
    assert response.links["canonical"]["url"] == DIGID


# -- validators, links, HEAD -----------------------------------------------------------------------

def test_etag_and_last_modified_give_304(site: Site) -> None:
    first = get(site, "/org/zb000117", "text/turtle")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = get(site, "/org/zb000117", "text/turtle", **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert get(site, "/org/zb000117", "text/turtle", **{"If-Modified-Since": modified}).status_code == 304
    assert get(site, "/org/zb000117", "text/turtle", **{"If-None-Match": '"other"'}).status_code == 200
    # each representation is its own: another format or language has another ETag
    assert get(site, "/org/zb000117", "application/ld+json").headers["ETag"] != etag
    assert get(site, "/org/zb000117?lang=nl", "text/html").headers["ETag"] != \
        get(site, "/org/zb000117?lang=en", "text/html").headers["ETag"]
    assert "Accept" in first.headers["Vary"]


def test_link_header_names_the_iri_and_the_alternates(site: Site) -> None:
    response = get(site, "/org/zb000117", "text/turtle")
    header = response.headers["Link"]
    assert f'<{UWV}>; rel="canonical"' in header
    alternates = {part.split(";")[0].strip().strip("<>"): part for part in header.split(",") if "alternate" in part}
    assert 'type="text/turtle"' in alternates["/org/zb000117.ttl"]
    assert 'type="application/ld+json"' in alternates["/org/zb000117.jsonld"]
    assert 'type="application/n-triples"' in alternates["/org/zb000117.nt"]
    assert 'type="application/rdf+xml"' in alternates["/org/zb000117.rdf"]
    assert 'type="text/html"' in alternates["/org/zb000117.html"]


@pytest.mark.parametrize("path", ["/doc/case/digid", "/org/zb000117", "/def", "/id/case/digid"])
def test_head_has_the_headers_and_no_body(site: Site, path: str) -> None:
    full = get(site, path, "text/turtle")
    head = requests.head(site.url + path, headers={"Accept": "text/turtle"}, timeout=30)
    assert head.status_code == full.status_code
    assert head.content == b""
    for name in ("Content-Type", "ETag", "Link", "Location"):
        assert head.headers.get(name) == full.headers.get(name)
    if full.status_code == 200:
        assert int(head.headers["Content-Length"]) == len(full.content)


# -- 404, never 500 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/doc/case/no-such-case", "/doc/case/No_Such", "/doc/case/digid.exe", "/doc/spaceship/digid",
    "/doc/case/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/doc/case/..%2F..%2Fetc", "/org/..%2F..%2Fetc%2Fpasswd",
    "/org/zz999999", "/org/UWV", "/org/%00", "/id/case/caf%C3%A9", "/id/case/-x-", "/def/rating/success/x/y",
    "/def/..%2F..", "/def.exe", "/doc/case/" + "a" * 3000, "/org/zb000117.ttl.ttl",
])
def test_unknown_or_odd_paths_are_404(site: Site, path: str) -> None:
    response = get(site, path, "text/turtle")
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not_found"


def test_404_is_a_page_for_browsers(site: Site) -> None:
    response = get(site, "/doc/case/no-such-case", BROWSER)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert parse_html(response.text).find("h1").text() in ("Not found", "Niet gevonden")


# -- every kind has a page ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/doc/criterion/goede-organisatie", "/doc/theme/digitalisering", "/doc/event/staatpraat-2024",
    "/doc/monitor/staat-van-de-uitvoering-2023", "/doc/relation/zbo-uwv-accountable-to-min-szw",
    "/doc/assessment/digid-duurzaamheid", "/doc/organisation/leergemeenschap-uitvoering", "/def/corner",
    "/def/corner/toezicht", "/org/mnre1034",
])
def test_every_kind_of_resource_has_a_page(site: Site, path: str) -> None:
    response = get(site, path, BROWSER)
    assert response.status_code == 200, response.text[:500]
    page = parse_html(response.text)
    assert page.find("h1").text()
    assert page.find("link", rel="alternate", type="text/turtle").attrs["href"] == path + ".ttl"


# -- /def ----------------------------------------------------------------------------------------------

def test_def_is_the_vocabulary(site: Site) -> None:
    page = parse_html(get(site, "/def?lang=en", BROWSER).text)
    case = page.find(id="Case")
    assert "case" in case.text()
    assert page.find(id="classes") and page.find(id="properties") and page.find(id="schemes")
    dutch = parse_html(get(site, "/def?lang=nl", BROWSER).text)
    assert "succesverhaal" in dutch.find(id="Case").text()


@pytest.mark.parametrize("how", ["accept", "suffix"])
def test_def_as_rdf(site: Site, how: str) -> None:
    response = get(site, "/def", "text/turtle") if how == "accept" else get(site, "/def.ttl", BROWSER)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    dh = rdflib.Namespace("https://w3id.org/driehoek/def#")
    assert (dh.Case, rdflib.RDF.type, rdflib.OWL.Class) in graph
    assert (dh.Case, rdflib.RDFS.label, rdflib.Literal("case", lang="en")) in graph
    assert get(site, "/def", "application/ld+json").headers["Content-Type"].startswith("application/ld+json")


# -- 410 after a withdrawal -----------------------------------------------------------------------------

@pytest.fixture
def steward_site(bundled_data_dir: Path, tmp_path: Path) -> Iterator[Site]:
    """A server of its own (it will be written to), with a steward's token."""
    running = start_site(bundled_data_dir, tmp_path, token=True)
    yield running
    running.server.stop()


def test_withdrawn_resources_are_410_with_who_when_why(steward_site: Site) -> None:
    site = steward_site
    before = get(site, "/doc/case/digid", "text/turtle")
    assert before.status_code == 200
    withdrawal = requests.post(site.url + "/withdraw", timeout=60,
                               headers={"Authorization": f"Bearer {site.token}"},
                               data={"graph": BASE + "graph/cases/digid", "reason": "bronnen onjuist"})
    assert withdrawal.status_code == 200, withdrawal.text
    for path in ("/doc/case/digid", "/doc/assessment/digid-duurzaamheid", "/doc/case/digid.ttl"):
        gone = get(site, path, "text/turtle")
        assert gone.status_code == 410, path
        body = gone.json()
        assert body["error"] == "gone"
        assert body["reason"] == "bronnen onjuist"
        assert body["withdrawn_by"] == "steward"
        assert body["withdrawn_at"].startswith("20")
    # a validator from before the withdrawal must not turn the 410 into a 304
    assert get(site, "/doc/case/digid", "text/turtle", **{"If-None-Match": before.headers["ETag"]}).status_code == 410
    page = parse_html(get(site, "/doc/case/digid?lang=en", BROWSER).text)
    facts = dict(zip((dt.text() for dt in page.find_all("dt")), (dd.text() for dd in page.find_all("dd"))))
    assert facts["Why"] == "bronnen onjuist" and facts["By"] == "steward" and facts["IRI"] == DIGID
    # the organisations it named are still there, without it
    uwv = parse_html(get(site, "/org/zb000117", BROWSER).text)
    assert "/doc/case/digid" not in {a.attrs.get("href") for a in uwv.find_all("a")}
    assert "/doc/case/now-regeling" in {a.attrs.get("href") for a in uwv.find_all("a")}
    assert get(site, "/id/case/digid", "text/turtle").status_code == 303
