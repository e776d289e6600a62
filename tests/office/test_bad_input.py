"""Bad input of every kind gets a clear 4xx, never a 5xx and never a partial write."""

from __future__ import annotations

import json

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
