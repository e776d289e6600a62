# SPDX-License-Identifier: Apache-2.0
"""Logins, opaque bearer tokens (stored as SHA-256) and failed-login slowdown
(per account and source address: ``concierge_office.throttle``)."""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Row, delete, select

from concierge.protocol.schemas import LoginRequest, RefreshRequest, TokenPair, UserInfo
from concierge_office import db
from concierge_office.errors import ERROR_RESPONSES, ApiError, StrictJSONRoute
from concierge_office.guard_tables import refresh_successors, token_uses
from concierge_office.state import state_of

_hasher = PasswordHasher()
# Verified against when the login is unknown, so timing does not reveal which logins exist
# (a precomputed hash of "not a password" with the hasher's parameters; hashing at import
# would cost ~0.5 s).
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$GN8o98VfqVIpymnyNJDwHQ"
    "$f193DPizIOS28bHz0RxEMfpSp0LeWEIH8e+JiV/4CEY"
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class User:
    id: str
    login: str
    name: str
    role: str
    region: str | None
    skills: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def info(self) -> UserInfo:
        return UserInfo.model_validate(
            {
                "id": self.id,
                "login": self.login,
                "name": self.name,
                "role": self.role,
                "region": self.region,
                "skills": list(self.skills),
            }
        )


def _user(row: Row[Any]) -> User:
    return User(row.id, row.login, row.name, row.role, row.region, tuple(row.skills))


def _issue(
    conn: Connection, user_id: str, family: str, access_ttl: float, refresh_ttl: float
) -> tuple[str, str]:
    """A new access/refresh pair of a token family (a login starts a family)."""
    now = time.time()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    issued = [(access, "access", now + access_ttl), (refresh, "refresh", now + refresh_ttl)]
    conn.execute(
        db.tokens.insert(),
        [
            {"token_hash": _token_hash(t), "kind": k, "user_id": user_id, "expires_at": e}
            for t, k, e in issued
        ],
    )
    conn.execute(
        db.token_families.insert(),
        [{"token_hash": _token_hash(t), "family": family, "expires_at": e} for t, _, e in issued],
    )
    old = now - 86_400
    for table in (db.tokens, db.token_families, db.refresh_rotations):
        conn.execute(delete(table).where(table.c.expires_at < old))
    return access, refresh


def _revoke_family(conn: Connection, family: str) -> None:
    f = db.token_families
    conn.execute(
        delete(db.tokens).where(
            db.tokens.c.token_hash.in_(select(f.c.token_hash).where(f.c.family == family))
        )
    )
    conn.execute(delete(f).where(f.c.family == family))


router = APIRouter(
    prefix="/v1/auth", tags=["auth"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES
)


@router.post("/login", response_model=TokenPair)
def login(body: LoginRequest, request: Request) -> TokenPair:
    state = state_of(request)
    throttle = state.throttle
    source = throttle.source(request)
    now = time.time()
    wait = throttle.retry_after(state.db, body.username, source, now)
    if wait > 0:
        raise ApiError(
            429,
            "too_many_attempts",
            "Too many failed logins; try again later.",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    with state.db.read() as conn:
        row = conn.execute(select(db.users).where(db.users.c.login == body.username)).first()
    try:
        _hasher.verify(row.password_hash if row else DUMMY_HASH, body.password)
        ok = row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        throttle.failed(state.db, body.username, source, now)
        raise ApiError(401, "invalid_credentials", "Unknown login or wrong password.")
    throttle.succeeded(state.db, body.username, source)
    user = _user(row)
    with state.db.write() as conn:
        access, refresh = _issue(
            conn, user.id, secrets.token_hex(16), state.config.access_ttl, state.config.refresh_ttl
        )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=int(state.config.access_ttl),
        user=user.info(),
    )


@router.post("/refresh", response_model=TokenPair)
def refresh(body: RefreshRequest, request: Request) -> TokenPair:
    """Rotate a refresh token: the presented one is spent, a new pair is issued.

    A spent token presented again means its reply was lost, or it was stolen.  Within
    ``refresh_grace`` seconds of its rotation, or later while the pair it was rotated into
    has never been used (its access token never presented, its refresh token never
    rotated), it is a lost reply: that unused pair is withdrawn and a fresh one of the same
    family issued, so losing a reply never signs anyone out.  Otherwise it is a reuse
    (stolen token?) and the whole family is revoked: every device session descending from
    that login must log in again.
    """
    state = state_of(request)
    config = state.config
    t, r = db.tokens, db.refresh_rotations
    presented = _token_hash(body.refresh_token)
    now = time.time()
    revoked = False
    pair: tuple[str, str] | None = None
    user_row: Row[Any] | None = None
    with state.db.write() as conn:
        row = conn.execute(
            select(t).where(t.c.token_hash == presented, t.c.kind == "refresh")
        ).first()
        if row is not None and row.expires_at >= now:
            family = (
                conn.execute(
                    select(db.token_families.c.family).where(
                        db.token_families.c.token_hash == presented
                    )
                ).scalar_one_or_none()
                or presented
            )
            conn.execute(delete(t).where(t.c.token_hash == presented))
            conn.execute(
                r.insert().values(
                    token_hash=presented,
                    family=family,
                    user_id=row.user_id,
                    rotated_at=now,
                    expires_at=row.expires_at,
                )
            )
            user_id, expires_at = row.user_id, row.expires_at
        else:
            rotated = conn.execute(select(r).where(r.c.token_hash == presented)).first()
            if rotated is None or rotated.expires_at < now:
                raise ApiError(401, "invalid_token", "Refresh token is unknown, used or expired.")
            family, user_id, expires_at = rotated.family, rotated.user_id, rotated.expires_at
            late = now - rotated.rotated_at > config.refresh_grace
            if late and not _withdraw_unused_successor(conn, presented):
                _revoke_family(conn, family)
                revoked = True
        if not revoked:
            user_row = conn.execute(select(db.users).where(db.users.c.id == user_id)).first()
            if user_row is not None:
                pair = _issue(conn, user_id, family, config.access_ttl, config.refresh_ttl)
                _note_successor(conn, presented, pair, expires_at)
    if pair is None or user_row is None:  # the revocation above is committed
        raise ApiError(401, "invalid_token", "Refresh token is unknown, used or expired.")
    return TokenPair(
        access_token=pair[0],
        refresh_token=pair[1],
        expires_in=int(config.access_ttl),
        user=_user(user_row).info(),
    )


def _note_successor(
    conn: Connection, spent: str, pair: tuple[str, str], expires_at: float
) -> None:
    s = refresh_successors
    conn.execute(delete(s).where(s.c.token_hash == spent))
    conn.execute(s.insert().values(
        token_hash=spent, access_hash=_token_hash(pair[0]), refresh_hash=_token_hash(pair[1]),
        expires_at=expires_at,
    ))
    conn.execute(delete(s).where(s.c.expires_at < time.time() - 86_400))


def _withdraw_unused_successor(conn: Connection, spent: str) -> bool:
    """If the pair ``spent`` was rotated into never served anyone, delete it: True."""
    s, u = refresh_successors, token_uses
    successor = conn.execute(select(s).where(s.c.token_hash == spent)).first()
    if successor is None:
        return False
    rotated_on = conn.execute(
        select(db.refresh_rotations.c.token_hash).where(
            db.refresh_rotations.c.token_hash == successor.refresh_hash
        )
    ).first()
    used = conn.execute(select(u.c.token_hash).where(u.c.token_hash == successor.access_hash))
    if rotated_on is not None or used.first() is not None:
        return False
    unused = [successor.access_hash, successor.refresh_hash]
    conn.execute(delete(db.tokens).where(db.tokens.c.token_hash.in_(unused)))
    conn.execute(delete(db.token_families).where(db.token_families.c.token_hash.in_(unused)))
    return True


_bearer = HTTPBearer(auto_error=False)


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise ApiError(401, "invalid_token", "A bearer token is required.")
    state = state_of(request)
    t = db.tokens
    token_hash = _token_hash(credentials.credentials)
    used = select(token_uses.c.token_hash).where(token_uses.c.token_hash == t.c.token_hash)
    with state.db.read() as conn:
        row = conn.execute(
            select(t.c.expires_at, used.exists().label("used"), db.users)
            .join(db.users, db.users.c.id == t.c.user_id)
            .where(t.c.token_hash == token_hash, t.c.kind == "access")
        ).first()
    if row is None:
        raise ApiError(401, "invalid_token", "The access token is not valid.")
    if row.expires_at < time.time():
        raise ApiError(401, "token_expired", "The access token has expired; refresh it.")
    if not row.used:
        _note_use(state, token_hash, row.expires_at)
    return _user(row)


def _note_use(state: Any, token_hash: str, expires_at: float) -> None:
    """Remember that an access token served a request (once per token)."""
    with state.db.write() as conn:
        conn.execute(state.db.insert_ignore(token_uses).values(
            token_hash=token_hash, expires_at=expires_at))
        conn.execute(delete(token_uses).where(token_uses.c.expires_at < time.time() - 86_400))


def require_role(*roles: str) -> Any:
    async def check(user: Annotated[User, Depends(current_user)]) -> User:  # no I/O: no thread
        if user.role not in roles:
            raise ApiError(403, "forbidden", f"This needs the role {' or '.join(roles)}.")
        return user

    return check


CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(require_role("admin"))]
IngestUser = Annotated[User, Depends(require_role("admin", "device"))]
