"""The yearly "Staat van de Uitvoering"-style report, built from the graph.

Every figure of the report is the answer of one named query in queries/ (`report-*.rq`, each with
one parameter `year`), run in-process on the newest snapshot; the report adds nothing but sums and
row counts of those answers (the key figures), and says for each which query and which measure.
So anyone can reproduce a number: run `driehoek query --name NAME --param year=YYYY`, or follow the
figure's link to `/queries/NAME?year=YYYY`.

Outputs, all from one `Report`:
- HTML in Dutch or English (`render_html`): a standalone document with its own print CSS, or the
  body for the site's page layout; charts are inline SVG with a text alternative, and every number
  is also in a table, as `<data value=N data-query=NAME data-row=I data-column=VAR>`;
- PDF (`render_pdf`) through WeasyPrint (it needs Debian's Pango: libpango-1.0-0, libpangoft2-1.0-0);
- JSON (`Report.to_json`): one document with every figure's rows, exactly the query's solutions
  (numbers for numeric literals, strings for IRIs, dates and labels, null where unbound);
- CSV (`Report.to_csv`): the same in long format, one value a line:
  `figure,query,row,column,value` (row counts from 1 in the query's order).

No flask here: the CLI (`driehoek report`) and the web (`/monitor/<year>`) both call these functions.

One module per concern: model.py (the figures, the key figures, `Report`, JSON and CSV), build.py
(the queries run on a snapshot), views.py (tables, charts and notes in one language, `Links`),
charts.py (the SVG charts laid out; web/templates/_report_charts.svg.html draws them) and render.py
(HTML and PDF). The names callers use are re-exported here.
"""

from __future__ import annotations

from .build import build_report, literal_value, report_for_year
from .charts import Chart, Group, Row, Segment, Swatch, grouped_bars, paired_bars, stacked_bars
from .model import (CSV, FIGURES, KEY_FIGURES, LANGUAGES, PDF, Figure, FigureSpec, KeyFigure, KeySpec, Report, Text,
                    Value)
from .render import pdf_available, render_html, render_pdf, report_css
from .views import (CellView, FigureView, KeyFigureView, Links, ReportView, format_date, format_number,
                    report_view)
from .views import _label  # noqa: F401  (private, but tests/test_visual.py reads labels the way the report does)

__all__ = ["CSV", "PDF", "FIGURES", "KEY_FIGURES", "Figure", "KeyFigure", "Links", "Report", "build_report", "pdf_available",
           "render_html", "render_pdf", "report_css", "report_for_year",
           # the parts, for callers that lay out or present a report themselves
           "Value", "Text", "LANGUAGES", "FigureSpec", "KeySpec", "literal_value", "format_date", "format_number",
           "CellView", "FigureView", "KeyFigureView", "ReportView", "report_view",
           "Chart", "Group", "Row", "Segment", "Swatch", "stacked_bars", "grouped_bars", "paired_bars"]
