"""The gate's verdict: `Result` and `Report`, read from pyshacl's sh:ValidationReport."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import rdflib
from rdflib.namespace import RDF, SH

SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True)
class Result:
    """One SHACL validation result, in plain strings."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    messages: dict[str, str]
    shape: str | None
    constraint: str | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "severity": self.severity, "focus": self.focus, "path": self.path, "value": self.value,
            "message": self.message, "messages": self.messages, "shape": self.shape,
            "constraint": self.constraint,
        }


@dataclass
class Report:
    """The gate's verdict on one upload: violations block it, warnings do not."""

    results: list[Result] = field(default_factory=list)
    graph: rdflib.Graph | None = None  # the sh:ValidationReport as RDF (built from `serialised` when asked for)
    source: str = "input"
    serialised: list[str] = field(default_factory=list)  # the workers' reports as N-Triples, one per chunk

    @property
    def violations(self) -> list[Result]:
        """Results that block the write."""
        return [r for r in self.results if r.severity == "violation"]

    @property
    def warnings(self) -> list[Result]:
        """Results worth reading that do not block the write."""
        return [r for r in self.results if r.severity != "violation"]

    @property
    def conforms(self) -> bool:
        """True when nothing blocks the write (warnings allowed)."""
        return not self.violations

    @property
    def outcome(self) -> str:
        """conforms | warnings | violations, for provenance."""
        if self.violations:
            return "violations"
        return "warnings" if self.results else "conforms"

    def to_json(self) -> dict[str, Any]:
        """{"conforms", "violations", "warnings", "results": [...]}."""
        return {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "results": [r.to_json() for r in self.results],
        }

    def report_graph(self) -> rdflib.Graph:
        """The sh:ValidationReport as RDF: the chunks' reports in one graph, sh:conforms for all of them."""
        if self.graph is None:
            self.graph = _merged_reports(self.serialised, self.conforms) if self.serialised else _empty_report()
        return self.graph

    def to_turtle(self) -> str:
        """The sh:ValidationReport in Turtle."""
        return self.report_graph().serialize(format="turtle")

    def to_text(self) -> str:
        """A report a person can act on: one paragraph per result, violations first."""
        if not self.results:
            return f"{self.source}: conforms to the shapes\n"
        lines = [f"{self.source}: {len(self.violations)} violation(s), {len(self.warnings)} warning(s)"]
        for r in sorted(self.results, key=lambda r: (r.severity != "violation", r.focus)):
            where = f" {r.path}" if r.path else ""
            value = f" (value: {r.value})" if r.value is not None else ""
            lines.append(f"  {r.severity.upper()}: <{r.focus}>{where}{value}\n    {r.message}")
        return "\n".join(lines) + "\n"


def _empty_report() -> rdflib.Graph:
    graph = rdflib.Graph()
    node = rdflib.BNode()
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, rdflib.Literal(True)))
    return graph


def _merged_reports(parts: list[str], conforms: bool) -> rdflib.Graph:
    """The workers' reports (N-Triples) in one graph; each report's sh:conforms is the verdict on all."""
    graph = rdflib.Graph()
    for part in parts:
        graph.parse(data=part, format="nt")  # blank nodes are the document's own: chunks do not clash
    if len(parts) > 1:
        graph.remove((None, SH.conforms, None))
        for node in graph.subjects(RDF.type, SH.ValidationReport):
            graph.add((node, SH.conforms, rdflib.Literal(conforms)))
    return graph


def _results(graph: rdflib.Graph) -> list[Result]:
    results = []
    # the report's own results; nested sh:detail results (of a failing sh:node) only explain them
    for node in graph.objects(None, SH.result):
        messages: dict[str, str] = {}
        for message in graph.objects(node, SH.resultMessage):
            lang = getattr(message, "language", None) or "und"
            messages.setdefault(lang, str(message))
        text = messages.get("en") or messages.get("und") or next(iter(messages.values()), "")
        results.append(Result(
            severity=SEVERITIES.get(graph.value(node, SH.resultSeverity), "violation"),
            focus=_text(graph.value(node, SH.focusNode)) or "",
            path=_text(graph.value(node, SH.resultPath)),
            value=_text(graph.value(node, SH.value)),
            message=text,
            messages=messages,
            shape=_text(graph.value(node, SH.sourceShape)),
            constraint=_text(graph.value(node, SH.sourceConstraintComponent)),
        ))
    results.sort(key=lambda r: (r.severity != "violation", r.focus, r.path or "", r.message))
    return results


def _text(term: rdflib.term.Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


def report_json(report: Report) -> str:
    """The report as a JSON document."""
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2)
