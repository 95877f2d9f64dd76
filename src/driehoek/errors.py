"""Typed errors: each carries an HTTP status, a machine code and a message a person can act on."""

from __future__ import annotations

from typing import Any


class DriehoekError(Exception):
    """Base of every error driehoek reports to a user; never a traceback."""

    status = 500
    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers: dict[str, str] = {}

    def to_json(self) -> dict[str, Any]:
        """The JSON error body: {"error": code, "message": ..., **details}."""
        return {"error": self.code, "message": self.message, **self.details}


class BadRequest(DriehoekError):
    """Malformed input: bad syntax, missing parameter, conflicting parameters."""

    status, code = 400, "bad_request"


class SyntaxErrorInInput(BadRequest):
    """RDF or SPARQL that does not parse; details carry line and column where known."""

    code = "syntax_error"


class Unauthorized(DriehoekError):
    """No token or an invalid one."""

    status, code = 401, "unauthorized"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.headers["WWW-Authenticate"] = 'Bearer realm="driehoek"'


class Forbidden(DriehoekError):
    """The caller may not do this, token or not."""

    status, code = 403, "forbidden"


class NotFound(DriehoekError):
    """No such resource or graph."""

    status, code = 404, "not_found"


class NotAcceptable(DriehoekError):
    """No format the client accepts can be produced."""

    status, code = 406, "not_acceptable"


class Conflict(DriehoekError):
    """The request conflicts with the current state (e.g. the graph already exists)."""

    status, code = 409, "conflict"


class Gone(DriehoekError):
    """A withdrawn resource: its tombstone says who withdrew it, when and why."""

    status, code = 410, "gone"


class PreconditionFailed(DriehoekError):
    """If-Match / If-None-Match did not hold."""

    status, code = 412, "precondition_failed"


class PayloadTooLarge(DriehoekError):
    """The body is over DRIEHOEK_MAX_UPLOAD."""

    status, code = 413, "payload_too_large"


class UnsupportedMediaType(DriehoekError):
    """The body's media type is not one driehoek reads here."""

    status, code = 415, "unsupported_media_type"


class TooManyRequests(DriehoekError):
    """Too many failed attempts from one client; try again after Retry-After seconds."""

    status, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: int = 60, **details: Any) -> None:
        super().__init__(message, **details)
        self.headers["Retry-After"] = str(retry_after)


class ValidationFailed(DriehoekError):
    """The SHACL gate found violations; `report` holds the validation report."""

    status, code = 422, "shacl_violation"

    def __init__(self, message: str, report: Any, **details: Any) -> None:
        super().__init__(message, **details)
        self.report = report

    def to_json(self) -> dict[str, Any]:
        """The error body with the report's results inlined."""
        return {**super().to_json(), "report": self.report.to_json()}


class QueryTimeout(DriehoekError):
    """A user query was stopped at its time limit."""

    status, code = 503, "query_timeout"

    def __init__(self, message: str, retry_after: int = 5, **details: Any) -> None:
        super().__init__(message, **details)
        self.headers["Retry-After"] = str(retry_after)


class ServiceUnavailable(DriehoekError):
    """The service cannot answer now (overloaded, store busy); try again later."""

    status, code = 503, "unavailable"

    def __init__(self, message: str, retry_after: int = 5, **details: Any) -> None:
        super().__init__(message, **details)
        self.headers["Retry-After"] = str(retry_after)


class StoreError(DriehoekError):
    """The store could not do what was asked (disk full, corrupt, locked)."""

    status, code = 503, "store_error"


class InsufficientStorage(StoreError):
    """The disk holding the store is full: the write did not happen (or, if the message says so, was
    stored but not yet published to readers)."""

    status, code = 507, "insufficient_storage"


class ValidationTimeout(QueryTimeout):
    """The SHACL gate was stopped at its time limit (DRIEHOEK_VALIDATION_TIMEOUT); nothing was written."""

    code = "validation_timeout"


def rebuild_error(payload: tuple[str, str, dict[str, Any]]) -> DriehoekError:
    """A typed error sent over a pipe by a worker process as (class name, message, details), raised
    again on this side (an unknown name becomes a plain DriehoekError)."""
    name, message, details = payload
    cls = globals().get(name, DriehoekError)
    if not (isinstance(cls, type) and issubclass(cls, DriehoekError)):
        cls = DriehoekError
    try:
        return cls(message, **details)
    except TypeError:
        return DriehoekError(message)
