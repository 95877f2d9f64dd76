"""SSRF: nothing a client sends makes the server open a connection of its own.

A loopback canary listens on a free port; SERVICE in queries and updates, LOAD, FROM, JSON-LD
remote contexts (@context, @import, nested contexts) and RDF/XML external entities and DTDs all
point at it, over HTTP and through the CLI. The canary must not see a single connection, and no
local file may be expanded into the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from ..conftest import Cli
from ..stewards import Steward, make_data_dir, running
from .conftest import GRAPHS, Canary, InProcess, is_json_error

PASSWD_MARK = "root:x:0:0"


@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("ssrf") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        yield Steward(server, token)


def _queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{url}/sparql> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}/x> {{ ?s ?q ?r }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }}",
        f"PREFIX e: <{url}/> SELECT * WHERE {{ SERVICE e:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ # a comment\nSERVICE\n<{url}/x>\n{{ ?s ?p ?o }} }}",
    ]


def test_service_in_a_query_is_refused_and_nothing_is_fetched(steward: Steward, canary: Canary) -> None:
    for query in _queries(canary.url):
        for response in (
            requests.get(steward.url + "/sparql", params={"query": query}, timeout=60),
            requests.post(steward.url + "/sparql", data=query.encode(), timeout=60,
                          headers={"Content-Type": "application/sparql-query"}),
        ):
            assert response.status_code == 400, (query, response.text)
            assert response.json()["feature"] == "SERVICE"
    # FROM names a graph; it is never fetched either
    response = requests.get(steward.url + "/sparql", params={
        "query": f"SELECT * FROM <{canary.url}/data.ttl> WHERE {{ ?s ?p ?o }}"}, timeout=60)
    assert response.status_code == 200, response.text
    assert canary.hits == []


def test_service_and_load_in_an_update_are_refused(steward: Steward, canary: Canary) -> None:
    before = steward.get(GRAPHS + "seed")
    updates = [
        f"LOAD <{canary.url}/data.ttl>",
        f"LOAD SILENT <{canary.url}/data.ttl> INTO GRAPH <{GRAPHS}loaded>",
        f"load <{canary.url}/data.ttl> into graph <{GRAPHS}loaded>",
        f"INSERT DATA {{ <http://e/a> <http://e/b> 1 }} ; LOAD <{canary.url}/data.ttl>",
        f"INSERT {{ GRAPH <{GRAPHS}x> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{canary.url}/sparql> {{ ?s ?p ?o }} }}",
        f"DELETE {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT <{canary.url}/sparql> {{ ?s ?p ?o }} }}",
    ]
    for update in updates:
        response = steward.update(update)
        assert response.status_code == 400, (update, response.text)
        assert response.json()["feature"] in ("LOAD", "SERVICE")
        form = requests.post(steward.url + "/update", data={"update": update}, headers=steward.auth, timeout=60)
        assert form.status_code == 400, form.text
    assert canary.hits == []
    after = steward.get(GRAPHS + "seed")
    assert (after.content, after.headers["ETag"]) == (before.content, before.headers["ETag"])
    assert steward.get(GRAPHS + "loaded").status_code == 404


def _hidden(url: str) -> dict[str, tuple[str, str]]:
    """SERVICE and LOAD spelled so that a scan of the text misses them or a careless parser does (issue 14):
    name -> (endpoint, operation). Oxigraph reads each as a SERVICE or LOAD of the canary."""
    return {
        # an escaped local name (\\#) made the old regex read the rest of the line as a comment
        "SERVICE after an escaped #": ("/sparql", f"PREFIX ex: <http://x/> SELECT * WHERE {{ OPTIONAL {{ ?x ex:a\\# ?y }} "
                                                 f"SERVICE <{url}/query> {{ ?s ?p ?o }} }}"),
        "SERVICE after an escaped # (ASK)": ("/sparql", f"PREFIX ex: <http://x/> ASK {{ ?x ex:a\\# ?y "
                                                       f"SERVICE <{url}/query> {{ ?s ?p ?o }} }}"),
        # Oxigraph ends a comment at a carriage return; a scan to the line feed does not
        "SERVICE after a comment ended by CR": ("/sparql", f"SELECT * WHERE {{ # note\rSERVICE <{url}/query> "
                                                           "{ ?s ?p ?o }\n}"),
        # rdflib's parseQuery expands \\u escapes first: the string closes early, the rest looks like a comment
        "SERVICE between strings with \\u0022": ("/sparql", f'SELECT * WHERE {{ OPTIONAL {{ ?s ?p "a\\u0022 # " }} '
                                                             f'SERVICE <{url}/query> {{ ?s ?p ?o }}\n . ?s ?p "b\\u0022 }} }} # " }}'),
        "LOAD after an escaped #": ("/update", f"PREFIX ex: <http://x/> INSERT DATA {{ <http://e/a> ex:b\\# 1 }} ; "
                                               f"LOAD <{url}/data.ttl>"),
        "LOAD after a comment ended by CR": ("/update", f"INSERT DATA {{ <http://e/a> <http://e/b> 1 }} # note\r; "
                                                        f"LOAD <{url}/data.ttl>"),
    }


@pytest.mark.parametrize("name", list(_hidden("http://127.0.0.1:1")))
def test_service_and_load_hidden_from_a_text_scan_are_refused(steward: Steward, canary: Canary, name: str) -> None:
    endpoint, operation = _hidden(canary.url)[name]
    if endpoint == "/sparql":
        responses = [requests.get(steward.url + "/sparql", params={"query": operation}, timeout=60),
                     requests.post(steward.url + "/sparql", data=operation.encode(), timeout=60,
                                   headers={"Content-Type": "application/sparql-query"})]
    else:
        responses = [steward.update(operation),
                     requests.post(steward.url + "/update", data={"update": operation}, headers=steward.auth,
                                   timeout=60)]
    for response in responses:
        assert response.status_code == 400, (name, response.text)
        message = response.json()["message"].lower()
        # nothing about the target: neither its answer nor whether anything listens there
        assert canary.url not in message and "connect" not in message and "refused" not in message
    assert canary.hits == []
    assert steward.get(GRAPHS + "seed").status_code == 200


def _remote_contexts(url: str) -> dict[str, dict | list]:
    """JSON-LD documents that would make a careless parser fetch `url`."""
    node = {"@id": "http://example.org/s", "name": "x"}
    return {
        "string @context": {"@context": f"{url}/ctx.jsonld", **node},
        "array @context": {"@context": [f"{url}/ctx.jsonld", {"ex": "http://example.org/"}], **node},
        "nested @context": {"@id": "http://example.org/s", "http://example.org/p": {
            "@context": f"{url}/nested.jsonld", "name": "y"}},
        "scoped @context": {"@context": {"p": {"@id": "http://example.org/p", "@context": f"{url}/scoped.jsonld"}},
                            "@id": "http://example.org/s", "p": {"name": "z"}},
        "@import": {"@context": {"@version": 1.1, "@import": f"{url}/import.jsonld"}, **node},
        "top-level array": [{"@context": f"{url}/ctx.jsonld", **node}],
        "@graph with @context": {"@context": f"{url}/ctx.jsonld", "@graph": [node]},
    }


def test_jsonld_remote_contexts_are_never_fetched(steward: Steward, canary: Canary) -> None:
    before = steward.get(GRAPHS + "seed")
    for name, document in _remote_contexts(canary.url).items():
        body = json.dumps(document)
        for response in (
            steward.put(GRAPHS + "jsonld-ssrf", body, "application/ld+json"),
            steward.post(GRAPHS + "jsonld-ssrf", body, "application/ld+json"),
            requests.post(steward.url + "/validate", data=body, timeout=60,
                          headers={"Content-Type": "application/ld+json"}),
        ):
            assert response.status_code == 400, (name, response.status_code, response.text)
            assert "context" in response.json()["message"].lower(), response.text
    assert canary.hits == []
    assert steward.get(GRAPHS + "jsonld-ssrf").status_code == 404
    assert steward.get(GRAPHS + "seed").content == before.content


def _xml_documents(url: str) -> dict[str, str]:
    rdf = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
           '<rdf:Description rdf:about="http://example.org/s"><e:p>{}</e:p></rdf:Description></rdf:RDF>')
    return {
        "external entity (http)": f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "{url}/x">]>'
                                  + rdf.format("&x;"),
        "external entity (file)": '<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                  + rdf.format("&x;"),
        "public entity": f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY x PUBLIC "-//x//x" "{url}/p">]>'
                         + rdf.format("&x;"),
        "parameter entity": f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>'
                            + rdf.format("x"),
        "external DTD": f'<?xml version="1.0"?><!DOCTYPE rdf:RDF SYSTEM "{url}/x.dtd">' + rdf.format("x"),
        "xinclude": rdf.format(f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}/xi"/>'),
    }


def test_rdfxml_external_entities_are_neither_fetched_nor_expanded(steward: Steward, canary: Canary) -> None:
    for name, document in _xml_documents(canary.url).items():
        graph = GRAPHS + "xxe"
        put = steward.put(graph, document, "application/rdf+xml")
        validate = requests.post(steward.url + "/validate", data=document.encode(), timeout=60,
                                 headers={"Content-Type": "application/rdf+xml"})
        for response in (put, validate):
            assert response.status_code < 500, (name, response.text)
            assert PASSWD_MARK not in response.text
            if response.status_code >= 400:
                assert is_json_error(response), response.text
        if put.status_code in (200, 201, 204):  # accepted: then without the entity's content
            stored = steward.get(graph, accept="application/n-triples")
            assert PASSWD_MARK not in stored.text and canary.url not in stored.text.replace(
                f"{canary.url}/xi", ""), (name, stored.text)
            steward.delete(graph)
    assert canary.hits == []


def test_jsonld_and_rdfxml_files_on_the_command_line_fetch_nothing(tmp_path, canary: Canary, store_backend: str) -> None:
    data_dir = tmp_path / "var"
    make_data_dir(data_dir)
    cli = Cli(data_dir)
    before = cli.dump()
    for index, document in enumerate(_remote_contexts(canary.url).values()):
        path = tmp_path / f"remote-{index}.jsonld"
        path.write_text(json.dumps(document))
        for args in (("load", "--graph", f"{GRAPHS}cli-ssrf-{index}", path), ("validate", path)):
            result = cli(*args)
            assert result.exit_code == 1, result.output
    for index, document in enumerate(_xml_documents(canary.url).values()):
        path = tmp_path / f"xxe-{index}.rdf"
        path.write_text(document)
        result = cli("validate", path)
        assert result.exit_code in (0, 1), result.output
        assert PASSWD_MARK not in result.output
    assert cli.dump() == before
    assert canary.hits == []


def test_service_description_and_query_editor_fetch_nothing(inproc: InProcess, canary: Canary) -> None:
    # Host / X-Forwarded-* never turn into a fetch (the endpoint IRI is only written, not read)
    for headers in ({"Host": f"127.0.0.1:{canary.port}"}, {"X-Forwarded-Host": f"127.0.0.1:{canary.port}"},
                    {"Accept": "text/html"}):
        response = inproc.request("GET", "/sparql", headers=headers)
        assert response.status_code == 200
    assert canary.hits == []
