"""What kind of organisation a record is: its organisation-type concept, its TOOI classes, and the
corners of the triangle it works in (by type, by record, or inherited along its parent chain)."""

from __future__ import annotations

from collections.abc import Mapping

from .records import _Org, _tooi
from .report import _Conflicts
from .values import _text

# The register's `type` -> dhs:organisation-type concept (docs/model.md lists the concepts; the
# scheme carries the register code as skos:notation, and a test keeps this table equal to it).
ORGANISATION_TYPES: Mapping[str, str] = {
    "ministerie": "ministerie",
    "agentschap": "agentschap",
    "zbo": "zbo",
    "rwt": "rechtspersoon-met-wettelijke-taak",
    "hoge-college": "hoog-college-van-staat",
    "gemeente": "gemeente",
    "provincie": "provincie",
    "waterschap": "waterschap",
    "gemeenschappelijke-regeling": "gemeenschappelijke-regeling",
    "adviescollege": "adviescollege",
    "inspectie": "inspectie",
    "rechterlijke-instantie": "rechterlijke-macht",
    "politie": "politie-en-om",
    "openbaar-ministerie": "politie-en-om",
    "caribisch-openbaar-lichaam": "caribisch-openbaar-lichaam",
    "organisatieonderdeel": "organisatieonderdeel",
}
# The register files both chambers of parliament under "hoge-college"; the scheme has "parlement"
# for exactly these two (the shapes allow one type per organisation, so it replaces the other).
ORGANISATION_TYPE_BY_ID: Mapping[str, str] = {
    "org:tweede-kamer": "parlement",
    "org:eerste-kamer": "parlement",
}

POLICY, IMPLEMENTATION, SUPERVISION = "politiek-en-beleid", "uitvoering", "toezicht"

# Corners of the triangle by register type. Organisatieonderdelen are not here: a unit works in
# the corner of the organisation it belongs to (a ministry's directorate makes policy, an
# inspectorate's unit supervises), so they inherit it from their parent chain.
CORNERS_BY_TYPE: Mapping[str, tuple[str, ...]] = {
    "ministerie": (POLICY,),
    "adviescollege": (POLICY,),
    "agentschap": (IMPLEMENTATION,),
    "zbo": (IMPLEMENTATION,),
    "rwt": (IMPLEMENTATION,),
    "politie": (IMPLEMENTATION,),
    "openbaar-ministerie": (IMPLEMENTATION,),
    # Joint arrangements of municipalities exist to carry out shared tasks.
    "gemeenschappelijke-regeling": (IMPLEMENTATION,),
    "inspectie": (SUPERVISION,),
    # Courts review what government does; of the three corners that external check is toezicht.
    "rechterlijke-instantie": (SUPERVISION,),
    # Decentral governments both decide policy (their councils) and carry it out.
    "gemeente": (POLICY, IMPLEMENTATION),
    "provincie": (POLICY, IMPLEMENTATION),
    "waterschap": (POLICY, IMPLEMENTATION),
    "caribisch-openbaar-lichaam": (POLICY, IMPLEMENTATION),
    # The hoge colleges differ in kind; see CORNERS_BY_ID. Any new one defaults to policy.
    "hoge-college": (POLICY,),
}
# Decided per record where the type says too little.
CORNERS_BY_ID: Mapping[str, tuple[str, ...]] = {
    # Hoge colleges: the audit offices and the ombudsman check government ...
    "org:hoge-college-ar": (SUPERVISION,),
    "org:hoge-college-nationale-ombudsman": (SUPERVISION,),
    "org:rekenkamer-zeeland": (SUPERVISION,),
    # ... parliament and the Council of State (adviser on all legislation) sit in politics and policy,
    "org:tweede-kamer": (POLICY,),
    "org:eerste-kamer": (POLICY,),
    "org:hoge-college-rvs": (POLICY,),
    # the King's cabinet supports his constitutional role in government,
    "org:kabinet-kvdk": (POLICY,),
    # and the chancellery runs the system of royal decorations.
    "org:hoge-college-kanselarij-der-nederlandse-orden": (IMPLEMENTATION,),
    # Statutory supervisors that the register files as zbo, rwt or adviescollege: their own
    # register description says they are a toezichthouder (or their name does, for CTIVD and
    # the Cft's); NZa and CvdM have no description but supervise by law (Wmg, Mediawet 2008).
    "org:adviescollege-ap": (SUPERVISION,),
    "org:zbo-acm": (SUPERVISION,),
    "org:zbo-afm": (SUPERVISION,),
    "org:zbo-dnb": (SUPERVISION,),
    "org:zbo-ksa": (SUPERVISION,),
    "org:zbo-nza": (SUPERVISION,),
    "org:zbo-cvdm": (SUPERVISION,),
    "org:zbo-bft": (SUPERVISION,),
    "org:zbo-cvta": (SUPERVISION,),
    "org:zbo-atkm": (SUPERVISION,),
    "org:zbo-cokz": (SUPERVISION,),
    "org:zbo-skal-biocontrole": (SUPERVISION,),
    "org:zbo-tlokb": (SUPERVISION,),
    "org:commissie-van-toezicht-op-de-inlichtingen-en-veiligheidsdiensten": (SUPERVISION,),
    "org:commissie-college-financieel-toezicht-bonaire-sint-eustatius-en-saba": (SUPERVISION,),
    "org:commissie-college-financieel-toezicht-curacao-en-sint-maarten": (SUPERVISION,),
    "org:stichting-landelijke-inspectiedienst-dierenwelzijn": (SUPERVISION,),
}

# Organisatieonderdelen that are themselves an implementing service (an agentschap or uitvoerings-
# dienst of a ministry) work in uitvoering, not in the policy corner of the ministry they hang under.
# The register has no field that says so for units: their records carry no subtype, kaderwet,
# zbo_kind or agentschap flag (classification is always "organisatieonderdeel"). So this is a
# curated list, by record id, of units that are publicly known as the ministries' implementing
# services (IND, CJIB, DUO, RVO, Belastingdienst, Douane, Toeslagen, Rijkswaterstaat, RvIG, ...).
# Their own sub-units inherit it through the parent chain. The type stays what the register says.
# Many of these records cite only ABD news items and are skipped; they are listed so that a later
# snapshot with a register page for them is classified the same way.
IMPLEMENTING_UNITS: frozenset[str] = frozenset(
    {
        "org:agentschap-ind-min-jenv",  # Immigratie- en Naturalisatiedienst
        "org:agentschap-nfi-min-jenv",  # Nederlands Forensisch Instituut
        "org:agentschap-rivm-min-vws",  # Rijksinstituut voor Volksgezondheid en Milieu
        "org:agentschap-rvig-min-bzk",  # Rijksdienst voor Identiteitsgegevens
        "org:onderdeel-cjib-min-jenv",  # Centraal Justitieel Incassobureau
        "org:onderdeel-dtv-min-jenv",  # Dienst Terugkeer en Vertrek
        "org:onderdeel-justitiele-informatiedienst-min-jenv",
        "org:onderdeel-duo-min-ocw",  # Dienst Uitvoering Onderwijs
        "org:onderdeel-rijksdienst-voor-het-cultureel-erfgoed-min-ocw",
        "org:onderdeel-rvo-min-ez",  # Rijksdienst voor Ondernemend Nederland, under three ministries
        "org:onderdeel-rvo-min-ezk",
        "org:onderdeel-rvo-min-lvvn",
        "org:onderdeel-dictu-min-ezk",  # Dienst ICT Uitvoering
        "org:onderdeel-dus-i-min-vws",  # Dienst Uitvoering Subsidies aan Instellingen
        "org:onderdeel-dg-belastingdienst-min-fin",  # Belastingdienst
        "org:dg-belastingdienst-min-financien",
        "org:douane-min-fin",  # Douane
        "org:onderdeel-dg-douane",
        "org:onderdeel-dgtsl",  # Toeslagen
        "org:onderdeel-dg-toeslagen-min-fin",
        "org:onderdeel-dienst-toeslagen-min-fin",
        "org:onderdeel-uht-dienst-toeslagen-min-fin",
        "org:onderdeel-rijkswaterstaat-corporate-dienst-min-ienw",  # Rijkswaterstaat units filed under the SG
        "org:onderdeel-rijkswaterstaat-midden-nederland-min-ienw",
        "org:onderdeel-rwaterstaat-west-nederland-zuid-min-ienw",
        "org:onderdeel-bestuursstaf-rws",
        "org:onderdeel-rvb-min-bzk",  # Rijksvastgoedbedrijf
        "org:onderdeel-rvb-min-bzk-vro",
        "org:onderdeel-rcn-min-bzk",  # Rijksdienst Caribisch Nederland
        "org:onderdeel-ubr-min-bzk",  # Uitvoeringsorganisatie Bedrijfsvoering Rijk
        "org:onderdeel-rijksschoonmaakorganisatie-min-szw",
    }
)

# TOOI classes, only those the TOOI ontology defines. The kind in a TOOI identifier
# (.../tooi/id/{kind}/{code}) names the TOOI register, and each register holds one class.
TOOI_CLASS_BY_KIND: Mapping[str, str] = {
    "ministerie": "Ministerie",
    "gemeente": "Gemeente",
    "provincie": "Provincie",
    "waterschap": "Waterschap",
    "zbo": "Zbo",
    "so": "Samenwerkingsorganisatie",
    "col": "CaribischOpenbaarLichaam",
    "oorg": "Overheidsorganisatie",
}
# The register type alone is enough for these, TOOI identifier or not (e.g. former municipalities);
# the same pairs as rdfs:seeAlso in ontology/schemes/organisation-types.ttl (a test keeps them equal).
TOOI_CLASS_BY_TYPE: Mapping[str, str] = {
    "ministerie": "Ministerie",
    "gemeente": "Gemeente",
    "provincie": "Provincie",
    "waterschap": "Waterschap",
    "zbo": "Zbo",
    "gemeenschappelijke-regeling": "Samenwerkingsorganisatie",
    "caribisch-openbaar-lichaam": "CaribischOpenbaarLichaam",
}


def _type_rules(orgs: Mapping[str, _Org], conflicts: _Conflicts) -> None:
    """A record typed adviescollege whose TOOI identifier is a zbo code and which names its kind of zbo
    is a zbo (two register fields against one). An inspectorate that is also a zbo stays an inspectorate:
    the type that says what it does in the triangle."""
    for org in orgs.values():
        tooi = _tooi(org.record) or ""
        if "/tooi/id/zbo/" in tooi and org.kind not in ("zbo", "organisatieonderdeel"):
            if org.kind == "adviescollege" and _text(org.record.get("zbo_kind")):
                org.kind = "zbo"
            conflicts.add("type-contradicts-tooi", "rule")


def _corners(org: _Org, orgs: Mapping[str, _Org]) -> tuple[str, ...]:
    """The corners of the triangle the organisation works in."""
    seen: set[str] = set()
    current: _Org | None = org
    # An organisatieonderdeel works in its parent's corner; walk up until something decides.
    while current is not None and current.record_id not in seen:
        seen.add(current.record_id)
        if current.corners is not None:  # a curated correction
            return current.corners
        if current.record_id in CORNERS_BY_ID:
            return CORNERS_BY_ID[current.record_id]
        if current.kind == "overig":  # no type that tells (an umbrella association): no corner stated
            return ()
        if current.record_id in IMPLEMENTING_UNITS:
            return (IMPLEMENTATION,)
        if current.kind in CORNERS_BY_TYPE:
            return CORNERS_BY_TYPE[current.kind]
        current = orgs.get(current.parent_id) if current.parent_id else None
    return (IMPLEMENTATION,)  # a unit with no known parent: most units carry out work
