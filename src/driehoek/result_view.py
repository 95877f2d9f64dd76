"""SPARQL results for people: the first rows of an answer, each IRI with its label, its prefixed name
and the page to go to; and what the query editor offers to complete (prefixes, driehoek's terms).

No flask here: web/sparql.py renders a ResultView in the editor's page. Labels come from the same
public dataset as the answer, in ONE query for all the IRIs of the rows shown (at most MAX_LABELLED
IRIs), run in-process like the pages' own fixed queries: it is bounded by its VALUES block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

import pyoxigraph as ox

from . import pages
from .errors import BadRequest

SHOWN_ROWS = 500  # rows of an answer the editor's page shows; the downloads give every row
MAX_LABELLED = 2000  # distinct IRIs whose labels one page looks up (the rest show their prefixed name)
GRAPH_VARIABLES = ("subject", "predicate", "object")
XSD_STRING = pages.XSD + "string"
RDF_LANG_STRING = pages.RDF + "langString"

# The label properties in order of preference, as the pages use them (pages.LABEL_PREDICATES).
_LABEL_ORDER = {p.value: rank for rank, p in enumerate(pages.LABEL_PREDICATES)}
LABELS_QUERY = """
SELECT ?iri ?p ?label WHERE {
  VALUES ?p { %s }
  VALUES ?iri { %s }
  ?iri ?p ?label .
  FILTER(isLITERAL(?label))
}"""

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class Shown:
    """One value as a person reads it: the text (a label, a prefixed name, a literal's value), the
    prefixed name beside a label, the full IRI for a title attribute and the page to link to."""

    text: str
    kind: str  # "iri", "bnode", "literal" or "triple"
    lang: str = ""  # the language of `text`, if known
    curie: str = ""  # the prefixed name, shown next to a label
    iri: str = ""  # the full IRI (a title attribute), or a literal's datatype
    href: str | None = None
    external: bool = False


@dataclass
class Answer:
    """The first rows of an answer as terms (graph answers as subject, predicate, object rows)."""

    kind: str  # "solutions", "boolean" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[list[Term | None]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False


@dataclass
class ResultView:
    """An answer ready for a template: every value Shown, labels looked up."""

    kind: str
    variables: list[str]
    rows: list[list[Shown | None]]
    boolean: bool | None
    truncated: bool
    limit: int
    labelled: int  # IRIs whose labels were looked up


def read_answer(kind: str, answer: IO[bytes], *, limit: int = SHOWN_ROWS) -> Answer:
    """The first `limit` rows of a query worker's answer: SPARQL results JSON for SELECT and ASK,
    N-Triples for CONSTRUCT and DESCRIBE. The rest of the answer is not read."""
    try:
        if kind == "graph":
            rows: list[list[Term | None]] = []
            truncated = False
            for triple in ox.parse(answer, ox.RdfFormat.N_TRIPLES):
                if len(rows) == limit:
                    truncated = True
                    break
                rows.append([triple.subject, triple.predicate, triple.object])
            return Answer(kind, list(GRAPH_VARIABLES), rows, truncated=truncated)
        results = ox.parse_query_results(answer, ox.QueryResultsFormat.JSON)
        if isinstance(results, ox.QueryBoolean):
            return Answer("boolean", boolean=bool(results))
        variables = [v.value for v in results.variables]
        rows = []
        truncated = False
        for solution in results:
            if len(rows) == limit:
                truncated = True
                break
            rows.append([solution[name] for name in variables])
        return Answer("solutions", variables, rows, truncated=truncated)
    except (SyntaxError, OSError) as err:
        raise BadRequest(f"the answer cannot be read back: {err}") from err


def iris_in(answer: Answer) -> list[str]:
    """The distinct IRIs of the rows, in order of appearance, at most MAX_LABELLED."""
    seen: dict[str, None] = {}
    for row in answer.rows:
        for term in row:
            if isinstance(term, ox.NamedNode) and term.value not in seen:
                seen[term.value] = None
                if len(seen) == MAX_LABELLED:
                    return list(seen)
    return list(seen)


def labels_query(iris: Iterable[str]) -> str:
    """The one batched label query for these IRIs (each printed by pyoxigraph, so escaped)."""
    predicates = " ".join(str(p) for p in pages.LABEL_PREDICATES)
    return LABELS_QUERY % (predicates, " ".join(str(ox.NamedNode(iri)) for iri in iris))


def lookup_labels(reader: pages.Pages, iris: list[str]) -> dict[str, pages.Labels]:
    """Labels by language for the IRIs, from the first label property each has (as the pages pick
    them); outside terms without a label in the data get the pages' own names (rdf:type: soort)."""
    found: dict[str, dict[str, tuple[int, str]]] = {}
    if iris:
        for row in reader.select(labels_query(iris)):
            iri, predicate, label = row["iri"], row["p"], row["label"]
            assert isinstance(label, ox.Literal)
            rank = _LABEL_ORDER.get(predicate.value, len(_LABEL_ORDER))
            by_lang = found.setdefault(iri.value, {})
            language = label.language or ""
            if language not in by_lang or rank < by_lang[language][0]:
                by_lang[language] = (rank, label.value)
    labels: dict[str, pages.Labels] = {}
    for iri in iris:
        by_lang = found.get(iri)
        if by_lang:
            best = min(rank for rank, _ in by_lang.values())  # one property, as pages.Pages.labels
            labels[iri] = {lang: text for lang, (rank, text) in by_lang.items() if rank == best}
        elif iri in pages.TERM_LABELS:
            labels[iri] = dict(pages.TERM_LABELS[iri])
    return labels


def shown(term: Term | None, labels: dict[str, pages.Labels], base_iri: str, lang: str) -> Shown | None:
    """How a person sees one value."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        iri = term.value
        local = pages.local_path(iri, base_iri)
        external = local is None and iri.startswith(("http://", "https://"))
        href = local or (iri if external else None)
        short = pages.curie(iri)
        curie = short if short != iri else ""
        text, tag = pages.pick_lang(labels.get(iri), lang)
        if text:
            return Shown(text, "iri", lang=tag, curie=curie, iri=iri, href=href, external=external)
        return Shown(curie or iri, "iri", iri=iri, href=href, external=external)
    if isinstance(term, ox.BlankNode):
        return Shown("_:" + term.value, "bnode")
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        shown_type = "" if datatype in (XSD_STRING, RDF_LANG_STRING) else pages.curie(datatype)
        return Shown(term.value, "literal", lang=term.language or "", iri=shown_type)
    return Shown(str(term), "triple")


def view(answer: Answer, reader: pages.Pages | None, base_iri: str, lang: str, *,
         limit: int = SHOWN_ROWS) -> ResultView:
    """The answer with labels (one lookup on `reader`; none when it is None) and every value Shown."""
    iris = iris_in(answer)
    labels = lookup_labels(reader, iris) if reader is not None else {}
    rows = [[shown(term, labels, base_iri, lang) for term in row] for row in answer.rows]
    return ResultView(answer.kind, answer.variables, rows, answer.boolean, answer.truncated, limit,
                      len(iris) if reader is not None else 0)


# -- what the editor completes ------------------------------------------------------------------

def completions(reader: pages.Pages, lang: str) -> dict[str, Any]:
    """Prefixes (the pages' PREFIXES table) and driehoek's classes and properties with their labels,
    for the editor's autocompletion; computed once per snapshot and language."""
    def compute() -> dict[str, Any]:
        vocabulary = reader.vocabulary()
        terms = []
        for kind, items in (("class", vocabulary["classes"]), ("property", vocabulary["properties"])):
            for item in items:
                label, label_lang = pages.pick_lang(item["labels"], lang)
                terms.append({"curie": pages.curie(item["iri"]), "label": label, "lang": label_lang,
                              "kind": kind})
        terms.sort(key=lambda t: t["curie"].casefold())
        return {"prefixes": dict(pages.PREFIXES), "terms": terms}

    return reader.snapshot.cached(f"editor-completions-{lang}", compute)  # type: ignore[no-any-return]


__all__ = ["Answer", "ResultView", "Shown", "SHOWN_ROWS", "MAX_LABELLED", "read_answer", "iris_in",
           "labels_query", "lookup_labels", "shown", "view", "completions"]
