"""Citable releases: the public dataset frozen under a version, with checksums, DCAT and citation files.

`driehoek release VERSION` (also while the server runs: it reads the newest published snapshot, which
any number of processes may open read-only) writes ``{data_dir}/releases/{VERSION}/``:

- ``driehoek-{VERSION}.nq.gz`` and ``driehoek-{VERSION}.trig.gz``: every public, not withdrawn graph,
  quads sorted, gzip without a time stamp, so the same dataset gives the same bytes;
- ``SHA256SUMS`` (``sha256sum -c`` reads it), ``release.ttl`` (a DCAT description of the release and
  its distributions, with sizes and checksums), ``CITATION.cff`` and ``driehoek-{VERSION}.bib``;
- ``release.json``: the same facts for programs (and for the server, which lists releases from it).

A release is written next to its final place and renamed into it, so it appears whole or not at all,
and it is never changed afterwards: a paper that cites ``{base}release/{VERSION}`` gets the same
bytes back a year later. Resources answer as they were in a release at ``?release={VERSION}``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import BadRequest, Conflict, NotFound
from .iris import DCTERMS, RDF_TYPE, XSD

DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
OWL = "http://www.w3.org/2002/07/owl#"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
# A version names a directory and a URL segment: letters, digits, dots and dashes, like 2026.1 or 1.0.0-rc1.
VERSION = re.compile(r"[0-9A-Za-z](?:[0-9A-Za-z.\-]{0,38}[0-9A-Za-z])?")
PREFIXES = {
    "dh": "https://w3id.org/driehoek/def#", "dcterms": DCTERMS, "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "schema": "https://schema.org/", "xsd": XSD,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "prov": "http://www.w3.org/ns/prov#",
}


@dataclass(frozen=True)
class Release:
    """One release as its release.json tells it."""

    version: str
    issued: str
    triples: int
    graphs: int
    files: dict[str, dict[str, Any]]  # file name -> {"bytes", "sha256", "mediaType"}
    directory: Path
    title: str = ""
    licence: str = CC0

    def iri(self, base_iri: str) -> str:
        """The release's IRI (and its landing page under any host the server answers on)."""
        return f"{base_iri}release/{self.version}"

    @property
    def dump(self) -> Path:
        """The N-Quads file, the release's dataset."""
        return self.directory / f"driehoek-{self.version}.nq.gz"


def check_version(version: str) -> str:
    """The version, or a clear error when it cannot name a release."""
    if not VERSION.fullmatch(version):
        raise BadRequest(f"{version!r} is not a release version: use letters, digits, dots and dashes "
                         "(at most 40, starting and ending with a letter or digit), e.g. 2026.1 or 1.0.0")
    return version


def releases_dir(data_dir: Path) -> Path:
    return data_dir / "releases"


def make_release(snapshot: ox.Store, withdrawn: Iterable[str], data_dir: Path, base_iri: str, version: str, *,
                 issued: date | None = None, title: str = "", licence: str = CC0,
                 progress: Callable[[str], None] | None = None) -> Release:
    """Freeze the public graphs of `snapshot` (minus `withdrawn`) as release `version`."""
    check_version(version)
    root = releases_dir(data_dir)
    final = root / version
    if final.exists():
        raise Conflict(f"release {version} exists already: a release is never changed; choose a new version")
    root.mkdir(parents=True, exist_ok=True)
    hidden = set(withdrawn)
    graphs = sorted(g.value for g in snapshot.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in hidden)
    if progress:
        progress(f"reading {len(graphs)} public graphs")
    quads = sorted((q for g in graphs for q in snapshot.quads_for_pattern(None, None, None, ox.NamedNode(g))), key=str)
    issued_on = (issued or date.today()).isoformat()
    work = Path(tempfile.mkdtemp(dir=root, prefix=f".{version}."))
    try:
        files: dict[str, dict[str, Any]] = {}
        name = f"driehoek-{version}"
        if progress:
            progress(f"writing {len(quads)} quads")
        for suffix, fmt, media in ((".nq.gz", ox.RdfFormat.N_QUADS, "application/n-quads"),
                                   (".trig.gz", ox.RdfFormat.TRIG, "application/trig")):
            data = ox.serialize(quads, format=fmt, **({"prefixes": PREFIXES} if fmt == ox.RdfFormat.TRIG else {}))
            files[name + suffix] = _write(work / (name + suffix), gzip.compress(data or b"", 9, mtime=0), media)
        release = Release(version, issued_on, len(quads), len(graphs), files, final, title, licence)
        sums = "".join(f"{f['sha256']}  {n}\n" for n, f in sorted(files.items()))
        _write(work / "SHA256SUMS", sums.encode(), "text/plain")
        _write(work / "release.ttl", ox.serialize(dcat(release, base_iri), format=ox.RdfFormat.TURTLE, prefixes={
            "dcat": DCAT, "dcterms": DCTERMS, "spdx": SPDX, "owl": OWL, "xsd": XSD}), "text/turtle")
        _write(work / "CITATION.cff", citation_cff(release, base_iri).encode(), "application/x-yaml")
        _write(work / f"{name}.bib", bibtex(release, base_iri).encode(), "application/x-bibtex")
        (work / "release.json").write_text(json.dumps({
            "version": version, "issued": issued_on, "title": title, "licence": licence,
            "triples": len(quads), "graphs": len(graphs), "files": files}, indent=2, sort_keys=True) + "\n")
        for item in work.iterdir():
            item.chmod(0o644)
        work.chmod(0o755)
        os.rename(work, final)  # whole or not at all; fails if another process made the same version first
    except OSError as err:
        shutil.rmtree(work, ignore_errors=True)
        if final.exists():
            raise Conflict(f"release {version} exists already") from err
        raise
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return read_release(final)


def _write(path: Path, data: bytes, media_type: str) -> dict[str, Any]:
    path.write_bytes(data)
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "mediaType": media_type}


def read_release(directory: Path) -> Release:
    """A release from its release.json."""
    meta = json.loads((directory / "release.json").read_text("utf-8"))
    return Release(meta["version"], meta["issued"], int(meta["triples"]), int(meta["graphs"]), dict(meta["files"]),
                   directory, meta.get("title", ""), meta.get("licence", CC0))


def list_releases(data_dir: Path) -> list[Release]:
    """Every complete release, newest first (by issue date, then version)."""
    root = releases_dir(data_dir)
    found = []
    for item in root.iterdir() if root.is_dir() else ():
        if item.name.startswith(".") or not (item / "release.json").is_file():
            continue  # one being written, or not a release
        try:
            found.append(read_release(item))
        except (OSError, ValueError, KeyError):
            continue
    return sorted(found, key=lambda r: (r.issued, r.version), reverse=True)


def find_release(data_dir: Path, version: str) -> Release:
    """The release `version`, or 404."""
    directory = releases_dir(data_dir) / check_version(version)
    if not (directory / "release.json").is_file():
        raise NotFound(f"there is no release {version}; the releases are listed at /releases")
    return read_release(directory)


@functools.lru_cache(maxsize=2)
def _release_store(path: str, size: int) -> ox.Store:
    store = ox.Store()  # in memory: a release is read whole, once per process (two at a time at most)
    with gzip.open(path, "rb") as data:
        store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    return store


def release_store(release: Release) -> ox.Store:
    """The release's dataset as a read-only in-memory store (cached)."""
    return _release_store(str(release.dump), release.dump.stat().st_size)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def dcat(release: Release, base_iri: str) -> list[ox.Triple]:
    """DCAT: the release as a versioned dcat:Dataset with its distributions, sizes and checksums."""
    node = _n(release.iri(base_iri))
    text = ox.Literal
    out = [
        ox.Triple(node, _n(RDF_TYPE), _n(DCAT + "Dataset")),
        ox.Triple(node, _n(DCTERMS + "title"), text(f"driehoek {release.version}", language="en")),
        ox.Triple(node, _n(DCTERMS + "isVersionOf"), _n(base_iri)),
        ox.Triple(node, _n(DCAT + "version"), text(release.version)),
        ox.Triple(node, _n(OWL + "versionInfo"), text(release.version)),
        ox.Triple(node, _n(DCTERMS + "issued"), text(release.issued, datatype=_n(XSD + "date"))),
        ox.Triple(node, _n(DCTERMS + "license"), _n(release.licence)),
        ox.Triple(node, _n(DCTERMS + "description"), text(
            f"The public graphs of driehoek, frozen as release {release.version}: {release.triples} triples in "
            f"{release.graphs} named graphs.", language="en")),
    ]
    if release.title:
        out.append(ox.Triple(node, _n(DCTERMS + "alternative"), text(release.title)))
    for name, info in sorted(release.files.items()):
        dist = _n(f"{release.iri(base_iri)}/{name}")
        checksum = ox.BlankNode(hashlib.sha256(name.encode()).hexdigest()[:16])
        out += [
            ox.Triple(node, _n(DCAT + "distribution"), dist),
            ox.Triple(dist, _n(RDF_TYPE), _n(DCAT + "Distribution")),
            ox.Triple(dist, _n(DCAT + "downloadURL"), dist),
            ox.Triple(dist, _n(DCAT + "mediaType"), text(info["mediaType"])),
            ox.Triple(dist, _n(DCAT + "compressFormat"), text("application/gzip")),
            ox.Triple(dist, _n(DCAT + "byteSize"), text(str(info["bytes"]), datatype=_n(XSD + "nonNegativeInteger"))),
            ox.Triple(dist, _n(SPDX + "checksum"), checksum),
            ox.Triple(checksum, _n(RDF_TYPE), _n(SPDX + "Checksum")),
            ox.Triple(checksum, _n(SPDX + "algorithm"), _n(SPDX + "checksumAlgorithm_sha256")),
            ox.Triple(checksum, _n(SPDX + "checksumValue"), text(info["sha256"], datatype=_n(XSD + "hexBinary"))),
        ]
    return out


def citation_cff(release: Release, base_iri: str) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for the release; the author is the project, never a person."""
    title = release.title or "driehoek: a knowledge graph of Dutch public governance"
    return (
        "cff-version: 1.2.0\n"
        "message: \"If you use this dataset, please cite this release.\"\n"
        "type: dataset\n"
        f"title: {json.dumps(title)}\n"
        f"version: {json.dumps(release.version)}\n"
        f"date-released: {release.issued}\n"
        f"url: {json.dumps(release.iri(base_iri))}\n"
        f"license-url: {json.dumps(release.licence)}\n"
        "authors:\n"
        "  - name: \"driehoek\"\n"
    )


def bibtex(release: Release, base_iri: str) -> str:
    """A BibTeX @misc entry for the release."""
    title = (release.title or "driehoek: a knowledge graph of Dutch public governance").replace("{", "").replace("}", "")
    key = "driehoek-" + re.sub(r"[^0-9A-Za-z]", "-", release.version)
    return (
        f"@misc{{{key},\n"
        f"  title = {{{{{title}}}}},\n"
        "  author = {{driehoek}},\n"
        f"  year = {{{release.issued[:4]}}},\n"
        f"  version = {{{release.version}}},\n"
        f"  url = {{{release.iri(base_iri)}}},\n"
        f"  note = {{Release {release.version}, issued {release.issued}}}\n"
        "}\n"
    )
