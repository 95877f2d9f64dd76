"""Presenting the report: tables, charts and notes of each figure in one language, for report.html."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from .. import palette, queries
from .charts import Chart, grouped_bars, paired_bars, stacked_bars
from .model import FIGURES, LANGUAGES, Figure, Report, Value, _pick

# -- presenting -----------------------------------------------------------------------------------

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
        from ..patterns import CAVEAT, RULE
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
