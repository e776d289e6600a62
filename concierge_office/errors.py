# SPDX-License-Identifier: Apache-2.0
"""Error responses: every failure leaves the API as a ``schemas.ErrorResponse``."""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Coroutine, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import pydantic_core
from fastapi import FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from concierge.protocol.schemas import ErrorBody, ErrorDetail, ErrorResponse

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


class ApiError(HTTPException):
    """An expected failure with a machine-readable code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Sequence[ErrorDetail] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers)
        self.code = code
        self.message = message
        self.details = list(details)


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, "not_found", f"No {what} with id {ident!r}.")


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[ErrorDetail] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, details=list(details)))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


# --- strict JSON --------------------------------------------------------------

# Bytes that may hide what the one parser lets through but the rules refuse: an exponent
# of three digits or a 300-digit number (may overflow to infinity), or an escaped NUL.
_NEEDS_WALK = re.compile(rb"[eE][+]?0*[1-9][0-9]{2,}|[0-9]{300,}|\\u0000")


class UnstorableText(ApiError):
    """Text no database can keep or serve back (a lone surrogate or NUL): 422 naming it."""

    def __init__(self, loc: Sequence[str | int], what: str) -> None:
        detail = ErrorDetail(loc=["body", *loc], message=f"text must not contain {what}",
                             code="invalid_text")
        field = ".".join(map(str, loc)) or "body"
        super().__init__(422, "invalid_text", f"{field} contains {what}.", [detail])


def strict_json_loads(data: bytes | str) -> Any:
    """JSON under one set of rules, whatever the body holds.

    One parser (pydantic-core) reads every body.  Refused: NaN and infinities, numbers
    that overflow to infinity (400, like any malformed JSON), and text no database can
    serve back: lone surrogates and NUL (422 naming the field).
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        value = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        where = _surrogate_path(raw)
        if where is not None:
            raise UnstorableText(where, "a lone surrogate") from exc
        raise json.JSONDecodeError(str(exc), "", 0) from exc
    if _NEEDS_WALK.search(raw):
        _check_tree(value, [])
    return value


def _check_tree(value: Any, path: list[str | int]) -> None:
    if isinstance(value, float):
        if value in (math.inf, -math.inf):
            raise json.JSONDecodeError(f"a number at {_dotted(path)} is out of range", "", 0)
    elif isinstance(value, str):
        if "\x00" in value:
            raise UnstorableText(path, "a NUL character")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                raise UnstorableText([*path, key], "a NUL character")
            _check_tree(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_tree(item, [*path, index])


def _surrogate_path(raw: bytes) -> list[str | int] | None:
    """Where a lone surrogate sits in a body the parser refused, if that was the reason.

    Only names the field in the error: the body is refused either way.
    """
    if b"\\u" not in raw:
        return None
    try:
        tree = json.loads(raw)
    except ValueError:
        return None
    return _find_surrogate(tree, [])


def _find_surrogate(value: Any, path: list[str | int]) -> list[str | int] | None:
    if isinstance(value, str):
        return path if _has_surrogate(value) else None
    items: Any = ()
    if isinstance(value, dict):
        for key in value:
            if _has_surrogate(key):
                return [*path, key.encode("utf-8", "replace").decode()]
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, item in items:
        found = _find_surrogate(item, [*path, key])
        if found is not None:
            return found
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _dotted(path: Sequence[str | int]) -> str:
    return ".".join(map(str, path)) or "the top level"


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_json_loads(await self.body())
        return self._json


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route and its dependencies read."""
    names = {param.alias for param in dependant.query_params}
    for child in dependant.dependencies:
        names |= _query_names(child)
    return names


def _nul_in_path_or_query(request: Request) -> tuple[str, str] | None:
    """Where a path or query value holds a NUL (no database can look it up: PostgreSQL
    refuses the statement), as ("path" or "query", name); None if nowhere."""
    for name, value in request.path_params.items():
        if "\x00" in str(value):
            return "path", name
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            return "query", name
    return None


class StrictJSONRoute(APIRoute):
    """Route whose JSON bodies are parsed with :func:`strict_json_loads`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = _query_names(self.dependant)

        async def strict_handler(request: Request) -> Response:
            unstorable = _nul_in_path_or_query(request)
            if unstorable is not None:
                detail = ErrorDetail(loc=list(unstorable), code="invalid_text",
                                     message="text must not contain a NUL character")
                return error_response(422, "invalid_text",
                                      f"{unstorable[1]} contains a NUL character.", [detail])
            unknown = sorted(set(request.query_params) - known)
            if unknown:  # a typo (?limt=5) must not be ignored silently
                details = [ErrorDetail(loc=["query", name], message="unknown parameter",
                                       code="unknown_parameter") for name in unknown]
                names = ", ".join(repr(name) for name in unknown)
                return error_response(422, "unknown_parameter",
                                      f"Unknown query parameter(s): {names}.", details)
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler


# --- body size limit ----------------------------------------------------------


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "payload_too_large", f"Request body is larger than {limit} bytes.")


class BodyLimitMiddleware:
    """Pure ASGI middleware refusing bodies over a per-path limit before parsing."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                await error_response(413, "payload_too_large", _too_large(limit))(
                    scope, receive, send
                )
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def _too_large(limit: int) -> str:
    return f"Request body is larger than {limit} bytes."


# --- handlers -----------------------------------------------------------------


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """The methods some route serves at this path (a path may have one route per method),
    asked of the routes themselves; OPTIONS too, which the office answers everywhere."""
    routes = request.app.router.routes
    served = [
        method for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
               for route in routes)
    ]
    return [*served, "OPTIONS"]


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allow = ", ".join(allowed_methods(request))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allow})
        message = f"{request.method} is not allowed here; allowed: {allow}."
        return error_response(405, "method_not_allowed", message, headers={"Allow": allow})
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)
    status = exc.status_code
    code = _CODES.get(status, "error")
    message = str(exc.detail) if exc.detail else HTTPStatus(status).phrase
    return error_response(status, code, message, headers=exc.headers)


def validation_details(errors: Sequence[Any]) -> list[ErrorDetail]:
    return [
        ErrorDetail(
            loc=[p if isinstance(p, int) else str(p) for p in err.get("loc", ())],
            message=str(err.get("msg", "invalid")),
            code=str(err.get("type", "invalid")),
        )
        for err in errors
    ]


def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        reason = next(str(e.get("ctx", {}).get("error", "")) for e in errors)
        return error_response(400, "invalid_json", f"Request body is not valid JSON: {reason}.")
    return error_response(
        422, "validation_error", "The request is not valid.", validation_details(errors)
    )


def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Internal server error.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 413, 422, 429)
}
