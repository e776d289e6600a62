# SPDX-License-Identifier: Apache-2.0
"""Errors in the person's language: the core's coded errors, and the office's error codes.

The core raises errors with a code and parameters whose ``msg`` is rendered here
(``concierge.errors``); nothing reads an error's English text back.  The back office
answers every error with a stable ``code`` (and English ``message`` for logs).  Known
codes get a translated sentence here; a code this client does not know yet still reads
sensibly: a translated lead-in with the office's own words.
"""

from __future__ import annotations

import logging
import secrets

from concierge.errors import PersonError, coded_error
from concierge.i18n import Msg, _, msg, tr

log = logging.getLogger(__name__)

OFFICE_CODES: dict[str, Msg] = {
    "invalid_credentials": msg("The user name or password is not right."),
    "invalid_token": msg("Your sign-in is no longer valid. Sign in again."),
    "token_expired": msg("Your sign-in has expired. Sign in again."),
    "forbidden": msg("Your account may not do this."),
    "not_found": msg("The back office does not know this item (any more)."),
    "version_mismatch": msg("Someone changed this in the office meanwhile; the newer version "
                            "is kept as a conflict for you to decide."),
    "conflict": msg("This clashes with a change made in the office."),
    "validation_error": msg("The back office refused some of the data as invalid."),
    "bad_request": msg("The back office did not accept the request."),
    "invalid_json": msg("The back office could not read what this app sent."),
    "payload_too_large": msg("This is too large for the back office to accept."),
    "unsupported_media_type": msg("The back office does not accept this kind of file."),
    "empty_attachment": msg("The file is empty."),
    "too_many_requests": msg("The back office is busy. The app tries again shortly."),
    "not_ready": msg("The back office is starting up. The app tries again shortly."),
    "internal_error": msg("The back office had a problem. The app tries again later."),
    "gone": msg("This data is too old for the back office; the app fetches it afresh."),
    "invalid_cursor": msg("The app fetches your data afresh from the back office."),
}


def office_error_text(code: str | None, detail: str) -> str:
    """The sentence for an office error ``code`` (``detail``: the office's English text),
    or for a code this app set a change aside with."""
    from concierge.sync.failures import local_rejection_message

    known = OFFICE_CODES.get(code or "") or local_rejection_message(code)
    if known is not None:
        return tr(known)
    if not detail:
        return _("The back office refused the request ({code}).").format(code=code or "?")
    return _("The back office says: {detail}").format(detail=detail)


def people_message(exc: BaseException) -> str:
    """The sentence for a person about ``exc``, in the UI language; never a traceback nor
    an exception's English (an unexpected one is logged, redacted, under a reference)."""
    message = getattr(exc, "msg", None)
    if isinstance(message, Msg):  # PersonError (sign-in, keyring, store, ...), input errors
        return tr(message)
    from concierge.api.errors import ApiError

    if isinstance(exc, ApiError):
        if exc.code:  # the office's own code
            return office_error_text(exc.code, exc.message)
        from concierge.sync.failures import failure_message, failure_of

        return tr(failure_message(failure_of(exc)))  # offline, not responding, TLS, ...
    coded = coded_error(exc)  # files, the network, the keyring
    if coded is None:  # unexpected: a reference for the log, never its English
        ref = secrets.token_hex(3)
        log.error("unexpected error shown to the person as reference %s", ref, exc_info=exc)
        coded = PersonError("unexpected", ref=ref)
    return tr(coded.msg)
