"""Bad input of every kind gets a clear 4xx, never a 5xx and never a partial write."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import LoginFactory, mutation


def _error(response: object, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b'{"mutations": [}', b"\xff\xfe", b'{"mutations": NaN}'],
)
def test_malformed_json_is_400(office: EmbeddedBackOffice, login: LoginFactory, raw: bytes) -> None:
    ana = login(office, "ana")
    response = ana.post("/v1/sync/push", data=raw, headers={"Content-Type": "application/json"})
    _error(response, 400, "invalid_json")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused_even_in_free_form_dicts(
    office: EmbeddedBackOffice, login: LoginFactory, literal: str
) -> None:
    ana = login(office, "ana")
    visit = ana.ok("GET", "/v1/visits")[0]
    body = json.dumps({"mutations": [mutation("session", "s-nan", None, {"data": {"kpi": 0}})]})
    body = body.replace('"kpi": 0', f'"kpi": {literal}')
    response = ana.post("/v1/sync/push", data=body, headers={"Content-Type": "application/json"})
    _error(response, 400, "invalid_json")
    assert ana.ok("GET", f"/v1/visits/{visit['id']}")["version"] == visit["version"]


def test_wrong_types_and_shapes_are_422(office: EmbeddedBackOffice, login: LoginFactory) -> None:
    ana = login(office, "ana")
    for body in (
        {"mutations": "x"},
        {"mutations": []},
        {"mutations": [{"op_id": "not-a-uuid"}]},
        [1, 2],
        {"mutations": [mutation("visit", "v", 1, {})], "extra": 1},
    ):
        _error(ana.post("/v1/sync/push", json=body), 422, "validation_error")
    _error(ana.post("/v1/auth/login", json={"username": 5}), 422, "validation_error")
    _error(ana.get("/v1/visits", params={"status": "bogus"}), 422)
    _error(ana.get("/v1/telemetry/asset-001", params={"metric": "snr", "max_points": "many"}), 422)


def test_oversized_bodies_are_413_before_parsing(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana = login(office, "ana")
    huge = b'{"mutations": [' + b" " * (17 * 1024 * 1024) + b"]}"
    _error(
        ana.post("/v1/sync/push", data=huge, headers={"Content-Type": "application/json"}),
        413,
        "payload_too_large",
    )

    def chunks():  # no Content-Length: counted while streaming
        for _ in range(18):
            yield b" " * (1024 * 1024)

    _error(
        ana.post("/v1/sync/push", data=chunks(), headers={"Content-Type": "application/json"}), 413
    )


def test_unknown_routes_ids_and_methods(office: EmbeddedBackOffice, login: LoginFactory) -> None:
    ana = login(office, "ana")
    _error(ana.get("/v1/nowhere"), 404, "not_found")
    _error(ana.get("/v1/visits/does-not-exist"), 404, "not_found")
    _error(ana.get("/v1/sites/bad id with spaces"), 422)
    _error(ana.request("DELETE", "/v1/visits"), 405, "method_not_allowed")


def test_values_must_have_the_json_type_the_schema_publishes(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    # Pydantic alone reads a number or numeric text as a Unix time, "3" or true as an
    # integer and 0, 1 or "yes" as a boolean: all refused by the published schema.
    ana = login(office, "ana")
    later = "2031-01-01T00:00:00Z"
    for start in ("0", "1700000000", "2030-01-01 08:00:00Z"):
        near = {"near_from": start, "near_until": later}
        _error(ana.get("/v1/sync/changes", params=near), 422, "validation_error")
    window = {"asset_ids": ["asset-001"], "start": "2030-01-01T00:00:00Z", "end": later,
              "bucket_seconds": 3600}
    for wrong in ({"start": 1_700_000_000}, {"bucket_seconds": "3600"},
                  {"bucket_seconds": True}):
        _error(ana.post("/v1/telemetry/windows", json={**window, **wrong}), 422,
               "validation_error")
    assert ana.post("/v1/telemetry/windows", json=window).status_code == 200
    admin = login(office, "office")
    for method, path, body in (
        ("POST", "/v1/admin/serve/help/h-1/answer", {"accepted": 1, "answer": "Yes."}),
        ("POST", "/v1/admin/serve/goodwill/g-1/decision", {"approved": "yes", "reason": "Ok."}),
        ("PATCH", "/v1/admin/visits/v-1", {"priority": "2"}),
        ("PATCH", "/v1/admin/visits/v-1", {"base_version": True}),
        ("PATCH", "/v1/admin/serve/tasks/t-1", {"base_version": "1"}),
        ("PUT", "/v1/admin/sites/s-1/contract", {"allowance": {"money_per_visit": "50"}}),
    ):
        _error(admin.request(method, path, json=body), 422, "validation_error")
    reading = {"asset_id": "asset-001", "metric": "vibration", "value": 1.5,
               "ts": datetime.now(UTC).isoformat()}
    wrong_readings = [{**reading, "ts": int(time.time())}, {**reading, "value": "1.5"}]
    _error(admin.post("/v1/telemetry", json={"readings": wrong_readings}), 422,
           "no_valid_readings")


def test_a_nul_in_a_path_or_query_value_is_422_on_every_database(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    # PostgreSQL refuses a statement holding a NUL: looked up as it was, it was a 500.
    admin = login(office, "office")
    for method, path, params, body in (
        ("GET", "/v1/admin/serve/tasks", {"site_id": "s\x00"}, None),
        ("GET", "/v1/admin/ops", {"technician": "t\x00"}, None),
        ("GET", "/v1/sync/changes", {"cursor": "c\x00"}, None),
        ("PATCH", "/v1/admin/serve/tasks/t%00", None, {"note": "Called."}),
        ("POST", "/v1/admin/serve/help/h%00/answer", None, {"accepted": True, "answer": "Yes."}),
        ("POST", "/v1/admin/serve/goodwill/g%00/decision", None,
         {"approved": True, "reason": "Ok."}),
    ):
        _error(admin.request(method, path, params=params, json=body), 422, "invalid_text")
