"""A listing as a `Table` of typed columns; ?sort=, ?page=, ?size= checked against it; its CSV and
JSON renderings (the package's docstring says how)."""

from __future__ import annotations

import csv
import io
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import pages
from ..errors import BadRequest
from ..formats import Format
from ..pages.labels import Labels, pick

CSV = Format("csv", "text/csv", ".csv")  # a table's download (formats.RESULTS_CSV is SPARQL results')
PAGE_SIZE = pages.PAGE_SIZE
MAX_SIZE = 1000  # rows a page may ask for; CSV without ?size= has every row
JOIN = " | "  # several values in one CSV cell
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet reads a cell starting with these as a formula
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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


def page_url(path: str, args: Mapping[str, str], page: int) -> str:
    """The URL of another page of the same listing, every other parameter kept."""
    query = {k: v for k, v in args.items() if k != "page" and v not in (None, "")}
    if page > 1:
        query["page"] = str(page)
    return path + ("?" + urllib.parse.urlencode(query) if query else "")
