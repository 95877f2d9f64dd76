"""The stewards' page, /contribute ("Succesverhaal aanleveren" / "Contribute a case"): the rules a
case must follow, read from the shapes (shape_rules.py); the case template to download; a form to
paste or upload a case that runs the SHACL gate and shows its report in the page, per resource and
field, in the page's language; and, with a steward's token, "submit as a private draft".

No JavaScript: the form is a normal multipart POST to /contribute, answered with the same page and
the report. It reuses the write path's pieces as they are: the anonymous dry-run limits of
web/dry_runs.py (size and rate per client address), the token check and its failure limiter of
web/auth.py, and the service's gate and write_graph (roles, ownership, the gate on the write).

Forgery (CSRF): the only thing that makes a POST here more than an anonymous dry run is the token,
and the token is typed by the steward into the form's password field; it is never kept in a cookie,
the page, or anywhere else, so a form on another site cannot know it and cannot submit as anyone.
No cookie carries authority on this site (the language cookie only picks a language), so neither
SameSite nor an Origin check would protect anything more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge

from .. import formats, shape_rules
from ..errors import BadRequest, DriehoekError, PayloadTooLarge, Unauthorized, ValidationFailed
from ..iris import DH, RDF_TYPE, is_slug
from ..service import Source
from ..store import parse
from ..tokens import Principal
from ..validation import Report, Result
from . import auth
from .context import get_service, get_settings, wants_html
from .dry_runs import admit_anonymous, check_anonymous_size
from .i18n import current_language

bp = Blueprint("contribute", __name__)

# What the form reads: one graph's triples (a draft is one named graph, so no TriG or N-Quads).
FORM_FORMATS: tuple[formats.Format, ...] = (formats.TURTLE, formats.NTRIPLES, formats.JSONLD, formats.RDFXML)
# D1's commented case templates, one per language, served from web/static.
TEMPLATES = {"nl": "case-template.nl.ttl", "en": "case-template.en.ttl"}
ECHO_LIMIT = 200_000  # bytes of an uploaded file shown back in the text field for editing
ACTIONS = ("check", "submit")


@dataclass
class Outcome:
    """What a POST to /contribute came to, for the page."""

    action: str = "check"
    text: str = ""  # the text to show in the text field again (escaped by the template)
    fmt: str = formats.TURTLE.name
    slug: str = ""
    source: str = ""  # "pasted text" or the uploaded file's name
    report: Report | None = None
    problem: DriehoekError | None = None
    written: dict[str, Any] = field(default_factory=dict)
    status: int = 200



# -- the page --------------------------------------------------------------------------------------

@bp.get("/contribute")
def page() -> ResponseReturnValue:
    """The rules, the template, and the form."""
    return _render(Outcome())


@bp.post("/contribute")
def check_or_submit() -> ResponseReturnValue:
    """Run the gate on the pasted text or the uploaded file (action=check), or with a token write it
    to the steward's own private draft graph (action=submit); the page again, with the outcome."""
    outcome = Outcome()
    try:
        _read_form(outcome)
        principal = _principal(outcome)
        data = _data(outcome, principal)
        source = Source(name=outcome.source, fmt=formats.by_name(outcome.fmt, FORM_FORMATS), data=data)
        if outcome.action == "check":
            visible = get_service().visible_private_graphs(principal) if principal is not None else []
            outcome.report = get_service().validate_sources([source], private=visible)[0]
        else:
            assert principal is not None
            _submit(outcome, source, principal)
    except ValidationFailed as err:
        outcome.report, outcome.problem, outcome.status = err.report, err, err.status
    except DriehoekError as err:
        outcome.problem, outcome.status = err, err.status
    response = _render(outcome)
    if outcome.problem is not None:
        for key, value in outcome.problem.headers.items():
            response.headers[key] = value
    response.headers["Cache-Control"] = "no-store"  # the page echoes what was sent
    return response


def _render(outcome: Outcome) -> Response:
    lang = current_language()
    body = render_template(
        "contribute.html", outcome=outcome, rules=shape_rules.case_rules(), formats=FORM_FORMATS,
        templates=_templates(lang), by_resource=_by_resource(outcome.report, lang) if outcome.report else [],
        settings=get_settings(), drafts=_drafts_base())
    return Response(body, outcome.status, content_type=formats.HTML.content_type)


def _templates(lang: str) -> list[dict[str, str]]:
    """The case templates that exist, the page's language first."""
    static = Path(current_app.static_folder or "")
    found = []
    for tag in sorted(TEMPLATES, key=lambda t: t != lang):
        if (static / TEMPLATES[tag]).is_file():
            found.append({"lang": tag, "href": "/static/" + TEMPLATES[tag], "name": TEMPLATES[tag]})
    return found


def _drafts_base() -> str:
    return get_service().settings.graph_base + "private/drafts/"


# -- reading the form --------------------------------------------------------------------------------

def _read_form(outcome: Outcome) -> None:
    """The form's fields into OUTCOME (the token stays out of it)."""
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge as err:
        limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
        raise PayloadTooLarge(
            f"the pasted text is larger than the form takes ({limit} bytes): choose it as a file instead"
            if limit and (request.content_length or 0) <= current_app.config["MAX_CONTENT_LENGTH"]
            else f"the form is larger than {current_app.config['MAX_CONTENT_LENGTH']} bytes") from err
    outcome.action = form.get("action", "check")
    if outcome.action not in ACTIONS:
        raise BadRequest(f"unknown action {outcome.action!r}: check or submit", parameter="action")
    outcome.fmt = form.get("format", formats.TURTLE.name)
    try:
        formats.by_name(outcome.fmt, FORM_FORMATS)
    except formats.UnknownFormat as err:
        outcome.fmt = formats.TURTLE.name
        raise BadRequest(str(err), parameter="format") from err
    outcome.slug = form.get("slug", "").strip()
    outcome.text = form.get("data", "")
    upload = files.get("file")
    outcome.source = "pasted text"
    if upload is not None and upload.filename:
        outcome.source = Path(upload.filename).name or "uploaded file"


def _principal(outcome: Outcome) -> Principal | None:
    """The steward the form's token speaks for (401 for a wrong one, counted by the failure limiter;
    429 past it), or None without a token: then the anonymous dry-run limits apply."""
    token = request.form.get("token", "").strip()
    if token:
        return auth.principal_of(token)
    if outcome.action == "submit":
        raise Unauthorized("submitting a draft needs a steward's token: type it into the token field "
                           "(a steward gets one from `driehoek token add NAME`)")
    admit_anonymous()  # the rate per client address, and the body's size as Content-Length gives it
    return None


def _data(outcome: Outcome, principal: Principal | None) -> bytes:
    """The bytes to check: the uploaded file if one was chosen, else the pasted text."""
    upload = request.files.get("file")
    data = b""
    if upload is not None and upload.filename:
        data = upload.read()
        try:
            shown = data.decode("utf-8") if len(data) <= ECHO_LIMIT else ""
        except UnicodeDecodeError:
            shown = ""
        outcome.text = shown or outcome.text
    if not data:
        data = outcome.text.encode("utf-8")
    if not data.strip():
        raise BadRequest("there is nothing to check: paste a case into the text field or choose a file")
    if principal is None:
        check_anonymous_size(len(data))
    return data


# -- submitting a draft ------------------------------------------------------------------------------

def _submit(outcome: Outcome, source: Source, principal: Principal) -> None:
    """Write the source to {base}graph/private/drafts/{slug}, the steward's own private graph, through
    the Graph Store's write path (a PUT: the draft is replaced whole), gate and ownership included."""
    service = get_service()
    slug = outcome.slug or _case_slug(source)
    if not is_slug(slug):
        raise BadRequest(f"{slug!r} is not a slug: lower-case letters and digits in words joined by '-'",
                         parameter="slug")
    outcome.slug = slug
    graph = service.graph_iri(_drafts_base() + slug)
    created, result = service.write_graph(graph, source, mode="replace", agent=principal.name, operation="put",
                                          principal=principal)
    commit = result.commit
    assert commit is not None
    outcome.report = result.reports[0] if result.reports else None
    outcome.written = {"graph": graph.value, "created": created, "triples": commit.graphs.get(graph.value, 0)}
    outcome.status = 201 if created else 200


def _case_slug(source: Source) -> str:
    """The slug of the one case the source describes as {base}id/case/{slug}; BadRequest when there
    is not exactly one (then the form's slug field names the draft)."""
    base = get_service().settings.base_iri + "id/case/"
    with source.open() as raw:
        quads = parse(raw.read(), source.fmt, base_iri=get_service().settings.base_iri, source_name=source.name)
        cases = {q.subject.value for q in quads
                 if q.predicate.value == RDF_TYPE and q.object == ox.NamedNode(DH + "Case")
                 and isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(base)}
    if len(cases) != 1:
        raise BadRequest(f"the text describes {len(cases)} cases under {base}: name the draft in the "
                         "slug field", parameter="slug")
    return cases.pop()[len(base):]


# -- the report, per resource ------------------------------------------------------------------------

def _by_resource(report: Report, lang: str) -> list[dict[str, Any]]:
    """The report's results grouped by focus node, violations first, each with its message in LANG."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for result in sorted(report.results, key=lambda r: (r.severity != "violation", r.focus, r.path or "")):
        groups.setdefault(result.focus, []).append(_result(result, lang))
    return [{"focus": focus, "blank": focus.startswith("_:"), "results": results,
             "violations": sum(r["severity"] == "violation" for r in results)} for focus, results in groups.items()]


def _result(result: Result, lang: str) -> dict[str, Any]:
    message_lang = lang if result.messages.get(lang) else next(
        (tag for tag in ("en", "nl") if result.messages.get(tag)), "")
    path = result.path or ""
    return {"severity": result.severity, "path": "" if path.startswith("_:") else shape_rules.short(path),
            "path_iri": "" if path.startswith("_:") else path, "value": result.value,
            "message": result.messages.get(message_lang) or result.message,
            "message_lang": message_lang if message_lang in ("nl", "en") else "en"}


# -- /validate in a browser ------------------------------------------------------------------------

@bp.get("/validate")
def validate_in_a_browser() -> ResponseReturnValue:
    """GET /validate: a browser is sent to the page with the form; any other client gets the 405 it
    always got (the dry run is a POST)."""
    if wants_html():
        return redirect("/contribute", 303)
    raise MethodNotAllowed(valid_methods=["OPTIONS", "POST"])
