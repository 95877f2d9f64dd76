"""Language of the HTML pages: Dutch or English, chosen by ?lang=, then a cookie, then Accept-Language.

Templates get `lang`, `t(nl, en)` for inline text and `label(labels)` to pick a literal in the chosen
language with a fallback. Every template extends base.html, which carries the language switch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request

LANGUAGES = ("nl", "en")
COOKIE = "lang"


def current_language() -> str:
    """nl or en for this request."""
    if "lang" in g:
        return str(g.lang)
    wanted = request.args.get("lang") or request.cookies.get(COOKIE)
    if wanted not in LANGUAGES:
        wanted = request.accept_languages.best_match(LANGUAGES) or "nl"
    g.lang = wanted
    return wanted


def t(nl: str, en: str) -> str:
    """The text in the current language."""
    return nl if current_language() == "nl" else en


def label(labels: Mapping[str, str] | None, fallback: str = "") -> str:
    """A label in the current language, else the other one, else any, else the fallback."""
    if not labels:
        return fallback
    lang = current_language()
    for key in (lang, *(x for x in LANGUAGES if x != lang), ""):
        if labels.get(key):
            return labels[key]
    return next(iter(labels.values()), fallback)


def init_app(app: Flask) -> None:
    """Register the template helpers and remember an explicit ?lang= in a cookie."""

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {"lang": current_language(), "t": t, "label": label}

    @app.after_request
    def _remember(response: Response) -> Response:
        chosen = request.args.get("lang")
        if chosen in LANGUAGES:
            response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
