"""The laptop announces what it reads (``X-Sync-Features``, ``X-Insight-Kinds``) on every
request it makes, not only on the pull: the office shapes visits, sites and insights by
them on every path (``concierge_office.client_view``).  Real office behind a recording
proxy on 127.0.0.1."""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from concierge.api.client import ApiClient
from concierge.api.errors import ApiError
from concierge.domain import InsightKind
from concierge.protocol import schemas
from tests.sync.conftest import Laptop, Office, local_visits
from tests.sync.proxy import FaultProxy

NOT_REQUESTS = {"close", "cancel", "deadline", "reachable", "access_token",
                "renew_access_token"}  # no HTTP request (reachable: a TCP connect only)


def _each_endpoint(client: ApiClient, asset_id: str) -> dict[str, Callable[[], Any]]:
    now = datetime.now(UTC)
    content = b"features announced"
    sha = hashlib.sha256(content).hexdigest()
    return {
        "me": client.me,
        "put_day_status": lambda: client.put_day_status(
            schemas.DayStatusReport(status="break", at=now)),
        "serve_digest": client.serve_digest,
        "health": client.health,
        "pull": lambda: client.pull(None, 10),
        "push": lambda: client.push([schemas.Mutation(
            op_id=uuid.uuid4(), entity="visit", entity_id="no-such-visit", base_version=1,
            payload={"technician_notes": "x"}, made_at=now)]),
        "has_attachment": lambda: client.has_attachment(sha),
        "put_attachment": lambda: client.put_attachment(sha, content, "text/plain"),
        "telemetry_windows": lambda: client.telemetry_windows(schemas.TelemetryWindowRequest(
            asset_ids=[asset_id], start=now - timedelta(days=1), end=now, bucket_seconds=0)),
        "telemetry": lambda: client.telemetry(asset_id, "temperature", now - timedelta(hours=1),
                                              now),
        "login": lambda: client.login("nobody-here", "wrong"),
        "refresh": lambda: client.refresh("not-a-refresh-token"),
        "set_up": lambda: client.set_up("not-a-setup-token", "new-admin", "a long passphrase"),
    }


def test_every_request_announces_the_features(
    office: Office, laptop_factory: Callable[..., Laptop]
) -> None:
    with FaultProxy(office.url) as proxy:
        laptop = laptop_factory(office, url=proxy.url)  # signs in through the proxy
        assert laptop.sync().ok
        asset_id = next(iter(local_visits(laptop.store).values()))["asset_ids"][0]
        endpoints = _each_endpoint(laptop.client, asset_id)
        public = {name for name, _ in inspect.getmembers(ApiClient, inspect.isfunction)
                  if not name.startswith("_")}
        assert public - NOT_REQUESTS == set(endpoints), "a new endpoint: call it here too"
        for call in endpoints.values():
            with contextlib.suppress(ApiError):  # refused or not found is fine: what was
                call()  # sent is the point
        sent = list(proxy.sent_headers)
    kinds = ",".join(k.value for k in InsightKind)
    paths = {(method, path) for method, path, _ in sent}
    assert len(paths) >= len(endpoints), sorted(paths)  # each endpoint's request was seen
    for method, path, headers in sent:
        lowered = {k.lower(): v for k, v in headers.items()}
        assert lowered.get(schemas.SYNC_FEATURES_HEADER.lower()) == schemas.SYNC_FEATURES, (
            method, path)
        assert lowered.get(schemas.INSIGHT_KINDS_HEADER.lower()) == kinds, (method, path)
