"""Patterns across cases (issue 19): the agreement between raters and the crisp-set counts of factors
with high and low ratings. Every number the named queries give (and the view model, the page, the
CSV and the JSON built on them) is recounted here in plain Python from the raw assessments and
codings in the store, on a small fixture with a known disagreement and on the bundled data."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from driehoek import patterns
from driehoek.service import Driehoek

from .site import Element, parse_html

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "data" / "shapes" / "case-model-ok.ttl"
DH = "https://w3id.org/driehoek/def#"
PUBLISHED = "https://w3id.org/driehoek/def/case-status/published"
PRESENCE = "https://w3id.org/driehoek/def/factor-presence/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
UNION = {"use_default_graph_as_union": True}


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def objects(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list[ox.Term]:
    return list({str(q.object): q.object for q in store.quads_for_pattern(subject, n(predicate), None)}.values())


def fixture_store() -> ox.Store:
    store = ox.Store()
    for path in [ROOT / "ontology" / "driehoek.ttl", *sorted((ROOT / "ontology" / "schemes").glob("*.ttl"))]:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=n("urn:x-test:" + path.name))
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE, to_graph=n("urn:x-test:case"))
    return store


# -- the recount, from the raw triples ------------------------------------------------------------------

def recount(store: ox.Store) -> dict[str, object]:
    """Agreement per case and criterion, the overall figure and the crisp-set counts, from the quads."""
    cases = [q.subject for q in store.quads_for_pattern(None, n(RDF_TYPE), n(DH + "Case"))]
    status = {c.value: {o.value for o in objects(store, c, DH + "status")} for c in cases}
    ranks: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)  # (case, criterion) -> assessment -> rank
    raters: dict[tuple[str, str], set[str]] = defaultdict(set)
    for case in cases:
        for a in objects(store, case, DH + "hasAssessment"):
            [criterion] = objects(store, a, DH + "criterion")
            [rating] = objects(store, a, DH + "rating")
            [rank] = objects(store, rating, DH + "rank")
            ranks[(case.value, criterion.value)][a.value] = int(rank.value)
            raters[(case.value, criterion.value)] |= {o.value for o in objects(store, a, DH + "assessor")}
    agreement = {}
    for key, by_assessment in ranks.items():
        spread = max(by_assessment.values()) - min(by_assessment.values())
        count = len(raters[key])
        agreement[key] = {"raters": count, "ratings": len(by_assessment), "minRank": min(by_assessment.values()),
                          "maxRank": max(by_assessment.values()), "spread": spread,
                          "agreement": "single" if count < 2 else "agree" if spread == 0 else
                          "close" if spread == 1 else "contest"}
    published = [k for k in agreement if PUBLISHED in status[k[0]]]
    multi = [k for k in published if agreement[k]["raters"] >= 2]
    summary = {"pairs": len(published), "multiRated": len(multi),
               "agree": sum(agreement[k]["spread"] == 0 for k in multi),
               "withinOne": sum(agreement[k]["spread"] <= 1 for k in multi)}
    presence: dict[tuple[str, str], str] = {}
    for case in cases:
        for coding in objects(store, case, DH + "factorCoding"):
            [factor] = objects(store, coding, DH + "factor")
            [value] = objects(store, coding, DH + "presence")
            presence[(case.value, factor.value)] = value.value.removeprefix(PRESENCE)
    factors = [q.subject.value for q in store.quads_for_pattern(None, n(SKOS + "inScheme"),
                                                                  n("https://w3id.org/driehoek/def/factor"))]
    criteria = {k[1] for k in published} | {q.subject.value for q in store.quads_for_pattern(
        None, n(SKOS + "inScheme"), n("https://w3id.org/driehoek/def/criterion"))}
    counts = {}
    for criterion in criteria:
        rated = [k[0] for k in published if k[1] == criterion]
        level = {c: patterns.classify(agreement[(c, criterion)]["minRank"], agreement[(c, criterion)]["maxRank"])
                 for c in rated}
        for factor in factors:
            def both(lvl: str, value: str) -> int:
                return sum(1 for c in rated if level[c] == lvl and presence.get((c, factor)) == value)
            counts[(criterion, factor)] = (len(rated), sum(v == "high" for v in level.values()),
                                           sum(v == "low" for v in level.values()), both("high", "present"),
                                           both("low", "present"), both("high", "absent"), both("low", "absent"))
    return {"agreement": agreement, "summary": summary, "counts": counts, "presence": presence,
            "published": sorted({k[0] for k in published})}


def check_against_recount(built: patterns.Patterns, expected: dict[str, object]) -> None:
    agreement = expected["agreement"]
    # the named query rater-agreement, row by row (published and draft cases)
    assert {(r["case"], r["criterion"]): {k: r[k] for k in ("raters", "ratings", "minRank", "maxRank", "spread",
                                                               "agreement")}
            for r in built.raw[patterns.AGREEMENT_QUERY][1]} == agreement
    summary = expected["summary"]
    assert {k: built.summary[k] for k in summary} == summary
    if summary["multiRated"]:
        assert built.summary["agreeShare"] == pytest.approx(summary["agree"] / summary["multiRated"])
        assert built.summary["withinOneShare"] == pytest.approx(summary["withinOne"] / summary["multiRated"])
    got = {(c.criterion, c.factor): (c.cases, c.high, c.low, c.present_high, c.present_low, c.absent_high,
                                     c.absent_low) for c in built.counts}
    assert got == expected["counts"]
    assert [row.iri for row in sorted(built.cases, key=lambda r: r.iri)] == expected["published"]
    for row in built.cases:
        for factor in built.factors:
            assert row.presence[factor.iri] == expected["presence"].get((row.iri, factor.iri), "")


# -- the fixture: one published case, a contested criterion, three codings ------------------------------

def test_the_fixture_has_the_disagreement_it_was_made_for() -> None:
    store = fixture_store()
    expected = recount(store)
    raters = "https://w3id.org/driehoek/id/case/raters"
    contested = expected["agreement"][(raters, "https://w3id.org/driehoek/id/criterion/goede-organisatie")]
    assert contested == {"raters": 2, "ratings": 2, "minRank": 3, "maxRank": 5, "spread": 2, "agreement": "contest"}
    assert expected["summary"] == {"pairs": 4, "multiRated": 1, "agree": 0, "withinOne": 0}


def test_the_named_queries_agree_with_the_recount_on_the_fixture() -> None:
    store = fixture_store()
    built = patterns.build(store, UNION)
    check_against_recount(built, recount(store))
    assert built.summary["agreeShare"] == 0 and built.summary["withinOneShare"] == 0
    case = "https://w3id.org/driehoek/id/case/raters"
    cells = {c.notation: built.cases[0].ratings[c.iri] for c in built.criteria}
    assert [cells[k].level for k in "1234"] == ["high", "neither", "high", "high"]  # 5, 3-5, 5, 5
    assert cells["2"].agreement == "contest" and cells["2"].raters == 2
    early = built.count("https://w3id.org/driehoek/id/criterion/maatschappelijke-bijdrage",
                        "https://w3id.org/driehoek/def/factor/early-implementer-involvement")
    assert early is not None and (early.cases, early.high, early.present_high, early.absent_high) == (1, 1, 1, 0)
    assert patterns.agreement_of_case(store, UNION, case)[
        "https://w3id.org/driehoek/id/criterion/goede-organisatie"].agreement == "contest"


def test_a_year_keeps_only_the_cases_published_up_to_it() -> None:
    store = fixture_store()  # the fixture case has no dcterms:issued: it counts only without a year
    assert len(patterns.build(store, UNION).cases) == 1
    assert patterns.build(store, UNION, year=2030).cases == []


def test_the_exports_carry_the_numbers_and_the_caveat() -> None:
    built = patterns.build(fixture_store(), UNION)
    document = json.loads(json.dumps(built.to_json()))
    assert document["caveat"]["en"].startswith("Mind: n is small and co-occurrence is not causation")
    assert document["caveat"]["nl"]
    assert len(document["counts"]) == len(built.counts) == len(built.factors) * len(built.criteria)
    counts = list(csv.DictReader(io.StringIO(built.to_csv("counts"))))
    assert [(r["criterion"], r["factor"], int(r["n"]), int(r["present_high"])) for r in counts] == \
        [(c.criterion, c.factor, c.cases, c.present_high) for c in built.counts]
    assert all(r["caveat"] == patterns.CAVEAT[1] for r in counts)
    matrix = list(csv.DictReader(io.StringIO(built.to_csv("matrix"))))
    assert [r["case"] for r in matrix] == [c.iri for c in built.cases]
    assert matrix[0]["factor_F10_stable-funding"] == "absent" and matrix[0]["criterion_2_agreement"] == "contest"
    with pytest.raises(ValueError, match="choose one of"):
        built.to_csv("nonsense")


# -- the bundled data ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled_store(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    from . import backend
    target = tmp_path_factory.mktemp("patterns") / "var"
    backend.copy_data_dir(bundled_data_dir, target)
    service = Driehoek(backend.settings_for(target))
    store = service.snapshot()
    service.close()
    return store


def test_the_named_queries_agree_with_the_recount_on_the_bundled_data(bundled_store: ox.Store) -> None:
    expected = recount(bundled_store)
    built = patterns.build(bundled_store, UNION)
    check_against_recount(built, expected)
    assert len(built.factors) == 10 and len(built.criteria) == 4
    assert built.cases, "the bundled data has published cases"


def test_the_report_section_gives_the_same_counts(bundled_store: ox.Store) -> None:
    from driehoek import report
    built = report.build_report(bundled_store, 2026)
    figure = built.figures["patterns"]
    direct = patterns.build(bundled_store, UNION, year=2026)
    assert [(r["criterion"], r["factor"], r["cases"], r["presentHigh"], r["absentLow"]) for r in figure.rows] == \
        [(c.criterion, c.factor, c.cases, c.present_high, c.absent_low) for c in direct.counts]


# -- the pages -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from driehoek.app import create_app

    from . import backend
    target = tmp_path_factory.mktemp("patterns-web") / "var"
    backend.copy_data_dir(bundled_data_dir, target)
    return create_app(backend.settings_for(target)).test_client()


def html(client, path: str, lang: str = "nl") -> Element:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "text/html", "Accept-Language": lang})
    assert response.status_code == 200, response.data[:500]
    return parse_html(response.get_data(as_text=True))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_patterns_page_shows_the_matrix_counts_and_caveat(client, bundled_store: ox.Store, lang: str) -> None:  # type: ignore[no-untyped-def]
    expected = recount(bundled_store)
    document = html(client, "/patterns", lang)
    assert document.find("html").attrs["lang"] == lang
    caveat = document.find(id="caveat").text()
    assert patterns.CAVEAT[0 if lang == "nl" else 1][:40] in caveat
    matrix = document.find("table", class_="patterns-matrix")
    rows = matrix.find("tbody").find_all("tr")
    assert len(rows) == len(expected["published"])
    for row in rows:
        case_href = row.find("th").find("a").attrs["href"]
        case = "https://w3id.org/driehoek/id/" + case_href.removeprefix("/doc/")
        for cell in row.find_all("td"):
            if "data-factor" in cell.attrs:
                assert cell.attrs["data-presence"] == expected["presence"].get((case, cell.attrs["data-factor"]), "")
    for table in document.find_all("table", class_="patterns-counts"):
        criterion = table.attrs["data-criterion"]
        for tr in table.find("tbody").find_all("tr"):
            cells = [td.text() for td in tr.find_all("td")]
            n_, high, low, ph, pl, ah, al = expected["counts"][(criterion, tr.attrs["data-factor"])]
            assert cells == [f"{ph} / {high}", f"{ah} / {high}", f"{pl} / {low}", f"{al} / {low}"]
    links = {a.attrs.get("href") for a in document.find_all("a")}
    assert {"/patterns.json", "/patterns.csv?table=counts"} <= links
    assert {f"/queries/{q}" for q in patterns.QUERIES} <= links


def test_the_patterns_downloads_parse_and_match(client, bundled_store: ox.Store) -> None:  # type: ignore[no-untyped-def]
    expected = recount(bundled_store)
    document = client.get("/patterns.json").get_json()
    assert document["caveat"]["en"] == patterns.CAVEAT[1]
    got = {(c["criterion"], c["factor"]): (c["n"], c["high"], c["low"], c["presentHigh"], c["presentLow"],
                                           c["absentHigh"], c["absentLow"]) for c in document["counts"]}
    assert got == expected["counts"]
    assert sorted(r["case"] for r in document["matrix"]) == expected["published"]
    response = client.get("/patterns.csv?table=counts")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    counts = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {(r["criterion"], r["factor"]): int(r["n"]) for r in counts} == {k: v[0] for k, v in expected["counts"].items()}
    matrix = list(csv.DictReader(io.StringIO(client.get("/patterns.csv").get_data(as_text=True))))
    assert sorted(r["case"] for r in matrix) == expected["published"]
    bad = client.get("/patterns.csv?table=nonsense", headers={"Accept": "application/json"})
    assert bad.status_code == 400 and "choose one of" in bad.get_data(as_text=True)
    assert client.get("/patterns.xml", headers={"Accept": "application/json"}).status_code == 404


def test_the_case_page_shows_raters_and_codings(client, bundled_store: ox.Store) -> None:  # type: ignore[no-untyped-def]
    expected = recount(bundled_store)
    multi = sorted({k[0] for k, v in expected["agreement"].items() if v["raters"] >= 2})
    assert multi, "the bundled data has a case with a second rater"
    case = multi[0]
    document = html(client, "/doc/" + case.removeprefix("https://w3id.org/driehoek/id/"), "en")
    shown = {li.attrs["data-criterion"]: li.attrs["data-agreement"] for li in document.find("ul", class_="agreement").find_all("li")}
    assert shown == {k[1]: v["agreement"] for k, v in expected["agreement"].items() if k[0] == case and v["raters"] >= 2}
    codings = {tr.attrs["data-factor"]: tr.attrs["data-presence"]
               for tr in document.find("table", class_="codings").find("tbody").find_all("tr")}
    assert codings == {f: p for (c, f), p in expected["presence"].items() if c == case}
    assessors = {a.attrs.get("href") for a in document.find("table", class_="assessments").find_all("a")}
    assert len([k for k in expected["agreement"] if k[0] == case]) == 4
    assert any(h and h.startswith("/doc/organisation/") for h in assessors)
