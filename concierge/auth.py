# SPDX-License-Identifier: Apache-2.0
"""Sign-in: tokens live only in the OS keyring (or, lacking one, in memory).

No plaintext fallback: when no usable keyring exists the app says so and keeps
the tokens for this run only.  ``Account`` is also the API client's token source:
a 401 refreshes the access token once (refresh tokens rotate).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Protocol

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail, null

from concierge.api.client import ApiClient
from concierge.api.errors import (
    ApiError,
    ClockSkewError,
    MalformedResponseError,
    NotRespondingError,
    OfflineError,
    ServerError,
    TlsError,
    UnauthorizedError,
)
from concierge.api.retry import RetryPolicy
from concierge.errors import PersonError, error_message
from concierge.i18n import Msg
from concierge.netpolicy import InsecureServerError, ServerAddressError, check_server_url
from concierge.paths import KEYRING_SERVICE
from concierge.protocol import schemas
from concierge.store import Store

log = logging.getLogger(__name__)

# Retries of a token refresh end within ~10 s, well inside the office's 60 s grace for
# repeating one (a repeat after the grace counts as a stolen token and signs out).
REFRESH_RETRY = RetryPolicy(attempts=4, base=0.5, cap=4.0, retry_after_cap=5.0)
# A person waits for a sign-in: a few quick retries, then a true message.
SIGN_IN_RETRY = RetryPolicy(attempts=3, base=0.25, cap=1.0, retry_after_cap=5.0)
NO_KEYRING_WARNING = error_message("no_keyring", {})


class AuthError(PersonError):
    """A sign-in problem: ``code`` and ``params`` (``concierge.errors``); ``msg`` tells
    the person what to do, in their language."""


class WrongCredentials(AuthError):
    pass


class ServerUnreachable(AuthError):
    pass


class InsecureServer(AuthError):
    pass


class AccountLocked(AuthError):
    pass


class ServerTrouble(AuthError):
    """The server answered, but with a failure of its own (5xx)."""


class CertificateProblem(AuthError):
    """The TLS connection failed: an untrusted or mismatching certificate."""


class ClockSkew(CertificateProblem):
    """The certificate's dates do not fit this computer's clock."""


class NotSignedIn(AuthError):
    pass


class UnsyncedChanges(AuthError):
    pass


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str


class TokenStore(Protocol):
    persistent: bool
    warning: Msg | None  # why the tokens are not kept (shown to the person)

    def load(self, account: str) -> Tokens | None: ...

    def save(self, account: str, tokens: Tokens) -> None: ...

    def delete(self, account: str) -> None: ...


class KeyringTokenStore:
    """Tokens in the OS keyring (Secret Service, Keychain, Windows Credential Locker)."""

    persistent = True
    warning: Msg | None = None

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None,
                 service: str = KEYRING_SERVICE) -> None:
        self._backend = backend or keyring.get_keyring()
        self._service = service

    def load(self, account: str) -> Tokens | None:
        try:
            text = self._backend.get_password(self._service, account)
        except keyring.errors.KeyringError as exc:
            log.warning("keyring: %s", exc)  # the keyring's own words: for the log only
            raise AuthError("keyring_unreadable") from exc
        if not text:
            return None
        try:
            raw = json.loads(text)
            return Tokens(str(raw["access_token"]), str(raw["refresh_token"]))
        except (ValueError, KeyError, TypeError):
            return None

    def save(self, account: str, tokens: Tokens) -> None:
        text = json.dumps({"access_token": tokens.access_token,
                           "refresh_token": tokens.refresh_token})
        try:
            self._backend.set_password(self._service, account, text)
        except keyring.errors.KeyringError as exc:
            log.warning("keyring: %s", exc)  # the keyring's own words: for the log only
            raise AuthError("keyring_unwritable") from exc

    def delete(self, account: str) -> None:
        try:
            self._backend.delete_password(self._service, account)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored
        except keyring.errors.KeyringError as exc:
            log.warning("keyring: %s", exc)  # the keyring's own words: for the log only
            raise AuthError("keyring_unchangeable") from exc


class MemoryTokenStore:
    """Tokens for this run only."""

    persistent = False

    def __init__(self, warning: Msg | None = None) -> None:
        self.warning = warning
        self._tokens: dict[str, Tokens] = {}
        self._lock = threading.Lock()

    def load(self, account: str) -> Tokens | None:
        with self._lock:
            return self._tokens.get(account)

    def save(self, account: str, tokens: Tokens) -> None:
        with self._lock:
            self._tokens[account] = tokens

    def delete(self, account: str) -> None:
        with self._lock:
            self._tokens.pop(account, None)


def usable_keyring() -> keyring.backend.KeyringBackend | None:
    """The OS keyring if it is a real, working one; plaintext and null ones do not count."""
    backend = keyring.get_keyring()
    candidates = backend.backends if isinstance(backend, chainer.ChainerBackend) else [backend]
    for candidate in candidates:
        if isinstance(candidate, fail.Keyring | null.Keyring | chainer.ChainerBackend):
            return None
        module = type(candidate).__module__
        if module.startswith("keyrings.alt") or "plaintext" in type(candidate).__name__.lower():
            return None
    if not candidates:
        return None
    try:
        backend.get_password(KEYRING_SERVICE, "__probe__")
    except keyring.errors.KeyringError:
        return None
    return backend


def open_token_store(service: str = KEYRING_SERVICE) -> TokenStore:
    """Tokens under the keyring ``service`` (``AppPaths.keyring_service``)."""
    backend = usable_keyring()
    if backend is None:
        return MemoryTokenStore(warning=NO_KEYRING_WARNING)
    return KeyringTokenStore(backend, service)


class Account:
    """The signed-in technician of one local store, and the API client's token source."""

    def __init__(self, store: Store, tokens: TokenStore) -> None:
        self._store = store
        self._tokens = tokens
        self._lock = threading.Lock()
        self._cache: tuple[str, Tokens] | None = None  # spares a keyring call per request

    @property
    def token_store(self) -> TokenStore:
        return self._tokens

    @property
    def user(self) -> schemas.UserInfo | None:
        account = self._store.account()
        return None if account is None else account[1]

    @property
    def server_url(self) -> str | None:
        account = self._store.account()
        return None if account is None else account[0]

    @property
    def signed_in(self) -> bool:
        return self.access_token() is not None

    def sign_in(self, server_url: str, username: str, password: str) -> schemas.UserInfo:
        url = _checked_url(server_url)
        try:
            with ApiClient(url, retry=SIGN_IN_RETRY) as client:
                pair = client.login(username, password)
        except ApiError as exc:
            raise _sign_in_failure(url, exc) from exc
        self._switch_to(url, pair.user)
        self._save(_key(url, pair.user.login), Tokens(pair.access_token, pair.refresh_token))
        self._store.set_account(url, pair.user)
        return pair.user

    def set_up_office(
        self, server_url: str, token: str, username: str, password: str
    ) -> schemas.UserInfo:
        """Create a new office's first administrator with its one-time setup token, then
        sign in as them.  Each refusal is its own code (``SETUP_REFUSALS``)."""
        url = _checked_url(server_url)
        try:
            with ApiClient(url, retry=SIGN_IN_RETRY) as client:
                client.set_up(token, username, password)
        except ApiError as exc:
            raise _setup_failure(url, exc, username) from exc
        return self.sign_in(url, username, password)

    def sign_out(self, *, discard_unsynced: bool = False) -> None:
        """Delete the tokens and this account's cached data.

        Raises UnsyncedChanges while changes wait for the server, unless told to
        discard them.
        """
        account = self._store.account()
        pending = self._store.status().pending_ops
        if pending and not discard_unsynced:
            raise UnsyncedChanges("unsynced_changes", count=pending)
        if account is not None:
            self._tokens.delete(_key(account[0], account[1].login))
        self._cache = None
        self._store.wipe()

    def client(self) -> ApiClient:
        """An API client for the signed-in account."""
        url = self.server_url
        if url is None:
            raise NotSignedIn("not_signed_in")
        return ApiClient(url, tokens=self)

    # --- TokenSource -----------------------------------------------------------------

    def access_token(self) -> str | None:
        tokens = self._load()
        return None if tokens is None else tokens.access_token

    def renew_access_token(self, rejected: str | None) -> str | None:
        with self._lock:
            account = self._store.account()
            self._cache = None  # another process may have renewed them
            tokens = self._load()
            if account is None or tokens is None:
                return None
            if tokens.access_token != rejected:
                return tokens.access_token  # renewed meanwhile (another thread or process)
            try:  # all retries well within the office's grace for a repeated refresh
                with ApiClient(account[0], retry=REFRESH_RETRY) as client:
                    pair = client.refresh(tokens.refresh_token)
            except UnauthorizedError:
                return None
            self._save(
                _key(account[0], account[1].login), Tokens(pair.access_token, pair.refresh_token)
            )
            return pair.access_token

    def _load(self) -> Tokens | None:
        account = self._store.account()
        if account is None:
            return None
        key = _key(account[0], account[1].login)
        cached = self._cache
        if cached is not None and cached[0] == key:
            return cached[1]
        tokens = self._tokens.load(key)
        self._cache = None if tokens is None else (key, tokens)
        return tokens

    def _save(self, key: str, tokens: Tokens) -> None:
        self._tokens.save(key, tokens)
        self._cache = (key, tokens)

    def _switch_to(self, url: str, user: schemas.UserInfo) -> None:
        """Signing in as someone else drops the previous account's data (if all synced)."""
        current = self._store.account()
        if current is None or (current[0] == url and current[1].id == user.id):
            return
        if self._store.status().pending_ops:
            raise UnsyncedChanges("other_account_unsynced", login=current[1].login)
        self._tokens.delete(_key(current[0], current[1].login))
        self._cache = None
        self._store.wipe()


def _checked_url(server_url: str) -> str:
    try:
        return check_server_url(server_url)
    except InsecureServerError as exc:
        raise InsecureServer(exc.code, **exc.params) from exc
    except ServerAddressError as exc:
        raise AuthError(exc.code, **exc.params) from exc


# The office's codes for a refused setup (concierge_office/bootstrap.py), each worded for
# the person; ``setup_refused`` is what an office before them answers for all of them.
SETUP_REFUSALS = frozenset({
    "setup_token_unknown", "setup_token_expired", "setup_token_used", "setup_done",
    "setup_login_invalid", "setup_login_taken", "password_too_short", "password_too_long",
    "password_is_login", "password_one_character", "setup_refused",
})
# The office's documented minimum password length (bootstrap.MIN_PASSWORD_LENGTH).
OFFICE_MIN_PASSWORD = 12


class SetupRefused(AuthError):
    """The office would not create its first administrator; ``code`` says why."""


def _setup_failure(url: str, exc: ApiError, username: str) -> AuthError:
    if exc.code == "password_too_short":
        return SetupRefused(exc.code, count=OFFICE_MIN_PASSWORD)
    if exc.code == "setup_login_taken":
        return SetupRefused(exc.code, login=username.strip())
    if exc.code in SETUP_REFUSALS:
        return SetupRefused(exc.code)
    if exc.status == 404:  # an office without /v1/setup, or not an office
        return AuthError("sign_in_unreadable", address=url)
    return _sign_in_failure(url, exc)


def _sign_in_failure(url: str, exc: ApiError) -> AuthError:
    """The code for each way signing in fails (nothing is pending at sign-in, so none of
    their sentences talks about changes syncing later)."""
    if isinstance(exc, UnauthorizedError):
        return WrongCredentials("wrong_credentials")
    if isinstance(exc, ServerError) and exc.status == 429:
        return AccountLocked("account_locked", seconds=round(exc.retry_after or 0))
    if isinstance(exc, ServerError):
        return ServerTrouble("server_trouble", address=url, status=exc.status or "?")
    if isinstance(exc, ClockSkewError):
        return ClockSkew("clock_skew")
    if isinstance(exc, TlsError):
        return CertificateProblem("certificate_untrusted")
    if isinstance(exc, NotRespondingError):
        return ServerUnreachable("server_not_responding", address=url)
    if isinstance(exc, OfflineError):
        return ServerUnreachable("server_unreachable", address=url)
    if isinstance(exc, MalformedResponseError):
        return AuthError("sign_in_unreadable", address=url)
    return AuthError("sign_in_refused", address=url, status=exc.status or "?")


def _key(server_url: str, login: str) -> str:
    return f"{login}@{server_url}"
