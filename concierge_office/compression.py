# SPDX-License-Identifier: Apache-2.0
"""Compressed responses (zstd, brotli, gzip by Accept-Encoding) and compressed uploads.

Responses go through starlette-compress. Request bodies sent with ``Content-Encoding:
gzip`` or ``zstd`` are inflated here, before the body limit sees them, and refused
with 413 once they would inflate beyond the route's limit (a zip bomb costs us at
most that many bytes). Every response says which request codings we accept
(``Accept-Encoding``, RFC 7694), so a client compresses uploads only to an office
that can read them.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

import zstandard
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette_compress import CompressMiddleware

from concierge_office.errors import error_response

REQUEST_CODINGS = ("gzip", "zstd")
ACCEPTED = ", ".join(REQUEST_CODINGS)
MINIMUM_SIZE = 1024  # smaller responses are not worth a coding


def install_compression(app: Starlette, limit_for: Callable[[str], int]) -> None:
    """Add both middlewares to ``app`` (inside any added later)."""
    app.add_middleware(RequestDecompressionMiddleware, limit_for=limit_for)
    app.add_middleware(CompressMiddleware, minimum_size=MINIMUM_SIZE)


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def inflate(coding: str, body: bytes, limit: int) -> bytes:
    """``body`` decoded; 413 past ``limit`` bytes, 400 if corrupt, 415 if unknown."""
    try:
        if coding == "gzip":
            inflater = zlib.decompressobj(wbits=31)
            out = inflater.decompress(body, limit + 1)
            if len(out) <= limit and not inflater.eof:
                raise _Refused(400, "bad_request", "The gzip request body is truncated.")
        elif coding == "zstd":
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(body))
            out = reader.read(limit + 1)
        else:
            raise _Refused(415, "unsupported_media_type",
                           f"Content-Encoding {coding!r} is not supported; use {ACCEPTED}.")
    except (zlib.error, zstandard.ZstdError) as exc:
        raise _Refused(400, "bad_request", f"The {coding} request body is corrupt.") from exc
    if len(out) > limit:
        raise _Refused(413, "payload_too_large",
                       f"Request body inflates to more than {limit} bytes.")
    return out


class RequestDecompressionMiddleware:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _advertising(send)
        headers = MutableHeaders(scope=scope)
        coding = headers.get("content-encoding", "identity").strip().lower()
        if coding == "identity":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        try:
            body = inflate(coding, await _whole_body(receive, limit), limit)
        except _Refused as refused:
            await error_response(refused.status, refused.code, refused.message)(
                scope, receive, send)
            return
        del headers["content-encoding"]
        headers["content-length"] = str(len(body))
        delivered = False

        async def inflated() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # e.g. http.disconnect
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, inflated, send)


async def _whole_body(receive: Receive, limit: int) -> bytes:
    """The compressed body; a compressed body over the limit is refused too."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _Refused(413, "payload_too_large", f"Request body is larger than {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _advertising(send: Send) -> Send:
    async def send_with_accept(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()),
                                  (b"accept-encoding", ACCEPTED.encode())]
        await send(message)

    return send_with_accept
