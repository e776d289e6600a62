"""Logins, opaque bearer tokens (stored as SHA-256) and failed-login slowdown."""

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

from concierge.api.schemas import LoginRequest, RefreshRequest, TokenPair, UserInfo
from concierge.backoffice import db
from concierge.backoffice.errors import ERROR_RESPONSES, ApiError, StrictJSONRoute
from concierge.backoffice.state import state_of

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
    conn: Connection, user_id: str, access_ttl: float, refresh_ttl: float
) -> tuple[str, str]:
    now = time.time()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    conn.execute(
        db.tokens.insert(),
        [
            {
                "token_hash": _token_hash(access),
                "kind": "access",
                "user_id": user_id,
                "expires_at": now + access_ttl,
            },
            {
                "token_hash": _token_hash(refresh),
                "kind": "refresh",
                "user_id": user_id,
                "expires_at": now + refresh_ttl,
            },
        ],
    )
    conn.execute(delete(db.tokens).where(db.tokens.c.expires_at < now - 86_400))
    return access, refresh


router = APIRouter(
    prefix="/v1/auth", tags=["auth"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES
)


@router.post("/login", response_model=TokenPair)
def login(body: LoginRequest, request: Request) -> TokenPair:
    state = state_of(request)
    client = request.client.host if request.client else "unknown"
    keys = [(f"login:{body.username.lower()}", 5), (f"client:{client}", 20)]
    now = time.time()
    wait = state.throttle.retry_after(keys, now)
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
        state.throttle.failed(keys, now)
        raise ApiError(401, "invalid_credentials", "Unknown login or wrong password.")
    state.throttle.succeeded(keys)
    user = _user(row)
    with state.db.write() as conn:
        access, refresh = _issue(conn, user.id, state.config.access_ttl, state.config.refresh_ttl)
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=int(state.config.access_ttl),
        user=user.info(),
    )


@router.post("/refresh", response_model=TokenPair)
def refresh(body: RefreshRequest, request: Request) -> TokenPair:
    state = state_of(request)
    t = db.tokens
    with state.db.write() as conn:
        row = conn.execute(
            select(t).where(
                t.c.token_hash == _token_hash(body.refresh_token), t.c.kind == "refresh"
            )
        ).first()
        if row is None or row.expires_at < time.time():
            raise ApiError(401, "invalid_token", "Refresh token is unknown, used or expired.")
        conn.execute(delete(t).where(t.c.token_hash == row.token_hash))
        user_row = conn.execute(select(db.users).where(db.users.c.id == row.user_id)).first()
        if user_row is None:
            raise ApiError(401, "invalid_token", "Refresh token is unknown, used or expired.")
        access, new_refresh = _issue(
            conn, row.user_id, state.config.access_ttl, state.config.refresh_ttl
        )
    return TokenPair(
        access_token=access,
        refresh_token=new_refresh,
        expires_in=int(state.config.access_ttl),
        user=_user(user_row).info(),
    )


_bearer = HTTPBearer(auto_error=False)


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise ApiError(401, "invalid_token", "A bearer token is required.")
    state = state_of(request)
    t = db.tokens
    with state.db.read() as conn:
        row = conn.execute(
            select(t.c.expires_at, db.users)
            .join(db.users, db.users.c.id == t.c.user_id)
            .where(t.c.token_hash == _token_hash(credentials.credentials), t.c.kind == "access")
        ).first()
    if row is None:
        raise ApiError(401, "invalid_token", "The access token is not valid.")
    if row.expires_at < time.time():
        raise ApiError(401, "token_expired", "The access token has expired; refresh it.")
    return _user(row)


def require_role(*roles: str) -> Any:
    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise ApiError(403, "forbidden", f"This needs the role {' or '.join(roles)}.")
        return user

    return check


CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(require_role("admin"))]
IngestUser = Annotated[User, Depends(require_role("admin", "device"))]
