"""The ROO importer as a quality gate: each correction and each rule, checked against the register YAML
in ../shared/data/roo/organisaties and the graph the importer makes of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from driehoek.importers import roo

ROOT = Path(__file__).resolve().parents[1]
REGISTER = ROOT.parent / "shared" / "data" / "roo" / "organisaties"
CORRECTIONS = ROOT / "data" / "organisations" / "roo-corrections.yaml"

DH = "https://w3id.org/driehoek/def#"
TOOI = "https://identifier.overheid.nl/tooi/id/"
MINTED = "https://w3id.org/driehoek/id/organisation/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
ORGTYPE = "https://w3id.org/driehoek/def/organisation-type/"
CORNER = "https://w3id.org/driehoek/def/corner/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")

pytestmark = pytest.mark.skipif(not REGISTER.is_dir(), reason=f"the ROO register is not here: {REGISTER}")


def record(path: str) -> dict[str, Any]:
    """One register record, as the YAML file has it."""
    return yaml.safe_load((REGISTER / path).read_text("utf-8"))


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[ox.Store, roo.ImportSummary]:
    """The whole register imported once, with the curated corrections."""
    out = tmp_path_factory.mktemp("roo") / "roo.ttl"
    summary = roo.import_roo(REGISTER, out, corrections=CORRECTIONS)
    store = ox.Store()
    store.bulk_load(path=str(out), format=ox.RdfFormat.TURTLE)
    return store, summary


@pytest.fixture(scope="module")
def store(imported: tuple[ox.Store, roo.ImportSummary]) -> ox.Store:
    return imported[0]


def values(store: ox.Store, subject: str, predicate: str) -> set[str]:
    """The objects of (subject, predicate, ?) as strings."""
    return {q.object.value for q in store.quads_for_pattern(n(subject), n(predicate), None)}


def name_values(store: ox.Store, subject: str) -> set[str]:
    nodes = [q.object for q in store.quads_for_pattern(n(subject), n(DH + "hasName"), None)]
    return {q.object.value for node in nodes for q in store.quads_for_pattern(node, n(DH + "nameValue"), None)}


def test_no_correction_is_stale(imported: tuple[ox.Store, roo.ImportSummary]) -> None:
    # Every correction still matches what the register says (else it would not be applied).
    assert imported[1].stale_corrections == ()
    assert len(roo.load_corrections(CORRECTIONS)) == 10


def test_every_correction_has_a_source_and_a_reason() -> None:
    for correction in roo.load_corrections(CORRECTIONS):
        assert correction.source.startswith("https://") and len(correction.why) > 40


def test_sbb_is_the_samenwerkingsorganisatie_not_staatsbosbeheer(store: ox.Store) -> None:
    sbb = record("zbo/sbb.yaml")
    current = {x["value"] for x in sbb["names"] if not x.get("valid_until")}
    assert current == {"Samenwerkingsorganisatie Beroepsonderwijs Bedrijfsleven", "Staatsbosbeheer"}
    iri = sbb["identifiers"]["tooi"]
    assert values(store, iri, SKOS + "prefLabel") == {"Samenwerkingsorganisatie Beroepsonderwijs Bedrijfsleven"}
    assert "Staatsbosbeheer" not in name_values(store, iri)
    # Staatsbosbeheer's description is withheld; no node anywhere is called Staatsbosbeheer.
    assert sbb["description"]["text"].startswith("Staatsbosbeheer")
    assert not values(store, iri, DCTERMS + "description")
    assert not list(store.query('SELECT ?o WHERE { ?o <%sprefLabel> "Staatsbosbeheer"@nl }' % SKOS))
    # The legal basis the record gives is an article of the WEB, modelled as a provision.
    provision = "https://wetten.overheid.nl/jci1.3:c:BWBR0007625&artikel=1.5.1"
    assert values(store, iri, DH + "legalBasis") == {provision}
    assert values(store, provision, DH + "bwbId") == {"BWBR0007625"}
    assert values(store, provision, DH + "article") == {"1.5.1"}
    assert values(store, provision, DCTERMS + "isPartOf") == {"https://wetten.overheid.nl/BWBR0007625"}


@pytest.mark.parametrize("path", ["zbo/ipo.yaml", "zbo/vng.yaml", "zbo/unie-van-waterschappen.yaml", "zbo/vdp.yaml"])
def test_umbrella_associations_filed_as_zbo_are_not_zbos(store: ox.Store, path: str) -> None:
    data = record(path)
    assert data["type"] == "zbo" and not data.get("zbo_kind") and "/zbo/" not in (data["identifiers"].get("tooi") or "")
    iri = data["identifiers"].get("tooi") or MINTED + data["id"].removeprefix("org:")
    assert values(store, iri, DH + "organisationType") == {ORGTYPE + "overig"}
    assert not values(store, iri, DH + "corner")
    assert "https://identifier.overheid.nl/tooi/def/ont/Zbo" not in values(store, iri, str(RDF_TYPE.value))


def test_rekenkamer_zeeland_is_no_high_council_of_state(store: ox.Store) -> None:
    assert record("hoge-colleges/rekenkamer-zeeland.yaml")["type"] == "hoge-college"
    iri = MINTED + "rekenkamer-zeeland"
    assert values(store, iri, DH + "organisationType") == {ORGTYPE + "overig"}
    assert values(store, iri, DH + "corner") == {CORNER + "toezicht"}
    # roo_start_datum is its founding date (valid_from is the register's unknown 1900-01-01).
    assert values(store, iri, SCHEMA + "foundingDate") == {record("hoge-colleges/rekenkamer-zeeland.yaml")["roo_start_datum"]}


def test_om_is_its_own_body_accountable_to_jenv(store: ox.Store) -> None:
    om = record("organisatieonderdelen/om.yaml")
    assert om["type"] == "organisatieonderdeel" and om["parent_id"] == "org:onderdeel-sg-min-jenv"
    iri = om["identifiers"]["tooi"]
    assert values(store, iri, DH + "organisationType") == {ORGTYPE + "politie-en-om"}
    assert not values(store, iri, "http://www.w3.org/ns/org#subOrganizationOf")
    assert values(store, iri, DH + "accountableTo") == {om["relation_to_ministerie"]["tooi"]}
    assert values(store, iri, DH + "corner") == {CORNER + "uitvoering"}


def test_raad_voor_de_kinderbescherming_implements(store: ox.Store) -> None:
    rvdk = record("organisatieonderdelen/raad-voor-de-kinderbescherming-min-jenv.yaml")
    assert values(store, rvdk["identifiers"]["tooi"], DH + "corner") == {CORNER + "uitvoering"}


def test_adviescollege_with_a_zbo_tooi_code_and_zbo_kind_is_a_zbo(store: ox.Store) -> None:
    ap = record("adviescolleges/ap.yaml")
    assert ap["type"] == "adviescollege" and "/tooi/id/zbo/" in ap["identifiers"]["tooi"] and ap["zbo_kind"]
    assert values(store, ap["identifiers"]["tooi"], DH + "organisationType") == {ORGTYPE + "zbo"}
    assert values(store, ap["identifiers"]["tooi"], DH + "zboKind") == {ap["zbo_kind"]}
    # An inspectorate that is also a zbo stays an inspectorate.
    anvs = record("inspecties/anvs.yaml")
    assert "/tooi/id/zbo/" in anvs["identifiers"]["tooi"]
    assert values(store, anvs["identifiers"]["tooi"], DH + "organisationType") == {ORGTYPE + "inspectie"}


def test_abbreviation_that_does_not_fit_the_name_is_left_out(store: ox.Store) -> None:
    logius = record("agentschappen/logius.yaml")
    assert [x.get("abbr") for x in logius["names"]] == ["KOOP"]
    assert values(store, logius["identifiers"]["tooi"], SKOS + "prefLabel") == {"Logius"}
    assert not values(store, logius["identifiers"]["tooi"], SKOS + "altLabel")


def test_name_of_another_organisation_under_the_same_abbreviation_is_left_out(store: ox.Store) -> None:
    dtenv = record("organisatieonderdelen/dtenv.yaml")
    assert {x["value"] for x in dtenv["names"]} == {"Dienst Terugkeer en Vertrek", "Diensten en baten-lastenagentschappen"}
    iri = dtenv["identifiers"]["tooi"]
    assert values(store, iri, SKOS + "prefLabel") == {"Dienst Terugkeer en Vertrek"}
    assert name_values(store, iri) == {"Dienst Terugkeer en Vertrek"}
    # Its 2030 end came with that name: a future end is not stated.
    assert dtenv["valid_until"] == "2030-05-01" and not values(store, iri, SCHEMA + "dissolutionDate")


def test_owms_term_decides_between_two_current_names(store: ox.Store) -> None:
    vrf = record("gemeenschappelijke-regelingen/vrf.yaml")
    assert {x["value"] for x in vrf["names"]} == {"Veiligheidsregio Fryslân", "Veiligheidsregio Flevoland"}
    assert vrf["identifiers"]["owms"].endswith("/Veiligheidsregio_Fryslan")
    assert values(store, vrf["identifiers"]["tooi"], SKOS + "prefLabel") == {"Veiligheidsregio Fryslân"}


def test_names_nothing_decides_between_are_left_out(store: ox.Store) -> None:
    bwb = record("gemeenschappelijke-regelingen/bwb.yaml")
    assert {x["value"] for x in bwb["names"]} == {"Bedrijfsvoeringsorganisatie West Betuwe", "Belastingsamenwerking West-Brabant"}
    iri = bwb["identifiers"]["tooi"]
    assert values(store, iri, SKOS + "prefLabel") == {"BWB"}  # the abbreviation both names share
    assert not name_values(store, iri)


def test_variants_of_one_name_are_one_name(store: ox.Store) -> None:
    eemkracht = record("gemeenschappelijke-regelingen/eemkracht.yaml")
    assert {x["value"] for x in eemkracht["names"]} == {"Gemeenschappelijke regeling Eemkracht", "Eemkracht"}
    assert values(store, eemkracht["identifiers"]["tooi"], SKOS + "prefLabel") == {"Gemeenschappelijke regeling Eemkracht"}


def test_abbreviation_written_into_the_name_is_split(store: ox.Store) -> None:
    ind = record("organisatieonderdelen/agentschap-ind-min-jenv.yaml")
    assert ind["names"][0]["value"] == "Immigratie- en Naturalisatiedienst (IND)"
    assert values(store, ind["identifiers"]["tooi"], SKOS + "prefLabel") == {"Immigratie- en Naturalisatiedienst"}
    assert values(store, ind["identifiers"]["tooi"], SKOS + "altLabel") == {"IND"}


def test_one_ministry_under_three_identifiers_is_one_node(store: ox.Store) -> None:
    ezk = record("ministeries/ezk.yaml")["identifiers"]["tooi"]
    retired = {record(f"ministeries/{f}.yaml")["identifiers"]["tooi"]
               for f in ("economische-zaken-en-klimaat-2024", "economische-zaken-2026")}
    assert len(retired | {ezk}) == 3
    for iri in retired:
        assert not values(store, iri, str(RDF_TYPE.value))  # no node of its own
    assert values(store, ezk, DH + "tooiIdentifier") == retired | {ezk}
    assert values(store, ezk, "http://www.w3.org/2002/07/owl#sameAs") == retired
    # Their names are names of the one body; the merged records' links are no loop of predecessors.
    assert "Economische Zaken" in name_values(store, ezk)
    assert not values(store, ezk, DH + "predecessorOf") & {ezk}


def test_shared_roo_id_stays_with_the_record_of_its_register_page(store: ox.Store) -> None:
    ab, img = record("organisatieonderdelen/ab.yaml"), record("organisatieonderdelen/afdeling-bedrijfsvoering-img.yaml")
    assert ab["identifiers"]["roo_id"] == img["identifiers"]["roo_id"] == "28294874"
    assert values(store, MINTED + "onderdeel-ab", DH + "rooId") == {"28294874"}
    assert not values(store, MINTED + "onderdeel-afdeling-bedrijfsvoering-img", DH + "rooId")


def test_register_start_date_is_the_founding_date(store: ox.Store) -> None:
    for path, iri_key in (("zbo/uwv.yaml", "tooi"), ("zbo/acm.yaml", "tooi")):
        data = record(path)
        assert data["valid_from"] == "1900-01-01"
        assert values(store, data["identifiers"][iri_key], SCHEMA + "foundingDate") == {data["roo_start_datum"]}
    # Where the two start dates disagree, neither is stated.
    eem = record("gemeenschappelijke-regelingen/eemkracht.yaml")
    assert eem["valid_from"] != eem["roo_start_datum"]
    assert not values(store, eem["identifiers"]["tooi"], SCHEMA + "foundingDate")


def test_relation_start_is_the_later_founding_date_and_interpreted(store: ox.Store) -> None:
    acm = record("zbo/acm.yaml")
    ministry = acm["relation_to_ministerie"]["tooi"]
    (row,) = store.query(f"""SELECT ?r ?start ?status WHERE {{ ?r <{DH}from> <{acm['identifiers']['tooi']}> ;
        <{DH}to> <{ministry}> ; <{SCHEMA}startDate> ?start ; <{DH}epistemicStatus> ?status }}""")
    founding = values(store, acm["identifiers"]["tooi"], SCHEMA + "foundingDate") | values(store, ministry, SCHEMA + "foundingDate")
    assert row["start"].value == max(founding)
    assert row["status"].value.endswith("/epistemic-status/interpreted")


def test_predecessors_are_dated_sourced_relations(store: ox.Store) -> None:
    rows = list(store.query(f"""SELECT ?r ?from ?to WHERE {{ ?r <{DH}relationType>
        <https://w3id.org/driehoek/def/relation-type/predecessor-of> ; <{DH}from> ?from ; <{DH}to> ?to }}"""))
    assert rows
    for row in rows:
        assert values(store, row["r"].value, DCTERMS + "source")
        assert row["to"].value in values(store, row["from"].value, DH + "predecessorOf")
    # The register's own link: Verkeer en Waterstaat -> Infrastructuur en Milieu (merged into IenW).
    venw = record("ministeries/verkeer-en-waterstaat.yaml")
    assert venw["successor_id"] == "org:min-infrastructuur-en-milieu-2017"
    ienw = record("ministeries/ienw.yaml")["identifiers"]["tooi"]
    assert values(store, venw["identifiers"]["tooi"], DH + "predecessorOf") == {ienw}


def test_successor_that_ended_before_its_predecessor_began_is_left_out(
        imported: tuple[ox.Store, roo.ImportSummary]) -> None:
    store, summary = imported
    eli = record("ministeries/economische-zaken-landbouw-en-innovatie-2012.yaml")
    lnv = record("ministeries/landbouw-natuur-en-voedselkwaliteit-2024.yaml")
    # The register: EL&I (2010-2012) names LNV (2017-2024) among its predecessors.
    assert "org:min-landbouw-natuur-en-voedselkwaliteit-2024" in eli["predecessor_id"]
    assert eli["valid_until"] < lnv["valid_from"]
    eli_iri, lnv_iri = eli["identifiers"]["tooi"], lnv["identifiers"]["tooi"]
    assert lnv_iri not in values(store, eli_iri, DH + "predecessor")
    assert eli_iri not in values(store, lnv_iri, DH + "predecessorOf") | values(store, lnv_iri, DH + "successor")
    assert not store.query(f"ASK {{ ?r <{DH}from> <{lnv_iri}> ; <{DH}to> <{eli_iri}> }}")
    # LNV's own links stay: LVVN after it, and EZK it was split from (EZK exists still, LNV ended since).
    assert values(store, lnv_iri, DH + "successor") == {record("ministeries/lvvn.yaml")["identifiers"]["tooi"]}
    assert lnv_iri in values(store, record("ministeries/ezk.yaml")["identifiers"]["tooi"], DH + "predecessorOf")
    by_kind = {r[0]: r for r in summary.conflicts}
    assert by_kind[roo.CONFLICT_KINDS["succession-out-of-time"]][1:] == (1, 0, 0, 1)


def test_evaluations_and_identifiers(store: ox.Store) -> None:
    sbb = record("zbo/sbb.yaml")
    iri = sbb["identifiers"]["tooi"]
    (evaluation,) = [q.object for q in store.quads_for_pattern(n(iri), n(DH + "evaluation"), None)]
    expected = sbb["evaluations"][0]
    assert {q.object.value for q in store.quads_for_pattern(evaluation, n(DCTERMS + "source"), None)} == {expected["referentie"]}
    assert {q.object.value for q in store.quads_for_pattern(evaluation, n(DH + "kamerstuk"), None)} == {expected["kamerstuknummer"]}
    for key, predicate in (("oin", "oin"), ("kvk", "kvkNumber"), ("rsin", "rsin")):
        assert values(store, iri, DH + predicate) == {sbb["identifiers"][key]}
    assert values(store, iri, DH + "kaderwetZboApplies") == {"true"}
    assert values(store, iri, DH + "legalForm") == {sbb["legal_form"]}
    assert values(store, iri, DH + "rooClassification") == {c["type"] for c in sbb["classifications"]}


def test_conflict_report_counts_add_up(imported: tuple[ox.Store, roo.ImportSummary]) -> None:
    rows = imported[1].conflicts
    assert [r[0] for r in rows] == list(roo.CONFLICT_KINDS.values())
    for kind, found, by_rule, by_correction, left_out in rows:
        assert found == by_rule + by_correction + left_out, kind
    by_kind = {r[0]: r for r in rows}
    assert by_kind[roo.CONFLICT_KINDS["duplicate-body"]][1:] == (3, 3, 0, 0)
    assert by_kind[roo.CONFLICT_KINDS["type-unsupported"]][3] == 6  # the six type corrections
    assert "register conflicts" in imported[1].report()


def test_stale_correction_is_reported_not_applied(tmp_path: Path) -> None:
    stale = tmp_path / "c.yaml"
    stale.write_text(
        "corrections:\n- record: org:koepel-ipo\n  field: type\n  register: adviescollege\n  corrected: overig\n"
        "  why: a test of a correction whose register value no longer matches\n  source: https://www.ipo.nl/\n",
        "utf-8",
    )
    summary = roo.import_roo(REGISTER, tmp_path / "out.ttl", corrections=stale)
    assert summary.stale_corrections == ("org:koepel-ipo type: the register now says 'zbo'",)


def test_bad_corrections_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("corrections:\n- record: org:koepel-ipo\n  field: colour\n", "utf-8")
    with pytest.raises(roo.RooImportError, match="correction 1: missing"):
        roo.load_corrections(bad)
