"""Error pages: every status a browser can meet answers a browser (Accept: text/html) with the site's
page in the page's language — a heading, a short explanation, the server's message and a way on —
and an API client with the JSON error body it always got. Where a real request can provoke a status
it does (a missing ?graph=, a write without a token, a stale If-Match, ...); the rest are raised by
a route this test adds to its own app, the way the code raises them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from driehoek import errors
from driehoek.app import create_app
from driehoek.service import Driehoek

from . import backend
from .site import Element, parse_html
from .stewards import GRAPHS, INVALID_CASE, make_data_dir, plain_turtle

ANONYMOUS_MAX = 200
RAISED: dict[int, errors.DriehoekError] = {
    406: errors.NotAcceptable("a resource can be had as: text/turtle, text/html"),
    409: errors.Conflict("the graph already exists", graph="https://w3id.org/driehoek/graph/x"),
    410: errors.Gone("https://w3id.org/driehoek/id/case/x was withdrawn", iri="https://w3id.org/driehoek/id/case/x"),
    429: errors.TooManyRequests("too many failed token checks from this address", retry_after=7),
    503: errors.ServiceUnavailable("the server is busy with other pages and queries", retry_after=5),
}


@dataclass
class App:
    app: Flask
    service: Driehoek
    token: str

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    data_dir = tmp_path_factory.mktemp("error-pages") / "var"
    token = make_data_dir(data_dir)
    settings = backend.settings_for(data_dir, validate_anonymous_max=ANONYMOUS_MAX)
    service = Driehoek(settings)
    service.store.publish_snapshot()
    application = create_app(settings, service)

    def raise_status(status: int) -> None:
        if status == 500:
            raise RuntimeError("a bug")  # what the app does not expect: logged, a 500 without a traceback
        raise RAISED[status]

    application.add_url_rule("/_test/raise/<int:status>", view_func=raise_status)
    try:
        yield App(application, service, token)
    finally:
        application.extensions["driehoek.pool"].close()
        service.close()


Request = Callable[[App, dict[str, str]], TestResponse]


def _auth(app: App) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.token}"}


# status -> how a client meets it (headers: the Accept and language of the client)
REQUESTS: dict[int, Request] = {
    400: lambda a, h: a.client.get("/graph-store", headers=h),
    401: lambda a, h: a.client.post("/update", data={"update": "CLEAR ALL"}, headers=h),
    403: lambda a, h: a.client.put("/graph-store", query_string={"graph": GRAPHS + "shapes"}, data=plain_turtle("x"),
                                   headers={"Content-Type": "text/turtle", **_auth(a), **h}),
    404: lambda a, h: a.client.get("/no/such/page", headers=h),
    405: lambda a, h: a.client.get("/update", headers=h),
    406: lambda a, h: a.client.get("/_test/raise/406", headers=h),
    409: lambda a, h: a.client.get("/_test/raise/409", headers=h),
    410: lambda a, h: a.client.get("/_test/raise/410", headers=h),
    412: lambda a, h: a.client.put("/graph-store", query_string={"graph": GRAPHS + "seed"}, data=plain_turtle("y"),
                                   headers={"Content-Type": "text/turtle", "If-Match": '"stale"', **_auth(a), **h}),
    413: lambda a, h: a.client.post("/validate", data=plain_turtle("z" * ANONYMOUS_MAX),
                                    headers={"Content-Type": "text/turtle", **h}),
    415: lambda a, h: a.client.put("/graph-store", query_string={"graph": GRAPHS + "errors/plain"}, data="hello",
                                   headers={"Content-Type": "text/plain", **_auth(a), **h}),
    422: lambda a, h: a.client.put("/graph-store", query_string={"graph": GRAPHS + "errors/invalid"}, data=INVALID_CASE,
                                   headers={"Content-Type": "text/turtle", **_auth(a), **h}),
    429: lambda a, h: a.client.get("/_test/raise/429", headers=h),
    500: lambda a, h: a.client.get("/_test/raise/500", headers=h),
    503: lambda a, h: a.client.get("/_test/raise/503", headers=h),
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what Chromium sends


def browser(lang: str) -> dict[str, str]:
    return {"Accept": BROWSER, "Accept-Language": lang}


def error_page(response: TestResponse, status: int, lang: str) -> Element:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    document = parse_html(response.get_data(as_text=True))
    assert document.find("html").attrs["lang"] == lang
    assert document.find("header", class_="site")  # the site's own page, with its navigation
    article = document.find("article", class_="error-page")
    assert article.attrs["data-status"] == str(status)
    assert document.find_all("h1") and document.find("h1").text()
    way_on = {a.attrs["href"] for a in article.find("ul", class_="way-on").find_all("a")}
    assert {"/", "/search"} <= way_on
    return document


@pytest.mark.parametrize("status", sorted(REQUESTS))
def test_each_status_is_the_sites_page_in_dutch_and_english_for_a_browser(app: App, status: int) -> None:
    pages = {lang: error_page(REQUESTS[status](app, browser(lang)), status, lang) for lang in ("nl", "en")}

    headings = {lang: page.find("h1").text() for lang, page in pages.items()}
    explanations = {lang: page.find("p", class_="explanation").text() for lang, page in pages.items()}
    assert headings["nl"] != headings["en"] and explanations["nl"] != explanations["en"]
    # the server's own message, marked as English on the Dutch page too
    json_body = REQUESTS[status](app, {"Accept": "application/json"}).get_json()
    technical = pages["nl"].find("p", class_="technical")
    assert technical.attrs["lang"] == "en"
    assert technical.text() == " ".join(json_body["message"].split())


@pytest.mark.parametrize("status", sorted(REQUESTS))
def test_each_status_stays_json_for_an_api_client(app: App, status: int) -> None:
    for accept in ("application/json", "*/*", None):
        response = REQUESTS[status](app, {"Accept": accept} if accept else {})
        assert response.status_code == status
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        body = response.get_json()
        assert isinstance(body["error"], str) and body["message"]
        if status in RAISED:
            assert body == RAISED[status].to_json()
    assert REQUESTS[500](app, {}).get_json() == {"error": "error", "message": "internal error; it has been logged"}


def test_the_page_names_the_status_and_keeps_its_headers(app: App) -> None:
    not_found = error_page(REQUESTS[404](app, browser("nl")), 404, "nl")
    assert not_found.find("h1").text() == "Niet gevonden"
    assert error_page(REQUESTS[404](app, browser("en")), 404, "en").find("h1").text() == "Not found"
    for status, seconds in ((429, "7"), (503, "5")):
        response = REQUESTS[status](app, browser("en"))
        assert response.headers["Retry-After"] == seconds
        assert seconds in error_page(response, status, "en").find("p", class_="retry").text()
    unauthorized = REQUESTS[401](app, browser("en"))
    assert unauthorized.headers["WWW-Authenticate"].startswith("Bearer")
    assert "/contribute" in {a.attrs["href"] for a in error_page(unauthorized, 401, "en").find_all("a")}
    not_allowed = REQUESTS[405](app, browser("en"))
    assert "POST" in not_allowed.headers["Allow"]


def test_a_refused_write_in_a_browser_lists_what_is_wrong(app: App) -> None:
    response = REQUESTS[422](app, browser("nl"))
    document = error_page(response, 422, "nl")
    report = app.client.put("/graph-store", query_string={"graph": GRAPHS + "errors/invalid"}, data=INVALID_CASE,
                            headers={"Content-Type": "text/turtle", "Accept": "application/json", **_auth(app)}
                            ).get_json()["report"]
    violations = [r for r in report["results"] if r["severity"] == "violation"]
    items = document.find("ul", class_="findings").find_all("li")
    assert len(items) == len(violations) > 0
    assert {" ".join(r["messages"]["nl"].split()) for r in violations} == {li.find("span").text() for li in items}


def test_validate_and_graph_store_in_a_browser(app: App) -> None:
    validate = app.client.get("/validate", headers=browser("nl"))
    assert (validate.status_code, validate.headers["Location"]) == (303, "/contribute")
    store = error_page(app.client.get("/graph-store", headers=browser("en")), 400, "en")
    assert "/contribute" in {a.attrs["href"] for a in store.find_all("a")}
    assert app.client.get("/validate", headers={"Accept": "application/json"}).get_json()["error"] == "method_not_allowed"


def test_a_withdrawn_resource_keeps_its_tombstone_page(app: App) -> None:
    """410 with a tombstone (the resources' own handler) still shows who withdrew what and why."""
    assert app.client.get("/_test/raise/410", headers=browser("en")).status_code == 410
    # the tombstone fields come from pages.Tombstone; the template shows them when the error has one
    from driehoek.pages import Tombstone

    error = errors.Gone("x was withdrawn")
    error.tombstone = Tombstone(iri="https://w3id.org/driehoek/id/case/x", graph="https://w3id.org/driehoek/graph/x",  # type: ignore[attr-defined]
                                reason="duplicate", when="2024-05-01", who="editor")
    with app.app.test_request_context("/doc/case/x", headers=browser("en")):
        from driehoek.app import render_error

        page = parse_html(render_error(error).get_data(as_text=True))
    facts = page.find("dl", class_="facts").text()
    assert "duplicate" in facts and "editor" in facts and "1 May 2024" in facts
