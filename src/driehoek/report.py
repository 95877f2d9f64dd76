"""The yearly "Staat van de Uitvoering"-style report, built from the graph.

Every figure of the report is the answer of one named query in queries/ (`report-*.rq`, each with
one parameter `year`), run in-process on the newest snapshot; the report adds nothing but sums and
row counts of those answers (the key figures), and says for each which query and which measure.
So anyone can reproduce a number: run `driehoek query --name NAME --param year=YYYY`, or follow the
figure's link to `/queries/NAME?year=YYYY`.

Outputs, all from one `Report`:
- HTML in Dutch or English (`render_html`): a standalone document with its own print CSS, or the
  body for the site's page layout; charts are inline SVG with a text alternative, and every number
  is also in a table, as `<data value=N data-query=NAME data-row=I data-column=VAR>`;
- PDF (`render_pdf`) through WeasyPrint (it needs Debian's Pango: libpango-1.0-0, libpangoft2-1.0-0);
- JSON (`Report.to_json`): one document with every figure's rows, exactly the query's solutions
  (numbers for numeric literals, strings for IRIs, dates and labels, null where unbound);
- CSV (`Report.to_csv`): the same in long format, one value a line:
  `figure,query,row,column,value` (row counts from 1 in the query's order).

No flask here: the CLI (`driehoek report`) and the web (`/monitor/<year>`) both call these functions.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import jinja2
import pyoxigraph as ox
from markupsafe import Markup

from . import palette, queries
from .errors import NotFound, ServiceUnavailable
from .formats import Format

Value = str | int | float | bool | None
# The report's own downloads (formats.py's table has no PDF, and its CSV is the SPARQL results one).
PDF = Format("pdf", "application/pdf", ".pdf")
CSV = Format("csv", "text/csv", ".csv")
Text = tuple[str, str]  # (Dutch, English)
LANGUAGES = ("nl", "en")
XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                    "positiveInteger", "nonPositiveInteger", "negativeInteger",
                                    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_DECIMAL_TYPES = {XSD + t for t in ("decimal", "double", "float")}


# -- what the report holds ------------------------------------------------------------------------

@dataclass(frozen=True)
class FigureSpec:
    """One figure: its id in the report, the named query behind it, its title and lead text."""

    key: str
    query: str
    title: Text
    lead: Text


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("monitor-edition", "report-monitor-edition",
               ("De Staat van de Uitvoering {year}", "The State of Implementation {year}"),
               ("De editie van de monitor over dit jaar, met de succesverhalen die erin staan en de "
                "uitvoeringsorganisaties die ze beslaat.",
                "This year's edition of the monitor, with the cases it features and the implementing "
                "organisations it covers.")),
    FigureSpec("cases-published", "report-cases-published",
               ("Gepubliceerde succesverhalen", "Cases published"),
               ("De succesverhalen die dit jaar zijn gepubliceerd (concepten en ingetrokken verhalen tellen "
                "niet mee).",
                "The success stories published this year (drafts and withdrawn cases left out).")),
    FigureSpec("assessments", "report-assessments-by-criterion-and-rating",
               ("Oordelen per criterium", "Ratings per criterion"),
               ("Hoe de succesverhalen van dit jaar scoren op de vier criteria, op het spectrum van "
                "McConnell: van succes tot mislukking. Per verhaal telt de meest recente beoordeling.",
                "How this year's cases score on the four criteria, on McConnell's spectrum from success "
                "to failure. Each case counts with its most recent assessment.")),
    FigureSpec("organisations-by-corner", "report-organisations-involved-by-corner-and-type",
               ("Betrokken organisaties per hoek van de driehoek",
                "Organisations involved, by corner of the triangle"),
               ("De organisaties die bij de succesverhalen van dit jaar betrokken waren, per hoek (politiek "
                "en beleid, uitvoering, toezicht) en soort. Een organisatie in twee hoeken telt in beide.",
                "The organisations involved in this year's cases, by corner (politics and policy, "
                "implementation, supervision) and type. An organisation in two corners counts in both.")),
    FigureSpec("organisations-involved", "report-organisations-involved",
               ("Betrokken organisaties en hun rol", "Organisations involved and their roles"),
               ("Wie er bij de succesverhalen van dit jaar betrokken was, in welke rol, en bij hoeveel "
                "verhalen.",
                "Who took part in this year's cases, in which role, and in how many of them.")),
    FigureSpec("triangle-changes", "report-triangle-changes",
               ("Veranderingen in de driehoek", "Changes in the triangle"),
               ("Lijnen van toezicht en verantwoording die dit jaar begonnen of eindigden.",
                "Lines of supervision and accountability that started or ended this year.")),
    FigureSpec("organisations-founded-or-ended", "report-organisations-founded-or-ended",
               ("Organisaties opgericht en opgeheven", "Organisations founded and ended"),
               ("Volgens het register van overheidsorganisaties: hoeveel organisaties dit jaar zijn opgericht "
                "of opgeheven, per soort, en hoeveel opgeheven organisaties opgingen in een opvolger.",
                "According to the register of government organisations: how many organisations were founded "
                "or dissolved this year, by type, and how many dissolved ones went on in a successor.")),
    FigureSpec("themes", "report-themes",
               ("Thema's", "Themes"),
               ("De thema's van de succesverhalen en van de bijeenkomsten van de leergemeenschap dit jaar.",
                "The themes of this year's cases and of the learning community's meetings.")),
    FigureSpec("patterns", "patterns-by-criterion",
               ("Patronen over de succesverhalen heen", "Patterns across cases"),
               ("Per criterium: hoeveel hoog (elke beoordelaar 4 of 5) en laag (elke beoordelaar 1 of 2) "
                "gewaardeerde succesverhalen, gepubliceerd tot en met dit jaar, een verklarende factor aanwezig "
                "of afwezig hadden. Let op: n is klein en samengaan is geen oorzaak.",
                "Per criterion: how many high (every rater 4 or 5) and low (every rater 1 or 2) rated cases, "
                "published up to and including this year, had an explanatory factor present or absent. Mind: n "
                "is small and co-occurrence is not causation.")),
    FigureSpec("meetings", "report-meetings",
               ("Bijeenkomsten van de leergemeenschap", "Meetings of the learning community"),
               ("Workshops, webinars en conferenties van dit jaar.",
                "This year's workshops, webinars and conferences.")),
)


@dataclass(frozen=True)
class KeySpec:
    """A key figure: a row count or a column sum of one figure's query."""

    key: str
    figure: str
    measure: str  # "rows" or "sum:<column>"
    label: Text


KEY_FIGURES: tuple[KeySpec, ...] = (
    KeySpec("cases-published", "cases-published", "rows",
            ("succesverhalen gepubliceerd", "cases published")),
    KeySpec("ratings", "assessments", "sum:cases",
            ("oordelen over de vier criteria", "ratings on the four criteria")),
    KeySpec("organisations-involved", "organisations-involved", "rows",
            ("organisaties betrokken", "organisations involved")),
    KeySpec("meetings", "meetings", "rows",
            ("bijeenkomsten van de leergemeenschap", "meetings of the learning community")),
    KeySpec("triangle-changes", "triangle-changes", "rows",
            ("veranderingen in toezicht en verantwoording", "changes in supervision and accountability")),
    KeySpec("organisations-founded", "organisations-founded-or-ended", "sum:founded",
            ("organisaties opgericht (register)", "organisations founded (register)")),
    KeySpec("organisations-ended", "organisations-founded-or-ended", "sum:ended",
            ("organisaties opgeheven (register)", "organisations dissolved (register)")),
)

# A year has a report when the research did something in it: cases, meetings, a monitor edition,
# a change in the triangle. Register changes alone do not count: the register goes back centuries.
_ACTIVITY = ("cases-published", "meetings", "monitor-edition", "triangle-changes")


@dataclass(frozen=True)
class Figure:
    """A figure's data: the solutions of its named query for the year, in the query's order."""

    spec: FigureSpec
    columns: tuple[str, ...]
    rows: tuple[dict[str, Value], ...]

    def measure(self, measure: str) -> int | float:
        """A row count ("rows") or a column sum ("sum:<column>")."""
        if measure == "rows":
            return len(self.rows)
        column = measure.removeprefix("sum:")
        return sum(v for row in self.rows if isinstance(v := row.get(column), (int, float)))


@dataclass(frozen=True)
class KeyFigure:
    """A number at the top of the report and where it comes from."""

    spec: KeySpec
    query: str
    value: int | float


@dataclass(frozen=True)
class Report:
    """The year's report: every figure's data, and when it was built."""

    year: int
    generated: datetime
    figures: dict[str, Figure]

    @property
    def key_figures(self) -> list[KeyFigure]:
        """The key figures, each computed from one figure's rows."""
        return [KeyFigure(k, self.figures[k.figure].spec.query, self.figures[k.figure].measure(k.measure))
                for k in KEY_FIGURES]

    @property
    def is_empty(self) -> bool:
        """True when nothing happened this year: no cases, meetings, monitor edition or triangle changes."""
        return not any(self.figures[key].rows for key in _ACTIVITY)

    def title(self, lang: str) -> str:
        """The report's title in `lang`."""
        # never the official monitor's own title: this is driehoek's overview, not the Staat van de Uitvoering
        return _pick(("driehoek-jaaroverzicht {year}: succesverhalen in de driehoek",
                      "driehoek annual overview {year}: success stories in the triangle"), lang).format(year=self.year)

    def to_json(self) -> dict[str, Any]:
        """One JSON document with every figure: its query, parameters, columns and rows."""
        return {
            "year": self.year,
            "title": {lang: self.title(lang) for lang in LANGUAGES},
            "generated": self.generated.isoformat(timespec="seconds"),
            "keyFigures": [{"id": k.spec.key, "label": dict(zip(LANGUAGES, k.spec.label)), "value": k.value,
                            "figure": k.spec.figure, "query": k.query, "measure": k.spec.measure}
                           for k in self.key_figures],
            "figures": [{"id": f.spec.key, "query": f.spec.query, "params": {"year": str(self.year)},
                         "title": {lang: _pick(f.spec.title, lang).format(year=self.year) for lang in LANGUAGES},
                         "columns": list(f.columns), "rows": list(f.rows)}
                        for f in self.figures.values()],
        }

    def to_csv(self) -> str:
        """Every value of every figure in long format: figure,query,row,column,value."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["figure", "query", "row", "column", "value"])
        for figure in self.figures.values():
            for number, row in enumerate(figure.rows, start=1):
                for column in figure.columns:
                    writer.writerow([figure.spec.key, figure.spec.query, number, column, _csv_value(row[column])])
        return out.getvalue()


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- building -------------------------------------------------------------------------------------

def literal_value(lexical: str, datatype: str) -> Value:
    """A literal as a JSON value: numbers for numeric datatypes, booleans, text otherwise."""
    try:
        if datatype in _INTEGER_TYPES:
            return int(lexical)
        if datatype == XSD + "decimal":
            return float(Decimal(lexical))
        if datatype in _DECIMAL_TYPES:
            return float(lexical)
    except (ValueError, ArithmeticError):
        return lexical
    if datatype == XSD + "boolean":
        return lexical in ("true", "1")
    return lexical


def _cell_value(cell: Any) -> Value:
    """A `queries.Cell` (None where unbound) as a JSON value; IRIs and blank nodes as their text."""
    if cell is None:
        return None
    if cell.kind != "literal":
        return str(cell.value)
    return literal_value(cell.value, cell.datatype)


def _term_value(term: Any) -> Value:
    """A pyoxigraph term (None where unbound) as a JSON value, the same way as `_cell_value`."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return literal_value(term.value, term.datatype.value)
    return str(term.value)


def _answer(named: queries.NamedQuery, store: ox.Store, params: dict[str, str],
            withdrawn: list[str]) -> tuple[tuple[str, ...], tuple[dict[str, Value], ...]]:
    """The variables and rows of a named query's answer on the snapshot's public graphs."""
    if withdrawn:
        table = queries.run(named, store, params, withdrawn=withdrawn)
        return tuple(table.variables), tuple(
            {name: _cell_value(cell) for name, cell in zip(table.variables, row, strict=True)} for row in table.rows)
    # Nothing withdrawn: the union of the snapshot's graphs is the same dataset as queries.run's explicit
    # list of them, and pyoxigraph 0.5 joins over the union 10-25 times faster (the whole report: 0.3 s
    # instead of 6 s on the bundled data).
    results = store.query(named.text, use_default_graph_as_union=True, substitutions=named.substitutions(params))
    assert isinstance(results, ox.QuerySolutions), f"{named.name} is not a SELECT query"
    variables = tuple(v.value for v in results.variables)
    return variables, tuple({name: _term_value(solution[name]) for name in variables} for solution in results)


def build_report(store: ox.Store, year: int, *, withdrawn: Iterable[str] = (),
                 progress: Callable[[str], None] | None = None) -> Report:
    """Run every report query for `year` on `store` (a snapshot) and collect their answers."""
    hidden = list(withdrawn)
    figures: dict[str, Figure] = {}
    for spec in FIGURES:
        if progress:
            progress(spec.query)
        columns, rows = _answer(queries.get(spec.query), store, {"year": str(year)}, hidden)
        figures[spec.key] = Figure(spec, columns, rows)
    return Report(year, datetime.now(timezone.utc), figures)


def report_for_year(service: Any, year: int, *, progress: Callable[[str], None] | None = None) -> Report:
    """The report for `year` from the service's newest snapshot; NotFound when nothing happened."""
    view = service.view()
    report = build_report(view.reader, year, withdrawn=view.withdrawn, progress=progress)
    if report.is_empty:
        raise NotFound(f"nothing to report for {year}: no case published, no meeting, no monitor edition "
                       "and no change in supervision or accountability that year")
    return report


# -- presenting -----------------------------------------------------------------------------------

def _pick(text: Text, lang: str) -> str:
    return text[0] if lang == "nl" else text[1]


def _label(row: dict[str, Value], base: str, lang: str, fallback: str = "") -> str:
    """The `{base}Nl` / `{base}En` column in `lang`, else the other language, else the fallback."""
    first, second = (f"{base}Nl", f"{base}En") if lang == "nl" else (f"{base}En", f"{base}Nl")
    for key in (first, second):
        if row.get(key):
            return str(row[key])
    return fallback


_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}


def format_date(value: Value, lang: str) -> str:
    """A date as people write it: 14 februari 2024 / 14 February 2024."""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value or "")
    return f"{day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


def format_number(value: int | float, lang: str) -> str:
    """A number with the language's thousands separator (1.234 / 1,234)."""
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    if lang == "nl":
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text


@dataclass(frozen=True)
class Links:
    """Where the report's links point.

    `site=""`: paths on this server (`/queries/...`, `/id/...`, `/org/...`), for the web page;
    `site="https://host"`: the same, absolute, for a PDF served by the web;
    `site=None`: a standalone file — queries under the base IRI, resources by their IRIs.
    """

    base_iri: str
    site: str | None = ""

    def query(self, name: str, year: int) -> str:
        """The page of a named query with the year filled in."""
        root = self.base_iri.rstrip("/#") if self.site is None else self.site.rstrip("/")
        return f"{root}/queries/{name}?year={year}"

    def resource(self, iri: Value) -> str | None:
        """A link for a resource IRI: its page on the site, or the IRI itself."""
        if not isinstance(iri, str) or not iri.startswith(("http://", "https://")):
            return None
        if self.site is None:
            return iri
        if iri.startswith(self.base_iri):
            return f"{self.site.rstrip('/')}/{iri[len(self.base_iri):]}"
        if iri.startswith("https://identifier.overheid.nl/tooi/id/"):
            return f"{self.site.rstrip('/')}/org/{iri.rstrip('/').rsplit('/', 1)[-1]}"
        return iri


@dataclass
class CellView:
    """A table cell as shown: text, maybe a link, maybe a number traced to its query cell."""

    text: str = ""
    href: str | None = None
    number: int | float | None = None
    row: int | None = None  # 1-based row of the query's answer
    column: str | None = None
    datetime: str | None = None


@dataclass
class FigureView:
    """A figure ready for the template."""

    key: str
    number: int
    title: str
    lead: str
    query: str
    query_url: str
    headers: list[tuple[str, bool]]  # (text, numeric)
    rows: list[list[CellView]]
    chart: Chart | None = None
    note: Markup = field(default_factory=Markup)
    empty: str = ""


@dataclass
class KeyFigureView:
    """A key figure ready for the template."""

    key: str
    value: int | float
    text: str
    label: str
    query: str
    query_url: str
    measure: str


@dataclass
class ReportView:
    """Everything report.html shows, in one language."""

    lang: str
    year: int
    title: str
    generated: str
    intro: list[str]
    key_figures: list[KeyFigureView]
    figures: list[FigureView]
    appendix: list[dict[str, str]] = field(default_factory=list)
    other_language_href: str | None = None


def _number(row: dict[str, Value], index: int, column: str, lang: str) -> CellView:
    value = row.get(column)
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
    return CellView(format_number(number, lang), number=number, row=index, column=column)


def _date(row: dict[str, Value], column: str, lang: str) -> CellView:
    value = row.get(column)
    return CellView(format_date(value, lang), datetime=str(value) if value else None)



def _table(spec_key: str, figure: Figure, lang: str, links: Links
           ) -> tuple[list[tuple[str, bool]], list[list[CellView]]]:
    """Headers and rows of a figure's table, in `lang`."""
    t = lambda nl, en: nl if lang == "nl" else en  # noqa: E731
    rows = list(enumerate(figure.rows, start=1))
    none = t("(geen)", "(none)")
    if spec_key == "monitor-edition":
        return ([(t("Editie", "Edition"), False), (t("Verschenen", "Published"), False),
                 (t("Succesverhalen", "Cases featured"), True), (t("Organisaties", "Organisations covered"), True)],
                [[CellView(_label(r, "title", lang, str(r["edition"])), links.resource(r["edition"])),
                  _date(r, "issued", lang), _number(r, i, "featuredCases", lang),
                  _number(r, i, "coveredOrganisations", lang)] for i, r in rows])
    if spec_key == "cases-published":
        return ([(t("Gepubliceerd", "Published"), False), (t("Succesverhaal", "Case"), False)],
                [[_date(r, "issued", lang), CellView(_label(r, "title", lang, str(r["case"])), links.resource(r["case"]))]
                 for i, r in rows])
    if spec_key == "assessments":
        # criteria down, ratings across (best first), as in the chart; each cell is one row of the answer
        ratings = list(dict.fromkeys((str(r["rating"]), _label(r, "rating", lang)) for _, r in rows))
        criteria: dict[str, list[CellView]] = {}
        for i, r in rows:
            line = criteria.setdefault(str(r["criterion"]), [CellView(
                f"{r['notation']}. {_label(r, 'criterion', lang)}", links.resource(r["criterion"]))])
            line.append(_number(r, i, "cases", lang))
        return ([(t("Criterium", "Criterion"), False), *((label, True) for _, label in ratings)],
                list(criteria.values()))
    if spec_key == "patterns":
        # one line per criterion and factor; "a / b": cases with the factor present (absent) among the b high (low) ones
        return ([(t("Criterium", "Criterion"), False), (t("Factor", "Factor"), False), ("n", True),
                 (t("aanwezig bij hoog", "present when high"), True), (t("afwezig bij hoog", "absent when high"), True),
                 (t("aanwezig bij laag", "present when low"), True), (t("afwezig bij laag", "absent when low"), True),
                 (t("hoog", "high"), True), (t("laag", "low"), True)],
                [[CellView(f"{r['notation']}. {_label(r, 'criterion', lang)}", links.resource(r["criterion"])),
                  CellView(f"{r['factorNotation']}. {_label(r, 'factor', lang)}", links.resource(r["factor"])),
                  _number(r, i, "cases", lang), _number(r, i, "presentHigh", lang), _number(r, i, "absentHigh", lang),
                  _number(r, i, "presentLow", lang), _number(r, i, "absentLow", lang), _number(r, i, "highCases", lang),
                  _number(r, i, "lowCases", lang)] for i, r in rows])
    if spec_key == "organisations-by-corner":
        return ([(t("Hoek", "Corner"), False), (t("Soort organisatie", "Organisation type"), False),
                 (t("Organisaties", "Organisations"), True)],
                [[CellView(_label(r, "corner", lang, t("(geen hoek)", "(no corner)"))),
                  CellView(_label(r, "type", lang, none)), _number(r, i, "organisations", lang)] for i, r in rows])
    if spec_key == "organisations-involved":
        return ([(t("Organisatie", "Organisation"), False), (t("Rol", "Role"), False),
                 (t("Succesverhalen", "Cases"), True)],
                [[CellView(_label(r, "name", lang, str(r["organisation"])), links.resource(r["organisation"])),
                  CellView(_label(r, "roles", lang)), _number(r, i, "cases", lang)] for i, r in rows])
    if spec_key == "triangle-changes":
        change = {"started": t("begonnen", "started"), "ended": t("beëindigd", "ended")}
        return ([(t("Datum", "Date"), False), (t("Verandering", "Change"), False), (t("Van", "From"), False),
                 (t("Relatie", "Relation"), False), (t("Naar", "To"), False)],
                [[_date(r, "date", lang), CellView(change.get(str(r["change"]), str(r["change"])), links.resource(r["relation"])),
                  CellView(_label(r, "from", lang, str(r["from"])), links.resource(r["from"])),
                  CellView(_label(r, "type", lang)),
                  CellView(_label(r, "to", lang, str(r["to"])), links.resource(r["to"]))] for i, r in rows])
    if spec_key == "organisations-founded-or-ended":
        return ([(t("Soort organisatie", "Organisation type"), False), (t("Opgericht", "Founded"), True),
                 (t("Opgeheven", "Dissolved"), True), (t("waarvan met opvolger", "of which with a successor"), True)],
                [[CellView(_label(r, "type", lang, none)), _number(r, i, "founded", lang), _number(r, i, "ended", lang),
                  _number(r, i, "endedWithSuccessor", lang)] for i, r in rows])
    if spec_key == "themes":
        return ([(t("Thema", "Theme"), False), (t("Succesverhalen", "Cases"), True),
                 (t("Bijeenkomsten", "Meetings"), True)],
                [[CellView(_label(r, "theme", lang, str(r["theme"])), links.resource(r["theme"])),
                  _number(r, i, "cases", lang), _number(r, i, "meetings", lang)] for i, r in rows])
    if spec_key == "meetings":
        return ([(t("Datum", "Date"), False), (t("Soort", "Type"), False), (t("Bijeenkomst", "Meeting"), False),
                 (t("Besproken verhalen", "Cases discussed"), True)],
                [[_date(r, "date", lang), CellView(_label(r, "type", lang)),
                  CellView(_label(r, "title", lang, str(r["meeting"])), links.resource(r["meeting"])),
                  _number(r, i, "casesDiscussed", lang)] for i, r in rows])
    raise ValueError(f"no table layout for figure {spec_key}")


def _chart(key: str, figure: Figure, lang: str) -> Chart | None:
    """The chart of a figure laid out, if it has one and there is something to draw."""
    t = lambda nl, en: nl if lang == "nl" else en  # noqa: E731
    if not figure.rows:
        return None
    if key == "assessments":
        if not any(r["cases"] for r in figure.rows):
            return None
        criteria: dict[str, tuple[str, list[tuple[str, int, str]]]] = {}
        for r in figure.rows:
            label = f"{r['notation']}. {_label(r, 'criterion', lang)}"
            entry = criteria.setdefault(str(r["criterion"]), (label, []))
            entry[1].append((_label(r, "rating", lang), int(r["cases"] or 0), palette.rating_colours().get(int(r["rank"] or 0), "#888888")))
        return stacked_bars(f"chart-{key}", t("Oordelen per criterium", "Ratings per criterion"),
                            list(criteria.values()), unit=t("succesverhalen", "cases"))
    if key == "organisations-by-corner":
        groups: dict[str, tuple[str, str, list[tuple[str, int]]]] = {}
        for r in figure.rows:
            corner = str(r["corner"] or "")
            entry = groups.setdefault(corner, (_label(r, "corner", lang, t("geen hoek", "no corner")),
                                               palette.corner_colours().get(corner.rsplit("/", 1)[-1], "#4a4a4a"), []))
            entry[2].append((_label(r, "type", lang, t("(geen soort)", "(no type)")), int(r["organisations"] or 0)))
        return grouped_bars(f"chart-{key}", t("Betrokken organisaties per hoek en soort",
                                              "Organisations involved by corner and type"), list(groups.values()),
                            unit=t("organisaties", "organisations"))
    if key == "organisations-founded-or-ended":
        series = [(t("opgericht", "founded"), "#1f5f99"), (t("opgeheven", "dissolved"), "#c2410c")]
        categories = [(_label(r, "type", lang, t("(geen soort)", "(no type)")),
                       [int(r["founded"] or 0), int(r["ended"] or 0)]) for r in figure.rows]
        return paired_bars(f"chart-{key}", t("Organisaties opgericht en opgeheven per soort",
                                              "Organisations founded and dissolved by type"), series, categories)
    if key == "themes":
        series = [(t("succesverhalen", "cases"), "#1f5f99"), (t("bijeenkomsten", "meetings"), "#6d28d9")]
        categories = [(_label(r, "theme", lang), [int(r["cases"] or 0), int(r["meetings"] or 0)]) for r in figure.rows]
        return paired_bars(f"chart-{key}", t("Thema's van succesverhalen en bijeenkomsten",
                                              "Themes of cases and meetings"), series, categories)
    return None


def _notes(key: str, figure: Figure, lang: str) -> Markup:
    """A remark under a figure; a number in it is a <data> element traced to its query, like the tables'."""
    t = lambda nl, en: nl if lang == "nl" else en  # noqa: E731

    def number(measure: str) -> Markup:
        value = figure.measure(measure)
        return Markup('<data value="{}" data-query="{}" data-measure="{}">{}</data>').format(
            value, figure.spec.query, measure, format_number(value, lang))

    if key == "assessments" and figure.measure("sum:illustrative"):
        return Markup(t("{} van de {} oordelen zijn illustratief: ze zijn van de redactie van driehoek, niet van "
                        "de bronnen.", "{} of the {} ratings are illustrative: they are driehoek's editors', not "
                        "the sources'.")).format(number("sum:illustrative"), number("sum:cases"))
    if key == "patterns":
        from .patterns import CAVEAT, RULE
        return Markup("{} {}").format(_pick(CAVEAT, lang), _pick(RULE, lang))
    if key == "organisations-founded-or-ended":
        return Markup(t("Het register telt ook gemeenschappelijke regelingen en organisatieonderdelen; die "
                        "veranderen vaak door herindeling en reorganisatie.",
                        "The register includes joint arrangements and organisational units, which change often "
                        "through municipal mergers and reorganisations."))
    return Markup("")


def report_view(report: Report, lang: str, links: Links, *, appendix: bool = False) -> ReportView:
    """The report in one language, laid out for report.html."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: use nl or en")
    t = lambda nl, en: nl if lang == "nl" else en  # noqa: E731
    figures = []
    for number, spec in enumerate(FIGURES, start=1):
        figure = report.figures[spec.key]
        headers, rows = _table(spec.key, figure, lang, links)
        figures.append(FigureView(
            key=spec.key, number=number, title=_pick(spec.title, lang).format(year=report.year),
            lead=_pick(spec.lead, lang), query=spec.query, query_url=links.query(spec.query, report.year),
            headers=headers, rows=rows, chart=_chart(spec.key, figure, lang), note=_notes(spec.key, figure, lang),
            empty=t(f"Niets in {report.year}.", f"Nothing in {report.year}."),
        ))
    key_figures = [KeyFigureView(k.spec.key, k.value, format_number(k.value, lang), _pick(k.spec.label, lang),
                                 k.query, links.query(k.query, report.year), k.spec.measure)
                   for k in report.key_figures]
    intro = [
        t("Dit is niet de officiële Staat van de Uitvoering. De officiële monitor wordt uitgegeven door de "
          "partners van de Staat van de Uitvoering (staatvandeuitvoering.nl); driehoek beschrijft de edities ervan "
          "als gegevens. Dit jaaroverzicht is driehoeks eigen samenvatting van de eigen kennisgraaf, en de "
          "waarderingen erin zijn illustratieve oordelen van de redactie, tenzij anders vermeld.",
          "This is not the official Staat van de Uitvoering (State of Implementation). The official monitor is "
          "published by the partners of the Staat van de Uitvoering (staatvandeuitvoering.nl); driehoek describes "
          "its editions as data. This annual overview is driehoek's own summary of its own knowledge graph, and "
          "the ratings in it are illustrative judgements of the editors unless stated otherwise."),
        t(f"Dit overzicht van {report.year} komt rechtstreeks uit de kennisgraaf driehoek: de succesverhalen "
          "van dat jaar, hoe ze scoren op de vier criteria, welke organisaties erbij betrokken waren, wat er "
          "veranderde in de driehoek van politiek en beleid, uitvoering en toezicht, en waar de leergemeenschap "
          "over sprak.",
          f"This overview of {report.year} comes straight from the driehoek knowledge graph: the year's success "
          "stories, how they score on the four criteria, which organisations took part, what changed in the "
          "triangle of politics and policy, implementation and supervision, and what the learning community "
          "discussed."),
        t("Elk getal is het antwoord op een benoemde SPARQL-vraag; de link bij elke figuur voert die vraag "
          "opnieuw uit, en de gegevens staan ook als JSON en CSV naast dit rapport.",
          "Every number is the answer to a named SPARQL query; the link at each figure runs that query again, "
          "and the data are also available as JSON and CSV next to this report."),
    ]
    view = ReportView(lang=lang, year=report.year, title=report.title(lang),
                      generated=format_date(report.generated.date().isoformat(), lang)
                      + report.generated.strftime(" %H:%M UTC"),
                      intro=intro, key_figures=key_figures, figures=figures)
    if appendix:
        for figure in figures:
            view.appendix.append({"name": figure.query, "title": f"{figure.number}. {figure.title}",
                                  "text": queries.get(figure.query).text, "url": figure.query_url})
    return view


# -- SVG charts: laid out here, drawn by web/templates/_report_charts.svg.html ----------------------

# The corners' and McConnell's colours are the site's (driehoek.palette reads them from driehoek.css);
# each segment of a stacked bar carries its number, so the scale does not rest on colour alone. As
# with the site's own drawings (triangle.py and _triangle.svg.html), Python decides where things go
# and the template draws them.
_FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
_WIDTH = 720
_CHAR = 6.6  # average advance of a 12px sans-serif character, for laying out labels


def _text_width(text: str, size: float = 12) -> float:
    return len(text) * _CHAR * size / 12


def _clip(text: str, width: float) -> str:
    limit = max(4, int(width / _CHAR))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ink(colour: str) -> str:
    """Black or white, whichever reads better on `colour`."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


@dataclass(frozen=True)
class Segment:
    """One bar, or one coloured part of a stacked bar: what it counts, from x, how wide."""

    name: str
    count: int
    colour: str
    x: float
    width: float

    @property
    def ink(self) -> str:
        """The colour of a number written on the segment."""
        return _ink(self.colour)


@dataclass(frozen=True)
class Row:
    """One labelled line of a chart, its top at y: `label` whole (for tooltips), `shown` as drawn."""

    label: str
    shown: str
    y: float
    segments: list[Segment]
    end: float = 0.0  # where the last segment ends
    total: int = 0


@dataclass(frozen=True)
class Group:
    """Rows under a heading in the group's colour (grouped bars)."""

    heading: str
    colour: str
    y: float
    rows: list[Row]


@dataclass(frozen=True)
class Swatch:
    """A legend entry: a colour and its label, at (x, y)."""

    label: str
    colour: str
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    """A chart laid out: `kind` names the macro of _report_charts.svg.html that draws it."""

    kind: str  # stacked, grouped or paired
    ident: str
    title: str
    description: str
    height: float
    label_width: float
    rows: list[Row] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    legend: list[Swatch] = field(default_factory=list)
    width: int = _WIDTH
    font: str = _FONT


def _legend(items: Sequence[tuple[str, str]], y: float) -> tuple[list[Swatch], float]:
    """Swatches with labels, wrapped over lines; returns them and the y below them."""
    swatches, x = [], 0.0
    for label, colour in items:
        width = 14 + 6 + _text_width(label) + 18
        if x and x + width > _WIDTH:
            x, y = 0.0, y + 20
        swatches.append(Swatch(label, colour, x, y))
        x += width
    return swatches, y + 20


def stacked_bars(ident: str, title: str, bars: Sequence[tuple[str, Sequence[tuple[str, int, str]]]],
                 unit: str) -> Chart:
    """One horizontal bar per item, split into coloured segments (label, count, colour)."""
    label_width = min(260.0, max(_text_width(label) for label, _ in bars) + 12)
    area = _WIDTH - label_width - 60
    total_max = max(sum(count for _, count, _ in segments) for _, segments in bars) or 1
    rows, y, described = [], 4.0, []
    for label, segments in bars:
        drawn, x = [], label_width
        for name, count, colour in segments:
            if count:
                drawn.append(Segment(name, count, colour, x, area * count / total_max))
                x += drawn[-1].width
        rows.append(Row(label, _clip(label, label_width - 12), y, drawn, end=x, total=sum(s.count for s in drawn)))
        described.append(f"{label}: " + ", ".join(f"{count} {name}" for name, count, _ in segments if count))
        y += 34
    legend, y = _legend(list(dict.fromkeys((name, colour) for _, segments in bars for name, _, colour in segments)),
                        y + 4)
    return Chart("stacked", ident, title, f"{title} ({unit}). " + "; ".join(described) + ".", y + 4, label_width,
                 rows=rows, legend=legend)


def grouped_bars(ident: str, title: str, groups: Sequence[tuple[str, str, Sequence[tuple[str, int]]]],
                 unit: str) -> Chart:
    """Horizontal bars under group headings: (heading, colour, [(label, count)])."""
    labels = [label for _, _, bars in groups for label, _ in bars]
    label_width = min(280.0, max(_text_width(label) for label in labels) + 24)
    area = _WIDTH - label_width - 50
    top = max((count for _, _, bars in groups for _, count in bars), default=0) or 1
    laid_out, y, described = [], 0.0, []
    for heading, colour, bars in groups:
        group = Group(heading, colour, y, [])
        y += 22
        for label, count in bars:
            bar = Segment(label, count, colour, label_width, max(area * count / top, 1.5))
            group.rows.append(Row(label, _clip(label, label_width - 20), y, [bar]))
            y += 24
        laid_out.append(group)
        described.append(f"{heading}: " + ", ".join(f"{count} {label}" for label, count in bars))
        y += 8
    return Chart("grouped", ident, title, f"{title} ({unit}). " + "; ".join(described) + ".", y, label_width,
                 groups=laid_out)


def paired_bars(ident: str, title: str, series: Sequence[tuple[str, str]],
                categories: Sequence[tuple[str, Sequence[int]]]) -> Chart:
    """For each category a bar per series (thin bars one under the other), with a legend on top."""
    label_width = min(280.0, max(_text_width(label) for label, _ in categories) + 16)
    area = _WIDTH - label_width - 50
    top = max((v for _, values in categories for v in values), default=0) or 1
    legend, y = _legend(series, 0.0)
    y += 4
    rows, described = [], []
    for label, values in categories:
        # a zero is written but not drawn: its segment has no width and the template draws no bar
        bars = [Segment(name, value, colour, label_width, area * value / top)
                for (name, colour), value in zip(series, values, strict=True)]
        rows.append(Row(label, _clip(label, label_width - 12), y, bars))
        described.append(f"{label}: " + ", ".join(f"{v} {name}" for (name, _), v in zip(series, values, strict=True)))
        y += 14 * len(values) + 8
    return Chart("paired", ident, title, f"{title}. " + "; ".join(described) + ".", y, label_width,
                 rows=rows, legend=legend)


# -- rendering ------------------------------------------------------------------------------------

@functools.cache
def _environment() -> jinja2.Environment:
    """Jinja for report.html, outside Flask (the CLI has no app); the site's page wraps the body part."""
    return jinja2.Environment(loader=jinja2.PackageLoader("driehoek", "web/templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def render_html(report: Report, lang: str, links: Links, *, part: str = "document", appendix: bool = True,
                alternates: dict[str, str] | None = None) -> str:
    """The report as HTML: the whole standalone document, or just its "body" for the site layout.

    `alternates` maps json, csv and pdf to links shown at the top of the report.
    """
    view = report_view(report, lang, links, appendix=appendix)
    return _environment().get_template("report.html").render(
        view=view, part=part, alternates=alternates or {}, t=lambda nl, en: nl if lang == "nl" else en)


def report_css() -> str:
    """The report's stylesheet alone (the site serves it as a file: its CSP allows no inline styles)."""
    return _environment().get_template("report.html").render(part="css")


def pdf_available() -> str | None:
    """None when PDFs can be made here, else the reason (WeasyPrint or Pango missing)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as err:
        return (f"PDF output needs WeasyPrint and Debian's Pango (apt-get install libpango-1.0-0 "
                f"libpangoft2-1.0-0): {err}")
    return None


def render_pdf(report: Report, lang: str, links: Links) -> bytes:
    """The standalone report printed to PDF by WeasyPrint (A4, print CSS, vector charts)."""
    reason = pdf_available()
    if reason:
        raise ServiceUnavailable(reason)
    import logging

    import weasyprint

    # WeasyPrint logs every CSS property it ignores; the report's CSS is for browsers too
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    html = render_html(report, lang, links, part="document", appendix=True)
    return weasyprint.HTML(string=html, base_url=links.site or links.base_iri).write_pdf()


__all__ = ["CSV", "PDF", "FIGURES", "KEY_FIGURES", "Figure", "KeyFigure", "Links", "Report", "build_report", "pdf_available",
           "render_html", "render_pdf", "report_css", "report_for_year"]
