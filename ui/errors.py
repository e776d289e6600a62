# SPDX-License-Identifier: Apache-2.0
"""Errors in the person's language: the core's messages, and the office's error codes.

The back office answers every error with a stable ``code`` (and English ``message`` for
logs).  Known codes get a translated sentence here; a code this client does not know
yet still reads sensibly: a translated lead-in with the office's own words.
"""

from __future__ import annotations

import re

from concierge.i18n import Msg, _, msg, nmsg, tr

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


def _auth_text(exc: BaseException) -> str | None:
    """Sign-in problems, told apart by their class (``concierge.auth``); None for others."""
    name = type(exc).__name__
    text = str(getattr(exc, "message", "") or exc)
    if name == "WrongCredentials":
        return tr(msg("Unknown user name or wrong password."))
    if name == "AccountLocked":
        seconds = re.search(r"in (\d+) s", text)
        if seconds:
            return tr(nmsg("Too many failed sign-ins; try again in {count} second.",
                           "Too many failed sign-ins; try again in {count} seconds.",
                           int(seconds.group(1))))
        return tr(msg("Too many failed sign-ins; try again later."))
    if name == "ServerUnreachable":
        return tr(msg("The back office cannot be reached. Check the address and the network."))
    if name == "ServerTrouble":
        return tr(msg("The back office has a problem. Try signing in again in a few minutes; "
                      "if it keeps failing, tell the office."))
    if name == "ClockSkew":
        return tr(msg("The secure connection failed because this computer's date or time "
                      "looks wrong. Correct the clock, then sign in again."))
    if name == "CertificateProblem":
        return tr(msg("The secure connection to the back office failed: its certificate is "
                      "not trusted. Check the server address, or ask the office."))
    if name == "InsecureServer":
        return tr(msg("Use an https:// address (plain http:// only to this computer)."))
    if name == "UnsyncedChanges":
        count = re.match(r"(\d+) change", text)
        if count:
            return tr(nmsg("{count} change has not reached the office yet. Sync first, or sign "
                           "out anyway to discard it.",
                           "{count} changes have not reached the office yet. Sync first, or "
                           "sign out anyway to discard them.", int(count.group(1))))
    return None


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
    """The sentence for a person about ``exc``, in the UI language; never a traceback."""
    message = getattr(exc, "msg", None)
    if isinstance(message, Msg):
        return tr(message)
    auth = _auth_text(exc)
    if auth is not None:
        return auth
    code = getattr(exc, "code", None)
    text = getattr(exc, "message", None)
    if isinstance(code, str) and code:
        return office_error_text(code, text if isinstance(text, str) else "")
    from concierge.api.errors import ApiError

    if isinstance(exc, ApiError):  # offline, not responding, TLS, ...: by its class
        from concierge.sync.failures import failure_message, failure_of

        return tr(failure_message(failure_of(exc)))
    if isinstance(text, str) and text:
        return text
    if isinstance(exc, ValueError | OSError) and str(exc):
        return str(exc)
    return _("Something went wrong ({error}). Details are in the log.").format(
        error=type(exc).__name__)
