"""Data out of every table (issue 16, point 2): /organisations, /cases, /criteria and
/org/<code>/relations as HTML, CSV and JSON. The three renderings of a table hold the same rows in
the same order; filters and sort parameters do what they say, checked against the store; counts link
to the lists they count; CSV cells cannot become spreadsheet formulas; bad parameters are a 400.
(Search has its own file, test_search.py.)"""

from __future__ import annotations

import csv
import io
import urllib.parse
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from driehoek import pages, tables

from .conftest import Cli, backend
from .fixtures_shared import InProcessSite, Reply
from .site import BASE, UWV, Element, parse_html

BZK = "https://identifier.overheid.nl/tooi/id/ministerie/mnre1034"
FORMULA_GRAPH = BASE + "graph/cases/formula-test"
# A case whose texts a spreadsheet would run as formulas (OWASP, CSV injection).
FORMULAS = ['=HYPERLINK("https://example.org/x","click")', "+1+2", "-3+4", "@SUM(1,2)", "\tTAB", "\rCR"]
FORMULA_CASE = """
@prefix dh: <https://w3id.org/driehoek/def#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix status: <https://w3id.org/driehoek/def/case-status/> .
<https://w3id.org/driehoek/id/case/formula-test> a dh:Case ;
    dcterms:title {title}@nl ;
    dh:status status:draft ;
    dcterms:subject <https://w3id.org/driehoek/id/theme/digitalisering> ,
        <https://w3id.org/driehoek/id/theme/formula-theme> ;
    dh:involvedOrganisation <https://identifier.overheid.nl/tooi/id/zbo/zb000117> .
<https://w3id.org/driehoek/id/theme/formula-theme> dcterms:title {theme}@nl .
"""


@pytest.fixture(scope="module")
def site(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessSite]:
    """The app on the bundled data plus a case titled like a formula (loaded with --trusted), through
    the test client: these tests only read tables."""
    data_dir = tmp_path_factory.mktemp("tables") / "var"
    backend.copy_data_dir(bundled_data_dir, data_dir)
    source = data_dir.parent / "formula-case.ttl"
    source.write_text(FORMULA_CASE.format(title=str(ox.Literal(FORMULAS[0])), theme=str(ox.Literal(FORMULAS[1]))),
                      encoding="utf-8")
    result = Cli(data_dir)("load", "--trusted", "--graph", FORMULA_GRAPH, source)
    assert result.exit_code == 0, result.output
    running = InProcessSite(data_dir)
    yield running
    running.close()


@pytest.fixture(scope="module")
def snapshot(site: InProcessSite) -> pages.Snapshot:
    return site.snapshot()


def get(site: InProcessSite, path: str, accept: str = "*/*", lang: str = "nl") -> Reply:
    return site.get(path, headers={"Accept": accept, "Accept-Language": lang})


def html(site: InProcessSite, path: str, lang: str = "nl") -> Element:
    response = get(site, path, "text/html", lang)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/html")
    return parse_html(response.text)


def as_json(site: InProcessSite, path: str) -> dict[str, Any]:
    response = get(site, path)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    document: dict[str, Any] = response.json()
    assert set(document) >= {"columns", "rows", "total", "next", "page", "size"}
    assert all(len(row) == len(document["columns"]) for row in document["rows"])
    return document


def as_csv(site: InProcessSite, path: str) -> tuple[list[str], list[dict[str, str]], Reply]:
    response = get(site, path)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.reader(io.StringIO(response.content.decode("utf-8"), newline=""))
    header = next(reader)
    rows = [dict(zip(header, row, strict=True)) for row in reader]
    return header, rows, response


def column(document: dict[str, Any], name: str) -> list[Any]:
    index = document["columns"].index(name)
    return [row[index] for row in document["rows"]]


def row_hrefs(document: Element, table_class: str) -> list[str]:
    body = document.find("table", class_=table_class).find("tbody")
    return [row.find("th").find("a").attrs["href"] for row in body.find_all("tr")]


def local(iri: str) -> str:
    return pages.local_path(iri, BASE) or iri


def all_pages(site: InProcessSite, path: str) -> tuple[list[list[Any]], dict[str, Any]]:
    """Every row of a JSON table, following `next` to the end."""
    first = as_json(site, path)
    rows, document = list(first["rows"]), first
    while document["next"]:
        document = as_json(site, document["next"])
        rows += document["rows"]
    return rows, first


# -- the three renderings agree ---------------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "?page=2", "?type=zbo&corner=toezicht", "?sort=-relations",
                                   "?sort=founded&current=1&page=3", "?ministry=mnre1073&sort=type"])
def test_organisations_html_csv_and_json_hold_the_same_rows(site: InProcessSite, query: str) -> None:
    page = html(site, "/organisations" + query)
    hrefs = row_hrefs(page, "organisations")
    document = as_json(site, "/organisations.json" + query)
    assert [local(iri) for iri in column(document, "organisation_iri")] == hrefs
    joiner = "&" if query else "?"
    _header, rows, _response = as_csv(site, "/organisations.csv" + query + joiner + "size=50")
    assert [r["organisation_iri"] for r in rows] == column(document, "organisation_iri")
    assert [r["organisation"] for r in rows] == column(document, "organisation")
    # the same table by ?format= and by Accept
    by_format = as_json(site, "/organisations" + query + joiner + "format=json")
    assert by_format["rows"] == document["rows"]
    by_accept = get(site, "/organisations" + query, accept="application/json")
    assert by_accept.json()["rows"] == document["rows"]
    assert get(site, "/organisations" + query, accept="text/csv").headers["Content-Type"].startswith("text/csv")
    # the count the page states is the JSON total
    assert page.find("p", class_="result-count").text().split()[0].replace(".", "") == str(document["total"])


def test_the_csv_has_every_row_of_the_filtered_listing(site: InProcessSite) -> None:
    header, rows, response = as_csv(site, "/organisations.csv?type=gemeente&sort=-founded")
    document = as_json(site, "/organisations.json?type=gemeente&sort=-founded&size=1000")
    assert header == document["columns"]
    assert len(rows) == document["total"] == int(response.headers["X-Total-Count"]) > 300
    assert [r["organisation_iri"] for r in rows] == column(document, "organisation_iri")
    assert response.headers["Content-Disposition"] == 'attachment; filename="driehoek-organisations.csv"'
    assert {r["type_iri"] for r in rows} == {BASE + "def/organisation-type/gemeente"}
    # the page links to this CSV (every row, as filtered and sorted) and to its JSON
    page = html(site, "/organisations?type=gemeente&sort=-founded&page=2")
    links = {a.text(): a.attrs["href"] for a in page.find("p", class_="downloads").find_all("a")}
    assert links["CSV"] == "/organisations.csv?type=gemeente&sort=-founded"
    assert links["JSON"] == "/organisations.json?type=gemeente&sort=-founded&page=2"


def test_json_is_never_silently_capped(site: InProcessSite) -> None:
    rows, first = all_pages(site, "/organisations.json?size=1000")
    assert first["next"] == "/organisations.json?size=1000&page=2"
    assert len(rows) == first["total"] == len({row[1] for row in rows}) > 5000
    last = as_json(site, f"/organisations.json?size=1000&page={first['pages']}")
    assert last["next"] is None and last["previous"] is not None


@pytest.mark.parametrize("query", ["", "?sort=-criterion_1", "?sort=start", "?theme=digitalisering",
                                   "?status=published&sort=-end"])
def test_cases_html_csv_and_json_hold_the_same_rows(site: InProcessSite, query: str) -> None:
    page = html(site, "/cases" + query)
    document = as_json(site, "/cases.json" + query)
    assert row_hrefs(page, "cases") == [local(iri) for iri in column(document, "case_iri")]
    _header, rows, _response = as_csv(site, "/cases.csv" + query)
    assert [r["case_iri"] for r in rows] == column(document, "case_iri")
    # the ranks the page shows are the JSON's
    body = page.find("table", class_="cases").find("tbody")
    shown = [[cell.text().split()[0] for cell in tr.find_all("td", class_="num")] for tr in body.find_all("tr")]
    ranks = [[str(v) if v is not None else "–" for v in row]
             for row in zip(*(column(document, f"criterion_{n}") for n in "1234"), strict=True)]
    assert shown == ranks


def test_criteria_html_csv_and_json_hold_the_same_rows(site: InProcessSite, snapshot: pages.Snapshot) -> None:
    page = html(site, "/criteria")
    document = as_json(site, "/criteria.json")
    sections = page.find_all("section", class_="criterion")
    assert [s.find("h2").find("a").attrs["href"] for s in sections] == \
        [local(iri) for iri in column(document, "criterion_iri")]
    _header, rows, _response = as_csv(site, "/criteria.csv")
    assert [r["criterion_iri"] for r in rows] == column(document, "criterion_iri")
    columns = document["columns"]
    slugs = columns[columns.index("matches_iri") + 1: columns.index("not_assessed")]
    assert [BASE + "def/rating/" + s for s in slugs] == [link.iri for link in snapshot.pages().rating_scale()]
    for section, row in zip(sections, rows, strict=True):
        counts = [tr.find("td").text() for tr in section.find("tbody").find_all("tr")]
        assert counts == [row[s] for s in slugs] + [row["not_assessed"]]


def test_relations_html_csv_and_json_hold_the_same_rows(site: InProcessSite) -> None:
    for query in ("", "?page=3", "?sort=-start", "?type=supervises&sort=other"):
        page = html(site, "/org/mnre1034/relations" + query)
        document = as_json(site, "/org/mnre1034/relations.json" + query)
        assert row_hrefs(page, "relations") == [local(iri) for iri in column(document, "other_iri")]
        _header, rows, _response = as_csv(site, "/org/mnre1034/relations.csv" + query + ("&" if query else "?")
                                          + "size=50")
        assert [(r["other_iri"], r["relation_iri"]) for r in rows] == \
            list(zip(column(document, "other_iri"), column(document, "relation_iri"), strict=True))


# -- filters and sorting, checked against the data ----------------------------------------------------

def test_current_only_follows_the_dissolution_dates(site: InProcessSite, snapshot: pages.Snapshot) -> None:
    today = date.today().isoformat()
    dissolved = {}
    for quad in snapshot.store.quads_for_pattern(None, ox.NamedNode(pages.SCHEMA + "dissolutionDate"), None, None):
        dissolved.setdefault(quad.subject.value, set()).add(quad.object.value)
    _h, everything, _r = as_csv(site, "/organisations.csv")
    _h, current, _r = as_csv(site, "/organisations.csv?current=1")
    every_iri = {r["organisation_iri"] for r in everything}
    expected = {iri for iri in every_iri if not dissolved.get(iri) or min(dissolved[iri]) > today}
    assert {r["organisation_iri"] for r in current} == expected
    assert len(expected) < len(every_iri)  # the register has dissolved organisations
    assert all(not r["dissolved"] or r["dissolved"] > today for r in current)
    gone = [r for r in everything if r["organisation_iri"] not in expected]
    assert gone and all(r["dissolved"] and r["dissolved"] <= today for r in gone)
    # the filter keeps the others: a type and "current" together
    _h, zbo_now, _r = as_csv(site, "/organisations.csv?type=zbo&current=1")
    assert {r["organisation_iri"] for r in zbo_now} == \
        {r["organisation_iri"] for r in current if r["type_iri"].endswith("/zbo")}
    box = html(site, "/organisations?current=1").find("input", id="f-current")
    assert box.attrs.get("checked") is not None


def test_sorting_orders_the_rows_and_says_so(site: InProcessSite) -> None:
    rows, first = all_pages(site, "/organisations.json?sort=-relations&size=1000")
    counts = [row[first["columns"].index("relations")] for row in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1000
    assert rows[0][first["columns"].index("organisation_iri")] == BZK
    founded = column(as_json(site, "/organisations.json?sort=founded&size=1000&type=zbo"), "founded")
    dates = [d for d in founded if d]
    assert dates == sorted(dates) and founded[: len(dates)] == dates  # empty dates last
    page = html(site, "/organisations?sort=-relations")
    headers = page.find("table", class_="organisations").find("thead").find_all("th")
    sorted_by = [th for th in headers if "aria-sort" in th.attrs]
    assert [(th.text().split()[0], th.attrs["aria-sort"]) for th in sorted_by] == [("Relaties", "descending")]
    # the header of the sorted column sorts the other way; the others ascending, keeping the filters
    assert sorted_by[0].find("a").attrs["href"] == "/organisations?sort=relations"
    filtered = html(site, "/organisations?type=zbo&page=2")
    name = filtered.find("table", class_="organisations").find("thead").find("th").find("a").attrs["href"]
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(name).query) == {"type": ["zbo"], "sort": ["organisation"]}
    cases = column(as_json(site, "/cases.json?sort=-criterion_2"), "criterion_2")
    ranked = [c for c in cases if c is not None]
    assert ranked == sorted(ranked, reverse=True) and cases[: len(ranked)] == ranked


def test_relation_filters_by_type_and_date(site: InProcessSite) -> None:
    everything, first = all_pages(site, "/org/mnre1034/relations.json?size=1000")
    columns = first["columns"]
    assert len(everything) == first["total"]
    assert len({row[columns.index("relation_iri")] or row[columns.index("other_iri")] + row[columns.index("type_iri")]
                for row in everything}) == len(everything)
    supervision = as_json(site, "/org/mnre1034/relations.json?type=supervises&size=1000")
    assert supervision["total"] == sum(1 for r in everything if r[columns.index("type_iri")].endswith("/supervises"))
    assert {r for r in column(supervision, "type_iri")} == {BASE + "def/relation-type/supervises"}
    on = "2012-01-01"
    held = as_json(site, f"/org/mnre1034/relations.json?on={on}&size=1000")
    expected = [r for r in everything if (r[columns.index("start")] or "") <= on
                and (r[columns.index("end")] is None or r[columns.index("end")] >= on)]
    assert held["total"] == len(expected) < len(everything)
    assert all((s or "") <= on and (e is None or e >= on)
               for s, e in zip(column(held, "start"), column(held, "end"), strict=True))


def test_relations_count_is_the_relations_table(site: InProcessSite) -> None:
    """The organisation table's relation count is the number of rows /org/<code>/relations lists."""
    rows = as_json(site, "/organisations.json?sort=-relations&size=30")
    for iri, count in zip(column(rows, "organisation_iri"), column(rows, "relations"), strict=True):
        if iri.startswith("https://identifier.overheid.nl/tooi/id/"):
            code = iri.rsplit("/", 1)[-1]
            assert as_json(site, f"/org/{code}/relations.json?size=1")["total"] == count, iri
    uwv = as_json(site, "/organisations.json?q=uitvoeringsinstituut werknemersverzekeringen")
    assert as_json(site, "/org/zb000117/relations.json")["total"] == column(uwv, "relations")[0]


# -- counts link to what they count ----------------------------------------------------------------------

def test_criteria_counts_link_to_the_cases_they_count(site: InProcessSite) -> None:
    page = html(site, "/criteria")
    links = [a for s in page.find_all("section", class_="criterion") for td in s.find("tbody").find_all("td")
             for a in td.find_all("a")]
    assert len(links) >= 8
    for a in links:
        target = as_json(site, a.attrs["href"].replace("/cases?", "/cases.json?") + "&size=1")
        assert target["total"] == int(a.text())


def test_organisation_counts_link_to_their_cases_and_relations(site: InProcessSite, snapshot: pages.Snapshot) -> None:
    page = html(site, "/organisations?q=uwv")
    row = page.find("table", class_="organisations").find("tbody").find("tr")
    cases_cell, relations_cell = row.find_all("td", class_="num")
    cases_link = cases_cell.find("a").attrs["href"]
    assert cases_link == "/cases?organisation=zb000117"
    listed = as_json(site, cases_link.replace("/cases?", "/cases.json?"))
    assert listed["total"] == int(cases_cell.text())
    # the cases UWV is in, from the store: dh:involvedOrganisation or an involvement naming it
    uwv = ox.NamedNode(UWV)
    involved = {q.subject.value for q in snapshot.store.quads_for_pattern(None, ox.NamedNode(pages.DH + "involvedOrganisation"), uwv, None)}
    for quad in snapshot.store.quads_for_pattern(None, ox.NamedNode(pages.DH + "organisation"), uwv, None):
        involved |= {q.subject.value for q in snapshot.store.quads_for_pattern(
            None, ox.NamedNode(pages.DH + "involvement"), quad.subject, None)}
    assert set(column(listed, "case_iri")) == involved
    assert relations_cell.find("a").attrs["href"] == "/org/zb000117/relations"


# -- CSV injection -------------------------------------------------------------------------------------

def test_csv_cells_cannot_become_formulas(site: InProcessSite) -> None:
    _h, rows, response = as_csv(site, "/cases.csv?theme=digitalisering")
    formula = next(r for r in rows if r["case_iri"] == BASE + "id/case/formula-test")
    assert formula["case"] == "'" + FORMULAS[0]
    # the theme list starts with the formula-like title of a theme: the whole cell is neutralised
    assert formula["themes"] == "'" + FORMULAS[1] + " | digitalisering"
    # every field is quoted (RFC 4180), so a line break or a comma in a name stays in its cell
    first_line = response.content.decode("utf-8").split("\r\n", 1)[0]
    assert first_line.startswith('"case","case_iri"')
    # the JSON keeps the text as it is
    document = as_json(site, "/cases.json?theme=digitalisering")
    assert FORMULAS[0] in column(document, "case")


@pytest.mark.parametrize("text", FORMULAS)
def test_neutralise_each_formula_character(text: str) -> None:
    def cells(value: Any, kind: str = "text") -> list[str]:
        table = tables.Table("t", (tables.Column("name", {"en": "Name"}, kind),), [{"name": value}], 1, 1, None)
        return list(csv.reader(io.StringIO(tables.to_csv(table, "en"), newline="")))[1]
    assert cells(text) == ["'" + text]
    assert cells([text, "Rijkswaterstaat"], "texts") == ["'" + text + " | Rijkswaterstaat"]
    assert cells("Rijkswaterstaat") == ["Rijkswaterstaat"]
    assert cells(-3, "number") == ["-3"]  # a number driehoek computed is written as it is


# -- bad parameters: a clear 400, never a 500 --------------------------------------------------------------

@pytest.mark.parametrize("path", ["/organisations", "/cases", "/org/mnre1034/relations", "/search?q=uwv&"])
@pytest.mark.parametrize("query, parameter", [
    ("sort=spaceship", "sort"), ("sort=-", "sort"), ("page=0", "page"), ("page=-3", "page"), ("page=abc", "page"),
    ("page=999999", "page"), ("page=99999999999999999999", "page"), ("size=0", "size"), ("size=100000", "size"),
    ("format=xml", "format"),
])
def test_bad_parameters_are_a_clear_400(site: InProcessSite, path: str, query: str, parameter: str) -> None:
    url = path + ("" if path.endswith("&") else "?") + query  # search has one order: any sort is a 400
    response = get(site, url, accept="application/json")
    assert response.status_code == 400, (url, response.text[:300])
    body = response.json()
    assert body["error"] == "bad_request" and body["parameter"] == parameter and body["message"]
    page = get(site, url, accept="text/html")
    assert page.status_code == 400 and body["message"] in parse_html(page.text).find("main").text()


@pytest.mark.parametrize("url", ["/criteria?sort=notation", "/organisations.csv?size=all", "/organisations?current=maybe",
                                 "/org/mnre1034/relations?on=2020-02-30", "/org/mnre1034/relations?type=friend-of",
                                 "/cases?rating=success", "/cases?organisation=nobody", "/organisations.json?format=csv"])
def test_more_bad_parameters(site: InProcessSite, url: str) -> None:
    response = get(site, url, accept="application/json")
    assert response.status_code == 400, (url, response.text[:300])
    assert response.json()["message"]


def test_unknown_organisation_relations_are_404(site: InProcessSite) -> None:
    assert get(site, "/org/zz999999/relations", accept="application/json").status_code == 404
    assert get(site, "/organisations.xml").status_code == 404
