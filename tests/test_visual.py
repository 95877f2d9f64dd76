"""One visual language (issue 16.5) and the organisation page on a date (issue 16.8), on the bundled data.

- the palette is defined once: the corners' and the rating scale's colours are custom properties on
  :root in driehoek.css, declared nowhere else; the site's rules use them, and the report's SVG
  charts carry the same values (read from the rendered SVG, matched to the figure's own rows);
- a relation type has one line style: NLA's supervision of UWV is the same line on UWV's page and on
  NLA's, in the triangle and in the relations table, with the arrow at the supervised;
- lines end on box edges and cross no other box; captions are not cut; the "+N" sample is the
  heaviest; incoming relations say their direction;
- /org/{code}?on=D: the relations that held on D (checked against an evaluation of the raw triples in
  Python and against the named queries), names of the time, a note before or after the
  organisation's life, 400 for a bad date.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import tinycss2

from driehoek import pages, palette, queries, report
from driehoek.app import create_app
from driehoek.history import holds_on
from driehoek.pages import PARTY_LABELS, ROLE_LABELS
from driehoek.service import Driehoek
from driehoek.triangle import CAPTION_CHARS, NAME_CHARS, NAME_LINES

from . import backend
from .site import Element, parse_html

TOOI = "https://identifier.overheid.nl/tooi/id/"
UWV, ACM, NLA, AP = TOOI + "zbo/zb000117", TOOI + "zbo/zb000217", TOOI + "oorg/oorg12349", TOOI + "zbo/zb000215"
SZW, BZK = TOOI + "ministerie/mnre1073", TOOI + "ministerie/mnre1034"
DH = "https://w3id.org/driehoek/def#"
SCHEMA = "https://schema.org/"
SVG = "{http://www.w3.org/2000/svg}"
PAGES = ("/org/zb000117", "/org/oorg12349", "/org/zb000217", "/org/mnre1034", "/org/mnre1073", "/org/zb000215")


@pytest.fixture(scope="module")
def service(bundled_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driehoek]:
    target = tmp_path_factory.mktemp("visual") / "var"
    backend.copy_data_dir(bundled_data_dir, target)
    svc = Driehoek(backend.settings_for(target))
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def client(service: Driehoek):  # type: ignore[no-untyped-def]
    return create_app(service.settings, service=service).test_client()


def page(client, path: str, lang: str = "nl") -> Element:  # type: ignore[no-untyped-def]
    response = client.get(path + ("&" if "?" in path else "?") + "lang=" + lang, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.status_code)
    return parse_html(response.get_data(as_text=True))


# -- the palette, defined once ------------------------------------------------------------------------

def declarations(stylesheet: Path) -> list[tuple[str, str, str]]:
    """(selector, property, value) of every declaration in a stylesheet, media blocks included."""
    found: list[tuple[str, str, str]] = []

    def walk(rules: list) -> None:  # type: ignore[type-arg]
        for rule in rules:
            if rule.type == "qualified-rule":
                selector = tinycss2.serialize(rule.prelude).strip()
                for d in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
                    if d.type == "declaration":
                        found.append((selector, d.name, tinycss2.serialize(d.value).strip()))
            elif rule.type == "at-rule" and rule.content is not None:
                walk(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True))
    walk(tinycss2.parse_stylesheet(stylesheet.read_text(), skip_comments=True, skip_whitespace=True))
    return found


def test_the_palette_is_declared_once_on_root_and_used_by_the_site_rules() -> None:
    css = declarations(palette.STYLESHEET)
    names = [*palette.CORNER_PROPERTIES.values(), *palette.RATING_PROPERTIES.values()]
    for name in names:
        where = [(sel, value) for sel, prop, value in css if prop == name]
        assert len(where) == 1 and where[0][0] == ":root", (name, where)
        assert where[0][1].startswith("#") and len(where[0][1]) == 7
    values = {value for _sel, prop, value in css if prop in names}
    # no rule spells one of the palette's colours out instead of naming the property
    spelled = [(sel, prop, value) for sel, prop, value in css if not prop.startswith("--") and value in values]
    assert not spelled, spelled
    rules = {(sel, prop): value for sel, prop, value in css}
    for rank, name in palette.RATING_PROPERTIES.items():
        selector = next(sel for sel, _p, _v in css if f".bar-{rank}" in sel and f".rank-{rank}" in sel)
        assert rules[(selector, "fill")] == rules[(selector, "background")] == f"var({name})"
    for slug, name in palette.CORNER_PROPERTIES.items():
        assert rules[(f".card.corner-{slug}", "border-top-color")] == f"var({name})"
    assert rules[(".edge-supervises", "stroke")] == "var(--supervision)"


def chart(html: str, ident: str) -> ET.Element:
    start = html.index(f'id="{ident}"')
    start = html.rindex("<svg", 0, start)
    return ET.fromstring(html[start:html.index("</svg>", start) + 6])


def test_the_report_charts_use_the_site_palette(service: Driehoek) -> None:
    store = service.snapshot()
    built = report.build_report(store, 2024, withdrawn=service.withdrawn_graphs(store))
    html = report.render_html(built, "en", report.Links(base_iri="https://w3id.org/driehoek/"), part="body")
    ratings = palette.rating_colours()
    # the assessments chart: each legend swatch is the colour of its rating's rank
    rank_of = {}
    for row in built.figures["assessments"].rows:
        rank_of[report._label(row, "rating", "en")] = int(row["rank"] or 0)
    svg = chart(html, "chart-assessments")
    children = list(svg)
    legend = {children[i + 1].text: child.get("fill") for i, child in enumerate(children[:-1])
              if child.tag == SVG + "rect" and child.get("width") == "14" and children[i + 1].tag == SVG + "text"}
    assert legend and set(legend) <= set(rank_of)
    for name, fill in legend.items():
        assert fill == ratings[rank_of[name]], name
    segments = {rect.get("fill") for rect in svg.iter(SVG + "rect") if rect.find(SVG + "title") is not None}
    assert segments and segments <= set(ratings.values())
    # the corners chart: each group heading in its corner's colour
    corners = palette.corner_colours()
    slug_of = {report._label(r, "corner", "en"): str(r["corner"]).rsplit("/", 1)[-1]
               for r in built.figures["organisations-by-corner"].rows if r["corner"]}
    headings = {t.text: t.get("fill") for t in chart(html, "chart-organisations-by-corner").iter(SVG + "text")
                if t.get("font-weight") == "bold"}
    assert set(slug_of) <= set(headings)
    for name, slug in slug_of.items():
        assert headings[name] == corners[slug], name


def test_the_case_chart_draws_each_rating_in_its_class(client) -> None:  # type: ignore[no-untyped-def]
    doc = page(client, "/doc/case/digid")
    bars = doc.find("svg", class_="chart").find_all("rect", class_="bar")
    assert len(bars) == 4
    for bar in bars:
        rank = int(float(bar.attrs["height"]) / 50)
        assert f"bar-{rank}" in bar.attrs["class"].split()


# -- one line style per relation type -----------------------------------------------------------------

def edges(doc: Element) -> dict[str, Element]:
    return {e.attrs["data-party"]: e for e in doc.find("svg", class_="triangle").find_all("polyline", class_="edge")}


def boxes(doc: Element) -> list[tuple[str, float, float, float, float, Element]]:
    """(iri or "" for the organisation itself / a "+N" box, x, y, width, height, group) of each box."""
    found = []
    for group in doc.find("svg", class_="triangle").find_all("g", class_="node"):
        rect = group.find("rect")
        found.append((group.attrs.get("data-iri", "focal" if "node-focal" in group.attrs["class"] else ""),
                      *(float(rect.attrs[k]) for k in ("x", "y", "width", "height")), group))
    return found


def points(edge: Element) -> list[tuple[float, float]]:
    return [tuple(float(v) for v in p.split(",")) for p in edge.attrs["points"].split()]  # type: ignore[misc]


def row_for(doc: Element, other: str, kind: str) -> Element:
    rows = [r for r in doc.find("table", class_="relations").find_all("tr")
            if r.attrs.get("data-other") == other and r.attrs.get("data-relation-type") == kind]
    assert rows, (other, kind)
    return rows[0]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_supervision_has_one_style_on_both_pages_with_the_arrow_at_the_supervised(client, lang: str) -> None:  # type: ignore[no-untyped-def]
    uwv, nla = page(client, "/org/zb000117", lang), page(client, "/org/oorg12349", lang)
    for doc, other, supervised in ((uwv, NLA, "focal"), (nla, UWV, UWV)):
        edge = edges(doc)[other]
        assert edge.attrs["class"].split() == ["edge", "edge-supervises"]
        assert edge.attrs["marker-end"] == "url(#arrow-supervises)"
        # the arrow ends on the supervised organisation's box
        x, y = points(edge)[-1]
        box = next(b for b in boxes(doc) if b[0] == supervised)
        assert on_edge(x, y, box[1:5]), (x, y, box[1:5])
        # the relations table draws the same type with the same class
        swatch = row_for(doc, other, "supervises").find("svg", class_="swatch").find("line")
        assert swatch.attrs["class"].split() == ["edge", "edge-supervises"]
        # and the key under the drawing too
        keys = doc.find("figcaption").find_all("line")
        assert "edge edge-supervises" in [k.attrs["class"] for k in keys]


def test_incoming_relations_state_their_direction(client) -> None:  # type: ignore[no-untyped-def]
    for lang in ("nl", "en"):
        uwv, nla = page(client, "/org/zb000117", lang), page(client, "/org/oorg12349", lang)
        assert ROLE_LABELS["supervised-by"][lang] in row_for(uwv, NLA, "supervises").find("td").text()
        assert ROLE_LABELS["supervises"][lang] in row_for(nla, UWV, "supervises").find("td").text()
        assert ROLE_LABELS["accountable-to"][lang] in row_for(uwv, SZW, "accountable-to").find("td").text()
    assert ROLE_LABELS["supervised-by"] == {"nl": "staat onder toezicht van", "en": "is supervised by"}
    # the triangle's box names the other party's role from its side
    uwv = page(client, "/org/zb000117", "nl")
    nla_box = next(b for b in boxes(uwv) if b[0] == NLA)[5]
    assert PARTY_LABELS["supervised-by"]["nl"] in nla_box.find("text", class_="node-role").text()


def on_edge(x: float, y: float, box: tuple[float, float, float, float]) -> bool:
    bx, by, w, h = box
    inside = bx - 0.5 <= x <= bx + w + 0.5 and by - 0.5 <= y <= by + h + 0.5
    return inside and min(abs(x - bx), abs(x - bx - w), abs(y - by), abs(y - by - h)) <= 0.5


def crosses(p: tuple[float, float], q: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    """True when the segment p-q passes through the inside of the box (its border shrunk by 1)."""
    bx, by, w, h = box[0] + 1, box[1] + 1, box[2] - 2, box[3] - 2
    steps = 200
    return any(bx < p[0] + (q[0] - p[0]) * i / steps < bx + w and by < p[1] + (q[1] - p[1]) * i / steps < by + h
               for i in range(steps + 1))


@pytest.mark.parametrize("path", PAGES)
def test_lines_end_on_box_edges_and_cross_no_box(client, path: str) -> None:  # type: ignore[no-untyped-def]
    doc = page(client, path)
    all_boxes = boxes(doc)
    drawn = edges(doc)
    assert drawn, path
    for party, edge in drawn.items():
        line = points(edge)
        ends = [next(b for b in all_boxes if b[0] == party), next(b for b in all_boxes if b[0] == "focal")]
        assert any(on_edge(*line[0], e[1:5]) for e in ends) and any(on_edge(*line[-1], e[1:5]) for e in ends)
        for p, q in zip(line, line[1:]):
            for box in all_boxes:
                assert not crosses(p, q, box[1:5]), (path, party, box[0], line)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_captions_are_not_cut(client, path: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    for iri, _x, _y, _w, _h, group in boxes(page(client, path, lang)):
        if not iri or iri == "focal":
            continue
        title = group.find("title").text()
        full_name, _, caption = title.partition(" — ")
        roles = " ".join(t.text() for t in group.find_all("text", class_="node-role"))
        assert roles == caption and "…" not in roles, (path, title, roles)
        assert all(len(t.text()) <= CAPTION_CHARS for t in group.find_all("text", class_="node-role"))
        name = " ".join(t.text() for t in group.find_all("text", class_="node-name"))
        if "…" in name:  # only a name that does not fit the box's lines may be cut (the title keeps it)
            assert len(textwrap.wrap(full_name, NAME_CHARS)) > NAME_LINES, (path, full_name, name)


def independent_weights(service: Driehoek) -> dict[str, tuple[int, int]]:
    """(cases, relations) per organisation, counted from the raw triples here."""
    store = service.snapshot()
    dataset = queries.dataset(store, service.withdrawn_graphs(store))
    cases: dict[str, set[str]] = {}
    for row in store.query(f"""SELECT ?case ?org WHERE {{ ?case a <{DH}Case> .
            {{ ?case <{DH}involvedOrganisation> ?org }} UNION {{ ?case <{DH}involvement> ?i . ?i <{DH}organisation> ?org }} }}""",
                           **dataset):
        cases.setdefault(row["org"].value, set()).add(row["case"].value)
    relations: dict[str, set[str]] = {}
    for row in store.query(f"SELECT ?r ?org WHERE {{ {{ ?r <{DH}from> ?org }} UNION {{ ?r <{DH}to> ?org }} }}", **dataset):
        relations.setdefault(row["org"].value, set()).add(row["r"].value)
    return {o: (len(cases.get(o, ())), len(relations.get(o, ()))) for o in cases.keys() | relations.keys()}


def test_the_sample_beside_more_is_the_heaviest(client, service: Driehoek) -> None:  # type: ignore[no-untyped-def]
    """In a corner with a "+N" box, every party drawn weighs at least as much (cases, then relations,
    counted here from the raw triples) as every party of the same role left out."""
    weights = independent_weights(service)
    doc = page(client, "/org/mnre1034")
    more = [b for b in boxes(doc) if "node-more" in b[5].attrs["class"]]
    assert more, "BZK has more parties than room in a corner"
    store = service.snapshot()
    view = pages.Snapshot(store, key="visual", base_iri="https://w3id.org/driehoek/",
                          withdrawn=service.withdrawn_graphs(store)).pages().organisation(BZK)
    compared = 0
    for box in more:
        assert box[5].find("text").text().startswith("+")
        drawn = {b[0] for b in boxes(doc) if b[1] == box[1] and b[0] not in ("", "focal")}
        corner = next(c for c, parties in view.triangle.by_corner.items() if drawn & {p.link.iri for p in parties})
        listed = view.triangle.by_corner[corner]
        assert int(box[5].find("text").text().split()[0][1:]) == len(listed) - len(drawn)
        for shown in (p for p in listed if p.link.iri in drawn):
            for hidden in (p for p in listed if p.link.iri not in drawn and p.role == shown.role):
                assert weights.get(shown.link.iri, (0, 0)) >= weights.get(hidden.link.iri, (0, 0)), (shown, hidden)
                compared += 1
    assert compared > 100  # BZK's 900-odd bodies accountable to it


# -- the page on a date ---------------------------------------------------------------------------------

def expected_on(service: Driehoek, org: str, on: str) -> set[tuple[str, str, str]]:
    """(relation type slug, direction, other) of the qualified relations that held on `on`, evaluated
    here from the raw triples: start <= on <= end (open ends hold), and both organisations existed."""
    store = service.snapshot()
    dataset = queries.dataset(store, service.withdrawn_graphs(store))

    def existed(iri: str) -> bool:
        f = [q.object.value for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(SCHEMA + "foundingDate"), None)]
        d = [q.object.value for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(SCHEMA + "dissolutionDate"), None)]
        return all(x <= on for x in f) and all(on <= x for x in d)

    found = set()
    for me, other, direction in (("from", "to", "out"), ("to", "from", "in")):
        sparql = f"""SELECT ?r ?type ?other ?start ?end WHERE {{ ?r <{DH}{me}> <{org}> ; <{DH}{other}> ?other ;
                     <{DH}relationType> ?type . OPTIONAL {{ ?r <{SCHEMA}startDate> ?start }}
                     OPTIONAL {{ ?r <{SCHEMA}endDate> ?end }} }}"""
        for row in store.query(sparql, **dataset):
            start, end = (row[v].value if row[v] is not None else None for v in ("start", "end"))
            if holds_on(start, end, on) and existed(org) and existed(row["other"].value):
                found.add((row["type"].value.rsplit("/", 1)[-1], direction, row["other"].value))
    return found


def shown_on(doc: Element) -> set[tuple[str, str, str]]:
    table = doc.find_all("table", class_="relations")
    if not table:
        return set()
    return {(r.attrs["data-relation-type"], r.attrs["data-direction"], r.attrs["data-other"])
            for r in table[0].find_all("tr") if "data-other" in r.attrs}


def named(service: Driehoek, name: str, column: str, org: str, on: str) -> set[str]:
    store = service.snapshot()
    table = queries.run(queries.get(name), store, {"org": org, "date": on}, withdrawn=service.withdrawn_graphs(store))
    return {row[table.variables.index(column)].value for row in table.rows}


@pytest.mark.parametrize(("code", "org", "days"), [
    ("zb000217", ACM, ["2013-03-31", "2013-04-01", "2017-10-01", "2024-01-01"]),
    ("zb000117", UWV, ["2001-12-31", "2009-01-01", "2012-01-01", "2024-01-01"]),
    ("oorg12349", NLA, ["2011-12-31", "2012-01-01", "2024-01-01"]),
])
def test_the_page_on_a_date_shows_the_relations_that_held(client, service: Driehoek, code: str, org: str,  # type: ignore[no-untyped-def]
                                                          days: list[str]) -> None:
    for on in days:
        doc = page(client, f"/org/{code}?on={on}", "en")
        want = expected_on(service, org, on)
        assert shown_on(doc) == want, (code, on)
        # the named queries agree, where they speak
        assert {o for k, d, o in want if (k, d) == ("accountable-to", "out")} == \
            named(service, "accountable-to-on-date", "accountableTo", org, on)
        assert {o for k, d, o in want if (k, d) == ("supervises", "in")} == \
            named(service, "supervisors-on-date", "supervisor", org, on)
        # the triangle shows the same organisations (the list beside it names every party)
        parties = {o for k, _d, o in want if k not in ("predecessor-of",)}
        drawn = {e for e in edges(doc)} if want else set()
        assert drawn <= parties
        assert doc.find("input", id="on").attrs["value"] == on


def test_acm_before_it_existed(client, service: Driehoek) -> None:  # type: ignore[no-untyped-def]
    before, first = page(client, "/org/zb000217?on=2013-03-31", "en"), page(client, "/org/zb000217?on=2013-04-01", "en")
    note = before.find("p", class_="on-date-note").text()
    assert "did not exist on" in note and "founded on" in note
    assert shown_on(before) == set() and not edges(before)
    assert "did not exist" not in first.find("p", class_="on-date-note").text()
    assert shown_on(first) and shown_on(first) == expected_on(service, ACM, "2013-04-01")


def test_names_as_they_were_on_the_day(client) -> None:  # type: ignore[no-untyped-def]
    # the Autoriteit Persoonsgegevens was the College bescherming persoonsgegevens until 2015-12-31
    then = page(client, "/org/zb000215?on=2015-06-01", "nl").find("p", class_="on-date-note").text()
    now = page(client, "/org/zb000215?on=2016-06-01", "nl").find("p", class_="on-date-note").text()
    assert "College bescherming persoonsgegevens" in then
    assert "Autoriteit Persoonsgegevens" in now and "College bescherming" not in now


@pytest.mark.parametrize("bad", ["2013-13-01", "yesterday", "20130401", "2013-04-01T00:00"])
def test_a_bad_date_is_a_clear_400(client, bad: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/org/zb000217?on={bad}", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_data(as_text=True)


def test_the_date_form_works_without_javascript(client) -> None:  # type: ignore[no-untyped-def]
    doc = page(client, "/org/zb000117")
    form = doc.find("form", class_="on-date")
    assert form.attrs["method"] == "get" and form.attrs["action"].startswith("/org/zb000117")
    field = form.find("input", id="on")
    assert field.attrs["type"] == "date" and field.attrs["name"] == "on"
    assert form.find("label").attrs["for"] == "on"
