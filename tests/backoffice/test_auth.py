"""Logins, token expiry and refresh rotation, failed-login slowdown."""

from __future__ import annotations

from pathlib import Path

import requests
from argon2 import PasswordHasher

from concierge.backoffice.accounts import (
    ADMIN_PASSWORD,
    ADMIN_PASSWORD_HASH,
    DEMO_PASSWORD,
    DEMO_PASSWORD_HASH,
)
from concierge.backoffice.auth import DUMMY_HASH
from concierge.backoffice.server import EmbeddedBackOffice
from tests.backoffice.conftest import LoginFactory, demo_office


def test_precomputed_hashes_verify_with_current_parameters() -> None:
    hasher = PasswordHasher()
    for stored, password in (
        (DEMO_PASSWORD_HASH, DEMO_PASSWORD),
        (ADMIN_PASSWORD_HASH, ADMIN_PASSWORD),
        (DUMMY_HASH, "not a password"),
    ):
        assert hasher.verify(stored, password)
        assert not hasher.check_needs_rehash(stored)


def _login(url: str, username: str, password: str) -> requests.Response:
    return requests.post(
        f"{url}/v1/auth/login", json={"username": username, "password": password}, timeout=10
    )


def test_login_me_and_missing_or_bad_tokens(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana = login(office, "ana")
    me = ana.ok("GET", "/v1/me")
    assert me["login"] == "ana" and me["role"] == "technician" and me["skills"]
    assert ana.tokens["expires_in"] == 900
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = requests.get(f"{office.url}/v1/me", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"
    wrong = _login(office.url, "ana", "wrong password")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_credentials"


def test_expired_access_token_then_refresh_rotates(
    login: LoginFactory, demo_database: Path, tmp_path: Path
) -> None:
    with demo_office(demo_database, tmp_path / "office.sqlite", access_ttl_seconds=0.0) as bo:
        ana = login(bo, "ana")
        expired = ana.get("/v1/me")
        assert expired.status_code == 401 and expired.json()["error"]["code"] == "token_expired"
        old_refresh = ana.tokens["refresh_token"]
        pair = requests.post(
            f"{bo.url}/v1/auth/refresh", json={"refresh_token": old_refresh}, timeout=10
        )
        assert pair.status_code == 200
        assert pair.json()["refresh_token"] != old_refresh and pair.json()["user"]["login"] == "ana"
        reused = requests.post(
            f"{bo.url}/v1/auth/refresh", json={"refresh_token": old_refresh}, timeout=10
        )
        assert reused.status_code == 401 and reused.json()["error"]["code"] == "invalid_token"


def test_repeated_failures_are_slowed_down(demo_database: Path, tmp_path: Path) -> None:
    with demo_office(demo_database, tmp_path / "office.sqlite") as bo:
        statuses = [_login(bo.url, "ben", f"guess {i}").status_code for i in range(5)]
        assert statuses == [401] * 5
        locked = _login(bo.url, "ben", "guess 6")
        assert locked.status_code == 401  # the sixth failure starts the lockout
        blocked = _login(bo.url, "ben", DEMO_PASSWORD)
        assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "too_many_attempts"
        assert int(blocked.headers["Retry-After"]) >= 1
        assert _login(bo.url, "chloe", DEMO_PASSWORD).status_code == 200  # other logins still work
