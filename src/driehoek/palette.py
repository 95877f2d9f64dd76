"""driehoek's one palette: the colours of the triangle's corners and of McConnell's rating scale.

They are defined once, as CSS custom properties on `:root` in web/static/driehoek.css, where every
page of the site uses them (`var(--supervision)`, `var(--rating-5)`). The report's SVG charts must
also stand alone (a file, a PDF printed without the site's stylesheet), so they carry the colours as
fill attributes: this module reads them from the same stylesheet, with a CSS parser (tinycss2, which
WeasyPrint brings), so that site, charts and report cannot drift apart.
"""

from __future__ import annotations

import functools
from pathlib import Path

import tinycss2

STYLESHEET = Path(__file__).resolve().parent / "web" / "static" / "driehoek.css"
# corner slug (the SKOS concept's last segment) -> custom property
CORNER_PROPERTIES = {"politiek-en-beleid": "--politics", "uitvoering": "--implementation", "toezicht": "--supervision"}
# rank on McConnell's scale (5 success .. 1 failure) -> custom property
RATING_PROPERTIES = {rank: f"--rating-{rank}" for rank in (5, 4, 3, 2, 1)}


@functools.cache
def custom_properties(stylesheet: Path = STYLESHEET) -> dict[str, str]:
    """The custom properties (`--name: value`) declared on `:root` in a stylesheet, values as written."""
    rules = tinycss2.parse_stylesheet(stylesheet.read_text(encoding="utf-8"), skip_comments=True,
                                      skip_whitespace=True)
    found: dict[str, str] = {}
    for rule in rules:
        if rule.type != "qualified-rule" or tinycss2.serialize(rule.prelude).strip() != ":root":
            continue
        for declaration in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
            if declaration.type == "declaration" and declaration.name.startswith("--"):
                found[declaration.name] = tinycss2.serialize(declaration.value).strip()
    return found


def _colour(prop: str) -> str:
    value = custom_properties().get(prop)
    if value is None:
        raise LookupError(f"{STYLESHEET.name} declares no {prop} on :root: the palette is defined there")
    return value


def corner_colours() -> dict[str, str]:
    """Corner slug -> colour (#rrggbb)."""
    return {slug: _colour(prop) for slug, prop in CORNER_PROPERTIES.items()}


def rating_colours() -> dict[int, str]:
    """Rank (5 success .. 1 failure) -> colour (#rrggbb)."""
    return {rank: _colour(prop) for rank, prop in RATING_PROPERTIES.items()}
