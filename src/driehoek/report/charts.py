"""The report's SVG charts, laid out: where every bar, label and legend entry goes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# -- SVG charts: laid out here, drawn by web/templates/_report_charts.svg.html ----------------------

# The corners' and McConnell's colours are the site's (driehoek.palette reads them from driehoek.css);
# each segment of a stacked bar carries its number, so the scale does not rest on colour alone. As
# with the site's own drawings (triangle.py and _triangle.svg.html), Python decides where things go
# and the template draws them.
_FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
_WIDTH = 720
_CHAR = 6.6  # average advance of a 12px sans-serif character, for laying out labels


def _text_width(text: str, size: float = 12) -> float:
    return len(text) * _CHAR * size / 12


def _clip(text: str, width: float) -> str:
    limit = max(4, int(width / _CHAR))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ink(colour: str) -> str:
    """Black or white, whichever reads better on `colour`."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


@dataclass(frozen=True)
class Segment:
    """One bar, or one coloured part of a stacked bar: what it counts, from x, how wide."""

    name: str
    count: int
    colour: str
    x: float
    width: float

    @property
    def ink(self) -> str:
        """The colour of a number written on the segment."""
        return _ink(self.colour)


@dataclass(frozen=True)
class Row:
    """One labelled line of a chart, its top at y: `label` whole (for tooltips), `shown` as drawn."""

    label: str
    shown: str
    y: float
    segments: list[Segment]
    end: float = 0.0  # where the last segment ends
    total: int = 0


@dataclass(frozen=True)
class Group:
    """Rows under a heading in the group's colour (grouped bars)."""

    heading: str
    colour: str
    y: float
    rows: list[Row]


@dataclass(frozen=True)
class Swatch:
    """A legend entry: a colour and its label, at (x, y)."""

    label: str
    colour: str
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    """A chart laid out: `kind` names the macro of _report_charts.svg.html that draws it."""

    kind: str  # stacked, grouped or paired
    ident: str
    title: str
    description: str
    height: float
    label_width: float
    rows: list[Row] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    legend: list[Swatch] = field(default_factory=list)
    width: int = _WIDTH
    font: str = _FONT


def _legend(items: Sequence[tuple[str, str]], y: float) -> tuple[list[Swatch], float]:
    """Swatches with labels, wrapped over lines; returns them and the y below them."""
    swatches, x = [], 0.0
    for label, colour in items:
        width = 14 + 6 + _text_width(label) + 18
        if x and x + width > _WIDTH:
            x, y = 0.0, y + 20
        swatches.append(Swatch(label, colour, x, y))
        x += width
    return swatches, y + 20


def stacked_bars(ident: str, title: str, bars: Sequence[tuple[str, Sequence[tuple[str, int, str]]]],
                 unit: str) -> Chart:
    """One horizontal bar per item, split into coloured segments (label, count, colour)."""
    label_width = min(260.0, max(_text_width(label) for label, _ in bars) + 12)
    area = _WIDTH - label_width - 60
    total_max = max(sum(count for _, count, _ in segments) for _, segments in bars) or 1
    rows, y, described = [], 4.0, []
    for label, segments in bars:
        drawn, x = [], label_width
        for name, count, colour in segments:
            if count:
                drawn.append(Segment(name, count, colour, x, area * count / total_max))
                x += drawn[-1].width
        rows.append(Row(label, _clip(label, label_width - 12), y, drawn, end=x, total=sum(s.count for s in drawn)))
        described.append(f"{label}: " + ", ".join(f"{count} {name}" for name, count, _ in segments if count))
        y += 34
    legend, y = _legend(list(dict.fromkeys((name, colour) for _, segments in bars for name, _, colour in segments)),
                        y + 4)
    return Chart("stacked", ident, title, f"{title} ({unit}). " + "; ".join(described) + ".", y + 4, label_width,
                 rows=rows, legend=legend)


def grouped_bars(ident: str, title: str, groups: Sequence[tuple[str, str, Sequence[tuple[str, int]]]],
                 unit: str) -> Chart:
    """Horizontal bars under group headings: (heading, colour, [(label, count)])."""
    labels = [label for _, _, bars in groups for label, _ in bars]
    label_width = min(280.0, max(_text_width(label) for label in labels) + 24)
    area = _WIDTH - label_width - 50
    top = max((count for _, _, bars in groups for _, count in bars), default=0) or 1
    laid_out, y, described = [], 0.0, []
    for heading, colour, bars in groups:
        group = Group(heading, colour, y, [])
        y += 22
        for label, count in bars:
            bar = Segment(label, count, colour, label_width, max(area * count / top, 1.5))
            group.rows.append(Row(label, _clip(label, label_width - 20), y, [bar]))
            y += 24
        laid_out.append(group)
        described.append(f"{heading}: " + ", ".join(f"{count} {label}" for label, count in bars))
        y += 8
    return Chart("grouped", ident, title, f"{title} ({unit}). " + "; ".join(described) + ".", y, label_width,
                 groups=laid_out)


def paired_bars(ident: str, title: str, series: Sequence[tuple[str, str]],
                categories: Sequence[tuple[str, Sequence[int]]]) -> Chart:
    """For each category a bar per series (thin bars one under the other), with a legend on top."""
    label_width = min(280.0, max(_text_width(label) for label, _ in categories) + 16)
    area = _WIDTH - label_width - 50
    top = max((v for _, values in categories for v in values), default=0) or 1
    legend, y = _legend(series, 0.0)
    y += 4
    rows, described = [], []
    for label, values in categories:
        # a zero is written but not drawn: its segment has no width and the template draws no bar
        bars = [Segment(name, value, colour, label_width, area * value / top)
                for (name, colour), value in zip(series, values, strict=True)]
        rows.append(Row(label, _clip(label, label_width - 12), y, bars))
        described.append(f"{label}: " + ", ".join(f"{v} {name}" for (name, _), v in zip(series, values, strict=True)))
        y += 14 * len(values) + 8
    return Chart("paired", ident, title, f"{title}. " + "; ".join(described) + ".", y, label_width,
                 rows=rows, legend=legend)
