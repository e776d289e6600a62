"""A technician sees and changes only their own visits and what those reference."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from concierge.domain import METRIC_CATALOGUE, AssetKind
from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import Api, LoginFactory, mutation


def _foreign_ids(ana: Api, ben: Api) -> dict[str, set[str]]:
    mine, theirs = ana.pull_all()[0], ben.pull_all()[0]
    own = {(c["entity"], c["id"]) for c in mine}
    return {
        entity: {c["id"] for c in theirs if c["entity"] == entity and (entity, c["id"]) not in own}
        for entity in ("visit", "site", "asset", "insight")
    }


def test_every_read_of_a_foreign_id_is_not_found(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, ben = login(office, "ana"), login(office, "ben")
    foreign = _foreign_ids(ana, ben)
    assert all(foreign.values()), foreign
    paths = [f"/v1/visits/{i}" for i in foreign["visit"]]
    paths += [f"/v1/sites/{i}" for i in foreign["site"]]
    paths += [f"/v1/assets/{i}" for i in foreign["asset"]]
    paths += [f"/v1/insights/{i}" for i in foreign["insight"]]
    for asset_id in foreign["asset"]:
        kind = ben.ok("GET", f"/v1/assets/{asset_id}")["kind"]
        paths.append(f"/v1/telemetry/{asset_id}?metric={METRIC_CATALOGUE[AssetKind(kind)][0].key}")
    for path in paths:
        response = ana.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
        assert ben.get(path).status_code == 200, path
    now = datetime.now(UTC)
    window = {
        "asset_ids": sorted(foreign["asset"])[:1],
        "start": (now - timedelta(days=1)).isoformat(),
        "end": now.isoformat(),
        "bucket_seconds": 3600,
    }
    refused = ana.ok("POST", "/v1/telemetry/windows", json=window)
    assert refused == {"series": [], "unavailable": window["asset_ids"]}
    answered = ben.ok("POST", "/v1/telemetry/windows", json=window)
    assert answered["series"] and answered["unavailable"] == []
    listed = {v["id"] for v in ana.ok("GET", "/v1/visits")}
    assert not listed & foreign["visit"]
    kinds_seen = {c["data"]["kind"] for c in ana.pull_all()[0] if c["entity"] == "asset"}
    assert {t["asset_kind"] for t in ana.ok("GET", "/v1/templates")} == kinds_seen


def test_foreign_mutations_and_attachments_are_refused(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, ben = login(office, "ana"), login(office, "ben")
    visit = ben.ok("GET", "/v1/visits")[0]
    result = ana.push(mutation("visit", visit["id"], visit["version"], {"technician_notes": "hi"}))[
        0
    ]
    assert result["status"] == "rejected" and result["code"] == "not_found"
    assert ben.ok("GET", f"/v1/visits/{visit['id']}")["technician_notes"] == ""
    content = b"ben's photo"
    sha = hashlib.sha256(content).hexdigest()
    put = ben.request(
        "PUT", f"/v1/attachments/{sha}", data=content, headers={"Content-Type": "image/png"}
    )
    assert put.status_code == 201
    assert ana.get(f"/v1/attachments/{sha}").status_code == 404
    assert ana.request("HEAD", f"/v1/attachments/{sha}").status_code == 404


def test_admin_endpoints_need_the_admin_role(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana = login(office, "ana")
    visit = ana.ok("GET", "/v1/visits")[0]
    for method, path, body in [
        ("PATCH", f"/v1/admin/visits/{visit['id']}", {"office_notes": "x"}),
        ("POST", "/v1/admin/engine/run", None),
        ("GET", "/v1/admin/ops", None),
        ("GET", "/v1/admin/stats", None),
        ("GET", "/v1/admin/sessions/some-session", None),
        ("POST", "/v1/telemetry", {"readings": []}),
    ]:
        response = ana.request(method, path, json=body)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"


def test_a_foreign_asset_in_a_telemetry_batch_is_listed_not_leaked(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, ben = login(office, "ana"), login(office, "ben")
    foreign = sorted(_foreign_ids(ana, ben)["asset"])[0]
    own = sorted(c["id"] for c in ana.pull_all()[0] if c["entity"] == "asset")[:3]
    now = datetime.now(UTC)
    window = {
        "start": (now - timedelta(days=3)).isoformat(),
        "end": now.isoformat(),
        "bucket_seconds": 3600,
    }
    batch = [own[0], foreign, own[1], "asset-does-not-exist", own[2]]
    mixed = ana.ok("POST", "/v1/telemetry/windows", json={**window, "asset_ids": batch})
    assert mixed["unavailable"] == [foreign, "asset-does-not-exist"]
    assert {s["asset_id"] for s in mixed["series"]} == set(own)
    assert foreign not in str(mixed["series"])
    alone = ana.ok("POST", "/v1/telemetry/windows", json={**window, "asset_ids": own})
    assert alone == {**mixed, "unavailable": []}, "the refused ids change nothing else"
    assert sum(sum(s["count"]) for s in alone["series"]) > 0
    theirs = ben.ok("POST", "/v1/telemetry/windows", json={**window, "asset_ids": [foreign]})
    assert theirs["series"] and sum(sum(s["count"]) for s in theirs["series"]) > 0
