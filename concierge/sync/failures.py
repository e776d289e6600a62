# SPDX-License-Identifier: Apache-2.0
"""Why a sync failed, as a stable code with parameters; rendered per reader's language.

The engine keeps an English sentence for the log (``SyncResult.error``); people see
``failure_text(result.failure, translator)``.  A code this app does not know (one stored
by a later version, say) is shown as a general failure that names it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
from concierge.i18n import Msg, Translator, msg

Param = str | int | float


@dataclass(frozen=True)
class SyncFailure:
    """``code``: offline, not_responding, tls, clock_skew, server_error, unauthorized,
    refused, reset_loop, malformed_response, unexpected (or a later one).  ``params``:
    JSON values (``retry_at`` ISO time, ``status``, ``server_code``, ``error_type``)."""

    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"code": self.code, "params": dict(self.params)})

    @classmethod
    def from_json(cls, text: str | None) -> SyncFailure | None:
        """A stored failure, or None (nothing stored, or unreadable)."""
        try:
            data = json.loads(text) if text else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("code"), str):
            return None
        params = data.get("params")
        kept = {str(k): v for k, v in (params or {}).items()
                if isinstance(v, str | int | float)} if isinstance(params, dict) else {}
        return cls(data["code"], kept)

    @property
    def retry_at(self) -> datetime | None:
        value = self.params.get("retry_at")
        try:
            return datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None


_CODES: tuple[tuple[type[ApiError], str], ...] = (  # most specific first
    (ClockSkewError, "clock_skew"),
    (TlsError, "tls"),
    (NotRespondingError, "not_responding"),
    (OfflineError, "offline"),
    (ServerError, "server_error"),
    (UnauthorizedError, "unauthorized"),
    (ResetRequiredError, "reset_loop"),
    (MalformedResponseError, "malformed_response"),
    (InvalidRequestError, "refused"),
)


def failure_of(exc: BaseException, retry_at: datetime | None = None) -> SyncFailure:
    """The code (and parameters) of what stopped a sync run."""
    params: dict[str, Param] = {}
    if retry_at is not None:
        params["retry_at"] = retry_at.isoformat()
    if not isinstance(exc, ApiError):
        return SyncFailure("unexpected", {**params, "error_type": type(exc).__name__})
    code = next((code for kind, code in _CODES if isinstance(exc, kind)), "refused")
    if exc.status is not None:
        params["status"] = exc.status
    if exc.code:
        params["server_code"] = exc.code
    return SyncFailure(code, params)


@dataclass(frozen=True)
class _ClockTime:
    """A time of day, formatted by the reader's translator (``10:42`` / ``10:42 AM``)."""

    moment: datetime

    def render(self, translator: Translator) -> str:
        return translator.format_time(self.moment)


def failure_message(failure: SyncFailure) -> Msg:
    """What happened and what to do, for a person (retry time apart: ``retry_message``)."""
    params: dict[str, Any] = dict(failure.params)
    messages = {
        "offline": msg("The back office cannot be reached. Check your network connection; "
                       "your changes are kept and sent later."),
        "not_responding": msg("The back office is not responding in time. Your changes are "
                              "kept and sent later."),
        "tls": msg("The secure connection to the back office failed: its certificate is not "
                   "trusted. Check the server address, or ask the office."),
        "clock_skew": msg("The secure connection failed because this computer's date or "
                          "time looks wrong. Correct the clock, then sync again."),
        "server_error": msg("The back office has a problem or is busy. Your changes are kept "
                            "and sent later."),
        "unauthorized": msg("Your sign-in is no longer valid. Sign in again; your changes "
                            "are kept."),
        "reset_loop": msg("The back office asked twice to start the sync over. Nothing was "
                          "lost; try again later or tell the office."),
        "malformed_response": msg("The back office sent something this app does not "
                                  "understand. Nothing was changed; check that the app is "
                                  "up to date."),
        "refused": msg("The back office refused the sync (code {status}). Your changes are "
                       "kept; tell the office if this persists.",
                       status=str(params.get("status", "?"))),
        "unexpected": msg("The sync failed unexpectedly ({error_type}); the details are in "
                          "the log. Your changes are kept.",
                          error_type=str(params.get("error_type", "?"))),
    }
    known = messages.get(failure.code)
    if known is not None:
        return known
    return msg("The sync failed ({code}). Your changes are kept; the details are in the log.",
               code=failure.code)


def retry_message(failure: SyncFailure) -> Msg | None:
    retry_at = failure.retry_at
    if retry_at is None:
        return None
    return msg("Sync will retry at {time}.", time=_ClockTime(retry_at))


def failure_text(failure: SyncFailure, translator: Translator) -> str:
    """The whole sentence(s) in the translator's language."""
    text = translator.render(failure_message(failure))
    retry = retry_message(failure)
    return text if retry is None else f"{text} {translator.render(retry)}"


def stored_failure_text(failure: str | None, error: str | None,
                        translator: Translator) -> str | None:
    """The store's last failure (``SyncStatus.last_failure``) for a person; a store written
    before failures had codes has only its English ``error``."""
    parsed = SyncFailure.from_json(failure)
    if parsed is not None:
        return failure_text(parsed, translator)
    return error


def local_rejection_message(code: str | None) -> Msg | None:
    """The sentence for a change or record this app set aside itself (not the office), by
    its code in "needs attention"; None for the office's own codes."""
    return {
        "unsendable": msg("This change cannot be sent: it holds values the office cannot "
                          "read. Edit it again, or dismiss it."),
        "attachment_unreadable": msg("A file attached to this session could not be read "
                                     "from this computer (damaged or missing), so the session "
                                     "was not sent. Attach the file again in the session and "
                                     "save, or dismiss this."),
        "unreadable_record": msg("The office sent a record this app cannot read, so it was "
                                 "set aside; the rest was stored. Check that the app is up "
                                 "to date."),
    }.get(code or "")
