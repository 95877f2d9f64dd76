"""The trust boundary (issue 14): private bytes never in public files, withdrawn graphs gone for
anonymous readers on every path, private graphs owned by their token, roles for dataset-wide
operations, system graphs read-only, /validate blind to private graphs, a complete change feed.

Real servers over real HTTP (tests/stewards.py); the store-level tests use the real embedded stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from driehoek.service import Driehoek
from driehoek.store import Activity, GraphWrite, SplitStore

from . import backend
from .conftest import DATA, Cli
from .stewards import GRAPHS, Steward, add_token, make_data_dir, running

CANARY = "kanarie5e1d"  # in every private literal here: it must never be in a file public readers open
PUBLIC = GRAPHS + "trust/public"
BASE = "https://w3id.org/driehoek/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Steward, Steward, Steward]]:
    """One server, three tokens: two stewards and an admin."""
    data_dir = tmp_path_factory.mktemp("trust") / "var"
    first = make_data_dir(data_dir)
    second = add_token(data_dir, "steward-other")
    model = Cli(data_dir)("load", "--trusted", "--graph", GRAPHS + "ontology", DATA / "foundation" / "plain.ttl")
    assert model.exit_code == 0, model.output  # a stand-in for the model graphs
    admin = add_token(data_dir, "beheer", "--admin")
    with running(data_dir) as server:
        yield Steward(server, first), Steward(server, second), Steward(server, admin)


def _select(steward: Steward, query: str, **params: str) -> list[dict]:
    response = requests.get(steward.url + "/sparql", params={"query": query, **params}, timeout=120,
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]  # type: ignore[no-any-return]


def _files_holding(directory: Path, needle: bytes) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file() and needle in p.read_bytes()]


# -- private bytes never in public files ---------------------------------------------------------------

@pytest.mark.embedded_only("the embedded store's files on disk")
def test_private_bytes_are_never_in_a_snapshot_file(site: tuple[Steward, Steward, Steward]) -> None:
    steward, _other, _admin = site
    data_dir = steward.server.data_dir
    graph = GRAPHS + "private/trust-canary"
    body = f'<http://example.org/member> <http://xmlns.com/foaf/0.1/name> "{CANARY} Jansen" .'
    assert steward.put(graph, body).status_code == 201
    assert steward.put(PUBLIC, f'<http://example.org/x> <http://example.org/p> "public {CANARY[:3]}" .').status_code in (201, 204)
    assert steward.delete(graph).status_code == 204  # a deletion: RocksDB would keep the bytes in a checkpoint
    assert steward.put(graph, body).status_code == 201
    canary = CANARY.encode()
    assert _files_holding(data_dir / "private", canary), "the private store should hold the canary"
    assert _files_holding(data_dir / "store", canary) == []
    assert _files_holding(data_dir / "snapshots", canary) == []


@pytest.mark.embedded_only("moves private graphs between the embedded store's directories")
def test_an_older_store_has_its_private_graphs_moved_out(store_backend: str, tmp_path: Path) -> None:
    """A data directory from before the split (one store holding private graphs) is migrated on open:
    its private graphs move to the private store, and the public store is compacted."""
    from driehoek.store import EmbeddedStore

    data_dir = tmp_path / "var"
    old = EmbeddedStore(data_dir, BASE)
    graph = ox.NamedNode(GRAPHS + "private/old")
    secret = ox.Quad(ox.NamedNode("http://example.org/m"), ox.NamedNode("http://example.org/name"),
                     ox.Literal(f"{CANARY} oud"))
    old.commit([GraphWrite(graph, "replace", [secret])], Activity("load", "cli:test"))
    old.close()
    assert _files_holding(data_dir / "store", CANARY.encode())  # the old layout held it
    service = Driehoek(backend.settings_for(data_dir))
    try:
        store = service.store
        assert isinstance(store, SplitStore)
        assert [q.object for q in store.quads(graph)] == [secret.object]
        assert store.owner(graph) == "cli:test"
        store.publish_snapshot()
    finally:
        service.close()
    # the live public store's write-ahead log and manifest history may still name it until RocksDB
    # rolls them; its table files do not, and no snapshot file (what readers open) does
    assert [p for p in _files_holding(data_dir / "store", CANARY.encode()) if p.suffix == ".sst"] == []
    assert _files_holding(data_dir / "snapshots", CANARY.encode()) == []


# -- the two stores commit as one --------------------------------------------------------------------------

def _mixed(store: SplitStore, value: str) -> tuple[list[GraphWrite], Activity]:
    def quad(text: str) -> ox.Quad:
        return ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal(text))
    writes = [GraphWrite(ox.NamedNode(GRAPHS + "mixed/public"), "replace", [quad(value)]),
              GraphWrite(ox.NamedNode(GRAPHS + "private/mixed"), "replace", [quad(value)], owner="steward-a")]
    return writes, Activity("put", "steward-a", "test", "", "conforms")


@pytest.mark.embedded_only("the embedded two-phase commit")
@pytest.mark.parametrize("crash_after_public", [False, True])
def test_a_write_interrupted_between_the_stores_lands_whole_or_not_at_all(tmp_path: Path,
                                                                          crash_after_public: bool) -> None:
    data_dir = tmp_path / "var"
    store = SplitStore(data_dir, BASE)
    writes, activity = _mixed(store, "new")
    store.private.prepare([w for w in writes if store.is_private(w.graph)], activity)
    if crash_after_public:
        store.public.commit([w for w in writes if not store.is_private(w.graph)], activity)
    store.close()  # the process dies here: the private part is pending
    reopened = SplitStore(data_dir, BASE)
    try:
        public = [q.object.value for q in reopened.quads(writes[0].graph)]
        private = [q.object.value for q in reopened.quads(writes[1].graph)]
        assert reopened.private.pending() == []
        if crash_after_public:
            assert public == private == ["new"]
            assert reopened.owner(ox.NamedNode(writes[1].graph.value)) == "steward-a"
        else:
            assert public == private == []
            staging = [g for g in reopened.private.raw.named_graphs() if g.value.startswith(GRAPHS + "staging/")]
            assert staging == []
    finally:
        reopened.close()


# -- withdrawn means gone for anonymous readers --------------------------------------------------------------

def test_a_withdrawn_graph_is_gone_from_every_sparql_path(site: tuple[Steward, Steward, Steward]) -> None:
    steward, _other, _admin = site
    graph = GRAPHS + "trust/withdrawn"
    assert steward.put(graph, '<http://example.org/gone> <http://example.org/p> "ingetrokken" .').status_code == 201
    ask = "SELECT * WHERE { <http://example.org/gone> ?p ?o }"
    assert _select(steward, ask)  # visible before
    withdrawn = requests.post(steward.url + "/withdraw", data={"graph": graph, "reason": "test"}, headers=steward.auth,
                              timeout=60)
    assert withdrawn.status_code == 200, withdrawn.text
    assert _select(steward, ask) == []
    assert _select(steward, f"SELECT * WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == []
    assert _select(steward, f"SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}") == []
    assert _select(steward, f"SELECT * FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == []
    assert _select(steward, "SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": graph}) == []
    assert _select(steward, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": graph}) == []
    assert steward.get(graph).status_code == 410  # anonymous Graph Store read
    kept = steward.get(graph, token=True)  # stewards still read the kept data
    assert kept.status_code == 200 and b"ingetrokken" in kept.content


# -- private graphs belong to their token -------------------------------------------------------------------

def test_another_stewards_private_graph_is_404(site: tuple[Steward, Steward, Steward]) -> None:
    owner, other, admin = site
    graph = GRAPHS + "private/owned"
    body = f'<http://example.org/m> <http://example.org/name> "{CANARY} eigen" .'
    assert owner.put(graph, body).status_code == 201
    assert other.get(graph, token=True).status_code == 404
    assert CANARY not in other.get(graph, token=True).text
    assert other.put(graph, '<http://example.org/m> <http://example.org/name> "overschreven" .').status_code == 404
    assert other.post(graph, '<http://example.org/m> <http://example.org/name> "erbij" .').status_code == 404
    assert other.delete(graph).status_code == 404
    refused = other.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/m> <http://example.org/p> "x" }} }}')
    assert refused.status_code == 404, refused.text
    # an update cannot read it either: the trial copy holds only the writer's own private graphs
    copy = other.update(f"INSERT {{ GRAPH <{GRAPHS}private/stolen> {{ ?s ?p ?o }} }} "
                        f"WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert copy.status_code == 200, copy.text
    assert other.get(GRAPHS + "private/stolen", token=True).status_code == 404  # nothing was copied
    mine = owner.get(graph, token=True)
    assert mine.status_code == 200 and CANARY in mine.text and "overschreven" not in mine.text
    assert admin.get(graph, token=True).status_code == 200


# -- roles: dataset-wide operations, system graphs ------------------------------------------------------------

def _triples(steward: Steward) -> int:
    return int(requests.get(steward.url + "/health", timeout=30).json()["triples"])


@pytest.mark.parametrize("update", ["DROP ALL", "CLEAR ALL", "DROP NAMED", "CLEAR SILENT NAMED", "DROP DEFAULT",
                                    "CLEAR DEFAULT"])
def test_dataset_wide_updates_need_an_admin(site: tuple[Steward, Steward, Steward], update: str) -> None:
    steward, _other, _admin = site
    before = _triples(steward)
    refused = steward.update(update)
    assert refused.status_code == 403, refused.text
    assert "admin" in refused.json()["message"]
    assert _triples(steward) == before


@pytest.mark.parametrize("graph", ["ontology", "shapes", "schemes/criteria"])
def test_system_graphs_are_read_only_over_http(site: tuple[Steward, Steward, Steward], graph: str) -> None:
    steward, _other, admin = site
    for who in (steward, admin):
        put = who.put(GRAPHS + graph, '<http://example.org/a> <http://example.org/b> "c" .')
        assert put.status_code == 403, put.text
        assert who.delete(GRAPHS + graph).status_code == 403
        update = who.update(f'INSERT DATA {{ GRAPH <{GRAPHS}{graph}> {{ <http://example.org/a> <http://example.org/b> "c" }} }}')
        assert update.status_code == 403, update.text
    drop = admin.update("DROP ALL")  # an admin too: it would drop the model
    assert drop.status_code == 403, drop.text


def test_a_scoped_token_writes_only_under_its_prefixes(site: tuple[Steward, Steward, Steward]) -> None:
    steward, _other, _admin = site
    scoped = Steward(steward.server, add_token(steward.server.data_dir, "steward-cases", "--scope",
                                               GRAPHS + "cases/"))
    assert scoped.put(GRAPHS + "cases/scoped-test", '<http://example.org/a> <http://example.org/b> "c" .').status_code == 201
    outside = scoped.put(GRAPHS + "trust/scoped", '<http://example.org/a> <http://example.org/b> "c" .')
    assert outside.status_code == 403 and GRAPHS + "cases/" in outside.json()["message"]


# -- /validate tells nothing of private graphs -----------------------------------------------------------------

PROBE = """@prefix dh: <https://w3id.org/driehoek/def#> .
@prefix org: <http://www.w3.org/ns/org#> .
<http://example.org/probe> a org:Organization ; dh:predecessor <http://example.org/secret-org> .
"""


def _violations(steward: Steward, token: bool) -> int:
    headers = {"Content-Type": "text/turtle", **(steward.auth if token else {})}
    response = requests.post(steward.url + "/validate", data=PROBE.encode(), headers=headers, timeout=120)
    assert response.status_code == 200, response.text
    return len([r for r in response.json()["results"] if r["severity"] == "violation"])


def _described_org(iri: str) -> str:
    """An organisation a write may create: typed and described as the shapes ask (a bare type is only a
    reference to an organisation the store already describes)."""
    return (f'<{iri}> a <http://www.w3.org/ns/org#Organization> ; '
            '<http://www.w3.org/2004/02/skos/core#prefLabel> "Testorganisatie"@nl ; '
            '<https://w3id.org/driehoek/def#organisationType> <https://w3id.org/driehoek/def/organisation-type/overig> ; '
            '<https://w3id.org/driehoek/def#corner> <https://w3id.org/driehoek/def/corner/uitvoering> ; '
            '<http://purl.org/dc/terms/source> <https://example.org/sources/test-org> .')


def test_validate_answers_from_the_public_graphs_and_the_callers_own(site: tuple[Steward, Steward, Steward]) -> None:
    owner, other, _admin = site
    before = _violations(owner, token=False)
    # a reference to an IRI the gate cannot see typed as an organisation fails the sh:class check on
    # dh:predecessor; typed in a private graph, it passes, but only for the graph's owner
    typed = _described_org("http://example.org/secret-org")
    assert owner.put(GRAPHS + "private/typed", typed).status_code == 201
    assert _violations(owner, token=False) == before  # anonymous: the private type is not seen
    assert _violations(other, token=True) == before  # another steward: neither
    assert _violations(owner, token=True) == before - 1  # its owner: the gate uses its own graph


# -- the change feed is complete ---------------------------------------------------------------------------------

def test_the_public_part_of_a_mixed_write_is_in_the_change_feed(site: tuple[Steward, Steward, Steward]) -> None:
    steward, _other, admin = site
    public, private = GRAPHS + "trust/mixed-update", GRAPHS + "private/mixed-update"
    update = steward.update(f'INSERT DATA {{ GRAPH <{public}> {{ <http://example.org/a> <http://example.org/b> "1" }} '
                            f'GRAPH <{private}> {{ <http://example.org/a> <http://example.org/b> "{CANARY}" }} }}')
    assert update.status_code == 200, update.text
    trig_public, trig_private = GRAPHS + "trust/mixed-trig", GRAPHS + "private/mixed-trig"
    body = (f'<{trig_public}> {{ <http://example.org/a> <http://example.org/b> "2" }}\n'
            f'<{trig_private}> {{ <http://example.org/a> <http://example.org/b> "{CANARY}" }}\n')
    put = requests.put(admin.url + "/graph-store", data=body.encode(), timeout=60,
                       headers={"Content-Type": "application/trig", **admin.auth})
    assert put.status_code == 200, put.text
    feed = requests.get(steward.url + "/changes", params={"page": 1}, timeout=60)
    objects = {item["object"] if isinstance(item["object"], str) else item["object"].get("id")
               for item in feed.json()["orderedItems"]}
    assert {public, trig_public} <= objects
    assert "private/" not in feed.text and CANARY not in feed.text


# -- odd input: one token past pyoxigraph's 16 MiB buffer ------------------------------------------------------

def test_a_trusted_load_with_a_17_mb_literal_is_refused_clearly(store_backend: str, tmp_path: Path) -> None:
    big = tmp_path / "big.nt"
    big.write_bytes(b'<http://example.org/a> <http://example.org/b> "' + b"x" * 17_000_000 + b'" .\n')
    result = Cli(tmp_path / "var")("load", "--trusted", str(big))
    assert result.exit_code == 1, result.output
    assert "16 MiB" in result.output and "Traceback" not in result.output


@pytest.mark.embedded_only("the embedded store's query workers; a remote store's queries run on its server")
def test_health_says_the_query_workers_have_no_network(site: tuple[Steward, Steward, Steward]) -> None:
    steward, _other, _admin = site
    _select(steward, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")  # a worker has run a query, so the pool knows
    assert requests.get(steward.url + "/health", timeout=30).json()["query_network_isolation"] is True


# -- found in review: older stores and dumps, a failed finish, other spellings ------------------------------

def _old_store_with_a_private_graph(data_dir: Path, canary: str) -> ox.NamedNode:
    """An older driehoek's one store: a private graph written by steward-a, its records in {base}graph/meta."""
    from driehoek.store import EmbeddedStore

    old = EmbeddedStore(data_dir, BASE)
    graph = ox.NamedNode(GRAPHS + f"private/{canary}-graph")
    quad = ox.Quad(ox.NamedNode("http://example.org/m"), ox.NamedNode("http://example.org/name"), ox.Literal("x"))
    old.commit([GraphWrite(graph, "create", [quad])], Activity("put", "steward-a", f"{canary}-upload.ttl"))
    old.close()
    return graph


@pytest.mark.embedded_only("the embedded store's files on disk")
def test_migration_moves_the_records_of_private_writes_too(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    _old_store_with_a_private_graph(data_dir, "kanarieMIG")
    split = SplitStore(data_dir, BASE)
    try:
        assert not [q for q in split.public.raw.quads_for_pattern(None, None, None, None) if "kanarieMIG" in str(q)]
        split.publish_snapshot()
    finally:
        split.close()
    assert _files_holding(data_dir / "snapshots", b"kanarieMIG") == []


@pytest.mark.embedded_only("restores an embedded store's dump into an embedded store")
def test_an_older_dump_restores_with_its_private_graphs_private(store_backend: str, tmp_path: Path) -> None:
    from driehoek import formats
    from driehoek.store import EmbeddedStore

    graph = _old_store_with_a_private_graph(tmp_path / "old", "kanarieDMP")
    old = EmbeddedStore(tmp_path / "old", BASE)
    dump = tmp_path / "old.nq"
    old.dump(dump, formats.NQUADS)
    old.close()
    data_dir = tmp_path / "var"
    assert Cli(data_dir)("restore", str(dump)).exit_code == 0
    other = add_token(data_dir, "steward-b")
    owner = add_token(data_dir, "steward-a")
    with running(data_dir) as server:
        assert Steward(server, other).get(graph.value, token=True).status_code == 404
        assert Steward(server, owner).get(graph.value, token=True).status_code == 200  # its owner, by provenance
    assert [p for p in _files_holding(data_dir / "store", b"kanarieDMP") if p.suffix == ".sst"] == []
    assert _files_holding(data_dir / "snapshots", b"kanarieDMP") == []


class _FailingFinish:
    """The private store's RocksDB, failing (disk full) on the update that finishes a pending write."""

    def __init__(self, real: ox.Store) -> None:
        self.real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def update(self, text: str, *args: object, **kwargs: object) -> None:
        if "graph/pending" in text and "DELETE WHERE" in text and "pendingUpdate" not in text:
            import errno

            raise OSError(errno.ENOSPC, "No space left on device")
        self.real.update(text, *args, **kwargs)


@pytest.mark.embedded_only("injects a disk-full error into the embedded private store")
def test_a_failed_finish_never_undoes_a_later_write(tmp_path: Path) -> None:
    from driehoek.errors import DriehoekError

    def quad(value: str) -> ox.Quad:
        return ox.Quad(ox.NamedNode("http://example.org/m"), ox.NamedNode("http://example.org/v"), ox.Literal(value))

    def values(store: SplitStore, graph: ox.NamedNode) -> list[str]:
        return sorted(q.object.value for q in store.quads(graph))

    data_dir = tmp_path / "var"
    store = SplitStore(data_dir, BASE)
    public, private = ox.NamedNode(GRAPHS + "pub"), ox.NamedNode(GRAPHS + "private/p")
    store.commit([GraphWrite(private, "replace", [quad("v0")], owner="a")], Activity("put", "a"))
    store.private._db = _FailingFinish(store.private._db)  # type: ignore[assignment]
    with pytest.raises(DriehoekError):
        store.commit([GraphWrite(public, "replace", [quad("pub1")]), GraphWrite(private, "replace", [quad("v1")], owner="a")],
                     Activity("put", "a"))
    store.commit([GraphWrite(private, "replace", [quad("v2")], owner="a")], Activity("put", "a"))  # space is back
    assert values(store, private) == ["v2"] and values(store, public) == ["pub1"]
    store.close()
    reopened = SplitStore(data_dir, BASE)
    try:
        assert values(reopened, private) == ["v2"]
    finally:
        reopened.close()


def test_validate_does_not_see_withdrawn_graphs(site: tuple[Steward, Steward, Steward]) -> None:
    steward, _other, _admin = site
    probe = PROBE.replace("secret-org", "withdrawn-org")

    def violations() -> int:
        response = requests.post(steward.url + "/validate", data=probe.encode(), headers={"Content-Type": "text/turtle"},
                                 timeout=120)
        return len([r for r in response.json()["results"] if r["severity"] == "violation"])

    before = violations()
    graph = GRAPHS + "trust/retracted-org"
    assert steward.put(graph, _described_org("http://example.org/withdrawn-org")).status_code == 201
    assert violations() == before - 1
    assert requests.post(steward.url + "/withdraw", data={"graph": graph, "reason": "test"}, headers=steward.auth,
                         timeout=60).status_code == 200
    assert violations() == before


def test_a_template_writing_any_graph_needs_an_admin(site: tuple[Steward, Steward, Steward]) -> None:
    steward, _other, _admin = site
    before = _triples(steward)
    wipe = steward.update(f'DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} '
                          f'FILTER(!STRSTARTS(STR(?g), "{GRAPHS}ontology")) }}')
    assert wipe.status_code == 403 and "admin" in wipe.json()["message"], wipe.text
    assert _triples(steward) == before


def test_dropping_another_stewards_private_graph_tells_nothing(site: tuple[Steward, Steward, Steward]) -> None:
    owner, other, _admin = site
    assert owner.put(GRAPHS + "private/klokkenluiders", '<http://example.org/x> <http://example.org/y> "z" .').status_code == 201
    taken = other.update(f"DROP SILENT GRAPH <{GRAPHS}private/klokkenluiders>")
    free = other.update(f"DROP SILENT GRAPH <{GRAPHS}private/no-such-graph>")
    assert taken.status_code == free.status_code == 200
    assert owner.get(GRAPHS + "private/klokkenluiders", token=True).status_code == 200  # untouched


@pytest.mark.parametrize("how", ["put", "update", "validate"])
def test_quoted_triples_are_a_clear_400(site: tuple[Steward, Steward, Steward], how: str) -> None:
    steward, _other, _admin = site
    body = "<< <http://example.org/b> <http://example.org/c> <http://example.org/d> >> <http://example.org/e> <http://example.org/f> ."
    if how == "put":
        response = steward.put(GRAPHS + "trust/star", body)
    elif how == "update":
        response = steward.update(f"INSERT DATA {{ GRAPH <{GRAPHS}trust/star> {{ {body[:-1]} }} }}")
    else:
        response = requests.post(steward.url + "/validate", data=body.encode(), headers={"Content-Type": "text/turtle"},
                                 timeout=60)
    assert response.status_code == 400, response.text
    # an update with one is refused before it runs: SPARQL 1.1 has no quoted triples, so the update
    # parser cannot check it
    assert ("RDF-star" if how != "update" else "cannot check") in response.json()["message"]


@pytest.mark.embedded_only("renames the embedded store's directories")
@pytest.mark.parametrize("killed_after", ["old moved aside", "fresh in place"])
def test_a_rebuild_killed_half_way_keeps_the_store(tmp_path: Path, killed_after: str) -> None:
    from driehoek.store import EmbeddedStore

    data_dir = tmp_path / "var"
    store = EmbeddedStore(data_dir, BASE)
    quad = ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("kept"),
                   ox.NamedNode(GRAPHS + "g"))
    store.raw.add(quad)
    store.close()
    # what `rebuild` leaves when killed between its steps: a complete fresh copy, the old one moved aside
    import shutil

    shutil.copytree(data_dir / "store", data_dir / "store.rebuild")
    (data_dir / "store").rename(data_dir / "store.old")
    if killed_after == "fresh in place":
        (data_dir / "store.rebuild").rename(data_dir / "store")
    reopened = EmbeddedStore(data_dir, BASE)
    try:
        assert list(reopened.quads(quad.graph_name)) == [quad]
    finally:
        reopened.close()
    assert sorted(p.name for p in data_dir.iterdir() if p.name.startswith("store")) == ["store"]
