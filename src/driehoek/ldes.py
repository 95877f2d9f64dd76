"""The change feed as a Linked Data Event Stream (LDES, https://w3id.org/ldes#; TREE, https://w3id.org/tree#).

Each public graph write is one **member**: a version of the graph, with

- ``dcterms:isVersionOf`` the graph IRI (the stream's ``ldes:versionOfPath``),
- ``prov:generatedAtTime`` the time the write committed (the stream's ``ldes:timestampPath``; the same
  instant as the graph's ``dcterms:modified`` and the activity's ``prov:endedAtTime``),
- the graph's **whole content** as that write left it, in the named graph whose name is the member IRI
  (so a page is an RDF dataset: TriG, N-Quads or JSON-LD; Turtle and N-Triples carry the stream and the
  members' metadata only, and say so).

A created or updated graph's member is a ``dh:StreamedGraphVersion``; a deleted or withdrawn graph's
member is an ``as:Delete`` (a withdrawal also says ``dh:withdrawn true``) with no content. The content
of the newest version of a graph comes from the snapshot readers see; of older versions from the
version store (versions.py). Where that has no copy (a graph written before versions were kept) the
member says ``dh:contentOmitted "not-kept"``; every member of a withdrawn graph says
``dh:contentOmitted "withdrawn"`` and carries no content. Private graphs never appear (changes.py
leaves them out); the metadata graph is not a member (its provenance is what the members are built from).

Members are ordered by time (oldest first) and cut into pages of PAGE_SIZE: page n holds members
(n-1)*PAGE_SIZE .. n*PAGE_SIZE-1. New writes only ever add members at the end, so a full page keeps
its members for good (immutable); only the newest page grows. The one exception is a withdrawal: it
removes the graph's content from the earlier members that carried it (docs/linking.md).

No flask here: web/ldes.py serves it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyoxigraph as ox

from .changes import change_items
from .iris import DCTERMS, DH, PROV, RDF_TYPE, XSD
from .store.layout import GraphLayout
from .versions import VersionStore, parse_time

LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
AS = "https://www.w3.org/ns/activitystreams#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PAGE_SIZE = 25
PREFIXES = {"ldes": LDES, "tree": TREE, "as": AS, "prov": PROV, "dcterms": DCTERMS, "dh": DH, "xsd": XSD}

_DATETIME = ox.NamedNode(XSD + "dateTime")
_TYPE = ox.NamedNode(RDF_TYPE)
_TIME_PATH = ox.NamedNode(PROV + "generatedAtTime")
_VERSION_PATH = ox.NamedNode(DCTERMS + "isVersionOf")
_MODIFIED = ox.NamedNode(DCTERMS + "modified")
_MEMBER = ox.NamedNode(TREE + "member")


@dataclass(frozen=True)
class Member:
    """One member: a graph as one write left it (or its deletion)."""

    iri: str
    graph: str
    time: str  # the xsd:dateTime lexical form, as the metadata graph has it
    deleted: bool = False
    withdrawn: bool = False  # a withdrawal, or (for a version) the graph was withdrawn since
    source: Any = None  # where the content is: an ox.Store-like with quads_for_pattern
    source_graph: ox.NamedNode | None = None  # the content's graph name in `source`

    @property
    def omitted(self) -> str | None:
        """Why a version carries no content ('withdrawn', 'not-kept'); None for a deletion or content."""
        if self.deleted:
            return None
        if self.withdrawn:
            return "withdrawn"
        return None if self.source is not None else "not-kept"


def member_iri(graph: str, time: str) -> str:
    """The member's IRI: the graph IRI with the write's time as fragment (another separator when the
    graph IRI has a fragment already)."""
    return f"{graph}{'#' if '#' not in graph else '-'}{time}"


def members(snapshot: ox.Store, versions: VersionStore, graph_base: str, withdrawn: set[str]) -> list[Member]:
    """Every member of the stream, oldest first, from the snapshot's change records and the version store."""
    meta = GraphLayout.of_graph_base(graph_base).meta
    live_since: dict[str, datetime] = {}
    for quad in snapshot.quads_for_pattern(None, _MODIFIED, None, meta):
        if isinstance(quad.subject, ox.NamedNode):
            live_since[quad.subject.value] = parse_time(quad.object.value)
    kept: dict[tuple[str, datetime], ox.NamedNode] = {}
    for version in versions.versions():
        if version.valid_from is not None:
            kept[(version.graph, version.valid_from)] = version.node
    found: list[Member] = []
    seen: set[str] = set()
    for item in reversed(change_items(snapshot, graph_base)):  # oldest first
        graph, time = item["object"], item["published"]
        iri = member_iri(graph, time)
        suffix = 2
        while iri in seen:  # two writes of one graph within a millisecond: still two members
            iri = member_iri(graph, f"{time}-{suffix}")
            suffix += 1
        seen.add(iri)
        if item["type"] == "Delete":
            found.append(Member(iri, graph, time, deleted=True,
                                withdrawn=item.get("driehoek:operation") == "withdraw"))
            continue
        if graph in withdrawn:
            found.append(Member(iri, graph, time, withdrawn=True))
            continue
        moment = parse_time(time)
        if live_since.get(graph) == moment:
            found.append(Member(iri, graph, time, source=snapshot, source_graph=ox.NamedNode(graph)))
        elif (graph, moment) in kept:
            found.append(Member(iri, graph, time, source=versions.store, source_graph=kept[(graph, moment)]))
        else:
            found.append(Member(iri, graph, time))
    return found


class EventStream:
    """The stream's members, recomputed only when a new snapshot is published (as changes.ChangeFeed)."""

    def __init__(self, graph_base: str, page_size: int = PAGE_SIZE) -> None:
        if page_size < 1:
            raise ValueError("a page holds at least one member")
        self.graph_base, self.page_size = graph_base, page_size
        self._lock = threading.Lock()
        self._store: ox.Store | None = None
        self._members: list[Member] = []

    def members(self, snapshot: ox.Store, versions: VersionStore, withdrawn: set[str]) -> list[Member]:
        """The members of the snapshot `snapshot` (a new snapshot is a new Store object)."""
        with self._lock:
            if snapshot is not self._store:
                self._members = members(snapshot, versions, self.graph_base, withdrawn)
                self._store = snapshot
            return self._members

    def pages(self, total: int) -> int:
        """How many pages `total` members fill (at least one, possibly empty)."""
        return max(1, math.ceil(total / self.page_size))

    def is_full(self, number: int, total: int) -> bool:
        """True when page `number` holds all its members and will never get another."""
        return number * self.page_size <= total


class Urls:
    """Where the stream's documents are, under the host the request came to."""

    def __init__(self, site: str) -> None:
        self.site = site.rstrip("/") + "/"
        self.stream = self.site + "ldes"
        self.view = self.site + "ldes/view"

    def page(self, number: int) -> str:
        return f"{self.site}ldes/{number}"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _time(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=_DATETIME)


def _stream_description(urls: Urls) -> list[ox.Quad]:
    stream = _n(urls.stream)
    return [
        ox.Quad(stream, _TYPE, _n(LDES + "EventStream")),
        ox.Quad(stream, _n(LDES + "timestampPath"), _TIME_PATH),
        ox.Quad(stream, _n(LDES + "versionOfPath"), _VERSION_PATH),
        ox.Quad(stream, _n(TREE + "view"), _n(urls.view)),
        ox.Quad(stream, _n(DCTERMS + "title"), ox.Literal("driehoek: wijzigingen als event stream", language="nl")),
        ox.Quad(stream, _n(DCTERMS + "title"), ox.Literal("driehoek: changes as an event stream", language="en")),
        ox.Quad(stream, _n(RDFS + "comment"), ox.Literal(
            "Each member is one write of a public named graph: dcterms:isVersionOf the graph, prov:generatedAtTime "
            "the time, and the graph's whole content in the named graph named by the member (TriG, N-Quads, "
            "JSON-LD). An as:Delete member says the graph was deleted or withdrawn. Replay the members oldest "
            "first to replicate the public dataset (docs/linking.md).", language="en")),
    ]


def _relation(source: str, target: str, value: str, number: int) -> list[ox.Quad]:
    node = ox.BlankNode(f"relation{number}")  # a fixed label: the same page gives the same bytes
    return [ox.Quad(_n(source), _n(TREE + "relation"), node),
            ox.Quad(node, _TYPE, _n(TREE + "GreaterThanOrEqualToRelation")),
            ox.Quad(node, _n(TREE + "path"), _TIME_PATH),
            ox.Quad(node, _n(TREE + "value"), _time(value)),
            ox.Quad(node, _n(TREE + "node"), _n(target))]


def view(all_members: list[Member], stream: EventStream, urls: Urls) -> list[ox.Quad]:
    """The root node: the stream's description and a relation to every page, by the time its members
    start at (greater than or equal)."""
    quads = _stream_description(urls)
    quads.append(ox.Quad(_n(urls.view), _TYPE, _n(TREE + "Node")))
    for number in range(1, stream.pages(len(all_members)) + 1):
        first = (number - 1) * stream.page_size
        if first < len(all_members):
            quads += _relation(urls.view, urls.page(number), all_members[first].time, number)
    return quads


def page(all_members: list[Member], number: int, stream: EventStream, urls: Urls, *,
         with_content: bool = True) -> Iterator[ox.Quad]:
    """Page `number` (from 1): its members with their metadata and (with_content) their content, and a
    relation to the next page. IndexError past the last page."""
    last = stream.pages(len(all_members))
    if not 1 <= number <= last:
        raise IndexError(number)
    here = urls.page(number)
    yield from _stream_description(urls)
    yield ox.Quad(_n(here), _TYPE, _n(TREE + "Node"))
    if number < last:
        yield from _relation(here, urls.page(number + 1), all_members[number * stream.page_size].time, number + 1)
    if not with_content:
        yield ox.Quad(_n(here), _n(RDFS + "comment"), ox.Literal(
            "This serialisation has no named graphs: the members' content is left out. Ask for TriG, "
            "N-Quads or JSON-LD to get it.", language="en"))
    stream_node = _n(urls.stream)
    for member in all_members[(number - 1) * stream.page_size:number * stream.page_size]:
        node = _n(member.iri)
        yield ox.Quad(stream_node, _MEMBER, node)
        yield ox.Quad(node, _VERSION_PATH, _n(member.graph))
        yield ox.Quad(node, _TIME_PATH, _time(member.time))
        if member.deleted:
            yield ox.Quad(node, _TYPE, _n(AS + "Delete"))
            if member.withdrawn:
                yield ox.Quad(node, _n(DH + "withdrawn"), ox.Literal(True))
            continue
        yield ox.Quad(node, _TYPE, _n(DH + "StreamedGraphVersion"))
        if member.omitted is not None:
            yield ox.Quad(node, _n(DH + "contentOmitted"), ox.Literal(member.omitted))
        elif with_content:
            for quad in member.source.quads_for_pattern(None, None, None, member.source_graph):
                yield ox.Quad(quad.subject, quad.predicate, quad.object, node)


def serialize(quads: Iterator[ox.Quad] | list[ox.Quad], fmt: ox.RdfFormat) -> bytes:
    """The quads in `fmt`; in a format without named graphs, their default-graph quads only."""
    if not fmt.supports_datasets:
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads if isinstance(q.graph_name, ox.DefaultGraph))
        return ox.serialize(triples, format=fmt, prefixes=PREFIXES if fmt is ox.RdfFormat.TURTLE else None)
    return ox.serialize(quads, format=fmt, prefixes=PREFIXES if fmt is ox.RdfFormat.TRIG else None)


__all__ = ["EventStream", "Member", "PAGE_SIZE", "Urls", "member_iri", "members", "page", "serialize", "view"]
