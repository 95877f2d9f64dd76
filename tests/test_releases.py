"""Citable releases (issue 18, point 1): `driehoek release` while the server runs, the frozen files with
their checksums, DCAT and citation files, the list in VoID and on a page, and a release replayed against
a store that has changed since: the same bytes, and resources as they were."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from .conftest import Cli
from .stewards import BASE, GRAPHS, Steward, case_turtle, make_data_dir, running

VERSION = "2026.1"
CASE = BASE + "id/case/released"
CASE_GRAPH = GRAPHS + "cases/released"
PRIVATE_GRAPH = GRAPHS + "private/release-canary"
CANARY = "release-canary-5f1c"  # a private literal: in no release file, ever


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Steward, Path, dict]]:
    data_dir = tmp_path_factory.mktemp("releases") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        steward = Steward(server, token)
        assert steward.put(CASE_GRAPH, case_turtle("released", "Voor de release")).status_code == 201
        assert steward.put(PRIVATE_GRAPH, f'<http://example.org/x> <http://example.org/note> "{CANARY}" .').status_code == 201
        before = {"dump": requests.get(server.url + "/dump.nq", timeout=60).content,
                  "case": steward.get(CASE_GRAPH).content}
        result = Cli(data_dir)("release", VERSION, "--date", "2026-12-01")  # while the server runs
        assert result.exit_code == 0, result.output
        before["stdout"] = result.stdout
        yield steward, data_dir, before


def _files(data_dir: Path) -> Path:
    return data_dir / "releases" / VERSION


def test_the_release_holds_the_public_dataset_and_nothing_private(released: tuple[Steward, Path, dict]) -> None:
    _steward, data_dir, before = released
    directory = _files(data_dir)
    nquads = gzip.decompress((directory / f"driehoek-{VERSION}.nq.gz").read_bytes())
    public = sorted(before["dump"].splitlines())
    assert sorted(nquads.splitlines()) == public  # exactly the public dump of that moment
    assert nquads.splitlines() == sorted(nquads.splitlines())  # sorted: the same data gives the same bytes
    trig = ox.Store()
    trig.load(gzip.decompress((directory / f"driehoek-{VERSION}.trig.gz").read_bytes()), format=ox.RdfFormat.TRIG)
    assert len(trig) == len(public)
    for item in directory.iterdir():
        assert CANARY.encode() not in item.read_bytes()
        assert CANARY.encode() not in (gzip.decompress(item.read_bytes()) if item.suffix == ".gz" else b"")


def test_checksums_description_and_citation_agree(released: tuple[Steward, Path, dict]) -> None:
    _steward, data_dir, before = released
    directory = _files(data_dir)
    sums = dict(reversed(line.split("  ")) for line in (directory / "SHA256SUMS").read_text().splitlines())
    meta = json.loads((directory / "release.json").read_text())
    assert set(sums) == set(meta["files"]) == {f"driehoek-{VERSION}.nq.gz", f"driehoek-{VERSION}.trig.gz"}
    for name, digest in sums.items():
        data = (directory / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest == meta["files"][name]["sha256"]
        assert len(data) == meta["files"][name]["bytes"]
        assert f"{digest}  {name}" in before["stdout"]  # the command printed them
    dcat = rdflib.Graph().parse(directory / "release.ttl", format="turtle")
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    assert {str(v) for v in dcat.objects(None, spdx.checksumValue)} == set(sums.values())
    cff = (directory / "CITATION.cff").read_text()
    assert f'version: "{VERSION}"' in cff and "date-released: 2026-12-01" in cff
    assert f"url = {{{BASE}release/{VERSION}}}" in (directory / f"driehoek-{VERSION}.bib").read_text()


def test_a_release_replays_against_a_changed_store(released: tuple[Steward, Path, dict]) -> None:
    steward, data_dir, _before = released
    url = steward.url
    original = requests.get(f"{url}/doc/case/released.ttl", params={"release": VERSION}, timeout=60)
    assert original.status_code == 200
    # the store changes: the case gets a new title, then a new case appears
    assert steward.put(CASE_GRAPH, case_turtle("released", "Na de release")).status_code in (200, 204)
    assert steward.put(GRAPHS + "cases/later", case_turtle("later", "Later")).status_code == 201
    meta = json.loads((_files(data_dir) / "release.json").read_text())
    for name, info in meta["files"].items():
        response = requests.get(f"{url}/release/{VERSION}/{name}", timeout=60)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == info["sha256"]  # the same bytes
        assert response.headers["ETag"].strip('"') == info["sha256"]
    now = rdflib.Graph().parse(data=requests.get(f"{url}/doc/case/released.ttl", timeout=60).text, format="turtle")
    then = rdflib.Graph().parse(data=requests.get(f"{url}/doc/case/released.ttl", params={"release": VERSION},
                                                  timeout=60).text, format="turtle")
    title = rdflib.URIRef("http://purl.org/dc/terms/title")
    assert rdflib.Literal("Voor de release", lang="nl") in set(then.objects(rdflib.URIRef(CASE), title))
    assert rdflib.Literal("Na de release", lang="nl") in set(now.objects(rdflib.URIRef(CASE), title))
    assert isomorphic(then, rdflib.Graph().parse(data=original.text, format="turtle"))  # as before the change
    # what came after the release is not in it
    later = requests.get(f"{url}/doc/case/later.ttl", params={"release": VERSION}, timeout=60)
    assert later.status_code == 404 and VERSION in later.json()["message"]
    page = requests.get(f"{url}/doc/case/released", params={"release": VERSION}, headers={"Accept": "text/html"},
                        timeout=60)
    assert page.status_code == 200 and "Voor de release" in page.text and f"/release/{VERSION}" in page.text


def test_releases_are_listed_and_described(released: tuple[Steward, Path, dict]) -> None:
    steward, _data_dir, _before = released
    listing = requests.get(steward.url + "/releases", timeout=60).json()["releases"]
    assert [r["version"] for r in listing] == [VERSION]
    void = rdflib.Graph().parse(data=requests.get(steward.url + "/.well-known/void", timeout=60).text,
                                format="turtle")
    assert (rdflib.URIRef(BASE), rdflib.URIRef("http://purl.org/dc/terms/hasVersion"),
            rdflib.URIRef(f"{BASE}release/{VERSION}")) in void
    page = requests.get(f"{steward.url}/release/{VERSION}", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and "cff-version: 1.2.0" in page.text and "@misc{driehoek-2026-1" in page.text
    # a resource page names the newest release in "cite this"
    case = requests.get(steward.url + "/doc/case/released", headers={"Accept": "text/html"}, timeout=60)
    assert f"/doc/case/released?release={VERSION}" in case.text


@pytest.mark.parametrize("path", ["/release/9.9", f"/release/{VERSION}/passwd", "/release/..%2f..%2fetc",
                                  "/doc/case/released?release=nope", "/doc/case/released?release=../x"])
def test_unknown_releases_and_files_are_404(released: tuple[Steward, Path, dict], path: str) -> None:
    response = requests.get(released[0].url + path, timeout=60)
    assert response.status_code in (400, 404), response.text


def test_a_release_is_never_changed_or_made_from_a_bad_version(released: tuple[Steward, Path, dict]) -> None:
    _steward, data_dir, _before = released
    before = {p.name: p.read_bytes() for p in _files(data_dir).iterdir()}
    again = Cli(data_dir)("release", VERSION)
    assert again.exit_code == 1 and "exists already" in again.output
    assert {p.name: p.read_bytes() for p in _files(data_dir).iterdir()} == before
    bad = Cli(data_dir)("release", "../../etc")
    assert bad.exit_code == 2 and "letters, digits" in bad.output
    assert not (data_dir / "etc").exists() and sorted(p.name for p in (data_dir / "releases").iterdir()) == [VERSION]


def test_the_same_dataset_gives_the_same_bytes(released: tuple[Steward, Path, dict]) -> None:
    _steward, data_dir, _before = released
    first = Cli(data_dir)("release", "same-a", "--date", "2026-12-02")
    second = Cli(data_dir)("release", "same-b", "--date", "2026-12-02")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    a = (data_dir / "releases" / "same-a" / "driehoek-same-a.nq.gz").read_bytes()
    b = (data_dir / "releases" / "same-b" / "driehoek-same-b.nq.gz").read_bytes()
    assert a == b
