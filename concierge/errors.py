# SPDX-License-Identifier: Apache-2.0
"""Errors a person reads: a stable code with parameters, rendered in the reader's language.

The core raises ``PersonError(code, **params)`` (sign-in, keyring, server address, local
store, demo office).  An edge turns it into text with ``tr(exc.msg)`` (UI) or its
translator (CLI); ``str(exc)`` is English, for logs only.  Nobody reads the English back:
the code says what happened.  A code this version does not know (a later one) still reads
as a general failure that names it.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Mapping

from concierge.i18n import Msg, msg, nmsg

Param = str | int | float


class PersonError(Exception):
    """``code`` says what happened, ``params`` fill its sentence (``msg``)."""

    def __init__(self, code: str, /, **params: Param) -> None:
        self.code = code
        self.params: dict[str, Param] = dict(params)
        super().__init__(english(self.msg))

    @property
    def msg(self) -> Msg:
        return error_message(self.code, self.params)

    @property
    def message(self) -> str:
        """The English sentence, for logs."""
        return str(self)


def english(message: Msg) -> str:
    """A message in English for logs (no catalogue, no Babel: numbers as ``str``)."""
    text = message.plural if message.plural is not None and message.count != 1 else message.text
    return text.format_map(
        {k: english(v) if isinstance(v, Msg) else str(v) for k, v in message.params.items()})


def _text(params: Mapping[str, Param], name: str) -> str:
    return str(params.get(name, "?"))


def _count(params: Mapping[str, Param], name: str) -> int:
    value = params.get(name)
    return int(value) if isinstance(value, int | float) else 0


def _account_locked(p: Mapping[str, Param]) -> Msg:
    seconds = _count(p, "seconds")
    if seconds <= 0:
        return msg("Too many failed sign-ins; try again later.")
    return nmsg("Too many failed sign-ins; try again in {count} second.",
                "Too many failed sign-ins; try again in {count} seconds.", seconds)


_MESSAGES: dict[str, Callable[[Mapping[str, Param]], Msg]] = {
    # signing in and out
    "wrong_credentials": lambda p: msg("Unknown user name or wrong password."),
    "account_locked": _account_locked,
    "server_unreachable": lambda p: msg(
        "The back office at {address} could not be reached. Check the address and your "
        "network connection, then sign in again.", address=_text(p, "address")),
    "server_not_responding": lambda p: msg(
        "The back office at {address} is not responding. Try signing in again in a few "
        "minutes.", address=_text(p, "address")),
    "server_trouble": lambda p: msg(
        "The back office at {address} has a problem (HTTP {status}). Try signing in again "
        "in a few minutes; if it keeps failing, tell the office.",
        address=_text(p, "address"), status=_text(p, "status")),
    "certificate_untrusted": lambda p: msg(
        "The secure connection to the back office failed: its certificate is not trusted. "
        "Check the server address, or ask the office."),
    "clock_skew": lambda p: msg(
        "The secure connection failed because this computer's date or time looks wrong. "
        "Correct the clock, then sign in again."),
    "sign_in_refused": lambda p: msg(
        "The back office at {address} refused the sign-in (HTTP {status}). Check the "
        "address; if it keeps failing, tell the office.",
        address=_text(p, "address"), status=_text(p, "status")),
    "sign_in_unreadable": lambda p: msg(
        "The server at {address} answered something this app does not understand. Check "
        "that it is your back office's address and that the app is up to date.",
        address=_text(p, "address")),
    "not_signed_in": lambda p: msg("Not signed in. Sign in first."),
    "unsynced_changes": lambda p: nmsg(
        "{count} change has not reached the office yet. Sync first, or sign out anyway to "
        "discard it.",
        "{count} changes have not reached the office yet. Sync first, or sign out anyway "
        "to discard them.", _count(p, "count")),
    "other_account_unsynced": lambda p: msg(
        "{login} has changes that have not reached the office yet. Sync them or sign out "
        "first.", login=_text(p, "login")),
    # the keyring
    "keyring_unreadable": lambda p: msg(
        "The keyring could not be read. Unlock it, then try again; the details are in "
        "the log."),
    "keyring_unwritable": lambda p: msg(
        "The keyring could not be written. Unlock it, then try again; the details are in "
        "the log."),
    "keyring_unchangeable": lambda p: msg(
        "The keyring could not be changed. Unlock it, then try again; the details are in "
        "the log."),
    "no_keyring": lambda p: msg(
        "No usable keyring was found, so your sign-in is kept in memory only and is "
        "forgotten when the app closes. Install or unlock a keyring (e.g. GNOME Keyring "
        "or KWallet) to stay signed in."),
    # the server address
    "address_with_credentials": lambda p: msg(
        "The server address {address} contains a user name or password. Remove them "
        "from the address and sign in with your user name and password instead.",
        address=_text(p, "address")),
    "not_an_address": lambda p: msg(
        "'{address}' is not a server address; use https://host[:port].",
        address=_text(p, "address")),
    "insecure_address": lambda p: msg(
        "'{address}' uses plain http to another machine; use https:// (plain http is "
        "only allowed for this computer, e.g. http://127.0.0.1).",
        address=_text(p, "address")),
    # the local store
    "store_damaged": lambda p: msg(
        "Your local data file {path} is damaged ({problem}). It was kept, unchanged, as "
        "{kept}; nothing was deleted. What can still be read there (unsent changes, "
        "session drafts, attachments) can be recovered into a fresh store.",
        path=_text(p, "path"), problem=_text(p, "problem"), kept=_text(p, "kept")),
    "store_closed": lambda p: msg("The local store is closed."),
    "store_too_new": lambda p: msg(
        "The local store {path} was written by a newer version of the app "
        "(schema {version}); update the app.",
        path=_text(p, "path"), version=_text(p, "version")),
    "attachment_type_refused": lambda p: msg(
        "Files of type {content_type} cannot be attached. Attach a photo (PNG or JPEG), a "
        "PDF or a text file.", content_type=_text(p, "content_type")),
    "attachment_too_large": lambda p: msg(
        "The file is larger than {limit} MB, so it cannot be attached. Attach a smaller "
        "one (a photo at a lower resolution, say).", limit=_count(p, "limit")),
    "store_in_use": lambda p: msg(
        "Your data in {folder} is already open in another Field Concierge (process "
        "{pid}). Close that one first, or switch to its window.",
        folder=_text(p, "folder"), pid=_text(p, "pid")),
    # setting up a new office's first administrator (POST /v1/setup)
    "setup_token_unknown": lambda p: msg(
        "The back office does not know this setup token. Check that you typed it exactly "
        "and that the server address is the new office's; otherwise ask the office's "
        "operator for a new token."),
    "setup_token_expired": lambda p: msg(
        "The setup token has expired (it is valid for 15 minutes). Ask the office's "
        "operator for a new one."),
    "setup_token_used": lambda p: msg(
        "The setup token has been used already. If you created the administrator, sign in "
        "with that account; otherwise ask the office's operator for a new token."),
    "setup_done": lambda p: msg(
        "This back office has an administrator already, so it needs no setup. Sign in "
        "with your account, or ask the office for one."),
    "setup_login_invalid": lambda p: msg(
        "The user name must have 1 to 64 characters. Choose another one."),
    "setup_login_taken": lambda p: msg(
        "The user name {login} is taken. Choose another one.", login=_text(p, "login")),
    "password_too_short": lambda p: nmsg(
        "The password must have at least {count} character. Choose a longer one.",
        "The password must have at least {count} characters. Choose a longer one.",
        _count(p, "count")),
    "password_too_long": lambda p: msg("The password is too long. Choose a shorter one."),
    "password_is_login": lambda p: msg(
        "The password must not be the user name. Choose another one."),
    "password_one_character": lambda p: msg(
        "The password must not be one character repeated. Choose another one."),
    "setup_refused": lambda p: msg(
        "The back office refused the setup. Check the setup token, and choose a password "
        "of at least 12 characters that is not your user name; if it keeps failing, ask "
        "the office's operator for a new token."),
    # files and the network, for any task (ui/errors.py: people_message)
    "file_not_found": lambda p: msg(
        "The file or folder {path} was not found. Check that it still exists, then try "
        "again.", path=_text(p, "path")),
    "file_permission_denied": lambda p: msg(
        "This app may not read or write {path}. Check its permissions, or choose another "
        "place.", path=_text(p, "path")),
    "disk_full": lambda p: msg(
        "There is not enough space on the disk. Free some space, then try again."),
    "file_unreadable": lambda p: msg(
        "{path} could not be read or written. Check the disk or the medium, then try "
        "again.", path=_text(p, "path")),
    "network_failed": lambda p: msg(
        "The connection failed. Check your network connection, then try again."),
    "keyring_failed": lambda p: msg(
        "The keyring could not be used. Unlock it (or start your keyring service), then "
        "try again."),
    "unexpected": lambda p: msg(
        "Something unexpected went wrong. Try again; if it keeps happening, restart the app "
        "and tell the office, quoting reference {ref} (the details are in the log).",
        ref=_text(p, "ref")),
    # the local store's refusals
    "store_item_missing": lambda p: msg(
        "This item is no longer in your local data (a sync may have removed it). Look for "
        "it again on the board."),
    "store_change_refused": lambda p: msg(
        "This change cannot be saved: the app does not allow changing this here. Nothing "
        "was changed."),
    "store_invalid_data": lambda p: msg(
        "This change could not be saved because some of it is not valid; nothing was "
        "changed. Correct the entry, then try again."),
    "store_text_unstorable": lambda p: msg(
        "Some text contains a character that cannot be stored (a NUL or a broken "
        "character). Type that text again, then try again."),
    # the demo's back office
    "demo_in_bundle": lambda p: msg(
        "The demo needs the back office, which this app bundle does not include. Sign in "
        "to your company's office, or try the demo from a Python install: "
        "pip install 'field-concierge[office]'."),
    "demo_not_installed": lambda p: msg(
        "The demo needs the back office, which is not installed here "
        "(pip install 'field-concierge[office]')."),
    "demo_did_not_start": lambda p: msg(
        "The demo back office did not start. Try again; if it keeps failing, the details "
        "are in the log."),
}

CODES = frozenset(_MESSAGES)


def error_message(code: str, params: Mapping[str, Param]) -> Msg:
    """The sentence for ``code``; an unknown code names itself."""
    build = _MESSAGES.get(code)
    if build is None:
        return msg("Something went wrong ({code}). Details are in the log.", code=code)
    return build(params)


_KEYRING_MODULES = ("keyring", "secretstorage", "jeepney", "dbus")
_NETWORK_ERRNOS = frozenset({
    errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.ENETUNREACH,
    errno.ENETDOWN, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.ETIMEDOUT, errno.EPIPE,
})


def coded_error(exc: BaseException) -> PersonError | None:
    """The coded error a person reads for a file, network or keyring failure that was not
    raised as one (``OSError`` from saving a photo or a report, a socket, D-Bus); None
    for anything else."""
    if isinstance(exc, PersonError):
        return exc
    module = type(exc).__module__ or ""
    if module.split(".")[0] in _KEYRING_MODULES:
        return PersonError("keyring_failed")
    if not isinstance(exc, OSError):
        return None
    path = exc.filename if isinstance(exc.filename, str) else None
    if (isinstance(exc, ConnectionError | TimeoutError) or exc.errno in _NETWORK_ERRNOS
            or module.split(".")[0] in ("socket", "ssl", "requests", "urllib3", "http")):
        return PersonError("network_failed")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return PersonError("disk_full")
    if path is None:  # neither the network nor a file: unexpected
        return None
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return PersonError("file_not_found", path=path)
    if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        return PersonError("file_permission_denied", path=path)
    return PersonError("file_unreadable", path=path)
