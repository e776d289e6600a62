# SPDX-License-Identifier: Apache-2.0
"""API failures, each with a message a technician can act on."""

from __future__ import annotations


class ApiError(Exception):
    """Base: ``message`` is for people; ``status``/``code`` for code."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after


class OfflineError(ApiError):
    """The server could not be reached (no network, refused, timed out)."""


class NotRespondingError(OfflineError):
    """The server is too slow or stalled: a request or the whole run ran out of time."""


class TlsError(OfflineError):
    """The TLS handshake failed (untrusted or mismatching certificate)."""


class ClockSkewError(TlsError):
    """TLS failed on the certificate's dates: this computer's clock is probably wrong."""


class ServerError(ApiError):
    """The server failed or is busy (5xx, 429) even after retries."""


class UnauthorizedError(ApiError):
    """The sign-in is no longer valid (401 after one refresh) or not allowed (403)."""


class InvalidRequestError(ApiError):
    """The server refused the request itself (4xx other than auth)."""


class ResetRequiredError(ApiError):
    """The sync cursor is too old or unknown: pull again from scratch (410)."""


class MalformedResponseError(ApiError):
    """The server answered something this app does not understand."""
