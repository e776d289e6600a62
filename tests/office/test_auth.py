"""Logins, token expiry and refresh rotation, failed-login slowdown."""

from __future__ import annotations

import requests
from argon2 import PasswordHasher

from concierge_office.accounts import (
    ADMIN_PASSWORD,
    ADMIN_PASSWORD_HASH,
    DEMO_PASSWORD,
    DEMO_PASSWORD_HASH,
)
from concierge_office.auth import DUMMY_HASH
from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import LoginFactory, demo_office
from tests.officedb import Template


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


def _refresh(url: str, token: str) -> requests.Response:
    return requests.post(f"{url}/v1/auth/refresh", json={"refresh_token": token}, timeout=10)


def _me(url: str, access: str) -> requests.Response:
    return requests.get(f"{url}/v1/me", headers={"Authorization": f"Bearer {access}"}, timeout=10)


def test_expired_access_token_then_refresh_rotates(
    login: LoginFactory, demo_database: Template
) -> None:
    with demo_office(demo_database, access_ttl_seconds=0.0) as bo:
        ana = login(bo, "ana")
        expired = ana.get("/v1/me")
        assert expired.status_code == 401 and expired.json()["error"]["code"] == "token_expired"
        old_refresh = ana.tokens["refresh_token"]
        pair = _refresh(bo.url, old_refresh)
        assert pair.status_code == 200
        assert pair.json()["refresh_token"] != old_refresh and pair.json()["user"]["login"] == "ana"
        assert _refresh(bo.url, pair.json()["refresh_token"]).status_code == 200
        assert _refresh(bo.url, "never-issued").status_code == 401


def test_a_refresh_whose_reply_was_lost_can_be_repeated_within_the_grace(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana = login(fresh_office, "ana")
    spent = ana.tokens["refresh_token"]
    lost = _refresh(fresh_office.url, spent)  # the reply never reached the laptop
    assert lost.status_code == 200
    again = _refresh(fresh_office.url, spent)
    assert again.status_code == 200, again.text
    pair = again.json()
    assert pair["user"]["login"] == "ana"
    first = lost.json()
    assert {pair["access_token"], pair["refresh_token"]}.isdisjoint(
        {first["access_token"], first["refresh_token"]}
    )
    assert _me(fresh_office.url, pair["access_token"]).status_code == 200
    assert _me(fresh_office.url, lost.json()["access_token"]).status_code == 200
    rotated = _refresh(fresh_office.url, pair["refresh_token"])
    assert rotated.status_code == 200
    assert _me(fresh_office.url, rotated.json()["access_token"]).json()["login"] == "ana"


def test_reuse_after_the_grace_revokes_the_whole_token_family(
    login: LoginFactory, demo_database: Template
) -> None:
    with demo_office(demo_database, refresh_grace_seconds=0.0) as bo:
        ana, other_device = login(bo, "ana"), login(bo, "ana")
        spent = ana.tokens["refresh_token"]
        first = _refresh(bo.url, spent)
        assert first.status_code == 200
        second = _refresh(bo.url, first.json()["refresh_token"])
        assert second.status_code == 200
        current = second.json()
        assert _me(bo.url, current["access_token"]).status_code == 200
        reused = _refresh(bo.url, spent)  # a replay of a spent token: assume it was stolen
        assert reused.status_code == 401 and reused.json()["error"]["code"] == "invalid_token"
        for access in (current["access_token"], first.json()["access_token"]):
            refused = _me(bo.url, access)
            assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
        assert _refresh(bo.url, current["refresh_token"]).status_code == 401
        assert _refresh(bo.url, spent).status_code == 401
        # Another login of the same person is another family: untouched.
        assert other_device.get("/v1/me").status_code == 200
        assert _refresh(bo.url, other_device.tokens["refresh_token"]).status_code == 200


def test_repeated_failures_are_slowed_down(demo_database: Template) -> None:
    with demo_office(demo_database) as bo:
        statuses = [_login(bo.url, "ben", f"guess {i}").status_code for i in range(5)]
        assert statuses == [401] * 5
        locked = _login(bo.url, "ben", "guess 6")
        assert locked.status_code == 401  # the sixth failure starts the lockout
        blocked = _login(bo.url, "ben", DEMO_PASSWORD)
        assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "too_many_attempts"
        assert int(blocked.headers["Retry-After"]) >= 1
        assert _login(bo.url, "chloe", DEMO_PASSWORD).status_code == 200  # other logins still work
