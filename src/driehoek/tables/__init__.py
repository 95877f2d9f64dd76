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
per snapshot with `Snapshot.cached`, like the pages': listing and searching are then list work in
memory, not a SPARQL scan per request. No flask here.
"""

from __future__ import annotations

from .cases import (CASE_RATINGS, CaseFilters, CaseRecord, case_columns, case_filter_choices, case_table, cases,
                    criteria, criterion_notations)
from .organisations import (ORGANISATION_COLUMNS, OrganisationFilters, OrgRecord, organisation_table, organisations,
                            relation_counts)
from .relations import RELATION_COLUMNS, RelationFilters, relation_types_of, relations
from .search import (KIND_LABELS, NAME_NODES, REASONS, SEARCH_COLUMNS, SEARCH_KINDS, Hit, SearchEntry, search,
                     search_hits, search_index)
from .table import (CSV, DANGEROUS, JOIN, MAX_SIZE, PAGE_SIZE, Column, Paging, Sort, Table, filename, header,
                    json_rows, neutralise, page_url, paged, parse_date, parse_paging, sort_items, to_csv, to_json)

__all__ = [
    # tables and their renderings
    "Column", "Table", "Paging", "Sort", "parse_paging", "parse_date", "paged", "sort_items", "header", "json_rows",
    "to_csv", "to_json", "neutralise", "filename", "page_url", "CSV", "MAX_SIZE", "PAGE_SIZE", "JOIN", "DANGEROUS",
    # the listings
    "organisations", "OrganisationFilters", "OrgRecord", "ORGANISATION_COLUMNS", "organisation_table",
    "relation_counts",
    "cases", "CaseFilters", "CaseRecord", "CASE_RATINGS", "case_table", "case_columns", "case_filter_choices",
    "criterion_notations", "criteria",
    "relations", "RelationFilters", "RELATION_COLUMNS", "relation_types_of",
    "search", "search_hits", "search_index", "SearchEntry", "Hit", "SEARCH_COLUMNS", "SEARCH_KINDS", "REASONS",
    "KIND_LABELS", "NAME_NODES",
]
