"""The report rendered: HTML through Jinja (report.html), PDF through WeasyPrint."""

from __future__ import annotations

import functools

import jinja2

from ..errors import ServiceUnavailable
from .model import Report
from .views import Links, report_view

# -- rendering ------------------------------------------------------------------------------------

@functools.cache
def _environment() -> jinja2.Environment:
    """Jinja for report.html, outside Flask (the CLI has no app); the site's page wraps the body part."""
    return jinja2.Environment(loader=jinja2.PackageLoader("driehoek", "web/templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def render_html(report: Report, lang: str, links: Links, *, part: str = "document", appendix: bool = True,
                alternates: dict[str, str] | None = None) -> str:
    """The report as HTML: the whole standalone document, or just its "body" for the site layout.

    `alternates` maps json, csv and pdf to links shown at the top of the report.
    """
    view = report_view(report, lang, links, appendix=appendix)
    return _environment().get_template("report.html").render(
        view=view, part=part, alternates=alternates or {}, t=lambda nl, en: nl if lang == "nl" else en)


def report_css() -> str:
    """The report's stylesheet alone (the site serves it as a file: its CSP allows no inline styles)."""
    return _environment().get_template("report.html").render(part="css")


def pdf_available() -> str | None:
    """None when PDFs can be made here, else the reason (WeasyPrint or Pango missing)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as err:
        return (f"PDF output needs WeasyPrint and Debian's Pango (apt-get install libpango-1.0-0 "
                f"libpangoft2-1.0-0): {err}")
    return None


def render_pdf(report: Report, lang: str, links: Links) -> bytes:
    """The standalone report printed to PDF by WeasyPrint (A4, print CSS, vector charts)."""
    reason = pdf_available()
    if reason:
        raise ServiceUnavailable(reason)
    import logging

    import weasyprint

    # WeasyPrint logs every CSS property it ignores; the report's CSS is for browsers too
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    html = render_html(report, lang, links, part="document", appendix=True)
    return weasyprint.HTML(string=html, base_url=links.site or links.base_iri).write_pdf()
