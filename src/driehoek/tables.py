"""The listings as tables: rows and columns that a page shows, and the same rows as CSV and JSON.

Datasette-style: every listing (organisations, cases, criteria, search results, an organisation's
relations) is a `Table` of typed columns. The HTML page, the CSV download and the JSON document are
three renderings of one `Table`, so they cannot disagree on which rows there are or in what order.

- **Sorting** is server-side: `?sort=name` or `?sort=-name` (descending); an unknown key is a 400
  naming the keys there are. Empty values sort last in both directions.
- **Paging**: `?page=` (from 1) and `?size=` (1..MAX_SIZE). HTML and JSON default to pages of
  PAGE_SIZE; CSV defaults to every row of the listing (as filtered and sorted), or to the rows of
  one page when ?page= is given. A page past the last
  one, page 0, a size of 0 or over MAX_SIZE, or a number that is no number is a 400, never a 500 and
  never a silent clamp. JSON carries `total`, `page`, `size` and `next` / `previous` URLs, so a
  client can always tell that there is more.
- **Columns**: a column of links becomes two columns in CSV and JSON: `<key>` (the label in the
  request's language) and `<key>_iri`. Several values in one cell are joined with " | " in CSV and
  are arrays in JSON.
- **CSV injection** (OWASP, "CSV Injection"): a text cell that starts with `=`, `+`, `-`, `@`, a tab
  or a carriage return gets a leading apostrophe (`'`), and every field is quoted, so a spreadsheet
  shows the text instead of running it as a formula. Numbers that driehoek computes (counts, ranks)
  are written as they are. JSON is data for programs and is not altered.

The per-snapshot indexes (the organisation table, the case table, the search index) are built once
per snapshot with `Snapshot.cached`, like pages.py's: listing and searching are then list work in
memory, not a SPARQL scan per request. No flask here.
"""

from __future__ import annotations

import csv
import io
import re
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyoxigraph as ox

from . import pages
from .errors import BadRequest
from .formats import Format
from .iris import DCTERMS, DH, TOOI_ORG_PREFIX
from .pages import ORG, SCHEMA, Labels, Link, Pages, pick, sort_key

CSV = Format("csv", "text/csv", ".csv")  # a table's download (formats.RESULTS_CSV is SPARQL results')
PAGE_SIZE = pages.PAGE_SIZE
MAX_SIZE = 1000  # rows a page may ask for; CSV without ?size= has every row
JOIN = " | "  # several values in one CSV cell
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet reads a cell starting with these as a formula
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- columns, tables and their renderings ---------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column: its key (in CSV, JSON and ?sort=), its header, what its cells hold."""

    key: str
    labels: Labels
    kind: str = "text"  # text | texts | date | number | link | links
    sortable: bool = True

    def flat(self) -> list[str]:
        """The CSV / JSON column names this column becomes."""
        return [self.key, self.key + "_iri"] if self.kind in ("link", "links") else [self.key]


@dataclass(frozen=True)
class Sort:
    """A sort order: the column key and the direction."""

    key: str
    descending: bool = False

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.key


@dataclass
class Table:
    """One page (or all) of a listing's rows, with everything needed to render it three ways."""

    name: str  # for file names: driehoek-{name}.csv
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]  # column key -> cell; extra keys are for the HTML template only
    total: int
    page: int
    size: int | None  # None: every row
    sort: Sort | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # what else a page shows (facets, counts)

    @property
    def pages(self) -> int:
        """Number of pages (1 when everything is on one)."""
        if not self.size:
            return 1
        return max(1, -(-self.total // self.size))

    def column(self, key: str) -> Column:
        """The column with this key."""
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class Paging:
    """What a request asked for: sort, page and size (size None: every row)."""

    sort: Sort | None
    page: int
    size: int | None
    explicit_page: bool = False


def parse_paging(args: Mapping[str, str], columns: Sequence[Column], *, default_size: int | None,
                 default_sort: Sort | None = None) -> Paging:
    """?sort=, ?page= and ?size= checked against the table's columns; BadRequest for anything else."""
    sort = default_sort
    raw_sort = (args.get("sort") or "").strip()
    if raw_sort:
        descending = raw_sort.startswith("-")
        key = raw_sort.lstrip("-")
        allowed = [c.key for c in columns if c.sortable]
        if key not in allowed:
            if not allowed:
                raise BadRequest("this table has one order and cannot be sorted", parameter="sort")
            raise BadRequest(f"unknown sort key {key!r}; sort by one of: {', '.join(allowed)} "
                             "(a leading '-' sorts descending)", parameter="sort")
        sort = Sort(key, descending)
    page = _positive(args, "page", 1)
    if "size" in args:
        size = _positive(args, "size", default_size)
    else:
        # a CSV of one page of the HTML listing (?page= given) has the page's rows; else every row
        size = default_size if default_size is not None or "page" not in args else PAGE_SIZE
    if size is not None and size > MAX_SIZE:
        raise BadRequest(f"size {size} is more than {MAX_SIZE} rows a page; page through with ?page= "
                         "(the CSV without ?size= has every row)", parameter="size")
    return Paging(sort, page, size, explicit_page="page" in args)


def _positive(args: Mapping[str, str], name: str, default: int | None) -> Any:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise BadRequest(f"{name} must be a whole number from 1, not {raw[:40]!r}", parameter=name)
    return int(raw)


def paged(name: str, columns: tuple[Column, ...], rows: list[Any], paging: Paging,
          build: Callable[[Any], dict[str, Any]], **extra: Any) -> Table:
    """One page of already filtered and sorted items, rows built for that page only; a page past the
    last one is a 400 (a listing with no rows has one, empty, page)."""
    total = len(rows)
    if paging.size is None:
        if paging.page != 1:
            raise BadRequest("page without size: the whole listing is one page; add ?size=", parameter="page")
        chosen = rows
    else:
        last = max(1, -(-total // paging.size))
        if paging.page > last:
            raise BadRequest(f"page {paging.page} is past the last page ({last}) of {total} rows",
                             parameter="page", total=total, pages=last)
        chosen = rows[(paging.page - 1) * paging.size: paging.page * paging.size]
    return Table(name, columns, [build(item) for item in chosen], total, paging.page, paging.size,
                 paging.sort, dict(extra))


def sort_items(items: list[Any], key: Callable[[Any], Any], descending: bool) -> list[Any]:
    """Sort by key, items whose key is None (empty) last in either direction; stable."""
    present = [i for i in items if key(i) is not None]
    empty = [i for i in items if key(i) is None]
    return sorted(present, key=key, reverse=descending) + empty


def _cell_values(column: Column, value: Any, lang: str) -> list[Any]:
    """One cell as its flat values: label and IRI for links, lists for several values."""
    if column.kind == "link":
        if value is None:
            return [None, None]
        return [pick(value.labels, value.iri, lang), value.iri]
    if column.kind == "links":
        links = list(value or [])
        return [[pick(v.labels, v.iri, lang) for v in links], [v.iri for v in links]]
    if column.kind == "texts":
        return [list(value or [])]
    return [value if value != "" else None]


def header(table: Table) -> list[str]:
    """The flat column names of CSV and JSON."""
    return [name for column in table.columns for name in column.flat()]


def json_rows(table: Table, lang: str) -> list[list[Any]]:
    """The rows as JSON arrays in header order."""
    return [[v for column in table.columns for v in _cell_values(column, row.get(column.key), lang)]
            for row in table.rows]


def to_json(table: Table, lang: str, url: Callable[[int], str]) -> dict[str, Any]:
    """The JSON document: columns, rows, and where the rest is (`url(page)` builds a page's URL)."""
    has_next = table.size is not None and table.page < table.pages
    return {
        "table": table.name,
        "columns": header(table),
        "rows": json_rows(table, lang),
        "total": table.total,
        "page": table.page,
        "size": table.size,
        "pages": table.pages,
        "sort": str(table.sort) if table.sort else None,
        "next": url(table.page + 1) if has_next else None,
        "previous": url(table.page - 1) if table.size is not None and table.page > 1 else None,
    }


def neutralise(text: str) -> str:
    """A text cell safe to open in a spreadsheet: a leading apostrophe before a formula character."""
    return "'" + text if text.startswith(DANGEROUS) else text


def to_csv(table: Table, lang: str) -> str:
    """The CSV: UTF-8 text, a header row, one row per item, every field quoted (RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header(table))
    for values in json_rows(table, lang):
        cells = []
        for value in values:
            if value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, int):
                cells.append(str(value))
            elif isinstance(value, list):
                cells.append(neutralise(JOIN.join(str(v) for v in value)))
            else:
                cells.append(neutralise(str(value)))
        writer.writerow(cells)
    return out.getvalue()


def filename(table: Table, suffix: str) -> str:
    """driehoek-organisations.csv, driehoek-relations-mnre1034.json, ..."""
    return f"driehoek-{table.name}{suffix}"


# -- the organisation table ----------------------------------------------------------------------

@dataclass(frozen=True)
class OrgRecord:
    """An organisation's row data, from the per-snapshot organisation table."""

    iri: str
    labels: Labels
    alt: tuple[str, ...]
    type: str | None
    corners: tuple[str, ...]
    parents: tuple[str, ...]
    founded: str | None
    dissolved: str | None
    cases: int
    relations: int

    def current(self, today: str) -> bool:
        """Still existing on `today`: no dissolution date, or one after it."""
        return self.dissolved is None or self.dissolved > today


ORGANISATION_COLUMNS = (
    Column("organisation", {"nl": "Naam", "en": "Name"}, "link"),
    Column("abbreviations", {"nl": "Afkorting", "en": "Abbreviation"}, "texts", sortable=False),
    Column("type", {"nl": "Soort", "en": "Type"}, "link"),
    Column("corners", {"nl": "Hoek", "en": "Corner"}, "links"),
    Column("reports_to", {"nl": "Valt onder", "en": "Reports to"}, "links"),
    Column("founded", {"nl": "Opgericht", "en": "Founded"}, "date"),
    Column("dissolved", {"nl": "Opgeheven", "en": "Dissolved"}, "date"),
    Column("cases", {"nl": "Succesverhalen", "en": "Cases"}, "number"),
    Column("relations", {"nl": "Relaties", "en": "Relations"}, "number"),
)


def organisation_table(reader: Pages) -> dict[str, OrgRecord]:
    """Every organisation with what its row shows, built once per snapshot from index lookups."""
    def compute() -> dict[str, OrgRecord]:
        def values(predicate: str) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for quad in reader.quads(None, ox.NamedNode(predicate), None):
                if isinstance(quad.subject, ox.NamedNode):
                    bucket = found.setdefault(quad.subject.value, [])
                    if quad.object.value not in bucket:
                        bucket.append(quad.object.value)
            return found
        types = values(DH + "organisationType")
        corners = values(DH + "corner")
        accountable = values(DH + "accountableTo")
        parts = values(ORG + "subOrganizationOf")
        founded = values(SCHEMA + "foundingDate")
        dissolved = values(SCHEMA + "dissolutionDate")
        cases: dict[str, int] = {}
        for record in case_table(reader).values():
            for org in record.organisations:
                cases[org] = cases.get(org, 0) + 1
        relations = relation_counts(reader)
        table = {}
        for entry in reader.organisation_index():
            iri = entry.iri
            table[iri] = OrgRecord(
                iri, entry.labels, entry.alt_labels, (types.get(iri) or [None])[0],
                tuple(sorted(corners.get(iri, []), key=_corner_order)),
                tuple(sorted(accountable.get(iri) or parts.get(iri) or [])),
                min(founded[iri]) if iri in founded else None, min(dissolved[iri]) if iri in dissolved else None,
                cases.get(iri, 0), relations.get(iri, 0))
        return table
    result: dict[str, OrgRecord] = reader.snapshot.cached("tables:organisations", compute)
    return result


def _corner_order(iri: str) -> int:
    slug = iri.rsplit("/", 1)[-1]
    return pages.CORNERS.index(slug) if slug in pages.CORNERS else 9


def relation_counts(reader: Pages) -> dict[str, int]:
    """Relations per organisation as its relations table counts them: every qualified dh:Relation
    with a type, and every direct triple that no qualified relation of its type covers."""
    nodes: dict[str, dict[str, str]] = {}
    for predicate in ("from", "to", "relationType"):
        for quad in reader.quads(None, ox.NamedNode(DH + predicate), None):
            if isinstance(quad.object, ox.NamedNode):
                nodes.setdefault(str(quad.subject), {}).setdefault(predicate, quad.object.value)
    counts: dict[str, int] = {}
    covered: set[tuple[str, str, str]] = set()
    for node in nodes.values():
        if len(node) < 3 or node["from"] == node["to"]:
            continue
        covered.add((node["relationType"].rsplit("/", 1)[-1], node["from"], node["to"]))
        for org in (node["from"], node["to"]):
            counts[org] = counts.get(org, 0) + 1
    for predicate, slug in pages.DIRECT_PROPERTIES.items():
        seen: set[tuple[str, str]] = set()
        for quad in reader.quads(None, ox.NamedNode(predicate), None):
            if not isinstance(quad.object, ox.NamedNode) or not isinstance(quad.subject, ox.NamedNode):
                continue
            pair = (quad.subject.value, quad.object.value)
            if pair in seen or (slug, *pair) in covered:
                continue
            seen.add(pair)
            for org in pair:
                counts[org] = counts.get(org, 0) + 1
    return counts


@dataclass(frozen=True)
class OrganisationFilters:
    """The filters of /organisations."""

    type_slug: str = ""
    corner: str = ""
    ministry: str = ""  # the ministry's IRI
    text: str = ""
    current: bool = False


def organisations(reader: Pages, lang: str, filters: OrganisationFilters, paging: Paging,
                  today: str | None = None) -> Table:
    """/organisations as a table: filtered, sorted (by name unless asked), one page or all."""
    today = today or date.today().isoformat()
    table = organisation_table(reader)
    records = list(table.values())
    if filters.type_slug:
        wanted = reader.base + "def/organisation-type/" + filters.type_slug
        records = [r for r in records if r.type == wanted]
    if filters.corner:
        wanted = reader.base + "def/corner/" + filters.corner
        records = [r for r in records if wanted in r.corners]
    if filters.ministry:
        # agencies and zbo's account to the ministry; its units (and theirs) are part of it
        rows = reader.select("SELECT DISTINCT ?org WHERE { ?org (dh:accountableTo|org:subOrganizationOf)+ ?ministry }",
                             ministry=ox.NamedNode(filters.ministry))
        chosen = {row["org"].value for row in rows}
        records = [r for r in records if r.iri in chosen]
    if filters.current:
        records = [r for r in records if r.current(today)]
    needle = " ".join(filters.text.split()).casefold()
    if needle:
        haystacks = {e.iri: e.haystack for e in reader.organisation_index()}
        records = [r for r in records if needle in haystacks.get(r.iri, "")]

    def name(r: OrgRecord) -> str:
        return sort_key(pick(r.labels, r.iri, lang))
    records.sort(key=name)
    sort = paging.sort
    if sort is not None and sort.key != "organisation":
        label_of = lambda iri: sort_key(pick(reader.labels(iri), iri, lang))  # noqa: E731
        keys: dict[str, Callable[[OrgRecord], Any]] = {
            "type": lambda r: label_of(r.type) if r.type else None,
            "corners": lambda r: tuple(_corner_order(c) for c in r.corners) or None,
            "reports_to": lambda r: tuple(label_of(p) for p in r.parents) or None,
            "founded": lambda r: r.founded, "dissolved": lambda r: r.dissolved,
            "cases": lambda r: r.cases, "relations": lambda r: r.relations,
        }
        records = sort_items(records, keys[sort.key], sort.descending)
    elif sort is not None and sort.descending:
        records.reverse()

    def row(r: OrgRecord) -> dict[str, Any]:
        return {
            "organisation": Link(r.iri, r.labels, reader.href(r.iri)), "abbreviations": list(r.alt),
            "type": reader.link(r.type) if r.type else None,
            "corners": [reader.link(c) for c in r.corners], "reports_to": [reader.link(p) for p in r.parents],
            "founded": r.founded, "dissolved": r.dissolved, "cases": r.cases, "relations": r.relations,
            "code": r.iri.rsplit("/", 1)[-1] if r.iri.startswith(TOOI_ORG_PREFIX) else None,
            "current": r.current(today),
        }
    return paged("organisations", ORGANISATION_COLUMNS, records, paging, row, today=today)


# -- the case table --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseRecord:
    """A case's row data, from the per-snapshot case table."""

    iri: str
    titles: Labels
    abstracts: Labels
    status: str | None
    start: str | None
    end: str | None
    themes: tuple[str, ...]
    organisations: tuple[str, ...]
    ratings: dict[str, tuple[str, int]]  # criterion notation -> (rating IRI, rank), the latest assessment
    score: int


CASE_RATINGS = """
SELECT ?case ?notation ?rating ?rank ?date WHERE {
  ?case a dh:Case ; dh:hasAssessment ?assessment .
  ?assessment dh:criterion ?criterion ; dh:rating ?rating .
  ?criterion skos:notation ?notation .
  OPTIONAL { ?rating dh:rank ?rank }
  OPTIONAL { ?assessment dcterms:date ?date }
}"""


def case_table(reader: Pages) -> dict[str, CaseRecord]:
    """Every visible case with its titles, abstracts, status, period, themes, organisations and latest
    rating per criterion (built once per snapshot)."""
    def compute() -> dict[str, CaseRecord]:
        cases = sorted({q.subject.value for q in reader.quads(None, pages.A, ox.NamedNode(DH + "Case"))
                        if isinstance(q.subject, ox.NamedNode)})

        def texts(predicate: str) -> dict[str, Labels]:
            found: dict[str, Labels] = {}
            for quad in reader.quads(None, ox.NamedNode(predicate), None):
                if isinstance(quad.object, ox.Literal):
                    found.setdefault(quad.subject.value, {}).setdefault(quad.object.language or "", quad.object.value)
            return found

        def values(predicate: str) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for quad in reader.quads(None, ox.NamedNode(predicate), None):
                bucket = found.setdefault(quad.subject.value, [])
                if quad.object.value not in bucket:
                    bucket.append(quad.object.value)
            return found
        titles, abstracts = texts(DCTERMS + "title"), texts(DCTERMS + "abstract")
        status, themes = values(DH + "status"), values(DCTERMS + "subject")
        starts, ends = values(SCHEMA + "startDate"), values(SCHEMA + "endDate")
        involved = values(DH + "involvedOrganisation")
        involvements = values(DH + "involvement")
        involvement_org = values(DH + "organisation")
        latest: dict[str, dict[str, tuple[str, str, int]]] = {}
        for row in reader.select(CASE_RATINGS):
            notation = row["notation"].value
            when = row["date"].value if "date" in row else ""
            rank = pages._int(row["rank"].value) if "rank" in row else None
            per_case = latest.setdefault(row["case"].value, {})
            if notation not in per_case or when >= per_case[notation][0]:
                per_case[notation] = (when, row["rating"].value, rank or 0)
        table = {}
        for iri in cases:
            orgs = set(involved.get(iri, []))
            for node in involvements.get(iri, []):
                orgs.update(involvement_org.get(node, []))
            ratings = {k: (v[1], v[2]) for k, v in latest.get(iri, {}).items()}
            table[iri] = CaseRecord(
                iri, titles.get(iri, {}), abstracts.get(iri, {}), (status.get(iri) or [None])[0],
                min(starts[iri]) if iri in starts else None, max(ends[iri]) if iri in ends else None,
                tuple(sorted(themes.get(iri, []))), tuple(sorted(orgs)), ratings,
                sum(rank for _r, rank in ratings.values()))
        return table
    result: dict[str, CaseRecord] = reader.snapshot.cached("tables:cases", compute)
    return result


def criterion_notations(reader: Pages) -> list[dict[str, Any]]:
    """The criteria in notation order: notation, link."""
    return [{"notation": c["notation"], "link": c["link"]} for c in reader.criteria()]


def case_columns(criteria: list[dict[str, Any]]) -> tuple[Column, ...]:
    """The columns of /cases: one rank and one rating per criterion."""
    per_criterion = []
    for c in criteria:
        per_criterion.append(Column(f"criterion_{c['notation']}", {
            k: f"{c['notation']}. {v}" for k, v in c["link"].labels.items()}, "number"))
        per_criterion.append(Column(f"rating_{c['notation']}", {
            "nl": f"waardering {c['notation']}", "en": f"rating {c['notation']}"}, "link", sortable=False))
    return (
        Column("case", {"nl": "Succesverhaal", "en": "Case"}, "link"),
        Column("start", {"nl": "Begin", "en": "Start"}, "date"),
        Column("end", {"nl": "Einde", "en": "End"}, "date"),
        Column("status", {"nl": "Status", "en": "Status"}, "link"),
        *per_criterion,
        Column("score", {"nl": "Totaal", "en": "Total"}, "number"),
        Column("themes", {"nl": "Thema's", "en": "Themes"}, "links", sortable=False),
        Column("organisations", {"nl": "Organisaties", "en": "Organisations"}, "links", sortable=False),
    )


@dataclass(frozen=True)
class CaseFilters:
    """The filters of /cases."""

    status: str = ""  # slug of dh:status
    theme: str = ""  # slug of a theme
    organisation: str = ""  # IRI of an organisation involved
    criterion: str = ""  # notation
    rating: str = ""  # slug of the latest rating on `criterion`


def cases(reader: Pages, lang: str, filters: CaseFilters, paging: Paging) -> Table:
    """/cases as a table: published first, best overall rating first, then by title (unless sorted)."""
    criteria = criterion_notations(reader)
    columns = case_columns(criteria)
    records = list(case_table(reader).values())
    if filters.status:
        records = [r for r in records if r.status == reader.base + "def/case-status/" + filters.status]
    if filters.theme:
        records = [r for r in records if reader.base + "id/theme/" + filters.theme in r.themes]
    if filters.organisation:
        records = [r for r in records if filters.organisation in r.organisations]
    if filters.criterion:
        wanted = reader.base + "def/rating/" + filters.rating if filters.rating else None
        records = [r for r in records if filters.criterion in r.ratings
                   and (wanted is None or r.ratings[filters.criterion][0] == wanted)]

    def title(r: CaseRecord) -> str:
        return sort_key(pick(r.titles, r.iri, lang))
    published = reader.base + "def/case-status/published"
    records.sort(key=lambda r: (r.status != published, -r.score, title(r)))
    sort = paging.sort
    if sort is not None:
        label_of = lambda iri: sort_key(pick(reader.labels(iri), iri, lang))  # noqa: E731
        keys: dict[str, Callable[[CaseRecord], Any]] = {
            "case": title, "start": lambda r: r.start, "end": lambda r: r.end,
            "status": lambda r: label_of(r.status) if r.status else None, "score": lambda r: r.score,
        }
        for c in criteria:
            keys[f"criterion_{c['notation']}"] = (lambda n: lambda r: r.ratings[n][1] if n in r.ratings else None)(
                c["notation"])
        records = sort_items(sorted(records, key=title), keys[sort.key], sort.descending)

    def row(r: CaseRecord) -> dict[str, Any]:
        cells: dict[str, Any] = {
            "case": Link(r.iri, r.titles, reader.href(r.iri)), "start": r.start, "end": r.end,
            "status": reader.link(r.status) if r.status else None, "score": r.score,
            "status_key": r.status.rsplit("/", 1)[-1] if r.status else "",
            "themes": reader.links(ox.NamedNode(t) for t in r.themes),
            "organisations": reader.links(ox.NamedNode(o) for o in r.organisations),
        }
        for c in criteria:
            rating = r.ratings.get(c["notation"])
            cells[f"criterion_{c['notation']}"] = rating[1] if rating else None
            cells[f"rating_{c['notation']}"] = reader.link(rating[0]) if rating else None
        return cells
    return paged("cases", columns, records, paging, row, criteria=criteria)


def case_filter_choices(reader: Pages) -> dict[str, list[str]]:
    """The values /cases accepts for status, theme, criterion and rating."""
    records = case_table(reader).values()
    return {
        "status": sorted({r.status.rsplit("/", 1)[-1] for r in records if r.status}),
        "theme": sorted({t["link"].iri.rsplit("/", 1)[-1] for t in reader.themes()}),
        "criterion": [c["notation"] for c in reader.criteria()],
        "rating": [link.iri.rsplit("/", 1)[-1] for link in reader.rating_scale()],
    }


# -- the criteria table ------------------------------------------------------------------------------

def criteria(reader: Pages, lang: str, paging: Paging) -> Table:
    """/criteria as a table: one row per criterion, the number of cases whose latest assessment on it
    gives each rating (the count /cases?criterion=N&rating=R lists), and the cases not assessed on it."""
    scale = reader.rating_scale()
    records = list(case_table(reader).values())
    columns = [
        Column("criterion", {"nl": "Criterium", "en": "Criterion"}, "link", sortable=False),
        Column("notation", {"nl": "Nummer", "en": "Number"}, "text", sortable=False),
        Column("question", {"nl": "Vraag", "en": "Question"}, "text", sortable=False),
        Column("matches", {"nl": "Komt overeen met", "en": "Matches"}, "links", sortable=False),
    ]
    for rating in scale:
        columns.append(Column(rating.iri.rsplit("/", 1)[-1], rating.labels, "number", sortable=False))
    columns.append(Column("not_assessed", {"nl": "niet beoordeeld", "en": "not assessed"}, "number", sortable=False))

    def row(c: dict[str, Any]) -> dict[str, Any]:
        cells: dict[str, Any] = {"criterion": c["link"], "notation": c["notation"],
                                 "question": pick(c["definition"], "", lang), "matches": c["matches"],
                                 "definition": c["definition"]}
        for rating in scale:
            cells[rating.iri.rsplit("/", 1)[-1]] = sum(
                1 for r in records if c["notation"] in r.ratings and r.ratings[c["notation"]][0] == rating.iri)
        cells["not_assessed"] = sum(1 for r in records if c["notation"] not in r.ratings)
        return cells
    return paged("criteria", tuple(columns), reader.criteria(), paging, row, ratings=scale)


# -- an organisation's relations ---------------------------------------------------------------------

RELATION_COLUMNS = (
    Column("other", {"nl": "Organisatie", "en": "Organisation"}, "link"),
    Column("role", {"nl": "Rol", "en": "Role"}, "text"),
    Column("type", {"nl": "Soort relatie", "en": "Relation type"}, "link"),
    Column("direction", {"nl": "Richting", "en": "Direction"}, "text", sortable=False),
    Column("start", {"nl": "Sinds", "en": "Since"}, "date"),
    Column("end", {"nl": "Tot", "en": "Until"}, "date"),
    Column("legal_bases", {"nl": "Wettelijke grondslag", "en": "Legal basis"}, "links", sortable=False),
    Column("sources", {"nl": "Bron", "en": "Source"}, "links", sortable=False),
    Column("relation", {"nl": "Relatie", "en": "Relation"}, "link", sortable=False),
)


@dataclass(frozen=True)
class RelationFilters:
    """The filters of /org/<code>/relations."""

    type_slug: str = ""
    on: str = ""  # an ISO date: the relations that held on it
    current: bool = False


def relation_types_of(rows: list[pages.RelationRow]) -> list[tuple[str, Link, int]]:
    """The relation types among rows with their counts: (slug, link, count)."""
    counts: dict[str, tuple[Link, int]] = {}
    for row in rows:
        slug = row.type.iri.rsplit("/", 1)[-1]
        link, n = counts.get(slug, (row.type, 0))
        counts[slug] = (link, n + 1)
    return sorted(((s, link, n) for s, (link, n) in counts.items()), key=lambda t: -t[2])


def parse_date(value: str, name: str) -> str:
    """An ISO date (YYYY-MM-DD) from a parameter, or BadRequest."""
    value = value.strip()
    if not value:
        return ""
    message = f"{name} must be a date as YYYY-MM-DD, not {value[:40]!r}"
    if not _DATE.fullmatch(value):
        raise BadRequest(message, parameter=name)
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as err:
        raise BadRequest(message, parameter=name) from err


def relations(reader: Pages, iri: str, lang: str, filters: RelationFilters, paging: Paging,
              today: str | None = None) -> Table:
    """Every relation of an organisation (the rows its page summarises), filtered by type and date,
    sorted, one page or all; legal bases and sources filled in for the rows of the page."""
    today = today or date.today().isoformat()
    every = _relation_rows(reader, iri)
    rows = every
    if filters.type_slug:
        rows = [r for r in rows if r.type.iri.rsplit("/", 1)[-1] == filters.type_slug]
    if filters.on:
        rows = [r for r in rows if r.current(filters.on)]
    if filters.current:
        rows = [r for r in rows if r.current(today)]
    sort = paging.sort
    if sort is not None:
        keys: dict[str, Callable[[pages.RelationRow], Any]] = {
            "other": lambda r: sort_key(pick(r.other.labels, r.other.iri, lang)),
            "role": lambda r: pick(pages.ROLE_LABELS.get(r.role), r.role, lang),
            "type": lambda r: sort_key(pick(r.type.labels, r.type.iri, lang)),
            "start": lambda r: r.start, "end": lambda r: r.end,
        }
        rows = sort_items(rows, keys[sort.key], sort.descending)
    table = paged("relations-" + iri.rsplit("/", 1)[-1], RELATION_COLUMNS, rows, paging, lambda r: r,
                  types=relation_types_of(every), every=len(every), today=today)
    details = _relation_details(reader, [r.node.iri for r in table.rows if r.node is not None])
    built = []
    for r in table.rows:
        legal, sources = details.get(r.node.iri, ((), ())) if r.node else ((), ())
        built.append({
            "other": r.other, "role": pick(pages.ROLE_LABELS.get(r.role), r.role, lang), "role_key": r.role,
            "type": r.type, "direction": r.direction, "start": r.start, "end": r.end,
            "legal_bases": list(r.legal_bases or legal), "sources": list(r.sources or sources),
            "relation": r.node, "current": r.current(today),
        })
    table.rows = built
    return table


_RELATIONS_KEPT = 64  # organisations whose relation rows are kept: paging, sorting and CSV reuse them
_relation_cache: OrderedDict[tuple[int, str, str], list[pages.RelationRow]] = OrderedDict()
_relation_lock = threading.Lock()


def _relation_rows(reader: Pages, iri: str) -> list[pages.RelationRow]:
    """The organisation's relations as its page lists them (Pages.relations), kept for the last
    _RELATIONS_KEPT organisations of a snapshot: the next page, another sort or the CSV of the same
    organisation is list work, not the relations query again (BZK: 1,104 rows)."""
    key = (id(reader.snapshot), reader.snapshot.key, iri)
    with _relation_lock:
        if key in _relation_cache:
            _relation_cache.move_to_end(key)
            return _relation_cache[key]
    rows = reader.relations(iri)
    with _relation_lock:
        _relation_cache[key] = rows
        while len(_relation_cache) > _RELATIONS_KEPT:
            _relation_cache.popitem(last=False)
    return rows


def _relation_details(reader: Pages, nodes: list[str]) -> dict[str, tuple[list[Link], list[Link]]]:
    """Legal bases and sources of these relation nodes (one query for a page's rows)."""
    if not nodes:
        return {}
    found: dict[str, tuple[set[str], set[str]]] = {}
    query = pages.RELATION_DETAILS.replace("?RELATIONS", " ".join(str(ox.NamedNode(n)) for n in nodes))
    for row in reader.select(query):
        legal, sources = found.setdefault(row["relation"].value, (set(), set()))
        if "legal" in row:
            legal.add(row["legal"].value)
        if "source" in row:
            sources.add(row["source"].value)
    return {k: (reader.links(ox.NamedNode(v) for v in legal), reader.links(ox.NamedNode(v) for v in sources))
            for k, (legal, sources) in found.items()}


# -- search ------------------------------------------------------------------------------------------

SEARCH_KINDS = ("organisation", "case", "theme", "event")


@dataclass(frozen=True)
class SearchEntry:
    """One thing search can find: its names (with what each is), its type, status and dates."""

    iri: str
    kind: str
    labels: Labels
    names: tuple[tuple[str, str], ...]  # (case-folded text, what it is: name | former-name | abbreviation | title)
    long_texts: tuple[str, ...]  # abstracts, definitions: matched, ranked after names
    type: str | None  # organisation type / meeting type IRI
    status: str | None  # case status IRI; None for organisations (see dissolved)
    start: str | None
    end: str | None  # dissolution date of an organisation, end of a case
    organisations: tuple[str, ...] = ()  # cases: the organisations involved
    sort: str = ""


@dataclass(frozen=True)
class Hit:
    """A search result: the entry, why it was found (and through which organisation)."""

    entry: SearchEntry
    rank: int
    reason: str  # name | abbreviation | former-name | title | text | involves
    via: str | None = None  # the organisation whose name matched, for "case involving UWV"


SEARCH_COLUMNS = (
    Column("kind", {"nl": "Soort", "en": "Kind"}, "text", sortable=False),
    Column("name", {"nl": "Naam", "en": "Name"}, "link", sortable=False),
    Column("type", {"nl": "Type", "en": "Type"}, "link", sortable=False),
    Column("status", {"nl": "Status", "en": "Status"}, "text", sortable=False),
    Column("start", {"nl": "Begin", "en": "Start"}, "date", sortable=False),
    Column("end", {"nl": "Einde", "en": "End"}, "date", sortable=False),
    Column("found_in", {"nl": "Gevonden in", "en": "Found in"}, "text", sortable=False),
    Column("via", {"nl": "Via", "en": "Via"}, "link", sortable=False),
)

REASONS: dict[str, Labels] = {
    "name": {"nl": "naam", "en": "name"}, "abbreviation": {"nl": "afkorting", "en": "abbreviation"},
    "former-name": {"nl": "vroegere naam", "en": "former name"}, "title": {"nl": "titel", "en": "title"},
    "text": {"nl": "samenvatting of omschrijving", "en": "summary or description"},
    "involves": {"nl": "betrokken organisatie", "en": "organisation involved"},
}
KIND_LABELS: dict[str, Labels] = {
    "organisation": {"nl": "organisatie", "en": "organisation"}, "case": {"nl": "succesverhaal", "en": "case"},
    "theme": {"nl": "thema", "en": "theme"}, "event": {"nl": "bijeenkomst", "en": "meeting"},
}

NAME_NODES = """
SELECT ?org ?value ?abbreviation ?end WHERE {
  ?org dh:hasName ?name .
  OPTIONAL { ?name dh:nameValue ?value }
  OPTIONAL { ?name dh:abbreviation ?abbreviation }
  OPTIONAL { ?name schema:endDate ?end }
}"""


def search_index(reader: Pages) -> list[SearchEntry]:
    """Everything search looks in, built once per snapshot: organisations with current and former
    names and abbreviations, cases with titles and abstracts, themes, meetings."""
    def compute() -> list[SearchEntry]:
        entries: list[SearchEntry] = []
        orgs = organisation_table(reader)
        former: dict[str, list[tuple[str, str]]] = {}
        for row in reader.select(NAME_NODES):
            names = former.setdefault(row["org"].value, [])
            what = "former-name" if "end" in row else "name"
            if isinstance(row.get("value"), ox.Literal):
                names.append((row["value"].value.casefold(), what))
            if isinstance(row.get("abbreviation"), ox.Literal):
                names.append((row["abbreviation"].value.casefold(), "abbreviation" if what == "name" else what))
        for entry in reader.organisation_index():
            record = orgs.get(entry.iri)
            names_of = [(v.casefold(), "name") for v in entry.labels.values()]
            names_of += [(a.casefold(), "abbreviation") for a in entry.alt_labels]
            known = {n for n, _w in names_of}
            names_of += [(n, w) for n, w in former.get(entry.iri, []) if n not in known]
            entries.append(SearchEntry(
                entry.iri, "organisation", entry.labels, tuple(dict.fromkeys(names_of)), (),
                record.type if record else None, None, record.founded if record else None,
                record.dissolved if record else None, sort=entry.sort_nl))
        for record in case_table(reader).values():
            entries.append(SearchEntry(
                record.iri, "case", record.titles, tuple((t.casefold(), "title") for t in record.titles.values()),
                tuple(a.casefold() for a in record.abstracts.values()), None, record.status, record.start,
                record.end, record.organisations, sort=sort_key(pick(record.titles, record.iri))))
        for theme in reader.themes():
            link = theme["link"]
            entries.append(SearchEntry(
                link.iri, "theme", link.labels, tuple((t.casefold(), "name") for t in link.labels.values()),
                tuple(d.casefold() for d in theme["definition"].values()), None, None, None, None,
                sort=sort_key(pick(link.labels, link.iri))))
        meeting_types = {q.subject.value: q.object.value for q in reader.quads(None, ox.NamedNode(DH + "meetingType"), None)}
        for entry in reader.event_index():
            entries.append(SearchEntry(
                entry.iri, "event", entry.labels, tuple((t.casefold(), "title") for t in entry.labels.values()),
                (), meeting_types.get(entry.iri), None, entry.date or None, None, sort=entry.sort_nl))
        return entries
    result: list[SearchEntry] = reader.snapshot.cached("tables:search", compute)
    return result


def search_hits(reader: Pages, text: str) -> list[Hit]:
    """Every match, best first within each kind: exact names, then names that start with the text,
    then names that contain it, then longer texts; cases also when an organisation they involve
    matches by name or abbreviation ("case involving UWV")."""
    needle = " ".join(text.split()).casefold()
    if not needle:
        return []
    index = search_index(reader)
    hits: dict[str, Hit] = {}
    matched_orgs: dict[str, int] = {}
    for entry in index:
        best: Hit | None = None
        for name, what in entry.names:
            if needle in name:
                rank = 0 if name == needle else 1 if name.startswith(needle) else 2
                rank = rank * 2 + (1 if what == "former-name" else 0)
                if best is None or rank < best.rank:
                    best = Hit(entry, rank, what)
        if best is None and any(needle in t for t in entry.long_texts):
            best = Hit(entry, 10, "text")
        if best is not None:
            hits[entry.iri] = best
            if entry.kind == "organisation" and best.reason in ("name", "abbreviation") and best.rank <= 2:
                matched_orgs[entry.iri] = best.rank
    if matched_orgs:
        # a case UWV is in, for "uwv": listed as found through the organisation, after the cases
        # whose title has the text and before those that only mention it in their summary
        for entry in index:
            if entry.kind != "case" or (entry.iri in hits and hits[entry.iri].reason != "text"):
                continue
            via = [o for o in entry.organisations if o in matched_orgs]
            if via:
                org = min(via, key=lambda o: (matched_orgs[o], o))
                hits[entry.iri] = Hit(entry, 6 + matched_orgs[org], "involves", org)
    order = {k: i for i, k in enumerate(SEARCH_KINDS)}
    return sorted(hits.values(), key=lambda h: (order[h.entry.kind], h.rank, h.entry.sort, h.entry.iri))


def search(reader: Pages, text: str, lang: str, paging: Paging, kind: str = "",
           today: str | None = None) -> Table:
    """Search results as a table: paged, with the total per kind in `extra["kinds"]`."""
    today = today or date.today().isoformat()
    hits = search_hits(reader, text)
    kinds = {k: 0 for k in SEARCH_KINDS}
    for hit in hits:
        kinds[hit.entry.kind] += 1
    if kind:
        hits = [h for h in hits if h.entry.kind == kind]

    def row(hit: Hit) -> dict[str, Any]:
        e = hit.entry
        if e.kind == "organisation":
            current = e.end is None or e.end > today
            status_key = "current" if current else "dissolved"
            status = {"current": {"nl": "bestaat", "en": "current"},
                      "dissolved": {"nl": "opgeheven", "en": "dissolved"}}[status_key]
            status_text = pick(status, "", lang)
        elif e.status:
            status_key = e.status.rsplit("/", 1)[-1]
            status_text = pick(reader.labels(e.status), status_key, lang)
        else:
            status_key, status_text = "", None
        return {
            "kind": e.kind, "kind_label": KIND_LABELS[e.kind], "name": Link(e.iri, e.labels, reader.href(e.iri)),
            "type": reader.link(e.type) if e.type else None, "status": status_text, "status_key": status_key,
            "start": e.start, "end": e.end, "found_in": pick(REASONS[hit.reason], hit.reason, lang),
            "reason": hit.reason, "via": reader.link(hit.via) if hit.via else None,
        }
    return paged("search", SEARCH_COLUMNS, hits, paging, row, kinds=kinds, kind=kind, q=text)


def page_url(path: str, args: Mapping[str, str], page: int) -> str:
    """The URL of another page of the same listing, every other parameter kept."""
    query = {k: v for k, v in args.items() if k != "page" and v not in (None, "")}
    if page > 1:
        query["page"] = str(page)
    return path + ("?" + urllib.parse.urlencode(query) if query else "")


__all__ = ["Column", "Table", "Paging", "Sort", "parse_paging", "to_csv", "to_json", "organisations", "cases",
           "criteria", "relations", "search", "neutralise", "MAX_SIZE", "PAGE_SIZE"]
