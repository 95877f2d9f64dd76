"""Cases as comparable evidence (issue 19): ratings by several raters, explanatory factors coded per
case, and the patterns across cases that the /patterns page, its CSV and JSON and the yearly report
show.

Every number comes from one of four named queries in queries/, run in-process on a snapshot:

- `patterns-matrix`: one row per published case and factor, with the coded presence;
- `rater-agreement`: one row per case and criterion, with the raters, the lowest and highest rank and
  whether the raters agree, are close or contest each other;
- `rater-agreement-summary`: the share of case-criterion pairs with two or more raters that agree
  exactly, and within one step, with n;
- `patterns-by-criterion`: per criterion and factor, crisp-set counts of the high and low cases with
  the factor present or absent.

This module only reshapes their answers (the matrix is the first two side by side); it adds no
number of its own, so that anyone can reproduce every figure with `driehoek query --name NAME`.

A case with several raters counts as *high* on a criterion only when every rater ranks it 4 or 5,
as *low* only when every rater ranks it 1 or 2; raters on both sides of that line, or a rating of 3,
make it neither. Nothing is averaged and no rater is preferred; the matrix shows the range of ranks
and the number of raters. No flask here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from . import queries

HIGH_RANK = 4  # a case is high on a criterion when every rater ranks it at least this
LOW_RANK = 2  # ... and low when every rater ranks it at most this
MATRIX_QUERY = "patterns-matrix"
AGREEMENT_QUERY = "rater-agreement"
SUMMARY_QUERY = "rater-agreement-summary"
COUNTS_QUERY = "patterns-by-criterion"
QUERIES = (MATRIX_QUERY, AGREEMENT_QUERY, SUMMARY_QUERY, COUNTS_QUERY)
TABLES = ("matrix", "counts", "agreement")
PRESENCE = "https://w3id.org/driehoek/def/factor-presence/"
EDITORS = "https://w3id.org/driehoek/id/organisation/driehoek-redactie"

Text = tuple[str, str]  # (Dutch, English)
Value = str | int | float | bool | None
XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {XSD + t for t in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger")}
_DECIMALS = {XSD + t for t in ("decimal", "double", "float")}

CAVEAT: Text = (
    "Let op: n is klein en samengaan is geen oorzaak. Deze tellingen beschrijven de succesverhalen die in "
    "driehoek staan, een kleine en niet-willekeurige selectie; ze laten niet zien wat succes veroorzaakt. "
    "De coderingen van factoren zijn onze lezing van de bronnen (geïnterpreteerd) en de meeste waarderingen "
    "zijn illustratieve oordelen van de redactie.",
    "Mind: n is small and co-occurrence is not causation. These counts describe the cases in driehoek, a "
    "small and non-random selection; they do not show what causes success. The factor codings are our "
    "reading of the sources (interpreted) and most ratings are illustrative judgements of the editors.",
)

RULE: Text = (
    "Een succesverhaal telt als hoog op een criterium als elke beoordelaar het 4 of 5 geeft (veerkrachtig "
    "succes of succes), als laag als elke beoordelaar het 1 of 2 geeft (precair succes of falen). Bij een 3, "
    "of bij beoordelaars aan beide kanten van die grens, telt het als geen van beide. Niets wordt gemiddeld "
    "en geen beoordelaar gaat voor: de matrix toont per criterium de laagste en hoogste rang en het aantal "
    "beoordelaars. Een factor die onbekend of niet gecodeerd is, telt niet als aanwezig en niet als afwezig.",
    "A case counts as high on a criterion when every rater ranks it 4 or 5 (resilient success or success), "
    "as low when every rater ranks it 1 or 2 (precarious success or failure). A 3, or raters on both sides "
    "of that line, makes it neither. Nothing is averaged and no rater is preferred: the matrix shows, per "
    "criterion, the lowest and highest rank and the number of raters. A factor that is unknown or not "
    "coded counts neither as present nor as absent.",
)


# -- running the named queries ---------------------------------------------------------------------

def _term_value(term: Any) -> Value:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGERS:
                return int(term.value)
            if datatype in _DECIMALS:
                return float(term.value)
        except ValueError:
            return term.value
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return str(term.value)


def run(store: ox.Store, dataset: dict[str, Any], name: str, params: dict[str, str] | None = None
        ) -> tuple[tuple[str, ...], list[dict[str, Value]]]:
    """A named query's variables and rows (JSON values) on a snapshot's dataset (see pages.Snapshot)."""
    named = queries.get(name)
    results = store.query(named.text, substitutions=named.substitutions(params or {}), **dataset)
    assert isinstance(results, ox.QuerySolutions), f"{name} is not a SELECT query"
    variables = tuple(v.value for v in results.variables)
    return variables, [{v: _term_value(solution[v]) for v in variables} for solution in results]


def classify(min_rank: int | None, max_rank: int | None) -> str:
    """"high", "low" or "neither" for the lowest and highest rank of one case on one criterion."""
    if min_rank is None or max_rank is None:
        return ""
    if min_rank >= HIGH_RANK:
        return "high"
    if max_rank <= LOW_RANK:
        return "low"
    return "neither"


# -- the view model ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Concept:
    """A factor or a criterion as a column of the matrix."""

    iri: str
    notation: str
    labels: dict[str, str]


@dataclass(frozen=True)
class RatingCell:
    """A case on one criterion: one row of rater-agreement."""

    raters: int
    ratings: int
    min_rank: int
    max_rank: int
    agreement: str  # single, agree, close, contest
    positions: str
    level: str  # high, low, neither


@dataclass
class CaseRow:
    """One published case: its coded factors and its ratings per criterion."""

    iri: str
    labels: dict[str, str]
    presence: dict[str, str] = field(default_factory=dict)  # factor IRI -> present/absent/unknown ("" not coded)
    ratings: dict[str, RatingCell] = field(default_factory=dict)  # criterion IRI -> cell


@dataclass(frozen=True)
class Count:
    """One row of patterns-by-criterion: a criterion, a factor and the crisp-set counts."""

    criterion: str
    factor: str
    cases: int
    high: int
    low: int
    present_high: int
    present_low: int
    absent_high: int
    absent_low: int


@dataclass
class Patterns:
    """Everything /patterns shows, from the four named queries."""

    year: int | None
    factors: list[Concept]
    criteria: list[Concept]
    cases: list[CaseRow]
    counts: list[Count]
    agreement: list[dict[str, Value]]  # rater-agreement rows of the published cases
    summary: dict[str, Value]
    raw: dict[str, tuple[tuple[str, ...], list[dict[str, Value]]]]  # each query's answer, as run

    def count(self, criterion: str, factor: str) -> Count | None:
        """The counts of one criterion and factor."""
        return next((c for c in self.counts if c.criterion == criterion and c.factor == factor), None)

    def by_criterion(self, criterion: str) -> list[Count]:
        """The counts of one criterion, in factor order."""
        order = {f.iri: i for i, f in enumerate(self.factors)}
        return sorted((c for c in self.counts if c.criterion == criterion), key=lambda c: order.get(c.factor, 99))

    def contested(self) -> list[dict[str, Value]]:
        """The case-criterion pairs on which raters are two or more steps apart."""
        return [row for row in self.agreement if row.get("agreement") == "contest"]

    # -- exports -----------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The matrix, the counts and the agreement as one JSON document, with the caveat."""
        return {
            "caveat": {"nl": CAVEAT[0], "en": CAVEAT[1]},
            "rule": {"nl": RULE[0], "en": RULE[1]},
            "year": self.year,
            "queries": list(QUERIES),
            "factors": [{"iri": f.iri, "notation": f.notation, "label": f.labels} for f in self.factors],
            "criteria": [{"iri": c.iri, "notation": c.notation, "label": c.labels} for c in self.criteria],
            "matrix": [{"case": row.iri, "title": row.labels,
                        "factors": {f.iri: row.presence.get(f.iri, "") for f in self.factors},
                        "ratings": {c.iri: _cell_json(row.ratings.get(c.iri)) for c in self.criteria}}
                       for row in self.cases],
            "counts": [{"criterion": c.criterion, "factor": c.factor, "n": c.cases, "high": c.high, "low": c.low,
                        "presentHigh": c.present_high, "presentLow": c.present_low,
                        "absentHigh": c.absent_high, "absentLow": c.absent_low} for c in self.counts],
            "agreement": {"summary": self.summary, "pairs": self.agreement},
        }

    def to_csv(self, table: str = "matrix") -> str:
        """One table as CSV: matrix (a row per case), counts (a row per criterion and factor) or
        agreement (a row per case and criterion). The counts carry the caveat in a column."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        if table == "matrix":
            writer.writerow(["case", "title_nl", "title_en",
                             *(f"factor_{f.notation}_{_slug(f.iri)}" for f in self.factors),
                             *(f"criterion_{c.notation}_{part}" for c in self.criteria
                               for part in ("level", "min_rank", "max_rank", "raters", "agreement"))])
            for row in self.cases:
                cells: list[Any] = [row.iri, row.labels.get("nl", ""), row.labels.get("en", "")]
                cells += [row.presence.get(f.iri, "") for f in self.factors]
                for c in self.criteria:
                    cell = row.ratings.get(c.iri)
                    cells += ([cell.level, cell.min_rank, cell.max_rank, cell.raters, cell.agreement] if cell
                              else ["", "", "", "", ""])
                writer.writerow(cells)
        elif table == "counts":
            writer.writerow(["criterion", "factor", "n", "high", "low", "present_high", "present_low",
                             "absent_high", "absent_low", "caveat"])
            for c in self.counts:
                writer.writerow([c.criterion, c.factor, c.cases, c.high, c.low, c.present_high, c.present_low,
                                 c.absent_high, c.absent_low, CAVEAT[1]])
        elif table == "agreement":
            columns = ["case", "criterion", "notation", "raters", "ratings", "minRank", "maxRank", "spread",
                       "agreement", "positions"]
            writer.writerow(columns)
            for row in self.agreement:
                writer.writerow(["" if row.get(k) is None else row.get(k) for k in columns])
        else:
            raise ValueError(f"no table {table!r}; choose one of: {', '.join(TABLES)}")
        return out.getvalue()


def _cell_json(cell: RatingCell | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    return {"level": cell.level, "minRank": cell.min_rank, "maxRank": cell.max_rank, "raters": cell.raters,
            "ratings": cell.ratings, "agreement": cell.agreement, "positions": cell.positions}


def _slug(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _labels(row: dict[str, Value], base: str) -> dict[str, str]:
    return {lang: str(row[f"{base}{lang.capitalize()}"]) for lang in ("nl", "en") if row.get(f"{base}{lang.capitalize()}")}


def _int(value: Value) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _notation_key(notation: str) -> tuple[int, str]:
    digits = "".join(ch for ch in notation if ch.isdigit())
    return (int(digits) if digits else 0, notation)


def build(store: ox.Store, dataset: dict[str, Any] | None = None, *, year: int | None = None) -> Patterns:
    """Run the four named queries on `store` (a snapshot; `dataset` as pages.Snapshot.dataset) and
    put their answers side by side. `year`: only the cases published up to and including it."""
    dataset = dataset or {"use_default_graph_as_union": True}
    params = {"year": str(year)} if year is not None else {}
    raw = {MATRIX_QUERY: run(store, dataset, MATRIX_QUERY, params),
           AGREEMENT_QUERY: run(store, dataset, AGREEMENT_QUERY),
           SUMMARY_QUERY: run(store, dataset, SUMMARY_QUERY),
           COUNTS_QUERY: run(store, dataset, COUNTS_QUERY, params)}
    _, count_rows = raw[COUNTS_QUERY]
    factors: dict[str, Concept] = {}
    criteria: dict[str, Concept] = {}
    counts = []
    for row in count_rows:
        factor, criterion = str(row["factor"]), str(row["criterion"])
        factors.setdefault(factor, Concept(factor, str(row["factorNotation"]), _labels(row, "factor")))
        criteria.setdefault(criterion, Concept(criterion, str(row["notation"]), _labels(row, "criterion")))
        counts.append(Count(criterion, factor, _int(row["cases"]), _int(row["highCases"]), _int(row["lowCases"]),
                            _int(row["presentHigh"]), _int(row["presentLow"]), _int(row["absentHigh"]),
                            _int(row["absentLow"])))
    cases: dict[str, CaseRow] = {}
    for row in raw[MATRIX_QUERY][1]:
        case = str(row["case"])
        entry = cases.setdefault(case, CaseRow(case, _labels(row, "case")))
        presence = row.get("presence")
        entry.presence[str(row["factor"])] = str(presence).removeprefix(PRESENCE) if presence else ""
    agreement = []
    for row in raw[AGREEMENT_QUERY][1]:
        entry = cases.get(str(row["case"]))
        if entry is None:
            continue  # a draft, or published after `year`: not in the matrix
        agreement.append(row)
        low, high = _int(row["minRank"]), _int(row["maxRank"])
        entry.ratings[str(row["criterion"])] = RatingCell(
            _int(row["raters"]), _int(row["ratings"]), low, high, str(row["agreement"]),
            str(row.get("positions") or ""), classify(low, high))
    summary_rows = raw[SUMMARY_QUERY][1]
    return Patterns(
        year=year,
        factors=sorted(factors.values(), key=lambda f: _notation_key(f.notation)),
        criteria=sorted(criteria.values(), key=lambda c: _notation_key(c.notation)),
        cases=sorted(cases.values(), key=lambda r: (r.labels.get("nl") or r.iri).casefold()),
        counts=counts, agreement=agreement, summary=summary_rows[0] if summary_rows else {}, raw=raw)


# -- one case (the case page) -----------------------------------------------------------------------

@dataclass(frozen=True)
class CriterionAgreement:
    """How the raters of one case judged one criterion (a row of rater-agreement)."""

    criterion: str
    notation: str
    raters: int
    ratings: int
    min_rank: int
    max_rank: int
    agreement: str


def agreement_of_case(store: ox.Store, dataset: dict[str, Any], case: str) -> dict[str, CriterionAgreement]:
    """The rater-agreement rows of one case, by criterion IRI."""
    _, rows = run(store, dataset, AGREEMENT_QUERY, {"case": case})
    return {str(r["criterion"]): CriterionAgreement(str(r["criterion"]), str(r["notation"]), _int(r["raters"]),
                                                    _int(r["ratings"]), _int(r["minRank"]), _int(r["maxRank"]),
                                                    str(r["agreement"]))
            for r in rows}


@dataclass(frozen=True)
class CodingRow:
    """One factor coding of a case, as the case page shows it."""

    factor: Any  # pages.Link
    notation: str
    presence: Any  # pages.Link | None
    presence_key: str  # present, absent, unknown ("" outside the scheme)
    rationale: dict[str, str]
    evidence: tuple[Any, ...]  # pages.Link
    status: Any  # pages.Link | None: the epistemic status


DH = "https://w3id.org/driehoek/def#"
SKOS_NOTATION = "http://www.w3.org/2004/02/skos/core#notation"


def case_codings(reader: Any, node: ox.NamedNode) -> list[CodingRow]:
    """The factor codings of a case (dh:factorCoding), in factor order; `reader` is a pages.Pages."""
    rows = []
    for coding in reader.objects(node, DH + "factorCoding"):
        if not isinstance(coding, ox.BlankNode | ox.NamedNode):
            continue
        factor = reader.first(coding, DH + "factor")
        presence = reader.first(coding, DH + "presence")
        if not isinstance(factor, ox.NamedNode):
            continue
        presence_iri = presence.value if isinstance(presence, ox.NamedNode) else ""
        rows.append(CodingRow(
            factor=reader.link(factor.value), notation=reader.first_text(factor, SKOS_NOTATION) or "",
            presence=reader.link(presence_iri) if presence_iri else None,
            presence_key=presence_iri.removeprefix(PRESENCE) if presence_iri.startswith(PRESENCE) else "",
            rationale=reader.texts(coding, DH + "rationale"),
            evidence=tuple(reader.links(reader.objects(coding, DH + "evidence"))),
            status=reader.epistemic_status(coding)))
    return sorted(rows, key=lambda r: _notation_key(r.notation))


AGREEMENT_LABELS: dict[str, Text] = {
    "single": ("één beoordelaar", "one rater"),
    "agree": ("beoordelaars eens", "raters agree"),
    "close": ("dicht bij elkaar (één stap)", "close (one step apart)"),
    "contest": ("betwist (twee of meer stappen)", "contested (two or more steps apart)"),
}
LEVEL_LABELS: dict[str, Text] = {
    "high": ("hoog", "high"), "low": ("laag", "low"), "neither": ("geen van beide", "neither"),
}
PRESENCE_LABELS: dict[str, Text] = {
    "present": ("aanwezig", "present"), "absent": ("afwezig", "absent"), "unknown": ("onbekend", "unknown"),
    "": ("niet gecodeerd", "not coded"),
}


def share(numerator: Value, denominator: Value) -> float | None:
    """numerator / denominator, None when the denominator is 0."""
    d = _int(denominator)
    return _int(numerator) / d if d else None


__all__ = ["AGREEMENT_LABELS", "CAVEAT", "LEVEL_LABELS", "PRESENCE_LABELS", "QUERIES", "RULE", "TABLES",
           "CaseRow", "CodingRow", "Concept", "Count", "CriterionAgreement", "Patterns", "RatingCell", "agreement_of_case",
           "build", "case_codings", "classify", "run", "share"]
