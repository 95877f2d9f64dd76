"""History and valid time (issue 15, points 3 and 4): the curated history in
data/organisations/history.ttl, its predecessor chains checked against their sources' dates and the
register YAML, the named queries "accountable to / supervised by on date D" on both sides of
reorganisations (each answer derived from the data's sourced dates by an independent evaluation in
Python, never from the query itself), and the organisation page showing the history."""

from __future__ import annotations

import datetime
import gzip
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import yaml
from rdflib.namespace import DCTERMS, RDF, SKOS

from driehoek import queries
from driehoek.app import create_app
from driehoek.config import Settings
from driehoek.history import holds_on
from driehoek.service import Driehoek

from . import backend
from .conftest import ROOT

HISTORY = ROOT / "data" / "organisations" / "history.ttl"
REGISTER = ROOT.parent / "shared" / "data" / "roo" / "organisaties"
DH = rdflib.Namespace("https://w3id.org/driehoek/def#")
SCHEMA = rdflib.Namespace("https://schema.org/")
RT = rdflib.Namespace("https://w3id.org/driehoek/def/relation-type/")
CHANGE = rdflib.Namespace("https://w3id.org/driehoek/def/change-kind/")
ORG = "https://w3id.org/driehoek/id/organisation/"
TOOI = "https://identifier.overheid.nl/tooi/id/"
ACM, IGJ, DUO, UWV, ILT = (TOOI + "zbo/zb000217", TOOI + "oorg/oorg12354", TOOI + "oorg/oorg10148",
                           TOOI + "zbo/zb000117", TOOI + "oorg/oorg10006")
AP, EZ = TOOI + "zbo/zb000215", TOOI + "ministerie/mnre1045"
CWI, IBG, IVW = (ORG + "centrale-organisatie-werk-en-inkomen", ORG + "informatie-beheer-groep",
                 ORG + "inspectie-verkeer-en-waterstaat")
AENM = TOOI + "ministerie/mnre1162"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


@pytest.fixture(scope="module")
def history() -> rdflib.Graph:
    """The curated history file, parsed."""
    return rdflib.Graph().parse(HISTORY)


def register(tooi: str) -> dict:
    """The register YAML record with this TOOI IRI (exactly one)."""
    if not REGISTER.is_dir():  # as in test_roo_gate: the register lives next to the repository
        pytest.skip(f"the ROO register is not here: {REGISTER} (it lives next to the repository, in shared/)")
    found = [yaml.safe_load(p.read_text("utf-8")) for p in REGISTER.rglob("*.yaml") if tooi in p.read_text("utf-8")]
    found = [d for d in found if (d.get("identifiers") or {}).get("tooi") == tooi]
    assert len(found) == 1, tooi
    return found[0]


def day(text: str, delta: int = 0) -> str:
    """An ISO date moved by `delta` days."""
    return (datetime.date.fromisoformat(text) + datetime.timedelta(days=delta)).isoformat()


def predecessor_relations(g: rdflib.Graph, successor: str) -> dict[str, rdflib.term.Node]:
    """predecessor IRI -> its qualified predecessor-of relation node, for one successor."""
    return {str(g.value(r, DH["from"])): r for r in g.subjects(DH.relationType, RT["predecessor-of"])
            if str(g.value(r, DH.to)) == successor}


# -- the data: sources, dates, chains ---------------------------------------------------------------------

def test_every_relation_has_a_source_a_direct_triple_and_a_predecessor_day(history: rdflib.Graph) -> None:
    relations = list(history.subjects(RDF.type, DH.Relation))
    assert len(relations) >= 20
    for r in relations:
        assert list(history.objects(r, DCTERMS.source)), r
        prop = {RT["predecessor-of"]: DH.predecessorOf, RT["accountable-to"]: DH.accountableTo}[
            history.value(r, DH.relationType)]
        assert (history.value(r, DH["from"]), prop, history.value(r, DH.to)) in history, r
        if prop == DH.predecessorOf:
            assert history.value(r, SCHEMA.startDate) is not None, f"{r}: the day of the change"
            assert history.value(r, DH.changeKind) in set(CHANGE[k] for k in
                                                          ("merger", "split", "absorption", "transfer-of-tasks", "renaming"))


def test_a_minted_predecessor_ends_the_day_before_its_successor_begins(history: rdflib.Graph) -> None:
    checked = 0
    for r in history.subjects(DH.relationType, RT["predecessor-of"]):
        before = history.value(r, DH["from"])
        ended = history.value(before, SCHEMA.dissolutionDate)
        if str(before).startswith(ORG) and ended is not None:
            assert str(ended) == day(str(history.value(r, SCHEMA.startDate)), -1), before
            checked += 1
    assert checked >= 8


def test_minted_iris_are_the_full_dutch_name_as_a_slug(history: rdflib.Graph) -> None:
    minted = {s for s in history.subjects(RDF.type, rdflib.URIRef("http://data.europa.eu/m8g/PublicOrganisation"))
              if str(s).startswith(ORG)}
    assert len(minted) == 8
    for node in minted:
        name = next(str(l) for l in history.objects(node, SKOS.prefLabel) if l.language == "nl")
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        assert str(node) == ORG + "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))


@pytest.mark.parametrize(("successor", "predecessors", "kind"), [
    (ACM, {"nederlandse-mededingingsautoriteit", "onafhankelijke-post-en-telecommunicatie-autoriteit",
           "consumentenautoriteit"}, "merger"),
    (IGJ, {"inspectie-voor-de-gezondheidszorg", "onderdeel-inspectie-jeugdzorg"}, "merger"),
    (ILT, {"inspectie-verkeer-en-waterstaat", "vrom-inspectie"}, "merger"),
    (DUO, {"informatie-beheer-groep"}, "merger"),
])
def test_chain_begins_on_the_register_start_date_of_the_successor(
        history: rdflib.Graph, successor: str, predecessors: set[str], kind: str) -> None:
    found = predecessor_relations(history, successor)
    assert set(found) == {ORG + p for p in predecessors}
    start = register(successor)["roo_start_datum"]  # the register's own start date of the successor
    for r in found.values():
        assert str(history.value(r, SCHEMA.startDate)) == start
        assert history.value(r, DH.changeKind) == CHANGE[kind]
        assert history.value(r, DH.epistemicStatus) is None  # a sourced fact


def test_acm_chain_is_sourced_to_the_register_page_that_tells_the_merger(history: rdflib.Graph) -> None:
    record = register(ACM)
    page = next(s["url"] for s in record["sources"] if s["id"] == "roo")
    text = record["description"]["text"]
    for r in predecessor_relations(history, ACM).values():
        assert rdflib.URIRef(page) in set(history.objects(r, DCTERMS.source))
    for name in ("Consumentenautoriteit", "Nederlandse Mededingingsautoriteit",
                 "Onafhankelijke Post en Telecommunicatie Autoriteit"):
        assert name in text  # what the register page says, the data repeats
    law = re.search(r"BWBR\d{7}", record["wettelijke_grondslagen"][0]["referentie"]).group(0)
    r = next(iter(predecessor_relations(history, ACM).values()))
    assert history.value(r, DH.legalBasis) == rdflib.URIRef(f"https://wetten.overheid.nl/{law}")


def test_cwi_was_absorbed_by_uwv_and_began_with_it(history: rdflib.Graph) -> None:
    (r,) = predecessor_relations(history, UWV).values()
    assert history.value(r, DH.changeKind) == CHANGE.absorption
    # CWI and UWV were both established by the Wet SUWI on the register's start date of UWV
    assert str(history.value(rdflib.URIRef(CWI), SCHEMA.foundingDate)) == register(UWV)["roo_start_datum"]
    assert rdflib.URIRef("https://wetten.overheid.nl/BWBR0013060") in set(history.objects(r, DCTERMS.source))


def test_cbp_and_the_ap_are_one_body_with_names_over_time(history: rdflib.Graph) -> None:
    # the rule: a renaming keeps the node, so no minted CBP node and no predecessor relation
    assert (rdflib.URIRef(ORG + "college-bescherming-persoonsgegevens"), None, None) not in history
    names = {str(history.value(n, DH.abbreviation)): n for n in history.objects(rdflib.URIRef(AP), DH.hasName)}
    assert str(history.value(names["CBP"], SCHEMA.endDate)) == day(str(history.value(names["AP"], SCHEMA.startDate)), -1)


def test_2010_ministry_mergers_begin_the_day_after_the_register_ends_the_old_ministries(history: rdflib.Graph) -> None:
    checked = 0
    for r in history.subjects(DH.changeKind, CHANGE.merger):
        before = str(history.value(r, DH["from"]))
        if "/ministerie/" in before:
            assert str(history.value(r, SCHEMA.startDate)) == day(register(before)["valid_until"], 1)
            checked += 1
    assert checked == 4


def test_ministry_names_over_time_do_not_overlap(history: rdflib.Graph) -> None:
    for ministry in history.subjects(DH.hasName, None, unique=True):
        if "/ministerie/" not in str(ministry):
            continue
        spans = sorted((str(history.value(n, SCHEMA.startDate) or ""), str(history.value(n, SCHEMA.endDate) or "9999"))
                       for n in history.objects(ministry, DH.hasName))
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert start and day(end, 1) == start, ministry


def test_register_nodes_described_here_repeat_the_register_name(history: rdflib.Graph) -> None:
    """A register node this file describes (names over time) must carry the ROO import's own name,
    or the union would give it two."""
    roo = ox.Store()
    with gzip.open(ROOT / "data" / "organisations" / "roo.ttl.gz", "rb") as stream:
        roo.bulk_load(stream, ox.RdfFormat.TURTLE)
    described = {s for s in history.subjects(SKOS.prefLabel, None) if str(s).startswith(TOOI)}
    assert len(described) == 6
    for node in described:
        ours = {str(l) for l in history.objects(node, SKOS.prefLabel)}
        theirs = {q.object.value for q in roo.quads_for_pattern(ox.NamedNode(str(node)),
                                                                 ox.NamedNode(str(SKOS.prefLabel)), None)}
        assert ours == theirs, node


# -- valid time: the named queries against an independent evaluation ------------------------------------

@pytest.fixture(scope="module")
def service(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driehoek]:
    """The bundled store (a copy), for in-process named queries and pages."""
    target = tmp_path_factory.mktemp("history") / "var"
    backend.copy_data_dir(bundled_data_dir, target)
    svc = Driehoek(backend.settings_for(target))
    yield svc
    svc.close()


def answer(svc: Driehoek, name: str, var: str, **params: str) -> set[str]:
    """The values of one column of a named query's answer."""
    store = svc.snapshot()
    table = queries.run(queries.get(name), store, params, withdrawn=svc.withdrawn_graphs(store))
    return {row[table.variables.index(var)].value for row in table.rows}


def expected(svc: Driehoek, relation_type: str, org: str, on: str, side: str) -> set[str]:
    """Who `org` relates to on day `on`, evaluated in Python from the relations' and organisations'
    dates: start <= on <= end (open ends hold), and both organisations existed on that day."""
    store = svc.snapshot()
    me, other = ("from", "to") if side == "from" else ("to", "from")
    sparql = f"""PREFIX dh: <https://w3id.org/driehoek/def#> PREFIX schema: <https://schema.org/>
      SELECT ?r ?other ?start ?end WHERE {{ ?r dh:relationType <{RT[relation_type]}> ; dh:{me} <{org}> ;
        dh:{other} ?other . OPTIONAL {{ ?r schema:startDate ?start }} OPTIONAL {{ ?r schema:endDate ?end }} }}"""

    def existed(iri: str) -> bool:
        dates = {p: [q.object.value for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(str(SCHEMA[p])), None)]
                 for p in ("foundingDate", "dissolutionDate")}
        return all(d <= on for d in dates["foundingDate"]) and all(on <= d for d in dates["dissolutionDate"])

    found = set()
    for row in store.query(sparql, **queries.dataset(store, svc.withdrawn_graphs(store))):
        start, end = (row[v].value if row[v] is not None else None for v in ("start", "end"))
        if holds_on(start, end, on) and existed(org) and existed(row["other"].value):
            found.add(row["other"].value)
    return found


def around(*days: str) -> list[str]:
    """Each day, the day before and the day after."""
    return sorted({day(d, delta) for d in days for delta in (-1, 0, 1)})


@pytest.mark.slow
def test_accountable_to_on_date_on_both_sides_of_reorganisations(service: Driehoek, history: rdflib.Graph) -> None:
    g = history
    cwi_end = str(g.value(rdflib.URIRef(CWI), SCHEMA.dissolutionDate))
    ibg_end = str(g.value(rdflib.URIRef(IBG), SCHEMA.dissolutionDate))
    ivw = sorted((str(g.value(r, SCHEMA.startDate) or ""), str(g.value(r, SCHEMA.endDate)), str(g.value(r, DH.to)))
                 for r in g.subjects(DH["from"], rdflib.URIRef(IVW)) if g.value(r, DH.relationType) == RT["accountable-to"])
    (_, first_end, first_ministry), (second_start, second_end, second_ministry) = ivw
    scenarios = {CWI: around(cwi_end), IBG: around(ibg_end), IVW: around(first_end, second_end),
                 AENM: around("2024-07-02", "2026-02-23"), ILT: around("2012-01-01"), UWV: around("2009-01-01")}
    for org, days in scenarios.items():
        for on in days:
            got = answer(service, "accountable-to-on-date", "accountableTo", org=org, date=on)
            assert got == expected(service, "accountable-to", org, on, "from"), (org, on)
    # and the data's own story, on the days the data gives
    szw = str(g.value(rdflib.URIRef(CWI), DH.accountableTo))
    assert answer(service, "accountable-to-on-date", "accountableTo", org=CWI, date=cwi_end) == {szw}
    assert answer(service, "accountable-to-on-date", "accountableTo", org=CWI, date=day(cwi_end, 1)) == set()
    assert answer(service, "accountable-to-on-date", "accountableTo", org=IVW, date=first_end) == {first_ministry}
    assert answer(service, "accountable-to-on-date", "accountableTo", org=IVW, date=second_start) == {second_ministry}
    assert answer(service, "accountable-to-on-date", "accountableTo", org=IVW, date=day(second_end, 1)) == set()


@pytest.mark.slow
def test_supervisors_on_date_on_both_sides(service: Driehoek) -> None:
    for org in (UWV, DUO, ACM):
        for on in around("2009-01-01", "2012-01-01", "2018-05-25", "2024-01-01"):
            got = answer(service, "supervisors-on-date", "supervisor", org=org, date=on)
            assert got == expected(service, "supervises", org, on, "to"), (org, on)


@pytest.mark.slow
def test_predecessors_and_successors_query(service: Driehoek, history: rdflib.Graph) -> None:
    store = service.snapshot()
    table = queries.run(queries.get("predecessors-and-successors"), store, {"org": ACM, "lang": "en"})
    rows = [{v: (c.value if c else None) for v, c in zip(table.variables, row)} for row in table.rows]
    mine = {r["other"]: r for r in rows if r["direction"] == "predecessor" and r["other"].startswith(ORG)}
    assert set(mine) == set(predecessor_relations(history, ACM))
    for iri, r in mine.items():
        assert r["day"] == str(history.value(predecessor_relations(history, ACM)[iri], SCHEMA.startDate))
        assert r["kindLabel"] == "merger"
    # seen from the other side, the ACM is NMa's successor
    table = queries.run(queries.get("predecessors-and-successors"), store,
                        {"org": ORG + "nederlandse-mededingingsautoriteit"})
    assert {row[table.variables.index("other")].value for row in table.rows} == {ACM}


# -- the organisation page ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(service: Driehoek):  # type: ignore[no-untyped-def]
    """Flask's test client on the bundled store."""
    return create_app(service.settings, service=service).test_client()


@pytest.mark.slow
def test_organisation_page_shows_predecessors_with_day_and_kind(client, history: rdflib.Graph) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/org/zb000217?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    section = html[html.index('id="history"'):html.index("</section>", html.index('id="history"'))]
    for iri, r in predecessor_relations(history, ACM).items():
        assert f'href="/doc/organisation/{iri.removeprefix(ORG)}"' in section
        assert f'<time datetime="{history.value(r, SCHEMA.startDate)}">' in section
        assert f'href="/doc/relation/{str(r).rsplit("/", 1)[1]}"' in section
    assert section.count('class="kind">merger<') == 3


@pytest.mark.slow
def test_organisation_page_shows_names_over_time_and_the_status_of_a_relation(client) -> None:  # type: ignore[no-untyped-def]
    ap = client.get("/org/zb000215?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    names = ap[ap.index('id="names"'):ap.index("</section>", ap.index('id="names"'))]
    assert "College bescherming persoonsgegevens" in names and '<time datetime="2015-12-31">' in names
    ivw = client.get("/doc/organisation/inspectie-verkeer-en-waterstaat?lang=en",
                     headers={"Accept": "text/html"}).get_data(as_text=True)
    relations = ivw[ivw.index('id="relations"'):ivw.index("</section>", ivw.index('id="relations"'))]
    # both accountability lines are our reading (epistemic:interpreted), and dated
    assert relations.count('class="tag epistemic"') == 2 and ">interpreted<" in relations
    assert '<time datetime="2010-10-13">' in relations and '<time datetime="2010-10-14">' in relations
    history_section = ivw[ivw.index('id="history"'):]
    assert 'href="/org/oorg10006"' in history_section.split("</section>")[0]
