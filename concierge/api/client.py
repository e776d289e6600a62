# SPDX-License-Identifier: Apache-2.0
"""HTTP client of the back office API: typed calls, timeouts, retries, token refresh.

Every request has connect and read timeouts, a limit on its whole duration (however
slowly the server trickles) and TLS verification on.  There is exactly one retry
layer: each call retries transient failures (network errors, truncated bodies,
429/5xx) with exponential backoff and full jitter, honouring Retry-After up to a cap;
a longer Retry-After ends the call at once (the sync run is rescheduled).  An
optional deadline bounds everything the client does for one sync run.  A 401
refreshes the access token once and repeats the call.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlsplit

import requests
from pydantic import BaseModel, ValidationError

from concierge import APP_NAME, __version__
from concierge.api.compression import accepted_codings, encode_body
from concierge.api.errors import (
    ApiError,
    ClockSkewError,
    InvalidRequestError,
    MalformedResponseError,
    NotRespondingError,
    OfflineError,
    ResetRequiredError,
    ServerError,
    TlsError,
    UnauthorizedError,
)
from concierge.api.retry import TRANSIENT_STATUSES, RetryPolicy, parse_retry_after
from concierge.api.watchdog import Watchdog, WatchedAdapter
from concierge.domain import InsightKind
from concierge.netpolicy import check_server_url
from concierge.protocol import columns, schemas
from concierge.protocol.schemas import (
    INSIGHT_KINDS_HEADER,
    SYNC_FEATURES,
    SYNC_FEATURES_HEADER,
)

M = TypeVar("M", bound=BaseModel)

DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds
DEFAULT_REQUEST_LIMIT = 120.0  # seconds for one whole request, body included
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def _json_windows(windows: schemas.TelemetryWindows) -> columns.WindowColumns:
    import numpy as np

    def arrays(s: schemas.TelemetrySeries) -> columns.SeriesColumns:
        t, mean, low, high = (np.asarray(v, dtype=np.float64) for v in (s.t, s.mean, s.min, s.max))
        return columns.SeriesColumns(s.asset_id, s.metric, s.bucket_seconds, t, mean, low, high)

    return columns.WindowColumns([arrays(s) for s in windows.series], list(windows.unavailable))


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes


class TokenSource(Protocol):
    """Where the client gets bearer tokens (``concierge.auth.Account``)."""

    def access_token(self) -> str | None: ...

    def renew_access_token(self, rejected: str | None) -> str | None:
        """A fresh token after ``rejected`` got a 401, or None if signing in again is needed."""
        ...


class ApiClient:
    def __init__(
        self,
        base_url: str,
        tokens: TokenSource | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        request_limit: float = DEFAULT_REQUEST_LIMIT,
    ) -> None:
        self.base_url = check_server_url(base_url)
        self.tokens = tokens
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.request_limit = request_limit
        self.server_time: float | None = None  # from the last response's Date header
        self.request_codings: frozenset[str] = frozenset()  # what the office said it reads
        self.compact_telemetry = True  # ask for compact columns (False: JSON, as before)
        self._cancel = threading.Event()
        self._deadline: float | None = None  # time.monotonic() by which a run must end
        self._session = requests.Session()
        adapter = WatchedAdapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = f"{APP_NAME}/{__version__}"
        # Insights of a kind not listed here reach this app as their fallback kind.
        self._session.headers[INSIGHT_KINDS_HEADER] = ",".join(k.value for k in InsightKind)
        # Additions to the pull this client reads (an office sends older clients none).
        self._session.headers[SYNC_FEATURES_HEADER] = SYNC_FEATURES

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def cancel(self) -> None:
        """Stop waiting between retries (for shutdown); later calls fail fast."""
        self._cancel.set()

    @contextlib.contextmanager
    def deadline(self, seconds: float | None) -> Iterator[None]:
        """Every call made inside ends within ``seconds`` from now (None: no limit)."""
        previous = self._deadline
        self._deadline = None if seconds is None else time.monotonic() + seconds
        try:
            yield
        finally:
            self._deadline = previous

    # --- endpoints -------------------------------------------------------------------

    def login(self, username: str, password: str) -> schemas.TokenPair:
        """Retried on network errors and 5xx (a repeat only makes a spare token pair);
        a 429 (too many failed sign-ins) is not retried."""
        body = schemas.LoginRequest(username=username, password=password)
        return self._call("POST", "/auth/login", schemas.TokenPair, json=body, auth=False,
                          retry_statuses=TRANSIENT_STATUSES - {429})

    def refresh(self, refresh_token: str) -> schemas.TokenPair:
        """Retried on transient faults: the office answers a repeat of the same refresh
        token within its grace period with a fresh pair, so a lost reply costs nothing."""
        body = schemas.RefreshRequest(refresh_token=refresh_token)
        return self._call("POST", "/auth/refresh", schemas.TokenPair, json=body, auth=False)

    def set_up(self, token: str, username: str, password: str) -> schemas.SetupResult:
        """Create a new office's first administrator with its one-time setup token (not
        retried: the token is spent by the first reply that arrives)."""
        body = schemas.SetupRequest(token=token, username=username, password=password)
        return self._call("POST", "/setup", schemas.SetupResult, json=body, auth=False,
                          retry_post=False)

    def me(self) -> schemas.UserInfo:
        return self._call("GET", "/me", schemas.UserInfo)

    def put_day_status(self, report: schemas.DayStatusReport) -> schemas.DayStatusReport:
        """The latest report replaces the last: safe to repeat."""
        return self._call("PUT", "/me/day-status", schemas.DayStatusReport, json=report)

    def serve_digest(self) -> schemas.ServeDigest:
        """Praise, follow-ups and "did it hold" of the technician's own customers (#19)."""
        return self._call("GET", "/serve/digest", schemas.ServeDigest)

    def health(self) -> schemas.Health:
        return self._call("GET", "/health", schemas.Health, auth=False)

    def pull(
        self, cursor: str | None, limit: int, *,
        near: tuple[datetime, datetime] | None = None, skip: str | None = None,
    ) -> schemas.PullResponse:
        """A page of changes.  ``near``: only the visits in that window (and open ones
        before it) and what they reference; with ``skip`` (a near pull's last cursor): the
        snapshot without what that near pull sent.  An office that does not know them
        answers a plain pull (its reply has no ``scope``)."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        if near is not None:
            params["near_from"], params["near_until"] = (t.isoformat() for t in near)
        if skip is not None:
            params["skip"] = skip
        return self._call("GET", "/sync/changes", schemas.PullResponse, params=params)

    def push(self, mutations: list[schemas.Mutation]) -> schemas.PushResponse:
        """Safe to repeat: op ids make the server answer repeats with the first result."""
        return self._call("POST", "/sync/push", schemas.PushResponse,
                          json=schemas.PushRequest(mutations=mutations))

    def has_attachment(self, sha256: str) -> bool:
        return self._send("HEAD", f"/attachments/{sha256}", ok_statuses={404}).status == 200

    def put_attachment(
        self, sha256: str, content: bytes, content_type: str
    ) -> schemas.AttachmentInfo:
        return self._call("PUT", f"/attachments/{sha256}", schemas.AttachmentInfo, data=content,
                          headers={"Content-Type": content_type})

    def telemetry_windows(
        self, request: schemas.TelemetryWindowRequest
    ) -> columns.WindowColumns:
        """Read-only, so retried like a GET.

        Asks for compact columns (``columns.MEDIA_TYPE``); an office from before them
        answers JSON, which is read as before.
        """
        body, coding = encode_body(request.model_dump_json().encode(), self.request_codings)
        accept = f"{columns.MEDIA_TYPE}, application/json;q=0.5"
        headers = {"Content-Type": "application/json",
                   "Accept": accept if self.compact_telemetry else "application/json"}
        if coding:
            headers["Content-Encoding"] = coding
        reply = self._send("POST", "/telemetry/windows", data=body, headers=headers)
        kind = reply.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if kind == columns.MEDIA_TYPE:
                return columns.decode_message(reply.body)
            return _json_windows(schemas.TelemetryWindows.model_validate_json(reply.body))
        except (ValidationError, columns.ColumnsError) as exc:
            raise MalformedResponseError(
                f"The server at {self.base_url} sent telemetry this app does not understand "
                f"({exc}). Check that the app is up to date.",
                status=reply.status,
            ) from exc

    def telemetry(
        self, asset_id: str, metric: str, start: datetime, end: datetime, max_points: int = 2000
    ) -> schemas.TelemetrySeries:
        params: dict[str, str | int] = {
            "metric": metric, "start": start.isoformat(), "end": end.isoformat(),
            "max_points": max_points,
        }
        return self._call("GET", f"/telemetry/{quote(asset_id, safe='')}", schemas.TelemetrySeries,
                          params=params)

    def reachable(self, timeout: float = 2.0) -> bool:
        """Cheap check that the server's port answers (for 'network regained')."""
        parts = urlsplit(self.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname or "", port), timeout=timeout):
                return True
        except OSError:
            return False

    # --- plumbing --------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        json: BaseModel | None = None,
        auth: bool = True,
        retry_post: bool = True,
        retry_statuses: frozenset[int] = TRANSIENT_STATUSES,
        **kwargs: Any,
    ) -> M:
        if json is not None:
            body, coding = encode_body(json.model_dump_json(exclude_unset=False).encode(),
                                       self.request_codings)
            kwargs["data"] = body
            kwargs["headers"] = {"Content-Type": "application/json"}
            if coding:
                kwargs["headers"]["Content-Encoding"] = coding
        reply = self._send(method, path, auth=auth, retry_post=retry_post,
                           retry_statuses=retry_statuses, **kwargs)
        try:
            return model.model_validate_json(reply.body)
        except ValidationError as exc:
            raise MalformedResponseError(
                f"The server at {self.base_url} sent a reply this app does not understand "
                f"({method} {path}: {exc.error_count()} problems, first: "
                f"{exc.errors()[0]['msg']}). Check that the app is up to date.",
                status=reply.status,
            ) from exc

    def _send(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        retry_post: bool = True,
        retry_statuses: frozenset[int] = TRANSIENT_STATUSES,
        ok_statuses: frozenset[int] | set[int] = frozenset(),
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Reply:
        url = f"{self.base_url}{schemas.API_PREFIX}{path}"
        attempts = self.retry.attempts if (method != "POST" or retry_post) else 1
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            if self._cancel.is_set():
                raise OfflineError("Sync was stopped.")
            sent_token = self.tokens.access_token() if (auth and self.tokens) else None
            request_headers = dict(headers or {})
            if sent_token:
                request_headers["Authorization"] = f"Bearer {sent_token}"
            limit = self._time_left(self.request_limit)
            timeout = (min(self.timeout[0], limit), min(self.timeout[1], limit))
            with Watchdog(limit) as watchdog:
                try:
                    with self._session.request(
                        method, url, headers=request_headers, timeout=timeout, stream=True,
                        allow_redirects=False, **kwargs,
                    ) as response:
                        body = self._read(response)
                        reply = Reply(response.status_code, response.headers, body)
                except _NETWORK_ERRORS as exc:
                    if watchdog.fired:
                        exc = requests.Timeout(str(exc))
                    if isinstance(exc, requests.exceptions.SSLError):
                        raise self._offline(exc) from exc  # retrying does not mend a certificate
                    if attempt < attempts and self._wait(self.retry.backoff(attempt)):
                        continue
                    raise self._offline(exc) from exc
            self._note_server_time(reply)
            self.request_codings = accepted_codings(reply.headers) or self.request_codings
            status = reply.status
            if status < 300 or status in ok_statuses:
                return reply
            if status == 401 and auth and self.tokens and not renewed:
                renewed = True
                if self.tokens.renew_access_token(sent_token):
                    attempt -= 1
                    continue
            if status in retry_statuses and attempt < attempts:
                after = parse_retry_after(reply.headers.get("Retry-After"))
                if (after is None or after <= self.retry.retry_after_cap) and self._wait(
                    self.retry.backoff(attempt, after)
                ):
                    continue
            raise self._failure(reply)

    def _read(self, response: requests.Response) -> bytes:
        """The whole body (truncation shows as a network error), refusing huge replies."""
        chunks, size = [], 0
        for chunk in response.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise MalformedResponseError(
                    f"The server at {self.base_url} sent a reply larger than "
                    f"{MAX_RESPONSE_BYTES // (1 << 20)} MB; refusing it."
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _time_left(self, at_most: float) -> float:
        """Seconds until the run's deadline (at most ``at_most``); raises once it passed."""
        if self._deadline is None:
            return at_most
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise self._not_responding()
        return min(at_most, left)

    def _wait(self, seconds: float) -> bool:
        """Sleep unless cancelled; True if the caller should retry.  A wait that would
        outlast the run's deadline ends the call instead."""
        if self._deadline is not None and time.monotonic() + seconds >= self._deadline:
            raise self._not_responding()
        return not self._cancel.wait(seconds)

    def _not_responding(self) -> NotRespondingError:
        return NotRespondingError(
            f"The server at {self.base_url} is not responding (it answers too slowly or not "
            "at all). Your changes are kept."
        )

    def _note_server_time(self, reply: Reply) -> None:
        date = reply.headers.get("Date")
        if date:
            with contextlib.suppress(TypeError, ValueError):
                self.server_time = parsedate_to_datetime(date).timestamp()

    def _offline(self, exc: Exception) -> OfflineError:
        if isinstance(exc, requests.Timeout):
            return self._not_responding()
        if isinstance(exc, requests.exceptions.SSLError):
            problem = _certificate_dates_problem(str(exc))
            if problem is not None:
                now = datetime.now().astimezone()
                return ClockSkewError(
                    f"The server's certificate is {problem} by this computer's clock, which "
                    f"says {now:%Y-%m-%d %H:%M}. If that date or time is wrong, correct it and "
                    "try again; if it is right, tell the office."
                )
            return TlsError(
                f"The secure connection to {self.base_url} failed: its certificate is not "
                "trusted or does not match. Check the server address; if it is right, ask the "
                "office about the certificate."
            )
        if isinstance(exc, requests.ConnectionError) and not isinstance(
            exc, requests.exceptions.ChunkedEncodingError
        ):
            reason = "could not be reached"
        else:
            reason = "broke off its reply"
        return OfflineError(
            f"The server at {self.base_url} {reason}. Check your network connection; "
            "your changes are kept and will sync later."
        )

    def _failure(self, reply: Reply) -> ApiError:
        status = reply.status
        code, text = _error_body(reply.body)
        retry_after = parse_retry_after(reply.headers.get("Retry-After"))
        if status == 410 and code == "reset_required":
            return ResetRequiredError(text or "The server asks for a full re-sync.", status=status,
                                      code=code)
        if status in (401, 403):
            message = (
                "Your sign-in has expired or was revoked. Sign in again."
                if status == 401 else f"The server does not allow this: {text or 'forbidden'}."
            )
            return UnauthorizedError(message, status=status, code=code)
        if status in TRANSIENT_STATUSES:
            busy = "is busy" if status == 429 else f"had a problem (HTTP {status})"
            return ServerError(
                f"The server {busy}. Your changes are kept; sync will try again later.",
                status=status, code=code, retry_after=retry_after,
            )
        if 400 <= status < 500:
            return InvalidRequestError(
                f"The server refused the request (HTTP {status}): {text or 'no reason given'}.",
                status=status, code=code,
            )
        return MalformedResponseError(
            f"The server at {self.base_url} answered HTTP {status}, which this app does not "
            "expect. Check the server address.",
            status=status, code=code,
        )


def _certificate_dates_problem(message: str) -> str | None:
    """"expired" or "not yet valid" when TLS failed on the certificate's dates, which is
    what a wrong clock on this computer looks like."""
    lowered = message.lower()
    if "not yet valid" in lowered:
        return "not yet valid"
    if "has expired" in lowered or "certificate expired" in lowered:
        return "expired"
    return None


def _error_body(body_bytes: bytes) -> tuple[str | None, str | None]:
    """(code, message) of an error reply, if it follows the API's error format."""
    try:
        body = schemas.ErrorResponse.model_validate_json(body_bytes)
    except ValidationError:
        return None, None
    return body.error.code, body.error.message
