"""Issue #12 on the office side: what it accepts it can always serve back."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concierge_office.demo_fleet import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_PASSWORD
from concierge_office.server import EmbeddedBackOffice
from concierge_office.throttle import LoginThrottle
from tests.office.conftest import Api, LoginFactory, mutation


def _raw(api: Api, method: str, path: str, body: Any) -> Any:
    """Send ``body`` as ASCII JSON: lone surrogates travel as ``\\ud800`` escapes."""
    data = json.dumps(body, ensure_ascii=True)
    return api.request(method, path, data=data, headers={"Content-Type": "application/json"})


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    named = [str(part) for detail in error["details"] for part in detail["loc"]]
    assert field in named, error


def _reads_back(ana: Api, office_api: Api, visit_id: str) -> None:
    assert ana.get("/v1/visits").status_code == 200
    assert ana.get(f"/v1/visits/{visit_id}").status_code == 200
    ana.pull_all()
    assert office_api.get("/v1/admin/ops").status_code == 200


def _session(visit_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "visit_id": visit_id, "status": "in_progress", "step": "wishes", "data": {},
        "started_at": "2026-01-05T08:00:00+00:00", **fields,
    }


def test_12_2_admin_edit_with_a_year_zero_window_is_refused(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, admin = login(fresh_office, "ana"), login(fresh_office, ADMIN_LOGIN)
    visit = ana.ok("GET", "/v1/visits")[0]
    response = admin.request("PATCH", f"/v1/admin/visits/{visit['id']}",
                             json={"window_start": "0001-01-01T00:00:00+14:00"})
    _refused(response, "window_start")
    _reads_back(ana, admin, visit["id"])


def test_12_2_session_started_in_year_10000_utc_is_refused(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, admin = login(fresh_office, "ana"), login(fresh_office, ADMIN_LOGIN)
    visit = ana.ok("GET", "/v1/visits")[0]
    payload = _session(visit["id"], started_at="9999-12-31T23:59:59-14:00")
    [result] = ana.push(mutation("session", "s-far", None, payload))
    assert result["status"] == "rejected" and "started_at" in result["reason"], result
    assert admin.get("/v1/admin/sessions/s-far").status_code == 404
    _reads_back(ana, admin, visit["id"])


@pytest.mark.parametrize("where", ["session data", "technician note", "wish"])
def test_12_2_lone_surrogates_are_refused_naming_the_field(
    fresh_office: EmbeddedBackOffice, login: LoginFactory, where: str
) -> None:
    ana, admin = login(fresh_office, "ana"), login(fresh_office, ADMIN_LOGIN)
    visit = ana.ok("GET", "/v1/visits")[0]
    if where == "technician note":
        op = mutation("visit", visit["id"], visit["version"], {"technician_notes": "a\ud800b"})
        field = "technician_notes"
    else:
        data = {"note": "x\udfff"} if where == "session data" else {"wishes": [{"text": "\ud800"}]}
        op = mutation("session", "s-surrogate", None, _session(visit["id"], data=data))
        field = "note" if where == "session data" else "text"
    _refused(_raw(ana, "POST", "/v1/sync/push", {"mutations": [op]}), field)
    assert ana.ok("GET", f"/v1/visits/{visit['id']}")["version"] == visit["version"]
    _reads_back(ana, admin, visit["id"])


def test_12_2_nul_characters_are_refused_naming_the_field(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    """PostgreSQL cannot store U+0000 in text or JSON: refused on the way in, on every database."""
    ana = login(fresh_office, "ana")
    visit = ana.ok("GET", "/v1/visits")[0]
    op = mutation("visit", visit["id"], visit["version"], {"technician_notes": "a\x00b"})
    _refused(_raw(ana, "POST", "/v1/sync/push", {"mutations": [op]}), "technician_notes")


@pytest.mark.parametrize("op_id", [str(uuid.UUID(int=0xE123)), "1e999e-not-a-uuid"])
def test_12_13_one_body_one_set_of_rules(
    fresh_office: EmbeddedBackOffice, login: LoginFactory, op_id: str
) -> None:
    """An ``e`` and three digits elsewhere in the body (a hex id) change nothing."""
    ana = login(fresh_office, "ana")
    visit = ana.ok("GET", "/v1/visits")[0]
    plain = mutation("visit", visit["id"], visit["version"], {"technician_notes": "\ud800"})
    with_hex = {**plain, "op_id": op_id}
    for op in (plain, with_hex):
        _refused(_raw(ana, "POST", "/v1/sync/push", {"mutations": [op]}), "technician_notes")
    assert ana.ok("GET", f"/v1/visits/{visit['id']}")["version"] == visit["version"]


# --- property: every 2xx write reads back ---------------------------------------------------

_zones = st.integers(-(14 * 60), 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_edges = st.sampled_from([
    "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59+14:00", "1969-12-31T23:59:59Z", "2199-12-31T23:59:59Z",
])
_moments = st.one_of(
    _edges,
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=_zones).map(
        lambda d: d.isoformat()
    ),
)
_texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)


@pytest.fixture(scope="module")
def writers(office: EmbeddedBackOffice) -> Iterator[tuple[Api, Api]]:
    ana = Api(office.url, "ana", DEMO_PASSWORD)
    admin = Api(office.url, ADMIN_LOGIN, ADMIN_PASSWORD)
    yield ana, admin
    ana.close()
    admin.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    endpoint=st.sampled_from(["patch", "visit", "session"]),
    moment=_moments, text=_texts, key=_texts,
)
def test_12_2_whatever_a_write_accepts_reads_back(
    writers: tuple[Api, Api], endpoint: str, moment: str, text: str, key: str
) -> None:
    ana, admin = writers
    visit = ana.ok("GET", "/v1/visits")[0]
    if endpoint == "patch":
        end = (datetime.now(UTC) + timedelta(days=3650)).isoformat()
        body: Any = {"window_start": moment, "window_end": end, "office_notes": text}
        response = _raw(admin, "PATCH", f"/v1/admin/visits/{visit['id']}", body)
    elif endpoint == "visit":
        op = mutation("visit", visit["id"], visit["version"], {"technician_notes": text})
        response = _raw(ana, "POST", "/v1/sync/push", {"mutations": [op]})
    else:
        session = _session(visit["id"], started_at=moment, data={key: text, "wishes": [text]})
        op = mutation("session", f"s-{uuid.uuid4().hex[:12]}", None, session)
        response = _raw(ana, "POST", "/v1/sync/push", {"mutations": [op]})
        if response.status_code == 200 and response.json()["results"][0]["status"] == "applied":
            assert admin.get(f"/v1/admin/sessions/{op['entity_id']}").status_code == 200
    assert response.status_code < 500, response.text
    _reads_back(ana, admin, visit["id"])


def test_12_10_a_reused_op_id_with_another_payload_is_409(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana = login(fresh_office, "ana")
    visit = ana.ok("GET", "/v1/visits")[0]
    first = mutation("visit", visit["id"], visit["version"], {"technician_notes": "first"})
    assert ana.push(first)[0]["status"] == "applied"
    assert ana.push(first)[0]["status"] == "duplicate"  # the same change again: fine
    other = {**first, "payload": {"technician_notes": "something else"}}
    response = ana.post("/v1/sync/push", json={"mutations": [other]})
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "op_id_reused" and first["op_id"] in error["message"]
    assert ana.ok("GET", f"/v1/visits/{visit['id']}")["technician_notes"] == "first"
    twice = mutation("visit", visit["id"], visit["version"] + 1, {"technician_notes": "a"})
    clash = {**twice, "payload": {"technician_notes": "b"}}  # within one request
    response = ana.post("/v1/sync/push", json={"mutations": [twice, clash]})
    assert response.status_code == 409, response.text
    assert ana.ok("GET", f"/v1/visits/{visit['id']}")["technician_notes"] == "first"


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "a" * 64 if "sha" in m.group(1) else "x-1", path)


def test_12_12_options_and_405_name_exactly_the_methods_of_the_path(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana = login(office, "ana")
    paths = ana.ok("GET", "/openapi.json")["paths"]
    templates = {re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", p) + "$"): p for p in paths}
    for path in paths:
        url = _concrete(path)  # served by every documented path it matches (ids can be words)
        methods = sorted({m.upper() for rx, p in templates.items() if rx.match(url)
                          for m in paths[p]})
        options = ana.request("OPTIONS", url)
        assert options.status_code == 204, (path, options.status_code)
        allowed = [m.strip() for m in options.headers["Allow"].split(",")]
        assert sorted(allowed) == sorted([*methods, "OPTIONS"]), (path, allowed)
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - set(methods):
            refused = ana.request(method, url)
            assert refused.status_code == 405, (method, path)
            assert refused.headers["Allow"] == options.headers["Allow"]


def _login_from(bo: EmbeddedBackOffice, login: str, password: str, source: str) -> int:
    reply = requests.post(f"{bo.url}/v1/auth/login", json={"username": login, "password": password},
                          headers={"X-Forwarded-For": source}, timeout=30)
    return reply.status_code


def test_12_11_wrong_passwords_from_one_address_never_lock_the_user_out_elsewhere(
    fresh_office: EmbeddedBackOffice, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh_office.service.state.throttle = LoginThrottle(free_per_account=2,
                                                        trusted_proxies=("127.0.0.1",))
    attacker, technician = "198.51.100.7", "203.0.113.9"
    assert [_login_from(fresh_office, "ben", f"guess {i}", attacker) for i in range(3)] == [401] * 3
    assert _login_from(fresh_office, "ben", DEMO_PASSWORD, attacker) == 429
    assert _login_from(fresh_office, "ben", DEMO_PASSWORD, technician) == 200


def test_12_11_rotating_forwarded_for_does_not_escape_the_limit(
    fresh_office: EmbeddedBackOffice,
) -> None:
    """No proxy is trusted by default: the header is ignored, the peer address counts."""
    assert LoginThrottle().trusted_proxies == ()
    fresh_office.service.state.throttle = LoginThrottle(free_per_source=3)  # fewer slow hashes
    spray = [_login_from(fresh_office, f"nobody-{i}", "guess", f"192.0.2.{i}") for i in range(4)]
    assert spray == [401] * 4
    assert _login_from(fresh_office, "ben", "guess", "192.0.2.99") == 429


def test_12_11_the_slowdown_is_kept_in_the_database(fresh_office: EmbeddedBackOffice) -> None:
    """Another worker process (another throttle on the same database) sees the same state."""
    database = fresh_office.service.db
    first, second = LoginThrottle(), LoginThrottle()
    for _ in range(6):
        first.failed(database, "ben", "198.51.100.7", 1000.0)
    assert second.retry_after(database, "Ben", "198.51.100.7", 1000.0) > 0
    assert second.retry_after(database, "ben", "203.0.113.9", 1000.0) == 0


def test_12_unknown_query_parameters_are_refused_not_ignored(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    """Found by schemathesis: ``?limt=5`` was ignored silently (a typo served a full page)."""
    response = login(office, "ana").get("/v1/sync/changes", params={"limt": 5})
    _refused(response, "limt")
