"""Memento (RFC 7089) for resources: a resource answers as it was at a time.

- The original resource (URI-R) is the resource's document, /doc/{kind}/{slug} or /org/{code}; it is
  its own TimeGate: with `Accept-Datetime` it answers 302 Found to the memento that was current then.
- A memento (URI-M) is the document with `?version={time}` (UTC, e.g. 2026-12-04T10:00:00Z): the
  resource's description as the dataset held it at that time (versions.py), in every format the
  document has, with `Memento-Datetime` and links to the original, the TimeGate and the TimeMap.
- The TimeMap is /timemap/doc/{kind}/{slug} (or /timemap/org/{code}): every memento with its time, in
  application/link-format, or JSON.

A resource's versions are the moments at which a graph that describes it (now or in a kept version)
was written. Private graphs never have versions. A withdrawn resource's history stays readable to
stewards only: anonymous requests get its 410 as before.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from .. import pages, versions
from ..errors import BadRequest, NotFound
from .auth import optional_principal
from .context import current_snapshot, get_service, get_settings

bp = Blueprint("memento", __name__)
LABELS = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://purl.org/dc/terms/title",
          "http://www.w3.org/2000/01/rdf-schema#label")



def steward() -> bool:
    """True when the request carries a valid token (a steward may read withdrawn history)."""
    return optional_principal() is not None


def _graphs(iri: str, with_withdrawn: bool) -> set[str]:
    """The public graphs that describe the resource now or in a kept version."""
    service = get_service()
    node = ox.NamedNode(iri)
    live = service.store.raw
    found = {q.graph_name.value for q in live.quads_for_pattern(node, None, None, None)
             if isinstance(q.graph_name, ox.NamedNode)}
    for side in versions.RELATION_SIDES:
        found |= {q.graph_name.value for q in live.quads_for_pattern(None, side, node, None)
                  if isinstance(q.graph_name, ox.NamedNode)}
    found |= service.versions.graphs_mentioning(node)
    hidden = set() if with_withdrawn else set(service.withdrawn_graphs())
    meta = service.store.meta_graph.value
    return {g for g in found if not service.is_private(g) and g not in hidden and g != meta
            and not g.startswith(service.versions.version_base)}


def _modified(graphs: set[str]) -> dict[str, datetime | None]:
    """The live graphs among `graphs` and when each was last written."""
    service = get_service()
    out: dict[str, datetime | None] = {}
    for graph in graphs:
        node = ox.NamedNode(graph)
        if not any(True for _ in service.store.raw.quads_for_pattern(None, None, None, node)):
            continue  # deleted: only its kept versions tell
        value = service.graph_modified(node)
        out[graph] = versions.parse_time(value) if value else None
    return out


def moments(iri: str, with_withdrawn: bool = False) -> list[datetime]:
    """The times at which the resource's description may have changed, oldest first (its mementos)."""
    service = get_service()
    graphs = _graphs(iri, with_withdrawn)
    points: set[datetime] = set()
    for version in service.versions.versions(graphs):
        if version.valid_from is not None:
            points.add(version.valid_from.replace(microsecond=0))
        points.add(version.valid_until.replace(microsecond=0))
    points |= {t.replace(microsecond=0) for t in _modified(graphs).values() if t is not None}
    return sorted(points)


def at(iri: str, moment: datetime, with_withdrawn: bool = False) -> list[ox.Triple]:
    """The resource's description as the dataset held it at `moment`."""
    service = get_service()
    graphs = _graphs(iri, with_withdrawn)
    sources = versions.sources_at(service.versions, service.store.raw, _modified(graphs), sorted(graphs), moment)
    return sorted(versions.description(ox.NamedNode(iri), sources), key=str)


def parse_version(value: str) -> datetime:
    """?version= as a moment (ISO 8601; a date means its last second, as 'the state on that day')."""
    try:
        if len(value) == 10:
            return datetime.fromisoformat(value).replace(hour=23, minute=59, second=59, tzinfo=timezone.utc)
        return versions.parse_time(value)
    except ValueError as err:
        raise BadRequest(f"?version={value!r} is not a time: give one like 2026-12-04T10:00:00Z or 2026-12-04") from err


def parse_accept_datetime(value: str) -> datetime:
    """Accept-Datetime (an HTTP-date, RFC 7089 §2.1.1)."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError) as err:
        raise BadRequest(f"Accept-Datetime {value!r} is not an HTTP date (e.g. Thu, 04 Dec 2026 10:00:00 GMT)") from err
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def memento_for(iri: str, moment: datetime, with_withdrawn: bool) -> datetime | None:
    """The memento current at `moment`: the latest change point at or before it (None: none yet)."""
    before = [t for t in moments(iri, with_withdrawn) if t <= moment]
    return before[-1] if before else None


def links(iri: str, path: str, points: list[datetime]) -> list[str]:
    """Link header entries of a memento or an original: original, TimeGate, TimeMap, first and last."""
    out = [f'<{iri}>; rel="original"', f'<{path}>; rel="timegate"',
           f'<{timemap_path(path)}>; rel="timemap"; type="application/link-format"']
    if points:
        first, last = points[0], points[-1]
        out.append(f'<{path}?version={versions.format_time(first)}>; rel="first memento"; '
                   f'datetime="{format_datetime(first, usegmt=True)}"')
        if last != first:
            out.append(f'<{path}?version={versions.format_time(last)}>; rel="last memento"; '
                       f'datetime="{format_datetime(last, usegmt=True)}"')
    return out


def timemap_path(path: str) -> str:
    return "/timemap" + path


def timegate(iri: str, path: str, with_withdrawn: bool) -> Response:
    """302 to the memento current at the requested Accept-Datetime."""
    wanted = parse_accept_datetime(request.headers["Accept-Datetime"])
    found = memento_for(iri, wanted, with_withdrawn)
    if found is None:
        raise NotFound(f"{iri} has no version at or before {format_datetime(wanted, usegmt=True)}", iri=iri)
    response = redirect(f"{path}?version={versions.format_time(found)}", 302)
    response.vary.add("Accept-Datetime")
    response.headers["Link"] = ", ".join(links(iri, path, moments(iri, with_withdrawn)))
    return response


def memento_reader(triples: list[ox.Triple], base_iri: str, current: pages.Snapshot, key: str) -> pages.Pages:
    """Pages over the memento's triples alone, plus the current labels of what they point at (so that a
    page can name them; the RDF of a memento is its triples only)."""
    store = ox.Store()
    graph = ox.NamedNode(base_iri + "graph/memento")
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    named = {t.object for t in triples if isinstance(t.object, ox.NamedNode)}
    labels = [ox.Quad(q.subject, q.predicate, q.object, graph) for node in named for p in LABELS
              for q in current.store.quads_for_pattern(node, ox.NamedNode(p), None, None)
              if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in current.withdrawn)]
    store.extend(labels)
    return pages.Snapshot(store, key=key, base_iri=base_iri).pages()


@bp.get("/timemap/<path:path>")
def timemap(path: str) -> ResponseReturnValue:
    """The TimeMap of /doc/{kind}/{slug} or /org/{code}: link-format, or JSON on Accept."""
    target = "/" + path
    parts = path.split("/")
    iri = None
    if len(parts) == 3 and parts[0] == "doc":
        iri = pages.iri_for_path(parts[1], parts[2], get_settings().base_iri)
    elif len(parts) == 2 and parts[0] == "org":
        iri = current_snapshot().pages().organisation_iri(parts[1])
    if iri is None:
        raise NotFound(f"no TimeMap for {target}: give /timemap/doc/{{kind}}/{{slug}} or /timemap/org/{{code}}")
    with_withdrawn = steward()
    points = moments(iri, with_withdrawn)
    if not points:
        raise NotFound(f"no versions of {iri}", iri=iri)
    if request.accept_mimetypes.best_match(["application/link-format", "application/json"]) == "application/json":
        return jsonify({"original": iri, "timegate": target, "mementos": [
            {"datetime": versions.format_time(t), "uri": f"{target}?version={versions.format_time(t)}"} for t in points]})
    entries = [f'<{iri}>; rel="original"', f'<{target}>; rel="timegate"',
               f'<{timemap_path(target)}>; rel="self"; type="application/link-format"; '
               f'from="{format_datetime(points[0], usegmt=True)}"; until="{format_datetime(points[-1], usegmt=True)}"']
    for index, moment in enumerate(points):
        rel = "first memento" if index == 0 else "last memento" if index == len(points) - 1 else "memento"
        entries.append(f'<{target}?version={versions.format_time(moment)}>; rel="{rel}"; '
                       f'datetime="{format_datetime(moment, usegmt=True)}"')
    return Response(",\n".join(entries) + "\n", content_type="application/link-format")


__all__ = ["bp", "at", "moments", "memento_for", "links", "timegate", "parse_version", "memento_reader", "steward"]
