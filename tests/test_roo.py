"""The ROO importer: register records in tests/data/roo -> the triples docs/model.md promises."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from driehoek.importers import roo

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "data" / "roo"
REGISTER = ROOT.parent / "shared" / "data" / "roo" / "organisaties"
COMMITTED = ROOT / "data" / "organisations" / "roo.ttl.gz"
CORRECTIONS = ROOT / "data" / "organisations" / "roo-corrections.yaml"

Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]

DH = "https://w3id.org/driehoek/def#"
DHS = "https://w3id.org/driehoek/def/"
TOOI = "https://identifier.overheid.nl/tooi/id/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")

UWV = ox.NamedNode(TOOI + "zbo/zb000117")
SZW = ox.NamedNode(TOOI + "ministerie/mnre1073")
BZK = ox.NamedNode(TOOI + "ministerie/mnre1034")
OCW = ox.NamedNode(TOOI + "ministerie/mnre1109")
AP = ox.NamedNode(TOOI + "zbo/zb000215")
TWEEDE_KAMER = ox.NamedNode(TOOI + "oorg/oorg10002")
DUIVEN = ox.NamedNode(TOOI + "gemeente/gm0226")
EZ_2010 = ox.NamedNode(TOOI + "ministerie/mnre1040")
DGKR = ox.NamedNode("https://w3id.org/driehoek/id/organisation/onderdeel-dgkr")
REKENKAMER_ZEELAND = ox.NamedNode("https://w3id.org/driehoek/id/organisation/rekenkamer-zeeland")
GR_1STROOM = ox.NamedNode("https://w3id.org/driehoek/id/organisation/gr-gemeenschappelijke-regeling-1stroom-28221679")
UWV_PAGE = ox.NamedNode("https://organisaties.overheid.nl/28212254/uwv")
ORGANISATION = ox.NamedNode("http://www.w3.org/ns/org#Organization")


def dh(name: str) -> ox.NamedNode:
    """A term of the driehoek vocabulary."""
    return ox.NamedNode(DH + name)


def concept(scheme: str, slug: str) -> ox.NamedNode:
    """A concept of one of the driehoek schemes."""
    return ox.NamedNode(f"{DHS}{scheme}/{slug}")


def parse(text: str) -> set[Triple]:
    """The triples of a Turtle text."""
    return {(q.subject, q.predicate, q.object) for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)}


def objects(graph: set[Triple], subject: object, predicate: ox.NamedNode) -> set[object]:
    """Every object of (subject, predicate, ?)."""
    return {o for s, p, o in graph if s == subject and p == predicate}


def subjects(graph: set[Triple], predicate: ox.NamedNode, obj: object) -> set[object]:
    """Every subject of (?, predicate, obj)."""
    return {s for s, p, o in graph if p == predicate and o == obj}


@pytest.fixture(scope="module")
def turtle() -> str:
    """The fixture records converted once for the module."""
    return roo.convert(FIXTURES)


@pytest.fixture(scope="module")
def graph(turtle: str) -> set[Triple]:
    """The fixture records as parsed triples."""
    return parse(turtle)


def test_uwv_is_identified_by_its_tooi_iri_and_typed(graph: set[Triple]) -> None:
    assert objects(graph, UWV, RDF_TYPE) == {
        ORGANISATION,
        ox.NamedNode("http://data.europa.eu/m8g/PublicOrganisation"),
        ox.NamedNode("https://identifier.overheid.nl/tooi/def/ont/Zbo"),
    }
    assert objects(graph, UWV, ox.NamedNode(SKOS + "prefLabel")) == {
        ox.Literal("Uitvoeringsinstituut Werknemersverzekeringen", language="nl")
    }
    assert objects(graph, UWV, ox.NamedNode(SKOS + "altLabel")) == {ox.Literal("UWV", language="nl")}
    assert objects(graph, UWV, dh("organisationType")) == {concept("organisation-type", "zbo")}
    assert objects(graph, UWV, dh("corner")) == {concept("corner", "uitvoering")}
    assert objects(graph, UWV, dh("rooId")) == {ox.Literal("28212254")}
    assert objects(graph, UWV, ox.NamedNode("http://xmlns.com/foaf/0.1/homepage")) == {ox.NamedNode("http://www.uwv.nl/")}


def test_uwv_is_accountable_to_szw_directly_and_qualified(graph: set[Triple]) -> None:
    assert objects(graph, UWV, dh("accountableTo")) == {SZW}
    relation = ox.NamedNode("https://w3id.org/driehoek/id/relation/zbo-uwv-accountable-to-min-szw")
    assert (relation, RDF_TYPE, dh("Relation")) in graph
    assert objects(graph, relation, dh("relationType")) == {concept("relation-type", "accountable-to")}
    assert objects(graph, relation, dh("from")) == {UWV}
    assert objects(graph, relation, dh("to")) == {SZW}
    assert objects(graph, relation, ox.NamedNode(DCTERMS + "source")) == {UWV_PAGE}


def test_every_fact_cites_the_register_page(graph: set[Triple]) -> None:
    assert objects(graph, UWV, ox.NamedNode(DCTERMS + "source")) == {UWV_PAGE}
    organisations = subjects(graph, RDF_TYPE, ORGANISATION)
    relations = subjects(graph, RDF_TYPE, dh("Relation"))
    assert all(objects(graph, s, ox.NamedNode(DCTERMS + "source")) for s in organisations | relations)


def test_uwv_names_and_legal_basis(graph: set[Triple]) -> None:
    (name,) = objects(graph, UWV, dh("hasName"))
    assert (name, RDF_TYPE, dh("Name")) in graph
    assert objects(graph, name, dh("nameValue")) == {
        ox.Literal("Uitvoeringsinstituut Werknemersverzekeringen", language="nl")
    }
    assert objects(graph, name, dh("abbreviation")) == {ox.Literal("UWV")}
    law = ox.NamedNode(
        "http://wetten.overheid.nl/cgi-bin/deeplink/law1/title=Wet%20structuur%20uitvoeringsorganisatie"
        "%20werk%20en%20inkomen/article=2"
    )
    assert objects(graph, UWV, dh("legalBasis")) == {law}
    label = "Wet structuur uitvoeringsorganisatie werk en inkomen (SUWI), artikel 2"
    assert objects(graph, law, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")) == {
        ox.Literal(label, language="nl")
    }


def test_unknown_1900_dates_are_left_out(graph: set[Triple]) -> None:
    assert not objects(graph, UWV, ox.NamedNode(SCHEMA + "foundingDate"))
    (name,) = objects(graph, UWV, dh("hasName"))
    assert not objects(graph, name, ox.NamedNode(SCHEMA + "startDate"))
    assert not [o for _, _, o in graph if isinstance(o, ox.Literal) and o.value.startswith("1900-01-01")]
    # A real early date survives.
    assert objects(graph, TWEEDE_KAMER, ox.NamedNode(SCHEMA + "foundingDate")) == {
        ox.Literal("1815-08-24", datatype=XSD_DATE)
    }


def test_end_dates_after_the_snapshot_are_left_out(graph: set[Triple]) -> None:
    # The register has the AP 'ending' on 2026-08-01, after it was read on 2026-05-16.
    assert not objects(graph, AP, ox.NamedNode(SCHEMA + "dissolutionDate"))
    assert objects(graph, EZ_2010, ox.NamedNode(SCHEMA + "dissolutionDate")) == {
        ox.Literal("2010-10-13", datatype=XSD_DATE)
    }


def test_scrambled_name_history_gives_the_name_valid_at_dissolution(graph: set[Triple]) -> None:
    # The record ends in 2010 but also lists a name "from 2017": the 2010 name is the current one.
    assert objects(graph, EZ_2010, ox.NamedNode(SKOS + "prefLabel")) == {ox.Literal("Economische Zaken", language="nl")}
    # The gate leaves that name out: a name cannot start after its organisation ended.
    (name,) = objects(graph, EZ_2010, dh("hasName"))
    assert objects(graph, name, dh("nameValue")) == {ox.Literal("Economische Zaken", language="nl")}


def test_record_without_tooi_gets_a_minted_iri(graph: set[Triple]) -> None:
    assert (REKENKAMER_ZEELAND, RDF_TYPE, ORGANISATION) in graph
    assert objects(graph, REKENKAMER_ZEELAND, dh("corner")) == {concept("corner", "toezicht")}
    other = parse(roo.convert(FIXTURES, base_iri="https://example.org/dh/"))
    assert (ox.NamedNode("https://example.org/dh/id/organisation/rekenkamer-zeeland"), RDF_TYPE, ORGANISATION) in other


def test_corners_by_type_parent_and_record(graph: set[Triple]) -> None:
    assert objects(graph, DUIVEN, dh("corner")) == {concept("corner", "politiek-en-beleid"), concept("corner", "uitvoering")}
    assert objects(graph, AP, dh("corner")) == {concept("corner", "toezicht")}
    # A directorate-general works in its ministry's corner.
    assert objects(graph, DGKR, ox.NamedNode("http://www.w3.org/ns/org#subOrganizationOf")) == {BZK}
    assert objects(graph, DGKR, dh("corner")) == {concept("corner", "politiek-en-beleid")}
    assert objects(graph, TWEEDE_KAMER, dh("organisationType")) == {concept("organisation-type", "parlement")}


def test_sub_organisation_and_participation_are_qualified(graph: set[Triple]) -> None:
    sub = ox.NamedNode("https://w3id.org/driehoek/id/relation/onderdeel-dgkr-sub-organisation-of-min-bzk")
    assert objects(graph, sub, dh("relationType")) == {concept("relation-type", "sub-organisation-of")}
    assert objects(graph, sub, dh("from")) == {DGKR} and objects(graph, sub, dh("to")) == {BZK}
    assert objects(graph, DUIVEN, dh("participatesIn")) == {GR_1STROOM}
    (joined,) = subjects(graph, dh("from"), DUIVEN)
    assert objects(graph, joined, dh("relationType")) == {concept("relation-type", "participates-in")}
    assert objects(graph, joined, ox.NamedNode(SCHEMA + "startDate")) == {ox.Literal("2018-01-01", datatype=XSD_DATE)}


def test_no_organisation_link_dangles(graph: set[Triple]) -> None:
    organisations = subjects(graph, RDF_TYPE, ORGANISATION)
    links = ("accountableTo", "participatesIn", "predecessor", "successor", "from", "to")
    targets = {o for _, p, o in graph if p in {dh(n) for n in links}}
    targets |= {o for _, p, o in graph if p == ox.NamedNode("http://www.w3.org/ns/org#subOrganizationOf")}
    assert targets <= organisations
    # OCW is not among the fixtures: DUO's ministry is described minimally, by the name DUO's record gives.
    assert objects(graph, OCW, ox.NamedNode(SKOS + "prefLabel")) == {
        ox.Literal("Onderwijs, Cultuur en Wetenschap", language="nl")
    }
    assert objects(graph, OCW, ox.NamedNode(DCTERMS + "source"))


def test_no_personal_data(turtle: str, graph: set[Triple]) -> None:
    values = [t.value for triple in graph for t in triple if not isinstance(t, ox.BlankNode)]
    assert not [v for v in values if re.search(r"[\w.+-]+@[\w-]+\.\w", v)]
    assert not [v for v in values if re.search(r"\(0\d+\) \d", v)]  # the fixtures' phone numbers
    assert "Voorbeeld" not in turtle and "Proef" not in turtle  # the (fictional) people in the fixtures
    # The Tweede Kamer description lists its chair; it is withheld, not trimmed.
    assert not objects(graph, TWEEDE_KAMER, ox.NamedNode(DCTERMS + "description"))
    assert objects(graph, UWV, ox.NamedNode(DCTERMS + "description"))


def test_web_addresses_are_valid_iris_or_left_out(graph: set[Triple]) -> None:
    homepage = ox.NamedNode("http://xmlns.com/foaf/0.1/homepage")
    emsburen = ox.NamedNode("https://w3id.org/driehoek/id/organisation/oovb-gemeinde-emsburen")
    assert objects(graph, emsburen, homepage) == {ox.NamedNode("http://www.emsbüren.de")}
    # 'J.voorbeeld@example.nl' in the website field is no web address.
    dp_en_o = ox.NamedNode("https://w3id.org/driehoek/id/organisation/onderdeel-dp-en-o")
    assert (dp_en_o, RDF_TYPE, ORGANISATION) in graph and not objects(graph, dp_en_o, homepage)


def test_skipped_and_unresolved_are_counted(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    summary = roo.import_roo(FIXTURES, tmp_path / "roo.ttl", progress=lambda done, total: calls.append((done, total)))
    assert summary.records_read == 26 and calls[-1] == (26, 26) and len(calls) == 26
    assert [s.file for s in summary.skipped] == ["organisatieonderdelen/abdtopconsult-min-bzk.yaml"]
    assert "org:min-bzk predecessor_id -> org:min-vro" in summary.unresolved_references
    assert summary.organisations == 28  # 25 records kept + 3 ministries described minimally
    assert summary.triples == len(parse((tmp_path / "roo.ttl").read_text("utf-8")))
    assert "26 records" in str(summary) and "skipped organisatieonderdelen/" in summary.report()


UTRECHT = ox.NamedNode(TOOI + "provincie/pv26")
IND = ox.NamedNode(TOOI + "oorg/oorg10222")
CBS = ox.NamedNode(TOOI + "zbo/zb000193")
MINTED = "https://w3id.org/driehoek/id/"


def test_a_record_end_of_a_province_that_still_exists_is_no_dissolution(graph: set[Triple]) -> None:
    # provincies/ut.yaml: valid_until 2024-02-04, but its name is still open and no successor follows.
    assert not objects(graph, UTRECHT, ox.NamedNode(SCHEMA + "dissolutionDate"))
    assert objects(graph, UTRECHT, ox.NamedNode(SKOS + "prefLabel")) == {ox.Literal("Provincie Utrecht", language="nl")}
    unit = ox.NamedNode(MINTED + "relation/onderdeel-ambtelijke-organisatie-sub-organisation-of-prov-ut")
    assert objects(graph, unit, dh("to")) == {UTRECHT}
    assert not objects(graph, unit, ox.NamedNode(SCHEMA + "endDate"))
    # A ministry (not a territorial government) keeps its dissolution.
    assert objects(graph, EZ_2010, ox.NamedNode(SCHEMA + "dissolutionDate"))


def test_parliamentary_committee_is_not_accountable_to_the_ministry_it_scrutinises(graph: set[Triple]) -> None:
    committee = ox.NamedNode(MINTED + "organisation/onderdeel-commissie-voor-sociale-zaken-en-werkgelegenheid-szw")
    assert (committee, RDF_TYPE, ORGANISATION) in graph
    assert not objects(graph, committee, dh("accountableTo"))
    assert not [s for s, p, o in graph if p == dh("from") and s.value.startswith(MINTED + "relation/") and o == committee
                and (s, dh("relationType"), concept("relation-type", "accountable-to")) in graph]
    assert objects(graph, committee, ox.NamedNode("http://www.w3.org/ns/org#linkedTo")) == {SZW}
    # UWV, not a unit of parliament, still answers to SZW.
    assert objects(graph, UWV, dh("accountableTo")) == {SZW}


def test_relation_ends_when_one_side_is_dissolved(graph: set[Triple]) -> None:
    # ADVIES is part of 'Personeel en Organisatie', dissolved 2024-06-01; the record gives no end of its own.
    relation = ox.NamedNode(MINTED + "relation/onderdeel-advies-sub-organisation-of-onderdeel-personeel-en-organisatie")
    assert objects(graph, relation, ox.NamedNode(SCHEMA + "endDate")) == {ox.Literal("2024-06-01", datatype=XSD_DATE)}
    assert not objects(graph, relation, ox.NamedNode(SCHEMA + "startDate"))
    # Relations between organisations that both exist stay open.
    uwv = ox.NamedNode(MINTED + "relation/zbo-uwv-accountable-to-min-szw")
    assert not objects(graph, uwv, ox.NamedNode(SCHEMA + "endDate"))


def test_implementing_unit_of_a_ministry_sits_in_uitvoering(graph: set[Triple]) -> None:
    assert objects(graph, IND, dh("organisationType")) == {concept("organisation-type", "organisatieonderdeel")}
    assert objects(graph, IND, dh("corner")) == {concept("corner", "uitvoering")}
    # An ordinary unit keeps its ministry's corner.
    assert objects(graph, DGKR, dh("corner")) == {concept("corner", "politiek-en-beleid")}


def test_cbs_department_filed_as_zbo_is_an_organisation_unit(graph: set[Triple]) -> None:
    bvs = ox.NamedNode(MINTED + "organisation/zbo-bvs")
    assert objects(graph, bvs, dh("organisationType")) == {concept("organisation-type", "organisatieonderdeel")}
    assert ox.NamedNode("https://identifier.overheid.nl/tooi/def/ont/Zbo") not in objects(graph, bvs, RDF_TYPE)
    assert objects(graph, bvs, ox.NamedNode("http://www.w3.org/ns/org#subOrganizationOf")) == {CBS}
    assert objects(graph, bvs, dh("corner")) == {concept("corner", "uitvoering")}
    assert objects(graph, CBS, dh("organisationType")) == {concept("organisation-type", "zbo")}


def test_conversion_is_reproducible(tmp_path: Path, turtle: str) -> None:
    assert roo.convert(FIXTURES) == turtle
    first, second = tmp_path / "a.ttl.gz", tmp_path / "b.ttl.gz"
    roo.import_roo(FIXTURES, first)
    roo.import_roo(FIXTURES, second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime 0
    assert gzip.decompress(first.read_bytes()).decode("utf-8") == turtle
    assert turtle.startswith("# ") and "driehoek import-roo" in turtle.split("@prefix", 1)[0]


def test_mappings_agree_with_the_organisation_type_scheme() -> None:
    scheme = ROOT / "ontology" / "schemes" / "organisation-types.ttl"
    triples = parse(scheme.read_text("utf-8"))
    notation = ox.NamedNode(SKOS + "notation")
    see_also = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
    for concept_iri, _, code in ((s, p, o) for s, p, o in triples if p == notation):
        assert isinstance(concept_iri, ox.NamedNode) and isinstance(code, ox.Literal)
        assert roo.ORGANISATION_TYPES[code.value] == concept_iri.value.rsplit("/", 1)[1]
        tooi = {o.value.rsplit("/", 1)[1] for o in objects(triples, concept_iri, see_also)}
        assert tooi == ({roo.TOOI_CLASS_BY_TYPE[code.value]} if code.value in roo.TOOI_CLASS_BY_TYPE else set())


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(roo.RooImportError, match="not found.*nowhere"):
        roo.convert(tmp_path / "nowhere")
    assert issubclass(roo.RooImportError, ValueError)


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "organisaties")
    (tmp_path / "organisaties" / "zbo" / "kapot.yaml").write_text("id: org:kapot\nnames: [unclosed\n", "utf-8")
    with pytest.raises(roo.RooImportError, match=r"kapot\.yaml: unreadable YAML") as caught:
        roo.convert(tmp_path / "organisaties")
    assert "\n" not in str(caught.value)


def test_record_without_id_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "zbo").mkdir()
    (tmp_path / "zbo" / "naamloos.yaml").write_text("type: zbo\nnames:\n- value: Naamloos\n", "utf-8")
    with pytest.raises(roo.RooImportError, match=r"naamloos\.yaml: record without id"):
        roo.convert(tmp_path)


@pytest.mark.slow
def test_committed_output_matches_a_fresh_import_of_the_register() -> None:
    if not REGISTER.is_dir():
        pytest.skip(f"the ROO register is not here: {REGISTER} (it lives next to the repository, in shared/)")
    committed = gzip.decompress(COMMITTED.read_bytes()).decode("utf-8")
    assert roo.convert(REGISTER, corrections=CORRECTIONS) == committed, "data/organisations/roo.ttl.gz is stale: run driehoek import-roo"
