# SPDX-License-Identifier: Apache-2.0
"""The first administrator, without a shared secret.

Outside demo mode there is no built-in account.  An operator creates the first admin with
``concierge-office create-admin`` on the host, or, on a first start with no admin, the
office prints a one-time setup token (valid 15 minutes, stored only as a hash) that
``POST /v1/setup`` exchanges for the admin account, once.

Passwords: at least 12 characters, not the login, not one repeated character.  Hashes
are argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: time cost 3,
64 MiB memory, parallelism 4, 16-byte salt, 32-byte hash).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid

from fastapi import APIRouter, Request
from sqlalchemy import Connection, select, update

from concierge.protocol.schemas import SetupRequest, SetupResult
from concierge_office import db
from concierge_office.auth import hash_password
from concierge_office.db import Database
from concierge_office.errors import ERROR_RESPONSES, ApiError, StrictJSONRoute

SETUP_TOKEN_SECONDS = 15 * 60.0
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


# The codes ``POST /v1/setup`` answers with (the laptop words each in the person's
# language; an office before them answered every one as ``setup_refused``).
SETUP_CODES = {
    "setup_token_unknown": "The setup token is not one this office issued.",
    "setup_token_expired": "The setup token has expired.",
    "setup_token_used": "The setup token has been used already.",
    "setup_done": "An administrator exists already: sign in as them instead.",
    "setup_login_invalid": "The login must have 1 to 64 characters.",
    "setup_login_taken": "The login is taken.",
    "password_too_short": f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
    "password_too_long": f"The password must have at most {MAX_PASSWORD_LENGTH} characters.",
    "password_is_login": "The password must not be the login.",
    "password_one_character": "The password must not be one character repeated.",
}


class BootstrapError(ValueError):
    """The admin cannot be created: ``code`` (``SETUP_CODES``) says why, in English for
    the operator's console and the logs."""

    def __init__(self, code: str) -> None:
        super().__init__(SETUP_CODES[code])
        self.code = code


def password_problem_code(login: str, password: str) -> str | None:
    """Why a password is refused (a ``SETUP_CODES`` key), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "password_too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "password_too_long"
    if password.strip().casefold() == login.strip().casefold():
        return "password_is_login"
    if len(set(password)) == 1:
        return "password_one_character"
    return None


def password_problem(login: str, password: str) -> str | None:
    """Why a password is refused, in English, or None."""
    code = password_problem_code(login, password)
    return None if code is None else SETUP_CODES[code]


def admin_exists(conn: Connection) -> bool:
    return conn.execute(select(db.users.c.id).where(db.users.c.role == "admin")).first() is not None


def _insert_admin(conn: Connection, login: str, password: str, name: str | None) -> None:
    login = login.strip()
    if not login or len(login) > 64:
        raise BootstrapError("setup_login_invalid")
    problem = password_problem_code(login, password)
    if problem:
        raise BootstrapError(problem)
    if conn.execute(select(db.users.c.id).where(db.users.c.login == login)).first():
        raise BootstrapError("setup_login_taken")
    conn.execute(
        db.users.insert().values(
            id=f"user-{uuid.uuid4().hex[:12]}",
            login=login,
            name=name or login,
            role="admin",
            region=None,
            skills=[],
            password_hash=hash_password(password),
        )
    )


def create_admin(database: Database, login: str, password: str, name: str | None = None) -> None:
    """An administrator account (any number of them; the operator is on the host)."""
    with database.write() as conn:
        _insert_admin(conn, login, password, name)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_setup_token(database: Database, now: float | None = None) -> str:
    """A new one-time token for creating the first admin; refused once an admin exists."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    with database.write() as conn:
        if admin_exists(conn):
            raise BootstrapError("setup_done")
        conn.execute(
            db.setup_tokens.insert().values(
                token_hash=_digest(token), expires_at=now + SETUP_TOKEN_SECONDS, used_at=None
            )
        )
    return token


def redeem_setup_token(
    database: Database, token: str, login: str, password: str, now: float | None = None
) -> None:
    """Create the first admin with a setup token: consumed atomically, with the account in
    the same transaction, so two concurrent setups cannot both succeed."""
    now = time.time() if now is None else now
    digest = _digest(token)
    with database.write() as conn:
        known = conn.execute(select(db.setup_tokens.c.token_hash)).scalars().all()
        match = next((k for k in known if hmac.compare_digest(k, digest)), None)
        consumed = match is not None and conn.execute(
            update(db.setup_tokens)
            .where(
                db.setup_tokens.c.token_hash == match,
                db.setup_tokens.c.used_at.is_(None),
                db.setup_tokens.c.expires_at > now,
            )
            .values(used_at=now)
        ).rowcount == 1
        if not consumed:
            raise BootstrapError(_why_not_redeemable(conn, match, now))
        if admin_exists(conn):
            raise BootstrapError("setup_done")
        _insert_admin(conn, login, password, None)


def _why_not_redeemable(conn: Connection, match: str | None, now: float) -> str:
    """The code for a token that could not be consumed.  A token of another office (or a
    mistyped one) is unknown here.  A used token says so (its user may have created the
    admin and lost the reply); otherwise an existing admin is what matters."""
    row = None if match is None else conn.execute(
        select(db.setup_tokens.c.used_at, db.setup_tokens.c.expires_at)
        .where(db.setup_tokens.c.token_hash == match)
    ).first()
    if row is not None and row.used_at is not None:
        return "setup_token_used"
    if admin_exists(conn):
        return "setup_done"
    if row is not None and row.expires_at <= now:
        return "setup_token_expired"
    return "setup_token_unknown"


router = APIRouter(
    prefix="/v1", tags=["setup"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES
)


@router.post("/setup", status_code=201, response_model=SetupResult)
def setup(body: SetupRequest, request: Request) -> SetupResult:
    """Create the first administrator with the one-time token the office printed at start.

    A refusal (400) says why in ``error.code``: ``setup_token_unknown`` (not issued by this
    office, or mistyped), ``setup_token_expired``, ``setup_token_used``, ``setup_done`` (an
    administrator exists already), ``setup_login_invalid``, ``setup_login_taken``,
    ``password_too_short``, ``password_too_long``, ``password_is_login`` or
    ``password_one_character``.  Offices before these codes answered ``setup_refused``."""
    database = request.app.state.backoffice.db
    assert isinstance(database, Database)
    try:
        redeem_setup_token(database, body.token, body.username, body.password)
    except BootstrapError as problem:
        raise ApiError(400, problem.code, str(problem)) from None
    return SetupResult(created=body.username.strip(), role="admin")
