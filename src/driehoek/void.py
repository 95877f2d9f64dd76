"""The dataset description at /.well-known/void (VoID + DCAT) and the public dump it links to."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

import pyoxigraph as ox

from . import formats
from .iris import DCTERMS, RDF_TYPE, XSD

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def describe(base_iri: str, site: str, snapshot: ox.Store, withdrawn: Iterable[str] = (),
             releases: Iterable[Any] = ()) -> list[ox.Triple]:
    """VoID/DCAT triples for the public dataset: size, endpoints, dump, vocabulary, licence, and its
    citable releases (release.Release) as versions."""
    hidden = set(withdrawn)
    dataset = _n(base_iri)
    graphs = [g for g in snapshot.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in hidden]
    # counted by the store (a remote one included), not by fetching every quad
    counted = snapshot.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=graphs) \
        if graphs else None
    triples_count = int(next(iter(counted))["n"].value) if counted is not None else 0
    dump = _n(site + "dump.nq")
    out = [
        ox.Triple(dataset, _n(RDF_TYPE), _n(VOID + "Dataset")),
        ox.Triple(dataset, _n(RDF_TYPE), _n(DCAT + "Dataset")),
        ox.Triple(dataset, _n(DCTERMS + "title"), ox.Literal("driehoek: kennisgraaf van het openbaar bestuur", language="nl")),
        ox.Triple(dataset, _n(DCTERMS + "title"), ox.Literal("driehoek: a knowledge graph of Dutch public governance", language="en")),
        ox.Triple(dataset, _n(DCTERMS + "description"), ox.Literal(
            "Organisations of the Dutch national register (ROO), their relations over time (accountability, "
            "supervision), success stories of implementation judged on four criteria, the learning community "
            "and the monitor Staat van de Uitvoering.", language="en")),
        ox.Triple(dataset, _n(VOID + "sparqlEndpoint"), _n(site + "sparql")),
        ox.Triple(dataset, _n(VOID + "dataDump"), dump),
        ox.Triple(dataset, _n(VOID + "uriSpace"), ox.Literal(base_iri + "id/")),
        ox.Triple(dataset, _n(VOID + "vocabulary"), _n("https://w3id.org/driehoek/def#")),
        ox.Triple(dataset, _n(VOID + "triples"), ox.Literal(str(triples_count), datatype=_n(XSD + "integer"))),
        ox.Triple(dataset, _n(FOAF + "homepage"), _n(site)),
        ox.Triple(dataset, _n(DCAT + "distribution"), dump),
        ox.Triple(dump, _n(RDF_TYPE), _n(DCAT + "Distribution")),
        ox.Triple(dump, _n(DCAT + "downloadURL"), dump),
        ox.Triple(dump, _n(DCAT + "mediaType"), ox.Literal("application/n-quads")),
        ox.Triple(dataset, _n(DCTERMS + "source"), _n("https://organisaties.overheid.nl/")),
    ]
    for graph in graphs:
        out.append(ox.Triple(dataset, _n(VOID + "subset"), graph))
    for release in releases:
        version = _n(release.iri(base_iri))
        out += [
            ox.Triple(dataset, _n(DCTERMS + "hasVersion"), version),
            ox.Triple(version, _n(RDF_TYPE), _n(DCAT + "Dataset")),
            ox.Triple(version, _n(DCTERMS + "isVersionOf"), dataset),
            ox.Triple(version, _n(DCAT + "version"), ox.Literal(release.version)),
            ox.Triple(version, _n(DCTERMS + "issued"), ox.Literal(release.issued, datatype=_n(XSD + "date"))),
        ]
    return out


def dump_public(snapshot: ox.Store, output: IO[bytes], withdrawn: Iterable[str] = ()) -> None:
    """Every public, not withdrawn, graph of the snapshot as N-Quads (private ones are not in it)."""
    hidden = set(withdrawn)

    def quads() -> Iterator[ox.Quad]:
        for graph in snapshot.named_graphs():
            if isinstance(graph, ox.NamedNode) and graph.value in hidden:
                continue
            yield from snapshot.quads_for_pattern(None, None, None, graph)

    ox.serialize(quads(), output, ox.RdfFormat.N_QUADS)


def serialize(triples: list[ox.Triple], fmt: formats.Format) -> bytes:
    """The description in one graph format (in TriG / N-Quads: the default graph)."""
    assert fmt.rdf is not None
    if fmt.is_dataset:
        return ox.serialize((ox.Quad(t.subject, t.predicate, t.object) for t in triples), format=fmt.rdf)
    return ox.serialize(triples, format=fmt.rdf,
                        prefixes={"void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "foaf": FOAF})
