"""The corners of the triangle and how one organisation relates to another: the roles an
organisation page, its triangle and its relations table speak of."""

from __future__ import annotations

from ..iris import DH, ORG
from .labels import Labels

CORNERS = ("politiek-en-beleid", "uitvoering", "toezicht")

# The three corners, in the order the diagram draws them, with the key the templates use.
CORNER_KEYS = {"politiek-en-beleid": "politics", "uitvoering": "implementation", "toezicht": "supervision"}

# How an organisation relates to another in its triangle: (relation type slug, direction) ->
# (role key, the corner the other party is drawn in, or None for "its own corner", priority).
# "out": the organisation is dh:from; "in": it is dh:to.
ROLES: dict[tuple[str, str], tuple[str, str | None, int]] = {
    ("accountable-to", "out"): ("accountable-to", "politics", 0),
    ("owner-of", "in"): ("owner", "politics", 1),
    ("principal-of", "in"): ("principal", "politics", 2),
    ("agent-of", "out"): ("agent-for", "politics", 3),
    ("supervises", "in"): ("supervised-by", "supervision", 4),
    ("sub-organisation-of", "out"): ("part-of", None, 5),
    ("supervises", "out"): ("supervises", None, 6),
    ("accountable-to", "in"): ("accountable-body", None, 7),
    ("owner-of", "out"): ("owns", None, 8),
    ("principal-of", "out"): ("principal-for", None, 9),
    ("agent-of", "in"): ("agent", None, 10),
    ("sub-organisation-of", "in"): ("has-part", None, 11),
    ("participates-in", "out"): ("participates-in", None, 12),
    ("participates-in", "in"): ("participant", None, 13),
    ("predecessor-of", "out"): ("predecessor-of", None, 14),
    ("predecessor-of", "in"): ("successor-of", None, 15),
}
# A relation in words from the organisation's side, read as "[the organisation] ... [the other]": it
# states the direction ("staat onder toezicht van" on the incoming side of a supervision relation).
ROLE_LABELS: dict[str, Labels] = {
    "accountable-to": {"nl": "legt verantwoording af aan", "en": "is accountable to"},
    "owner": {"nl": "heeft als eigenaar", "en": "is owned by"},
    "principal": {"nl": "heeft als opdrachtgever", "en": "is commissioned by"},
    "agent-for": {"nl": "voert opdrachten uit voor", "en": "works as an agent for"},
    "supervised-by": {"nl": "staat onder toezicht van", "en": "is supervised by"},
    "part-of": {"nl": "is onderdeel van", "en": "is part of"},
    "supervises": {"nl": "houdt toezicht op", "en": "supervises"},
    "accountable-body": {"nl": "ontvangt verantwoording van", "en": "holds to account"},
    "owns": {"nl": "is eigenaar van", "en": "owns"},
    "principal-for": {"nl": "is opdrachtgever van", "en": "commissions"},
    "agent": {"nl": "heeft als opdrachtnemer", "en": "has as its agent"},
    "has-part": {"nl": "heeft als onderdeel", "en": "has as a part"},
    "participates-in": {"nl": "neemt deel aan", "en": "takes part in"},
    "participant": {"nl": "heeft als deelnemer", "en": "has as a participant"},
    "predecessor-of": {"nl": "is opgevolgd door", "en": "was succeeded by"},
    "successor-of": {"nl": "is de opvolger van", "en": "succeeded"},
    "linked": {"nl": "is verbonden met", "en": "is linked to"},
}
# The other party's role in words, from its side, read as "[the other] ...": the captions of the
# triangle's boxes and its list ("Autoriteit Persoonsgegevens houdt toezicht").
PARTY_LABELS: dict[str, Labels] = {
    "accountable-to": {"nl": "ontvangt verantwoording", "en": "holds it to account"},
    "owner": {"nl": "eigenaar", "en": "owner"},
    "principal": {"nl": "opdrachtgever", "en": "principal"},
    "agent-for": {"nl": "geeft opdrachten", "en": "commissions it"},
    "supervised-by": {"nl": "houdt toezicht", "en": "supervises it"},
    "part-of": {"nl": "overkoepelende organisatie", "en": "parent organisation"},
    "supervises": {"nl": "staat onder toezicht", "en": "supervised by it"},
    "accountable-body": {"nl": "legt verantwoording af", "en": "accountable to it"},
    "owns": {"nl": "in eigendom", "en": "owned by it"},
    "principal-for": {"nl": "krijgt opdrachten", "en": "commissioned by it"},
    "agent": {"nl": "opdrachtnemer", "en": "its agent"},
    "has-part": {"nl": "onderdeel", "en": "its part"},
    "participates-in": {"nl": "verband waaraan het deelneemt", "en": "it takes part in this"},
    "participant": {"nl": "deelnemer", "en": "participant"},
    "predecessor-of": {"nl": "opvolger", "en": "successor"},
    "successor-of": {"nl": "voorganger", "en": "predecessor"},
    "linked": {"nl": "verbonden", "en": "linked"},
}
# role key -> (relation type slug, direction): a role's line style and arrow in the triangle
ROLE_RELATIONS: dict[str, tuple[str, str]] = {key: (slug, direction) for (slug, direction), (key, _c, _p) in ROLES.items()}
# Relation types by the direct property that states them (the model's direct triples).
DIRECT_PROPERTIES = {
    DH + "accountableTo": "accountable-to", DH + "supervises": "supervises",
    ORG + "subOrganizationOf": "sub-organisation-of", DH + "participatesIn": "participates-in",
    DH + "ownerOf": "owner-of", DH + "principalOf": "principal-of", DH + "agentOf": "agent-of",
    DH + "predecessorOf": "predecessor-of",
}


def role_priority(role: str) -> int:
    """Where a role comes in lists and in the triangle: the most telling roles first."""
    for (_slug, _direction), (key, _corner, priority) in ROLES.items():
        if key == role:
            return priority
    return 99
