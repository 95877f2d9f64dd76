"""The SPARQL behind each page (issue 16, point 1): organisation, case and list pages link to the
editor with the query that answers what they show, and that query, run at the endpoint, answers."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from .fixtures_shared import InProcessSite, shared_site
from .site import parse_html

PAGES = ["/organisations", "/cases", "/criteria", "/themes", "/events", "/monitor", "/org/zb000117", "/doc/case/digid"]


@pytest.fixture(scope="module")
def site(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessSite]:
    yield from shared_site(bundled_data_dir, tmp_path_factory, "sparql-behind")


@pytest.mark.parametrize("path", PAGES)
def test_the_page_links_to_the_query_behind_it_and_the_query_answers(site: InProcessSite, path: str) -> None:
    response = site.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    link = parse_html(response.text).find("p", class_="sparql-behind").find("a")
    href = link.attrs["href"]
    assert href.startswith("/sparql?query=")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["query"][0]
    if path == "/org/zb000117":
        assert "https://identifier.overheid.nl/tooi/id/zbo/zb000117" in query  # the page's organisation, bound
    if path == "/doc/case/digid":
        assert query == "DESCRIBE <https://w3id.org/driehoek/id/case/digid>"
    # a program running the same query gets an answer with something in it
    accept = "text/turtle" if query.startswith("DESCRIBE") else "application/sparql-results+json"
    answer = site.get("/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
    assert answer.status_code == 200, answer.text
    assert (answer.text.strip() if accept == "text/turtle" else answer.json()["results"]["bindings"])
