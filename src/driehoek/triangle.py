"""The triangle diagram of an organisation page, laid out on the server (templates/_triangle.svg.html
draws it). One visual language (issue 16.5):

- a line's style and arrowhead follow the relation type, never the corner a box sits in: NLA's
  supervision of UWV is the same dashed line on UWV's page and on NLA's; the arrow points from the
  relation's dh:from to its dh:to (the supervisor to the supervised, the agency to its ministry);
- lines end at the box edges and never run under another box: each corner is a column of boxes,
  and a line meets a box on the side that faces the organisation, so it stays outside the column;
- names and captions wrap instead of being cut (a name longer than two lines keeps its full text in
  the box's title and accessible name);
- where a corner has more parties than room, the boxes shown are the weightiest (most cases, most
  relations), not the first in the alphabet.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .pages.labels import Labels, pick, sort_key
from .pages.model import Party
from .pages.roles import role_priority

LANGUAGES = ("nl", "en")

WIDTH = 800
BOX_WIDTH, BOX_GAP = 250, 6
LINE, PAD, MIN_HEIGHT = 16, 8, 40  # text line height, padding below the last line, smallest box
NAME_CHARS, NAME_LINES = 26, 2  # a 14px bold name: about 26 characters in the 226px inside a box
CAPTION_CHARS = 33  # a 12px caption: about 33 characters
PER_CORNER = 5  # boxes per corner, the organisation itself and a "+N" box included
# the left edge of each corner's column: side by side, no column overlaps another, so that a line
# between two columns can always run beside the boxes
COLUMNS = {"implementation": 10, "politics": 275, "supervision": 540}
TOP = 40  # the politics column starts here; the lower corners start below it
LOWER_TOP, LOWER_GAP = 330, 60
CORNER_ORDER = ("politics", "implementation", "supervision")


@dataclass(frozen=True)
class Node:
    """A box: where, the lines of text it shows, where it links to."""

    x: int
    y: int
    width: int
    height: int
    name_lines: tuple[str, ...]
    caption_lines: Mapping[str, tuple[str, ...]]  # language -> lines of the roles in words
    href: str | None
    title: str  # the full name
    corner: str
    caption: Mapping[str, str] = field(default_factory=dict)  # language -> the roles in words, one line
    focal: bool = False
    more: int = 0  # for a "+N more" box
    iri: str = ""

    @property
    def text(self) -> str:
        """The name as the box shows it, on one line."""
        return " ".join(self.name_lines)


@dataclass(frozen=True)
class Edge:
    """A line from the relation's dh:from side to its dh:to side (the arrowhead's end)."""

    points: tuple[tuple[int, int], ...]
    kind: str  # the relation type's slug: accountable-to, supervises, ... (its style everywhere)
    party: str  # the IRI of the other organisation

    @property
    def path(self) -> str:
        """The points as an SVG polyline's points attribute."""
        return " ".join(f"{x},{y}" for x, y in self.points)


@dataclass
class Triangle:
    """The laid-out diagram: the three corners, the boxes and the lines between them."""

    width: int
    height: int
    corners: dict[str, tuple[int, int]]  # corner key -> caption position
    polygon: str
    nodes: list[Node]
    edges: list[Edge]
    by_corner: dict[str, list[Party]]  # the same information as a list, for everyone
    kinds: list[str] = field(default_factory=list)  # the relation types drawn, for the markers and the key


def wrap(text: str, width: int, most: int | None = None) -> tuple[str, ...]:
    """Lines of at most `width` characters; with `most`, the last line kept ends in "…" if text is left."""
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=True) or [""]
    if most is not None and len(lines) > most:
        kept = lines[:most]
        last = kept[-1] if len(kept[-1]) < width else kept[-1][: width - 1].rstrip()
        kept[-1] = last + "…"
        return tuple(kept)
    return tuple(lines)


def _height(name_lines: Sequence[str], caption_lines: Mapping[str, Sequence[str]]) -> int:
    captions = max((len(lines) for lines in caption_lines.values()), default=0)
    return max(MIN_HEIGHT, LINE * (len(name_lines) + captions) + PAD)


def layout(*, name: str, short_name: str, corner_keys: Sequence[str], parties: Sequence[Party],
           party_short_name: Callable[[str], str], captions: Mapping[str, Labels],
           relation_of: Mapping[str, tuple[str, str]], weight: Callable[[str], tuple[int, int]],
           more_href: str) -> Triangle:
    """Place the organisation in its corner and its counterparts in theirs.

    `captions` gives each role in words (per language), `relation_of` the relation type and direction
    of each role ("out": the organisation is dh:from), `weight` an organisation's (cases, relations).
    """
    focal_corner = next((c for c in ("supervision", "implementation", "politics") if c in corner_keys), "")
    by_corner: dict[str, list[Party]] = {c: [] for c in CORNER_ORDER}

    def order(party: Party) -> tuple[int, int, int, str]:
        cases, relations = weight(party.link.iri)
        return (role_priority(party.role), -cases, -relations, sort_key(pick(party.link.labels, party.link.iri)))

    for party in sorted(parties, key=order):
        by_corner[party.corner].append(party)

    def party_node(party: Party, corner: str) -> Node:
        caption = {lang: " · ".join(dict.fromkeys(captions[r][lang] for r in party.roles)) for lang in LANGUAGES}
        name_lines = wrap(party_short_name(party.link.iri), NAME_CHARS, NAME_LINES)
        caption_lines = {lang: wrap(text, CAPTION_CHARS) for lang, text in caption.items()}
        return Node(0, 0, BOX_WIDTH, _height(name_lines, caption_lines), name_lines, caption_lines,
                    party.link.href, pick(party.link.labels, party.link.iri), corner, caption, iri=party.link.iri)

    focal_lines = wrap(short_name, NAME_CHARS, NAME_LINES)
    focal = Node(0, 0, BOX_WIDTH, _height(focal_lines, {}), focal_lines, {}, None, name, focal_corner or "centre",
                 focal=True)
    columns: dict[str, list[Node]] = {}
    for corner in CORNER_ORDER:
        room = PER_CORNER - (1 if corner == focal_corner else 0)
        listed = by_corner[corner]
        shown = listed if len(listed) <= room else listed[: room - 1]
        boxes = [party_node(p, corner) for p in shown]
        if len(shown) < len(listed):
            rest = len(listed) - len(shown)
            boxes.append(Node(0, 0, BOX_WIDTH, MIN_HEIGHT, (f"+{rest}",), {}, more_href, "", corner, more=rest))
        if corner == focal_corner:
            # the organisation sits nearest the other corners: at the bottom of the politics column,
            # at the top of the lower ones
            boxes = [*boxes, focal] if corner == "politics" else [focal, *boxes]
        columns[corner] = boxes

    placed: list[Node] = []

    def stack(boxes: list[Node], x: int, y: int) -> int:
        for box in boxes:
            placed.append(_at(box, x, y))
            y += box.height + BOX_GAP
        return y - BOX_GAP

    bottom = stack(columns["politics"], COLUMNS["politics"], TOP) if columns["politics"] else TOP
    if not focal_corner:  # no corner: a row of its own between politics and the others
        centre = _at(focal, (WIDTH - BOX_WIDTH) // 2, bottom + LOWER_GAP // 2 + 10)
        placed.append(centre)
        bottom = centre.y + centre.height
    lower = max(LOWER_TOP, bottom + LOWER_GAP)
    stack(columns["implementation"], COLUMNS["implementation"], lower)
    stack(columns["supervision"], COLUMNS["supervision"], lower)
    height = max(n.y + n.height for n in placed) + 12

    me = next(n for n in placed if n.focal)
    edges: list[Edge] = []
    kinds: list[str] = []
    for node in placed:
        if node.focal or node.more:
            continue
        party = next(p for p in by_corner[node.corner] if p.link.iri == node.iri)
        kind, direction = relation_of.get(party.role, ("linked", "out"))
        points = _route(me, node)
        if direction == "in":  # the other party is dh:from: the line runs from it to the organisation
            points = tuple(reversed(points))
        edges.append(Edge(points, kind, party.link.iri))
        if kind not in kinds:
            kinds.append(kind)
    # the triangle runs through the middle of the three columns' first boxes
    corners_at = {"politics": (COLUMNS["politics"] + BOX_WIDTH // 2, TOP + 20),
                  "implementation": (COLUMNS["implementation"] + BOX_WIDTH // 2, lower + 20),
                  "supervision": (COLUMNS["supervision"] + BOX_WIDTH // 2, lower + 20)}
    polygon = " ".join(f"{x},{y}" for x, y in corners_at.values())
    captions_at = {"politics": (COLUMNS["politics"] + BOX_WIDTH // 2, TOP - 14),
                   "implementation": (COLUMNS["implementation"] + BOX_WIDTH // 2, lower - 14),
                   "supervision": (COLUMNS["supervision"] + BOX_WIDTH // 2, lower - 14)}
    return Triangle(WIDTH, height, captions_at, polygon, placed, edges, by_corner, kinds)


def _at(node: Node, x: int, y: int) -> Node:
    from dataclasses import replace

    return replace(node, x=x, y=y)


def _route(me: Node, other: Node) -> tuple[tuple[int, int], ...]:
    """Points from the organisation's box to another box. The line meets the other box on the vertical
    side that faces the organisation and stays on the outer side of that side's line all the way, so
    it never crosses a box of the other's column; to a column above or below it leaves from the top or
    bottom edge, from the quarter nearer the other box, so that lines to the two other corners do not
    cross, and never through a box of its own column."""
    mid_y = other.y + other.height // 2
    my_mid_y = me.y + me.height // 2
    right_of = other.x >= me.x + me.width
    left_of = other.x + other.width <= me.x
    if right_of or left_of:
        left = right_of  # meet the other box on its left side
    else:
        left = me.x + me.width // 2 <= other.x + other.width // 2
    side = other.x if left else other.x + other.width
    above = other.y + other.height <= me.y
    below = other.y >= me.y + me.height
    if above or below:
        start_x = min(me.x + me.width * 3 // 4, side - 8) if left else max(me.x + me.width // 4, side + 8)
        if me.x <= start_x <= me.x + me.width:
            return (start_x, me.y if above else me.y + me.height), (side, mid_y)
    if right_of or left_of:  # side by side
        return (me.x + me.width if left else me.x, my_mid_y), (side, mid_y)
    # no straight way outside the column (a box above or below in the same column): round it, a
    # short step out into the gap beside the column, on the side that has room
    outside = (min(me.x, other.x) - 12) if left else (max(me.x + me.width, other.x + other.width) + 12)
    if left and outside < 2:
        left, side, outside = False, other.x + other.width, max(me.x + me.width, other.x + other.width) + 12
    start = (me.x, my_mid_y) if left else (me.x + me.width, my_mid_y)
    return start, (outside, my_mid_y), (outside, mid_y), (side, mid_y)
