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
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select, update

from concierge_office import db
from concierge_office.auth import hash_password
from concierge_office.db import Database
from concierge_office.errors import ERROR_RESPONSES, ApiError, StrictJSONRoute

SETUP_TOKEN_SECONDS = 15 * 60.0
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


class BootstrapError(ValueError):
    """The admin cannot be created; the message says why."""


def password_problem(login: str, password: str) -> str | None:
    """Why a password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"The password must have at most {MAX_PASSWORD_LENGTH} characters."
    if password.strip().casefold() == login.strip().casefold():
        return "The password must not be the login."
    if len(set(password)) == 1:
        return "The password must not be one character repeated."
    return None


def admin_exists(conn: Connection) -> bool:
    return conn.execute(select(db.users.c.id).where(db.users.c.role == "admin")).first() is not None


def _insert_admin(conn: Connection, login: str, password: str, name: str | None) -> None:
    login = login.strip()
    if not login or len(login) > 64:
        raise BootstrapError("The login must have 1 to 64 characters.")
    problem = password_problem(login, password)
    if problem:
        raise BootstrapError(problem)
    if conn.execute(select(db.users.c.id).where(db.users.c.login == login)).first():
        raise BootstrapError(f"The login {login!r} is taken.")
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
            raise BootstrapError("An administrator exists already: sign in as them instead.")
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
            raise BootstrapError("The setup token is unknown, used or expired.")
        if admin_exists(conn):
            raise BootstrapError("An administrator exists already.")
        _insert_admin(conn, login, password, None)


class SetupRequest(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class SetupResult(BaseModel):
    created: str
    role: str


router = APIRouter(
    prefix="/v1", tags=["setup"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES
)


@router.post("/setup", status_code=201, response_model=SetupResult)
def setup(body: SetupRequest, request: Request) -> SetupResult:
    """Create the first administrator with the one-time token the office printed at start."""
    database = request.app.state.backoffice.db
    assert isinstance(database, Database)
    try:
        redeem_setup_token(database, body.token, body.username, body.password)
    except BootstrapError as problem:
        raise ApiError(400, "setup_refused", str(problem)) from None
    return SetupResult(created=body.username.strip(), role="admin")
