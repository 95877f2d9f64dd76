"""Legal bases: a register link to wetten.overheid.nl as the law or, where one article is named, as a
dh:LegalProvision of it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from .report import _Conflicts
from .turtle import _Graph, _iri, _literal
from .values import _http_iri, _text

_BWB = re.compile(r"BWB[RV]\d{7}")
_ARTICLE_IN_HEADING = re.compile(r",?\s+artikel\s+(?P<article>[0-9][0-9A-Za-z.:]*?)(?=[,\s]|$)")


def _legal_basis(
    basis: Mapping[str, Any], graph: _Graph, legal_labels: dict[str, Counter[str]], conflicts: _Conflicts
) -> str | None:
    """The IRI a legal basis points to: a dh:LegalProvision (the law plus article) where the link or the
    heading names one article of a law on wetten.overheid.nl, the law's page where it names none, and
    the link as given for anything else. Describes the provision; collects the labels."""
    link = _http_iri(basis.get("referentie"))
    if link is None:
        return None
    heading = _text(basis.get("opschrift"))
    match = re.fullmatch(r"https?://(?:www\.)?wetten\.overheid\.nl/(?P<path>[^?#]*)", link)
    bwb = None
    article_in_link = None
    if match:
        path = match.group("path")
        if path.startswith("jci1.3:c:"):
            parts = path.removeprefix("jci1.3:c:").split("&")
            bwb = parts[0] if _BWB.fullmatch(parts[0]) else None
            params = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
            article_in_link = unquote(params.get("artikel", "")) or None
        else:
            first = path.split("/", 1)[0]
            bwb = first if _BWB.fullmatch(first) else None
    if bwb is None:
        if heading:
            legal_labels[link][heading] += 1
        return link
    law = f"https://wetten.overheid.nl/{bwb}"
    found = _ARTICLE_IN_HEADING.search(heading)
    article_in_heading = found.group("article").rstrip(".") if found else None
    law_label = heading[: found.start()].strip() if found else heading
    if law_label:
        legal_labels[law][law_label] += 1
    article = article_in_link or article_in_heading
    if article_in_link and article_in_heading and article_in_link != article_in_heading:
        conflicts.add("article-disagrees", "left out")
        article = None
    provision = f"https://wetten.overheid.nl/jci1.3:c:{bwb}&artikel={article}" if article else None
    if provision is None or _http_iri(provision) != provision:
        return law
    graph.add(provision, "a", "dh:LegalProvision")
    graph.add(provision, "dh:bwbId", _literal(bwb))
    graph.add(provision, "dh:article", _literal(article))
    graph.add(provision, "dcterms:isPartOf", _iri(law))
    label = heading if found else (f"{heading}, artikel {article}" if heading else f"{bwb}, artikel {article}")
    legal_labels[provision][label] += 1
    return provision
