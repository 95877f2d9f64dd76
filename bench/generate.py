"""Synthetic governance data at any size, for the benchmarks: deterministic by seed, streamed.

    .venv/bin/python bench/generate.py --triples 1000000 --seed 1 --out /tmp/gov-1m.nt

Writes N-Triples in the real vocabulary (docs/model.md) that passes the SHACL gate
(ontology/shapes.ttl): organisations with TOOI-like IRIs, their types, corners and names over time;
relations between them over time, each as a direct triple and a qualified dh:Relation node; cases
with their involvements and one assessment per criterion; learning-community meetings; monitor
editions. Check a sample with `driehoek validate`.

The IRIs look like the real ones but never clash with them: TOOI-like codes start at 900000
(`https://identifier.overheid.nl/tooi/id/zbo/zb900123`), minted slugs end in `-syn-{n}`. Nothing
here is a fact about a real organisation.

Memory stays bounded at any size: organisations are laid out in blocks by type, so "a random zbo" is
a random index in a range, and nothing but a line buffer is kept. The output is about `--triples`
triples (it stops at the first whole case or meeting at or past the count) and the same for the
same seed.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

DH = "https://w3id.org/driehoek/def#"
ID = "https://w3id.org/driehoek/id/"
DEF = "https://w3id.org/driehoek/def/"
TOOI = "https://identifier.overheid.nl/tooi/id/"
TOOIONT = "https://identifier.overheid.nl/tooi/def/ont/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
ORG = "http://www.w3.org/ns/org#"
CV = "http://data.europa.eu/m8g/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
XSD = "http://www.w3.org/2001/XMLSchema#"

CODE_BASE = 900_000  # TOOI-like codes from here on: no real organisation has one this high

# Shares of the triple budget: organisations, relations, then cases and meetings for the rest.
ORG_SHARE, RELATION_SHARE = 0.35, 0.25
ORG_TRIPLES, RELATION_TRIPLES = 27, 9  # about, per organisation and per relation (measured)


@dataclass(frozen=True)
class OrgKind:
    """One organisation type: its share, TOOI path and code prefix, classes and corners."""

    slug: str  # concept in dhs:organisation-type
    share: float
    tooi: str | None  # TOOI path and code prefix, or None: a minted IRI
    prefix: str
    tooi_class: str | None
    corners: tuple[str, ...]
    name_nl: str  # how a name starts
    name_en: str


MINISTRIES = 12
KINDS = (
    OrgKind("ministerie", 0.0, "ministerie", "mnre", "Ministerie", ("politiek-en-beleid",), "Ministerie van", "Ministry of"),
    OrgKind("gemeente", 0.33, "gemeente", "gm", "Gemeente", ("politiek-en-beleid", "uitvoering"), "Gemeente", "Municipality of"),
    OrgKind("provincie", 0.03, "provincie", "pv", "Provincie", ("politiek-en-beleid", "uitvoering"), "Provincie", "Province of"),
    OrgKind("waterschap", 0.04, "waterschap", "ws", "Waterschap", ("politiek-en-beleid", "uitvoering"), "Waterschap", "Water authority"),
    OrgKind("zbo", 0.15, "zbo", "zb", "Zbo", ("uitvoering",), "Stichting", "Foundation for"),
    OrgKind("agentschap", 0.08, "oorg", "oorg", None, ("uitvoering",), "Rijksdienst voor", "Government service for"),
    OrgKind("inspectie", 0.05, "oorg", "oorg", None, ("toezicht",), "Inspectie", "Inspectorate for"),
    OrgKind("adviescollege", 0.10, "oorg", "oorg", None, ("politiek-en-beleid",), "Raad voor", "Council for"),
    OrgKind("gemeenschappelijke-regeling", 0.12, None, "gr", "Samenwerkingsorganisatie", ("uitvoering",),
            "Gemeenschappelijke regeling", "Joint arrangement"),
    OrgKind("organisatieonderdeel", 0.10, "oorg", "oorg", None, ("uitvoering",), "Directie", "Directorate of"),
)

STEMS = ["Amstel", "Bommel", "Eem", "Gelder", "Hoog", "Lange", "Maas", "Ter", "Wester", "Zwaan", "Dronger",
         "Harder", "Leeu", "Oost", "Rijn", "Schoon", "Vlie", "Wolder", "Zuider", "Beek", "Brede", "Dieper",
         "Elsen", "Heren", "Kolder", "Linde", "Molen", "Ouder", "Ridder", "Steen", "Valken", "Winter"]
ENDINGS = ["broek", "dam", "dijk", "veen", "wijk", "hoven", "horst", "meer", "sluis", "zand", "berg", "wolde",
           "kerk", "loo", "recht", "stein", "burg", "haven", "waard", "ambacht"]
DOMAINS = [  # (Dutch, English, slug): what an agency, council or ministry is about
    ("Werk en Inkomen", "Work and Income", "werk-en-inkomen"), ("Onderwijs", "Education", "onderwijs"),
    ("Wonen", "Housing", "wonen"), ("Water", "Water", "water"), ("Mobiliteit", "Mobility", "mobiliteit"),
    ("Gezondheid", "Health", "gezondheid"), ("Veiligheid", "Safety", "veiligheid"),
    ("Digitale Overheid", "Digital Government", "digitale-overheid"), ("Klimaat", "Climate", "klimaat"),
    ("Landbouw", "Agriculture", "landbouw"), ("Cultuur", "Culture", "cultuur"), ("Justitie", "Justice", "justitie"),
    ("Financien", "Finance", "financien"), ("Jeugd", "Youth", "jeugd"), ("Energie", "Energy", "energie"),
    ("Zorg", "Care", "zorg"), ("Defensie", "Defence", "defensie"), ("Natuur", "Nature", "natuur"),
    ("Toeslagen", "Benefits", "toeslagen"), ("Migratie", "Migration", "migratie"),
]
TOPICS = [  # what a case is about
    ("Snellere afhandeling van bezwaren", "Faster handling of objections"),
    ("Een loket voor ondernemers", "One desk for entrepreneurs"),
    ("Automatische toekenning van toeslagen", "Automatic granting of benefits"),
    ("Herstel na de overstroming", "Recovery after the flood"),
    ("Digitale aanvraag van vergunningen", "Digital permit applications"),
    ("Samen tegen schulden", "Together against debt"),
    ("Korter wachten op een rijexamen", "Shorter waits for a driving test"),
    ("Betere registratie van adressen", "Better address registration"),
    ("Noodsteun in de crisis", "Emergency support in the crisis"),
    ("Vaccinatie in de wijk", "Vaccination in the neighbourhood"),
    ("Menselijke maat in de inning", "The human touch in collection"),
    ("Gegevens delen in de keten", "Sharing data along the chain"),
    ("Ruimte voor de dijk", "Room for the dike"),
    ("Een pas voor alle diensten", "One pass for all services"),
]
THEMES = ["dienstverlening", "digitalisering", "crisisrespons", "werk-en-inkomen", "water-en-klimaat",
          "samenwerking-in-de-keten", "vakmanschap", "menselijke-maat", "uitvoerbaarheid",
          "toezicht-en-handhaving", "gegevensdeling", "mobiliteit"]
CRITERIA = ["maatschappelijke-bijdrage", "goede-organisatie", "steun-en-legitimiteit", "duurzaamheid"]
RATINGS = [("success", 30), ("resilient-success", 30), ("conflicted-success", 20), ("precarious-success", 12),
           ("failure", 8)]
ROLES_OTHER = ["implementer", "policy-owner", "supervisor", "partner"]
MEETING_TYPES = [("workshop", "Workshop", "Workshop"), ("webinar", "Webinar", "Webinar"),
                 ("conference", "Conferentie", "Conference")]
LAWS = 40  # synthetic legal bases, each labelled once


def lit(text: str, lang: str | None = None) -> str:
    """An N-Triples literal: escaped, with a language tag if given."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def typed(value: str, datatype: str) -> str:
    """A typed literal (xsd: local name)."""
    return f'"{value}"^^<{XSD}{datatype}>'


def iri(value: str) -> str:
    """An IRI in angle brackets."""
    return f"<{value}>"


def date(year: int, month: int, day: int) -> str:
    """An xsd:date literal."""
    return typed(f"{year:04d}-{month:02d}-{day:02d}", "date")


class Generator:
    """Plans the counts for a triple budget, then streams the statements."""

    def __init__(self, triples: int, seed: int) -> None:
        self.budget = max(triples, 1_000)
        self.seed = seed
        self.rng = random.Random(seed)
        self.count = 0
        others = max(40, int(self.budget * ORG_SHARE / ORG_TRIPLES)) - MINISTRIES
        # blocks of organisations by type: kind -> (first index, how many)
        self.blocks: dict[str, tuple[int, int]] = {"ministerie": (0, MINISTRIES)}
        start = MINISTRIES
        shares = sum(k.share for k in KINDS)
        for kind in KINDS[1:]:
            n = max(2, round(others * kind.share / shares))
            self.blocks[kind.slug] = (start, n)
            start += n
        self.organisations = start
        self.kind_of = [kind for kind in KINDS for _ in range(self.blocks[kind.slug][1])]
        self.relations = max(20, int(self.budget * RELATION_SHARE / RELATION_TRIPLES))
        self.community = ID + f"organisation/leergemeenschap-syn-{seed}"
        self.editors = ID + f"organisation/redactie-syn-{seed}"
        self.cases = 0

    # -- organisations -------------------------------------------------------------------------

    def pick(self, kind: str) -> int:
        """A random organisation of a type."""
        first, n = self.blocks[kind]
        return first + self.rng.randrange(n)

    def org_iri(self, i: int) -> str:
        """The organisation's IRI: TOOI-like where its type has TOOI identifiers, else minted."""
        kind = self.kind_of[i]
        code = CODE_BASE + i
        if kind.tooi is None:
            return f"{ID}organisation/{kind.prefix}-syn-{code}"
        return f"{TOOI}{kind.tooi}/{kind.prefix}{code}"

    def org_name(self, i: int, variant: int = 0) -> tuple[str, str, str]:
        """(Dutch name, English name, abbreviation) of organisation i; variants are former names."""
        kind = self.kind_of[i]
        local = random.Random(self.seed * 1_000_003 + i * 7 + variant)
        if kind.slug in ("gemeente", "provincie", "waterschap", "gemeenschappelijke-regeling"):
            place = local.choice(STEMS) + local.choice(ENDINGS)
            if kind.slug == "gemeenschappelijke-regeling":
                nl, en = f"{kind.name_nl} {place}-{local.choice(DOMAINS)[0]}", f"{kind.name_en} {place}"
            else:
                nl, en = f"{kind.name_nl} {place}", f"{kind.name_en} {place}"
            return nl, en, place
        domain = local.choice(DOMAINS)
        nl, en = f"{kind.name_nl} {domain[0]}", f"{kind.name_en} {domain[1]}"
        if kind.slug == "zbo":
            nl = f"{domain[0]}fonds {local.choice(STEMS)}"
        abbreviation = "".join(w[0] for w in nl.split() if w[0].isupper()) + str(i % 97)
        return nl, en, abbreviation

    def organisation(self, i: int) -> Iterator[tuple[str, str, str]]:
        """One organisation with its names over time (blank nodes), type, corners and source."""
        kind = self.kind_of[i]
        s = iri(self.org_iri(i))
        rng = self.rng
        nl, en, abbreviation = self.org_name(i)
        roo_id = str(20_000_000 + CODE_BASE + i)
        source = iri(f"https://organisaties.overheid.nl/{roo_id}/{abbreviation.lower()}")
        yield s, RDF_TYPE, iri(ORG + "Organization")
        yield s, RDF_TYPE, iri(CV + "PublicOrganisation")
        if kind.tooi_class:
            yield s, RDF_TYPE, iri(TOOIONT + kind.tooi_class)
        yield s, SKOS + "prefLabel", lit(nl, "nl")
        yield s, SKOS + "prefLabel", lit(en, "en")
        yield s, SKOS + "altLabel", lit(abbreviation, "nl")
        yield s, DH + "organisationType", iri(f"{DEF}organisation-type/{kind.slug}")
        for corner in kind.corners:
            yield s, DH + "corner", iri(f"{DEF}corner/{corner}")
        yield s, DH + "rooId", lit(roo_id)
        yield s, DCT + "description", lit(f"{nl}: synthetische organisatie voor benchmarks ({kind.slug}).", "nl")
        yield s, FOAF + "homepage", iri(f"https://www.{abbreviation.lower()}.example.nl/")
        founded = rng.randint(1814 if kind.slug == "ministerie" else 1950, 2015)
        yield s, SCHEMA + "foundingDate", date(founded, rng.randint(1, 12), 1)
        # names over time: former names with their period, then the current one
        former = rng.choice((0, 0, 1, 1, 2))
        year = founded
        for variant in range(former, -1, -1):
            name = f"_:o{i}n{variant}"
            value, _en, short = self.org_name(i, variant) if variant else (nl, en, abbreviation)
            yield s, DH + "hasName", name
            yield name, RDF_TYPE, iri(DH + "Name")
            yield name, DH + "nameValue", lit(value, "nl")
            yield name, DH + "abbreviation", lit(short)
            yield name, SCHEMA + "startDate", date(year, 1, 1)
            if variant:
                year = min(2024, year + rng.randint(2, 10))
                yield name, SCHEMA + "endDate", date(year, 1, 1)
        if kind.slug != "ministerie" and rng.random() < 0.04:  # dissolved, taken over by a peer
            yield s, SCHEMA + "dissolutionDate", date(max(year, 2016) + rng.randint(0, 8), 1, 1)
            yield s, DH + "successor", iri(self.org_iri(self.pick(kind.slug)))
        if kind.slug in ("zbo", "agentschap", "inspectie"):
            yield s, DH + "legalBasis", iri(self.law(rng.randrange(LAWS)))
        yield s, DCT + "source", source

    def special_organisations(self) -> Iterator[tuple[str, str, str]]:
        """The learning community and the editorial team that assesses the cases."""
        c = iri(self.community)
        yield c, RDF_TYPE, iri(DH + "LearningCommunity")
        yield c, RDF_TYPE, iri(ORG + "Organization")
        yield c, SKOS + "prefLabel", lit(f"Leergemeenschap Uitvoering (synthetisch {self.seed})", "nl")
        yield c, SKOS + "prefLabel", lit(f"Learning community on implementation (synthetic {self.seed})", "en")
        yield c, DCT + "source", iri("https://example.org/driehoek/bench/leergemeenschap")
        e = iri(self.editors)
        yield e, RDF_TYPE, iri(ORG + "Organization")
        yield e, SKOS + "prefLabel", lit(f"Redactie (synthetisch {self.seed})", "nl")
        yield e, SKOS + "prefLabel", lit(f"Editorial team (synthetic {self.seed})", "en")
        yield e, DCT + "source", iri("https://example.org/driehoek/bench/redactie")
        for n in range(LAWS):
            yield iri(self.law(n)), RDFS + "label", lit(f"Wet synthetisch nummer {n}", "nl")

    def law(self, n: int) -> str:
        """A legal basis (a synthetic BWB identifier)."""
        return f"https://wetten.overheid.nl/BWBR9{n:06d}"

    # -- relations -----------------------------------------------------------------------------

    def relation_pair(self) -> tuple[str, int, int]:
        """A relation type with a plausible (from, to) pair of organisations."""
        r = self.rng.random()
        if r < 0.30:
            return "accountable-to", self.pick(self.rng.choice(("zbo", "agentschap", "inspectie", "adviescollege"))), \
                self.pick("ministerie")
        if r < 0.50:
            return "supervises", self.pick("inspectie"), self.pick(self.rng.choice(("zbo", "agentschap", "gemeente")))
        if r < 0.62:
            return "sub-organisation-of", self.pick("organisatieonderdeel"), \
                self.pick(self.rng.choice(("ministerie", "agentschap")))
        if r < 0.82:
            return "participates-in", self.pick("gemeente"), self.pick("gemeenschappelijke-regeling")
        if r < 0.88:
            return "owner-of", self.pick("ministerie"), self.pick(self.rng.choice(("agentschap", "zbo")))
        if r < 0.93:
            return "principal-of", self.pick("ministerie"), self.pick(self.rng.choice(("agentschap", "zbo")))
        if r < 0.97:
            return "agent-of", self.pick("agentschap"), self.pick("ministerie")
        kind = self.rng.choice(("gemeente", "zbo", "agentschap"))
        return "predecessor-of", self.pick(kind), self.pick(kind)

    DIRECT = {"accountable-to": DH + "accountableTo", "supervises": DH + "supervises",
              "sub-organisation-of": ORG + "subOrganizationOf", "participates-in": DH + "participatesIn",
              "owner-of": DH + "ownerOf", "principal-of": DH + "principalOf", "agent-of": DH + "agentOf",
              "predecessor-of": DH + "predecessorOf"}

    def relation(self, n: int) -> Iterator[tuple[str, str, str]]:
        """A qualified relation (time, legal basis, source) with its direct triple; some are a
        succession: the organisation moved from one counterpart to another on a date."""
        rng = self.rng
        rtype, a, b = self.relation_pair()
        while b == a:
            rtype, a, b = self.relation_pair()
        start = rng.randint(1960, 2022)
        periods: list[tuple[int, int | None, int]] = []
        if rtype in ("accountable-to", "supervises", "participates-in") and rng.random() < 0.25:
            switch = rng.randint(start + 1, 2024)
            periods.append((start, switch, b))
            other = self.pick(self.kind_of[b].slug)
            if other != b and other != a:
                periods.append((switch, None, other))
        else:
            periods.append((start, rng.randint(start + 1, 2025) if rng.random() < 0.2 else None, b))
        for k, (since, until, target) in enumerate(periods):
            node = iri(f"{ID}relation/{rtype}-syn-{self.seed}-{n}-{k}")
            frm, to = iri(self.org_iri(a)), iri(self.org_iri(target))
            yield frm, self.DIRECT[rtype], to
            yield node, RDF_TYPE, iri(DH + "Relation")
            yield node, DH + "relationType", iri(f"{DEF}relation-type/{rtype}")
            yield node, DH + "from", frm
            yield node, DH + "to", to
            yield node, SCHEMA + "startDate", date(since, rng.randint(1, 12), 1)
            if until is not None:
                yield node, SCHEMA + "endDate", date(until, 1, 1)
            if rng.random() < 0.6:
                yield node, DH + "legalBasis", iri(self.law(rng.randrange(LAWS)))
            yield node, DCT + "source", iri(f"https://organisaties.overheid.nl/{20_000_000 + CODE_BASE + a}/relaties")

    # -- cases, assessments, meetings, monitor ---------------------------------------------------

    def case_iri(self, n: int) -> str:
        """The IRI of case n."""
        return f"{ID}case/casus-syn-{self.seed}-{n}"

    def case(self, n: int) -> Iterator[tuple[str, str, str]]:
        """A case with 2-4 involved organisations (roles), themes, sources and four assessments."""
        rng = self.rng
        c = iri(self.case_iri(n))
        topic_nl, topic_en = rng.choice(TOPICS)
        lead = self.pick(rng.choice(("zbo", "agentschap", "gemeente", "gemeenschappelijke-regeling")))
        lead_nl, lead_en, _ = self.org_name(lead)
        others = {self.pick("ministerie"), self.pick(rng.choice(("inspectie", "gemeente", "zbo")))} - {lead}
        if rng.random() < 0.3:
            others.add(self.pick("adviescollege"))
        others.discard(lead)
        status = rng.choices(("published", "draft", "withdrawn"), (85, 10, 5))[0]
        start = rng.randint(1990, 2023)
        yield c, RDF_TYPE, iri(DH + "Case")
        yield c, DCT + "title", lit(f"{topic_nl} bij {lead_nl}", "nl")
        yield c, DCT + "title", lit(f"{topic_en} at {lead_en}", "en")
        yield c, DCT + "abstract", lit(f"Synthetisch succesverhaal: {topic_nl.lower()} bij {lead_nl}, "
                                       f"met steun van beleid en toezicht, vanaf {start}.", "nl")
        yield c, DCT + "abstract", lit(f"Synthetic success story: {topic_en.lower()} at {lead_en}, "
                                       f"supported by policy and supervision, from {start}.", "en")
        yield c, SCHEMA + "startDate", date(start, rng.randint(1, 12), 1)
        if rng.random() < 0.4:
            yield c, SCHEMA + "endDate", date(rng.randint(start, 2025), 12, 31)
        yield c, DH + "status", iri(f"{DEF}case-status/{status}")
        yield c, DCT + "issued", date(rng.randint(2023, 2026), rng.randint(1, 12), rng.randint(1, 28))
        if status == "withdrawn":
            yield c, DH + "withdrawalReason", lit("Dubbel ingevoerd; zie het andere verhaal.", "nl")
            yield c, DH + "withdrawnAt", date(2026, rng.randint(1, 12), 1)
        for k, (org, role) in enumerate([(lead, "lead-implementer"),
                                         *((o, rng.choice(ROLES_OTHER)) for o in sorted(others))]):
            involvement = f"_:c{self.seed}x{n}i{k}"
            yield c, DH + "involvedOrganisation", iri(self.org_iri(org))
            yield c, DH + "involvement", involvement
            yield involvement, RDF_TYPE, iri(DH + "Involvement")
            yield involvement, DH + "organisation", iri(self.org_iri(org))
            yield involvement, DH + "role", iri(f"{DEF}case-role/{role}")
        for theme in rng.sample(THEMES, rng.randint(1, 3)):
            yield c, DCT + "subject", iri(f"{ID}theme/{theme}")
        yield c, DH + "triangleCollaboration", lit("Beleid, uitvoering en toezicht stemden wekelijks af.", "nl")
        yield c, DH + "triangleCollaboration", lit("Policy, implementation and supervision met every week.", "en")
        yield c, DCT + "source", iri(f"https://example.org/driehoek/bench/bron/{self.seed}/{n}")
        for criterion in CRITERIA:
            a = iri(f"{ID}assessment/casus-syn-{self.seed}-{n}-{criterion}")
            rating = rng.choices([r for r, _w in RATINGS], [w for _r, w in RATINGS])[0]
            yield c, DH + "hasAssessment", a
            yield a, RDF_TYPE, iri(DH + "Assessment")
            yield a, DH + "criterion", iri(f"{ID}criterion/{criterion}")
            yield a, DH + "rating", iri(f"{DEF}rating/{rating}")
            yield a, DH + "rationale", lit(f"Oordeel {rating} op {criterion}, op grond van de bronnen.", "nl")
            yield a, DH + "rationale", lit(f"Rated {rating} on {criterion}, from the sources.", "en")
            yield a, DH + "evidence", iri(f"https://example.org/driehoek/bench/bron/{self.seed}/{n}")
            yield a, DH + "assessor", iri(self.editors)
            yield a, DCT + "date", date(rng.randint(2023, 2026), rng.randint(1, 12), rng.randint(1, 28))
            yield a, DH + "illustrative", typed("true", "boolean")

    def meeting(self, n: int) -> Iterator[tuple[str, str, str]]:
        """A workshop, webinar or conference of the learning community discussing earlier cases."""
        rng = self.rng
        m = iri(f"{ID}event/bijeenkomst-syn-{self.seed}-{n}")
        slug, type_nl, type_en = rng.choice(MEETING_TYPES)
        theme = rng.choice(THEMES)
        yield m, RDF_TYPE, iri(DH + "Meeting")
        yield m, RDF_TYPE, iri(SCHEMA + "Event")
        yield m, DH + "meetingType", iri(f"{DEF}meeting-type/{slug}")
        yield m, DCT + "title", lit(f"{type_nl} over {theme.replace('-', ' ')} ({n})", "nl")
        yield m, DCT + "title", lit(f"{type_en} on {theme.replace('-', ' ')} ({n})", "en")
        yield m, SCHEMA + "startDate", date(rng.randint(2022, 2026), rng.randint(1, 12), rng.randint(1, 28))
        yield m, DCT + "subject", iri(f"{ID}theme/{theme}")
        for case in sorted({rng.randrange(self.cases) for _ in range(rng.randint(1, 3))}) if self.cases else ():
            yield m, DH + "discusses", iri(self.case_iri(case))
        yield m, SCHEMA + "organizer", iri(self.org_iri(self.pick("ministerie")))
        yield m, DH + "community", iri(self.community)
        yield m, DCT + "source", iri(f"https://example.org/driehoek/bench/bijeenkomst/{self.seed}/{n}")

    def monitor(self, year: int) -> Iterator[tuple[str, str, str]]:
        """A monitor edition covering some organisations and featuring some cases."""
        rng = self.rng
        m = iri(f"{ID}monitor/staat-van-de-uitvoering-syn-{self.seed}-{year}")
        yield m, RDF_TYPE, iri(DH + "MonitorEdition")
        yield m, DCT + "title", lit(f"Staat van de Uitvoering {year} (synthetisch)", "nl")
        yield m, DCT + "title", lit(f"State of Implementation {year} (synthetic)", "en")
        yield m, DH + "year", typed(str(year), "gYear")
        yield m, DCT + "issued", date(year, rng.randint(1, 12), rng.randint(1, 28))
        yield m, DCT + "publisher", iri(self.org_iri(self.pick("ministerie")))
        for _ in range(10):
            yield m, DH + "coversOrganisation", iri(self.org_iri(self.pick(rng.choice(("zbo", "agentschap")))))
        for case in sorted({rng.randrange(self.cases) for _ in range(3)}):
            yield m, DH + "featuresCase", iri(self.case_iri(case))
        yield m, DCT + "source", iri(f"https://example.org/driehoek/bench/monitor/{self.seed}/{year}")

    # -- the whole stream ------------------------------------------------------------------------

    def statements(self) -> Iterator[tuple[str, str, str]]:
        """Every statement, in order: organisations, relations, then cases with meetings until the
        budget is spent, then monitor editions."""
        yield from self.special_organisations()
        for i in range(self.organisations):
            yield from self.organisation(i)
        for n in range(self.relations):
            yield from self.relation(n)
        meetings = 0
        reserve = 20 * max(1, min(8, self.budget // 100_000))  # the monitor editions come last
        while self.cases < 6 or self.count + reserve < self.budget:
            yield from self.case(self.cases)
            self.cases += 1
            if self.cases % 6 == 0:
                yield from self.meeting(meetings)
                meetings += 1
        for year in range(2023, 2023 + max(1, min(8, self.budget // 100_000))):
            yield from self.monitor(year)

    def write(self, out: IO[str]) -> int:
        """Write N-Triples; return the number of triples."""
        buffer: list[str] = []
        for s, p, o in self.statements():
            buffer.append(f"{s} <{p}> {o} .\n")
            self.count += 1
            if len(buffer) >= 10_000:
                out.write("".join(buffer))
                buffer.clear()
        out.write("".join(buffer))
        return self.count


def main(argv: list[str] | None = None) -> None:
    """Command line: --triples N --seed S --out FILE.nt (standard output when no --out)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, required=True, help="about how many triples to write")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same file")
    parser.add_argument("--out", help="N-Triples file to write (default: standard output)")
    args = parser.parse_args(argv)
    generator = Generator(args.triples, args.seed)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="\n") as out:
            count = generator.write(out)
    else:
        count = generator.write(sys.stdout)
    print(f"wrote {count} triples: {generator.organisations} organisations, {generator.relations} relations "
          f"(some with a successor period), {generator.cases} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
