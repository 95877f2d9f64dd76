"""Named queries: every query in queries/ answers with real rows on the bundled data, through
`driehoek query --name` and over HTTP (/queries/NAME, .json, .csv), and refuses bad parameters."""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from driehoek import queries
from driehoek.config import Settings
from driehoek.service import Driehoek

from . import backend
from .conftest import ROOT, Cli, Server
from .test_patterns import recount

TOOI = "https://identifier.overheid.nl/tooi/id/"
UWV = TOOI + "zbo/zb000117"
SVB = TOOI + "zbo/zb000143"
SZW = TOOI + "ministerie/mnre1073"
DUO = TOOI + "oorg/oorg10148"
ARBEIDSINSPECTIE = TOOI + "oorg/oorg12349"
REKENKAMER = TOOI + "oorg/oorg10229"
OMBUDSMAN = TOOI + "oorg/oorg10221"
AP = TOOI + "zbo/zb000215"
BELASTINGDIENST = TOOI + "oorg/oorg12368"
DEF = "https://w3id.org/driehoek/def/"
ID = "https://w3id.org/driehoek/id/"
RT = DEF + "relation-type/"
OT = DEF + "organisation-type/"
CASE = ID + "case/"
XSD = "http://www.w3.org/2001/XMLSchema#"
DH = "https://w3id.org/driehoek/def#"
PUBLISHED = DEF + "case-status/published"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"

Rows = list[dict[str, str]]


# -- fixtures: one copy of the bundled store for the CLI, one for a real server ------------------------

@pytest.fixture(scope="module")
def cli_data(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """`driehoek --data-dir <a copy of the bundled store>`; the queries only read."""
    target = tmp_path_factory.mktemp("named-cli") / "var"
    backend.copy_data_dir(bundled_data_dir, target)
    return Cli(target)


@pytest.fixture(scope="module")
def live(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `driehoek serve` on a copy of the bundled store, shared by this module's read-only tests."""
    target = tmp_path_factory.mktemp("named-server") / "var"
    backend.copy_data_dir(bundled_data_dir, target)
    # these tests read every row of every query; none is about the time limit (test_query_fairness is),
    # so a busy machine or a remote store must not turn a slow full read into a 503
    srv = Server(target, {"DRIEHOEK_QUERY_TIMEOUT": "600"})
    yield srv
    srv.stop()


def rows_of(document: dict) -> Rows:
    """SPARQL results JSON as a list of {variable: value}."""
    return [{name: term["value"] for name, term in binding.items()} for binding in document["results"]["bindings"]]


def cli_rows(cli: Cli, name: str, params: dict[str, str]) -> Rows:
    args = [arg for key, value in params.items() for arg in ("--param", f"{key}={value}")]
    result = cli("query", "--name", name, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return rows_of(json.loads(result.stdout))


def http_rows(server: Server, name: str, params: dict[str, str]) -> Rows:
    response = requests.get(f"{server.url}/queries/{name}.json", params=params, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    return rows_of(response.json())


def column(rows: Rows, name: str) -> list[str]:
    return [row.get(name, "") for row in rows]


def one(rows: Rows, **where: str) -> dict[str, str]:
    """The single row whose values match `where`."""
    found = [row for row in rows if all(row.get(k) == v for k, v in where.items())]
    assert len(found) == 1, f"{len(found)} rows match {where}: {rows[:5]}"
    return found[0]


# -- expected values: counted from the data files themselves, not through the store the queries read ----

@functools.cache
def curated() -> ox.Store:
    """The ontology and its schemes, every case file and the supervision lines, each file parsed on its own
    into a graph of its own: what the files state, from which the checks below count what to expect."""
    store = ox.Store()
    for path in [ROOT / "ontology" / "driehoek.ttl", *sorted((ROOT / "ontology" / "schemes").glob("*.ttl")),
                 *sorted((ROOT / "data" / "cases").glob("*.ttl")), ROOT / "data" / "relations" / "supervision.ttl"]:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE,
                   to_graph=ox.NamedNode("urn:x-test:" + path.relative_to(ROOT).as_posix()))
    return store


def objects(subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list[ox.Term]:
    """The distinct objects of subject and predicate in the curated files."""
    return list({str(q.object): q.object
                 for q in curated().quads_for_pattern(subject, ox.NamedNode(predicate), None)}.values())


def subjects(predicate: str, value: str) -> list[ox.NamedNode | ox.BlankNode]:
    """The distinct subjects with this predicate and IRI value in the curated files."""
    return list({str(q.subject): q.subject
                 for q in curated().quads_for_pattern(None, ox.NamedNode(predicate), ox.NamedNode(value))}.values())


def text(subject: ox.NamedNode | ox.BlankNode, predicate: str) -> str:
    """The one value of subject and predicate."""
    [value] = objects(subject, predicate)
    return value.value


def curated_cases(status: str = PUBLISHED) -> list[ox.NamedNode | ox.BlankNode]:
    """The cases of the case files with this status."""
    return [case for case in subjects(RDF_TYPE, DH + "Case") if text(case, DH + "status") == status]


def latest_ranks(case: ox.NamedNode | ox.BlankNode) -> dict[str, int]:
    """Per criterion, the rank of the latest assessment (by dcterms:date; undated ones count as earliest;
    several on the latest day: the highest rank), as /cases scores a case."""
    latest: dict[str, tuple[str, int]] = {}
    for assessment in objects(case, DH + "hasAssessment"):
        criterion = text(assessment, DH + "criterion")
        rank = int(text(ox.NamedNode(text(assessment, DH + "rating")), DH + "rank"))
        when = max((d.value for d in objects(assessment, DCTERMS + "date")), default="")
        if criterion not in latest or (when, rank) > latest[criterion]:
            latest[criterion] = (when, rank)
    return {criterion: rank for criterion, (_when, rank) in latest.items()}


# -- what each query must answer on the bundled data -----------------------------------------------------

def triangle_of_uwv(rows: Rows) -> None:
    assert one(rows, **{"from": UWV, "type": RT + "accountable-to", "to": SZW})["toLabel"] == \
        "Sociale Zaken en Werkgelegenheid"
    one(rows, **{"from": ARBEIDSINSPECTIE, "type": RT + "supervises", "to": UWV,
                 "fromLabel": "Nederlandse Arbeidsinspectie", "since": "2012-01-01"})
    one(rows, **{"from": SZW, "type": RT + "owner-of", "to": UWV})
    one(rows, **{"from": SZW, "type": RT + "principal-of", "to": UWV})
    assert {r["from"] for r in rows if r["to"] == UWV and r["type"] == RT + "supervises"} == {
        REKENKAMER, OMBUDSMAN, ARBEIDSINSPECTIE, AP}
    assert all(UWV in (r["from"], r["to"]) for r in rows)
    assert one(rows, **{"from": REKENKAMER, "to": UWV})["otherCorners"] == "toezicht"


def triangle_in_english(rows: Rows) -> None:
    assert one(rows, **{"from": ARBEIDSINSPECTIE, "to": UWV})["typeLabel"] == "supervises"
    assert one(rows, **{"from": UWV, "to": SZW, "type": RT + "accountable-to"})["typeLabel"] == "accountable to"
    # organisations have Dutch names only: the English page falls back to them
    assert one(rows, **{"from": UWV, "to": SZW, "type": RT + "accountable-to"})["fromLabel"] == \
        "Uitvoeringsinstituut Werknemersverzekeringen"


def triangle_of_svb(rows: Rows) -> None:
    one(rows, **{"from": SVB, "type": RT + "accountable-to", "to": SZW})
    one(rows, **{"from": ARBEIDSINSPECTIE, "type": RT + "supervises", "to": SVB})


def zbos_of_szw(rows: Rows) -> None:
    zbos = set(column(rows, "zbo"))
    assert {UWV, SVB} <= zbos
    assert set(column(rows, "ministry")) == {SZW}
    assert one(rows, zbo=SVB)["abbreviations"] == "SVB"
    assert one(rows, zbo=UWV)["zboLabel"] == "Uitvoeringsinstituut Werknemersverzekeringen"
    assert UWV not in set(column(rows, "dissolved"))


def implementers_without_supervisor(rows: Rows) -> None:
    organisations = set(column(rows, "organisation"))
    assert len(organisations) == len(rows) > 50
    assert not {UWV, SVB, DUO} & organisations  # each has a recorded supervisor
    assert set(column(rows, "type")) <= {OT + "agentschap", OT + "zbo"}
    assert one(rows, organisation=TOOI + "oorg/oorg10117")["organisationLabel"] == "Logius"


def supervisors_of_uwv_2024(rows: Rows) -> None:
    assert set(column(rows, "supervisor")) == {REKENKAMER, AP, OMBUDSMAN, ARBEIDSINSPECTIE}
    assert one(rows, supervisor=AP)["since"] == "2018-05-25"
    # data/relations/supervision.ttl dates this line by its rule 3, the later of the two organisations' start
    # dates in the register: UWV's roo_start_datum 2002-01-01 (the Algemene Rekenkamer's record has none)
    rekenkamer = one(rows, supervisor=REKENKAMER)
    assert (rekenkamer["inForceSince"], rekenkamer["status"]) == ("2002-01-01", DEF + "epistemic-status/interpreted")
    assert "https://wetten.overheid.nl/BWBR0013060" in one(rows, supervisor=ARBEIDSINSPECTIE)["legalBases"]


def supervisors_of_uwv_2010(rows: Rows) -> None:
    # the Arbeidsinspectie (as Inspectie SZW) from 2012, the AP's line under the GDPR from 2018; the two
    # others from UWV's start in the register (2002-01-01, supervision.ttl's rule 3: interpreted)
    assert set(column(rows, "supervisor")) == {REKENKAMER, OMBUDSMAN}
    assert set(column(rows, "inForceSince")) == {"2002-01-01"}
    assert set(column(rows, "status")) == {DEF + "epistemic-status/interpreted"}


def supervisors(rows: Rows) -> None:
    # every supervision line is in data/relations/supervision.ttl: count its qualified relations
    supervised: dict[str, set[str]] = defaultdict(set)
    dated: dict[str, set[str]] = defaultdict(set)
    for relation in subjects(DH + "relationType", RT + "supervises"):
        supervisor = text(relation, DH + "from")
        supervised[supervisor].add(text(relation, DH + "to"))
        if objects(relation, SCHEMA + "startDate"):
            dated[supervisor].add(relation.value)
    assert len(rows) == len(set(column(rows, "supervisor")))  # one row each
    assert {r["supervisor"]: int(r["organisations"]) for r in rows} == {s: len(t) for s, t in supervised.items()}
    assert {r["supervisor"]: int(r["withStartDate"]) for r in rows} == {s: len(dated[s]) for s in supervised}
    assert rows[0]["supervisor"] == REKENKAMER  # the most organisations
    assert one(rows, supervisor=ARBEIDSINSPECTIE)["organisations"] == "2"  # UWV and SVB
    counts = [int(n) for n in column(rows, "organisations")]
    assert counts == sorted(counts, reverse=True)
    assert all(int(r["inImplementation"]) <= int(r["organisations"]) for r in rows)


def ratings_of_published_cases(rows: Rows) -> None:
    # from the case files: per criterion and rating, the published cases with such an assessment (a second
    # rater who gives the case another rating counts it under that rating too)
    published = curated_cases()
    expected = Counter((text(ox.NamedNode(criterion), SKOS + "notation"), rating)
                       for case in published
                       for criterion, rating in {(text(a, DH + "criterion"), text(a, DH + "rating"))
                                                 for a in objects(case, DH + "hasAssessment")})
    assert {(r["notation"], r["rating"]): int(r["cases"]) for r in rows} == expected
    for notation in "1234":  # every published case is rated on every criterion
        assert sum(int(r["cases"]) for r in rows if r["notation"] == notation) >= len(published) > 0
    assert set(column(rows, "status")) == {DEF + "case-status/published"}


def ratings_of_draft_cases(rows: Rows) -> None:
    assert sum(int(n) for n in column(rows, "cases")) == 4  # the one draft, the Omgevingswet


def cases_per_theme(rows: Rows) -> None:
    # from the case files: per theme of the scheme, the cases with the status asked for and their titles
    [status] = set(column(rows, "status"))
    themes = {t.value for t in subjects(SKOS + "inScheme", DEF + "theme")}
    titles: dict[str, set[str]] = {theme: set() for theme in themes}
    for case in curated_cases(status):
        [title] = [t.value for t in objects(case, DCTERMS + "title") if t.language == "nl"]
        for theme in objects(case, DCTERMS + "subject"):
            titles[theme.value].add(title)
    assert len(rows) == len(themes) == 12  # every theme of the scheme, also those without a case
    assert {r["theme"]: int(r["cases"]) for r in rows} == {theme: len(t) for theme, t in titles.items()}
    assert {r["theme"]: set(filter(None, r.get("titles", "").split("; "))) for r in rows} == titles
    if status == PUBLISHED:
        assert "Ruimte voor de Rivier" in one(rows, theme=ID + "theme/water-en-klimaat")["titles"].split("; ")


def organisations_in_most_cases(rows: Rows) -> None:
    # from the case files: per organisation, the published cases it has an involvement in
    involved: dict[str, set[str]] = defaultdict(set)
    for case in curated_cases():
        for involvement in objects(case, DH + "involvement"):
            involved[text(involvement, DH + "organisation")].add(case.value)
    assert {r["organisation"]: int(r["cases"]) for r in rows} == {o: len(c) for o, c in involved.items()}
    counts = [int(n) for n in column(rows, "cases")]
    assert counts == sorted(counts, reverse=True)
    assert rows[0]["organisation"] == SZW  # policy owner of AOW, NOW, Tozo, toeslagen, UWV's backlog, debts
    uwv = one(rows, organisation=UWV)
    assert uwv["cases"] == str(len(involved[UWV])) and "hoofduitvoerder" in uwv["roles"].split(", ")
    assert "partner" in one(rows, organisation=BELASTINGDIENST)["roles"].split(", ")


def relations_changed_since_2022(rows: Rows) -> None:
    ended = one(rows, **{"from": TOOI + "ministerie/mnre1162", "to": TOOI + "oorg/oorg10002",
                         "date": "2026-02-23"})
    assert ended["change"] == "beëindigd" and ended["type"] == RT + "accountable-to"
    dates = column(rows, "date")
    assert min(dates) >= "2022-01-01" and dates == sorted(dates, reverse=True)
    assert {"begonnen", "beëindigd"} == set(column(rows, "change"))


def relations_started_since_march_2026(rows: Rows) -> None:
    # relations that began after the cabinet change of 23 February 2026, and ones ended by a
    # dissolution since then; nothing from before the date
    assert rows and "started" in set(column(rows, "change"))
    assert set(column(rows, "change")) <= {"started", "ended"}
    assert min(column(rows, "date")) >= "2026-03-01"


def founded_and_dissolved_2024(rows: Rows) -> None:
    lnv = one(rows, organisation=TOOI + "ministerie/hv_33909618")
    assert (lnv["date"], lnv["event"]) == ("2024-07-01", "opgeheven")
    # the register's record of LNV names LVVN as its successor (its only one: see the test below)
    assert "Landbouw, Visserij, Voedselzekerheid en Natuur" in lnv["successors"].split("; ")
    assert all(d.startswith("2024-") for d in column(rows, "date"))
    assert set(column(rows, "event")) == {"opgericht", "opgeheven"}


def ministries_and_their_bodies(rows: Rows) -> None:
    assert len(rows) == 12  # the current ministries
    szw = one(rows, ministry=SZW)
    assert (szw["zbos"], szw["agencies"]) == ("5", "0")
    assert one(rows, ministry=TOOI + "ministerie/mnre1090")["agencies"] == "1"  # the Belastingdienst, a part
    assert one(rows, ministry=TOOI + "ministerie/mnre1025")["zbos"] == "37"


def case_ratings_side_by_side(rows: Rows) -> None:
    # from the case files: every case, scored as /cases scores it (the latest rank on each criterion), so
    # that a second rater does not raise a score: NOW's four ratings 4 + 4 + 4 + 3, not plus the Court of Audit's
    cases = subjects(RDF_TYPE, DH + "Case")
    assert len(rows) == len(set(column(rows, "case"))) == len(cases)  # one row per case
    expected = {case.value: sum(latest_ranks(case).values()) for case in cases}
    assert {r["case"]: int(r["score"]) for r in rows} == expected
    scores = [int(n) for n in column(rows, "score")]
    assert scores == sorted(scores, reverse=True) and scores[0] <= 4 * 5
    assert rows[0]["case"] == CASE + "basisregistratie-adressen-en-gebouwen" and rows[0]["score"] == "19"
    now = one(rows, case=CASE + "now-regeling")
    assert (now["contribution"], now["durability"], now["score"]) == (
        "veerkrachtig succes", "omstreden succes", "15")
    assert one(rows, case=CASE + "omgevingswet-dso")["statusLabel"] == "concept"


def meetings_and_cases(rows: Rows) -> None:
    assert len(set(column(rows, "meeting"))) == 6
    delta = [r for r in rows if r["meeting"] == ID + "event/workshop-leren-van-de-delta-aanpak"]
    assert {r["case"] for r in delta} == {CASE + "deltawerken", CASE + "ruimte-voor-de-rivier"}
    assert one(rows, meeting=ID + "event/staatpraat-2024").get("case") is None  # no case discussed
    assert column(rows, "date") == sorted(column(rows, "date"))


def monitor_editions(rows: Rows) -> None:
    first = [r for r in rows if r["year"] == "2023"]
    assert {r["case"] for r in first} == {CASE + "now-regeling", CASE + "digid",
                                          CASE + "basisregistratie-adressen-en-gebouwen"}
    assert {r["issued"] for r in first} == {"2023-01-18"}
    assert {r["issued"] for r in rows if r["year"] == "2024"} == {"2024-09-09"}
    assert {r["publisher"] for r in rows} == {TOOI + "ministerie/mnre1034"}


def organisations_by_corner_and_type(rows: Rows) -> None:
    agencies = one(rows, corner=DEF + "corner/uitvoering", type=OT + "agentschap")
    assert agencies["organisations"] == agencies["existing"] == "26"
    assert one(rows, corner=DEF + "corner/politiek-en-beleid", type=OT + "gemeente")["existing"] == "342"
    assert one(rows, corner=DEF + "corner/politiek-en-beleid", type=OT + "ministerie")["existing"] == "12"


def cases_of_uwv(rows: Rows) -> None:
    assert one(rows, case=CASE + "now-regeling")["roleLabel"] == "hoofduitvoerder"
    assert one(rows, case=CASE + "digid")["roleLabel"] == "partner"
    assert "Sociale Zaken en Werkgelegenheid" in one(rows, case=CASE + "now-regeling")["others"].split("; ")


def names_of_ienw(rows: Rows) -> None:
    old = one(rows, name="Ministerie van Infrastructuur en Milieu")
    assert (old["abbreviation"], old["validFrom"], old["validUntil"]) == ("IenM", "2010-10-14", "2017-10-26")
    assert "Infrastructuur en Waterstaat" in column(rows, "name")


def patterns_by_criterion(rows: Rows) -> None:
    """Every criterion with every factor, the crisp-set counts recounted in plain Python from the case files
    (tests/test_patterns.py's recount; that file checks the /patterns page and the view model on them)."""
    assert len(rows) == 4 * len(subjects(SKOS + "inScheme", DEF + "factor"))
    counted = ("cases", "highCases", "lowCases", "presentHigh", "presentLow", "absentHigh", "absentLow")
    assert {(r["criterion"], r["factor"]): tuple(int(r[k]) for k in counted) for r in rows} == \
        recount(curated())["counts"]
    assert {int(r["cases"]) for r in rows} == {len(curated_cases())}  # every published case is rated on each


def rater_agreement(rows: Rows) -> None:
    """Every case and criterion, as tests/test_patterns.py's recount finds them in the case files."""
    numbers = ("raters", "ratings", "minRank", "maxRank", "spread")
    assert {(r["case"], r["criterion"]): {**{k: int(r[k]) for k in numbers}, "agreement": r["agreement"]}
            for r in rows} == recount(curated())["agreement"]
    assert len(rows) == 4 * len(subjects(RDF_TYPE, DH + "Case"))  # the drafts too


def rater_agreement_summary(rows: Rows) -> None:
    [row] = rows
    summary = recount(curated())["summary"]
    assert {k: int(row[k]) for k in summary} == summary
    assert summary["pairs"] == 4 * len(curated_cases()) and summary["multiRated"] > 0


def patterns_matrix(rows: Rows) -> None:
    """One row per published case and factor, with the presence its case file codes (empty: not coded)."""
    expected = recount(curated())
    factors = [f.value for f in subjects(SKOS + "inScheme", DEF + "factor")]
    assert {(r["case"], r["factor"]): r.get("presence", "").removeprefix(DEF + "factor-presence/") for r in rows} == {
        (case, factor): expected["presence"].get((case, factor), "")
        for case in expected["published"] for factor in factors}
    assert len(rows) == len(expected["published"]) * len(factors)


def report_year(rows: Rows) -> None:
    """The report's queries (tests/test_report.py checks their figures): real rows for 2024."""
    assert rows and set(column(rows, "year")) == {"2024"}


@dataclass(frozen=True)
class Case:
    name: str
    check: Callable[[Rows], None]
    params: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.name + "".join(f"[{k}={v}]" for k, v in self.params.items())


CASES = [
    Case("triangle-of-organisation", triangle_of_uwv),
    Case("triangle-of-organisation", triangle_in_english, {"lang": "en"}),
    Case("triangle-of-organisation", triangle_of_svb, {"org": SVB}),
    Case("zbos-of-ministry", zbos_of_szw, {"ministry": SZW}),
    Case("implementers-without-supervisor", implementers_without_supervisor),
    Case("supervisors-on-date", supervisors_of_uwv_2024, {"org": UWV, "date": "2024-01-01"}),
    Case("supervisors-on-date", supervisors_of_uwv_2010, {"date": "2010-01-01", "lang": "en"}),
    Case("supervisors", supervisors),
    Case("cases-by-criterion-and-rating", ratings_of_published_cases),
    Case("cases-by-criterion-and-rating", ratings_of_draft_cases, {"status": DEF + "case-status/draft"}),
    Case("cases-per-theme", cases_per_theme),
    Case("cases-per-theme", cases_per_theme, {"status": DEF + "case-status/draft"}),
    Case("organisations-in-most-cases", organisations_in_most_cases),
    Case("relations-changed-over-time", relations_changed_since_2022),
    Case("relations-changed-over-time", relations_started_since_march_2026, {"since": "2026-03-01", "lang": "en"}),
    Case("organisations-founded-dissolved", founded_and_dissolved_2024, {"year": "2024"}),
    Case("ministries-and-their-bodies", ministries_and_their_bodies),
    Case("case-ratings-side-by-side", case_ratings_side_by_side),
    Case("meetings-and-cases", meetings_and_cases),
    Case("monitor-editions", monitor_editions),
    Case("organisations-by-corner-and-type", organisations_by_corner_and_type),
    Case("cases-of-organisation", cases_of_uwv),
    Case("names-over-time", names_of_ienw, {"org": TOOI + "ministerie/mnre1130"}),
    Case("patterns-by-criterion", patterns_by_criterion),
    Case("patterns-matrix", patterns_matrix),
    Case("rater-agreement", rater_agreement),
    Case("rater-agreement-summary", rater_agreement_summary),
    *(Case(name, report_year, {"year": "2024"}) for name in sorted(queries.all_queries())
      if name.startswith("report-")),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_cli_answers_with_real_rows(cli_data: Cli, case: Case) -> None:
    case.check(cli_rows(cli_data, case.name, case.params))


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_json_download_answers_with_real_rows(live: Server, case: Case) -> None:
    case.check(http_rows(live, case.name, case.params))


@pytest.mark.slow
def test_csv_has_every_row_of_the_json(live: Server) -> None:
    for name in queries.all_queries():
        response = requests.get(f"{live.url}/queries/{name}.csv", timeout=60)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
        expected = http_rows(live, name, {})
        header = table[0]
        assert len(table) - 1 == len(expected) > 0, name
        assert sorted(map(tuple, table[1:])) == sorted(tuple(row.get(key, "") for key in header) for row in expected)


# -- the HTML pages --------------------------------------------------------------------------------------

class Page(HTMLParser):
    """What a test reads from an HTML page: tables (cells with their text and links), links, form
    fields, preformatted text, script elements, and the text of elements by class."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[list[list[dict[str, str]]]] = []
        self.headers: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self._texts: list[tuple[str, list[str]]] = []
        self.links: list[tuple[str, str]] = []
        self.inputs: dict[str, str] = {}
        self.textareas: dict[str, str] = {}
        self.pre: list[str] = []
        self.scripts = 0
        self.by_class: dict[str, list[str]] = {}
        self._cell: dict[str, str] | None = None
        self._th: list[str] | None = None
        self._link: list[str] | None = None
        self._pre: list[str] | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._classed: list[tuple[str, str, list[str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for name in a.get("class", "").split():
            self._classed.append((tag, name, []))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag == "td":
            self._cell = {"text": "", "href": ""}
            self.tables[-1][-1].append(self._cell)
        elif tag == "th":
            self._th = []
        if tag in ("h1", "p", "title"):
            self._texts.append((tag, []))
        elif tag == "a":
            self._link = [a.get("href", "")]
            if self._cell is not None:
                self._cell["href"] = a.get("href", "")
        elif tag == "input":
            self.inputs[a.get("name", "")] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = (a.get("name", ""), [])
        elif tag == "pre":
            self._pre = []
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if self._texts and self._texts[-1][0] == tag:
            name, parts = self._texts.pop()
            self.texts.setdefault(name, []).append(" ".join("".join(parts).split()))
        if self._classed and self._classed[-1][0] == tag:
            _tag, name, parts = self._classed.pop()
            self.by_class.setdefault(name, []).append(" ".join("".join(parts).split()))
        if tag == "td":
            self._cell = None
        elif tag == "th" and self._th is not None:
            self.headers.append("".join(self._th).strip())
            self._th = None
        elif tag == "a" and self._link is not None:
            self.links.append((self._link[0], "".join(self._link[1:]).strip()))
            self._link = None
        elif tag == "textarea" and self._textarea is not None:
            self.textareas[self._textarea[0]] = "".join(self._textarea[1])
            self._textarea = None
        elif tag == "pre" and self._pre is not None:
            self.pre.append("".join(self._pre))
            self._pre = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        for target in (self._th, self._pre):
            if target is not None:
                target.append(data)
        if self._link is not None:
            self._link.append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)
        for _tag, _name, parts in self._classed:
            parts.append(data)
        for _tag, parts in self._texts:
            parts.append(data)

    def rows(self) -> list[list[dict[str, str]]]:
        """The body rows of the results table."""
        return [row for row in self.tables[0] if row]


def get_page(server: Server, path: str, **params: str) -> tuple[requests.Response, Page]:
    response = requests.get(server.url + path, params=params, headers={"Accept": "text/html"}, timeout=60)
    assert response.headers["Content-Type"].startswith("text/html")
    return response, Page(response.text)


@pytest.mark.slow
def test_the_html_table_links_organisations_and_relations(live: Server) -> None:
    response, page = get_page(live, "/queries/triangle-of-organisation", org=UWV, lang="nl")
    assert response.status_code == 200
    assert page.headers == ["from", "type", "to", "otherCorners", "since", "until", "relation"]  # params hidden
    rows = page.rows()
    assert len(rows) == len(http_rows(live, "triangle-of-organisation", {"org": UWV}))
    accountable = [r for r in rows if r[1]["text"] == "legt verantwoording af aan"]
    assert len(accountable) == 1
    assert accountable[0][0] == {"text": "Uitvoeringsinstituut Werknemersverzekeringen", "href": "/org/zb000117"}
    assert accountable[0][2] == {"text": "Sociale Zaken en Werkgelegenheid", "href": "/org/mnre1073"}
    relation = accountable[0][6]
    assert relation["href"] == "/doc/relation/zbo-uwv-accountable-to-min-szw"
    assert page.by_class["result-count"] == [f"{len(rows)} rijen."]
    assert page.inputs["org"] == UWV
    assert "PREFIX dh:" in page.pre[0] and "?org" in page.pre[0]
    hrefs = [href for href, _text in page.links]
    assert any(h.startswith("/queries/triangle-of-organisation.json?") for h in hrefs)
    assert any(h.startswith("/queries/triangle-of-organisation.csv?") for h in hrefs)
    assert any(h.startswith("/sparql?query=") for h in hrefs)


@pytest.mark.slow
def test_the_sparql_endpoint_link_gives_the_same_rows(live: Server) -> None:
    """The query text behind the link to /sparql (and in the editable form) has the parameters filled in."""
    params = {"org": SVB, "date": "2020-06-01", "lang": "en"}
    _response, page = get_page(live, "/queries/supervisors-on-date", **params)
    link = next(href for href, _text in page.links if href.startswith("/sparql?query="))
    text = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["query"][0]
    assert text == page.textareas["query"]
    answer = requests.get(live.url + "/sparql", params={"query": text, "format": "json"}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert rows_of(answer.json()) == http_rows(live, "supervisors-on-date", params)
    assert rows_of(answer.json())


@pytest.mark.slow
def test_the_html_table_stops_at_the_cap_and_says_so(live: Server) -> None:
    from driehoek.web.named_queries import HTML_ROW_CAP

    everything = http_rows(live, "relations-changed-over-time", {"since": "1900-01-01"})
    assert len(everything) > HTML_ROW_CAP  # the API is never capped
    _response, page = get_page(live, "/queries/relations-changed-over-time", since="1900-01-01", lang="en")
    assert len(page.rows()) == HTML_ROW_CAP
    assert page.by_class["result-count"] == [
        f"The first {HTML_ROW_CAP} rows; the table stops here. The downloads below give every row."]


@pytest.mark.slow
def test_the_page_language_sets_the_labels(live: Server) -> None:
    _response, page = get_page(live, "/queries/cases-by-criterion-and-rating", lang="en")
    ratings = page.headers.index("rating")
    assert {row[ratings]["text"] for row in page.rows()} >= {"success", "resilient success"}
    assert {row[ratings]["href"] for row in page.rows()} >= {"/def/rating/success"}
    assert page.inputs["lang"] == "en"


@pytest.mark.slow
def test_values_are_escaped(live: Server) -> None:
    hostile = '"><script>alert(1)</script>'
    response, page = get_page(live, "/queries/triangle-of-organisation", lang=hostile)
    assert response.status_code == 200
    assert page.scripts == 0
    assert page.inputs["lang"] == hostile


@pytest.mark.slow
def test_the_list_of_queries(live: Server) -> None:
    listed = requests.get(live.url + "/queries", headers={"Accept": "application/json"}, timeout=30)
    assert listed.status_code == 200 and listed.headers["Content-Type"].startswith("application/json")
    body = {q["name"]: q for q in listed.json()["queries"]}
    assert set(body) == set(queries.all_queries())
    zbos = body["zbos-of-ministry"]
    assert zbos["title"] == {"en": "The zbo's of a ministry", "nl": "De zbo's van een ministerie"}
    assert zbos["params"][0] == {"name": "ministry", "kind": "iri", "default": SZW}
    assert zbos["links"]["csv"] == "/queries/zbos-of-ministry.csv"
    _response, page = get_page(live, "/queries", lang="en")
    hrefs = {href: text for href, text in page.links}
    for name, named in queries.all_queries().items():
        assert hrefs[f"/queries/{name}"] == named.title


# -- bad input -------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("path, params", [
    ("/queries/supervisors-on-date.json", {"date": "2024-13-01"}),
    ("/queries/supervisors-on-date.json", {"date": "yesterday"}),
    ("/queries/triangle-of-organisation.csv", {"org": "not an iri"}),
    ("/queries/organisations-founded-dissolved.json", {"year": "1_000"}),
    ("/queries/zbos-of-ministry.json", {"minstry": SZW}),
    ("/queries/zbos-of-ministry", {"ministry": "javascript:alert(1) x"}),
])
def test_a_bad_parameter_is_a_400(live: Server, path: str, params: dict[str, str]) -> None:
    response = requests.get(live.url + path, params=params, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


@pytest.mark.slow
def test_a_parameter_given_twice_is_a_400(live: Server) -> None:
    response = requests.get(f"{live.url}/queries/zbos-of-ministry.json?ministry={SZW}&ministry={SZW}", timeout=30)
    assert response.status_code == 400 and response.json()["parameter"] == "ministry"


@pytest.mark.slow
def test_a_bad_parameter_is_a_400_page_for_browsers(live: Server) -> None:
    response, page = get_page(live, "/queries/supervisors-on-date", date="2024-02-30")
    assert response.status_code == 400
    assert page.by_class["status-code"][0].endswith("400 · bad_request")  # the site's error page
    assert any(text.startswith("parameter date='2024-02-30'") for text in page.texts["p"])


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/queries/no-such-query", "/queries/no-such-query.json",
                                  "/queries/zbos-of-ministry.pdf"])
def test_unknown_is_a_404(live: Server, path: str) -> None:
    response = requests.get(live.url + path, timeout=30)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.slow
def test_a_function_the_store_does_not_have_is_a_400(live: Server) -> None:
    """The engine refuses the query itself: the embedded store says so, Oxigraph server and Virtuoso with a
    500 ("The custom function ... is not supported", "42001 Error SR185: Undefined procedure"): all a 400."""
    query = "SELECT (<urn:x-test:no-such-function>(1) AS ?x) WHERE { }"
    response = requests.get(live.url + "/sparql", params={"query": query}, timeout=60,
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request"


def test_the_cli_refuses_a_bad_parameter(tmp_path: Path, store_backend: str) -> None:
    result = Cli(tmp_path / "var")("query", "--name", "supervisors-on-date", "--param", "date=2024-02-30")
    assert result.exit_code != 0
    assert "date" in result.stderr and "Traceback" not in result.output


# -- a known error in the register's successions -------------------------------------------------------

@pytest.mark.slow
def test_lnv_dissolved_in_2024_has_lvvn_as_its_only_successor(cli_data: Cli) -> None:
    # The register's record of Economische Zaken, Landbouw en Innovatie (hv_17252319, 2010-10-14 to
    # 2012-12-31) lists LNV (hv_33909618, 2017-10-26 to 2024-07-01) among its predecessors: a successor that
    # ended five years before its predecessor began. The importer leaves that link out (tests/test_roo_gate.py);
    # LNV's own record names only LVVN (successor_id: org:min-lvvn).
    rows = cli_rows(cli_data, "organisations-founded-dissolved", {"year": "2024"})
    assert one(rows, organisation=TOOI + "ministerie/hv_33909618")["successors"] == \
        "Landbouw, Visserij, Voedselzekerheid en Natuur"


# -- withdrawn cases leave the answers -------------------------------------------------------------------

@pytest.mark.slow
def test_a_withdrawn_case_leaves_the_named_queries(bundled: Settings) -> None:
    service = Driehoek(bundled)
    try:
        service.withdraw(ox.NamedNode(bundled.graph_base + "cases/now-regeling"), reason="test", agent="test")
        store = service.snapshot()
        withdrawn = service.withdrawn_graphs(store)
        assert withdrawn == [bundled.graph_base + "cases/now-regeling"]
        table = queries.run(queries.get("case-ratings-side-by-side"), store, {}, withdrawn=withdrawn)
        cases = {row[table.variables.index("case")].value for row in table.rows}
        assert cases == {case.value for case in subjects(RDF_TYPE, DH + "Case")} - {CASE + "now-regeling"}
        counts = queries.run(queries.get("cases-by-criterion-and-rating"), store, {}, withdrawn=withdrawn)
        # each published case other than NOW once per criterion and rating it got (from the case files)
        expected = sum(len({(text(a, DH + "criterion"), text(a, DH + "rating"))
                            for a in objects(case, DH + "hasAssessment")})
                       for case in curated_cases() if case.value != CASE + "now-regeling")
        assert sum(int(row[counts.variables.index("cases")].value) for row in counts.rows) == expected
    finally:
        service.close()


# -- every query is complete: headers, a test, documentation ---------------------------------------------

def test_every_query_file_has_titles_and_descriptions_in_both_languages() -> None:
    files = sorted((ROOT / "queries").glob("*.rq"))
    assert len(files) >= 14
    for path in files:
        named = queries.parse_query_file(path.stem, path.read_text("utf-8"))
        assert named.title and named.title_nl, path.name
        assert named.description and named.description_nl, path.name
        # a parameter has a default, or it is an optional filter (the patterns' year, rater-agreement's case)
        # whose use the description names; test_csv_has_every_row_of_the_json runs every query without any
        for param in named.params:
            assert param.default or re.search(rf"\b{param.name}\b", named.description), (
                f"{path.name}: parameter {param.name} has no default and the description does not say what it does")
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", path.stem), path.name


def test_every_query_projects_its_parameters() -> None:
    """pyoxigraph binds a substitution only where the query projects the variable."""
    for named in queries.all_queries().values():
        code = "\n".join(line for line in named.text.splitlines() if not line.lstrip().startswith("#"))
        projection = re.search(r"\bSELECT\b(.*?)(\bWHERE\b|\{)", code, re.DOTALL | re.IGNORECASE)
        assert projection, named.name
        for param in named.params:
            assert re.search(rf"\?{param.name}\b", projection.group(1)), (
                f"{named.name}: ?{param.name} is not in the SELECT clause")


def test_every_query_has_a_test() -> None:
    tested = {case.name for case in CASES}
    others = " ".join(p.read_text("utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    for name in queries.all_queries():
        assert name in tested or name in others, f"{name}.rq has no test"


def test_every_query_is_documented() -> None:
    docs = (ROOT / "docs" / "queries.md").read_text("utf-8")
    for name, named in queries.all_queries().items():
        assert f"`{name}`" in docs, f"{name} is missing from docs/queries.md"


def test_parameters_are_checked_by_kind() -> None:
    named = queries.get("supervisors-on-date")
    bound = named.substitutions({"date": "2024-02-29"})
    assert bound[ox.Variable("org")] == ox.NamedNode(UWV)  # the default
    assert bound[ox.Variable("date")] == ox.Literal("2024-02-29", datatype=ox.NamedNode(XSD + "date"))
    for bad in ({"date": "2023-02-29"}, {"org": "urn:x y"}, {"lang": "x" * 500}, {"nope": "1"}):
        with pytest.raises(queries.BadRequest):
            named.substitutions(bad)
    year = queries.get("organisations-founded-dissolved").substitutions({"year": "+2024"})
    assert year[ox.Variable("year")] == ox.Literal("2024", datatype=ox.NamedNode(XSD + "integer"))


def test_values_inlining_keeps_prefixes_and_comments() -> None:
    named = queries.parse_query_file("t", '# title: t {\n# param: x iri http://example.org/a\n'
                                          'PREFIX ex: <http://example.org/#{>\nSELECT ?x ("{" AS ?b) WHERE { ?x ?p ?o }')
    text = named.with_values({})
    assert text.startswith('# title: t {\n# param: x iri http://example.org/a\nPREFIX ex: <http://example.org/#{>\n')
    assert text.endswith('SELECT (<http://example.org/a> AS ?x) ("{" AS ?b) WHERE { <http://example.org/a> ?p ?o }')


def test_the_text_with_values_gives_the_rows_of_the_bound_query(bundled: Settings) -> None:
    """The editor's text of a query whose parameter is used in a FILTER inside a UNION branch (a
    VALUES block at the top of the WHERE clause answered nothing there) gives the same rows as the
    query run with its parameters bound."""
    named = queries.get("relations-changed-over-time")
    given = {"since": "1900-01-01"}
    service = Driehoek(bundled)
    try:
        store = service.snapshot()
        scope = queries.dataset(store, service.withdrawn_graphs(store))
        expected = sorted(str(list(row)) for row in store.query(named.text, substitutions=named.substitutions(given),
                                                                **scope))
        inlined = sorted(str(list(row)) for row in store.query(named.with_values(given), **scope))
    finally:
        service.close()
    assert expected and inlined == expected
