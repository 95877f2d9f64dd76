"""What the report holds: its figures (each one named query), its key figures and the `Report`.

A `Report` is data only: every figure's rows as the query answered them, with JSON and CSV forms.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..formats import Format

Value = str | int | float | bool | None
# The report's own downloads (formats.py's table has no PDF, and its CSV is the SPARQL results one).
PDF = Format("pdf", "application/pdf", ".pdf")
CSV = Format("csv", "text/csv", ".csv")
Text = tuple[str, str]  # (Dutch, English)
LANGUAGES = ("nl", "en")


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



def _pick(text: Text, lang: str) -> str:
    return text[0] if lang == "nl" else text[1]

