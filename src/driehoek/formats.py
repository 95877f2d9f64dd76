"""The one table of formats: media type <-> pyoxigraph format <-> file suffix <-> short name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import QueryResultsFormat, RdfFormat


@dataclass(frozen=True)
class Format:
    """A serialisation driehoek reads or writes."""

    name: str  # short name for ?format= and --format
    media_type: str
    suffix: str
    rdf: RdfFormat | None = None
    results: QueryResultsFormat | None = None
    aliases: tuple[str, ...] = ()  # other media types clients send for the same thing

    @property
    def is_dataset(self) -> bool:
        """True for formats that carry named graphs (TriG, N-Quads)."""
        return self.rdf is not None and self.rdf.supports_datasets

    @property
    def content_type(self) -> str:
        """The Content-Type header value to send."""
        textual = self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml"))
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


TURTLE = Format("turtle", "text/turtle", ".ttl", rdf=RdfFormat.TURTLE, aliases=("application/x-turtle",))
NTRIPLES = Format("ntriples", "application/n-triples", ".nt", rdf=RdfFormat.N_TRIPLES)
NQUADS = Format("nquads", "application/n-quads", ".nq", rdf=RdfFormat.N_QUADS, aliases=("text/x-nquads",))
TRIG = Format("trig", "application/trig", ".trig", rdf=RdfFormat.TRIG)
JSONLD = Format("jsonld", "application/ld+json", ".jsonld", rdf=RdfFormat.JSON_LD)
RDFXML = Format("rdfxml", "application/rdf+xml", ".rdf", rdf=RdfFormat.RDF_XML)
N3 = Format("n3", "text/n3", ".n3", rdf=RdfFormat.N3)

RESULTS_JSON = Format(
    "json", "application/sparql-results+json", ".srj", results=QueryResultsFormat.JSON,
    aliases=("application/json",),
)
RESULTS_XML = Format(
    "xml", "application/sparql-results+xml", ".srx", results=QueryResultsFormat.XML,
    aliases=("application/xml", "text/xml"),
)
RESULTS_CSV = Format("csv", "text/csv", ".csv", results=QueryResultsFormat.CSV)
RESULTS_TSV = Format("tsv", "text/tab-separated-values", ".tsv", results=QueryResultsFormat.TSV)

HTML = Format("html", "text/html", ".html")
JSON = Format("json", "application/json", ".json")

RDF_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML, NQUADS, TRIG, N3)
RESULTS_FORMATS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
# What a graph (CONSTRUCT, DESCRIBE, a resource, a Graph Store GET) can be served as, best first.
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML, NQUADS, TRIG)


class UnknownFormat(ValueError):
    """No format in the table matches a media type, suffix or name."""


def _base_media_type(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def rdf_by_media_type(media_type: str) -> Format:
    """The RDF format for a Content-Type header (parameters such as charset ignored)."""
    wanted = _base_media_type(media_type)
    for fmt in RDF_FORMATS:
        if wanted == fmt.media_type or wanted in fmt.aliases:
            return fmt
    raise UnknownFormat(f"unsupported RDF media type {wanted!r}; use one of "
                        + ", ".join(f.media_type for f in RDF_FORMATS))


def rdf_by_path(path: str | Path) -> Format:
    """The RDF format for a file name, looking through a trailing .gz."""
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = Path(name).suffix
    for fmt in RDF_FORMATS:
        if suffix == fmt.suffix or (fmt is JSONLD and suffix == ".json") or (fmt is RDFXML and suffix in (".owl", ".xml")):
            return fmt
    raise UnknownFormat(
        f"{Path(path).name}: unknown RDF file extension {suffix or '(none)'!r}; use one of "
        + ", ".join(f.suffix for f in RDF_FORMATS)
    )


def by_name(name: str, offered: tuple[Format, ...]) -> Format:
    """A format among `offered` by short name, suffix or media type (for ?format= and --format)."""
    wanted = name.strip().lower().lstrip(".")
    for fmt in offered:
        if wanted in (fmt.name, fmt.suffix.lstrip("."), fmt.media_type, *fmt.aliases):
            return fmt
    raise UnknownFormat(f"unknown format {name!r}; use one of " + ", ".join(f.name for f in offered))
