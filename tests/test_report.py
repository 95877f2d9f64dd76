"""The yearly report: renders in Dutch and English, every number is its named query's answer,
the CLI writes HTML/PDF with JSON and CSV next to it, and /monitor/<year> serves all of them."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from driehoek.config import Settings
from driehoek.service import Driehoek
from driehoek.report import FIGURES, KEY_FIGURES, pdf_available

from .conftest import BASE, Cli
from .fixtures_shared import InProcessSite, shared_site

YEAR = 2024
XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                              "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
                              "unsignedShort", "unsignedByte")}
TITLES = {"nl": "driehoek-jaaroverzicht 2024", "en": "driehoek annual overview 2024"}
# what keeps the overview from reading as the official monitor, in each language
NOT_OFFICIAL = {"nl": "niet de officiële Staat van de Uitvoering", "en": "not the official Staat van de Uitvoering"}
CHARTS = ("assessments", "organisations-by-corner", "organisations-founded-or-ended", "themes")


# -- reading HTML ---------------------------------------------------------------------------------

@dataclass
class Element:
    """An element of a parsed page: tag, attributes, its text (descendants included) and its parent."""

    tag: str
    attrs: dict[str, str]
    parent: Element | None
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def within(self, tag: str, **attrs: str) -> Element | None:
        """The nearest ancestor with this tag and these attribute values."""
        return next((a for a in self.ancestors() if a.tag == tag
                     and all(a.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())), None)


class Page(HTMLParser):
    """A page as a flat list of elements that know their parents: enough to check structure."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "source", "col", "wbr", "area", "base"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self._open[-1] if self._open else None)
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.parts.append(data)

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag
                and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def find(self, tag: str, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}>"
        return found[0]


# -- the named queries, run the way a researcher would -------------------------------------------

def sparql_json_value(binding: dict[str, str] | None) -> Any:
    """A value of SPARQL JSON results, as the report's JSON writes it (numbers as numbers)."""
    if binding is None:
        return None
    if binding["type"] == "literal" and binding.get("datatype") in INTEGERS:
        return int(binding["value"])
    if binding["type"] == "literal" and binding.get("datatype") in (XSD + "decimal", XSD + "double", XSD + "float"):
        return float(binding["value"])
    if binding["type"] == "literal" and binding.get("datatype") == XSD + "boolean":
        return binding["value"] in ("true", "1")
    return binding["value"]


def run_named(cli: Cli, name: str, year: int = YEAR) -> tuple[list[str], list[dict[str, Any]]]:
    """`driehoek query --name NAME --param year=YEAR --format json`: variables and rows."""
    result = cli("query", "--name", name, "--param", f"year={year}", "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout_bytes)
    variables = answer["head"]["vars"]
    return variables, [{v: sparql_json_value(b.get(v)) for v in variables} for b in answer["results"]["bindings"]]


def measure(rows: list[dict[str, Any]], how: str) -> int | float:
    """A key figure's measure over a query's rows: "rows" or "sum:COLUMN"."""
    if how == "rows":
        return len(rows)
    return sum(row[how.removeprefix("sum:")] or 0 for row in rows)


def shown_number(text: str) -> int:
    """A number as printed in either language (1.234 or 1,234)."""
    return int(text.replace(".", "").replace(",", "").replace("\u2009", ""))


@pytest.fixture
def written(bundled: Settings, tmp_path: Path) -> Path:
    """`driehoek report --year 2024 --out .../report.html` on the bundled data."""
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    result = Cli(bundled.data_dir)("report", "--year", str(YEAR), "--out", out)
    assert result.exit_code == 0, result.output
    return out


# -- tests ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_renders_in_both_languages(bundled: Settings, lang: str) -> None:
    result = Cli(bundled.data_dir)("report", "--year", str(YEAR), "--lang", lang)
    assert result.exit_code == 0, result.output
    page = Page(result.stdout)

    assert page.find("html").attrs["lang"] == lang
    assert TITLES[lang] in page.find("h1").text
    assert "Staat van de Uitvoering" not in page.find("h1").text  # never the official monitor's title
    assert NOT_OFFICIAL[lang] in " ".join(page.find("section").text.split())
    headings = {h.attrs.get("id"): h.text for h in page.find_all("h2")}
    assert headings["key-figures-title"] == {"nl": "In cijfers", "en": "At a glance"}[lang]
    for spec in FIGURES:
        section = page.find("section", id=spec.key)
        assert spec.key + "-title" in headings, spec.key
        figure = page.find("figure", data_query=spec.query)
        assert figure.within("section", id=spec.key) is section
        # the figure links to the query that produced it (a standalone file: under the base IRI)
        links = [a for a in page.find_all("a", **{"class": "query"}) if a.within("figure", data_query=spec.query)]
        assert [a.attrs["href"] for a in links] == [f"https://w3id.org/driehoek/queries/{spec.query}?year={YEAR}"]
        assert links[0].text == spec.query
    assert headings["cases-published-title"].endswith({"nl": "Gepubliceerde succesverhalen",
                                                        "en": "Cases published"}[lang])

    # charts: inline SVG with a text alternative, and the same numbers as a table in the same figure
    for key in CHARTS:
        spec = next(s for s in FIGURES if s.key == key)
        svg = page.find("svg", id=f"chart-{key}")
        assert svg.attrs["role"] == "img"
        assert svg.within("figure", data_query=spec.query) is not None
        assert page.find("title", id=f"chart-{key}-title").text
        assert any(ch.isdigit() for ch in page.find("desc", id=f"chart-{key}-desc").text)
        assert any(t.within("figure", data_query=spec.query) for t in page.find_all("table"))
    # the method appendix carries the text of every query
    assert {h.attrs["id"] for h in page.find_all("h3")} >= {f"query-{s.query}" for s in FIGURES}


def test_each_number_equals_its_named_query(bundled: Settings, written: Path) -> None:
    cli = Cli(bundled.data_dir)
    data = json.loads(written.with_suffix(".json").read_text("utf-8"))
    assert data["year"] == YEAR
    answers = {}
    for figure in data["figures"]:
        variables, rows = run_named(cli, figure["query"])
        assert figure["columns"] == variables, figure["id"]
        assert figure["rows"] == rows, figure["id"]
        answers[figure["query"]] = rows
    assert set(answers) == {s.query for s in FIGURES}

    # key figures: each a row count or column sum of one query's answer
    for key in data["keyFigures"]:
        assert key["value"] == measure(answers[key["query"]], key["measure"]), key["id"]
    assert [k["id"] for k in data["keyFigures"]] == [k.key for k in KEY_FIGURES]

    # every number printed in the report is traced to a cell (or a measure) of its query's answer
    page = Page(written.read_text("utf-8"))
    numbers = page.find_all("data")
    assert len(numbers) > 50
    traced: dict[str, set[tuple[int, str]]] = {name: set() for name in answers}
    for element in numbers:
        rows = answers[element.attrs["data-query"]]
        if "data-measure" in element.attrs:
            expected = measure(rows, element.attrs["data-measure"])
        else:
            row, column = int(element.attrs["data-row"]), element.attrs["data-column"]
            expected = rows[row - 1][column]
            traced[element.attrs["data-query"]].add((row, column))
        assert float(element.attrs["value"]) == expected, element.attrs
        assert shown_number(element.text) == expected, (element.attrs, element.text)
    # ... and the tables show every count the queries give (the per-cell "illustrative" aside, which
    # the report sums in a note)
    for spec in FIGURES:
        for number, row in enumerate(answers[spec.query], start=1):
            for column, value in row.items():
                if isinstance(value, int) and column not in ("year", "rank", "illustrative"):
                    assert (number, column) in traced[spec.query], (spec.query, number, column)

    # the bundled data: four criteria by five ratings, every case of the year rated on each criterion
    grid = answers["report-assessments-by-criterion-and-rating"]
    assert len(grid) == 20
    cases = len(answers["report-cases-published"])
    assert cases > 0
    for criterion in {row["criterion"] for row in grid}:
        assert sum(row["cases"] for row in grid if row["criterion"] == criterion) == cases


def test_a_withdrawn_case_leaves_the_report(bundled: Settings, tmp_path: Path) -> None:
    service = Driehoek(bundled)
    try:
        service.withdraw(ox.NamedNode(BASE + "graph/cases/now-regeling"), reason="test", agent="test")
    finally:
        service.close()
    out = tmp_path / "report.html"
    assert Cli(bundled.data_dir)("report", "--year", str(YEAR), "--out", out).exit_code == 0
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    figures = {f["id"]: f for f in data["figures"]}
    published = [row["case"] for row in figures["cases-published"]["rows"]]
    assert published and BASE + "id/case/now-regeling" not in published
    grid = figures["assessments"]["rows"]
    assert sum(row["cases"] for row in grid) == 4 * len(published)
    assert BASE + "id/case/now-regeling" not in out.read_text("utf-8")


def test_the_cli_writes_html_json_and_csv(bundled: Settings, written: Path) -> None:
    html = written.read_text("utf-8")
    page = Page(html)
    assert TITLES["nl"] in page.find("h1").text
    hrefs = {a.attrs.get("href") for a in page.find_all("a")}
    assert {"report.json", "report.csv"} <= hrefs

    data = json.loads(written.with_suffix(".json").read_text("utf-8"))
    with written.with_suffix(".csv").open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == ["figure", "query", "row", "column", "value"]
    assert len(table) == sum(len(f["rows"]) * len(f["columns"]) for f in data["figures"])
    cases = next(f for f in data["figures"] if f["id"] == "cases-published")
    titles = [r["value"] for r in table if r["figure"] == "cases-published" and r["column"] == "titleNl"]
    assert titles == [row["titleNl"] for row in cases["rows"]]

    cli = Cli(bundled.data_dir)
    nothing = cli("report", "--year", "1901")
    assert nothing.exit_code == 1
    assert "nothing to report for 1901" in nothing.stderr
    wrong = cli("report", "--year", str(YEAR), "--out", written.with_suffix(".txt"))
    assert wrong.exit_code == 2
    assert not written.with_suffix(".txt").exists()


@pytest.fixture(scope="module")
def web(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessSite]:
    """The app `driehoek serve` runs, through Flask's test client, on a copy of the bundled store
    (the report's views only read; the HTTP server itself is test_server.py's)."""
    yield from shared_site(bundled_data_dir, tmp_path_factory, "report-web")


def test_the_web_serves_the_report(web: InProcessSite) -> None:
    page_nl = web.get(f"/monitor/{YEAR}", headers={"Accept-Language": "nl"})
    assert page_nl.status_code == 200
    assert page_nl.headers["Content-Type"].startswith("text/html")
    assert "Accept" in page_nl.headers["Vary"]
    html = Page(page_nl.text)
    assert html.find("html").attrs["lang"] == "nl"
    assert TITLES["nl"] in html.find("h1").text
    assert html.find("header", **{"class": "site"})  # in the site's layout
    # the site's Content-Security-Policy allows no inline styles: the report's CSS is a file
    assert not html.find_all("style")
    sheets = [link.attrs["href"] for link in html.find_all("link", rel="stylesheet")]
    assert "/monitor/report.css" in sheets
    css = web.get("/monitor/report.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "@media print" in css.text
    queries = {a.attrs["href"] for a in html.find_all("a", **{"class": "query"})}
    assert queries == {f"/queries/{spec.query}?year={YEAR}" for spec in FIGURES}
    hrefs = [a.attrs.get("href", "") for a in html.find_all("a")]
    assert any(h.startswith("/id/case/") for h in hrefs)
    assert any(h.startswith("/org/") for h in hrefs)
    assert f"/monitor/{YEAR}.pdf?lang=nl" in hrefs

    page_en = web.get(f"/monitor/{YEAR}?lang=en")
    assert Page(page_en.text).find("html").attrs["lang"] == "en"
    assert TITLES["en"] in Page(page_en.text).find("h1").text

    as_json = web.get(f"/monitor/{YEAR}.json")
    assert as_json.status_code == 200
    assert as_json.headers["Content-Type"].startswith("application/json")
    data = as_json.json()
    assert data["year"] == YEAR
    assert [f["query"] for f in data["figures"]] == [s.query for s in FIGURES]
    negotiated = web.get(f"/monitor/{YEAR}", headers={"Accept": "application/json"})
    assert negotiated.json()["figures"] == data["figures"]

    as_csv = web.get(f"/monitor/{YEAR}.csv")
    assert as_csv.status_code == 200
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == sum(len(f["rows"]) * len(f["columns"]) for f in data["figures"])

    for url in (f"/monitor/1901", f"/monitor/1901.json", f"/monitor/1901.csv"):
        missing = web.get(url)
        assert missing.status_code == 404, url
        assert missing.json()["error"] == "not_found"
    assert web.get(f"/monitor/{YEAR}", headers={"Accept": "image/png"}).status_code == 406


# -- PDF ------------------------------------------------------------------------------------------

def _poppler() -> None:
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils is not installed (scripts/ensure-chromium installs it)")
    if reason := pdf_available():
        pytest.skip(reason)


def _page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages  # pdftotext ends each page with \f


def _pixels_like(pdf: Path, page: int, colour: str, tmp_path: Path, tolerance: int = 16) -> int:
    """How many pixels of a rendered page are close to `colour` (pdftoppm, 50 dpi, PPM)."""
    prefix = tmp_path / f"page{page}"
    subprocess.run(["pdftoppm", "-r", "50", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(prefix)],
                   check=True)
    raw = prefix.with_suffix(".ppm").read_bytes()
    header = raw.split(maxsplit=4)  # P6 width height maxval pixels
    assert header[0] == b"P6"
    width, height = int(header[1]), int(header[2])
    pixels = raw[len(raw) - width * height * 3:]
    target = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return sum(1 for i in range(0, len(pixels), 3)
               if all(abs(pixels[i + k] - target[k]) <= tolerance for k in range(3)))


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_pdf_has_the_title_and_a_chart(bundled: Settings, tmp_path: Path, lang: str) -> None:
    _poppler()
    out = tmp_path / "report.pdf"
    result = Cli(bundled.data_dir)("report", "--year", str(YEAR), "--lang", lang, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    assert out.with_suffix(".json").is_file() and out.with_suffix(".csv").is_file()

    pages = _page_texts(out)
    assert len(pages) >= 3 and all(p.strip() for p in pages)
    assert TITLES[lang] in " ".join(pages[0].split())
    # the ratings chart: find its page by its caption, then see its bars on the rendered page
    heading = {"nl": "Oordelen per criterium", "en": "Ratings per criterion"}[lang]
    number = next(i for i, text in enumerate(pages, start=1) if heading in text)
    resilient, success = "#2f7bbf", "#0b3c5d"  # two ratings' colours in the bars and the legend
    assert _pixels_like(out, number, resilient, tmp_path) > 300
    assert _pixels_like(out, number, success, tmp_path) > 100
    blank_page = len(pages)  # the appendix's last page has text only: no chart colours there
    assert _pixels_like(out, blank_page, resilient, tmp_path) == 0


@pytest.mark.slow
def test_the_web_serves_a_pdf(web: InProcessSite, tmp_path: Path) -> None:
    _poppler()
    response = web.get(f"/monitor/{YEAR}.pdf?lang=en")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    pdf = tmp_path / "web.pdf"
    pdf.write_bytes(response.content)
    assert TITLES["en"] in " ".join(_page_texts(pdf)[0].split())
    assert web.get("/monitor/1901.pdf").status_code == 404
