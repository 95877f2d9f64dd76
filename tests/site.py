"""Helpers for the page tests: a real server on a copy of the bundled store (optionally with a
hostile case and a steward's token), an HTML tree to assert on structure, and triples compared up
to blank-node renaming."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox

from driehoek import pages
from driehoek.service import Driehoek

from . import backend
from .conftest import Cli, Server

DATA = Path(__file__).resolve().parent / "data" / "pages"
XSS_CASE = DATA / "xss-case.ttl"
XSS_GRAPH = "https://w3id.org/driehoek/graph/cases/xss"
XSS_IRI = "https://w3id.org/driehoek/id/case/xss-test"
BASE = "https://w3id.org/driehoek/"
UWV = "https://identifier.overheid.nl/tooi/id/zbo/zb000117"
DIGID = "https://w3id.org/driehoek/id/case/digid"
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Site:
    """A running server and what the tests need to know about it."""

    server: Server
    data_dir: Path
    token: str = ""

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.server.url

    def snapshot(self) -> pages.Snapshot:
        """The server's newest snapshot, read-only, as the pages see it."""
        return snapshot_of(Driehoek(backend.settings_for(self.data_dir)))


def snapshot_of(service: Driehoek) -> pages.Snapshot:
    """What the service's readers see now (the embedded store's newest snapshot, or the remote
    store's public view), as the pages see it."""
    key, store = service.published()
    return pages.Snapshot(store, key=key, base_iri=BASE, withdrawn=service.withdrawn_graphs(store))


def prepare_site(bundled_data_dir: Path, target: Path, *, xss: bool = False, token: bool = False) -> tuple[Path, str]:
    """Copy the bundled store to target/var, load the hostile case and add a token if asked;
    (the data directory, the token's secret or "")."""
    data_dir = target / "var"
    backend.copy_data_dir(bundled_data_dir, data_dir)
    cli = Cli(data_dir)
    secret = ""
    if xss:
        result = cli("load", "--trusted", "--graph", XSS_GRAPH, XSS_CASE)
        assert result.exit_code == 0, result.output
    if token:
        result = cli("token", "add", "steward")
        assert result.exit_code == 0, result.output
        secret = result.stdout.strip()
    return data_dir, secret


def start_site(bundled_data_dir: Path, target: Path, *, xss: bool = False, token: bool = False) -> Site:
    """Copy the bundled store, load the hostile case and add a token if asked, start the server."""
    data_dir, secret = prepare_site(bundled_data_dir, target, xss=xss, token=token)
    return Site(Server(data_dir), data_dir, secret)


# -- HTML as a tree ----------------------------------------------------------------------------

@dataclass
class Element:
    """An element of a parsed page."""

    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        """The element's text, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: Element | str) -> None:
            if isinstance(node, str):
                parts.append(node)
            else:
                for child in node.children:
                    walk(child)
        walk(self)
        return " ".join("".join(parts).split())

    def iter(self) -> Iterator[Element]:
        """This element and every element below it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements with this tag (any when None) whose attributes include these (class_ for class:
        one of the classes)."""
        found = []
        for element in self.iter():
            if tag is not None and element.tag != tag:
                continue
            if all(_attr_matches(element, key, value) for key, value in attrs.items()):
                found.append(element)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Element:
        """The first such element (AssertionError when there is none)."""
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]


def _attr_matches(element: Element, key: str, value: str) -> bool:
    if key == "class_":
        return value in element.attrs.get("class", "").split()
    return element.attrs.get(key.replace("_", "-")) == value


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID_ELEMENTS:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Element:
    """The page as a tree of Elements."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def headings_in_order(document: Element) -> bool:
    """True when the page has one h1 and no heading level is skipped going down."""
    levels = [int(e.tag[1]) for e in document.iter() if e.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
    if levels.count(1) != 1 or not levels or levels[0] != 1:
        return False
    return all(b <= a + 1 for a, b in zip(levels, levels[1:]))


# -- triples -----------------------------------------------------------------------------------

def canonical(triples: Iterable[ox.Triple]) -> set[str]:
    """Triples with blank nodes canonically renamed (RDFC-1.0), for comparing graphs."""
    dataset = ox.Dataset([ox.Quad(t.subject, t.predicate, t.object) for t in triples])
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}
